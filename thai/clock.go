package thai

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

const timeExample = `"11:56 น.", "เวลา ๑๑.๕๖ น." or "15:15"`

// ParseTime reads a time of day as written on Thai stamps and letters: a
// 24-hour clock with "." or ":" between hour and minute, optionally preceded
// by เวลา and followed by น. or นาฬิกา ("11:56 น.", "๑๑.๕๖ น.", "เวลา 15.42",
// "15:15"). Errors are *ParseError values that say what was wrong.
func ParseTime(s string) (hour, min int, err error) {
	fail := func(format string, args ...any) (int, int, error) {
		return 0, 0, &ParseError{What: "time", Input: s, Problem: fmt.Sprintf(format, args...), Example: timeExample}
	}
	c := &scanner{s: strings.ReplaceAll(normalizeSpace(s), "：", ":")}
	if c.s == "" {
		return fail("no time given")
	}
	if c.consume("เวลา") {
		c.skipSpace()
		c.consume(":")
		c.skipSpace()
	}
	hs := c.digits()
	switch {
	case hs == "":
		return fail("expected the hour, found %q", c.rest())
	case len(hs) > 2:
		return fail("the hour %s has more than 2 digits", hs)
	}
	if !c.consume(".") && !c.consume(":") {
		return fail("expected \".\" or \":\" between hour and minute")
	}
	ms := c.digits()
	if len(ms) != 2 {
		return fail("the minute must have 2 digits")
	}
	c.skipSpace()
	if !c.consume("นาฬิกา") && c.consume("น") {
		c.skipSpace()
		c.consume(".")
	}
	c.skipSpace()
	if c.rest() != "" {
		return fail("unexpected text %q after the time", c.rest())
	}
	hour, min = atoi(hs), atoi(ms)
	if hour > 23 {
		return fail("hour %d does not exist (the clock runs 00.00–23.59)", hour)
	}
	if min > 59 {
		return fail("minute %d does not exist", min)
	}
	return hour, min, nil
}

const dateTimeExample = `"2024-10-09T11:56:00+07:00", "9 ต.ค. 2567 11:56 น." or "๙ ต.ค. ๒๕๖๗ เวลา ๑๑.๕๖ น."`

// isoClock matches the time part of an ISO 8601 / RFC 3339 timestamp after
// the date: [T]hh:mm[:ss[.fraction]][Z|±hh[:mm]].
var isoClock = regexp.MustCompile(`^[Tt ]?(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)? ?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$`)

// ParseDateTime reads an instant from any of:
//
//	2024-10-09T11:56:00+07:00    RFC 3339 / ISO 8601 with an offset (or Z)
//	2024-10-09T11:56:00          ISO without an offset: Bangkok time
//	2024-10-09, ๙ ต.ค. ๒๕๖๗      a date alone: 00:00 Bangkok time
//	9 ต.ค. 2567 11:56 น.         a date (any ParseDate form) and a ParseTime time
//	๙ ต.ค. ๒๕๖๗ เวลา ๑๑.๕๖ น.
//
// The result is always in the Bangkok zone. As with ParseDate, a wrong weekday
// gives the instant as written together with a *WeekdayMismatchError; every
// other failure gives a *ParseError.
func ParseDateTime(s string) (time.Time, error) {
	fail := func(format string, args ...any) (time.Time, error) {
		return time.Time{}, &ParseError{What: "date and time", Input: s,
			Problem: fmt.Sprintf(format, args...), Example: dateTimeExample}
	}
	d, rest, iso, err := parseDatePrefix(s, normalizeSpace(s))
	var wm *WeekdayMismatchError
	if err != nil && !errors.As(err, &wm) {
		var pe *ParseError
		if errors.As(err, &pe) {
			pe.What, pe.Example = "date and time", dateTimeExample
		}
		return time.Time{}, err
	}
	var t time.Time
	switch {
	case rest == "":
		t = d.Time(Bangkok)
	case iso && isoClock.MatchString(rest):
		m := isoClock.FindStringSubmatch(rest)
		hour, min, sec := atoi(m[1]), atoi(m[2]), atoi(m[3])
		nsec := 0
		if m[4] != "" {
			nsec = atoi(m[4] + strings.Repeat("0", 9-len(m[4])))
		}
		if hour > 23 || min > 59 || sec > 59 {
			return fail("%02d:%02d:%02d is not a time of day", hour, min, sec)
		}
		loc := Bangkok
		switch {
		case m[5] != "":
			loc = time.UTC
		case m[6] != "":
			oh, om := atoi(m[7]), atoi(m[8])
			if oh > 23 || om > 59 {
				return fail("the offset %s%s:%s is not a valid UTC offset", m[6], m[7], m[8])
			}
			off := (oh*60 + om) * 60
			if m[6] == "-" {
				off = -off
			}
			loc = time.FixedZone("", off)
		}
		t = time.Date(d.Year, d.Month, d.Day, hour, min, sec, nsec, loc)
	default:
		rest = strings.TrimSpace(strings.TrimPrefix(rest, ","))
		hour, min, terr := ParseTime(rest)
		if terr != nil {
			var pe *ParseError
			if errors.As(terr, &pe) {
				return fail("after the date, cannot read the time %q: %s", rest, pe.Problem)
			}
			return time.Time{}, terr
		}
		t = time.Date(d.Year, d.Month, d.Day, hour, min, 0, 0, Bangkok)
	}
	t = t.In(Bangkok)
	if y := t.Year(); y < minCEYear || y > maxCEYear {
		return fail("the year is outside the supported range (CE %d–%d in Bangkok time)", minCEYear, maxCEYear)
	}
	if wm != nil {
		return t, wm
	}
	return t, nil
}

// FormatTime prints the Bangkok time of day of t as official documents do,
// two-digit hour, "." and minute, then น. ("๑๑.๕๖ น." with ThaiDigits,
// "11.56 น." with ArabicDigits).
func FormatTime(t time.Time, digits Digits) string {
	t = t.In(Bangkok)
	return digits.Apply(fmt.Sprintf("%02d.%02d น.", t.Hour(), t.Minute()))
}

// BEYear returns the Buddhist Era year of t's calendar day in Bangkok, the
// year printed on documents and the year that numbering series reset on: an
// instant on 31 December 23:59 Bangkok time belongs to the old year even when
// it is already 1 January elsewhere, and 2024-12-31T17:00:00Z is already
// 2568. It is the Bangkok year + 543 (see Date.BE for dates before 1941).
func BEYear(t time.Time) int {
	return DateOf(t).BE()
}
