// Package notify carries notifications out of saraban: e-mail over SMTP and signed webhook
// POSTs, delivered from the deliveries table that storage.AddNotification fills in the same
// transaction as the notification itself (docs/routing.md, "Notifications").
//
// The Deliverer claims due deliveries with a lease (storage.ClaimDeliveries: FOR UPDATE SKIP
// LOCKED), sends them, and records the outcome only while it still holds the lease, so any
// number of deliverers may run side by side without sending a delivery twice. A deliverer that
// dies mid-send leaves the delivery to be claimed again when the lease ends: delivery is at
// least once across crashes, and receivers can drop repeats by the stable Message-ID (e-mail)
// or X-Saraban-Delivery header (webhooks).
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/saraban/saraban/storage"
)

// Defaults of a Deliverer.
const (
	DefaultMaxAttempts = 8
	DefaultLease       = 30 * time.Second
)

// Deliverer sends pending deliveries.
type Deliverer struct {
	DB *storage.DB
	// Mailer sends e-mail; nil disables e-mail: e-mail deliveries are then not claimed and wait.
	Mailer *Mailer
	// HTTP sends webhooks (nil: DefaultHTTPClient). Its own timeout should be shorter than the
	// lease; each send is also cut at two thirds of the lease.
	HTTP *http.Client
	// MaxAttempts is how many times a delivery is tried before it is given up (default 8).
	MaxAttempts int
	// Lease is how long a claimed delivery is hidden from other deliverers (default 30 s).
	Lease time.Duration
	// Batch is how many deliveries one DeliverOnce claims (default 16); Parallel how many it
	// sends at once (default 4).
	Batch, Parallel int
	// Poll is the longest Run sleeps when nothing is due and no NOTIFY arrives (default 5 s).
	Poll time.Duration
	// Backoff is the wait before attempt n+1 after attempt n failed (default Backoff).
	Backoff func(attempt int) time.Duration
	Log     *slog.Logger
}

// Backoff is the default wait after a failed attempt: 1 s after the first, then four times
// longer each time (4 s, 16 s, 64 s, ~4 min, ~17 min), at most 1 h. With 8 attempts a delivery
// is given up about an hour and a half after its first try.
func Backoff(attempt int) time.Duration {
	d := time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 4
	}
	return min(d, time.Hour)
}

func (d *Deliverer) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

func (d *Deliverer) lease() time.Duration {
	if d.Lease > 0 {
		return d.Lease
	}
	return DefaultLease
}

func (d *Deliverer) maxAttempts() int {
	if d.MaxAttempts > 0 {
		return d.MaxAttempts
	}
	return DefaultMaxAttempts
}

func (d *Deliverer) channels() []string {
	if d.Mailer != nil {
		return []string{storage.ChannelEmail, storage.ChannelWebhook}
	}
	return []string{storage.ChannelWebhook}
}

// Run delivers until ctx ends (then it returns nil). It wakes on NOTIFY from AddNotification,
// at the time the next retry is due, and at least every Poll.
func (d *Deliverer) Run(ctx context.Context) error {
	poll := d.Poll
	if poll <= 0 {
		poll = 5 * time.Second
	}
	wake := make(chan struct{}, 1)
	go d.DB.Listen(ctx, storage.DeliveryChannel, wake)
	for {
		n, err := d.DeliverOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.log().Warn("notify: cannot read the deliveries", "error", err)
		}
		if n > 0 && err == nil {
			continue // there may be more
		}
		wait := poll
		if err == nil {
			if at, ok, err := d.DB.NextDeliveryAt(ctx, d.channels()); err == nil && ok {
				wait = min(max(time.Until(at), 10*time.Millisecond), poll)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// DeliverOnce claims one batch of due deliveries and sends them; it returns how many it
// handled (sent, given up or put back for a retry).
func (d *Deliverer) DeliverOnce(ctx context.Context) (int, error) {
	batch := d.Batch
	if batch <= 0 {
		batch = 16
	}
	par := d.Parallel
	if par <= 0 {
		par = 4
	}
	ds, err := d.DB.ClaimDeliveries(ctx, batch, d.lease(), d.channels())
	if err != nil || len(ds) == 0 {
		return 0, err
	}
	var (
		wg  sync.WaitGroup
		sem = make(chan struct{}, par)
	)
	for _, dl := range ds {
		wg.Add(1)
		sem <- struct{}{}
		go func(dl storage.Delivery) {
			defer wg.Done()
			defer func() { <-sem }()
			d.handle(ctx, dl)
		}(dl)
	}
	wg.Wait()
	return len(ds), nil
}

// handle sends one delivery and records the outcome.
func (d *Deliverer) handle(ctx context.Context, dl storage.Delivery) {
	sctx, cancel := context.WithTimeout(ctx, d.lease()*2/3)
	err := d.send(sctx, dl)
	cancel()
	// Record the outcome even when ctx was cancelled meanwhile (shutdown).
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer rcancel()
	log := d.log().With("delivery", dl.ID, "channel", dl.Channel, "notification", dl.NotificationID, "attempt", dl.Attempts)
	var mark error
	switch {
	case err == nil:
		mark = d.DB.DeliverySent(rctx, dl)
		log.Debug("notify: sent")
	case ctx.Err() != nil:
		// Shutting down: put it back at once for another deliverer (the attempt still counts).
		mark = d.DB.DeliveryRetry(rctx, dl, 0, "interrupted: "+errText(err))
	default:
		var se *SendError
		errors.As(err, &se)
		if se != nil && se.Gone {
			if derr := d.DB.DisableWebhook(rctx, webhookID(dl), errText(err)); derr != nil {
				log.Warn("notify: cannot disable the webhook", "error", derr)
			} else {
				log.Warn("notify: webhook answered 410 Gone and is now disabled", "url", dl.WebhookURL)
			}
		}
		switch {
		case IsPermanent(err):
			log.Warn("notify: permanent failure, given up", "error", err)
			mark = d.DB.DeliveryFailed(rctx, dl, errText(err))
		case dl.Attempts >= d.maxAttempts():
			log.Warn("notify: given up after the last attempt", "error", err)
			mark = d.DB.DeliveryFailed(rctx, dl, fmt.Sprintf("gave up after %d attempts: %s", dl.Attempts, errText(err)))
		default:
			wait := d.backoff(dl.Attempts)
			if se != nil && se.RetryAfter > wait {
				wait = min(se.RetryAfter, time.Hour)
			}
			log.Info("notify: temporary failure, will retry", "retry_in", wait, "error", err)
			mark = d.DB.DeliveryRetry(rctx, dl, wait, errText(err))
		}
	}
	if mark != nil {
		if errors.Is(mark, storage.ErrLeaseLost) {
			log.Warn("notify: the lease ran out before the outcome was recorded; another deliverer has the delivery", "error", err)
		} else {
			log.Warn("notify: cannot record the outcome; the delivery will be tried again after its lease", "error", mark)
		}
	}
}

func (d *Deliverer) backoff(attempt int) time.Duration {
	if d.Backoff != nil {
		return d.Backoff(attempt)
	}
	return Backoff(attempt)
}

func (d *Deliverer) send(ctx context.Context, dl storage.Delivery) error {
	switch dl.Channel {
	case storage.ChannelEmail:
		if d.Mailer == nil {
			return &SendError{Stage: "config", Err: errors.New("e-mail is not configured (--smtp-addr)")}
		}
		return d.Mailer.Send(ctx, MailFor(dl, d.Mailer.From))
	case storage.ChannelWebhook:
		if !dl.WebhookFound {
			return &SendError{Permanent: true, Stage: "config", Err: errNoWebhook}
		}
		if !dl.WebhookActive {
			return &SendError{Permanent: true, Stage: "config", Err: errors.New("the webhook is disabled")}
		}
		body, err := MarshalPayload(PayloadFor(dl))
		if err != nil {
			return &SendError{Permanent: true, Stage: "http", Err: err}
		}
		client := d.HTTP
		if client == nil {
			client = sharedClient
		}
		w := &Webhook{Client: client}
		return w.Send(ctx, WebhookRequest{URL: dl.WebhookURL, Secret: dl.WebhookSecret, DeliveryID: dl.ID, Kind: dl.Kind, Body: body})
	}
	return &SendError{Permanent: true, Stage: "config", Err: fmt.Errorf("unknown channel %q", dl.Channel)}
}

// sharedClient is the webhook client of deliverers given none, shared so connections are reused.
var sharedClient = DefaultHTTPClient()

func webhookID(dl storage.Delivery) int64 {
	var id int64
	_, _ = fmt.Sscan(dl.Target, &id)
	return id
}

// errText is an error as stored in last_error: one line, at most 500 bytes.
func errText(err error) string {
	s := oneLine(err.Error())
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return s
}

// PayloadFor is the webhook body of a delivery.
func PayloadFor(dl storage.Delivery) Payload {
	p := Payload{Event: dl.EventKey, Kind: dl.Kind, Person: dl.PersonID, Title: dl.Title, Body: dl.Body, At: dl.CreatedAt}
	if dl.LetterID != "" {
		id := dl.LetterID
		p.LetterID = &id
	}
	return p
}

// MailFor is the e-mail of a delivery: the notification's title as the subject, its body,
// then the letter it is about. The Message-ID is stable per delivery, so a copy sent twice
// (after a crash mid-send) is recognisable.
func MailFor(dl storage.Delivery, from string) Message {
	var b strings.Builder
	b.WriteString(dl.Title + "\n")
	if strings.TrimSpace(dl.Body) != "" {
		b.WriteString("\n" + strings.TrimSpace(dl.Body) + "\n")
	}
	if dl.LetterID != "" {
		b.WriteString("\n")
		if ref := strings.TrimSpace(dl.DocNumber + " " + dl.Subject); ref != "" {
			b.WriteString("หนังสือ: " + ref + "\n")
		}
		b.WriteString("รหัสหนังสือในระบบ: " + dl.LetterID + "\n")
	}
	b.WriteString("\n--\nระบบสารบรรณอิเล็กทรอนิกส์ (saraban) ส่งอีเมลนี้โดยอัตโนมัติ กรุณาอย่าตอบกลับ\n")
	domain := "saraban.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		domain = domainOf(a.Address)
	}
	return Message{
		To:        dl.Target,
		ToName:    dl.PersonName,
		Subject:   dl.Title,
		Body:      b.String(),
		MessageID: fmt.Sprintf("saraban.%d.%d@%s", dl.NotificationID, dl.ID, domain),
		Headers: map[string]string{
			"X-Saraban-Event":    dl.Kind,
			"X-Saraban-Delivery": fmt.Sprint(dl.ID),
		},
	}
}
