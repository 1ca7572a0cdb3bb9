package web

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/auth"
)

func TestSignInAndInbox(t *testing.T) {
	s := newSite(t)
	pass := s.account("sujit", false)
	b := s.browser()

	if p := b.get("/"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
		t.Fatalf("signed out: GET / = %d %q, want a redirect to /login", p.Status, p.Location)
	}
	b.login("sujit", pass)
	p := b.get("/")
	if p.Status != 200 {
		t.Fatalf("inbox: %d\n%s", p.Status, p.Body)
	}
	for _, want := range []string{"งานของฉัน", "เกินกำหนด", "ใกล้ครบกำหนด", "รับเข้าล่าสุด", "เจ้าพนักงานที่ดินจังหวัดสงขลา"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("inbox lacks %q", want)
		}
	}
	// English on request, and kept for the account.
	b.post("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
	if p := b.get("/"); !strings.Contains(p.Body, "My work") || !strings.Contains(p.Body, `lang="en"`) {
		t.Errorf("after choosing English the inbox is not in English")
	}
	a, err := s.db.GetAccount(context.Background(), "sujit")
	if err != nil || a.Lang != "en" {
		t.Errorf("account language = %q, %v; want en", a.Lang, err)
	}
	// Signing out ends the session on the server, not only in the browser.
	b.post("/logout", nil)
	if p := b.get("/"); p.Status != http.StatusSeeOther {
		t.Errorf("after sign-out GET / = %d, want a redirect", p.Status)
	}
}

func TestWrongPasswordsLockTheAccount(t *testing.T) {
	s := newSite(t)
	pass := s.account("panisa", false)
	b := s.browser()
	if p := b.tryLogin("nobody", "whatever-password"); p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง") {
		t.Fatalf("unknown user: %d", p.Status)
	}
	for i := 0; i < maxFailedLogins; i++ {
		if p := b.tryLogin("panisa", "wrong-password"); p.Status == http.StatusSeeOther {
			t.Fatal("a wrong password signed in")
		}
	}
	p := b.tryLogin("panisa", pass)
	if p.Status != http.StatusTooManyRequests || !strings.Contains(p.Body, "ล็อก") {
		t.Fatalf("right password on a locked account: %d, want 429 with the lock explained\n%s", p.Status, p.Body)
	}
	// The failures and the lock are in the audit log.
	var n int
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'login.failed' AND actor = 'panisa'`).Scan(&n); err != nil || n != maxFailedLogins {
		t.Errorf("audited failures = %d, %v; want %d", n, err, maxFailedLogins)
	}
	// An operator's new password unlocks it.
	if err := s.db.SetPassword(context.Background(), "panisa", mustHash(t, "a-new-password-1"), "test"); err != nil {
		t.Fatal(err)
	}
	b.login("panisa", "a-new-password-1")
}

func TestFormsNeedTheSessionsCSRFToken(t *testing.T) {
	s := newSite(t)
	pass := s.account("kanda", false)
	b := s.browser()
	b.login("kanda", pass)
	a, _ := s.db.GetAccount(context.Background(), "kanda")
	if len(a.Positions) < 2 {
		t.Fatalf("kanda should hold two positions in the demo agency, has %d", len(a.Positions))
	}
	other := a.Positions[1]
	form := url.Values{"capacity": {other.UnitCode + "|" + other.Title}, "next": {"/"}}

	bad := url.Values{"_csrf": {"forged"}}
	for k, v := range form {
		bad[k] = v
	}
	if p := b.post("/capacity", bad); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "CSRF") && !strings.Contains(p.Body, "แบบฟอร์ม") {
		t.Fatalf("forged CSRF: %d, want 403", p.Status)
	}
	// From another site, even with the token.
	form.Set("_csrf", b.csrf)
	req, _ := http.NewRequest(http.MethodPost, s.ts.URL+"/capacity", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if p := b.do(req); p.Status != http.StatusForbidden {
		t.Fatalf("cross-origin post: %d, want 403", p.Status)
	}
	// The real form switches the capacity, and the page says so.
	if p := b.post("/capacity", form); p.Status != http.StatusSeeOther {
		t.Fatalf("capacity switch: %d\n%s", p.Status, p.Body)
	}
	p := b.get("/")
	if !strings.Contains(p.Body, `value="`+other.UnitCode+`|`+other.Title+`" selected`) {
		t.Errorf("the chosen capacity is not selected on the next page")
	}
	var switched int
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'capacity.switch' AND actor = 'kanda'`).Scan(&switched); err != nil || switched != 1 {
		t.Errorf("capacity switches audited: %d, %v; want 1", switched, err)
	}
	// A position the person does not hold is refused.
	if p := b.post("/capacity", url.Values{"capacity": {"nosuch|ผู้ว่า"}}); p.Status != http.StatusForbidden {
		t.Errorf("foreign capacity: %d, want 403", p.Status)
	}
}

func TestSessionsExpireWhenIdle(t *testing.T) {
	s := newSite(t, func(srv *Server) { srv.IdleTTL = time.Second })
	pass := s.account("sujit", false)
	b := s.browser()
	b.login("sujit", pass)
	if _, err := s.db.Pool.Exec(context.Background(), `UPDATE web_sessions SET last_seen = now() - interval '1 minute'`); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/"); p.Status != http.StatusSeeOther {
		t.Fatalf("idle session still works: %d", p.Status)
	}
}

func TestPagesAreServedWithSafeHeadersAndEmbeddedAssets(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	p := b.get("/login")
	resp, err := http.Get(s.ts.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	if strings.Contains(p.Body, "http://") || strings.Contains(p.Body, "https://") {
		t.Errorf("the page loads something from another site:\n%s", p.Body)
	}
	for _, asset := range []string{"/static/app.css", "/static/app.js", "/static/logo.svg"} {
		if p := b.get(asset); p.Status != 200 || len(p.Body) < 100 {
			t.Errorf("%s: %d, %d bytes", asset, p.Status, len(p.Body))
		}
	}
}

func mustHash(t *testing.T, pass string) string {
	t.Helper()
	h, err := auth.Hash(pass, auth.DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestPagesAreCompressedForSlowLines(t *testing.T) {
	s := newSite(t)
	for _, path := range []string{"/login", "/static/app.css", "/static/app.js"} {
		req, _ := http.NewRequest(http.MethodGet, s.ts.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(resp.Body)
		if resp.Header.Get("Content-Encoding") != "gzip" || err != nil {
			t.Fatalf("%s: Content-Encoding %q, %v", path, resp.Header.Get("Content-Encoding"), err)
		}
		body, err := io.ReadAll(zr)
		resp.Body.Close()
		if err != nil || len(body) < 200 {
			t.Fatalf("%s: %d bytes after gunzip, %v", path, len(body), err)
		}
	}
	// Without Accept-Encoding the page comes plain.
	resp, err := http.DefaultTransport.RoundTrip(mustReq(t, s.ts.URL+"/login"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "" || !strings.Contains(string(b), "เข้าสู่ระบบ") {
		t.Fatalf("plain request: encoding %q", resp.Header.Get("Content-Encoding"))
	}
}

func mustReq(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestPeopleChangeTheirOwnPassword(t *testing.T) {
	s := newSite(t)
	pass := s.account("panisa", false)
	b := s.browser()
	b.login("panisa", pass)
	if p := b.get("/account/password"); p.Status != 200 || !strings.Contains(p.Body, "เปลี่ยนรหัสผ่าน") {
		t.Fatalf("password page: %d", p.Status)
	}
	for _, c := range []struct {
		current, new, again string
		status              int
	}{
		{"wrong-password", "a-new-secret-1", "a-new-secret-1", http.StatusForbidden},
		{pass, "a-new-secret-1", "a-new-secret-2", http.StatusUnprocessableEntity},
		{pass, "short", "short", http.StatusUnprocessableEntity},
		{pass, "panisa-secret-9", "panisa-secret-9", http.StatusUnprocessableEntity},
	} {
		if p := b.post("/account/password", url.Values{"current": {c.current}, "new": {c.new}, "again": {c.again}}); p.Status != c.status {
			t.Fatalf("%+v: %d, want %d", c, p.Status, c.status)
		}
	}
	if p := b.post("/account/password", url.Values{"current": {pass}, "new": {"a-new-secret-1"}, "again": {"a-new-secret-1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", p.Status, p.Body)
	}
	// The session ended; the old password no longer works, the new one does.
	if p := b.get("/"); p.Status != http.StatusSeeOther {
		t.Fatalf("after the change the old session still works: %d", p.Status)
	}
	if p := s.browser().tryLogin("panisa", pass); p.Status == http.StatusSeeOther {
		t.Fatal("the old password still signs in")
	}
	b.login("panisa", "a-new-secret-1")
	var n int
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'account.password' AND subject_id = 'panisa'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("password changes audited: %d, %v", n, err)
	}
}
