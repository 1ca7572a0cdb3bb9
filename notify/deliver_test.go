package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/notify"
	"github.com/saraban/saraban/storage"
)

const (
	thaiTitle = "ด่วนที่สุด: ขอให้รายงานผลการดำเนินงานตามแผนพัฒนาจังหวัดสงขลา ภายในวันที่ ๑๙ ตุลาคม ๒๕๖๒"
	thaiBody  = "กำหนด 2019-10-19 — เรียน เจ้าพนักงานที่ดินจังหวัดสงขลา เพื่อโปรดพิจารณา"
	fromAddr  = "ระบบสารบรรณ จังหวัดสงขลา <saraban@songkhla.example>"
)

func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// fixture is a fresh database with the demo organisation and one letter.
type fixture struct {
	t        *testing.T
	db       *storage.DB
	letterID string
	n        int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := testenv.DB(t)
	testenv.Demo(t, db)
	ctx := context.Background()
	id := uuid.NewString()
	_, err := db.ReceiveLetter(ctx, storage.ReceiveParams{Register: "LAND-RECV", Actor: "test", Letter: storage.NewLetter{
		ID: id, DocNumberRaw: "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗", DocNumber: "สข 0017.2/ว 7577", Subject: "การรายงานผลการดำเนินงาน",
		OriginalSHA256: strings.Repeat("ab", 32), OriginalKey: "sha256/x.pdf", Size: 1, Pages: 1,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, db: db, letterID: id}
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Pool.Exec(context.Background(), sql, args...); err != nil {
		f.t.Fatal(err)
	}
}

// notify writes a notification for person (a fresh event key each time) and returns its id.
func (f *fixture) notify(person, kind string) int64 {
	f.t.Helper()
	f.n++
	var id int64
	err := f.db.Transact(context.Background(), func(tx pgx.Tx) error {
		var err error
		id, _, err = storage.AddNotification(context.Background(), tx, storage.NewNotification{
			PersonID: person, LetterID: &f.letterID, Kind: kind, EventKey: fmt.Sprintf("test/%s/%d", kind, f.n),
			Title: thaiTitle, Body: thaiBody,
		})
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) deliveries(notificationID int64) []storage.DeliveryRow {
	f.t.Helper()
	ds, err := f.db.DeliveriesOf(context.Background(), notificationID)
	if err != nil {
		f.t.Fatal(err)
	}
	return ds
}

func (f *fixture) one(notificationID int64) storage.DeliveryRow {
	f.t.Helper()
	ds := f.deliveries(notificationID)
	if len(ds) != 1 {
		f.t.Fatalf("notification %d has %d deliveries, want 1: %+v", notificationID, len(ds), ds)
	}
	return ds[0]
}

func (f *fixture) deliverOnce(d *notify.Deliverer) int {
	f.t.Helper()
	n, err := d.DeliverOnce(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// webhookOnly leaves people without e-mail, so that only webhooks are queued.
func (f *fixture) noEmails() { f.exec(`UPDATE people SET email = ''`) }

func (f *fixture) addWebhook(url, secret string, events ...string) storage.Webhook {
	f.t.Helper()
	w, err := f.db.AddWebhook(context.Background(), url, secret, events, "test")
	if err != nil {
		f.t.Fatal(err)
	}
	return w
}

func noWait(int) time.Duration { return 0 }

func TestEmailDelivered(t *testing.T) {
	f := newFixture(t)
	srv := startSMTP(t, smtpOptions{})
	d := &notify.Deliverer{DB: f.db, Mailer: &notify.Mailer{Addr: srv.Addr, From: fromAddr}, Log: quietLog()}
	id := f.notify("sujit", "reminder")
	if n := f.deliverOnce(d); n != 1 {
		t.Fatalf("handled %d deliveries, want 1", n)
	}
	if row := f.one(id); row.Status != "sent" || row.Attempts != 1 || row.Target != "sujit@songkhla.example" || row.SentAt == nil {
		t.Fatalf("delivery %+v", row)
	}
	if n := f.deliverOnce(d); n != 0 {
		t.Fatalf("a second round handled %d deliveries", n)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.Meta.MailFrom != "saraban@songkhla.example" || len(m.Meta.RcptTos) != 1 || m.Meta.RcptTos[0] != "sujit@songkhla.example" || m.Meta.TLS {
		t.Errorf("envelope %+v", m.Meta)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(m.Msg.Header.Get("Subject"))
	if err != nil || subject != thaiTitle {
		t.Errorf("Subject decodes to %q (%v), want %q", subject, err, thaiTitle)
	}
	if raw := m.Msg.Header.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?b?") {
		t.Errorf("Subject not RFC 2047 B-encoded: %q", raw)
	}
	for _, line := range strings.Split(string(m.Raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("a line of %d bytes", len(line))
		}
	}
	to, err := m.Msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "นางสุจิตร์ สุขสว่าง" || to[0].Address != "sujit@songkhla.example" {
		t.Errorf("To %v (%v)", to, err)
	}
	from, err := m.Msg.Header.AddressList("From")
	if err != nil || from[0].Name != "ระบบสารบรรณ จังหวัดสงขลา" {
		t.Errorf("From %v (%v)", from, err)
	}
	row := f.one(id)
	if got, want := m.Msg.Header.Get("Message-Id"), fmt.Sprintf("<saraban.%d.%d@songkhla.example>", id, row.ID); got != want {
		t.Errorf("Message-ID %q, want %q", got, want)
	}
	if date, err := m.Msg.Header.Date(); err != nil || time.Since(date) > time.Minute {
		t.Errorf("Date %v (%v)", date, err)
	}
	if m.Msg.Header.Get("Content-Type") != "text/plain; charset=utf-8" || m.Msg.Header.Get("Auto-Submitted") != "auto-generated" ||
		m.Msg.Header.Get("X-Saraban-Event") != "reminder" {
		t.Errorf("headers %v", m.Msg.Header)
	}
	body, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, m.Msg.Body))
	for _, want := range []string{thaiTitle, thaiBody, "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗ การรายงานผลการดำเนินงาน", f.letterID} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}

// The same event for the same person is one notification and one e-mail, however often the
// caller retries.
func TestNotificationOnceAndEmailOnce(t *testing.T) {
	f := newFixture(t)
	srv := startSMTP(t, smtpOptions{})
	add := func() (int64, bool) {
		var id int64
		var created bool
		err := f.db.Transact(context.Background(), func(tx pgx.Tx) error {
			var err error
			id, created, err = storage.AddNotification(context.Background(), tx, storage.NewNotification{
				PersonID: "sujit", LetterID: &f.letterID, Kind: "due", EventKey: "task/1/due/2026-03-20", Title: thaiTitle})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return id, created
	}
	id1, c1 := add()
	d := &notify.Deliverer{DB: f.db, Mailer: &notify.Mailer{Addr: srv.Addr, From: fromAddr}, Log: quietLog()}
	f.deliverOnce(d)
	id2, c2 := add() // an activity retried after the first attempt committed
	f.deliverOnce(d)
	if !c1 || c2 || id1 != id2 {
		t.Fatalf("created %v then %v, ids %d %d", c1, c2, id1, id2)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d e-mails for one event", n)
	}
}

func TestEmailSTARTTLSAndAuth(t *testing.T) {
	f := newFixture(t)
	srv := startSMTP(t, smtpOptions{TLS: true, User: "saraban", Password: "s3cret-pass"})
	good := &notify.Mailer{Addr: srv.Addr, From: fromAddr, Username: "saraban", Password: "s3cret-pass",
		TLSConfig: &tls.Config{RootCAs: srv.CertPool, MinVersion: tls.VersionTLS12}} // STARTTLS because it is offered
	d := &notify.Deliverer{DB: f.db, Mailer: good, Log: quietLog()}
	id := f.notify("sujit", "due")
	f.deliverOnce(d)
	if row := f.one(id); row.Status != "sent" {
		t.Fatalf("delivery %+v", row)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || !msgs[0].Meta.TLS || !msgs[0].Meta.Authenticated || msgs[0].Meta.AuthUser != "saraban" {
		t.Fatalf("messages %+v", msgs)
	}

	// A certificate nobody vouches for: temporary (the operator fixes the configuration).
	untrusted := *good
	untrusted.TLSConfig = nil
	d.Mailer, d.Backoff = &untrusted, noWait
	id = f.notify("sujit", "due")
	f.deliverOnce(d)
	if row := f.one(id); row.Status != "pending" || row.Attempts != 1 || !strings.Contains(row.LastError, "starttls") ||
		!strings.Contains(row.LastError, "certificate") {
		t.Fatalf("untrusted certificate: %+v", row)
	}
	// A wrong password: temporary too, and the message says so.
	wrong := *good
	wrong.Password = "nope"
	d.Mailer = &wrong
	f.deliverOnce(d)
	if row := f.one(id); row.Status != "pending" || row.Attempts != 2 || !strings.Contains(row.LastError, "authentication") {
		t.Fatalf("wrong password: %+v", row)
	}
	// Fixed: it goes.
	d.Mailer = good
	f.deliverOnce(d)
	if row := f.one(id); row.Status != "sent" || row.Attempts != 3 {
		t.Fatalf("after the fix: %+v", row)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}
}

func TestEmailRequireTLSRefusesPlainServer(t *testing.T) {
	f := newFixture(t)
	srv := startSMTP(t, smtpOptions{})
	d := &notify.Deliverer{DB: f.db, Mailer: &notify.Mailer{Addr: srv.Addr, From: fromAddr, RequireTLS: true}, Log: quietLog()}
	id := f.notify("sujit", "due")
	f.deliverOnce(d)
	if row := f.one(id); row.Status != "pending" || !strings.Contains(row.LastError, "STARTTLS") {
		t.Fatalf("%+v", row)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("sent in clear although TLS was required")
	}
}

func TestEmailPermanentAndTemporaryRefusals(t *testing.T) {
	f := newFixture(t)
	srv := startSMTP(t, smtpOptions{})
	f.exec(`UPDATE people SET email = 'perm-sujit@songkhla.example' WHERE id = 'sujit'`)
	f.exec(`UPDATE people SET email = 'temp-panisa@songkhla.example' WHERE id = 'panisa'`)
	d := &notify.Deliverer{DB: f.db, Mailer: &notify.Mailer{Addr: srv.Addr, From: fromAddr}, Log: quietLog()}
	perm := f.notify("sujit", "due")
	temp := f.notify("panisa", "due")
	start := time.Now()
	if n := f.deliverOnce(d); n != 2 {
		t.Fatalf("handled %d", n)
	}
	if row := f.one(perm); row.Status != "failed" || row.Attempts != 1 || !strings.Contains(row.LastError, "550") ||
		!strings.Contains(row.LastError, "permanent") {
		t.Errorf("5xx: %+v", row)
	}
	row := f.one(temp)
	if row.Status != "pending" || row.Attempts != 1 || !strings.Contains(row.LastError, "451") || !strings.Contains(row.LastError, "temporary") {
		t.Errorf("4xx: %+v", row)
	}
	// The first retry waits about a second (Backoff(1)).
	if wait := row.NextAttemptAt.Sub(start); wait < 500*time.Millisecond || wait > 5*time.Second {
		t.Errorf("retry in %v, want about 1 s", wait)
	}
	if n := f.deliverOnce(d); n != 0 {
		t.Errorf("the retry was claimed at once (%d)", n)
	}
	time.Sleep(time.Until(row.NextAttemptAt) + 50*time.Millisecond)
	if n := f.deliverOnce(d); n != 1 {
		t.Errorf("the retry was not claimed when due (%d)", n)
	}
	if row := f.one(temp); row.Attempts != 2 || row.NextAttemptAt.Sub(time.Now()) < 2*time.Second {
		t.Errorf("second retry %+v (want about 4 s later)", row)
	}
	if len(srv.Messages()) != 0 {
		t.Error("a refused message was stored")
	}
}

func TestEmailServerDownThenUp(t *testing.T) {
	f := newFixture(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	d := &notify.Deliverer{DB: f.db, Mailer: &notify.Mailer{Addr: addr, From: fromAddr, Timeout: 3 * time.Second}, Backoff: noWait, Log: quietLog()}
	id := f.notify("sujit", "escalation")
	f.deliverOnce(d)
	if row := f.one(id); row.Status != "pending" || row.Attempts != 1 || !strings.Contains(row.LastError, "connect") {
		t.Fatalf("server down: %+v", row)
	}
	srv := startSMTP(t, smtpOptions{Port: port})
	f.deliverOnce(d)
	if row := f.one(id); row.Status != "sent" || row.Attempts != 2 {
		t.Fatalf("server up: %+v", row)
	}
	if len(srv.Messages()) != 1 {
		t.Fatal("no message")
	}
	// Down in the middle: stopped after the greeting would be a connection error too; here
	// the server is stopped and a new notification waits for it.
	srv.Stop()
	id = f.notify("sujit", "escalation")
	f.deliverOnce(d)
	if row := f.one(id); row.Status != "pending" {
		t.Fatalf("server stopped again: %+v", row)
	}
	srv.Start()
	f.deliverOnce(d)
	if row := f.one(id); row.Status != "sent" {
		t.Fatalf("server started again: %+v", row)
	}
}

// hookServer is a webhook endpoint on 127.0.0.1 that checks signatures.
type hookServer struct {
	*httptest.Server
	secret string
	mu     sync.Mutex
	got    []hookRequest
	answer func(n int) (int, http.Header) // status for the n-th request (1-based)
	delay  time.Duration
}

type hookRequest struct {
	Delivery, Event, Signature string
	Body                       []byte
	Valid                      bool
}

func newHook(t *testing.T, secret string, answer func(n int) (int, http.Header)) *hookServer {
	t.Helper()
	h := &hookServer{secret: secret, answer: answer}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if h.delay > 0 {
			time.Sleep(h.delay)
		}
		h.mu.Lock()
		h.got = append(h.got, hookRequest{
			Delivery: r.Header.Get(notify.HeaderDelivery), Event: r.Header.Get(notify.HeaderEvent),
			Signature: r.Header.Get(notify.HeaderSignature), Body: body,
			Valid: r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/json; charset=utf-8" &&
				notify.VerifySignature(h.secret, body, r.Header.Get(notify.HeaderSignature)),
		})
		n := len(h.got)
		h.mu.Unlock()
		code, hdr := 200, http.Header(nil)
		if h.answer != nil {
			code, hdr = h.answer(n)
		}
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.WriteHeader(code)
		fmt.Fprintln(w, "ok")
	}))
	t.Cleanup(h.Close)
	if !strings.HasPrefix(h.URL, "http://127.0.0.1:") {
		t.Fatalf("webhook test server on %s, want 127.0.0.1", h.URL)
	}
	return h
}

func (h *hookServer) requests() []hookRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookRequest(nil), h.got...)
}

const secret = "a-webhook-secret-of-some-length"

func TestWebhookSignedAndRetriedOn500(t *testing.T) {
	f := newFixture(t)
	f.noEmails()
	hook := newHook(t, secret, func(n int) (int, http.Header) {
		if n == 1 {
			return 500, nil
		}
		return 204, nil
	})
	f.addWebhook(hook.URL+"/saraban", secret)
	only := f.addWebhook(hook.URL+"/escalations-only", secret, "escalation")
	d := &notify.Deliverer{DB: f.db, Backoff: noWait, Log: quietLog()}
	id := f.notify("sujit", "reminder")
	if ds := f.deliveries(id); len(ds) != 1 || ds[0].Channel != "webhook" {
		t.Fatalf("the webhook filtered to escalations got a reminder: %+v (hook %d)", ds, only.ID)
	}
	f.deliverOnce(d)
	if row := f.one(id); row.Status != "pending" || row.Attempts != 1 || !strings.Contains(row.LastError, "500") {
		t.Fatalf("after a 500: %+v", row)
	}
	f.deliverOnce(d)
	row := f.one(id)
	if row.Status != "sent" || row.Attempts != 2 {
		t.Fatalf("after the retry: %+v", row)
	}
	reqs := hook.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	for _, r := range reqs {
		if !r.Valid || r.Delivery != fmt.Sprint(row.ID) || r.Event != "reminder" {
			t.Errorf("request %+v", r)
		}
		// The signature is the HMAC-SHA256 of the exact body, as a receiver in any language
		// computes it.
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(r.Body)
		if r.Signature != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			t.Errorf("signature %s", r.Signature)
		}
		if notify.VerifySignature("another-secret-entirely", r.Body, r.Signature) {
			t.Error("a wrong secret verifies")
		}
	}
	var p map[string]any
	if err := json.Unmarshal(reqs[1].Body, &p); err != nil {
		t.Fatal(err)
	}
	if p["event"] != "test/reminder/1" || p["kind"] != "reminder" || p["person"] != "sujit" || p["letter_id"] != f.letterID ||
		p["title"] != thaiTitle || p["body"] != thaiBody {
		t.Errorf("payload %v", p)
	}
	if at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(p["at"])); err != nil || time.Since(at) > time.Minute ||
		!strings.HasSuffix(fmt.Sprint(p["at"]), "+07:00") {
		t.Errorf("at %v (%v)", p["at"], err)
	}
	if len(p) != 7 {
		t.Errorf("payload has %d fields: %v", len(p), p)
	}
	// An escalation reaches both webhooks.
	if ds := f.deliveries(f.notify("sujit", "escalation")); len(ds) != 2 {
		t.Errorf("escalation: %d deliveries", len(ds))
	}
}

func TestWebhookGoneDisables(t *testing.T) {
	f := newFixture(t)
	f.noEmails()
	hook := newHook(t, secret, func(int) (int, http.Header) { return 410, nil })
	w := f.addWebhook(hook.URL, secret)
	d := &notify.Deliverer{DB: f.db, Log: quietLog()}
	id := f.notify("sujit", "due")
	f.deliverOnce(d)
	if row := f.one(id); row.Status != "failed" || row.Attempts != 1 || !strings.Contains(row.LastError, "410") {
		t.Fatalf("%+v", row)
	}
	hs, err := f.db.Webhooks(context.Background())
	if err != nil || len(hs) != 1 || hs[0].Active || hs[0].Failed != 1 {
		t.Fatalf("webhooks %+v (%v)", hs, err)
	}
	if ds := f.deliveries(f.notify("sujit", "due")); len(ds) != 0 {
		t.Errorf("a disabled webhook still gets deliveries: %+v", ds)
	}
	rows, err := f.db.AuditFor(context.Background(), "webhook", fmt.Sprint(w.ID))
	if err != nil || len(rows) != 2 || rows[1].Action != "webhook.disable" || rows[1].Actor != "system:notify" {
		t.Errorf("audit %+v (%v)", rows, err)
	}
}

func TestWebhookPermanent4xxAndRetryAfter(t *testing.T) {
	f := newFixture(t)
	f.noEmails()
	bad := newHook(t, secret, func(int) (int, http.Header) { return 400, nil })
	busy := newHook(t, secret, func(int) (int, http.Header) { return 429, http.Header{"Retry-After": {"120"}} })
	slow := newHook(t, secret, func(int) (int, http.Header) { return 408, nil })
	f.addWebhook(bad.URL, secret)
	f.addWebhook(busy.URL, secret)
	f.addWebhook(slow.URL, secret)
	d := &notify.Deliverer{DB: f.db, Log: quietLog()}
	id := f.notify("sujit", "due")
	start := time.Now()
	f.deliverOnce(d)
	byURL := map[string]storage.DeliveryRow{}
	hs, _ := f.db.Webhooks(context.Background())
	for _, row := range f.deliveries(id) {
		for _, h := range hs {
			if fmt.Sprint(h.ID) == row.Target {
				byURL[h.URL] = row
			}
		}
	}
	if row := byURL[bad.URL]; row.Status != "failed" || !strings.Contains(row.LastError, "400") {
		t.Errorf("400: %+v", row)
	}
	if row := byURL[busy.URL]; row.Status != "pending" || row.NextAttemptAt.Sub(start) < 110*time.Second {
		t.Errorf("429 with Retry-After 120: %+v", row)
	}
	if row := byURL[slow.URL]; row.Status != "pending" || row.NextAttemptAt.Sub(start) > 10*time.Second {
		t.Errorf("408: %+v", row)
	}
}

func TestMaxAttempts(t *testing.T) {
	f := newFixture(t)
	f.noEmails()
	hook := newHook(t, secret, func(int) (int, http.Header) { return 503, nil })
	f.addWebhook(hook.URL, secret)
	d := &notify.Deliverer{DB: f.db, MaxAttempts: 3, Backoff: noWait, Log: quietLog()}
	id := f.notify("sujit", "due")
	for i := 0; i < 5; i++ {
		f.deliverOnce(d)
	}
	row := f.one(id)
	if row.Status != "failed" || row.Attempts != 3 || !strings.Contains(row.LastError, "gave up after 3 attempts") {
		t.Fatalf("%+v", row)
	}
	if n := len(hook.requests()); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

func TestRemovedWebhookGivesUp(t *testing.T) {
	f := newFixture(t)
	f.noEmails()
	hook := newHook(t, secret, nil)
	w := f.addWebhook(hook.URL, secret)
	id := f.notify("sujit", "due")
	if err := f.db.RemoveWebhook(context.Background(), w.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if row := f.one(id); row.Status != "failed" || row.LastError != "webhook removed" {
		t.Fatalf("%+v", row)
	}
	if n := f.deliverOnce(&notify.Deliverer{DB: f.db, Log: quietLog()}); n != 0 || len(hook.requests()) != 0 {
		t.Fatal("a removed webhook was called")
	}
	if err := f.db.RemoveWebhook(context.Background(), w.ID, "test"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("removing twice: %v", err)
	}
}

// Two deliverers working the same table at once send every delivery exactly once.
func TestTwoDeliverersNeverSendTwice(t *testing.T) {
	f := newFixture(t)
	srv := startSMTP(t, smtpOptions{})
	hook := newHook(t, secret, nil)
	hook.delay = 5 * time.Millisecond
	f.addWebhook(hook.URL, secret)
	const n = 30
	for i := 0; i < n; i++ {
		f.notify("sujit", "reminder") // one e-mail and one webhook each
	}
	mailer := &notify.Mailer{Addr: srv.Addr, From: fromAddr}
	var wg sync.WaitGroup
	var handled atomic.Int64
	for i := 0; i < 2; i++ {
		d := &notify.Deliverer{DB: f.db, Mailer: mailer, Batch: 4, Parallel: 3, Log: quietLog()}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, err := d.DeliverOnce(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if k == 0 {
					return
				}
				handled.Add(int64(k))
			}
		}()
	}
	wg.Wait()
	if handled.Load() != 2*n {
		t.Errorf("handled %d, want %d", handled.Load(), 2*n)
	}
	seen := map[string]int{}
	for _, r := range hook.requests() {
		seen[r.Delivery]++
	}
	if len(seen) != n {
		t.Errorf("%d distinct webhook deliveries, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("webhook delivery %s sent %d times", id, c)
		}
	}
	ids := map[string]int{}
	for _, m := range srv.Messages() {
		ids[m.Msg.Header.Get("Message-Id")]++
	}
	if len(ids) != n {
		t.Errorf("%d distinct e-mails, want %d", len(ids), n)
	}
	for id, c := range ids {
		if c != 1 {
			t.Errorf("e-mail %s sent %d times", id, c)
		}
	}
	for _, row := range f.deliveries(0) {
		if row.Status != "sent" || row.Attempts != 1 {
			t.Errorf("delivery %+v", row)
		}
	}
}

// A claim hides a delivery until its lease ends; a deliverer that died mid-send leaves it to be
// claimed again then, and its late report is refused.
func TestLeaseExpiry(t *testing.T) {
	f := newFixture(t)
	f.noEmails()
	hook := newHook(t, secret, nil)
	f.addWebhook(hook.URL, secret)
	id := f.notify("sujit", "due")
	ctx := context.Background()
	claimed, err := f.db.ClaimDeliveries(ctx, 10, time.Second, []string{storage.ChannelWebhook})
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	again, err := f.db.ClaimDeliveries(ctx, 10, time.Second, []string{storage.ChannelWebhook})
	if err != nil || len(again) != 0 {
		t.Fatalf("claimed twice: %v %v", again, err)
	}
	d := &notify.Deliverer{DB: f.db, Log: quietLog()}
	if n := f.deliverOnce(d); n != 0 {
		t.Fatal("a leased delivery was sent")
	}
	time.Sleep(1100 * time.Millisecond)
	if n := f.deliverOnce(d); n != 1 {
		t.Fatal("the delivery was not claimed after its lease")
	}
	if row := f.one(id); row.Status != "sent" || row.Attempts != 2 {
		t.Fatalf("%+v", row)
	}
	if err := f.db.DeliverySent(ctx, claimed[0]); !errors.Is(err, storage.ErrLeaseLost) {
		t.Fatalf("late report of the first claimer: %v", err)
	}
	if err := f.db.DeliveryRetry(ctx, claimed[0], 0, "x"); !errors.Is(err, storage.ErrLeaseLost) {
		t.Fatalf("late retry of the first claimer: %v", err)
	}
	if n := len(hook.requests()); n != 1 {
		t.Fatalf("%d requests", n)
	}
}

// Run wakes on NOTIFY: a notification is delivered at once, not at the next poll.
func TestRunWakesOnNotify(t *testing.T) {
	f := newFixture(t)
	f.noEmails()
	hook := newHook(t, secret, nil)
	f.addWebhook(hook.URL, secret)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // before the database closes, even when the test fails
	done := make(chan error, 1)
	d := &notify.Deliverer{DB: f.db, Poll: time.Minute, Log: quietLog()}
	go func() { done <- d.Run(ctx) }()
	time.Sleep(300 * time.Millisecond) // let it LISTEN
	start := time.Now()
	id := f.notify("sujit", "task")
	for f.one(id).Status != "sent" {
		if time.Since(start) > 10*time.Second {
			t.Fatal("not delivered within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("delivered %v after the commit", time.Since(start))
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestWebhookOnlyWhenNoMailer(t *testing.T) {
	f := newFixture(t)
	hook := newHook(t, secret, nil)
	f.addWebhook(hook.URL, secret)
	id := f.notify("sujit", "due")
	d := &notify.Deliverer{DB: f.db, Log: quietLog()} // no Mailer: e-mail waits
	f.deliverOnce(d)
	for _, row := range f.deliveries(id) {
		want := map[string]string{"email": "pending", "webhook": "sent"}[row.Channel]
		if row.Status != want || (row.Channel == "email" && row.Attempts != 0) {
			t.Errorf("%+v", row)
		}
	}
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}
