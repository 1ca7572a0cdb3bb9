package pdfdoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// This file walks the cross-reference chain strictly, on its own, before pdfcpu sees the file.
//
// Why not trust pdfcpu.Read alone: when an xref section is broken, pdfcpu rebuilds the table by
// scanning the file for "N G obj" and carries on without telling the caller. That is right for a
// viewer, wrong for us: the receive stamp is an incremental update whose /Prev points at the
// original's last xref section, so the original's chain must be sound as written. A file that
// only opens after a rebuild is refused as Damaged, and the clerk is asked to re-save it.

// Limits that keep hostile input cheap. Real letters are far below them.
const (
	maxXRefSections  = 4096       // incremental updates in one file
	maxObjectNumber  = 8_388_607  // PDF's implementation limit for indirect objects
	maxXRefStreamOut = 64 << 20   // decoded bytes of one cross-reference stream
	tailWindow       = 4096       // where startxref must be, counted from the end of the file
	dictWindow       = 256 << 10  // longest trailer or stream dictionary we parse
	maxHeaderOffset  = 1024       // %PDF- must start within this many bytes (as readers allow)
	maxEntriesTotal  = 10_000_000 // all entries of all sections together
)

type xrefEntry struct {
	typ uint8 // 0 free, 1 in use at an offset, 2 inside an object stream
	off int64 // byte offset (type 1) or object stream number (type 2)
	gen int   // generation (type 1) or index inside the object stream (type 2)
}

// xrefInfo is what the strict walk learnt about the file's revisions.
type xrefInfo struct {
	startxref  int64 // offset of the newest xref section, as written after "startxref"
	lastStream bool  // the newest section is a cross-reference stream
	hybrid     bool  // some classic trailer has /XRefStm
	compressed bool  // some object lives in an object stream
	sections   int   // number of xref sections (1 + incremental updates, roughly)
	entries    map[int]xrefEntry
	trailer    types.Dict // newest trailer (or xref stream dictionary)
	root       *types.IndirectRef
	info       *types.IndirectRef
	id         types.Array
	size       int // /Size of the newest trailer
	encrypted  bool
	// starts holds the offsets of the cross-reference sections (and /XRefStm streams) walked.
	starts []int64
}

// xrefError is an internal parse failure; open turns it into a Damaged *Error.
type xrefError struct{ msg string }

func (e *xrefError) Error() string { return e.msg }

func xerr(format string, args ...any) error { return &xrefError{msg: fmt.Sprintf(format, args...)} }

func isWS(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func skipWS(b []byte, i int) int {
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return i
}

// skipWSComments skips white space and % comments.
func skipWSComments(b []byte, i int) int {
	for i < len(b) {
		switch {
		case isWS(b[i]):
			i++
		case b[i] == '%':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		default:
			return i
		}
	}
	return i
}

// readUint reads an unsigned decimal integer at i.
func readUint(b []byte, i int) (int64, int, bool) {
	j := i
	var v int64
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		if v > (1<<53)/10 {
			return 0, i, false
		}
		v = v*10 + int64(b[j]-'0')
		j++
	}
	return v, j, j > i
}

// hasKeyword reports whether keyword kw starts at i and is not followed by a regular character.
func hasKeyword(b []byte, i int, kw string) bool {
	if !bytes.HasPrefix(b[i:], []byte(kw)) {
		return false
	}
	j := i + len(kw)
	return j == len(b) || isWS(b[j]) || isDelim(b[j])
}

// objHeader parses "N G obj" at i (after optional white space) and returns N, G and the index
// just after "obj".
func objHeader(b []byte, i int) (num, gen int64, next int, ok bool) {
	i = skipWS(b, i)
	num, i, ok = readUint(b, i)
	if !ok || i >= len(b) || !isWS(b[i]) {
		return 0, 0, 0, false
	}
	i = skipWS(b, i)
	gen, i, ok = readUint(b, i)
	if !ok || i >= len(b) || !isWS(b[i]) {
		return 0, 0, 0, false
	}
	i = skipWS(b, i)
	if !hasKeyword(b, i, "obj") {
		return 0, 0, 0, false
	}
	return num, gen, i + 3, true
}

// findStartXRef finds the last "startxref N %%EOF" near the end of the file.
func findStartXRef(b []byte) (int64, error) {
	from := max(len(b)-tailWindow, 0)
	tail := b[from:]
	k := bytes.LastIndex(tail, []byte("startxref"))
	if k < 0 {
		return 0, xerr("it has no startxref at its end, so it is probably cut short")
	}
	i := from + k + len("startxref")
	i = skipWS(b, i)
	off, i, ok := readUint(b, i)
	if !ok {
		return 0, xerr("the number after startxref is missing")
	}
	i = skipWS(b, i)
	if !bytes.HasPrefix(b[i:], []byte("%%EOF")) {
		return 0, xerr("it does not end with %%%%EOF, so it is probably cut short")
	}
	if off <= 0 || off >= int64(len(b)) {
		return 0, xerr("startxref points outside the file")
	}
	return off, nil
}

// parseDictAt parses one dictionary starting at i (after white space) and returns it and the
// index just after it. The lazy reader's parser (lazy_parse.go) reads it in place; for anything
// outside the plain syntax it accepts (where it gives exactly what pdfcpu's parser gives), pdfcpu's
// parser decides, on a copy of at most dictWindow bytes.
func parseDictAt(b []byte, i int) (types.Dict, int, error) {
	i = skipWSComments(b, i)
	end := min(len(b), i+dictWindow)
	if i+1 < end && b[i] == '<' && b[i+1] == '<' {
		p := lazyParser{b: b, end: end}
		if o, j, err := p.dict(i+2, 0); err == nil {
			return o.(types.Dict), j, nil
		}
	}
	s := string(b[i:end])
	rest := s
	o, err := model.ParseObject(&rest)
	if err != nil {
		return nil, 0, err
	}
	d, ok := o.(types.Dict)
	if !ok {
		return nil, 0, errors.New("not a dictionary")
	}
	return d, i + len(s) - len(rest), nil
}

// streamData returns the raw bytes of the stream whose dictionary d ends at i. /Length must be a
// direct integer (as the standard requires for xref streams) and "endstream" must follow it.
func streamData(b []byte, i int, d types.Dict) ([]byte, error) {
	i = skipWSComments(b, i)
	if !hasKeyword(b, i, "stream") {
		return nil, errors.New(`"stream" keyword missing`)
	}
	i += len("stream")
	if i < len(b) && b[i] == '\r' {
		i++
	}
	if i < len(b) && b[i] == '\n' {
		i++
	}
	n, ok := intOf(d["Length"])
	if !ok || n < 0 || n > int64(len(b)-i) {
		return nil, errors.New("stream /Length missing, indirect or beyond the end of the file")
	}
	data := b[i : i+int(n)]
	j := skipWS(b, i+int(n))
	if !hasKeyword(b, j, "endstream") {
		return nil, errors.New(`"endstream" not where /Length says`)
	}
	return data, nil
}

// decodeStream undoes the filters of a stream with pdfcpu's filters (Flate with PNG predictors is
// what xref and object streams use in practice).
func decodeStream(d types.Dict, raw []byte, maxOut int64) ([]byte, error) {
	var names []string
	var parms []types.Dict
	switch f := d["Filter"].(type) {
	case nil:
	case types.Name:
		names = append(names, string(f))
		if p, ok := d["DecodeParms"].(types.Dict); ok {
			parms = append(parms, p)
		} else {
			parms = append(parms, nil)
		}
	case types.Array:
		pa, _ := d["DecodeParms"].(types.Array)
		for k, o := range f {
			n, ok := o.(types.Name)
			if !ok {
				return nil, errors.New("bad /Filter")
			}
			names = append(names, string(n))
			var p types.Dict
			if k < len(pa) {
				p, _ = pa[k].(types.Dict)
			}
			parms = append(parms, p)
		}
	default:
		return nil, errors.New("bad /Filter")
	}
	out := raw
	for k, name := range names {
		pm := map[string]int{}
		for key, v := range parms[k] {
			if n, ok := intOf(v); ok {
				pm[key] = int(n)
			}
		}
		f, err := filter.NewFilter(name, pm, maxOut)
		if err != nil {
			return nil, err
		}
		r, err := f.Decode(bytes.NewReader(out))
		if err != nil {
			return nil, err
		}
		out, err = io.ReadAll(io.LimitReader(r, maxOut+1))
		if err != nil {
			return nil, err
		}
		if int64(len(out)) > maxOut {
			return nil, errors.New("stream decodes to too many bytes")
		}
	}
	return out, nil
}

type xrefParser struct {
	b     []byte
	total int
}

// classic parses a classic "xref" table at i; the caller has checked the keyword.
func (p *xrefParser) classic(i int) (map[int]xrefEntry, types.Dict, error) {
	b := p.b
	i += len("xref")
	entries := map[int]xrefEntry{}
	for {
		i = skipWSComments(b, i)
		if i >= len(b) {
			return nil, nil, xerr("the cross-reference table is cut short")
		}
		if hasKeyword(b, i, "trailer") {
			i += len("trailer")
			break
		}
		start, j, ok := readUint(b, i)
		if !ok {
			return nil, nil, xerr("the cross-reference table has a bad subsection header at byte %d", i)
		}
		j = skipWS(b, j)
		count, j, ok := readUint(b, j)
		if !ok {
			return nil, nil, xerr("the cross-reference table has a bad subsection header at byte %d", i)
		}
		if start+count > maxObjectNumber || count > int64(len(b)-j)/18+1 {
			return nil, nil, xerr("the cross-reference table has an impossible subsection")
		}
		i = j
		for k := int64(0); k < count; k++ {
			i = skipWS(b, i)
			off, j, ok1 := readUint(b, i)
			j = skipWS(b, j)
			gen, j, ok2 := readUint(b, j)
			j = skipWS(b, j)
			if !ok1 || !ok2 || j >= len(b) || (b[j] != 'n' && b[j] != 'f') {
				return nil, nil, xerr("the cross-reference table has a bad entry at byte %d", i)
			}
			num := int(start + k)
			if _, dup := entries[num]; !dup {
				if b[j] == 'n' {
					entries[num] = xrefEntry{typ: 1, off: off, gen: int(gen)}
				} else {
					entries[num] = xrefEntry{typ: 0, gen: int(gen)}
				}
			}
			i = j + 1
		}
		p.total += int(count)
		if p.total > maxEntriesTotal {
			return nil, nil, xerr("the cross-reference tables are impossibly long")
		}
	}
	d, _, err := parseDictAt(b, i)
	if err != nil {
		return nil, nil, xerr("the trailer cannot be read: %v", err)
	}
	return entries, d, nil
}

// stream parses a cross-reference stream object at i.
func (p *xrefParser) stream(i int) (map[int]xrefEntry, types.Dict, error) {
	b := p.b
	_, _, j, ok := objHeader(b, i)
	if !ok {
		return nil, nil, xerr("startxref or /Prev does not point at a cross-reference section")
	}
	d, j, err := parseDictAt(b, j)
	if err != nil {
		return nil, nil, xerr("the cross-reference stream dictionary cannot be read: %v", err)
	}
	if t, _ := d["Type"].(types.Name); t != "XRef" {
		return nil, nil, xerr("startxref or /Prev does not point at a cross-reference section")
	}
	raw, err := streamData(b, j, d)
	if err != nil {
		return nil, nil, xerr("the cross-reference stream is broken: %v", err)
	}
	data, err := decodeStream(d, raw, maxXRefStreamOut)
	if err != nil {
		return nil, nil, xerr("the cross-reference stream cannot be decoded: %v", err)
	}
	wa, _ := d["W"].(types.Array)
	if len(wa) != 3 {
		return nil, nil, xerr("the cross-reference stream has no valid /W")
	}
	var w [3]int
	for k := range w {
		n, ok := intOf(wa[k])
		if !ok || n < 0 || n > 8 {
			return nil, nil, xerr("the cross-reference stream has no valid /W")
		}
		w[k] = int(n)
	}
	size, ok := intOf(d["Size"])
	if !ok || size < 0 || size > maxObjectNumber+1 {
		return nil, nil, xerr("the cross-reference stream has no valid /Size")
	}
	var index []int64
	if ia, ok := d["Index"].(types.Array); ok {
		if len(ia)%2 != 0 {
			return nil, nil, xerr("the cross-reference stream has an odd /Index")
		}
		for _, o := range ia {
			n, ok := intOf(o)
			if !ok || n < 0 || n > maxObjectNumber+1 {
				return nil, nil, xerr("the cross-reference stream has a bad /Index")
			}
			index = append(index, n)
		}
	} else {
		index = []int64{0, size}
	}
	rec := w[0] + w[1] + w[2]
	if rec == 0 {
		return nil, nil, xerr("the cross-reference stream has an empty /W")
	}
	field := func(pos, width int, def int64) int64 {
		if width == 0 {
			return def
		}
		var v int64
		for k := 0; k < width; k++ {
			v = v<<8 | int64(data[pos+k])
		}
		return v
	}
	entries := map[int]xrefEntry{}
	pos := 0
	for k := 0; k < len(index); k += 2 {
		start, count := index[k], index[k+1]
		if start+count > maxObjectNumber+1 {
			return nil, nil, xerr("the cross-reference stream has a bad /Index")
		}
		p.total += int(count)
		if p.total > maxEntriesTotal {
			return nil, nil, xerr("the cross-reference tables are impossibly long")
		}
		for n := int64(0); n < count; n++ {
			if pos+rec > len(data) {
				return nil, nil, xerr("the cross-reference stream is shorter than its /Index says")
			}
			t := field(pos, w[0], 1)
			f2 := field(pos+w[0], w[1], 0)
			f3 := field(pos+w[0]+w[1], w[2], 0)
			pos += rec
			num := int(start + n)
			if _, dup := entries[num]; dup {
				continue
			}
			switch t {
			case 0:
				entries[num] = xrefEntry{typ: 0, gen: int(f3)}
			case 1:
				entries[num] = xrefEntry{typ: 1, off: f2, gen: int(f3)}
			case 2:
				entries[num] = xrefEntry{typ: 2, off: f2, gen: int(f3)}
			default:
				// Types other than 0, 1, 2 are reserved and mean "null object".
			}
		}
	}
	return entries, d, nil
}

// readXRef walks the whole chain from startxref through every /Prev (and /XRefStm) and checks that
// every in-use object is where its entry says.
func readXRef(b []byte) (*xrefInfo, error) {
	start, err := findStartXRef(b)
	if err != nil {
		return nil, err
	}
	p := &xrefParser{b: b}
	x := &xrefInfo{startxref: start} // entries: the newest section's map, then the older ones merged in
	seen := map[int64]bool{}
	off := start
	for first := true; ; first = false {
		if seen[off] {
			return nil, xerr("its cross-reference sections refer to each other in a loop")
		}
		seen[off] = true
		x.starts = append(x.starts, off)
		if len(seen) > maxXRefSections {
			return nil, xerr("it has too many cross-reference sections")
		}
		i := skipWS(b, int(off))
		var (
			sec     map[int]xrefEntry
			trailer types.Dict
			isStrm  bool
		)
		if hasKeyword(b, i, "xref") {
			sec, trailer, err = p.classic(i)
			if err != nil {
				return nil, err
			}
			if xs, ok := trailer["XRefStm"]; ok {
				xo, ok := intOf(xs)
				if !ok || xo <= 0 || xo >= int64(len(b)) {
					return nil, xerr("the trailer's /XRefStm points outside the file")
				}
				x.hybrid = true
				x.starts = append(x.starts, xo)
				hsec, _, err := p.stream(int(xo))
				if err != nil {
					return nil, err
				}
				// Hybrid files list the objects of object streams as free in the classic table
				// (for old readers) and as compressed in the stream: the stream wins over "free",
				// an in-use classic entry wins over the stream.
				for num, e := range hsec {
					if old, ok := sec[num]; !ok || old.typ == 0 {
						sec[num] = e
					}
				}
			}
		} else {
			sec, trailer, err = p.stream(i)
			if err != nil {
				return nil, err
			}
			isStrm = true
		}
		x.sections++
		if first {
			x.lastStream = isStrm
			x.trailer = trailer
			n, ok := intOf(trailer["Size"])
			if !ok || n <= 0 || n > maxObjectNumber+1 {
				return nil, xerr("the trailer has no valid /Size")
			}
			x.size = int(n)
		}
		if _, ok := trailer["Encrypt"]; ok {
			x.encrypted = true
		}
		if r, ok := trailer["Root"].(types.IndirectRef); ok && x.root == nil {
			x.root = &r
		}
		if r, ok := trailer["Info"].(types.IndirectRef); ok && x.info == nil && first {
			x.info = &r
		}
		if a, ok := trailer["ID"].(types.Array); ok && x.id == nil && first {
			x.id = a
		}
		if len(x.entries) == 0 {
			x.entries = sec // the newest section: nothing to merge yet
		} else {
			for num, e := range sec {
				if _, ok := x.entries[num]; !ok {
					x.entries[num] = e
				}
			}
		}
		prev, ok := trailer["Prev"]
		if !ok {
			break
		}
		po, ok := intOf(prev)
		if !ok || po <= 0 || po >= int64(len(b)) {
			return nil, xerr("a trailer's /Prev points outside the file")
		}
		off = po
	}
	if x.encrypted {
		return x, nil
	}
	if x.root == nil {
		return nil, xerr("the trailer has no /Root")
	}
	if e, ok := x.entries[int(x.root.ObjectNumber)]; !ok || e.typ == 0 {
		return nil, xerr("the document catalog (/Root) is missing")
	}
	if err := x.verify(b); err != nil {
		return nil, err
	}
	return x, nil
}

// verify checks that every in-use object starts where its entry says, and that compressed objects
// live in an object stream that exists. This is what catches files whose offsets went wrong (edited
// in a text editor, line ends converted, bytes inserted): viewers silently rebuild those.
func (x *xrefInfo) verify(b []byte) error {
	nums := make([]int, 0, len(x.entries))
	for num := range x.entries {
		nums = append(nums, num)
	}
	slices.Sort(nums) // report the first broken object, the same one every time
	for _, num := range nums {
		e := x.entries[num]
		switch e.typ {
		case 1:
			if num == 0 {
				continue
			}
			if e.off <= 0 || e.off >= int64(len(b)) {
				return xerr("object %d is placed outside the file", num)
			}
			n, g, _, ok := objHeader(b, int(e.off))
			if !ok || n != int64(num) || g != int64(e.gen) {
				return xerr("the cross-reference table is broken: object %d is not at byte %d", num, e.off)
			}
		case 2:
			x.compressed = true
			s, ok := x.entries[int(e.off)]
			if !ok || s.typ != 1 {
				return xerr("object %d lives in an object stream %d that does not exist", num, e.off)
			}
		}
	}
	return nil
}

// intOf returns the value of a direct integer (or an integral real).
func intOf(o types.Object) (int64, bool) {
	switch v := o.(type) {
	case types.Integer:
		return int64(v), true
	case types.Float:
		if float64(v) == float64(int64(v)) {
			return int64(v), true
		}
	}
	return 0, false
}

// numOf returns the value of a direct number.
func numOf(o types.Object) (float64, bool) {
	switch v := o.(type) {
	case types.Integer:
		return float64(v), true
	case types.Float:
		return float64(v), true
	}
	return 0, false
}

// parseVersion reads "1.7" out of "%PDF-1.7".
func parseVersion(b []byte) (string, bool) {
	i := len("%PDF-")
	maj, j, ok := readUint(b, i)
	if !ok || j >= len(b) || b[j] != '.' || maj > 9 {
		return "", false
	}
	mnr, k, ok := readUint(b, j+1)
	if !ok || mnr > 9 {
		return "", false
	}
	return versions[maj*10+mnr], k > j
}

// versions are "0.0" … "9.9", so that parseVersion does not allocate.
var versions = func() (v [100]string) {
	for i := range v {
		v[i] = strconv.Itoa(i/10) + "." + strconv.Itoa(i%10)
	}
	return v
}()
