package storage_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage"
)

func ntfAdd(t *testing.T, db *storage.DB, n storage.NewNotification) (int64, bool) {
	t.Helper()
	var id int64
	var created bool
	err := db.Transact(context.Background(), func(tx pgx.Tx) error {
		var err error
		id, created, err = storage.AddNotification(context.Background(), tx, n)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id, created
}

// ntfTargets lists a notification's deliveries as "channel:target", sorted.
func ntfTargets(t *testing.T, db *storage.DB, id int64) []string {
	t.Helper()
	ds, err := db.DeliveriesOf(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.Channel+":"+d.Target)
	}
	sort.Strings(out)
	return out
}

func TestAddNotificationQueuesDeliveries(t *testing.T) {
	db := testenv.DB(t)
	testenv.Demo(t, db)
	ctx := context.Background()
	const secret = "0123456789abcdef-secret"
	all, err := db.AddWebhook(ctx, "https://hooks.example/all", secret, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	esc, err := db.AddWebhook(ctx, "https://hooks.example/esc", secret, []string{"escalation", "due"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	off, err := db.AddWebhook(ctx, "https://hooks.example/off", secret, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DisableWebhook(ctx, off.ID, "test"); err != nil {
		t.Fatal(err)
	}
	hook := func(w storage.Webhook) string { return fmt.Sprintf("webhook:%d", w.ID) }

	id, created := ntfAdd(t, db, storage.NewNotification{PersonID: "sujit", Kind: "reminder", EventKey: "task/1/reminder/2026-03-17", Title: "ใกล้ครบกำหนด"})
	if !created {
		t.Fatal("not created")
	}
	if got, want := ntfTargets(t, db, id), []string{"email:sujit@songkhla.example", hook(all)}; !equal(got, want) {
		t.Errorf("reminder: %v, want %v", got, want)
	}
	id2, created := ntfAdd(t, db, storage.NewNotification{PersonID: "sujit", Kind: "reminder", EventKey: "task/1/reminder/2026-03-17", Title: "ใกล้ครบกำหนด (retry)"})
	if created || id2 != id || len(ntfTargets(t, db, id)) != 2 {
		t.Errorf("a repeat: created %v id %d (want %d)", created, id2, id)
	}
	id, _ = ntfAdd(t, db, storage.NewNotification{PersonID: "sujit", Kind: "escalation", EventKey: "task/1/escalation/2026-03-24", Title: "เกินกำหนด"})
	if got, want := ntfTargets(t, db, id), []string{"email:sujit@songkhla.example", hook(all), hook(esc)}; !equal(got, want) {
		t.Errorf("escalation: %v, want %v", got, want)
	}
	// The same event for another person is another notification.
	if _, created := ntfAdd(t, db, storage.NewNotification{PersonID: "panisa", Kind: "escalation", EventKey: "task/1/escalation/2026-03-24", Title: "เกินกำหนด"}); !created {
		t.Error("another person's copy was not created")
	}
	// No address, or inactive: no e-mail.
	if _, err := db.Pool.Exec(ctx, `UPDATE people SET email = '' WHERE id = 'netanong'; UPDATE people SET active = false WHERE id = 'prasert'`); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"netanong", "prasert"} {
		id, _ := ntfAdd(t, db, storage.NewNotification{PersonID: p, Kind: "task", EventKey: "x/" + p, Title: "งานใหม่"})
		if got, want := ntfTargets(t, db, id), []string{hook(all)}; !equal(got, want) {
			t.Errorf("%s: %v, want %v", p, got, want)
		}
	}
	// A notification about a letter and a task keeps both.
	letter := receiveTestLetter(t, db, "LAND-RECV", "ทดสอบ", nil)
	id, _ = ntfAdd(t, db, storage.NewNotification{PersonID: "sujit", LetterID: &letter, Kind: "forwarded", EventKey: "forward/1", Title: "หนังสือเวียน"})
	var gotLetter string
	if err := db.Pool.QueryRow(ctx, `SELECT letter_id::text FROM notifications WHERE id = $1`, id).Scan(&gotLetter); err != nil || gotLetter != letter {
		t.Errorf("letter %q %v", gotLetter, err)
	}
	// Refusals: what makes no notification.
	for _, n := range []storage.NewNotification{
		{Kind: "x", EventKey: "k", Title: "t"},
		{PersonID: "sujit", EventKey: "k", Title: "t"},
		{PersonID: "sujit", Kind: "x", Title: "t"},
		{PersonID: "sujit", Kind: "x", EventKey: "k"},
	} {
		err := db.Transact(ctx, func(tx pgx.Tx) error {
			_, _, err := storage.AddNotification(ctx, tx, n)
			return err
		})
		if err == nil {
			t.Errorf("%+v accepted", n)
		}
	}
	// Rolled back with its transaction: nothing stays.
	boom := errors.New("boom")
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		if _, _, err := storage.AddNotification(ctx, tx, storage.NewNotification{PersonID: "sujit", Kind: "x", EventKey: "rolled-back", Title: "t"}); err != nil {
			return err
		}
		return boom
	})
	var n int
	if !errors.Is(err, boom) || db.Pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE event_key = 'rolled-back'`).Scan(&n) != nil || n != 0 {
		t.Errorf("rollback: %v, %d rows", err, n)
	}
}

func equal(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

func TestWebhookAdministration(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	const secret = "a-long-enough-secret"
	for _, tc := range []struct {
		url, secret string
		events      []string
		want        string
	}{
		{"ftp://x.example/", secret, nil, "https://"},
		{"https:///path", secret, nil, "no host"},
		{"https://user:pw@x.example/", secret, nil, "credentials"},
		{"https://x.example/", "short", nil, "at least 16"},
		{"https://x.example/", secret, []string{"Reminder!"}, "event kind"},
	} {
		if _, err := db.AddWebhook(ctx, tc.url, tc.secret, tc.events, "test"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q %v: %v, want %q", tc.url, tc.secret, tc.events, err, tc.want)
		}
	}
	w, err := db.AddWebhook(ctx, "http://127.0.0.1:9/hook", secret, []string{"due", " escalation", "due", ""}, "operator:test")
	if err != nil || !equal(w.Events, []string{"due", "escalation"}) || !w.Active || w.ID == 0 {
		t.Fatalf("add: %+v %v", w, err)
	}
	if _, err := db.AddWebhook(ctx, "http://127.0.0.1:9/hook", secret, nil, "test"); !errors.Is(err, storage.ErrConflict) ||
		!strings.Contains(err.Error(), fmt.Sprintf("id %d", w.ID)) {
		t.Errorf("duplicate URL: %v", err)
	}
	hs, err := db.Webhooks(ctx)
	if err != nil || len(hs) != 1 || hs[0].URL != w.URL {
		t.Fatalf("list: %+v %v", hs, err)
	}
	b, _ := json.Marshal(hs)
	if strings.Contains(string(b), secret) {
		t.Error("the list shows the secret")
	}
	if err := db.RemoveWebhook(ctx, w.ID, "operator:test"); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveWebhook(ctx, w.ID, "operator:test"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("remove twice: %v", err)
	}
	rows, err := db.AuditFor(ctx, "webhook", fmt.Sprint(w.ID))
	if err != nil || len(rows) != 2 || rows[0].Action != "webhook.add" || rows[1].Action != "webhook.remove" {
		t.Fatalf("audit %+v %v", rows, err)
	}
	for _, r := range rows {
		if strings.Contains(r.Detail, secret) {
			t.Errorf("the audit row %s holds the secret", r.Action)
		}
	}
}
