package pdfdoc

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/saraban/saraban/internal/samplepdf"
)

func parseWithPdfcpu(s *string) (types.Object, error) { return model.ParseObject(s) }

// The lazy reader (lazy.go) must give the same signed bytes as pdfcpu's whole-document parse, on
// every kind of input, and fall back to it for what it does not handle.

const testSigDict = "<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached\n/ByteRange [0 1111111111 2222222222 3333333333]\n/Contents <00000000>\n>>"

// formTree is three pages in a nested tree with inherited boxes and rotation, a form with a text
// field already called Signature1, and an indirect /Annots array on one page.
func formTree(indirectForm bool) []byte {
	cat := "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [7 0 R] /DA (/Helv 0 Tf 0 g) >> >>"
	if indirectForm {
		cat = "<< /Type /Catalog /Pages 2 0 R /AcroForm 10 0 R >>"
	}
	return buildPDF("1.6",
		cat,
		"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 3 /MediaBox [0 0 595.28 841.89] /Rotate 90 >>",
		"<< /Type /Pages /Parent 2 0 R /Kids [5 0 R 6 0 R] /Count 2 /CropBox [10 10.5 500 800] >>",
		"<< /Type /Page /Parent 2 0 R /Contents 8 0 R /Annots 9 0 R >>",
		"<< /Type /Page /Parent 3 0 R /Contents 8 0 R /Rotate -270 /Resources << /Font << /F1 12 0 R >> >> >>",
		"<< /Type /Page /Parent 3 0 R /Contents 8 0 R /Annots [] /MediaBox [0 0 612 792] /Resources 13 0 R >>",
		"<< /FT /Tx /T (Signature1) /Rect [0 0 100 20] /P 5 0 R /Type /Annot /Subtype /Widget >>",
		stream("", letterContent),
		"[]",
		"<< /Fields 11 0 R /DA (/Helv 0 Tf 0 g) /NeedAppearances true >>",
		"[7 0 R 14 0 R]",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Font << /F1 12 0 R >> /ProcSet [/PDF /Text] >>",
		"<< /FT /Tx /T <FEFF0E2A0E32> /V (a\\(b\\)c) /Rect [0 0 0 0] /Ff 0 /Opt [1 -2 +3 4.5 -.5 .25 5. null true false] >>",
	)
}

// lazyInputs are the documents the lazy reader must read without falling back.
func lazyInputs(t *testing.T) map[string][]byte {
	m := map[string][]byte{
		"simple":           simplePage("1.7", "/MediaBox [0 0 595 842]"),
		"rotated-crop":     simplePage("1.4", "/MediaBox [0 0 600 800] /CropBox [50 100 550 700] /Rotate 270"),
		"sample-100k":      samplepdf.Letter(1, 100<<10),
		"form-tree":        formTree(false),
		"form-tree-ind":    formTree(true),
		"objstm":           qpdfTransform(t, samplepdf.Letter(2, 30000), "--object-streams=generate"),
		"objstm-form-tree": qpdfTransform(t, formTree(true), "--object-streams=generate"),
		"objstm-2.0":       qpdfTransform(t, formTree(false), "--object-streams=generate", "--force-version=2.0"),
	}
	// Incremental updates: a receive stamp, then a signature field, on classic and stream files.
	font := loadTestFont(t)
	for _, name := range []string{"form-tree", "objstm-form-tree"} {
		st, err := AddReceiveStamp(m[name], ReceiveStamp{Unit: "หน่วย", Number: "12"}, 0, font)
		if err != nil {
			t.Fatal(err)
		}
		m[name+"-stamped"] = st
		sg, err := AddSignatureField(st, SignatureField{Reader: ReaderFull}, []byte(testSigDict))
		if err != nil {
			t.Fatal(err)
		}
		m[name+"-stamped-signed"] = sg
	}
	for _, f := range corpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Inspect(b, 0); err != nil {
			continue
		}
		m["corpus-"+filepath.Base(f)] = b
	}
	return m
}

func compareReaders(t *testing.T, in []byte, f SignatureField) {
	t.Helper()
	f.Reader = ReaderFull
	full, errF := AddSignatureField(in, f, []byte(testSigDict))
	f.Reader = ReaderLazy
	lazy, errL := AddSignatureField(in, f, []byte(testSigDict))
	if errF != nil || errL != nil {
		if errF == nil || errL == nil {
			t.Fatalf("full: %v; lazy: %v", errF, errL)
		}
		return // both refuse (e.g. a page that does not exist)
	}
	if !bytes.Equal(full, lazy) {
		i := 0
		for i < len(full) && i < len(lazy) && full[i] == lazy[i] {
			i++
		}
		t.Fatalf("the readers differ from byte %d:\nfull: %q\nlazy: %q", i,
			full[max(0, i-80):min(len(full), i+200)], lazy[max(0, i-80):min(len(lazy), i+200)])
	}
	f.Reader = ReaderAuto
	auto, err := AddSignatureField(in, f, []byte(testSigDict))
	if err != nil || !bytes.Equal(auto, lazy) {
		t.Fatalf("auto: %v", err)
	}
}

func TestLazyMatchesFull(t *testing.T) {
	font := loadTestFont(t)
	ap := &SignatureAppearance{Lines: []string{"(นายทดสอบ ระบบ)", "ผู้อำนวยการ"}, Font: font}
	fields := map[string]SignatureField{
		"invisible":       {},
		"last-visible":    {Page: -1, Rect: [4]float64{300, 40, 560, 170}, Appearance: ap},
		"page2-place":     {Page: 2, Place: func(w, h float64) [4]float64 { return [4]float64{w * .4, h * .1, w * .8, h * .3} }, Appearance: ap},
		"page3-invisible": {Page: 3},
	}
	for name, in := range lazyInputs(t) {
		t.Run(name, func(t *testing.T) {
			for fname, f := range fields {
				t.Run(fname, func(t *testing.T) { compareReaders(t, in, f) })
			}
		})
	}
}

// TestLazySequential signs the output of the lazy path again (three times), classic and stream.
func TestLazySequential(t *testing.T) {
	for name, in := range map[string][]byte{
		"classic": formTree(true),
		"objstm":  qpdfTransform(t, formTree(true), "--object-streams=generate"),
	} {
		t.Run(name, func(t *testing.T) {
			doc := in
			for i := range 3 {
				compareReaders(t, doc, SignatureField{Page: -1})
				out, err := AddSignatureField(doc, SignatureField{Page: -1, Reader: ReaderLazy}, []byte(testSigDict))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(out, doc) {
					t.Fatal("not an incremental update")
				}
				if !bytes.Contains(out[len(doc):], []byte("(Signature"+string(rune('2'+i))+")")) {
					t.Fatalf("signature %d: field name not unique:\n%s", i, out[len(doc):])
				}
				doc = out
			}
			if code, msg := qpdfCheck(t, doc); code != 0 {
				t.Fatalf("qpdf --check: %d\n%s", code, msg)
			}
		})
	}
}

// TestLazyFallback: inputs the lazy reader does not handle make it bail, and AddSignatureField
// then gives exactly what the whole-document path gives.
func TestLazyFallback(t *testing.T) {
	page := "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
	tests := map[string][]byte{
		"comment in the catalog": buildPDF("1.7",
			"<< /Type /Catalog % a comment\n /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, stream("", letterContent)),
		"hex field name with spaces": buildPDF("1.7",
			"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] >> >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, stream("", letterContent),
			"<< /FT /Tx /T <FEFF 0041 0042> >>"),
		"page node without /Type": buildPDF("1.7",
			"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [5 0 R] /Count 1 >>", page, stream("", letterContent),
			"<< /Kids [3 0 R] /Count 1 /Parent 2 0 R >>"),
		"pages with a wrong /Count": buildPDF("1.7",
			"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [5 0 R 3 0 R] /Count 2 >>", page, stream("", letterContent),
			"<< /Type /Pages /Kids [6 0 R] /Count 0 /Parent 2 0 R >>", page),
		"stream where a dictionary is expected": buildPDF("1.7",
			"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, stream("/T (Signature1)", letterContent)),
		"capitalised keyword": buildPDF("1.7",
			"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] >> >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, stream("", letterContent),
			"<< /FT /Tx /T (x) /V NULL >>"),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, errL := AddSignatureField(in, SignatureField{Page: -1, Reader: ReaderLazy}, []byte(testSigDict))
			if !isLazyBail(errL) {
				t.Fatalf("the lazy reader did not bail: %v", errL)
			}
			t.Logf("bail: %v", errL)
			full, errF := AddSignatureField(in, SignatureField{Page: -1, Reader: ReaderFull}, []byte(testSigDict))
			auto, errA := AddSignatureField(in, SignatureField{Page: -1}, []byte(testSigDict))
			if (errF == nil) != (errA == nil) || errF != nil && errF.Error() != errA.Error() || !bytes.Equal(full, auto) {
				t.Fatalf("fallback differs from the whole-document path: %v / %v", errF, errA)
			}
			if errF != nil {
				t.Logf("both refuse: %v", errF)
			}
		})
	}
}

// TestLazyParser compares the parser with pdfcpu's on objects it accepts.
func TestLazyParser(t *testing.T) {
	for _, s := range []string{
		"<< /A 1 /B -2 /C +3 /D 4.5 /E -.5 /F .25 /G 5. /H null /I true /J false /K [1 2 R 3 0 R] /L (a(b)\\)c) /M <ab01> /N /x#20y /O <<>> /P [] /Q 007 /R -0 >>",
		"[/Name/Other(x)<00>[1]<</a 1>>]",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595.28 841.89]/Annots[5 0 R 6 0 R]>>",
		"12 0 R", "12 0", "(\\\\)", "<>", "[1 0 obj]",
	} {
		p := lazyParser{b: []byte(s), end: len(s)}
		got, _, err := p.value(0, 0)
		if strings.Contains(s, "obj") {
			if err == nil {
				t.Errorf("%q accepted", s)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		rest := s
		want, err := parseWithPdfcpu(&rest)
		if err != nil {
			t.Fatal(err)
		}
		if writeString(got) != writeString(want) {
			t.Errorf("%q:\nlazy   %s\npdfcpu %s", s, writeString(got), writeString(want))
		}
	}
}

// BenchmarkAddSignatureField: the PDF side of a signature, lazy reader against pdfcpu's parse.
func BenchmarkAddSignatureField(b *testing.B) {
	dict := []byte(strings.Replace(testSigDict, "00000000", strings.Repeat("0", 8000), 1))
	for _, size := range []int{100 << 10, 5 << 20} {
		pdf := samplepdf.Letter(1, size)
		for _, r := range []struct {
			name string
			r    SignatureReader
		}{{"lazy", ReaderAuto}, {"pdfcpu", ReaderFull}} {
			b.Run(fmt.Sprintf("%s/%dKB", r.name, size>>10), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := AddSignatureField(pdf, SignatureField{Reader: r.r}, dict); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestLazyMutations flips bytes of small inputs and checks that whenever both readers accept the
// result they write the same bytes, and that neither panics. (The lazy reader may accept a file
// whose damage lies in objects a signature never reads; pdfcpu then refuses it.)
func TestLazyMutations(t *testing.T) {
	seeds := [][]byte{formTree(false), formTree(true), simplePage("1.7", "/MediaBox [0 0 595 842] /Rotate 90")}
	if testing.Short() {
		seeds = seeds[:1]
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = " \n()<>[]{}/%#R0123456789.-+aefnlrstuxABCDEF\\"
	var both, lazyOnly, fullOnly int
	for _, seed := range seeds {
		body := bytes.LastIndex(seed, []byte("\nxref\n"))
		for range 1000 {
			in := bytes.Clone(seed)
			for range 1 + rng.IntN(3) {
				in[20+rng.IntN(body-20)] = alphabet[rng.IntN(len(alphabet))]
			}
			f := SignatureField{Page: -1}
			f.Reader = ReaderFull
			full, errF := AddSignatureField(in, f, []byte(testSigDict))
			f.Reader = ReaderLazy
			lazy, errL := AddSignatureField(in, f, []byte(testSigDict))
			switch {
			case errF == nil && errL == nil:
				both++
				if !bytes.Equal(full, lazy) {
					t.Fatalf("the readers differ on\n%s", in[:body])
				}
			case errL == nil:
				lazyOnly++
				if lazyOnly < 6 {
					t.Logf("lazy only (pdfcpu: %v):\n%s", errF, diffLines(seed[:body], in[:body]))
				}
			case errF == nil:
				fullOnly++
			}
		}
	}
	t.Logf("both signed %d, lazy only %d, pdfcpu only (lazy fell back) %d", both, lazyOnly, fullOnly)
}

func diffLines(a, b []byte) string {
	al, bl := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	var out []string
	for i := range min(len(al), len(bl)) {
		if !bytes.Equal(al[i], bl[i]) {
			out = append(out, fmt.Sprintf("- %q\n+ %q", al[i], bl[i]))
		}
	}
	return strings.Join(out, "\n")
}

// isLazyBail reports whether err (or its cause) is a bail of the lazy reader.
func isLazyBail(err error) bool {
	var b *lazyBail
	return errors.As(err, &b)
}

// TestLazyObjStmSelfLength: an object stream whose /Length lives inside itself makes the lazy
// reader bail instead of recursing.
func TestLazyObjStmSelfLength(t *testing.T) {
	in := qpdfTransform(t, formTree(true), "--object-streams=generate")
	// Point the object stream's /Length at an object it contains.
	k := bytes.Index(in, []byte("/Type /ObjStm /Length "))
	if k < 0 {
		t.Fatal("qpdf wrote no object stream as expected: the test input must be rebuilt")
	}
	x, err := readXRef(in)
	if err != nil {
		t.Fatal(err)
	}
	stm := bytes.LastIndex(in[:k], []byte(" 0 obj"))
	inside := 0
	for num, e := range x.entries {
		if e.typ == 2 && x.entries[int(e.off)].off < int64(k) && x.entries[int(e.off)].off > int64(stm-8) && num < 10 {
			inside = num
		}
	}
	if inside == 0 {
		t.Fatal("no small object number inside the first object stream: the test input must be rebuilt")
	}
	m := k + len("/Type /ObjStm /Length ")
	for in[m] >= '0' && in[m] <= '9' {
		m++
	}
	repl := []byte(fmt.Sprintf("/Type/ObjStm/Length %d 0 R", inside))
	if len(repl) > m-k {
		t.Fatalf("no room to rewrite %q: the test input must be rebuilt", in[k:m])
	}
	in = bytes.Clone(in)
	copy(in[k:m], append(repl, bytes.Repeat([]byte(" "), m-k-len(repl))...))
	_, err = AddSignatureField(in, SignatureField{Reader: ReaderLazy}, []byte(testSigDict))
	var b *lazyBail
	if !errors.As(err, &b) || !strings.Contains(b.msg, "depends on itself") {
		t.Fatalf("got %v", err)
	}
}
