package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuditRow is one row of the audit log.
type AuditRow struct {
	ID          int64     `json:"id"`
	At          time.Time `json:"at"`
	Actor       string    `json:"actor"`
	Capacity    string    `json:"capacity,omitempty"`
	Action      string    `json:"action"`
	SubjectType string    `json:"subject_type,omitempty"`
	SubjectID   string    `json:"subject_id,omitempty"`
	Detail      string    `json:"detail"`
	PrevHash    string    `json:"prev_hash"`
	Hash        string    `json:"hash"`
}

// AuditCanonical is the text whose SHA-256 is a row's hash; it must match the SQL function
// audit_canonical of the schema.
func AuditCanonical(prev string, r AuditRow) string {
	return strings.Join([]string{prev, strconv.FormatInt(r.ID, 10),
		r.At.UTC().Format("2006-01-02T15:04:05.000000Z"), r.Actor, r.Capacity, r.Action,
		r.SubjectType, r.SubjectID, r.Detail}, "|")
}

// AuditReport is the result of checking the chain.
type AuditReport struct {
	Rows      int64  `json:"rows"`
	OK        bool   `json:"ok"`
	BrokenID  int64  `json:"broken_id,omitempty"`
	Problem   string `json:"problem,omitempty"`
	FirstHash string `json:"first_hash,omitempty"`
	LastHash  string `json:"last_hash,omitempty"`
}

// VerifyAudit recomputes the hash chain in Go and names the first row that does not match.
func (db *DB) VerifyAudit(ctx context.Context) (AuditReport, error) {
	rep := AuditReport{OK: true}
	rows, err := db.Pool.Query(ctx, `SELECT id, at, actor, capacity, action, subject_type, subject_id, detail::text, prev_hash, hash
		FROM audit_log ORDER BY id`)
	if err != nil {
		return rep, err
	}
	defer rows.Close()
	prev := strings.Repeat("0", 64)
	for rows.Next() {
		var r AuditRow
		if err := rows.Scan(&r.ID, &r.At, &r.Actor, &r.Capacity, &r.Action, &r.SubjectType, &r.SubjectID, &r.Detail, &r.PrevHash, &r.Hash); err != nil {
			return rep, err
		}
		rep.Rows++
		if rep.FirstHash == "" {
			rep.FirstHash = r.Hash
		}
		if rep.OK {
			sum := sha256.Sum256([]byte(AuditCanonical(prev, r)))
			want := hex.EncodeToString(sum[:])
			switch {
			case r.PrevHash != prev:
				rep.OK, rep.BrokenID = false, r.ID
				rep.Problem = fmt.Sprintf("row %d does not follow row before it (a row was removed or inserted)", r.ID)
			case r.Hash != want:
				rep.OK, rep.BrokenID = false, r.ID
				rep.Problem = fmt.Sprintf("row %d was changed after it was written (its hash does not match its content)", r.ID)
			}
		}
		prev = r.Hash
		rep.LastHash = r.Hash
	}
	return rep, rows.Err()
}

// AuditFor lists the audit rows of one subject, oldest first.
func (db *DB) AuditFor(ctx context.Context, subjectType, subjectID string) ([]AuditRow, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, at, actor, capacity, action, subject_type, subject_id, detail::text, prev_hash, hash
		FROM audit_log WHERE subject_type = $1 AND subject_id = $2 ORDER BY id`, subjectType, subjectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditRow
	for rows.Next() {
		var r AuditRow
		if err := rows.Scan(&r.ID, &r.At, &r.Actor, &r.Capacity, &r.Action, &r.SubjectType, &r.SubjectID, &r.Detail, &r.PrevHash, &r.Hash); err != nil {
			return nil, err
		}
		r.At = r.At.In(bangkok)
		out = append(out, r)
	}
	return out, rows.Err()
}
