package thai

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Date is a calendar day without a time or zone, such as the date line of a
// letter or the date on a receive stamp. Year is the Christian Era year, so
// that Dates compare and convert like time.Time; use BE for the Buddhist Era
// year that Thai documents print.
type Date struct {
	Year  int // Christian Era (CE) year, e.g. 2024
	Month time.Month
	Day   int
}

// DateOf returns the calendar day of t in Bangkok, because Thai documents and
// numbering years follow Bangkok local time whatever zone t carries.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Bangkok).Date()
	return Date{Year: y, Month: m, Day: d}
}

// BE returns the Buddhist Era year of d, the year printed on Thai documents.
// It is Year + 543, except for January to March before 1941, when the Thai
// year still began on 1 April (Year + 542).
func (d Date) BE() int {
	if d.Year < 1941 && d.Month >= time.January && d.Month <= time.March {
		return d.Year + 542
	}
	return d.Year + 543
}

// ceYear converts a Buddhist Era year to the Christian Era year for a date in
// month m; it is the inverse of Date.BE.
func ceYear(be int, m time.Month) (int, error) {
	if be < 2484 && m <= time.March {
		if be == 2483 {
			return 0, errors.New("there was no January–March in พ.ศ. 2483: that year ran from 1 April to 31 December 1940")
		}
		return be - 542, nil
	}
	return be - 543, nil
}

// Time returns midnight at the start of d in loc (Bangkok when loc is nil),
// for comparing a date with instants.
func (d Date) Time(loc *time.Location) time.Time {
	if loc == nil {
		loc = Bangkok
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// String returns d in ISO 8601 form with the CE year ("2024-10-07"), the form
// stored in normalised fields.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Weekday returns the day of the week of d, to check a stated weekday such
// as "วันศุกร์ที่".
func (d Date) Weekday() time.Weekday {
	return d.Time(time.UTC).Weekday()
}

// IsZero reports whether d is the zero Date, which stands for "no date".
func (d Date) IsZero() bool {
	return d == Date{}
}

// Valid reports whether d names a real calendar day (no 31 February), since
// a Date built by hand is not checked.
func (d Date) Valid() bool {
	return d.Month >= time.January && d.Month <= time.December &&
		d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e, for
// checks such as "the receive date is not before the letter date".
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	}
	return cmpInt(d.Day, e.Day)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// MarshalText writes d in ISO form ("2024-10-07") for JSON and YAML; the
// zero Date ("no date") is written as "".
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads d with ParseDate, so JSON and YAML may carry either the
// ISO form or a Thai form; "" gives the zero Date. A weekday that does not
// match the date is an error and leaves d unchanged.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// WeekdayMismatchError reports a date whose stated weekday is wrong, as in
// "วันศุกร์ที่ ๑๙ ตุลาคม ๒๕๖๒" (19 October 2019 was a Saturday). The parsers
// return it together with the date as written, so callers can keep the date
// and flag the conflict for a person to resolve.
type WeekdayMismatchError struct {
	Input  string       // the text as given
	Date   Date         // the date as written
	Stated time.Weekday // the weekday the text names
	Actual time.Weekday // the weekday Date really is
}

// Error names both weekdays in Thai and English.
func (e *WeekdayMismatchError) Error() string {
	return fmt.Sprintf("thai: date %q says วัน%s (%s), but %s (%d %s %d) is วัน%s (%s)",
		e.Input, WeekdayName(e.Stated), e.Stated, e.Date, e.Date.Day, MonthName(e.Date.Month), e.Date.BE(),
		WeekdayName(e.Actual), e.Actual)
}

const dateExample = `"7 ตุลาคม 2567", "๗ ต.ค. ๒๕๖๗", "7/10/2567" or "2024-10-07"`

const (
	minCEYear = 1900
	maxCEYear = 2399
)

// ParseDate reads a calendar date in any of the forms found on Thai official
// documents and stamps:
//
//	2024-10-07                     ISO; year 1900–2399 is CE, 2400 or more is BE
//	๗ ต.ค. ๒๕๖๗ / 7 ตุลาคม 2567    day, Thai month (full or abbreviated), BE year
//	๗ ตุลาคม พ.ศ. ๒๕๖๗             with the era marker พ.ศ. (ค.ศ. marks a CE year)
//	23/พ.ค./2561, 7/10/2567        slash forms, day/month/BE year
//	30 ม.ค. 63, ๓๑ ม.ค.๖๓          2-digit BE year: 63 is 2563
//	วันที่ ๗ ตุลาคม ๒๕๖๗           with the label วันที่
//	วันศุกร์ที่ ๑๘ ตุลาคม ๒๕๖๒      with a weekday, which is checked
//
// Digits may be Thai or Arabic or mixed ("25๖๒"). A 4-digit year in a Thai
// form must be BE (2400 or more); see the package documentation for the year
// rules. A stated weekday that does not match the date gives the date as
// written together with a *WeekdayMismatchError; every other failure gives a
// *ParseError that says what was wrong and shows an accepted form.
func ParseDate(s string) (Date, error) {
	d, rest, _, err := parseDatePrefix(s, normalizeSpace(s))
	var wm *WeekdayMismatchError
	if err != nil && !errors.As(err, &wm) {
		return Date{}, err
	}
	if rest != "" {
		return Date{}, &ParseError{What: "date", Input: s,
			Problem: fmt.Sprintf("unexpected text %q after the date", rest), Example: dateExample}
	}
	return d, err
}

// scanner walks a normalised string (Arabic digits, single spaces).
type scanner struct {
	s string
	i int
}

func (c *scanner) skipSpace() {
	for c.i < len(c.s) && c.s[c.i] == ' ' {
		c.i++
	}
}

func (c *scanner) digits() string {
	start := c.i
	for c.i < len(c.s) && isDigit(c.s[c.i]) {
		c.i++
	}
	return c.s[start:c.i]
}

func (c *scanner) consume(prefix string) bool {
	if strings.HasPrefix(c.s[c.i:], prefix) {
		c.i += len(prefix)
		return true
	}
	return false
}

func (c *scanner) peek() byte {
	if c.i < len(c.s) {
		return c.s[c.i]
	}
	return 0
}

func (c *scanner) rest() string { return c.s[c.i:] }

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// parseDatePrefix reads a date at the start of norm (the normalised form of
// orig) and returns what follows it, space-trimmed. iso reports whether the
// date was in ISO form. A weekday mismatch is returned as an error together
// with the date and the rest.
func parseDatePrefix(orig, norm string) (d Date, rest string, iso bool, err error) {
	fail := func(format string, args ...any) (Date, string, bool, error) {
		return Date{}, "", false, &ParseError{What: "date", Input: orig,
			Problem: fmt.Sprintf(format, args...), Example: dateExample}
	}
	if norm == "" {
		return fail("no date given")
	}
	if _, _, err := ParseTime(norm); err == nil {
		return fail("this is a time without a date; put the date first")
	}
	c := &scanner{s: norm}

	// Optional label: วันที่, or วัน + weekday [+ ที่].
	var stated time.Weekday
	hasWeekday := false
	if c.consume("วัน") {
		c.skipSpace()
		if !c.consume("ที่") {
			found := false
			for _, w := range weekdayPrefixes {
				if c.consume(w.name) {
					stated, hasWeekday, found = w.day, true, true
					break
				}
			}
			if !found {
				return fail("%q after วัน is not a weekday (อาทิตย์, จันทร์, อังคาร, พุธ, พฤหัสบดี, ศุกร์, เสาร์)", wordAt(c.rest()))
			}
			c.skipSpace()
			c.consume("ที่")
		}
		c.skipSpace()
	}

	first := c.digits()
	if first == "" {
		return fail("the date must start with the day number")
	}
	if len(first) == 4 && c.peek() == '-' {
		// ISO: YYYY-MM-DD.
		iso = true
		c.i++
		ms := c.digits()
		if ms == "" || len(ms) > 2 || !c.consume("-") {
			return fail("an ISO date is year-month-day with two digits for the month")
		}
		ds := c.digits()
		if ds == "" || len(ds) > 2 {
			return fail("an ISO date is year-month-day with two digits for the day")
		}
		if c.i < len(c.s) && c.s[c.i] != ' ' && c.s[c.i] != 'T' && c.s[c.i] != 't' {
			return fail("unexpected text %q after the day", c.rest())
		}
		year, month, day := atoi(first), time.Month(atoi(ms)), atoi(ds)
		if month < time.January || month > time.December {
			return fail("month %d does not exist", int(month))
		}
		if year < minCEYear {
			return fail("year %d is too early: an ISO year is CE from %d to %d, or BE from 2400", year, minCEYear, maxCEYear)
		}
		if year >= 2400 {
			ce, err := ceYear(year, month)
			if err != nil {
				return fail("%v", err)
			}
			year = ce
		}
		d = Date{Year: year, Month: month, Day: day}
	} else {
		if len(first) > 2 {
			return fail("the day %s has more than 2 digits", first)
		}
		day := atoi(first)
		c.skipSpace()
		var month time.Month
		era := "" // "", "BE" or "CE"
		if sep := c.peek(); (sep == '/' || sep == '-' || sep == '.') && c.i+1 < len(c.s) && isDigit(c.s[c.i+1]) {
			// Numeric month: d/m/y.
			c.i++
			ms := c.digits()
			if len(ms) > 2 {
				return fail("the month %s has more than 2 digits", ms)
			}
			month = time.Month(atoi(ms))
			if month < time.January || month > time.December {
				return fail("month %d does not exist", int(month))
			}
			if !c.consume("/") && !c.consume("-") && !c.consume(".") {
				return fail("expected \"/\" and the year after the month")
			}
		} else {
			if sep == '/' || sep == '-' {
				c.i++
				c.skipSpace()
			}
			tokStart := c.i
			for c.i < len(c.s) && !isDigit(c.s[c.i]) && c.s[c.i] != '/' && c.s[c.i] != '-' {
				c.i++
			}
			tok := strings.TrimSpace(c.s[tokStart:c.i])
			if tok == "" {
				return fail("the month is missing after the day")
			}
			key := monthKey(tok)
			switch {
			case strings.HasSuffix(key, "พศ"):
				era, key = "BE", strings.TrimSuffix(key, "พศ")
			case strings.HasSuffix(key, "คศ"):
				era, key = "CE", strings.TrimSuffix(key, "คศ")
			}
			m, ok := ParseMonth(key)
			switch {
			case ok:
				month = m
			case key == "มีย":
				return fail("%q is not a month: March is มี.ค. and June is มิ.ย.", tok)
			case key == "":
				return fail("the month is missing before %q", tok)
			default:
				if w := wordAt(tok); w != tok {
					if _, ok := ParseMonth(w); ok {
						return fail("expected the year after the month %q, found %q", w, strings.TrimSpace(tok[len(w):]))
					}
				}
				return fail("%q is not a Thai month (write ตุลาคม or ต.ค.)", tok)
			}
			c.consume("/")
			c.consume("-")
		}
		c.skipSpace()
		ys := c.digits()
		var year int
		switch {
		case ys == "":
			return fail("the year is missing")
		case len(ys) == 2 && era != "CE":
			y, err := ceYear(2500+atoi(ys), month)
			if err != nil {
				return fail("%v", err)
			}
			year = y
		case era == "CE" && len(ys) != 4:
			return fail("a ค.ศ. year must have 4 digits, got %s", ys)
		case len(ys) == 4 && era == "CE":
			year = atoi(ys)
		case len(ys) == 4 && atoi(ys) >= 2400:
			y, err := ceYear(atoi(ys), month)
			if err != nil {
				return fail("%v", err)
			}
			year = y
		case len(ys) == 4:
			return fail("the year %s is not a Buddhist Era year; Thai dates take the BE year (CE %s is BE %d), or write ISO form such as %s-%02d-%02d",
				ys, ys, atoi(ys)+543, ys, int(month), day)
		default:
			return fail("the year %s must have 4 digits (2567) or 2 (67)", ys)
		}
		d = Date{Year: year, Month: month, Day: day}
	}
	if d.Year < minCEYear || d.Year > maxCEYear {
		return fail("the year is outside the supported range (CE %d–%d, BE %d–%d)", minCEYear, maxCEYear, minCEYear+543, maxCEYear+543)
	}
	if d.Day < 1 || d.Day > daysIn(d.Year, d.Month) {
		return fail("day %d does not exist: %s %d has %d days", d.Day, MonthName(d.Month), d.BE(), daysIn(d.Year, d.Month))
	}
	c.skipSpace()
	rest = c.rest()
	if hasWeekday && d.Weekday() != stated {
		return d, rest, iso, &WeekdayMismatchError{Input: orig, Date: d, Stated: stated, Actual: d.Weekday()}
	}
	return d, rest, iso, nil
}

// wordAt returns the text of s up to its first space.
func wordAt(s string) string {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

// DateStyle says how FormatDate prints a date. The zero value prints the
// form of a letter's date line: Thai digits and the full month name
// ("๙ ตุลาคม ๒๕๖๗").
type DateStyle struct {
	Digits Digits // digit script
	Abbrev bool   // abbreviated month ("๙ ต.ค. ๒๕๖๗"), as on stamps
}

// FormatDate prints d as day, Thai month and BE year ("๙ ตุลาคม ๒๕๖๗" or
// "๙ ต.ค. ๒๕๖๗"), the forms official documents and stamps use. ParseDate reads
// the result back as d for every valid d.
func FormatDate(d Date, style DateStyle) string {
	month := MonthName(d.Month)
	if style.Abbrev {
		month = MonthAbbrev(d.Month)
	}
	return style.Digits.Apply(fmt.Sprintf("%d %s %d", d.Day, month, d.BE()))
}
