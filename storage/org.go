package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/saraban/saraban/org"
)

// ErrForbidden: the person may not do this (for example register a letter into a register of
// a unit they hold no position in or above).
var ErrForbidden = errors.New("forbidden")

// orgImportLock serialises organisation imports (a transaction-level advisory lock), so two
// imports at once cannot interleave their comparisons and writes.
const orgImportLock int64 = 736162617202

// Agency is the ส่วนราชการ of the installation.
type Agency struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Letters string `json:"letters"`
}

// Unit is a node of the unit tree with its head, if it has one.
type Unit struct {
	Code       string   `json:"code"`
	AgencyCode string   `json:"agency"`
	ParentCode string   `json:"parent"` // "" for a root
	Name       string   `json:"name"`
	ShortName  string   `json:"short_name"`
	OwnerCode  string   `json:"owner_code"`
	Depth      int      `json:"depth"` // 0 for a root, in OrgSnapshot
	Head       *HeadRef `json:"head"`  // nil when no position of the unit is marked head
}

// HeadRef names the head of a unit.
type HeadRef struct {
	PersonID string `json:"person"`
	Name     string `json:"name"`
	Title    string `json:"title"`
}

// Person is someone with positions in units.
type Person struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Email     string     `json:"email"`
	Active    bool       `json:"active"`
	Positions []Position `json:"positions"`
}

// Position is a post a person holds in a unit: the capacity they act in.
type Position struct {
	UnitCode string `json:"unit"`
	UnitName string `json:"unit_name"`
	Title    string `json:"title"`
	IsHead   bool   `json:"head"`
	Role     string `json:"role"`
}

// Register is a receive or send register kept by a unit.
type Register struct {
	Code     string   `json:"code"`
	UnitCode string   `json:"unit"`
	UnitName string   `json:"unit_name"`
	Kind     string   `json:"kind"` // receive | send
	Name     string   `json:"name"`
	Central  bool     `json:"central"`
	Series   []string `json:"series"`
}

// Org is the whole organisation as stored.
type Org struct {
	Agency    Agency     `json:"agency"`    // the most recently imported agency
	Units     []Unit     `json:"units"`     // in tree order: each unit before its children, siblings in file order
	People    []Person   `json:"people"`    // by id
	Registers []Register `json:"registers"` // by code
}

// ImportCounts counts what an import did to one kind of item.
type ImportCounts struct {
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Removed counts positions deleted because the file no longer lists them for their person.
	Removed int `json:"removed"`
	// NotInFile lists items stored but absent from the file (units, people, registers): they
	// are kept, never deleted, because letters and register entries may refer to them.
	NotInFile []string `json:"not_in_file"`
}

func (c ImportCounts) changed() int { return c.Inserted + c.Updated + c.Removed }

// OrgChange is one row an import wrote.
type OrgChange struct {
	Kind   string   `json:"kind"`   // agency | unit | person | position | register
	Key    string   `json:"key"`    // code, id, or person/unit/title for a position
	Action string   `json:"action"` // inserted | updated | removed
	Fields []string `json:"fields,omitempty"`
}

// ImportResult reports what ImportOrg did.
type ImportResult struct {
	Agency    ImportCounts `json:"agency"`
	Units     ImportCounts `json:"units"`
	People    ImportCounts `json:"people"`
	Positions ImportCounts `json:"positions"`
	Registers ImportCounts `json:"registers"`
	Changes   []OrgChange  `json:"changes"`
	// AuditID is the id of the org.import audit row, 0 when nothing changed (and none was written).
	AuditID int64 `json:"audit_id"`
}

// Changed reports whether the import wrote anything.
func (r ImportResult) Changed() bool {
	return r.Agency.changed()+r.Units.changed()+r.People.changed()+r.Positions.changed()+r.Registers.changed() > 0
}

// ImportOrg loads an organisation file into the database, in one transaction.
//
// The file is validated first; an invalid file returns the *org.ValidationError and writes
// nothing. The import is an idempotent upsert: rows equal to the file are left alone (their
// updated_at does not move), rows that differ are updated field by field, missing rows are
// inserted. Importing the same file twice changes nothing and writes no audit row; any change
// writes exactly one audit row, action org.import, with the counts and the list of changes.
//
// What is absent from the file:
//   - units, people and registers are kept and reported in NotInFile: letters, register entries
//     and tokens may refer to them, so an import never deletes them (to retire a person, keep
//     them in the file with active: false);
//   - positions of a person who is in the file but no longer lists them are deleted: the file
//     is the truth about who holds which post, the audit row records the removal, and register
//     entries keep the capacity text they were made in;
//   - positions of people absent from the file are not touched.
//
// An import is refused (ErrConflict, nothing written) when it would make a unit's head
// ambiguous (the head in the database is a person absent from the file), change the kind of a
// register that has entries, or drop a series a register has already given numbers in.
func (db *DB) ImportOrg(ctx context.Context, f *org.File, actor string) (ImportResult, error) {
	if f == nil {
		return ImportResult{}, errors.New("ImportOrg: no organisation file")
	}
	if err := f.Validate(); err != nil {
		return ImportResult{}, err
	}
	if actor == "" {
		actor = "operator"
	}
	var res ImportResult
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		res = ImportResult{Changes: []OrgChange{}}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, orgImportLock); err != nil {
			return err
		}
		im := &importer{tx: tx, f: f, res: &res}
		for _, step := range []func(context.Context) error{im.agency, im.units, im.people, im.positions, im.registers} {
			if err := step(ctx); err != nil {
				return err
			}
		}
		if !res.Changed() {
			return nil
		}
		detail, err := json.Marshal(map[string]any{
			"counts": map[string]ImportCounts{
				"agency": res.Agency, "units": res.Units, "people": res.People,
				"positions": res.Positions, "registers": res.Registers,
			},
			"changes": res.Changes,
		})
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO audit_log(actor, capacity, action, subject_type, subject_id, detail)
			VALUES ($1, '', 'org.import', 'agency', $2, $3) RETURNING id`,
			actor, f.Agency.Code, detail).Scan(&res.AuditID)
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

type importer struct {
	tx  pgx.Tx
	f   *org.File
	res *ImportResult
}

func (im *importer) note(kind, key, action string, fields ...string) {
	im.res.Changes = append(im.res.Changes, OrgChange{Kind: kind, Key: key, Action: action, Fields: fields})
}

// diff names the fields whose old and new values differ; pairs are name, old, new.
func diff(pairs ...any) []string {
	var out []string
	for i := 0; i+2 < len(pairs); i += 3 {
		name := pairs[i].(string)
		a, b := pairs[i+1], pairs[i+2]
		switch av := a.(type) {
		case []string:
			if !slices.Equal(av, b.([]string)) {
				out = append(out, name)
			}
		default:
			if a != b {
				out = append(out, name)
			}
		}
	}
	return out
}

func (im *importer) agency(ctx context.Context) error {
	a := im.f.Agency
	c := &im.res.Agency
	c.NotInFile = []string{}
	var name, letters string
	err := im.tx.QueryRow(ctx, `SELECT name, letters FROM agencies WHERE code = $1 FOR UPDATE`, a.Code).Scan(&name, &letters)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if _, err := im.tx.Exec(ctx, `INSERT INTO agencies(code, name, letters) VALUES ($1, $2, $3)`, a.Code, a.Name, a.Letters); err != nil {
			return fmt.Errorf("insert agency %s: %w", a.Code, err)
		}
		c.Inserted++
		im.note("agency", a.Code, "inserted")
	case err != nil:
		return err
	default:
		if fields := diff("name", name, a.Name, "letters", letters, a.Letters); len(fields) > 0 {
			if _, err := im.tx.Exec(ctx, `UPDATE agencies SET name = $2, letters = $3, updated_at = now() WHERE code = $1`, a.Code, a.Name, a.Letters); err != nil {
				return fmt.Errorf("update agency %s: %w", a.Code, err)
			}
			c.Updated++
			im.note("agency", a.Code, "updated", fields...)
		} else {
			c.Unchanged++
		}
	}
	rows, err := im.tx.Query(ctx, `SELECT code FROM agencies WHERE code <> $1 ORDER BY code`, a.Code)
	if err != nil {
		return err
	}
	others, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	c.NotInFile = append(c.NotInFile, others...)
	return nil
}

func (im *importer) units(ctx context.Context) error {
	type row struct {
		agency, parent, name, short, owner string
		order                              int
	}
	rows, err := im.tx.Query(ctx, `SELECT code, agency_code, coalesce(parent_code, ''), name, short_name, owner_code, sort_order FROM units FOR UPDATE`)
	if err != nil {
		return err
	}
	defer rows.Close()
	have := map[string]row{}
	for rows.Next() {
		var code string
		var r row
		if err := rows.Scan(&code, &r.agency, &r.parent, &r.name, &r.short, &r.owner, &r.order); err != nil {
			return err
		}
		have[code] = r
	}
	if err := rows.Err(); err != nil {
		return err
	}
	c := &im.res.Units
	inFile := map[string]bool{}
	agency := im.f.Agency.Code
	siblings := map[string]int{} // parent → units seen so far under it
	for _, u := range im.f.Units {
		inFile[u.Code] = true
		siblings[u.Parent]++
		order := siblings[u.Parent] // 1-based place among its siblings in the file
		old, ok := have[u.Code]
		if !ok {
			if _, err := im.tx.Exec(ctx, `INSERT INTO units(code, agency_code, parent_code, name, short_name, owner_code, sort_order)
				VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, $7)`, u.Code, agency, u.Parent, u.Name, u.ShortName, u.OwnerCode, order); err != nil {
				return fmt.Errorf("insert unit %s: %w", u.Code, err)
			}
			c.Inserted++
			im.note("unit", u.Code, "inserted")
			continue
		}
		fields := diff("agency", old.agency, agency, "parent", old.parent, u.Parent, "name", old.name, u.Name,
			"short_name", old.short, u.ShortName, "owner_code", old.owner, u.OwnerCode, "order", old.order, order)
		if len(fields) == 0 {
			c.Unchanged++
			continue
		}
		if _, err := im.tx.Exec(ctx, `UPDATE units SET agency_code = $2, parent_code = NULLIF($3, ''), name = $4,
			short_name = $5, owner_code = $6, sort_order = $7, updated_at = now() WHERE code = $1`,
			u.Code, agency, u.Parent, u.Name, u.ShortName, u.OwnerCode, order); err != nil {
			return fmt.Errorf("update unit %s: %w", u.Code, err)
		}
		c.Updated++
		im.note("unit", u.Code, "updated", fields...)
	}
	c.NotInFile = missing(have, inFile)
	return nil
}

// missing lists the keys of have that are not in inFile, sorted.
func missing[T any](have map[string]T, inFile map[string]bool) []string {
	out := []string{}
	for k := range have {
		if !inFile[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (im *importer) people(ctx context.Context) error {
	type row struct {
		name, email, clearance string
		active                 bool
	}
	rows, err := im.tx.Query(ctx, `SELECT id, name, email, active, clearance FROM people FOR UPDATE`)
	if err != nil {
		return err
	}
	defer rows.Close()
	have := map[string]row{}
	for rows.Next() {
		var id string
		var r row
		if err := rows.Scan(&id, &r.name, &r.email, &r.active, &r.clearance); err != nil {
			return err
		}
		have[id] = r
	}
	if err := rows.Err(); err != nil {
		return err
	}
	c := &im.res.People
	inFile := map[string]bool{}
	for _, p := range im.f.People {
		inFile[p.ID] = true
		old, ok := have[p.ID]
		if !ok {
			if _, err := im.tx.Exec(ctx, `INSERT INTO people(id, name, email, active, clearance) VALUES ($1, $2, $3, $4, $5)`,
				p.ID, p.Name, p.Email, p.IsActive(), p.EffectiveClearance()); err != nil {
				return fmt.Errorf("insert person %s: %w", p.ID, err)
			}
			c.Inserted++
			im.note("person", p.ID, "inserted")
			continue
		}
		fields := diff("name", old.name, p.Name, "email", old.email, p.Email, "active", old.active, p.IsActive(),
			"clearance", old.clearance, p.EffectiveClearance())
		if len(fields) == 0 {
			c.Unchanged++
			continue
		}
		if _, err := im.tx.Exec(ctx, `UPDATE people SET name = $2, email = $3, active = $4, clearance = $5, updated_at = now() WHERE id = $1`,
			p.ID, p.Name, p.Email, p.IsActive(), p.EffectiveClearance()); err != nil {
			return fmt.Errorf("update person %s: %w", p.ID, err)
		}
		c.Updated++
		im.note("person", p.ID, "updated", fields...)
	}
	c.NotInFile = missing(have, inFile)
	return nil
}

type posKey struct{ person, unit, title string }

func (k posKey) String() string { return k.person + "/" + k.unit + "/" + k.title }

func (im *importer) positions(ctx context.Context) error {
	type row struct {
		head bool
		role string
	}
	rows, err := im.tx.Query(ctx, `SELECT person_id, unit_code, title, is_head, role FROM positions FOR UPDATE`)
	if err != nil {
		return err
	}
	defer rows.Close()
	have := map[posKey]row{}
	for rows.Next() {
		var k posKey
		var r row
		if err := rows.Scan(&k.person, &k.unit, &k.title, &r.head, &r.role); err != nil {
			return err
		}
		have[k] = r
	}
	if err := rows.Err(); err != nil {
		return err
	}
	inFile := map[string]bool{}
	want := map[posKey]row{}
	var order []posKey
	headOf := map[string]string{} // unit → person id of the head in the file
	for _, p := range im.f.People {
		inFile[p.ID] = true
		for _, q := range p.Positions {
			k := posKey{p.ID, q.Unit, q.Title}
			want[k] = row{head: q.Head, role: q.EffectiveRole()}
			order = append(order, k)
			if q.Head {
				headOf[q.Unit] = p.ID
			}
		}
	}
	// A head held by someone the file does not mention cannot be replaced silently.
	var conflicts []string
	for k, r := range have {
		if r.head && !inFile[k.person] {
			if newHead, ok := headOf[k.unit]; ok {
				conflicts = append(conflicts, fmt.Sprintf("unit %s: the stored head is %s (%s), who is not in the file, and the file makes %s head; add %s to the file (with head: false or active: false)",
					k.unit, k.person, k.title, newHead, k.person))
			}
		}
	}
	if len(conflicts) > 0 {
		sort.Strings(conflicts)
		return fmt.Errorf("organisation import refused: %s: %w", strings.Join(conflicts, "; "), ErrConflict)
	}
	c := &im.res.Positions
	c.NotInFile = []string{}
	// Deletes first, then demotions, then the rest: the one-head-per-unit index must hold
	// after every statement.
	var removed []posKey
	for k := range have {
		if _, ok := want[k]; inFile[k.person] && !ok {
			removed = append(removed, k)
		}
	}
	sort.Slice(removed, func(i, j int) bool { return removed[i].String() < removed[j].String() })
	for _, k := range removed {
		if _, err := im.tx.Exec(ctx, `DELETE FROM positions WHERE person_id = $1 AND unit_code = $2 AND title = $3`, k.person, k.unit, k.title); err != nil {
			return fmt.Errorf("remove position %s: %w", k, err)
		}
		c.Removed++
		im.note("position", k.String(), "removed")
	}
	sort.SliceStable(order, func(i, j int) bool { return !want[order[i]].head && want[order[j]].head })
	for _, k := range order {
		w := want[k]
		old, ok := have[k]
		if !ok {
			if _, err := im.tx.Exec(ctx, `INSERT INTO positions(person_id, unit_code, title, is_head, role) VALUES ($1, $2, $3, $4, $5)`,
				k.person, k.unit, k.title, w.head, w.role); err != nil {
				return fmt.Errorf("insert position %s: %w", k, err)
			}
			c.Inserted++
			im.note("position", k.String(), "inserted")
			continue
		}
		fields := diff("head", old.head, w.head, "role", old.role, w.role)
		if len(fields) == 0 {
			c.Unchanged++
			continue
		}
		if _, err := im.tx.Exec(ctx, `UPDATE positions SET is_head = $4, role = $5, updated_at = now()
			WHERE person_id = $1 AND unit_code = $2 AND title = $3`, k.person, k.unit, k.title, w.head, w.role); err != nil {
			return fmt.Errorf("update position %s: %w", k, err)
		}
		c.Updated++
		im.note("position", k.String(), "updated", fields...)
	}
	return nil
}

func (im *importer) registers(ctx context.Context) error {
	type row struct {
		unit, kind, name string
		central          bool
		series           []string
	}
	rows, err := im.tx.Query(ctx, `SELECT code, unit_code, kind, name, central, series FROM registers FOR UPDATE`)
	if err != nil {
		return err
	}
	defer rows.Close()
	have := map[string]row{}
	for rows.Next() {
		var code string
		var r row
		if err := rows.Scan(&code, &r.unit, &r.kind, &r.name, &r.central, &r.series); err != nil {
			return err
		}
		have[code] = r
	}
	if err := rows.Err(); err != nil {
		return err
	}
	c := &im.res.Registers
	inFile := map[string]bool{}
	var conflicts []string
	type update struct {
		r      org.Register
		fields []string
	}
	var updates []update
	for _, r := range im.f.Registers {
		inFile[r.Code] = true
		series := r.EffectiveSeries()
		old, ok := have[r.Code]
		if !ok {
			if _, err := im.tx.Exec(ctx, `INSERT INTO registers(code, unit_code, kind, name, central, series) VALUES ($1, $2, $3, $4, $5, $6)`,
				r.Code, r.Unit, r.Kind, r.Name, r.Central, series); err != nil {
				return fmt.Errorf("insert register %s: %w", r.Code, err)
			}
			c.Inserted++
			im.note("register", r.Code, "inserted")
			continue
		}
		fields := diff("unit", old.unit, r.Unit, "kind", old.kind, r.Kind, "name", old.name, r.Name,
			"central", old.central, r.Central, "series", old.series, series)
		if len(fields) == 0 {
			c.Unchanged++
			continue
		}
		if old.kind != r.Kind {
			var n int
			if err := im.tx.QueryRow(ctx, `SELECT count(*) FROM register_entries WHERE register_code = $1`, r.Code).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				conflicts = append(conflicts, fmt.Sprintf("register %s has %d entries, so its kind cannot change from %s to %s: keep kind %s and add a new register",
					r.Code, n, old.kind, r.Kind, old.kind))
			}
		}
		var dropped []string
		for _, s := range old.series {
			if !slices.Contains(series, s) {
				dropped = append(dropped, s)
			}
		}
		if len(dropped) > 0 {
			var used []string
			if err := im.tx.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT s ORDER BY s), '{}') FROM (
					SELECT series AS s FROM register_counters WHERE register_code = $1 AND series = ANY($2)
					UNION SELECT series FROM register_entries WHERE register_code = $1 AND series = ANY($2)) x`,
				r.Code, dropped).Scan(&used); err != nil {
				return err
			}
			if len(used) > 0 {
				conflicts = append(conflicts, fmt.Sprintf("register %s has given numbers in series %s: keep %s in its series list",
					r.Code, strings.Join(used, ", "), strings.Join(used, ", ")))
			}
		}
		updates = append(updates, update{r, fields})
	}
	if len(conflicts) > 0 {
		return fmt.Errorf("organisation import refused: %s: %w", strings.Join(conflicts, "; "), ErrConflict)
	}
	for _, u := range updates {
		r := u.r
		if _, err := im.tx.Exec(ctx, `UPDATE registers SET unit_code = $2, kind = $3, name = $4, central = $5, series = $6,
			updated_at = now() WHERE code = $1`, r.Code, r.Unit, r.Kind, r.Name, r.Central, r.EffectiveSeries()); err != nil {
			return fmt.Errorf("update register %s: %w", r.Code, err)
		}
		c.Updated++
		im.note("register", r.Code, "updated", u.fields...)
	}
	c.NotInFile = missing(have, inFile)
	return nil
}

// OrgSnapshot reads the whole organisation: the agency, the unit tree with each unit's head,
// the people with their positions and the registers. An empty database gives an empty Org.
func (db *DB) OrgSnapshot(ctx context.Context) (Org, error) {
	var o Org
	err := db.Pool.QueryRow(ctx, `SELECT code, name, letters FROM agencies ORDER BY updated_at DESC, code LIMIT 1`).
		Scan(&o.Agency.Code, &o.Agency.Name, &o.Agency.Letters)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return Org{}, err
	}
	rows, err := db.Pool.Query(ctx, `SELECT u.code, u.agency_code, coalesce(u.parent_code, ''), u.name, u.short_name, u.owner_code,
			h.person_id, p.name, h.title
		FROM units u
		LEFT JOIN positions h ON h.unit_code = u.code AND h.is_head
		LEFT JOIN people p ON p.id = h.person_id
		ORDER BY u.sort_order, u.code`)
	if err != nil {
		return Org{}, err
	}
	defer rows.Close()
	var units []Unit
	for rows.Next() {
		var u Unit
		var hid, hname, htitle *string
		if err := rows.Scan(&u.Code, &u.AgencyCode, &u.ParentCode, &u.Name, &u.ShortName, &u.OwnerCode, &hid, &hname, &htitle); err != nil {
			return Org{}, err
		}
		if hid != nil {
			u.Head = &HeadRef{PersonID: *hid, Name: *hname, Title: *htitle}
		}
		units = append(units, u)
	}
	if err := rows.Err(); err != nil {
		return Org{}, err
	}
	o.Units = treeOrder(units)

	people, err := db.people(ctx, "")
	if err != nil {
		return Org{}, err
	}
	o.People = people
	if o.Registers, err = db.ListRegisters(ctx); err != nil {
		return Org{}, err
	}
	return o, nil
}

// treeOrder puts each unit before its children (siblings in the order given: file order, then
// code) and sets Depth. Units whose parent is missing are treated as roots.
func treeOrder(units []Unit) []Unit {
	byCode := map[string]bool{}
	for _, u := range units {
		byCode[u.Code] = true
	}
	children := map[string][]Unit{}
	var roots []Unit
	for _, u := range units { // already sorted by sort_order, code
		if u.ParentCode == "" || !byCode[u.ParentCode] {
			roots = append(roots, u)
		} else {
			children[u.ParentCode] = append(children[u.ParentCode], u)
		}
	}
	out := make([]Unit, 0, len(units))
	seen := map[string]bool{}
	var walk func(u Unit, depth int)
	walk = func(u Unit, depth int) {
		if seen[u.Code] {
			return
		}
		seen[u.Code] = true
		u.Depth = depth
		out = append(out, u)
		for _, c := range children[u.Code] {
			walk(c, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	for _, u := range units { // a cycle (impossible through ImportOrg) would leave units out
		if !seen[u.Code] {
			walk(u, 0)
		}
	}
	return out
}

// people reads people (all, or the one with the given id) with their positions.
func (db *DB) people(ctx context.Context, id string) ([]Person, error) {
	rows, err := db.Pool.Query(ctx, `SELECT p.id, p.name, p.email, p.active,
			q.unit_code, u.name, q.title, q.is_head, q.role
		FROM people p
		LEFT JOIN positions q ON q.person_id = p.id
		LEFT JOIN units u ON u.code = q.unit_code
		WHERE $1 = '' OR p.id = $1
		ORDER BY p.id, q.unit_code, q.title`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		var p Person
		var unit, unitName, title, role *string
		var head *bool
		if err := rows.Scan(&p.ID, &p.Name, &p.Email, &p.Active, &unit, &unitName, &title, &head, &role); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != p.ID {
			p.Positions = []Position{}
			out = append(out, p)
		}
		if unit != nil {
			last := &out[len(out)-1]
			last.Positions = append(last.Positions, Position{UnitCode: *unit, UnitName: deref(unitName), Title: deref(title), IsHead: *head, Role: deref(role)})
		}
	}
	return out, rows.Err()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ListRegisters lists every register, by code.
func (db *DB) ListRegisters(ctx context.Context) ([]Register, error) {
	return db.registers(ctx, "")
}

func (db *DB) registers(ctx context.Context, code string) ([]Register, error) {
	rows, err := db.Pool.Query(ctx, `SELECT r.code, r.unit_code, u.name, r.kind, r.name, r.central, r.series
		FROM registers r JOIN units u ON u.code = r.unit_code
		WHERE $1 = '' OR r.code = $1
		ORDER BY r.code`, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Register{}
	for rows.Next() {
		var r Register
		if err := rows.Scan(&r.Code, &r.UnitCode, &r.UnitName, &r.Kind, &r.Name, &r.Central, &r.Series); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// GetRegister reads one register. An unknown code gives an error wrapping ErrNotFound that
// lists the known codes (when there are few) so the caller can correct a typo.
func (db *DB) GetRegister(ctx context.Context, code string) (Register, error) {
	rs, err := db.registers(ctx, code)
	if err != nil {
		return Register{}, err
	}
	if len(rs) == 1 {
		return rs[0], nil
	}
	var codes []string
	rows, err := db.Pool.Query(ctx, `SELECT code FROM registers ORDER BY code LIMIT 21`)
	if err == nil {
		codes, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		return Register{}, err
	}
	defer rows.Close()
	switch {
	case len(codes) == 0:
		return Register{}, fmt.Errorf("register %q: %w: there are no registers yet (import the organisation file: saraban org import FILE)", code, ErrNotFound)
	case len(codes) > 20:
		return Register{}, fmt.Errorf("register %q: %w (saraban register list shows the registers)", code, ErrNotFound)
	default:
		return Register{}, fmt.Errorf("register %q: %w: the registers are %s", code, ErrNotFound, strings.Join(codes, ", "))
	}
}

// GetPerson reads one person with their positions.
func (db *DB) GetPerson(ctx context.Context, id string) (Person, error) {
	if id == "" {
		return Person{}, fmt.Errorf("person id is empty: %w", ErrNotFound)
	}
	ps, err := db.people(ctx, id)
	if err != nil {
		return Person{}, err
	}
	if len(ps) == 0 {
		return Person{}, fmt.Errorf("person %q: %w (saraban org show lists the people)", id, ErrNotFound)
	}
	return ps[0], nil
}

// PersonPositions lists the positions a person holds (possibly none); ErrNotFound when there
// is no such person.
func (db *DB) PersonPositions(ctx context.Context, id string) ([]Position, error) {
	p, err := db.GetPerson(ctx, id)
	if err != nil {
		return nil, err
	}
	return p.Positions, nil
}

// UnitAncestors returns the unit's code followed by its parent's, up to the root.
func (db *DB) UnitAncestors(ctx context.Context, unitCode string) ([]string, error) {
	rows, err := db.Pool.Query(ctx, `WITH RECURSIVE up(code, parent_code, depth) AS (
			SELECT code, parent_code, 0 FROM units WHERE code = $1
			UNION ALL
			SELECT u.code, u.parent_code, up.depth + 1 FROM units u JOIN up ON u.code = up.parent_code
			WHERE up.depth < 100
		) SELECT code FROM up ORDER BY depth`, unitCode)
	if err != nil {
		return nil, err
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	if len(codes) == 0 {
		return nil, fmt.Errorf("unit %q: %w", unitCode, ErrNotFound)
	}
	return codes, nil
}

// UnitHead returns the head of a unit and the head position. ErrNotFound when the unit does
// not exist or has no head.
func (db *DB) UnitHead(ctx context.Context, unitCode string) (Person, Position, error) {
	var unitName string
	var headID *string
	err := db.Pool.QueryRow(ctx, `SELECT u.name, h.person_id FROM units u
		LEFT JOIN positions h ON h.unit_code = u.code AND h.is_head WHERE u.code = $1`, unitCode).Scan(&unitName, &headID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Person{}, Position{}, fmt.Errorf("unit %q: %w", unitCode, ErrNotFound)
	}
	if err != nil {
		return Person{}, Position{}, err
	}
	if headID == nil {
		return Person{}, Position{}, fmt.Errorf("unit %s (%s) has no head: %w (mark one position of the unit head: true in the organisation file)", unitCode, unitName, ErrNotFound)
	}
	p, err := db.GetPerson(ctx, *headID)
	if err != nil {
		return Person{}, Position{}, err
	}
	for _, q := range p.Positions {
		if q.UnitCode == unitCode && q.IsHead {
			return p, q, nil
		}
	}
	return Person{}, Position{}, fmt.Errorf("unit %s: head %s changed while reading: %w", unitCode, *headID, ErrConflict)
}

// CanReceiveInto decides whether a person may register letters into a receive register: they
// must be active and hold a position in the register's unit or in a unit above it. It returns
// the position they act in (the capacity written on the entry): one in the register's own unit
// if they have it, else the nearest unit above; within a unit a clerk position first, then the
// head position, then by title. A refusal wraps ErrForbidden and names the units that qualify.
func (db *DB) CanReceiveInto(ctx context.Context, personID, registerCode string) (Position, error) {
	reg, err := db.GetRegister(ctx, registerCode)
	if err != nil {
		return Position{}, err
	}
	if reg.Kind != org.KindReceive {
		return Position{}, fmt.Errorf("register %s is a %s register: letters are received into receive registers: %w", reg.Code, reg.Kind, ErrForbidden)
	}
	p, err := db.GetPerson(ctx, personID)
	if err != nil {
		return Position{}, err
	}
	if !p.Active {
		return Position{}, fmt.Errorf("person %s (%s) is not active: %w", p.ID, p.Name, ErrForbidden)
	}
	chain, err := db.UnitAncestors(ctx, reg.UnitCode)
	if err != nil {
		return Position{}, err
	}
	rank := func(q Position) int {
		switch {
		case q.Role == org.RoleClerk:
			return 0
		case q.IsHead:
			return 1
		default:
			return 2
		}
	}
	for _, unit := range chain {
		var best *Position
		for i := range p.Positions {
			q := &p.Positions[i]
			if q.UnitCode != unit {
				continue
			}
			if best == nil || rank(*q) < rank(*best) || (rank(*q) == rank(*best) && q.Title < best.Title) {
				best = q
			}
		}
		if best != nil {
			return *best, nil
		}
	}
	held := "none"
	if len(p.Positions) > 0 {
		var hs []string
		for _, q := range p.Positions {
			hs = append(hs, fmt.Sprintf("%s in %s", q.Title, q.UnitCode))
		}
		held = strings.Join(hs, "; ")
	}
	return Position{}, fmt.Errorf("%s (%s) may not register letters into %s (%s): that needs a position in unit %s or a unit above it (%s); their positions: %s: %w",
		p.ID, p.Name, reg.Code, reg.Name, reg.UnitCode, strings.Join(chain, ", "), held, ErrForbidden)
}
