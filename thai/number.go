package thai

import (
	"fmt"
	"math"
	"strings"
	"unicode"
)

// ParseError reports text that could not be read as a Thai number, date or
// time. Its message says what was wrong and shows an accepted form, so that it
// can be shown to the person who typed the text.
type ParseError struct {
	What    string // what was being read: "number", "date", "time", "date and time"
	Input   string // the text as given
	Problem string // what was wrong with it
	Example string // an accepted form of the same kind of value
}

// Error returns one line such as
// `thai: cannot read date "31 ก.พ. 2567": day 31 does not exist ... (write it like "7 ตุลาคม 2567")`.
func (e *ParseError) Error() string {
	msg := fmt.Sprintf("thai: cannot read %s %q: %s", e.What, e.Input, e.Problem)
	if e.Example != "" {
		msg += " (write it like " + e.Example + ")"
	}
	return msg
}

const numberExample = `"๑๒๓" or "123"`

// isSpace reports the white space found in Thai text, including the
// zero-width space and joiners that word processors insert between words.
func isSpace(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return unicode.IsSpace(r)
}

// normalizeSpace maps Thai digits to Arabic and collapses every run of space
// (including zero-width space) to one ASCII space, trimming both ends.
func normalizeSpace(s string) string {
	s = ToArabicDigits(s)
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		if isSpace(r) {
			pending = b.Len() > 0
			continue
		}
		if pending {
			b.WriteByte(' ')
			pending = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ParseNumber reads a non-negative whole number written with Thai or Arabic
// digits (or a mix), such as a receive number from a stamp. Space around and
// between the digits is ignored ("๒๕๖ ๓" is 2563) because OCR and typists
// insert it; anything else, a sign, or a value too large for int is an error.
func ParseNumber(s string) (int, error) {
	fail := func(problem string) (int, error) {
		return 0, &ParseError{What: "number", Input: s, Problem: problem, Example: numberExample}
	}
	n, digits := 0, 0
	for _, r := range ToArabicDigits(s) {
		switch {
		case isSpace(r):
			continue
		case r >= '0' && r <= '9':
			d := int(r - '0')
			if n > (math.MaxInt-d)/10 {
				return fail("the number is too large")
			}
			n = n*10 + d
			digits++
		case (r == '-' || r == '−') && digits == 0:
			return fail("negative numbers are not allowed")
		default:
			return fail(fmt.Sprintf("%q is not a digit", r))
		}
	}
	if digits == 0 {
		return fail("no digits")
	}
	return n, nil
}
