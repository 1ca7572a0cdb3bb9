package signing

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/internal/corpus"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/pdfdoc"
)

// corpusDir is the public letters of the shared corpus beside the checkout.
var corpusDir = filepath.Join("..", "..", "shared", "corpus", "public-letters")

func corpusFiles(t testing.TB) []string {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.pdf"))
	if len(files) == 0 {
		corpus.Missing(t, "corpus not found at %s", corpusDir)
	}
	return files
}

var testTime = time.Date(2026, 12, 6, 10, 30, 0, 0, bangkok)

// checkAll runs every verifier on a document that should carry n valid signatures.
func checkAll(t *testing.T, doc []byte, n int) Report {
	t.Helper()
	rep, err := Verify(doc, getPKI(t).pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != n || !rep.Valid {
		t.Fatalf("Verify: %d signatures (want %d), valid=%v: %+v", len(rep.Signatures), n, rep.Valid, rep.Signatures)
	}
	for i, s := range rep.Signatures {
		if !s.DigestMatch || !s.SignatureOK || !s.ChainTrusted || !s.SigningCertV2 || s.SigningTimeAttr {
			t.Fatalf("signature %d: %+v", i, s)
		}
		if s.CoversWhole != (i == n-1) || !s.OnlyAllowedAfter {
			t.Fatalf("signature %d coverage: %+v", i, s)
		}
	}
	pdfsigAllValid(t, doc, n)
	qpdfCheck(t, doc)
	return rep
}

// inputs returns the documents every signing test runs on: classic xref, xref and object
// streams, PDF 1.3 and 2.0 headers, and the corpus letters.
func inputs(t *testing.T) map[string][]byte {
	letter := samplepdf.Letter(7, 30000)
	v13 := bytes.Replace(letter, []byte("%PDF-1.7"), []byte("%PDF-1.3"), 1)
	m := map[string][]byte{
		"classic-1.7": letter,
		"classic-1.3": v13,
		"objstm":      qpdfTransform(t, letter, "--object-streams=generate"),
		"pdf-2.0":     qpdfTransform(t, letter, "--object-streams=generate", "--force-version=2.0"),
	}
	for _, f := range corpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m["corpus-"+filepath.Base(f)] = b
	}
	return m
}

func TestSignInputs(t *testing.T) {
	p := getPKI(t)
	for name, in := range inputs(t) {
		t.Run(name, func(t *testing.T) {
			info, err := pdfdoc.Inspect(in, 0)
			if err != nil {
				t.Fatalf("input refused by Inspect: %v", err)
			}
			out, err := Sign(in, p.rsa, Options{Reason: "ลงนาม", Time: testTime})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out[:len(in)], in) {
				t.Fatal("the original is not a prefix of the signed file")
			}
			rep := checkAll(t, out, 1)
			if rep.Signatures[0].SigningTime == nil || !rep.Signatures[0].SigningTime.Equal(testTime) {
				t.Fatalf("signing time %v", rep.Signatures[0].SigningTime)
			}
			after, err := pdfdoc.Inspect(out, 0)
			if err != nil || after.XRefStream != info.XRefStream || !after.Signed || after.Revisions != info.Revisions+1 {
				t.Fatalf("after signing: %+v, %v (before %+v)", after, err, info)
			}
		})
	}
}

// TestThreeSignatures: reviewer, signer and receiving clerk sign in turn; all stay valid.
func TestThreeSignatures(t *testing.T) {
	p := getPKI(t)
	tsa := startTSA(t)
	for name, in := range map[string][]byte{
		"classic": samplepdf.Letter(3, 40000),
		"objstm":  qpdfTransform(t, samplepdf.Letter(3, 40000), "--object-streams=generate"),
	} {
		t.Run(name, func(t *testing.T) {
			doc := in
			var err error
			steps := []struct {
				s    *KeySigner
				opts Options
			}{
				{p.ec, Options{Reason: "ตรวจแล้ว", Time: testTime}},
				{p.rsa, Options{Reason: "ลงนาม", Time: testTime.Add(time.Hour), Visible: &Visible{Page: 1, Rect: [4]float64{330, 120, 530, 220},
					Block: Block{Name: "นายอภิชาติ สารบรรณ", Position: []string{"รองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน"}, Capacity: []string{"ผู้ว่าราชการจังหวัดสงขลา"}, Date: testTime}}}},
				{p.ec, Options{Reason: "รับแล้ว", Time: testTime.Add(2 * time.Hour), TSA: tsa}},
			}
			for i, st := range steps {
				prev := doc
				doc, err = Sign(doc, st.s, st.opts)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(doc, prev) {
					t.Fatal("earlier revision changed")
				}
				checkAll(t, doc, i+1)
			}
			rep, _ := Verify(doc, p.pool)
			if rep.Signatures[2].Timestamp == nil || !rep.Signatures[2].Timestamp.ImprintOK || !rep.Signatures[2].Timestamp.Trusted {
				t.Fatalf("timestamp: %+v", rep.Signatures[2].Timestamp)
			}
			if got := rep.Signatures[0].ChangesAfter; len(got) == 0 {
				t.Fatal("no changes listed after the first signature")
			}
			mutoolCheck(t, doc, 3)
			os.WriteFile(filepath.Join(t.TempDir(), "three.pdf"), doc, 0o644)
		})
	}
}

func mutoolCheck(t *testing.T, doc []byte, n int) {
	t.Helper()
	needTool(t, "mutool")
	f := writeTemp(t, "m.pdf", doc)
	out, _ := exec.Command("mutool", "sign", "-v", f).CombinedOutput()
	// mutool has no trust store of ours: it reports the certificate as unknown but must find the
	// signed bytes unchanged for the last signature.
	if c := strings.Count(string(out), "Verifying signature"); c != n {
		t.Fatalf("mutool sees %d signatures, want %d:\n%s", c, n, out)
	}
	if !strings.Contains(string(out), "The document is unchanged since signing.") || strings.Contains(string(out), "Digest error") {
		t.Fatalf("mutool:\n%s", out)
	}
}

func TestTimestampB_T(t *testing.T) {
	p := getPKI(t)
	tsa := startTSA(t)
	out, err := Sign(samplepdf.Letter(9, 10000), p.rsa, Options{TSA: tsa, Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	rep := checkAll(t, out, 1)
	ts := rep.Signatures[0].Timestamp
	if ts == nil || !ts.ImprintOK || !ts.Trusted || time.Since(ts.Time) > time.Minute || !strings.Contains(ts.TSA, "Saraban Test TSA") {
		t.Fatalf("timestamp %+v", ts)
	}
	// A TSA that fails makes Sign fail rather than silently produce B-B.
	if _, err := Sign(samplepdf.Letter(9, 10000), p.rsa, Options{TSA: &TSAClient{URL: "http://127.0.0.1:1/"}}); err == nil {
		t.Fatal("no error from an unreachable TSA")
	}
}

func TestTamper(t *testing.T) {
	p := getPKI(t)
	in := samplepdf.Letter(11, 20000)
	once, err := Sign(in, p.ec, Options{Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Sign(once, p.rsa, Options{Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := Verify(doc, p.pool)
	br := rep.Signatures[1].ByteRange
	text := bytes.Index(doc, []byte("Sample letter"))
	for _, pos := range []int{text + 2, 5000, len(in) - 30, len(once) + 40, int(br[2]) + 10, len(doc) - 3} {
		t.Run(fmt.Sprint(pos), func(t *testing.T) {
			bad := bytes.Clone(doc)
			bad[pos] ^= 0x01
			rep, err := Verify(bad, p.pool)
			if err == nil && rep.Valid {
				t.Fatalf("flip at %d not detected: %+v", pos, rep)
			}
			out := pdfsig(t, bad)
			if strings.Count(out, "Signature is Valid.") == 2 && strings.Contains(out, "Total document signed") {
				t.Fatalf("pdfsig did not notice the flip at %d:\n%s", pos, out)
			}
		})
	}
	// Appending a change after the last signature is reported as such.
	extra := append(bytes.Clone(doc), []byte("\n99 0 obj\n<</Foo 1>>\nendobj\n")...)
	rep, _ = Verify(extra, p.pool)
	if rep.Signatures[1].CoversWhole {
		t.Fatal("appended bytes not noticed")
	}
}

// formPDF is a PDF 1.4 with an AcroForm holding a text field.
func formPDF() []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>")
	obj("<< /Type /Annot /Subtype /Widget /FT /Tx /T (subject) /V (hello) /Rect [50 700 300 720] /P 3 0 R >>")
	obj("<< /Fields [4 0 R] /DA (/Helv 0 Tf 0 g) >>")
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
	return b.Bytes()
}

func TestExistingForm(t *testing.T) {
	p := getPKI(t)
	out, err := Sign(formPDF(), p.ec, Options{Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, out, 1)
	tail := string(out[len(formPDF()):])
	if !strings.Contains(tail, "/Fields [4 0 R ") || !strings.Contains(tail, "/SigFlags 3") || !strings.Contains(tail, "/DA (/Helv 0 Tf 0 g)") {
		t.Fatalf("the existing form was not extended:\n%s", tail)
	}
}

// TestAfterPdfsig signs a document that poppler's pdfsig signed first.
func TestAfterPdfsig(t *testing.T) {
	p := getPKI(t)
	// poppler 22.12 fails about every other ECDSA signature ("unable update signature"): RSA there.
	dir := importPdfsigKey(t)
	in := writeTemp(t, "in.pdf", samplepdf.Letter(5, 15000))
	signed := filepath.Join(filepath.Dir(in), "signed.pdf")
	// The certificate is already in the database as leaf-rsa (see nssDB), so the key joins it.
	if out, err := exec.Command("pdfsig", "-nssdir", "sql:"+dir, "-add-signature", "-nick", "leaf-rsa", "-reason", "poppler", in, signed).CombinedOutput(); err != nil {
		t.Fatalf("pdfsig -add-signature: %v\n%s", err, out)
	}
	first, _ := os.ReadFile(signed)
	doc, err := Sign(first, p.ec, Options{Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	pdfsigAllValid(t, doc, 2)
	qpdfCheck(t, doc)
	rep, err := Verify(doc, p.pool)
	if err != nil || len(rep.Signatures) != 2 || !rep.Signatures[1].Valid || !rep.Signatures[0].DigestMatch || !rep.Signatures[0].SignatureOK {
		t.Fatalf("%v %+v", err, rep)
	}
}

func TestRefusals(t *testing.T) {
	p := getPKI(t)
	letter := samplepdf.Letter(2, 5000)
	enc := qpdfTransform(t, letter, "--encrypt", "u", "o", "256", "--")
	if _, err := Sign(enc, p.rsa, Options{}); !errors.Is(err, pdfdoc.ErrEncrypted) {
		t.Fatalf("encrypted: %v", err)
	}
	if _, err := Sign(letter[:len(letter)/2], p.rsa, Options{}); !errors.Is(err, pdfdoc.ErrDamaged) {
		t.Fatalf("truncated: %v", err)
	}
	if _, err := Sign([]byte("hello"), p.rsa, Options{}); !errors.Is(err, pdfdoc.ErrNotPDF) {
		t.Fatalf("not a pdf: %v", err)
	}
	if _, err := Sign(letter, p.rsa, Options{Visible: &Visible{Page: 3, Rect: [4]float64{0, 0, 10, 10}}}); err == nil {
		t.Fatal("page 3 of a one-page document accepted")
	}
	if _, err := Verify(letter, p.pool); !errors.Is(err, ErrNoSignatures) {
		t.Fatalf("unsigned: %v", err)
	}
	// Untrusted root: valid signature, chain not trusted.
	out, _ := Sign(letter, p.rsa, Options{})
	rep, err := Verify(out, nil)
	if err != nil || rep.Valid || rep.Signatures[0].ChainTrusted || !rep.Signatures[0].SignatureOK {
		t.Fatalf("%v %+v", err, rep)
	}
}

func TestPKCS12AndTrust(t *testing.T) {
	p := getPKI(t)
	for _, s := range []*KeySigner{p.rsa, p.ec} {
		der, err := pkcs12.Modern.Encode(s.Key, s.Cert, s.Certs, "ความลับ")
		if err != nil {
			t.Fatal(err)
		}
		f := writeTemp(t, "k.p12", der)
		pwf := writeTemp(t, "pw", []byte("ความลับ\n"))
		pw, err := ReadPassword(pwf, "")
		if err != nil || pw != "ความลับ" {
			t.Fatalf("%q %v", pw, err)
		}
		k, err := LoadPKCS12(f, pw)
		if err != nil {
			t.Fatal(err)
		}
		if !k.Cert.Equal(s.Cert) || len(k.Certs) != len(s.Certs) {
			t.Fatal("certificates differ")
		}
		if _, err := LoadPKCS12(f, "wrong"); err == nil || !strings.Contains(err.Error(), "wrong password") {
			t.Fatalf("wrong password: %v", err)
		}
	}
	t.Setenv("SARABAN_TEST_PW", "env-secret")
	if pw, _ := ReadPassword("", "SARABAN_TEST_PW"); pw != "env-secret" {
		t.Fatal(pw)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "root.pem"), pemCert(p.root), 0o644)
	os.WriteFile(filepath.Join(dir, "inter.der"), p.inter.Raw, 0o644)
	os.WriteFile(filepath.Join(dir, "README"), []byte("not a cert"), 0o644)
	if _, n, err := LoadTrust(dir); err != nil || n != 2 {
		t.Fatalf("%d %v", n, err)
	}
	if _, _, err := LoadTrust(filepath.Join(dir, "README")); err == nil {
		t.Fatal("a file without certificates accepted")
	}
}

// TestVerifyNeverPanics corrupts a signed file at many places: Verify must answer (an error or
// an invalid report), never panic or call it valid.
func TestVerifyNeverPanics(t *testing.T) {
	p := getPKI(t)
	doc, err := Sign(samplepdf.Letter(13, 6000), p.ec, Options{Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(doc); i += 97 {
		bad := bytes.Clone(doc)
		bad[i] ^= 0x20
		rep, err := Verify(bad, p.pool)
		if err == nil && rep.Valid && !bytes.Equal(bad, doc) {
			// A flip inside the /Contents hex padding changes nothing signed: allowed.
			br := rep.Signatures[0].ByteRange
			if int64(i) <= br[1] || int64(i) >= br[2] {
				t.Fatalf("flip at %d reported valid", i)
			}
		}
	}
}
