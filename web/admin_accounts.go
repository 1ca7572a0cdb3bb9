package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/saraban/saraban/auth"
	"github.com/saraban/saraban/storage"
)

// Accounts: list, add for a person (a generated password shown once), reset a password (the
// same), disable or enable, make or unmake an administrator. Through the same storage functions
// as `saraban user`; every change is audited there.

func init() {
	addRoutes(func(s *Server) []route {
		return []route{
			{pattern: "GET /admin/accounts", h: s.adminAccounts},
			{pattern: "POST /admin/accounts", h: s.adminAccountAdd},
			{pattern: "POST /admin/accounts/{username}/password", h: s.adminAccountPassword},
			{pattern: "POST /admin/accounts/{username}/flags", h: s.adminAccountFlags},
		}
	})
	addMessages(map[string][2]string{
		"admin.acc.username":      {"ชื่อผู้ใช้", "Username"},
		"admin.acc.person":        {"บุคคล", "Person"},
		"admin.acc.state":         {"สถานะ", "State"},
		"admin.acc.last_login":    {"เข้าระบบล่าสุด", "Last sign-in"},
		"admin.acc.never":         {"ยังไม่เคย", "never"},
		"admin.acc.sessions":      {"กำลังใช้งาน %s เครื่อง", "%s sessions"},
		"admin.acc.admin":         {"ผู้ดูแลระบบ", "administrator"},
		"admin.acc.disabled":      {"ระงับ", "disabled"},
		"admin.acc.person_off":    {"บุคคลนี้ไม่ใช้งาน", "person inactive"},
		"admin.acc.locked":        {"ล็อกถึง %s", "locked until %s"},
		"admin.acc.ok":            {"ใช้งานได้", "active"},
		"admin.acc.actions":       {"จัดการ", "Actions"},
		"admin.acc.reset":         {"ตั้งรหัสผ่านใหม่", "Reset password"},
		"admin.acc.disable":       {"ระงับ", "Disable"},
		"admin.acc.enable":        {"เปิดใช้", "Enable"},
		"admin.acc.make_admin":    {"ให้เป็นผู้ดูแล", "Make administrator"},
		"admin.acc.unmake_admin":  {"ถอนสิทธิ์ผู้ดูแล", "Remove administrator"},
		"admin.acc.add":           {"เพิ่มบัญชีผู้ใช้", "Add an account"},
		"admin.acc.add_note":      {"บัญชีผู้ใช้ผูกกับบุคคลในโครงสร้างหน่วยงาน คนละหนึ่งบัญชี ระบบจะสร้างรหัสผ่านให้และแสดงเพียงครั้งเดียว", "An account belongs to one person of the organisation. A password is generated and shown once."},
		"admin.acc.choose":        {"เลือกบุคคล", "Choose a person"},
		"admin.acc.username_hint": {"เว้นว่าง = รหัสบุคคล", "empty: the person's id"},
		"admin.acc.lang":          {"ภาษา", "Language"},
		"admin.acc.create":        {"สร้างบัญชี", "Create the account"},
		"admin.acc.everyone":      {"ทุกคนในโครงสร้างหน่วยงานมีบัญชีแล้ว", "Everyone in the organisation has an account."},
		"admin.acc.created":       {"สร้างบัญชี %s แล้ว", "Account %s created."},
		"admin.acc.password_set":  {"ตั้งรหัสผ่านใหม่ของ %s แล้ว การเข้าระบบเดิมของบัญชีนี้สิ้นสุดทั้งหมด", "New password for %s; its sessions have ended."},
		"admin.acc.password":      {"รหัสผ่าน", "Password"},
		"admin.acc.once":          {"รหัสผ่านนี้แสดงเพียงครั้งเดียว ระบบไม่ได้เก็บไว้ในรูปที่อ่านได้ ให้ส่งถึงเจ้าของบัญชีโดยตรง", "This password is shown once: saraban keeps only its hash. Give it to the account's owner in person."},
		"admin.acc.flags_saved":   {"บันทึกสถานะของ %s แล้ว", "%s updated."},
		"admin.acc.confirm_reset": {"ตั้งรหัสผ่านใหม่? การเข้าระบบเดิมของบัญชีนี้จะสิ้นสุด", "Reset the password? The account's sessions end."},
		"admin.acc.confirm_off":   {"ระงับบัญชีนี้? ผู้ใช้จะออกจากระบบทันที", "Disable this account? Its sessions end at once."},
		"admin.acc.you":           {"(ท่าน)", "(you)"},
	})
}

type adminAccountRow struct {
	storage.Account
	Flagged      bool // the account itself is disabled (not only its person)
	PersonActive bool
	Locked       *time.Time
	Activity     storage.AccountActivity
}

type adminAccountsData struct {
	Accounts  []adminAccountRow
	Available []storage.Person // people without an account
	// Shown once after an add or a reset.
	NewUser, NewPassword, NewMessage string
}

func (s *Server) accountsData(r *http.Request) (adminAccountsData, error) {
	ctx := r.Context()
	var d adminAccountsData
	accts, err := s.DB.ListAccounts(ctx)
	if err != nil {
		return d, err
	}
	act, err := s.DB.AccountsActivity(ctx, "")
	if err != nil {
		return d, err
	}
	o, err := s.DB.OrgSnapshot(ctx)
	if err != nil {
		return d, err
	}
	has := map[string]bool{}
	active := map[string]bool{}
	positions := map[string][]storage.Position{}
	for _, p := range o.People {
		active[p.ID] = p.Active
		positions[p.ID] = p.Positions
	}
	now := s.Now()
	for _, a := range accts {
		has[a.PersonID] = true
		a.Positions = positions[a.PersonID]
		row := adminAccountRow{Account: a, PersonActive: active[a.PersonID], Activity: act[a.Username]}
		row.Flagged = row.Activity.Disabled
		if a.LockedUntil != nil && a.LockedUntil.After(now) {
			row.Locked = a.LockedUntil
		}
		d.Accounts = append(d.Accounts, row)
	}
	for _, p := range o.People {
		if !has[p.ID] && p.Active {
			d.Available = append(d.Available, p)
		}
	}
	return d, nil
}

func (s *Server) adminAccounts(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	d, err := s.accountsData(r)
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "admin-accounts", d)
	return nil
}

// newPassword makes a random password that passes the password rules for the username.
func newPassword(username string) string {
	for {
		p := auth.Token(9) // 12 characters, 72 bits
		if auth.CheckPolicy(p, username) == nil {
			return p
		}
	}
}

func (s *Server) adminAccountAdd(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	person := strings.TrimSpace(r.PostFormValue("person"))
	user := strings.ToLower(strings.TrimSpace(r.PostFormValue("username")))
	if person == "" {
		return errPage(http.StatusBadRequest, "กรุณาเลือกบุคคล", "Choose a person.")
	}
	if user == "" {
		user = strings.ToLower(person)
	}
	lang := r.PostFormValue("lang")
	if lang != "en" {
		lang = "th"
	}
	pass := newPassword(user)
	hash, err := auth.Hash(pass, auth.DefaultParams)
	if err != nil {
		return err
	}
	actor, _ := adminActor(c)
	if err := s.DB.CreateAccount(r.Context(), storage.NewAccount{Username: user, PersonID: person, PasswordHash: hash,
		IsAdmin: r.PostFormValue("admin") != "", Lang: lang}, actor); err != nil {
		return err
	}
	d, err := s.accountsData(r)
	if err != nil {
		return err
	}
	d.NewUser, d.NewPassword, d.NewMessage = user, pass, c.T("admin.acc.created", user)
	s.render(w, r, c, http.StatusOK, "admin-accounts", d)
	return nil
}

func (s *Server) adminAccountPassword(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	user := strings.ToLower(r.PathValue("username"))
	pass := newPassword(user)
	hash, err := auth.Hash(pass, auth.DefaultParams)
	if err != nil {
		return err
	}
	actor, _ := adminActor(c)
	if err := s.DB.SetPassword(r.Context(), user, hash, actor); err != nil {
		return err
	}
	d, err := s.accountsData(r)
	if err != nil {
		return err
	}
	d.NewUser, d.NewPassword, d.NewMessage = user, pass, c.T("admin.acc.password_set", user)
	s.render(w, r, c, http.StatusOK, "admin-accounts", d)
	return nil
}

func (s *Server) adminAccountFlags(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	a, err := s.DB.GetAccount(r.Context(), r.PathValue("username"))
	if errors.Is(err, storage.ErrNoAccount) {
		return errPage(http.StatusNotFound, "ไม่พบบัญชีผู้ใช้นี้", "No such account.")
	}
	if err != nil {
		return err
	}
	// a.Disabled also counts an inactive person; the flag itself is what is kept.
	act, err := s.DB.AccountsActivity(r.Context(), a.Username)
	if err != nil {
		return err
	}
	admin, disabled := a.IsAdmin, act[a.Username].Disabled
	switch r.PostFormValue("do") {
	case "disable":
		disabled = true
	case "enable":
		disabled = false
	case "admin":
		admin = true
	case "unadmin":
		admin = false
	default:
		return errPage(http.StatusBadRequest, "ไม่รู้จักคำสั่งนี้", "Unknown action.")
	}
	if err := s.Policy.ChangeAccount(c.Subj, a.Username, admin, disabled).Err(); err != nil {
		return err
	}
	actor, _ := adminActor(c)
	if err := s.DB.SetAccountFlags(r.Context(), a.Username, admin, disabled, actor); err != nil {
		return err
	}
	s.redirect(w, r, "/admin/accounts#acct-"+a.Username, c.T("admin.acc.flags_saved", a.Username))
	return nil
}
