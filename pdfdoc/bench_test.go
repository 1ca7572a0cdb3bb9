package pdfdoc

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// benchPDF returns a letter of about 200 KB: corpus letters 03 and 08 (Word output) merged by
// qpdf into one two-page file, and the hybrid-xref Word original 08 for comparison.
func benchPDF(b *testing.B) []byte {
	b.Helper()
	a, err1 := os.ReadFile(filepath.Join(corpusDir, "03.pdf"))
	c, err2 := os.ReadFile(filepath.Join(corpusDir, "08.pdf"))
	if err1 != nil || err2 != nil {
		b.Skip("corpus not found")
	}
	needTool(b, "qpdf", "qpdf")
	in1 := writeTemp(b, "a.pdf", a)
	in2 := writeTemp(b, "c.pdf", c)
	out := filepath.Join(b.TempDir(), "merged.pdf")
	if msg, err := exec.Command("qpdf", "--empty", "--pages", in1, in2, "--", out).CombinedOutput(); err != nil {
		b.Fatalf("qpdf: %v %s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkInspect(b *testing.B) {
	data := benchPDF(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Inspect(data, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAddReceiveStamp(b *testing.B) {
	data := benchPDF(b)
	f := loadTestFont(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := AddReceiveStamp(data, stamp1, 0, f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInspectWordHybrid(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(corpusDir, "08.pdf"))
	if err != nil {
		b.Skip("corpus not found")
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Inspect(data, 0); err != nil {
			b.Fatal(err)
		}
	}
}
