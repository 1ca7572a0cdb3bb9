package extract

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Thai character classes used throughout.
const (
	saraAa   = 'า' // U+0E32
	saraAm   = 'ำ' // U+0E33
	nikhahit = 'ํ' // U+0E4D
	maiTho   = '้' // U+0E49
)

func isThaiConsonant(r rune) bool { return r >= 'ก' && r <= 'ฮ' }

// isThaiMark reports the combining marks: vowels above and below, tone marks and signs.
func isThaiMark(r rune) bool {
	return r == 0x0E31 || (r >= 0x0E34 && r <= 0x0E3A) || (r >= 0x0E47 && r <= 0x0E4E)
}

func isToneMark(r rune) bool { return r >= 0x0E48 && r <= 0x0E4B }

func isThaiLetter(r rune) bool { return r >= 0x0E01 && r <= 0x0E4F }

func isThaiDigit(r rune) bool { return r >= '๐' && r <= '๙' }

func isDigit(r rune) bool { return (r >= '0' && r <= '9') || isThaiDigit(r) }

// cannotStartSyllable reports Thai characters that never begin a word: combining marks and the
// following vowels ะ า ำ. A space before one of them is an artefact of text extraction.
func cannotStartSyllable(r rune) bool {
	return isThaiMark(r) || r == 'ะ' || r == saraAa || r == saraAm
}

// puaThai maps the private-use glyphs of Thai fonts (the Microsoft/WTT convention used by
// TH Sarabun and most Thai fonts, U+F700–U+F71A: shifted tone marks and vowels) to the
// characters they draw, for text layers that leak them.
var puaThai = map[rune]rune{
	0xF700: 'ฐ', 0xF701: 'ิ', 0xF702: 'ี', 0xF703: 'ึ', 0xF704: 'ื',
	0xF705: '่', 0xF706: '้', 0xF707: '๊', 0xF708: '๋', 0xF709: '์',
	0xF70A: '่', 0xF70B: '้', 0xF70C: '๊', 0xF70D: '๋', 0xF70E: '์',
	0xF70F: 'ญ', 0xF710: 'ั', 0xF711: 'ํ', 0xF712: '็',
	0xF713: '่', 0xF714: '้', 0xF715: '๊', 0xF716: '๋', 0xF717: '์',
	0xF718: 'ุ', 0xF719: 'ู', 0xF71A: 'ฺ',
}

// normalizeText prepares text for parsing without changing what it says: Unicode NFC, the
// private-use glyphs of Thai fonts mapped back, invisible characters removed, line ends unified,
// sara am (ำ) rebuilt where extraction split or lost it, and spaces that cannot stand before a
// Thai vowel or mark removed. Line structure is kept.
func normalizeText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\r':
			continue
		case r == 0x200B || r == 0x200C || r == 0x200D || r == 0xFEFF || r == 0x00AD || r == 0xFFFD || r == 0x2060:
			continue
		case r == 0x00A0 || r == 0x2002 || r == 0x2003 || r == 0x2009 || r == 0x3000:
			b.WriteRune(' ')
		case r == '\f' || r == '\v':
			b.WriteString("\n\n")
		case r == '\t':
			b.WriteString("    ")
		case r < 0x20 && r != '\n':
			continue
		default:
			if m, ok := puaThai[r]; ok {
				r = m
			}
			b.WriteRune(r)
		}
	}
	s = fixSaraAm(b.String())
	s = dropSpacesBeforeMarks(s)
	s = repairLostSaraAm(s)
	return s
}

// fixSaraAm rebuilds sara am from the pieces text layers and OCR leave:
//   - nikhahit + sara aa (ํา), with a tone mark before or between, becomes tone + ำ;
//   - a second tone mark right after a tone mark and before sara aa (น้้า) is a nikhahit that
//     a font's ToUnicode table mapped to mai tho: two tone marks never stack in Thai.
func fixSaraAm(s string) string {
	if !strings.ContainsRune(s, nikhahit) && !strings.Contains(s, "้้") && !hasDoubleTone(s) {
		return s
	}
	rs := []rune(s)
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == nikhahit {
			// ํ [tone] า  ->  [tone] ำ
			j := i + 1
			var tone rune
			if j < len(rs) && isToneMark(rs[j]) {
				tone = rs[j]
				j++
			}
			if j < len(rs) && rs[j] == saraAa {
				if tone != 0 {
					out = append(out, tone)
				}
				out = append(out, saraAm)
				i = j
				continue
			}
		}
		if isToneMark(r) && i+2 < len(rs) && isToneMark(rs[i+1]) && rs[i+2] == saraAa {
			// tone tone า -> tone ำ
			out = append(out, r, saraAm)
			i += 2
			continue
		}
		if isToneMark(r) && i+2 < len(rs) && rs[i+1] == nikhahit && rs[i+2] == saraAa {
			out = append(out, r, saraAm)
			i += 2
			continue
		}
		out = append(out, r)
	}
	return string(out)
}

func hasDoubleTone(s string) bool {
	prevTone := false
	for _, r := range s {
		t := isToneMark(r)
		if t && prevTone {
			return true
		}
		prevTone = t
	}
	return false
}

// dropSpacesBeforeMarks removes a run of spaces between a Thai character and a character that
// cannot begin a syllable (น้ ำยืน, ส าธารณชน): extraction artefacts, never real spacing.
func dropSpacesBeforeMarks(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var prev rune
	pending := 0 // spaces held back
	for _, r := range s {
		if r == ' ' {
			pending++
			continue
		}
		if pending > 0 {
			if !(pending <= 2 && isThaiLetter(prev) && cannotStartSyllable(r)) {
				b.WriteString(strings.Repeat(" ", pending))
			}
			pending = 0
		}
		b.WriteRune(r)
		prev = r
	}
	if pending > 0 {
		b.WriteString(strings.Repeat(" ", pending))
	}
	return b.String()
}

// lostAmWords are frequent words of official Thai that contain sara am and whose forms with the
// sara am lost (ำ read as า, or as ้า when a font maps the nikhahit to mai tho) are not words.
// The list is general vocabulary, not taken from any particular letter; it is used only on text
// that shows the loss throughout (see repairLostSaraAm).
var lostAmWords = []string{
	"กำหนด", "กำกับ", "กำลัง", "กำไร", "กำจัด", "กำเนิด", "กำนัน", "กำแพง", "กำชับ",
	"คำสั่ง", "คำร้อง", "คำขอ", "คำถาม", "คำตอบ", "คำแนะนำ", "คำนวณ", "คำนึง", "คำนิยาม",
	"คำรับรอง", "คำชี้แจง", "คำพิพากษา", "คำวินิจฉัย", "คำอธิบาย", "คำมั่น",
	"จำนวน", "จำเป็น", "จำกัด", "จำหน่าย", "จำแนก", "จำเลย",
	"ชำนาญ", "ชำระ", "ชำรุด",
	"ดำเนิน", "ดำรง", "ดำริ",
	"ตำแหน่ง", "ตำรวจ", "ตำบล", "ตำรา", "ตำหนิ",
	"ทำการ", "ทำงาน", "ทำให้", "ทำความ", "ทำเนียบ", "ทำสัญญา", "จัดทำ", "กระทำ",
	"ธำรง",
	"นำเสนอ", "นำส่ง", "นำเข้า", "นำไป", "นำมา", "นำขึ้น", "นำผล", "นำข้อมูล", "แนะนำ",
	"บำรุง", "บำเหน็จ", "บำนาญ", "บำบัด",
	"ประจำ", "ลำดับ", "ลำปาง", "ลำพูน", "ลำบาก",
	"สำนัก", "สำคัญ", "สำเร็จ", "สำรวจ", "สำเนา", "สำหรับ", "สำรอง", "สำนึก", "สำนวน",
	"อำเภอ", "อำนาจ", "อำนวย",
}

// lostAmPair is one replacement: the damaged form and the word.
type lostAmPair struct{ bad, good string }

var lostAmPairs = func() []lostAmPair {
	var ps []lostAmPair
	seen := map[string]bool{}
	for _, w := range lostAmWords {
		if !strings.ContainsRune(w, saraAm) {
			continue
		}
		// ำ lost as า: only multi-syllable words, whose damaged form is not itself a word or
		// the start of common ones (นา, ทา, คา... are).
		if bad := strings.ReplaceAll(w, "ำ", "า"); utf8.RuneCountInString(w) >= 4 && !seen[bad] {
			seen[bad] = true
			ps = append(ps, lostAmPair{bad, w})
		}
		// ำ drawn as nikhahit mapped to mai tho: ้า (a tone mark before it has become a
		// double tone mark, which fixSaraAm already repairs).
		rs := []rune(w)
		var bad2 []rune
		ok := true
		for i, r := range rs {
			if r == saraAm {
				if i > 0 && isToneMark(rs[i-1]) {
					ok = false
					break
				}
				bad2 = append(bad2, maiTho, saraAa)
				continue
			}
			bad2 = append(bad2, r)
		}
		if ok && !seen[string(bad2)] {
			seen[string(bad2)] = true
			ps = append(ps, lostAmPair{string(bad2), w})
		}
	}
	return ps
}()

// repairLostSaraAm restores sara am in text whose source dropped it everywhere (TH Sarabun text
// layers written by some versions of Word: คำสั่ง comes out as คาสั่ง, or as ค้าสั่ง). It acts
// only when the text has almost no sara am of its own while the damaged forms of several
// distinct common words occur, so that a clean text is never touched.
func repairLostSaraAm(s string) string {
	good := strings.Count(s, "ำ")
	var hits []lostAmPair
	distinct := 0
	total := 0
	for _, p := range lostAmPairs {
		if n := strings.Count(s, p.bad); n > 0 {
			hits = append(hits, p)
			distinct++
			total += n
		}
	}
	if distinct < 2 || total <= 2*good {
		return s
	}
	// Longer damaged forms first, so that a word is replaced whole.
	for i := 1; i < len(hits); i++ {
		for j := i; j > 0 && len(hits[j].bad) > len(hits[j-1].bad); j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
		}
	}
	args := make([]string, 0, 2*len(hits))
	for _, p := range hits {
		args = append(args, p.bad, p.good)
	}
	return strings.NewReplacer(args...).Replace(s)
}

// skeleton drops the combining marks, for matching labels that OCR read with marks lost or
// misplaced (เรอง for เรื่อง).
func skeleton(s string) string {
	var b strings.Builder
	for _, r := range s {
		if isThaiMark(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// collapseSpace trims s and turns every run of white space into one space.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// toArabic maps Thai digits to Arabic ones.
func toArabic(s string) string {
	if !strings.ContainsAny(s, "๐๑๒๓๔๕๖๗๘๙") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isThaiDigit(r) {
			r = '0' + (r - '๐')
		}
		b.WriteRune(r)
	}
	return b.String()
}
