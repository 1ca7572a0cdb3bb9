package extract

import (
	"regexp"
	"strings"
)

// The signature block (saraban-domain §8.2): the full name typed in parentheses, then one or more
// position lines; a line ending in ปฏิบัติราชการแทน or รักษาราชการแทน is followed by the
// position on whose behalf the signer signed.

// nameLineRE is a name in parentheses (either parenthesis may be lost by OCR).
var nameLineRE = regexp.MustCompile(`^(?:ลงชื่อ\s*)?(\(?)\s*([^()0-9๐-๙]{3,80}?)\s*(\)?)\s*$`)

// personTitles begin a typed full name.
var personTitles = []string{"นางสาว", "นาง", "นาย", "น.ส.", "ว่าที่", "ดร.", "ผศ.", "รศ.", "ศ.", "พล", "พ.ต.", "พ.ท.", "พ.อ.",
	"ร.ต.", "ร.ท.", "ร.อ.", "จ.ส.", "ส.ต.", "ส.ท.", "ส.อ.", "พันตำรวจ", "พันโท", "พันเอก", "พันตรี", "ร้อยตำรวจ", "ร้อยเอก", "ร้อยโท",
	"ร้อยตรี", "จ่า", "สิบ", "ดาบตำรวจ", "นายแพทย์", "แพทย์หญิง", "ทันตแพทย์", "เภสัชกร", "ศาสตราจารย์", "รองศาสตราจารย์",
	"ผู้ช่วยศาสตราจารย์", "หม่อม", "ม.ร.ว.", "ม.ล.", "พระ", "Mr", "Mrs", "Ms", "Miss", "Dr"}

// isNameLine reports a typed full name in parentheses.
func isNameLine(t string) bool {
	_, ok := nameOf(t)
	return ok
}

// nameOf returns the name of a name line, normalised: parentheses and their inner spaces
// dropped, runs of spaces collapsed, and a given name that OCR split in two (นายต่อ พงษ์ ทับทิมโต)
// joined again.
func nameOf(t string) (string, bool) {
	m := nameLineRE.FindStringSubmatch(t)
	if m == nil {
		return "", false
	}
	open, name, closing := m[1], strings.TrimSpace(m[2]), m[3]
	if open == "" && closing == "" {
		return "", false
	}
	titled := false
	for _, p := range personTitles {
		if strings.HasPrefix(name, p) {
			titled = true
			break
		}
	}
	fs := strings.Fields(name)
	if len(fs) < 2 || len(fs) > 5 {
		return "", false
	}
	if !titled && (open == "" || closing == "") {
		return "", false
	}
	if thaiRatio(name) < 0.6 {
		return "", false
	}
	for _, w := range []string{"รายละเอียด", "ถ้ามี", "ตาม", "ปรากฏ", "ของ", "และ", "เพื่อ", "ได้"} {
		if strings.Contains(name, w) && !titled {
			return "", false
		}
	}
	// "นายต่อ พงษ์ ทับทิมโต": three words after a title that is glued to the given name, the
	// middle one short: a space OCR put inside the given name.
	if titled && len(fs) == 3 && !isStandaloneTitle(fs[0]) && runeLen(fs[1]) <= 5 {
		fs = []string{fs[0] + fs[1], fs[2]}
	}
	return strings.Join(fs, " "), true
}

// isStandaloneTitle: a title or rank printed as a word of its own (ว่าที่ ร.ต., ดร.).
func isStandaloneTitle(w string) bool {
	for _, p := range []string{"ว่าที่", "ดร.", "ผศ.", "รศ.", "ศ.", "พ.ต.", "พ.ท.", "พ.อ.", "ร.ต.", "ร.ท.", "ร.อ.", "นายแพทย์", "แพทย์หญิง"} {
		if w == p || (strings.HasSuffix(w, ".") && runeLen(w) <= 8) {
			return true
		}
	}
	for _, p := range []string{"พันตำรวจ", "ร้อยตำรวจ", "พลตำรวจ", "พันเอก", "พันโท", "พันตรี", "ร้อยเอก", "ร้อยโท", "ร้อยตรี", "พลเอก", "พลโท", "พลตรี"} {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

// positionStarts begin a position line (the head of a unit, an officer's line title...).
var positionStarts = []string{"ผู้", "หัวหน้า", "รอง", "ปลัด", "นายก", "นายอำเภอ", "อธิบดี", "เลขาธิการ", "เลขานุการ", "ประธาน",
	"อธิการบดี", "คณบดี", "ผอ.", "นัก", "เจ้าพนักงาน", "เจ้าหน้าที่", "พยาบาล", "นายแพทย์", "แพทย์", "ทันตแพทย์", "เภสัชกร",
	"ครู", "ศึกษาธิการ", "สาธารณสุข", "ท้องถิ่น", "พัฒนาการ", "เกษตร", "ปศุสัตว์", "อัยการ", "ผู้พิพากษา", "สารวัตร",
	"ผู้กำกับ", "ผู้บังคับ", "ผู้บัญชาการ", "ผู้ว่าราชการ", "ผู้อำนวยการ", "ผู้ช่วย", "รักษาการ", "ปฏิบัติหน้าที่", "ปฏิบัติราชการ",
	"รักษาราชการ", "อัครราชทูต", "เอกอัครราชทูต", "กงสุล", "ประจำ", "คลัง", "สรรพากร", "ที่ดิน", "โยธา", "ป่าไม้", "ประมง",
	"ขนส่ง", "แรงงาน", "สวัสดิการ", "พาณิชย์", "อุตสาหกรรม", "วัฒนธรรม", "การท่องเที่ยว", "พลังงาน", "สถิติ", "ยุติธรรม",
	"คุมประพฤติ", "บังคับคดี", "ทหาร", "นายทหาร", "กำนัน", "ผู้ใหญ่บ้าน", "สมาชิก", "กรรมการ", "อนุกรรมการ", "ที่ปรึกษา",
	"ผู้เชี่ยวชาญ", "ผู้ตรวจ", "ผู้แทน", "ทนาย", "นิติกร", "วิศวกร", "สถาปนิก", "ช่าง", "พนักงาน", "ลูกจ้าง", "อาจารย์",
	"ศาสตราจารย์", "เจ้าพนักงานที่ดิน", "นายช่าง", "หน.", "จนท."}

func capacityOf(s string) (Capacity, bool) {
	sk := skeleton(s)
	switch {
	case strings.Contains(sk, skeleton("ปฏิบัติราชการแทน")):
		return CapacityOnBehalf, true
	case strings.Contains(sk, skeleton("รักษาราชการแทน")), strings.Contains(sk, skeleton("รักษาราชการ")) && !strings.Contains(sk, skeleton("รักษาการใน")):
		return CapacityActing, true
	}
	return CapacityOwn, false
}

// endsWithHandOver: a line after which the position on whose behalf follows.
func endsWithHandOver(s string) bool {
	sk := skeleton(strings.TrimSpace(s))
	for _, p := range []string{"ปฏิบัติราชการแทน", "รักษาราชการแทน", "ปฏิบัติหน้าที่", "ปฏิบัติหน้าที่ในตำแหน่ง", "รักษาการในตำแหน่ง", "แทน", "รักษาราชการ"} {
		if strings.HasSuffix(sk, skeleton(p)) {
			return true
		}
	}
	return false
}

func positionLike(s string) bool {
	for _, p := range positionStarts {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// isContactLine: the owner unit's contact lines printed after the signature.
func isContactLine(s string) bool {
	for _, p := range []string{"โทร", "โทรศัพท์", "โทรสาร", "ไปรษณีย์อิเล็กทรอนิกส์", "E-mail", "e-mail", "Email", "อีเมล", "www.", "http", "Fax", "Tel", "ส่วนราชการเจ้าของเรื่อง"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// isAnnotationLine: a routing note or an approval box printed near signatures.
func isAnnotationLine(s string) bool {
	for _, p := range []string{"เห็นควร", "อนุมัติ", "ไม่อนุมัติ", "ทราบ", "เรียน", "ลงชื่อ", "( )", "()", "เสนอ", "มอบ", "เพื่อโปรด", "ดำเนินการ", "แจ้ง", "อนุญาต", "สำเนา", "ความเห็น"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// readSigner reads the signature block whose name is on line i. It returns the signer and the
// last line it used.
func (d *document) readSigner(i, end int, above string) (*Signer, int) {
	name, _ := nameOf(d.lines[i].body)
	sg := &Signer{Name: name, Acting: CapacityOwn, Confidence: 0.9}
	last := i
	handOver := false
	for j := i + 1; j <= end && j < len(d.lines) && len(sg.PositionLines) < 6; j++ {
		l := d.lines[j]
		if l.blank {
			continue
		}
		t := l.body
		if isNameLine(t) || isContactLine(t) || closingKind(l) != "" {
			break
		}
		if hs := findDates(t); len(hs) > 0 && runeLen(hs[0].raw) >= runeLen(t)-4 {
			break // a date under the signature (short forms print it there)
		}
		first := len(sg.PositionLines) == 0
		// a centred position that the text layer cut into two cells of one row
		if !first && l.cell > 0 && d.lines[last].row == l.row && !positionLike(t) && runeLen(t) <= 15 && !hasDigit(t) {
			sg.PositionLines[len(sg.PositionLines)-1] += t
			sg.Confidence -= 0.1
			last = j
			continue
		}
		if !first && !handOver && !positionLike(t) {
			break
		}
		if first {
			_, hands := capacityOf(t)
			if isAnnotationLine(t) || runeLen(t) > 160 || (hasDigit(t) && !positionLike(t) && !hands) {
				break
			}
		}
		if !first && isAnnotationLine(t) && !positionLike(t) {
			break
		}
		sg.PositionLines = append(sg.PositionLines, t)
		handOver = endsWithHandOver(t)
		last = j
	}
	// a centred position split by the text layer: a fragment above the name, the rest below
	if above != "" && len(sg.PositionLines) > 0 && runeLen(sg.PositionLines[0]) <= 15 && !positionLike(sg.PositionLines[0]) {
		sg.PositionLines[0] = above + sg.PositionLines[0]
		sg.Confidence -= 0.2
	} else if above != "" && len(sg.PositionLines) == 0 {
		sg.PositionLines = []string{above}
		sg.Confidence -= 0.2
	}
	// capacity: the first hand-over phrase decides; the lines after it are the authority chain
	for k, p := range sg.PositionLines {
		if c, ok := capacityOf(p); ok {
			if sg.Acting == CapacityOwn {
				sg.Acting = c
			}
			if k+1 < len(sg.PositionLines) {
				a := sg.PositionLines[k+1]
				a = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(a, "ปฏิบัติราชการแทน"), "รักษาราชการแทน"))
				sg.Authority = append(sg.Authority, a)
			}
		}
	}
	if len(sg.PositionLines) == 0 {
		sg.Confidence -= 0.4
	}
	sg.Confidence = round2(sg.Confidence)
	return sg, last
}
