package extract

import "testing"

// TestCleanComponents: a dotted guide line is erased, small marks at irregular places and text
// strokes are kept, and a tall graphic (an emblem, a signature) is erased.
func TestCleanComponents(t *testing.T) {
	const dpi = 300
	b := &bitmap{w: 1200, h: 600, pix: make([]uint8, 1200*600)}
	fill := func(x0, y0, x1, y1 int) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				b.pix[y*b.w+x] = 1
			}
		}
	}
	// a dotted line: 40 dots of 4x4 every 14 px on row 300
	for i := 0; i < 40; i++ {
		fill(100+i*14, 300, 104+i*14, 304)
	}
	// Thai-mark-sized specks at irregular places on row 200
	for _, x := range []int{100, 131, 190, 205, 290, 330, 421, 440, 520, 600, 611, 700} {
		fill(x, 200, x+5, 206)
	}
	// text strokes
	fill(100, 100, 112, 160)
	fill(140, 100, 190, 112)
	// a tall graphic
	fill(900, 50, 910, 500)
	dots, large := cleanComponents(b, dpi)
	if dots != 40 || large != 1 {
		t.Errorf("erased %d dots and %d large components, want 40 and 1", dots, large)
	}
	if b.pix[301*b.w+101] != 0 {
		t.Error("a dot of the guide line is still there")
	}
	if b.pix[202*b.w+102] == 0 || b.pix[202*b.w+192] == 0 {
		t.Error("a mark was erased")
	}
	if b.pix[130*b.w+105] == 0 || b.pix[105*b.w+150] == 0 {
		t.Error("a text stroke was erased")
	}
	if b.pix[300*b.w+905] != 0 {
		t.Error("the tall graphic is still there")
	}
}

// TestRemoveRules: a long thin rule goes, a letter standing on it keeps its pixels.
func TestRemoveRules(t *testing.T) {
	b := &bitmap{w: 800, h: 100, pix: make([]uint8, 800*100)}
	for x := 10; x < 790; x++ {
		b.pix[50*b.w+x] = 1
		b.pix[51*b.w+x] = 1
	}
	for y := 20; y < 52; y++ { // a stroke crossing the rule
		b.pix[y*b.w+400] = 1
	}
	removeRules(b, 300)
	if b.pix[50*b.w+100] != 0 {
		t.Error("the rule is still there")
	}
	if b.pix[50*b.w+400] == 0 || b.pix[30*b.w+400] == 0 {
		t.Error("the crossing stroke was cut")
	}
}

// TestBinarizeShadedScan: dark text on a background that goes from white to mid grey is found
// everywhere, and the background is not.
func TestBinarizeShadedScan(t *testing.T) {
	w, h := 600, 200
	pix := make([]uint8, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			pix[y*w+x] = uint8(250 - x*110/w) // 250 -> 140
		}
	}
	for _, x0 := range []int{30, 290, 560} {
		for y := 80; y < 120; y++ {
			for x := x0; x < x0+6; x++ {
				pix[y*w+x] = uint8(int(pix[y*w+x]) * 4 / 10)
			}
		}
	}
	b := binarize(w, h, pix, 300)
	for _, x := range []int{32, 292, 562} {
		if b.pix[100*w+x] == 0 {
			t.Errorf("text at x=%d lost", x)
		}
	}
	for _, x := range []int{10, 200, 450, 590} {
		if b.pix[20*w+x] != 0 {
			t.Errorf("background at x=%d taken for ink", x)
		}
	}
}
