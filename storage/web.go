package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/saraban/saraban/thai"
)

// LinkedToLetter tells whether a person would see a letter were it not for its secrecy class:
// the same links as MayViewLetter without the clearance test. Policy uses it to tell such a
// person why the letter is closed to them, and everyone else that it does not exist.
func (db *DB) LinkedToLetter(ctx context.Context, personID, letterID string) (bool, error) {
	var ok bool
	err := db.Pool.QueryRow(ctx, `
		WITH RECURSIVE up(code) AS (
			SELECT g.unit_code FROM register_entries e JOIN registers g ON g.code = e.register_code
			WHERE e.letter_id::text = $2
			UNION
			SELECT u.parent_code FROM units u JOIN up ON u.code = up.code WHERE u.parent_code IS NOT NULL
		)
		SELECT EXISTS(SELECT 1 FROM positions p JOIN up ON p.unit_code = up.code WHERE p.person_id = $1)
			OR EXISTS(SELECT 1 FROM tasks t WHERE t.letter_id::text = $2 AND (t.assignee_person = $1
				OR t.assignee_unit IN (SELECT unit_code FROM positions WHERE person_id = $1)))`, personID, letterID).Scan(&ok)
	return ok, err
}

// RecentLetter is a letter lately received into a register the person's units keep.
type RecentLetter struct {
	LetterID   string    `json:"letter_id"`
	Register   string    `json:"register"`
	Year       int       `json:"year"`
	Number     int       `json:"number"`
	ReceivedAt time.Time `json:"received_at"`
	DocNumber  string    `json:"doc_number"`
	Subject    string    `json:"subject"`
	From       string    `json:"from"`
	Urgency    string    `json:"urgency"`
	Secrecy    string    `json:"secrecy"`
	Stage      string    `json:"stage"`
}

// RecentlyReceived lists the latest letters received into registers of the person's units or
// units below them, within their clearance, newest first.
func (db *DB) RecentlyReceived(ctx context.Context, personID string, since time.Time, limit int) ([]RecentLetter, int, error) {
	const scope = `
		WITH RECURSIVE mine(code) AS (
			SELECT unit_code FROM positions WHERE person_id = $1
			UNION
			SELECT u.code FROM units u JOIN mine ON u.parent_code = mine.code
		)`
	var total int
	if err := db.Pool.QueryRow(ctx, scope+`
		SELECT count(*) FROM register_entries e JOIN registers g ON g.code = e.register_code JOIN letters l ON l.id = e.letter_id
		WHERE g.unit_code IN (SELECT code FROM mine) AND e.received_at >= $2 AND e.status <> 'cancelled'
		  AND secrecy_rank(l.secrecy) <= (SELECT secrecy_rank(clearance) FROM people WHERE id = $1)`, personID, since).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.Pool.Query(ctx, scope+`
		SELECT l.id::text, e.register_code, e.year, e.number, e.received_at, l.doc_number_raw, l.subject, l.from_text,
		       l.urgency, l.secrecy, coalesce(l.stage, '')
		FROM register_entries e JOIN registers g ON g.code = e.register_code JOIN letters l ON l.id = e.letter_id
		WHERE g.unit_code IN (SELECT code FROM mine) AND e.received_at >= $2 AND e.status <> 'cancelled'
		  AND secrecy_rank(l.secrecy) <= (SELECT secrecy_rank(clearance) FROM people WHERE id = $1)
		ORDER BY e.received_at DESC LIMIT $3`, personID, since, limit)
	if err != nil {
		return nil, 0, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RecentLetter, error) {
		var x RecentLetter
		err := r.Scan(&x.LetterID, &x.Register, &x.Year, &x.Number, &x.ReceivedAt, &x.DocNumber, &x.Subject, &x.From,
			&x.Urgency, &x.Secrecy, &x.Stage)
		return x, err
	})
	return list, total, err
}

// PersonAccess reads what policy needs of a person who acts without a web account (an API
// token): their clearance, positions and whether they are active. An unknown person is
// ErrNotFound.
func (db *DB) PersonAccess(ctx context.Context, personID string) (clearance string, positions []Position, active bool, err error) {
	err = db.Pool.QueryRow(ctx, `SELECT clearance, active FROM people WHERE id = $1`, personID).Scan(&clearance, &active)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, false, fmt.Errorf("person %q: %w", personID, ErrNotFound)
	}
	if err != nil {
		return "", nil, false, err
	}
	positions, err = db.positionsOf(ctx, personID)
	return clearance, positions, active, err
}

// ActingForWhom lists the people a person acts for on the day of at (รักษาราชการแทน): those
// whose ActingFor resolves to the person, following chains of substitutes. Their personal tasks
// belong in the person's inbox.
func (db *DB) ActingForWhom(ctx context.Context, personID string, at time.Time) ([]string, error) {
	day := thai.DateOf(at).String()
	var out []string
	seen := map[string]bool{personID: true}
	frontier := []string{personID}
	for i := 0; i < maxChainLinks && len(frontier) > 0; i++ {
		rows, err := db.Pool.Query(ctx, `SELECT DISTINCT d.delegator FROM delegations d
			JOIN positions h ON h.unit_code = d.unit_code AND h.is_head AND h.person_id = d.delegator
			WHERE d.kind = 'acting' AND d.delegate = ANY($1) AND d.starts_on <= $2::date AND $2::date <= `+effLastSQL, frontier, day)
		if err != nil {
			return nil, err
		}
		cands, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, err
		}
		frontier = frontier[:0]
		for _, c := range cands {
			if seen[c] {
				continue
			}
			seen[c] = true
			frontier = append(frontier, c)
			// The newest acting appointment decides: keep c only if it ends with this person.
			if sub, ok, err := db.ActingFor(ctx, c, at); err != nil {
				return nil, err
			} else if ok && sub == personID {
				out = append(out, c)
			}
		}
	}
	return out, nil
}
