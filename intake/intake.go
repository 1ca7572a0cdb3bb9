// Package intake is the receive use case (การรับหนังสือ): it checks what the clerk gives,
// stores the original PDF content-addressed, and numbers the letter in its receive register in
// one transaction. Nothing is stored when any check fails.
package intake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/saraban/saraban/domain"
	"github.com/saraban/saraban/pdfdoc"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// DefaultMaxSize is the largest PDF accepted unless configured otherwise.
const DefaultMaxSize = 50 << 20

// Kind classifies an intake error; the API maps it to an HTTP status in one place.
type Kind string

// Error kinds.
const (
	Invalid   Kind = "invalid"
	NotFound  Kind = "not_found"
	Forbidden Kind = "forbidden"
	TooLarge  Kind = "too_large"
	Duplicate Kind = "duplicate"
	Internal  Kind = "internal"
)

// Error is a refusal with a message that says what to fix.
type Error struct {
	Kind    Kind   `json:"kind"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Err     error  `json:"-"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func invalid(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Request is one letter to receive. Text fields are as the clerk typed them: Thai or Arabic
// digits, Thai or ISO dates.
type Request struct {
	Register  string
	PDF       []byte
	DocNumber string
	DocDate   string
	From      string
	To        string
	Subject   string
	Urgency   string
	Secrecy   string
	Deadline  string
	Note      string
	// Actor is a person id (API) or "operator:<name>" (CLI on the server).
	Actor string
	// Person is set when a person acts: their right to use the register is checked.
	Person         bool
	AllowDuplicate bool
	// Auto reads the letter and fills the fields left empty (never those typed).
	Auto bool
}

// Receipt is the answer to a receipt.
type Receipt struct {
	LetterID       string    `json:"letter_id"`
	EntryID        int64     `json:"entry_id"`
	Register       string    `json:"register"`
	Year           int       `json:"year"`
	Number         int       `json:"number"`
	ReceivedAt     time.Time `json:"received_at"`
	OriginalSHA256 string    `json:"original_sha256"`
	Capacity       string    `json:"capacity,omitempty"`
	Pages          int       `json:"pages"`
	Warnings       []string  `json:"warnings,omitempty"`
	Proposal       *Proposal `json:"proposal,omitempty"`
}

// Blobs is the object store as intake needs it.
type Blobs interface {
	PutPDF(ctx context.Context, data []byte) (key, digest string, err error)
}

// Sealer is a Blobs that can also store a file encrypted at rest (vault.Vault). The original
// of a classified letter (ลับ, ลับมาก) is stored with PutSealed; when Blobs is not a Sealer or
// has no keys, such a letter is refused and nothing is stored (docs/files.md).
type Sealer interface {
	Blobs
	PutSealed(ctx context.Context, data []byte) (key, digest string, err error)
	CanSeal() bool
}

// Classified tells whether a letter of this secrecy (a code or Thai word) has its files sealed.
func Classified(secrecy string) bool {
	s, err := domain.ParseSecrecy(secrecy)
	return err == nil && (s == domain.Confidential || s == domain.Secret)
}

// noKeys is the refusal of a classified letter when no file keys are configured.
func noKeys(secrecy string) *Error {
	s, _ := domain.ParseSecrecy(secrecy)
	return &Error{Kind: Internal, Field: "secrecy", Message: fmt.Sprintf(
		"a %s letter's file must be encrypted at rest, and this server has no file keys: the operator must configure them with --file-keys FILE or SARABAN_FILE_KEYS (make a key file with `saraban keys files --out FILE`); nothing was registered", s.Thai())}
}

// Authorizer decides in which capacity a person may receive into a register.
type Authorizer interface {
	CanReceiveInto(ctx context.Context, personID, register string) (capacity string, err error)
}

// Service receives letters.
type Service struct {
	DB      *storage.DB
	Blobs   Blobs
	Auth    Authorizer
	MaxSize int64
	// Now is the clock; tests set it to cross a year boundary.
	Now func() time.Time
	// Reader reads a letter for Auto receipts; AutoAcceptDeadlines lets a deadline read with
	// high confidence become the letter's deadline (an operator's choice).
	Reader              Reader
	AutoAcceptDeadlines bool
}

func (s *Service) maxSize() int64 {
	if s.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return s.MaxSize
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// checked is a request after its fields were parsed.
type checked struct {
	letter   storage.NewLetter
	warnings []string
	pages    int
}

// Check parses and validates the request without storing anything.
func (s *Service) check(ctx context.Context, req Request) (checked, error) {
	var c checked
	if strings.TrimSpace(req.Register) == "" {
		return c, invalid("register", "say which receive register the letter goes into (--register CODE; see `saraban register list`)")
	}
	kind, err := s.DB.RegisterKind(ctx, req.Register)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return c, &Error{Kind: NotFound, Field: "register", Message: err.Error(), Err: err}
		}
		return c, err
	}
	if kind != "receive" {
		return c, invalid("register", "register %s is a %s register: receive letters into a receive register", req.Register, kind)
	}
	max := s.maxSize()
	if len(req.PDF) == 0 {
		return c, invalid("file", "no file was given: attach the letter as a PDF")
	}
	if int64(len(req.PDF)) > max {
		return c, &Error{Kind: TooLarge, Field: "file", Message: fmt.Sprintf("the file is %.1f MB, over the limit of %.1f MB: scan at a lower resolution or split it", float64(len(req.PDF))/(1<<20), float64(max)/(1<<20))}
	}
	info, err := pdfdoc.Inspect(req.PDF, max)
	if err != nil {
		var pe *pdfdoc.Error
		if errors.As(err, &pe) && pe.Kind == pdfdoc.TooLarge {
			return c, &Error{Kind: TooLarge, Field: "file", Message: pe.Message, Err: err}
		}
		return c, &Error{Kind: Invalid, Field: "file", Message: err.Error(), Err: err}
	}
	c.pages = info.Pages
	today := thai.DateOf(s.now())

	l := storage.NewLetter{ID: uuid.NewString(), From: strings.TrimSpace(req.From), To: strings.TrimSpace(req.To),
		Subject: strings.TrimSpace(req.Subject), Pages: info.Pages}
	if raw := strings.TrimSpace(req.DocNumber); raw != "" {
		l.DocNumberRaw = raw
		if dn, err := domain.ParseDocNumber(raw); err == nil {
			l.DocNumber = dn.Canonical()
		} else {
			c.warnings = append(c.warnings, fmt.Sprintf("doc_number %q does not follow the ที่ <letters> <code>/<number> form; kept as typed", raw))
		}
	}
	var docDate *thai.Date
	if raw := strings.TrimSpace(req.DocDate); raw != "" {
		d, err := thai.ParseDate(raw)
		var wm *thai.WeekdayMismatchError
		if errors.As(err, &wm) {
			// The letter itself may print a wrong weekday (corpus 002-B): keep the date as
			// written and flag it, never fix it silently.
			c.warnings = append(c.warnings, "doc_date: "+err.Error())
		} else if err != nil {
			return c, invalid("doc_date", "%v", err)
		}
		if d.Time(thai.Bangkok).After(today.Time(thai.Bangkok)) {
			return c, invalid("doc_date", "the letter's date %s (%s) is after today (%s): check the year (Buddhist Era years are 543 more than Christian ones)",
				raw, d.String(), today.String())
		}
		t := d.Time(time.UTC)
		l.DocDate, l.DocDateRaw, docDate = &t, raw, &d
	}
	if u, err := domain.ParseUrgency(req.Urgency); err != nil {
		return c, invalid("urgency", "%v", err)
	} else {
		l.Urgency = u.String()
	}
	sec, err := domain.ParseSecrecy(req.Secrecy)
	if err != nil {
		return c, invalid("secrecy", "%v", err)
	}
	if sec == domain.TopSecret {
		return c, invalid("secrecy", "ลับที่สุด (top secret) letters may not enter the e-saraban system (ระเบียบงานสารบรรณ 2564): handle it on paper through the secrets registrar")
	}
	l.Secrecy = sec.String()
	if raw := strings.TrimSpace(req.Deadline); raw != "" {
		t, err := thai.ParseDateTime(raw)
		var wm *thai.WeekdayMismatchError
		if errors.As(err, &wm) {
			c.warnings = append(c.warnings, "deadline: "+err.Error())
		} else if err != nil {
			return c, invalid("deadline", "%v", err)
		}
		if docDate != nil && thai.DateOf(t).Time(thai.Bangkok).Before(docDate.Time(thai.Bangkok)) {
			return c, invalid("deadline", "the deadline %s is before the letter's date %s: check both", thai.DateOf(t).String(), docDate.String())
		}
		l.Deadline = &t
	}
	c.letter = l
	return c, nil
}

// Receive checks the request, stores the original and numbers the letter.
func (s *Service) Receive(ctx context.Context, req Request) (Receipt, error) {
	var proposal *Proposal
	if req.Auto && len(req.PDF) > 0 && int64(len(req.PDF)) <= s.maxSize() {
		if _, err := pdfdoc.Inspect(req.PDF, s.maxSize()); err == nil {
			if len(req.PDF) > ReadInlineLimit {
				proposal = &Proposal{Later: true, Unread: "a large file is read in the background; the fields left empty are filled when it is done"}
			} else {
				proposal = s.propose(ctx, &req)
			}
		}
	}
	c, err := s.check(ctx, req)
	if err != nil {
		return Receipt{}, err
	}
	capacity := ""
	if req.Person {
		if s.Auth == nil {
			return Receipt{}, errors.New("intake: no authorizer configured for person requests")
		}
		capacity, err = s.Auth.CanReceiveInto(ctx, req.Actor, req.Register)
		if err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return Receipt{}, &Error{Kind: NotFound, Message: err.Error(), Err: err}
			}
			return Receipt{}, &Error{Kind: Forbidden, Field: "register", Message: err.Error(), Err: err}
		}
	}
	put := s.Blobs.PutPDF
	if Classified(c.letter.Secrecy) {
		sealer, ok := s.Blobs.(Sealer)
		if !ok || !sealer.CanSeal() {
			return Receipt{}, noKeys(c.letter.Secrecy)
		}
		put = sealer.PutSealed
	}
	key, digest, err := put(ctx, req.PDF)
	if err != nil {
		return Receipt{}, &Error{Kind: Internal, Message: "the document store did not take the file; nothing was registered, try again: " + err.Error(), Err: err}
	}
	c.letter.OriginalSHA256, c.letter.OriginalKey, c.letter.Size = digest, key, int64(len(req.PDF))
	var extracted any
	if proposal != nil {
		extracted = proposal
	}
	r, err := s.DB.ReceiveLetter(ctx, storage.ReceiveParams{
		Register: req.Register, Letter: c.letter, Actor: req.Actor, Capacity: capacity, Note: strings.TrimSpace(req.Note),
		Now: s.now, AllowDuplicate: req.AllowDuplicate, Extracted: extracted,
		ReadLater: proposal != nil && proposal.Later,
	})
	if err != nil {
		var dup *storage.DuplicateError
		var rk *storage.RegisterKindError
		switch {
		case errors.As(err, &dup):
			return Receipt{}, &Error{Kind: Duplicate, Field: "file", Message: dup.Error(), Err: err}
		case errors.As(err, &rk):
			return Receipt{}, &Error{Kind: Invalid, Field: "register", Message: rk.Error(), Err: err}
		case errors.Is(err, storage.ErrNotFound):
			return Receipt{}, &Error{Kind: NotFound, Message: err.Error(), Err: err}
		}
		return Receipt{}, err
	}
	return Receipt{LetterID: r.LetterID, EntryID: r.EntryID, Register: r.Register, Year: r.Year, Number: r.Number,
		ReceivedAt: r.ReceivedAt, OriginalSHA256: digest, Capacity: capacity, Pages: c.pages, Warnings: c.warnings, Proposal: proposal}, nil
}
