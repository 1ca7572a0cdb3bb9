package pdfdoc

import (
	"bytes"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-text/typesetting/font"
)

var writeDocImages = flag.Bool("docimg", false, "write the receive stamp pictures to ../docs/img")

var (
	stamp1 = ReceiveStamp{Unit: "สำนักงานที่ดินจังหวัดสงขลา", Number: "๑๑๒๒๙", Date: "๙ ต.ค. ๒๕๖๗", Time: "๑๑.๕๖ น."}
	stamp2 = ReceiveStamp{Unit: "ผู้ว่าราชการจังหวัดสงขลา", Number: "51193/63", Date: "10 ต.ค. 2567", Time: "09:05 น.", NumberLabel: "เลขรับที่"}
)

// checkStamped verifies one stamping: the original is an exact prefix, qpdf is satisfied, the
// file still passes Inspect (so its new xref section is sound without repair), poppler extracts
// the stamp's exact text, MuPDF renders it, and the ink appeared where expected.
func checkStamped(t *testing.T, before, after []byte, st ReceiveStamp, where func(x0, y0, x1, y1 float64) string) {
	t.Helper()
	if !bytes.HasPrefix(after, before) {
		t.Fatal("the original is not an exact prefix of the stamped file")
	}
	growth := len(after) - len(before)
	t.Logf("grew by %d bytes", growth)
	if growth > 12<<10 {
		t.Errorf("the update is %d bytes; a stamp should cost a few KB", growth)
	}
	if code, out := qpdfCheck(t, after); code != 0 {
		if bc, _ := qpdfCheck(t, before); bc != code {
			t.Errorf("qpdf --check exit %d (original: %d):\n%s", code, bc, out)
		}
	}
	ib, err := Inspect(before, 0)
	if err != nil {
		t.Fatal(err)
	}
	ia, err := Inspect(after, 0)
	if err != nil {
		t.Fatalf("Inspect of the stamped file: %v", err)
	}
	if ia.Pages != ib.Pages || ia.Revisions != ib.Revisions+1 || ia.XRefStream != ib.XRefStream {
		t.Errorf("Info before %+v after %+v", ib, ia)
	}
	text := pdfText(t, after)
	label := st.NumberLabel
	if label == "" {
		label = "เลขรับ"
	}
	for _, want := range []string{st.Unit, label, st.Number, st.Date, st.Time, "วันที่", "เวลา"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext does not find %q in:\n%s", want, text)
		}
	}
	mutoolRender(t, after)
	if where != nil {
		x0, y0, x1, y1, ok := diffBox(render(t, before, 24), render(t, after, 24))
		if !ok {
			t.Fatal("the stamp changed no pixel")
		}
		if msg := where(x0, y0, x1, y1); msg != "" {
			t.Errorf("stamp drawn at x %.2f–%.2f, y %.2f–%.2f (fractions of the page, y down): %s", x0, x1, y0, y1, msg)
		}
	}
}

// topRight accepts ink in the top right corner of the page as seen.
func topRight(x0, y0, x1, y1 float64) string {
	if x1 < 0.9 || y0 > 0.06 || x0 < 0.5 || y1 > 0.3 {
		return "not at the top right"
	}
	return ""
}

// below accepts ink at the right edge and lower than a previous stamp that ended at prevY1.
func below(prevY1 float64) func(x0, y0, x1, y1 float64) string {
	return func(x0, y0, x1, y1 float64) string {
		if x1 < 0.9 || y0 < prevY1 || y1 > 0.45 {
			return "not below the first stamp at the right edge"
		}
		return ""
	}
}

func TestAddReceiveStampVariants(t *testing.T) {
	f := loadTestFont(t)
	a4 := "/MediaBox [0 0 595.28 841.89]"
	tests := []struct {
		name string
		data func(t *testing.T) []byte
	}{
		{"classic xref, PDF 1.4", func(*testing.T) []byte { return simplePage("1.4", a4) }},
		{"PDF 1.3 letter size", func(*testing.T) []byte { return simplePage("1.3", "/MediaBox [0 0 612 792]") }},
		{"PDF 2.0", func(*testing.T) []byte { return simplePage("2.0", a4) }},
		{"rotate 90", func(*testing.T) []byte { return simplePage("1.7", a4+" /Rotate 90") }},
		{"rotate 180", func(*testing.T) []byte { return simplePage("1.7", a4+" /Rotate 180") }},
		{"rotate 270", func(*testing.T) []byte { return simplePage("1.7", a4+" /Rotate -90") }},
		{"landscape media box", func(*testing.T) []byte { return simplePage("1.7", "/MediaBox [0 0 841.89 595.28]") }},
		{"crop box offset", func(*testing.T) []byte {
			return simplePage("1.7", "/MediaBox [0 0 700 1000] /CropBox [60 90 655.28 931.89]")
		}},
		{"media box not at the origin", func(*testing.T) []byte {
			return simplePage("1.7", "/MediaBox [-300 -400 295.28 441.89]")
		}},
		{"crop box and rotate 90", func(*testing.T) []byte {
			return simplePage("1.7", "/MediaBox [0 0 700 1000] /CropBox [60 90 655.28 931.89] /Rotate 90")
		}},
		{"inherited attributes, contents array, unbalanced content", func(*testing.T) []byte {
			return buildPDF("1.6",
				"<< /Type /Catalog /Pages 2 0 R >>",
				"<< /Type /Pages /Kids [6 0 R] /Count 1 /MediaBox [0 0 595.28 841.89] /Rotate 90 /Resources 5 0 R >>",
				// An unbalanced cm and clip in the original content must not move or hide the stamp.
				stream("", "2 0 0 0.5 30 40 cm 0 0 10 10 re W n"),
				stream("", letterContent),
				"<< /Font << /F1 7 0 R >> /XObject << /SbRcv1 8 0 R >> >>",
				"<< /Type /Pages /Parent 2 0 R /Kids [9 0 R] /Count 1 /CropBox [0 0 595.28 841.89] >>",
				"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
				stream("/Type /XObject /Subtype /Form /BBox [0 0 1 1]", ""),
				"<< /Type /Page /Parent 6 0 R /Contents [3 0 R 4 0 R] >>",
			)
		}},
		{"xref stream and object streams", func(t *testing.T) []byte {
			return qpdfTransform(t, simplePage("1.7", a4), "--object-streams=generate")
		}},
		{"linearized", func(t *testing.T) []byte {
			return qpdfTransform(t, simplePage("1.7", a4), "--linearize")
		}},
		{"linearized with object streams", func(t *testing.T) []byte {
			return qpdfTransform(t, simplePage("1.7", a4), "--linearize", "--object-streams=generate")
		}},
		{"two pages", func(t *testing.T) []byte {
			return buildPDF("1.7",
				"<< /Type /Catalog /Pages 2 0 R >>",
				"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 /MediaBox [0 0 595.28 841.89] >>",
				"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
				stream("", letterContent),
				"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
				"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
			)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orig := tc.data(t)
			one, err := AddReceiveStamp(orig, stamp1, 0, f)
			if err != nil {
				t.Fatal(err)
			}
			checkStamped(t, orig, one, stamp1, topRight)
			_, _, _, firstY1, _ := diffBox(render(t, orig, 24), render(t, one, 24))
			two, err := AddReceiveStamp(one, stamp2, 1, f)
			if err != nil {
				t.Fatal(err)
			}
			checkStamped(t, one, two, stamp2, below(firstY1))
			if text := pdfText(t, two); !strings.Contains(text, stamp1.Unit) || !strings.Contains(text, stamp1.Number) {
				t.Errorf("the first stamp's text is gone after the second:\n%s", text)
			}
			if n, err := StampCount(two); err != nil || n != 2 {
				t.Errorf("StampCount = %d, %v; want 2", n, err)
			}
		})
	}
}

func TestAddReceiveStampCorpus(t *testing.T) {
	f := loadTestFont(t)
	for _, file := range corpusFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			orig, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			one, err := AddReceiveStamp(orig, stamp1, 0, f)
			if err != nil {
				t.Fatal(err)
			}
			checkStamped(t, orig, one, stamp1, nil)
			n, err := StampCount(one)
			if err != nil || n != 1 {
				t.Fatalf("StampCount = %d, %v; want 1", n, err)
			}
			two, err := AddReceiveStamp(one, stamp2, n, f)
			if err != nil {
				t.Fatal(err)
			}
			checkStamped(t, one, two, stamp2, nil)
			text := pdfText(t, two)
			for _, want := range []string{stamp1.Unit, stamp1.Number, stamp2.Unit, stamp2.Number} {
				if !strings.Contains(text, want) {
					t.Errorf("after two stamps pdftotext misses %q", want)
				}
			}
			assertNoOverlap(t, two)
		})
	}
}

// assertNoOverlap checks the recorded rectangles of all stamps on page 1.
func assertNoOverlap(t *testing.T, pdf []byte) {
	t.Helper()
	d, err := open(pdf, 0)
	if err != nil {
		t.Fatal(err)
	}
	rs := d.stampRects()
	vis := d.page1.visible()
	for i := range rs {
		if in := rs[i].intersect(vis); in != rs[i] {
			t.Errorf("stamp %d at %+v is not inside the visible page %+v", i, rs[i], vis)
		}
		for j := range i {
			if rs[i].overlaps(rs[j]) {
				t.Errorf("stamps %d and %d overlap: %+v %+v", j, i, rs[j], rs[i])
			}
		}
	}
}

func TestManyStampsNeverOverlap(t *testing.T) {
	f := loadTestFont(t)
	for attrs, least := range map[string]int{
		"/MediaBox [0 0 595.28 841.89]":             6,
		"/MediaBox [0 0 595.28 841.89] /Rotate 270": 6,
		"/MediaBox [0 0 420 595]":                   4, // A5, with some 8 cm wide stamps
	} {
		t.Run(attrs, func(t *testing.T) {
			pdf := simplePage("1.7", attrs)
			n := 0
			for ; n < 40; n++ {
				st := stamp1
				if n%3 == 1 {
					st.Unit = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาขอนแก่น เขต ๑" // wider or wrapped
				}
				out, err := AddReceiveStamp(pdf, st, n, f)
				if err != nil {
					if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "no room") {
						t.Fatalf("stamp %d: %v", n, err)
					}
					break
				}
				pdf = out
			}
			if n < least {
				t.Errorf("only %d stamps fit", n)
			}
			t.Logf("%d stamps fit", n)
			if c, _ := StampCount(pdf); c != n {
				t.Errorf("StampCount = %d, want %d", c, n)
			}
			assertNoOverlap(t, pdf)
			if code, out := qpdfCheck(t, pdf); code != 0 {
				t.Errorf("qpdf --check after %d stamps: %s", n, out)
			}
		})
	}
}

func TestSlotWithoutRecordedStamps(t *testing.T) {
	// slot counts stamps the package cannot see (stamped on paper before scanning): the new stamp
	// leaves their places free.
	f := loadTestFont(t)
	orig := simplePage("1.7", "/MediaBox [0 0 595.28 841.89]")
	out, err := AddReceiveStamp(orig, stamp1, 2, f)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := open(out, 0)
	r := d.stampRects()[0]
	if top := 841.89 - r.y1; top < 2*stampH+stampMargin {
		t.Errorf("slot 2 starts %.1f pt from the top, inside the first two places", top)
	}
}

func TestLongUnitName(t *testing.T) {
	f := loadTestFont(t)
	orig := simplePage("1.7", "/MediaBox [0 0 595.28 841.89]")
	for _, unit := range []string{
		"โรงพยาบาลส่งเสริมสุขภาพตำบลบ้านหนองบัว อำเภอเมืองขอนแก่น", // wraps at the space
		"สำนักงานปลัดกระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์",   // no space: wider, smaller
	} {
		t.Run(unit, func(t *testing.T) {
			st := stamp1
			st.Unit = unit
			out, err := AddReceiveStamp(orig, st, 0, f)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(strings.Fields(pdfText(t, out)), " ")
			for _, part := range strings.Fields(unit) {
				if !strings.Contains(text, part) {
					t.Errorf("pdftotext misses %q in %q", part, text)
				}
			}
			d, _ := open(out, 0)
			r := d.stampRects()[0]
			if r.w() < stampW-0.5 || r.w() > stampMaxW+0.5 {
				t.Errorf("stamp width %.1f", r.w())
			}
			t.Logf("stamp %.1f × %.1f pt", r.w(), r.h())
		})
	}
}

func TestBigPageGetsBiggerStamp(t *testing.T) {
	// A scan saved at its pixel size (like corpus 16.pdf, 1860 × 2632 pt) prints scaled down to
	// A4; the stamp is scaled up so that it prints at about 5 cm.
	f := loadTestFont(t)
	out, err := AddReceiveStamp(simplePage("1.3", "/MediaBox [0 0 1860.75 2631.75]"), stamp1, 0, f)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := open(out, 0)
	r := d.stampRects()[0]
	if printed := r.w() * 595.28 / 1860.75; printed < stampW-2 || printed > stampW+2 {
		t.Errorf("stamp prints %.1f pt wide on A4, want about %.1f", printed, stampW)
	}
}

func TestStampDeterministic(t *testing.T) {
	f := loadTestFont(t)
	orig, err := os.ReadFile(filepath.Join(corpusDir, "13.pdf"))
	if err != nil {
		orig = simplePage("1.7", "/MediaBox [0 0 595.28 841.89]")
	}
	a, err := AddReceiveStamp(orig, stamp1, 0, f)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := AddReceiveStamp(orig, stamp1, 0, f)
	if !bytes.Equal(a, b) {
		t.Error("two stampings of the same input differ")
	}
}

func TestStampInputErrors(t *testing.T) {
	f := loadTestFont(t)
	orig := simplePage("1.7", "/MediaBox [0 0 595.28 841.89]")
	if _, err := AddReceiveStamp(orig, ReceiveStamp{Unit: "หน่วย"}, 0, f); err == nil {
		t.Error("accepted a stamp without a number")
	}
	if _, err := AddReceiveStamp(orig, stamp1, -1, f); err == nil {
		t.Error("accepted slot -1")
	}
	st := stamp1
	st.Unit = "สำนักงาน 中文"
	_, err := AddReceiveStamp(orig, st, 0, f)
	if err == nil || !strings.Contains(err.Error(), "中文") {
		t.Errorf("a character the font lacks: %v", err)
	}
	if m := f.Missing("สวัสดี 123 ABC"); len(m) != 0 {
		t.Errorf("Missing = %q", string(m))
	}
	// Nil font means the default font.
	if _, err := AddReceiveStamp(orig, stamp1, 0, nil); err != nil {
		t.Errorf("default font: %v", err)
	}
}

func TestLoadFontErrors(t *testing.T) {
	_, err := LoadFont("/nonexistent/Laksaman.ttf")
	if err == nil || !strings.Contains(err.Error(), "fonts-thai-tlwg-ttf") {
		t.Errorf("missing font: %v", err)
	}
	p := writeTemp(t, "bad.ttf", []byte("not a font at all"))
	if _, err := LoadFont(p); err == nil {
		t.Error("accepted a non-font")
	}
	if otf, _ := filepath.Glob("/usr/share/fonts/opentype/tlwg/Laksaman.otf"); len(otf) > 0 {
		if _, err := LoadFont(otf[0]); err == nil || !strings.Contains(err.Error(), ".ttf") {
			t.Errorf("CFF font: %v", err)
		}
	}
}

// TestThaiShaping checks the contextual forms and positions HarfBuzz must produce with Laksaman.
func TestThaiShaping(t *testing.T) {
	f := loadTestFont(t)
	if f.Name() != "Laksaman" {
		t.Skipf("glyph names below are Laksaman's; font is %s", f.Name())
	}
	names := func(s string) []string {
		ln, err := f.shape(s)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range ln.glyphs {
			out = append(out, f.face.Font.GlyphName(font.GID(g.gid)))
		}
		return out
	}
	contains := func(s, glyph string) {
		t.Helper()
		for _, n := range names(s) {
			if n == glyph {
				return
			}
		}
		t.Errorf("%s: glyphs %v lack %s", s, names(s), glyph)
	}
	contains("ผู้ว่า", "uni0E49.low") // tone mark lowered when no upper vowel
	contains("ผู้ว่า", "uni0E48.low")
	contains("ญู", "uni0E0D.descless") // ญ loses its tail above a lower vowel
	contains("ฐุ", "uni0E10.descless")
	// HarfBuzz splits SARA AM into NIKHAHIT + SARA AA; where the parts sit as in the font's own
	// SARA AM glyph they are drawn as that glyph (so that extraction gives ำ), with a tone mark
	// kept above (น้ำ); over a tall consonant the shifted parts stay apart.
	contains("สำนัก", "uni0E33")
	if n := names("น้ำ"); strings.Join(n, " ") != "uni0E19 uni0E49 uni0E33" {
		t.Errorf("น้ำ: %v", n)
	}
	contains("ปำ", "uni0E4D")
	// Marks over a tall consonant move left.
	ln, _ := f.shape("ปั่น")
	if ln.glyphs[1].x >= ln.glyphs[0].x+f.width1000(ln.glyphs[0].gid) || ln.glyphs[2].x >= ln.glyphs[0].x+f.width1000(ln.glyphs[0].gid) {
		t.Errorf("ปั่น: marks not moved left: %+v", ln.glyphs)
	}
	// Stacked marks: the tone mark sits higher than the vowel below it (ที่ uses a raised form
	// through the glyph itself; what matters is that both are drawn, in order).
	if n := names("ปฏิบัติ"); len(n) != 7 {
		t.Errorf("ปฏิบัติ: %v", n)
	}
}

func TestSubsetFont(t *testing.T) {
	f := loadTestFont(t)
	ln, err := f.shape(stamp1.Unit + stamp1.Number + stamp1.Date + stamp1.Time)
	if err != nil {
		t.Fatal(err)
	}
	used := map[uint16]bool{}
	for _, g := range ln.glyphs {
		used[g.gid] = true
	}
	sub, err := f.subsetTrueType(used)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("subset %d bytes (%d glyphs), compressed %d", len(sub), len(used), len(deflate(sub)))
	if len(deflate(sub)) > 6<<10 {
		t.Errorf("compressed subset is %d bytes", len(deflate(sub)))
	}
	face, err := font.ParseTTF(bytes.NewReader(sub))
	if err != nil {
		t.Fatalf("the subset does not parse: %v", err)
	}
	for g := range used {
		a, _ := f.face.GlyphData(font.GID(g)).(font.GlyphOutline)
		b, _ := face.GlyphData(font.GID(g)).(font.GlyphOutline)
		if len(a.Segments) == 0 && g != 3 || len(a.Segments) != len(b.Segments) {
			t.Errorf("glyph %d: %d segments in the font, %d in the subset", g, len(a.Segments), len(b.Segments))
		}
	}
}

// shrinkPNG re-encodes a rendering with a 256-colour palette (grays and blues, which is all a
// letter with a blue stamp needs) so that the pictures in docs stay small.
func shrinkPNG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var pal color.Palette
	for i := 0; i < 64; i++ { // grays
		v := uint8(i * 255 / 63)
		pal = append(pal, color.RGBA{v, v, v, 255})
	}
	for i := 0; i < 192; i++ { // from white through the stamp ink to dark blue, and a few reds
		switch {
		case i < 96: // white → ink (28, 61, 176)
			k := float64(i+1) / 96
			pal = append(pal, color.RGBA{uint8(255 - k*(255-28)), uint8(255 - k*(255-61)), uint8(255 - k*(255-176)), 255})
		case i < 160: // ink → navy
			k := float64(i-95) / 64
			pal = append(pal, color.RGBA{uint8(28 - k*20), uint8(61 - k*40), uint8(176 - k*100), 255})
		default: // pale to strong red, for red ink on letters
			k := float64(i-159) / 32
			pal = append(pal, color.RGBA{uint8(255 - k*60), uint8(255 - k*215), uint8(255 - k*215), 255})
		}
	}
	dst := image.NewPaletted(src.Bounds(), pal)
	draw.Draw(dst, dst.Bounds(), src, src.Bounds().Min, draw.Src)
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, dst); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDocImages renders the pictures for docs/img when run with -docimg.
func TestDocImages(t *testing.T) {
	if !*writeDocImages {
		t.Skip("run with -docimg to write ../docs/img")
	}
	f := loadTestFont(t)
	orig, err := os.ReadFile(filepath.Join(corpusDir, "03.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	one, err := AddReceiveStamp(orig, stamp1, 0, f)
	if err != nil {
		t.Fatal(err)
	}
	two, err := AddReceiveStamp(one, stamp2, 1, f)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := filepath.Abs("../docs/img")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := func(pdf []byte, name string, args ...string) {
		p := writeTemp(t, "doc.pdf", pdf)
		out := filepath.Join(dir, name)
		args = append([]string{"-png", "-singlefile", "-f", "1", "-l", "1"}, args...)
		cmd := exec.Command("pdftoppm", append(args, p, strings.TrimSuffix(out, ".png"))...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, msg)
		}
		shrinkPNG(t, out)
		st, _ := os.Stat(out)
		t.Logf("%s: %d bytes", out, st.Size())
	}
	shot(one, "receive-stamp.png", "-r", "100")
	shot(two, "receive-stamp-2.png", "-r", "100")
	// Close-up of both stamps at 200 dpi: x, y, W, H in pixels at that resolution.
	shot(two, "receive-stamp-closeup.png", "-r", "200", "-x", "1170", "-y", "25", "-W", "470", "-H", "450")
}

func TestConcurrentStamping(t *testing.T) {
	// One *Font serves every activity worker at once.
	f := loadTestFont(t)
	orig := simplePage("1.7", "/MediaBox [0 0 595.28 841.89]")
	want, err := AddReceiveStamp(orig, stamp1, 0, f)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			got, err := AddReceiveStamp(orig, stamp1, 0, f)
			if err == nil && !bytes.Equal(got, want) {
				err = errors.New("concurrent stamping gave different bytes")
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func FuzzAddReceiveStamp(f *testing.F) {
	f.Add(simplePage("1.7", "/MediaBox [0 0 595 842]"), 0)
	f.Add(simplePage("1.3", "/MediaBox [0 0 612 792] /CropBox [10 10 600 780] /Rotate 270"), 1)
	fnt, err := LoadDefaultFont()
	if err != nil {
		f.Skip(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, slot int) {
		slot = slot & 7
		out, err := AddReceiveStamp(data, stamp1, slot, fnt)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(out, data) {
			t.Fatal("original is not a prefix")
		}
		if _, err := Inspect(out, 0); err != nil {
			t.Fatalf("the stamped file does not pass Inspect: %v", err)
		}
	})
}
