package storage

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Queries of the web application's letter page (web/letter*.go, policy/letters.go).

// LetterPowers is what a person may do on a letter as the routing rules see it: the powers they
// hold for a unit holding it (annotate, order, forward, close; storage.Resolve through the
// holding units and the units above, as ApplyAction does) and the open tasks they may answer.
// ApplyAction checks all of it again when the action is taken.
type LetterPowers struct {
	Closed bool
	// Powers maps a power the person holds to the capacity lines they would act in.
	Powers map[string][]string
	// Tasks are the letter's open tasks the person may answer (ack, report, return).
	Tasks []Task
}

// LetterPowers answers for a person, a letter and a time. A letter that does not exist is
// ErrNotFound.
func (db *DB) LetterPowers(ctx context.Context, personID, letterID string, at time.Time) (LetterPowers, error) {
	st, err := db.letterState(ctx, letterID)
	if err != nil {
		return LetterPowers{}, err
	}
	lp := LetterPowers{Closed: st.status == "closed", Powers: map[string][]string{}}
	if lp.Closed {
		return lp, nil
	}
	for _, power := range []string{PowerAnnotate, PowerOrder, PowerForward, PowerClose} {
		a, err := db.authorize(ctx, personID, power, letterID, at)
		var re *RefusalError
		switch {
		case errors.As(err, &re):
			continue
		case err != nil:
			return LetterPowers{}, err
		}
		lp.Powers[power] = a.CapacityLines
	}
	tasks, err := db.Tasks(ctx, letterID)
	if err != nil {
		return LetterPowers{}, err
	}
	for _, t := range tasks {
		if t.Status != "open" {
			continue
		}
		ok, _, err := db.mayAnswer(ctx, personID, t, at)
		if err != nil {
			return LetterPowers{}, err
		}
		if ok {
			lp.Tasks = append(lp.Tasks, t)
		}
	}
	return lp, nil
}

// DisplayNames returns the names of the given people and units (ids not found are left out),
// for pages that show who did what.
func (db *DB) DisplayNames(ctx context.Context, people, units []string) (map[string]string, map[string]string, error) {
	pn, un := map[string]string{}, map[string]string{}
	if len(people) > 0 {
		rows, err := db.Pool.Query(ctx, `SELECT id, name FROM people WHERE id = ANY($1)`, people)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var id, name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, nil, err
			}
			pn[id] = name
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	if len(units) > 0 {
		rows, err := db.Pool.Query(ctx, `SELECT code, name FROM units WHERE code = ANY($1)`, units)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var code, name string
			if err := rows.Scan(&code, &name); err != nil {
				rows.Close()
				return nil, nil, err
			}
			un[code] = name
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	return pn, un, nil
}

// LiveBreakGlass returns an administrator's live grant on a letter and the id of its audit row
// (0 when not found), for the banner of a letter opened that way. No live grant: ErrNotFound.
func (db *DB) LiveBreakGlass(ctx context.Context, username, letterID string) (BreakGlass, int64, error) {
	var b BreakGlass
	err := db.Pool.QueryRow(ctx, `SELECT b.id, b.username, b.letter_id::text, b.reason, b.granted_at, b.expires_at
		FROM break_glass b WHERE b.username = $1 AND b.letter_id::text = $2 AND b.ended_at IS NULL AND b.expires_at > now()
		ORDER BY b.granted_at DESC, b.id DESC LIMIT 1`, username, letterID).
		Scan(&b.ID, &b.Username, &b.LetterID, &b.Reason, &b.GrantedAt, &b.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return b, 0, ErrNotFound
	}
	if err != nil {
		return b, 0, err
	}
	var auditID int64
	err = db.Pool.QueryRow(ctx, `SELECT id FROM audit_log WHERE action = 'break_glass' AND subject_type = 'letter'
		AND subject_id = $2 AND actor = $1 AND at >= $3::timestamptz - interval '1 minute' ORDER BY id DESC LIMIT 1`, username, letterID, b.GrantedAt).Scan(&auditID)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return b, 0, err
	}
	return b, auditID, nil
}
