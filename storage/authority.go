package storage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/saraban/saraban/thai"
)

// Authority (docs/routing.md "Delegation"): who may use a power for a unit on a day, in which
// capacity, and the capacity lines printed under their name (saraban-domain.md §8.2).
//
// The holder of a power for a unit is set per agency in power_holders (defaults: order and close
// → the unit's head, or the nearest head above when the unit has none; forward and sign → the
// agency head, the head of the root unit; annotate → any member of the unit or of a unit above).
// A person acts in their own right when they are the holder; otherwise through a chain of at
// most four delegations valid on the day (Bangkok): on behalf for the named powers, for the
// delegation's unit (and its sub-units when inherited), or acting in the post of an absent head
// (every power the post holds, and the delegations given to its holder). Each link is checked
// for the unit and the day, so a delegate never gets more than their delegator has that day.
//
// Own right wins; otherwise the shortest chain; among chains of the same length the one with
// the lowest delegation ids, link by link, so the answer is always the same.

// Kinds of authority.
const (
	AuthorityOwn = "own"
)

// Holder rules of power_holders.
const (
	holderUnitHead   = "unit_head"
	holderAgencyHead = "agency_head"
	holderMember     = "member"
	holderClerk      = "clerk"
)

// defaultHolders apply when an agency has no power_holders row for a power.
var defaultHolders = map[string]string{
	PowerOrder: holderUnitHead, PowerClose: holderUnitHead,
	PowerForward: holderAgencyHead, PowerSign: holderAgencyHead,
	PowerAnnotate: holderMember,
}

// Authority is the capacity in which a person may use a power for a unit.
type Authority struct {
	Person string    `json:"person"`
	Name   string    `json:"name"` // as printed under the signature
	Power  string    `json:"power"`
	Unit   string    `json:"unit"`
	On     thai.Date `json:"on"`   // the day (Bangkok) it was resolved for
	Kind   string    `json:"kind"` // own | on_behalf | acting (the kind of the person's own link)
	// Title is the person's post as printed on the first capacity line.
	Title string `json:"title"`
	// Holder holds the power in their own right, at the end of the chain (the person when own;
	// for member and clerk powers, the member the chain ends at).
	Holder      string `json:"holder"`
	HolderTitle string `json:"holder_title"`
	HolderUnit  string `json:"holder_unit"` // the unit of the holder's post
	// Chain is the delegations from the person to the holder (empty when own).
	Chain []Link `json:"chain"`
	// CapacityLines are printed under the name, one per link, then the holder's post:
	// ["รองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา"].
	CapacityLines []string `json:"capacity_lines"`
}

// Capacity is the capacity lines joined with newlines, as letter_actions.capacity stores them.
func (a Authority) Capacity() string { return strings.Join(a.CapacityLines, "\n") }

// Link is one delegation of a chain: Delegate acts for Delegator.
type Link struct {
	Delegation    int64     `json:"delegation"`
	Kind          string    `json:"kind"` // on_behalf | acting
	Delegate      string    `json:"delegate"`
	DelegateName  string    `json:"delegate_name"`
	DelegateTitle string    `json:"delegate_title"` // as printed on this link's line
	Delegator     string    `json:"delegator"`
	DelegatorName string    `json:"delegator_name"`
	Unit          string    `json:"unit"`
	Inherit       bool      `json:"inherit"`
	StartsOn      thai.Date `json:"starts_on"`
	LastDay       thai.Date `json:"last_day"`
}

// AuthorityError is a refusal: the person holds the power neither in their own right nor
// through delegations valid on the day. It wraps ErrForbidden; the message names the holder
// and, when the person has delegations that do not apply, why.
type AuthorityError struct {
	Person  string
	Power   string
	Unit    string
	On      thai.Date
	Holder  string // "" when the power belongs to a group (members, clerks) or nobody
	Message string
}

func (e *AuthorityError) Error() string { return e.Message }
func (e *AuthorityError) Unwrap() error { return ErrForbidden }

// Resolve finds the capacity in which personID may use power for unitCode at the instant at
// (its Bangkok day). A refusal is an *AuthorityError (errors.Is(err, ErrForbidden)); an unknown
// person or unit wraps ErrNotFound; an unknown power is a *DelegationError.
func (db *DB) Resolve(ctx context.Context, personID, power, unitCode string, at time.Time) (Authority, error) {
	d := thai.DateOf(at)
	return resolveAuthority(ctx, db.Pool, personID, power, unitCode, d, d)
}

// resolveAuthority resolves over every day of [from, to]: each link must apply on all of them.
func resolveAuthority(ctx context.Context, q authQuerier, person, power, unit string, from, to thai.Date) (Authority, error) {
	p, err := ParsePower(power)
	if err != nil {
		return Authority{}, err
	}
	r, err := newResolver(ctx, q, person, p, unit, from, to)
	if err != nil {
		return Authority{}, err
	}
	me := r.people[person]
	if !me.active {
		return Authority{}, &AuthorityError{Person: person, Power: p, Unit: unit, On: from,
			Message: fmt.Sprintf("%s (%s) is not active and may not act", me.id, me.name)}
	}
	if a, ok := r.search(); ok {
		return a, nil
	}
	return Authority{}, r.refusal(ctx, q)
}

type resolver struct {
	org      *orgView
	people   map[string]*personInfo
	dels     []Delegation // valid on every day of [from, to], by id
	person   string
	power    string
	target   string
	anc      []string // target, its parent, … the root
	from, to thai.Date
	rule     string
}

func newResolver(ctx context.Context, q authQuerier, person, power, unit string, from, to thai.Date) (*resolver, error) {
	org, err := loadOrgView(ctx, q)
	if err != nil {
		return nil, err
	}
	u := org.units[unit]
	if u == nil {
		return nil, fmt.Errorf("unit %q: %w (saraban org show lists the units)", unit, ErrNotFound)
	}
	dels, err := delegationsCovering(ctx, q, from, to)
	if err != nil {
		return nil, err
	}
	rule, err := holderRule(ctx, q, u.agency, power)
	if err != nil {
		return nil, err
	}
	r := &resolver{org: org, dels: dels, person: person, power: power, target: unit,
		anc: org.ancestors(unit), from: from, to: to, rule: rule}
	ids := []string{person}
	if h := r.holderPost(); h != nil {
		ids = append(ids, h.headID) // named in a refusal
	}
	for _, d := range dels {
		ids = append(ids, d.Delegator, d.Delegate)
	}
	if r.people, err = loadPeople(ctx, q, ids); err != nil {
		return nil, err
	}
	if r.people[person] == nil {
		return nil, fmt.Errorf("person %q: %w (saraban org show lists the people)", person, ErrNotFound)
	}
	return r, nil
}

// holderRule reads the agency's rule for a power (power_holders), or the default.
func holderRule(ctx context.Context, q authQuerier, agency, power string) (string, error) {
	var rule string
	err := q.QueryRow(ctx, `SELECT holder FROM power_holders WHERE agency_code = $1 AND power = $2`, agency, power).Scan(&rule)
	if errors.Is(err, pgx.ErrNoRows) {
		return defaultHolders[power], nil
	}
	return rule, err
}

// own tells whether person holds the power for the target in their own right; with post set
// (they are reached through an acting appointment for that post) only through that post.
func (r *resolver) own(person, post string) (title, unit string, ok bool) {
	switch r.rule {
	case holderUnitHead, holderAgencyHead:
		h := r.holderPost()
		if h != nil && h.headID == person && (post == "" || post == h.code) {
			return h.headTitle, h.code, true
		}
	case holderMember, holderClerk:
		p := r.people[person]
		if p == nil {
			return "", "", false
		}
		for _, u := range r.anc {
			if post != "" && u != post {
				continue
			}
			if q := p.bestIn(u, r.rule == holderClerk); q != nil {
				return q.Title, u, true
			}
		}
	}
	return "", "", false
}

// holderPost is the unit whose head holds the power (head rules), nil when nobody does.
func (r *resolver) holderPost() *unitNode {
	switch r.rule {
	case holderUnitHead:
		return r.org.nearestHead(r.target)
	case holderAgencyHead:
		root := r.org.units[r.anc[len(r.anc)-1]]
		if root.headID != "" {
			return root
		}
	}
	return nil
}

// applies tells whether an on-behalf delegation gives the power for the target.
func (r *resolver) applies(d Delegation) bool {
	if !containsStr(d.Powers, r.power) {
		return false
	}
	if d.Unit == r.target {
		return true
	}
	return d.Inherit && containsStr(r.anc[1:], d.Unit)
}

type searchStep struct {
	person string
	post   string // set when reached through an acting appointment: only that post counts
	link   *Delegation
	prev   *searchStep
	depth  int
}

func (s *searchStep) onPath(person string) bool {
	for ; s != nil; s = s.prev {
		if s.person == person {
			return true
		}
	}
	return false
}

// search walks the delegations breadth first from the person towards a holder.
func (r *resolver) search() (Authority, bool) {
	queue := []*searchStep{{person: r.person}}
	seen := map[string]bool{r.person + "\x00": true}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if title, unit, ok := r.own(s.person, s.post); ok {
			return r.authority(s, title, unit), true
		}
		if s.depth >= maxChainLinks {
			continue
		}
		for i := range r.dels {
			d := &r.dels[i]
			if d.Delegate != s.person {
				continue
			}
			next := &searchStep{person: d.Delegator, link: d, prev: s, depth: s.depth + 1}
			switch d.Kind {
			case DelegationOnBehalf:
				if !r.applies(*d) {
					continue
				}
			case DelegationActing:
				if s.post != "" { // the acting head of a post does not inherit the absent head's own acting posts
					continue
				}
				if r.org.units[d.Unit] == nil || r.org.units[d.Unit].headID != d.Delegator {
					continue // the delegator no longer heads the post
				}
				next.post = d.Unit
			}
			key := next.person + "\x00" + next.post
			if seen[key] || s.onPath(next.person) {
				continue
			}
			seen[key] = true
			queue = append(queue, next)
		}
	}
	return Authority{}, false
}

// authority builds the answer for a chain ending at s, whose person holds the power as title
// in unit.
func (r *resolver) authority(s *searchStep, holderTitle, holderUnit string) Authority {
	var links []*Delegation
	for x := s; x.prev != nil; x = x.prev {
		links = append(links, x.link)
	}
	// links run from the holder back to the person: reverse them.
	for i, j := 0, len(links)-1; i < j; i, j = i+1, j-1 {
		links[i], links[j] = links[j], links[i]
	}
	me := r.people[r.person]
	a := Authority{Person: r.person, Name: me.name, Power: r.power, Unit: r.target, On: r.from, Kind: AuthorityOwn,
		Holder: s.person, HolderTitle: holderTitle, HolderUnit: holderUnit, Chain: []Link{}}
	agency := r.org.agencyName[r.org.units[r.target].agency]
	for _, d := range links {
		title := d.Title
		if title == "" {
			title = shortenInChain(r.titleFor(d.Delegate, d.Unit), agency, holderTitle)
		}
		a.Chain = append(a.Chain, Link{Delegation: d.ID, Kind: d.Kind, Delegate: d.Delegate, DelegateName: d.DelegateName,
			DelegateTitle: title, Delegator: d.Delegator, DelegatorName: d.DelegatorName, Unit: d.Unit, Inherit: d.Inherit,
			StartsOn: d.StartsOn, LastDay: d.LastDay})
		a.CapacityLines = append(a.CapacityLines, title+" "+CapacityWord[d.Kind])
	}
	a.CapacityLines = append(a.CapacityLines, holderTitle)
	if len(a.Chain) > 0 {
		a.Kind = a.Chain[0].Kind
		a.Title = a.Chain[0].DelegateTitle
	} else {
		a.Title = holderTitle
	}
	return a
}

// titleFor chooses the post a delegate is printed with for a delegation of unit: a position in
// the unit (the head position first), else in the nearest unit above it, else in the nearest
// unit below it, else the first by unit and title. A person with no position is printed by name.
func (r *resolver) titleFor(person, unit string) string {
	p := r.people[person]
	if p == nil {
		return person
	}
	if len(p.positions) == 0 {
		return p.name
	}
	up := r.org.ancestors(unit)
	rank := func(q Position) (int, int) {
		if i := indexOf(up, q.UnitCode); i >= 0 {
			return 0, i
		}
		if k := r.org.depthBelow(unit, q.UnitCode); k > 0 {
			return 1, k
		}
		return 2, 0
	}
	best := p.positions[0]
	for _, q := range p.positions[1:] {
		a1, a2 := rank(q)
		b1, b2 := rank(best)
		switch {
		case a1 != b1:
			if a1 < b1 {
				best = q
			}
		case a2 != b2:
			if a2 < b2 {
				best = q
			}
		case q.IsHead != best.IsHead:
			if q.IsHead {
				best = q
			}
		case q.UnitCode == best.UnitCode && q.Title < best.Title:
			best = q
		}
	}
	return best.Title
}

// placePrefixes are the words before a place name in an agency's name (จังหวัดสงขลา).
var placePrefixes = []string{"จังหวัด", "อำเภอ"}

// shortenInChain drops the place name from a post printed above the last line when the last
// line already names it, as the corpus prints chains: the land officer "เจ้าพนักงานที่ดินจังหวัดสงขลา"
// is printed "เจ้าพนักงานที่ดินจังหวัด ปฏิบัติราชการแทน" above "ผู้ว่าราชการจังหวัดสงขลา" (000-B),
// like the deputy "รองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน" (000-A). A title given on the
// delegation is printed as given.
func shortenInChain(title, agencyName, last string) string {
	if agencyName == "" || !strings.Contains(last, agencyName) || !strings.HasSuffix(title, agencyName) || title == agencyName {
		return title
	}
	for _, p := range placePrefixes {
		if strings.HasPrefix(agencyName, p) && len(agencyName) > len(p) {
			return strings.TrimSuffix(title, agencyName) + p
		}
	}
	return title
}

// holderText says who holds the power, for refusals.
func (r *resolver) holderText() (string, string) {
	u := r.org.units[r.target]
	switch r.rule {
	case holderUnitHead, holderAgencyHead:
		h := r.holderPost()
		if h == nil {
			return "", fmt.Sprintf("nobody holds it: %s and the units above it have no head (mark a head in the organisation file)", u.code)
		}
		who := fmt.Sprintf("%s (%s)", h.headID, h.headTitle)
		if p := r.people[h.headID]; p != nil {
			who = fmt.Sprintf("%s (%s, %s)", h.headID, p.name, h.headTitle)
		}
		what := "the head of " + h.code
		if r.rule == holderAgencyHead {
			what = "the head of the agency"
		}
		return h.headID, fmt.Sprintf("it is held by %s, %s", what, who)
	case holderClerk:
		return "", fmt.Sprintf("it is held by the clerks of %s and of the units above it", u.code)
	default:
		return "", fmt.Sprintf("it is held by the members of %s and of the units above it", u.code)
	}
}

func (r *resolver) refusal(ctx context.Context, q authQuerier) error {
	me := r.people[r.person]
	u := r.org.units[r.target]
	holder, held := r.holderText()
	when := "on " + dayText(r.from)
	valid := "valid on that day"
	if r.to != r.from {
		when = fmt.Sprintf("on every day from %s to %s", r.from, r.to)
		valid = "covering that whole period"
	}
	msg := fmt.Sprintf("%s (%s) may not use the power %q (%s) for %s (%s) %s: %s, and no delegation %s gives it to %s",
		me.id, me.name, r.power, PowerThai[r.power], u.code, u.name, when, held, valid, me.id)
	if hints := r.hints(ctx, q); len(hints) > 0 {
		msg += "; " + strings.Join(hints, "; ")
	}
	return &AuthorityError{Person: r.person, Power: r.power, Unit: r.target, On: r.from, Holder: holder, Message: msg}
}

// hints explain why the person's own delegations for this power do not apply.
func (r *resolver) hints(ctx context.Context, q authQuerier) []string {
	mine, err := queryDelegations(ctx, q, r.from, `WHERE d.delegate = $1 AND (d.kind = 'acting' OR $2 = ANY(d.powers)) ORDER BY d.id DESC LIMIT 20`,
		r.person, r.power)
	if err != nil {
		return nil
	}
	var out []string
	for _, d := range mine {
		var why string
		switch {
		case d.Cancelled():
			why = "was cancelled before it began"
		case d.StartsOn.Compare(r.from) > 0 && d.StartsOn.Compare(r.to) > 0:
			why = "begins only on " + dayText(d.StartsOn)
		case d.LastDay.Compare(r.from) < 0:
			if d.EndedOn != nil && d.LastDay.Compare(d.EndsOn) < 0 {
				why = "was ended early: its last day was " + dayText(d.LastDay)
			} else {
				why = "expired: its last day was " + dayText(d.LastDay)
			}
		case d.StartsOn.Compare(r.from) > 0 || d.LastDay.Compare(r.to) < 0:
			why = fmt.Sprintf("covers only %s to %s", d.StartsOn, d.LastDay)
		case d.Kind == DelegationOnBehalf && !r.applies(d):
			if d.Inherit {
				why = fmt.Sprintf("is for %s and its sub-units, which do not include %s", d.Unit, r.target)
			} else {
				why = fmt.Sprintf("is for %s only (not inherited by its sub-units)", d.Unit)
				if !containsStr(r.anc[1:], d.Unit) {
					why = fmt.Sprintf("is for %s only", d.Unit)
				}
			}
		case d.Kind == DelegationActing:
			why = fmt.Sprintf("is valid, but the post of head of %s does not hold %q for %s", d.Unit, r.power, r.target)
		default:
			why = fmt.Sprintf("is valid, but %s does not hold %q for %s then either", d.Delegator, r.power, r.target)
		}
		out = append(out, fmt.Sprintf("delegation #%d from %s %s", d.ID, d.Delegator, why))
		if len(out) == 3 {
			break
		}
	}
	return out
}

// PowerHolder names who holds a power for a unit in their own right, and their post. For the
// powers of members (annotate by default) it names the unit's head (or the nearest above), who
// is one of them; for clerks' powers, the clerk of the nearest unit that has one (by person
// id). ErrNotFound when nobody does.
func (db *DB) PowerHolder(ctx context.Context, power, unit string) (personID, title string, err error) {
	p, err := ParsePower(power)
	if err != nil {
		return "", "", err
	}
	org, err := loadOrgView(ctx, db.Pool)
	if err != nil {
		return "", "", err
	}
	u := org.units[unit]
	if u == nil {
		return "", "", fmt.Errorf("unit %q: %w", unit, ErrNotFound)
	}
	rule, err := holderRule(ctx, db.Pool, u.agency, p)
	if err != nil {
		return "", "", err
	}
	anc := org.ancestors(unit)
	var h *unitNode
	switch rule {
	case holderAgencyHead:
		if root := org.units[anc[len(anc)-1]]; root.headID != "" {
			h = root
		}
	case holderClerk:
		rows, err := db.Pool.Query(ctx, `SELECT person_id, title, unit_code FROM positions WHERE role = 'clerk' AND unit_code = ANY($1)
			ORDER BY person_id, title`, anc)
		if err != nil {
			return "", "", err
		}
		type clerk struct{ id, title, unit string }
		cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (clerk, error) {
			var c clerk
			return c, r.Scan(&c.id, &c.title, &c.unit)
		})
		if err != nil {
			return "", "", err
		}
		for _, a := range anc {
			for _, c := range cs {
				if c.unit == a {
					return c.id, c.title, nil
				}
			}
		}
		return "", "", fmt.Errorf("nobody holds %q for %s: it has no clerk, nor have the units above it: %w", p, unit, ErrNotFound)
	default:
		h = org.nearestHead(unit)
	}
	if h == nil {
		return "", "", fmt.Errorf("nobody holds %q for %s: it and the units above it have no head: %w", p, unit, ErrNotFound)
	}
	return h.headID, h.headTitle, nil
}

// ActingFor tells who acts for a person on the day of at: the delegate of an acting appointment
// (รักษาราชการแทน) valid that day for a post the person heads. When the substitute is replaced
// too, the chain is followed (up to four). Tasks and reminders for the person go to the
// substitute.
func (db *DB) ActingFor(ctx context.Context, personID string, at time.Time) (substitute string, ok bool, err error) {
	day := thai.DateOf(at).String()
	cur := personID
	seen := map[string]bool{cur: true}
	for i := 0; i < maxChainLinks; i++ {
		var sub string
		err := db.Pool.QueryRow(ctx, `SELECT d.delegate FROM delegations d
			JOIN positions h ON h.unit_code = d.unit_code AND h.is_head AND h.person_id = d.delegator
			WHERE d.kind = 'acting' AND d.delegator = $1 AND d.starts_on <= $2::date AND $2::date <= `+effLastSQL+`
			ORDER BY d.starts_on DESC, d.id DESC LIMIT 1`, cur, day).Scan(&sub)
		if errors.Is(err, pgx.ErrNoRows) {
			break
		}
		if err != nil {
			return "", false, err
		}
		if seen[sub] {
			break
		}
		seen[sub] = true
		cur = sub
	}
	if cur == personID {
		return "", false, nil
	}
	return cur, true, nil
}

// MayAct tells whether personID may act on a task given to assigneePerson and/or assigneeUnit on
// the day of at, and in which capacity (Power "task"): the assignee themselves, a member of the
// assigned unit, the head of a unit above it (own), or whoever acts that day for the assignee or
// for the head of the assigned unit (acting: ["<post> รักษาราชการแทน", "<absent holder's post>"]).
// A refusal is an *AuthorityError.
func (db *DB) MayAct(ctx context.Context, personID, assigneeUnit, assigneePerson string, at time.Time) (Authority, error) {
	org, err := loadOrgView(ctx, db.Pool)
	if err != nil {
		return Authority{}, err
	}
	if assigneeUnit != "" && org.units[assigneeUnit] == nil {
		return Authority{}, fmt.Errorf("unit %q: %w", assigneeUnit, ErrNotFound)
	}
	ids := []string{personID}
	if assigneePerson != "" {
		ids = append(ids, assigneePerson)
	}
	people, err := loadPeople(ctx, db.Pool, ids)
	if err != nil {
		return Authority{}, err
	}
	me := people[personID]
	if me == nil {
		return Authority{}, fmt.Errorf("person %q: %w", personID, ErrNotFound)
	}
	day := thai.DateOf(at)
	r := &resolver{org: org, people: people}
	scope := assigneeUnit
	titleOf := func(id string) string {
		if scope == "" {
			if p := people[id]; p != nil && len(p.positions) > 0 {
				return p.positions[0].Title
			}
			return id
		}
		return r.titleFor(id, scope)
	}
	a := Authority{Person: personID, Name: me.name, Power: "task", Unit: assigneeUnit, On: day, Kind: AuthorityOwn, Chain: []Link{}}
	ownAs := func(title, unit string) Authority {
		a.Title, a.Holder, a.HolderTitle, a.HolderUnit, a.CapacityLines = title, personID, title, unit, []string{title}
		return a
	}
	actingFor := func(absent, absentTitle, unit string) Authority {
		a.Kind, a.Title, a.Holder, a.HolderTitle, a.HolderUnit = DelegationActing, titleOf(personID), absent, absentTitle, unit
		a.CapacityLines = []string{a.Title + " " + CapacityWord[DelegationActing], absentTitle}
		return a
	}
	if !me.active {
		return Authority{}, &AuthorityError{Person: personID, Power: "task", Unit: assigneeUnit, On: day,
			Message: fmt.Sprintf("%s (%s) is not active and may not act", me.id, me.name)}
	}
	if assigneePerson != "" {
		if assigneePerson == personID {
			return ownAs(titleOf(personID), scope), nil
		}
		if sub, ok, err := db.ActingFor(ctx, assigneePerson, at); err != nil {
			return Authority{}, err
		} else if ok && sub == personID {
			return actingFor(assigneePerson, titleOf(assigneePerson), scope), nil
		}
	}
	if assigneeUnit != "" {
		for _, q := range me.positions {
			if q.UnitCode == assigneeUnit {
				return ownAs(me.bestIn(assigneeUnit, false).Title, assigneeUnit), nil
			}
		}
		for _, u := range org.ancestors(assigneeUnit)[1:] {
			if org.units[u].headID == personID {
				return ownAs(org.units[u].headTitle, u), nil
			}
		}
		if h := org.nearestHead(assigneeUnit); h != nil {
			if sub, ok, err := db.ActingFor(ctx, h.headID, at); err != nil {
				return Authority{}, err
			} else if ok && sub == personID {
				return actingFor(h.headID, h.headTitle, h.code), nil
			}
		}
	}
	var whom []string
	if assigneePerson != "" {
		whom = append(whom, assigneePerson)
	}
	if assigneeUnit != "" {
		whom = append(whom, "unit "+assigneeUnit)
	}
	return Authority{}, &AuthorityError{Person: personID, Power: "task", Unit: assigneeUnit, On: day, Holder: assigneePerson,
		Message: fmt.Sprintf("%s (%s) may not act on a task for %s on %s: it is for the assignee, the members of the assigned unit, the heads above it, and whoever acts for them that day",
			me.id, me.name, strings.Join(whom, " / "), dayText(day))}
}

// --- the organisation as authority needs it ---

type unitNode struct {
	code, parent, agency, name string
	headID, headTitle          string
}

type orgView struct {
	units      map[string]*unitNode
	agencyName map[string]string
}

func loadOrgView(ctx context.Context, q authQuerier) (*orgView, error) {
	rows, err := q.Query(ctx, `SELECT u.code, coalesce(u.parent_code, ''), u.agency_code, u.name, a.name,
			coalesce(h.person_id, ''), coalesce(h.title, '')
		FROM units u JOIN agencies a ON a.code = u.agency_code
		LEFT JOIN positions h ON h.unit_code = u.code AND h.is_head`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	o := &orgView{units: map[string]*unitNode{}, agencyName: map[string]string{}}
	for rows.Next() {
		var u unitNode
		var agencyName string
		if err := rows.Scan(&u.code, &u.parent, &u.agency, &u.name, &agencyName, &u.headID, &u.headTitle); err != nil {
			return nil, err
		}
		o.units[u.code] = &u
		o.agencyName[u.agency] = agencyName
	}
	return o, rows.Err()
}

// ancestors is the unit followed by its parent, up to the root (empty for an unknown unit).
func (o *orgView) ancestors(code string) []string {
	var out []string
	for u := o.units[code]; u != nil && len(out) < 100; u = o.units[u.parent] {
		out = append(out, u.code)
		if u.parent == "" {
			break
		}
	}
	return out
}

// nearestHead is the unit itself if it has a head, else the nearest unit above that has one.
func (o *orgView) nearestHead(code string) *unitNode {
	for _, c := range o.ancestors(code) {
		if u := o.units[c]; u.headID != "" {
			return u
		}
	}
	return nil
}

// strictlyAbove tells whether a is a unit above b.
func (o *orgView) strictlyAbove(a, b string) bool {
	up := o.ancestors(b)
	return len(up) > 1 && containsStr(up[1:], a)
}

// depthBelow is how many levels code is below top (0 when not below it).
func (o *orgView) depthBelow(top, code string) int {
	up := o.ancestors(code)
	if i := indexOf(up, top); i > 0 {
		return i
	}
	return 0
}

// scopesMeet tells whether two delegation scopes share a unit.
func (o *orgView) scopesMeet(a string, aInherit bool, b string, bInherit bool) bool {
	return a == b || (aInherit && o.strictlyAbove(a, b)) || (bInherit && o.strictlyAbove(b, a))
}

type personInfo struct {
	id, name  string
	active    bool
	positions []Position // by unit code, title
}

func loadPeople(ctx context.Context, q authQuerier, ids []string) (map[string]*personInfo, error) {
	rows, err := q.Query(ctx, `SELECT p.id, p.name, p.active, q.unit_code, q.title, q.is_head, q.role
		FROM people p LEFT JOIN positions q ON q.person_id = p.id
		WHERE p.id = ANY($1) ORDER BY p.id, q.unit_code, q.title`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*personInfo{}
	for rows.Next() {
		var id, name string
		var active bool
		var unit, title, role *string
		var head *bool
		if err := rows.Scan(&id, &name, &active, &unit, &title, &head, &role); err != nil {
			return nil, err
		}
		p := out[id]
		if p == nil {
			p = &personInfo{id: id, name: name, active: active}
			out[id] = p
		}
		if unit != nil {
			p.positions = append(p.positions, Position{UnitCode: *unit, Title: *title, IsHead: *head, Role: *role})
		}
	}
	return out, rows.Err()
}

// bestIn is the person's position in unit (the head position first, then by title), nil when
// they have none there; clerkOnly keeps only clerk positions.
func (p *personInfo) bestIn(unit string, clerkOnly bool) *Position {
	var cands []Position
	for _, q := range p.positions {
		if q.UnitCode == unit && (!clerkOnly || q.Role == "clerk") {
			cands = append(cands, q)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].IsHead != cands[j].IsHead {
			return cands[i].IsHead
		}
		return cands[i].Title < cands[j].Title
	})
	return &cands[0]
}

func (p *personInfo) hasPositionIn(o *orgView, agency string) bool {
	for _, q := range p.positions {
		if u := o.units[q.UnitCode]; u != nil && u.agency == agency {
			return true
		}
	}
	return false
}

func containsStr(list []string, s string) bool { return indexOf(list, s) >= 0 }

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
