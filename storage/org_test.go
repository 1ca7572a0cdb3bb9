package storage_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/org"
	"github.com/saraban/saraban/storage"
)

const demoFile = "../deploy/demo/agency.yaml"

// loadDemo parses the demo organisation file afresh (tests change their copy).
func loadDemo(t *testing.T) *org.File {
	t.Helper()
	f, err := org.Load(demoFile)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func countPositions(f *org.File) int {
	n := 0
	for _, p := range f.People {
		n += len(p.Positions)
	}
	return n
}

type auditRow struct {
	Actor, Action, SubjectType, SubjectID string
	Detail                                map[string]any
}

func auditRows(t *testing.T, db *storage.DB) []auditRow {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT actor, action, subject_type, subject_id, detail FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.Actor, &r.Action, &r.SubjectType, &r.SubjectID, &r.Detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func counts(c storage.ImportCounts) [4]int {
	return [4]int{c.Inserted, c.Updated, c.Unchanged, c.Removed}
}

func mustImport(t *testing.T, db *storage.DB, f *org.File) storage.ImportResult {
	t.Helper()
	res, err := db.ImportOrg(context.Background(), f, "operator:test")
	if err != nil {
		t.Fatalf("ImportOrg: %v", err)
	}
	return res
}

func TestImportOrgIsIdempotent(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	f := loadDemo(t)

	first := mustImport(t, db, f)
	for name, tc := range map[string]struct {
		got  storage.ImportCounts
		want [4]int
	}{
		"agency":    {first.Agency, [4]int{1, 0, 0, 0}},
		"units":     {first.Units, [4]int{len(f.Units), 0, 0, 0}},
		"people":    {first.People, [4]int{len(f.People), 0, 0, 0}},
		"positions": {first.Positions, [4]int{countPositions(f), 0, 0, 0}},
		"registers": {first.Registers, [4]int{len(f.Registers), 0, 0, 0}},
	} {
		if counts(tc.got) != tc.want {
			t.Errorf("first import, %s: got %+v, want inserted/updated/unchanged/removed %v", name, tc.got, tc.want)
		}
	}
	if !first.Changed() || first.AuditID == 0 {
		t.Errorf("first import: Changed=%v AuditID=%d", first.Changed(), first.AuditID)
	}
	audit := auditRows(t, db)
	if len(audit) != 1 {
		t.Fatalf("audit rows after the first import: %d, want 1", len(audit))
	}
	a := audit[0]
	if a.Actor != "operator:test" || a.Action != "org.import" || a.SubjectType != "agency" || a.SubjectID != "songkhla" {
		t.Errorf("audit row = %+v", a)
	}
	units := a.Detail["counts"].(map[string]any)["units"].(map[string]any)
	if units["inserted"].(float64) != float64(len(f.Units)) {
		t.Errorf("audit detail units = %v", units)
	}

	var stamp time.Time
	if err := db.Pool.QueryRow(ctx, `SELECT max(updated_at) FROM (
		SELECT updated_at FROM agencies UNION ALL SELECT updated_at FROM units UNION ALL SELECT updated_at FROM people
		UNION ALL SELECT updated_at FROM positions UNION ALL SELECT updated_at FROM registers) x`).Scan(&stamp); err != nil {
		t.Fatal(err)
	}

	second := mustImport(t, db, loadDemo(t))
	if second.Changed() || second.AuditID != 0 || len(second.Changes) != 0 {
		t.Errorf("second import changed something: %+v", second)
	}
	for name, tc := range map[string]struct {
		got  storage.ImportCounts
		want int
	}{
		"agency": {second.Agency, 1}, "units": {second.Units, len(f.Units)}, "people": {second.People, len(f.People)},
		"positions": {second.Positions, countPositions(f)}, "registers": {second.Registers, len(f.Registers)},
	} {
		if counts(tc.got) != [4]int{0, 0, tc.want, 0} || len(tc.got.NotInFile) != 0 {
			t.Errorf("second import, %s: %+v, want %d unchanged", name, tc.got, tc.want)
		}
	}
	if n := len(auditRows(t, db)); n != 1 {
		t.Errorf("audit rows after the second import: %d, want still 1", n)
	}
	var stamp2 time.Time
	if err := db.Pool.QueryRow(ctx, `SELECT max(updated_at) FROM (
		SELECT updated_at FROM agencies UNION ALL SELECT updated_at FROM units UNION ALL SELECT updated_at FROM people
		UNION ALL SELECT updated_at FROM positions UNION ALL SELECT updated_at FROM registers) x`).Scan(&stamp2); err != nil {
		t.Fatal(err)
	}
	if !stamp2.Equal(stamp) {
		t.Errorf("the second import touched rows: updated_at %v → %v", stamp, stamp2)
	}
}

func TestImportOrgUpdatesWhatChanged(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	mustImport(t, db, loadDemo(t))

	f := loadDemo(t)
	unit := func(code string) *org.Unit {
		for i := range f.Units {
			if f.Units[i].Code == code {
				return &f.Units[i]
			}
		}
		t.Fatalf("no unit %s", code)
		return nil
	}
	person := func(id string) *org.Person {
		for i := range f.People {
			if f.People[i].ID == id {
				return &f.People[i]
			}
		}
		t.Fatalf("no person %s", id)
		return nil
	}
	// 1 unit renamed; 1 person's e-mail changed; the Hat Yai head moves from prasert to onuma
	// (2 positions updated, in an order the one-head index accepts); kanda's second position
	// dropped (1 removed); a new register; the Ranot branch, its people and register left out.
	unit("land-survey").Name = "ฝ่ายรังวัด สำนักงานที่ดินจังหวัดสงขลา (แก้ไข)"
	person("panisa").Email = "panisa@land.songkhla.example"
	person("prasert").Positions[0].Head, person("prasert").Positions[0].Role = false, "deputy"
	person("onuma").Positions[0].Head, person("onuma").Positions[0].Role = true, ""
	person("kanda").Positions = person("kanda").Positions[:1]
	f.Registers = append(f.Registers, org.Register{Code: "HATYAI-SEND", Unit: "land-hatyai", Kind: "send", Name: "ทะเบียนหนังสือส่ง สาขาหาดใหญ่", Series: []string{"normal", "circular"}})
	f.Units = slices.DeleteFunc(f.Units, func(u org.Unit) bool { return u.Code == "land-ranot" })
	f.People = slices.DeleteFunc(f.People, func(p org.Person) bool { return p.ID == "chanpen" || p.ID == "paweena" })
	f.Registers = slices.DeleteFunc(f.Registers, func(r org.Register) bool { return r.Code == "RANOT-RECV" })

	res := mustImport(t, db, f)
	demo := loadDemo(t)
	check := func(name string, got storage.ImportCounts, want [4]int, notInFile ...string) {
		t.Helper()
		if counts(got) != want {
			t.Errorf("%s: %+v, want inserted/updated/unchanged/removed %v", name, got, want)
		}
		if !slices.Equal(got.NotInFile, notInFile) && (len(notInFile) > 0 || len(got.NotInFile) > 0) {
			t.Errorf("%s: not in file %v, want %v", name, got.NotInFile, notInFile)
		}
	}
	check("agency", res.Agency, [4]int{0, 0, 1, 0})
	check("units", res.Units, [4]int{0, 1, len(demo.Units) - 2, 0}, "land-ranot")
	check("people", res.People, [4]int{0, 1, len(demo.People) - 3, 0}, "chanpen", "paweena")
	check("positions", res.Positions, [4]int{0, 2, countPositions(demo) - 2 - 2 - 1, 1})
	check("registers", res.Registers, [4]int{1, 0, len(demo.Registers) - 1, 0}, "RANOT-RECV")

	var changes []string
	for _, c := range res.Changes {
		changes = append(changes, c.Kind+" "+c.Key+" "+c.Action+" "+strings.Join(c.Fields, ","))
	}
	want := []string{
		"unit land-survey updated name",
		"person panisa updated email",
		"position kanda/pao-admin/เจ้าพนักงานธุรการชำนาญงาน removed ",
		"position prasert/land-hatyai/เจ้าพนักงานที่ดินจังหวัดสงขลา สาขาหาดใหญ่ updated head,role",
		"position onuma/land-hatyai/เจ้าพนักงานธุรการปฏิบัติงาน updated head,role",
		"register HATYAI-SEND inserted ",
	}
	if !reflect.DeepEqual(changes, want) {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(changes, "\n"), strings.Join(want, "\n"))
	}
	audit := auditRows(t, db)
	if len(audit) != 2 || len(audit[1].Detail["changes"].([]any)) != len(want) {
		t.Errorf("audit rows: %d, last detail %v", len(audit), audit[len(audit)-1].Detail)
	}

	// What is not in the file stays.
	ctx := context.Background()
	if _, err := db.GetRegister(ctx, "RANOT-RECV"); err != nil {
		t.Errorf("RANOT-RECV: %v", err)
	}
	if _, pos, err := db.UnitHead(ctx, "land-ranot"); err != nil || pos.Title != "เจ้าพนักงานที่ดินจังหวัดสงขลา สาขาระโนด" {
		t.Errorf("land-ranot head: %v %v", pos, err)
	}
	head, _, err := db.UnitHead(ctx, "land-hatyai")
	if err != nil || head.ID != "onuma" {
		t.Errorf("land-hatyai head = %s, %v; want onuma", head.ID, err)
	}
	if ps, _ := db.PersonPositions(ctx, "kanda"); len(ps) != 1 {
		t.Errorf("kanda positions = %+v", ps)
	}
	// And the same changed file again changes nothing.
	if again := mustImport(t, db, f); again.Changed() {
		t.Errorf("re-import of the changed file: %+v", again.Changes)
	}
}

func TestImportOrgInvalidFileWritesNothing(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	f := loadDemo(t)
	f.Units[3].Parent = "nowhere"
	f.People[0].Positions[0].Role = "boss"
	f.Registers[0].Series = []string{"normal", "circular"}
	f.People[1].Positions[0].Head = true // apichat (deputy) as a second head of province
	_, err := db.ImportOrg(context.Background(), f, "operator:test")
	var ve *org.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want *org.ValidationError", err)
	}
	if len(ve.Problems) != 5 { // the deputy is also "head is true but role is deputy"
		t.Errorf("problems (%d):\n%v", len(ve.Problems), err)
	}
	for _, w := range []string{`parent "nowhere"`, `role "boss" is unknown`, `a receive register cannot have the circular series`, `unit "province" has two heads`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q:\n%v", w, err)
		}
	}
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM agencies) + (SELECT count(*) FROM units) +
		(SELECT count(*) FROM people) + (SELECT count(*) FROM registers) + (SELECT count(*) FROM audit_log)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("an invalid file wrote %d rows", n)
	}
}

func TestImportOrgRefusals(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	mustImport(t, db, loadDemo(t))
	// LAND-RECV has an entry; LAND-SEND has given a circular number.
	if _, err := db.Pool.Exec(ctx, `
		INSERT INTO letters(id, original_sha256) VALUES ('00000000-0000-0000-0000-000000000001', 'ab');
		INSERT INTO register_entries(register_code, year, number, letter_id, received_at, received_by)
			VALUES ('LAND-RECV', 2567, 11229, '00000000-0000-0000-0000-000000000001', now(), 'panisa');
		INSERT INTO register_counters(register_code, series, year, last) VALUES ('LAND-SEND', 'circular', 2567, 16808)`); err != nil {
		t.Fatal(err)
	}
	before := len(auditRows(t, db))

	f := loadDemo(t)
	for i := range f.Registers {
		switch f.Registers[i].Code {
		case "LAND-RECV":
			f.Registers[i].Kind = "send"
		case "LAND-SEND":
			f.Registers[i].Series = []string{"normal"}
		case "PAO-SEND":
			f.Registers[i].Series = []string{"normal"} // no numbers yet: allowed, but rolled back
		}
	}
	_, err := db.ImportOrg(ctx, f, "operator:test")
	if !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	for _, w := range []string{"register LAND-RECV has 1 entries, so its kind cannot change from receive to send",
		"register LAND-SEND has given numbers in series circular"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q: %v", w, err)
		}
	}
	if r, _ := db.GetRegister(ctx, "PAO-SEND"); !slices.Equal(r.Series, []string{"normal", "circular"}) {
		t.Errorf("a refused import changed PAO-SEND: %v", r.Series)
	}

	// A head held by someone absent from the file cannot be replaced.
	f = loadDemo(t)
	f.People = slices.DeleteFunc(f.People, func(p org.Person) bool { return p.ID == "prasert" })
	for i := range f.People {
		if f.People[i].ID == "onuma" {
			f.People[i].Positions[0].Head, f.People[i].Positions[0].Role = true, "head"
		}
	}
	_, err = db.ImportOrg(ctx, f, "operator:test")
	if !errors.Is(err, storage.ErrConflict) || !strings.Contains(err.Error(), "unit land-hatyai: the stored head is prasert") {
		t.Fatalf("err = %v, want a head conflict", err)
	}
	if after := len(auditRows(t, db)); after != before {
		t.Errorf("refused imports wrote %d audit rows", after-before)
	}
}

func TestOrgQueries(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()

	if _, err := db.GetRegister(ctx, "CR-RECV"); !errors.Is(err, storage.ErrNotFound) || !strings.Contains(err.Error(), "no registers yet") {
		t.Errorf("GetRegister on an empty database: %v", err)
	}
	f := loadDemo(t)
	mustImport(t, db, f)

	o, err := db.OrgSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o.Agency != (storage.Agency{Code: "songkhla", Name: "จังหวัดสงขลา", Letters: "สข"}) {
		t.Errorf("agency = %+v", o.Agency)
	}
	if len(o.Units) != len(f.Units) || o.Units[0].Code != "province" || o.Units[0].Depth != 0 {
		t.Fatalf("units = %+v", o.Units)
	}
	// The demo file lists units depth first, so the tree order is the file order.
	var gotOrder, fileOrder []string
	pos := map[string]int{}
	for i, u := range o.Units {
		pos[u.Code] = i
		gotOrder = append(gotOrder, u.Code)
	}
	for _, u := range f.Units {
		fileOrder = append(fileOrder, u.Code)
	}
	if !slices.Equal(gotOrder, fileOrder) {
		t.Errorf("unit order %v, want the file's %v", gotOrder, fileOrder)
	}
	for _, u := range o.Units {
		if u.ParentCode != "" && pos[u.ParentCode] >= pos[u.Code] {
			t.Errorf("unit %s comes before its parent %s", u.Code, u.ParentCode)
		}
	}
	lo := o.Units[pos["land-office"]]
	if lo.ParentCode != "province" || lo.OwnerCode != "0020" || lo.Depth != 1 ||
		lo.Head == nil || *lo.Head != (storage.HeadRef{PersonID: "sujit", Name: "นางสุจิตร์ สุขสว่าง", Title: "เจ้าพนักงานที่ดินจังหวัดสงขลา"}) {
		t.Errorf("land-office = %+v head %+v", lo, lo.Head)
	}
	if h := o.Units[pos["land-registration"]].Head; h != nil {
		t.Errorf("land-registration has no head in the file, got %+v", h)
	}
	if len(o.People) != len(f.People) {
		t.Errorf("people: %d", len(o.People))
	}
	for _, p := range o.People {
		if p.ID == "kanda" && (len(p.Positions) != 2 || p.Positions[0].UnitName != "งานสารบรรณ ศาลากลางจังหวัดสงขลา" || p.Positions[0].Role != "clerk") {
			t.Errorf("kanda = %+v", p)
		}
	}

	regs, err := db.ListRegisters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(regs) != len(f.Registers) || !reflect.DeepEqual(regs, o.Registers) {
		t.Fatalf("registers = %+v", regs)
	}
	for _, fr := range f.Registers {
		r, err := db.GetRegister(ctx, fr.Code)
		if err != nil {
			t.Fatal(err)
		}
		if r.UnitCode != fr.Unit || r.Kind != fr.Kind || r.Name != fr.Name || r.Central != fr.Central ||
			!slices.Equal(r.Series, fr.EffectiveSeries()) || r.UnitName == "" {
			t.Errorf("register %s = %+v, file %+v", fr.Code, r, fr)
		}
	}
	if r, _ := db.GetRegister(ctx, "LAND-SEND"); !slices.Equal(r.Series, []string{"normal", "circular"}) || r.UnitName != "สำนักงานที่ดินจังหวัดสงขลา" {
		t.Errorf("LAND-SEND = %+v", r)
	}
	_, err = db.GetRegister(ctx, "LAND-RECIEVE")
	if !errors.Is(err, storage.ErrNotFound) || !strings.Contains(err.Error(), "CR-RECV, HATYAI-RECV, LAND-RECV") {
		t.Errorf("unknown register: %v", err)
	}

	p, err := db.GetPerson(ctx, "netanong")
	if err != nil || p.Name != "นางเนตรอนงค์ แก้วมณี" || !p.Active || len(p.Positions) != 2 ||
		p.Positions[0] != (storage.Position{UnitCode: "land-admin", UnitName: "ฝ่ายอำนวยการ สำนักงานที่ดินจังหวัดสงขลา", Title: "เจ้าพนักงานธุรการอาวุโส", IsHead: true, Role: "head"}) {
		t.Errorf("GetPerson(netanong) = %+v, %v", p, err)
	}
	if _, err := db.GetPerson(ctx, "nobody"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetPerson(nobody): %v", err)
	}
	if _, err := db.PersonPositions(ctx, "nobody"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("PersonPositions(nobody): %v", err)
	}

	chain, err := db.UnitAncestors(ctx, "land-hatyai")
	if err != nil || !slices.Equal(chain, []string{"land-hatyai", "land-office", "province"}) {
		t.Errorf("UnitAncestors(land-hatyai) = %v, %v", chain, err)
	}
	if chain, _ := db.UnitAncestors(ctx, "province"); !slices.Equal(chain, []string{"province"}) {
		t.Errorf("UnitAncestors(province) = %v", chain)
	}
	if _, err := db.UnitAncestors(ctx, "nowhere"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("UnitAncestors(nowhere): %v", err)
	}

	head, hp, err := db.UnitHead(ctx, "province")
	if err != nil || head.ID != "governor" || hp.Title != "ผู้ว่าราชการจังหวัดสงขลา" || !hp.IsHead {
		t.Errorf("UnitHead(province) = %+v %+v %v", head, hp, err)
	}
	if _, _, err := db.UnitHead(ctx, "land-survey"); !errors.Is(err, storage.ErrNotFound) || !strings.Contains(err.Error(), "has no head") {
		t.Errorf("UnitHead(land-survey): %v", err)
	}
	if _, _, err := db.UnitHead(ctx, "nowhere"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("UnitHead(nowhere): %v", err)
	}
}

func TestCanReceiveInto(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	f := loadDemo(t)
	for i := range f.People {
		switch f.People[i].ID {
		case "sujit": // the land officer also holds a post in the Hat Yai branch
			f.People[i].Positions = append(f.People[i].Positions, org.Position{Unit: "land-hatyai", Title: "ผู้ตรวจการสาขา", Role: "staff"})
		case "anucha":
			inactive := false
			f.People[i].Active = &inactive
		}
	}
	mustImport(t, db, f)

	for _, tc := range []struct {
		person, register, unit, title string
	}{
		{"onuma", "HATYAI-RECV", "land-hatyai", "เจ้าพนักงานธุรการปฏิบัติงาน"},                 // own unit (clerk)
		{"prasert", "HATYAI-RECV", "land-hatyai", "เจ้าพนักงานที่ดินจังหวัดสงขลา สาขาหาดใหญ่"}, // own unit (head)
		{"onuma", "LAND-RECV", "", ""}, // the Hat Yai branch is below the land office, not above: refused
		{"panisa", "HATYAI-RECV", "land-office", "เจ้าพนักงานธุรการปฏิบัติงาน"}, // parent unit
		{"governor", "HATYAI-RECV", "province", "ผู้ว่าราชการจังหวัดสงขลา"},     // root, two levels up
		{"sujit", "HATYAI-RECV", "land-hatyai", "ผู้ตรวจการสาขา"},               // own unit preferred over the parent
		{"sujit", "LAND-RECV", "land-office", "เจ้าพนักงานที่ดินจังหวัดสงขลา"},
		{"kanda", "CR-RECV", "central-registry", "เจ้าพนักงานธุรการชำนาญงาน"},
	} {
		got, err := db.CanReceiveInto(ctx, tc.person, tc.register)
		if tc.unit == "" {
			if !errors.Is(err, storage.ErrForbidden) {
				t.Errorf("%s → %s: %+v, %v; want ErrForbidden", tc.person, tc.register, got, err)
			}
			continue
		}
		if err != nil || got.UnitCode != tc.unit || got.Title != tc.title {
			t.Errorf("%s → %s = %+v, %v; want %s / %s", tc.person, tc.register, got, err, tc.unit, tc.title)
		}
	}

	// An unrelated unit is refused, naming the units that qualify.
	_, err := db.CanReceiveInto(ctx, "kanda", "HATYAI-RECV")
	if !errors.Is(err, storage.ErrForbidden) || !strings.Contains(err.Error(), "(land-hatyai, land-office, province)") ||
		!strings.Contains(err.Error(), "เจ้าพนักงานธุรการชำนาญงาน in central-registry") {
		t.Errorf("kanda → HATYAI-RECV: %v", err)
	}
	if _, err := db.CanReceiveInto(ctx, "thanapon", "LAND-RECV"); !errors.Is(err, storage.ErrForbidden) {
		t.Errorf("a PAO clerk → LAND-RECV: %v", err)
	}
	if _, err := db.CanReceiveInto(ctx, "panisa", "LAND-SEND"); !errors.Is(err, storage.ErrForbidden) || !strings.Contains(err.Error(), "is a send register") {
		t.Errorf("send register: %v", err)
	}
	if _, err := db.CanReceiveInto(ctx, "anucha", "SADAO-RECV"); !errors.Is(err, storage.ErrForbidden) || !strings.Contains(err.Error(), "not active") {
		t.Errorf("inactive person: %v", err)
	}
	if _, err := db.CanReceiveInto(ctx, "nobody", "SADAO-RECV"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown person: %v", err)
	}
	if _, err := db.CanReceiveInto(ctx, "onuma", "NOPE"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown register: %v", err)
	}
}

// TestImportOrgOrderAndConcurrency: concurrent imports of one file write it once; moving a unit
// among its siblings updates only the order of the units that moved.
func TestImportOrgOrderAndConcurrency(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	errs := make(chan error, 4)
	for range 4 {
		f := loadDemo(t)
		go func() {
			_, err := db.ImportOrg(context.Background(), f, "operator:test")
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := len(auditRows(t, db)); n != 1 {
		t.Errorf("4 concurrent imports of one file wrote %d audit rows, want 1", n)
	}

	f := loadDemo(t)
	i := slices.IndexFunc(f.Units, func(u org.Unit) bool { return u.Code == "land-ranot" })
	ranot := f.Units[i]
	f.Units = slices.Delete(f.Units, i, i+1)
	j := slices.IndexFunc(f.Units, func(u org.Unit) bool { return u.Code == "land-hatyai" })
	f.Units = slices.Insert(f.Units, j, ranot) // Ranot now comes before Hat Yai
	res := mustImport(t, db, f)
	var changes []string
	for _, c := range res.Changes {
		changes = append(changes, c.Key+" "+strings.Join(c.Fields, ","))
	}
	if want := []string{"land-ranot order", "land-hatyai order", "land-sadao order", "land-nathawi order"}; !slices.Equal(changes, want) {
		t.Errorf("changes = %v, want %v", changes, want)
	}
	o, err := db.OrgSnapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var branches []string
	for _, u := range o.Units {
		if u.ParentCode == "land-office" {
			branches = append(branches, u.Code)
		}
	}
	if want := []string{"land-admin", "land-registration", "land-survey", "land-ranot", "land-hatyai", "land-sadao", "land-nathawi"}; !slices.Equal(branches, want) {
		t.Errorf("children of land-office = %v, want %v", branches, want)
	}
}
