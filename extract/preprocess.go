package extract

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"sort"
)

// Page clean-up before OCR. Scanned memo forms (บันทึกข้อความ) carry dotted guide lines under the
// header fields, and many letters underline or rule parts of the page; tesseract reads the dots
// as characters and loses the text standing on them. The steps are: grey levels, a local
// (Sauvola) threshold that copes with uneven scans, removal of dotted guide lines (small dots
// of one size at regular intervals on one row) and of long thin rules, and cropping of the
// header region so that it can be read on its own, upscaled.

// bitmap is a binary image: 1 is ink.
type bitmap struct {
	w, h int
	pix  []uint8
}

func (b *bitmap) at(x, y int) bool { return b.pix[y*b.w+x] != 0 }

// grayOf converts any image to 8-bit grey.
func grayOf(img image.Image) (w, h int, pix []uint8) {
	r := img.Bounds()
	w, h = r.Dx(), r.Dy()
	pix = make([]uint8, w*h)
	if g, ok := img.(*image.Gray); ok {
		for y := 0; y < h; y++ {
			copy(pix[y*w:(y+1)*w], g.Pix[y*g.Stride:y*g.Stride+w])
		}
		return
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.GrayModel.Convert(img.At(r.Min.X+x, r.Min.Y+y)).(color.Gray)
			pix[y*w+x] = c.Y
		}
	}
	return
}

// binarize applies a Sauvola threshold computed on blocks (mean and deviation of the grey levels
// around each block), so that a shaded or yellowed scan still gives clean black text.
func binarize(w, h int, pix []uint8, dpi int) *bitmap {
	bs := dpi / 10 // block ~2.5 mm
	if bs < 8 {
		bs = 8
	}
	bw, bh := (w+bs-1)/bs, (h+bs-1)/bs
	sum := make([]float64, bw*bh)
	sq := make([]float64, bw*bh)
	cnt := make([]float64, bw*bh)
	for y := 0; y < h; y++ {
		by := y / bs
		for x := 0; x < w; x++ {
			v := float64(pix[y*w+x])
			k := by*bw + x/bs
			sum[k] += v
			sq[k] += v * v
			cnt[k]++
		}
	}
	// threshold per block from a 5x5-block window
	th := make([]float64, bw*bh)
	const k, R = 0.25, 128.0
	for by := 0; by < bh; by++ {
		for bx := 0; bx < bw; bx++ {
			var s, s2, n float64
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					x, y := bx+dx, by+dy
					if x < 0 || y < 0 || x >= bw || y >= bh {
						continue
					}
					i := y*bw + x
					s += sum[i]
					s2 += sq[i]
					n += cnt[i]
				}
			}
			m := s / n
			sd := math.Sqrt(math.Max(0, s2/n-m*m))
			th[by*bw+bx] = m * (1 + k*(sd/R-1))
		}
	}
	b := &bitmap{w: w, h: h, pix: make([]uint8, w*h)}
	for y := 0; y < h; y++ {
		by := y / bs
		for x := 0; x < w; x++ {
			v := float64(pix[y*w+x])
			t := th[by*bw+x/bs]
			if t > 200 {
				t = 200 // a blank area: only real ink
			}
			if v < t {
				b.pix[y*w+x] = 1
			}
		}
	}
	return b
}

// component is a connected set of ink pixels.
type component struct {
	x0, y0, x1, y1 int // bounding box, inclusive
	n              int
	id             int32
}

// components labels the 8-connected components; labels[i] is the component id + 1.
func components(b *bitmap) ([]component, []int32) {
	labels := make([]int32, b.w*b.h)
	var comps []component
	stack := make([]int, 0, 1024)
	for i, v := range b.pix {
		if v == 0 || labels[i] != 0 {
			continue
		}
		id := int32(len(comps)) + 1
		c := component{x0: i % b.w, y0: i / b.w, x1: i % b.w, y1: i / b.w, id: id}
		labels[i] = id
		stack = append(stack[:0], i)
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := p%b.w, p/b.w
			c.n++
			if x < c.x0 {
				c.x0 = x
			}
			if x > c.x1 {
				c.x1 = x
			}
			if y < c.y0 {
				c.y0 = y
			}
			if y > c.y1 {
				c.y1 = y
			}
			for dy := -1; dy <= 1; dy++ {
				yy := y + dy
				if yy < 0 || yy >= b.h {
					continue
				}
				for dx := -1; dx <= 1; dx++ {
					xx := x + dx
					if xx < 0 || xx >= b.w {
						continue
					}
					q := yy*b.w + xx
					if b.pix[q] != 0 && labels[q] == 0 {
						labels[q] = id
						stack = append(stack, q)
					}
				}
			}
		}
		comps = append(comps, c)
	}
	return comps, labels
}

// cleanComponents erases what is not text: specks of a few pixels, components taller than 0.6
// inch or very large (the Garuda emblem, signatures, the dark edge of a scan) and dotted guide lines (at least 10
// dots of about the same small size, on one row, at regular intervals; Thai vowel and tone
// marks are also small, but they differ in shape and never sit at regular intervals over a whole
// field). It returns the dots and the large components erased.
func cleanComponents(b *bitmap, dpi int) (dotsErased, largeErased int) {
	comps, labels := components(b)
	erase := map[int32]bool{}
	speck := 6 * dpi * dpi / (300 * 300) // a few pixels: scanner noise, smaller than any mark or full stop
	for _, c := range comps {
		w, h := c.x1-c.x0+1, c.y1-c.y0+1
		if h > dpi*6/10 || (w > dpi*2 && h > dpi/5) {
			erase[c.id] = true
			largeErased++
		} else if c.n <= speck {
			erase[c.id] = true
		}
	}
	dotsErased = removeDottedLines(comps, erase, dpi)
	if len(erase) == 0 {
		return
	}
	for i, l := range labels {
		if l != 0 && erase[l] {
			b.pix[i] = 0
		}
	}
	return
}

// removeDottedLines marks the dots of dotted guide lines for erasure and returns their number.
func removeDottedLines(comps []component, erase map[int32]bool, dpi int) int {
	maxDot := dpi * 9 / 300
	if maxDot < 3 {
		maxDot = 3
	}
	type dot struct {
		cx, cy, w, h int
		id           int32
	}
	var dots []dot
	for _, c := range comps {
		w, h := c.x1-c.x0+1, c.y1-c.y0+1
		if w <= maxDot && h <= maxDot && c.n >= 2 && w*2 >= h && h*2 >= w {
			dots = append(dots, dot{cx: (c.x0 + c.x1) / 2, cy: (c.y0 + c.y1) / 2, w: w, h: h, id: c.id})
		}
	}
	sort.Slice(dots, func(i, j int) bool {
		if dots[i].cy != dots[j].cy {
			return dots[i].cy < dots[j].cy
		}
		return dots[i].cx < dots[j].cx
	})
	n := 0
	tol := maxDot / 2
	if tol < 2 {
		tol = 2
	}
	for i := 0; i < len(dots); {
		j := i
		for j < len(dots) && dots[j].cy-dots[i].cy <= tol {
			j++
		}
		row := append([]dot(nil), dots[i:j]...)
		sort.Slice(row, func(a, c int) bool { return row[a].cx < row[c].cx })
		// runs of regular spacing
		for s := 0; s < len(row); {
			e := s + 1
			for e < len(row) {
				gap := row[e].cx - row[e-1].cx
				if gap < 2 || gap > maxDot*6 {
					break
				}
				e++
			}
			if e-s >= 10 {
				var gaps []float64
				for k := s + 1; k < e; k++ {
					gaps = append(gaps, float64(row[k].cx-row[k-1].cx))
				}
				if cv(gaps) <= 0.35 {
					for k := s; k < e; k++ {
						erase[row[k].id] = true
						n++
					}
				}
			}
			s = e
		}
		i = j
	}
	return n
}

func cv(xs []float64) float64 {
	var s, s2 float64
	for _, x := range xs {
		s += x
		s2 += x * x
	}
	n := float64(len(xs))
	m := s / n
	if m == 0 {
		return 1
	}
	return math.Sqrt(math.Max(0, s2/n-m*m)) / m
}

// removeRules erases long thin horizontal lines (rules, underlines): runs of ink at least an inch
// long, keeping the pixels where the ink is thicker than a rule (a letter crossing it).
func removeRules(b *bitmap, dpi int) int {
	minRun := dpi
	thick := dpi / 60
	if thick < 3 {
		thick = 3
	}
	removed := 0
	var xs []int
	for y := 0; y < b.h; y++ {
		x := 0
		for x < b.w {
			if !b.at(x, y) {
				x++
				continue
			}
			s := x
			for x < b.w && b.at(x, y) {
				x++
			}
			if x-s < minRun {
				continue
			}
			xs = xs[:0]
			for xx := s; xx < x; xx++ {
				// vertical extent of ink through (xx, y)
				up, down := 0, 0
				for yy := y - 1; yy >= 0 && b.at(xx, yy) && up <= thick; yy-- {
					up++
				}
				for yy := y + 1; yy < b.h && b.at(xx, yy) && down <= thick; yy++ {
					down++
				}
				if up+down+1 <= thick {
					xs = append(xs, xx)
				}
			}
			if len(xs)*2 >= x-s {
				for _, xx := range xs {
					b.pix[y*b.w+xx] = 0
				}
				removed++
			}
		}
	}
	return removed
}

// textBands returns the rows [y0, y1) that hold ink, as bands separated by blank rows.
func textBands(b *bitmap) [][2]int {
	var bands [][2]int
	in := false
	start := 0
	minInk := b.w / 400
	if minInk < 2 {
		minInk = 2
	}
	for y := 0; y < b.h; y++ {
		n := 0
		row := b.pix[y*b.w : (y+1)*b.w]
		for _, v := range row {
			n += int(v)
		}
		ink := n >= minInk
		if ink && !in {
			in, start = true, y
		} else if !ink && in {
			in = false
			bands = append(bands, [2]int{start, y})
		}
	}
	if in {
		bands = append(bands, [2]int{start, b.h})
	}
	return bands
}

// headerSplit returns the row that ends the header region: the blank gap between text bands
// closest to a third of the page height (the header of a letter, from the top of the page to
// the salutation, fills about that much).
func headerSplit(b *bitmap) int {
	target := b.h * 36 / 100
	bands := textBands(b)
	best, bestD := -1, b.h
	for i := 0; i+1 < len(bands); i++ {
		gap := (bands[i][1] + bands[i+1][0]) / 2
		d := gap - target
		if d < 0 {
			d = -d
		}
		if d < bestD {
			best, bestD = gap, d
		}
	}
	if best < 0 || best < b.h/8 || best > b.h*2/3 {
		return -1
	}
	return best
}

// crop returns rows [y0, y1) as a new bitmap.
func (b *bitmap) crop(y0, y1 int) *bitmap {
	if y0 < 0 {
		y0 = 0
	}
	if y1 > b.h {
		y1 = b.h
	}
	c := &bitmap{w: b.w, h: y1 - y0}
	c.pix = append([]uint8(nil), b.pix[y0*b.w:y1*b.w]...)
	return c
}

// scale2 doubles the bitmap in both directions (nearest neighbour on a clean binary image keeps
// edges sharp; tesseract prefers an x-height of 20–40 pixels).
func (b *bitmap) scale2() *bitmap {
	c := &bitmap{w: b.w * 2, h: b.h * 2, pix: make([]uint8, b.w*b.h*4)}
	for y := 0; y < b.h; y++ {
		for x := 0; x < b.w; x++ {
			v := b.pix[y*b.w+x]
			i := (2*y)*c.w + 2*x
			c.pix[i], c.pix[i+1], c.pix[i+c.w], c.pix[i+c.w+1] = v, v, v, v
		}
	}
	return c
}

// writePGM writes the bitmap as an 8-bit PGM (ink black on white), a format tesseract reads
// without any codec.
func (b *bitmap) writePGM(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, "P5\n%d %d\n255\n", b.w, b.h)
	row := make([]byte, b.w)
	for y := 0; y < b.h; y++ {
		for x := 0; x < b.w; x++ {
			if b.pix[y*b.w+x] != 0 {
				row[x] = 0
			} else {
				row[x] = 255
			}
		}
		if _, err := bw.Write(row); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// inkRatio is the share of ink pixels, to tell a blank page.
func (b *bitmap) inkRatio() float64 {
	n := 0
	for _, v := range b.pix {
		n += int(v)
	}
	return float64(n) / float64(len(b.pix)+1)
}
