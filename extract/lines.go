package extract

import (
	"strings"
	"unicode/utf8"
)

// line is one logical line of the text: a physical line, or one cell of it when the layout put
// several columns on the same row (runs of three or more spaces separate cells, as pdftotext
// -layout and tesseract print them).
type line struct {
	text   string // normalised, trimmed, single-spaced
	body   string // text without a leading bullet ("- ", "• ", "✓ ")
	skel   string // body without combining marks, for OCR-tolerant label matching
	indent int    // leading spaces of the physical line
	row    int    // 1-based physical line
	cell   int    // 0 for the first cell of its row
	blank  bool
}

// document is the text split into lines, ready for the parsers.
type document struct {
	lines []line
	ocr   bool
}

// maxLineRunes bounds one logical line; longer lines are cut (a letter's line is never that long,
// and fuzzy matching stays cheap).
const maxLineRunes = 4000

func newDocument(text string, ocr bool) *document {
	text = normalizeText(text)
	d := &document{ocr: ocr}
	row := 0
	for len(text) > 0 {
		var phys string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			phys, text = text[:i], text[i+1:]
		} else {
			phys, text = text, ""
		}
		row++
		indent := 0
		for indent < len(phys) && phys[indent] == ' ' {
			indent++
		}
		cells := joinDateCells(splitCells(phys[indent:]))
		if len(cells) == 0 {
			d.lines = append(d.lines, line{blank: true, row: row})
			continue
		}
		for ci, c := range cells {
			if utf8.RuneCountInString(c) > maxLineRunes {
				c = string([]rune(c)[:maxLineRunes])
			}
			l := line{text: c, indent: indent, row: row, cell: ci}
			l.body = stripBullet(c)
			l.skel = skeleton(l.body)
			d.lines = append(d.lines, l)
		}
	}
	return d
}

// splitCells splits a physical line at runs of 3 or more spaces and collapses the rest.
func splitCells(s string) []string {
	var cells []string
	for len(s) > 0 {
		i := strings.Index(s, "   ")
		var c string
		if i < 0 {
			c, s = s, ""
		} else {
			c = s[:i]
			s = strings.TrimLeft(s[i:], " ")
		}
		if c = collapseSpace(c); c != "" {
			cells = append(cells, c)
		}
	}
	return cells
}

// joinDateCells puts back together a date that wide spacing cut into cells ("๒๐   กุมภาพันธ์
// ๒๕๖๘", as justified date lines come out of pdftotext -layout).
func joinDateCells(cells []string) []string {
	for k := 0; k+1 < len(cells) && len(cells) > 1; {
		a, b := cells[k], cells[k+1]
		if runeLen(a) > 40 || runeLen(b) > 40 {
			k++
			continue
		}
		joined := a + " " + b
		cut := runeLen(a)
		merge := false
		for _, h := range findDates(joined) {
			if h.start < cut && h.end > cut+1 {
				merge = true
			}
		}
		// a day and a month cell, the year still to come
		if !merge && k+2 < len(cells) && runeLen(cells[k+2]) <= 12 {
			three := joined + " " + cells[k+2]
			for _, h := range findDates(three) {
				if h.start < cut && h.end > runeLen(joined)+1 {
					merge = true
				}
			}
		}
		if merge {
			cells[k] = joined
			cells = append(cells[:k+1], cells[k+2:]...)
			continue
		}
		k++
	}
	return cells
}

// stripBullet removes list bullets and check marks that OCR and markdown put before a line.
func stripBullet(s string) string {
	for {
		t := s
		for _, p := range []string{"- ", "-", "• ", "•", "* ", "✓ ", "✓", "· ", "– ", "— ", "> ", "→ ", "->", "□ ", "☐ ",
			// OCR debris before a label
			". ", ", ", "' ", "` ", "| ", "‘ ", "’ ", "\" ", "“ ", "_ "} {
			if strings.HasPrefix(s, p) && len(s) > len(p) {
				s = strings.TrimLeft(s[len(p):], " ")
				break
			}
		}
		if s == t {
			return s
		}
	}
}

// matchLabel reports whether l starts with the label (compared without combining marks, so that
// OCR's lost and misplaced marks still match) and returns the text after it. With needSep the
// label must be followed by a space, a colon, a digit or the end of the line, so that เรื่องเดิม
// is not the label เรื่อง.
func matchLabel(text, label string, needSep bool) (string, bool) {
	lab := []rune(skeleton(label))
	rs := []rune(text)
	i, j := 0, 0
	for i < len(rs) && j < len(lab) {
		if isThaiMark(rs[i]) {
			i++
			continue
		}
		if rs[i] != lab[j] {
			return "", false
		}
		i++
		j++
	}
	if j < len(lab) {
		return "", false
	}
	for i < len(rs) && isThaiMark(rs[i]) {
		i++
	}
	if i < len(rs) && needSep {
		r := rs[i]
		if !(r == ' ' || r == ':' || r == '.' || isDigit(r) || r == '(' || (r < 0x80 && r != '-')) {
			return "", false
		}
	}
	rest := strings.TrimLeft(string(rs[i:]), " :.,;")
	return strings.TrimSpace(rest), true
}

// labels of the header and closing, in their printed form.
const (
	labSubject   = "เรื่อง"
	labTo        = "เรียน"
	labToHigh    = "กราบเรียน"
	labPropose   = "เสนอ"
	labToStamped = "ถึง"
	labRef       = "อ้างถึง"
	labEncl      = "สิ่งที่ส่งมาด้วย"
	labEnclAlt   = "สิ่งที่แนบมาด้วย"
	labUnit      = "ส่วนราชการ"
	labMemo      = "บันทึกข้อความ"
	labDate      = "วันที่"
	labSign      = "ลงชื่อ"
)

// headerLabel names the header label at the start of l, if any.
func headerLabel(l line) (name, rest string) {
	if l.blank {
		return "", ""
	}
	t := l.body
	for _, c := range []struct {
		lab, name string
		sep       bool
	}{
		{labEncl, "encl", false}, {labEnclAlt, "encl", false}, {labRef, "ref", false},
		{labUnit, "unit", false}, {labMemo, "memo", false},
		{labToHigh, "to", true}, {labSubject, "subject", true}, {labTo, "to", true},
		{labPropose, "to", true}, {labDate, "date", true},
	} {
		if r, ok := matchLabel(t, c.lab, c.sep); ok {
			return c.name, r
		}
	}
	return "", ""
}

// closingKind reports a line that closes a letter's body.
func closingKind(l line) string {
	if l.blank {
		return ""
	}
	t := l.body
	for _, c := range []struct{ lab, kind string }{
		{"ขอแสดงความนับถือ", "regards"}, {"ขอแสดงความเคารพ", "regards"},
		{"จึงเรียนมา", "purpose"}, {"จึงกราบเรียนมา", "purpose"}, {"จึงเรียน", "purpose"}, {"จึงเสนอ", "purpose"},
		{"สั่ง ณ วันที่", "order"}, {"ประกาศ ณ วันที่", "order"}, {"ให้ไว้ ณ วันที่", "order"},
	} {
		if _, ok := matchLabel(t, c.lab, false); ok {
			return c.kind
		}
	}
	return ""
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

func hasDigit(s string) bool {
	for _, r := range s {
		if isDigit(r) {
			return true
		}
	}
	return false
}

func thaiRatio(s string) float64 {
	n, t := 0, 0
	for _, r := range s {
		if r == ' ' {
			continue
		}
		n++
		if isThaiLetter(r) {
			t++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(t) / float64(n)
}
