package storage

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Account is a person's way into the web application.
type Account struct {
	Username     string     `json:"username"`
	PersonID     string     `json:"person"`
	PersonName   string     `json:"person_name"`
	PasswordHash string     `json:"-"`
	OIDCSubject  string     `json:"oidc_subject,omitempty"`
	IsAdmin      bool       `json:"admin"`
	Lang         string     `json:"lang"`
	Disabled     bool       `json:"disabled"`
	FailedLogins int        `json:"failed_logins"`
	LockedUntil  *time.Time `json:"locked_until,omitempty"`
	Clearance    string     `json:"clearance"`
	Positions    []Position `json:"positions"`
}

// ErrNoAccount is returned for an unknown username (and the sign-in page says only that the
// username or password is wrong).
var ErrNoAccount = errors.New("no such account")

// ErrInvalid marks input refused by a storage rule; the wrapped message says what to fix.
var ErrInvalid = errors.New("invalid")

const accountCols = `a.username, a.person_id, p.name, a.password_hash, coalesce(a.oidc_subject, ''), a.is_admin, a.lang,
	a.disabled OR NOT p.active, a.failed_logins, a.locked_until, p.clearance`

func scanAccount(row pgx.Row) (Account, error) {
	var a Account
	err := row.Scan(&a.Username, &a.PersonID, &a.PersonName, &a.PasswordHash, &a.OIDCSubject, &a.IsAdmin, &a.Lang,
		&a.Disabled, &a.FailedLogins, &a.LockedUntil, &a.Clearance)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, ErrNoAccount
	}
	return a, err
}

// GetAccount reads an account by username (case-insensitive) with the person's positions.
func (db *DB) GetAccount(ctx context.Context, username string) (Account, error) {
	a, err := scanAccount(db.Pool.QueryRow(ctx, `SELECT `+accountCols+` FROM accounts a JOIN people p ON p.id = a.person_id
		WHERE a.username = lower($1)`, strings.TrimSpace(username)))
	if err != nil {
		return a, err
	}
	a.Positions, err = db.positionsOf(ctx, a.PersonID)
	return a, err
}

// AccountByOIDC finds the account linked to an OpenID Connect subject, or else the one whose
// person has the given e-mail address (and links it).
func (db *DB) AccountByOIDC(ctx context.Context, subject, email string) (Account, error) {
	a, err := scanAccount(db.Pool.QueryRow(ctx, `SELECT `+accountCols+` FROM accounts a JOIN people p ON p.id = a.person_id
		WHERE a.oidc_subject = $1`, subject))
	if errors.Is(err, ErrNoAccount) && email != "" {
		a, err = scanAccount(db.Pool.QueryRow(ctx, `SELECT `+accountCols+` FROM accounts a JOIN people p ON p.id = a.person_id
			WHERE lower(p.email) = lower($1) AND a.oidc_subject IS NULL`, email))
		if err == nil {
			if _, err = db.Pool.Exec(ctx, `UPDATE accounts SET oidc_subject = $2, updated_at = now() WHERE username = $1`, a.Username, subject); err != nil {
				return a, err
			}
		}
	}
	if err != nil {
		return a, err
	}
	a.Positions, err = db.positionsOf(ctx, a.PersonID)
	return a, err
}

func (db *DB) positionsOf(ctx context.Context, person string) ([]Position, error) {
	rows, err := db.Pool.Query(ctx, `SELECT p.unit_code, u.name, p.title, p.is_head, p.role FROM positions p
		JOIN units u ON u.code = p.unit_code WHERE p.person_id = $1 ORDER BY p.is_head DESC, u.sort_order, p.title`, person)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Position, error) {
		var p Position
		err := r.Scan(&p.UnitCode, &p.UnitName, &p.Title, &p.IsHead, &p.Role)
		return p, err
	})
}

// NewAccount is what `saraban user add` and the administration screen create.
type NewAccount struct {
	Username     string
	PersonID     string
	PasswordHash string
	IsAdmin      bool
	Lang         string
}

// CreateAccount adds an account. A username or person that already has one is ErrConflict with
// a message saying which.
func (db *DB) CreateAccount(ctx context.Context, n NewAccount, actor string) error {
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	if n.Lang == "" {
		n.Lang = "th"
	}
	return db.Transact(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM people WHERE id = $1)`, n.PersonID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("%w: no person %q in the organisation (see `saraban org show`)", ErrNotFound, n.PersonID)
		}
		_, err := tx.Exec(ctx, `INSERT INTO accounts(username, person_id, password_hash, is_admin, lang, password_changed_at)
			VALUES ($1, $2, $3, $4, $5, CASE WHEN $3 = '' THEN NULL ELSE now() END)`, n.Username, n.PersonID, n.PasswordHash, n.IsAdmin, n.Lang)
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			switch {
			case pe.Code == "23505" && strings.Contains(pe.ConstraintName, "person"):
				return fmt.Errorf("%w: person %q already has an account", ErrConflict, n.PersonID)
			case pe.Code == "23505":
				return fmt.Errorf("%w: the username %q is taken", ErrConflict, n.Username)
			case pe.Code == "23514":
				return fmt.Errorf("%w: a username is 2 to 64 of a-z 0-9 . _ @ -", ErrInvalid)
			}
		}
		if err != nil {
			return err
		}
		return Audit(ctx, tx, actor, "", "account.create", "account", n.Username, map[string]any{"person": n.PersonID, "admin": n.IsAdmin})
	})
}

// SetPassword replaces an account's password hash, unlocks it and ends its sessions.
func (db *DB) SetPassword(ctx context.Context, username, hash, actor string) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE accounts SET password_hash = $2, password_changed_at = now(), failed_logins = 0,
			locked_until = NULL, updated_at = now() WHERE username = lower($1)`, username, hash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: no account %q", ErrNotFound, username)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM web_sessions WHERE username = lower($1)`, username); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, "", "account.password", "account", strings.ToLower(username), nil)
	})
}

// SetAccountFlags changes whether an account is an administrator or disabled (disabling ends
// its sessions).
func (db *DB) SetAccountFlags(ctx context.Context, username string, admin, disabled bool, actor string) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE accounts SET is_admin = $2, disabled = $3, updated_at = now() WHERE username = lower($1)`, username, admin, disabled)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: no account %q", ErrNotFound, username)
		}
		if disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM web_sessions WHERE username = lower($1)`, username); err != nil {
				return err
			}
		}
		return Audit(ctx, tx, actor, "", "account.flags", "account", strings.ToLower(username), map[string]any{"admin": admin, "disabled": disabled})
	})
}

// SetAccountLang records the language a person prefers.
func (db *DB) SetAccountLang(ctx context.Context, username, lang string) error {
	_, err := db.Pool.Exec(ctx, `UPDATE accounts SET lang = $2, updated_at = now() WHERE username = $1`, username, lang)
	return err
}

// ListAccounts lists every account for the administration screen.
func (db *DB) ListAccounts(ctx context.Context) ([]Account, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+accountCols+` FROM accounts a JOIN people p ON p.id = a.person_id ORDER BY a.username`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Account, error) { return scanAccount(r) })
}

// LoginFailed counts a wrong password; after max failures in a row the account is locked for
// lock. It returns the lock's end if one was set.
func (db *DB) LoginFailed(ctx context.Context, username string, max int, lock time.Duration) (*time.Time, error) {
	var until *time.Time
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `UPDATE accounts SET failed_logins = failed_logins + 1,
			locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + $3::interval ELSE locked_until END
			WHERE username = lower($1) RETURNING locked_until`, username, max, lock.String()).Scan(&until); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		return Audit(ctx, tx, strings.ToLower(username), "", "login.failed", "account", strings.ToLower(username), nil)
	})
	return until, err
}

// Session is a signed-in browser.
type Session struct {
	Username      string
	CSRF          string
	CapacityUnit  string
	CapacityTitle string
	ExpiresAt     time.Time
}

func sessionHash(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// CreateSession records a session after a successful sign-in (resetting the failure count) and
// audits it.
func (db *DB) CreateSession(ctx context.Context, id string, s Session, ip, userAgent, method string) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO web_sessions(id_hash, username, csrf, capacity_unit, capacity_title, expires_at, ip, user_agent)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, sessionHash(id), s.Username, s.CSRF, s.CapacityUnit, s.CapacityTitle, s.ExpiresAt, ip, userAgent); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE username = $1`, s.Username); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM web_sessions WHERE expires_at < now()`); err != nil {
			return err
		}
		return Audit(ctx, tx, s.Username, "", "login", "account", s.Username, map[string]any{"method": method, "ip": ip})
	})
}

// GetSession reads a live session and slides its last-seen time. An unknown or expired
// session is ErrNotFound. The last-seen time is written at most once a minute per session: a
// page view is then a read only, with no commit to wait for on a slow disk.
func (db *DB) GetSession(ctx context.Context, id string, idle time.Duration) (Session, error) {
	var s Session
	var stale bool
	h := sessionHash(id)
	err := db.Pool.QueryRow(ctx, `SELECT username, csrf, capacity_unit, capacity_title, expires_at, last_seen < now() - interval '1 minute'
		FROM web_sessions WHERE id_hash = $1 AND expires_at > now() AND last_seen > now() - $2::interval`, h, idle.String()).
		Scan(&s.Username, &s.CSRF, &s.CapacityUnit, &s.CapacityTitle, &s.ExpiresAt, &stale)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, ErrNotFound
	}
	if err != nil {
		return s, err
	}
	if stale {
		if _, err := db.Pool.Exec(ctx, `UPDATE web_sessions SET last_seen = now() WHERE id_hash = $1`, h); err != nil {
			return s, err
		}
	}
	return s, nil
}

// SetSessionCapacity records the position a person chose to act in.
func (db *DB) SetSessionCapacity(ctx context.Context, id, unit, title string) error {
	_, err := db.Pool.Exec(ctx, `UPDATE web_sessions SET capacity_unit = $2, capacity_title = $3 WHERE id_hash = $1`, sessionHash(id), unit, title)
	return err
}

// EndSession signs a browser out.
func (db *DB) EndSession(ctx context.Context, id string) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		var user string
		err := tx.QueryRow(ctx, `DELETE FROM web_sessions WHERE id_hash = $1 RETURNING username`, sessionHash(id)).Scan(&user)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return Audit(ctx, tx, user, "", "logout", "account", user, nil)
	})
}

// BreakGlass is an administrator's time-limited grant to read one letter.
type BreakGlass struct {
	ID        int64     `json:"id"`
	Username  string    `json:"username"`
	LetterID  string    `json:"letter"`
	Reason    string    `json:"reason"`
	GrantedAt time.Time `json:"granted_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// GrantBreakGlass records (and audits) an administrator's grant to read a letter for d.
func (db *DB) GrantBreakGlass(ctx context.Context, username, letterID, reason string, d time.Duration) (BreakGlass, error) {
	b := BreakGlass{Username: username, LetterID: letterID, Reason: strings.TrimSpace(reason)}
	if len([]rune(b.Reason)) < 10 {
		return b, fmt.Errorf("%w: say why you need to read this letter (at least 10 characters); the reason is kept in the audit log", ErrInvalid)
	}
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var admin bool
		err := tx.QueryRow(ctx, `SELECT is_admin FROM accounts WHERE username = $1 AND NOT disabled`, username).Scan(&admin)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && !admin) {
			return fmt.Errorf("%w: only an administrator may break the glass", ErrForbidden)
		}
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO break_glass(username, letter_id, reason, expires_at)
			SELECT $1, l.id, $3, now() + $4::interval FROM letters l WHERE l.id::text = $2
			RETURNING id, granted_at, expires_at`, username, letterID, b.Reason, d.String()).Scan(&b.ID, &b.GrantedAt, &b.ExpiresAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: no letter %s", ErrNotFound, letterID)
		}
		if err != nil {
			return err
		}
		return Audit(ctx, tx, username, "administrator", "break_glass", "letter", letterID, map[string]any{"reason": b.Reason, "until": b.ExpiresAt})
	})
	return b, err
}

// HasBreakGlass tells whether an administrator holds a live grant for a letter.
func (db *DB) HasBreakGlass(ctx context.Context, username, letterID string) (bool, error) {
	var ok bool
	err := db.Pool.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM break_glass b JOIN accounts a ON a.username = b.username
		WHERE b.username = $1 AND b.letter_id::text = $2 AND b.ended_at IS NULL AND b.expires_at > now() AND a.is_admin AND NOT a.disabled)`,
		username, letterID).Scan(&ok)
	return ok, err
}
