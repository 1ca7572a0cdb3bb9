package signing

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/saraban/saraban/pdfdoc"
)

// Report is the result of Verify.
type Report struct {
	Size       int64           `json:"size"`
	Signatures []SignatureInfo `json:"signatures"`
	// Valid is true when there is at least one signature and every one is valid (digest,
	// signature value, chain to a trusted root, and nothing but signatures, form fields or
	// receive stamps added after it).
	Valid bool `json:"valid"`
}

// SignatureInfo describes one signature of the document, oldest first.
type SignatureInfo struct {
	Field        string     `json:"field"`
	SubFilter    string     `json:"sub_filter"`
	Signer       string     `json:"signer"`       // subject DN of the signing certificate
	SignerName   string     `json:"signer_name"`  // its common name
	Issuer       string     `json:"issuer"`       // issuer DN
	SigningTime  *time.Time `json:"signing_time"` // claimed, from the signature dictionary's /M
	Name         string     `json:"name,omitempty"`
	Reason       string     `json:"reason,omitempty"`
	Location     string     `json:"location,omitempty"`
	ByteRange    []int64    `json:"byte_range"`
	DigestMatch  bool       `json:"digest_match"`    // the signed bytes hash to the signed message-digest
	SignatureOK  bool       `json:"signature_valid"` // the signature value verifies with the certificate
	CoversWhole  bool       `json:"covers_whole_document"`
	RevisionEnd  int64      `json:"revision_end"` // the signed revision's length in bytes
	BytesAfter   int64      `json:"bytes_added_after"`
	ChangesAfter []string   `json:"changes_after,omitempty"` // kinds of objects added or changed later
	// OnlyAllowedAfter: later revisions only add signatures, form fields, annotations' appearances
	// or receive stamps (true when nothing was added).
	OnlyAllowedAfter bool           `json:"only_signatures_or_stamps_after"`
	ChainTrusted     bool           `json:"chain_trusted"`
	Chain            []string       `json:"chain,omitempty"` // subjects from the signer to the trusted root
	ChainError       string         `json:"chain_error,omitempty"`
	SigningCertV2    bool           `json:"signing_certificate_v2"`
	SigningTimeAttr  bool           `json:"signing_time_attribute"`
	Timestamp        *TimestampInfo `json:"timestamp,omitempty"`
	Valid            bool           `json:"valid"`
	Errors           []string       `json:"errors,omitempty"`
}

// TimestampInfo describes an RFC 3161 signature timestamp (PAdES B-T).
type TimestampInfo struct {
	Time         time.Time `json:"time"`
	TSA          string    `json:"tsa"` // subject of the TSA certificate
	ImprintOK    bool      `json:"imprint_matches"`
	Trusted      bool      `json:"trusted"`
	TrustError   string    `json:"trust_error,omitempty"`
	SerialNumber string    `json:"serial_number"`
}

// ErrNoSignatures is returned by Verify wrapped when the document has no signature fields with values.
var ErrNoSignatures = errors.New("signing: the document has no signatures")

// Verify checks every signature of pdf. trust holds the trusted roots (nil: trust nothing, so
// ChainTrusted is false everywhere). It returns an error only when the file cannot be read or has
// no signature; problems with a signature are reported in its SignatureInfo.
func Verify(pdf []byte, trust *x509.CertPool) (rep Report, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("signing: the PDF could not be read: %v\n%s", r, debug.Stack())
		}
	}()
	rep.Size = int64(len(pdf))
	if info, ierr := pdfdoc.Inspect(pdf, 0); ierr != nil && info.Encrypted {
		return rep, ierr
	}
	ctx, err := pdfcpu.Read(bytes.NewReader(pdf), readerConfig(len(pdf)))
	if err != nil {
		return rep, fmt.Errorf("signing: the PDF cannot be read: %w", err)
	}
	sigs, err := findSignatures(ctx)
	if err != nil {
		return rep, err
	}
	if len(sigs) == 0 {
		return rep, ErrNoSignatures
	}
	for _, s := range sigs {
		rep.Signatures = append(rep.Signatures, verifyOne(pdf, ctx, s, trust))
	}
	slices.SortStableFunc(rep.Signatures, func(a, b SignatureInfo) int { return int(a.RevisionEnd - b.RevisionEnd) })
	rep.Valid = true
	for _, s := range rep.Signatures {
		rep.Valid = rep.Valid && s.Valid
	}
	return rep, nil
}

func readerConfig(size int) *model.Configuration {
	lim := model.DefaultResourceLimits()
	lim.MaxStreamBytes = int64(size) + 1
	lim.MaxDecodeBytes = 256 << 20
	return &model.Configuration{
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       types.EolLF,
		Limits:                    lim,
	}
}

type foundSig struct {
	field string
	v     types.Dict
}

// findSignatures walks the form's field tree for signature fields that have a value.
func findSignatures(ctx *model.Context) ([]foundSig, error) {
	root, err := ctx.Catalog()
	if err != nil {
		return nil, fmt.Errorf("signing: the document catalog cannot be read: %w", err)
	}
	af, _ := ctx.DereferenceDict(root["AcroForm"])
	if af == nil {
		return nil, nil
	}
	fo, _ := ctx.Dereference(af["Fields"])
	fields, _ := fo.(types.Array)
	var out []foundSig
	seen := map[string]bool{}
	var walk func(o types.Object, parent string, ft string, depth int)
	walk = func(o types.Object, parent string, ft string, depth int) {
		if depth > 32 {
			return
		}
		if r, ok := o.(types.IndirectRef); ok {
			if seen[r.String()] {
				return
			}
			seen[r.String()] = true
		}
		d, err := ctx.DereferenceDict(o)
		if err != nil || d == nil {
			return
		}
		name := parent
		if t := textOf(ctx, d["T"]); t != "" {
			if name != "" {
				name += "."
			}
			name += t
		}
		if n, ok := d["FT"].(types.Name); ok {
			ft = string(n)
		}
		if ft == "Sig" {
			if v, _ := ctx.DereferenceDict(d["V"]); v != nil {
				out = append(out, foundSig{field: name, v: v})
			}
		}
		ko, _ := ctx.Dereference(d["Kids"])
		if kids, ok := ko.(types.Array); ok {
			for _, k := range kids {
				walk(k, name, ft, depth+1)
			}
		}
	}
	for _, f := range fields {
		walk(f, "", "", 0)
	}
	return out, nil
}

func textOf(ctx *model.Context, o types.Object) string {
	o, _ = ctx.Dereference(o)
	switch v := o.(type) {
	case types.StringLiteral:
		s, err := types.StringLiteralToString(v)
		if err == nil {
			return s
		}
		return string(v)
	case types.HexLiteral:
		s, err := types.HexLiteralToString(v)
		if err == nil {
			return s
		}
	}
	return ""
}

func bytesOf(ctx *model.Context, o types.Object) []byte {
	o, _ = ctx.Dereference(o)
	switch v := o.(type) {
	case types.HexLiteral:
		b, _ := v.Bytes()
		return b
	case types.StringLiteral:
		b, _ := types.Unescape(string(v))
		return b
	}
	return nil
}

func verifyOne(pdf []byte, ctx *model.Context, s foundSig, trust *x509.CertPool) SignatureInfo {
	si := SignatureInfo{Field: s.field}
	bad := func(format string, args ...any) { si.Errors = append(si.Errors, fmt.Sprintf(format, args...)) }
	if n, ok := s.v["SubFilter"].(types.Name); ok {
		si.SubFilter = string(n)
	}
	si.Name = textOf(ctx, s.v["Name"])
	si.Reason = textOf(ctx, s.v["Reason"])
	si.Location = textOf(ctx, s.v["Location"])
	if m := textOf(ctx, s.v["M"]); m != "" {
		if t, ok := types.DateTime(m, true); ok {
			si.SigningTime = &t
		}
	}
	bro, _ := ctx.Dereference(s.v["ByteRange"])
	ba, _ := bro.(types.Array)
	for _, e := range ba {
		if i, ok := e.(types.Integer); ok {
			si.ByteRange = append(si.ByteRange, int64(i))
		}
	}
	size := int64(len(pdf))
	br := si.ByteRange
	if len(br) != 4 || br[0] != 0 || br[1] <= 0 || br[2] < br[1] || br[3] < 0 || br[2]+br[3] > size {
		bad("the byte range %v is not a valid range of this file", br)
		return si
	}
	si.RevisionEnd = br[2] + br[3]
	si.BytesAfter = size - si.RevisionEnd
	si.CoversWhole = si.BytesAfter == 0
	// The hole must be exactly the /Contents hex string.
	hole := pdf[br[1]:br[2]]
	if len(hole) < 2 || hole[0] != '<' || hole[len(hole)-1] != '>' {
		bad("the unsigned gap of the byte range is not the /Contents string")
	}
	contents := bytesOf(ctx, s.v["Contents"])
	if len(contents) == 0 {
		bad("the signature has no /Contents")
		return si
	}
	p, err := parseCMS(contents)
	if err != nil {
		bad("%v", err)
		return si
	}
	cert := p.signer
	si.Signer = cert.Subject.String()
	si.SignerName = cert.Subject.CommonName
	si.Issuer = cert.Issuer.String()
	si.SigningCertV2 = p.hasSigningCertV2
	si.SigningTimeAttr = p.hasSigningTime
	if p.hasSigningCertV2 && !p.certV2Match {
		bad("the signing-certificate-v2 attribute does not match the signer's certificate")
	}

	h := sha256.New()
	h.Write(pdf[:br[1]])
	h.Write(pdf[br[2]:si.RevisionEnd])
	si.DigestMatch = p.messageDigest != nil && bytes.Equal(h.Sum(nil), p.messageDigest)
	if !si.DigestMatch {
		bad("the document was changed in the signed bytes (digest mismatch)")
	}
	if err := p.checkSignature(); err != nil {
		bad("the signature value is not valid: %v", err)
	} else {
		si.SignatureOK = true
	}

	at := time.Now()
	if len(p.tsToken) > 0 {
		ti := &TimestampInfo{}
		si.Timestamp = ti
		ts, err := timestamp.Parse(p.tsToken)
		if err != nil {
			bad("the signature timestamp cannot be read: %v", err)
		} else {
			ti.Time = ts.Time
			ti.SerialNumber = ts.SerialNumber.String()
			want := sha256.Sum256(p.si.Signature)
			ti.ImprintOK = ts.HashAlgorithm.Available() && bytes.Equal(ts.HashedMessage, hashWith(ts, p.si.Signature, want[:]))
			if !ti.ImprintOK {
				bad("the timestamp is not over this signature")
			}
			if len(ts.Certificates) > 0 {
				tc := ts.Certificates[0]
				ti.TSA = tc.Subject.String()
				// The TSA's issuers may be in the token or, as often, only in the signature.
				inter := x509.NewCertPool()
				for _, c := range append(ts.Certificates[1:], p.certs...) {
					inter.AddCert(c)
				}
				if trust != nil {
					_, err := tc.Verify(x509.VerifyOptions{Roots: trust, Intermediates: inter, CurrentTime: ts.Time,
						KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
					if err != nil {
						ti.TrustError = err.Error()
					} else {
						ti.Trusted = true
					}
				} else {
					ti.TrustError = "no trust store given"
				}
			}
			if ti.ImprintOK {
				at = ts.Time
			}
		}
	}

	inter := x509.NewCertPool()
	for _, c := range p.certs {
		if !c.Equal(cert) {
			inter.AddCert(c)
		}
	}
	if trust == nil {
		si.ChainError = "no trust store given"
	} else if chains, err := cert.Verify(x509.VerifyOptions{Roots: trust, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		si.ChainError = err.Error()
	} else {
		si.ChainTrusted = true
		for _, c := range chains[0] {
			si.Chain = append(si.Chain, c.Subject.String())
		}
	}
	if !si.ChainTrusted {
		bad("the certificate chain does not reach a trusted root: %s", si.ChainError)
	}

	si.ChangesAfter, si.OnlyAllowedAfter = changesAfter(pdf, ctx, si.RevisionEnd)
	if !si.OnlyAllowedAfter {
		bad("the document was changed after this signature beyond adding signatures or stamps")
	}
	si.Valid = len(si.Errors) == 0
	return si
}

func hashWith(ts *timestamp.Timestamp, data, sha []byte) []byte {
	if ts.HashAlgorithm == 0 {
		return nil
	}
	h := ts.HashAlgorithm.New()
	h.Write(data)
	return h.Sum(nil)
}

var objHeader = regexp.MustCompile(`(?:^|[\r\n])[ \t]*(\d+)[ \t]+(\d+)[ \t]+obj\b`)

// Kinds of change after a signature that later signing and receive stamping make.
var allowedAfter = map[string]bool{
	"signature": true, "form field": true, "appearance": true, "form": true, "catalog": true,
	"page annotations": true, "receive stamp": true, "xref": true,
}

// changesAfter classifies the objects written after the revision that ends at end. Allowed are
// what later signing and receive stamping write: signature dictionaries and fields, widgets and
// their appearance streams, fonts and images, the form (/AcroForm, /Fields), the catalog and
// page objects that gain annotations, cross-reference streams, and receive stamps (a marked
// form XObject and the page content streams that draw it). It is a classification of the
// objects written, not a comparison of the revisions' renderings.
func changesAfter(pdf []byte, ctx *model.Context, end int64) ([]string, bool) {
	if end >= int64(len(pdf)) {
		return nil, true
	}
	pageContent := map[int]bool{}
	for i := 1; i <= ctx.PageCount; i++ {
		pd, _, _, err := ctx.PageDict(i, false)
		if err != nil {
			continue
		}
		switch v := pd["Contents"].(type) {
		case types.IndirectRef:
			pageContent[v.ObjectNumber.Value()] = true
			if a, _ := ctx.DereferenceArray(v); a != nil {
				for _, e := range a {
					if r, ok := e.(types.IndirectRef); ok {
						pageContent[r.ObjectNumber.Value()] = true
					}
				}
			}
		case types.Array:
			for _, e := range v {
				if r, ok := e.(types.IndirectRef); ok {
					pageContent[r.ObjectNumber.Value()] = true
				}
			}
		}
	}
	kinds := map[string]bool{}
	for _, m := range objHeader.FindAllSubmatch(pdf[end:], -1) {
		num, _ := strconv.Atoi(string(m[1]))
		gen, _ := strconv.Atoi(string(m[2]))
		o, err := ctx.Dereference(*types.NewIndirectRef(num, gen))
		if err != nil || o == nil {
			continue // not a live object (a false match inside a stream, or since replaced)
		}
		if pageContent[num] {
			kinds["page content"] = true
			continue
		}
		kinds[classify(ctx, o)] = true
	}
	ok := true
	var out []string
	for k := range kinds {
		out = append(out, k)
		if !allowedAfter[k] && !(k == "page content" && kinds["receive stamp"]) {
			ok = false
		}
	}
	slices.Sort(out)
	return out, ok
}

func classify(ctx *model.Context, o types.Object) string {
	var d types.Dict
	switch v := o.(type) {
	case types.Dict:
		d = v
	case types.StreamDict:
		if v.Dict["SarabanStamp"] != nil {
			return "receive stamp"
		}
		if t, _ := v.Dict["Type"].(types.Name); t == "XRef" {
			return "xref"
		}
		if t, _ := v.Dict["Type"].(types.Name); t == "ObjStm" {
			return "object stream"
		}
		// Not a page's content: a form, image, font program or CMap of an appearance.
		return "appearance"
	case types.XRefStreamDict:
		return "xref"
	case types.ObjectStreamDict:
		return "object stream"
	case types.Array:
		return "form" // /Fields or /Annots arrays
	default:
		return "other"
	}
	t, _ := d["Type"].(types.Name)
	switch {
	case t == "XRef" || d["W"] != nil && d["Size"] != nil: // pdfcpu may drop /Type of xref streams
		return "xref"
	case t == "ObjStm":
		return "object stream"
	case t == "Sig" || t == "DocTimeStamp":
		return "signature"
	case t == "Catalog":
		return "catalog"
	case t == "Annot" || d["FT"] != nil || d["Subtype"] == types.Name("Widget"):
		return "form field"
	case d["Fields"] != nil:
		return "form"
	case t == "Page":
		if xo, _ := ctx.DereferenceDict(resourcesOf(ctx, d)["XObject"]); xo != nil {
			for _, v := range xo {
				if sd, _, err := ctx.DereferenceStreamDict(v); err == nil && sd != nil && sd.Dict["SarabanStamp"] != nil {
					return "receive stamp"
				}
			}
		}
		return "page annotations"
	case t == "Font" || t == "FontDescriptor":
		return "appearance"
	}
	return "other"
}

func resourcesOf(ctx *model.Context, d types.Dict) types.Dict {
	r, _ := ctx.DereferenceDict(d["Resources"])
	if r == nil {
		return types.Dict{}
	}
	return r
}

// LoadTrust reads trusted root certificates from files and folders: PEM (one or more
// certificates) or DER files; in a folder, every regular file is read and those that hold no
// certificate are skipped.
func LoadTrust(paths ...string) (*x509.CertPool, int, error) {
	pool := x509.NewCertPool()
	n := 0
	add := func(path string, strict bool) error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		certs := parseCerts(b)
		if len(certs) == 0 && strict {
			return fmt.Errorf("signing: %s holds no certificate", path)
		}
		for _, c := range certs {
			pool.AddCert(c)
			n++
		}
		return nil
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, 0, fmt.Errorf("signing: trust store: %w", err)
		}
		if !st.IsDir() {
			if err := add(p, true); err != nil {
				return nil, 0, err
			}
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, 0, fmt.Errorf("signing: trust store: %w", err)
		}
		for _, e := range ents {
			if e.Type().IsRegular() {
				if err := add(filepath.Join(p, e.Name()), false); err != nil {
					return nil, 0, err
				}
			}
		}
	}
	return pool, n, nil
}

func parseCerts(b []byte) []*x509.Certificate {
	var out []*x509.Certificate
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type == "CERTIFICATE" {
			if c, err := x509.ParseCertificate(blk.Bytes); err == nil {
				out = append(out, c)
			}
		}
	}
	if len(out) == 0 {
		if cs, err := x509.ParseCertificates(b); err == nil {
			out = cs
		}
	}
	return out
}

func pdfcpuRead(pdf []byte) (*model.Context, error) {
	return pdfcpu.Read(bytes.NewReader(pdf), readerConfig(len(pdf)))
}
