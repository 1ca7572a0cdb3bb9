package pdfdoc

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/saraban/saraban/internal/samplepdf"
)

// TestUpdateGolden pins the bytes of every kind of incremental update this package writes
// (receive stamps, a second stamp on a stamped file, the watermark, signature fields through both
// readers, invisible and visible) on the corpus letters and on hand-built files, as SHA-256s
// recorded in testdata/update_golden.txt. The receive stamp, the watermark and the signature share
// the cross-reference walk and the update writer: a change made for one of them must not change
// the others' output. SARABAN_RECORD_GOLDEN=1 rewrites the file (only when a change of the output
// is intended). The hashes also depend on what the output is made with: Go's compress/flate (a
// new Go release may compress differently), the Thai font subset (fonts-tlwg-laksaman) and the
// corpus; after a change there, check that only that changed and record again.
func TestUpdateGolden(t *testing.T) {
	got := updateHashes(t)
	if dump := os.Getenv("SARABAN_GOLDEN_DUMP"); dump != "" {
		// Also the qpdf-made inputs (xref and object streams), which depend on the installed
		// qpdf: for comparing two builds on one machine.
		// qpdf writes a new /ID each run: SARABAN_GOLDEN_INPUTS keeps the inputs of the first run.
		extra := map[string][]byte{}
		dir := os.Getenv("SARABAN_GOLDEN_INPUTS")
		if saved, _ := filepath.Glob(filepath.Join(dir, "*.pdf")); dir != "" && len(saved) > 0 {
			for _, f := range saved {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				extra[strings.TrimSuffix(filepath.Base(f), ".pdf")] = b
			}
		} else {
			for k, b := range lazyInputs(t) {
				extra["lazy-"+k] = b
				if dir != "" {
					if err := os.WriteFile(filepath.Join(dir, "lazy-"+k+".pdf"), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		for k, v := range hashUpdates(t, extra) {
			got[k] = v
		}
		keys := mapsKeys(got)
		slices.Sort(keys)
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%s %s\n", got[k], k)
		}
		if err := os.WriteFile(dump, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	path := filepath.Join("testdata", "update_golden.txt")
	if os.Getenv("SARABAN_RECORD_GOLDEN") != "" {
		var b strings.Builder
		keys := mapsKeys(got)
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s %s\n", got[k], k)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("recorded %d hashes", len(got))
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		h, k, ok := strings.Cut(sc.Text(), " ")
		if ok {
			want[k] = h
		}
	}
	checked := 0
	for k, h := range want {
		g, ok := got[k]
		if !ok {
			continue // a corpus letter that is not here
		}
		checked++
		if g != h {
			t.Errorf("%s: output changed (sha256 %s, recorded %s)", k, g, h)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: no recorded hash", k)
		}
	}
	if checked < 20 {
		t.Fatalf("only %d outputs compared", checked)
	}
	t.Logf("%d outputs compared with the recorded ones", checked)
}

func mapsKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func updateHashes(t *testing.T) map[string]string {
	in := map[string][]byte{
		"simple":        simplePage("1.7", "/MediaBox [0 0 595 842]"),
		"rotated-crop":  simplePage("1.4", "/MediaBox [0 0 600 800] /CropBox [50 100 550 700] /Rotate 270"),
		"sample-100k":   samplepdf.Letter(1, 100<<10),
		"form-tree":     formTree(false),
		"form-tree-ind": formTree(true),
	}
	for _, f := range corpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Inspect(b, 0); err != nil {
			continue
		}
		in["corpus-"+filepath.Base(f)] = b
	}
	return hashUpdates(t, in)
}

func hashUpdates(t *testing.T, in map[string][]byte) map[string]string {
	font := loadTestFont(t)
	out := map[string]string{}
	put := func(k string, b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			out[k] = "error:" + strings.ReplaceAll(err.Error(), " ", "_")
			return nil
		}
		s := sha256.Sum256(b)
		out[k] = hex.EncodeToString(s[:])
		return b
	}
	st1 := ReceiveStamp{Unit: "สำนักงานที่ดินจังหวัดสงขลา", Number: "๑๑๒๒๙", Date: "๙ ต.ค. ๒๕๖๗", Time: "๑๑.๕๖ น."}
	st2 := ReceiveStamp{Unit: "หน่วย", Number: "12"}
	vis := SignatureField{Page: -1, Rect: [4]float64{300, 40, 560, 170}, Appearance: &SignatureAppearance{Lines: []string{"(นายทดสอบ ระบบ)", "ผู้อำนวยการ"}, Font: font}}
	for name, b := range in {
		one, err := AddReceiveStamp(b, st1, 0, font)
		one = put(name+"/stamp", one, err)
		if one != nil {
			two, err := AddReceiveStamp(one, st2, 1, font)
			two = put(name+"/stamp/stamp2", two, err)
			for _, r := range []SignatureReader{ReaderFull, ReaderAuto} {
				s, err := AddSignatureField(one, SignatureField{Reader: r}, []byte(testSigDict))
				s = put(fmt.Sprintf("%s/stamp/sig-r%d", name, r), s, err)
				if s != nil && r == ReaderAuto {
					s3, err := AddReceiveStamp(s, st2, 1, font)
					put(name+"/stamp/sig/stamp2", s3, err)
					s4, err := AddSignatureField(s, vis, []byte(testSigDict))
					put(name+"/stamp/sig/sig-visible", s4, err)
				}
			}
		}
		w, err := Watermark(b, []string{"นายทดสอบ ระบบ", "๖ ธ.ค. ๒๕๖๙ 10:00"}, font)
		put(name+"/watermark", w, err)
		for _, r := range []SignatureReader{ReaderFull, ReaderAuto} {
			s, err := AddSignatureField(b, SignatureField{Reader: r}, []byte(testSigDict))
			put(fmt.Sprintf("%s/sig-r%d", name, r), s, err)
			v := vis
			v.Reader = r
			s, err = AddSignatureField(b, v, []byte(testSigDict))
			put(fmt.Sprintf("%s/sig-visible-r%d", name, r), s, err)
		}
	}
	return out
}
