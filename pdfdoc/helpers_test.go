package pdfdoc

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/saraban/saraban/internal/corpus"
)

// corpusDir is the shared corpus's public letters: SARABAN_CORPUS/public-letters, or
// ../shared/corpus/public-letters beside the checkout (where CI puts it).
var corpusDir = func() string {
	if d := os.Getenv("SARABAN_CORPUS"); d != "" {
		return filepath.Join(d, "public-letters")
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "shared", "corpus", "public-letters")
}()

// buildPDF writes a minimal PDF by hand: objects 1..n from bodies (object 1 must be the catalog),
// a classic cross-reference table with exact offsets, and a trailer. Test PDFs are built this way
// so that each structural variant (version, inheritance, rotation, boxes) is explicit.
func buildPDF(version string, bodies ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n", version)
	offs := make([]int, len(bodies))
	for i, body := range bodies {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(bodies)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /ID [<00112233445566778899AABBCCDDEEFF><00112233445566778899AABBCCDDEEFF>] >>\nstartxref\n%d\n%%%%EOF\n", len(bodies)+1, xref)
	return b.Bytes()
}

// stream returns an indirect stream object body.
func stream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// letterContent draws a line of text near the top left and a frame, like a letter page.
const letterContent = "BT /F1 18 Tf 72 720 Td (Letter text) Tj ET 0.5 w 50 50 m 300 50 l S"

// simplePage returns a one-page PDF with the given page attributes.
func simplePage(version, pageAttrs string) []byte {
	return buildPDF(version,
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R "+pageAttrs+" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		stream("", letterContent),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	)
}

func needTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		corpus.Missing(t, "%s not installed (Debian package %s; `make up` installs it)", name, pkg)
	}
	return p
}

// writeTemp writes data to a file in the test's temporary directory.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// qpdfTransform runs qpdf with args on data and returns the output file's bytes.
func qpdfTransform(t testing.TB, data []byte, args ...string) []byte {
	t.Helper()
	needTool(t, "qpdf", "qpdf")
	in := writeTemp(t, "in.pdf", data)
	out := filepath.Join(filepath.Dir(in), "out.pdf")
	cmd := exec.Command("qpdf", append(append(args, in), out)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 { // 3: warnings only
			t.Fatalf("qpdf %v: %v\n%s", args, err, msg)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// qpdfCheck runs qpdf --check and returns its exit code and output.
func qpdfCheck(t testing.TB, data []byte) (int, string) {
	t.Helper()
	needTool(t, "qpdf", "qpdf")
	p := writeTemp(t, "check.pdf", data)
	out, err := exec.Command("qpdf", "--check", p).CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatal(err)
	}
	return 0, string(out)
}

// pdfText extracts page 1's text with poppler.
func pdfText(t testing.TB, data []byte) string {
	t.Helper()
	needTool(t, "pdftotext", "poppler-utils")
	p := writeTemp(t, "text.pdf", data)
	out, err := exec.Command("pdftotext", "-q", "-f", "1", "-l", "1", "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// render draws page 1 with poppler at dpi and decodes the PNG.
func render(t testing.TB, data []byte, dpi int) image.Image {
	t.Helper()
	needTool(t, "pdftoppm", "poppler-utils")
	p := writeTemp(t, "render.pdf", data)
	root := strings.TrimSuffix(p, ".pdf")
	if msg, err := exec.Command("pdftoppm", "-q", "-cropbox", "-png", "-r", fmt.Sprint(dpi), "-f", "1", "-l", "1", "-singlefile", p, root).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, msg)
	}
	out, err := os.ReadFile(root + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("decode render: %v", err)
	}
	return img
}

// mutoolRender checks that MuPDF renders page 1 without errors.
func mutoolRender(t testing.TB, data []byte) {
	t.Helper()
	needTool(t, "mutool", "mupdf-tools")
	p := writeTemp(t, "mu.pdf", data)
	out := filepath.Join(filepath.Dir(p), "mu.png")
	msg, err := exec.Command("mutool", "draw", "-q", "-r", "30", "-o", out, p, "1").CombinedOutput()
	if err != nil {
		t.Fatalf("mutool draw: %v\n%s", err, msg)
	}
	for _, l := range strings.Split(string(msg), "\n") {
		if strings.Contains(l, "error") {
			t.Fatalf("mutool draw reports: %s", msg)
		}
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		t.Fatalf("mutool produced no image")
	}
}

// diffBox returns the bounding box of the pixels that differ between two renders, as fractions
// of the image size (x to the right, y down), and whether any differ.
func diffBox(a, b image.Image) (x0, y0, x1, y1 float64, ok bool) {
	r := a.Bounds()
	if b.Bounds() != r {
		return 0, 0, 1, 1, true
	}
	minX, minY, maxX, maxY := r.Max.X, r.Max.Y, -1, -1
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ar, ag, ab, _ := a.At(x, y).RGBA()
			br, bg, bb, _ := b.At(x, y).RGBA()
			if absDiff(ar, br)+absDiff(ag, bg)+absDiff(ab, bb) > 3*0x2000 {
				minX, minY = min(minX, x), min(minY, y)
				maxX, maxY = max(maxX, x), max(maxY, y)
			}
		}
	}
	if maxX < 0 {
		return 0, 0, 0, 0, false
	}
	w, h := float64(r.Dx()), float64(r.Dy())
	return float64(minX) / w, float64(minY) / h, float64(maxX+1) / w, float64(maxY+1) / h, true
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

var (
	testFontOnce sync.Once
	testFont     *Font
	testFontErr  error
)

func loadTestFont(t testing.TB) *Font {
	t.Helper()
	testFontOnce.Do(func() {
		p, err := DefaultFontPath()
		if err != nil {
			testFontErr = err
			return
		}
		testFont, testFontErr = LoadFont(p)
	})
	if testFontErr != nil {
		corpus.Missing(t, "no Thai font: %v", testFontErr)
	}
	return testFont
}

func corpusFiles(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.pdf"))
	if len(files) == 0 {
		corpus.Missing(t, "corpus not found at %s", corpusDir)
	}
	return files
}
