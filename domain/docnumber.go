package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/saraban/saraban/thai"
)

// NumberForm says which grammar a document number follows.
type NumberForm int

const (
	// FormLetter is the number of an external or internal letter:
	// agency letters, owner code, optional sub-codes, optional circular
	// marker and running number ("สข 0017.2/ว 7577").
	FormLetter NumberForm = iota
	// FormOrder is the number of an order (คำสั่ง) or certificate: running
	// number and BE year ("12/2567").
	FormOrder
)

// String returns "letter" or "order".
func (f NumberForm) String() string {
	switch f {
	case FormLetter:
		return "letter"
	case FormOrder:
		return "order"
	}
	return fmt.Sprintf("NumberForm(%d)", int(f))
}

// MarshalText writes "letter" or "order", for JSON and YAML.
func (f NumberForm) MarshalText() ([]byte, error) {
	if f != FormLetter && f != FormOrder {
		return nil, fmt.Errorf("domain: invalid number form %d", int(f))
	}
	return []byte(f.String()), nil
}

// UnmarshalText reads "letter" or "order", for JSON and YAML.
func (f *NumberForm) UnmarshalText(b []byte) error {
	switch wordKey(string(b)) {
	case "letter":
		*f = FormLetter
	case "order":
		*f = FormOrder
	default:
		return fmt.Errorf("domain: unknown number form %q: write letter or order", b)
	}
	return nil
}

// DocNumber is a document number (the "ที่" line) split into its parts, with
// every digit stored in Arabic script, so that the same number printed in
// Thai or Arabic digits, with or without spaces, compares equal.
//
// For FormLetter the grammar is (see the domain specification, §4.1)
//
//	[ที่] <letters>[(<committee>)] <owner code>[.<sub>…]/[ว[(ล)]] <running>
//
// and for FormOrder it is [ที่] <running>/<BE year>.
type DocNumber struct {
	Form NumberForm

	// AgencyLetters is the 2- or 3-letter code of the ministry or province
	// (สข, นร, มท). FormLetter only.
	AgencyLetters string
	// Committee holds the committee letters printed in parentheses after
	// AgencyLetters, without the parentheses; usually empty.
	Committee string
	// OwnerCode is the 4- or 5-digit code of the owning unit, leading zeros
	// kept ("0017").
	OwnerCode string
	// SubCodes are the ".n" suffixes of the owner code, leading zeros kept
	// (["2"] in 0017.2, ["001", "09"] in 0033.001.09); nil when there are
	// none.
	SubCodes []string
	// CircularMarker is "" for an ordinary letter, "ว" for a circular and
	// "ว(ล)" (or ว with another letter in parentheses) for a circular
	// sub-series.
	CircularMarker string

	// Running is the running number from the send register (or the order
	// series); at least 1.
	Running int
	// Year is the BE year of an order or certificate number; 0 for
	// FormLetter.
	Year int
}

// DocNumberError reports a document number that could not be read, with
// what was wrong and an accepted form.
type DocNumberError struct {
	Input   string
	Problem string
}

// Error returns one line that says what was wrong and shows accepted forms.
func (e *DocNumberError) Error() string {
	return fmt.Sprintf("domain: cannot read document number %q: %s (write it like \"ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗\", \"นร 1200/ว 14\" or, for an order, \"ที่ ๑๒/๒๕๖๗\")",
		e.Input, e.Problem)
}

// maxRunningDigits keeps running numbers and years far from int overflow.
const maxRunningDigits = 9

// ParseDocNumber reads a document number as printed on a letter or cited in
// another: with or without the leading ที่ (or เลขที่), Thai or Arabic digits
// (or a mix), and the spacing variants seen in practice ("ว ๗๕๗๗", "ว๑๘๔",
// "ว(ล) ๒๓๒๐", "นร 1200/ว 14"). The text is NFC-normalised first. An order or
// certificate number "๑๒/๒๕๖๗" gives FormOrder. Errors are *DocNumberError
// values that say which part is wrong.
func ParseDocNumber(s string) (DocNumber, error) {
	fail := func(format string, args ...any) (DocNumber, error) {
		return DocNumber{}, &DocNumberError{Input: s, Problem: fmt.Sprintf(format, args...)}
	}
	c := &cursor{s: normalizeNumber(s)}
	if c.s == "" {
		return fail("no number given")
	}
	if !c.consume("เลขที่") {
		c.consume("ที่")
	}
	c.skipSpace()
	if c.s[c.i:] == "" {
		return fail("nothing after ที่")
	}

	var n DocNumber
	if isDigit(c.peek()) {
		// Order or certificate: <running>/<BE year>.
		run := c.digits()
		c.skipSpace()
		if c.peek() == '.' || (c.peek() == '/' && strings.HasPrefix(strings.TrimLeft(c.s[c.i+1:], " "), "ว")) {
			return fail("the agency letters (such as สข or นร) are missing before %s", run)
		}
		if !c.consume("/") {
			return fail("an order number is written running-number/BE-year, such as 12/2567")
		}
		c.skipSpace()
		year := c.digits()
		if year == "" {
			return fail("the BE year is missing after %s/", run)
		}
		if len(year) != 4 || year < "2400" {
			return fail("the year %s of an order number must be a 4-digit Buddhist Era year such as 2567", year)
		}
		c.skipSpace()
		if rest := c.s[c.i:]; rest != "" {
			return fail("unexpected text %q after the year", rest)
		}
		r, err := running(run)
		if err != "" {
			return fail("%s", err)
		}
		n.Form, n.Running, n.Year = FormOrder, r, atoi(year)
		return n, nil
	}

	// Agency letters.
	start := c.i
	for c.i < len(c.s) {
		r, size := utf8.DecodeRuneInString(c.s[c.i:])
		if !isConsonant(r) {
			break
		}
		c.i += size
	}
	letters := c.s[start:c.i]
	if r, _ := utf8.DecodeRuneInString(c.s[c.i:]); isThaiRune(r) && !isConsonant(r) && !isDigitRune(r) {
		return fail("%q is not an agency code: the agency letters are 2 or 3 Thai consonants such as สข or นร", wordUntilSpace(c.s[start:]))
	}
	switch n := utf8.RuneCountInString(letters); {
	case n == 0:
		return fail("expected the agency letters (such as สข or นร) at %q", c.s[start:])
	case n > 3:
		return fail("the agency letters %q are more than 3 letters", letters)
	case n < 2:
		return fail("the agency letters %q are fewer than 2 letters", letters)
	}
	n.AgencyLetters = letters
	c.skipSpace()

	// Committee letters.
	if c.consume("(") {
		end := strings.IndexByte(c.s[c.i:], ')')
		if end < 0 {
			return fail("the committee letters after %q lack a closing \")\"", letters+"(")
		}
		inner := strings.ReplaceAll(c.s[c.i:c.i+end], " ", "")
		if inner == "" || strings.IndexFunc(inner, func(r rune) bool { return !isConsonant(r) && r != '.' }) >= 0 {
			return fail("the committee letters in parentheses %q must be Thai consonants (and dots)", c.s[c.i:c.i+end])
		}
		n.Committee = inner
		c.i += end + 1
		c.skipSpace()
	}

	// Owner code and sub-codes.
	owner := c.digits()
	switch {
	case owner == "":
		return fail("the owner code (4 digits, such as 0017) is missing after %s", letters)
	case len(owner) < 4 || len(owner) > 5:
		return fail("the owner code %s must have 4 digits (or 5, as some units use)", owner)
	}
	n.OwnerCode = owner
	for {
		save := c.i
		c.skipSpace()
		if !c.consume(".") {
			c.i = save
			break
		}
		c.skipSpace()
		sub := c.digits()
		if sub == "" {
			return fail("a sub-code after \".\" is missing in %s", c.s[start:c.i])
		}
		if len(sub) > maxRunningDigits {
			return fail("the sub-code %s is too long", sub)
		}
		n.SubCodes = append(n.SubCodes, sub)
	}
	c.skipSpace()
	if !c.consume("/") {
		if c.i == len(c.s) {
			return fail("\"/\" and the running number are missing after the owner code")
		}
		return fail("expected \"/\" before the running number, found %q", c.s[c.i:])
	}
	c.skipSpace()

	// Circular marker.
	if c.consume("ว") {
		n.CircularMarker = "ว"
		c.skipSpace()
		if c.consume("(") {
			end := strings.IndexByte(c.s[c.i:], ')')
			inner := ""
			if end >= 0 {
				inner = strings.ReplaceAll(c.s[c.i:c.i+end], " ", "")
			}
			if r, size := utf8.DecodeRuneInString(inner); end < 0 || size != len(inner) || !isConsonant(r) {
				return fail("the circular marker must be ว or ว followed by one letter in parentheses, such as ว(ล)")
			}
			n.CircularMarker = "ว(" + inner + ")"
			c.i += end + 1
			c.skipSpace()
		}
	}

	// Running number.
	run := c.digits()
	if run == "" {
		if c.i == len(c.s) {
			return fail("the running number after \"/\" is missing")
		}
		return fail("expected the running number after \"/\", found %q", c.s[c.i:])
	}
	r, msg := running(run)
	if msg != "" {
		return fail("%s", msg)
	}
	n.Running = r
	c.skipSpace()
	if rest := c.s[c.i:]; rest != "" {
		return fail("unexpected text %q after the running number", rest)
	}
	return n, nil
}

// running converts a running number, or explains why it is not one.
func running(digits string) (int, string) {
	trimmed := strings.TrimLeft(digits, "0")
	if len(trimmed) > maxRunningDigits {
		return 0, fmt.Sprintf("the running number %s is too large", digits)
	}
	r := atoi(trimmed)
	if r < 1 {
		return 0, "the running number must be 1 or more"
	}
	return r, ""
}

// normalizeNumber applies NFC, maps Thai digits to Arabic and full-width
// punctuation to ASCII, and collapses white space (including zero-width
// space) to single spaces.
func normalizeNumber(s string) string {
	s = thai.ToArabicDigits(norm.NFC.String(s))
	var b strings.Builder
	pending := false
	for _, r := range s {
		switch r {
		case '／':
			r = '/'
		case '（':
			r = '('
		case '）':
			r = ')'
		case '．':
			r = '.'
		}
		if unicode.IsSpace(r) || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff' {
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

// cursor walks a normalised number.
type cursor struct {
	s string
	i int
}

func (c *cursor) skipSpace() {
	for c.i < len(c.s) && c.s[c.i] == ' ' {
		c.i++
	}
}

func (c *cursor) consume(p string) bool {
	if strings.HasPrefix(c.s[c.i:], p) {
		c.i += len(p)
		return true
	}
	return false
}

func (c *cursor) peek() byte {
	if c.i < len(c.s) {
		return c.s[c.i]
	}
	return 0
}

func (c *cursor) digits() string {
	start := c.i
	for c.i < len(c.s) && isDigit(c.s[c.i]) {
		c.i++
	}
	return c.s[start:c.i]
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isDigitRune(r rune) bool { return r >= 0x0E50 && r <= 0x0E59 }

// isConsonant reports a Thai consonant, ก (U+0E01) to ฮ (U+0E2E).
func isConsonant(r rune) bool { return r >= 'ก' && r <= 'ฮ' }

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func wordUntilSpace(s string) string {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

// Canonical returns the number with Arabic digits and without ที่, with one
// space after the agency letters and after the circular marker
// ("สข 0017.2/ว 7577", "12/2567"): the form stored in normalised fields and
// used as a lookup key.
func (n DocNumber) Canonical() string {
	var b strings.Builder
	if n.Form == FormOrder {
		fmt.Fprintf(&b, "%d/%d", n.Running, n.Year)
		return b.String()
	}
	b.WriteString(n.AgencyLetters)
	if n.Committee != "" {
		b.WriteString("(" + n.Committee + ")")
	}
	b.WriteString(" " + n.OwnerCode)
	for _, sub := range n.SubCodes {
		b.WriteString("." + sub)
	}
	b.WriteString("/")
	if n.CircularMarker != "" {
		b.WriteString(n.CircularMarker + " ")
	}
	b.WriteString(strconv.Itoa(n.Running))
	return b.String()
}

// Format returns the number as printed on a letter, with ที่ and in the given
// digit script: "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗" with thai.ThaiDigits. ParseDocNumber
// reads the result back as n for every n that ParseDocNumber produced.
func (n DocNumber) Format(d thai.Digits) string {
	return d.Apply("ที่ " + n.Canonical())
}

// String returns Canonical, so that numbers print readably in logs.
func (n DocNumber) String() string { return n.Canonical() }

// Circular reports whether n carries the circular marker ว (or ว(ล)), which
// places it in a separate yearly number series.
func (n DocNumber) Circular() bool { return n.CircularMarker != "" }

// Equal reports whether n and o are the same number. Digits are stored in
// Arabic script, so a number printed in Thai digits equals the same number
// printed in Arabic digits; nil and empty SubCodes are equal.
func (n DocNumber) Equal(o DocNumber) bool {
	return n.Form == o.Form && n.AgencyLetters == o.AgencyLetters && n.Committee == o.Committee &&
		n.OwnerCode == o.OwnerCode && slices.Equal(n.SubCodes, o.SubCodes) &&
		n.CircularMarker == o.CircularMarker && n.Running == o.Running && n.Year == o.Year
}

// Validate reports whether n, possibly built by hand, is a number that
// ParseDocNumber would produce, so that invalid numbers are caught before
// they are stored.
func (n DocNumber) Validate() error {
	p, err := ParseDocNumber(n.Canonical())
	if err != nil {
		return err
	}
	if !p.Equal(n) {
		return fmt.Errorf("domain: document number fields %+v do not match their printed form %q", n, n.Canonical())
	}
	return nil
}

// IsZero reports whether n is the zero DocNumber, which stands for "no
// number" (a letter whose number was never filled in).
func (n DocNumber) IsZero() bool {
	return n.Equal(DocNumber{})
}

// MarshalText writes Canonical, for JSON and YAML; the zero DocNumber is
// written as "".
func (n DocNumber) MarshalText() ([]byte, error) {
	if n.IsZero() {
		return []byte{}, nil
	}
	return []byte(n.Canonical()), nil
}

// UnmarshalText reads with ParseDocNumber, for JSON and YAML; "" gives the
// zero DocNumber.
func (n *DocNumber) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*n = DocNumber{}
		return nil
	}
	v, err := ParseDocNumber(string(b))
	if err != nil {
		return err
	}
	*n = v
	return nil
}
