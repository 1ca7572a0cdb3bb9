package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// bangkok is Asia/Bangkok (UTC+7, no daylight saving): years and dates of registers follow it.
var bangkok = time.FixedZone("Asia/Bangkok", 7*3600)

// beYear is the Buddhist Era year of t in Bangkok: the numbering year of registers.
func beYear(t time.Time) int { return t.In(bangkok).Year() + 543 }

// NotifyChannel is the LISTEN/NOTIFY channel that wakes the outbox dispatcher.
const NotifyChannel = "saraban_outbox"

// Outbox kinds.
const (
	OutboxReceipt = "receipt" // deliver a receipt (start IncomingLetter if needed, stamp the entry)
)

// NewLetter is what intake knows of a letter before it is numbered.
type NewLetter struct {
	ID             string
	DocNumberRaw   string
	DocNumber      string // canonical form, Arabic digits
	DocDate        *time.Time
	DocDateRaw     string
	From, To       string
	Subject        string
	Urgency        string
	Secrecy        string
	Deadline       *time.Time
	OriginalSHA256 string
	OriginalKey    string
	Size           int64
	Pages          int
}

// ReceiveParams is one receipt into a receive register.
type ReceiveParams struct {
	Register string
	Letter   NewLetter
	Actor    string // person id, or operator:<name>
	Capacity string // the position line the actor acted in
	Note     string
	// Now is read after the register is locked, so that times rise with numbers.
	Now            func() time.Time
	AllowDuplicate bool
	// Extracted, when set, is what reading the letter proposed: kept as a letter.extracted
	// audit row in the same transaction.
	Extracted any
	// ReadLater asks the letter's workflow to read it (OCR) off the request path.
	ReadLater bool
}

// Receipt is the result of a receipt: the number the register gave.
type Receipt struct {
	LetterID   string    `json:"letter_id"`
	EntryID    int64     `json:"entry_id"`
	Register   string    `json:"register"`
	Year       int       `json:"year"`
	Number     int       `json:"number"`
	ReceivedAt time.Time `json:"received_at"`
}

// DuplicateError says that the same PDF is already in the register.
type DuplicateError struct {
	Register string
	Year     int
	Number   int
	LetterID string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("this PDF is already in register %s as number %d/%d (letter %s); receive it again only if it really is a second letter (allow duplicate)",
		e.Register, e.Number, e.Year, e.LetterID)
}

// RegisterKindError says a register cannot be used for this operation.
type RegisterKindError struct{ Register, Kind, Want string }

func (e *RegisterKindError) Error() string {
	return fmt.Sprintf("register %s is a %s register; letters are received into a %s register", e.Register, e.Kind, e.Want)
}

// lockRegister locks the register row for the rest of the transaction and returns its kind.
func lockRegister(ctx context.Context, tx pgx.Tx, code string) (kind string, err error) {
	err = tx.QueryRow(ctx, `SELECT kind FROM registers WHERE code = $1 FOR UPDATE`, code).Scan(&kind)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("register %q: %w", code, ErrNotFound)
	}
	return kind, err
}

// nextNumber takes the next number of (register, series, year). The caller holds the register lock.
func nextNumber(ctx context.Context, tx pgx.Tx, register, series string, year int) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `
		INSERT INTO register_counters(register_code, series, year, last) VALUES ($1, $2, $3, 1)
		ON CONFLICT (register_code, series, year) DO UPDATE SET last = register_counters.last + 1
		RETURNING last`, register, series, year).Scan(&n)
	return n, err
}

// Audit appends an audit row inside tx; the database chains it.
func Audit(ctx context.Context, tx pgx.Tx, actor, capacity, action, subjectType, subjectID string, detail any) error {
	if capacity == "" {
		capacity = CapacityFrom(ctx)
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO audit_log(actor, capacity, action, subject_type, subject_id, detail, at, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, now(), '', '')`, actor, capacity, action, subjectType, subjectID, b)
	return err
}

func addOutbox(ctx context.Context, tx pgx.Tx, kind, letterID string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO outbox(kind, letter_id, payload) VALUES ($1, $2, $3)`, kind, letterID, b); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, NotifyChannel, letterID)
	return err
}

// ReceiveLetter registers a new letter: in one transaction it takes the next receive number of
// (register, BE year), writes the letter, its original revision, the register entry, an outbox
// row for the workflow and an audit row. Either all of it is stored or none.
//
// The register row stays locked from the first statement to the commit, so the transaction is
// sent in three round trips (lock and duplicate check; every write as one batch; commit): the
// fewer round trips under the lock, the more receipts a register takes per second.
func (db *DB) ReceiveLetter(ctx context.Context, p ReceiveParams) (Receipt, error) {
	var r Receipt
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		l := p.Letter
		b := &pgx.Batch{}
		var kind string
		b.Queue(`SELECT kind FROM registers WHERE code = $1 FOR UPDATE`, p.Register).QueryRow(func(row pgx.Row) error {
			err := row.Scan(&kind)
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("register %q: %w", p.Register, ErrNotFound)
			}
			return err
		})
		var dup *DuplicateError
		if !p.AllowDuplicate {
			b.Queue(`SELECT e.register_code, e.year, e.number, e.letter_id::text
				FROM register_entries e JOIN letters l ON l.id = e.letter_id
				WHERE e.register_code = $1 AND l.original_sha256 = $2 AND e.status = 'active'
				ORDER BY e.year DESC, e.number DESC LIMIT 1`, p.Register, l.OriginalSHA256).QueryRow(func(row pgx.Row) error {
				var d DuplicateError
				err := row.Scan(&d.Register, &d.Year, &d.Number, &d.LetterID)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil
				}
				if err == nil {
					dup = &d
				}
				return err
			})
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if kind != "receive" {
			return &RegisterKindError{Register: p.Register, Kind: kind, Want: "receive"}
		}
		if dup != nil {
			return dup
		}
		now := time.Now
		if p.Now != nil {
			now = p.Now
		}
		at := now().Truncate(time.Microsecond)
		year := beYear(at)
		r = Receipt{LetterID: l.ID, Register: p.Register, Year: year, ReceivedAt: at.In(bangkok)}

		b = &pgx.Batch{}
		b.Queue(`INSERT INTO letters(id, created_at, doc_number_raw, doc_number, doc_date, doc_date_raw, from_text, to_text,
			                    subject, urgency, secrecy, deadline, original_sha256, pages, read_state)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			l.ID, at, l.DocNumberRaw, l.DocNumber, l.DocDate, l.DocDateRaw, l.From, l.To, l.Subject,
			orDefault(l.Urgency, "normal"), orDefault(l.Secrecy, "normal"), l.Deadline, l.OriginalSHA256, l.Pages, readState(p.ReadLater))
		b.Queue(`WITH c AS (
				INSERT INTO register_counters(register_code, series, year, last) VALUES ($1, 'normal', $2, 1)
				ON CONFLICT (register_code, series, year) DO UPDATE SET last = register_counters.last + 1
				RETURNING last)
			INSERT INTO register_entries(register_code, series, year, number, letter_id, received_at, received_by, capacity, note)
			SELECT $1, 'normal', $2, c.last, $3, $4, $5, $6, $7 FROM c RETURNING id, number`,
			p.Register, year, l.ID, at, p.Actor, p.Capacity, p.Note).QueryRow(func(row pgx.Row) error {
			return row.Scan(&r.EntryID, &r.Number)
		})
		b.Queue(`INSERT INTO revisions(letter_id, seq, kind, sha256, object_key, size, created_at)
			VALUES ($1, 1, 'original', $2, $3, $4, $5)`, l.ID, l.OriginalSHA256, l.OriginalKey, l.Size, at)
		b.Queue(`INSERT INTO outbox(kind, letter_id, payload)
			SELECT $1, $2, jsonb_build_object('entry_id', id, 'read', $4::boolean) FROM register_entries WHERE register_code = $3 AND letter_id = $2`,
			OutboxReceipt, l.ID, p.Register, p.ReadLater)
		b.Queue(`SELECT pg_notify($1, $2)`, NotifyChannel, l.ID)
		b.Queue(`INSERT INTO audit_log(actor, capacity, action, subject_type, subject_id, detail, at, prev_hash, hash)
			SELECT $1, $2, 'letter.receive', 'letter', $3::text, jsonb_build_object('register', $4::text, 'year', $5::int,
				'number', e.number, 'original_sha256', $6::text, 'doc_number', $7::text, 'subject', $8::text), now(), '', ''
			FROM register_entries e WHERE e.register_code = $4 AND e.letter_id = $3::uuid`,
			p.Actor, p.Capacity, l.ID, p.Register, year, l.OriginalSHA256, l.DocNumberRaw, l.Subject)
		if p.Extracted != nil {
			detail, err := json.Marshal(p.Extracted)
			if err != nil {
				return err
			}
			b.Queue(`INSERT INTO audit_log(actor, capacity, action, subject_type, subject_id, detail, at, prev_hash, hash)
				VALUES ($1, $2, 'letter.extracted', 'letter', $3, $4, now(), '', '')`, p.Actor, p.Capacity, l.ID, detail)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return Receipt{}, err
	}
	return r, nil
}

// ReceiveAgainParams is a receipt of a letter already in the system into another register
// (the next unit down receives the same paper and stamps it again).
type ReceiveAgainParams struct {
	LetterID string
	Register string
	Actor    string
	Capacity string
	Note     string
	Now      func() time.Time
}

// ReceiveAgain gives an existing letter a number in another receive register.
func (db *DB) ReceiveAgain(ctx context.Context, p ReceiveAgainParams) (Receipt, error) {
	var r Receipt
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		kind, err := lockRegister(ctx, tx, p.Register)
		if err != nil {
			return err
		}
		if kind != "receive" {
			return &RegisterKindError{Register: p.Register, Kind: kind, Want: "receive"}
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM letters WHERE id = $1)`, p.LetterID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("letter %s: %w", p.LetterID, ErrNotFound)
		}
		var d DuplicateError
		err = tx.QueryRow(ctx, `SELECT register_code, year, number, letter_id::text FROM register_entries
			WHERE register_code = $1 AND letter_id = $2`, p.Register, p.LetterID).Scan(&d.Register, &d.Year, &d.Number, &d.LetterID)
		if err == nil {
			return &d
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		now := time.Now
		if p.Now != nil {
			now = p.Now
		}
		at := now().Truncate(time.Microsecond)
		year := beYear(at)
		n, err := nextNumber(ctx, tx, p.Register, "normal", year)
		if err != nil {
			return err
		}
		var entryID int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO register_entries(register_code, series, year, number, letter_id, received_at, received_by, capacity, note)
			VALUES ($1, 'normal', $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			p.Register, year, n, p.LetterID, at, p.Actor, p.Capacity, p.Note).Scan(&entryID); err != nil {
			return err
		}
		if err := addOutbox(ctx, tx, OutboxReceipt, p.LetterID, map[string]any{"entry_id": entryID}); err != nil {
			return err
		}
		r = Receipt{LetterID: p.LetterID, EntryID: entryID, Register: p.Register, Year: year, Number: n, ReceivedAt: at.In(bangkok)}
		return Audit(ctx, tx, p.Actor, p.Capacity, "letter.receive_again", "letter", p.LetterID, map[string]any{
			"register": p.Register, "year": year, "number": n,
		})
	})
	return r, err
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// CancelEntry marks a register entry cancelled. The number stays taken forever.
func (db *DB) CancelEntry(ctx context.Context, register string, year, number int, reason, actor string) error {
	if reason == "" {
		return errors.New("say why the entry is cancelled (--reason): the register keeps the reason")
	}
	return db.Transact(ctx, func(tx pgx.Tx) error {
		var id int64
		var status, letterID string
		err := tx.QueryRow(ctx, `SELECT id, status, letter_id::text FROM register_entries
			WHERE register_code = $1 AND year = $2 AND number = $3 AND series = 'normal' FOR UPDATE`, register, year, number).Scan(&id, &status, &letterID)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("register %s has no number %d in %d: %w", register, number, year, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if status == "cancelled" {
			return fmt.Errorf("number %d/%d of register %s is already cancelled: %w", number, year, register, ErrConflict)
		}
		if _, err := tx.Exec(ctx, `UPDATE register_entries SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2 WHERE id = $1`, id, reason); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, "", "entry.cancel", "letter", letterID, map[string]any{
			"register": register, "year": year, "number": number, "reason": reason,
		})
	})
}

// RegisterKind returns a register's kind (receive or send), or ErrNotFound.
func (db *DB) RegisterKind(ctx context.Context, code string) (string, error) {
	var kind string
	err := db.Pool.QueryRow(ctx, `SELECT kind FROM registers WHERE code = $1`, code).Scan(&kind)
	if errors.Is(err, pgx.ErrNoRows) {
		var known []string
		rows, qerr := db.Pool.Query(ctx, `SELECT code FROM registers WHERE kind = 'receive' ORDER BY code LIMIT 20`)
		if qerr == nil {
			known, _ = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		return "", fmt.Errorf("there is no register %q (receive registers: %v; see `saraban register list`): %w", code, known, ErrNotFound)
	}
	return kind, err
}

func readState(later bool) string {
	if later {
		return "pending"
	}
	return ""
}

type capacityKey struct{}

// WithCapacity records, for the audit rows written under ctx, the capacity the person acts in
// (the web application sets it for each signed-in request), so that functions that take only an
// actor still audit the capacity.
func WithCapacity(ctx context.Context, capacity string) context.Context {
	if capacity == "" {
		return ctx
	}
	return context.WithValue(ctx, capacityKey{}, capacity)
}

// CapacityFrom returns the capacity recorded by WithCapacity, or "".
func CapacityFrom(ctx context.Context) string {
	s, _ := ctx.Value(capacityKey{}).(string)
	return s
}
