package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// DeliveryChannel is the LISTEN/NOTIFY channel that wakes the notification deliverer when a
// transaction queues deliveries.
const DeliveryChannel = "saraban_deliveries"

// Delivery channels.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// NewNotification is an inbox row to write. EventKey makes it idempotent per person: the
// same (person, event key) is stored once, however often the caller retries.
type NewNotification struct {
	PersonID string
	LetterID *string // letter uuid, or nil
	TaskID   *int64
	Kind     string // task | reminder | due | escalation | forwarded | …
	EventKey string
	Title    string
	Body     string
}

// AddNotification writes the notification in the caller's transaction: INSERT … ON CONFLICT
// (person_id, event_key) DO NOTHING. When the row is new it also queues a delivery per outside
// channel: an e-mail to the person's address (when they have one and are active) and a POST
// to every active webhook whose events are empty or contain the kind. It returns the row's id
// and whether this call created it; a repeat returns the existing id and created = false and
// queues nothing. The deliverer is woken when the transaction commits.
func AddNotification(ctx context.Context, tx pgx.Tx, n NewNotification) (id int64, created bool, err error) {
	switch {
	case strings.TrimSpace(n.PersonID) == "":
		return 0, false, errors.New("AddNotification: no person")
	case strings.TrimSpace(n.Kind) == "":
		return 0, false, errors.New("AddNotification: no kind")
	case strings.TrimSpace(n.EventKey) == "":
		return 0, false, errors.New("AddNotification: no event key")
	case strings.TrimSpace(n.Title) == "":
		return 0, false, errors.New("AddNotification: no title")
	}
	var letter *string
	if n.LetterID != nil && *n.LetterID != "" {
		letter = n.LetterID
	}
	err = tx.QueryRow(ctx, `INSERT INTO notifications(person_id, letter_id, task_id, kind, event_key, title, body)
		VALUES ($1, $2::uuid, $3, $4, $5, $6, $7)
		ON CONFLICT (person_id, event_key) DO NOTHING RETURNING id`,
		n.PersonID, letter, n.TaskID, n.Kind, n.EventKey, n.Title, n.Body).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		err = tx.QueryRow(ctx, `SELECT id FROM notifications WHERE person_id = $1 AND event_key = $2`, n.PersonID, n.EventKey).Scan(&id)
		return id, false, err
	}
	if err != nil {
		return 0, false, fmt.Errorf("notification %s for %s: %w", n.EventKey, n.PersonID, err)
	}
	tag, err := tx.Exec(ctx, `INSERT INTO deliveries(notification_id, channel, target)
		SELECT $1::bigint, 'email', p.email FROM people p WHERE p.id = $2::text AND p.active AND p.email <> ''
		UNION ALL
		SELECT $1::bigint, 'webhook', w.id::text FROM webhooks w
		WHERE w.active AND (cardinality(w.events) = 0 OR $3::text = ANY(w.events))
		ON CONFLICT (notification_id, channel, target) DO NOTHING`, id, n.PersonID, n.Kind)
	if err != nil {
		return id, true, err
	}
	if tag.RowsAffected() > 0 {
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, DeliveryChannel, strconv.FormatInt(id, 10)); err != nil {
			return id, true, err
		}
	}
	return id, true, nil
}

// Delivery is a claimed delivery with what the sender needs.
type Delivery struct {
	ID             int64
	NotificationID int64
	Channel        string // email | webhook
	Target         string // the address, or the webhook id
	Attempts       int    // including this one
	// LeaseUntil is the claim: marks are refused once another claim has replaced it.
	LeaseUntil time.Time

	PersonID   string
	PersonName string
	LetterID   string // "" when none
	TaskID     *int64
	Kind       string
	EventKey   string
	Title      string
	Body       string
	CreatedAt  time.Time // of the notification

	// Letter fields, for the message (empty when the notification has no letter).
	DocNumber string
	Subject   string

	// Webhook deliveries: the hook as it is now (found is false when it was removed).
	WebhookFound  bool
	WebhookActive bool
	WebhookURL    string
	WebhookSecret string
}

// ClaimDeliveries hands out up to limit pending deliveries of the given channels whose time
// has come. Each is leased for lease: its attempt is counted and it is hidden from other
// claimers (FOR UPDATE SKIP LOCKED, then next_attempt_at = lease_until) until the lease ends,
// so two deliverers never hold the same delivery at once. A deliverer that dies mid-send
// leaves the delivery to be claimed again after the lease.
func (db *DB) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration, channels []string) ([]Delivery, error) {
	if limit <= 0 {
		limit = 1
	}
	var out []Delivery
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, `
			UPDATE deliveries SET attempts = attempts + 1,
				lease_until = clock_timestamp() + make_interval(secs => $2),
				next_attempt_at = clock_timestamp() + make_interval(secs => $2)
			WHERE id IN (SELECT id FROM deliveries
			             WHERE status = 'pending' AND next_attempt_at <= now() AND channel = ANY($3)
			             ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
			RETURNING id`, limit, lease.Seconds(), channels)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(ids) == 0 {
			return err
		}
		rows, err = tx.Query(ctx, `
			SELECT d.id, d.notification_id, d.channel, d.target, d.attempts, d.lease_until,
			       n.person_id, coalesce(p.name, ''), coalesce(n.letter_id::text, ''), n.task_id, n.kind, n.event_key,
			       n.title, n.body, n.created_at, coalesce(l.doc_number_raw, ''), coalesce(l.subject, ''),
			       w.id IS NOT NULL, coalesce(w.active, false), coalesce(w.url, ''), coalesce(w.secret, '')
			FROM deliveries d
			JOIN notifications n ON n.id = d.notification_id
			LEFT JOIN people p ON p.id = n.person_id
			LEFT JOIN letters l ON l.id = n.letter_id
			LEFT JOIN webhooks w ON d.channel = 'webhook' AND w.id::text = d.target
			WHERE d.id = ANY($1) ORDER BY d.next_attempt_at, d.id`, ids)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) {
			var d Delivery
			err := r.Scan(&d.ID, &d.NotificationID, &d.Channel, &d.Target, &d.Attempts, &d.LeaseUntil,
				&d.PersonID, &d.PersonName, &d.LetterID, &d.TaskID, &d.Kind, &d.EventKey,
				&d.Title, &d.Body, &d.CreatedAt, &d.DocNumber, &d.Subject,
				&d.WebhookFound, &d.WebhookActive, &d.WebhookURL, &d.WebhookSecret)
			d.CreatedAt = d.CreatedAt.In(bangkok)
			return d, err
		})
		return err
	})
	return out, err
}

// ErrLeaseLost says a delivery was claimed again by someone else (its lease ran out) before
// this sender recorded the outcome; the outcome is not recorded.
var ErrLeaseLost = errors.New("the delivery's lease ran out and it was claimed again")

// DeliverySent records a delivery done.
func (db *DB) DeliverySent(ctx context.Context, d Delivery) error {
	return db.markDelivery(ctx, d, `UPDATE deliveries SET status = 'sent', sent_at = now(), lease_until = NULL, last_error = ''
		WHERE id = $1 AND lease_until = $2 AND status = 'pending'`)
}

// DeliveryRetry records a failed attempt to be tried again after retryIn.
func (db *DB) DeliveryRetry(ctx context.Context, d Delivery, retryIn time.Duration, cause string) error {
	return db.markDelivery(ctx, d, `UPDATE deliveries SET lease_until = NULL, last_error = $3,
			next_attempt_at = now() + make_interval(secs => $4)
		WHERE id = $1 AND lease_until = $2 AND status = 'pending'`, cause, retryIn.Seconds())
}

// DeliveryFailed records a delivery given up: a permanent refusal, or the last attempt.
func (db *DB) DeliveryFailed(ctx context.Context, d Delivery, cause string) error {
	return db.markDelivery(ctx, d, `UPDATE deliveries SET status = 'failed', lease_until = NULL, last_error = $3
		WHERE id = $1 AND lease_until = $2 AND status = 'pending'`, cause)
}

func (db *DB) markDelivery(ctx context.Context, d Delivery, sql string, args ...any) error {
	tag, err := db.Pool.Exec(ctx, sql, append([]any{d.ID, d.LeaseUntil}, args...)...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delivery %d: %w", d.ID, ErrLeaseLost)
	}
	return nil
}

// NextDeliveryAt is when the earliest pending delivery of the channels is due (ok false when
// none is pending), so that an idle deliverer sleeps exactly until then.
func (db *DB) NextDeliveryAt(ctx context.Context, channels []string) (at time.Time, ok bool, err error) {
	var t *time.Time
	err = db.Pool.QueryRow(ctx, `SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending' AND channel = ANY($1)`, channels).Scan(&t)
	if err != nil || t == nil {
		return time.Time{}, false, err
	}
	return *t, true, nil
}

// DeliveryRow is a delivery as listed for operators and tests.
type DeliveryRow struct {
	ID             int64      `json:"id"`
	NotificationID int64      `json:"notification_id"`
	Channel        string     `json:"channel"`
	Target         string     `json:"target"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	NextAttemptAt  time.Time  `json:"next_attempt_at"`
	LastError      string     `json:"last_error,omitempty"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
}

// DeliveriesOf lists the deliveries of a notification (every notification when id is 0), by id.
func (db *DB) DeliveriesOf(ctx context.Context, notificationID int64) ([]DeliveryRow, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, notification_id, channel, target, status, attempts, next_attempt_at, last_error, sent_at
		FROM deliveries WHERE $1 = 0 OR notification_id = $1 ORDER BY id`, notificationID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DeliveryRow, error) {
		var d DeliveryRow
		err := r.Scan(&d.ID, &d.NotificationID, &d.Channel, &d.Target, &d.Status, &d.Attempts, &d.NextAttemptAt, &d.LastError, &d.SentAt)
		return d, err
	})
}

// Webhook is an outside endpoint that receives notifications. The secret is never listed.
type Webhook struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"` // empty: every kind
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	Pending   int       `json:"pending"` // deliveries waiting
	Failed    int       `json:"failed"`  // deliveries given up
}

var eventKindRE = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,39}$`)

// MinWebhookSecret is the shortest secret a webhook may have.
const MinWebhookSecret = 16

// CheckWebhook validates a webhook's URL, secret and event kinds; it returns the event kinds
// trimmed and without repeats.
func CheckWebhook(rawURL, secret string, events []string) ([]string, error) {
	u, err := url.Parse(rawURL)
	switch {
	case err != nil:
		return nil, fmt.Errorf("webhook URL %q: %v", rawURL, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("webhook URL %q: must start with https:// (or http://)", rawURL)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("webhook URL %q has no host", rawURL)
	case u.User != nil:
		return nil, fmt.Errorf("webhook URL %q: put no credentials in the URL; the requests are signed with the secret", rawURL)
	case u.Fragment != "":
		return nil, fmt.Errorf("webhook URL %q: remove the #fragment", rawURL)
	}
	if len(secret) < MinWebhookSecret {
		return nil, fmt.Errorf("the webhook secret must have at least %d characters (it signs every request)", MinWebhookSecret)
	}
	out := []string{}
	seen := map[string]bool{}
	for _, e := range events {
		e = strings.TrimSpace(e)
		if e == "" || seen[e] {
			continue
		}
		if !eventKindRE.MatchString(e) {
			return nil, fmt.Errorf("event kind %q: use lower-case words such as reminder, due, escalation, task, forwarded", e)
		}
		seen[e] = true
		out = append(out, e)
	}
	return out, nil
}

// AddWebhook registers an endpoint (audited; the secret is not in the audit row).
func (db *DB) AddWebhook(ctx context.Context, rawURL, secret string, events []string, actor string) (Webhook, error) {
	events, err := CheckWebhook(rawURL, secret, events)
	if err != nil {
		return Webhook{}, err
	}
	var w Webhook
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM webhooks WHERE url = $1`, rawURL).Scan(&id)
		if err == nil {
			return fmt.Errorf("a webhook for %s is already registered (id %d); remove it first to change it: %w", rawURL, id, ErrConflict)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO webhooks(url, secret, events) VALUES ($1, $2, $3)
			RETURNING id, url, events, active, created_at`, rawURL, secret, events).
			Scan(&w.ID, &w.URL, &w.Events, &w.Active, &w.CreatedAt)
		if err != nil {
			return err
		}
		return Audit(ctx, tx, actor, "", "webhook.add", "webhook", strconv.FormatInt(w.ID, 10),
			map[string]any{"url": rawURL, "events": events})
	})
	if IsUniqueViolation(err, "") {
		return Webhook{}, fmt.Errorf("a webhook for %s is already registered: %w", rawURL, ErrConflict)
	}
	if err != nil {
		return Webhook{}, err
	}
	w.CreatedAt = w.CreatedAt.In(bangkok)
	return w, err
}

// Webhooks lists the webhooks by id, with their delivery counts, never their secrets.
func (db *DB) Webhooks(ctx context.Context) ([]Webhook, error) {
	rows, err := db.Pool.Query(ctx, `SELECT w.id, w.url, w.events, w.active, w.created_at,
			(SELECT count(*) FROM deliveries d WHERE d.channel = 'webhook' AND d.target = w.id::text AND d.status = 'pending'),
			(SELECT count(*) FROM deliveries d WHERE d.channel = 'webhook' AND d.target = w.id::text AND d.status = 'failed')
		FROM webhooks w ORDER BY w.id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Webhook, error) {
		var w Webhook
		err := r.Scan(&w.ID, &w.URL, &w.Events, &w.Active, &w.CreatedAt, &w.Pending, &w.Failed)
		w.CreatedAt = w.CreatedAt.In(bangkok)
		return w, err
	})
}

// RemoveWebhook deletes a webhook; its pending deliveries are given up (audited).
func (db *DB) RemoveWebhook(ctx context.Context, id int64, actor string) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		var u string
		err := tx.QueryRow(ctx, `DELETE FROM webhooks WHERE id = $1 RETURNING url`, id).Scan(&u)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("webhook %d: %w (see saraban webhook list)", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE deliveries SET status = 'failed', lease_until = NULL, last_error = 'webhook removed'
			WHERE channel = 'webhook' AND target = $1 AND status = 'pending'`, strconv.FormatInt(id, 10))
		if err != nil {
			return err
		}
		return Audit(ctx, tx, actor, "", "webhook.remove", "webhook", strconv.FormatInt(id, 10),
			map[string]any{"url": u, "pending_given_up": tag.RowsAffected()})
	})
}

// DisableWebhook turns a webhook off (the endpoint answered 410 Gone): no more deliveries are
// queued for it, and those pending are given up when claimed. Audited as the system.
func (db *DB) DisableWebhook(ctx context.Context, id int64, reason string) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		var u string
		err := tx.QueryRow(ctx, `UPDATE webhooks SET active = false WHERE id = $1 AND active RETURNING url`, id).Scan(&u)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // already off, or removed
		}
		if err != nil {
			return err
		}
		return Audit(ctx, tx, "system:notify", "", "webhook.disable", "webhook", strconv.FormatInt(id, 10),
			map[string]any{"url": u, "reason": reason})
	})
}
