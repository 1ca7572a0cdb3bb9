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

// Queries of the web application's outgoing-letter screens (web/outgoing.go): the lists of a
// person's outgoing letters, the send registers they may draft into, and the send register's
// numbers. The letters themselves are written by outgoing.go and the OutgoingLetter workflow.

// OutgoingRow is one outgoing letter in a list or in the send register.
type OutgoingRow struct {
	ID         string
	Register   string
	Unit       string // the register's unit
	Series     string // normal | circular
	Subject    string
	Status     string
	Urgency    string
	Secrecy    string
	Year       int
	Number     int
	DocNumber  string
	NumberedAt *time.Time
	Recipients []Recipient
	Reviewers  []string
	Parallel   bool
	// Approved is who approved the draft in the current review round.
	Approved     []string
	Signer       string
	SignerName   string
	SignedBy     string
	SignedByName string
	Capacity     []string
	SignedAt     *time.Time
	CreatedBy    string
	CreatorName  string
	CreatedAt    time.Time
}

const outgoingRowCols = `o.id::text, o.register_code, r.unit_code, o.series, o.subject, o.status, o.urgency, o.secrecy,
	coalesce(o.year, 0), coalesce(o.number, 0), o.doc_number, o.numbered_at, o.recipients, o.reviewers, o.parallel,
	coalesce((SELECT array_agg(DISTINCT s.actor) FROM outgoing_steps s WHERE s.outgoing_id = o.id AND s.kind = 'approve'
		AND s.round = 1 + (SELECT count(*) FROM outgoing_steps x WHERE x.outgoing_id = o.id AND x.kind = 'resubmit')), '{}'),
	o.signer, coalesce(ps.name, o.signer), coalesce(o.signed_by, ''), coalesce(pb.name, ''), o.signed_capacity, o.signed_at,
	o.created_by, coalesce(pc.name, o.created_by), o.created_at
	FROM outgoing_letters o JOIN registers r ON r.code = o.register_code
	LEFT JOIN people ps ON ps.id = o.signer LEFT JOIN people pb ON pb.id = o.signed_by LEFT JOIN people pc ON pc.id = o.created_by`

func scanOutgoingRows(rows pgx.Rows) ([]OutgoingRow, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutgoingRow, error) {
		var v OutgoingRow
		var rec, capa []byte
		err := r.Scan(&v.ID, &v.Register, &v.Unit, &v.Series, &v.Subject, &v.Status, &v.Urgency, &v.Secrecy,
			&v.Year, &v.Number, &v.DocNumber, &v.NumberedAt, &rec, &v.Reviewers, &v.Parallel, &v.Approved,
			&v.Signer, &v.SignerName, &v.SignedBy, &v.SignedByName, &capa, &v.SignedAt,
			&v.CreatedBy, &v.CreatorName, &v.CreatedAt)
		_ = json.Unmarshal(rec, &v.Recipients)
		_ = json.Unmarshal(capa, &v.Capacity)
		return v, err
	})
}

// myUnitsSQL is the units whose registers a person ($1) works with: the units they hold a
// position in and every unit below them (as for receiving: a head of a province reads what its
// offices send; a branch does not read its parent office's register).
const myUnitsSQL = `WITH RECURSIVE mine(code) AS (
		SELECT unit_code FROM positions WHERE person_id = $1
		UNION SELECT u.code FROM units u JOIN mine ON u.parent_code = mine.code)`

// OutgoingFor lists the outgoing letters that concern a person, newest first: those they drafted,
// review, are named to sign or signed; every letter awaiting signature (the caller keeps those
// the person may sign, through delegation too: policy.Engine.OutgoingActions); and the letters
// of their units' send registers sent since the given time.
func (db *DB) OutgoingFor(ctx context.Context, person string, sentSince time.Time, limit int) ([]OutgoingRow, error) {
	if limit <= 0 {
		limit = 200
	}
	rows, err := db.Pool.Query(ctx, myUnitsSQL+` SELECT `+outgoingRowCols+`
		WHERE o.created_by = $1 OR $1 = ANY(o.reviewers) OR o.signer = $1 OR o.signed_by = $1 OR o.status = 'signing'
		   OR (o.status = 'sent' AND o.signed_at >= $2 AND r.unit_code IN (SELECT code FROM mine))
		ORDER BY o.created_at DESC, o.id LIMIT $3`, person, sentSince, limit)
	if err != nil {
		return nil, err
	}
	return scanOutgoingRows(rows)
}

// SendRegistersFor lists the send registers a person may draft into and read: those of the
// units they hold a position in and of the units below them.
func (db *DB) SendRegistersFor(ctx context.Context, person string) ([]Register, error) {
	rows, err := db.Pool.Query(ctx, myUnitsSQL+` SELECT r.code, r.unit_code, u.name, r.kind, r.name, r.central, r.series
		FROM registers r JOIN units u ON u.code = r.unit_code
		WHERE r.kind = 'send' AND r.unit_code IN (SELECT code FROM mine) ORDER BY u.sort_order, r.code`, person)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Register, error) {
		var v Register
		err := r.Scan(&v.Code, &v.UnitCode, &v.UnitName, &v.Kind, &v.Name, &v.Central, &v.Series)
		return v, err
	})
}

// OutgoingLinked tells whether a person is named on an outgoing letter (drafted it, reviews it,
// is to sign or signed it) or holds a position in the unit of its send register or a unit above.
func (db *DB) OutgoingLinked(ctx context.Context, person, id string) (bool, error) {
	if _, err := uuid.Parse(id); err != nil {
		return false, nil
	}
	var ok bool
	err := db.Pool.QueryRow(ctx, myUnitsSQL+` SELECT EXISTS(SELECT 1 FROM outgoing_letters o JOIN registers r ON r.code = o.register_code
		WHERE o.id = $2 AND (o.created_by = $1 OR $1 = ANY(o.reviewers) OR o.signer = $1 OR o.signed_by = $1
			OR r.unit_code IN (SELECT code FROM mine)))`, person, id).Scan(&ok)
	return ok, err
}

// OutgoingNamed tells whether a person is named on an outgoing letter: drafted, reviews, is to
// sign or signed it.
func (db *DB) OutgoingNamed(ctx context.Context, person, id string) (bool, error) {
	if _, err := uuid.Parse(id); err != nil {
		return false, nil
	}
	var ok bool
	err := db.Pool.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM outgoing_letters o WHERE o.id = $2
		AND (o.created_by = $1 OR $1 = ANY(o.reviewers) OR o.signer = $1 OR o.signed_by = $1))`, person, id).Scan(&ok)
	return ok, err
}

// SendRegisterRows lists the numbers a send register gave in a BE year: the normal series in
// number order, then the circular (ว) series.
func (db *DB) SendRegisterRows(ctx context.Context, register string, year int) ([]OutgoingRow, error) {
	kind, err := db.RegisterKind(ctx, register)
	if err != nil {
		return nil, err
	}
	if kind != "send" {
		return nil, fmt.Errorf("register %s is a %s register, not a send register: %w", register, kind, ErrInvalid)
	}
	rows, err := db.Pool.Query(ctx, `SELECT `+outgoingRowCols+`
		WHERE o.register_code = $1 AND o.year = $2 AND o.number IS NOT NULL
		ORDER BY o.series = 'circular', o.number`, register, year)
	if err != nil {
		return nil, err
	}
	return scanOutgoingRows(rows)
}

// SendRegisterYears lists the BE years in which a send register gave numbers, newest first.
func (db *DB) SendRegisterYears(ctx context.Context, register string) ([]int, error) {
	rows, err := db.Pool.Query(ctx, `SELECT DISTINCT year FROM outgoing_letters WHERE register_code = $1 AND year IS NOT NULL ORDER BY year DESC`, register)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

// OutgoingAudit writes one audit row in its own transaction, for a web action whose use case does
// not record the capacity the person acted in (the placement asked for a signature, an export).
func (db *DB) OutgoingAudit(ctx context.Context, actor, capacity, action, subjectKind, subject string, detail map[string]any) error {
	if actor == "" {
		return errors.New("an audited action needs its actor")
	}
	return db.Transact(ctx, func(tx pgx.Tx) error {
		return Audit(ctx, tx, actor, capacity, action, subjectKind, subject, detail)
	})
}
