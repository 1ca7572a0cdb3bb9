package pdfdoc

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// The lazy reader: what a signature needs from a PDF, without pdfcpu's whole-document parse.
//
// A signature (export_signing.go) reads the trailer, the catalog, the page tree down to its page
// (with the inherited /MediaBox, /CropBox, /Rotate), the form (/AcroForm, /Fields and each
// field's /T) and the page's /Annots: a dozen small objects, where pdfcpu.Read parses every
// object of the file and copies every stream (a 5 MB scan is copied once more). The lazy reader
// uses the strict cross-reference walk that every open does anyway (xref.go: classic tables, xref
// streams, hybrid files, the /Prev chain with the newest definition winning, and a check that
// every object starts where its entry says), and parses an object only when it is asked for,
// decoding an object stream only when one of its objects is needed.
//
// The checks that refuse a file are the same as open's, run by the same code: the xref walk
// (encrypted, cut short, broken or rebuilt table, bad startxref, /Prev loops) and readPages (the
// whole page tree walked and counted, loops, missing pages, page 1's boxes), plus checkEnds (each
// object ends with endobj where the next thing begins). What the lazy reader does not do is
// parse the inside of objects a signature never touches; a file whose only damage is there (a
// font or a content stream that pdfcpu cannot parse) is signed, as a viewer would show it.
//
// Whatever it does not understand (see lazy_parse.go, and the page tree rules in pageAt) is a
// lazyBail, and AddSignatureField then signs on pdfcpu's whole-document parse, as before: the
// output never depends on the fast path being right about something unusual, and any refusal
// other than the xref walk's is made by the whole-document path.

// lazyReader resolves objects of one file on demand.
type lazyReader struct {
	data []byte
	x    *xrefInfo
	objs map[int]types.Object // parsed objects (nil values included: free or absent objects)
	stms map[int]*lazyObjStm  // decoded object streams
	// failed is the first bail. Some callers skip an object they cannot read (a form field
	// without a name), so a bail is remembered here as well and checked at the end.
	failed error
}

type lazyObjStm struct {
	data  []byte
	first int
	nums  []int // object numbers, in the stream's order
	offs  []int // their offsets, relative to first
}

// lazyMaxObjStm is the most an object stream may decode to for the lazy reader (they are a few
// KB to a few hundred KB in practice).
const lazyMaxObjStm = 64 << 20

func newLazyReader(data []byte, x *xrefInfo) *lazyReader {
	return &lazyReader{data: data, x: x, objs: map[int]types.Object{}, stms: map[int]*lazyObjStm{}}
}

func (r *lazyReader) fail(err error) error {
	if r.failed == nil {
		r.failed = err
	}
	return err
}

// resolve dereferences o, following chains of references, as document.resolve does with pdfcpu:
// a reference to a free or absent object is null; generation numbers are not compared.
func (r *lazyReader) resolve(o types.Object) (types.Object, error) {
	for range 8 {
		ref, ok := o.(types.IndirectRef)
		if !ok {
			return o, nil
		}
		var err error
		if o, err = r.object(int(ref.ObjectNumber)); err != nil {
			return nil, err
		}
	}
	return nil, r.fail(bailf("reference chain too long"))
}

// object returns indirect object num.
func (r *lazyReader) object(num int) (types.Object, error) {
	if o, ok := r.objs[num]; ok {
		return o, nil
	}
	e, ok := r.x.entries[num]
	var o types.Object
	var err error
	switch {
	case !ok || e.typ == 0 || num == 0:
		o = nil
	case e.typ == 1:
		o, err = r.direct(num, e.off)
	default:
		o, err = r.compressed(num, int(e.off), e.gen)
	}
	if err != nil {
		return nil, r.fail(err)
	}
	r.objs[num] = o
	return o, nil
}

// direct parses "num gen obj … endobj" at off. Streams are not wanted (nothing a signature reads
// is one) and bail.
func (r *lazyReader) direct(num int, off int64) (types.Object, error) {
	o, _, isStream, err := r.parseAt(num, off)
	if err != nil {
		return nil, err
	}
	if isStream {
		return nil, bailf("object %d is a stream", num)
	}
	return o, nil
}

// parseAt parses the object at off and reports whether it is a stream (then i is just after the
// dictionary).
func (r *lazyReader) parseAt(num int, off int64) (o types.Object, i int, isStream bool, err error) {
	n, _, i, ok := objHeader(r.data, int(off))
	if !ok || n != int64(num) {
		// readXRef's verify checked this; keep the reader safe on its own.
		return nil, 0, false, bailf("object %d is not at byte %d", num, off)
	}
	p := lazyParser{b: r.data, end: len(r.data)}
	o, i, err = p.value(i, 0)
	if err != nil {
		return nil, 0, false, err
	}
	j := p.ws(i)
	switch {
	case hasKeyword(r.data, j, "endobj"):
		return o, i, false, nil
	case hasKeyword(r.data, j, "stream"):
		if _, ok := o.(types.Dict); !ok {
			return nil, 0, false, bailf("object %d: stream without a dictionary", num)
		}
		return o, i, true, nil
	}
	return nil, 0, false, bailf("object %d: no endobj after the object", num)
}

// compressed returns object num, the idx-th object of object stream stm.
func (r *lazyReader) compressed(num, stm, idx int) (types.Object, error) {
	s, err := r.objStm(stm)
	if err != nil {
		return nil, err
	}
	if idx < 0 || idx >= len(s.nums) || s.nums[idx] != num {
		return nil, bailf("object %d is not where the xref says in object stream %d", num, stm)
	}
	start := s.first + s.offs[idx]
	end := len(s.data)
	if idx+1 < len(s.offs) {
		end = s.first + s.offs[idx+1]
	}
	if start > end || end > len(s.data) {
		return nil, bailf("object stream %d has bad offsets", stm)
	}
	p := lazyParser{b: s.data, end: end}
	o, i, err := p.value(start, 0)
	if err != nil {
		return nil, err
	}
	if p.ws(i) != end {
		return nil, bailf("object %d in object stream %d is followed by more than white space", num, stm)
	}
	return o, nil
}

// objStm decodes object stream num (cached).
func (r *lazyReader) objStm(num int) (*lazyObjStm, error) {
	if s, ok := r.stms[num]; ok {
		if s == nil { // its /Length led back to it
			return nil, bailf("object stream %d depends on itself", num)
		}
		return s, nil
	}
	r.stms[num] = nil
	e, ok := r.x.entries[num]
	if !ok || e.typ != 1 {
		return nil, bailf("object stream %d is not a plain object", num)
	}
	o, i, isStream, err := r.parseAt(num, e.off)
	if err != nil {
		return nil, err
	}
	d, _ := o.(types.Dict)
	if !isStream || d == nil {
		return nil, bailf("object stream %d is not a stream", num)
	}
	if t, _ := d["Type"].(types.Name); t != "ObjStm" {
		return nil, bailf("object %d is not an object stream", num)
	}
	if _, ok := d["F"]; ok {
		return nil, bailf("object stream %d is external", num)
	}
	for _, k := range []string{"Filter", "DecodeParms"} {
		if _, ind := d[k].(types.IndirectRef); ind {
			return nil, bailf("object stream %d has an indirect /%s", num, k)
		}
	}
	n, ok1 := d["N"].(types.Integer)
	first, ok2 := d["First"].(types.Integer)
	if !ok1 || !ok2 || n < 0 || first < 0 || int(n) > maxObjectNumber {
		return nil, bailf("object stream %d has no valid /N or /First", num)
	}
	// /Length may be indirect here (it must be direct only for xref streams).
	ld := d
	if ref, ok := d["Length"].(types.IndirectRef); ok {
		lo, err := r.object(int(ref.ObjectNumber))
		if err != nil {
			return nil, err
		}
		li, ok := lo.(types.Integer)
		if !ok {
			return nil, bailf("object stream %d has no valid /Length", num)
		}
		ld = types.Dict{"Length": li}
	}
	raw, err := streamData(r.data, i, ld)
	if err != nil {
		return nil, bailf("object stream %d: %v", num, err)
	}
	data, err := decodeStream(d, raw, lazyMaxObjStm)
	if err != nil {
		return nil, bailf("object stream %d cannot be decoded: %v", num, err)
	}
	if int(first) > len(data) || int(n) > int(first)/2+1 { // 2N numbers must fit before /First
		return nil, bailf("object stream %d: /First or /N do not fit its data", num)
	}
	s := &lazyObjStm{data: data, first: int(first), nums: make([]int, n), offs: make([]int, n)}
	j := 0
	for k := 0; k < int(n); k++ {
		var a, b int64
		var ok bool
		j = skipWS(data, j)
		if a, j, ok = readUint(data, j); !ok {
			return nil, bailf("object stream %d has a bad header", num)
		}
		j = skipWS(data, j)
		if b, j, ok = readUint(data, j); !ok {
			return nil, bailf("object stream %d has a bad header", num)
		}
		if k > 0 && int(b) <= s.offs[k-1] || int(b) > len(data)-int(first) {
			return nil, bailf("object stream %d has offsets out of order", num)
		}
		s.nums[k], s.offs[k] = int(a), int(b)
	}
	if j > int(first) {
		return nil, bailf("object stream %d: header runs past /First", num)
	}
	r.stms[num] = s
	return s, nil
}

// checkEnds stands in for the part of pdfcpu's whole-document parse that the lazy reader skips,
// as far as it can cheaply: every object at an offset (readXRef checked that each begins with
// "num gen obj") must end with "endobj" just before whatever comes next in the file (the next
// object, a cross-reference section, or "startxref … %%EOF"), streams with "endstream endobj".
// That catches objects cut short or overwritten at their ends; it reads a few bytes per object
// and nothing inside them, so a stream with a wrong /Length or a broken font is not caught (as
// a viewer would not notice it either). Anything else between objects (comments, junk, unused
// bytes) makes it bail, and pdfcpu's parse decides.
func (r *lazyReader) checkEnds() error {
	b := r.data
	type span struct {
		off int64
		num int // -1 for a cross-reference section
	}
	spans := make([]span, 0, len(r.x.entries)+len(r.x.starts))
	for num, e := range r.x.entries {
		if e.typ == 1 && num != 0 {
			spans = append(spans, span{e.off, num})
		}
	}
	for _, off := range r.x.starts {
		spans = append(spans, span{off, -1})
	}
	// An xref stream is an object too: at the same offset the object comes first and the
	// section is dropped.
	slices.SortFunc(spans, func(a, c span) int {
		if a.off != c.off {
			return cmp.Compare(a.off, c.off)
		}
		return cmp.Compare(c.num, a.num)
	})
	spans = slices.CompactFunc(spans, func(a, c span) bool { return a.off == c.off && (a.num < 0 || c.num < 0) })
	back := func(j int) int { // skips white space backwards from j (exclusive)
		for j > 0 && isWS(b[j-1]) {
			j--
		}
		return j
	}
	ends := func(j int, kw string) bool {
		return j >= len(kw) && string(b[j-len(kw):j]) == kw && (j == len(kw) || !isRegular(b[j-len(kw)-1]))
	}
	for k, s := range spans {
		if s.num < 0 {
			continue
		}
		end := len(b)
		if k+1 < len(spans) {
			end = int(spans[k+1].off)
		}
		if end <= int(s.off) {
			return bailf("objects %d and %d start at the same byte", s.num, spans[k+1].num)
		}
		j := back(end)
		if ends(j, "%%EOF") { // an xref stream's revision ends "endobj startxref N %%EOF"
			j = back(j - 5)
			for j > 0 && b[j-1] >= '0' && b[j-1] <= '9' {
				j--
			}
			j = back(j)
			if !ends(j, "startxref") {
				return bailf("unexpected bytes after object %d", s.num)
			}
			j = back(j - len("startxref"))
		}
		if !ends(j, "endobj") || j-len("endobj") < int(s.off) {
			return bailf("object %d does not end with endobj before byte %d", s.num, end)
		}
		// What precedes endobj must end an object: ">>", "]", ")", a number, a reference, a
		// name, true/false/null, or endstream (stream data may run into it without an end of line).
		k := back(j - len("endobj"))
		t := k
		for t > int(s.off) && isRegular(b[t-1]) {
			t--
		}
		tok := string(b[t:k])
		switch {
		case tok == "" && k > 0 && (b[k-1] == '>' || b[k-1] == ']' || b[k-1] == ')'):
		case strings.HasSuffix(tok, "endstream"), tok == "R", tok == "true", tok == "false", tok == "null":
		case tok != "" && (b[t-1] == '/' || strings.Trim(tok, "0123456789.+-") == ""):
		default:
			return bailf("object %d ends with %q before endobj", s.num, tok)
		}
	}
	return nil
}

func isRegular(c byte) bool { return !isWS(c) && !isDelim(c) }

// pageAt finds page n (1-based) the way pdfcpu's PageDict does, so that both paths pick the same
// page and the same inherited attributes: down from the catalog's /Pages, skipping a subtree by
// its /Count when the page lies beyond it, inheriting /MediaBox, /CropBox, /Rotate (and checking
// /Resources is a dictionary) along the path. Anything pdfcpu would treat with a rule of its own
// (a node without /Type, an indirect /Kids, a box that is not four numbers, a loop) bails.
func (r *lazyReader) pageAt(cat types.Dict, n int) (types.Dict, *types.IndirectRef, *model.InheritedPageAttrs, error) {
	root, ok := cat["Pages"].(types.IndirectRef)
	if !ok {
		return nil, nil, nil, r.fail(bailf("no /Pages reference"))
	}
	var inh model.InheritedPageAttrs
	count := 0
	onPath := map[int]bool{}
	var walk func(ref types.IndirectRef, depth int) (types.Dict, *types.IndirectRef, error)
	walk = func(ref types.IndirectRef, depth int) (types.Dict, *types.IndirectRef, error) {
		if depth > maxPageTreeDepth {
			return nil, nil, bailf("page tree too deep")
		}
		o, err := r.resolve(ref)
		if err != nil {
			return nil, nil, err
		}
		d, ok := o.(types.Dict)
		if !ok {
			return nil, nil, bailf("page tree node %d is not a dictionary", ref.ObjectNumber)
		}
		if c, ok := d["Count"].(types.Integer); ok && count+int(c) < n {
			count += int(c)
			return nil, nil, nil
		}
		if err := r.inherit(d, &inh); err != nil {
			return nil, nil, err
		}
		kids, hasKids := d["Kids"]
		if !hasKids {
			return d, &ref, nil
		}
		arr, ok := kids.(types.Array)
		if !ok {
			return nil, nil, bailf("page tree node %d has no direct /Kids array", ref.ObjectNumber)
		}
		num := int(ref.ObjectNumber)
		if onPath[num] {
			return nil, nil, bailf("page tree loop at object %d", num)
		}
		onPath[num] = true
		defer delete(onPath, num)
		for _, k := range arr {
			if k == nil {
				continue
			}
			kr, ok := k.(types.IndirectRef)
			if !ok {
				return nil, nil, bailf("page tree kid is not a reference")
			}
			ko, err := r.resolve(kr)
			if err != nil {
				return nil, nil, err
			}
			kd, _ := ko.(types.Dict)
			t, _ := kd["Type"].(types.Name)
			switch {
			case t == "Pages" && kd != nil:
				pd, pr, err := walk(kr, depth+1)
				if err != nil || pd != nil {
					return pd, pr, err
				}
			case t == "Page" && kd != nil:
				if _, ok := kd["Kids"]; ok {
					return nil, nil, bailf("page %d has /Kids", kr.ObjectNumber)
				}
				count++
				if count == n {
					return walk(kr, depth+1)
				}
			default:
				return nil, nil, bailf("page tree node %d has no /Type /Page or /Pages", kr.ObjectNumber)
			}
		}
		return nil, nil, nil
	}
	pd, pref, err := walk(root, 0)
	if err == nil && pd == nil {
		err = bailf("page %d not found", n)
	}
	if err != nil {
		return nil, nil, nil, r.fail(err)
	}
	return pd, pref, &inh, nil
}

// inherit takes node's inheritable attributes as pdfcpu's checkInheritedPageAttrs does.
func (r *lazyReader) inherit(node types.Dict, inh *model.InheritedPageAttrs) error {
	for _, k := range []string{"MediaBox", "CropBox"} {
		o, ok := node[k]
		if !ok {
			continue
		}
		rc, err := r.rectangle(o)
		if err != nil {
			return err
		}
		if k == "MediaBox" {
			inh.MediaBox = rc
		} else {
			inh.CropBox = rc
		}
	}
	if o, ok := node["Rotate"]; ok {
		v, err := r.resolve(o)
		if err != nil {
			return err
		}
		switch v := v.(type) {
		case types.Integer:
			inh.Rotate = int(v)
		case types.Float:
			inh.Rotate = int(math.Round(float64(v)))
		default:
			return bailf("/Rotate is not a number")
		}
	}
	if o, ok := node["Resources"]; ok {
		v, err := r.resolve(o)
		if err != nil {
			return err
		}
		if _, ok := v.(types.Dict); !ok {
			return bailf("/Resources is not a dictionary")
		}
	}
	return nil
}

func (r *lazyReader) rectangle(o types.Object) (*types.Rectangle, error) {
	v, err := r.resolve(o)
	if err != nil {
		return nil, err
	}
	a, ok := v.(types.Array)
	if !ok || len(a) != 4 {
		return nil, bailf("a page box is not four numbers")
	}
	var f [4]float64
	for i, e := range a {
		x, err := r.resolve(e)
		if err != nil {
			return nil, err
		}
		n, ok := numOf(x)
		if !ok {
			return nil, bailf("a page box is not four numbers")
		}
		f[i] = n
	}
	return types.NewRectangle(f[0], f[1], f[2], f[3]), nil
}

// openLazy opens data for a signature with the lazy reader. final is true when err is a refusal
// that the whole-document path would make in the same words (the checks before pdfcpu's parse,
// which are shared); any other error means "use the whole-document path".
func openLazy(data []byte) (d *document, final bool, err error) {
	d, err = openXRef(data, 0)
	if err != nil {
		return nil, true, err
	}
	defer func() {
		if r := recover(); r != nil {
			d, final, err = nil, false, bailf("panic: %v", r)
		}
	}()
	d.lazy = newLazyReader(data, d.x)
	if err := d.lazy.checkEnds(); err != nil {
		return nil, false, err
	}
	if err := d.readPages(); err != nil {
		return nil, false, err
	}
	if d.lazy.failed != nil {
		return nil, false, d.lazy.failed
	}
	return d, false, nil
}
