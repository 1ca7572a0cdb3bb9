package storage_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// demoDB is a fresh database with the demo organisation (deploy/demo/agency.yaml).
func demoDB(t *testing.T) *storage.DB {
	t.Helper()
	db := newTestDB(t)
	if _, err := db.ImportOrg(context.Background(), loadDemo(t), "test"); err != nil {
		t.Fatal(err)
	}
	return db
}

// day is today (Bangkok) plus n days.
func day(n int) thai.Date {
	return thai.DateOf(time.Now().In(thai.Bangkok).AddDate(0, 0, n))
}

// at is 10:00 Bangkok on d.
func at(d thai.Date) time.Time { return d.Time(thai.Bangkok).Add(10 * time.Hour) }

func date(t *testing.T, s string) thai.Date {
	t.Helper()
	d, err := thai.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func addDel(t *testing.T, db *storage.DB, nd storage.NewDelegation) storage.Delegation {
	t.Helper()
	d, err := db.AddDelegation(context.Background(), nd, "operator:test")
	if err != nil {
		t.Fatalf("add %+v: %v", nd, err)
	}
	return d
}

// refused checks that err is a *DelegationError with the code, wrapping kind (nil: invalid).
func refused(t *testing.T, err error, code string, kind error, mention ...string) {
	t.Helper()
	var de *storage.DelegationError
	if !errors.As(err, &de) {
		t.Fatalf("want refusal %s, got %v", code, err)
	}
	if de.Code != code {
		t.Fatalf("want refusal %s, got %s: %v", code, de.Code, err)
	}
	for _, k := range []error{storage.ErrConflict, storage.ErrForbidden, storage.ErrNotFound} {
		if errors.Is(err, k) != (k == kind) {
			t.Fatalf("refusal %s: errors.Is(%v) = %v: %v", code, k, errors.Is(err, k), err)
		}
	}
	for _, m := range mention {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("refusal %s does not mention %q: %v", code, m, err)
		}
	}
}

func onBehalf(from, to, unit string, inherit bool, start, end thai.Date, powers ...string) storage.NewDelegation {
	return storage.NewDelegation{Delegator: from, Delegate: to, Kind: "on_behalf", Unit: unit, Inherit: inherit,
		Powers: powers, StartsOn: start, EndsOn: end}
}

func acting(from, to, unit string, start, end thai.Date) storage.NewDelegation {
	return storage.NewDelegation{Delegator: from, Delegate: to, Kind: "acting", Unit: unit, StartsOn: start, EndsOn: end}
}

func TestAddDelegationRefusesWhatAClerkWould(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	add := func(nd storage.NewDelegation) error {
		_, err := db.AddDelegation(ctx, nd, "operator:test")
		return err
	}
	d0, d10 := day(0), day(10)

	refused(t, add(onBehalf("governor", "governor", "province", true, d0, d10, "sign")), "self_delegation", nil, "themselves")
	refused(t, add(onBehalf("governor", "apichat", "province", true, d10, d0, "sign")), "ends_before_start", nil, "before it starts")
	refused(t, add(onBehalf("governor", "apichat", "province", true, day(-10), day(-1), "sign")), "past_period", nil, "already over")
	refused(t, add(onBehalf("governor", "apichat", "province", true, d0, d10)), "no_powers", nil, "order, forward, close, sign, annotate")
	refused(t, add(onBehalf("governor", "apichat", "province", true, d0, d10, "stamp")), "unknown_power", nil, `"stamp"`)
	refused(t, add(storage.NewDelegation{Delegator: "sujit", Delegate: "netanong", Kind: "acting", Powers: []string{"order"}, StartsOn: d0, EndsOn: d10}),
		"acting_with_powers", nil, "covers every power of the post")
	refused(t, add(storage.NewDelegation{Delegator: "sujit", Delegate: "netanong", Kind: "acting", Inherit: true, StartsOn: d0, EndsOn: d10}),
		"acting_inherit", nil, "drop inherit")
	refused(t, add(storage.NewDelegation{Delegator: "sujit", Delegate: "netanong", Kind: "vacation", StartsOn: d0, EndsOn: d10}), "unknown_kind", nil)
	refused(t, add(storage.NewDelegation{Delegator: "sujit", Delegate: "netanong", Kind: "on_behalf", Powers: []string{"sign"}, EndsOn: d10}), "missing_start", nil)

	// The delegator must hold what they give: netanong holds nothing of the governor's.
	refused(t, add(onBehalf("netanong", "panisa", "land-office", false, d0, d10, "sign")), "not_held", storage.ErrForbidden,
		"governor", "ผู้ว่าราชการจังหวัดสงขลา")
	// Acting is for the post of the head of the unit.
	refused(t, add(acting("prasert", "netanong", "land-office", d0, d10)), "not_head", storage.ErrForbidden, "its head is sujit")

	// A delegate with no position in the agency; an inactive delegate; unknown people and units.
	if _, err := db.Pool.Exec(ctx, `INSERT INTO people(id, name) VALUES ('outsider', 'นายนอก ระบบ')`); err != nil {
		t.Fatal(err)
	}
	refused(t, add(onBehalf("sujit", "outsider", "land-office", false, d0, d10, "order")), "no_position", nil, "holds no position in จังหวัดสงขลา")
	if _, err := db.Pool.Exec(ctx, `UPDATE people SET active = false WHERE id = 'panisa'`); err != nil {
		t.Fatal(err)
	}
	refused(t, add(onBehalf("sujit", "panisa", "land-office", false, d0, d10, "order")), "inactive_delegate", nil)
	if err := add(onBehalf("sujit", "nobody", "land-office", false, d0, d10, "order")); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown delegate: %v", err)
	}
	if err := add(onBehalf("sujit", "netanong", "no-such-unit", false, d0, d10, "order")); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown unit: %v", err)
	}
	// The delegate already holds the power in their own right.
	refused(t, add(onBehalf("governor", "apichat", "province", false, d0, d10, "annotate")), "already_held", storage.ErrConflict, "own right")

	// Duplicates: the same, or included in one already given.
	addDel(t, db, onBehalf("governor", "apichat", "province", true, d0, d10, "order", "sign"))
	refused(t, add(onBehalf("governor", "apichat", "province", true, d0, d10, "sign", "order")), "duplicate", storage.ErrConflict, "the same delegation already exists")
	refused(t, add(onBehalf("governor", "apichat", "pao", false, day(1), day(5), "sign")), "duplicate", storage.ErrConflict, "which includes it")
	// Not included (another power, a longer period): accepted.
	addDel(t, db, onBehalf("governor", "apichat", "province", true, d0, d10, "forward"))
	addDel(t, db, onBehalf("governor", "apichat", "province", true, day(5), day(20), "sign"))

	// Overlapping acting appointments for one post.
	first := addDel(t, db, acting("sujit", "netanong", "land-office", day(1), day(5)))
	refused(t, add(acting("sujit", "netanong", "land-office", day(1), day(5))), "duplicate", storage.ErrConflict)
	refused(t, add(acting("sujit", "kanda", "land-office", day(5), day(9))), "acting_overlap", storage.ErrConflict,
		"already has an acting appointment", "#"+itoa(first.ID))
	// The day after is free; so is another post in the same period.
	addDel(t, db, acting("sujit", "prasert", "land-office", day(6), day(9)))
	addDel(t, db, acting("prasert", "onuma", "land-hatyai", day(1), day(5)))

	// Nothing of the refusals was written; every delegation has its audit row.
	var n, audits int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM delegations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'delegation.add'`).Scan(&audits); err != nil {
		t.Fatal(err)
	}
	if n != 6 || audits != 6 {
		t.Fatalf("%d delegations, %d audit rows; want 6 and 6", n, audits)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestSubDelegationStaysInsideTheDelegatorsPeriod(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	addDel(t, db, onBehalf("governor", "sujit", "land-office", true, day(0), day(10), "sign", "forward"))
	// Beyond sujit's own period: refused, naming the period.
	_, err := db.AddDelegation(ctx, onBehalf("sujit", "netanong", "land-office", false, day(5), day(15), "sign"), "operator:test")
	refused(t, err, "not_held", storage.ErrForbidden, "on every day from", "covers only")
	// A power sujit was not given: refused.
	_, err = db.AddDelegation(ctx, onBehalf("sujit", "netanong", "land-office", false, day(2), day(8), "close", "sign"), "operator:test")
	if err != nil {
		t.Fatalf("close is sujit's own (head of land-office) and sign is delegated: %v", err)
	}
	_, err = db.AddDelegation(ctx, onBehalf("sujit", "netanong", "pao", false, day(2), day(8), "sign"), "operator:test")
	refused(t, err, "not_held", storage.ErrForbidden)
}

func TestDelegationCyclesAreRefused(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	addDel(t, db, onBehalf("governor", "sujit", "land-office", true, day(0), day(30), "sign"))
	addDel(t, db, onBehalf("sujit", "netanong", "land-office", false, day(0), day(10), "sign"))
	// netanong holds sign through sujit, and sujit does not hold it in their own right: only the
	// cycle check stops netanong → sujit.
	_, err := db.AddDelegation(ctx, onBehalf("netanong", "sujit", "land-office", false, day(2), day(4), "sign"), "operator:test")
	refused(t, err, "cycle", storage.ErrConflict, "cycle", "sujit → netanong")
}

func TestEndDelegationKeepsItsHistory(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	d := addDel(t, db, onBehalf("governor", "apichat", "province", true, day(0), day(10), "sign"))
	if d.Status != "active" || d.LastDay != day(10) || d.EndedOn != nil || d.KindThai != "ปฏิบัติราชการแทน" {
		t.Fatalf("new delegation: %+v", d)
	}
	// Refusals: a day in the past, a day after its last day, an unknown id.
	_, err := db.EndDelegation(ctx, d.ID, "operator:test", day(-1))
	refused(t, err, "end_in_past", nil, "in the past")
	_, err = db.EndDelegation(ctx, d.ID, "operator:test", day(12))
	refused(t, err, "end_after_last_day", nil, "changes nothing")
	if _, err := db.EndDelegation(ctx, 999999, "operator:test", day(2)); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}

	ended, err := db.EndDelegation(ctx, d.ID, "operator:clerk", day(3))
	if err != nil {
		t.Fatal(err)
	}
	if ended.EndsOn != day(10) || ended.EndedOn == nil || *ended.EndedOn != day(3) || ended.LastDay != day(2) ||
		ended.Status != "active" || ended.EndedBy != "operator:clerk" || ended.EndedAt == nil {
		t.Fatalf("ended: %+v", ended)
	}
	if _, err := db.Resolve(ctx, "apichat", "sign", "province", at(day(2))); err != nil {
		t.Fatalf("the day before the end: %v", err)
	}
	_, err = db.Resolve(ctx, "apichat", "sign", "province", at(day(3)))
	if !errors.Is(err, storage.ErrForbidden) || !strings.Contains(err.Error(), "was ended early") {
		t.Fatalf("after the end: %v", err)
	}
	_, err = db.EndDelegation(ctx, d.ID, "operator:test", day(1))
	refused(t, err, "already_ended", storage.ErrConflict, "already ended by operator:clerk")

	// Ending a future delegation before it begins cancels it; it stays listed with --all.
	f := addDel(t, db, onBehalf("governor", "apichat", "province", true, day(20), day(25), "forward"))
	c, err := db.EndDelegation(ctx, f.ID, "operator:test", thai.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Cancelled() || c.Status != "cancelled" || !c.LastDay.IsZero() {
		t.Fatalf("cancelled: %+v", c)
	}
	if _, err := db.Resolve(ctx, "apichat", "forward", "province", at(day(21))); !errors.Is(err, storage.ErrForbidden) ||
		!strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("a cancelled delegation resolved: %v", err)
	}
	cur, err := db.ListDelegations(ctx, storage.DelegationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cur) != 1 || cur[0].ID != d.ID {
		t.Fatalf("current list: %+v", cur)
	}
	all, err := db.ListDelegations(ctx, storage.DelegationFilter{IncludeEnded: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != d.ID || all[1].ID != f.ID || all[1].Status != "cancelled" {
		t.Fatalf("full list: %+v", all)
	}
	// Audit: add, add, end, end, in that order, with the actor.
	var acts []string
	for _, r := range auditRows(t, db) {
		if strings.HasPrefix(r.Action, "delegation.") {
			acts = append(acts, r.Action+"/"+r.SubjectID+"/"+r.Actor)
		}
	}
	want := []string{"delegation.add/" + itoa(d.ID) + "/operator:test", "delegation.end/" + itoa(d.ID) + "/operator:clerk",
		"delegation.add/" + itoa(f.ID) + "/operator:test", "delegation.end/" + itoa(f.ID) + "/operator:test"}
	if strings.Join(acts, " ") != strings.Join(want, " ") {
		t.Fatalf("audit %v, want %v", acts, want)
	}
	if rep, err := db.VerifyAudit(ctx); err != nil || !rep.OK {
		t.Fatalf("audit chain: %+v %v", rep, err)
	}
}

func TestEndingFreesThePostForAnotherActingHead(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	a := addDel(t, db, acting("prasert", "onuma", "land-hatyai", day(0), day(10)))
	_, err := db.AddDelegation(ctx, acting("prasert", "wanna", "land-hatyai", day(4), day(8)), "operator:test")
	refused(t, err, "acting_overlap", storage.ErrConflict)
	if _, err := db.EndDelegation(ctx, a.ID, "operator:test", day(4)); err != nil {
		t.Fatal(err)
	}
	addDel(t, db, acting("prasert", "wanna", "land-hatyai", day(4), day(8)))
	for _, c := range []struct {
		d    int
		want string
	}{{0, "onuma"}, {3, "onuma"}, {4, "wanna"}, {8, "wanna"}, {9, ""}} {
		sub, ok, err := db.ActingFor(ctx, "prasert", at(day(c.d)))
		if err != nil || sub != c.want || ok != (c.want != "") {
			t.Fatalf("day %d: ActingFor = %q %v %v, want %q", c.d, sub, ok, err, c.want)
		}
	}
}

func TestListDelegationsFilters(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	g := addDel(t, db, onBehalf("governor", "sujit", "land-office", true, day(0), day(30), "sign"))
	s := addDel(t, db, onBehalf("sujit", "netanong", "land-office", false, day(1), day(5), "sign"))
	h := addDel(t, db, acting("prasert", "onuma", "land-hatyai", day(7), day(9)))
	p := addDel(t, db, storage.NewDelegation{Delegator: "governor", Delegate: "apichat", Kind: "on_behalf", Unit: "province",
		Powers: []string{"sign"}, StartsOn: date(t, "1 ตุลาคม 2567"), EndsOn: date(t, "30 กันยายน 2568"), AllowPast: true})
	if p.Status != "expired" {
		t.Fatalf("a past delegation recorded for the record: %+v", p)
	}
	ids := func(f storage.DelegationFilter) []int64 {
		t.Helper()
		ds, err := db.ListDelegations(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	eq := func(got []int64, want ...int64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	}
	eq(ids(storage.DelegationFilter{}), g.ID, s.ID, h.ID)
	eq(ids(storage.DelegationFilter{IncludeEnded: true}), p.ID, g.ID, s.ID, h.ID)
	eq(ids(storage.DelegationFilter{Person: "sujit"}), g.ID, s.ID)
	eq(ids(storage.DelegationFilter{Person: "onuma"}), h.ID)
	// By unit: the unit's own and those inherited from above.
	eq(ids(storage.DelegationFilter{Unit: "land-hatyai"}), g.ID, h.ID)
	eq(ids(storage.DelegationFilter{Unit: "land-office"}), g.ID, s.ID)
	d8 := day(8)
	eq(ids(storage.DelegationFilter{ActiveOn: &d8}), g.ID, h.ID)
	old := date(t, "17 ต.ค. 2567")
	eq(ids(storage.DelegationFilter{ActiveOn: &old}), p.ID)
	if _, err := db.ListDelegations(ctx, storage.DelegationFilter{Person: "nobody"}); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown person: %v", err)
	}
	if _, err := db.ListDelegations(ctx, storage.DelegationFilter{Unit: "nowhere"}); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown unit: %v", err)
	}
	got, err := db.GetDelegation(ctx, h.ID)
	if err != nil || got.Summary() != "#"+itoa(h.ID)+" prasert → onuma, acting (รักษาราชการแทน) as head of land-hatyai, "+day(7).String()+" to "+day(9).String() {
		t.Fatalf("summary %q %v", got.Summary(), err)
	}
}

func TestDefaultUnitIsTheDelegatorsHeadUnit(t *testing.T) {
	db := demoDB(t)
	d := addDel(t, db, storage.NewDelegation{Delegator: "sujit", Delegate: "netanong", Kind: "acting", StartsOn: day(0), EndsOn: day(3)})
	if d.Unit != "land-office" {
		t.Fatalf("acting for sujit defaults to %s", d.Unit)
	}
	d = addDel(t, db, storage.NewDelegation{Delegator: "kanda", Delegate: "thanapon", Kind: "ปฏิบัติราชการแทน",
		Powers: []string{"เกษียน"}, StartsOn: day(0), EndsOn: day(3)})
	if d.Unit != "central-registry" || d.Kind != "on_behalf" || d.Powers[0] != "annotate" {
		t.Fatalf("kanda's delegation: %+v", d)
	}
}

func TestConcurrentActingAppointmentsForOnePost(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i, who := range []string{"onuma", "wanna", "anucha", "surachai"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.AddDelegation(ctx, acting("prasert", who, "land-hatyai", day(1), day(3)), "operator:test")
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, storage.ErrConflict):
		default:
			t.Fatalf("unexpected: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d acting appointments for one post in one period", ok)
	}
}

func TestWhoMayManageDelegations(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	for _, c := range []struct {
		actor, delegator, kind, unit string
		ok                           bool
	}{
		{"sujit", "sujit", "on_behalf", "land-office", true},
		{"nattawut", "sujit", "on_behalf", "land-office", true}, // the saraban administrator
		{"governor", "sujit", "acting", "land-office", true},    // the head above appoints an acting head
		{"governor", "sujit", "acting", "", true},               // the post defaults to sujit's
		{"governor", "sujit", "on_behalf", "land-office", false},
		{"netanong", "sujit", "acting", "land-office", false},
		{"panisa", "sujit", "on_behalf", "land-office", false},
	} {
		err := db.MayManageDelegation(ctx, c.actor, c.delegator, c.kind, c.unit)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, storage.ErrForbidden)) {
			t.Errorf("%s for %s (%s %s): %v", c.actor, c.delegator, c.kind, c.unit, err)
		}
	}
	d, err := db.AddDelegation(ctx, onBehalf("sujit", "netanong", "land-office", false, day(0), day(3), "order"), "panisa")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.MayEndDelegation(ctx, "panisa", d.ID); err != nil {
		t.Fatalf("whoever recorded it may end it: %v", err)
	}
	if err := db.MayEndDelegation(ctx, "onuma", d.ID); !errors.Is(err, storage.ErrForbidden) {
		t.Fatalf("onuma may not end it: %v", err)
	}
}
