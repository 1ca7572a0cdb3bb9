package extract

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkExtractText parses each corpus letter file (text, several letters per file).
func BenchmarkExtractText(b *testing.B) {
	dir := corpusDir(b)
	files, _ := filepath.Glob(filepath.Join(dir, "letters", "*.txt"))
	pub, _ := filepath.Glob(filepath.Join(dir, "public-letters", "*.txt"))
	for _, p := range append(files, pub...) {
		if strings.HasSuffix(p, ".ocr.txt") {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		text := string(data)
		b.Run(filepath.Base(filepath.Dir(p))+"/"+filepath.Base(p), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			n := 0
			for i := 0; i < b.N; i++ {
				n = len(ExtractText(text, Options{Now: testNow}).Letters)
			}
			b.ReportMetric(float64(n), "letters")
		})
	}
}

// BenchmarkOCRPage reads one rendered A4 page (the memo form with dotted guide lines) at 300 dpi:
// clean-up, header and body through tesseract, then parsing; and the same page without clean-up.
func BenchmarkOCRPage(b *testing.B) {
	needOCR(b)
	img := renderPage(b, memoPage, 300)
	for _, pre := range []bool{true, false} {
		name := "preprocessed"
		if !pre {
			name = "raw"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			for i := 0; i < b.N; i++ {
				txt, err := OCRImage(context.Background(), Options{NoPreprocess: !pre}, img, 300, filepath.Join(dir, "p"))
				if err != nil {
					b.Fatal(err)
				}
				ExtractText(txt, Options{Now: testNow, OCRText: true})
			}
		})
	}
}

// BenchmarkPreprocess is the Go image clean-up alone (binarise, rules, components, dots).
func BenchmarkPreprocess(b *testing.B) {
	needOCR(b)
	img := renderPage(b, memoPage, 300)
	w, h, pix := grayOf(img)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bm := binarize(w, h, pix, 300)
		removeRules(bm, 300)
		cleanComponents(bm, 300)
		headerSplit(bm)
	}
}
