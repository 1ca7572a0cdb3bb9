// Package web is the application clerks and officials use in a browser: server-rendered HTML
// (html/template), Thai first with English available, a little JavaScript, every asset embedded
// in the binary and served by saraban itself. Sign-in, sessions and CSRF are in session.go;
// who may see and do what is asked of package policy, never decided here. Design: docs/web.md.
package web

import (
	"bytes"
	"context"
	"crypto/x509"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/saraban/saraban/auth"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/policy"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Server is the web application. Fields left nil switch their screens off (the menu does not
// show them), so that tests can build only what they need.
type Server struct {
	DB     *storage.DB
	Policy *policy.Engine
	// Services the screens use; each screen file documents what it needs.
	Services Services
	OIDC     *auth.OIDC // nil: local accounts only
	// SecureCookies marks cookies Secure (and __Host-): set it behind HTTPS.
	SecureCookies bool
	// SessionTTL is a session's longest life, IdleTTL its longest idle time.
	SessionTTL, IdleTTL time.Duration
	// Trust holds the root certificates signatures on letters are checked against (--trust);
	// nil: no chain is trusted, and the letter page says so.
	Trust *x509.CertPool
	// Digits is how numbers and dates are shown (Thai digits by default).
	Digits thai.Digits
	// DefaultLang is the language of a browser before sign-in ("th").
	DefaultLang string
	Log         *slog.Logger
	Now         func() time.Time

	once      sync.Once
	pages     map[string]*template.Template
	staticTag string
	mux       *http.ServeMux
}

// Ctx is what every handler gets about the request: who asks, in which capacity and language.
type Ctx struct {
	Subj   policy.Subject
	SessID string
	CSRF   string
	Lang   string
	Path   string
	// Flash is a message carried to the next page (after a redirect).
	Flash string
	s     *Server
}

// SignedIn tells whether a person is signed in.
func (c *Ctx) SignedIn() bool { return c.Subj.Username != "" }

type handler func(w http.ResponseWriter, r *http.Request, c *Ctx) error

func (s *Server) init() {
	s.once.Do(func() {
		if s.SessionTTL == 0 {
			s.SessionTTL = 12 * time.Hour
		}
		if s.IdleTTL == 0 {
			s.IdleTTL = 2 * time.Hour
		}
		if s.DefaultLang == "" {
			s.DefaultLang = "th"
		}
		if s.Log == nil {
			s.Log = slog.Default()
		}
		if s.Now == nil {
			s.Now = time.Now
		}
		s.pages = parseTemplates()
		s.staticTag = staticHash()
		s.mux = http.NewServeMux()
		s.routes(s.mux)
	})
}

// Handler returns the application's routes (everything but /api/).
func (s *Server) Handler() http.Handler {
	s.init()
	return securityHeaders(withGzip(s.mux))
}

// route is one screen's registration: screen files add theirs in init functions, so that the
// files of different screens do not touch each other.
type route struct {
	pattern string
	public  bool // no sign-in needed
	h       handler
}

var (
	routesMu  sync.Mutex
	allRoutes []func(s *Server) []route
)

// addRoutes registers a screen's routes.
func addRoutes(f func(s *Server) []route) {
	routesMu.Lock()
	defer routesMu.Unlock()
	allRoutes = append(allRoutes, f)
}

func (s *Server) routes(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	fileServer := http.StripPrefix("/static/", http.FileServerFS(static))
	css := bundleCSS()
	mux.HandleFunc("GET /static/app.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		if r.URL.Query().Get("v") == s.staticTag {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		_, _ = w.Write(css)
	})
	mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") == s.staticTag {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		fileServer.ServeHTTP(w, r)
	}))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	})
	routesMu.Lock()
	fns := append([]func(*Server) []route(nil), allRoutes...)
	routesMu.Unlock()
	for _, f := range fns {
		for _, rt := range f(s) {
			if rt.public {
				mux.Handle(rt.pattern, s.publicPage(rt.h))
			} else {
				mux.Handle(rt.pattern, s.page(rt.h))
			}
		}
	}
	mux.Handle("/", s.publicPage(func(w http.ResponseWriter, r *http.Request, c *Ctx) error {
		return &httpErr{status: http.StatusNotFound, th: "ไม่พบหน้าที่ต้องการ", en: "No such page."}
	}))
}

// httpErr is an error shown as a page with its status.
type httpErr struct {
	status int
	th, en string
}

func (e *httpErr) Error() string { return e.en }

// Errf makes an error page's message in both languages.
func errPage(status int, th, en string) error { return &httpErr{status: status, th: th, en: en} }

// fail shows an error as a page that says what happened and what to do.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, c *Ctx, err error) {
	status, msg := http.StatusInternalServerError, ""
	var he *httpErr
	var ref *policy.Refusal
	var ie *intake.Error
	switch {
	case errors.As(err, &he):
		status = he.status
		msg = he.th
		if c.Lang == "en" {
			msg = he.en
		}
	case errors.As(err, &ref):
		status = ref.D.Status
		if status == 0 {
			status = http.StatusForbidden
		}
		msg = ref.D.Reason.In(c.Lang)
		if s.DB != nil && c.SignedIn() {
			s.auditRefusal(r, c, ref)
		}
	case errors.As(err, &ie):
		status = http.StatusUnprocessableEntity
		switch ie.Kind {
		case intake.NotFound:
			status = http.StatusNotFound
		case intake.Forbidden:
			status = http.StatusForbidden
		case intake.TooLarge:
			status = http.StatusRequestEntityTooLarge
		case intake.Duplicate:
			status = http.StatusConflict
		case intake.Internal:
			status = http.StatusServiceUnavailable
		}
		msg = ie.Message
	case errors.Is(err, storage.ErrNotFound):
		status, msg = http.StatusNotFound, c.T("error.not_found")
	case errors.Is(err, storage.ErrForbidden):
		status, msg = http.StatusForbidden, err.Error()
	case errors.Is(err, storage.ErrConflict), errors.Is(err, storage.ErrInvalid):
		status, msg = http.StatusConflict, err.Error()
		if errors.Is(err, storage.ErrInvalid) {
			status = http.StatusUnprocessableEntity
		}
	case errors.Is(err, context.Canceled):
		return
	default:
		s.Log.Error("web: request failed", "path", r.URL.Path, "err", err)
		msg = c.T("error.internal")
	}
	if status == http.StatusUnauthorized {
		http.Redirect(w, r, "/login?next="+urlQuery(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	s.render(w, r, c, status, "error", map[string]any{"Status": status, "Message": msg})
}

func (s *Server) auditRefusal(r *http.Request, c *Ctx, ref *policy.Refusal) {
	ctx := context.WithoutCancel(r.Context())
	_ = s.DB.Transact(ctx, func(tx storageTx) error {
		return storage.Audit(ctx, tx, c.Subj.PersonID, c.Subj.CapacityText(), "refused", "page", r.Method+" "+r.URL.Path,
			map[string]any{"reason": ref.D.Reason.EN, "status": ref.D.Status})
	})
}

// render executes a page template inside the layout.
func (s *Server) render(w http.ResponseWriter, r *http.Request, c *Ctx, status int, name string, data any) {
	t, ok := s.pages[name]
	if !ok {
		s.Log.Error("web: no template", "name", name)
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pageData{C: c, Data: data, Name: name, Static: s.staticTag}); err != nil {
		s.Log.Error("web: template failed", "name", name, "err", err)
		http.Error(w, "the page could not be drawn", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// pageData is what every template sees: .C (the request: T, Date, Num…), .Data (the page's).
type pageData struct {
	C      *Ctx
	Data   any
	Name   string
	Static string
}

func parseTemplates() map[string]*template.Template {
	base := template.Must(template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t := template.Must(base.Clone())
		partials, _ := fs.Glob(templateFS, "templates/_*.html")
		if len(partials) > 0 {
			template.Must(t.ParseFS(templateFS, partials...))
		}
		pages[name] = template.Must(t.ParseFS(templateFS, f))
	}
	return pages
}

// redirect answers a form post with 303 to the next page, carrying a flash message.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		http.SetCookie(w, &http.Cookie{Name: "saraban_flash", Value: encodeFlash(flash), Path: "/", HttpOnly: true,
			SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies, MaxAge: 60})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; object-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "SAMEORIGIN")
		h.ServeHTTP(w, r)
	})
}

func staticHash() string {
	h := newHasher()
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err == nil {
			h.Write([]byte(p))
			h.Write(b)
		}
		return err
	})
	return fmt.Sprintf("%x", h.Sum(nil))[:12]
}

// bundleCSS is app.css followed by every other stylesheet in static/ (one per screen), so that
// a page loads one stylesheet and screen files do not edit a shared one.
func bundleCSS() []byte {
	var out bytes.Buffer
	base, _ := staticFS.ReadFile("static/app.css")
	out.Write(base)
	files, _ := fs.Glob(staticFS, "static/*.css")
	for _, f := range files {
		if f == "static/app.css" {
			continue
		}
		b, _ := staticFS.ReadFile(f)
		out.WriteString("\n/* " + path.Base(f) + " */\n")
		out.Write(b)
	}
	return out.Bytes()
}
