package extract

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/saraban/saraban/domain"
)

// numberRE is the document-number grammar of saraban-domain §4.1, loosened for OCR: any digits,
// stray spaces inside the owner code and the running number, Latin o/O for zero, an agency code
// of up to five characters that may be garbled (it is checked and repaired afterwards), and a
// running number that may be missing (an unsent copy prints "ที่ อบ 0032.301/").
var numberRE = regexp.MustCompile(`^(?P<letters>[ก-๏]{1,5})?\s*(?:\((?P<comm>[ก-๏.]{1,8})\))?\s*(?P<owner>[0-9๐-๙oO](?:\s?[0-9๐-๙oO]){2,5})(?P<subs>(?:\s?\.\s?[0-9๐-๙]{1,4}){0,5})\s*/\s*(?P<circ>ว\.?\s*(?:\(\s*[ก-ฮ]\s*\))?)?\s*(?P<run>[0-9๐-๙](?:\s?[0-9๐-๙]){0,6})?`)

// orderNumberRE is the number of an order or certificate: running/BE year.
var orderNumberRE = regexp.MustCompile(`^(?P<run>[0-9๐-๙]{1,5})\s*/\s*(?P<year>(?:[0-9๐-๙]\s?){3}[0-9๐-๙]|[0-9๐-๙]{2})(?:[^0-9๐-๙/]|$)`)

// anchorPrefixes are how the ที่ label comes out of text layers and OCR.
var anchorPrefixes = []string{"ที่", "ที", "ท่ี", "ทึ่", "ท ", "เลขที่"}

// parsedNumber is a document number read from text, before JSON.
type parsedNumber struct {
	raw       string // as printed, without ที่
	letters   string
	comm      string
	owner     string
	subs      []string
	circ      string
	running   int // 0 = missing
	year      int
	order     bool
	rest      string // text after the number on the same line
	lettersOK bool   // the agency letters are 2–3 Thai consonants
	// circFromDigit: the circular marker was read as a digit by OCR and restored
	circFromDigit bool
}

// parseNumberLine reads a ที่ line: the label and a number. ok is false when the line is not one.
func parseNumberLine(text string) (parsedNumber, bool) {
	for _, p := range anchorPrefixes {
		if !strings.HasPrefix(text, p) {
			continue
		}
		rest := strings.TrimLeft(text[len(p):], " :.")
		if p == "เลขที่" && !orderNumberRE.MatchString(rest) {
			continue
		}
		if n, ok := parseNumber(rest); ok {
			return n, true
		}
	}
	// OCR often garbles the large bold label (ที่ read as "Vi", "ใท"): a short scrap followed by
	// a complete, well-formed number is still a number line.
	if i := strings.IndexByte(text, ' '); i > 0 && runeLen(text[:i]) <= 3 {
		if n, ok := parseNumber(strings.TrimSpace(text[i:])); ok && n.lettersOK && len(n.owner) >= 4 && n.running > 0 {
			return n, true
		}
	}
	return parsedNumber{}, false
}

// parseNumber reads a number at the start of s (without ที่).
func parseNumber(s string) (parsedNumber, bool) {
	if m := orderNumberRE.FindStringSubmatchIndex(s); m != nil {
		run := atoiSafe(toArabic(s[m[2]:m[3]]))
		yr := strings.ReplaceAll(toArabic(s[m[4]:m[5]]), " ", "")
		y := atoiSafe(yr)
		if len(yr) == 2 {
			y += 2500
		}
		if run > 0 && y >= 2400 && y <= 2700 {
			end := m[5]
			return parsedNumber{raw: strings.TrimSpace(s[:end]), running: run, year: y, order: true,
				rest: strings.TrimSpace(s[end:]), lettersOK: true}, true
		}
	}
	m := numberRE.FindStringSubmatchIndex(s)
	if m == nil {
		return parsedNumber{}, false
	}
	get := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return s[m[2*i]:m[2*i+1]]
	}
	n := parsedNumber{}
	n.letters = strings.TrimSpace(get(1))
	n.comm = get(2)
	owner := strings.NewReplacer(" ", "", "o", "0", "O", "0").Replace(toArabic(get(3)))
	if len(owner) < 3 || len(owner) > 6 {
		return parsedNumber{}, false
	}
	n.owner = owner
	for _, sub := range strings.Split(strings.NewReplacer(" ", "").Replace(toArabic(get(4))), ".") {
		if sub != "" {
			n.subs = append(n.subs, sub)
		}
	}
	if c := get(5); c != "" {
		c = strings.NewReplacer(" ", "", ".", "").Replace(c)
		n.circ = c
	}
	if r := get(6); r != "" {
		// "1200/2 14": a lone character where the circular marker stands, set off by a space
		// from the running number, is ว read as a digit (OCR reads ว as 2 or ๒).
		if n.circ == "" && len(r) > 2 && (r[0] == '2' || strings.HasPrefix(r, "๒")) {
			if i := strings.IndexByte(r, ' '); i > 0 && i <= len("๒") && strings.Count(r, " ") == 1 {
				n.circ = "ว"
				n.circFromDigit = true
				r = r[i+1:]
			}
		}
		n.running = atoiSafe(strings.ReplaceAll(toArabic(r), " ", ""))
		if n.running <= 0 {
			n.running = 0
		}
	}
	// The agency code must start the token: a mark or vowel there means prose ("ทั้งนี้ 12/66").
	if n.letters != "" {
		first := []rune(n.letters)[0]
		if !isThaiConsonant(first) && first != 'เ' {
			return parsedNumber{}, false
		}
	}
	if n.letters == "" && n.running == 0 {
		return parsedNumber{}, false
	}
	end := m[1]
	n.raw = strings.TrimSpace(s[:end])
	n.rest = strings.TrimSpace(s[end:])
	n.lettersOK = validLetters(n.letters)
	return n, true
}

func validLetters(s string) bool {
	rs := []rune(s)
	if len(rs) < 2 || len(rs) > 3 {
		return false
	}
	for _, r := range rs {
		if !isThaiConsonant(r) {
			return false
		}
	}
	return true
}

// canonical is the number with Arabic digits in domain.DocNumber.Canonical form.
func (n parsedNumber) canonical() string {
	if n.order {
		return fmt.Sprintf("%d/%d", n.running, n.year)
	}
	var b strings.Builder
	b.WriteString(n.letters)
	if n.comm != "" {
		b.WriteString("(" + n.comm + ")")
	}
	b.WriteString(" " + n.owner)
	for _, s := range n.subs {
		b.WriteString("." + s)
	}
	b.WriteString("/")
	if n.circ != "" {
		b.WriteString(n.circ + " ")
	}
	if n.running > 0 {
		b.WriteString(strconv.Itoa(n.running))
	}
	return b.String()
}

// toField converts to JSON, validating with domain.ParseDocNumber when the number is complete.
func (n parsedNumber) toField(conf float64) *DocNumber {
	if dn, err := domain.ParseDocNumber(n.canonical()); err == nil {
		f := docNumberOf(n.raw, dn, conf)
		return f
	}
	f := &DocNumber{Raw: n.raw, Canonical: n.canonical(), Form: "letter", AgencyLetters: n.letters, Committee: n.comm,
		OwnerCode: n.owner, SubCodes: n.subs, Circular: n.circ != "", CircularMarker: n.circ, Confidence: conf}
	if n.order {
		f.Form = "order"
		f.Year = n.year
	}
	if n.running > 0 {
		r := n.running
		f.RunningNumber = &r
	}
	return f
}

// prefixKey is the agency letters and owner code, the part of a number that names the unit.
func (n parsedNumber) prefixKey() string { return n.letters + " " + n.owner }

// agencyCodes are the letter codes of ministries and provinces (the regulation's ภาคผนวก ๑),
// used to repair an agency code that OCR garbled. They are general reference data.
var agencyCodes = strings.Fields(`นร กห กค กต กก พม อว กษ คค ทส ดศ พน พณ มท ยธ รง วธ ศธ สธ อก
	กบ กจ กส กพ ขก จบ ฉช ชบ ชน ชย ชพ ชร ชม ตง ตร ตก นย นฐ นพ นม นศ นว นบ นธ นน บก บร ปท ปข ปจ ปน
	อย พย พง พท พจ พล พบ พช พร ภก มค มห มส ยส ยล รอ รน รย รบ ลบ ลป ลพ ลย ศก สน สข สต สป สส สค สก
	สบ สห สท สพ สฎ สร นค นภ อท อจ อด อต อน อบ กท`)

var agencyCodeSet = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range agencyCodes {
		m[c] = true
	}
	return m
}()

// repairLetters proposes agency letters for a garbled code: first a code cited elsewhere in the
// same file with the same (or nearly the same) owner code, then a unique known code one edit
// away. It returns the repaired letters and owner code.
func repairLetters(n parsedNumber, fileNumbers []parsedNumber) (letters, owner string, ok bool) {
	bestD, count := 99, 0
	for _, c := range fileNumbers {
		if !c.lettersOK || c.order {
			continue
		}
		d := levenshtein(n.letters, c.letters, 2)
		if d > 1 {
			continue
		}
		od := levenshtein(n.owner, c.owner, 1)
		if od > 1 {
			continue
		}
		if d+od < bestD {
			bestD, count = d+od, 1
			letters, owner = c.letters, c.owner
		} else if d+od == bestD && (c.letters != letters || c.owner != owner) {
			count++
		}
	}
	if count == 1 {
		return letters, owner, true
	}
	var cands []string
	for _, code := range agencyCodes {
		if levenshtein(n.letters, code, 1) <= 1 {
			cands = append(cands, code)
		}
	}
	if len(cands) == 1 {
		return cands[0], n.owner, true
	}
	return "", "", false
}
