package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// A CMS SignedData (RFC 5652) as PAdES baseline B-B wants it (ETSI EN 319 142-1 §6.3): detached
// content, SHA-256, signed attributes content-type, message-digest and signing-certificate-v2 and
// no signing-time (the time is the signature dictionary's /M). It is written by hand in DER:
// the structure is small and fixed, and doing it here keeps every byte under control.

var (
	oidData            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigningCertV2   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTimeStampToken  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidSHA256          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidTSTInfo         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
)

// tlv encodes one DER element with tag and the concatenated parts as content.
func tlv(tag byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n+6)
	out = append(out, tag)
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		out = append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

const (
	tagSeq  = 0x30
	tagSet  = 0x31
	tagOcts = 0x04
)

func algID(oid asn1.ObjectIdentifier, nullParams bool) []byte {
	if nullParams {
		return tlv(tagSeq, mustMarshal(oid), []byte{0x05, 0x00})
	}
	return tlv(tagSeq, mustMarshal(oid))
}

func attribute(oid asn1.ObjectIdentifier, values ...[]byte) []byte {
	return tlv(tagSeq, mustMarshal(oid), tlv(tagSet, values...))
}

// derSetOf sorts DER elements as a DER SET OF requires.
func derSetOf(tag byte, elems [][]byte) []byte {
	s := slices.Clone(elems)
	slices.SortFunc(s, bytes.Compare)
	return tlv(tag, s...)
}

var (
	derRSAAlg   = algID(oidRSAEncryption, true)
	derECDSAAlg = algID(oidECDSAWithSHA256, false)
)

// signatureAlgorithm returns the CMS signature algorithm for the signer's key (shared: not to be
// modified).
func signatureAlgorithm(pub crypto.PublicKey) ([]byte, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		return derRSAAlg, nil
	case *ecdsa.PublicKey:
		return derECDSAAlg, nil
	}
	return nil, fmt.Errorf("signing: unsupported key type %T (use RSA or ECDSA)", pub)
}

// signingCertificateV2 is the ESS signing-certificate-v2 attribute value (RFC 5035) for cert:
// its SHA-256 hash (the default algorithm, so not written) and its issuer and serial number.
func signingCertificateV2(cert *x509.Certificate) []byte {
	h := sha256.Sum256(cert.Raw)
	issuerSerial := tlv(tagSeq,
		tlv(tagSeq, tlv(0xA4, cert.RawIssuer)), // GeneralNames { directoryName [4] Name }
		mustMarshal(cert.SerialNumber))
	essCertIDv2 := tlv(tagSeq, tlv(tagOcts, h[:]), issuerSerial)
	return tlv(tagSeq, tlv(tagSeq, essCertIDv2))
}

// cmsParts are the parts of the CMS that depend only on the signer's certificates and key type,
// built once per KeySigner (see partsFor) rather than for every signature.
type cmsParts struct {
	cert  *x509.Certificate   // what they were built from, to notice a KeySigner changed since
	chain []*x509.Certificate //
	// signerInfo's fields before the signed attributes: version, sid, digestAlgorithm.
	siHead []byte
	sigAlg []byte
	// the content-type and signing-certificate-v2 attributes.
	contentType, certV2 []byte
	// signedData's fields before signerInfos: version, digestAlgorithms, encapContentInfo,
	// certificates.
	sdHead []byte
}

var (
	derVersion1     = mustMarshal(1)
	derOIDData      = mustMarshal(oidData)
	derOIDSignedDat = mustMarshal(oidSignedData)
	derOIDMsgDigest = mustMarshal(oidMessageDigest)
	derDigestAlg    = algID(oidSHA256, false)
)

func newCMSParts(cert *x509.Certificate, chain []*x509.Certificate, pub crypto.PublicKey) (*cmsParts, error) {
	sigAlg, err := signatureAlgorithm(pub)
	if err != nil {
		return nil, err
	}
	p := &cmsParts{cert: cert, chain: slices.Clone(chain), sigAlg: sigAlg}
	sid := tlv(tagSeq, cert.RawIssuer, mustMarshal(cert.SerialNumber))
	p.siHead = slices.Concat(derVersion1, sid, derDigestAlg)
	p.contentType = attribute(oidContentType, derOIDData)
	p.certV2 = attribute(oidSigningCertV2, signingCertificateV2(cert))
	certs := [][]byte{cert.Raw}
	for _, c := range chain {
		if c != nil && !c.Equal(cert) {
			certs = append(certs, c.Raw)
		}
	}
	p.sdHead = slices.Concat(derVersion1,
		tlv(tagSet, derDigestAlg),
		tlv(tagSeq, derOIDData), // detached: no eContent
		tlv(0xA0, certs...))
	return p, nil
}

// matches reports whether p was built from cert and chain.
func (p *cmsParts) matches(cert *x509.Certificate, chain []*x509.Certificate) bool {
	return p != nil && p.cert == cert && slices.Equal(p.chain, chain)
}

// partsFor returns the CMS parts for s: cached on a KeySigner (rebuilt if its certificate or
// chain was replaced since), built afresh for other signers.
func partsFor(s Signer) (*cmsParts, error) {
	cert, chain := s.Certificate(), s.Chain()
	k, ok := s.(*KeySigner)
	if !ok {
		return newCMSParts(cert, chain, s.Public())
	}
	alg, err := signatureAlgorithm(s.Public())
	if err != nil {
		return nil, err
	}
	if p := k.parts.Load(); p.matches(cert, chain) && bytes.Equal(alg, p.sigAlg) { // the key may have been replaced too
		return p, nil
	}
	p, err := newCMSParts(cert, chain, s.Public())
	if err != nil {
		return nil, err
	}
	k.parts.Store(p)
	return p, nil
}

// derLen is the size of a DER element with n bytes of content.
func derLen(n int) int {
	switch {
	case n < 0x80:
		return 2 + n
	case n < 0x100:
		return 3 + n
	case n < 0x10000:
		return 4 + n
	case n < 0x1000000:
		return 5 + n
	}
	return 6 + n
}

// appendHeader appends a DER tag and length.
func appendHeader(b []byte, tag byte, n int) []byte {
	b = append(b, tag)
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n < 0x100:
		return append(b, 0x81, byte(n))
	case n < 0x10000:
		return append(b, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		return append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// buildCMS signs the SHA-256 digest of the signed bytes and returns the DER ContentInfo.
// unsigned, when set, is given the signature value and returns unsigned attributes to add
// (the RFC 3161 timestamp token for B-T).
func buildCMS(digest []byte, s Signer, unsigned func(sigValue []byte) ([][]byte, error)) ([]byte, error) {
	p, err := partsFor(s)
	if err != nil {
		return nil, err
	}
	// message-digest: SEQUENCE { OID, SET { OCTET STRING digest } }
	md := make([]byte, 0, derLen(len(derOIDMsgDigest)+derLen(derLen(len(digest)))))
	md = appendHeader(md, tagSeq, len(derOIDMsgDigest)+derLen(derLen(len(digest))))
	md = append(md, derOIDMsgDigest...)
	md = appendHeader(md, tagSet, derLen(len(digest)))
	md = appendHeader(md, tagOcts, len(digest))
	md = append(md, digest...)
	signedAttrs := derSetOf(tagSet, [][]byte{p.contentType, md, p.certV2})
	h := sha256.Sum256(signedAttrs)
	sig, err := s.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("signing: the key refused to sign: %w", err)
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
	// signerInfo, signedData and contentInfo are written in one buffer of their exact size.
	siLen := len(p.siHead) + len(signedAttrs) + len(p.sigAlg) + derLen(len(sig)) + len(unsignedAttrs)
	sdLen := len(p.sdHead) + derLen(derLen(siLen))
	ciLen := len(derOIDSignedDat) + derLen(derLen(sdLen))
	out := make([]byte, 0, derLen(ciLen))
	out = appendHeader(out, tagSeq, ciLen)
	out = append(out, derOIDSignedDat...)
	out = appendHeader(out, 0xA0, derLen(sdLen))
	out = appendHeader(out, tagSeq, sdLen)
	out = append(out, p.sdHead...)
	out = appendHeader(out, tagSet, derLen(siLen))
	out = appendHeader(out, tagSeq, siLen)
	out = append(out, p.siHead...)
	out = append(out, 0xA0) // [0] IMPLICIT SET OF Attribute
	out = append(out, signedAttrs[1:]...)
	out = append(out, p.sigAlg...)
	out = appendHeader(out, tagOcts, len(sig))
	out = append(out, sig...)
	out = append(out, unsignedAttrs...)
	return out, nil
}

// Parsing, for verification.

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type cmsAttribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

// parsedCMS is what verification needs from a signature's /Contents.
type parsedCMS struct {
	certs                            []*x509.Certificate
	signer                           *x509.Certificate
	si                               signerInfo
	messageDigest                    []byte
	hasSigningCertV2, hasSigningTime bool
	certV2Match                      bool
	tsToken                          []byte // RFC 3161 TimeStampToken from the unsigned attributes, if any
}

func parseCMS(der []byte) (*parsedCMS, error) {
	var ci contentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil { // trailing zero padding is "rest"
		// Maybe BER (NSS writes indefinite lengths): convert and try again.
		d, berr := ber2der(der)
		if berr != nil {
			return nil, fmt.Errorf("not a CMS structure: %w", err)
		}
		if _, err := asn1.Unmarshal(d, &ci); err != nil {
			return nil, fmt.Errorf("not a CMS structure: %w", err)
		}
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, errors.New("the CMS structure is not SignedData")
	}
	var sd signedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("SignedData cannot be read: %w", err)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("SignedData has %d signers, expected 1", len(sd.SignerInfos))
	}
	p := &parsedCMS{si: sd.SignerInfos[0]}
	if len(sd.Certificates.Bytes) > 0 {
		cs, err := x509.ParseCertificates(sd.Certificates.Bytes)
		if err != nil {
			return nil, fmt.Errorf("embedded certificates cannot be read: %w", err)
		}
		p.certs = cs
	}
	var ias issuerAndSerial
	if _, err := asn1.Unmarshal(p.si.SID.FullBytes, &ias); err != nil {
		return nil, errors.New("the signer is not identified by issuer and serial number")
	}
	for _, c := range p.certs {
		if bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) && c.SerialNumber.Cmp(ias.Serial) == 0 {
			p.signer = c
			break
		}
	}
	if p.signer == nil {
		return nil, errors.New("the signer's certificate is not embedded in the signature")
	}
	if len(p.si.SignedAttrs.FullBytes) == 0 {
		return nil, errors.New("the signature has no signed attributes")
	}
	attrs, err := parseAttrs(p.si.SignedAttrs.Bytes)
	if err != nil {
		return nil, err
	}
	for _, a := range attrs {
		switch {
		case a.Type.Equal(oidMessageDigest):
			var d []byte
			if _, err := asn1.Unmarshal(a.Values.Bytes, &d); err == nil {
				p.messageDigest = d
			}
		case a.Type.Equal(oidSigningTime):
			p.hasSigningTime = true
		case a.Type.Equal(oidSigningCertV2):
			p.hasSigningCertV2 = true
			h := sha256.Sum256(p.signer.Raw)
			// The first ESSCertIDv2's certHash: SEQUENCE { SEQUENCE OF { SEQUENCE { [alg] OCTET STRING ...
			p.certV2Match = bytes.Contains(a.Values.Bytes, tlv(tagOcts, h[:]))
		}
	}
	if len(p.si.UnsignedAttrs.Bytes) > 0 {
		ua, err := parseAttrs(p.si.UnsignedAttrs.Bytes)
		if err != nil {
			return nil, err
		}
		for _, a := range ua {
			if a.Type.Equal(oidTimeStampToken) {
				var rv asn1.RawValue
				if _, err := asn1.Unmarshal(a.Values.Bytes, &rv); err == nil {
					p.tsToken = rv.FullBytes
				}
			}
		}
	}
	return p, nil
}

func parseAttrs(b []byte) ([]cmsAttribute, error) {
	var out []cmsAttribute
	for len(b) > 0 {
		var a cmsAttribute
		rest, err := asn1.Unmarshal(b, &a)
		if err != nil {
			return nil, fmt.Errorf("attributes cannot be read: %w", err)
		}
		out = append(out, a)
		b = rest
	}
	return out, nil
}

// checkSignature verifies the signer's signature over the signed attributes.
func (p *parsedCMS) checkSignature() error {
	if !p.si.DigestAlgorithm.Algorithm.Equal(oidSHA256) {
		return fmt.Errorf("digest algorithm %v is not supported (SHA-256 only)", p.si.DigestAlgorithm.Algorithm)
	}
	// The signature is over the DER SET OF, i.e. the [0] IMPLICIT element re-tagged as SET.
	sa := append([]byte{tagSet}, p.si.SignedAttrs.FullBytes[1:]...)
	h := sha256.Sum256(sa)
	switch pub := p.signer.PublicKey.(type) {
	case *rsa.PublicKey:
		alg := p.si.SignatureAlgorithm.Algorithm
		if !alg.Equal(oidRSAEncryption) && !alg.Equal(oidSHA256WithRSA) {
			return fmt.Errorf("signature algorithm %v is not supported", alg)
		}
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], p.si.Signature)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, h[:], p.si.Signature) {
			return errors.New("ECDSA signature does not verify")
		}
		return nil
	}
	return fmt.Errorf("public key type %T is not supported", p.signer.PublicKey)
}
