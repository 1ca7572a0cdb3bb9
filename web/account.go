package web

import (
	"errors"
	"net/http"

	"github.com/saraban/saraban/auth"
)

// A person changes their own password here (an administrator resets other people's on the
// accounts screen; an operator with `saraban user passwd`).

func init() {
	addRoutes(func(s *Server) []route {
		return []route{
			{pattern: "GET /account/password", h: s.passwordPage},
			{pattern: "POST /account/password", h: s.changePassword},
		}
	})
	addMessages(map[string][2]string{
		"account.password":      {"เปลี่ยนรหัสผ่าน", "Change password"},
		"account.current":       {"รหัสผ่านปัจจุบัน", "Current password"},
		"account.new":           {"รหัสผ่านใหม่", "New password"},
		"account.again":         {"รหัสผ่านใหม่อีกครั้ง", "New password again"},
		"account.rule":          {"อย่างน้อย %s ตัวอักษร และไม่มีชื่อผู้ใช้อยู่ในรหัสผ่าน", "At least %s characters, not containing the username."},
		"account.wrong_current": {"รหัสผ่านปัจจุบันไม่ถูกต้อง", "The current password is wrong."},
		"account.mismatch":      {"รหัสผ่านใหม่ทั้งสองช่องไม่ตรงกัน", "The two new passwords differ."},
		"account.no_local":      {"บัญชีนี้เข้าสู่ระบบผ่านบัญชีของหน่วยงาน จึงไม่มีรหัสผ่านในระบบนี้", "This account signs in through the agency's identity provider and has no password here."},
		"account.changed":       {"เปลี่ยนรหัสผ่านแล้ว กรุณาเข้าสู่ระบบด้วยรหัสผ่านใหม่", "Password changed: sign in with the new one."},
		"account.sessions_end":  {"เมื่อเปลี่ยนแล้ว ทุกเครื่องที่เข้าสู่ระบบไว้จะต้องเข้าสู่ระบบใหม่", "Every browser signed in to this account will have to sign in again."},
	})
}

type passwordData struct {
	Error, Rule string
	NoLocal     bool
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	a, err := s.DB.GetAccount(r.Context(), c.Subj.Username)
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "account_password", passwordData{Rule: c.T("account.rule", c.Num(auth.MinPasswordLen)), NoLocal: a.PasswordHash == ""})
	return nil
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	ctx := r.Context()
	a, err := s.DB.GetAccount(ctx, c.Subj.Username)
	if err != nil {
		return err
	}
	again := func(msg string, status int) error {
		s.render(w, r, c, status, "account_password", passwordData{Error: msg, Rule: c.T("account.rule", c.Num(auth.MinPasswordLen)), NoLocal: a.PasswordHash == ""})
		return nil
	}
	if a.PasswordHash == "" {
		return again(c.T("account.no_local"), http.StatusConflict)
	}
	if _, err := auth.Verify(r.PostFormValue("current"), a.PasswordHash, auth.DefaultParams); err != nil {
		if errors.Is(err, auth.ErrMismatch) {
			if _, lerr := s.DB.LoginFailed(ctx, a.Username, maxFailedLogins, lockFor); lerr != nil {
				return lerr
			}
			return again(c.T("account.wrong_current"), http.StatusForbidden)
		}
		return err
	}
	pass := r.PostFormValue("new")
	if pass != r.PostFormValue("again") {
		return again(c.T("account.mismatch"), http.StatusUnprocessableEntity)
	}
	if err := auth.CheckPolicy(pass, a.Username); err != nil {
		return again(err.Error(), http.StatusUnprocessableEntity)
	}
	hash, err := auth.Hash(pass, auth.DefaultParams)
	if err != nil {
		return err
	}
	// SetPassword ends every session of the account (this one too) and audits the change.
	if err := s.DB.SetPassword(ctx, a.Username, hash, a.PersonID); err != nil {
		return err
	}
	s.clearCookie(w, s.cookieName())
	s.redirect(w, r, "/login", c.T("account.changed"))
	return nil
}
