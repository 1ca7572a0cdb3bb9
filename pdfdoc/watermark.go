package pdfdoc

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Watermark geometry and ink.
const (
	wmSize      = 100.0 // font size of the diagonal lines in form space (scaled per page)
	wmPitch     = 1.3   // line pitch, in font sizes
	wmDiagShare = 0.78  // the widest diagonal line spans this share of the page's diagonal
	wmMaxHeight = 0.42  // the block of diagonal lines is at most this share of the page's short side
	wmGrey      = "0.5 g"
	wmAlpha     = "0.3" // fill opacity of the diagonal text
	footSize    = 7.5
	footMargin  = 0.35 * cm // from the visible bottom edge
	footGrey    = "0.3 g"
	footAlpha   = "0.85"
)

// Watermark returns pdf followed by ONE incremental update that draws, on every page as the reader
// sees it (crop box and /Rotate honoured), lines (the viewer's name, the date and time, the
// secrecy class…) large, light grey and semi-transparent across the page's diagonal, and the same
// lines joined on one small line at the page's foot. The text is shaped Thai drawn with the same
// font machinery as the receive stamp, with /ActualText, so the viewer's name can be extracted
// (pdftotext). The original bytes stay an exact prefix of the result, so earlier revisions and
// signatures are untouched. font may be nil for the default font (Laksaman). The output is
// deterministic: the caller puts the time in lines.
func Watermark(pdf []byte, lines []string, font *Font) (out []byte, err error) {
	var clean []string
	for _, l := range lines {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			clean = append(clean, l)
		}
	}
	if len(clean) == 0 {
		return nil, errors.New("pdfdoc: a watermark needs at least one line of text")
	}
	if font == nil {
		if font, err = LoadDefaultFont(); err != nil {
			return nil, err
		}
	}
	d, err := open(pdf, 0)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, damagedf(fmt.Errorf("panic: %v\n%s", r, debug.Stack()), "its pages could not be marked")
		}
	}()
	pages, err := d.allPages()
	if err != nil {
		return nil, err
	}

	fu := newFontUse(font)
	diag, err := layoutDiagonal(font, fu, clean)
	if err != nil {
		return nil, err
	}
	foot, err := layoutFoot(font, fu, strings.Join(clean, "   "))
	if err != nil {
		return nil, err
	}

	u := newUpdate(d)
	fontRef, err := fu.embed(u)
	if err != nil {
		return nil, err
	}
	form := func(a *wmArt, alpha string) types.IndirectRef {
		return u.add(streamBody(types.Dict{
			"Type":    types.Name("XObject"),
			"Subtype": types.Name("Form"),
			"BBox":    rectArray(a.bbox),
			"Resources": types.Dict{
				"Font":      types.Dict{"F1": fontRef},
				"ExtGState": types.Dict{"GSwm": types.Dict{"Type": types.Name("ExtGState"), "ca": rawObj(alpha), "CA": rawObj(alpha)}},
			},
		}, a.content, true))
	}
	diagRef, footRef := form(diag, wmAlpha), form(foot, footAlpha)

	// The original content of each page is wrapped in q … Q, as for the stamp, so that the
	// graphics state it leaves behind does not move or hide the watermark. One "q" stream is
	// shared by every page.
	pre := u.add(streamBody(nil, []byte("q\n"), false))
	for n, p := range pages {
		geo := newPageGeometry(p)
		// Diagonal: centred on the visible page, along its bottom-left to top-right diagonal,
		// scaled so the widest line spans most of the diagonal without the block getting too tall.
		diagLen := math.Hypot(geo.vw, geo.vh)
		s := min(wmDiagShare*diagLen/diag.w, wmMaxHeight*min(geo.vw, geo.vh)/diag.h)
		th := math.Atan2(geo.vh, geo.vw)
		cs, sn := math.Cos(th), math.Sin(th)
		md := matrix{s * cs, s * sn, -s * sn, s * cs, geo.vw / 2, geo.vh / 2}.then(geo.v2u)
		// Foot: centred at the bottom, shrunk if the page is too narrow for it.
		fs := geo.scale
		if avail := geo.vw - 2*footMargin*fs; foot.w*fs > avail && avail > 0 {
			fs = avail / foot.w
		}
		mf := matrix{fs, 0, 0, fs, geo.vw / 2, footMargin * geo.scale}.then(geo.v2u)

		xobjs := pageXObjects(d, p)
		dn, fn := freeName(xobjs, "SbWm"), ""
		xobjs[dn] = diagRef
		fn = freeName(xobjs, "SbWmFoot")
		xobjs[fn] = footRef
		post := u.add(streamBody(nil, []byte(fmt.Sprintf("Q\nq %s cm /%s Do Q\nq %s cm /%s Do Q\n",
			md.String(), types.EncodeName(dn), mf.String(), types.EncodeName(fn))), false))

		if err := rewritePage(d, u, p, pre, post, xobjs, pageName(n+1)); err != nil {
			return nil, err
		}
	}
	return u.bytes(), nil
}

// freeName returns base, or base2, base3… when taken.
func freeName(d types.Dict, base string) string {
	name := base
	for k := 2; d[name] != nil; k++ {
		name = base + strconv.Itoa(k)
	}
	return name
}

// wmArt is laid-out watermark text: its content stream in form space and its bounding box.
type wmArt struct {
	w, h    float64 // extent used for scaling
	bbox    rect
	content []byte
}

// layoutDiagonal stacks the lines centred on the form's origin.
func layoutDiagonal(f *Font, fu *fontUse, lines []string) (*wmArt, error) {
	var shaped []line
	wide := 0.0
	for _, s := range lines {
		ln, err := f.shape(s)
		if err != nil {
			return nil, err
		}
		shaped = append(shaped, ln)
		fu.add(ln)
		wide = max(wide, ln.width*wmSize/f.upem)
	}
	pitch := wmPitch * wmSize
	h := pitch * float64(len(shaped))
	mid := (f.markTop + f.markBottom) / 2 / f.upem * wmSize
	var c bytes.Buffer
	c.WriteString("q /GSwm gs " + wmGrey + "\n")
	for i, ln := range shaped {
		w := ln.width * wmSize / f.upem
		y := h/2 - pitch*(float64(i)+0.5) - mid
		drawLine(&c, f, placed{ln: ln, size: wmSize, x: -w / 2, y: y})
	}
	c.WriteString("Q\n")
	pad := wmSize * 0.6 // room for marks above and below the outer lines
	return &wmArt{w: wide, h: h, bbox: rect{-wide/2 - pad, -h/2 - pad, wide/2 + pad, h/2 + pad}, content: c.Bytes()}, nil
}

// layoutFoot draws one small line centred on x = 0, its baseline at y = 0.
func layoutFoot(f *Font, fu *fontUse, text string) (*wmArt, error) {
	ln, err := f.shape(text)
	if err != nil {
		return nil, err
	}
	fu.add(ln)
	w := ln.width * footSize / f.upem
	var c bytes.Buffer
	c.WriteString("q /GSwm gs " + footGrey + "\n")
	drawLine(&c, f, placed{ln: ln, size: footSize, x: -w / 2, y: 0})
	c.WriteString("Q\n")
	return &wmArt{w: w, h: footSize, bbox: rect{-w/2 - 2, -footSize, w/2 + 2, footSize * 1.6}, content: c.Bytes()}, nil
}

// allPages resolves every page, in order, with its inherited attributes.
func (d *document) allPages() ([]*page, error) {
	cat, err := d.resolveDict(*d.x.root)
	if err != nil || cat == nil {
		return nil, damagedf(err, "its document catalog cannot be read")
	}
	root, ok := cat["Pages"].(types.IndirectRef)
	if !ok {
		return nil, damagedf(nil, "its page tree is missing")
	}
	var out []*page
	if err := d.walkPageTree(root, func(ref types.IndirectRef, node types.Dict, in inherited) error {
		p, err := d.makePage(ref, node, in)
		if err != nil {
			return damagedf(err, "page %d cannot be read", len(out)+1)
		}
		out = append(out, p)
		return nil
	}); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, damagedf(nil, "it has no pages")
	}
	return out, nil
}
