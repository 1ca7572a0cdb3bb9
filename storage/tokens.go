package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// TokenPrefix starts every API token, so that a leaked one is easy to recognise.
const TokenPrefix = "sbn_"

// ErrBadToken is returned for a missing, unknown or revoked token.
var ErrBadToken = errors.New("invalid or revoked API token")

func tokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// CreateToken makes a new API token for a person. The token itself is returned once and only
// its SHA-256 is stored.
func (db *DB) CreateToken(ctx context.Context, personID, name, actor string) (id int64, token string, err error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return 0, "", err
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		var active bool
		err := tx.QueryRow(ctx, `SELECT active FROM people WHERE id = $1`, personID).Scan(&active)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("person %q: %w (see `saraban org show`)", personID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if !active {
			return fmt.Errorf("person %q is not active: a token would not work", personID)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens(person_id, name, token_sha256) VALUES ($1, $2, $3) RETURNING id`,
			personID, name, tokenHash(token)).Scan(&id); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, "", "token.create", "person", personID, map[string]any{"token_id": id, "name": name})
	})
	return id, token, err
}

// PersonForToken returns the person a valid token belongs to.
func (db *DB) PersonForToken(ctx context.Context, token string) (string, error) {
	token = strings.TrimSpace(token)
	if !strings.HasPrefix(token, TokenPrefix) {
		return "", ErrBadToken
	}
	var person string
	err := db.Pool.QueryRow(ctx, `SELECT t.person_id FROM api_tokens t JOIN people p ON p.id = t.person_id
		WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL AND p.active`, tokenHash(token)).Scan(&person)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrBadToken
	}
	return person, err
}

// RevokeToken ends a token.
func (db *DB) RevokeToken(ctx context.Context, id int64, actor string) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		var person string
		err := tx.QueryRow(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING person_id`, id).Scan(&person)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("token %d: %w (or already revoked)", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		return Audit(ctx, tx, actor, "", "token.revoke", "person", person, map[string]any{"token_id": id})
	})
}
