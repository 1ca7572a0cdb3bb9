package extract

import (
	"image"
	"image/draw"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Thai digits are where Debian's Thai model is weakest: it reads ๗ as ๓, ๖ as ๒๐, ๙ as ๕ in the
// fonts letters are printed with. The numbers are what matter most on a letter, so every run of
// digits tesseract reports is read again here: its glyphs are cut out of the cleaned page
// (connected components inside the run's box, tesseract's own box for each symbol being
// unreliable) and matched against templates of the ten Thai digits drawn from the Thai fonts
// Debian ships (fonts-thai-tlwg, among them Laksaman, the free TH Sarabun). A run is rewritten
// only when every glyph matches a digit (or "." or "/") clearly.

const glyphGrid = 16

type template struct {
	char   rune
	vec    [glyphGrid * glyphGrid]float64
	aspect float64 // width / height
}

var (
	templatesOnce sync.Once
	templates     []template
)

// digitFonts are the TLWG fonts used for templates (those that exist are used).
var digitFonts = []string{"Laksaman", "Laksaman-Bold", "Garuda", "Garuda-Bold", "Kinnari", "Kinnari-Bold", "Loma", "Loma-Bold",
	"Norasi", "Norasi-Bold", "Sawasdee", "Sawasdee-Bold", "Umpush", "Umpush-Bold", "Waree", "Waree-Bold", "TlwgTypo", "TlwgMono"}

func loadTemplates() {
	dir := "/usr/share/fonts/truetype/tlwg"
	for _, name := range digitFonts {
		data, err := os.ReadFile(filepath.Join(dir, name+".ttf"))
		if err != nil {
			continue
		}
		f, err := opentype.Parse(data)
		if err != nil {
			continue
		}
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 64, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			continue
		}
		for _, r := range []rune("๐๑๒๓๔๕๖๗๘๙/") {
			img := image.NewGray(image.Rect(0, 0, 120, 120))
			draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
			d := font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P(20, 90)}
			d.DrawString(string(r))
			b := &bitmap{w: 120, h: 120, pix: make([]uint8, 120*120)}
			for i, v := range img.Pix {
				if v < 128 {
					b.pix[i] = 1
				}
			}
			x0, y0, x1, y1, ok := inkBox(b, 0, 0, 120, 120)
			if !ok {
				continue
			}
			vec, asp := glyphVector(b, x0, y0, x1, y1)
			templates = append(templates, template{char: r, vec: vec, aspect: asp})
		}
		face.Close()
	}
}

// inkBox is the bounding box of the ink inside a rectangle.
func inkBox(b *bitmap, x0, y0, x1, y1 int) (int, int, int, int, bool) {
	bx0, by0, bx1, by1 := x1, y1, x0-1, y0-1
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			if b.pix[y*b.w+x] != 0 {
				bx0, by0 = min(bx0, x), min(by0, y)
				bx1, by1 = max(bx1, x), max(by1, y)
			}
		}
	}
	if bx1 < bx0 {
		return 0, 0, 0, 0, false
	}
	return bx0, by0, bx1 + 1, by1 + 1, true
}

// glyphVector scales the ink of a box to a grid (area average), normalised to unit length.
func glyphVector(b *bitmap, x0, y0, x1, y1 int) ([glyphGrid * glyphGrid]float64, float64) {
	var v [glyphGrid * glyphGrid]float64
	w, h := x1-x0, y1-y0
	for y := y0; y < y1; y++ {
		gy := (y - y0) * glyphGrid / h
		for x := x0; x < x1; x++ {
			if b.pix[y*b.w+x] != 0 {
				gx := (x - x0) * glyphGrid / w
				v[gy*glyphGrid+gx]++
			}
		}
	}
	var n float64
	for _, x := range v {
		n += x * x
	}
	n = math.Sqrt(n)
	if n > 0 {
		for i := range v {
			v[i] /= n
		}
	}
	return v, float64(w) / float64(h)
}

// classifyGlyph returns the best template character, its score and the best score of another
// character.
func classifyGlyph(b *bitmap, x0, y0, x1, y1 int) (rune, float64, float64) {
	vec, asp := glyphVector(b, x0, y0, x1, y1)
	best := map[rune]float64{}
	for _, t := range templates {
		var s float64
		for i := range vec {
			s += vec[i] * t.vec[i]
		}
		// shapes of another proportion are penalised
		ra := math.Log(asp / t.aspect)
		s -= 0.25 * math.Abs(ra)
		if s > best[t.char] {
			best[t.char] = s
		}
	}
	var c rune
	s1, s2 := -1.0, -1.0
	for r, s := range best {
		if s > s1 {
			c, s2, s1 = r, s1, s
		} else if s > s2 {
			s2 = s
		}
	}
	return c, s1, s2
}

// tsvSym is one symbol of tesseract's TSV output.
type tsvSym struct {
	line           string
	x0, y0, x1, y1 int
	text           string
	conf           float64
}

func parseTSV(data string) []tsvSym {
	var out []tsvSym
	for _, row := range strings.Split(data, "\n") {
		f := strings.Split(row, "\t")
		if len(f) < 12 || f[0] != "5" {
			continue
		}
		x, _ := strconv.Atoi(f[6])
		y, _ := strconv.Atoi(f[7])
		w, _ := strconv.Atoi(f[8])
		h, _ := strconv.Atoi(f[9])
		c, _ := strconv.ParseFloat(f[10], 64)
		t := strings.TrimSpace(f[11])
		if t == "" {
			continue
		}
		out = append(out, tsvSym{line: f[2] + "/" + f[3] + "/" + f[4], x0: x, y0: y, x1: x + w, y1: y + h, text: t, conf: c})
	}
	return out
}

func isDigitSym(t string) bool {
	for _, r := range t {
		if !isThaiDigit(r) && r != '.' {
			return false
		}
	}
	return true
}

// rereadDigits rewrites the runs of Thai digits of an OCR text after matching their glyphs
// against the templates. txt and tsv are tesseract's outputs for the bitmap b.
func rereadDigits(txt, tsv string, b *bitmap) string {
	templatesOnce.Do(loadTemplates)
	if len(templates) == 0 {
		return txt
	}
	syms := parseTSV(tsv)
	// runs of digit symbols on one line; a letter between digits (๗ read as ญ) joins the run
	type run struct{ from, to int }
	var runs []run
	for i := 0; i < len(syms); {
		if !isDigitSym(syms[i].text) || !strings.ContainsAny(syms[i].text, "๐๑๒๓๔๕๖๗๘๙") {
			// a lone symbol standing where a date's day stands (just before a month name) that
			// tesseract read as a letter or ๆ (๗ read as ๆ)
			if r := []rune(syms[i].text); len(r) == 1 && (r[0] == 'ๆ' || (isThaiConsonant(r[0]) && syms[i].conf < 80)) && beforeMonth(syms, i) {
				runs = append(runs, run{i, i + 1})
			}
			i++
			continue
		}
		j := i + 1
		for j < len(syms) && syms[j].line == syms[i].line {
			if isDigitSym(syms[j].text) {
				j++
				continue
			}
			r := []rune(syms[j].text)
			if len(r) == 1 && isThaiConsonant(r[0]) && r[0] != 'ว' && j+1 < len(syms) && syms[j+1].line == syms[i].line && isDigitSym(syms[j+1].text) {
				j++
				continue
			}
			break
		}
		// a letter just before the run, touching it (๗ read as ญ at the start)
		from := i
		if i > 0 && syms[i-1].line == syms[i].line {
			r := []rune(syms[i-1].text)
			if len(r) == 1 && isThaiConsonant(r[0]) && syms[i-1].conf < 70 && syms[i].x0-syms[i-1].x1 < (syms[i].y1-syms[i].y0)/2 {
				from = i - 1
			}
		}
		// a letter just after the run, touching it (๗ read as ฆ at the end)
		if j < len(syms) && syms[j].line == syms[i].line {
			r := []rune(syms[j].text)
			if len(r) == 1 && isThaiConsonant(r[0]) && r[0] != 'ว' && syms[j].conf < 80 && syms[j].x0-syms[j-1].x1 < (syms[j-1].y1-syms[j-1].y0)/2 &&
				(j+1 >= len(syms) || syms[j+1].line != syms[i].line || syms[j+1].x0-syms[j].x1 > (syms[j].y1-syms[j].y0)/3) {
				j++
			}
		}
		runs = append(runs, run{from, j})
		i = j
	}
	if len(runs) == 0 {
		return txt
	}
	// locate every symbol in the text: the text is the symbols in order with white space between
	txtR := []rune(txt)
	pos := make([][2]int, len(syms)) // rune span of each symbol in txt
	p := 0
	for k, s := range syms {
		for p < len(txtR) && (txtR[p] == ' ' || txtR[p] == '\n') {
			p++
		}
		sr := []rune(s.text)
		if p+len(sr) > len(txtR) || string(txtR[p:p+len(sr)]) != s.text {
			return txt // the outputs disagree: leave the text alone
		}
		pos[k] = [2]int{p, p + len(sr)}
		p += len(sr)
	}
	type repl struct {
		from, to int
		text     string
	}
	var repls []repl
	for _, r := range runs {
		x0, y0, x1, y1 := syms[r.from].x0, syms[r.from].y0, syms[r.from].x1, syms[r.from].y1
		for k := r.from; k < r.to; k++ {
			x0, y0 = min(x0, syms[k].x0), min(y0, syms[k].y0)
			x1, y1 = max(x1, syms[k].x1), max(y1, syms[k].y1)
		}
		if x1 <= x0 || y1 <= y0 {
			continue
		}
		orig0 := ""
		for k := r.from; k < r.to; k++ {
			orig0 += syms[k].text
		}
		// replacing a letter needs a clearer match than correcting a digit
		text, ok := readDigitRun(b, x0, y0, x1, y1, !strings.ContainsAny(orig0, "๐๑๒๓๔๕๖๗๘๙"))
		if !ok {
			continue
		}
		orig := ""
		for k := r.from; k < r.to; k++ {
			orig += syms[k].text
		}
		if text != orig {
			repls = append(repls, repl{pos[r.from][0], pos[r.to-1][1], text})
		}
	}
	for i := len(repls) - 1; i >= 0; i-- {
		rp := repls[i]
		txtR = append(append(append([]rune{}, txtR[:rp.from]...), []rune(rp.text)...), txtR[rp.to:]...)
	}
	return string(txtR)
}

// readDigitRun cuts the glyphs of a box (connected components, merged when they overlap
// horizontally) and reads each as a Thai digit, "." or "/".
func readDigitRun(b *bitmap, rx0, ry0, rx1, ry1 int, strict bool) (string, bool) {
	// tesseract's symbol boxes are approximate: widen the crop, then keep the components that
	// lie mostly inside the run's box
	mx, my := (ry1-ry0)/2, (ry1-ry0)/5
	x0, y0 := max(0, rx0-mx), max(0, ry0-my)
	x1, y1 := min(b.w, rx1+mx), min(b.h, ry1+my)
	sub := &bitmap{w: x1 - x0, h: y1 - y0, pix: make([]uint8, (x1-x0)*(y1-y0))}
	for y := y0; y < y1; y++ {
		copy(sub.pix[(y-y0)*sub.w:(y-y0+1)*sub.w], b.pix[y*b.w+x0:y*b.w+x1])
	}
	comps, _ := components(sub)
	if len(comps) == 0 || len(comps) > 40 {
		return "", false
	}
	sort.Slice(comps, func(i, j int) bool { return comps[i].x0 < comps[j].x0 })
	// merge components that overlap horizontally (parts of one glyph)
	var glyphs []component
	in0, in1 := rx0-x0, rx1-x0
	for _, c := range comps {
		if c.n < 3 {
			continue
		}
		if ov := min(c.x1+1, in1) - max(c.x0, in0); ov*10 < (c.x1-c.x0+1)*4 {
			continue
		}
		if n := len(glyphs); n > 0 {
			g := &glyphs[n-1]
			ov := min(g.x1, c.x1) - max(g.x0, c.x0)
			if ov > 0 && ov*2 >= min(g.x1-g.x0, c.x1-c.x0) {
				g.x0, g.y0 = min(g.x0, c.x0), min(g.y0, c.y0)
				g.x1, g.y1 = max(g.x1, c.x1), max(g.y1, c.y1)
				g.n += c.n
				continue
			}
		}
		glyphs = append(glyphs, c)
	}
	if len(glyphs) == 0 {
		return "", false
	}
	// the digit height: the tallest glyphs
	hmax := 0
	for _, g := range glyphs {
		hmax = max(hmax, g.y1-g.y0+1)
	}
	// glyphs that touch (a scan's ink spreads) come as one wide component: cut it where the ink is
	// thinnest
	var split []component
	for _, g := range glyphs {
		split = append(split, splitWide(sub, g, hmax)...)
	}
	glyphs = split
	var out []rune
	for _, g := range glyphs {
		h := g.y1 - g.y0 + 1
		w := g.x1 - g.x0 + 1
		if h*3 < hmax && w*3 < hmax*2 {
			out = append(out, '.')
			continue
		}
		if h*2 < hmax {
			return "", false // a mark or a speck: not a plain run of digits
		}
		c, s1, s2 := classifyGlyph(sub, g.x0, g.y0, g.x1+1, g.y1+1)
		if s1 < 0.72 || s1-s2 < 0.02 || (strict && (s1 < 0.85 || s1-s2 < 0.08 || c == '/')) {
			return "", false
		}
		out = append(out, c)
	}
	return string(out), true
}

// splitWide cuts a component wider than 1.5 times the digit height into two at the column with
// the least ink in its middle half (recursively, for three digits stuck together).
func splitWide(b *bitmap, g component, hmax int) []component {
	w := g.x1 - g.x0 + 1
	if w*2 <= hmax*3 || w < 8 {
		return []component{g}
	}
	best, bestInk := -1, 1<<30
	for x := g.x0 + w/4; x <= g.x1-w/4; x++ {
		ink := 0
		for y := g.y0; y <= g.y1; y++ {
			ink += int(b.pix[y*b.w+x])
		}
		if ink < bestInk {
			best, bestInk = x, ink
		}
	}
	if best < 0 {
		return []component{g}
	}
	left, right := g, g
	left.x1, right.x0 = best-1, best+1
	for _, part := range []*component{&left, &right} {
		if x0, y0, x1, y1, ok := inkBox(b, part.x0, part.y0, part.x1+1, part.y1+1); ok {
			part.x0, part.y0, part.x1, part.y1 = x0, y0, x1-1, y1-1
		}
	}
	return append(splitWide(b, left, hmax), splitWide(b, right, hmax)...)
}

// beforeMonth reports a month name (or abbreviation) in the symbols that follow symbol i on its line.
func beforeMonth(syms []tsvSym, i int) bool {
	var b strings.Builder
	for k := i + 1; k < len(syms) && k <= i+12 && syms[k].line == syms[i].line; k++ {
		b.WriteString(syms[k].text)
	}
	rs := []rune(b.String())
	if len(rs) == 0 {
		return false
	}
	months, _, _, _ := monthAt(rs, 0)
	return len(months) > 0
}
