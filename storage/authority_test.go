package storage_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

func lines(t *testing.T, a storage.Authority, want ...string) {
	t.Helper()
	if !reflect.DeepEqual(a.CapacityLines, want) {
		t.Fatalf("capacity lines\n got %q\nwant %q", a.CapacityLines, want)
	}
	if a.Capacity() != strings.Join(want, "\n") {
		t.Fatalf("Capacity() = %q", a.Capacity())
	}
}

func resolve(t *testing.T, db *storage.DB, person, power, unit string, when time.Time) storage.Authority {
	t.Helper()
	a, err := db.Resolve(context.Background(), person, power, unit, when)
	if err != nil {
		t.Fatalf("Resolve(%s, %s, %s, %s): %v", person, power, unit, when.Format(time.DateOnly), err)
	}
	return a
}

func forbidden(t *testing.T, db *storage.DB, person, power, unit string, when time.Time, mention ...string) *storage.AuthorityError {
	t.Helper()
	_, err := db.Resolve(context.Background(), person, power, unit, when)
	var ae *storage.AuthorityError
	if !errors.As(err, &ae) || !errors.Is(err, storage.ErrForbidden) {
		t.Fatalf("Resolve(%s, %s, %s): want a refusal, got %v", person, power, unit, err)
	}
	for _, m := range mention {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("refusal does not mention %q: %v", m, err)
		}
	}
	return ae
}

// The corpus chain (songkhla-chain.txt, cases 000-A and 000-B), on the corpus dates.
func TestCorpusCapacityLines(t *testing.T) {
	db := demoDB(t)
	fy := func(nd storage.NewDelegation) storage.NewDelegation {
		nd.AllowPast = true
		return nd
	}
	start, end := date(t, "1 ตุลาคม 2567"), date(t, "30 กันยายน 2568")
	// The governor delegates signing and forwarding for the whole province to the deputy, and
	// for the land office to the provincial land officer, who passes signing on to the senior
	// administrative officer for two weeks.
	apichat := addDel(t, db, fy(onBehalf("governor", "apichat", "province", true, start, end, "sign", "forward")))
	sujit := addDel(t, db, fy(onBehalf("governor", "sujit", "land-office", true, start, end, "sign", "forward")))
	netanong := addDel(t, db, fy(onBehalf("sujit", "netanong", "land-office", true, date(t, "14 ต.ค. 2567"), date(t, "25 ต.ค. 2567"), "sign", "forward")))

	// 000-A, 7 ต.ค. ๒๕๖๗: the provincial circular signed by the deputy governor.
	a := resolve(t, db, "apichat", "sign", "pao-strategy", date(t, "๗ ตุลาคม ๒๕๖๗").Time(thai.Bangkok).Add(14*time.Hour))
	lines(t, a, "รองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา")
	if a.Kind != "on_behalf" || a.Holder != "governor" || a.Name != "นายอภิชาติ สารบรรณ" || a.Title != "รองผู้ว่าราชการจังหวัด" ||
		len(a.Chain) != 1 || a.Chain[0].Delegation != apichat.ID {
		t.Fatalf("000-A authority: %+v", a)
	}

	// 000-B, 17 ต.ค. ๒๕๖๗: the land office's forwarding note signed by the senior administrative
	// officer, two levels down.
	b := resolve(t, db, "netanong", "sign", "land-office", at(date(t, "๑๗ ต.ค. ๒๕๖๗")))
	lines(t, b, "เจ้าพนักงานธุรการอาวุโส ปฏิบัติราชการแทน", "เจ้าพนักงานที่ดินจังหวัด ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา")
	if b.Kind != "on_behalf" || b.Holder != "governor" || b.HolderUnit != "province" || len(b.Chain) != 2 ||
		b.Chain[0].Delegation != netanong.ID || b.Chain[0].Delegator != "sujit" || b.Chain[1].Delegation != sujit.ID ||
		b.Chain[1].Delegate != "sujit" || b.Chain[1].DelegateTitle != "เจ้าพนักงานที่ดินจังหวัด" {
		t.Fatalf("000-B authority: %+v", b)
	}
	// The same chain for the branches (inherited).
	lines(t, resolve(t, db, "netanong", "forward", "land-hatyai", at(date(t, "17 ต.ค. 2567"))),
		"เจ้าพนักงานธุรการอาวุโส ปฏิบัติราชการแทน", "เจ้าพนักงานที่ดินจังหวัด ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา")

	// 000-A annotation step 3: the land officer decides in her own right.
	o := resolve(t, db, "sujit", "order", "land-office", at(date(t, "10 ต.ค. 2567")))
	lines(t, o, "เจ้าพนักงานที่ดินจังหวัดสงขลา")
	if o.Kind != "own" || o.Holder != "sujit" || len(o.Chain) != 0 {
		t.Fatalf("own: %+v", o)
	}
	lines(t, resolve(t, db, "governor", "sign", "land-hatyai", at(date(t, "17 ต.ค. 2567"))), "ผู้ว่าราชการจังหวัดสงขลา")

	// Before netanong's period she may not sign; the refusal names the holder and why her
	// delegation does not apply.
	forbidden(t, db, "netanong", "sign", "land-office", at(date(t, "10 ต.ค. 2567")),
		"governor (นายวีระ ทองสงขลา, ผู้ว่าราชการจังหวัดสงขลา)", "no delegation valid on that day", "begins only on 2024-10-14")
	// A title written in the delegation order is printed as written.
	addDel(t, db, fy(storage.NewDelegation{Delegator: "governor", Delegate: "pimchanok", Kind: "on_behalf", Unit: "pao", Inherit: true,
		Powers: []string{"sign"}, StartsOn: start, EndsOn: end, Title: "หัวหน้าสำนักงานจังหวัด"}))
	lines(t, resolve(t, db, "pimchanok", "sign", "pao-admin", at(date(t, "17 ต.ค. 2567"))), "หัวหน้าสำนักงานจังหวัด ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา")
}

func TestActingHeadOfABranch(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	addDel(t, db, acting("prasert", "onuma", "land-hatyai", day(0), day(5)))
	a := resolve(t, db, "onuma", "order", "land-hatyai", at(day(2)))
	lines(t, a, "เจ้าพนักงานธุรการปฏิบัติงาน รักษาราชการแทน", "เจ้าพนักงานที่ดินจังหวัดสงขลา สาขาหาดใหญ่")
	if a.Kind != "acting" || a.Holder != "prasert" || a.HolderUnit != "land-hatyai" {
		t.Fatalf("acting: %+v", a)
	}
	// The post does not hold what belongs to the agency head …
	forbidden(t, db, "onuma", "sign", "land-hatyai", at(day(2)), "held by the head of the agency, governor")
	// … until the governor delegates it to the branch head: then the acting head has it too.
	addDel(t, db, onBehalf("governor", "prasert", "land-hatyai", false, day(0), day(30), "sign"))
	lines(t, resolve(t, db, "onuma", "sign", "land-hatyai", at(day(2))),
		"เจ้าพนักงานธุรการปฏิบัติงาน รักษาราชการแทน", "เจ้าพนักงานที่ดินจังหวัดสงขลา สาขาหาดใหญ่ ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา")
	// Prasert himself keeps his own right (own is preferred).
	lines(t, resolve(t, db, "prasert", "order", "land-hatyai", at(day(2))), "เจ้าพนักงานที่ดินจังหวัดสงขลา สาขาหาดใหญ่")
	// After the period: refused, saying the acting appointment expired.
	forbidden(t, db, "onuma", "order", "land-hatyai", at(day(6)), "held by the head of land-hatyai, prasert", "expired")
	// Tasks go to the acting head while the period lasts.
	if sub, ok, err := db.ActingFor(ctx, "prasert", at(day(5))); err != nil || !ok || sub != "onuma" {
		t.Fatalf("ActingFor on the last day: %q %v %v", sub, ok, err)
	}
	if sub, ok, err := db.ActingFor(ctx, "prasert", at(day(6))); err != nil || ok || sub != "" {
		t.Fatalf("ActingFor after: %q %v %v", sub, ok, err)
	}
	if _, ok, _ := db.ActingFor(ctx, "onuma", at(day(2))); ok {
		t.Fatal("nobody acts for onuma")
	}
	// The head of a unit above the branch's post is not taken over: onuma acts for land-hatyai only.
	forbidden(t, db, "onuma", "order", "land-office", at(day(2)), "held by the head of land-office, sujit")
}

func TestActingLandOfficerSignsThroughTheLandOfficersDelegation(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	addDel(t, db, onBehalf("governor", "sujit", "land-office", true, day(0), day(30), "sign"))
	addDel(t, db, acting("sujit", "netanong", "land-office", day(1), day(3)))
	a := resolve(t, db, "netanong", "sign", "land-registration", at(day(2)))
	lines(t, a, "เจ้าพนักงานธุรการอาวุโส รักษาราชการแทน", "เจ้าพนักงานที่ดินจังหวัด ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา")
	if a.Kind != "acting" || len(a.Chain) != 2 || a.Chain[0].Kind != "acting" || a.Chain[1].Kind != "on_behalf" {
		t.Fatalf("acting then on behalf: %+v", a)
	}
	// land-registration has no head: its order power is the land office head's post.
	lines(t, resolve(t, db, "netanong", "order", "land-registration", at(day(2))), "เจ้าพนักงานธุรการอาวุโส รักษาราชการแทน", "เจ้าพนักงานที่ดินจังหวัดสงขลา")
	// Acting for one's own unit head while also heading a unit below: own right for her own unit.
	lines(t, resolve(t, db, "netanong", "order", "land-admin", at(day(2))), "เจ้าพนักงานธุรการอาวุโส")
	// Chained substitutes: if netanong is away as well, her acting head takes sujit's tasks.
	addDel(t, db, acting("netanong", "panisa", "land-admin", day(2), day(2)))
	if sub, ok, err := db.ActingFor(ctx, "sujit", at(day(2))); err != nil || !ok || sub != "panisa" {
		t.Fatalf("chained ActingFor: %q %v %v", sub, ok, err)
	}
	if sub, _, _ := db.ActingFor(ctx, "sujit", at(day(1))); sub != "netanong" {
		t.Fatalf("ActingFor day 1: %q", sub)
	}
}

func TestExpiredFutureAndOverlappingDelegations(t *testing.T) {
	db := demoDB(t)
	addDel(t, db, onBehalf("governor", "apichat", "province", true, day(2), day(4), "sign"))
	forbidden(t, db, "apichat", "sign", "province", at(day(1)), "begins only on "+day(2).String())
	resolve(t, db, "apichat", "sign", "province", at(day(2)))
	resolve(t, db, "apichat", "sign", "province", at(day(4)).Add(13*time.Hour+59*time.Minute)) // 23:59 Bangkok
	forbidden(t, db, "apichat", "sign", "province", at(day(5)), "expired: its last day was "+day(4).String())
	// The Bangkok day counts, not UTC: 00:30 on day 5 in Bangkok is still day 4 in UTC.
	forbidden(t, db, "apichat", "sign", "province", day(5).Time(thai.Bangkok).Add(30*time.Minute), "expired")

	// Two deputies on behalf of the governor at once: both may sign (on behalf is not exclusive).
	addDel(t, db, onBehalf("governor", "pimchanok", "province", true, day(3), day(6), "sign"))
	resolve(t, db, "apichat", "sign", "pao", at(day(3)))
	resolve(t, db, "pimchanok", "sign", "pao", at(day(3)))
	// Overlapping periods from the same delegator to the same delegate: either one serves.
	addDel(t, db, onBehalf("governor", "apichat", "province", true, day(4), day(8), "sign"))
	for d := 2; d <= 8; d++ {
		resolve(t, db, "apichat", "sign", "pao", at(day(d)))
	}
}

func TestSubUnitInheritance(t *testing.T) {
	db := demoDB(t)
	addDel(t, db, onBehalf("governor", "sujit", "land-office", false, day(0), day(5), "forward"))
	addDel(t, db, onBehalf("governor", "sujit", "land-office", true, day(0), day(5), "sign"))
	resolve(t, db, "sujit", "forward", "land-office", at(day(1)))
	forbidden(t, db, "sujit", "forward", "land-hatyai", at(day(1)), "is for land-office only (not inherited by its sub-units)")
	lines(t, resolve(t, db, "sujit", "sign", "land-hatyai", at(day(1))), "เจ้าพนักงานที่ดินจังหวัด ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา")
	// Not upwards, nor sideways.
	forbidden(t, db, "sujit", "sign", "province", at(day(1)), "which do not include province")
	forbidden(t, db, "sujit", "sign", "pao", at(day(1)))
}

func TestChoiceIsShortestThenLowestIDsAndDeterministic(t *testing.T) {
	db := demoDB(t)
	addDel(t, db, onBehalf("governor", "sujit", "land-office", true, day(0), day(10), "sign"))
	addDel(t, db, onBehalf("governor", "apichat", "province", true, day(0), day(10), "sign"))
	viaSujit := addDel(t, db, onBehalf("sujit", "netanong", "land-office", false, day(0), day(10), "sign"))
	addDel(t, db, onBehalf("apichat", "netanong", "land-office", false, day(0), day(10), "sign"))
	for i := 0; i < 5; i++ {
		a := resolve(t, db, "netanong", "sign", "land-office", at(day(1)))
		if len(a.Chain) != 2 || a.Chain[0].Delegation != viaSujit.ID {
			t.Fatalf("run %d: %+v", i, a.Chain)
		}
		lines(t, a, "เจ้าพนักงานธุรการอาวุโส ปฏิบัติราชการแทน", "เจ้าพนักงานที่ดินจังหวัด ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา")
	}
	// A direct delegation is shorter than any chain.
	direct := addDel(t, db, onBehalf("governor", "netanong", "land-office", false, day(5), day(6), "sign"))
	a := resolve(t, db, "netanong", "sign", "land-office", at(day(5)))
	if len(a.Chain) != 1 || a.Chain[0].Delegation != direct.ID {
		t.Fatalf("direct: %+v", a.Chain)
	}
	lines(t, a, "เจ้าพนักงานธุรการอาวุโส ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา")
}

func TestChainsLongerThanFourLinksAreNotFollowed(t *testing.T) {
	db := demoDB(t)
	addDel(t, db, onBehalf("governor", "sujit", "land-office", true, day(0), day(10), "sign"))
	addDel(t, db, onBehalf("sujit", "netanong", "land-office", true, day(0), day(10), "sign"))
	addDel(t, db, onBehalf("netanong", "panisa", "land-office", true, day(0), day(10), "sign"))
	addDel(t, db, onBehalf("panisa", "prasert", "land-office", true, day(0), day(10), "sign"))
	a := resolve(t, db, "prasert", "sign", "land-hatyai", at(day(1)))
	if len(a.Chain) != 4 || len(a.CapacityLines) != 5 {
		t.Fatalf("four links: %q", a.CapacityLines)
	}
	// A fifth link cannot even be given.
	_, err := db.AddDelegation(context.Background(), onBehalf("prasert", "onuma", "land-hatyai", false, day(0), day(10), "sign"), "operator:test")
	refused(t, err, "chain_too_long", storage.ErrForbidden, "at most 4 links")
}

func TestPowerHoldersAndAgencyRules(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	for _, c := range []struct{ power, unit, who, title string }{
		{"order", "land-hatyai", "prasert", "เจ้าพนักงานที่ดินจังหวัดสงขลา สาขาหาดใหญ่"},
		{"order", "land-registration", "sujit", "เจ้าพนักงานที่ดินจังหวัดสงขลา"}, // no head: the nearest above
		{"close", "central-registry", "governor", "ผู้ว่าราชการจังหวัดสงขลา"},
		{"sign", "land-hatyai", "governor", "ผู้ว่าราชการจังหวัดสงขลา"},
		{"forward", "pao-strategy", "governor", "ผู้ว่าราชการจังหวัดสงขลา"},
		{"annotate", "land-sadao", "wanna", "เจ้าพนักงานที่ดินจังหวัดสงขลา สาขาสะเดา"},
	} {
		who, title, err := db.PowerHolder(ctx, c.power, c.unit)
		if err != nil || who != c.who || title != c.title {
			t.Errorf("PowerHolder(%s, %s) = %s %q %v, want %s", c.power, c.unit, who, title, err, c.who)
		}
	}
	if _, _, err := db.PowerHolder(ctx, "order", "nowhere"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown unit: %v", err)
	}
	// Annotate: any member of the unit or a unit above.
	lines(t, resolve(t, db, "onuma", "annotate", "land-hatyai", at(day(0))), "เจ้าพนักงานธุรการปฏิบัติงาน")
	lines(t, resolve(t, db, "panisa", "annotate", "land-hatyai", at(day(0))), "เจ้าพนักงานธุรการปฏิบัติงาน")
	forbidden(t, db, "wanna", "annotate", "land-hatyai", at(day(0)), "held by the members of land-hatyai")

	// The agency changes the rules: annotate by clerks only, order by the agency head.
	if _, err := db.Pool.Exec(ctx, `INSERT INTO power_holders(agency_code, power, holder) VALUES
		('songkhla', 'annotate', 'clerk'), ('songkhla', 'order', 'agency_head')`); err != nil {
		t.Fatal(err)
	}
	forbidden(t, db, "prasert", "annotate", "land-hatyai", at(day(0)), "held by the clerks of land-hatyai")
	resolve(t, db, "onuma", "annotate", "land-hatyai", at(day(0)))
	if who, _, err := db.PowerHolder(ctx, "annotate", "land-hatyai"); err != nil || who != "onuma" {
		t.Fatalf("clerk holder: %s %v", who, err)
	}
	forbidden(t, db, "sujit", "order", "land-office", at(day(0)), "held by the head of the agency, governor")
	resolve(t, db, "governor", "order", "land-office", at(day(0)))

	// Unknown power, person and unit.
	var de *storage.DelegationError
	if _, err := db.Resolve(ctx, "sujit", "stamp", "land-office", at(day(0))); !errors.As(err, &de) {
		t.Fatalf("unknown power: %v", err)
	}
	if _, err := db.Resolve(ctx, "nobody", "order", "land-office", at(day(0))); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown person: %v", err)
	}
	if _, err := db.Resolve(ctx, "sujit", "order", "nowhere", at(day(0))); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown unit: %v", err)
	}
	// An inactive person holds nothing.
	if _, err := db.Pool.Exec(ctx, `UPDATE people SET active = false WHERE id = 'governor'`); err != nil {
		t.Fatal(err)
	}
	forbidden(t, db, "governor", "sign", "province", at(day(0)), "not active")
}

func TestMayAct(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	addDel(t, db, acting("prasert", "onuma", "land-hatyai", day(0), day(3)))
	ok := func(person, unit, assignee string, kind string, want ...string) {
		t.Helper()
		a, err := db.MayAct(ctx, person, unit, assignee, at(day(1)))
		if err != nil {
			t.Fatalf("MayAct(%s, %s, %s): %v", person, unit, assignee, err)
		}
		if a.Kind != kind {
			t.Fatalf("MayAct(%s, %s, %s) kind %s, want %s", person, unit, assignee, a.Kind, kind)
		}
		lines(t, a, want...)
	}
	ok("prasert", "", "prasert", "own", "เจ้าพนักงานที่ดินจังหวัดสงขลา สาขาหาดใหญ่")
	ok("onuma", "", "prasert", "acting", "เจ้าพนักงานธุรการปฏิบัติงาน รักษาราชการแทน", "เจ้าพนักงานที่ดินจังหวัดสงขลา สาขาหาดใหญ่")
	ok("wanna", "land-sadao", "", "own", "เจ้าพนักงานที่ดินจังหวัดสงขลา สาขาสะเดา")
	ok("sujit", "land-sadao", "", "own", "เจ้าพนักงานที่ดินจังหวัดสงขลา")
	ok("onuma", "land-hatyai", "", "own", "เจ้าพนักงานธุรการปฏิบัติงาน")
	if _, err := db.MayAct(ctx, "wanna", "land-hatyai", "prasert", at(day(1))); !errors.Is(err, storage.ErrForbidden) {
		t.Fatalf("wanna for prasert: %v", err)
	}
	if _, err := db.MayAct(ctx, "onuma", "", "prasert", at(day(5))); !errors.Is(err, storage.ErrForbidden) {
		t.Fatalf("after the acting period: %v", err)
	}
}
