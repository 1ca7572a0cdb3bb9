package pdfdoc

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// ReceiveStamp is the text of a receive stamp (ตรารับหนังสือ, saraban-domain §5.2). The caller
// formats every field (Thai or Arabic digits, abbreviated month, "น."): this package draws text
// and does not know about dates.
type ReceiveStamp struct {
	Unit        string // agency or unit name printed across the top, e.g. "สำนักงานที่ดินจังหวัดสงขลา"
	Number      string // receive-register number, e.g. "๑๑๒๒๙"
	Date        string // e.g. "๙ ต.ค. ๒๕๖๗"; may be empty (the dotted line stays)
	Time        string // e.g. "๑๑.๕๖ น."; may be empty
	NumberLabel string // default "เลขรับ"
}

// Stamp geometry, in points at scale 1 (1 cm = 28.3465 pt). The physical stamp is about
// 5 × 2.5 cm (saraban-domain §5.2).
const (
	cm               = 72 / 2.54
	stampW           = 5 * cm
	stampH           = 2.5 * cm
	stampMaxW        = 8 * cm   // a long unit name may widen the stamp up to this
	stampMargin      = 0.6 * cm // from the page's top and right edges (printers cannot print nearer)
	stampGap         = 0.2 * cm // between stamps
	padX             = 4.0      // inner left/right padding
	padY             = 3.2      // inner top/bottom padding
	lineSize         = 11.0     // font size of the field lines
	unitSize0        = 11.5     // font size of the unit name, before shrinking
	readableUnitSize = 10.0     // the unit name shrinks to this before it wraps or widens the stamp
	minUnitSize      = 6.0      // and never below this
	minValSize       = 7.0      // a value may shrink down to this
	borderW          = 1.0
	a4Short          = 595.28 // A4's short side; bigger pages get a proportionally bigger stamp
	// A column of stamps uses at most this fraction of the page height from the top (but always
	// room for three stamps); then the next stamp goes to the left. On A4 that is three per column.
	columnFraction = 0.36
)

// stampInk is the colour of a blue stamp pad.
const stampInk = "0.11 0.24 0.69"

// AddReceiveStamp draws a receive stamp at the top right of page 1 as the reader sees it (the
// page's /Rotate and crop box are honoured) and returns the whole new file: the original bytes
// unchanged, followed by an incremental update. slot is the number of receive stamps the letter
// already carries on page 1 (0 for the first); stamp n goes below stamp n−1 and, when the column
// is full, starts a new column to the left. Stamps drawn by this package are also found in the
// file and avoided, so two stamps never overlap even if slot is wrong. font may be nil for the
// default font (Laksaman).
//
// The output is deterministic: the same input gives the same bytes (no clock, no randomness),
// so a retried activity stores the same object.
func AddReceiveStamp(pdf []byte, st ReceiveStamp, slot int, font *Font) (out []byte, err error) {
	if slot < 0 {
		return nil, fmt.Errorf("pdfdoc: negative stamp slot %d", slot)
	}
	st.Unit = strings.Join(strings.Fields(st.Unit), " ")
	st.Number = strings.TrimSpace(st.Number)
	st.Date = strings.TrimSpace(st.Date)
	st.Time = strings.TrimSpace(st.Time)
	st.NumberLabel = strings.TrimSpace(st.NumberLabel)
	if st.NumberLabel == "" {
		st.NumberLabel = "เลขรับ"
	}
	if st.Unit == "" || st.Number == "" {
		return nil, errors.New("pdfdoc: a receive stamp needs the unit name and the number")
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
			out, err = nil, damagedf(fmt.Errorf("panic: %v\n%s", r, debug.Stack()), "page 1 could not be changed")
		}
	}()

	art, err := layoutStamp(font, st)
	if err != nil {
		return nil, err
	}
	p := d.page1
	geo := newPageGeometry(p)
	existing := d.stampRects()
	occupied := make([]rect, 0, len(existing)+slot)
	for _, r := range existing {
		occupied = append(occupied, geo.toVisual(r))
	}
	// Stamps this package cannot see (slot counts them) take the standard places.
	var nominal []rect
	for range slot {
		r, ok := geo.place(stampW, stampH, nominal)
		if !ok {
			break
		}
		nominal = append(nominal, r)
	}
	occupied = append(occupied, nominal...)
	vr, ok := geo.place(art.w, art.h, occupied)
	if !ok {
		return nil, unsupportedf(nil, "there is no room left for another receive stamp at the top of page 1")
	}

	u := newUpdate(d)
	fontRef, err := art.fonts.embed(u)
	if err != nil {
		return nil, err
	}
	// Form space → visual page (scale, then move to the slot) → default user space.
	m := matrix{geo.scale, 0, 0, geo.scale, vr.x0, vr.y0}.then(geo.v2u)
	userRect := m.bbox(rect{0, 0, art.w, art.h})
	form := u.add(streamBody(types.Dict{
		"Type":      types.Name("XObject"),
		"Subtype":   types.Name("Form"),
		"BBox":      types.Array{types.Integer(0), types.Integer(0), rawObj(fmtNum(art.w)), rawObj(fmtNum(art.h))},
		"Resources": types.Dict{"Font": types.Dict{"F1": fontRef}},
		// The marker that lets StampCount and the next stamp find this one. A private key is
		// ignored by readers; /PieceInfo would need a modification date, which would make the
		// output depend on the clock.
		stampKey: types.Dict{
			"Type": types.Name("ReceiveStamp"),
			"Slot": types.Integer(slot),
			"Rect": types.Array{rawObj(fmtNum(userRect.x0)), rawObj(fmtNum(userRect.y0)), rawObj(fmtNum(userRect.x1)), rawObj(fmtNum(userRect.y1))},
		},
	}, art.content, true))

	xname := "SbRcv1"
	xobjs := pageXObjects(d, p)
	for k := 2; xobjs[xname] != nil; k++ {
		xname = "SbRcv" + strconv.Itoa(k)
	}
	xobjs[xname] = form

	// The original content is wrapped in q … Q so that whatever graphics state it leaves behind
	// (a transformation, a clip, a colour) does not move or hide the stamp.
	pre := u.add(streamBody(nil, []byte("q\n"), false))
	post := u.add(streamBody(nil, []byte(fmt.Sprintf("Q\nq %s cm /%s Do Q\n", m.String(), types.EncodeName(xname))), false))

	if err := rewritePage(d, u, p, pre, post, xobjs, "page 1"); err != nil {
		return nil, err
	}
	return u.bytes(), nil
}

const stampKey = "SarabanStamp"

func rectArray(r rect) types.Array {
	return types.Array{rawObj(fmtNum(r.x0)), rawObj(fmtNum(r.y0)), rawObj(fmtNum(r.x1)), rawObj(fmtNum(r.y1))}
}

// StampCount returns how many receive stamps drawn by this package page 1 carries. It knows only
// its own stamps (they carry a marker); stamps on the paper before scanning are not counted.
func StampCount(pdf []byte) (int, error) {
	d, err := open(pdf, 0)
	if err != nil {
		return 0, err
	}
	return len(d.stampRects()), nil
}

// stampRects returns the user-space rectangles of this package's stamps on page 1.
func (d *document) stampRects() []rect {
	p := d.page1
	if p.resources == nil {
		return nil
	}
	xd, _ := d.resolveDict(p.resources["XObject"])
	var out []rect
	for _, v := range xd {
		o, err := d.resolve(v)
		if err != nil {
			continue
		}
		sd, ok := o.(types.StreamDict)
		if !ok {
			continue
		}
		mk, _ := d.resolveDict(sd.Dict[stampKey])
		if mk == nil {
			continue
		}
		if t, _ := mk["Type"].(types.Name); t != "ReceiveStamp" {
			continue
		}
		r, err := d.box(mk["Rect"])
		if err != nil || r == nil {
			r = &rect{}
		}
		out = append(out, *r)
	}
	return out
}

// matrix is a PDF transformation [a b c d e f]: (x, y) → (a x + c y + e, b x + d y + f).
type matrix [6]float64

func (m matrix) apply(x, y float64) (float64, float64) {
	return m[0]*x + m[2]*y + m[4], m[1]*x + m[3]*y + m[5]
}

// then returns the transformation that applies m first, then n.
func (m matrix) then(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m matrix) invert() matrix {
	det := m[0]*m[3] - m[1]*m[2]
	if det == 0 {
		return matrix{1, 0, 0, 1, 0, 0}
	}
	a, b, c, d := m[3]/det, -m[1]/det, -m[2]/det, m[0]/det
	return matrix{a, b, c, d, -(m[4]*a + m[5]*c), -(m[4]*b + m[5]*d)}
}

func (m matrix) bbox(r rect) rect {
	out := rect{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range [][2]float64{{r.x0, r.y0}, {r.x1, r.y0}, {r.x0, r.y1}, {r.x1, r.y1}} {
		x, y := m.apply(p[0], p[1])
		out = rect{min(out.x0, x), min(out.y0, y), max(out.x1, x), max(out.y1, y)}
	}
	return out
}

func (m matrix) String() string {
	s := make([]string, 6)
	for i, v := range m {
		s[i] = fmtNum(v)
	}
	return strings.Join(s, " ")
}

// pageGeometry maps between the page as the reader sees it ("visual" space: origin at the
// visible bottom left, y up, after /Rotate) and the page's default user space.
type pageGeometry struct {
	vw, vh float64 // visible width and height as seen
	v2u    matrix  // visual → user
	u2v    matrix
	scale  float64 // stamp scale: 1 on A4, more on pages much bigger than A4
}

func newPageGeometry(p *page) pageGeometry {
	b := p.visible()
	g := pageGeometry{vw: b.w(), vh: b.h()}
	switch p.rotate {
	case 90: // shown turned clockwise: the visual top left is the user bottom left
		g.vw, g.vh = b.h(), b.w()
		g.v2u = matrix{0, 1, -1, 0, b.x1, b.y0}
	case 180:
		g.v2u = matrix{-1, 0, 0, -1, b.x1, b.y1}
	case 270:
		g.vw, g.vh = b.h(), b.w()
		g.v2u = matrix{0, -1, 1, 0, b.x0, b.y1}
	default:
		g.v2u = matrix{1, 0, 0, 1, b.x0, b.y0}
	}
	g.u2v = g.v2u.invert()
	g.scale = 1
	// A page far bigger than A4 (a scan saved at its pixel size) is printed scaled down: scale
	// the stamp with it so that it still prints at about 5 × 2.5 cm.
	if short := min(g.vw, g.vh); short > 1.15*a4Short {
		g.scale = min(short/a4Short, 8)
	}
	return g
}

func (g pageGeometry) toVisual(r rect) rect { return g.u2v.bbox(r) }

// place finds the first free spot for a w × h stamp (form units; scaled here): down the
// rightmost column from the top, then down columns further left. The columns tried are the right
// page margin and the left edge of every stamp already there, so stamps of different widths
// pack without overlapping.
func (g *pageGeometry) place(w, h float64, occupied []rect) (rect, bool) {
	s := g.scale
	margin, gap := stampMargin*s, stampGap*s
	// A stamp wider than the page (a tiny page) is shrunk to fit.
	if avail := g.vw - 2*margin; w*s > avail && avail > 0 {
		s = avail / w
		g.scale = s
		margin, gap = stampMargin*s, stampGap*s
	}
	sw, sh := w*s, h*s
	// A column reaches down columnFraction of the page, but always holds three standard stamps
	// (or this one) when the page is tall enough.
	depth := max(g.vh*columnFraction, margin+3*(stampH*s+gap), margin+sh+1)
	bottom := max(g.vh-depth, margin)
	rights := []float64{g.vw - margin}
	for _, o := range occupied {
		rights = append(rights, o.x0-gap)
	}
	slices.SortFunc(rights, func(a, b float64) int { return cmp.Compare(b, a) })
	const eps = 0.01 // touching at exactly the gap is not overlapping
	for k, right := range rights {
		if right-sw < margin-eps || k > 0 && right > rights[k-1]-eps {
			continue
		}
		top := g.vh - margin
		for top-sh >= bottom-eps {
			cand := rect{right - sw, top - sh, right, top}
			grown := rect{cand.x0 - gap + eps, cand.y0 - gap + eps, cand.x1 + gap - eps, cand.y1 + gap - eps}
			var hit *rect
			for i := range occupied {
				if grown.overlaps(occupied[i]) && (hit == nil || occupied[i].y0 < hit.y0) {
					hit = &occupied[i]
				}
			}
			if hit == nil {
				return cand, true
			}
			top = min(top-eps, hit.y0-gap)
		}
	}
	return rect{}, false
}

// stampArt is a laid-out stamp: its size, its content stream (form space) and the glyphs used.
type stampArt struct {
	w, h    float64
	content []byte
	fonts   *fontUse
}

// placed is a shaped line at a size and position inside the stamp.
type placed struct {
	ln     line
	size   float64
	x, y   float64 // baseline origin
	stroke bool    // fill and stroke the glyphs (a bolder, inked look for the unit name)
}

// layoutStamp shapes and arranges the stamp's lines: the unit name centred on top (shrunk, wrapped
// at a space, or the stamp widened when it is long), then the three labelled fields with their
// values aligned and a dotted line as on a rubber stamp.
func layoutStamp(f *Font, st ReceiveStamp) (*stampArt, error) {
	em := func(ln line, size float64) float64 { return ln.width * size / f.upem }
	w, unitLines, unitSize, err := layoutUnit(f, st.Unit)
	if err != nil {
		return nil, err
	}

	labels := []string{st.NumberLabel, "วันที่", "เวลา"}
	values := []string{st.Number, st.Date, st.Time}
	var labelLines, valueLines []line
	labelW := 0.0
	for i := range labels {
		l, err := f.shape(labels[i])
		if err != nil {
			return nil, err
		}
		labelLines = append(labelLines, l)
		labelW = max(labelW, em(l, lineSize))
		v := line{}
		if values[i] != "" {
			if v, err = f.shape(values[i]); err != nil {
				return nil, err
			}
		}
		valueLines = append(valueLines, v)
	}

	// Four lines share the 2.5 cm; a wrapped unit name adds one line's height.
	pitch := (stampH - 2*padY) / 4
	h := stampH + float64(len(unitLines)-1)*pitch
	// The baseline sits so that the extent of Thai text (stacked marks above, lower vowels below,
	// measured on the font) is centred in its line box.
	mid := (f.markTop + f.markBottom) / 2 / f.upem
	base := func(i int, size float64) float64 { return h - padY - pitch*(float64(i)+0.5) - mid*size }

	var items []placed
	for i, l := range unitLines {
		items = append(items, placed{ln: l, size: unitSize, x: (w - em(l, unitSize)) / 2, y: base(i, unitSize), stroke: true})
	}
	valX := padX + labelW + 3
	valInner := w - padX - valX
	var leaders [][3]float64 // x0, x1, y of dotted lines
	for i := range labels {
		y := base(len(unitLines)+i, lineSize)
		items = append(items, placed{ln: labelLines[i], size: lineSize, x: padX, y: y})
		leaders = append(leaders, [3]float64{padX + em(labelLines[i], lineSize) + 1.5, w - padX, y - 1.2})
		if valueLines[i].text != "" {
			size := lineSize
			if vw := em(valueLines[i], size); vw > valInner-2 {
				size = max(minValSize, size*(valInner-2)/vw)
			}
			items = append(items, placed{ln: valueLines[i], size: size, x: valX + 2, y: y})
		}
	}

	fu := newFontUse(f)
	var c bytes.Buffer
	fmt.Fprintf(&c, "q %s RG %s rg\n", stampInk, stampInk)
	hb := borderW / 2
	fmt.Fprintf(&c, "%s w %s %s %s %s re S\n", fmtNum(borderW), fmtNum(hb), fmtNum(hb), fmtNum(w-borderW), fmtNum(h-borderW))
	c.WriteString("0.6 w 1 J [0 1.8] 0 d\n")
	for _, l := range leaders {
		if l[1] > l[0] {
			fmt.Fprintf(&c, "%s %s m %s %s l\n", fmtNum(l[0]), fmtNum(l[2]), fmtNum(l[1]), fmtNum(l[2]))
		}
	}
	c.WriteString("S [] 0 d 0 J\n")
	for _, it := range items {
		fu.add(it.ln)
		drawLine(&c, f, it)
	}
	c.WriteString("Q\n")
	return &stampArt{w: w, h: h, content: c.Bytes(), fonts: fu}, nil
}

// layoutUnit decides how the unit name fits: on one line in a standard stamp when it can stay
// readable, else wrapped at a space (the stamp grows taller, not wider), else on one line in a
// wider stamp, else wrapped in a wider stamp, else shrunk to fit the widest stamp.
func layoutUnit(f *Font, unit string) (w float64, lines []line, size float64, err error) {
	one, err := f.shape(unit)
	if err != nil {
		return 0, nil, 0, err
	}
	wide := func(ls []line) float64 { // widest line at 1 pt, in points
		m := 0.0
		for _, l := range ls {
			m = max(m, l.width/f.upem)
		}
		return m
	}
	fit := func(ls []line, width float64) float64 { return min(unitSize0, (width-2*padX)/wide(ls)) }
	options := [][]line{{one}}
	if a, b, ok := splitAtSpace(unit); ok {
		la, err1 := f.shape(a)
		lb, err2 := f.shape(b)
		if err1 == nil && err2 == nil {
			options = append(options, []line{la, lb})
		}
	}
	for _, ls := range options { // the standard width
		if s := fit(ls, stampW); s >= readableUnitSize {
			return stampW, ls, s, nil
		}
	}
	for _, ls := range options { // wider, as little as needed
		if need := readableUnitSize*wide(ls) + 2*padX; need <= stampMaxW {
			return need, ls, readableUnitSize, nil
		}
	}
	best := options[0]
	for _, ls := range options[1:] {
		if fit(ls, stampMaxW) > fit(best, stampMaxW) {
			best = ls
		}
	}
	return stampMaxW, best, max(fit(best, stampMaxW), minUnitSize), nil
}

// splitAtSpace splits s at the space nearest its middle.
func splitAtSpace(s string) (string, string, bool) {
	r := []rune(s)
	best := -1
	for i, c := range r {
		if c == ' ' && (best < 0 || math.Abs(float64(i)-float64(len(r))/2) < math.Abs(float64(best)-float64(len(r))/2)) {
			best = i
		}
	}
	if best <= 0 || best >= len(r)-1 {
		return "", "", false
	}
	return string(r[:best]), string(r[best+1:]), true
}

// drawLine writes one shaped line as a marked-content span whose /ActualText is the line's text
// (so that text extraction gives back exactly the Unicode string, SARA AM and contextual forms
// included), with glyphs placed where the shaper put them: runs on one baseline go in one TJ with
// adjustments, a glyph moved up or down by the shaper starts a new run at its own position.
func drawLine(c *bytes.Buffer, f *Font, it placed) {
	if len(it.ln.glyphs) == 0 {
		return
	}
	scale := it.size / f.upem
	fmt.Fprintf(c, "/Span <</ActualText <%s>>> BDC BT /F1 %s Tf", string(textString(it.ln.text)), fmtNum(it.size))
	// The text render mode belongs to the graphics state and outlives ET: set it on every line.
	if it.stroke {
		c.WriteString(" 2 Tr 0.3 w")
	} else {
		c.WriteString(" 0 Tr")
	}
	c.WriteByte('\n')
	gs := it.ln.glyphs
	for i := 0; i < len(gs); {
		g := gs[i]
		fmt.Fprintf(c, "1 0 0 1 %s %s Tm [<%04X", fmtNum(it.x+g.x*scale), fmtNum(it.y+g.y*scale), g.gid)
		pen := g.x + f.width1000(g.gid)*f.upem/1000 // where the PDF puts the next glyph, font units
		j := i + 1
		for ; j < len(gs) && gs[j].y == g.y; j++ {
			adj := gs[j].x - pen
			if math.Abs(adj) > 0.05 {
				// TJ numbers are thousandths of an em, subtracted from the position.
				fmt.Fprintf(c, "> %s <", fmtNum(-adj*1000/f.upem))
			}
			fmt.Fprintf(c, "%04X", gs[j].gid)
			pen = gs[j].x + f.width1000(gs[j].gid)*f.upem/1000
		}
		c.WriteString(">] TJ\n")
		i = j
	}
	c.WriteString("ET EMC\n")
}
