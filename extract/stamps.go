package extract

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/saraban/saraban/thai"
)

// A receive stamp (ตรารับหนังสือ, saraban-domain §5.2) is a small block of lines: the receiving
// unit, เลขรับ (or รับที่, เลขรับที่, เลขที่) with the receive number, วันที่ with the date and
// เวลา with the time. OCR scrambles the labels (the number may sit after วันที่, the time after
// วันที่), so values are recognised by their shape: a date is a date, a time is HH.MM, a number is
// a bare integer.

var (
	stampNumberLabelRE = regexp.MustCompile(`^(?:เลขทะเบียนรับ|ทะเบียนรับ|เลขรับที่|เลขรับ|รับที่|เลขที่)\s*[:.]?\s*(.*)$`)
	stampTimeLabelRE   = regexp.MustCompile(`^เวลา\s*[:.]?\s*(.*)$`)
	stampDateLabelRE   = regexp.MustCompile(`^วันที่\s*[:.]?\s*(.*)$`)
	timeRE             = regexp.MustCompile(`(?:^|[^0-9๐-๙/])([0-2๐-๒]?[0-9๐-๙])\s?[.:]\s?([0-5๐-๕][0-9๐-๙])(?:\s*(?:น\.?|นาฬิกา))?(?:[^0-9๐-๙/]|$)`)
	bareIntRE          = regexp.MustCompile(`^([0-9๐-๙]{1,7})(?:\s*/\s*([0-9๐-๙]{2}))?$`)
	// an unreadable date: day, a scrap of a Thai month, a BE year (11 ส. 2561)
	dateLikeRE = regexp.MustCompile(`[0-9๐-๙]{1,2}\s*[ก-ฮ]{1,3}\.?\s*(?:[ก-ฮ]\.?)?\s*(?:25|๒๕)[0-9๐-๙]{2}`)
	caseCodeRE = regexp.MustCompile(`รหัสเรื่อง\s*:?\s*(\S+)`)
	dotsOnlyRE = regexp.MustCompile(`^[.\s…_-]*$`)
)

type stampLineKind int

const (
	slNone stampLineKind = iota
	slNumber
	slTime
	slDate
	slBareDate
	slBareTime
	slBareInt
)

func (d *document) stampLineKind(i int) stampLineKind {
	l := d.lines[i]
	if l.blank {
		return slNone
	}
	t := l.body
	if m := stampNumberLabelRE.FindStringSubmatch(t); m != nil {
		v := strings.TrimSpace(m[1])
		if strings.HasPrefix(t, "เลขที่") && orderNumberRE.MatchString(v) && !bareIntRE.MatchString(v) {
			return slNone // a certificate number, not a stamp
		}
		if v == "" || dotsOnlyRE.MatchString(v) || hasDigit(v) {
			return slNumber
		}
		return slNone
	}
	if m := stampTimeLabelRE.FindStringSubmatch(t); m != nil && runeLen(t) <= 60 {
		return slTime
	}
	if m := stampDateLabelRE.FindStringSubmatch(t); m != nil && runeLen(t) <= 40 {
		return slDate
	}
	if runeLen(t) <= 14 {
		if bareIntRE.MatchString(t) {
			return slBareInt
		}
		if isOnlyTime(t) {
			return slBareTime
		}
	}
	if runeLen(t) <= 20 {
		if hs := findDates(t); len(hs) == 1 && runeLen(hs[0].raw) >= runeLen(t)-3 && !hs[0].full {
			return slBareDate
		}
	}
	return slNone
}

func isOnlyTime(t string) bool {
	m := timeRE.FindStringSubmatchIndex(t)
	if m == nil {
		return false
	}
	rest := strings.TrimSpace(t[:m[2]] + t[m[1]:])
	rest = strings.Trim(rest, " .น")
	return rest == "" || rest == "นาฬิกา"
}

// stampBlock is a receive stamp's lines.
type stampBlock struct {
	first, last int // line range, inclusive
	unit        int // line of the receiving unit, -1 when none
	lines       []int
	kinds       []stampLineKind
}

// findStamps finds receive stamps anywhere in the document.
func (d *document) findStamps() []stampBlock {
	kinds := make([]stampLineKind, len(d.lines))
	for i := range d.lines {
		kinds[i] = d.stampLineKind(i)
	}
	var blocks []stampBlock
	i := 0
	for i < len(d.lines) {
		if kinds[i] == slNone {
			i++
			continue
		}
		// group candidates separated by at most one blank line
		var idx []int
		j := i
		for j < len(d.lines) {
			if kinds[j] != slNone {
				idx = append(idx, j)
				j++
				continue
			}
			if d.lines[j].blank && j+1 < len(d.lines) && kinds[j+1] != slNone {
				j++
				continue
			}
			break
		}
		i = j
		// split at each number label after the first
		var cur []int
		flush := func() {
			if b, ok := d.makeStamp(cur, kinds); ok {
				blocks = append(blocks, b)
			}
			cur = nil
		}
		for _, k := range idx {
			if kinds[k] == slNumber && hasKind(cur, kinds, slNumber) {
				flush()
			}
			cur = append(cur, k)
		}
		flush()
	}
	return blocks
}

func hasKind(idx []int, kinds []stampLineKind, k stampLineKind) bool {
	for _, i := range idx {
		if kinds[i] == k {
			return true
		}
	}
	return false
}

// makeStamp accepts a group as a stamp when it has a number label, or a time label with a date
// label; it then takes the receiving unit from the line above.
func (d *document) makeStamp(idx []int, kinds []stampLineKind) (stampBlock, bool) {
	if len(idx) == 0 {
		return stampBlock{}, false
	}
	strong := hasKind(idx, kinds, slNumber) || (hasKind(idx, kinds, slTime) && (hasKind(idx, kinds, slDate) || hasKind(idx, kinds, slBareDate)))
	if !strong {
		return stampBlock{}, false
	}
	// leading bare dates/times/ints without a label before them belong to whatever precedes
	for len(idx) > 1 && (kinds[idx[0]] == slBareDate || kinds[idx[0]] == slBareTime) {
		idx = idx[1:]
	}
	b := stampBlock{first: idx[0], last: idx[len(idx)-1], unit: -1, lines: idx}
	for _, k := range idx {
		b.kinds = append(b.kinds, kinds[k])
	}
	// unit line above (skipping one blank)
	u := b.first - 1
	if u >= 0 && d.lines[u].blank {
		u--
	}
	if u >= 0 && d.isUnitLine(u) {
		b.unit = u
		b.first = u
	}
	return b, true
}

// isUnitLine: a short line of Thai text that can name the receiving unit on a stamp.
func (d *document) isUnitLine(i int) bool {
	l := d.lines[i]
	if l.blank || runeLen(l.body) > 80 || thaiRatio(l.body) < 0.5 {
		return false
	}
	if n, _ := headerLabel(l); n != "" || closingKind(l) != "" || isNameLine(l.body) {
		return false
	}
	if _, ok := parseNumberLine(l.body); ok {
		return false
	}
	if urgencyOf(l.body) != "" {
		return false
	}
	if hs := findDates(l.body); len(hs) > 0 {
		return false
	}
	return !hasDigit(strings.Trim(l.body, ". "))
}

// readStamp turns a block into a Stamp; letterDate (possibly zero) and ref give the year to
// dates printed without one and choose among readings of a garbled month.
func (d *document) readStamp(b stampBlock, c dateCtx) (Stamp, []Flag) {
	var raws []string
	if b.unit >= 0 {
		raws = append(raws, d.lines[b.unit].text)
	}
	for _, i := range b.lines {
		raws = append(raws, d.lines[i].text)
	}
	st := Stamp{Raw: strings.Join(raws, " / "), Confidence: 0.9}
	if b.unit >= 0 {
		st.Unit = strings.TrimRight(d.lines[b.unit].body, ". ")
	}
	var flags []Flag
	var numberSet, dateSet, timeSet bool
	setNumber := func(v string) bool {
		m := bareIntRE.FindStringSubmatch(strings.TrimSpace(v))
		if m == nil {
			return false
		}
		n := atoiSafe(toArabic(m[1]))
		if n <= 0 {
			return false
		}
		st.Number = &n
		numberSet = true
		return true
	}
	for k, i := range b.lines {
		t := d.lines[i].body
		kind := b.kinds[k]
		val := t
		switch kind {
		case slNumber:
			val = stampNumberLabelRE.FindStringSubmatch(t)[1]
		case slTime:
			val = stampTimeLabelRE.FindStringSubmatch(t)[1]
		case slDate:
			val = stampDateLabelRE.FindStringSubmatch(t)[1]
		}
		val = strings.TrimSpace(val)
		if m := caseCodeRE.FindStringSubmatch(t); m != nil {
			st.CaseCode = m[1]
		}
		if dotsOnlyRE.MatchString(val) {
			continue
		}
		// a date?
		if !dateSet {
			if hs := findDates(val); len(hs) > 0 {
				if r, ok := resolve(hs[0], c, "receive_stamps"); ok && r.precision == "day" {
					st.Date = r.date.String()
					dateSet = true
					for _, f := range r.flags {
						if f.Code == FlagYearInferred {
							st.YearInferred = true
						}
						flags = append(flags, f)
					}
					if r.confidence < st.Confidence {
						st.Confidence = r.confidence
					}
				}
				val = strings.TrimSpace(strings.Replace(val, hs[0].raw, " ", 1))
			}
		}
		// an unreadable date-like scrap is dropped, so that its digits are not a number
		if loc := dateLikeRE.FindStringIndex(val); loc != nil {
			val = strings.TrimSpace(val[:loc[0]] + " " + val[loc[1]:])
			st.Confidence -= 0.3
		}
		// a time?
		if !timeSet {
			if m := timeRE.FindStringSubmatchIndex(val); m != nil && (kind == slTime || kind == slBareTime || kind == slDate || isOnlyTime(val) || strings.Contains(val[:m[2]], "เวลา")) {
				h := atoiSafe(toArabic(val[m[2]:m[3]]))
				mi := atoiSafe(toArabic(val[m[4]:m[5]]))
				if h >= 0 && h <= 23 && mi >= 0 && mi <= 59 {
					st.Time = fmt.Sprintf("%02d:%02d", h, mi)
					timeSet = true
					val = strings.TrimSpace(val[:m[2]] + " " + val[m[5]:])
					val = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(val), "น."))
				}
			}
		}
		if !numberSet && val != "" && kind != slTime {
			if !setNumber(val) {
				// the last integer of the value ("11 ส. 2561 00357" leaves 00357)
				fs := strings.Fields(val)
				for j := len(fs) - 1; j >= 0; j-- {
					if setNumber(fs[j]) {
						break
					}
				}
			}
		}
	}
	if st.Date != "" && st.Time != "" {
		st.DateTime = st.Date + "T" + st.Time + ":00+07:00"
	}
	if !numberSet {
		st.Confidence -= 0.3
	}
	if !dateSet {
		st.Confidence -= 0.2
	}
	st.Confidence = round2(st.Confidence)
	return st, flags
}

// stampDate returns the stamp's date, or the zero Date.
func stampDate(s Stamp) thai.Date {
	var d thai.Date
	if s.Date == "" {
		return d
	}
	_ = d.UnmarshalText([]byte(s.Date))
	return d
}
