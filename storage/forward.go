package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ForwardAction is a recorded forward action: which letter, to which units.
type ForwardAction struct {
	ActionID int64
	LetterID string
	Actor    string
	Units    []string
	Purpose  string // when set, each copy carries a task for its unit
	Due      *time.Time
	At       time.Time
}

// GetForwardAction loads a forward action.
func (db *DB) GetForwardAction(ctx context.Context, actionID int64) (ForwardAction, error) {
	var f ForwardAction
	var kind string
	var payload []byte
	err := db.Pool.QueryRow(ctx, `SELECT letter_id::text, kind, actor, payload, at FROM letter_actions WHERE id = $1`, actionID).
		Scan(&f.LetterID, &kind, &f.Actor, &payload, &f.At)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, fmt.Errorf("action %d: %w", actionID, ErrNotFound)
	}
	if err != nil {
		return f, err
	}
	if kind != ActForward {
		return f, fmt.Errorf("action %d is a %s, not a forward", actionID, kind)
	}
	var p struct {
		Units   []string   `json:"units"`
		Purpose string     `json:"purpose"`
		Due     *time.Time `json:"due"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return f, err
	}
	f.ActionID, f.Units, f.Purpose, f.Due = actionID, p.Units, p.Purpose, p.Due
	return f, nil
}

// ForwardCopyResult is one unit's copy.
type ForwardCopyResult struct {
	Unit     string `json:"unit"`
	LetterID string `json:"letter_id"`
	Register string `json:"register"`
	Number   int    `json:"number"`
	Year     int    `json:"year"`
	Created  bool   `json:"created"`
}

// ForwardCopy gives one unit its copy of a forwarded letter, in one transaction: a new letter
// linked to its source (same header, the source's latest revision as its first), an entry with
// its own number in the unit's receive register, the forwards row, an outbox row (its own
// workflow and stamp), a notification for the unit's head and the audit row. The forwards row is
// unique per (action, unit): a rerun after a crash returns the copy already made.
func (db *DB) ForwardCopy(ctx context.Context, actionID int64, unit string, now func() time.Time) (ForwardCopyResult, error) {
	res := ForwardCopyResult{Unit: unit}
	f, err := db.GetForwardAction(ctx, actionID)
	if err != nil {
		return res, err
	}
	register, err := db.ReceiveRegisterOf(ctx, unit)
	if err != nil {
		return res, err
	}
	revs, err := db.Revisions(ctx, f.LetterID)
	if err != nil {
		return res, err
	}
	if len(revs) == 0 {
		return res, fmt.Errorf("letter %s has no revision to forward", f.LetterID)
	}
	base := revs[len(revs)-1]
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT f.letter_id::text, e.register_code, e.number, e.year FROM forwards f JOIN register_entries e ON e.id = f.entry_id
			WHERE f.action_id = $1 AND f.unit_code = $2`, actionID, unit).Scan(&res.LetterID, &res.Register, &res.Number, &res.Year); err == nil {
			res.Created = false
			return nil
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if _, err := lockRegister(ctx, tx, register); err != nil {
			return err
		}
		at := now().Truncate(time.Microsecond)
		year := beYear(at)
		n, err := nextNumber(ctx, tx, register, "normal", year)
		if err != nil {
			return err
		}
		id := uuid.NewString()
		if _, err := tx.Exec(ctx, `INSERT INTO letters(id, created_at, doc_number_raw, doc_number, doc_date, doc_date_raw, from_text, to_text,
				subject, urgency, secrecy, deadline, original_sha256, pages, source_letter_id, forwarded_by_action)
			SELECT $1, $2, doc_number_raw, doc_number, doc_date, doc_date_raw, from_text, to_text, subject, urgency, secrecy, deadline,
				$3, pages, id, $4 FROM letters WHERE id = $5`, id, at, base.SHA256, actionID, f.LetterID); err != nil {
			return err
		}
		var entryID int64
		if err := tx.QueryRow(ctx, `INSERT INTO register_entries(register_code, series, year, number, letter_id, received_at, received_by, note)
			VALUES ($1, 'normal', $2, $3, $4, $5, 'system:forward', $6) RETURNING id`, register, year, n, id, at,
			fmt.Sprintf("forwarded (action %d)", actionID)).Scan(&entryID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO revisions(letter_id, seq, kind, sha256, object_key, size, created_at)
			VALUES ($1, 1, 'original', $2, $3, $4, $5)`, id, base.SHA256, base.ObjectKey, base.Size, at); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO forwards(action_id, unit_code, letter_id, entry_id) VALUES ($1, $2, $3, $4)`, actionID, unit, id, entryID); err != nil {
			return err
		}
		if err := addOutbox(ctx, tx, OutboxReceipt, id, map[string]any{"entry_id": entryID}); err != nil {
			return err
		}
		if f.Purpose != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO tasks(letter_id, action_id, assignee_unit, purpose, due_at, assigned_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, actionID, unit, f.Purpose, f.Due, f.Actor, at); err != nil {
				return err
			}
		}
		if head, _, err := db.UnitHead(ctx, unit); err == nil {
			var subject string
			_ = tx.QueryRow(ctx, `SELECT subject FROM letters WHERE id = $1`, id).Scan(&subject)
			who := head.ID
			if sub, ok, err := db.ActingFor(ctx, who, at); err == nil && ok {
				who = sub
			}
			if _, _, err := AddNotification(ctx, tx, NewNotification{PersonID: who, LetterID: &id, Kind: "forwarded",
				EventKey: fmt.Sprintf("forward/%d/%s", actionID, unit), Title: "หนังสือส่งต่อ: " + subject}); err != nil {
				return err
			}
		}
		res = ForwardCopyResult{Unit: unit, LetterID: id, Register: register, Number: n, Year: year, Created: true}
		return Audit(ctx, tx, "system:forward", "", "letter.forward_copy", "letter", id, map[string]any{
			"source": f.LetterID, "action_id": actionID, "unit": unit, "register": register, "year": year, "number": n,
		})
	})
	return res, err
}

// Due is a deadline the workflow must watch: the letter's own, or an open task's.
type Due struct {
	Key        string    `json:"key"` // letter/<id> or task/<id>
	At         time.Time `json:"at"`
	TaskID     int64     `json:"task_id,omitempty"`
	Assignee   string    `json:"assignee,omitempty"` // person to remind
	Unit       string    `json:"unit,omitempty"`
	AssignedBy string    `json:"assigned_by,omitempty"`
}

// OpenDues lists what a letter is waiting for, with deadlines: its deadline while it is open, and
// every open task with a due date.
func (db *DB) OpenDues(ctx context.Context, letterID string) ([]Due, error) {
	var out []Due
	var status string
	var deadline *time.Time
	if err := db.Pool.QueryRow(ctx, `SELECT status, deadline FROM letters WHERE id::text = $1`, letterID).Scan(&status, &deadline); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("letter %s: %w", letterID, ErrNotFound)
		}
		return nil, err
	}
	if status != "open" {
		return nil, nil
	}
	// A task's own due date, or else the letter's deadline: an order without a date still
	// works to the date the letter asks for.
	rows, err := db.Pool.Query(ctx, `SELECT id, coalesce(due_at, $2), coalesce(assignee_person, ''), coalesce(assignee_unit, ''), assigned_by
		FROM tasks WHERE letter_id = $1 AND status = 'open' ORDER BY id`, letterID, deadline)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	openTasks := 0
	for rows.Next() {
		var d Due
		var at *time.Time
		if err := rows.Scan(&d.TaskID, &at, &d.Assignee, &d.Unit, &d.AssignedBy); err != nil {
			return nil, err
		}
		openTasks++
		if at == nil {
			continue
		}
		d.At = *at
		d.Key = fmt.Sprintf("task/%d", d.TaskID)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// A letter nobody has been given yet: its deadline is watched for the unit holding it.
	if deadline != nil && openTasks == 0 {
		var anyTask bool
		if err := db.Pool.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM tasks WHERE letter_id = $1)`, letterID).Scan(&anyTask); err != nil {
			return nil, err
		}
		if !anyTask { // once tasks exist and are all answered, the work is done
			out = append(out, Due{Key: "letter/" + letterID, At: *deadline})
		}
	}
	return out, nil
}
