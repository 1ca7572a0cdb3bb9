package extract

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/saraban/saraban/thai"
)

var fullMonths = [12]string{"มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
	"กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"}

// abbrevKeys are the month abbreviations without their dots (ม.ค. -> มค).
var abbrevKeys = [12]string{"มค", "กพ", "มีค", "เมย", "พค", "มิย", "กค", "สค", "กย", "ตค", "พย", "ธค"}

var weekdayNames = map[string]time.Weekday{
	"อาทิตย์": time.Sunday, "จันทร์": time.Monday, "อังคาร": time.Tuesday, "พุธ": time.Wednesday,
	"พฤหัสบดี": time.Thursday, "พฤหัส": time.Thursday, "ศุกร์": time.Friday, "เสาร์": time.Saturday,
}

// dateHit is a date found in running text, before it is checked against the calendar.
type dateHit struct {
	start, end int // rune offsets of the date in the searched text
	raw        string
	day        int          // 0 when the day could not be read
	months     []time.Month // one month, or the candidates of a garbled abbreviation
	year       int          // BE year as printed (2-digit years expanded), 0 when absent
	yearRaw    string
	weekday    time.Weekday
	hasWeekday bool
	full       bool // the month is written in full, as on a letter's date line
	fuzzy      bool // the month word was matched with an edit
	junk       bool // stray digits around the day or year
}

// findDates returns the dates in s (any digits, Thai or Arabic), in order. It is linear in len(s).
func findDates(s string) []dateHit {
	rs := []rune(s)
	var hits []dateHit
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if !isThaiConsonant(r) && r != 'เ' {
			continue
		}
		if i > 0 && (isThaiLetter(rs[i-1]) || rs[i-1] == 'เ' || rs[i-1] == '.') && !(i >= 5 && string(rs[i-5:i]) == "เดือน") {
			continue
		}
		months, full, fuzzy, wend := monthAt(rs, i)
		if len(months) == 0 {
			continue
		}
		h := dateHit{months: months, full: full, fuzzy: fuzzy}
		start := leftDay(rs, i, &h)
		end := rightYear(rs, wend, &h)
		if h.day == 0 && h.year == 0 {
			// A month word alone is not a date (พฤษภาคม in prose).
			i = wend - 1
			continue
		}
		if h.day == 0 && !full {
			i = wend - 1
			continue
		}
		h.start, h.end = start, end
		h.raw = strings.TrimSpace(string(rs[start:end]))
		hits = append(hits, h)
		i = end - 1
	}
	return hits
}

// monthAt reads a month word starting at rs[i]: a full name, an abbreviation with or without
// dots, or an OCR-damaged form of either. It returns the candidate months and where the word ends.
func monthAt(rs []rune, i int) (months []time.Month, full, fuzzy bool, end int) {
	j := i
	dots := 0
	parts := 0
	inPart := false
	for j < len(rs) && j-i < 14 {
		r := rs[j]
		if isThaiLetter(r) && r != 'ฯ' && r != 'ๆ' {
			if !inPart {
				parts++
				inPart = true
			}
			j++
			continue
		}
		if r == '.' {
			dots++
			inPart = false
			j++
			continue
		}
		// "ต. ค." : one space inside an abbreviation
		if r == ' ' && dots > 0 && rs[j-1] == '.' && j+2 < len(rs) && isThaiLetter(rs[j+1]) && (rs[j+2] == '.' || (j+3 < len(rs) && rs[j+3] == '.')) {
			j++
			continue
		}
		break
	}
	if j == i {
		return nil, false, false, i
	}
	word := string(rs[i:j])
	bare := strings.TrimRight(word, ".")
	// Full month names, exact then at one or two edits.
	for m, name := range fullMonths {
		if bare == name {
			return []time.Month{time.Month(m + 1)}, true, false, i + len([]rune(bare)) + trailingDots(rs, i+len([]rune(bare)))
		}
	}
	key := strings.NewReplacer(".", "", " ", "").Replace(word)
	if dots > 0 || len([]rune(key)) <= 3 {
		for m, k := range abbrevKeys {
			if key == k {
				return []time.Month{time.Month(m + 1)}, false, false, j
			}
		}
	}
	// A garbled abbreviation: two parts with dots, one edit from a real one (มี.ย.).
	if dots >= 1 && parts == 2 && len([]rune(key)) >= 2 && len([]rune(key)) <= 4 {
		var cands []time.Month
		for m, k := range abbrevKeys {
			if levenshtein(key, k, 1) <= 1 {
				cands = append(cands, time.Month(m+1))
			}
		}
		if len(cands) > 0 {
			return cands, false, true, j
		}
	}
	if dots == 0 {
		n := len([]rune(bare))
		if n >= 5 && n <= 12 {
			best, bestD, ties := -1, 99, 0
			for m, name := range fullMonths {
				limit := 1
				if len([]rune(name)) >= 8 {
					limit = 2
				}
				d := levenshtein(bare, name, limit)
				if d <= limit {
					if d < bestD {
						best, bestD, ties = m, d, 0
					} else if d == bestD {
						ties++
					}
				}
			}
			if best >= 0 && ties == 0 {
				return []time.Month{time.Month(best + 1)}, true, true, j
			}
		}
	}
	return nil, false, false, i
}

func trailingDots(rs []rune, j int) int {
	n := 0
	for j+n < len(rs) && rs[j+n] == '.' && n < 1 {
		n++
	}
	return n
}

// leftDay reads the day before a month word (and a weekday and วันที่ before that), and
// returns where the date starts.
func leftDay(rs []rune, i int, h *dateHit) int {
	j := i
	// separators between day and month: spaces, "/", "-"
	for j > 0 && (rs[j-1] == ' ' || rs[j-1] == '/' || rs[j-1] == '-') && i-j < 3 {
		j--
	}
	k := j
	for k > 0 && isDigit(rs[k-1]) && j-k < 4 {
		k--
	}
	if k == j {
		return i
	}
	digits := toArabic(string(rs[k:j]))
	if len(digits) > 2 {
		h.junk = true
		digits = digits[len(digits)-2:]
	}
	d := atoiSafe(digits)
	if d < 1 || d > 31 {
		h.junk = true
		return i
	}
	h.day = d
	start := k
	// "ที่" / "วันที่" / "วัน<weekday>ที่" before the day
	p := start
	for p > 0 && rs[p-1] == ' ' && start-p < 2 {
		p--
	}
	if p >= 3 && string(rs[p-3:p]) == "ที่" {
		q := p - 3
		for q > 0 && rs[q-1] == ' ' && p-3-q < 2 {
			q--
		}
		// weekday?
		for name, wd := range weekdayNames {
			n := len([]rune(name))
			if q >= n+3 && string(rs[q-n:q]) == name && string(rs[q-n-3:q-n]) == "วัน" {
				h.weekday, h.hasWeekday = wd, true
				return q - n - 3
			}
		}

	}
	return start
}

// rightYear reads the year after the month word: "พ.ศ." is skipped, stray single spaces inside
// the digits are allowed ("๒๕๖ ๓"), and a 2-digit year means 25xx.
func rightYear(rs []rune, j int, h *dateHit) int {
	k := j
	for k < len(rs) && (rs[k] == ' ' || rs[k] == '/' || rs[k] == '-' || rs[k] == ',') && k-j < 3 {
		k++
	}
	// era marker
	for _, era := range []string{"พ.ศ.", "พ.ศ", "พศ.", "พศ", "ค.ศ.", "ค.ศ"} {
		er := []rune(era)
		if k+len(er) <= len(rs) && string(rs[k:k+len(er)]) == era {
			k += len(er)
			for k < len(rs) && rs[k] == ' ' {
				k++
			}
			if strings.HasPrefix(era, "ค") {
				h.junk = true // CE year: handled as implausible unless a repair finds a BE year
			}
			break
		}
	}
	var digits []rune
	p := k
	lastDigit := k
	for p < len(rs) && len(digits) < 5 {
		r := rs[p]
		if isDigit(r) {
			digits = append(digits, r)
			p++
			lastDigit = p
			continue
		}
		// one stray space between digits of a 4-digit year that starts like a BE year
		if r == ' ' && len(digits) >= 1 && len(digits) < 4 && p+1 < len(rs) && isDigit(rs[p+1]) {
			ds := toArabic(string(digits))
			if strings.HasPrefix("25", ds) || strings.HasPrefix(ds, "25") || strings.HasPrefix(ds, "24") {
				p++
				continue
			}
		}
		break
	}
	if len(digits) == 0 {
		return j
	}
	ds := toArabic(string(digits))
	// a time right after a 2-digit year ("63 11:56") must not be read as a year
	switch {
	case len(ds) == 2:
		if lastDigit < len(rs) && (rs[lastDigit] == ':' || rs[lastDigit] == '.') && lastDigit+1 < len(rs) && isDigit(rs[lastDigit+1]) {
			return j // "11.56" after an abbreviated month without year
		}
		h.year = 2500 + atoiSafe(ds)
	case len(ds) == 4:
		h.year = atoiSafe(ds)
	case len(ds) == 5:
		h.junk = true
		h.year = atoiSafe(ds[:4])
	default:
		h.junk = true
		h.year = atoiSafe(ds)
	}
	h.yearRaw = ds
	return lastDigit
}

func atoiSafe(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
		if n > 1e8 {
			return -1
		}
	}
	return n
}

// levenshtein returns the edit distance of a and b (in runes), or limit+1 as soon as it is
// certainly above limit. Inputs are short words.
func levenshtein(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	if len(ra) > 64 || len(rb) > 64 {
		return limit + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			v := prev[j-1] + c
			if prev[j]+1 < v {
				v = prev[j] + 1
			}
			if cur[j-1]+1 < v {
				v = cur[j-1] + 1
			}
			cur[j] = v
			if v < rowMin {
				rowMin = v
			}
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// dateCtx carries what a date is checked against when it is resolved.
type dateCtx struct {
	ocr       bool
	now       time.Time
	notAfter  thai.Date // 0: none. e.g. a letter date must not be after its stamps
	notBefore thai.Date
	refYear   int // BE year seen elsewhere in the letter (0 = unknown)
}

// resolved is a date after checks.
type resolved struct {
	date       thai.Date // zero when only the month or year is known
	month      time.Month
	be         int
	precision  string
	confidence float64
	flags      []Flag
	weekdayBad *thai.WeekdayMismatchError
}

// resolve turns a hit into a calendar date: it chooses among candidate months, expands or
// repairs the year and checks the day and the stated weekday with thai.ParseDate.
func resolve(h dateHit, c dateCtx, field string) (resolved, bool) {
	out := resolved{confidence: 0.95}
	if h.fuzzy {
		out.confidence -= 0.2
	}
	if h.junk {
		out.confidence -= 0.2
	}
	nowBE := thai.BEYear(c.now)
	be := h.year
	if be != 0 {
		if y, repaired := repairYear(be, h.yearRaw, c, nowBE); repaired {
			out.flags = append(out.flags, Flag{Code: FlagRepaired, Field: field,
				Message: fmt.Sprintf("year %q read as %d (OCR digit confusion)", h.yearRaw, y)})
			out.confidence -= 0.3
			be = y
		} else if be < 2400 || be > 2700 {
			return out, false
		}
	}
	months := h.months
	if be == 0 {
		// no year: infer one from the context (the letter date for stamps and deadlines)
		if c.notBefore.IsZero() && c.refYear == 0 {
			return out, false
		}
		be = c.refYear
		if !c.notBefore.IsZero() {
			be = c.notBefore.BE()
		}
		out.flags = append(out.flags, Flag{Code: FlagYearInferred, Field: field,
			Message: fmt.Sprintf("%q has no year; %d taken from the letter", h.raw, be)})
		out.confidence -= 0.25
	}
	type cand struct {
		d   thai.Date
		err error
		be  int
	}
	var cands []cand
	for _, m := range months {
		if h.day == 0 {
			cands = append(cands, cand{d: thai.Date{}, be: be})
			break
		}
		for _, y := range []int{be, be + 1} {
			if y != be && h.year != 0 {
				continue
			}
			s := fmt.Sprintf("%d %s %d", h.day, thai.MonthName(m), y)
			if h.hasWeekday {
				s = "วัน" + thai.WeekdayName(h.weekday) + "ที่ " + s
			}
			d, err := thai.ParseDate(s)
			var wm *thai.WeekdayMismatchError
			if err != nil && !errors.As(err, &wm) {
				continue
			}
			if h.year == 0 && !c.notBefore.IsZero() && d.Compare(c.notBefore) < 0 {
				continue // a year-less date after the letter: try the next year
			}
			cands = append(cands, cand{d: d, err: err, be: y})
			break
		}
	}
	if len(cands) == 0 {
		return out, false
	}
	pick := cands[0]
	if len(months) > 1 {
		// choose by the constraints (a stamp is not before its letter)
		var ok []cand
		for _, cd := range cands {
			if !c.notBefore.IsZero() && !cd.d.IsZero() && cd.d.Compare(c.notBefore) < 0 {
				continue
			}
			if !c.notAfter.IsZero() && !cd.d.IsZero() && cd.d.Compare(c.notAfter) > 0 {
				continue
			}
			ok = append(ok, cd)
		}
		switch len(ok) {
		case 1:
			pick = ok[0]
		default:
			if len(ok) > 1 {
				pick = ok[0]
			}
			out.confidence -= 0.3
		}
		names := make([]string, 0, len(months))
		for _, m := range months {
			names = append(names, thai.MonthAbbrev(m))
		}
		out.flags = append(out.flags, Flag{Code: FlagAmbiguous, Field: field,
			Message: fmt.Sprintf("month in %q is not a valid abbreviation; read as %s (could be %s)", h.raw, thai.MonthName(monthOf(pick.d, months)), strings.Join(names, " or "))})
		out.confidence -= 0.15
	}
	if pick.d.IsZero() {
		out.month = months[0]
		out.be = pick.be
		out.precision = "month"
		out.confidence -= 0.4
		return out, true
	}
	out.date = pick.d
	out.month = pick.d.Month
	out.be = pick.d.BE()
	out.precision = "day"
	if pick.err != nil {
		var wm *thai.WeekdayMismatchError
		if errors.As(pick.err, &wm) {
			out.weekdayBad = wm
			out.flags = append(out.flags, Flag{Code: FlagWeekdayMismatch, Field: field,
				Message: fmt.Sprintf("%q: %s", h.raw, wm.Error())})
		}
	}
	if out.confidence < 0.05 {
		out.confidence = 0.05
	}
	return out, true
}

func monthOf(d thai.Date, months []time.Month) time.Month {
	if !d.IsZero() {
		return d.Month
	}
	return months[0]
}

// digitConfusions are the Thai digits OCR mistakes for one another (๕/๘/๙, ๑/๒, ๒/๖, ๓/๗, ๐/๖).
var digitConfusions = map[byte]string{
	'0': "6", '1': "2", '2': "16", '3': "7", '5': "89", '6': "20", '7': "3", '8': "59", '9': "58",
}

// repairYear returns a plausible year for an OCR-read one that is not (two letters from 2520 when
// the page says ๒๕๖๐): the smallest set of digit confusions that gives a year in the plausible
// window, closest to the letter's other years. Text-layer years are never touched.
func repairYear(be int, raw string, c dateCtx, nowBE int) (int, bool) {
	lo, hi := nowBE-30, nowBE+1
	if be >= lo && be <= hi && len(raw) != 5 {
		return be, false
	}
	if !c.ocr {
		return be, false
	}
	ref := c.refYear
	if ref == 0 {
		ref = nowBE
	}
	s := raw
	if len(s) == 2 {
		s = "25" + s
	}
	// candidates by number of changes: one change first, two only when one gives nothing
	var one, two []string
	if len(s) == 5 {
		// ๖ read as ๒๐ (its tail taken for a zero), or one stray digit
		if i := strings.Index(s, "20"); i >= 0 {
			one = append(one, s[:i]+"6"+s[i+2:])
		}
		for i := 0; i < 5; i++ {
			two = append(two, s[:i]+s[i+1:])
		}
	}
	if len(s) == 4 {
		for i := 0; i < 4; i++ {
			for _, alt := range digitConfusions[s[i]] {
				one = append(one, s[:i]+string(alt)+s[i+1:])
			}
		}
		for i := 0; i < 4; i++ {
			for j := i + 1; j < 4; j++ {
				for _, a := range digitConfusions[s[i]] {
					for _, b := range digitConfusions[s[j]] {
						two = append(two, s[:i]+string(a)+s[i+1:j]+string(b)+s[j+1:])
					}
				}
			}
		}
	}
	for _, cands := range [][]string{one, two} {
		best, bestD := 0, 1<<30
		for _, cs := range cands {
			y := atoiSafe(cs)
			if y < lo || y > hi {
				continue
			}
			d := y - ref
			if d < 0 {
				d = -d
			}
			if d < bestD {
				best, bestD = y, d
			}
		}
		if best != 0 {
			return best, true
		}
	}
	return be, false
}

// dateField builds the JSON form of a resolved date.
func dateField(h dateHit, r resolved) *DateField {
	f := &DateField{Raw: h.raw, Precision: r.precision, Confidence: round2(r.confidence)}
	if r.precision == "day" {
		f.ISO = r.date.String()
		f.Weekday = r.date.Weekday().String()
	} else if r.month != 0 {
		ce := r.be - 543
		f.Month = fmt.Sprintf("%04d-%02d", ce, int(r.month))
	}
	return f
}

func round2(f float64) float64 {
	if f < 0 {
		f = 0
	}
	if f > 1 {
		f = 1
	}
	return float64(int(f*100+0.5)) / 100
}
