package signing

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"image"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/saraban/saraban/pdfdoc"
)

// Options control one signature.
type Options struct {
	// Time is the claimed signing time written as the signature dictionary's /M (PAdES puts the
	// time there, not in the CMS). Zero means time.Now().
	Time time.Time
	// Reason, Location and ContactInfo go into the signature dictionary when set.
	Reason, Location, ContactInfo string
	// Name is the signature dictionary's /Name; empty means the certificate's common name.
	Name string
	// TSA, when set, makes the signature PAdES B-T: the signature value is timestamped by this
	// RFC 3161 server and the token stored as an unsigned attribute.
	TSA *TSAClient
	// Visible, when set, draws the signature box; nil makes an invisible signature.
	Visible *Visible
	// Reserve is the size in bytes kept for the CMS structure; 0 means an estimate from the
	// certificates, the key and the timestamp (the signature is redone with more room if the
	// estimate was short).
	Reserve int
}

// Visible places a visible signature.
type Visible struct {
	// Page is 1-based; negative counts from the end (-1 is the last page). 0 means page 1 with
	// Rect, and the last page with Position.
	Page int
	// Rect is x0 y0 x1 y1 in points on the page as the reader sees it: origin at the bottom-left
	// corner of the visible page (crop box), after the page's /Rotate. On an ordinary unrotated
	// page that is the page's user space. The box is drawn upright as seen on rotated pages.
	Rect [4]float64
	// Position, when Rect is all zeros, names a default position (see Positions): "signer",
	// "memo", "order" or "approval", placed relative to the page's size.
	Position string
	// Block is the text of the signature block. When Lines is set it is drawn instead, as is.
	Block Block
	Lines []string
	// Image is an optional picture of the handwritten signature drawn above the text.
	Image image.Image
	// Font draws the text; nil means Laksaman (pdfdoc.LoadDefaultFont).
	Font *pdfdoc.Font
	// FontSize is the largest text size, default 14 pt (text shrinks to fit the box).
	FontSize float64
}

// Block is a Thai signature block (saraban-domain §8.2): the name in parentheses, the position
// lines, the capacity lines (e.g. "รองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา"),
// and the date in the Buddhist era.
type Block struct {
	Name     string   // full name with title, e.g. "นายอภิชาติ สารบรรณ"; drawn as "(นายอภิชาติ สารบรรณ)"
	Position []string // position lines
	Capacity []string // capacity and authority lines, one per link of the delegation chain
	// Date is printed as a BE date ("๖ ธันวาคม ๒๕๖๙") when not zero (in Asia/Bangkok time).
	Date time.Time
	// ArabicDigits prints the date with 0-9 instead of Thai digits.
	ArabicDigits bool
}

// Lines returns the block's lines, top to bottom.
func (b Block) Lines() []string {
	var out []string
	if n := strings.TrimSpace(b.Name); n != "" {
		out = append(out, "("+n+")")
	}
	for _, l := range append(append([]string{}, b.Position...), b.Capacity...) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if !b.Date.IsZero() {
		out = append(out, ThaiDate(b.Date, b.ArabicDigits))
	}
	return out
}

var bangkok = time.FixedZone("ICT", 7*3600)

var thaiMonths = [...]string{"มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
	"กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"}

// ThaiDate formats t (in Asia/Bangkok) as "6 ธันวาคม 2569" with the Buddhist-era year, in Thai
// digits unless arabic is set.
func ThaiDate(t time.Time, arabic bool) string {
	t = t.In(bangkok)
	s := fmt.Sprintf("%d %s %d", t.Day(), thaiMonths[t.Month()-1], t.Year()+543)
	if arabic {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r - '0' + '๐'
		}
		return r
	}, s)
}

// Placeholder markers in the signature dictionary, patched after the update is written.
const (
	byteRangeMark = "/ByteRange [0 ********** ********** **********]"
	contentsKey   = "/Contents <"
)

// Sign signs pdf with s as PAdES baseline B-B (or B-T when opts.TSA is set) and returns the whole
// new file: the input unchanged, followed by one incremental update with the signature field,
// its appearance and the signature dictionary, so that earlier signatures stay valid. Encrypted,
// damaged or unsupported input is refused with a *pdfdoc.Error.
func Sign(pdf []byte, s Signer, opts Options) ([]byte, error) {
	if s == nil || s.Certificate() == nil {
		return nil, errors.New("signing: no signer")
	}
	if _, err := signatureAlgorithm(s.Public()); err != nil {
		return nil, err
	}
	reserve := opts.Reserve
	if reserve <= 0 {
		reserve = estimateCMS(s, opts.TSA != nil)
	}
	// The input is an exact prefix of the signed bytes: it is hashed once, as it is, and only
	// the update is hashed afterwards. From parallelHashMin on it is hashed on another goroutine
	// while the PDF is read and the update written, so that the SHA-256 pass over a big scan
	// overlaps that work; Sign does not return before that goroutine is done with pdf. Smaller
	// files are hashed first, on this goroutine: on the 2-vCPU VM waking a second thread (futex,
	// a halted vCPU) cost more than it saved up to about 1 MB (measured: 100 KB 194 µs serial
	// against 202 µs parallel, 1 MB 1.05 ms against 1.17 ms, 2 MB 2.1 ms against 1.75 ms).
	var prefix hash.Hash
	hashed := make(chan struct{})
	hashPrefix := func() {
		defer close(hashed)
		prefix = sha256.New()
		prefix.Write(pdf)
	}
	if len(pdf) >= parallelHashMin {
		go hashPrefix()
	} else {
		hashPrefix()
	}
	defer func() { <-hashed }()
	prefixHash := func() (hash.Hash, error) {
		<-hashed
		c, err := prefix.(hash.Cloner).Clone()
		if err != nil {
			return nil, err
		}
		return c.(hash.Hash), nil
	}
	for attempt := 0; attempt < 3; attempt++ {
		out, need, err := signOnce(pdf, s, opts, reserve, prefixHash)
		if err != nil {
			return nil, err
		}
		if out != nil {
			return out, nil
		}
		reserve = need + 2048
	}
	return nil, errors.New("signing: the signature did not fit in the space reserved for it")
}

// parallelHashMin is the input size from which Sign hashes the original on another goroutine
// (see Sign).
const parallelHashMin = 1536 << 10

func estimateCMS(s Signer, tsa bool) int {
	n := 1500 + len(s.Certificate().Raw)
	for _, c := range s.Chain() {
		n += len(c.Raw)
	}
	if tsa {
		n += 10 << 10 // token with the TSA's certificate chain
	}
	return n
}

func pdfDate(t time.Time) string {
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	if off == 0 {
		return t.Format("D:20060102150405") + "Z"
	}
	return fmt.Sprintf("D:%s%c%02d'%02d'", t.Format("20060102150405"), sign, off/3600, off%3600/60)
}

// appendPDFText appends s as a PDF text string: a literal when it is printable ASCII (with \\, (
// and ) escaped), else UTF-16BE hex with a byte order mark.
func appendPDFText(b []byte, s string) []byte {
	ascii := true
	for _, r := range s {
		if r < 0x20 || r > 0x7E {
			ascii = false
			break
		}
	}
	if ascii {
		b = append(b, '(')
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == '\\' || c == '(' || c == ')' {
				b = append(b, '\\')
			}
			b = append(b, s[i])
		}
		return append(b, ')')
	}
	const hexDigits = "0123456789ABCDEF"
	unit := func(b []byte, u rune) []byte {
		return append(b, hexDigits[u>>12&15], hexDigits[u>>8&15], hexDigits[u>>4&15], hexDigits[u&15])
	}
	b = append(b, "<FEFF"...)
	for _, r := range s { // invalid UTF-8 reads as U+FFFD, as in utf16.Encode([]rune(s))
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			b = unit(unit(b, r1), r2)
		} else {
			b = unit(b, r)
		}
	}
	return append(b, '>')
}

// pdfText is appendPDFText as a string.
func pdfText(s string) string { return string(appendPDFText(nil, s)) }

// zeros fills the /Contents placeholder.
var zeros = strings.Repeat("0", 512)

// sigDictPool holds the buffers the signature dictionary is written in.
var sigDictPool = sync.Pool{New: func() any { return new([]byte) }}

// checkReaders, set by this package's tests only, is called with every update written: it
// compares pdfdoc's lazy reader with pdfcpu's whole-document parse on the same input.
var checkReaders func(pdf []byte, f pdfdoc.SignatureField, sigDict, out []byte) error

// signOnce writes the update with a /Contents hole of reserve bytes and signs it. It returns a
// nil result and the needed size when the CMS did not fit.
func signOnce(pdf []byte, s Signer, opts Options, reserve int, prefixHash func() (hash.Hash, error)) ([]byte, int, error) {
	t := opts.Time
	if t.IsZero() {
		t = time.Now()
	}
	name := opts.Name
	if name == "" {
		name = s.Certificate().Subject.CommonName
	}
	// The dictionary (mostly the /Contents placeholder's zeros) is written in a buffer reused
	// across signatures; AddSignatureField copies it into the new file.
	dp := sigDictPool.Get().(*[]byte)
	defer sigDictPool.Put(dp)
	d := (*dp)[:0]
	if need := 2*reserve + 1024; cap(d) < need {
		d = make([]byte, 0, need)
	}
	d = append(d, "<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached\n/M "...)
	d = appendPDFText(d, pdfDate(t))
	for _, e := range [...]struct{ key, v string }{
		{"\n/Name ", name}, {"\n/Reason ", opts.Reason}, {"\n/Location ", opts.Location}, {"\n/ContactInfo ", opts.ContactInfo},
	} {
		if e.v != "" {
			d = append(d, e.key...)
			d = appendPDFText(d, e.v)
		}
	}
	d = append(d, '\n')
	d = append(d, byteRangeMark+"\n"...)
	d = append(d, contentsKey...)
	for n := 2 * reserve; n > 0; n -= len(zeros) {
		d = append(d, zeros[:min(n, len(zeros))]...)
	}
	d = append(d, ">\n>>"...)
	*dp = d

	field := pdfdoc.SignatureField{}
	if v := opts.Visible; v != nil {
		field.Page = v.Page
		field.Rect = v.Rect
		lines := v.Lines
		if lines == nil {
			lines = v.Block.Lines()
		}
		field.Appearance = &pdfdoc.SignatureAppearance{Lines: lines, Image: v.Image, Font: v.Font, FontSize: v.FontSize}
		if v.Rect == ([4]float64{}) && v.Position != "" {
			pos, ok := LookupPosition(v.Position)
			if !ok {
				return nil, 0, unknownPosition(v.Position)
			}
			field.Place = pos.Rect
			if field.Page == 0 {
				field.Page = -1
			}
		} else if r := v.Rect; r[2]-r[0] <= 0 || r[3]-r[1] <= 0 {
			return nil, 0, fmt.Errorf("signing: the visible signature's rectangle %v is empty", r)
		}
	}
	out, err := pdfdoc.AddSignatureField(pdf, field, d)
	if err != nil {
		return nil, 0, err
	}
	if checkReaders != nil {
		if err := checkReaders(pdf, field, d, out); err != nil {
			return nil, 0, err
		}
	}
	base := len(pdf)
	br := bytes.Index(out[base:], []byte(byteRangeMark))
	ct := bytes.Index(out[base:], []byte(contentsKey))
	if br < 0 || ct < 0 {
		return nil, 0, errors.New("signing: internal error: signature placeholders not found")
	}
	br += base
	holeStart := base + ct + len(contentsKey) - 1 // at '<'
	holeEnd := holeStart + 1 + 2*reserve + 1      // after '>'
	if out[holeEnd-1] != '>' {
		return nil, 0, errors.New("signing: internal error: /Contents placeholder misplaced")
	}
	var rb [len(byteRangeMark) + 32]byte
	rng := append(rb[:0], "/ByteRange [0 "...)
	rng = strconv.AppendInt(rng, int64(holeStart), 10)
	rng = append(rng, ' ')
	rng = strconv.AppendInt(rng, int64(holeEnd), 10)
	rng = append(rng, ' ')
	rng = strconv.AppendInt(rng, int64(len(out)-holeEnd), 10)
	rng = append(rng, ']')
	if len(rng) > len(byteRangeMark) {
		return nil, 0, errors.New("signing: the file is too large for the byte range placeholder")
	}
	for len(rng) < len(byteRangeMark) {
		rng = append(rng, ' ')
	}
	copy(out[br:], rng)

	h, err := prefixHash()
	if err != nil {
		return nil, 0, err
	} // SHA-256 of out[:base], which is pdf
	h.Write(out[base:holeStart])
	h.Write(out[holeEnd:])
	var unsigned func([]byte) ([][]byte, error)
	if opts.TSA != nil {
		unsigned = func(sig []byte) ([][]byte, error) {
			tok, err := opts.TSA.Timestamp(sig)
			if err != nil {
				return nil, err
			}
			return [][]byte{attribute(oidTimeStampToken, tok)}, nil
		}
	}
	cms, err := buildCMS(h.Sum(nil), s, unsigned)
	if err != nil {
		return nil, 0, err
	}
	if len(cms) > reserve {
		return nil, len(cms), nil
	}
	hex.Encode(out[holeStart+1:], cms)
	return out, 0, nil
}
