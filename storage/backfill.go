package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// backfillNamespace makes backfilled letter ids deterministic: UUIDv5 of "register/year/number",
// so a resumed or repeated run recognises the rows it already wrote.
var backfillNamespace = uuid.MustParse("6f1c9a52-2d0e-5b7a-9c1e-736172616261")

// BackfillLetterID is the id a backfilled letter gets.
func BackfillLetterID(register string, year, number int) string {
	return uuid.NewSHA1(backfillNamespace, fmt.Appendf(nil, "%s/%d/%d", register, year, number)).String()
}

// BackfillRow is one historical register line ready to be written.
type BackfillRow struct {
	LetterID       string
	Year, Number   int
	ReceivedAt     time.Time
	DocNumberRaw   string
	DocNumber      string
	DocDate        *time.Time
	DocDateRaw     string
	From, To       string
	Subject        string
	Urgency        string
	Secrecy        string
	Deadline       *time.Time
	LetterStatus   string // open | closed
	Cancelled      bool
	CancelReason   string
	Action, Note   string
	OriginalSHA256 string // "" when the row has no file
	OriginalKey    string
	Size           int64
	Pages          int
}

// BackfillBatchResult says what one batch wrote.
type BackfillBatchResult struct {
	Written   int // rows written now
	Present   int // rows already there from an earlier run
	Workflows int // outbox rows added (open letters)
}

// CheckBackfillRegister checks that register exists and is a receive register.
func (db *DB) CheckBackfillRegister(ctx context.Context, register string) error {
	kind, err := db.RegisterKind(ctx, register)
	if err != nil {
		return err
	}
	if kind != "receive" {
		return &RegisterKindError{Register: register, Kind: kind, Want: "receive"}
	}
	return nil
}

// BackfillKey is a (year, number) place in a register.
type BackfillKey struct{ Year, Number int }

// BackfillTaken returns, of the given places, those already taken in the register, with the
// letter that holds each, so that the caller can tell its own earlier import (the deterministic
// id) from a clash with a different letter.
func (db *DB) BackfillTaken(ctx context.Context, register string, keys []BackfillKey) (map[BackfillKey]string, error) {
	years := make([]int32, len(keys))
	nums := make([]int32, len(keys))
	for i, k := range keys {
		years[i], nums[i] = int32(k.Year), int32(k.Number)
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT e.year, e.number, e.letter_id::text FROM register_entries e
		JOIN unnest($2::int[], $3::int[]) AS k(year, number) ON e.year = k.year AND e.number = k.number
		WHERE e.register_code = $1 AND e.series = 'normal'`, register, years, nums)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[BackfillKey]string{}
	for rows.Next() {
		var k BackfillKey
		var id string
		if err := rows.Scan(&k.Year, &k.Number, &id); err != nil {
			return nil, err
		}
		out[k] = id
	}
	return out, rows.Err()
}

// BackfillBatch writes a batch of historical rows into a receive register in one transaction,
// under the register lock that live intake takes: letters, original revisions, entries (cancelled
// ones keep their number), an outbox 'receipt' row for every open letter (the dispatcher starts
// IncomingLetter), the counters of each year moved past the highest number written, and one
// audit row. Rows already present from an earlier run (same deterministic letter id) are left
// as they are, so a batch may be replayed.
func (db *DB) BackfillBatch(ctx context.Context, register, actor string, rows []BackfillRow) (BackfillBatchResult, error) {
	var res BackfillBatchResult
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		res = BackfillBatchResult{}
		kind, err := lockRegister(ctx, tx, register)
		if err != nil {
			return err
		}
		if kind != "receive" {
			return &RegisterKindError{Register: register, Kind: kind, Want: "receive"}
		}
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.LetterID
		}
		present := map[string]bool{}
		q, err := tx.Query(ctx, `SELECT id::text FROM letters WHERE id = ANY($1::uuid[])`, ids)
		if err != nil {
			return err
		}
		for q.Next() {
			var id string
			if err := q.Scan(&id); err != nil {
				q.Close()
				return err
			}
			present[id] = true
		}
		q.Close()
		if err := q.Err(); err != nil {
			return err
		}
		var (
			lid, docRaw, docNo, docDateRaw, from, to, subject, urg, sec, status, sha []string
			created, recvd, cancelledAt                                              []*time.Time
			docDate, deadline                                                        []*time.Time
			pages, years, nums                                                       []int32
			entryStatus, reason, action, note                                        []string
			revID, revSHA, revKey                                                    []string
			revSize                                                                  []int64
			revAt                                                                    []time.Time
			open                                                                     []string
		)
		maxByYear := map[int]int{}
		for _, r := range rows {
			if present[r.LetterID] {
				res.Present++
				continue
			}
			at := r.ReceivedAt
			lid = append(lid, r.LetterID)
			created = append(created, &at)
			docRaw = append(docRaw, r.DocNumberRaw)
			docNo = append(docNo, r.DocNumber)
			docDate = append(docDate, r.DocDate)
			docDateRaw = append(docDateRaw, r.DocDateRaw)
			from = append(from, r.From)
			to = append(to, r.To)
			subject = append(subject, r.Subject)
			urg = append(urg, orDefault(r.Urgency, "normal"))
			sec = append(sec, orDefault(r.Secrecy, "normal"))
			deadline = append(deadline, r.Deadline)
			status = append(status, r.LetterStatus)
			sha = append(sha, r.OriginalSHA256)
			pages = append(pages, int32(r.Pages))
			years = append(years, int32(r.Year))
			nums = append(nums, int32(r.Number))
			recvd = append(recvd, &at)
			action = append(action, r.Action)
			note = append(note, r.Note)
			if r.Cancelled {
				entryStatus = append(entryStatus, "cancelled")
				reason = append(reason, r.CancelReason)
				cancelledAt = append(cancelledAt, &at)
			} else {
				entryStatus = append(entryStatus, "active")
				reason = append(reason, "")
				cancelledAt = append(cancelledAt, nil)
			}
			if r.OriginalKey != "" {
				revID = append(revID, r.LetterID)
				revSHA = append(revSHA, r.OriginalSHA256)
				revKey = append(revKey, r.OriginalKey)
				revSize = append(revSize, r.Size)
				revAt = append(revAt, at)
			}
			if r.LetterStatus == "open" && !r.Cancelled {
				open = append(open, r.LetterID)
			}
			if r.Number > maxByYear[r.Year] {
				maxByYear[r.Year] = r.Number
			}
		}
		if len(lid) == 0 {
			return nil
		}
		res.Written = len(lid)
		res.Workflows = len(open)
		var cy, cn []int32
		for y, n := range maxByYear {
			cy, cn = append(cy, int32(y)), append(cn, int32(n))
		}
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO letters(id, created_at, doc_number_raw, doc_number, doc_date, doc_date_raw, from_text, to_text,
			subject, urgency, secrecy, deadline, status, original_sha256, pages, closed_at)
			SELECT id, created_at, dr, dn, dd, ddr, f, t, s, u, sc, dl, st, sha, pg, CASE WHEN st = 'closed' THEN created_at END
			FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[],
			            $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::text[], $14::text[], $15::int[])
			     AS x(id, created_at, dr, dn, dd, ddr, f, t, s, u, sc, dl, st, sha, pg)`,
			lid, created, docRaw, docNo, docDate, docDateRaw, from, to, subject, urg, sec, deadline, status, sha, pages)
		b.Queue(`INSERT INTO register_entries(register_code, series, year, number, letter_id, received_at, received_by,
			action_text, note, status, cancelled_at, cancel_reason)
			SELECT $1, 'normal', y, n, id, at, $2, a, nt, st, ca, cr
			FROM unnest($3::int[], $4::int[], $5::uuid[], $6::timestamptz[], $7::text[], $8::text[], $9::text[],
			            $10::timestamptz[], $11::text[]) AS x(y, n, id, at, a, nt, st, ca, cr)`,
			register, actor, years, nums, lid, recvd, action, note, entryStatus, cancelledAt, reason)
		if len(revID) > 0 {
			b.Queue(`INSERT INTO revisions(letter_id, seq, kind, sha256, object_key, size, created_at)
				SELECT id, 1, 'original', sha, k, sz, at FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[])
				AS x(id, sha, k, sz, at)`, revID, revSHA, revKey, revSize, revAt)
		}
		if len(open) > 0 {
			b.Queue(`INSERT INTO outbox(kind, letter_id, payload)
				SELECT $1, e.letter_id, jsonb_build_object('entry_id', e.id) FROM register_entries e
				WHERE e.register_code = $2 AND e.letter_id = ANY($3::uuid[]) ORDER BY e.year, e.number`, OutboxReceipt, register, open)
			b.Queue(`SELECT pg_notify($1, 'backfill')`, NotifyChannel)
		}
		b.Queue(`INSERT INTO register_counters(register_code, series, year, last)
			SELECT $1, 'normal', y, n FROM unnest($2::int[], $3::int[]) AS x(y, n)
			ON CONFLICT (register_code, series, year) DO UPDATE SET last = GREATEST(register_counters.last, excluded.last)`,
			register, cy, cn)
		b.Queue(`INSERT INTO audit_log(actor, capacity, action, subject_type, subject_id, detail, at, prev_hash, hash)
			VALUES ($1, '', 'register.backfill', 'register', $2, jsonb_build_object('rows', $3::int, 'workflows', $4::int,
			'first_letter', $5::text, 'last_letter', $6::text), now(), '', '')`,
			actor, register, len(lid), len(open), lid[0], lid[len(lid)-1])
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			if IsUniqueViolation(err, "register_entries_register_code_series_year_number_key") {
				return fmt.Errorf("a number of this batch was taken in register %s while the backfill ran (a live receipt?): run the backfill again to see which: %w", register, ErrConflict)
			}
			return err
		}
		return nil
	})
	return res, err
}
