package activities

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/saraban/saraban/pdfdoc"
	"github.com/saraban/saraban/signing"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/workflows"
)

// SignKeys gives the signing key of a person. Keys stay on the worker: the workflow only names
// the person, and the activity loads the key when it signs.
type SignKeys interface {
	SignerFor(person string) (signing.Signer, error)
}

// KeyDir is a folder of PKCS#12 files, one per person: <dir>/<person>.p12, its password in
// <dir>/<person>.pass or else in the environment variable SARABAN_SIGN_PASSWORD (empty allowed).
type KeyDir string

// SignerFor loads the key of person.
func (d KeyDir) SignerFor(person string) (signing.Signer, error) {
	if person == "" || strings.ContainsAny(person, `/\`) || strings.HasPrefix(person, ".") {
		return nil, fmt.Errorf("no signing key for %q", person)
	}
	p12 := filepath.Join(string(d), person+".p12")
	if _, err := os.Stat(p12); err != nil {
		return nil, fmt.Errorf("no signing key for %s in the key folder (%s): %w", person, p12, err)
	}
	pass := filepath.Join(string(d), person+".pass")
	if _, err := os.Stat(pass); err != nil {
		pass = ""
	}
	pw, err := signing.ReadPassword(pass, "SARABAN_SIGN_PASSWORD")
	if err != nil {
		return nil, err
	}
	return signing.LoadPKCS12(p12, pw)
}

// OutgoingStore is what the outgoing-letter activities need of the system of record
// (*storage.DB). Activities.Store must implement it for the OutgoingLetter workflow.
type OutgoingStore interface {
	GetOutgoing(ctx context.Context, id string) (storage.Outgoing, error)
	RecordOutgoingStep(ctx context.Context, p storage.OutgoingStepParams) (bool, error)
	TakeSendNumber(ctx context.Context, id string, now func() time.Time) (storage.SendNumber, error)
	AddOutgoingRevision(ctx context.Context, id, kind, sha, key string, size int64, actor string) (storage.OutgoingRevision, error)
	RecordOutgoingSigned(ctx context.Context, id, person string, capacity []string, at time.Time, sha string) error
	DeliverToUnit(ctx context.Context, id, unit string, now func() time.Time) (storage.OutgoingDelivery, error)
	RecordEmailDelivery(ctx context.Context, id, address, status, errText string) error
	SetOutgoingStatus(ctx context.Context, id, status string) error
	Resolve(ctx context.Context, personID, power, unitCode string, at time.Time) (storage.Authority, error)
}

// OutgoingNames maps the outgoing-letter activities to their names.
func (a *Activities) OutgoingNames() map[string]any {
	return map[string]any{
		workflows.ActivityRecordOutgoingStep: a.RecordOutgoingStep,
		workflows.ActivityAuthorizeSigner:    a.AuthorizeSigner,
		workflows.ActivityNumberOutgoing:     a.NumberOutgoing,
		workflows.ActivitySignOutgoing:       a.SignOutgoing,
		workflows.ActivityDispatchOutgoing:   a.DispatchOutgoing,
	}
}

func (a *Activities) outgoing() (OutgoingStore, error) {
	if s, ok := a.Store.(OutgoingStore); ok {
		return s, nil
	}
	return nil, temporal.NewNonRetryableApplicationError("the worker's store does not keep outgoing letters", "Config", nil)
}

func (a *Activities) keys() SignKeys {
	if a.SignKeys != nil {
		return a.SignKeys
	}
	if dir := os.Getenv("SARABAN_SIGN_KEYS"); dir != "" {
		return KeyDir(dir)
	}
	return nil
}

func storeErr(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return temporal.NewNonRetryableApplicationError(err.Error(), "NotFound", err)
	}
	if errors.Is(err, storage.ErrForbidden) {
		return temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrRefused, err)
	}
	return err
}

// RecordOutgoingStep records an approve, return, resubmit or sign step.
func (a *Activities) RecordOutgoingStep(ctx context.Context, in workflows.RecordOutgoingStepInput) error {
	s, err := a.outgoing()
	if err != nil {
		return err
	}
	p := storage.OutgoingStepParams{ID: in.OutgoingID, RequestID: in.Action.Kind + "/" + in.Action.RequestID, Round: in.Round,
		Kind: in.Action.Kind, Actor: in.Action.Actor, Note: in.Action.Note, At: in.At, Status: in.Status}
	if in.Action.Kind == "sign" {
		p.Status = ""
	}
	if d := in.Action.Draft; d != nil && in.Action.Kind != "sign" && in.Action.Kind != "approve" {
		p.Draft = &storage.OutgoingRevision{SHA256: d.SHA256, ObjectKey: d.ObjectKey, Size: d.Size}
	}
	_, err = s.RecordOutgoingStep(ctx, p)
	return storeErr(err)
}

// AuthorizeSigner resolves, at signing time, whether the person may sign the letter for the
// register's unit (their own power or a delegation valid that day) and the capacity lines to
// print; it also checks that the worker holds the person's key, before a number is taken.
func (a *Activities) AuthorizeSigner(ctx context.Context, in workflows.AuthorizeSignerInput) (workflows.SignerAuthority, error) {
	s, err := a.outgoing()
	if err != nil {
		return workflows.SignerAuthority{}, err
	}
	o, err := s.GetOutgoing(ctx, in.OutgoingID)
	if err != nil {
		return workflows.SignerAuthority{}, storeErr(err)
	}
	if o.Secrecy == "top_secret" {
		return workflows.SignerAuthority{}, temporal.NewNonRetryableApplicationError("a ลับที่สุด letter is never signed in the system", workflows.ErrRefused, nil)
	}
	auth, err := s.Resolve(ctx, in.Person, "sign", o.Unit, in.At)
	if err != nil {
		var ae *storage.AuthorityError
		if errors.As(err, &ae) {
			return workflows.SignerAuthority{}, temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrRefused, err)
		}
		return workflows.SignerAuthority{}, storeErr(err)
	}
	keys := a.keys()
	if keys == nil {
		return workflows.SignerAuthority{}, temporal.NewNonRetryableApplicationError("the worker has no signing keys (--sign-keys DIR / SARABAN_SIGN_KEYS)", "NoKey", nil)
	}
	if _, err := keys.SignerFor(in.Person); err != nil {
		return workflows.SignerAuthority{}, temporal.NewNonRetryableApplicationError(err.Error(), "NoKey", err)
	}
	return workflows.SignerAuthority{Person: auth.Person, Name: auth.Name, Title: auth.Title, Capacity: auth.CapacityLines}, nil
}

// NumberOutgoing takes the send number (once: a retry gets the same number) and stamps it on the
// latest draft as an incremental revision, so the signature that follows covers it.
func (a *Activities) NumberOutgoing(ctx context.Context, in workflows.NumberOutgoingInput) (workflows.NumberOutgoingResult, error) {
	s, err := a.outgoing()
	if err != nil {
		return workflows.NumberOutgoingResult{}, err
	}
	num, err := s.TakeSendNumber(ctx, in.OutgoingID, func() time.Time { return in.At })
	if err != nil {
		return workflows.NumberOutgoingResult{}, storeErr(err)
	}
	res := workflows.NumberOutgoingResult{DocNumber: num.DocNumber, Number: num.Number, Year: num.Year}
	o, err := s.GetOutgoing(ctx, in.OutgoingID)
	if err != nil {
		return res, storeErr(err)
	}
	var draft storage.OutgoingRevision
	for _, r := range o.Revisions {
		switch r.Kind {
		case "numbered":
			res.Seq, res.SHA256 = r.Seq, r.SHA256
			return res, nil
		case "draft":
			draft = r
		}
	}
	base, err := a.getFile(ctx, draft.ObjectKey)
	if err != nil {
		return res, err
	}
	slot, err := pdfdoc.StampCount(base)
	if err != nil {
		slot = 0
	}
	st := pdfdoc.ReceiveStamp{
		Unit:        o.UnitName,
		NumberLabel: "ที่",
		Number:      a.Digits.Apply(num.DocNumber),
		Date:        thai.FormatDate(thai.DateOf(num.At), thai.DateStyle{Digits: a.Digits, Abbrev: true}),
	}
	out, err := pdfdoc.AddReceiveStamp(base, st, slot, a.Font)
	if err != nil {
		return res, temporal.NewNonRetryableApplicationError(fmt.Sprintf("stamp the send number on outgoing letter %s: %v", in.OutgoingID, err), "BadDocument", err)
	}
	key, digest, err := a.putLike(ctx, draft.ObjectKey, out)
	if err != nil {
		return res, err
	}
	rev, err := s.AddOutgoingRevision(ctx, in.OutgoingID, "numbered", digest, key, int64(len(out)), "system:outgoing")
	if err != nil {
		return res, err
	}
	res.Seq, res.SHA256 = rev.Seq, rev.SHA256
	return res, nil
}

// SignOutgoing signs the numbered revision with the signer's key (loaded here, on the worker)
// and a visible block with the name, capacity lines and BE date. A retry after the signed
// revision was recorded returns it.
func (a *Activities) SignOutgoing(ctx context.Context, in workflows.SignOutgoingInput) (workflows.SignOutgoingResult, error) {
	s, err := a.outgoing()
	if err != nil {
		return workflows.SignOutgoingResult{}, err
	}
	o, err := s.GetOutgoing(ctx, in.OutgoingID)
	if err != nil {
		return workflows.SignOutgoingResult{}, storeErr(err)
	}
	var numbered *storage.OutgoingRevision
	for i, r := range o.Revisions {
		switch r.Kind {
		case "signed":
			if err := s.RecordOutgoingSigned(ctx, in.OutgoingID, in.Signer.Person, in.Signer.Capacity, in.At, r.SHA256); err != nil {
				return workflows.SignOutgoingResult{}, err
			}
			return workflows.SignOutgoingResult{Seq: r.Seq, SHA256: r.SHA256}, nil
		case "numbered":
			numbered = &o.Revisions[i]
		}
	}
	if numbered == nil {
		return workflows.SignOutgoingResult{}, temporal.NewNonRetryableApplicationError("the letter has no send number yet", workflows.ErrRefused, nil)
	}
	keys := a.keys()
	if keys == nil {
		return workflows.SignOutgoingResult{}, temporal.NewNonRetryableApplicationError("the worker has no signing keys", "NoKey", nil)
	}
	key, err := keys.SignerFor(in.Signer.Person)
	if err != nil {
		return workflows.SignOutgoingResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "NoKey", err)
	}
	pdf, err := a.getFile(ctx, numbered.ObjectKey)
	if err != nil {
		return workflows.SignOutgoingResult{}, err
	}
	block := signing.Block{Name: in.Signer.Name, Capacity: in.Signer.Capacity, Date: in.At, ArabicDigits: a.Digits != thai.ThaiDigits}
	page, rect := 1, workflows.DefaultSignRect
	if p := in.Placement; p != nil {
		page, rect = p.Page, p.Rect
	}
	out, err := signing.Sign(pdf, key, signing.Options{
		Time:    in.At,
		Reason:  "ลงนามหนังสือ ที่ " + o.DocNumber,
		Name:    in.Signer.Name,
		Visible: &signing.Visible{Page: page, Rect: rect, Block: block, Font: a.Font},
	})
	if err != nil {
		return workflows.SignOutgoingResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("sign outgoing letter %s: %v", in.OutgoingID, err), "BadDocument", err)
	}
	objKey, digest, err := a.putLike(ctx, numbered.ObjectKey, out)
	if err != nil {
		return workflows.SignOutgoingResult{}, err
	}
	rev, err := s.AddOutgoingRevision(ctx, in.OutgoingID, "signed", digest, objKey, int64(len(out)), in.Signer.Person)
	if err != nil {
		return workflows.SignOutgoingResult{}, err
	}
	if err := s.RecordOutgoingSigned(ctx, in.OutgoingID, in.Signer.Person, in.Signer.Capacity, in.At, rev.SHA256); err != nil {
		return workflows.SignOutgoingResult{}, err
	}
	return workflows.SignOutgoingResult{Seq: rev.Seq, SHA256: rev.SHA256}, nil
}

// DispatchOutgoing sends the signed letter: each unit of this installation receives it as an
// incoming letter in its own receive register (own number, workflow and stamp); each e-mail
// address receives one mail with the signed PDF attached (outgoing_mail.go; without a mailer
// its delivery row waits, pending). Every delivery is idempotent, so a retry makes no second
// copy; while mail is still to be retried the activity fails with ErrMailRetry and the backoff
// it asks for, and the letter becomes sent when every address was sent to or given up.
func (a *Activities) DispatchOutgoing(ctx context.Context, in workflows.DispatchOutgoingInput) (workflows.DispatchOutgoingResult, error) {
	var res workflows.DispatchOutgoingResult
	s, err := a.outgoing()
	if err != nil {
		return res, err
	}
	o, err := s.GetOutgoing(ctx, in.OutgoingID)
	if err != nil {
		return res, storeErr(err)
	}
	now := a.Clock
	if now == nil {
		now = time.Now
	}
	var emails []string
	for _, r := range o.Recipients {
		if r.Unit != "" {
			if _, err := s.DeliverToUnit(ctx, in.OutgoingID, r.Unit, now); err != nil {
				return res, fmt.Errorf("deliver to %s: %w", r.Unit, err)
			}
			res.Units++
			continue
		}
		emails = append(emails, r.Email)
	}
	res.Emails = len(emails)
	if res.Failed, err = a.mailOutgoing(ctx, o, emails); err != nil {
		return res, err
	}
	return res, s.SetOutgoingStatus(ctx, in.OutgoingID, storage.OutgoingSent)
}

// MakeDemoKeys makes a throw-away CA (<dir>/ca.pem, <dir>/ca.key) and one ECDSA P-256 key per
// person (<dir>/<id>.p12 with its password in <dir>/<id>.pass), certified in the person's name,
// for demos and tests. It is idempotent: an existing CA is reused and existing keys are kept.
// It returns the ids of the keys it made.
func MakeDemoKeys(dir string, people map[string]string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	caCert, caKey, err := demoCA(dir)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(people))
	for id := range people {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var made []string
	for _, id := range ids {
		if id == "" || strings.ContainsAny(id, `/\`) || strings.HasPrefix(id, ".") {
			return made, fmt.Errorf("person id %q cannot name a key file", id)
		}
		p12 := filepath.Join(dir, id+".p12")
		if _, err := os.Stat(p12); err == nil {
			continue
		}
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return made, err
		}
		tmpl := demoTemplate(people[id], false)
		tmpl.Subject.SerialNumber = id
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
		if err != nil {
			return made, err
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return made, err
		}
		pwb := make([]byte, 12)
		if _, err := rand.Read(pwb); err != nil {
			return made, err
		}
		pw := hex.EncodeToString(pwb)
		data, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{caCert}, pw)
		if err != nil {
			return made, err
		}
		if err := os.WriteFile(filepath.Join(dir, id+".pass"), []byte(pw+"\n"), 0o600); err != nil {
			return made, err
		}
		if err := os.WriteFile(p12, data, 0o600); err != nil {
			return made, err
		}
		made = append(made, id)
	}
	return made, nil
}

func demoTemplate(cn string, ca bool) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	t := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"saraban demo"}},
		NotBefore:    time.Now().Add(-24 * time.Hour),
		NotAfter:     time.Now().AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	if ca {
		t.IsCA, t.BasicConstraintsValid = true, true
		t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	}
	return t
}

func demoCA(dir string) (*x509.Certificate, crypto.Signer, error) {
	certFile, keyFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca.key")
	if cb, err := os.ReadFile(certFile); err == nil {
		kb, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, nil, err
		}
		cblk, _ := pem.Decode(cb)
		kblk, _ := pem.Decode(kb)
		if cblk == nil || kblk == nil {
			return nil, nil, fmt.Errorf("%s or %s is not PEM", certFile, keyFile)
		}
		cert, err := x509.ParseCertificate(cblk.Bytes)
		if err != nil {
			return nil, nil, err
		}
		key, err := x509.ParseECPrivateKey(kblk.Bytes)
		if err != nil {
			return nil, nil, err
		}
		return cert, key, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := demoTemplate("saraban demo CA (not for real use)", true)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}
