package extract

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/thai"
)

var testNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func one(t *testing.T, text string, ocr bool) Letter {
	t.Helper()
	res := ExtractText(text, Options{Now: testNow, OCRText: ocr})
	if len(res.Letters) != 1 {
		t.Fatalf("%d letters, want 1: %+v", len(res.Letters), res.Letters)
	}
	return res.Letters[0]
}

func hasFlag(l Letter, code string) bool {
	for _, f := range l.Flags {
		if f.Code == code {
			return true
		}
	}
	return false
}

// A letter made up for the tests (not from the corpus), in the layout of an external letter.
const madeUpLetter = `ด่วนมาก
ที่ กค ๐๔๐๒.๓/ว ๑๒๓

กรมบัญชีกลาง
ถนนพระรามที่ ๖ กทม. ๑๐๔๐๐

๑๕ มกราคม ๒๕๖๘

เรื่อง ขอให้รายงานผลการเบิกจ่ายงบประมาณ
ประจำไตรมาสที่ ๑
เรียน ผู้ว่าราชการจังหวัด ทุกจังหวัด

อ้างถึง ๑. หนังสือกรมบัญชีกลาง ด่วนที่สุด ที่ กค ๐๔๐๒.๓/ว ๙๙ ลงวันที่ ๒ ธันวาคม ๒๕๖๗
๒. หนังสือกรมบัญชีกลาง ที่ กค ๐๔๐๒.๓/ว ๕ ลงวันที่ ๓ มกราคม ๒๕๖๘

สิ่งที่ส่งมาด้วย แบบรายงาน จำนวน ๑ ชุด

ตามที่อ้างถึง กรมบัญชีกลางได้ขอให้ส่วนราชการรายงานผลการเบิกจ่าย นั้น
จึงขอให้จังหวัดรายงานผลภายในวันศุกร์ที่ ๓๑ มกราคม ๒๕๖๘

จึงเรียนมาเพื่อโปรดพิจารณาดำเนินการ

ขอแสดงความนับถือ

(นางสาวสมศรี ใจงาม)
รองอธิบดี รักษาราชการแทน
อธิบดีกรมบัญชีกลาง

กองการเงิน
โทร ๐ ๒๑๒๗ ๗๐๐๐
`

func TestMadeUpExternalLetter(t *testing.T) {
	l := one(t, madeUpLetter, false)
	if l.Kind != KindExternal {
		t.Errorf("kind %s", l.Kind)
	}
	if l.DocNumber == nil || l.DocNumber.Canonical != "กค 0402.3/ว 123" || !l.DocNumber.Circular {
		t.Errorf("number %+v", l.DocNumber)
	}
	if l.Date == nil || l.Date.ISO != "2025-01-15" {
		t.Errorf("date %+v", l.Date)
	}
	if l.Agency == nil || l.Agency.Text != "กรมบัญชีกลาง" {
		t.Errorf("agency %+v", l.Agency)
	}
	if l.Subject == nil || l.Subject.Text != "ขอให้รายงานผลการเบิกจ่ายงบประมาณ ประจำไตรมาสที่ ๑" {
		t.Errorf("subject (split over two lines) %+v", l.Subject)
	}
	if l.To == nil || l.To.Text != "ผู้ว่าราชการจังหวัด ทุกจังหวัด" {
		t.Errorf("to %+v", l.To)
	}
	if l.Urgency.Value != "very_urgent" {
		t.Errorf("urgency %+v", l.Urgency)
	}
	if len(l.References) != 2 || l.References[0].DocNumber != "กค 0402.3/ว 99" || l.References[0].Urgency != "most_urgent" ||
		l.References[0].Date == nil || l.References[0].Date.ISO != "2024-12-02" || l.References[1].Seq != 2 {
		t.Errorf("references %+v", l.References)
	}
	if len(l.Attachments) != 1 || l.Attachments[0].Quantity != "1 ชุด" {
		t.Errorf("attachments %+v", l.Attachments)
	}
	if l.Signer == nil || l.Signer.Name != "นางสาวสมศรี ใจงาม" || l.Signer.Acting != CapacityActing ||
		len(l.Signer.PositionLines) != 2 || len(l.Signer.Authority) != 1 || l.Signer.Authority[0] != "อธิบดีกรมบัญชีกลาง" {
		t.Errorf("signer %+v", l.Signer)
	}
	// 31 January 2025 was a Friday: no weekday flag
	if len(l.Deadlines) != 1 || l.Deadlines[0].ISO != "2025-01-31" || l.Deadlines[0].Weekday != "Friday" || hasFlag(l, FlagWeekdayMismatch) {
		t.Errorf("deadlines %+v flags %+v", l.Deadlines, l.Flags)
	}
}

func TestWeekdayMismatchIsFlaggedNotFixed(t *testing.T) {
	text := strings.Replace(madeUpLetter, "วันศุกร์ที่ ๓๑ มกราคม", "วันพฤหัสบดีที่ ๓๑ มกราคม", 1)
	l := one(t, text, false)
	if len(l.Deadlines) != 1 || l.Deadlines[0].ISO != "2025-01-31" {
		t.Fatalf("deadline %+v", l.Deadlines)
	}
	if !hasFlag(l, FlagWeekdayMismatch) {
		t.Errorf("no weekday flag: %+v", l.Flags)
	}
}

func TestFutureDateAndStampBeforeLetter(t *testing.T) {
	text := "สำนักงานจังหวัดตาก\nเลขรับ 812\nวันที่ 3 ม.ค. 2568\nเวลา 10.15 น.\n\n" +
		strings.Replace(madeUpLetter, "๑๕ มกราคม ๒๕๖๘", "๑๕ มกราคม ๒๕๗๐", 1)
	l := one(t, text, false)
	if !hasFlag(l, FlagFutureDate) {
		t.Errorf("future date not flagged: %+v", l.Flags)
	}
	if !hasFlag(l, FlagStampBeforeLetter) {
		t.Errorf("stamp before letter not flagged: %+v", l.Flags)
	}
	if len(l.ReceiveStamps) != 1 || *l.ReceiveStamps[0].Number != 812 || l.ReceiveStamps[0].Time != "10:15" || l.ReceiveStamps[0].Unit != "สำนักงานจังหวัดตาก" {
		t.Errorf("stamp %+v", l.ReceiveStamps)
	}
	if l.Date.ISO != "2027-01-15" {
		t.Errorf("the date is kept as printed: %+v", l.Date)
	}
}

func TestMixedDigitsAndStraySpaces(t *testing.T) {
	for in, want := range map[string]string{
		"ที่ ชบ ๐๘๓๒.1/52":        "ชบ 0832.1/52",
		"ที่ สข ๐๐๑ ๗.๒/ว ๗๕๗๗":   "สข 0017.2/ว 7577",
		"ที่ นร 1200/ว14":         "นร 1200/ว 14",
		"ที่ นร ๐๕๐๖/ว(ล) ๒๓๒๐":   "นร 0506/ว(ล) 2320",
		"ที่ ๑๕๐/๒๕๖๓":            "150/2563",
		"ที่ อบ 0032.301.32.003/": "อบ 0032.301.32.003/",
	} {
		n, ok := parseNumberLine(in)
		if !ok || n.canonical() != want {
			t.Errorf("%q: got %q (%v), want %q", in, n.canonical(), ok, want)
		}
	}
	hs := findDates("ลงวันที่ ๗ ตุลาคม ๒๕๖ ๗ เวลา")
	if len(hs) != 1 || hs[0].year != 2567 || hs[0].day != 7 {
		t.Errorf("stray space in the year: %+v", hs)
	}
	hs = findDates("๑๓ พฤศจิกายน 25๖๒")
	if len(hs) != 1 || hs[0].year != 2562 {
		t.Errorf("mixed digits in the year: %+v", hs)
	}
}

func TestOCRYearRepair(t *testing.T) {
	// ๒ read as ๑ in the year: 1567 is impossible, 2567 is one confusion away
	c := dateCtx{ocr: true, now: testNow}
	hs := findDates("๗ ตุลาคม ๑๕๖๗")
	r, ok := resolve(hs[0], c, "date")
	if !ok || r.date.String() != "2024-10-07" || len(r.flags) == 0 || r.flags[0].Code != FlagRepaired {
		t.Errorf("got %+v %v", r, ok)
	}
	// ๖ read as ๒๐: a 5-digit year
	hs = findDates("๑๘ กันยายน ๒๕๒๐๐")
	r, ok = resolve(hs[0], c, "date")
	if !ok || r.date.String() != "2017-09-18" {
		t.Errorf("got %+v %v", r, ok)
	}
	// a text layer is never repaired
	c.ocr = false
	hs = findDates("๗ ตุลาคม ๑๕๖๗")
	if _, ok := resolve(hs[0], c, "date"); ok {
		t.Errorf("a text-layer year was repaired")
	}
}

func TestStampVariants(t *testing.T) {
	text := `ที่ ตก ๐๐๑๗/ว ๕๕
๙ มิถุนายน ๒๕๖๑
เรื่อง ทดสอบตราประทับ
เรียน นายอำเภอ

โรงพยาบาลแม่สอด
วันที่ 6637
วันที่ 9 มี.ย. 2561
เวลา.....

ศูนย์ดำรงธรรม
เลขรับ 51193/63
11 มิ.ย.
15.42

ทะเบียนกลาง
เลขที่ 11 ส. 2561 00357
วันที่ 10.50

ข้อความ

ขอแสดงความนับถือ
(นายทดสอบ ระบบ)
นายอำเภอแม่สอด
`
	l := one(t, text, true)
	if len(l.ReceiveStamps) != 3 {
		t.Fatalf("stamps %+v", l.ReceiveStamps)
	}
	s := l.ReceiveStamps
	// "วันที่ 6637": the number under the wrong label; "มี.ย." is not a month: June, because a
	// stamp is not before the letter (March would be)
	if *s[0].Number != 6637 || s[0].Date != "2018-06-09" || !hasFlag(l, FlagAmbiguous) {
		t.Errorf("stamp 1 %+v", s[0])
	}
	// year from the letter, time written with "."
	if *s[1].Number != 51193 || s[1].Date != "2018-06-11" || s[1].Time != "15:42" || !s[1].YearInferred {
		t.Errorf("stamp 2 %+v", s[1])
	}
	// a scrambled stamp: the unreadable date is dropped, the number and the time are kept
	if *s[2].Number != 357 || s[2].Date != "" || s[2].Time != "10:50" {
		t.Errorf("stamp 3 %+v", s[2])
	}
}

func TestTwoDigitYear(t *testing.T) {
	hs := findDates("วันที่ 30 ม.ค. 63 เวลา 11:56")
	if len(hs) != 1 || hs[0].year != 2563 || hs[0].day != 30 {
		t.Fatalf("%+v", hs)
	}
}

func TestHeaderLabelsOnTheirOwnLines(t *testing.T) {
	text := `บันทึกข้อความ
ส่วนราชการ กองคลัง เทศบาลเมืองทดสอบ
ที่ ทส ๕๒๐๐๑/๑๒
วันที่
๓ มีนาคม ๒๕๖๘
เรื่อง
ขออนุมัติจัดซื้อวัสดุสำนักงาน
เรียน นายกเทศมนตรี
ด้วยกองคลังมีความจำเป็นต้องจัดซื้อวัสดุ
จึงเรียนมาเพื่อโปรดพิจารณา
(นายทดลอง ใช้งาน)
ผู้อำนวยการกองคลัง
`
	l := one(t, text, false)
	if l.Kind != KindMemo || l.Date == nil || l.Date.ISO != "2025-03-03" || l.Subject == nil || l.Subject.Text != "ขออนุมัติจัดซื้อวัสดุสำนักงาน" {
		t.Errorf("%+v %+v %+v", l.Kind, l.Date, l.Subject)
	}
	if l.Agency == nil || l.Agency.Text != "กองคลัง เทศบาลเมืองทดสอบ" {
		t.Errorf("agency %+v", l.Agency)
	}
	if l.Signer == nil || l.Signer.Acting != CapacityOwn || l.Signer.PositionLines[0] != "ผู้อำนวยการกองคลัง" {
		t.Errorf("signer %+v", l.Signer)
	}
}

func TestSaraAmNormalisation(t *testing.T) {
	for in, want := range map[string]string{
		"อําเภอ":           "อำเภอ",           // nikhahit + sara aa (OCR)
		"น้้าขุ่น":         "น้ำขุ่น",         // nikhahit mapped to mai tho: two tone marks
		"โรงพยาบาลน้ ำยืน": "โรงพยาบาลน้ำยืน", // a space before sara am
		"ให้ ส าธารณชน":    "ให้ สาธารณชน",
	} {
		if got := normalizeText(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
	// a text layer that lost sara am everywhere (TH Sarabun through some Word versions)
	lossy := "คาสั่งสานักงานสาธารณสุขอาเภอเมือง\nเรื่อง มอบหมายการดาเนินการ จานวน ๒ คน\nตามที่กาหนด"
	got := normalizeText(lossy)
	for _, w := range []string{"คำสั่งสำนักงาน", "อำเภอ", "ดำเนินการ", "จำนวน", "กำหนด"} {
		if !strings.Contains(got, w) {
			t.Errorf("lossy text: %q missing in %q", w, got)
		}
	}
	// a clean text is left alone even if it contains the same letters
	clean := "ผู้ว่าราชการจังหวัดมีคำสั่งให้สำนักงานจังหวัดนาข้าวดำเนินการ"
	if normalizeText(clean) != clean {
		t.Errorf("clean text changed: %q", normalizeText(clean))
	}
}

func TestNotALetter(t *testing.T) {
	text := "ข่าวทำเนียบรัฐบาล\nหมวดหมู่: มติ ครม.\nที่ประชุมคณะรัฐมนตรีมีมติเห็นชอบ เมื่อวันที่ 18 มิถุนายน 2567\nข่าวล่าสุด"
	l := one(t, text, false)
	if l.Kind != KindNotALetter || l.DocNumber != nil {
		t.Errorf("%+v", l)
	}
}

func TestSplitAndCrossCheck(t *testing.T) {
	forward := `ที่ ตก ๐๐๒๐.๑/ว ๓๐๐
เรียน นายอำเภอทุกอำเภอ

สำนักงานจังหวัดตาก ขอส่งสำเนาหนังสือ กรมบัญชีกลาง ที่ กค ๐๔๐๒.๓/ว ๑๒๔ ลงวันที่ ๑๕ มกราคม ๒๕๖๘ มาพร้อมนี้

จึงเรียนมาเพื่อทราบ

(นายส่ง ต่อ)
ปลัดจังหวัด ปฏิบัติราชการแทน
ผู้ว่าราชการจังหวัดตาก

๒๐ ม.ค. ๒๕๖๘
`
	res := ExtractText(forward+"\n"+madeUpLetter, Options{Now: testNow})
	if len(res.Letters) != 2 {
		t.Fatalf("%d letters", len(res.Letters))
	}
	a, b := res.Letters[0], res.Letters[1]
	if a.DocNumber.Canonical != "ตก 0020.1/ว 300" || b.DocNumber.Canonical != "กค 0402.3/ว 123" {
		t.Errorf("order: %s, %s", a.DocNumber.Canonical, b.DocNumber.Canonical)
	}
	if a.Date == nil || a.Date.ISO != "2025-01-20" {
		t.Errorf("date under the signature: %+v", a.Date)
	}
	if !hasFlag(a, FlagCitationMismatch) {
		t.Errorf("the forwarded copy cites ว ๑๒๔ but the letter in the file is ว ๑๒๓: %+v", a.Flags)
	}
	if hasFlag(b, FlagCitationMismatch) {
		t.Errorf("false mismatch: %+v", b.Flags)
	}
}

type fakeRegistry map[string]time.Time

func (r fakeRegistry) DocDateOf(_ context.Context, n string) (time.Time, bool, error) {
	t, ok := r[n]
	return t, ok, nil
}

func TestRegistryMismatch(t *testing.T) {
	reg := fakeRegistry{"กค 0402.3/ว 99": time.Date(2024, 12, 3, 0, 0, 0, 0, time.UTC)}
	res, err := Text(context.Background(), madeUpLetter, Options{Now: testNow, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	if !hasFlag(res.Letters[0], FlagRegistryMismatch) {
		t.Errorf("no registry flag: %+v", res.Letters[0].Flags)
	}
}

func TestGarbledUrgencyAndAgencyCode(t *testing.T) {
	// the first letter cites มท ๐๘๑๐.๓; the second's number line is garbled by OCR
	text := `ที่ พร ๐๐๒๓.๓/ว ๑
เรียน นายอำเภอ
สิ่งที่ส่งมาด้วย สำเนาหนังสือกรมส่งเสริมการปกครองท้องถิ่น ที่ มท ๐๘๑๐.๓/๓๗๘๐ ลงวันที่ ๑๙ กันยายน ๒๕๖๒

ข้อความ

ขอแสดงความนับถือ
(นายหนึ่ง สอง)
ท้องถิ่นจังหวัด

โทร ๐๕๔

ศูนย์ที่สูตร
ที่มา ๑๘๑๐.๗/ว ๓๙๗๔
๑๖ กันยายน ๒๕๖๒
เรื่อง ทดสอบ
เรียน ผู้ว่าราชการจังหวัด
`
	res := ExtractText(text, Options{Now: testNow, OCRText: true})
	if len(res.Letters) != 2 {
		t.Fatalf("%d letters", len(res.Letters))
	}
	l := res.Letters[1]
	if l.DocNumber == nil || l.DocNumber.Canonical != "มท 0810.7/ว 3974" || !hasFlag(l, FlagRepaired) || l.DocNumber.Confidence > 0.5 {
		t.Errorf("number %+v flags %+v", l.DocNumber, l.Flags)
	}
	if l.Urgency.Value != "unknown" {
		t.Errorf("urgency %+v", l.Urgency)
	}
}

func TestSignerCapacities(t *testing.T) {
	base := "ที่ ตก ๐๐๑๗/๑\n๑ มีนาคม ๒๕๖๘\nเรื่อง ทดสอบ\nเรียน ทดสอบ\nข้อความ\nขอแสดงความนับถือ\n"
	for sig, want := range map[string]Capacity{
		"(นายก ข)\nรองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน\nผู้ว่าราชการจังหวัดตาก":       CapacityOnBehalf,
		"(นายก ข)\nรองอธิบดี รักษาราชการแทน\nอธิบดีกรมทดสอบ":                              CapacityActing,
		"(นายก ข)\nนักวิชาการเงินและบัญชีปฏิบัติการ\nรักษาการในตำแหน่งนักจัดการงานทั่วไป": CapacityOwn,
		"(นายก ข)\nนายแพทย์ชำนาญการ ปฏิบัติหน้าที่\nผู้อำนวยการโรงพยาบาล":                 CapacityOwn,
	} {
		l := one(t, base+sig, false)
		if l.Signer == nil || l.Signer.Acting != want || len(l.Signer.PositionLines) != 2 {
			t.Errorf("%q: %+v", sig, l.Signer)
		}
	}
	// a given name split by OCR is joined again
	if n, _ := nameOf("(นายต่อ พงษ์ ทับทิมโต)"); n != "นายต่อพงษ์ ทับทิมโต" {
		t.Errorf("name %q", n)
	}
	if n, _ := nameOf("( ว่าที่ ร.ต. สมชาย ใจดี )"); n != "ว่าที่ ร.ต. สมชาย ใจดี" {
		t.Errorf("name %q", n)
	}
}

func TestDeadlineForms(t *testing.T) {
	letter := mustDate(t, "2024-10-01")
	c := dateCtx{now: testNow, notBefore: letter, refYear: 2567}
	paras := []string{
		"ให้รายงานภายในวันที่ ๑๕ ต.ค. ๖๗",                  // 2-digit year
		"ส่งข้อมูลภายในเดือนพฤศจิกายน ๒๕๖๗",                // end of month
		"ให้แล้วเสร็จภายในปี ๒๕๗๐",                         // end of year (fiscal flagged)
		"ขอให้หน่วยงานประเมินผล ประจำปีงบประมาณ พ.ศ. ๒๕๖๘", // request + fiscal year
		"ให้ตอบกลับภายใน ๑๕ วัน",                           // relative
		"ตามที่ได้ดำเนินการภายในวันที่ ๑ มกราคม ๒๕๖๐",      // before the letter: history
		"ไม่เกินวันที่ ๒๐ ธันวาคม",                         // no year
	}
	ds, fl := findDeadlines(paras, c, letter, letter)
	got := map[string]string{}
	for _, d := range ds {
		got[d.ISO] = d.Kind
	}
	want := map[string]string{"2024-10-15": "date", "2024-11-30": "month", "2027-12-31": "year", "2025-09-30": "fiscal_year", "2024-10-16": "relative", "2024-12-20": "date"}
	for iso, k := range want {
		if got[iso] != k {
			t.Errorf("%s: got %q, want %q (all %+v)", iso, got[iso], k, ds)
		}
	}
	if len(ds) != len(want) {
		t.Errorf("%d deadlines: %+v", len(ds), ds)
	}
	fiscal := false
	for _, f := range fl {
		if f.Code == FlagFiscalYear {
			fiscal = true
		}
	}
	if !fiscal {
		t.Errorf("year target not flagged as possibly fiscal: %+v", fl)
	}
}

func mustDate(t *testing.T, s string) (d thai.Date) {
	t.Helper()
	if err := d.UnmarshalText([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParseOCRMode(t *testing.T) {
	for in, want := range map[string]OCRMode{"": OCRAuto, "AUTO": OCRAuto, "always": OCRAlways, "never": OCRNever} {
		if got, err := ParseOCRMode(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	if _, err := ParseOCRMode("sometimes"); err == nil {
		t.Error("accepted a bad mode")
	}
}

func TestOneLineStampAndCommitteeCode(t *testing.T) {
	text := `เลขรับที่ 123 วันที่ 5 ม.ค. 68 เวลา 10.00 น.
ที่ นร (กพร) ๑๒๐๐/ว ๑
๒ มกราคม ๒๕๖๘
เรื่อง ทดสอบ
เรียน ทดสอบ
`
	l := one(t, text, false)
	if l.DocNumber == nil || l.DocNumber.Committee != "กพร" || l.DocNumber.Canonical != "นร(กพร) 1200/ว 1" {
		t.Errorf("number %+v", l.DocNumber)
	}
	if len(l.ReceiveStamps) != 1 || *l.ReceiveStamps[0].Number != 123 || l.ReceiveStamps[0].Date != "2025-01-05" || l.ReceiveStamps[0].Time != "10:00" {
		t.Errorf("stamp %+v", l.ReceiveStamps)
	}
}

// The same kind of letter as pdftotext -layout prints it: columns on one row, indented
// paragraphs, no blank lines.
const layoutLetter = `        ด่วนที่สุด
ที่ มท ๐๘๐๘.๒/ว ๔๕๖                                   กรมส่งเสริมการปกครองท้องถิ่น
                                                      ถนนนครราชสีมา เขตดุสิต กทม. ๑๐๓๐๐
                                   ๒๐   กุมภาพันธ์   ๒๕๖๘
เรื่อง  การสำรวจข้อมูลบุคลากรท้องถิ่น
เรียน  ผู้ว่าราชการจังหวัด ทุกจังหวัด
สิ่งที่ส่งมาด้วย  ๑. แบบสำรวจ                                       จำนวน ๑ ชุด
                ๒. คู่มือการกรอกข้อมูล                              จำนวน ๑ ชุด
                    ด้วยกรมส่งเสริมการปกครองท้องถิ่นมีความประสงค์จะสำรวจข้อมูลบุคลากร
ขององค์กรปกครองส่วนท้องถิ่น จึงขอความร่วมมือจังหวัดแจ้งองค์กรปกครองส่วนท้องถิ่นกรอกข้อมูล
และส่งกลับภายในวันที่ ๑๔ มีนาคม ๒๕๖๘
                    จึงเรียนมาเพื่อโปรดพิจารณา
                                              ขอแสดงความนับถือ
                                          (นายประสงค์ ทดสอบ)
                                   รองอธิบดี ปฏิบัติราชการแทน
                                อธิบดีกรมส่งเสริมการปกครองท้องถิ่น
กองพัฒนาและส่งเสริมการบริหารงานท้องถิ่น
โทร. ๐ ๒๒๔๑ ๙๐๐๐
`

func TestLayoutText(t *testing.T) {
	l := one(t, layoutLetter, false)
	if l.DocNumber == nil || l.DocNumber.Canonical != "มท 0808.2/ว 456" || l.Urgency.Value != "most_urgent" {
		t.Errorf("number %+v urgency %+v", l.DocNumber, l.Urgency)
	}
	if l.Date == nil || l.Date.ISO != "2025-02-20" {
		t.Errorf("date %+v", l.Date)
	}
	if l.Agency == nil || l.Agency.Text != "กรมส่งเสริมการปกครองท้องถิ่น" {
		t.Errorf("agency %+v", l.Agency)
	}
	if l.Subject == nil || l.Subject.Text != "การสำรวจข้อมูลบุคลากรท้องถิ่น" || l.To == nil || l.To.Text != "ผู้ว่าราชการจังหวัด ทุกจังหวัด" {
		t.Errorf("subject %+v to %+v", l.Subject, l.To)
	}
	if len(l.Attachments) != 2 || l.Attachments[1].Seq != 2 || l.Attachments[1].Quantity != "1 ชุด" {
		t.Errorf("attachments %+v", l.Attachments)
	}
	if len(l.Deadlines) != 1 || l.Deadlines[0].ISO != "2025-03-14" {
		t.Errorf("deadlines %+v", l.Deadlines)
	}
	if l.Signer == nil || l.Signer.Name != "นายประสงค์ ทดสอบ" || l.Signer.Acting != CapacityOnBehalf || len(l.Signer.PositionLines) != 2 {
		t.Errorf("signer %+v", l.Signer)
	}
}
