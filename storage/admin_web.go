package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/saraban/saraban/org"
	"github.com/saraban/saraban/thai"
)

// Queries of the administration screens (web/admin*.go).

// AdminCounts are the numbers on the administration overview.
type AdminCounts struct {
	Units, People, ActivePeople, Accounts, Admins, Disabled, Registers int
	Holidays, Webhooks, PendingDeliveries, FailedDeliveries            int
	LiveBreakGlass, BreakGlass                                         int
	AuditRows                                                          int64
}

// AdminOverview counts what the administration screens manage; holidays are counted for the
// given BE year.
func (db *DB) AdminOverview(ctx context.Context, beYear int) (AdminCounts, error) {
	var c AdminCounts
	err := db.Pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM units),
			(SELECT count(*) FROM people),
			(SELECT count(*) FROM people WHERE active),
			(SELECT count(*) FROM accounts),
			(SELECT count(*) FROM accounts WHERE is_admin),
			(SELECT count(*) FROM accounts a JOIN people p ON p.id = a.person_id WHERE a.disabled OR NOT p.active),
			(SELECT count(*) FROM registers),
			(SELECT count(*) FROM holidays WHERE extract(year FROM day) = $1),
			(SELECT count(*) FROM webhooks),
			(SELECT count(*) FROM deliveries WHERE status = 'pending'),
			(SELECT count(*) FROM deliveries WHERE status = 'failed'),
			(SELECT count(*) FROM break_glass WHERE ended_at IS NULL AND expires_at > now()),
			(SELECT count(*) FROM break_glass),
			(SELECT coalesce(max(id), 0) FROM audit_log)`, beYear-543).
		Scan(&c.Units, &c.People, &c.ActivePeople, &c.Accounts, &c.Admins, &c.Disabled, &c.Registers,
			&c.Holidays, &c.Webhooks, &c.PendingDeliveries, &c.FailedDeliveries, &c.LiveBreakGlass, &c.BreakGlass, &c.AuditRows)
	return c, err
}

// OrgFile reads the stored organisation back as an organisation file (org.Marshal writes it as
// YAML): units in tree order, people by id with their clearance, registers by code. Importing it
// again changes nothing.
func (db *DB) OrgFile(ctx context.Context) (*org.File, error) {
	o, err := db.OrgSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	f := &org.File{Agency: org.Agency{Code: o.Agency.Code, Name: o.Agency.Name, Letters: o.Agency.Letters}}
	for _, u := range o.Units {
		f.Units = append(f.Units, org.Unit{Code: u.Code, Parent: u.ParentCode, Name: u.Name, ShortName: u.ShortName, OwnerCode: u.OwnerCode})
	}
	rows, err := db.Pool.Query(ctx, `SELECT p.id, p.name, p.email, p.active, p.clearance,
			q.unit_code, q.title, q.is_head, q.role
		FROM people p LEFT JOIN positions q ON q.person_id = p.id
		LEFT JOIN units u ON u.code = q.unit_code
		ORDER BY p.id, q.is_head DESC NULLS LAST, u.sort_order, q.unit_code, q.title`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p org.Person
		var active bool
		var unit, title, role *string
		var head *bool
		if err := rows.Scan(&p.ID, &p.Name, &p.Email, &active, &p.Clearance, &unit, &title, &head, &role); err != nil {
			return nil, err
		}
		if len(f.People) == 0 || f.People[len(f.People)-1].ID != p.ID {
			if !active {
				p.Active = &active
			}
			f.People = append(f.People, p)
		}
		if unit != nil {
			last := &f.People[len(f.People)-1]
			last.Positions = append(last.Positions, org.Position{Unit: *unit, Title: deref(title), Head: *head, Role: deref(role)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, r := range o.Registers {
		f.Registers = append(f.Registers, org.Register{Code: r.Code, Unit: r.UnitCode, Kind: r.Kind, Name: r.Name, Central: r.Central, Series: r.Series})
	}
	return f, nil
}

// PreviewOrgImport says what ImportOrg would do with the file, without doing it: the same
// comparisons and refusals in a transaction that is rolled back. An invalid file returns the
// *org.ValidationError.
func (db *DB) PreviewOrgImport(ctx context.Context, f *org.File) (ImportResult, error) {
	if err := f.Validate(); err != nil {
		return ImportResult{}, err
	}
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	res := ImportResult{Changes: []OrgChange{}}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, orgImportLock); err != nil {
		return ImportResult{}, err
	}
	im := &importer{tx: tx, f: f, res: &res}
	for _, step := range []func(context.Context) error{im.agency, im.units, im.people, im.positions, im.registers} {
		if err := step(ctx); err != nil {
			return ImportResult{}, err
		}
	}
	return res, nil
}

// PersonClearance reads the clearance of every person (the organisation snapshot leaves it out).
func (db *DB) PersonClearance(ctx context.Context) (map[string]string, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, clearance FROM people`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, c string
		if err := rows.Scan(&id, &c); err != nil {
			return nil, err
		}
		out[id] = c
	}
	return out, rows.Err()
}

// SetPersonAccess changes a person's clearance and active flag (audited as person.access with
// the old and new values). An inactive person cannot sign in: their sessions end.
func (db *DB) SetPersonAccess(ctx context.Context, id, clearance string, active bool, actor, capacity string) (changed bool, err error) {
	switch clearance {
	case "normal", "confidential", "secret":
	default:
		return false, fmt.Errorf("%w: clearance is normal, confidential or secret, not %q", ErrInvalid, clearance)
	}
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		var oldC string
		var oldA bool
		err := tx.QueryRow(ctx, `SELECT clearance, active FROM people WHERE id = $1 FOR UPDATE`, id).Scan(&oldC, &oldA)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: no person %q", ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		if oldC == clearance && oldA == active {
			changed = false
			return nil
		}
		changed = true
		if _, err := tx.Exec(ctx, `UPDATE people SET clearance = $2, active = $3, updated_at = now() WHERE id = $1`, id, clearance, active); err != nil {
			return err
		}
		if !active {
			if _, err := tx.Exec(ctx, `DELETE FROM web_sessions s USING accounts a WHERE a.username = s.username AND a.person_id = $1`, id); err != nil {
				return err
			}
		}
		return Audit(ctx, tx, actor, capacity, "person.access", "person", id, map[string]any{
			"clearance": map[string]string{"old": oldC, "new": clearance},
			"active":    map[string]bool{"old": oldA, "new": active},
		})
	})
	return changed, err
}

// AccountActivity is when an account last signed in, how many live sessions it has, and its own
// disabled flag (Account.Disabled also counts an inactive person).
type AccountActivity struct {
	LastLogin *time.Time
	Sessions  int
	Disabled  bool
}

// AccountsActivity reads the last sign-in (from the audit log), the live sessions and the
// disabled flag of every account, or of the one named.
func (db *DB) AccountsActivity(ctx context.Context, username string) (map[string]AccountActivity, error) {
	rows, err := db.Pool.Query(ctx, `SELECT a.username,
			(SELECT max(l.at) FROM audit_log l WHERE l.action = 'login' AND l.subject_type = 'account' AND l.subject_id = a.username),
			(SELECT count(*) FROM web_sessions s WHERE s.username = a.username AND s.expires_at > now()),
			a.disabled
		FROM accounts a WHERE $1 = '' OR a.username = lower($1)`, username)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]AccountActivity{}
	for rows.Next() {
		var u string
		var a AccountActivity
		if err := rows.Scan(&u, &a.LastLogin, &a.Sessions, &a.Disabled); err != nil {
			return nil, err
		}
		if a.LastLogin != nil {
			t := a.LastLogin.In(bangkok)
			a.LastLogin = &t
		}
		out[u] = a
	}
	return out, rows.Err()
}

// Counter is a register's last number in a series and BE year.
type Counter struct {
	Series string
	Year   int
	Last   int
}

// RegisterCounters lists every register's counters, newest year first.
func (db *DB) RegisterCounters(ctx context.Context) (map[string][]Counter, error) {
	rows, err := db.Pool.Query(ctx, `SELECT register_code, series, year, last FROM register_counters
		ORDER BY register_code, year DESC, series`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]Counter{}
	for rows.Next() {
		var code string
		var c Counter
		if err := rows.Scan(&code, &c.Series, &c.Year, &c.Last); err != nil {
			return nil, err
		}
		out[code] = append(out[code], c)
	}
	return out, rows.Err()
}

// HolidayYears lists the BE years that have holidays, in order.
func (db *DB) HolidayYears(ctx context.Context) ([]int, error) {
	rows, err := db.Pool.Query(ctx, `SELECT DISTINCT extract(year FROM day)::int + 543 FROM holidays ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

// AddHoliday adds one holiday (audited as holidays.add). A day that already is a holiday is
// ErrConflict naming it.
func (db *DB) AddHoliday(ctx context.Context, h Holiday, actor, capacity string) error {
	h.Name = strings.TrimSpace(h.Name)
	if err := checkHolidays([]Holiday{h}); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return db.Transact(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, holidaysLock); err != nil {
			return err
		}
		var name string
		err := tx.QueryRow(ctx, `SELECT name FROM holidays WHERE day = $1`, dayParam(h.Date)).Scan(&name)
		if err == nil {
			return fmt.Errorf("%w: %s is already a holiday (%s)", ErrConflict, h.Date, name)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO holidays(day, name, estimated) VALUES ($1, $2, $3)`, dayParam(h.Date), h.Name, h.Estimated); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, capacity, "holidays.add", "holidays", h.Date.String(),
			map[string]any{"name": h.Name, "estimated": h.Estimated})
	})
}

// RemoveHoliday removes one holiday (audited as holidays.remove).
func (db *DB) RemoveHoliday(ctx context.Context, d thai.Date, actor, capacity string) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, holidaysLock); err != nil {
			return err
		}
		var name string
		var est bool
		err := tx.QueryRow(ctx, `DELETE FROM holidays WHERE day = $1 RETURNING name, estimated`, dayParam(d)).Scan(&name, &est)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: %s is not a holiday", ErrNotFound, d)
		}
		if err != nil {
			return err
		}
		return Audit(ctx, tx, actor, capacity, "holidays.remove", "holidays", d.String(),
			map[string]any{"name": name, "estimated": est})
	})
}

// DeliveryProblem is a notification delivery that failed at least once.
type DeliveryProblem struct {
	ID        int64
	Channel   string
	Target    string
	Status    string
	Attempts  int
	LastError string
	NextAt    time.Time
	Title     string
	Person    string
	At        time.Time // when the notification was made
}

// DeliveryProblems lists the newest deliveries given up or waiting for a retry, with the
// notification they carry.
func (db *DB) DeliveryProblems(ctx context.Context, limit int) ([]DeliveryProblem, error) {
	rows, err := db.Pool.Query(ctx, `SELECT d.id, d.channel, d.target, d.status, d.attempts, d.last_error, d.next_attempt_at,
			n.title, coalesce(p.name, n.person_id), n.created_at
		FROM deliveries d JOIN notifications n ON n.id = d.notification_id LEFT JOIN people p ON p.id = n.person_id
		WHERE d.status = 'failed' OR (d.status = 'pending' AND d.last_error <> '')
		ORDER BY d.id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DeliveryProblem, error) {
		var d DeliveryProblem
		err := r.Scan(&d.ID, &d.Channel, &d.Target, &d.Status, &d.Attempts, &d.LastError, &d.NextAt, &d.Title, &d.Person, &d.At)
		d.NextAt, d.At = d.NextAt.In(bangkok), d.At.In(bangkok)
		return d, err
	})
}

// DeliveryCounts counts deliveries by channel and status ("email" → "sent" → n).
func (db *DB) DeliveryCounts(ctx context.Context) (map[string]map[string]int, error) {
	rows, err := db.Pool.Query(ctx, `SELECT channel, status, count(*) FROM deliveries GROUP BY channel, status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]int{"email": {}, "webhook": {}}
	for rows.Next() {
		var ch, st string
		var n int
		if err := rows.Scan(&ch, &st, &n); err != nil {
			return nil, err
		}
		if out[ch] == nil {
			out[ch] = map[string]int{}
		}
		out[ch][st] = n
	}
	return out, rows.Err()
}

// BreakGlassRow is a break-glass grant as the administration screen lists it.
type BreakGlassRow struct {
	BreakGlass
	PersonName string
	EndedAt    *time.Time
	Live       bool
}

// BreakGlassLog lists the newest break-glass grants.
func (db *DB) BreakGlassLog(ctx context.Context, limit int) ([]BreakGlassRow, error) {
	rows, err := db.Pool.Query(ctx, `SELECT b.id, b.username, b.letter_id::text, b.reason, b.granted_at, b.expires_at, b.ended_at,
			coalesce(p.name, ''), b.ended_at IS NULL AND b.expires_at > now()
		FROM break_glass b LEFT JOIN accounts a ON a.username = b.username LEFT JOIN people p ON p.id = a.person_id
		ORDER BY b.id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (BreakGlassRow, error) {
		var b BreakGlassRow
		err := r.Scan(&b.ID, &b.Username, &b.LetterID, &b.Reason, &b.GrantedAt, &b.ExpiresAt, &b.EndedAt, &b.PersonName, &b.Live)
		b.GrantedAt, b.ExpiresAt = b.GrantedAt.In(bangkok), b.ExpiresAt.In(bangkok)
		return b, err
	})
}

// AuditQuery filters the audit log: actor and action match exactly when given (an action
// ending in '.' or '*' matches the prefix, e.g. "account.").
type AuditQuery struct {
	Actor, Action string
	Limit         int
}

// AuditLog lists the newest audit rows matching q.
func (db *DB) AuditLog(ctx context.Context, q AuditQuery) ([]AuditRow, error) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 200
	}
	action, prefix := strings.TrimSpace(q.Action), false
	if strings.HasSuffix(action, "*") || strings.HasSuffix(action, ".") {
		action, prefix = strings.TrimSuffix(action, "*"), true
	}
	rows, err := db.Pool.Query(ctx, `SELECT id, at, actor, capacity, action, subject_type, subject_id, detail::text, prev_hash, hash
		FROM audit_log
		WHERE ($1 = '' OR actor = $1)
		  AND ($2 = '' OR (CASE WHEN $3 THEN starts_with(action, $2) ELSE action = $2 END))
		ORDER BY id DESC LIMIT $4`, strings.TrimSpace(q.Actor), action, prefix, q.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditRow, error) {
		var a AuditRow
		err := r.Scan(&a.ID, &a.At, &a.Actor, &a.Capacity, &a.Action, &a.SubjectType, &a.SubjectID, &a.Detail, &a.PrevHash, &a.Hash)
		a.At = a.At.In(bangkok)
		return a, err
	})
}
