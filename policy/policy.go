// Package policy decides what a signed-in person may see and do. It is the one place for these
// rules: web handlers ask it and show its reasons, templates only show what it allowed. Rules
// follow the person's positions (unit and role), the capacity they chose to act in, their
// clearance against the letter's secrecy, delegations (through storage's authority resolver),
// and the administrator flag, which gives the administration screens but never letters: an
// administrator reads a letter only through an explicit, audited, time-limited break-glass grant.
package policy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/saraban/saraban/storage"
)

// Subject is the person asking, in the capacity they chose.
type Subject struct {
	Username  string
	PersonID  string
	Name      string
	Admin     bool
	Clearance string // normal | confidential | secret
	Positions []storage.Position
	// Capacity is the position the person acts in (one of Positions); zero when they hold none.
	Capacity storage.Position
}

// SubjectOf builds the subject for an account and the capacity kept in its session. A capacity
// the person no longer holds falls back to their first position.
func SubjectOf(a storage.Account, unit, title string) Subject {
	s := Subject{Username: a.Username, PersonID: a.PersonID, Name: a.PersonName, Admin: a.IsAdmin,
		Clearance: a.Clearance, Positions: a.Positions}
	for _, p := range a.Positions {
		if p.UnitCode == unit && p.Title == title {
			s.Capacity = p
			return s
		}
	}
	if len(a.Positions) > 0 {
		s.Capacity = a.Positions[0]
	}
	return s
}

// PersonStore reads a person who acts without a web account (API tokens).
type PersonStore interface {
	PersonAccess(ctx context.Context, personID string) (clearance string, positions []storage.Position, active bool, err error)
}

// SubjectForPerson builds the subject of a person acting through an API token: no
// administrator flag (tokens carry none), their clearance and positions, the first position
// as capacity. An inactive person has no positions and no clearance.
func SubjectForPerson(ctx context.Context, st PersonStore, personID string) (Subject, error) {
	clearance, positions, active, err := st.PersonAccess(ctx, personID)
	if err != nil {
		return Subject{}, err
	}
	s := Subject{Username: personID, PersonID: personID, Clearance: clearance, Positions: positions}
	if !active {
		s.Clearance, s.Positions = "normal", nil
	}
	if len(s.Positions) > 0 {
		s.Capacity = s.Positions[0]
	}
	return s, nil
}

// HasCapacity tells whether the person holds the position.
func (s Subject) HasCapacity(unit, title string) bool {
	for _, p := range s.Positions {
		if p.UnitCode == unit && p.Title == title {
			return true
		}
	}
	return false
}

// CapacityText is the capacity recorded in the audit log and on actions: "title, unit".
func (s Subject) CapacityText() string {
	if s.Capacity.Title == "" {
		if s.Admin {
			return "administrator"
		}
		return ""
	}
	return s.Capacity.Title + ", " + s.Capacity.UnitName
}

// Reason is a refusal (or grant) explained in both languages.
type Reason struct {
	TH, EN string
}

// In returns the reason in a language ("th" or "en").
func (r Reason) In(lang string) string {
	if lang == "en" && r.EN != "" {
		return r.EN
	}
	return r.TH
}

// Decision is an answer: allowed or not, the HTTP status a refusal maps to, and why.
type Decision struct {
	Allowed bool
	Status  int // for a refusal: 403, or 404 when the person may not even know the thing exists
	Reason  Reason
	// Via says how it was allowed when that is worth showing: "break_glass", "task", "unit".
	Via string
}

// Refusal is a refused decision as an error, for handlers that return errors.
type Refusal struct{ D Decision }

func (r *Refusal) Error() string { return r.D.Reason.EN }

// Err returns nil for an allowed decision, else a *Refusal.
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	return &Refusal{d}
}

func allow(via string) Decision { return Decision{Allowed: true, Via: via} }

func deny(status int, th, en string) Decision {
	return Decision{Status: status, Reason: Reason{TH: th, EN: en}}
}

// Store is what the rules read.
type Store interface {
	MayViewLetter(ctx context.Context, personID, letterID string) (bool, error)
	GetLetter(ctx context.Context, id string) (storage.Letter, error)
	HasBreakGlass(ctx context.Context, username, letterID string) (bool, error)
	CanReceiveInto(ctx context.Context, personID, register string) (storage.Position, error)
}

// Engine answers questions about a subject.
type Engine struct {
	Store Store
	// BreakGlassFor is how long a break-glass grant lasts (default one hour).
	BreakGlassFor time.Duration
}

// SecrecyRank orders the secrecy classes (and clearances).
func SecrecyRank(s string) int {
	switch s {
	case "normal", "":
		return 0
	case "confidential":
		return 1
	case "secret":
		return 2
	case "top_secret":
		return 3
	}
	return 99
}

// Classified tells whether a letter's files are sealed and watermarked (ลับ and above).
func Classified(secrecy string) bool { return SecrecyRank(secrecy) >= 1 }

var secrecyTH = map[string]string{"normal": "ปกติ", "confidential": "ลับ", "secret": "ลับมาก", "top_secret": "ลับที่สุด"}

// ViewLetter decides whether the subject may open a letter (its page, files and timeline).
//
//   - A person sees a letter in a register of their unit or a unit below it, or one that gives
//     them or their unit a task, when their clearance reaches its secrecy (storage.MayViewLetter).
//   - Someone who would see it but for their clearance is told so (403); someone with no link to
//     the letter gets 404, as if it did not exist.
//   - An administrator sees it only with a live break-glass grant.
func (e *Engine) ViewLetter(ctx context.Context, s Subject, letterID string) (Decision, error) {
	if s.PersonID == "" {
		return deny(http.StatusUnauthorized, "กรุณาเข้าสู่ระบบ", "sign in first"), nil
	}
	ok, err := e.Store.MayViewLetter(ctx, s.PersonID, letterID)
	if err != nil {
		return Decision{}, err
	}
	if ok {
		return allow("unit"), nil
	}
	l, err := e.Store.GetLetter(ctx, letterID)
	if err != nil {
		if isNotFound(err) {
			return notFound(), nil
		}
		return Decision{}, err
	}
	if s.Admin {
		bg, err := e.Store.HasBreakGlass(ctx, s.Username, letterID)
		if err != nil {
			return Decision{}, err
		}
		if bg {
			return allow("break_glass"), nil
		}
		return Decision{Status: http.StatusForbidden, Via: "admin", Reason: Reason{
			TH: "ผู้ดูแลระบบไม่เปิดอ่านหนังสือโดยปกติ หากจำเป็นต้องเปิด ให้ขอสิทธิ์ฉุกเฉิน (break-glass) พร้อมระบุเหตุผล ซึ่งจะถูกบันทึกไว้",
			EN: "Administrators do not read letters. If you must, request a break-glass grant with a reason; it is recorded in the audit log."}}, nil
	}
	if SecrecyRank(l.Secrecy) > SecrecyRank(s.Clearance) {
		// Would the person see it with clearance? Ask with the secrecy ignored: only a person
		// linked to the letter learns that it exists and is classified.
		linked, err := e.linked(ctx, s, letterID)
		if err != nil {
			return Decision{}, err
		}
		if linked {
			return deny(http.StatusForbidden,
				fmt.Sprintf("หนังสือนี้มีชั้นความลับ «%s» แต่ท่านได้รับสิทธิ์ถึงชั้น «%s» เท่านั้น จึงเปิดไม่ได้ หากจำเป็น ให้ติดต่อผู้บังคับบัญชา", secrecyTH[l.Secrecy], secrecyTH[orNormal(s.Clearance)]),
				fmt.Sprintf("This letter is classified %s and your clearance is %s, so you may not open it. Ask your superior if you need it.", l.Secrecy, orNormal(s.Clearance))), nil
		}
	}
	return notFound(), nil
}

// linked tells whether the person would see the letter were it not classified.
func (e *Engine) linked(ctx context.Context, s Subject, letterID string) (bool, error) {
	if ls, ok := e.Store.(interface {
		LinkedToLetter(ctx context.Context, personID, letterID string) (bool, error)
	}); ok {
		return ls.LinkedToLetter(ctx, s.PersonID, letterID)
	}
	return false, nil
}

func orNormal(s string) string {
	if s == "" {
		return "normal"
	}
	return s
}

func notFound() Decision {
	return deny(http.StatusNotFound, "ไม่พบหนังสือนี้ หรือท่านไม่มีสิทธิ์เห็น", "No such letter, or you may not see it.")
}

// ReceiveInto decides whether the subject may register letters into a receive register and
// returns the capacity recorded with the receipt.
func (e *Engine) ReceiveInto(ctx context.Context, s Subject, register string) (Decision, storage.Position, error) {
	capacity, err := e.Store.CanReceiveInto(ctx, s.PersonID, register)
	if err == nil {
		return allow("unit"), capacity, nil
	}
	if isForbidden(err) || isNotFound(err) {
		return deny(http.StatusForbidden,
			"ท่านลงรับหนังสือในทะเบียน "+register+" ไม่ได้: ทะเบียนนี้เป็นของหน่วยงานที่ท่านไม่ได้สังกัด",
			"You may not receive into register "+register+": it belongs to a unit you hold no position in (or above)."), storage.Position{}, nil
	}
	return Decision{}, storage.Position{}, err
}

// Administer decides whether the subject may use the administration screens (units, people,
// accounts, registers, holidays, notification channels).
func (e *Engine) Administer(s Subject) Decision {
	if s.Admin {
		return allow("admin")
	}
	return deny(http.StatusForbidden, "เฉพาะผู้ดูแลระบบเท่านั้น", "Only administrators may do this.")
}

// BreakGlass decides whether the subject may ask for a break-glass grant.
func (e *Engine) BreakGlass(s Subject) Decision {
	if s.Admin {
		return allow("admin")
	}
	return deny(http.StatusForbidden, "เฉพาะผู้ดูแลระบบเท่านั้นที่ขอสิทธิ์ฉุกเฉินได้", "Only administrators may ask for break-glass access.")
}

// Scope is the filter a list of letters (register search, recent letters) applies so that it
// shows only what ViewLetter would allow: the person's units and tasks, and their clearance.
// Administrators get no letters from lists.
type Scope struct {
	PersonID  string
	Clearance string
	None      bool // the subject sees no letters at all
}

// LetterScope returns the scope of the subject's letter lists.
func (e *Engine) LetterScope(s Subject) Scope {
	if s.PersonID == "" || len(s.Positions) == 0 {
		return Scope{None: true}
	}
	return Scope{PersonID: s.PersonID, Clearance: orNormal(s.Clearance)}
}

func isNotFound(err error) bool  { return errors.Is(err, storage.ErrNotFound) }
func isForbidden(err error) bool { return errors.Is(err, storage.ErrForbidden) }
