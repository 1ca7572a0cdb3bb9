package signing

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf16"
)

// buildCMSReference is buildCMS as it was before its certificate-dependent parts were cached
// and the DER written in one buffer: every element built with tlv.
func buildCMSReference(digest []byte, s Signer, unsigned func(sigValue []byte) ([][]byte, error)) ([]byte, error) {
	cert := s.Certificate()
	sigAlg, err := signatureAlgorithm(s.Public())
	if err != nil {
		return nil, err
	}
	attrs := [][]byte{
		attribute(oidContentType, mustMarshal(oidData)),
		attribute(oidMessageDigest, tlv(tagOcts, digest)),
		attribute(oidSigningCertV2, signingCertificateV2(cert)),
	}
	signedAttrs := derSetOf(tagSet, attrs)
	h := sha256.Sum256(signedAttrs)
	sig, err := s.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	var unsignedAttrs []byte
	if unsigned != nil {
		ua, err := unsigned(sig)
		if err != nil {
			return nil, err
		}
		if len(ua) > 0 {
			unsignedAttrs = derSetOf(0xA1, ua)
		}
	}
	digestAlg := algID(oidSHA256, false)
	sid := tlv(tagSeq, cert.RawIssuer, mustMarshal(cert.SerialNumber))
	signerInfo := tlv(tagSeq,
		mustMarshal(1), sid, digestAlg,
		append([]byte{0xA0}, signedAttrs[1:]...),
		sigAlg, tlv(tagOcts, sig), unsignedAttrs)
	var certs [][]byte
	certs = append(certs, cert.Raw)
	for _, c := range s.Chain() {
		if c != nil && !c.Equal(cert) {
			certs = append(certs, c.Raw)
		}
	}
	signedData := tlv(tagSeq,
		mustMarshal(1),
		tlv(tagSet, digestAlg),
		tlv(tagSeq, mustMarshal(oidData)),
		tlv(0xA0, certs...),
		tlv(tagSet, signerInfo))
	return tlv(tagSeq, mustMarshal(oidSignedData), tlv(0xA0, signedData)), nil
}

// plainSigner is a Signer that is not a KeySigner (no cache).
type plainSigner struct{ k *KeySigner }

func (p plainSigner) Public() crypto.PublicKey       { return p.k.Public() }
func (p plainSigner) Certificate() *x509.Certificate { return p.k.Cert }
func (p plainSigner) Chain() []*x509.Certificate     { return p.k.Certs }
func (p plainSigner) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	return p.k.Sign(r, d, o)
}

// TestCMSMatchesReference: the CMS written from the cached parts is byte for byte the one built
// element by element (RSA PKCS #1 v1.5 is deterministic), with and without unsigned attributes,
// for a KeySigner (cached, twice) and another Signer, and after the KeySigner's chain and
// certificate are replaced. ECDSA is checked by parsing and verifying.
func TestCMSMatchesReference(t *testing.T) {
	p := getPKI(t)
	k, err := NewKeySigner(p.rsa.Key, p.rsa.Cert, p.rsa.Certs)
	if err != nil {
		t.Fatal(err)
	}
	tok := func(sig []byte) ([][]byte, error) {
		return [][]byte{attribute(oidTimeStampToken, tlv(tagSeq, sig))}, nil
	}
	check := func(name string, s Signer) {
		t.Helper()
		for i, u := range []func([]byte) ([][]byte, error){nil, tok, nil} {
			d := sha256.Sum256(fmt.Appendf(nil, "document %s %d", name, i))
			got, err := buildCMS(d[:], s, u)
			if err != nil {
				t.Fatal(err)
			}
			want, err := buildCMSReference(d[:], s, u)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s %d: the CMS differs from the reference", name, i)
			}
		}
	}
	check("keysigner", k)
	check("plain", plainSigner{k})
	k.Certs = []*x509.Certificate{p.inter}
	check("chain replaced", k)
	k.Certs = nil
	check("no chain", k)
	k.Key, k.Cert, k.Certs = p.ec.Key, p.ec.Cert, p.ec.Certs
	d := sha256.Sum256([]byte("ec"))
	der, err := buildCMS(d[:], k, nil)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := parseCMS(der)
	if err != nil {
		t.Fatal(err)
	}
	if pc.signer == nil || !pc.signer.Equal(p.ec.Cert) || !bytes.Equal(pc.messageDigest, d[:]) || !pc.certV2Match {
		t.Fatal("the ECDSA CMS after replacing the key does not name the new certificate")
	}
	if err := pc.checkSignature(); err != nil {
		t.Fatal(err)
	}
}

// pdfTextReference is pdfText as it was written with fmt and a strings.Replacer.
func pdfTextReference(s string) string {
	ascii := true
	for _, r := range s {
		if r < 0x20 || r > 0x7E {
			ascii = false
			break
		}
	}
	if ascii {
		return "(" + strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`).Replace(s) + ")"
	}
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

func TestPDFText(t *testing.T) {
	for _, s := range []string{"", "Saraban Test", `a\b(c)d`, "นายอภิชาติ สารบรรณ", "x\x01y", "emoji 😀 (ok)", "bad \xff\xfe utf8", "\uFFFF\u00e9"} {
		if got, want := pdfText(s), pdfTextReference(s); got != want {
			t.Errorf("%q: %s, want %s", s, got, want)
		}
	}
}
