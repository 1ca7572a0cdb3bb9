package signing

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var writeDocImages = flag.Bool("docimg", false, "write ../docs/img/signature-appearance.png")

// scribble draws a blue handwritten-looking stroke on a transparent background.
func scribble() image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, 300, 100))
	ink := color.NRGBA{20, 40, 150, 255}
	for t := 0.0; t < 1; t += 0.0005 {
		x := 20 + 260*t
		y := 50 + 30*math.Sin(t*18)*math.Exp(-t*1.5) - 10*math.Cos(t*7)
		for dx := -1.5; dx <= 1.5; dx++ {
			for dy := -1.5; dy <= 1.5; dy++ {
				img.Set(int(x+dx), int(y+dy), ink)
			}
		}
	}
	return img
}

func TestThaiDate(t *testing.T) {
	d := time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC) // 03:00 on the 6th in Bangkok
	if got := ThaiDate(d, false); got != "๖ ธันวาคม ๒๕๖๙" {
		t.Fatal(got)
	}
	if got := ThaiDate(d, true); got != "6 ธันวาคม 2569" {
		t.Fatal(got)
	}
	b := Block{Name: " นายอภิชาติ สารบรรณ ", Position: []string{"รองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน"}, Capacity: []string{"ผู้ว่าราชการจังหวัดสงขลา"}, Date: d}
	want := []string{"(นายอภิชาติ สารบรรณ)", "รองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา", "๖ ธันวาคม ๒๕๖๙"}
	if got := b.Lines(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("%q", got)
	}
}

// TestVisibleAppearance signs a corpus letter with a visible Thai signature block and image,
// checks it with every verifier and renders it with poppler: the box must be drawn where asked.
func TestVisibleAppearance(t *testing.T) {
	p := getPKI(t)
	needTool(t, "pdftoppm")
	files := corpusFiles(t)
	in, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	rect := [4]float64{300, 40, 560, 170}
	out, err := Sign(in, p.rsa, Options{Time: testTime, Reason: "ลงนามหนังสือ", Visible: &Visible{
		Page: 1, Rect: rect, Image: scribble(),
		Block: Block{Name: "นายอภิชาติ สารบรรณ", Position: []string{"รองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน"},
			Capacity: []string{"ผู้ว่าราชการจังหวัดสงขลา"}, Date: testTime},
	}})
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, out, 1)
	mutoolCheck(t, out, 1)

	dir := t.TempDir()
	if *writeDocImages {
		dir, _ = filepath.Abs("../docs/img")
		os.MkdirAll(dir, 0o755)
	}
	f := writeTemp(t, "v.pdf", out)
	base := filepath.Join(dir, "signature-appearance")
	// 110 dpi; crop to the box and a margin (pixels = points × 110/72).
	k := 110.0 / 72
	page := 842.0
	x, y := int((rect[0]-20)*k), int((page-rect[3]-20)*k)
	w, h := int((rect[2]-rect[0]+40)*k), int((rect[3]-rect[1]+40)*k)
	cmd := exec.Command("pdftoppm", "-png", "-r", "110", "-singlefile", "-f", "1", "-l", "1",
		"-x", itoa(x), "-y", itoa(y), "-W", itoa(w), "-H", itoa(h), f, base)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, b)
	}
	b, err := os.ReadFile(base + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// The box's text and image: dark pixels inside, in the upper (image) and lower (text) parts.
	dark := func(y0, y1 int) int {
		n := 0
		for yy := y0; yy < y1; yy++ {
			for xx := img.Bounds().Min.X; xx < img.Bounds().Max.X; xx++ {
				r, g, bl, _ := img.At(xx, yy).RGBA()
				if r+g+bl < 3*0x8000 {
					n++
				}
			}
		}
		return n
	}
	mid := img.Bounds().Dy() / 2
	if dark(0, mid) < 200 || dark(mid, img.Bounds().Dy()) < 200 {
		t.Fatalf("the signature box looks empty (%d, %d dark pixels)", dark(0, mid), dark(mid, img.Bounds().Dy()))
	}
	if *writeDocImages {
		shrinkPNG(t, base+".png", img)
	}
}

func itoa(i int) string { return formatInt(i) }

func formatInt(i int) string {
	var b [20]byte
	n := len(b)
	neg := i < 0
	if neg {
		i = -i
	}
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

// shrinkPNG re-encodes the rendering with a small palette so that the picture in docs stays small.
func shrinkPNG(t *testing.T, path string, src image.Image) {
	var pal color.Palette
	for i := 0; i < 128; i++ {
		v := uint8(i * 255 / 127)
		pal = append(pal, color.RGBA{v, v, v, 255})
	}
	for i := 0; i < 128; i++ { // white → signature ink blue
		k := float64(i+1) / 128
		pal = append(pal, color.RGBA{uint8(255 - k*(255-20)), uint8(255 - k*(255-40)), uint8(255 - k*(255-150)), 255})
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
	t.Logf("%s: %d bytes", path, out.Len())
}
