package policy

import (
	"context"
	"errors"
	"net/http"

	"github.com/saraban/saraban/storage"
)

// Delegations (มอบอำนาจ): anyone of the organisation may read them (who acts for whom is
// printed on every letter signed under them) and ask whether a person holds a power; recording
// and ending one follows the rules of the API (storage.MayManageDelegation, MayEndDelegation):
// the delegator themselves, a saraban administrator (a position with role admin), the head of a
// unit above the post for an acting appointment, and whoever recorded it for ending it.

// DelegationStore is what the delegation rules read; *storage.DB implements it.
type DelegationStore interface {
	MayManageDelegation(ctx context.Context, actor, delegator, kind, unit string) error
	MayEndDelegation(ctx context.Context, actor string, id int64) error
}

func (e *Engine) delegationStore() (DelegationStore, error) {
	if s, ok := e.Store.(DelegationStore); ok {
		return s, nil
	}
	return nil, errors.New("policy: the store does not keep delegations")
}

// ViewDelegations decides whether the subject may see the delegations screen: any person of
// the organisation.
func (e *Engine) ViewDelegations(s Subject) Decision {
	if s.PersonID == "" {
		return deny(http.StatusForbidden, "บัญชีนี้ไม่ได้ผูกกับบุคลากรของหน่วยงาน", "This account is not a person of the organisation.")
	}
	return allow("person")
}

// ManageDelegation decides whether the subject may record a delegation from delegator, of a
// kind, for a unit (empty: the delegator's default unit).
func (e *Engine) ManageDelegation(ctx context.Context, s Subject, delegator, kind, unit string) (Decision, error) {
	if d := e.ViewDelegations(s); !d.Allowed {
		return d, nil
	}
	st, err := e.delegationStore()
	if err != nil {
		return Decision{}, err
	}
	return delegationDecision(st.MayManageDelegation(ctx, s.PersonID, delegator, kind, unit))
}

// EndDelegation decides whether the subject may end a stored delegation.
func (e *Engine) EndDelegation(ctx context.Context, s Subject, id int64) (Decision, error) {
	if d := e.ViewDelegations(s); !d.Allowed {
		return d, nil
	}
	st, err := e.delegationStore()
	if err != nil {
		return Decision{}, err
	}
	return delegationDecision(st.MayEndDelegation(ctx, s.PersonID, id))
}

func delegationDecision(err error) (Decision, error) {
	switch {
	case err == nil:
		return allow("delegation"), nil
	case errors.Is(err, storage.ErrForbidden):
		return deny(http.StatusForbidden,
			"ท่านบันทึกหรือยุติการมอบอำนาจนี้ไม่ได้: ทำได้เฉพาะผู้มอบอำนาจเอง ผู้ดูแลระบบสารบรรณ หรือ (กรณีรักษาราชการแทน) ผู้บังคับบัญชาของตำแหน่งนั้น — "+err.Error(),
			err.Error()), nil
	case errors.Is(err, storage.ErrNotFound):
		return deny(http.StatusNotFound, "ไม่พบการมอบอำนาจหรือบุคคลที่ระบุ — "+err.Error(), err.Error()), nil
	}
	return Decision{}, err
}
