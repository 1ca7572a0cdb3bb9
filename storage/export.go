package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/saraban/saraban/manifest"
)

// ExportRegister streams a register's entries of one BE year in number order, as manifest rows.
// A cancelled entry keeps its line: status "cancelled" and the reason in the note.
func (db *DB) ExportRegister(ctx context.Context, register string, year int, fn func(manifest.Row) error) error {
	var exists bool
	if err := db.Pool.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM registers WHERE code = $1)`, register).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("register %q: %w (see `saraban register list`)", register, ErrNotFound)
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT e.number, e.received_at, l.doc_number_raw, l.doc_date, l.from_text, l.to_text, l.subject,
		       l.urgency, l.secrecy, e.action_text, e.note, o.object_key, l.status, e.status, e.cancel_reason, l.deadline
		FROM register_entries e
		JOIN letters l ON l.id = e.letter_id
		LEFT JOIN revisions o ON o.letter_id = l.id AND o.seq = 1
		WHERE e.register_code = $1 AND e.year = $2 AND e.series = 'normal'
		ORDER BY e.number`, register, year)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			number                                    int
			receivedAt                                time.Time
			docDate, deadline                         *time.Time
			docNo, from, to, subject, urg, sec        string
			action, note, status, entryStatus, reason string
			key                                       *string
		)
		if err := rows.Scan(&number, &receivedAt, &docNo, &docDate, &from, &to, &subject, &urg, &sec, &action, &note,
			&key, &status, &entryStatus, &reason, &deadline); err != nil {
			return err
		}
		r := manifest.Row{
			ReceiveNumber: strconv.Itoa(number),
			ReceivedAt:    receivedAt.In(bangkok).Format(time.RFC3339),
			DocNumber:     docNo, From: from, To: to, Subject: subject,
			Urgency: urg, Secrecy: sec, Action: action, Note: note, Status: status,
		}
		if docDate != nil {
			r.DocDate = docDate.Format("2006-01-02")
		}
		if deadline != nil {
			r.Deadline = deadline.In(bangkok).Format(time.RFC3339)
		}
		if key != nil {
			r.File = *key
		}
		if entryStatus == "cancelled" {
			r.Status = "cancelled"
			if r.Note == "" {
				r.Note = "ยกเลิก: " + reason
			}
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
