package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
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

// SendColumns are the columns of a send-register export (ทะเบียนหนังสือส่ง), in order: the
// number in its series (normal, or circular: ว), the document number (ที่ …), its date and
// time, from, to, subject, the classes, who signed in which capacity, the status, a note (e-mail
// deliveries that failed) and the signed file.
var SendColumns = []string{
	"series", "send_number", "doc_number", "doc_date", "numbered_at", "from", "to", "subject",
	"urgency", "secrecy", "signer_id", "signer", "capacity", "signed_at", "status", "note", "file",
}

// SendRow is one line of a send register. Dates and times are in their machine form (ISO 8601
// with offset, YYYY-MM-DD, Arabic digits), like manifest rows.
type SendRow struct {
	Series     string // normal | circular
	SendNumber string
	DocNumber  string // ที่ สข 0020/15, ที่ สข 0020/ว 7
	DocDate    string
	NumberedAt string
	From       string
	To         string // the recipients, unit names or addresses, separated by "; "
	Subject    string
	Urgency    string
	Secrecy    string
	SignerID   string
	Signer     string
	Capacity   string // the capacity lines, separated by " / "
	SignedAt   string
	Status     string // signed | sent
	Note       string
	File       string // the signed PDF's object key
}

// Fields returns the row's values in SendColumns order.
func (r SendRow) Fields() []string {
	return []string{r.Series, r.SendNumber, r.DocNumber, r.DocDate, r.NumberedAt, r.From, r.To, r.Subject,
		r.Urgency, r.Secrecy, r.SignerID, r.Signer, r.Capacity, r.SignedAt, r.Status, r.Note, r.File}
}

// ExportSendRegister streams the outgoing letters numbered in a send register in one BE year:
// the normal series in number order, then the circular (ว) series in number order. A letter
// not yet numbered has no line.
func (db *DB) ExportSendRegister(ctx context.Context, register string, year int, fn func(SendRow) error) error {
	kind, err := db.RegisterKind(ctx, register)
	if err != nil {
		return err
	}
	if kind != "send" {
		return fmt.Errorf("register %s is a %s register, not a send register", register, kind)
	}
	names := map[string]string{}
	urows, err := db.Pool.Query(ctx, `SELECT code, name FROM units`)
	if err != nil {
		return err
	}
	for urows.Next() {
		var code, name string
		if err := urows.Scan(&code, &name); err != nil {
			urows.Close()
			return err
		}
		names[code] = name
	}
	urows.Close()
	if err := urows.Err(); err != nil {
		return err
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT o.series, o.number, o.doc_number, o.numbered_at, u.name, o.recipients, o.subject, o.urgency, o.secrecy,
		       coalesce(o.signed_by, ''), coalesce(p.name, ''), o.signed_capacity, o.signed_at, o.status, coalesce(s.object_key, ''),
		       coalesce((SELECT string_agg(d.recipient || CASE WHEN d.error <> '' THEN ' (' || d.error || ')' ELSE '' END, '; ' ORDER BY d.recipient)
		                 FROM outgoing_deliveries d WHERE d.outgoing_id = o.id AND d.status = 'failed'), '')
		FROM outgoing_letters o
		JOIN registers r ON r.code = o.register_code
		JOIN units u ON u.code = r.unit_code
		LEFT JOIN people p ON p.id = o.signed_by
		LEFT JOIN outgoing_revisions s ON s.outgoing_id = o.id AND s.kind = 'signed'
		WHERE o.register_code = $1 AND o.year = $2 AND o.number IS NOT NULL
		ORDER BY o.series = 'circular', o.number`, register, year)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			number                int
			numberedAt            *time.Time
			signedAt              *time.Time
			recipients, capacity  []byte
			r                     SendRow
			failedDeliveries, doc string
		)
		if err := rows.Scan(&r.Series, &number, &doc, &numberedAt, &r.From, &recipients, &r.Subject, &r.Urgency, &r.Secrecy,
			&r.SignerID, &r.Signer, &capacity, &signedAt, &r.Status, &r.File, &failedDeliveries); err != nil {
			return err
		}
		r.SendNumber = strconv.Itoa(number)
		r.DocNumber = "ที่ " + doc
		if numberedAt != nil {
			t := numberedAt.In(bangkok)
			r.NumberedAt = t.Format(time.RFC3339)
			r.DocDate = t.Format("2006-01-02")
		}
		if signedAt != nil {
			r.SignedAt = signedAt.In(bangkok).Format(time.RFC3339)
		}
		var to []Recipient
		_ = json.Unmarshal(recipients, &to)
		var parts []string
		for _, rc := range to {
			switch {
			case rc.Unit != "" && names[rc.Unit] != "":
				parts = append(parts, names[rc.Unit])
			default:
				parts = append(parts, rc.Key())
			}
		}
		r.To = strings.Join(parts, "; ")
		var lines []string
		_ = json.Unmarshal(capacity, &lines)
		r.Capacity = strings.Join(lines, " / ")
		if failedDeliveries != "" {
			r.Note = "ส่งทางอีเมลไม่สำเร็จ: " + failedDeliveries
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
