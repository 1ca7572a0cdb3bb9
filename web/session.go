package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/saraban/saraban/auth"
	"github.com/saraban/saraban/policy"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

type storageTx = pgx.Tx

func newHasher() hash.Hash { return sha256.New() }

func urlQuery(s string) string { return url.QueryEscape(s) }

// Sign-in rules.
const (
	maxFailedLogins = 5
	lockFor         = 15 * time.Minute
)

func (s *Server) cookieName() string {
	if s.SecureCookies {
		return "__Host-saraban"
	}
	return "saraban_session"
}

func (s *Server) newCtx(r *http.Request) *Ctx {
	c := &Ctx{s: s, Lang: s.DefaultLang, Path: r.URL.Path}
	if ck, err := r.Cookie("saraban_lang"); err == nil && (ck.Value == "th" || ck.Value == "en") {
		c.Lang = ck.Value
	}
	return c
}

// publicPage serves a page that needs no sign-in (but knows the person if they are).
func (s *Server) publicPage(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := s.newCtx(r)
		_ = s.loadSession(w, r, c)
		s.takeFlash(w, r, c)
		if err := h(w, r, c); err != nil {
			s.fail(w, r, c, err)
		}
	})
}

// page serves a page for a signed-in person; a form post must carry the session's CSRF token
// and come from this site.
func (s *Server) page(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := s.newCtx(r)
		if err := s.loadSession(w, r, c); err != nil {
			s.fail(w, r, c, err)
			return
		}
		if !c.SignedIn() {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+urlQuery(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.fail(w, r, c, errPage(http.StatusUnauthorized, "กรุณาเข้าสู่ระบบใหม่", "Sign in again."))
			return
		}
		if !safeMethod(r.Method) {
			if err := s.checkCSRF(r, c.CSRF); err != nil {
				s.fail(w, r, c, err)
				return
			}
		}
		s.takeFlash(w, r, c)
		// Audit rows written while serving this request carry the capacity the person acts in.
		r = r.WithContext(storage.WithCapacity(r.Context(), c.Subj.CapacityText()))
		if err := h(w, r, c); err != nil {
			s.fail(w, r, c, err)
		}
	})
}

func safeMethod(m string) bool { return m == http.MethodGet || m == http.MethodHead }

// checkCSRF refuses a state-changing request without the session's token (form field _csrf or
// header X-CSRF-Token) or from another origin.
func (s *Server) checkCSRF(r *http.Request, want string) error {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return errPage(http.StatusForbidden, "คำขอนี้มาจากเว็บไซต์อื่น จึงไม่ดำเนินการ", "This request came from another site and was refused.")
		}
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			// The token must be read before the (possibly large) body is: forms put it in the URL too.
			got = r.URL.Query().Get("_csrf")
			if got == "" {
				if err := r.ParseMultipartForm(32 << 20); err == nil {
					got = r.FormValue("_csrf")
				}
			}
		} else {
			got = r.PostFormValue("_csrf")
		}
	}
	if !auth.Equal(got, want) {
		return errPage(http.StatusForbidden, "แบบฟอร์มหมดอายุหรือไม่ถูกต้อง กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง",
			"The form expired or is not valid (CSRF). Reload the page and try again.")
	}
	return nil
}

// loadSession fills c from the session cookie. No cookie or an expired session leaves c
// signed out (and clears the cookie).
func (s *Server) loadSession(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	ck, err := r.Cookie(s.cookieName())
	if err != nil || ck.Value == "" || s.DB == nil {
		return nil
	}
	sess, err := s.DB.GetSession(r.Context(), ck.Value, s.IdleTTL)
	if errors.Is(err, storage.ErrNotFound) {
		s.clearCookie(w, s.cookieName())
		return nil
	}
	if err != nil {
		return err
	}
	a, err := s.DB.GetAccount(r.Context(), sess.Username)
	if err != nil && !errors.Is(err, storage.ErrNoAccount) {
		return err
	}
	if err != nil || a.Disabled {
		_ = s.DB.EndSession(r.Context(), ck.Value)
		s.clearCookie(w, s.cookieName())
		return nil
	}
	c.Subj = policy.SubjectOf(a, sess.CapacityUnit, sess.CapacityTitle)
	c.SessID = ck.Value
	c.CSRF = sess.CSRF
	if _, err := r.Cookie("saraban_lang"); err != nil {
		c.Lang = a.Lang
	}
	return nil
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func encodeFlash(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request, c *Ctx) {
	ck, err := r.Cookie("saraban_flash")
	if err != nil {
		return
	}
	if b, err := base64.RawURLEncoding.DecodeString(ck.Value); err == nil {
		c.Flash = string(b)
	}
	s.clearCookie(w, "saraban_flash")
}

func init() {
	addRoutes(func(s *Server) []route {
		rs := []route{
			{pattern: "GET /login", public: true, h: s.loginPage},
			{pattern: "POST /login", public: true, h: s.login},
			{pattern: "POST /logout", h: s.logout},
			{pattern: "POST /capacity", h: s.setCapacity},
			{pattern: "POST /lang", public: true, h: s.setLang},
		}
		// Registered always; without --oidc-issuer they answer 404.
		rs = append(rs, route{pattern: "GET /auth/oidc", public: true, h: s.oidcStart},
			route{pattern: "GET /auth/oidc/callback", public: true, h: s.oidcCallback})
		return rs
	})
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/login") {
		return "/"
	}
	return next
}

type loginData struct {
	Next, Username, Error, LoginToken string
	OIDC                              bool
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if c.SignedIn() {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	s.showLogin(w, r, c, http.StatusOK, loginData{Next: safeNext(r.URL.Query().Get("next"))})
	return nil
}

// showLogin draws the sign-in form with a fresh pre-session CSRF token (a cookie and the same
// value in the form).
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, c *Ctx, status int, d loginData) {
	d.LoginToken = auth.Token(18)
	d.OIDC = s.OIDC != nil
	http.SetCookie(w, &http.Cookie{Name: "saraban_login", Value: d.LoginToken, Path: "/login", HttpOnly: true,
		Secure: s.SecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	s.render(w, r, c, status, "login", d)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	ck, err := r.Cookie("saraban_login")
	if err != nil || !auth.Equal(ck.Value, r.PostFormValue("_login")) {
		s.showLogin(w, r, c, http.StatusForbidden, loginData{Next: safeNext(r.PostFormValue("next")), Error: c.T("login.expired")})
		return nil
	}
	user := strings.ToLower(strings.TrimSpace(r.PostFormValue("username")))
	pass := r.PostFormValue("password")
	d := loginData{Next: safeNext(r.PostFormValue("next")), Username: user}
	ctx := r.Context()
	a, err := s.DB.GetAccount(ctx, user)
	if errors.Is(err, storage.ErrNoAccount) || (err == nil && a.PasswordHash == "") {
		auth.VerifyUnknown(pass)
		d.Error = c.T("login.wrong")
		s.showLogin(w, r, c, http.StatusUnauthorized, d)
		return nil
	}
	if err != nil {
		return err
	}
	now := s.Now()
	if a.LockedUntil != nil && a.LockedUntil.After(now) {
		d.Error = c.T("login.locked", c.Time(*a.LockedUntil))
		s.showLogin(w, r, c, http.StatusTooManyRequests, d)
		return nil
	}
	rehash, err := auth.Verify(pass, a.PasswordHash, auth.DefaultParams)
	if errors.Is(err, auth.ErrMismatch) {
		until, lerr := s.DB.LoginFailed(ctx, user, maxFailedLogins, lockFor)
		if lerr != nil {
			return lerr
		}
		d.Error = c.T("login.wrong")
		if until != nil && until.After(now) {
			d.Error = c.T("login.locked", c.Time(*until))
		}
		s.showLogin(w, r, c, http.StatusUnauthorized, d)
		return nil
	}
	if err != nil {
		return err
	}
	if a.Disabled {
		d.Error = c.T("login.disabled")
		s.showLogin(w, r, c, http.StatusForbidden, d)
		return nil
	}
	if rehash {
		if h, err := auth.Hash(pass, auth.DefaultParams); err == nil {
			_ = s.DB.SetPassword(ctx, a.Username, h, a.PersonID)
		}
	}
	if err := s.startSession(w, r, a, "password"); err != nil {
		return err
	}
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
	return nil
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request, a storage.Account, method string) error {
	id := auth.Token(32)
	sess := storage.Session{Username: a.Username, CSRF: auth.Token(24), ExpiresAt: s.Now().Add(s.SessionTTL)}
	if len(a.Positions) > 0 {
		sess.CapacityUnit, sess.CapacityTitle = a.Positions[0].UnitCode, a.Positions[0].Title
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	if err := s.DB.CreateSession(r.Context(), id, sess, ip, r.UserAgent(), method); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: id, Path: "/", HttpOnly: true, Secure: s.SecureCookies,
		SameSite: http.SameSiteLaxMode, Expires: sess.ExpiresAt})
	s.clearCookie(w, "saraban_login")
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.DB.EndSession(r.Context(), c.SessID); err != nil {
		return err
	}
	s.clearCookie(w, s.cookieName())
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// setCapacity switches the position a person acts in (a person with several positions).
func (s *Server) setCapacity(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	unit, title, _ := strings.Cut(r.PostFormValue("capacity"), "|")
	if !c.Subj.HasCapacity(unit, title) {
		return errPage(http.StatusForbidden, "ท่านไม่ได้ดำรงตำแหน่งนี้", "You do not hold that position.")
	}
	if err := s.DB.SetSessionCapacity(r.Context(), c.SessID, unit, title); err != nil {
		return err
	}
	if err := s.DB.Transact(r.Context(), func(tx storageTx) error {
		return storage.Audit(r.Context(), tx, c.Subj.PersonID, title+", "+unit, "capacity.switch", "account", c.Subj.Username, map[string]any{"unit": unit, "title": title})
	}); err != nil {
		return err
	}
	s.redirect(w, r, safeNext(r.PostFormValue("next")), c.T("capacity.changed", title))
	return nil
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	lang := r.PostFormValue("lang")
	if lang != "th" && lang != "en" {
		return errPage(http.StatusBadRequest, "ภาษาที่เลือกไม่มีในระบบ", "Choose th or en.")
	}
	if c.SignedIn() {
		if err := s.checkCSRF(r, c.CSRF); err != nil {
			return err
		}
		if err := s.DB.SetAccountLang(r.Context(), c.Subj.Username, lang); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: "saraban_lang", Value: lang, Path: "/", Secure: s.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

var errNoOIDC = errPage(http.StatusNotFound, "ระบบนี้ไม่ได้เปิดการเข้าสู่ระบบด้วยบัญชีของหน่วยงาน", "Sign-in through an identity provider is not configured here.")

func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if s.OIDC == nil {
		return errNoOIDC
	}
	to, flow := s.OIDC.Start()
	http.SetCookie(w, &http.Cookie{Name: "saraban_oidc", Value: auth.FlowCookie(flow), Path: "/auth/oidc", HttpOnly: true,
		Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if s.OIDC == nil {
		return errNoOIDC
	}
	ck, err := r.Cookie("saraban_oidc")
	flow, ok := auth.Flow{}, false
	if err == nil {
		flow, ok = auth.ParseFlowCookie(ck.Value)
	}
	if !ok {
		return errPage(http.StatusBadRequest, "การเข้าสู่ระบบหมดเวลา กรุณาเริ่มใหม่", "The sign-in took too long or was started elsewhere; start again.")
	}
	if e := r.URL.Query().Get("error"); e != "" {
		return errPage(http.StatusForbidden, "ผู้ให้บริการยืนยันตัวตนปฏิเสธ: "+e, "The identity provider refused: "+e)
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	id, err := s.OIDC.Finish(ctx, flow, r.URL.Query().Get("state"), r.URL.Query().Get("code"))
	if err != nil {
		// 403, not 401: a 401 page sends the browser back to the sign-in form, hiding why.
		return errPage(http.StatusForbidden, "เข้าสู่ระบบไม่สำเร็จ: "+err.Error(), "Sign-in failed: "+err.Error())
	}
	email := ""
	if id.EmailVerified {
		email = id.Email
	}
	a, err := s.DB.AccountByOIDC(ctx, id.Subject, email)
	if errors.Is(err, storage.ErrNoAccount) {
		return errPage(http.StatusForbidden,
			fmt.Sprintf("บัญชี %s ยังไม่ได้ผูกกับผู้ใช้ในระบบสารบรรณ กรุณาติดต่อผู้ดูแลระบบ", firstNonEmpty(id.Email, id.Name)),
			fmt.Sprintf("%s has no saraban account yet; ask an administrator to add one with this e-mail address.", firstNonEmpty(id.Email, id.Name)))
	}
	if err != nil {
		return err
	}
	if a.Disabled {
		return errPage(http.StatusForbidden, "บัญชีนี้ถูกระงับ", "This account is disabled.")
	}
	s.clearCookie(w, "saraban_oidc")
	if err := s.startSession(w, r, a, "oidc"); err != nil {
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

// Time prints an instant as a BE date and time in Bangkok ("๖ ธ.ค. ๒๕๖๙ ๑๔:๐๕ น.").
func (c *Ctx) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	lt := t.In(thai.Bangkok)
	return thai.FormatDate(thai.DateOf(lt), thai.DateStyle{Digits: c.digits(), Abbrev: true}) + " " + thai.FormatTime(lt, c.digits())
}
