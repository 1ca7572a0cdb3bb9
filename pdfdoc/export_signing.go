package pdfdoc

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"runtime/debug"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// This file is the PDF side of package signing (issue 4): it adds a signature field to a PDF as
// an incremental update and, optionally, draws the field's visible appearance with shaped Thai
// text. The signature value itself (CMS, byte range) is package signing's business: the caller
// hands over the signature dictionary's bytes with placeholders and patches them afterwards.

// SignatureField describes the field that AddSignatureField adds.
type SignatureField struct {
	// Page is the 1-based page the widget sits on; 0 means page 1 and a negative number counts
	// from the end (-1 is the last page).
	Page int
	// Rect is the widget rectangle [x0 y0 x1 y1] in points on the page as the reader sees it:
	// origin at the bottom-left corner of the visible page (the crop box), x to the right and y
	// up after the page's /Rotate is applied. On an unrotated page without a crop box this is the
	// default user space. All zeros makes an invisible signature.
	Rect [4]float64
	// Place, when set, is called with the width and height of the page as seen (crop box, after
	// /Rotate) and its result is used as Rect: named default positions are relative to the page.
	Place func(w, h float64) [4]float64
	// Appearance is drawn in Rect when Rect is not empty; nil draws an empty box. It is drawn
	// upright as the reader sees the page, whatever the page's /Rotate.
	Appearance *SignatureAppearance
	// Reader chooses how the document is read; the zero value is right for everyone but tests
	// that compare the two readers.
	Reader SignatureReader
}

// SignatureReader chooses how AddSignatureField reads the document.
type SignatureReader int

const (
	// ReaderAuto reads only the objects the signature needs (the lazy reader) and falls back to
	// pdfcpu's whole-document parse for anything the lazy reader does not handle and for every
	// refusal other than the cross-reference walk's.
	ReaderAuto SignatureReader = iota
	// ReaderLazy uses the lazy reader only and returns its error instead of falling back (tests).
	ReaderLazy
	// ReaderFull uses pdfcpu's whole-document parse, as before the lazy reader (tests).
	ReaderFull
)

// SignatureAppearance is the content of a visible signature box: an optional image (a scanned
// handwritten signature) on top, then lines of text centred below it, all scaled to fit.
type SignatureAppearance struct {
	Lines []string
	// FontSize is the largest size for the lines (default 14 pt); lines shrink to fit the box.
	FontSize float64
	Image    image.Image
	// Font draws the lines; nil means LoadDefaultFont (Laksaman).
	Font *Font
}

// AddSignatureField returns pdf followed by an incremental update that adds a signature field
// whose value is an indirect object with body sigDict (written verbatim, so that the caller can
// find and patch its /ByteRange and /Contents placeholders at unchanged offsets). The field goes
// into the existing /AcroForm /Fields (an /AcroForm is created when there is none), /SigFlags is
// set to 3, and the widget is added to the page's /Annots. Earlier revisions are kept byte for
// byte, so earlier signatures stay valid. Refusals are *Error values as for Inspect.
//
// The document is read with the lazy reader (lazy.go), which parses only the trailer, catalog,
// page tree, form and the page's annotations; whatever it does not handle, and any error, goes
// to pdfcpu's whole-document parse as before, which then decides (f.Reader can force either).
func AddSignatureField(pdf []byte, f SignatureField, sigDict []byte) ([]byte, error) {
	if f.Reader != ReaderFull {
		d, final, err := openLazy(pdf)
		if err == nil {
			var out []byte
			out, err = addSignatureField(d, pdf, f, sigDict)
			if err == nil && d.lazy.failed != nil {
				err = d.lazy.failed // a bail that a caller skipped over (e.g. an unreadable field)
			}
			if err == nil {
				return out, nil
			}
		}
		if final || f.Reader == ReaderLazy {
			return nil, err
		}
	}
	d, err := open(pdf, 0)
	if err != nil {
		return nil, err
	}
	return addSignatureField(d, pdf, f, sigDict)
}

// signaturePageAt returns page pageNr's dictionary, reference and geometry, read by pdfcpu or by
// the lazy reader (which follows pdfcpu's rules).
func (d *document) signaturePageAt(pageNr int) (types.Dict, *types.IndirectRef, *page, error) {
	var (
		pd   types.Dict
		pref *types.IndirectRef
		inh  *model.InheritedPageAttrs
		err  error
	)
	if d.lazy != nil {
		cat, err := d.resolveDict(*d.x.root)
		if err != nil || cat == nil {
			return nil, nil, nil, damagedf(err, "the document catalog cannot be read")
		}
		pd, pref, inh, err = d.lazy.pageAt(cat, pageNr)
		if err != nil {
			return nil, nil, nil, err
		}
	} else {
		if d.ctx.PageCount == 0 {
			d.ctx.PageCount = d.info.Pages
		}
		pd, pref, inh, err = d.ctx.PageDict(pageNr, false)
		if err != nil || pref == nil || inh == nil {
			return nil, nil, nil, damagedf(err, "page %d cannot be read", pageNr)
		}
	}
	pg, err := signaturePage(inh)
	if err != nil {
		return nil, nil, nil, damagedf(err, "page %d has no valid size (MediaBox)", pageNr)
	}
	return pd, pref, pg, nil
}

func addSignatureField(d *document, pdf []byte, f SignatureField, sigDict []byte) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, damagedf(fmt.Errorf("panic: %v\n%s", r, debug.Stack()), "the signature field could not be added")
		}
	}()
	pageNr := f.Page
	if pageNr == 0 {
		pageNr = 1
	} else if pageNr < 0 {
		pageNr = d.info.Pages + 1 + pageNr
	}
	if pageNr < 1 || pageNr > d.info.Pages {
		return nil, fmt.Errorf("pdfdoc: page %d does not exist (the document has %d)", f.Page, d.info.Pages)
	}
	pd, pref, pg, err := d.signaturePageAt(pageNr)
	if err != nil {
		return nil, err
	}
	geo := newPageGeometry(pg)
	cat, err := d.resolveDict(*d.x.root)
	if err != nil || cat == nil {
		return nil, damagedf(err, "the document catalog cannot be read")
	}

	u := newUpdate(d)
	sigRef := u.add(sigDict)
	// The /ID digests read the signature dictionary without its /Contents placeholder (zeros,
	// kilobytes of them): its length identifies it as well, and MD5 over it cost more than
	// the rest of the update.
	sigID := sigDictIDPart(sigDict)
	for i := range u.objs {
		if u.objs[i].num == int(sigRef.ObjectNumber) {
			u.objs[i].idPart = sigID
		}
	}

	// The field's name must be unique among the top-level fields.
	var afRef *types.IndirectRef
	af := types.Dict{}
	switch v := cat["AcroForm"].(type) {
	case types.IndirectRef:
		afRef = &v
		old, err := d.resolveDict(v)
		if err != nil {
			return nil, damagedf(err, "the form (/AcroForm) cannot be read")
		}
		for k, e := range old {
			af[k] = e
		}
	case types.Dict:
		for k, e := range v {
			af[k] = e
		}
	}
	var fields types.Array
	var fieldsRef *types.IndirectRef
	switch v := af["Fields"].(type) {
	case types.IndirectRef:
		fieldsRef = &v
		o, err := d.resolve(v)
		if err != nil {
			return nil, damagedf(err, "the form's field list cannot be read")
		}
		if a, ok := o.(types.Array); ok {
			fields = append(fields, a...)
		}
	case types.Array:
		fields = append(fields, v...)
	}
	names := map[string]bool{}
	for _, fo := range fields {
		fd, err := d.resolveDict(fo)
		if err != nil || fd == nil {
			continue
		}
		switch t := fd["T"].(type) {
		case types.StringLiteral:
			names[string(t)] = true
		case types.HexLiteral:
			names[string(t)] = true
		}
	}
	name := ""
	for k := 1; ; k++ {
		name = "Signature" + strconv.Itoa(k)
		if !names[name] {
			break
		}
	}

	r := f.Rect
	if f.Place != nil {
		r = f.Place(geo.vw, geo.vh)
	}
	visible := r[2]-r[0] > 0 && r[3]-r[1] > 0
	widget := types.Dict{
		"Type":    types.Name("Annot"),
		"Subtype": types.Name("Widget"),
		"FT":      types.Name("Sig"),
		"T":       types.StringLiteral(name),
		"V":       sigRef,
		"F":       types.Integer(132), // print, locked
		"P":       *pref,
		"Rect":    types.Array{types.Integer(0), types.Integer(0), types.Integer(0), types.Integer(0)},
	}
	if visible {
		// The box is given as seen; the widget's /Rect is in default user space, and the
		// appearance is turned with the page (its /Matrix undoes /Rotate) so that it reads upright.
		ur := geo.v2u.bbox(rect{r[0], r[1], r[2], r[3]})
		widget["Rect"] = types.Array{rawObj(fmtNum(ur.x0)), rawObj(fmtNum(ur.y0)), rawObj(fmtNum(ur.x1)), rawObj(fmtNum(ur.y1))}
		turn := geo.v2u
		turn[4], turn[5] = 0, 0
		ap, err := signatureAppearance(u, r[2]-r[0], r[3]-r[1], turn, f.Appearance)
		if err != nil {
			return nil, err
		}
		widget["AP"] = types.Dict{"N": ap}
		if pg.rotate != 0 {
			// For a viewer that regenerates the appearance: the widget's content is rotated too.
			widget["MK"] = types.Dict{"R": types.Integer(pg.rotate)}
		}
	} else {
		// An invisible signature still gets an (empty) appearance: PDF 2.0 requires one for
		// every widget that is not hidden, and some validators check it.
		ap := u.add(streamBody(types.Dict{
			"Type": types.Name("XObject"), "Subtype": types.Name("Form"),
			"BBox": types.Array{types.Integer(0), types.Integer(0), types.Integer(0), types.Integer(0)},
		}, nil, false))
		widget["AP"] = types.Dict{"N": ap}
	}
	wref := u.add(objBytes(widget))

	fields = append(fields, wref)
	if fieldsRef != nil {
		u.set(fieldsRef.ObjectNumber.Value(), fieldsRef.GenerationNumber.Value(), objBytes(fields))
	} else {
		af["Fields"] = fields
	}
	af["SigFlags"] = types.Integer(3)
	if afRef != nil {
		u.set(afRef.ObjectNumber.Value(), afRef.GenerationNumber.Value(), objBytes(af))
	} else {
		nc := types.Dict{}
		for k, v := range cat {
			nc[k] = v
		}
		nc["AcroForm"] = af
		u.set(d.x.root.ObjectNumber.Value(), d.x.root.GenerationNumber.Value(), objBytes(nc))
	}

	// The widget joins the page's annotations.
	switch v := pd["Annots"].(type) {
	case types.IndirectRef:
		o, err := d.resolve(v)
		if err != nil {
			return nil, damagedf(err, "page %d's annotations cannot be read", pageNr)
		}
		a, _ := o.(types.Array)
		na := append(types.Array{}, a...)
		na = append(na, wref)
		u.set(v.ObjectNumber.Value(), v.GenerationNumber.Value(), objBytes(na))
	default:
		np := types.Dict{}
		for k, e := range pd {
			np[k] = e
		}
		var na types.Array
		if a, ok := v.(types.Array); ok {
			na = append(na, a...)
		}
		na = append(na, wref)
		np["Annots"] = na
		u.set(pref.ObjectNumber.Value(), pref.GenerationNumber.Value(), objBytes(np))
	}
	if len(d.x.id) != 2 {
		// Without an /ID the writer would make its first half from an MD5 of the whole original,
		// which costs more than the signature's own SHA-256. A digest of the size, the first and
		// last kilobyte of the file (header, trailer, last xref) and the signature dictionary
		// (signing time, signer) identifies the document as well and keeps the output
		// deterministic. It is a SHA-256 (in hardware on current CPUs, several times faster than
		// MD5 here) cut to the 16 bytes of an MD5 /ID.
		h := sha256.New()
		var buf [sha256.Size]byte
		h.Write(strconv.AppendInt(buf[:0], int64(len(pdf)), 10))
		h.Write([]byte{'\n'})
		h.Write(pdf[:min(len(pdf), 1024)])
		h.Write(pdf[max(0, len(pdf)-1024):])
		h.Write(sigID)
		id := types.HexLiteral(hex.EncodeToString(h.Sum(buf[:0])[:16]))
		d.x.id = types.Array{id, id}
	}
	return u.bytes(), nil
}

// sigDictIDPart returns sigDict with the content of its /Contents hex string replaced by its
// length, for the /ID digests.
func sigDictIDPart(sigDict []byte) []byte {
	const key = "/Contents <"
	i := bytes.Index(sigDict, []byte(key))
	if i < 0 {
		return sigDict
	}
	i += len(key)
	j := bytes.IndexByte(sigDict[i:], '>')
	if j < 0 {
		return sigDict
	}
	out := append([]byte(nil), sigDict[:i]...)
	out = strconv.AppendInt(out, int64(j), 10)
	return append(out, sigDict[i+j:]...)
}

// appearance geometry
const (
	sigPad      = 3.0
	sigLineGap  = 1.22 // line pitch as a multiple of the font size
	sigMaxSize  = 14.0
	sigMinSize  = 4.0
	sigImageMax = 0.45 // the image takes at most this share of the box height when there is text
)

// signatureAppearance writes the /AP /N form of a visible signature of size w × h.
// turn is the form matrix (a rotation or the identity) that makes the box upright on a rotated
// page.
func signatureAppearance(u *update, w, h float64, turn matrix, a *SignatureAppearance) (types.IndirectRef, error) {
	var c bytes.Buffer
	res := types.Dict{}
	if a != nil {
		textTop := h - sigPad
		if a.Image != nil {
			b := a.Image.Bounds()
			if b.Dx() <= 0 || b.Dy() <= 0 {
				return types.IndirectRef{}, errors.New("pdfdoc: the signature image is empty")
			}
			ih := h - 2*sigPad
			if len(a.Lines) > 0 {
				ih = (h - 2*sigPad) * sigImageMax
			}
			iw := ih * float64(b.Dx()) / float64(b.Dy())
			if iw > w-2*sigPad {
				iw = w - 2*sigPad
				ih = iw * float64(b.Dy()) / float64(b.Dx())
			}
			img := imageXObject(u, a.Image)
			res["XObject"] = types.Dict{"Im1": img}
			fmt.Fprintf(&c, "q %s 0 0 %s %s %s cm /Im1 Do Q\n", fmtNum(iw), fmtNum(ih), fmtNum((w-iw)/2), fmtNum(h-sigPad-ih))
			textTop = h - sigPad - ih - 1
		}
		if len(a.Lines) > 0 {
			f := a.Font
			if f == nil {
				var err error
				if f, err = LoadDefaultFont(); err != nil {
					return types.IndirectRef{}, err
				}
			}
			size := a.FontSize
			if size <= 0 {
				size = sigMaxSize
			}
			var lines []line
			for _, s := range a.Lines {
				ln, err := f.shape(s)
				if err != nil {
					return types.IndirectRef{}, err
				}
				lines = append(lines, ln)
				if ln.width > 0 {
					size = min(size, (w-2*sigPad)*f.upem/ln.width)
				}
			}
			avail := textTop - sigPad
			size = min(size, avail/(float64(len(lines))*sigLineGap))
			size = max(size, sigMinSize)
			pitch := size * sigLineGap
			block := pitch * float64(len(lines))
			top := textTop - max(0, (avail-block)/2)
			mid := (f.markTop + f.markBottom) / 2 / f.upem
			fu := newFontUse(f)
			c.WriteString("q 0 0 0 rg\n")
			for i, ln := range lines {
				if ln.text == "" {
					continue
				}
				fu.add(ln)
				y := top - pitch*(float64(i)+0.5) - mid*size
				drawLine(&c, f, placed{ln: ln, size: size, x: (w - ln.width*size/f.upem) / 2, y: y})
			}
			c.WriteString("Q\n")
			if len(fu.used) > 0 {
				fr, err := fu.embed(u)
				if err != nil {
					return types.IndirectRef{}, err
				}
				res["Font"] = types.Dict{"F1": fr}
			}
		}
	}
	form := types.Dict{
		"Type":      types.Name("XObject"),
		"Subtype":   types.Name("Form"),
		"BBox":      types.Array{types.Integer(0), types.Integer(0), rawObj(fmtNum(w)), rawObj(fmtNum(h))},
		"Resources": res,
	}
	if turn != (matrix{1, 0, 0, 1, 0, 0}) {
		form["Matrix"] = rawObj("[" + turn.String() + "]")
	}
	return u.add(streamBody(form, c.Bytes(), true)), nil
}

// signaturePage turns pdfcpu's inherited page attributes into a page for newPageGeometry.
func signaturePage(inh *model.InheritedPageAttrs) (*page, error) {
	if inh.MediaBox == nil {
		return nil, errors.New("no media box")
	}
	box := func(r *types.Rectangle) rect {
		return rect{min(r.LL.X, r.UR.X), min(r.LL.Y, r.UR.Y), max(r.LL.X, r.UR.X), max(r.LL.Y, r.UR.Y)}
	}
	p := &page{mediaBox: box(inh.MediaBox)}
	if p.mediaBox.w() < 1 || p.mediaBox.h() < 1 {
		return nil, errors.New("empty media box")
	}
	if inh.CropBox != nil {
		c := box(inh.CropBox)
		p.cropBox = &c
	}
	if inh.Rotate%90 == 0 {
		p.rotate = ((inh.Rotate % 360) + 360) % 360
	}
	return p, nil
}

// imageXObject writes img as an 8-bit RGB image (Flate) with a soft mask when it has transparency.
func imageXObject(u *update, img image.Image) types.IndirectRef {
	b := img.Bounds()
	rgb := make([]byte, 0, b.Dx()*b.Dy()*3)
	alpha := make([]byte, 0, b.Dx()*b.Dy())
	opaque := true
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if a != 0 && a != 0xFFFF { // un-premultiply
				r, g, bl = r*0xFFFF/a, g*0xFFFF/a, bl*0xFFFF/a
			}
			rgb = append(rgb, byte(r>>8), byte(g>>8), byte(bl>>8))
			alpha = append(alpha, byte(a>>8))
			if a != 0xFFFF {
				opaque = false
			}
		}
	}
	d := types.Dict{
		"Type":             types.Name("XObject"),
		"Subtype":          types.Name("Image"),
		"Width":            types.Integer(b.Dx()),
		"Height":           types.Integer(b.Dy()),
		"ColorSpace":       types.Name("DeviceRGB"),
		"BitsPerComponent": types.Integer(8),
	}
	if !opaque {
		d["SMask"] = u.add(streamBody(types.Dict{
			"Type":             types.Name("XObject"),
			"Subtype":          types.Name("Image"),
			"Width":            types.Integer(b.Dx()),
			"Height":           types.Integer(b.Dy()),
			"ColorSpace":       types.Name("DeviceGray"),
			"BitsPerComponent": types.Integer(8),
		}, alpha, true))
	}
	return u.add(streamBody(d, rgb, true))
}
