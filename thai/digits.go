package thai

import (
	"fmt"
	"strings"
)

// Thai digits ๐ (U+0E50) to ๙ (U+0E59) are encoded in UTF-8 as E0 B9 90–99.
const (
	thaiDigitLead0 = 0xE0
	thaiDigitLead1 = 0xB9
	thaiDigitBase  = 0x90
)

// ToArabicDigits replaces every Thai digit (๐–๙) in s with the matching Arabic
// digit (0–9) and leaves every other byte alone, so that numbers written in
// either script can be stored and compared in one form.
func ToArabicDigits(s string) string {
	i := indexThaiDigit(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		if isThaiDigitAt(s, i) {
			b.WriteByte('0' + s[i+2] - thaiDigitBase)
			i += 3
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// ToThaiDigits replaces every Arabic digit (0–9) in s with the matching Thai
// digit (๐–๙) and leaves every other byte alone, for printing in the style of
// official letters.
func ToThaiDigits(s string) string {
	i := strings.IndexAny(s, "0123456789")
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*(len(s)-i))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			b.WriteByte(thaiDigitLead0)
			b.WriteByte(thaiDigitLead1)
			b.WriteByte(thaiDigitBase + c - '0')
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isThaiDigitAt(s string, i int) bool {
	return i+2 < len(s) && s[i] == thaiDigitLead0 && s[i+1] == thaiDigitLead1 &&
		s[i+2] >= thaiDigitBase && s[i+2] <= thaiDigitBase+9
}

func indexThaiDigit(s string) int {
	for i := 0; i+2 < len(s); i++ {
		if isThaiDigitAt(s, i) {
			return i
		}
	}
	return -1
}

// Digits is the digit script used when printing numbers. The zero value is
// ThaiDigits because official letters print Thai digits by default.
type Digits int

const (
	// ThaiDigits prints ๐–๙, the default on official letters.
	ThaiDigits Digits = iota
	// ArabicDigits prints 0–9, as normalised fields and some stamps do.
	ArabicDigits
)

// String returns "thai" or "arabic", the words ParseDigits accepts, so that
// the setting round-trips through configuration files.
func (d Digits) String() string {
	switch d {
	case ThaiDigits:
		return "thai"
	case ArabicDigits:
		return "arabic"
	}
	return fmt.Sprintf("Digits(%d)", int(d))
}

// Apply rewrites every digit of s in the script d, so that callers can format
// once with Arabic digits and convert at the end. An unknown Digits value
// leaves s unchanged.
func (d Digits) Apply(s string) string {
	switch d {
	case ThaiDigits:
		return ToThaiDigits(s)
	case ArabicDigits:
		return ToArabicDigits(s)
	}
	return s
}

// ParseDigits reads a digit-script setting: "thai" (or ไทย) and "arabic" (or
// อารบิก), ignoring case and surrounding space, so that agencies can choose
// the script in their configuration.
func ParseDigits(s string) (Digits, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "thai", "ไทย":
		return ThaiDigits, nil
	case "arabic", "อารบิก", "อารบิค":
		return ArabicDigits, nil
	}
	return 0, fmt.Errorf("thai: unknown digit script %q: write \"thai\" or \"arabic\"", s)
}

// MarshalText writes the setting as "thai" or "arabic", for JSON and YAML.
func (d Digits) MarshalText() ([]byte, error) {
	if d != ThaiDigits && d != ArabicDigits {
		return nil, fmt.Errorf("thai: invalid digit script %d", int(d))
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads the setting with ParseDigits, for JSON and YAML.
func (d *Digits) UnmarshalText(b []byte) error {
	v, err := ParseDigits(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
