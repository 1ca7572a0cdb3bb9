package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/saraban/saraban/thai"
)

// Delegation (issue 3, docs/routing.md, saraban-domain.md §8): a person lets another act for
// them. Two kinds:
//
//   - on behalf (ปฏิบัติราชการแทน): the named powers, for a unit (and its sub-units when
//     inherited), for a period. The delegator keeps the powers. A delegate may pass the powers on
//     (sub-delegation) when their own delegation covers the whole period: that is the two-level
//     chain of corpus 000-B.
//   - acting (รักษาราชการแทน): the whole post of head of a unit, while its holder is absent. It
//     names no powers (every power of the post goes with it) and is not inherited (the post
//     already covers the sub-units that have no head of their own).
//
// Periods are whole days in Bangkok, both ends included. Ending a delegation early keeps the
// period as ordered (ends_on) and records the first day it no longer applies (ended_on).

// Kinds of delegation.
const (
	DelegationOnBehalf = "on_behalf" // ปฏิบัติราชการแทน
	DelegationActing   = "acting"    // รักษาราชการแทน
)

// Powers a unit's business needs (docs/routing.md): who holds each is set per agency in
// power_holders.
const (
	PowerOrder    = "order"    // สั่งการ
	PowerForward  = "forward"  // ส่งต่อ
	PowerClose    = "close"    // เก็บ
	PowerSign     = "sign"     // ลงนาม
	PowerAnnotate = "annotate" // เกษียน
)

// AllPowers lists the powers in the order they are printed.
var AllPowers = []string{PowerOrder, PowerForward, PowerClose, PowerSign, PowerAnnotate}

// PowerThai names each power in Thai.
var PowerThai = map[string]string{
	PowerOrder: "สั่งการ", PowerForward: "ส่งต่อ", PowerClose: "เก็บ", PowerSign: "ลงนาม", PowerAnnotate: "เกษียน",
}

// CapacityWord is the word a capacity line adds after the delegate's post.
var CapacityWord = map[string]string{
	DelegationOnBehalf: "ปฏิบัติราชการแทน",
	DelegationActing:   "รักษาราชการแทน",
}

// maxChainLinks is the longest chain of delegations that is followed (routing.md).
const maxChainLinks = 4

// delegationLock serialises writes to delegations (a transaction-level advisory lock), so that
// the overlap, duplicate and cycle checks see every committed delegation.
const delegationLock int64 = 736162617203

// ParsePower accepts a power's code or its Thai word.
func ParsePower(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, p := range AllPowers {
		if s == p || s == PowerThai[p] {
			return p, nil
		}
	}
	return "", &DelegationError{Code: "unknown_power", Message: fmt.Sprintf(
		"power %q: say order (สั่งการ), forward (ส่งต่อ), close (เก็บ), sign (ลงนาม) or annotate (เกษียน)", s)}
}

// ParseDelegationKind accepts on_behalf (also on-behalf, behalf, ปฏิบัติราชการแทน) and acting
// (รักษาราชการแทน).
func ParseDelegationKind(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on_behalf", "on-behalf", "onbehalf", "behalf", "ปฏิบัติราชการแทน":
		return DelegationOnBehalf, nil
	case "acting", "รักษาราชการแทน":
		return DelegationActing, nil
	}
	return "", &DelegationError{Code: "unknown_kind", Message: fmt.Sprintf(
		"kind %q: say on_behalf (ปฏิบัติราชการแทน: named powers) or acting (รักษาราชการแทน: the whole post of an absent head)", s)}
}

// DelegationError is a delegation refused as a clerk would refuse it. Code names the rule;
// the message says what to change. It wraps ErrConflict (it clashes with stored delegations),
// ErrForbidden (the delegator does not hold what they give) or nothing (the request itself is
// wrong: HTTP 422).
type DelegationError struct {
	Code    string
	Message string
	kind    error
}

func (e *DelegationError) Error() string { return e.Message }
func (e *DelegationError) Unwrap() error { return e.kind }

func invalidDelegation(code, format string, args ...any) error {
	return &DelegationError{Code: code, Message: fmt.Sprintf(format, args...)}
}

func conflictDelegation(code, format string, args ...any) error {
	return &DelegationError{Code: code, Message: fmt.Sprintf(format, args...), kind: ErrConflict}
}

func forbiddenDelegation(code, format string, args ...any) error {
	return &DelegationError{Code: code, Message: fmt.Sprintf(format, args...), kind: ErrForbidden}
}

// NewDelegation is a delegation to record.
type NewDelegation struct {
	Delegator string // who gives (for acting: the head whose post is taken over)
	Delegate  string // who acts
	Kind      string // on_behalf | acting
	// Unit is the scope (on behalf) or the post (acting: the unit the delegator heads). Empty:
	// the unit the delegator heads, else the unit of their first position.
	Unit     string
	Inherit  bool     // on behalf only: the unit's sub-units too
	Powers   []string // on behalf only: order, forward, close, sign, annotate
	StartsOn thai.Date
	EndsOn   thai.Date // last day, included
	// Title is the delegate's post as the delegation order writes it, printed on capacity lines
	// (optional: by default the delegate's position title).
	Title string
	Note  string
	// AllowPast records a delegation whose period is already over (backfilling old letters);
	// without it such a delegation is refused as a likely mistake.
	AllowPast bool
}

// Delegation is a stored delegation.
type Delegation struct {
	ID            int64      `json:"id"`
	Delegator     string     `json:"delegator"`
	DelegatorName string     `json:"delegator_name"`
	Delegate      string     `json:"delegate"`
	DelegateName  string     `json:"delegate_name"`
	Kind          string     `json:"kind"`
	KindThai      string     `json:"kind_thai"`
	Unit          string     `json:"unit"`
	UnitName      string     `json:"unit_name"`
	Inherit       bool       `json:"inherit"`
	Powers        []string   `json:"powers"`
	StartsOn      thai.Date  `json:"starts_on"`
	EndsOn        thai.Date  `json:"ends_on"`            // the last day as ordered
	EndedOn       *thai.Date `json:"ended_on,omitempty"` // ended early: no longer applies from this day
	// LastDay is the last day it applies (EndsOn, or the day before EndedOn); "" when it was
	// cancelled before it began.
	LastDay thai.Date `json:"last_day"`
	// Status on the day of the listing (today unless the list asked for another day):
	// future, active, expired, ended (ended early and over), cancelled (ended before it began).
	Status    string     `json:"status"`
	Title     string     `json:"title,omitempty"`
	Note      string     `json:"note"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	EndedBy   string     `json:"ended_by,omitempty"`
}

// Cancelled reports whether the delegation was ended before its first day.
func (d Delegation) Cancelled() bool { return d.EndedOn != nil && d.EndedOn.Compare(d.StartsOn) <= 0 }

// ValidOn reports whether the delegation applies on day.
func (d Delegation) ValidOn(day thai.Date) bool {
	return !d.Cancelled() && d.StartsOn.Compare(day) <= 0 && day.Compare(d.LastDay) <= 0
}

// Summary describes the delegation on one line, for messages and listings.
func (d Delegation) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s → %s, %s (%s)", d.ID, d.Delegator, d.Delegate, d.Kind, d.KindThai)
	if d.Kind == DelegationOnBehalf {
		fmt.Fprintf(&b, " for %s", strings.Join(d.Powers, ", "))
		if d.Inherit {
			fmt.Fprintf(&b, " in %s and its sub-units", d.Unit)
		} else {
			fmt.Fprintf(&b, " in %s", d.Unit)
		}
	} else {
		fmt.Fprintf(&b, " as head of %s", d.Unit)
	}
	fmt.Fprintf(&b, ", %s to %s", d.StartsOn, d.EndsOn)
	switch {
	case d.Cancelled():
		b.WriteString(", cancelled")
	case d.EndedOn != nil:
		fmt.Fprintf(&b, ", ended early (last day %s)", d.LastDay)
	}
	return b.String()
}

// finish computes LastDay and Status as of ref.
func (d *Delegation) finish(ref thai.Date) {
	d.KindThai = CapacityWord[d.Kind]
	d.LastDay = d.EndsOn
	if d.EndedOn != nil {
		if before := addDays(*d.EndedOn, -1); before.Compare(d.LastDay) < 0 {
			d.LastDay = before
		}
	}
	switch {
	case d.Cancelled():
		d.LastDay = thai.Date{}
		d.Status = "cancelled"
	case ref.Compare(d.StartsOn) < 0:
		d.Status = "future"
	case ref.Compare(d.LastDay) <= 0:
		d.Status = "active"
	case d.EndedOn != nil && d.LastDay.Compare(d.EndsOn) < 0:
		d.Status = "ended"
	default:
		d.Status = "expired"
	}
}

// DelegationFilter selects delegations to list.
type DelegationFilter struct {
	Person       string     // the delegator or the delegate
	Unit         string     // delegations that apply to this unit (its own, and inherited ones from above)
	ActiveOn     *thai.Date // only those valid on this day (then IncludeEnded does not matter)
	IncludeEnded bool       // also the expired, ended and cancelled ones (default: current and future)
}

// effLastSQL is the last day a delegation applies, in SQL.
const effLastSQL = `least(d.ends_on, coalesce(d.ended_on - 1, d.ends_on))`

const delegationCols = `d.id, d.delegator, pa.name, d.delegate, pb.name, d.kind, d.unit_code, u.name, d.inherit, d.powers,
	d.starts_on, d.ends_on, d.ended_on, d.delegate_title, d.note, d.created_by, d.created_at, d.ended_at, d.ended_by
	FROM delegations d JOIN people pa ON pa.id = d.delegator JOIN people pb ON pb.id = d.delegate JOIN units u ON u.code = d.unit_code`

// authQuerier is what both the pool and a transaction offer.
type authQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func queryDelegations(ctx context.Context, q authQuerier, ref thai.Date, where string, args ...any) ([]Delegation, error) {
	rows, err := q.Query(ctx, `SELECT `+delegationCols+` `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Delegation{}
	for rows.Next() {
		var d Delegation
		var starts, ends time.Time
		var ended *time.Time
		if err := rows.Scan(&d.ID, &d.Delegator, &d.DelegatorName, &d.Delegate, &d.DelegateName, &d.Kind, &d.Unit, &d.UnitName,
			&d.Inherit, &d.Powers, &starts, &ends, &ended, &d.Title, &d.Note, &d.CreatedBy, &d.CreatedAt, &d.EndedAt, &d.EndedBy); err != nil {
			return nil, err
		}
		d.StartsOn, d.EndsOn = fromPGDate(starts), fromPGDate(ends)
		if ended != nil {
			e := fromPGDate(*ended)
			d.EndedOn = &e
		}
		if d.Powers == nil {
			d.Powers = []string{}
		}
		d.finish(ref)
		out = append(out, d)
	}
	return out, rows.Err()
}

// delegationsCovering reads the delegations that apply on every day of [from, to], by id.
func delegationsCovering(ctx context.Context, q authQuerier, from, to thai.Date) ([]Delegation, error) {
	return queryDelegations(ctx, q, from, `WHERE d.starts_on <= $1::date AND $2::date <= `+effLastSQL+` ORDER BY d.id`,
		from.String(), to.String())
}

// delegationsOverlapping reads the delegations that apply on some day of [from, to], by id.
func delegationsOverlapping(ctx context.Context, q authQuerier, from, to thai.Date) ([]Delegation, error) {
	return queryDelegations(ctx, q, from, `WHERE d.starts_on <= $2::date AND $1::date <= `+effLastSQL+
		` AND d.starts_on <= `+effLastSQL+` ORDER BY d.id`, from.String(), to.String())
}

// GetDelegation reads one delegation (status as of today).
func (db *DB) GetDelegation(ctx context.Context, id int64) (Delegation, error) {
	return getDelegation(ctx, db.Pool, id)
}

func getDelegation(ctx context.Context, q authQuerier, id int64) (Delegation, error) {
	ds, err := queryDelegations(ctx, q, today(), `WHERE d.id = $1`, id)
	if err != nil {
		return Delegation{}, err
	}
	if len(ds) == 0 {
		return Delegation{}, fmt.Errorf("delegation %d: %w (saraban delegation list --all shows them)", id, ErrNotFound)
	}
	return ds[0], nil
}

// ListDelegations lists delegations by first day, then id.
func (db *DB) ListDelegations(ctx context.Context, f DelegationFilter) ([]Delegation, error) {
	ref := today()
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if p := strings.TrimSpace(f.Person); p != "" {
		if _, err := db.GetPerson(ctx, p); err != nil {
			return nil, err
		}
		a := arg(p)
		conds = append(conds, fmt.Sprintf("(d.delegator = %s OR d.delegate = %s)", a, a))
	}
	if u := strings.TrimSpace(f.Unit); u != "" {
		ups, err := db.UnitAncestors(ctx, u)
		if err != nil {
			return nil, err
		}
		conds = append(conds, fmt.Sprintf("(d.unit_code = %s OR (d.inherit AND d.unit_code = ANY(%s)))", arg(u), arg(ups[1:])))
	}
	switch {
	case f.ActiveOn != nil:
		ref = *f.ActiveOn
		a := arg(f.ActiveOn.String())
		conds = append(conds, fmt.Sprintf("d.starts_on <= %s::date AND %s::date <= %s", a, a, effLastSQL))
	case !f.IncludeEnded:
		conds = append(conds, fmt.Sprintf("%s >= %s::date AND d.starts_on <= %s", effLastSQL, arg(ref.String()), effLastSQL))
	}
	where := ""
	if len(conds) > 0 {
		where = "WHERE " + strings.Join(conds, " AND ")
	}
	return queryDelegations(ctx, db.Pool, ref, where+" ORDER BY d.starts_on, d.id", args...)
}

// normalize checks what can be checked without the database.
func (nd NewDelegation) normalize() (NewDelegation, error) {
	nd.Delegator, nd.Delegate = strings.TrimSpace(nd.Delegator), strings.TrimSpace(nd.Delegate)
	nd.Unit, nd.Title, nd.Note = strings.TrimSpace(nd.Unit), strings.TrimSpace(nd.Title), strings.TrimSpace(nd.Note)
	if nd.Delegator == "" {
		return nd, invalidDelegation("missing_delegator", "say who delegates (the delegator, --from)")
	}
	if nd.Delegate == "" {
		return nd, invalidDelegation("missing_delegate", "say who is to act (the delegate, --to)")
	}
	if nd.Delegator == nd.Delegate {
		return nd, invalidDelegation("self_delegation", "%s cannot delegate to themselves: the delegate must be another person", nd.Delegator)
	}
	kind, err := ParseDelegationKind(nd.Kind)
	if err != nil {
		return nd, err
	}
	nd.Kind = kind
	seen := map[string]bool{}
	for _, raw := range nd.Powers {
		for _, s := range strings.Split(raw, ",") {
			if strings.TrimSpace(s) == "" {
				continue
			}
			p, err := ParsePower(s)
			if err != nil {
				return nd, err
			}
			seen[p] = true
		}
	}
	nd.Powers = []string{}
	for _, p := range AllPowers {
		if seen[p] {
			nd.Powers = append(nd.Powers, p)
		}
	}
	switch nd.Kind {
	case DelegationOnBehalf:
		if len(nd.Powers) == 0 {
			return nd, invalidDelegation("no_powers", "a delegation on behalf (ปฏิบัติราชการแทน) must name the powers it gives: order, forward, close, sign, annotate (e.g. --powers order,sign)")
		}
	case DelegationActing:
		if len(nd.Powers) > 0 {
			return nd, invalidDelegation("acting_with_powers", "an acting appointment (รักษาราชการแทน) covers every power of the post, so it names none: drop the powers (%s), or make it on_behalf to give only those", strings.Join(nd.Powers, ", "))
		}
		if nd.Inherit {
			return nd, invalidDelegation("acting_inherit", "an acting appointment (รักษาราชการแทน) is for the post of head of one unit, which already covers its sub-units that have no head of their own: drop inherit")
		}
	}
	if nd.Title != "" && (strings.Contains(nd.Title, CapacityWord[DelegationOnBehalf]) || strings.Contains(nd.Title, CapacityWord[DelegationActing])) {
		return nd, invalidDelegation("title_with_capacity", "title %q: give the post only; ปฏิบัติราชการแทน / รักษาราชการแทน is added on the capacity line", nd.Title)
	}
	switch {
	case nd.StartsOn.IsZero():
		return nd, invalidDelegation("missing_start", "give the first day of the delegation (--start)")
	case nd.EndsOn.IsZero():
		return nd, invalidDelegation("missing_end", "give the last day of the delegation (--end)")
	case !nd.StartsOn.Valid():
		return nd, invalidDelegation("bad_date", "first day %s is not a calendar day", nd.StartsOn)
	case !nd.EndsOn.Valid():
		return nd, invalidDelegation("bad_date", "last day %s is not a calendar day", nd.EndsOn)
	case nd.EndsOn.Compare(nd.StartsOn) < 0:
		return nd, invalidDelegation("ends_before_start", "the delegation would end (%s) before it starts (%s): check the dates", dayText(nd.EndsOn), dayText(nd.StartsOn))
	}
	return nd, nil
}

// AddDelegation records a delegation, refusing what a clerk would refuse (each refusal is a
// *DelegationError, or ErrNotFound for an unknown person or unit):
//
//   - a delegation to oneself; a period that ends before it starts, or is entirely in the past
//     (unless AllowPast);
//   - on behalf without powers; acting with powers or inherit;
//   - a delegate with no position in the unit's agency, or not active;
//   - on behalf: a delegator who does not hold each power for the unit on every day of the
//     period, in their own right or through their own delegations (so sub-delegation works only
//     inside the delegator's own period); a delegate who already holds the power in their own
//     right;
//   - a delegation that would make a chain longer than four links;
//   - acting: a delegator who is not the head of the unit; another acting appointment for the
//     same post overlapping the period;
//   - a delegation already given (the same, or an existing one from the same delegator to the
//     same delegate that includes it);
//   - a cycle: the delegator already acts, directly or through others, for the delegate for one
//     of these powers on some day of the period.
//
// It is written with its audit row (delegation.add) in one transaction.
func (db *DB) AddDelegation(ctx context.Context, nd NewDelegation, actor string) (Delegation, error) {
	nd, err := nd.normalize()
	if err != nil {
		return Delegation{}, err
	}
	if actor == "" {
		actor = "operator"
	}
	var out Delegation
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, delegationLock); err != nil {
			return err
		}
		now := today()
		if nd.EndsOn.Compare(now) < 0 && !nd.AllowPast {
			return invalidDelegation("past_period", "the period %s to %s is already over (today is %s): a delegation only matters for days to come (to record an old one for the record, allow past periods)",
				nd.StartsOn, nd.EndsOn, dayText(now))
		}
		org, err := loadOrgView(ctx, tx)
		if err != nil {
			return err
		}
		people, err := loadPeople(ctx, tx, []string{nd.Delegator, nd.Delegate})
		if err != nil {
			return err
		}
		from, to := people[nd.Delegator], people[nd.Delegate]
		for _, id := range []string{nd.Delegator, nd.Delegate} {
			if people[id] == nil {
				return fmt.Errorf("person %q: %w (saraban org show lists the people)", id, ErrNotFound)
			}
		}
		if !to.active {
			return invalidDelegation("inactive_delegate", "%s (%s) is not active and cannot act for anyone", to.id, to.name)
		}
		if nd.Unit == "" {
			if nd.Unit = defaultDelegationUnit(from); nd.Unit == "" {
				return invalidDelegation("no_unit", "%s (%s) holds no position: name the unit of the delegation (--unit)", from.id, from.name)
			}
		}
		unit := org.units[nd.Unit]
		if unit == nil {
			return fmt.Errorf("unit %q: %w (saraban org show lists the units)", nd.Unit, ErrNotFound)
		}
		if !to.hasPositionIn(org, unit.agency) {
			return invalidDelegation("no_position", "%s (%s) holds no position in %s: a delegate must work in the agency (add the position to the organisation file)",
				to.id, to.name, org.agencyName[unit.agency])
		}
		if nd.Kind == DelegationActing {
			if unit.headID != nd.Delegator {
				head := "it has no head"
				if unit.headID != "" {
					head = fmt.Sprintf("its head is %s (%s)", unit.headID, unit.headTitle)
				}
				return forbiddenDelegation("not_head", "an acting appointment (รักษาราชการแทน) takes over the post of head of a unit: %s (%s) is not the head of %s (%s); %s",
					from.id, from.name, unit.code, unit.name, head)
			}
		} else {
			for _, p := range nd.Powers {
				held, err := resolveAuthority(ctx, tx, nd.Delegator, p, nd.Unit, nd.StartsOn, nd.EndsOn)
				if err != nil {
					var ae *AuthorityError
					if errors.As(err, &ae) {
						return forbiddenDelegation("not_held", "%s cannot delegate what they do not hold: %s", from.id, ae.Message)
					}
					return err
				}
				if len(held.Chain) >= maxChainLinks {
					return forbiddenDelegation("chain_too_long", "%s holds %q for %s only through %d delegations (%s): a chain of delegations may have at most %d links, so it cannot be passed on",
						from.id, p, nd.Unit, len(held.Chain), strings.Join(held.CapacityLines, " / "), maxChainLinks)
				}
				if a, err := resolveAuthority(ctx, tx, nd.Delegate, p, nd.Unit, nd.StartsOn, nd.EndsOn); err == nil && a.Kind == AuthorityOwn {
					return conflictDelegation("already_held", "%s (%s) already holds %q for %s in their own right (%s): a delegation would change nothing",
						to.id, to.name, p, unit.code, a.Title)
				}
			}
		}
		existing, err := delegationsOverlapping(ctx, tx, nd.StartsOn, nd.EndsOn)
		if err != nil {
			return err
		}
		if err := checkAgainstExisting(org, nd, existing); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO delegations(delegator, delegate, kind, unit_code, inherit, powers, starts_on, ends_on,
				note, created_by, delegate_title) VALUES ($1, $2, $3, $4, $5, $6, $7::date, $8::date, $9, $10, $11) RETURNING id`,
			nd.Delegator, nd.Delegate, nd.Kind, nd.Unit, nd.Inherit, nd.Powers, nd.StartsOn.String(), nd.EndsOn.String(),
			nd.Note, actor, nd.Title).Scan(&id); err != nil {
			return err
		}
		if out, err = getDelegation(ctx, tx, id); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, "", "delegation.add", "delegation", fmt.Sprint(id), map[string]any{
			"delegator": nd.Delegator, "delegate": nd.Delegate, "kind": nd.Kind, "unit": nd.Unit, "inherit": nd.Inherit,
			"powers": nd.Powers, "starts_on": nd.StartsOn.String(), "ends_on": nd.EndsOn.String(), "title": nd.Title,
			"note": nd.Note, "allow_past": nd.AllowPast,
		})
	})
	if err != nil {
		return Delegation{}, err
	}
	return out, nil
}

// checkAgainstExisting refuses overlapping acting appointments, duplicates and cycles.
func checkAgainstExisting(org *orgView, nd NewDelegation, existing []Delegation) error {
	for _, e := range existing {
		if nd.Kind == DelegationActing && e.Kind == DelegationActing && e.Unit == nd.Unit {
			if e.Delegate == nd.Delegate && e.Delegator == nd.Delegator && e.StartsOn == nd.StartsOn && e.LastDay == nd.EndsOn {
				return conflictDelegation("duplicate", "the same acting appointment already exists: %s", e.Summary())
			}
			return conflictDelegation("acting_overlap", "the post of head of %s already has an acting appointment in that period: %s; one person acts in a post at a time (end that one first, or change the dates)",
				nd.Unit, e.Summary())
		}
		if nd.Kind != DelegationOnBehalf || e.Kind != DelegationOnBehalf || e.Delegator != nd.Delegator || e.Delegate != nd.Delegate {
			continue
		}
		covers := e.StartsOn.Compare(nd.StartsOn) <= 0 && nd.EndsOn.Compare(e.LastDay) <= 0 &&
			subset(nd.Powers, e.Powers) &&
			((e.Unit == nd.Unit && (e.Inherit || !nd.Inherit)) || (e.Inherit && org.strictlyAbove(e.Unit, nd.Unit)))
		if !covers {
			continue
		}
		if e.Unit == nd.Unit && e.Inherit == nd.Inherit && slices.Equal(e.Powers, nd.Powers) && e.StartsOn == nd.StartsOn && e.LastDay == nd.EndsOn {
			return conflictDelegation("duplicate", "the same delegation already exists: %s", e.Summary())
		}
		return conflictDelegation("duplicate", "this is already given by %s, which includes it", e.Summary())
	}
	// A cycle: from the delegator, follow the delegations they hold (delegate → delegator) that
	// share a power and a unit with the new one; reaching the new delegate closes a cycle.
	type hop struct {
		person string
		path   []Delegation
	}
	queue := []hop{{person: nd.Delegator}}
	seen := map[string]bool{nd.Delegator: true}
	for len(queue) > 0 {
		h := queue[0]
		queue = queue[1:]
		if len(h.path) >= 2*maxChainLinks {
			continue
		}
		for _, e := range existing {
			if e.Delegate != h.person || e.Cancelled() {
				continue
			}
			if nd.Kind == DelegationOnBehalf && e.Kind == DelegationOnBehalf && !intersects(nd.Powers, e.Powers) {
				continue
			}
			if !org.scopesMeet(nd.Unit, nd.Inherit || nd.Kind == DelegationActing, e.Unit, e.Inherit || e.Kind == DelegationActing) {
				continue
			}
			path := append(slices.Clone(h.path), e)
			if e.Delegator == nd.Delegate {
				var steps []string
				for _, p := range path {
					steps = append(steps, p.Summary())
				}
				return conflictDelegation("cycle", "this would make a cycle: %s already acts for %s in that period (%s)",
					nd.Delegator, nd.Delegate, strings.Join(steps, "; "))
			}
			if !seen[e.Delegator] {
				seen[e.Delegator] = true
				queue = append(queue, hop{person: e.Delegator, path: path})
			}
		}
	}
	return nil
}

// EndDelegation ends a delegation early: from day on (today when zero) it no longer applies;
// its last day becomes the day before. The period as ordered is kept, with who ended it and
// when, so the ended delegation stays listed with its history. Ending it on or before its first
// day cancels it. Refused: a delegation already ended or already over, a day in the past
// (actions taken under it stand), a day after its last day (nothing would change). The end is
// audited (delegation.end) in the same transaction.
func (db *DB) EndDelegation(ctx context.Context, id int64, actor string, on thai.Date) (Delegation, error) {
	if actor == "" {
		actor = "operator"
	}
	var out Delegation
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, delegationLock); err != nil {
			return err
		}
		d, err := getDelegation(ctx, tx, id)
		if err != nil {
			return err
		}
		now := today()
		if on.IsZero() {
			on = now
		}
		if !on.Valid() {
			return invalidDelegation("bad_date", "%s is not a calendar day", on)
		}
		switch {
		case d.EndedOn != nil:
			return conflictDelegation("already_ended", "delegation %s was already ended by %s at %s",
				d.Summary(), d.EndedBy, d.EndedAt.In(thai.Bangkok).Format("2006-01-02 15:04"))
		case d.LastDay.Compare(now) < 0:
			return conflictDelegation("already_over", "delegation %s is already over: its last day was %s", d.Summary(), dayText(d.LastDay))
		case on.Compare(now) < 0:
			return invalidDelegation("end_in_past", "a delegation cannot be ended in the past (%s): what was done under it stands; end it from today (%s) or a later day",
				dayText(on), dayText(now))
		case on.Compare(d.LastDay) > 0:
			return invalidDelegation("end_after_last_day", "delegation %s ends on %s anyway: ending it from %s changes nothing", d.Summary(), dayText(d.LastDay), dayText(on))
		}
		if _, err := tx.Exec(ctx, `UPDATE delegations SET ended_on = $2::date, ended_at = now(), ended_by = $3 WHERE id = $1`,
			id, on.String(), actor); err != nil {
			return err
		}
		if out, err = getDelegation(ctx, tx, id); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, "", "delegation.end", "delegation", fmt.Sprint(id), map[string]any{
			"from_day": on.String(), "starts_on": d.StartsOn.String(), "ends_on": d.EndsOn.String(),
			"last_day": out.LastDay.String(), "cancelled": out.Cancelled(),
		})
	})
	if err != nil {
		return Delegation{}, err
	}
	return out, nil
}

// MayManageDelegation decides whether actor (a person id) may record or end a delegation from
// delegator of the given kind for unit (empty: the delegator's default unit): the delegator
// themselves, a saraban administrator (a position with role admin), or, for an acting
// appointment, the head of a unit above the post (the superior who appoints the acting head).
// A refusal wraps ErrForbidden.
func (db *DB) MayManageDelegation(ctx context.Context, actor, delegator, kind, unit string) error {
	if actor == delegator {
		return nil
	}
	people, err := loadPeople(ctx, db.Pool, []string{actor, delegator})
	if err != nil {
		return err
	}
	a := people[actor]
	if a == nil {
		return fmt.Errorf("person %q: %w", actor, ErrNotFound)
	}
	if !a.active {
		return fmt.Errorf("%s (%s) is not active: %w", a.id, a.name, ErrForbidden)
	}
	for _, q := range a.positions {
		if q.Role == "admin" {
			return nil
		}
	}
	if k, _ := ParseDelegationKind(kind); k == DelegationActing {
		if unit == "" && people[delegator] != nil {
			unit = defaultDelegationUnit(people[delegator])
		}
		if unit != "" {
			org, err := loadOrgView(ctx, db.Pool)
			if err != nil {
				return err
			}
			for _, u := range org.ancestors(unit)[1:] {
				if org.units[u].headID == actor {
					return nil
				}
			}
		}
	}
	return fmt.Errorf("%s (%s) may not record or end a delegation from %s: only %s, a saraban administrator, or (for an acting appointment) the head of a unit above the post may: %w",
		a.id, a.name, delegator, delegator, ErrForbidden)
}

// MayEndDelegation is MayManageDelegation for a stored delegation; whoever recorded it may end
// it too.
func (db *DB) MayEndDelegation(ctx context.Context, actor string, id int64) error {
	d, err := db.GetDelegation(ctx, id)
	if err != nil {
		return err
	}
	if d.CreatedBy == actor {
		return nil
	}
	return db.MayManageDelegation(ctx, actor, d.Delegator, d.Kind, d.Unit)
}

// defaultDelegationUnit is the unit a person heads, else the unit of their first position.
func defaultDelegationUnit(p *personInfo) string {
	for _, q := range p.positions {
		if q.IsHead {
			return q.UnitCode
		}
	}
	if len(p.positions) > 0 {
		return p.positions[0].UnitCode
	}
	return ""
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// today is the current day in Bangkok.
func today() thai.Date { return thai.DateOf(time.Now()) }

// fromPGDate reads a PostgreSQL date (midnight UTC as pgx gives it).
func fromPGDate(t time.Time) thai.Date {
	y, m, d := t.Date()
	return thai.Date{Year: y, Month: m, Day: d}
}

func addDays(d thai.Date, n int) thai.Date {
	y, m, dd := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC).Date()
	return thai.Date{Year: y, Month: m, Day: dd}
}

// dayText prints a day for messages: ISO and Thai ("2024-10-17 (17 ต.ค. 2567)").
func dayText(d thai.Date) string {
	return fmt.Sprintf("%s (%s)", d, thai.FormatDate(d, thai.DateStyle{Digits: thai.ArabicDigits, Abbrev: true}))
}
