package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Letter is a letter as stored, with its receipts and revisions.
type Letter struct {
	ID             string     `json:"letter_id"`
	CreatedAt      time.Time  `json:"created_at"`
	DocNumberRaw   string     `json:"doc_number"`
	DocNumber      string     `json:"doc_number_canonical"`
	DocDate        *time.Time `json:"-"`
	DocDateISO     string     `json:"doc_date,omitempty"`
	From           string     `json:"from"`
	To             string     `json:"to"`
	Subject        string     `json:"subject"`
	Urgency        string     `json:"urgency"`
	Secrecy        string     `json:"secrecy"`
	Deadline       *time.Time `json:"deadline,omitempty"`
	Status         string     `json:"status"`
	Stage          string     `json:"stage"`
	OriginalSHA256 string     `json:"original_sha256"`
	Pages          int        `json:"pages"`
	Entries        []Entry    `json:"receipts"`
	Revisions      []Revision `json:"revisions"`
}

// Entry is a letter's place in a register.
type Entry struct {
	ID          int64      `json:"entry_id"`
	Register    string     `json:"register"`
	UnitName    string     `json:"unit_name"`
	Year        int        `json:"year"`
	Number      int        `json:"number"`
	ReceivedAt  time.Time  `json:"received_at"`
	ReceivedBy  string     `json:"received_by"`
	Capacity    string     `json:"capacity,omitempty"`
	Status      string     `json:"status"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	Reason      string     `json:"cancel_reason,omitempty"`
	Stamped     bool       `json:"stamped"`
}

// Revision is one stored PDF revision of a letter.
type Revision struct {
	Seq       int       `json:"seq"`
	Kind      string    `json:"kind"`
	SHA256    string    `json:"sha256"`
	ObjectKey string    `json:"object_key"`
	Size      int64     `json:"size"`
	EntryID   *int64    `json:"entry_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// GetLetter loads a letter with its receipts and revisions.
func (db *DB) GetLetter(ctx context.Context, id string) (Letter, error) {
	var l Letter
	err := db.Pool.QueryRow(ctx, `SELECT id::text, created_at, doc_number_raw, doc_number, doc_date, from_text, to_text, subject,
		urgency, secrecy, deadline, status, stage, original_sha256, pages FROM letters WHERE id::text = $1`, id).
		Scan(&l.ID, &l.CreatedAt, &l.DocNumberRaw, &l.DocNumber, &l.DocDate, &l.From, &l.To, &l.Subject,
			&l.Urgency, &l.Secrecy, &l.Deadline, &l.Status, &l.Stage, &l.OriginalSHA256, &l.Pages)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, fmt.Errorf("letter %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return l, err
	}
	l.CreatedAt = l.CreatedAt.In(bangkok)
	if l.DocDate != nil {
		l.DocDateISO = l.DocDate.Format("2006-01-02")
	}
	if l.Deadline != nil {
		d := l.Deadline.In(bangkok)
		l.Deadline = &d
	}
	rows, err := db.Pool.Query(ctx, `SELECT e.id, e.register_code, u.name, e.year, e.number, e.received_at, e.received_by, e.capacity,
			e.status, e.cancelled_at, e.cancel_reason,
			EXISTS(SELECT 1 FROM revisions r WHERE r.entry_id = e.id AND r.kind = 'stamped')
		FROM register_entries e JOIN registers g ON g.code = e.register_code JOIN units u ON u.code = g.unit_code
		WHERE e.letter_id = $1 ORDER BY e.received_at, e.id`, l.ID)
	if err != nil {
		return l, err
	}
	l.Entries, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
		err := r.Scan(&e.ID, &e.Register, &e.UnitName, &e.Year, &e.Number, &e.ReceivedAt, &e.ReceivedBy, &e.Capacity,
			&e.Status, &e.CancelledAt, &e.Reason, &e.Stamped)
		e.ReceivedAt = e.ReceivedAt.In(bangkok)
		return e, err
	})
	if err != nil {
		return l, err
	}
	l.Revisions, err = db.Revisions(ctx, l.ID)
	return l, err
}

// Revisions lists a letter's revisions, oldest first.
func (db *DB) Revisions(ctx context.Context, letterID string) ([]Revision, error) {
	rows, err := db.Pool.Query(ctx, `SELECT seq, kind, sha256, object_key, size, entry_id, created_at
		FROM revisions WHERE letter_id = $1 ORDER BY seq`, letterID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Revision, error) {
		var v Revision
		err := r.Scan(&v.Seq, &v.Kind, &v.SHA256, &v.ObjectKey, &v.Size, &v.EntryID, &v.CreatedAt)
		v.CreatedAt = v.CreatedAt.In(bangkok)
		return v, err
	})
}

// StampJob is what the stamp activity needs to draw the stamp of one receipt.
type StampJob struct {
	EntryID    int64
	LetterID   string
	Register   string
	UnitName   string
	Year       int
	Number     int
	ReceivedAt time.Time
	// Existing is the stamped revision already made for this entry, if any (idempotency).
	Existing *Revision
	// Latest is the newest revision of the letter, on which the stamp is drawn.
	Latest Revision
	// Slot is how many receive stamps the latest revision already carries.
	Slot int
}

// StampJobFor loads the stamp job of an entry.
func (db *DB) StampJobFor(ctx context.Context, entryID int64) (StampJob, error) {
	var j StampJob
	err := db.Pool.QueryRow(ctx, `SELECT e.id, e.letter_id::text, e.register_code, u.name,
			e.year, e.number, e.received_at
		FROM register_entries e JOIN registers g ON g.code = e.register_code JOIN units u ON u.code = g.unit_code
		WHERE e.id = $1`, entryID).Scan(&j.EntryID, &j.LetterID, &j.Register, &j.UnitName, &j.Year, &j.Number, &j.ReceivedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return j, fmt.Errorf("register entry %d: %w", entryID, ErrNotFound)
	}
	if err != nil {
		return j, err
	}
	j.ReceivedAt = j.ReceivedAt.In(bangkok)
	revs, err := db.Revisions(ctx, j.LetterID)
	if err != nil {
		return j, err
	}
	if len(revs) == 0 {
		// A letter registered without its PDF (backfilled history): there is nothing to stamp,
		// and retrying will not change that.
		return j, fmt.Errorf("letter %s has no PDF to stamp: %w", j.LetterID, ErrNotFound)
	}
	for i := range revs {
		if revs[i].Kind == "stamped" {
			if revs[i].EntryID != nil && *revs[i].EntryID == entryID {
				r := revs[i]
				j.Existing = &r
			}
			j.Slot++
		}
	}
	j.Latest = revs[len(revs)-1]
	return j, nil
}

// AddStampedRevision records a stamped revision built on revision `base`. If the entry already
// has its stamp (a retried activity), the existing revision is returned and nothing changes.
func (db *DB) AddStampedRevision(ctx context.Context, entryID int64, letterID string, base int, sha, key string, size int64) (Revision, error) {
	var rev Revision
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		// Lock the letter so two writers cannot both take the next seq.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM letters WHERE id = $1 FOR UPDATE`, letterID); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT seq, kind, sha256, object_key, size, entry_id, created_at FROM revisions
			WHERE entry_id = $1 AND kind = 'stamped'`, entryID).Scan(&rev.Seq, &rev.Kind, &rev.SHA256, &rev.ObjectKey, &rev.Size, &rev.EntryID, &rev.CreatedAt)
		if err == nil {
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var last int
		if err := tx.QueryRow(ctx, `SELECT max(seq) FROM revisions WHERE letter_id = $1`, letterID).Scan(&last); err != nil {
			return err
		}
		if last != base {
			return fmt.Errorf("letter %s gained revision %d while stamping on revision %d: %w", letterID, last, base, ErrConflict)
		}
		err = tx.QueryRow(ctx, `INSERT INTO revisions(letter_id, seq, kind, sha256, object_key, size, entry_id)
			VALUES ($1, $2, 'stamped', $3, $4, $5, $6) RETURNING seq, kind, sha256, object_key, size, entry_id, created_at`,
			letterID, last+1, sha, key, size, entryID).Scan(&rev.Seq, &rev.Kind, &rev.SHA256, &rev.ObjectKey, &rev.Size, &rev.EntryID, &rev.CreatedAt)
		if err != nil {
			return err
		}
		return Audit(ctx, tx, "system:worker", "", "letter.stamp", "letter", letterID, map[string]any{
			"entry_id": entryID, "seq": last + 1, "sha256": sha,
		})
	})
	return rev, err
}

// SetStage records where a letter's workflow has got to.
func (db *DB) SetStage(ctx context.Context, letterID, stage string) error {
	_, err := db.Pool.Exec(ctx, `UPDATE letters SET stage = $2 WHERE id = $1 AND stage IS DISTINCT FROM $2`, letterID, stage)
	return err
}

// MayViewLetter tells whether a person may see a letter: their clearance reaches the letter's
// secrecy class, and they hold a position in the unit of one of the letter's registers or in a
// unit above it, or the letter gives them (or a unit they belong to) a task. A letter that does
// not exist is not visible.
func (db *DB) MayViewLetter(ctx context.Context, personID, letterID string) (bool, error) {
	var ok bool
	err := db.Pool.QueryRow(ctx, `
		WITH RECURSIVE up(code) AS (
			SELECT g.unit_code FROM register_entries e JOIN registers g ON g.code = e.register_code
			WHERE e.letter_id::text = $2
			UNION
			SELECT u.parent_code FROM units u JOIN up ON u.code = up.code WHERE u.parent_code IS NOT NULL
		)
		SELECT EXISTS(SELECT 1 FROM people pe, letters l WHERE pe.id = $1 AND pe.active AND l.id::text = $2
		              AND secrecy_rank(l.secrecy) <= secrecy_rank(pe.clearance)) AND (
			EXISTS(SELECT 1 FROM positions p JOIN up ON p.unit_code = up.code WHERE p.person_id = $1)
			OR EXISTS(SELECT 1 FROM tasks t WHERE t.letter_id::text = $2 AND (t.assignee_person = $1
				OR t.assignee_unit IN (SELECT unit_code FROM positions WHERE person_id = $1))))`, personID, letterID).Scan(&ok)
	return ok, err
}

// DocDateOf returns the date of a registered letter with the given canonical number (Arabic
// digits), so that extraction can flag a citation that contradicts it.
func (db *DB) DocDateOf(ctx context.Context, canonical string) (time.Time, bool, error) {
	var d *time.Time
	err := db.Pool.QueryRow(ctx, `SELECT doc_date FROM letters WHERE doc_number = $1 AND doc_date IS NOT NULL
		ORDER BY created_at LIMIT 1`, canonical).Scan(&d)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && d == nil) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return *d, true, nil
}
