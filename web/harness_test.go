package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/saraban/saraban/auth"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/policy"
	"github.com/saraban/saraban/storage"
)

func TestMain(m *testing.M) {
	// Cheap hashing in tests: the cost parameters are not what is tested here.
	auth.DefaultParams = auth.Params{Memory: 8 * 1024, Time: 1, Threads: 1, KeyLen: 32}
	os.Exit(m.Run())
}

// site is a web application on a fresh database with the demo agency.
type site struct {
	t   *testing.T
	db  *storage.DB
	srv *Server
	ts  *httptest.Server
}

// newSite starts the application; configure lets a test set services before it starts.
func newSite(t *testing.T, configure ...func(*Server)) *site {
	t.Helper()
	db := testenv.DB(t)
	testenv.Demo(t, db)
	srv := &Server{DB: db, Policy: &policy.Engine{Store: db}}
	for _, f := range configure {
		f(srv)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &site{t: t, db: db, srv: srv, ts: ts}
}

// account adds a web account for a demo person and returns its password.
func (s *site) account(person string, admin bool) string {
	s.t.Helper()
	pass := "pw-" + auth.Token(9)
	h, err := auth.Hash(pass, auth.DefaultParams)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.db.CreateAccount(context.Background(), storage.NewAccount{Username: person, PersonID: person, PasswordHash: h, IsAdmin: admin}, "test"); err != nil {
		s.t.Fatal(err)
	}
	return pass
}

// browser is a cookie-keeping HTTP client that does not follow redirects by itself.
type browser struct {
	t    *testing.T
	site *site
	c    *http.Client
	csrf string
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: s.t, site: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	Status   int
	Body     string
	Location string
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
var loginRE = regexp.MustCompile(`name="_login" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := page{Status: resp.StatusCode, Body: string(body), Location: resp.Header.Get("Location")}
	if m := csrfRE.FindStringSubmatch(p.Body); m != nil {
		b.csrf = m[1]
	}
	return p
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.site.ts.URL+path, nil)
	return b.do(req)
}

// post sends a form; the session's CSRF token is added unless the form has one.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok && b.csrf != "" {
		form.Set("_csrf", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.site.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// login signs in and fails the test unless it worked.
func (b *browser) login(user, pass string) {
	b.t.Helper()
	p := b.tryLogin(user, pass)
	if p.Status != http.StatusSeeOther {
		b.t.Fatalf("login %s: status %d, want 303\n%s", user, p.Status, p.Body)
	}
	b.get("/") // picks up the CSRF token
}

func (b *browser) tryLogin(user, pass string) page {
	b.t.Helper()
	lp := b.get("/login")
	m := loginRE.FindStringSubmatch(lp.Body)
	if m == nil {
		b.t.Fatalf("no login token on /login:\n%s", lp.Body)
	}
	return b.post("/login", url.Values{"_login": {m[1]}, "username": {user}, "password": {pass}, "_csrf": {""}})
}
