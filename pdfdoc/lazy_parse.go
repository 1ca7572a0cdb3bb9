package pdfdoc

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// A small PDF object parser for the lazy reader (lazy.go). It reads straight from the file's
// bytes into pdfcpu's object types and gives, for the syntax it accepts, exactly what pdfcpu's
// own parser (model.ParseObject) gives: string literals kept as written, hex strings upper-cased,
// names with #xx decoded, null dictionary values dropped, duplicate keys won by the last one,
// "N G R" references. It accepts only the plain, well-formed subset that real producers write;
// anything else — comments inside an object, white space or odd digits in a hex string, numbers
// pdfcpu would repair ("0-5", "1,5"), keywords in capitals, bytes outside ASCII in a name,
// vertical tabs, nesting deeper than lazyMaxDepth — is a lazyBail, and the signature is then made
// on pdfcpu's whole-document parse instead. The parser never decides that a file is damaged.

// lazyBail says the lazy reader met something it does not handle; the caller falls back to the
// whole-document parse. It is never shown to a clerk.
type lazyBail struct{ msg string }

func (e *lazyBail) Error() string { return "lazy reader: " + e.msg }

func bailf(format string, args ...any) error {
	return &lazyBail{msg: fmt.Sprintf(format, args...)}
}

// lazyMaxDepth bounds the nesting of arrays and dictionaries.
const lazyMaxDepth = 64

// lazyParser parses objects in b[:end].
type lazyParser struct {
	b   []byte
	end int
}

// ws skips PDF white space (not comments: a '%' is left for the caller to refuse).
func (p *lazyParser) ws(i int) int {
	for i < p.end && isWS(p.b[i]) {
		i++
	}
	return i
}

// terminates reports whether the token before i is complete: end of data, white space or a
// delimiter.
func (p *lazyParser) terminates(i int) bool {
	return i >= p.end || isWS(p.b[i]) || isDelim(p.b[i])
}

// value parses one object starting at i (after optional white space) and returns it and the
// index just after it.
func (p *lazyParser) value(i, depth int) (types.Object, int, error) {
	if depth > lazyMaxDepth {
		return nil, 0, bailf("objects nested too deep")
	}
	i = p.ws(i)
	if i >= p.end {
		return nil, 0, bailf("object cut short at byte %d", i)
	}
	b := p.b
	switch c := b[i]; c {
	case '[':
		a := types.Array{}
		i++
		for {
			i = p.ws(i)
			if i >= p.end {
				return nil, 0, bailf("array not terminated")
			}
			if b[i] == ']' {
				return a, i + 1, nil
			}
			v, j, err := p.value(i, depth+1)
			if err != nil {
				return nil, 0, err
			}
			a = append(a, v)
			i = j
		}
	case '<':
		if i+1 < p.end && b[i+1] == '<' {
			return p.dict(i+2, depth)
		}
		return p.hex(i + 1)
	case '(':
		// As pdfcpu's balancedParenthesesPrefix: balanced parentheses, backslash escapes the
		// next byte; the content is kept as written.
		n, esc := 0, false
		for j := i; j < p.end; j++ {
			c := b[j]
			if esc {
				esc = false
				continue
			}
			switch c {
			case '\\':
				esc = true
			case '(':
				n++
			case ')':
				n--
				if n == 0 {
					return types.StringLiteral(b[i+1 : j]), j + 1, nil
				}
			}
		}
		return nil, 0, bailf("string not terminated")
	case '/':
		s, j, err := p.name(i + 1)
		if err != nil {
			return nil, 0, err
		}
		return types.Name(s), j, nil
	case 't', 'f', 'n':
		for _, kw := range [...]string{"true", "false", "null"} {
			if bytes.HasPrefix(b[i:p.end], []byte(kw)) && p.terminates(i+len(kw)) {
				switch kw {
				case "true":
					return types.Boolean(true), i + len(kw), nil
				case "false":
					return types.Boolean(false), i + len(kw), nil
				}
				return nil, i + len(kw), nil
			}
		}
		return nil, 0, bailf("unknown keyword at byte %d", i)
	}
	return p.number(i)
}

// name reads a name whose '/' is just before i.
func (p *lazyParser) name(i int) (string, int, error) {
	b := p.b
	j, hash := i, false
	for ; j < p.end; j++ {
		c := b[j]
		if isWS(c) || c == '/' || c == '<' || c == '>' || c == '(' || c == ')' || c == '[' || c == ']' {
			break
		}
		// pdfcpu ends a name at any Unicode space (U+00A0 as UTF-8, \v) and keeps { } and %
		// rules of its own: leave such names to it.
		if c < 0x21 || c > 0x7E || c == '{' || c == '}' || c == '%' {
			return "", 0, bailf("unusual byte %#x in a name", c)
		}
		if c == '#' {
			hash = true
		}
	}
	s := internName(b[i:j])
	if hash {
		d, err := types.DecodeName(s)
		if err != nil {
			return "", 0, bailf("bad name %q", s)
		}
		s = d
	}
	return s, j, nil
}

// dict reads a dictionary whose "<<" is just before i.
func (p *lazyParser) dict(i, depth int) (types.Object, int, error) {
	d := types.Dict{}
	b := p.b
	for {
		i = p.ws(i)
		if i >= p.end {
			return nil, 0, bailf("dictionary not terminated")
		}
		if b[i] == '>' {
			if i+1 < p.end && b[i+1] == '>' {
				return d, i + 2, nil
			}
			return nil, 0, bailf("stray '>' in a dictionary")
		}
		if b[i] != '/' {
			return nil, 0, bailf("dictionary key is not a name at byte %d", i)
		}
		k, j, err := p.name(i + 1)
		if err != nil {
			return nil, 0, err
		}
		v, j, err := p.value(j, depth+1)
		if err != nil {
			return nil, 0, err
		}
		if v != nil { // a null value is the same as no entry (pdfcpu drops it)
			d[k] = v
		}
		i = j
	}
}

// hex reads a hex string whose '<' is just before i: only an even number of hex digits without
// white space (pdfcpu pads odd groups and drops junk in ways best left to it).
func (p *lazyParser) hex(i int) (types.Object, int, error) {
	j := bytes.IndexByte(p.b[i:p.end], '>')
	if j < 0 {
		return nil, 0, bailf("hex string not terminated")
	}
	s := p.b[i : i+j]
	if len(s)%2 != 0 {
		return nil, 0, bailf("hex string with an odd number of digits")
	}
	out := make([]byte, len(s))
	for k, c := range s {
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'F':
			out[k] = c
		case c >= 'a' && c <= 'f':
			out[k] = c - 'a' + 'A'
		default:
			return nil, 0, bailf("hex string with %q", c)
		}
	}
	return types.HexLiteral(out), i + j + 1, nil
}

// number reads an integer, a real, or an "N G R" reference.
func (p *lazyParser) number(i int) (types.Object, int, error) {
	b := p.b
	j := i
	if j < p.end && (b[j] == '+' || b[j] == '-') {
		j++
	}
	digits, dot, fracDigits := 0, false, 0
	for ; j < p.end; j++ {
		c := b[j]
		if c >= '0' && c <= '9' {
			if dot {
				fracDigits++
			} else {
				digits++
			}
			continue
		}
		if c == '.' && !dot {
			dot = true
			continue
		}
		break
	}
	// The token must end where pdfcpu's does: at white space or one of / < ( [ ] >.
	if j < p.end && !isWS(b[j]) && !bytes.ContainsRune([]byte("/<([]>"), rune(b[j])) {
		return nil, 0, bailf("unusual token at byte %d", i)
	}
	tok := string(b[i:j])
	if dot {
		if digits+fracDigits == 0 {
			return nil, 0, bailf("bad number %q", tok)
		}
		f, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			return nil, 0, bailf("bad number %q", tok)
		}
		return types.Float(f), j, nil
	}
	if digits == 0 {
		return nil, 0, bailf("unexpected byte %q at %d", b[i], i)
	}
	n, err := strconv.Atoi(tok)
	if err != nil {
		return nil, 0, bailf("number out of range %q", tok)
	}
	// "N G R"?
	if j >= p.end || !isWS(b[j]) {
		return types.Integer(n), j, nil
	}
	k := p.ws(j)
	m := k
	for m < p.end && b[m] >= '0' && b[m] <= '9' {
		m++
	}
	if m == k || m >= p.end || !isWS(b[m]) {
		return types.Integer(n), j, nil
	}
	q := p.ws(m)
	if q >= p.end || b[q] != 'R' {
		return types.Integer(n), j, nil
	}
	if !p.terminates(q+1) || b[i] == '+' || b[i] == '-' || m-k > 9 {
		return nil, 0, bailf("unusual reference at byte %d", i)
	}
	g, _ := strconv.Atoi(string(b[k:m]))
	return *types.NewIndirectRef(n, g), q + 1, nil
}

// commonNames are the names a signature and the cross-reference walk read most, returned without
// allocating a string for each.
var commonNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{
		"Type", "Subtype", "Catalog", "Pages", "Page", "Kids", "Count", "Parent", "MediaBox",
		"CropBox", "Rotate", "Resources", "Contents", "Annots", "AcroForm", "Fields", "SigFlags",
		"Root", "Info", "ID", "Size", "Prev", "XRefStm", "Encrypt", "Length", "Filter",
		"DecodeParms", "FlateDecode", "Font", "XObject", "ProcSet", "PDF", "Text", "ImageB",
		"ImageC", "ExtGState", "ColorSpace", "Metadata", "Lang", "StructTreeRoot", "MarkInfo",
		"Group", "Tabs", "S", "CS", "DeviceRGB", "Transparency", "Version", "Outlines", "Names",
		"ViewerPreferences", "PageLayout", "PageMode", "T", "FT", "V", "Rect", "P", "F", "AP",
		"N", "First", "ObjStm", "XRef", "W", "Index", "BaseFont", "Encoding", "Widget", "Annot",
		"Sig", "DA", "DR", "NeedAppearances", "Producer", "Creator", "CreationDate", "ModDate",
	} {
		m[n] = n
	}
	return m
}()

// internName returns b as a string, shared for the common names.
func internName(b []byte) string {
	if s, ok := commonNames[string(b)]; ok { // the lookup does not allocate
		return s
	}
	return string(b)
}
