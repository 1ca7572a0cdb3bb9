package web

import (
	"net/http"
	"strings"

	"github.com/saraban/saraban/storage"
)

// The break-glass log (every grant: who, which letter, why, when, until) and the latest audit
// rows, filtered by actor and action, with the hash chain checked on demand (the same check as
// `saraban audit verify`; it reads the whole log, so only when asked).

func init() {
	addRoutes(func(s *Server) []route {
		return []route{
			{pattern: "GET /admin/audit", h: s.adminAudit},
			{pattern: "POST /admin/audit/verify", h: s.adminAuditVerify},
		}
	})
	addMessages(map[string][2]string{
		"admin.aud.breakglass":      {"สิทธิ์ฉุกเฉิน (break-glass)", "Break-glass grants"},
		"admin.aud.breakglass_note": {"ผู้ดูแลระบบเปิดอ่านหนังสือได้เฉพาะเมื่อขอสิทธิ์ฉุกเฉินพร้อมเหตุผล ครั้งละหนึ่งชั่วโมง ทุกครั้งแสดงไว้ที่นี่", "An administrator reads a letter only through a break-glass grant with a reason, for one hour; every grant is listed here."},
		"admin.aud.no_breakglass":   {"ยังไม่เคยมีการขอสิทธิ์ฉุกเฉิน", "No break-glass grant so far."},
		"admin.aud.who":             {"ผู้ขอ", "Who"},
		"admin.aud.letter":          {"หนังสือ", "Letter"},
		"admin.aud.reason":          {"เหตุผล", "Reason"},
		"admin.aud.granted":         {"เมื่อ", "When"},
		"admin.aud.until":           {"ถึง", "Until"},
		"admin.aud.live":            {"ยังใช้ได้", "live"},
		"admin.aud.ended":           {"สิ้นสุด", "ended"},
		"admin.aud.log":             {"บันทึกตรวจสอบล่าสุด", "Latest audit entries"},
		"admin.aud.log_note":        {"แสดง %s รายการล่าสุด ใหม่สุดก่อน", "The newest %s entries, newest first."},
		"admin.aud.actor":           {"ผู้กระทำ", "Actor"},
		"admin.aud.action":          {"การกระทำ", "Action"},
		"admin.aud.action_hint":     {"เช่น refused, login, account. (ลงท้ายด้วยจุด = ขึ้นต้นด้วย)", "e.g. refused, login, account. (a trailing dot matches the prefix)"},
		"admin.aud.filter":          {"กรอง", "Filter"},
		"admin.aud.clear":           {"ล้างตัวกรอง", "Clear"},
		"admin.aud.no_rows":         {"ไม่มีรายการที่ตรงกับตัวกรอง", "No entries match."},
		"admin.aud.at":              {"เวลา", "At"},
		"admin.aud.subject":         {"สิ่งที่เกี่ยวข้อง", "Subject"},
		"admin.aud.detail":          {"รายละเอียด", "Detail"},
		"admin.aud.verify":          {"ตรวจความต่อเนื่องของบันทึก (hash chain)", "Verify the hash chain"},
		"admin.aud.verify_note":     {"ทุกรายการผูกกับรายการก่อนหน้าด้วยค่าแฮช การตรวจอ่านบันทึกทั้งหมด จึงทำเมื่อกดปุ่มเท่านั้น", "Each entry is chained to the one before by its hash. The check reads the whole log, so it runs only when asked."},
		"admin.aud.intact":          {"บันทึกครบถ้วน ไม่ถูกแก้ไข: ตรวจแล้ว %s รายการ", "The log is intact: %s entries checked."},
		"admin.aud.broken":          {"บันทึกไม่ต่อเนื่องที่รายการ %s: %s", "The chain breaks at entry %s: %s"},
		"admin.aud.last_hash":       {"แฮชล่าสุด", "Last hash"},
	})
}

// auditLimit is how many audit rows the page shows.
const auditLimit = 200

type adminAuditData struct {
	BreakGlass    []storage.BreakGlassRow
	Rows          []storage.AuditRow
	Actor, Action string
	Actions       []string
	Limit         int
	Verify        *storage.AuditReport
}

func (s *Server) auditData(r *http.Request, actor, action string) (adminAuditData, error) {
	d := adminAuditData{Actor: strings.TrimSpace(actor), Action: strings.TrimSpace(action), Limit: auditLimit}
	var err error
	if d.BreakGlass, err = s.DB.BreakGlassLog(r.Context(), 100); err != nil {
		return d, err
	}
	if d.Rows, err = s.DB.AuditLog(r.Context(), storage.AuditQuery{Actor: d.Actor, Action: d.Action, Limit: auditLimit}); err != nil {
		return d, err
	}
	seen := map[string]bool{}
	for _, a := range append([]string{"refused", "login", "login.failed", "break_glass", "org.import", "account.create", "account.flags", "account.password", "person.access", "holidays.add", "holidays.remove", "holidays.import", "webhook.add", "webhook.remove"}, rowActions(d.Rows)...) {
		if !seen[a] {
			seen[a] = true
			d.Actions = append(d.Actions, a)
		}
	}
	return d, nil
}

func rowActions(rows []storage.AuditRow) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.Action)
	}
	return out
}

func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	q := r.URL.Query()
	d, err := s.auditData(r, q.Get("actor"), q.Get("action"))
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "admin-audit", d)
	return nil
}

func (s *Server) adminAuditVerify(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	rep, err := s.DB.VerifyAudit(r.Context())
	if err != nil {
		return err
	}
	d, err := s.auditData(r, r.PostFormValue("actor"), r.PostFormValue("action"))
	if err != nil {
		return err
	}
	d.Verify = &rep
	s.render(w, r, c, http.StatusOK, "admin-audit", d)
	return nil
}

// AdminDetail shortens an audit row's detail for the table.
func (c *Ctx) AdminDetail(detail string) string {
	if detail == "{}" || detail == "null" {
		return ""
	}
	if r := []rune(detail); len(r) > 240 {
		return string(r[:240]) + "…"
	}
	return detail
}
