package pdfdoc

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"runtime/debug"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// This file is the PDF side of package signing (issue 4): it adds a signature field to a PDF as
// an incremental update and, optionally, draws the field's visible appearance with shaped Thai
// text. The signature value itself (CMS, byte range) is package signing's business: the caller
// hands over the signature dictionary's bytes with placeholders and patches them afterwards.

// SignatureField describes the field that AddSignatureField adds.
type SignatureField struct {
	// Page is the 1-based page the widget sits on; 0 means page 1.
	Page int
	// Rect is the widget rectangle [x0 y0 x1 y1] in the page's default user space (points from
	// the media box origin, before /Rotate). All zeros makes an invisible signature.
	Rect [4]float64
	// Appearance is drawn in Rect when Rect is not empty; nil draws an empty box.
	Appearance *SignatureAppearance
}

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
func AddSignatureField(pdf []byte, f SignatureField, sigDict []byte) (out []byte, err error) {
	d, err := open(pdf, 0)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, damagedf(fmt.Errorf("panic: %v\n%s", r, debug.Stack()), "the signature field could not be added")
		}
	}()
	pageNr := f.Page
	if pageNr == 0 {
		pageNr = 1
	}
	if pageNr < 1 || pageNr > d.info.Pages {
		return nil, fmt.Errorf("pdfdoc: page %d does not exist (the document has %d)", pageNr, d.info.Pages)
	}
	if d.ctx.PageCount == 0 {
		d.ctx.PageCount = d.info.Pages
	}
	pd, pref, _, err := d.ctx.PageDict(pageNr, false)
	if err != nil || pref == nil {
		return nil, damagedf(err, "page %d cannot be read", pageNr)
	}
	cat, err := d.resolveDict(*d.x.root)
	if err != nil || cat == nil {
		return nil, damagedf(err, "the document catalog cannot be read")
	}

	u := newUpdate(d)
	sigRef := u.add(sigDict)

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
		widget["Rect"] = types.Array{rawObj(fmtNum(r[0])), rawObj(fmtNum(r[1])), rawObj(fmtNum(r[2])), rawObj(fmtNum(r[3]))}
		ap, err := signatureAppearance(u, r[2]-r[0], r[3]-r[1], f.Appearance)
		if err != nil {
			return nil, err
		}
		widget["AP"] = types.Dict{"N": ap}
	} else {
		// An invisible signature still gets an (empty) appearance: PDF 2.0 requires one for
		// every widget that is not hidden, and some validators check it.
		ap := u.add(streamBody(types.Dict{
			"Type": types.Name("XObject"), "Subtype": types.Name("Form"),
			"BBox": types.Array{types.Integer(0), types.Integer(0), types.Integer(0), types.Integer(0)},
		}, nil, false))
		widget["AP"] = types.Dict{"N": ap}
	}
	wref := u.add([]byte(writeString(widget)))

	fields = append(fields, wref)
	if fieldsRef != nil {
		u.set(fieldsRef.ObjectNumber.Value(), fieldsRef.GenerationNumber.Value(), []byte(writeString(fields)))
	} else {
		af["Fields"] = fields
	}
	af["SigFlags"] = types.Integer(3)
	if afRef != nil {
		u.set(afRef.ObjectNumber.Value(), afRef.GenerationNumber.Value(), []byte(writeString(af)))
	} else {
		nc := types.Dict{}
		for k, v := range cat {
			nc[k] = v
		}
		nc["AcroForm"] = af
		u.set(d.x.root.ObjectNumber.Value(), d.x.root.GenerationNumber.Value(), []byte(writeString(nc)))
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
		u.set(v.ObjectNumber.Value(), v.GenerationNumber.Value(), []byte(writeString(na)))
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
		u.set(pref.ObjectNumber.Value(), pref.GenerationNumber.Value(), []byte(writeString(np)))
	}
	return u.bytes(), nil
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
func signatureAppearance(u *update, w, h float64, a *SignatureAppearance) (types.IndirectRef, error) {
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
	return u.add(streamBody(types.Dict{
		"Type":      types.Name("XObject"),
		"Subtype":   types.Name("Form"),
		"BBox":      types.Array{types.Integer(0), types.Integer(0), rawObj(fmtNum(w)), rawObj(fmtNum(h))},
		"Resources": res,
	}, c.Bytes(), true)), nil
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
