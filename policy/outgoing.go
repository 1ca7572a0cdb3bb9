package policy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/saraban/saraban/storage"
)

// Outgoing letters (หนังสือส่ง): who may draft into a send register, see an outgoing letter,
// review it, resubmit it and sign it. The OutgoingLetter workflow checks every step again when
// it runs (the reviewer's turn, the power to sign resolved at signing time); these rules decide
// what the screens offer and refuse early with a reason.

// OutgoingStore is what the outgoing rules read; *storage.DB implements it.
type OutgoingStore interface {
	OutgoingLinked(ctx context.Context, personID, outgoingID string) (bool, error)
	OutgoingNamed(ctx context.Context, personID, outgoingID string) (bool, error)
	SendRegistersFor(ctx context.Context, personID string) ([]storage.Register, error)
	Resolve(ctx context.Context, personID, power, unitCode string, at time.Time) (storage.Authority, error)
}

func (e *Engine) outgoingStore() (OutgoingStore, error) {
	if s, ok := e.Store.(OutgoingStore); ok {
		return s, nil
	}
	return nil, errors.New("policy: the store does not keep outgoing letters")
}

// ClearanceAllows tells whether a person's clearance reaches a secrecy class.
func ClearanceAllows(s Subject, secrecy string) bool {
	return SecrecyRank(secrecy) <= SecrecyRank(orNormal(s.Clearance))
}

// DraftOutgoing decides whether the subject may draft an outgoing letter into a send register
// at a secrecy class: they must hold a position in the register's unit or in a unit above it
// (storage.SendRegistersFor), and their clearance must reach the class; ลับที่สุด never goes
// through the system.
func (e *Engine) DraftOutgoing(ctx context.Context, s Subject, register, secrecy string) (Decision, error) {
	if s.PersonID == "" {
		return deny(http.StatusForbidden, "บัญชีนี้ไม่ได้ผูกกับบุคลากรของหน่วยงาน จึงร่างหนังสือส่งไม่ได้", "This account is not a person of the organisation and may not draft letters."), nil
	}
	if secrecy == "top_secret" {
		return deny(http.StatusForbidden, "หนังสือลับที่สุดไม่ส่งผ่านระบบสารบรรณอิเล็กทรอนิกส์", "A top secret (ลับที่สุด) letter never goes through the electronic system."), nil
	}
	if !ClearanceAllows(s, secrecy) {
		return deny(http.StatusForbidden,
			fmt.Sprintf("ท่านได้รับสิทธิ์ถึงชั้นความลับ «%s» เท่านั้น จึงร่างหนังสือชั้น «%s» ไม่ได้", secrecyTH[orNormal(s.Clearance)], secrecyTH[secrecy]),
			fmt.Sprintf("Your clearance is %s, so you may not draft a %s letter.", orNormal(s.Clearance), secrecy)), nil
	}
	st, err := e.outgoingStore()
	if err != nil {
		return Decision{}, err
	}
	regs, err := st.SendRegistersFor(ctx, s.PersonID)
	if err != nil {
		return Decision{}, err
	}
	for _, r := range regs {
		if r.Code == register {
			return allow("unit"), nil
		}
	}
	return deny(http.StatusForbidden,
		"ท่านออกเลขหนังสือส่งในทะเบียน "+register+" ไม่ได้: ทะเบียนนี้เป็นของหน่วยงานที่ท่านไม่ได้สังกัด",
		"You may not draft into send register "+register+": it belongs to a unit you hold no position in (or above)."), nil
}

// SendRegisters lists the send registers the subject may draft into and read.
func (e *Engine) SendRegisters(ctx context.Context, s Subject) ([]storage.Register, error) {
	if s.PersonID == "" {
		return nil, nil
	}
	st, err := e.outgoingStore()
	if err != nil {
		return nil, err
	}
	return st.SendRegistersFor(ctx, s.PersonID)
}

// ViewSendRegister decides whether the subject may read a send register's numbers (and export
// them): a register of a unit they hold a position in or of a unit below it.
func (e *Engine) ViewSendRegister(ctx context.Context, s Subject, register string) (Decision, error) {
	regs, err := e.SendRegisters(ctx, s)
	if err != nil {
		return Decision{}, err
	}
	for _, r := range regs {
		if r.Code == register {
			return allow("unit"), nil
		}
	}
	return deny(http.StatusForbidden, "ท่านไม่มีสิทธิ์ดูทะเบียนหนังสือส่ง "+register+": เป็นทะเบียนของหน่วยงานที่ท่านไม่ได้สังกัด",
		"You may not read send register "+register+": it belongs to a unit you hold no position in (or above)."), nil
}

// ViewOutgoing decides whether the subject may see an outgoing letter (its page, drafts and
// history): a person named on it (drafter, reviewer, signer), a member of its register's unit
// or of a unit above it, or whoever may sign it at the time through delegation; and only when
// their clearance reaches its class. An administrator sees only letters they are named on.
// Anyone else is told it does not exist.
func (e *Engine) ViewOutgoing(ctx context.Context, s Subject, o storage.Outgoing, at time.Time) (Decision, error) {
	if s.PersonID == "" {
		return notFoundOutgoing(), nil
	}
	st, err := e.outgoingStore()
	if err != nil {
		return Decision{}, err
	}
	var linked bool
	if s.Admin {
		linked, err = st.OutgoingNamed(ctx, s.PersonID, o.ID)
	} else {
		linked, err = st.OutgoingLinked(ctx, s.PersonID, o.ID)
	}
	if err != nil {
		return Decision{}, err
	}
	via := "unit"
	if !linked && !s.Admin && o.Status == storage.OutgoingSigning {
		if _, err := st.Resolve(ctx, s.PersonID, storage.PowerSign, o.Unit, at); err == nil {
			linked, via = true, "delegation"
		}
	}
	if !linked {
		return notFoundOutgoing(), nil
	}
	if !ClearanceAllows(s, o.Secrecy) {
		return deny(http.StatusForbidden,
			fmt.Sprintf("หนังสือนี้มีชั้นความลับ «%s» แต่ท่านได้รับสิทธิ์ถึงชั้น «%s» เท่านั้น จึงเปิดไม่ได้", secrecyTH[o.Secrecy], secrecyTH[orNormal(s.Clearance)]),
			fmt.Sprintf("This letter is classified %s and your clearance is %s, so you may not open it.", o.Secrecy, orNormal(s.Clearance))), nil
	}
	return allow(via), nil
}

func notFoundOutgoing() Decision {
	return deny(http.StatusNotFound, "ไม่พบหนังสือส่งนี้ หรือท่านไม่มีสิทธิ์เห็น", "No such outgoing letter, or you may not see it.")
}

// OutgoingReview is where an outgoing letter's review stands, from its recorded steps: the
// round (1, then one more after each resubmission), who approved in this round and who may
// review now (the next in order, or everyone left when reviewers work in parallel).
type OutgoingReview struct {
	Round    int
	Approved []string
	Pending  []string
}

// ReviewOf reads the review's state from the letter's steps, as the workflow keeps it.
func ReviewOf(o storage.Outgoing) OutgoingReview {
	rv := OutgoingReview{Round: 1, Approved: []string{}}
	for _, st := range o.Steps {
		switch st.Kind {
		case "resubmit":
			rv.Round = st.Round + 1
			rv.Approved = []string{}
		case "approve":
			if st.Round == rv.Round && !slices.Contains(rv.Approved, st.Actor) {
				rv.Approved = append(rv.Approved, st.Actor)
			}
		}
	}
	rv.Pending = PendingReviewers(o.Status, o.Reviewers, rv.Approved, o.Parallel)
	return rv
}

// PendingReviewers lists who may review now: the next reviewer in order who has not approved in
// this round, or all of them when they review in parallel; nobody unless the letter is in review.
func PendingReviewers(status string, reviewers, approved []string, parallel bool) []string {
	if status != storage.OutgoingReview {
		return nil
	}
	var out []string
	for _, r := range reviewers {
		if !slices.Contains(approved, r) {
			out = append(out, r)
			if !parallel {
				break
			}
		}
	}
	return out
}

// SignFor decides whether the subject may sign for a unit at a time (their own power or a
// delegation valid that day) and returns the authority they would sign with.
func (e *Engine) SignFor(ctx context.Context, s Subject, unit string, at time.Time) (Decision, *storage.Authority, error) {
	if s.PersonID == "" {
		return deny(http.StatusForbidden, "บัญชีนี้ไม่ได้ผูกกับบุคลากรของหน่วยงาน", "This account is not a person of the organisation."), nil, nil
	}
	st, err := e.outgoingStore()
	if err != nil {
		return Decision{}, nil, err
	}
	a, err := st.Resolve(ctx, s.PersonID, storage.PowerSign, unit, at)
	var ae *storage.AuthorityError
	switch {
	case errors.As(err, &ae):
		return deny(http.StatusForbidden, "ท่านไม่มีอำนาจลงนามหนังสือของหน่วยงานนี้ในวันนี้ (ทั้งโดยตำแหน่งและโดยการมอบอำนาจ): "+ae.Message,
			"You may not sign for this unit today, in your own right or by delegation: "+ae.Message), nil, nil
	case err != nil:
		return Decision{}, nil, err
	}
	return allow(a.Kind), &a, nil
}

// OutgoingRights is what the subject may do on an outgoing letter now, each with its reason.
type OutgoingRights struct {
	Review   Decision // approve or return (a reviewer whose turn it is)
	Resubmit Decision // send a new draft after a return (the drafter or a reviewer)
	Sign     Decision // sign (whoever holds the power to sign for the register's unit today)
	// Authority is the capacity the subject would sign in (when Sign is allowed).
	Authority *storage.Authority
	State     OutgoingReview
}

// OutgoingActions decides what the subject may do on an outgoing letter at a time. Signing is
// allowed to whoever holds the power to sign for the register's unit that day, in their own
// right or through delegations (storage.Resolve), as the workflow's AuthorizeSigner resolves it
// again when the signature is made; the named signer is not required to be the one who signs.
func (e *Engine) OutgoingActions(ctx context.Context, s Subject, o storage.Outgoing, at time.Time) (OutgoingRights, error) {
	rv := ReviewOf(o)
	r := OutgoingRights{State: rv}
	who := s.PersonID
	switch {
	case o.Status != storage.OutgoingReview:
		r.Review = deny(http.StatusConflict, "หนังสือนี้ไม่ได้อยู่ระหว่างการตรวจ", "The letter is not in review.")
	case slices.Contains(rv.Pending, who):
		r.Review = allow("reviewer")
	case slices.Contains(o.Reviewers, who) && !slices.Contains(rv.Approved, who):
		r.Review = deny(http.StatusConflict, "ยังไม่ถึงลำดับที่ท่านตรวจ: รอ "+strings.Join(rv.Pending, ", "), "It is not your turn to review: waiting for "+strings.Join(rv.Pending, ", ")+".")
	case slices.Contains(rv.Approved, who):
		r.Review = deny(http.StatusConflict, "ท่านเห็นชอบร่างนี้แล้ว", "You have approved this draft already.")
	default:
		r.Review = deny(http.StatusForbidden, "ท่านไม่ได้เป็นผู้ตรวจร่างหนังสือนี้", "You do not review this letter.")
	}
	switch {
	case o.Status != storage.OutgoingReturned:
		r.Resubmit = deny(http.StatusConflict, "ส่งร่างใหม่ได้เฉพาะหนังสือที่ถูกส่งคืนแก้ไข", "Only a returned letter takes a new draft.")
	case who == o.CreatedBy || slices.Contains(o.Reviewers, who):
		r.Resubmit = allow("drafter")
	default:
		r.Resubmit = deny(http.StatusForbidden, "เฉพาะผู้ร่างหรือผู้ตรวจเท่านั้นที่ส่งร่างใหม่ได้", "Only the drafter or a reviewer sends a new draft.")
	}
	if o.Status != storage.OutgoingSigning {
		r.Sign = deny(http.StatusConflict, "หนังสือนี้ยังไม่พร้อมลงนาม (หรือลงนามแล้ว)", "The letter is not ready to sign (or is signed already).")
		return r, nil
	}
	if o.Secrecy == "top_secret" {
		r.Sign = deny(http.StatusForbidden, "หนังสือลับที่สุดไม่ลงนามในระบบ", "A top secret letter is never signed in the system.")
		return r, nil
	}
	d, a, err := e.SignFor(ctx, s, o.Unit, at)
	if err != nil {
		return r, err
	}
	r.Sign, r.Authority = d, a
	return r, nil
}
