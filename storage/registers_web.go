package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/saraban/saraban/thai"
)

// Queries of the web's register screens: counts per year, the letter search (a Thai substring
// of the subject, the sender or the document number, served by the trigram indexes of
// migration 009), and the units a person's lists cover.

// YearCount is how many numbers a register gave in one BE year.
type YearCount struct {
	Year      int `json:"year"`
	Active    int `json:"active"`
	Cancelled int `json:"cancelled"`
}

// RegisterYearCounts counts, per register and BE year (newest first), the entries of receive
// registers and the numbered letters of send registers.
func (db *DB) RegisterYearCounts(ctx context.Context, codes []string) (map[string][]YearCount, error) {
	out := map[string][]YearCount{}
	if len(codes) == 0 {
		return out, nil
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT register_code, year, count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'cancelled')
		FROM register_entries WHERE register_code = ANY($1) GROUP BY 1, 2
		UNION ALL
		SELECT register_code, year, count(*), 0
		FROM outgoing_letters WHERE register_code = ANY($1) AND number IS NOT NULL AND year IS NOT NULL GROUP BY 1, 2
		ORDER BY 1, 2 DESC`, codes)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var c YearCount
		if err := rows.Scan(&code, &c.Year, &c.Active, &c.Cancelled); err != nil {
			return nil, err
		}
		out[code] = append(out[code], c)
	}
	return out, rows.Err()
}

// LetterSearch is a register search. PersonID scopes it to the letters the person may open
// (the rules of MayViewLetter: a register of their unit or a unit below it, or a task for them
// or their unit, within their clearance); the other fields filter ("" or 0: any).
type LetterSearch struct {
	PersonID string
	// Q is a piece of the subject, the sender or the document number, matched anywhere (Thai
	// has no word breaks); digits match in either script.
	Q        string
	Register string
	Year     int    // BE
	Status   string // open | closed (the letter's) | cancelled (the entry's)
	Urgency  string
	Unit     string // the register's unit or a unit given a task on the letter
	Limit    int
	Offset   int
}

// SearchRow is one register entry found.
type SearchRow struct {
	LetterID    string     `json:"letter_id"`
	EntryID     int64      `json:"entry_id"`
	Register    string     `json:"register"`
	UnitName    string     `json:"unit_name"`
	Year        int        `json:"year"`
	Number      int        `json:"number"`
	ReceivedAt  time.Time  `json:"received_at"`
	DocNumber   string     `json:"doc_number"`
	DocDate     *time.Time `json:"doc_date,omitempty"`
	Subject     string     `json:"subject"`
	From        string     `json:"from"`
	Urgency     string     `json:"urgency"`
	Secrecy     string     `json:"secrecy"`
	Status      string     `json:"status"` // the letter's: open | closed
	EntryStatus string     `json:"entry_status"`
	Stage       string     `json:"stage"`
}

// likePattern makes an ILIKE pattern matching s anywhere, its wildcards escaped.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// SearchLetters finds register entries of letters the person may open, newest first, and
// counts them all.
func (db *DB) SearchLetters(ctx context.Context, q LetterSearch) ([]SearchRow, int, error) {
	if q.PersonID == "" {
		return nil, 0, fmt.Errorf("search: no person: %w", ErrInvalid)
	}
	args := []any{q.PersonID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where := []string{
		`secrecy_rank(l.secrecy) <= (SELECT secrecy_rank(pe.clearance) FROM people pe WHERE pe.id = $1 AND pe.active)`,
		`(EXISTS(SELECT 1 FROM register_entries e2 JOIN registers g2 ON g2.code = e2.register_code
		         WHERE e2.letter_id = l.id AND g2.unit_code IN (SELECT code FROM mine))
		  OR EXISTS(SELECT 1 FROM tasks t WHERE t.letter_id = l.id AND (t.assignee_person = $1
		         OR t.assignee_unit IN (SELECT unit_code FROM positions WHERE person_id = $1))))`,
	}
	if s := strings.TrimSpace(q.Q); s != "" {
		// Each variant is matched against each trigram-indexed column, so that the planner can
		// OR bitmap scans of the three indexes.
		variants := []string{s}
		if a := thai.ToArabicDigits(s); a != s {
			variants = append(variants, a)
		}
		if t := thai.ToThaiDigits(s); t != s {
			variants = append(variants, t)
		}
		var ors []string
		for _, v := range variants {
			p := arg(likePattern(v))
			ors = append(ors, "l.subject ILIKE "+p, "l.from_text ILIKE "+p, "l.doc_number_raw ILIKE "+p)
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	if q.Register != "" {
		where = append(where, "e.register_code = "+arg(q.Register))
	}
	if q.Year != 0 {
		where = append(where, "e.year = "+arg(q.Year))
	}
	switch q.Status {
	case "":
	case "cancelled":
		where = append(where, "e.status = 'cancelled'")
	case "open", "closed":
		where = append(where, "e.status = 'active' AND l.status = "+arg(q.Status))
	default:
		return nil, 0, fmt.Errorf("search: status %q: use open, closed or cancelled: %w", q.Status, ErrInvalid)
	}
	if q.Urgency != "" {
		where = append(where, "l.urgency = "+arg(q.Urgency))
	}
	if q.Unit != "" {
		p := arg(q.Unit)
		where = append(where, "(g.unit_code = "+p+" OR EXISTS(SELECT 1 FROM tasks t2 WHERE t2.letter_id = l.id AND t2.assignee_unit = "+p+"))")
	}
	const mine = `
		WITH RECURSIVE mine(code) AS (
			SELECT unit_code FROM positions WHERE person_id = $1
			UNION
			SELECT u.code FROM units u JOIN mine ON u.parent_code = mine.code
		)`
	from := `
		FROM register_entries e JOIN registers g ON g.code = e.register_code JOIN letters l ON l.id = e.letter_id
		JOIN units u ON u.code = g.unit_code
		WHERE ` + strings.Join(where, "\n\t\t  AND ")
	var total int
	if err := db.Pool.QueryRow(ctx, mine+`SELECT count(*)`+from, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	lim, off := arg(limit), arg(max(q.Offset, 0))
	rows, err := db.Pool.Query(ctx, mine+`
		SELECT l.id::text, e.id, e.register_code, u.name, e.year, e.number, e.received_at, l.doc_number_raw, l.doc_date,
		       l.subject, l.from_text, l.urgency, l.secrecy, l.status, e.status, coalesce(l.stage, '')`+from+`
		ORDER BY e.received_at DESC, e.id DESC LIMIT `+lim+` OFFSET `+off, args...)
	if err != nil {
		return nil, 0, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SearchRow, error) {
		var x SearchRow
		err := r.Scan(&x.LetterID, &x.EntryID, &x.Register, &x.UnitName, &x.Year, &x.Number, &x.ReceivedAt, &x.DocNumber,
			&x.DocDate, &x.Subject, &x.From, &x.Urgency, &x.Secrecy, &x.Status, &x.EntryStatus, &x.Stage)
		x.ReceivedAt = x.ReceivedAt.In(bangkok)
		return x, err
	})
	return list, total, err
}

// UnitChoice is a unit a person may filter their lists by.
type UnitChoice struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// UnitsUnder lists the person's units and every unit below them, by name.
func (db *DB) UnitsUnder(ctx context.Context, personID string) ([]UnitChoice, error) {
	rows, err := db.Pool.Query(ctx, `
		WITH RECURSIVE mine(code) AS (
			SELECT unit_code FROM positions WHERE person_id = $1
			UNION
			SELECT u.code FROM units u JOIN mine ON u.parent_code = mine.code
		)
		SELECT u.code, u.name FROM units u WHERE u.code IN (SELECT code FROM mine) ORDER BY u.name`, personID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (UnitChoice, error) {
		var c UnitChoice
		return c, r.Scan(&c.Code, &c.Name)
	})
}
