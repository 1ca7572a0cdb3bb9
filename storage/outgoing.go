package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/saraban/saraban/domain"
)

// Outgoing letter statuses.
const (
	OutgoingReview   = "review"
	OutgoingReturned = "returned"
	OutgoingSigning  = "signing"
	OutgoingSigned   = "signed"
	OutgoingSent     = "sent"
)

// Recipient is one addressee of an outgoing letter: a unit of this installation or an e-mail address.
type Recipient struct {
	Unit  string `json:"unit,omitempty"`
	Email string `json:"email,omitempty"`
}

// Key is the unit code or the address.
func (r Recipient) Key() string {
	if r.Unit != "" {
		return r.Unit
	}
	return r.Email
}

// NewOutgoing is a new outgoing letter with its first draft (already stored in the object store).
type NewOutgoing struct {
	ID         string
	Register   string
	Circular   bool
	Subject    string
	Recipients []Recipient
	Signer     string
	Reviewers  []string
	Parallel   bool
	Urgency    string
	Secrecy    string
	CreatedBy  string
	DraftSHA   string
	DraftKey   string
	DraftSize  int64
}

// OutgoingRevision is one version of the outgoing PDF.
type OutgoingRevision struct {
	Seq       int       `json:"seq"`
	Kind      string    `json:"kind"` // draft | numbered | signed
	SHA256    string    `json:"sha256"`
	ObjectKey string    `json:"object_key"`
	Size      int64     `json:"size"`
	CreatedBy string    `json:"created_by"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// OutgoingStep is a recorded review or signing step.
type OutgoingStep struct {
	Round int       `json:"round"`
	Kind  string    `json:"kind"`
	Actor string    `json:"actor"`
	Note  string    `json:"note,omitempty"`
	At    time.Time `json:"at"`
}

// OutgoingDelivery is where a signed letter went.
type OutgoingDelivery struct {
	Recipient string `json:"recipient"`
	Kind      string `json:"kind"` // unit | email
	LetterID  string `json:"letter_id,omitempty"`
	Register  string `json:"register,omitempty"`
	Number    int    `json:"number,omitempty"`
	Year      int    `json:"year,omitempty"`
	Status    string `json:"status"`
	Error     string `json:"error,omitempty"`
	// Attempts, MessageID and SentAt are kept for e-mail deliveries: how many times the
	// address was tried, the Message-ID the letter carried, when the server accepted it.
	Attempts  int        `json:"attempts,omitempty"`
	MessageID string     `json:"message_id,omitempty"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// Outgoing is an outgoing letter as stored.
type Outgoing struct {
	ID             string             `json:"id"`
	Register       string             `json:"register"`
	Series         string             `json:"series"`
	Subject        string             `json:"subject"`
	Recipients     []Recipient        `json:"recipients"`
	Signer         string             `json:"signer"`
	Reviewers      []string           `json:"reviewers"`
	Parallel       bool               `json:"parallel"`
	Urgency        string             `json:"urgency"`
	Secrecy        string             `json:"secrecy"`
	CreatedBy      string             `json:"created_by"`
	CreatedAt      time.Time          `json:"created_at"`
	Status         string             `json:"status"`
	Year           int                `json:"year,omitempty"`
	Number         int                `json:"number,omitempty"`
	DocNumber      string             `json:"doc_number,omitempty"`
	SignedBy       string             `json:"signed_by,omitempty"`
	SignedCapacity []string           `json:"signed_capacity,omitempty"`
	SignedAt       *time.Time         `json:"signed_at,omitempty"`
	Unit           string             `json:"unit"`
	UnitName       string             `json:"unit_name"`
	Revisions      []OutgoingRevision `json:"revisions"`
	Steps          []OutgoingStep     `json:"steps"`
	Deliveries     []OutgoingDelivery `json:"deliveries"`
}

// Latest is the newest revision.
func (o Outgoing) Latest() OutgoingRevision {
	if len(o.Revisions) == 0 {
		return OutgoingRevision{}
	}
	return o.Revisions[len(o.Revisions)-1]
}

// CreateOutgoing stores a new outgoing letter and its first draft. It refuses a register that is
// not a send register, a circular in a register without that series, ลับที่สุด (top secret
// letters never go through the system), unknown people and unknown units.
func (db *DB) CreateOutgoing(ctx context.Context, n NewOutgoing) (Outgoing, error) {
	if n.ID == "" {
		n.ID = uuid.NewString()
	}
	if strings.TrimSpace(n.Subject) == "" {
		return Outgoing{}, errors.New("an outgoing letter needs a subject")
	}
	if strings.TrimSpace(n.Secrecy) != "" {
		sec, err := domain.ParseSecrecy(n.Secrecy)
		if err != nil {
			return Outgoing{}, fmt.Errorf("secrecy: %w", err)
		}
		n.Secrecy = sec.String()
	}
	if n.Secrecy == "top_secret" {
		return Outgoing{}, fmt.Errorf("a ลับที่สุด (top secret) letter never goes through the electronic system: %w", ErrForbidden)
	}
	if len(n.Recipients) == 0 {
		return Outgoing{}, errors.New("an outgoing letter needs at least one recipient (--to)")
	}
	series := "normal"
	if n.Circular {
		series = "circular"
	}
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var kind string
		var allowed []string
		err := tx.QueryRow(ctx, `SELECT kind, series FROM registers WHERE code = $1`, n.Register).Scan(&kind, &allowed)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("register %q: %w", n.Register, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if kind != "send" {
			return &RegisterKindError{Register: n.Register, Kind: kind, Want: "send"}
		}
		ok := false
		for _, s := range allowed {
			ok = ok || s == series
		}
		if !ok {
			return fmt.Errorf("register %s has no %s series (it has %v)", n.Register, series, allowed)
		}
		people := append([]string{n.Signer, n.CreatedBy}, n.Reviewers...)
		for _, p := range people {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM people WHERE id = $1 AND active)`, p).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return fmt.Errorf("person %q: %w", p, ErrNotFound)
			}
		}
		for _, r := range n.Recipients {
			if r.Unit == "" {
				if !strings.Contains(r.Email, "@") {
					return fmt.Errorf("recipient %q is neither a unit nor an e-mail address", r.Email)
				}
				if n.Secrecy == "confidential" || n.Secrecy == "secret" {
					return fmt.Errorf("a classified (%s) letter is not sent by e-mail (%s): send it to units of this installation, or on paper: %w",
						n.Secrecy, r.Email, ErrForbidden)
				}
				continue
			}
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM registers WHERE unit_code = $1 AND kind = 'receive')`, r.Unit).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return fmt.Errorf("unit %q has no receive register: %w", r.Unit, ErrNotFound)
			}
		}
		rec, _ := json.Marshal(n.Recipients)
		status := OutgoingReview
		if len(n.Reviewers) == 0 {
			status = OutgoingSigning
		}
		if n.Reviewers == nil {
			n.Reviewers = []string{}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO outgoing_letters(id, register_code, series, subject, recipients, signer, reviewers, parallel,
				urgency, secrecy, created_by, status) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
			n.ID, n.Register, series, n.Subject, rec, n.Signer, n.Reviewers, n.Parallel,
			orDefault(n.Urgency, "normal"), orDefault(n.Secrecy, "normal"), n.CreatedBy, status); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO outgoing_revisions(outgoing_id, seq, kind, sha256, object_key, size, created_by)
			VALUES ($1, 1, 'draft', $2, $3, $4, $5)`, n.ID, n.DraftSHA, n.DraftKey, n.DraftSize, n.CreatedBy); err != nil {
			return err
		}
		return Audit(ctx, tx, n.CreatedBy, "", "outgoing.create", "outgoing", n.ID, map[string]any{
			"register": n.Register, "series": series, "subject": n.Subject, "draft_sha256": n.DraftSHA,
		})
	})
	if err != nil {
		return Outgoing{}, err
	}
	return db.GetOutgoing(ctx, n.ID)
}

// GetOutgoing loads an outgoing letter with its revisions, steps and deliveries.
func (db *DB) GetOutgoing(ctx context.Context, id string) (Outgoing, error) {
	var o Outgoing
	if _, err := uuid.Parse(id); err != nil {
		return o, fmt.Errorf("outgoing letter %q: %w", id, ErrNotFound)
	}
	var rec, capa []byte
	var year, number *int
	var signedBy *string
	err := db.Pool.QueryRow(ctx, `SELECT o.id::text, o.register_code, o.series, o.subject, o.recipients, o.signer, o.reviewers, o.parallel,
			o.urgency, o.secrecy, o.created_by, o.created_at, o.status, o.year, o.number, o.doc_number, o.signed_by, o.signed_capacity,
			o.signed_at, r.unit_code, u.name
		FROM outgoing_letters o JOIN registers r ON r.code = o.register_code JOIN units u ON u.code = r.unit_code WHERE o.id = $1`, id).
		Scan(&o.ID, &o.Register, &o.Series, &o.Subject, &rec, &o.Signer, &o.Reviewers, &o.Parallel, &o.Urgency, &o.Secrecy,
			&o.CreatedBy, &o.CreatedAt, &o.Status, &year, &number, &o.DocNumber, &signedBy, &capa, &o.SignedAt, &o.Unit, &o.UnitName)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, fmt.Errorf("outgoing letter %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return o, err
	}
	_ = json.Unmarshal(rec, &o.Recipients)
	_ = json.Unmarshal(capa, &o.SignedCapacity)
	if year != nil {
		o.Year = *year
	}
	if number != nil {
		o.Number = *number
	}
	if signedBy != nil {
		o.SignedBy = *signedBy
	}
	rows, err := db.Pool.Query(ctx, `SELECT seq, kind, sha256, object_key, size, created_by, note, created_at FROM outgoing_revisions
		WHERE outgoing_id = $1 ORDER BY seq`, id)
	if err != nil {
		return o, err
	}
	o.Revisions, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutgoingRevision, error) {
		var v OutgoingRevision
		err := r.Scan(&v.Seq, &v.Kind, &v.SHA256, &v.ObjectKey, &v.Size, &v.CreatedBy, &v.Note, &v.CreatedAt)
		return v, err
	})
	if err != nil {
		return o, err
	}
	rows, err = db.Pool.Query(ctx, `SELECT round, kind, actor, note, at FROM outgoing_steps WHERE outgoing_id = $1 ORDER BY id`, id)
	if err != nil {
		return o, err
	}
	o.Steps, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutgoingStep, error) {
		var v OutgoingStep
		err := r.Scan(&v.Round, &v.Kind, &v.Actor, &v.Note, &v.At)
		return v, err
	})
	if err != nil {
		return o, err
	}
	rows, err = db.Pool.Query(ctx, `SELECT d.recipient, d.kind, coalesce(d.letter_id::text, ''), coalesce(e.register_code, ''),
			coalesce(e.number, 0), coalesce(e.year, 0), d.status, d.error, d.attempts, d.message_id, d.sent_at
		FROM outgoing_deliveries d LEFT JOIN register_entries e ON e.id = d.entry_id WHERE d.outgoing_id = $1 ORDER BY d.recipient`, id)
	if err != nil {
		return o, err
	}
	o.Deliveries, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutgoingDelivery, error) {
		var v OutgoingDelivery
		err := r.Scan(&v.Recipient, &v.Kind, &v.LetterID, &v.Register, &v.Number, &v.Year, &v.Status, &v.Error, &v.Attempts, &v.MessageID, &v.SentAt)
		return v, err
	})
	return o, err
}

// OutgoingStepParams records one review step; RequestID makes a retry a no-op.
type OutgoingStepParams struct {
	ID        string
	RequestID string
	Round     int
	Kind      string // approve | return | resubmit | sign
	Actor     string
	Note      string
	At        time.Time
	// Status, when set, becomes the letter's status.
	Status string
	// Draft, when set, is a new draft revision (a return with a corrected draft, or a resubmit).
	Draft *OutgoingRevision
}

// RecordOutgoingStep records a review step, a new draft and a status change in one transaction.
// It reports replayed when the request id was recorded already.
func (db *DB) RecordOutgoingStep(ctx context.Context, p OutgoingStepParams) (replayed bool, err error) {
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		replayed = false
		tag, err := tx.Exec(ctx, `INSERT INTO outgoing_steps(outgoing_id, request_id, round, kind, actor, note, at)
			VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (outgoing_id, request_id) DO NOTHING`,
			p.ID, p.RequestID, p.Round, p.Kind, p.Actor, p.Note, p.At)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			replayed = true
			return nil
		}
		if p.Draft != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO outgoing_revisions(outgoing_id, seq, kind, sha256, object_key, size, created_by, note)
				SELECT $1, coalesce(max(seq), 0) + 1, 'draft', $2, $3, $4, $5, $6 FROM outgoing_revisions WHERE outgoing_id = $1`,
				p.ID, p.Draft.SHA256, p.Draft.ObjectKey, p.Draft.Size, p.Actor, p.Note); err != nil {
				return err
			}
		}
		if p.Status != "" {
			if _, err := tx.Exec(ctx, `UPDATE outgoing_letters SET status = $2 WHERE id = $1`, p.ID, p.Status); err != nil {
				return err
			}
		}
		return Audit(ctx, tx, p.Actor, "", "outgoing."+p.Kind, "outgoing", p.ID, map[string]any{"round": p.Round, "note": p.Note, "status": p.Status})
	})
	return replayed, err
}

// SendNumber is the number an outgoing letter took from its send register.
type SendNumber struct {
	Register  string    `json:"register"`
	Series    string    `json:"series"`
	Year      int       `json:"year"`
	Number    int       `json:"number"`
	DocNumber string    `json:"doc_number"` // สข 0020/15 or สข 0020/ว 7, Arabic digits
	At        time.Time `json:"at"`
}

// TakeSendNumber gives the letter the next number of (register, series, BE year), once: a second
// call returns the number already taken. The counter row is incremented in the same transaction
// as the letter row is written, so numbers have no gaps.
func (db *DB) TakeSendNumber(ctx context.Context, id string, now func() time.Time) (SendNumber, error) {
	var s SendNumber
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var year, number *int
		var numberedAt *time.Time
		err := tx.QueryRow(ctx, `SELECT register_code, series, year, number, doc_number, numbered_at FROM outgoing_letters WHERE id = $1`, id).
			Scan(&s.Register, &s.Series, &year, &number, &s.DocNumber, &numberedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("outgoing letter %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if number != nil {
			s.Year, s.Number, s.At = *year, *number, numberedAt.In(bangkok)
			return nil
		}
		if _, err := lockRegister(ctx, tx, s.Register); err != nil {
			return err
		}
		// Another transaction may have numbered it while this one waited for the lock.
		if err := tx.QueryRow(ctx, `SELECT year, number, doc_number, numbered_at FROM outgoing_letters WHERE id = $1`, id).
			Scan(&year, &number, &s.DocNumber, &numberedAt); err != nil {
			return err
		}
		if number != nil {
			s.Year, s.Number, s.At = *year, *number, numberedAt.In(bangkok)
			return nil
		}
		var letters, owner string
		if err := tx.QueryRow(ctx, `WITH RECURSIVE up(code, parent, owner, depth) AS (
				SELECT u.code, u.parent_code, u.owner_code, 0 FROM units u JOIN registers r ON r.unit_code = u.code WHERE r.code = $1
				UNION ALL SELECT u.code, u.parent_code, u.owner_code, up.depth + 1 FROM units u JOIN up ON u.code = up.parent)
			SELECT a.letters, coalesce((SELECT owner FROM up WHERE owner <> '' ORDER BY depth LIMIT 1), '')
			FROM registers r JOIN units u ON u.code = r.unit_code JOIN agencies a ON a.code = u.agency_code WHERE r.code = $1`, s.Register).
			Scan(&letters, &owner); err != nil {
			return err
		}
		if now == nil {
			now = time.Now
		}
		at := now().Truncate(time.Microsecond)
		s.Year = beYear(at)
		s.At = at.In(bangkok)
		n, err := nextNumber(ctx, tx, s.Register, s.Series, s.Year)
		if err != nil {
			return err
		}
		s.Number = n
		s.DocNumber = FormatSendNumber(letters, owner, s.Series == "circular", n)
		if _, err := tx.Exec(ctx, `UPDATE outgoing_letters SET year = $2, number = $3, doc_number = $4, numbered_at = $5 WHERE id = $1`,
			id, s.Year, n, s.DocNumber, at); err != nil {
			return err
		}
		return Audit(ctx, tx, "system:outgoing", "", "outgoing.number", "outgoing", id, map[string]any{
			"register": s.Register, "series": s.Series, "year": s.Year, "number": n, "doc_number": s.DocNumber,
		})
	})
	return s, err
}

// FormatSendNumber writes a send number: "สข 0020/15", a circular "สข 0020/ว 15".
func FormatSendNumber(letters, owner string, circular bool, n int) string {
	head := strings.TrimSpace(letters + " " + owner)
	if circular {
		return fmt.Sprintf("%s/ว %d", head, n)
	}
	return fmt.Sprintf("%s/%d", head, n)
}

// AddOutgoingRevision records the numbered or signed revision; there is at most one of each, so
// a retry returns the one recorded.
func (db *DB) AddOutgoingRevision(ctx context.Context, id, kind, sha, key string, size int64, actor string) (OutgoingRevision, error) {
	var r OutgoingRevision
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT seq, kind, sha256, object_key, size, created_by, note, created_at FROM outgoing_revisions
			WHERE outgoing_id = $1 AND kind = $2 AND kind <> 'draft'`, id, kind).
			Scan(&r.Seq, &r.Kind, &r.SHA256, &r.ObjectKey, &r.Size, &r.CreatedBy, &r.Note, &r.CreatedAt)
		if err == nil {
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO outgoing_revisions(outgoing_id, seq, kind, sha256, object_key, size, created_by)
			SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6 FROM outgoing_revisions WHERE outgoing_id = $1
			RETURNING seq, kind, sha256, object_key, size, created_by, note, created_at`, id, kind, sha, key, size, actor).
			Scan(&r.Seq, &r.Kind, &r.SHA256, &r.ObjectKey, &r.Size, &r.CreatedBy, &r.Note, &r.CreatedAt)
	})
	return r, err
}

// RecordOutgoingSigned marks the letter signed by person in the given capacity.
func (db *DB) RecordOutgoingSigned(ctx context.Context, id, person string, capacity []string, at time.Time, sha string) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		c, _ := json.Marshal(capacity)
		tag, err := tx.Exec(ctx, `UPDATE outgoing_letters SET status = 'signed', signed_by = $2, signed_capacity = $3, signed_at = $4
			WHERE id = $1 AND signed_at IS NULL`, id, person, c, at)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return Audit(ctx, tx, person, strings.Join(capacity, "\n"), "outgoing.sign", "outgoing", id, map[string]any{"sha256": sha})
	})
}

// SetOutgoingStatus sets the status (sent after dispatch).
func (db *DB) SetOutgoingStatus(ctx context.Context, id, status string) error {
	_, err := db.Pool.Exec(ctx, `UPDATE outgoing_letters SET status = $2 WHERE id = $1`, id, status)
	return err
}

// DeliverToUnit gives a unit of this installation the signed letter as an incoming letter, in one
// transaction (like ForwardCopy): a letter with the outgoing letter's number, date and subject,
// the signed PDF as its original revision, an entry with its own number in the unit's receive
// register, an outbox row (its own IncomingLetter workflow and receive stamp), a notification
// for the unit's head, the delivery row and the audit row. A rerun returns the copy made.
func (db *DB) DeliverToUnit(ctx context.Context, id, unit string, now func() time.Time) (OutgoingDelivery, error) {
	d := OutgoingDelivery{Recipient: unit, Kind: "unit"}
	o, err := db.GetOutgoing(ctx, id)
	if err != nil {
		return d, err
	}
	var signed *OutgoingRevision
	for i := range o.Revisions {
		if o.Revisions[i].Kind == "signed" {
			signed = &o.Revisions[i]
		}
	}
	if signed == nil || o.Number == 0 {
		return d, fmt.Errorf("outgoing letter %s is not signed yet", id)
	}
	register, err := db.ReceiveRegisterOf(ctx, unit)
	if err != nil {
		return d, err
	}
	var toName string
	_ = db.Pool.QueryRow(ctx, `SELECT name FROM units WHERE code = $1`, unit).Scan(&toName)
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		var letterID *string
		err := tx.QueryRow(ctx, `SELECT d.letter_id::text, e.register_code, e.number, e.year, d.status FROM outgoing_deliveries d
			LEFT JOIN register_entries e ON e.id = d.entry_id WHERE d.outgoing_id = $1 AND d.recipient = $2`, id, unit).
			Scan(&letterID, &d.Register, &d.Number, &d.Year, &d.Status)
		if err == nil && letterID != nil {
			d.LetterID = *letterID
			return nil
		} else if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if _, err := lockRegister(ctx, tx, register); err != nil {
			return err
		}
		if now == nil {
			now = time.Now
		}
		at := now().Truncate(time.Microsecond)
		year := beYear(at)
		n, err := nextNumber(ctx, tx, register, "normal", year)
		if err != nil {
			return err
		}
		lid := uuid.NewString()
		var docDate *time.Time
		if o.SignedAt != nil {
			t := o.SignedAt.In(bangkok)
			dd := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			docDate = &dd
		}
		if _, err := tx.Exec(ctx, `INSERT INTO letters(id, created_at, doc_number_raw, doc_number, doc_date, from_text, to_text,
				subject, urgency, secrecy, original_sha256)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			lid, at, "ที่ "+o.DocNumber, o.DocNumber, docDate, o.UnitName, toName, o.Subject, o.Urgency, o.Secrecy, signed.SHA256); err != nil {
			return err
		}
		var entryID int64
		if err := tx.QueryRow(ctx, `INSERT INTO register_entries(register_code, series, year, number, letter_id, received_at, received_by, note)
			VALUES ($1, 'normal', $2, $3, $4, $5, 'system:outgoing', $6) RETURNING id`, register, year, n, lid, at,
			fmt.Sprintf("sent from %s (%s)", o.Register, o.DocNumber)).Scan(&entryID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO revisions(letter_id, seq, kind, sha256, object_key, size, created_at)
			VALUES ($1, 1, 'original', $2, $3, $4, $5)`, lid, signed.SHA256, signed.ObjectKey, signed.Size, at); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO outgoing_deliveries(outgoing_id, recipient, kind, letter_id, entry_id, status, at)
			VALUES ($1, $2, 'unit', $3, $4, 'delivered', $5)
			ON CONFLICT (outgoing_id, recipient) DO UPDATE SET letter_id = $3, entry_id = $4, status = 'delivered', error = '', at = $5`,
			id, unit, lid, entryID, at); err != nil {
			return err
		}
		if err := addOutbox(ctx, tx, OutboxReceipt, lid, map[string]any{"entry_id": entryID}); err != nil {
			return err
		}
		if head, _, err := db.UnitHead(ctx, unit); err == nil {
			who := head.ID
			if sub, ok, err := db.ActingFor(ctx, who, at); err == nil && ok {
				who = sub
			}
			if _, _, err := AddNotification(ctx, tx, NewNotification{PersonID: who, LetterID: &lid, Kind: "received",
				EventKey: fmt.Sprintf("outgoing/%s/%s", id, unit), Title: "หนังสือเข้า: " + o.Subject}); err != nil {
				return err
			}
		}
		d = OutgoingDelivery{Recipient: unit, Kind: "unit", LetterID: lid, Register: register, Number: n, Year: year, Status: "delivered"}
		return Audit(ctx, tx, "system:outgoing", "", "outgoing.deliver", "letter", lid, map[string]any{
			"outgoing": id, "doc_number": o.DocNumber, "unit": unit, "register": register, "year": year, "number": n,
		})
	})
	return d, err
}

// RecordEmailDelivery records the outcome of sending the signed letter to an address.
func (db *DB) RecordEmailDelivery(ctx context.Context, id, address, status, errText string) error {
	_, err := db.Pool.Exec(ctx, `INSERT INTO outgoing_deliveries(outgoing_id, recipient, kind, status, error) VALUES ($1, $2, 'email', $3, $4)
		ON CONFLICT (outgoing_id, recipient) DO UPDATE SET status = $3, error = $4, at = now()`, id, address, status, errText)
	return err
}

// QueueEmailDelivery makes the delivery row of an address (status pending) unless it exists,
// so that a row already sent or failed keeps its state.
func (db *DB) QueueEmailDelivery(ctx context.Context, id, address string) (OutgoingDelivery, error) {
	if _, err := db.Pool.Exec(ctx, `INSERT INTO outgoing_deliveries(outgoing_id, recipient, kind, status) VALUES ($1, $2, 'email', 'pending')
		ON CONFLICT (outgoing_id, recipient) DO NOTHING`, id, address); err != nil {
		return OutgoingDelivery{}, err
	}
	return db.emailDelivery(ctx, id, address)
}

func (db *DB) emailDelivery(ctx context.Context, id, address string) (OutgoingDelivery, error) {
	d := OutgoingDelivery{Recipient: address}
	err := db.Pool.QueryRow(ctx, `SELECT kind, status, error, attempts, message_id, sent_at FROM outgoing_deliveries
		WHERE outgoing_id = $1 AND recipient = $2`, id, address).Scan(&d.Kind, &d.Status, &d.Error, &d.Attempts, &d.MessageID, &d.SentAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, fmt.Errorf("delivery of outgoing letter %s to %s: %w", id, address, ErrNotFound)
	}
	return d, err
}

// RecordEmailAttempt records one try to mail the signed letter to an address: sent (status
// delivered, sent_at set, the error cleared) or not (status failed with the error). It counts
// the attempt and returns the row as it is now. A row already delivered stays delivered: a
// late failure report of a concurrent try does not undo a success.
func (db *DB) RecordEmailAttempt(ctx context.Context, id, address, messageID string, sent bool, errText string) (OutgoingDelivery, error) {
	var d OutgoingDelivery
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		status := "failed"
		if sent {
			status, errText = "delivered", ""
		}
		d = OutgoingDelivery{Recipient: address, Kind: "email"}
		if err := tx.QueryRow(ctx, `INSERT INTO outgoing_deliveries(outgoing_id, recipient, kind, status, error, attempts, message_id, sent_at, at)
				VALUES ($1, $2, 'email', $3, $4, 1, $5, CASE WHEN $3 = 'delivered' THEN now() END, now())
			ON CONFLICT (outgoing_id, recipient) DO UPDATE SET
				attempts = outgoing_deliveries.attempts + 1, message_id = $5, at = now(),
				status = CASE WHEN outgoing_deliveries.status = 'delivered' THEN 'delivered' ELSE $3 END,
				error = CASE WHEN outgoing_deliveries.status = 'delivered' THEN '' ELSE $4 END,
				sent_at = CASE WHEN outgoing_deliveries.status = 'delivered' THEN outgoing_deliveries.sent_at
					WHEN $3 = 'delivered' THEN now() END
			RETURNING status, error, attempts, message_id, sent_at`, id, address, status, errText, messageID).
			Scan(&d.Status, &d.Error, &d.Attempts, &d.MessageID, &d.SentAt); err != nil {
			return err
		}
		action := "outgoing.email.sent"
		if !sent {
			action = "outgoing.email.failed"
		}
		return Audit(ctx, tx, "system:outgoing", "", action, "outgoing", id, map[string]any{
			"address": address, "attempt": d.Attempts, "message_id": messageID, "error": errText,
		})
	})
	return d, err
}
