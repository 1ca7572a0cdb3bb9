// Package viewer opens a letter's file for a person: it reads the revision (opening it when it
// is sealed), watermarks every page with the viewer's name, the time and the class when the
// letter is classified (ลับ, ลับมาก), and writes the opening to the audit log. The API and the
// web application serve files only through it (docs/files.md).
package viewer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/saraban/saraban/domain"
	"github.com/saraban/saraban/pdfdoc"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// Files reads stored revisions (vault.Vault: sealed objects are opened transparently).
type Files interface {
	Get(ctx context.Context, key string) ([]byte, error)
}

// verifier is a Files that also checks the plaintext against the revision's digest.
type verifier interface {
	GetVerified(ctx context.Context, key, sha256hex string) ([]byte, error)
}

// Store is what the viewer needs of the system of record.
type Store interface {
	GetPerson(ctx context.Context, id string) (storage.Person, error)
	AuditFileOpen(ctx context.Context, o storage.FileOpen) error
}

// Who is the person opening a file.
type Who struct {
	Person   string // person id; "operator:<name>" at the server's command line
	Capacity string // the position they act in, when known (audit only)
	Via      string // "api", "web", "cli" (audit only)
}

// Viewer opens files. It is safe for concurrent use.
type Viewer struct {
	Store Store
	Files Files
	// Font draws the watermark; nil loads the default font (Laksaman) on first use.
	Font *pdfdoc.Font
	// Digits writes the date and time of the watermark (Thai by default).
	Digits thai.Digits
	// Now is the clock (tests set it); nil is time.Now.
	Now func() time.Time

	fontOnce sync.Once
	fontErr  error
}

// Classified tells whether a letter of this secrecy is watermarked when opened.
func Classified(secrecy string) bool {
	s, err := domain.ParseSecrecy(secrecy)
	return err == nil && s >= domain.Confidential
}

// OpenRevision returns the bytes of one revision of letter l for who: the stored file for an
// unclassified letter, a watermarked copy (an incremental update on top of the stored revision)
// for a classified one. Every opening is audited ("letter.file_open"); if the audit row cannot
// be written, the file is not given out. The caller has already decided that who may see l
// (storage.MayViewLetter or the web's policy): OpenRevision does not check it again.
func (v *Viewer) OpenRevision(ctx context.Context, l storage.Letter, rev storage.Revision, who Who) ([]byte, error) {
	return v.open(ctx, storage.FileOpen{LetterID: l.ID, Subject: "letter", Seq: rev.Seq, Kind: rev.Kind, SHA256: rev.SHA256,
		Secrecy: l.Secrecy}, rev.ObjectKey, who)
}

// OpenOutgoing is OpenRevision for a revision of an outgoing letter (draft, numbered, signed):
// a classified draft is watermarked with the reader's name too, and the opening is audited
// ("outgoing.file_open").
func (v *Viewer) OpenOutgoing(ctx context.Context, o storage.Outgoing, rev storage.OutgoingRevision, who Who) ([]byte, error) {
	return v.open(ctx, storage.FileOpen{LetterID: o.ID, Subject: "outgoing", Seq: rev.Seq, Kind: rev.Kind, SHA256: rev.SHA256,
		Secrecy: o.Secrecy}, rev.ObjectKey, who)
}

func (v *Viewer) open(ctx context.Context, f storage.FileOpen, key string, who Who) ([]byte, error) {
	if strings.TrimSpace(who.Person) == "" {
		return nil, errors.New("viewer: say who opens the file")
	}
	var data []byte
	var err error
	if vf, ok := v.Files.(verifier); ok {
		data, err = vf.GetVerified(ctx, key, f.SHA256)
	} else {
		data, err = v.Files.Get(ctx, key)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s revision %d: %w", f.Subject, f.LetterID, f.Seq, err)
	}
	marked := Classified(f.Secrecy)
	if marked {
		name, err := v.name(ctx, who.Person)
		if err != nil {
			return nil, err
		}
		font, err := v.font()
		if err != nil {
			return nil, err
		}
		if data, err = pdfdoc.Watermark(data, Lines(name, v.now(), f.Secrecy, v.Digits), font); err != nil {
			return nil, fmt.Errorf("%s %s revision %d: watermark: %w", f.Subject, f.LetterID, f.Seq, err)
		}
	}
	f.Person, f.Capacity, f.Via = who.Person, who.Capacity, who.Via
	f.Watermarked, f.Sealed = marked, strings.HasPrefix(key, "sealed/")
	if err := v.Store.AuditFileOpen(ctx, f); err != nil {
		return nil, fmt.Errorf("the opening could not be written to the audit log, so the file is not given out: %w", err)
	}
	return data, nil
}

// Lines is the watermark's text: the viewer's name, "เปิดดู" with the Buddhist Era date and
// time in Bangkok, and the class (ลับ, ลับมาก).
func Lines(name string, at time.Time, secrecy string, digits thai.Digits) []string {
	s, _ := domain.ParseSecrecy(secrecy)
	when := "เปิดดู " + thai.FormatDate(thai.DateOf(at), thai.DateStyle{Digits: digits, Abbrev: true}) + " " + thai.FormatTime(at, digits)
	out := []string{name, when}
	if c := s.Thai(); c != "" {
		out = append(out, c)
	}
	return out
}

func (v *Viewer) name(ctx context.Context, id string) (string, error) {
	if op, ok := strings.CutPrefix(id, "operator:"); ok {
		return op + " (ผู้ดูแลระบบ)", nil
	}
	p, err := v.Store.GetPerson(ctx, id)
	if err != nil {
		return "", fmt.Errorf("viewer: the name of %s for the watermark: %w", id, err)
	}
	if strings.TrimSpace(p.Name) == "" {
		return id, nil
	}
	return p.Name, nil
}

func (v *Viewer) font() (*pdfdoc.Font, error) {
	v.fontOnce.Do(func() {
		if v.Font == nil {
			v.Font, v.fontErr = pdfdoc.LoadDefaultFont()
		}
	})
	return v.Font, v.fontErr
}

func (v *Viewer) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}
