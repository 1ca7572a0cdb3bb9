package thai

import (
	"strings"
	"time"
)

var monthNames = [12]string{
	"มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
	"กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
}

var monthAbbrevs = [12]string{
	"ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
	"ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
}

var englishMonths = [12]string{
	"january", "february", "march", "april", "may", "june",
	"july", "august", "september", "october", "november", "december",
}

// monthKeys maps a month word with dots and spaces removed (and English
// lower-cased) to its month.
var monthKeys = func() map[string]time.Month {
	m := make(map[string]time.Month, 64)
	for i := range 12 {
		month := time.Month(i + 1)
		m[monthNames[i]] = month
		m[monthKey(monthAbbrevs[i])] = month
		m[englishMonths[i]] = month
		m[englishMonths[i][:3]] = month
	}
	m["กรกฏาคม"] = time.July // common misspelling with ฏ for ฎ
	m["sept"] = time.September
	return m
}()

// monthKey removes dots and space and lower-cases ASCII so that "ต.ค.", "ต.ค",
// "ต. ค." and "ตค" (or "Oct." and "oct") compare equal.
func monthKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r == '.' || isSpace(r) {
			continue
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MonthName returns the full Thai name of m ("ตุลาคม"), the form that letter
// date lines use. It returns "" for a value outside January–December.
func MonthName(m time.Month) string {
	if m < time.January || m > time.December {
		return ""
	}
	return monthNames[m-1]
}

// MonthAbbrev returns the abbreviated Thai name of m ("ต.ค."), the form that
// stamps and short notes use. It returns "" for a value outside
// January–December.
func MonthAbbrev(m time.Month) string {
	if m < time.January || m > time.December {
		return ""
	}
	return monthAbbrevs[m-1]
}

// ParseMonth reads one month word: a full Thai name ("ตุลาคม"), a Thai
// abbreviation with or without its dots and spaces ("ต.ค.", "ต.ค", "ตค"), or
// an English name or abbreviation ("October", "Oct", "Sept"). It reads only
// the token it is given: "ก.พ." is February here even though the same letters
// also name the Civil Service Commission, so callers must only pass a token
// that stands where a month belongs (between a day and a year). OCR forms such
// as "มี.ย." are not guessed at.
func ParseMonth(s string) (time.Month, bool) {
	m, ok := monthKeys[monthKey(s)]
	return m, ok
}

var weekdayNames = [7]string{"อาทิตย์", "จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์"}

// WeekdayName returns the Thai name of w without the prefix วัน ("ศุกร์" for
// Friday), as used in "วันศุกร์ที่ ๑๙ ตุลาคม ๒๕๖๒" and in error messages. It
// returns "" for a value outside Sunday–Saturday.
func WeekdayName(w time.Weekday) string {
	if w < time.Sunday || w > time.Saturday {
		return ""
	}
	return weekdayNames[w]
}

// weekdayPrefixes lists weekday names, longest first where one is a prefix of
// another ("พฤหัสบดี" before its short form "พฤหัส").
var weekdayPrefixes = []struct {
	name string
	day  time.Weekday
}{
	{"อาทิตย์", time.Sunday},
	{"จันทร์", time.Monday},
	{"อังคาร", time.Tuesday},
	{"พุธ", time.Wednesday},
	{"พฤหัสบดี", time.Thursday},
	{"พฤหัส", time.Thursday},
	{"ศุกร์", time.Friday},
	{"เสาร์", time.Saturday},
}
