package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ReadTarget is what the background reading needs of a letter.
type ReadTarget struct {
	LetterID    string
	State       string
	OriginalKey string
	ReceivedBy  string // who registered it (a person id, or operator:…)
}

// ReadTargetOf loads a letter's reading state and its original's object key.
func (db *DB) ReadTargetOf(ctx context.Context, letterID string) (ReadTarget, error) {
	var t ReadTarget
	err := db.Pool.QueryRow(ctx, `SELECT l.id::text, l.read_state, r.object_key,
			coalesce((SELECT received_by FROM register_entries WHERE letter_id = l.id ORDER BY id LIMIT 1), '')
		FROM letters l JOIN revisions r ON r.letter_id = l.id AND r.seq = 1 WHERE l.id::text = $1`, letterID).
		Scan(&t.LetterID, &t.State, &t.OriginalKey, &t.ReceivedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("letter %s: %w", letterID, ErrNotFound)
	}
	return t, err
}

// ReadFields are header fields read from a letter; empty ones were not found.
type ReadFields struct {
	DocNumberRaw string
	DocNumber    string
	DocDate      *time.Time
	DocDateRaw   string
	From, To     string
	Subject      string
	Urgency      string
}

// ApplyRead fills the letter's fields that are still empty (never one a person typed), marks
// the reading done, writes the letter.extracted audit row and tells whoever registered the
// letter. It returns the fields it filled. A letter already read is left alone.
func (db *DB) ApplyRead(ctx context.Context, letterID string, f ReadFields, state string, detail any) ([]string, error) {
	var filled []string
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		filled = nil
		var cur ReadFields
		var readState string
		if err := tx.QueryRow(ctx, `SELECT read_state, doc_number_raw, doc_date_raw, from_text, to_text, subject, urgency
			FROM letters WHERE id::text = $1 FOR UPDATE`, letterID).Scan(&readState, &cur.DocNumberRaw, &cur.DocDateRaw, &cur.From, &cur.To, &cur.Subject, &cur.Urgency); err != nil {
			return err
		}
		if readState != "pending" {
			return nil
		}
		set := func(name, have, found, col string, arg any) error {
			if have != "" || found == "" {
				return nil
			}
			filled = append(filled, name)
			_, err := tx.Exec(ctx, `UPDATE letters SET `+col+` = $2 WHERE id::text = $1`, letterID, arg)
			return err
		}
		for _, s := range []struct {
			name, have, found, col string
			arg                    any
		}{
			{"doc_number", cur.DocNumberRaw, f.DocNumberRaw, "doc_number_raw", f.DocNumberRaw},
			{"doc_number_canonical", cur.DocNumberRaw, f.DocNumber, "doc_number", f.DocNumber},
			{"doc_date", cur.DocDateRaw, f.DocDateRaw, "doc_date_raw", f.DocDateRaw},
			{"from", cur.From, f.From, "from_text", f.From},
			{"to", cur.To, f.To, "to_text", f.To},
			{"subject", cur.Subject, f.Subject, "subject", f.Subject},
		} {
			if err := set(s.name, s.have, s.found, s.col, s.arg); err != nil {
				return err
			}
		}
		if cur.DocDateRaw == "" && f.DocDate != nil {
			if _, err := tx.Exec(ctx, `UPDATE letters SET doc_date = $2 WHERE id::text = $1`, letterID, *f.DocDate); err != nil {
				return err
			}
		}
		if cur.Urgency == "normal" && f.Urgency != "" && f.Urgency != "normal" {
			filled = append(filled, "urgency")
			if _, err := tx.Exec(ctx, `UPDATE letters SET urgency = $2 WHERE id::text = $1`, letterID, f.Urgency); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE letters SET read_state = $2 WHERE id::text = $1`, letterID, state); err != nil {
			return err
		}
		b, _ := json.Marshal(map[string]any{"filled": filled, "state": state, "read": detail})
		var d any = json.RawMessage(b)
		if err := Audit(ctx, tx, "system:reader", "", "letter.extracted", "letter", letterID, d); err != nil {
			return err
		}
		var by string
		_ = tx.QueryRow(ctx, `SELECT received_by FROM register_entries WHERE letter_id::text = $1 ORDER BY id LIMIT 1`, letterID).Scan(&by)
		var isPerson bool
		_ = tx.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM people WHERE id = $1)`, by).Scan(&isPerson)
		if isPerson {
			l := letterID
			title := "อ่านหนังสือเสร็จแล้ว: โปรดตรวจสอบข้อมูลที่ระบบกรอกให้"
			if state == "failed" {
				title = "อ่านหนังสือไม่ได้: โปรดกรอกข้อมูลเอง"
			}
			if _, _, err := AddNotification(ctx, tx, NewNotification{PersonID: by, LetterID: &l, Kind: "read", EventKey: "read/" + letterID, Title: title}); err != nil {
				return err
			}
		}
		return nil
	})
	return filled, err
}
