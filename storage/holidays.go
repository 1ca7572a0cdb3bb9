package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gopkg.in/yaml.v3"

	"github.com/saraban/saraban/calendar"
	"github.com/saraban/saraban/thai"
)

// holidaysLock serialises holiday imports (a transaction-level advisory lock), so two imports
// at once cannot interleave their comparisons and writes.
const holidaysLock int64 = 736162617203

// Holiday is a public holiday: government offices are closed, so deadlines and reminders skip
// it like a weekend.
type Holiday struct {
	Date      thai.Date `json:"date"`
	Name      string    `json:"name"`
	Estimated bool      `json:"estimated"` // computed, not yet confirmed against the cabinet announcement
	// Line is the line of the holidays file the entry came from (0 when not from a file).
	Line int `json:"-"`
}

// HolidayFileError lists every problem of a holidays file (or list), each naming its line.
type HolidayFileError struct {
	File     string   // may be empty
	Problems []string // "line 7: bad date …"
}

func (e *HolidayFileError) Error() string {
	name := "the holidays file"
	if e.File != "" {
		name = e.File
	}
	if len(e.Problems) == 1 {
		return name + ": " + e.Problems[0]
	}
	return fmt.Sprintf("%s has %d problems: %s", name, len(e.Problems), strings.Join(e.Problems, "; "))
}

// LoadHolidays reads a holidays file (deploy/holidays/*.yaml): a YAML list of
// {date, name, estimated}. Every problem is reported with its line.
func LoadHolidays(path string) ([]Holiday, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	hs, err := ParseHolidays(b)
	var fe *HolidayFileError
	if errors.As(err, &fe) {
		fe.File = path
	}
	return hs, err
}

// ParseHolidays reads the YAML of a holidays file. A date may be ISO (2026-01-01, or a BE
// year such as 2569-01-01) or a Thai form (๑ ม.ค. ๒๕๖๙); a date written twice, an empty name,
// an unknown key or a weekday that does not match its date are errors naming the line.
func ParseHolidays(data []byte) ([]Holiday, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty file: no holidays
		}
		return nil, &HolidayFileError{Problems: []string{yamlProblem(err)}}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.SequenceNode {
		return nil, &HolidayFileError{Problems: []string{fmt.Sprintf("line %d: the file must be a list of holidays, one per line: - {date: 2026-01-01, name: วันขึ้นปีใหม่, estimated: false}", root.Line)}}
	}
	var (
		out      []Holiday
		problems []string
		seen     = map[thai.Date]int{}
	)
	bad := func(line int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, args...))
	}
	for _, item := range root.Content {
		if item.Kind != yaml.MappingNode {
			bad(item.Line, "expected {date: …, name: …, estimated: …}, found %q", item.Value)
			continue
		}
		h := Holiday{Line: item.Line}
		haveDate, ok := false, true
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			switch k.Value {
			case "date":
				haveDate = true
				d, err := thai.ParseDate(strings.TrimSpace(v.Value))
				if err != nil {
					bad(v.Line, "bad date %q: %v", v.Value, err)
					ok = false
					continue
				}
				h.Date = d
			case "name":
				h.Name = strings.TrimSpace(v.Value)
			case "estimated":
				switch strings.ToLower(v.Value) {
				case "true", "yes":
					h.Estimated = true
				case "false", "no", "":
					h.Estimated = false
				default:
					bad(v.Line, "estimated must be true or false, not %q", v.Value)
					ok = false
				}
			default:
				bad(k.Line, "unknown key %q (a holiday has date, name and estimated)", k.Value)
				ok = false
			}
		}
		if !haveDate {
			bad(item.Line, "a holiday without a date")
			ok = false
		}
		if h.Name == "" {
			bad(item.Line, "empty name: every holiday needs its name as announced (e.g. วันขึ้นปีใหม่)")
			ok = false
		}
		if haveDate && !h.Date.IsZero() {
			if first, dup := seen[h.Date]; dup {
				bad(item.Line, "duplicate date %s: already on line %d", h.Date, first)
				ok = false
			} else {
				seen[h.Date] = item.Line
			}
		}
		if ok {
			out = append(out, h)
		}
	}
	if len(problems) > 0 {
		return nil, &HolidayFileError{Problems: problems}
	}
	return out, nil
}

// yamlProblem turns a YAML syntax error ("yaml: line 3: …") into "line 3: …".
func yamlProblem(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// checkHolidays validates a list given in code (not from a file).
func checkHolidays(hs []Holiday) error {
	var problems []string
	seen := map[thai.Date]int{}
	for i, h := range hs {
		where := fmt.Sprintf("holiday %d", i+1)
		if h.Line > 0 {
			where = fmt.Sprintf("line %d", h.Line)
		}
		switch {
		case !h.Date.Valid():
			problems = append(problems, fmt.Sprintf("%s: bad date %v", where, h.Date))
		case strings.TrimSpace(h.Name) == "":
			problems = append(problems, where+": empty name")
		}
		if j, dup := seen[h.Date]; dup {
			problems = append(problems, fmt.Sprintf("%s: duplicate date %s (also holiday %d)", where, h.Date, j+1))
		}
		seen[h.Date] = i
	}
	if len(problems) > 0 {
		return &HolidayFileError{Problems: problems}
	}
	return nil
}

// HolidayChange is one day an import added, changed or removed.
type HolidayChange struct {
	Action       string    `json:"action"` // inserted | updated | removed
	Date         thai.Date `json:"date"`
	Name         string    `json:"name"`
	Estimated    bool      `json:"estimated"`
	OldName      string    `json:"old_name,omitempty"`
	OldEstimated *bool     `json:"old_estimated,omitempty"`
}

// HolidayImport says what an import changed.
type HolidayImport struct {
	Inserted  int             `json:"inserted"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Removed   int             `json:"removed"`
	Years     []int           `json:"years"` // the BE years the list covers
	Changes   []HolidayChange `json:"changes"`
	AuditID   int64           `json:"audit_id,omitempty"`
}

// Changed tells whether the import wrote anything.
func (r HolidayImport) Changed() bool { return r.Inserted+r.Updated+r.Removed > 0 }

// ImportHolidays adds the holidays and updates the name or estimated flag of days already
// known; days not in the list are kept. It is idempotent (a second import of the same list
// writes nothing) and writes one audit row (holidays.import) when something changed.
func (db *DB) ImportHolidays(ctx context.Context, hs []Holiday, actor string) (inserted, updated, unchanged int, err error) {
	r, err := db.SyncHolidays(ctx, hs, actor, false)
	return r.Inserted, r.Updated, r.Unchanged, err
}

// SyncHolidays is ImportHolidays that also, with prune, removes the holidays of the BE years
// the list covers that are not in the list: the way to correct an estimated date (the file
// is then the truth for its years).
func (db *DB) SyncHolidays(ctx context.Context, hs []Holiday, actor string, prune bool) (HolidayImport, error) {
	if err := checkHolidays(hs); err != nil {
		return HolidayImport{}, err
	}
	if actor == "" {
		actor = "operator"
	}
	years := map[int]bool{}
	for _, h := range hs {
		years[h.Date.BE()] = true
	}
	var res HolidayImport
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		res = HolidayImport{Changes: []HolidayChange{}, Years: []int{}}
		for y := range years {
			res.Years = append(res.Years, y)
		}
		sort.Ints(res.Years)
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, holidaysLock); err != nil {
			return err
		}
		type old struct {
			name      string
			estimated bool
		}
		existing := map[thai.Date]old{}
		rows, err := tx.Query(ctx, `SELECT day, name, estimated FROM holidays`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var day time.Time
			var o old
			if err := rows.Scan(&day, &o.name, &o.estimated); err != nil {
				rows.Close()
				return err
			}
			existing[dateOfDay(day)] = o
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		inList := map[thai.Date]bool{}
		b := &pgx.Batch{}
		for _, h := range hs {
			inList[h.Date] = true
			name := strings.TrimSpace(h.Name)
			o, had := existing[h.Date]
			switch {
			case !had:
				res.Inserted++
				res.Changes = append(res.Changes, HolidayChange{Action: "inserted", Date: h.Date, Name: name, Estimated: h.Estimated})
				b.Queue(`INSERT INTO holidays(day, name, estimated) VALUES ($1, $2, $3)`, dayParam(h.Date), name, h.Estimated)
			case o.name != name || o.estimated != h.Estimated:
				res.Updated++
				was := o.estimated
				res.Changes = append(res.Changes, HolidayChange{Action: "updated", Date: h.Date, Name: name, Estimated: h.Estimated, OldName: o.name, OldEstimated: &was})
				b.Queue(`UPDATE holidays SET name = $2, estimated = $3, updated_at = now() WHERE day = $1`, dayParam(h.Date), name, h.Estimated)
			default:
				res.Unchanged++
			}
		}
		if prune {
			var gone []thai.Date
			for d := range existing {
				if years[d.BE()] && !inList[d] {
					gone = append(gone, d)
				}
			}
			sort.Slice(gone, func(i, j int) bool { return gone[i].Compare(gone[j]) < 0 })
			for _, d := range gone {
				o := existing[d]
				res.Removed++
				res.Changes = append(res.Changes, HolidayChange{Action: "removed", Date: d, Name: o.name, Estimated: o.estimated})
				b.Queue(`DELETE FROM holidays WHERE day = $1`, dayParam(d))
			}
		}
		if !res.Changed() {
			return nil
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		detail, err := json.Marshal(map[string]any{
			"inserted": res.Inserted, "updated": res.Updated, "unchanged": res.Unchanged, "removed": res.Removed,
			"years": res.Years, "changes": res.Changes,
		})
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO audit_log(actor, capacity, action, subject_type, subject_id, detail, at, prev_hash, hash)
			VALUES ($1, '', 'holidays.import', 'holidays', $2, $3, now(), '', '') RETURNING id`,
			actor, yearsText(res.Years), detail).Scan(&res.AuditID)
	})
	if err != nil {
		return HolidayImport{}, err
	}
	return res, nil
}

func yearsText(ys []int) string {
	parts := make([]string, len(ys))
	for i, y := range ys {
		parts[i] = fmt.Sprint(y)
	}
	return strings.Join(parts, ",")
}

// dayParam is a thai.Date as a PostgreSQL date parameter.
func dayParam(d thai.Date) string { return d.String() }

// dateOfDay reads a date column scanned into a time.Time (midnight UTC).
func dateOfDay(t time.Time) thai.Date {
	return thai.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}

// Holidays lists the holidays from from to to, both included, by date. A zero from or to
// leaves that end open.
func (db *DB) Holidays(ctx context.Context, from, to thai.Date) ([]Holiday, error) {
	lo, hi := "-infinity", "infinity"
	if !from.IsZero() {
		lo = from.String()
	}
	if !to.IsZero() {
		hi = to.String()
	}
	rows, err := db.Pool.Query(ctx, `SELECT day, name, estimated FROM holidays
		WHERE day >= $1::date AND day <= $2::date ORDER BY day`, lo, hi)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Holiday, error) {
		var h Holiday
		var day time.Time
		err := r.Scan(&day, &h.Name, &h.Estimated)
		h.Date = dateOfDay(day)
		return h, err
	})
}

// CalendarFor builds the working-day calendar from the holidays between from and to (zero
// ends are open). Days outside the range count as working days unless on a weekend, so give a
// range that covers every day a plan can reach (for a reminder plan: some weeks before the
// deadline to a year after it).
func (db *DB) CalendarFor(ctx context.Context, from, to thai.Date) (*calendar.Calendar, error) {
	hs, err := db.Holidays(ctx, from, to)
	if err != nil {
		return nil, err
	}
	m := make(map[thai.Date]string, len(hs))
	for _, h := range hs {
		m[h.Date] = h.Name
	}
	return calendar.New(m), nil
}
