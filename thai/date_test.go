package thai

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMonthNames(t *testing.T) {
	full := []string{"มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"}
	abbr := []string{"ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."}
	for i := range 12 {
		m := time.Month(i + 1)
		if MonthName(m) != full[i] || MonthAbbrev(m) != abbr[i] {
			t.Errorf("month %d: %q %q", m, MonthName(m), MonthAbbrev(m))
		}
		for _, s := range []string{full[i], abbr[i], strings.TrimSuffix(abbr[i], "."), strings.ReplaceAll(abbr[i], ".", ""),
			strings.ReplaceAll(abbr[i], ".", ". "), m.String(), strings.ToUpper(m.String()), m.String()[:3], m.String()[:3] + "."} {
			if got, ok := ParseMonth(s); !ok || got != m {
				t.Errorf("ParseMonth(%q) = %v, %v; want %v", s, got, ok, m)
			}
		}
	}
	for _, m := range []time.Month{0, 13, -1} {
		if MonthName(m) != "" || MonthAbbrev(m) != "" {
			t.Errorf("month %d has a name", m)
		}
	}
}

func TestParseMonth(t *testing.T) {
	tests := []struct {
		in   string
		want time.Month
		ok   bool
	}{
		{"ต.ค.", time.October, true},
		{"ต.ค", time.October, true},
		{"ตค", time.October, true},
		{" ต. ค. ", time.October, true},
		{"ก.พ.", time.February, true}, // the token alone; the caller decides that it is a month
		{"กรกฏาคม", time.July, true},  // common misspelling
		{"Sept", time.September, true},
		{"sep", time.September, true},
		{"may", time.May, true},
		{"ก.พ.ร.", 0, false}, // OPDC, not a month
		{"มี.ย.", 0, false},  // OCR: March or June?
		{"ส.", 0, false},     // truncated
		{"", 0, false},
		{"10", 0, false},
		{"ตุลา", 0, false},
		{"octo", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseMonth(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseMonth(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestWeekdayName(t *testing.T) {
	want := []string{"อาทิตย์", "จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์"}
	for w := time.Sunday; w <= time.Saturday; w++ {
		if got := WeekdayName(w); got != want[w] {
			t.Errorf("WeekdayName(%v) = %q", w, got)
		}
	}
	if WeekdayName(7) != "" || WeekdayName(-1) != "" {
		t.Error("WeekdayName of an invalid day is not empty")
	}
}

func TestDateMethods(t *testing.T) {
	d := Date{2024, time.October, 7}
	if d.BE() != 2567 || d.String() != "2024-10-07" || d.Weekday() != time.Monday || !d.Valid() || d.IsZero() {
		t.Errorf("Date %v: BE %d String %q Weekday %v Valid %v", d, d.BE(), d.String(), d.Weekday(), d.Valid())
	}
	if got := d.Time(nil); !got.Equal(time.Date(2024, 10, 6, 17, 0, 0, 0, time.UTC)) || got.Location() != Bangkok {
		t.Errorf("Time(nil) = %v", got)
	}
	if got := d.Time(time.UTC); !got.Equal(time.Date(2024, 10, 7, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Time(UTC) = %v", got)
	}
	if !(Date{}).IsZero() || (Date{}).Valid() || (Date{2024, 2, 30}).Valid() || (Date{2024, 13, 1}).Valid() {
		t.Error("IsZero/Valid wrong")
	}
	if (Date{2024, 2, 29}).Valid() != true || (Date{2023, 2, 29}).Valid() != false {
		t.Error("leap years wrong")
	}
	// The historical New Year: before 1941 the Thai year began on 1 April.
	for _, tt := range []struct {
		d  Date
		be int
	}{
		{Date{1941, 1, 1}, 2484},
		{Date{1940, 12, 31}, 2483},
		{Date{1940, 4, 1}, 2483},
		{Date{1940, 3, 31}, 2482},
		{Date{1939, 4, 1}, 2482},
		{Date{1900, 1, 1}, 2442},
		{Date{2018, 5, 23}, 2561},
	} {
		if got := tt.d.BE(); got != tt.be {
			t.Errorf("%v.BE() = %d, want %d", tt.d, got, tt.be)
		}
	}
	// Compare.
	a, b := Date{2024, 10, 7}, Date{2024, 10, 9}
	if a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 || (Date{2023, 12, 31}).Compare(a) != -1 || (Date{2024, 11, 1}).Compare(a) != 1 {
		t.Error("Compare wrong")
	}
	// DateOf uses Bangkok.
	for _, tt := range []struct {
		t    time.Time
		want Date
	}{
		{time.Date(2024, 12, 31, 16, 59, 59, 0, time.UTC), Date{2024, 12, 31}},
		{time.Date(2024, 12, 31, 17, 0, 0, 0, time.UTC), Date{2025, 1, 1}},
		{time.Date(2024, 12, 31, 23, 59, 59, 0, Bangkok), Date{2024, 12, 31}},
		{time.Date(2025, 1, 1, 0, 0, 0, 0, Bangkok), Date{2025, 1, 1}},
		{time.Date(2024, 10, 8, 20, 0, 0, 0, time.FixedZone("", -5*3600)), Date{2024, 10, 9}},
	} {
		if got := DateOf(tt.t); got != tt.want {
			t.Errorf("DateOf(%v) = %v, want %v", tt.t, got, tt.want)
		}
	}
	// JSON.
	var v struct{ D Date }
	if err := json.Unmarshal([]byte(`{"D":"๗ ต.ค. ๒๕๖๗"}`), &v); err != nil || v.D != d {
		t.Errorf("unmarshal Thai date: %v %v", v.D, err)
	}
	if err := json.Unmarshal([]byte(`{"D":"วันศุกร์ที่ ๗ ต.ค. ๒๕๖๗"}`), &v); err == nil {
		t.Error("unmarshal of a wrong weekday succeeded")
	}
	if out, err := json.Marshal(v); err != nil || string(out) != `{"D":"2024-10-07"}` {
		t.Errorf("marshal = %s %v", out, err)
	}
	// The zero Date ("no date") round-trips as "".
	v.D = Date{}
	out, err := json.Marshal(v)
	if err != nil || string(out) != `{"D":""}` {
		t.Errorf("marshal zero = %s %v", out, err)
	}
	v.D = d
	if err := json.Unmarshal(out, &v); err != nil || !v.D.IsZero() {
		t.Errorf("unmarshal zero = %v %v", v.D, err)
	}
}

func TestParseDate(t *testing.T) {
	oct7 := Date{2024, time.October, 7}
	tests := []struct {
		in   string
		want Date
	}{
		// ISO.
		{"2024-10-07", oct7},
		{"  2024-10-07 ", oct7},
		{"2024-1-7", Date{2024, 1, 7}},
		{"2567-10-07", oct7}, // BE year in ISO form
		{"๒๐๒๔-๑๐-๐๗", oct7},
		{"1900-01-01", Date{1900, 1, 1}},
		{"1 ม.ค. 2442", Date{1900, 1, 1}}, // January before 1941: CE = BE − 542
		{"2399-12-31", Date{2399, 12, 31}},
		// Thai forms.
		{"๗ ต.ค. ๒๕๖๗", oct7},
		{"7 ต.ค. 2567", oct7},
		{"7 ต.ค 2567", oct7},
		{"7 ตค 2567", oct7},
		{"7 ต. ค. 2567", oct7},
		{"7ต.ค.2567", oct7},
		{"7 ตุลาคม 2567", oct7},
		{"๗ ตุลาคม ๒๕๖๗", oct7},
		{"๗ ตุลาคม พ.ศ. ๒๕๖๗", oct7},
		{"๗ ตุลาคม พ.ศ.๒๕๖๗", oct7},
		{"7 ตุลาคม พศ 2567", oct7},
		{"7 October 2567", oct7},
		{"7 ตุลาคม ค.ศ. 2024", oct7},
		{"7\u00a0ตุลาคม\u200b2567", oct7},
		{"23/พ.ค./2561", Date{2018, 5, 23}},
		{"23 / พ.ค. / 2561", Date{2018, 5, 23}},
		{"23-พ.ค.-2561", Date{2018, 5, 23}},
		{"7/10/2567", oct7},
		{"07/10/2567", oct7},
		{"7-10-2567", oct7},
		{"7.10.2567", oct7},
		{"7/10/67", oct7},
		{"30 ม.ค. 63", Date{2020, 1, 30}},
		{"๓๑ ม.ค.๖๓", Date{2020, 1, 31}},
		{"๑๓ พฤศจิกายน 25๖๒", Date{2019, 11, 13}},
		{"29 ก.พ. 2567", Date{2024, 2, 29}},
		{"1 มกราคม 2484", Date{1941, 1, 1}},
		{"31 ธันวาคม 2483", Date{1940, 12, 31}},
		{"31 มีนาคม 2482", Date{1940, 3, 31}},
		{"1 เมษายน 2482", Date{1939, 4, 1}},
		// Labels and weekdays.
		{"วันที่ 9 ต.ค. 2567", Date{2024, 10, 9}},
		{"วันที่๙ ต.ค. ๒๕๖๗", Date{2024, 10, 9}},
		{"วันศุกร์ที่ ๑๘ ตุลาคม ๒๕๖๒", Date{2019, 10, 18}},
		{"วันพุธ 9 ตุลาคม 2567", Date{2024, 10, 9}},
		{"วัน พุธ ที่ 9 ตุลาคม 2567", Date{2024, 10, 9}},
		{"วันพฤหัสบดีที่ 17 ต.ค. 2567", Date{2024, 10, 17}},
		{"วันพฤหัสที่ 17 ต.ค. 2567", Date{2024, 10, 17}},
		{"วันจันทร์ที่ 2024-10-07", oct7},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDateErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "no date given"},
		{"   ", "no date given"},
		{"ตุลาคม 2567", "must start with the day"},
		{"31 ก.พ. 2567", "day 31 does not exist: กุมภาพันธ์ 2567 has 29 days"},
		{"29 ก.พ. 2566", "day 29 does not exist"},
		{"31 เมษายน 2567", "day 31 does not exist"},
		{"0 ตุลาคม 2567", "day 0 does not exist"},
		{"2024-02-30", "day 30 does not exist"},
		{"2024-13-01", "month 13 does not exist"},
		{"2024-00-01", "month 0 does not exist"},
		{"7/13/2567", "month 13 does not exist"},
		{"7/0/2567", "month 0 does not exist"},
		{"7/10 2567", `expected "/" and the year`},
		{"7 ตุลาคม 2024", "not a Buddhist Era year"},
		{"7/10/2024", "not a Buddhist Era year"},
		{"7 ตุลาคม 567", "must have 4 digits"},
		{"7 ตุลาคม 25670", "must have 4 digits"},
		{"7 ตุลาคม ค.ศ. 24", "ค.ศ. year must have 4 digits"},
		{"7 ตุลาคม", "the year is missing"},
		{"11 ก.ย.", "the year is missing"},
		{"7 ตุลาคม พ.ศ.", "the year is missing"},
		{"9 มี.ย. 2561", "March is มี.ค. and June is มิ.ย."},
		{"9 ส. 2561", "is not a Thai month"},
		{"9 ก.พ.ร. 2561", "is not a Thai month"},
		{"9 ต.ค. เวลา 2567", `expected the year after the month "ต.ค."`},
		{"9 2567", "the month is missing"},
		{"9 / 2567", "the month is missing"},
		{"9 พ.ศ. 2567", "the month is missing"},
		{"123 ต.ค. 2567", "more than 2 digits"},
		{"7/123/2567", "more than 2 digits"},
		{"1899-12-31", "too early"},
		{"11:56 น.", "a time without a date"},
		{"2400-01-01", "outside the supported range"},
		{"31 ธ.ค. 2442", "outside the supported range"},
		{"1 ม.ค. 2943", "outside the supported range"},
		{"7 ตุลาคม ค.ศ. 2400", "outside the supported range"},
		{"1 มกราคม 2483", "no January–March in พ.ศ. 2483"},
		{"2483-02-01", "no January–March in พ.ศ. 2483"},
		{"2024-10", "year-month-day"},
		{"2024-100-07", "year-month-day"},
		{"2024-10-007", "year-month-day"},
		{"2024-10-07x", `unexpected text "x" after the day`},
		{"2024-10-07T10:00", `unexpected text "T10:00" after the date`},
		{"7 ต.ค. 2567 11:56 น.", `unexpected text "11:56 น." after the date`},
		{"วันโกหกที่ 7 ต.ค. 2567", "is not a weekday"},
		{"วัน", "is not a weekday"},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("ParseDate(%q) = %v, %v; want a *ParseError", tt.in, got, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseDate(%q) error = %q, want it to contain %q", tt.in, err, tt.want)
		}
		if pe.Input != tt.in || !strings.Contains(err.Error(), "7 ตุลาคม 2567") {
			t.Errorf("ParseDate(%q) error %q lacks the input or an example", tt.in, err)
		}
		if got != (Date{}) {
			t.Errorf("ParseDate(%q) returned %v with an error", tt.in, got)
		}
	}
}

func TestParseDateWeekdayMismatch(t *testing.T) {
	// Corpus 002-B: 19 October 2019 was a Saturday, not a Friday.
	in := "วันศุกร์ที่ ๑๙ ตุลาคม ๒๕๖๒"
	got, err := ParseDate(in)
	var wm *WeekdayMismatchError
	if !errors.As(err, &wm) {
		t.Fatalf("ParseDate(%q) error = %v, want *WeekdayMismatchError", in, err)
	}
	want := &WeekdayMismatchError{Input: in, Date: Date{2019, 10, 19}, Stated: time.Friday, Actual: time.Saturday}
	if diff := cmp.Diff(want, wm); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if got != want.Date {
		t.Errorf("date returned with the error = %v, want the date as written %v", got, want.Date)
	}
	for _, s := range []string{"วันศุกร์", "Friday", "วันเสาร์", "Saturday", "2019-10-19"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	// Every weekday name is checked.
	for w := time.Sunday; w <= time.Saturday; w++ {
		d := Date{2024, 10, 6 + int(w)} // 6 October 2024 was a Sunday
		s := "วัน" + WeekdayName(w) + "ที่ " + FormatDate(d, DateStyle{})
		if got, err := ParseDate(s); err != nil || got != d {
			t.Errorf("ParseDate(%q) = %v, %v", s, got, err)
		}
		wrong := "วัน" + WeekdayName((w+1)%7) + "ที่ " + FormatDate(d, DateStyle{})
		if _, err := ParseDate(wrong); !errors.As(err, &wm) || wm.Actual != w {
			t.Errorf("ParseDate(%q) error = %v, want mismatch naming %v", wrong, err, w)
		}
	}
}

func TestFormatDate(t *testing.T) {
	d := Date{2024, 10, 9}
	tests := []struct {
		style DateStyle
		want  string
	}{
		{DateStyle{}, "๙ ตุลาคม ๒๕๖๗"},
		{DateStyle{Digits: ThaiDigits, Abbrev: true}, "๙ ต.ค. ๒๕๖๗"},
		{DateStyle{Digits: ArabicDigits}, "9 ตุลาคม 2567"},
		{DateStyle{Digits: ArabicDigits, Abbrev: true}, "9 ต.ค. 2567"},
	}
	for _, tt := range tests {
		got := FormatDate(d, tt.style)
		if got != tt.want {
			t.Errorf("FormatDate(%v, %+v) = %q, want %q", d, tt.style, got, tt.want)
		}
		if back, err := ParseDate(got); err != nil || back != d {
			t.Errorf("ParseDate(%q) = %v, %v", got, back, err)
		}
	}
	if got := FormatDate(Date{1940, 2, 1}, DateStyle{Digits: ArabicDigits}); got != "1 กุมภาพันธ์ 2482" {
		t.Errorf("pre-1941 FormatDate = %q", got)
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in        string
		hour, min int
	}{
		{"11:56 น.", 11, 56},
		{"๑๑.๕๖ น.", 11, 56},
		{"เวลา 15.42", 15, 42},
		{"เวลา ๑๑.๕๖ น.", 11, 56},
		{"เวลา: 10.50", 10, 50},
		{"เวลา15.42น.", 15, 42},
		{"15:15", 15, 15},
		{"9.05 น", 9, 5},
		{"09.05 นาฬิกา", 9, 5},
		{"00:00", 0, 0},
		{"23.59 น.", 23, 59},
		{"11：56", 11, 56},
		{" 11:56 น . ", 11, 56},
	}
	for _, tt := range tests {
		h, m, err := ParseTime(tt.in)
		if err != nil || h != tt.hour || m != tt.min {
			t.Errorf("ParseTime(%q) = %d, %d, %v; want %d, %d", tt.in, h, m, err, tt.hour, tt.min)
		}
	}
	errs := []struct{ in, want string }{
		{"", "no time given"},
		{"เวลา.....", "expected the hour"},
		{"น.", "expected the hour"},
		{"24.00 น.", "hour 24 does not exist"},
		{"11.60", "minute 60 does not exist"},
		{"11.5", "minute must have 2 digits"},
		{"11.567", "minute must have 2 digits"},
		{"111.56", "more than 2 digits"},
		{"11 56", `expected "." or ":"`},
		{"15.20X", `unexpected text "X"`},
		{"11:56:30", `unexpected text ":30"`},
		{"13.00 – 17.30 น.", "unexpected text"},
	}
	for _, tt := range errs {
		_, _, err := ParseTime(tt.in)
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "11:56 น.") {
			t.Errorf("ParseTime(%q) error = %v, want *ParseError with %q and an example", tt.in, err, tt.want)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	bkk := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, Bangkok)
	}
	stamp := bkk(2024, 10, 9, 11, 56, 0, 0)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024-10-09T11:56:00+07:00", stamp},
		{"2024-10-09T04:56:00Z", stamp},
		{"2024-10-09T04:56:00z", stamp},
		{"2024-10-08T23:56:00-05:00", stamp},
		{"2024-10-09T11:56:00+0700", stamp},
		{"2024-10-09T11:56:00+07", stamp},
		{"2024-10-09 11:56:00+07:00", stamp},
		{"2024-10-09 11:56:00 +07:00", stamp},
		{"2024-10-09T11:56:00.123456789+07:00", bkk(2024, 10, 9, 11, 56, 0, 123456789)},
		{"2024-10-09T11:56:00.5+07:00", bkk(2024, 10, 9, 11, 56, 0, 500000000)},
		{"2024-10-09T11:56:00", stamp},
		{"2024-10-09T11:56", stamp},
		{"2024-10-09 11:56", stamp},
		{"2024-10-09 11:56 น.", stamp},
		{"2024-10-09", bkk(2024, 10, 9, 0, 0, 0, 0)},
		{"2567-10-09T11:56:00+07:00", stamp},
		{"9 ต.ค. 2567", bkk(2024, 10, 9, 0, 0, 0, 0)},
		{"๙ ตุลาคม ๒๕๖๗", bkk(2024, 10, 9, 0, 0, 0, 0)},
		{"9 ต.ค. 2567 11:56 น.", stamp},
		{"๙ ต.ค. ๒๕๖๗ เวลา ๑๑.๕๖ น.", stamp},
		{"๙ ต.ค. ๒๕๖๗, ๑๑.๕๖ น.", stamp},
		{"วันพุธที่ ๙ ต.ค. ๒๕๖๗ เวลา ๑๑.๕๖ น.", stamp},
		{"9/10/2567 11:56", stamp},
		{"11 ก.ย. 2567 15.42", bkk(2024, 9, 11, 15, 42, 0, 0)},
	}
	for _, tt := range tests {
		got, err := ParseDateTime(tt.in)
		if err != nil || !got.Equal(tt.want) || got.Location() != Bangkok {
			t.Errorf("ParseDateTime(%q) = %v, %v; want %v in Bangkok", tt.in, got, err, tt.want)
		}
	}

	errs := []struct{ in, want string }{
		{"", "no date given"},
		{"11:56 น.", "a time without a date"},
		{"9 ต.ค. 2567 25:00", `cannot read the time "25:00": hour 25 does not exist`},
		{"9 ต.ค. 2567 เวลา.....", "cannot read the time"},
		{"9 ต.ค. 2567 11:56:00+07:00", "cannot read the time"},
		{"2024-10-09T24:00:00+07:00", "is not a time of day"},
		{"2024-10-09T11:60:00+07:00", "is not a time of day"},
		{"2024-10-09T11:56:60+07:00", "is not a time of day"},
		{"2024-10-09T11:56:00+24:00", "not a valid UTC offset"},
		{"2024-10-09T11:56:00+07:60", "not a valid UTC offset"},
		{"2024-10-09T11:56:00+07:00 extra", "cannot read the time"},
		{"2399-12-31T23:00:00-05:00", "outside the supported range"},
		{"1900-01-01T00:00:00+08:00", "outside the supported range"},
		{"31 ก.พ. 2567 10:00", "day 31 does not exist"},
	}
	for _, tt := range errs {
		got, err := ParseDateTime(tt.in)
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) || !got.IsZero() {
			t.Errorf("ParseDateTime(%q) = %v, %v; want a *ParseError containing %q", tt.in, got, err, tt.want)
			continue
		}
		if pe.What != "date and time" || !strings.Contains(err.Error(), "2024-10-09T11:56:00+07:00") {
			t.Errorf("ParseDateTime(%q) error %q does not describe a date and time with an example", tt.in, err)
		}
	}

	// A wrong weekday returns the instant as written and the typed error.
	got, err := ParseDateTime("วันศุกร์ที่ ๑๙ ตุลาคม ๒๕๖๒ เวลา ๑๐.๐๐ น.")
	var wm *WeekdayMismatchError
	if !errors.As(err, &wm) || wm.Actual != time.Saturday || !got.Equal(bkk(2019, 10, 19, 10, 0, 0, 0)) {
		t.Errorf("weekday mismatch: %v, %v", got, err)
	}
	// The time is still checked when the weekday is wrong.
	if _, err := ParseDateTime("วันศุกร์ที่ ๑๙ ตุลาคม ๒๕๖๒ เวลา ๒๕.๐๐ น."); !errors.As(err, new(*ParseError)) {
		t.Errorf("bad time after a wrong weekday: %v", err)
	}
}

func TestFormatTimeAndBEYear(t *testing.T) {
	stamp := time.Date(2024, 10, 9, 4, 56, 0, 0, time.UTC)
	if got := FormatTime(stamp, ThaiDigits); got != "๑๑.๕๖ น." {
		t.Errorf("FormatTime Thai = %q", got)
	}
	if got := FormatTime(time.Date(2024, 10, 9, 9, 5, 0, 0, Bangkok), ArabicDigits); got != "09.05 น." {
		t.Errorf("FormatTime Arabic = %q", got)
	}
	for _, s := range []string{FormatTime(stamp, ThaiDigits), FormatTime(stamp, ArabicDigits)} {
		if h, m, err := ParseTime(s); err != nil || h != 11 || m != 56 {
			t.Errorf("ParseTime(%q) = %d, %d, %v", s, h, m, err)
		}
	}
	tests := []struct {
		t    string
		want int
	}{
		{"2024-12-31T23:59:59+07:00", 2567},
		{"2025-01-01T00:00:00+07:00", 2568},
		{"2024-12-31T16:59:59Z", 2567},
		{"2024-12-31T17:00:00Z", 2568}, // already 1 January in Bangkok
		{"2024-12-31T12:00:00-08:00", 2568},
		{"2024-01-01T00:00:00+07:00", 2567},
	}
	for _, tt := range tests {
		ts, err := time.Parse(time.RFC3339, tt.t)
		if err != nil {
			t.Fatal(err)
		}
		if got := BEYear(ts); got != tt.want {
			t.Errorf("BEYear(%s) = %d, want %d", tt.t, got, tt.want)
		}
	}
}
