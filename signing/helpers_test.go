package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/saraban/saraban/internal/corpus"
	"github.com/saraban/saraban/pdfdoc"

	"github.com/digitorus/timestamp"
)

func TestMain(m *testing.M) {
	// Every signature made by the tests is also made by both of pdfdoc's readers: the lazy one
	// must not fall back on any test input, and all must give the same bytes.
	checkReaders = func(pdf []byte, f pdfdoc.SignatureField, sigDict, out []byte) error {
		f.Reader = pdfdoc.ReaderLazy
		lazy, err := pdfdoc.AddSignatureField(pdf, f, sigDict)
		if err != nil {
			return fmt.Errorf("test: the lazy reader failed: %w", err)
		}
		f.Reader = pdfdoc.ReaderFull
		full, err := pdfdoc.AddSignatureField(pdf, f, sigDict)
		if err != nil {
			return fmt.Errorf("test: the whole-document parse failed: %w", err)
		}
		if !bytes.Equal(lazy, full) || !bytes.Equal(out, lazy) {
			return errors.New("test: the lazy reader and the whole-document parse give different bytes")
		}
		readerChecks.Add(1)
		return nil
	}
	code := m.Run()
	if code == 0 && readerChecks.Load() > 0 {
		fmt.Printf("lazy reader = whole-document parse on %d signatures\n", readerChecks.Load())
	}
	if nssDir != "" {
		os.RemoveAll(nssDir)
	}
	os.Exit(code)
}

// testPKI is a root CA, an intermediate, signer leaves (RSA-2048 and ECDSA P-256) and a TSA.
type testPKI struct {
	root, inter       *x509.Certificate
	rootKey, interKey crypto.Signer
	rsa, ec           *KeySigner
	tsaCert           *x509.Certificate
	tsaKey            crypto.Signer
	pool              *x509.CertPool
}

var readerChecks atomic.Int64

var (
	pkiOnce sync.Once
	pkiVal  *testPKI
)

func mkCert(t testing.TB, tmpl *x509.Certificate, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var serial int64 = 100

func tmpl(cn string, ca bool) *x509.Certificate {
	serial++
	c := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Saraban Test"}, Country: []string{"TH"}},
		NotBefore:    time.Now().Add(-24 * time.Hour),
		NotAfter:     time.Now().Add(5 * 365 * 24 * time.Hour),
	}
	if ca {
		c.IsCA = true
		c.BasicConstraintsValid = true
		c.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		c.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	}
	return c
}

func getPKI(t testing.TB) *testPKI {
	pkiOnce.Do(func() {
		p := &testPKI{}
		rk, _ := rsa.GenerateKey(rand.Reader, 2048)
		p.rootKey = rk
		p.root = mkCert(t, tmpl("Saraban Test Root CA", true), nil, rk.Public(), rk)
		ik, _ := rsa.GenerateKey(rand.Reader, 2048)
		p.interKey = ik
		p.inter = mkCert(t, tmpl("Saraban Test Issuing CA", true), p.root, ik.Public(), rk)

		lr, _ := rsa.GenerateKey(rand.Reader, 2048)
		lrc := mkCert(t, tmpl("นายอภิชาติ สารบรรณ (RSA)", false), p.inter, lr.Public(), ik)
		p.rsa, _ = NewKeySigner(lr, lrc, []*x509.Certificate{p.inter, p.root})
		le, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		lec := mkCert(t, tmpl("Somchai Signer (ECDSA)", false), p.inter, le.Public(), ik)
		p.ec, _ = NewKeySigner(le, lec, []*x509.Certificate{p.inter})

		tk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tt := tmpl("Saraban Test TSA", false)
		tt.KeyUsage = x509.KeyUsageDigitalSignature
		tt.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}
		p.tsaKey = tk
		p.tsaCert = mkCert(t, tt, p.root, tk.Public(), rk)
		p.pool = x509.NewCertPool()
		p.pool.AddCert(p.root)
		pkiVal = p
	})
	if pkiVal == nil {
		t.Fatal("test PKI not made")
	}
	return pkiVal
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// startTSA runs an RFC 3161 server on loopback signed by the test TSA certificate.
func startTSA(t testing.TB) *TSAClient {
	p := getPKI(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 0, 256)
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			body = append(body, buf[:n]...)
			if err != nil {
				break
			}
		}
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		ts := timestamp.Timestamp{
			HashAlgorithm:     req.HashAlgorithm,
			HashedMessage:     req.HashedMessage,
			Time:              time.Now().UTC().Truncate(time.Second),
			Policy:            []int{1, 3, 6, 1, 4, 1, 99999, 1},
			Nonce:             req.Nonce,
			AddTSACertificate: true,
		}
		resp, err := ts.CreateResponseWithOpts(p.tsaCert, p.tsaKey, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return &TSAClient{URL: srv.URL}
}

func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed", name)
		}
		corpus.Missing(t, "%s not installed (deploy/local/stack.sh installs it)", name)
	}
	return p
}

var (
	nssOnce sync.Once
	nssDir  string
)

// nssDB makes an NSS database trusting the test root, for pdfsig. The signers' leaf
// certificates are also stored (without trust): poppler 22.12 reports "Unknown issue with
// Certificate" for the second and later signatures made with the same certificate when that
// certificate is known only from the signatures (NSS temporary certificates); with the leaf in
// the database every signature is reported trusted. The chain to the root is still built from
// the intermediate embedded in each signature.
func nssDB(t testing.TB) string {
	needTool(t, "certutil")
	nssOnce.Do(func() {
		dir, err := os.MkdirTemp("", "saraban-nss-")
		if err != nil {
			t.Fatal(err)
		}
		root := filepath.Join(dir, "root.pem")
		os.WriteFile(root, pemCert(getPKI(t).root), 0o644)
		lr, le := filepath.Join(dir, "lr.pem"), filepath.Join(dir, "le.pem")
		os.WriteFile(lr, pemCert(getPKI(t).rsa.Cert), 0o644)
		os.WriteFile(le, pemCert(getPKI(t).ec.Cert), 0o644)
		for _, args := range [][]string{
			{"-N", "--empty-password", "-d", "sql:" + dir},
			{"-A", "-n", "saraban-test-root", "-t", "CT,C,C", "-i", root, "-d", "sql:" + dir},
			{"-A", "-n", "leaf-rsa", "-t", ",,", "-i", lr, "-d", "sql:" + dir},
			{"-A", "-n", "leaf-ec", "-t", ",,", "-i", le, "-d", "sql:" + dir},
		} {
			if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
				t.Fatalf("certutil %v: %v\n%s", args, err, out)
			}
		}
		nssDir = dir
	})
	return nssDir
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pdfsig runs poppler's pdfsig and returns its output (it exits non-zero for invalid signatures).
func pdfsig(t testing.TB, data []byte) string {
	t.Helper()
	needTool(t, "pdfsig")
	f := writeTemp(t, "doc.pdf", data)
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+nssDB(t), f).CombinedOutput()
	return string(out)
}

// pdfsigAllValid checks that pdfsig lists n signatures, all valid and trusted, the last one
// covering the whole document.
func pdfsigAllValid(t testing.TB, data []byte, n int) {
	t.Helper()
	out := pdfsig(t, data)
	if c := strings.Count(out, "Signature is Valid."); c != n {
		t.Fatalf("pdfsig: %d valid signatures, want %d:\n%s", c, n, out)
	}
	if c := strings.Count(out, "Certificate is Trusted."); c != n {
		t.Fatalf("pdfsig: %d trusted certificates, want %d:\n%s", c, n, out)
	}
	i := strings.LastIndex(out, "Signature #")
	if !strings.Contains(out[i:], "Total document signed") {
		t.Fatalf("pdfsig: the last signature does not cover the whole document:\n%s", out)
	}
}

func qpdfCheck(t testing.TB, data []byte) {
	t.Helper()
	needTool(t, "qpdf")
	f := writeTemp(t, "doc.pdf", data)
	out, err := exec.Command("qpdf", "--check", f).CombinedOutput()
	if err != nil || strings.Contains(string(out), "WARNING") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}

func qpdfTransform(t testing.TB, data []byte, args ...string) []byte {
	t.Helper()
	needTool(t, "qpdf")
	in := writeTemp(t, "in.pdf", data)
	out := filepath.Join(filepath.Dir(in), "out.pdf")
	cmd := exec.Command("qpdf", append(append(args, in), out)...)
	if b, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState.ExitCode() != 3 {
		t.Fatalf("qpdf %v: %v\n%s", args, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
