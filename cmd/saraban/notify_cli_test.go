package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage"
)

func TestHolidaysFromTheCommandLine(t *testing.T) {
	db := testenv.DB(t)
	url := testenv.DBURL(db)
	file := filepath.Join(testenv.RepoRoot(), "deploy", "holidays", "2569.yaml")
	out, err := run(t, url, "unused", "holidays", "import", file, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Changed  bool  `json:"changed"`
		Inserted int   `json:"inserted"`
		Years    []int `json:"years"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || !res.Changed || res.Inserted < 18 || len(res.Years) != 1 || res.Years[0] != 2569 {
		t.Fatalf("import: %s (%v)", out, err)
	}
	if out, err = run(t, url, "unused", "holidays", "import", file); err != nil || !strings.HasPrefix(out, "nothing changed") {
		t.Fatalf("import again: %q %v", out, err)
	}
	out, err = run(t, url, "unused", "holidays", "list", "--year", "2569", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var hs []struct {
		Date      string `json:"date"`
		Weekday   string `json:"weekday"`
		Name      string `json:"name"`
		Estimated bool   `json:"estimated"`
	}
	if err := json.Unmarshal([]byte(out), &hs); err != nil || len(hs) != res.Inserted || hs[0].Date != "2026-01-01" ||
		hs[0].Weekday != "Thursday" || hs[0].Name != "วันขึ้นปีใหม่" {
		t.Fatalf("list --json: %s (%v)", out, err)
	}
	if out, err = run(t, url, "unused", "holidays", "list", "--year", "2026"); err != nil || !strings.Contains(out, "๑ ม.ค. ๒๕๖๙") ||
		!strings.Contains(out, "estimated") {
		t.Fatalf("list: %q %v", out, err)
	}
	if out, err = run(t, url, "unused", "holidays", "list", "--year", "2571"); err != nil || !strings.Contains(out, "no holidays for 2571") {
		t.Fatalf("an empty year: %q %v", out, err)
	}
	// A bad file: the error names the line, nothing is written.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("- {date: 2027-01-01, name: วันขึ้นปีใหม่}\n- {date: 2027-02-31, name: x}\n- {date: 2027-01-01, name: ซ้ำ}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = run(t, url, "unused", "holidays", "import", bad)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(ee.msg, "line 2: bad date") || !strings.Contains(ee.msg, "line 3: duplicate date 2027-01-01") ||
		strings.Contains(ee.msg, "\n") {
		t.Fatalf("bad file: %v", err)
	}
	if out, _ := run(t, url, "unused", "holidays", "list", "--year", "2570"); !strings.Contains(out, "no holidays") {
		t.Fatalf("a bad file wrote: %q", out)
	}
	if _, err := run(t, url, "unused", "holidays", "list", "--year", "99"); !errors.As(err, &ee) || ee.code != 2 {
		t.Fatalf("--year 99: %v", err)
	}
}

func TestWebhooksFromTheCommandLine(t *testing.T) {
	db := testenv.DB(t)
	url := testenv.DBURL(db)
	const secret = "the-shared-secret-0123"
	sf := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(sf, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, url, "unused", "webhook", "add", "--url", "http://127.0.0.1:9/hook", "--secret-file", sf, "--events", "reminder,due", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var w storage.Webhook
	if err := json.Unmarshal([]byte(out), &w); err != nil || w.ID == 0 || strings.Join(w.Events, ",") != "reminder,due" || strings.Contains(out, secret) {
		t.Fatalf("add: %s (%v)", out, err)
	}
	// The secret from the file is the one stored, without its newline.
	var stored string
	if err := db.Pool.QueryRow(context.Background(), `SELECT secret FROM webhooks WHERE id = $1`, w.ID).Scan(&stored); err != nil || stored != secret {
		t.Fatalf("stored secret %q %v", stored, err)
	}
	var ee exitError
	if _, err := run(t, url, "unused", "webhook", "add", "--url", "http://127.0.0.1:9/hook", "--secret", secret); !errors.As(err, &ee) ||
		!strings.Contains(ee.msg, "already registered") {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := run(t, url, "unused", "webhook", "add", "--url", "http://127.0.0.1:9/other", "--secret", "short"); !errors.As(err, &ee) ||
		!strings.Contains(ee.msg, "at least 16") {
		t.Fatalf("short secret: %v", err)
	}
	if _, err := run(t, url, "unused", "webhook", "add", "--url", "http://127.0.0.1:9/other"); !errors.As(err, &ee) || ee.code != 2 {
		t.Fatalf("no secret: %v", err)
	}
	for _, args := range [][]string{{"webhook", "list"}, {"webhook", "list", "--json"}} {
		out, err := run(t, url, "unused", args...)
		if err != nil || !strings.Contains(out, "http://127.0.0.1:9/hook") || strings.Contains(out, secret) {
			t.Fatalf("%v: %q %v", args, out, err)
		}
	}
	if out, err := run(t, url, "unused", "webhook", "remove", itoa(int(w.ID))); err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("remove: %q %v", out, err)
	}
	if _, err := run(t, url, "unused", "webhook", "remove", itoa(int(w.ID))); !errors.As(err, &ee) || !strings.Contains(ee.msg, "not found") {
		t.Fatalf("remove again: %v", err)
	}
}

func TestInboxFromTheCommandLine(t *testing.T) {
	db := testenv.DB(t)
	testenv.Demo(t, db)
	url := testenv.DBURL(db)
	ctx := context.Background()
	for _, key := range []string{"one", "two"} {
		err := db.Transact(ctx, func(tx pgx.Tx) error {
			_, _, err := storage.AddNotification(ctx, tx, storage.NewNotification{PersonID: "sujit", Kind: "reminder", EventKey: key, Title: "ใกล้ครบกำหนด " + key})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	out, err := run(t, url, "unused", "inbox", "--as", "sujit")
	if err != nil || !strings.Contains(out, "2 unread notifications") || !strings.Contains(out, "ใกล้ครบกำหนด two") {
		t.Fatalf("inbox: %q %v", out, err)
	}
	out, err = run(t, url, "unused", "inbox", "--as", "sujit", "--json", "--mark-read")
	if err != nil {
		t.Fatal(err)
	}
	var in struct {
		Person string `json:"person"`
		Counts struct {
			Unread int `json:"unread"`
		} `json:"counts"`
		Tasks      []any `json:"tasks"`
		DueSoon    []any `json:"due_soon"`
		Overdue    []any `json:"overdue"`
		Unread     []any `json:"unread"`
		MarkedRead int   `json:"marked_read"`
	}
	if err := json.Unmarshal([]byte(out), &in); err != nil || in.Person != "sujit" || in.Counts.Unread != 2 || len(in.Unread) != 2 ||
		in.MarkedRead != 2 || in.Tasks == nil || in.DueSoon == nil || in.Overdue == nil {
		t.Fatalf("inbox --json: %s (%v)", out, err)
	}
	if out, err = run(t, url, "unused", "inbox", "--as", "sujit", "--json"); err != nil || !strings.Contains(out, `"unread": 0`) {
		t.Fatalf("after --mark-read: %s %v", out, err)
	}
	var ee exitError
	if _, err := run(t, url, "unused", "inbox", "--as", "nobody"); !errors.As(err, &ee) || !strings.Contains(ee.msg, "not found") {
		t.Fatalf("unknown person: %v", err)
	}
}

func TestNewDeliverer(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	app := newApp()
	var got error
	var mailer bool
	var password string
	app.Commands = append(app.Commands, &cli.Command{Name: "probe", Flags: notifyFlags(), Action: func(c *cli.Context) error {
		d, err := newDeliverer(c, nil)
		got = err
		if d != nil && d.Mailer != nil {
			mailer, password = true, d.Mailer.Password
		}
		return nil
	}})
	for _, tc := range []struct {
		args    []string
		mailer  bool
		wantErr string
	}{
		{nil, false, ""},
		{[]string{"--smtp-addr", "127.0.0.1:2525", "--smtp-from", "saraban@x.example", "--smtp-user", "u", "--smtp-password-file", pw}, true, ""},
		{[]string{"--smtp-addr", "127.0.0.1:2525"}, false, "--smtp-from"},
		{[]string{"--smtp-addr", "nohost", "--smtp-from", "saraban@x.example"}, false, "host:port"},
	} {
		got, mailer, password = nil, false, ""
		if err := app.Run(append([]string{"saraban", "probe"}, tc.args...)); err != nil {
			t.Fatal(err)
		}
		if (got == nil) != (tc.wantErr == "") || (got != nil && !strings.Contains(got.Error(), tc.wantErr)) || mailer != tc.mailer {
			t.Errorf("%v: mailer %v, error %v", tc.args, mailer, got)
		}
		if tc.mailer && password != "secret" {
			t.Errorf("password %q", password)
		}
	}
}
