package pdfdoc

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// threePages is a PDF whose pages differ in every way the watermark must honour: a plain A4
// page, a page turned by /Rotate 90, and a page with a crop box and a media box inherited from
// its page-tree node.
func threePages() []byte {
	return buildPDF("1.7",
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 6 0 R 7 0 R] /Count 3 /MediaBox [0 0 595.28 841.89] /Resources << /Font << /F1 5 0 R >> >> >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		stream("", letterContent),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Type /Page /Parent 2 0 R /Rotate 90 /Contents 4 0 R >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 700 1000] /CropBox [60 90 655.28 931.89] /Contents 4 0 R >>",
	)
}

var wmLines = []string{"นายสุจิต ใจดี", "๙ ต.ค. ๒๕๖๗ ๑๑.๕๖ น.", "ลับมาก"}

// pageText extracts one page's text with poppler.
func pageText(t *testing.T, data []byte, page int) string {
	t.Helper()
	needTool(t, "pdftotext", "poppler-utils")
	p := writeTemp(t, "text.pdf", data)
	out, err := exec.Command("pdftotext", "-q", "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// renderPage draws one page (crop box, rotation applied) with poppler.
func renderPage(t *testing.T, data []byte, page, dpi int) []byte {
	t.Helper()
	needTool(t, "pdftoppm", "poppler-utils")
	p := writeTemp(t, "render.pdf", data)
	root := strings.TrimSuffix(p, ".pdf")
	out, err := exec.Command("pdftoppm", "-q", "-cropbox", "-png", "-r", fmt.Sprint(dpi), "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-singlefile", p, root).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	return readFile(t, root+".png")
}

func TestWatermarkEveryPage(t *testing.T) {
	f := loadTestFont(t)
	in := threePages()
	out, err := Watermark(in, wmLines, f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, in) {
		t.Fatal("the watermark must be an incremental update: the original bytes are not a prefix")
	}
	info, err := Inspect(out, 0)
	if err != nil || info.Pages != 3 || info.Revisions != 2 {
		t.Fatalf("inspect: %+v %v (want 3 pages, 2 revisions: ONE update)", info, err)
	}
	if code, msg := qpdfCheck(t, out); code != 0 {
		t.Fatalf("qpdf --check: %d\n%s", code, msg)
	}
	mutoolRender(t, out)
	for page := 1; page <= 3; page++ {
		txt := pageText(t, out, page)
		if !strings.Contains(txt, "นายสุจิต ใจดี") || !strings.Contains(txt, "ลับมาก") || !strings.Contains(txt, "Letter text") {
			t.Errorf("page %d: the viewer's name, the class or the letter's own text is not extractable:\n%s", page, txt)
		}
		before, after := decodePNG(t, renderPage(t, in, page, 30)), decodePNG(t, renderPage(t, out, page, 30))
		x0, y0, x1, y1, changed := diffBox(before, after)
		if !changed {
			t.Fatalf("page %d: nothing was drawn", page)
		}
		// The diagonal crosses the middle and reaches far towards the corners; the foot line is
		// at the bottom of the page as seen.
		if x0 > 0.25 || x1 < 0.75 || y0 > 0.25 || y1 < 0.95 {
			t.Errorf("page %d: the watermark covers only x %.2f–%.2f, y %.2f–%.2f of the visible page", page, x0, x1, y0, y1)
		}
	}
	again, err := Watermark(in, wmLines, f)
	if err != nil || !bytes.Equal(again, out) {
		t.Error("the watermark is not deterministic")
	}
	// A watermark on a watermarked (or stamped, or signed) file is one more update after it.
	twice, err := Watermark(out, []string{"นางสาวปณิศา"}, f)
	if err != nil || !bytes.HasPrefix(twice, out) {
		t.Fatalf("second watermark: %v", err)
	}
	if _, err := Watermark(in, []string{" ", ""}, f); err == nil {
		t.Error("a watermark without text was accepted")
	}
}

func TestWatermarkKeepsStampAndCorpus(t *testing.T) {
	f := loadTestFont(t)
	files := corpusFiles(t)
	if len(files) > 4 {
		files = files[:4]
	}
	for _, p := range files {
		t.Run(filepath.Base(p), func(t *testing.T) {
			orig := readFile(t, p)
			stamped, err := AddReceiveStamp(orig, ReceiveStamp{Unit: "สำนักงานที่ดินจังหวัดสงขลา", Number: "๑๒", Date: "๙ ต.ค. ๒๕๖๗", Time: "๑๑.๕๖ น."}, 0, f)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Watermark(stamped, wmLines, f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(out, stamped) {
				t.Fatal("the stamped revision is not a prefix of the watermarked copy")
			}
			if code, msg := qpdfCheck(t, out); code != 0 {
				t.Fatalf("qpdf --check: %d\n%s", code, msg)
			}
			if n, err := StampCount(out); err != nil || n != 1 {
				t.Errorf("the stamp is no longer found after the watermark: %d %v", n, err)
			}
			if txt := pdfText(t, out); !strings.Contains(txt, "นายสุจิต ใจดี") || !strings.Contains(txt, "๑๒") {
				t.Errorf("text after the watermark:\n%s", txt)
			}
		})
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}
