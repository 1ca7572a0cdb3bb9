package policy

import (
	"context"
	"fmt"
	"net/http"

	"github.com/saraban/saraban/storage"
)

// Rules of the register screens: which registers a person may receive letters into, which
// registers (ทะเบียน) they may look through and export, and what of a classified letter an
// export shows them.
//
//   - Receiving: ReceiveInto, register by register (a position in the register's unit or a unit
//     above it; receive registers only).
//   - Seeing a register (its counts, its CSV export): the same link, a position in the register's
//     unit or a unit above it, in any capacity the person holds. Administrators see no register:
//     they read no letters.
//   - A register export is the register book: every number keeps its line, so that the book
//     shows no gap. A line whose letter is classified above the person's clearance keeps its
//     number, date, time, secrecy class and status, and nothing else (no document number,
//     parties, subject, note or file): the person learns that a number was taken by a
//     classified letter, which the paper register book shows too, and nothing of its content.
//   - Search lists only letters ViewLetter would open (Engine.LetterScope), so a classified
//     letter above the person's clearance is not listed at all.

// RegisterStore is what the register rules read beyond Store (storage.DB has it).
type RegisterStore interface {
	UnitAncestors(ctx context.Context, unitCode string) ([]string, error)
}

// ReceiveRegisters returns the receive registers among all that the subject may register
// letters into, in the order given. When there is none, the decision says why.
func (e *Engine) ReceiveRegisters(ctx context.Context, s Subject, all []storage.Register) ([]storage.Register, Decision, error) {
	if s.PersonID == "" {
		return nil, deny(http.StatusUnauthorized, "กรุณาเข้าสู่ระบบ", "sign in first"), nil
	}
	var out []storage.Register
	for _, r := range all {
		if r.Kind != "receive" {
			continue
		}
		d, _, err := e.ReceiveInto(ctx, s, r.Code)
		if err != nil {
			return nil, Decision{}, err
		}
		if d.Allowed {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		if s.Admin && len(s.Positions) == 0 {
			return nil, deny(http.StatusForbidden, "ผู้ดูแลระบบไม่ลงรับหนังสือ การลงรับทำโดยเจ้าหน้าที่สารบรรณของหน่วยงาน",
				"Administrators do not register letters; the clerks of each unit do."), nil
		}
		return nil, deny(http.StatusForbidden,
			"ท่านไม่มีทะเบียนหนังสือรับที่ลงรับได้: การลงรับต้องมีตำแหน่งในหน่วยงานเจ้าของทะเบียนหรือหน่วยงานเหนือขึ้นไป",
			"There is no receive register you may use: receiving needs a position in the register's unit or a unit above it."), nil
	}
	return out, allow("unit"), nil
}

// ViewRegister decides whether the subject may see a register as a whole (its counts per
// year and its export): a position in the register's unit or a unit above it.
func (e *Engine) ViewRegister(ctx context.Context, s Subject, r storage.Register) (Decision, error) {
	if s.PersonID == "" {
		return deny(http.StatusUnauthorized, "กรุณาเข้าสู่ระบบ", "sign in first"), nil
	}
	if len(s.Positions) == 0 {
		if s.Admin {
			return deny(http.StatusForbidden, "ผู้ดูแลระบบไม่เปิดดูทะเบียนหนังสือ", "Administrators do not read registers."), nil
		}
		return deny(http.StatusForbidden, "ท่านไม่มีตำแหน่งในหน่วยงานใด จึงดูทะเบียนไม่ได้", "You hold no position, so you may see no register."), nil
	}
	rs, ok := e.Store.(RegisterStore)
	if !ok {
		return Decision{}, fmt.Errorf("policy: the store cannot tell unit ancestors")
	}
	chain, err := rs.UnitAncestors(ctx, r.UnitCode)
	if err != nil {
		if isNotFound(err) {
			return notFoundRegister(), nil
		}
		return Decision{}, err
	}
	for _, unit := range chain {
		for _, p := range s.Positions {
			if p.UnitCode == unit {
				return allow("unit"), nil
			}
		}
	}
	return deny(http.StatusForbidden,
		fmt.Sprintf("ทะเบียน %s เป็นของ %s: ดูและส่งออกได้เฉพาะผู้มีตำแหน่งในหน่วยงานนั้นหรือหน่วยงานเหนือขึ้นไป", r.Code, r.UnitName),
		fmt.Sprintf("Register %s belongs to %s: only people with a position in that unit or a unit above it may see or export it.", r.Code, r.UnitName)), nil
}

func notFoundRegister() Decision {
	return deny(http.StatusNotFound, "ไม่พบทะเบียนนี้", "No such register.")
}

// VisibleRegisters returns the registers among all that the subject may see, in the order given.
func (e *Engine) VisibleRegisters(ctx context.Context, s Subject, all []storage.Register) ([]storage.Register, error) {
	var out []storage.Register
	for _, r := range all {
		d, err := e.ViewRegister(ctx, s, r)
		if err != nil {
			return nil, err
		}
		if d.Allowed {
			out = append(out, r)
		}
	}
	return out, nil
}

// ExportRegister decides whether the subject may export a register book of a year (CSV): the
// same as seeing the register.
func (e *Engine) ExportRegister(ctx context.Context, s Subject, r storage.Register) (Decision, error) {
	return e.ViewRegister(ctx, s, r)
}

// RedactLine tells whether a register line of a letter of this secrecy class shows only its
// number, dates, class and status to the subject (see the rules above).
func RedactLine(s Subject, secrecy string) bool {
	return SecrecyRank(secrecy) > SecrecyRank(s.Clearance)
}
