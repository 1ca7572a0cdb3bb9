package web

import (
	"net/http"
	"strings"

	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// Administration: the overview and the registers list; units and people are in admin_org.go,
// accounts in admin_accounts.go, holidays in admin_holidays.go, notification channels in
// admin_notify.go, the break-glass and audit log in admin_audit.go. Every handler asks
// policy.Engine.Administer first: a non-administrator gets 403 with the reason (and the refusal
// is audited by fail).

func init() {
	addRoutes(func(s *Server) []route {
		return []route{
			{pattern: "GET /admin", h: s.adminHome},
			{pattern: "GET /admin/registers", h: s.adminRegisters},
		}
	})
	addMessages(map[string][2]string{
		"admin.title":                  {"ผู้ดูแลระบบ", "Administration"},
		"admin.nav":                    {"เมนูผู้ดูแลระบบ", "Administration menu"},
		"admin.tab.home":               {"ภาพรวม", "Overview"},
		"admin.tab.org":                {"หน่วยงานและบุคลากร", "Units and people"},
		"admin.tab.accounts":           {"บัญชีผู้ใช้", "Accounts"},
		"admin.tab.registers":          {"ทะเบียน", "Registers"},
		"admin.tab.holidays":           {"วันหยุดราชการ", "Holidays"},
		"admin.tab.notify":             {"ช่องทางแจ้งเตือน", "Notification channels"},
		"admin.tab.audit":              {"บันทึกตรวจสอบ", "Audit log"},
		"admin.intro":                  {"ผู้ดูแลระบบจัดการโครงสร้างหน่วยงาน บัญชีผู้ใช้ ทะเบียน วันหยุด และช่องทางแจ้งเตือน แต่ไม่เปิดอ่านหนังสือ (ยกเว้นขอสิทธิ์ฉุกเฉินซึ่งถูกบันทึกไว้)", "Administrators manage the organisation, accounts, registers, holidays and notification channels. They do not read letters (except through a recorded break-glass grant)."},
		"admin.units":                  {"หน่วยงาน", "Units"},
		"admin.people":                 {"บุคลากร", "People"},
		"admin.people_active":          {"ใช้งานอยู่ %s คน", "%s active"},
		"admin.accounts":               {"บัญชีผู้ใช้", "Accounts"},
		"admin.accounts_sub":           {"ผู้ดูแล %s · ระงับ %s", "%s admin · %s disabled"},
		"admin.registers":              {"ทะเบียน", "Registers"},
		"admin.holidays_year":          {"วันหยุดปี %s", "Holidays %s"},
		"admin.webhooks":               {"เว็บฮุก", "Webhooks"},
		"admin.deliveries_sub":         {"รอส่ง %s · ล้มเหลว %s", "%s pending · %s failed"},
		"admin.breakglass":             {"สิทธิ์ฉุกเฉิน", "Break-glass grants"},
		"admin.breakglass_sub":         {"กำลังใช้อยู่ %s", "%s live"},
		"admin.audit_rows":             {"รายการบันทึกตรวจสอบ", "Audit rows"},
		"admin.warn.no_holidays":       {"ยังไม่มีวันหยุดราชการของปี %s ระบบจะนับเฉพาะเสาร์-อาทิตย์เป็นวันหยุด", "No holidays for %s yet: only weekends are skipped when counting working days."},
		"admin.warn.failed":            {"มีการแจ้งเตือนที่ส่งไม่สำเร็จ %s รายการ", "%s notification deliveries failed."},
		"admin.warn.breakglass":        {"มีสิทธิ์ฉุกเฉินที่ยังใช้ได้อยู่ %s รายการ", "%s break-glass grants are live."},
		"admin.code":                   {"รหัส", "Code"},
		"admin.name":                   {"ชื่อ", "Name"},
		"admin.unit":                   {"หน่วยงาน", "Unit"},
		"admin.kind":                   {"ประเภท", "Kind"},
		"admin.kind.receive":           {"ทะเบียนหนังสือรับ", "receive"},
		"admin.kind.send":              {"ทะเบียนหนังสือส่ง", "send"},
		"admin.series":                 {"ชุดเลข", "Series"},
		"admin.series.normal":          {"ปกติ", "normal"},
		"admin.series.circular":        {"หนังสือเวียน (ว)", "circular (ว)"},
		"admin.series.circular_secret": {"หนังสือเวียนลับ", "secret circular"},
		"admin.series.order":           {"คำสั่ง", "order"},
		"admin.series.certificate":     {"หนังสือรับรอง", "certificate"},
		"admin.central":                {"สารบรรณกลาง", "central registry"},
		"admin.counters":               {"เลขล่าสุด", "Last numbers"},
		"admin.counter":                {"ปี %s: %s", "%s: %s"},
		"admin.no_counters":            {"ยังไม่ได้ออกเลข", "no numbers yet"},
		"admin.registers_note":         {"ทะเบียนกำหนดในไฟล์โครงสร้างหน่วยงาน (YAML) หากต้องการเพิ่มหรือแก้ไข ให้แก้ไฟล์แล้วนำเข้าที่หน้า «หน่วยงานและบุคลากร» เลขทะเบียนเริ่มที่ ๑ ทุกปีปฏิทิน พ.ศ.", "Registers come from the organisation file (YAML): to add or change one, edit the file and import it on the Units and people page. Numbers restart at 1 every Buddhist Era year."},
		"admin.none":                   {"ไม่มี", "none"},
	})
}

// adminOnly is the first thing every administration handler does.
func (s *Server) adminOnly(c *Ctx) error {
	return s.Policy.Administer(c.Subj).Err()
}

// adminActor is how the audit log names the administrator acting.
func adminActor(c *Ctx) (actor, capacity string) {
	return c.Subj.PersonID, c.Subj.CapacityText()
}

// beYear is the Buddhist Era year of an instant in Bangkok.
func beYear(s *Server) int {
	return thai.DateOf(s.Now().In(thai.Bangkok)).BE()
}

type adminHomeData struct {
	Counts storage.AdminCounts
	Year   int
}

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	y := beYear(s)
	counts, err := s.DB.AdminOverview(r.Context(), y)
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "admin", adminHomeData{Counts: counts, Year: y})
	return nil
}

type adminRegister struct {
	storage.Register
	Counters []storage.Counter
}

func (s *Server) adminRegisters(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := s.adminOnly(c); err != nil {
		return err
	}
	regs, err := s.DB.ListRegisters(r.Context())
	if err != nil {
		return err
	}
	counters, err := s.DB.RegisterCounters(r.Context())
	if err != nil {
		return err
	}
	out := make([]adminRegister, 0, len(regs))
	for _, g := range regs {
		out = append(out, adminRegister{Register: g, Counters: counters[g.Code]})
	}
	s.render(w, r, c, http.StatusOK, "admin-registers", out)
	return nil
}

// AdminSeries is a register series in words.
func (c *Ctx) AdminSeries(series string) string {
	if v := c.T("admin.series." + series); !strings.HasPrefix(v, "[") {
		return v
	}
	return series
}
