package storage

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
)

// OutboxRow is a piece of work the dispatcher hands to Temporal.
type OutboxRow struct {
	ID       int64
	Kind     string
	LetterID string
	EntryID  int64
	Read     bool // the letter is to be read (OCR) after its stamp
	Attempts int
}

// ClaimOutbox hands out up to limit pending rows whose time has come, and pushes their next
// attempt lease seconds into the future so that a second dispatcher (or this one after a
// crash) picks them up only if they are not delivered by then.
func (db *DB) ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]OutboxRow, error) {
	var out []OutboxRow
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			UPDATE outbox SET next_attempt_at = now() + make_interval(secs => $2), attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= now()
			             ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
			RETURNING id, kind, letter_id::text, payload, attempts`, limit, lease.Seconds())
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutboxRow, error) {
			var o OutboxRow
			var payload []byte
			if err := r.Scan(&o.ID, &o.Kind, &o.LetterID, &payload, &o.Attempts); err != nil {
				return o, err
			}
			var p struct {
				EntryID int64 `json:"entry_id"`
				Read    bool  `json:"read"`
			}
			_ = json.Unmarshal(payload, &p)
			o.EntryID, o.Read = p.EntryID, p.Read
			return o, nil
		})
		return err
	})
	// Rows come back in id order from the sub-select but UPDATE ... RETURNING does not promise it.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].ID < out[j-1].ID; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, err
}

// OutboxDelivered marks a row done.
func (db *DB) OutboxDelivered(ctx context.Context, id int64) error {
	_, err := db.Pool.Exec(ctx, `UPDATE outbox SET delivered_at = now(), last_error = '' WHERE id = $1`, id)
	return err
}

// OutboxFailed records a failed delivery and when to try again.
func (db *DB) OutboxFailed(ctx context.Context, id int64, cause error, retryIn time.Duration) error {
	_, err := db.Pool.Exec(ctx, `UPDATE outbox SET last_error = $2, next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1`,
		id, cause.Error(), retryIn.Seconds())
	return err
}

// OutboxPending counts rows not yet delivered.
func (db *DB) OutboxPending(ctx context.Context) (int, error) {
	var n int
	err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE delivered_at IS NULL`).Scan(&n)
	return n, err
}
