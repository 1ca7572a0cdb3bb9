package web

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/org"
)

// adminSite is a site with the demo administrator signed in.
func adminSite(t *testing.T) (*site, *browser) {
	t.Helper()
	s := newSite(t)
	pass := s.account("nattawut", true)
	b := s.browser()
	b.login("nattawut", pass)
	return s, b
}

// postFile sends a multipart form with one file, the CSRF token in the URL and the form.
func (b *browser) postFile(path string, fields url.Values, field, name string, content []byte) page {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("_csrf", b.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile(field, name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	req, _ := http.NewRequest(http.MethodPost, b.site.ts.URL+path+sep+"_csrf="+url.QueryEscape(b.csrf), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func (s *site) count(sql string, args ...any) int {
	s.t.Helper()
	var n int
	if err := s.db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		s.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestAdminScreensShowToAdministrators(t *testing.T) {
	s, b := adminSite(t)
	if p := b.get("/"); !strings.Contains(p.Body, `href="/admin"`) {
		t.Errorf("the menu of an administrator has no administration link")
	}
	for path, wants := range map[string][]string{
		"/admin":           {"ภาพรวม", "หน่วยงาน", "บัญชีผู้ใช้", "สิทธิ์ฉุกเฉิน"},
		"/admin/org":       {"สำนักงานที่ดินจังหวัดสงขลา", "นางสุจิตร์ สุขสว่าง", "หัวหน้าหน่วยงาน", `class="d1"`, "ดาวน์โหลดไฟล์ปัจจุบัน", `name="clearance"`},
		"/admin/accounts":  {"nattawut", "ผู้ดูแลระบบ", "เพิ่มบัญชีผู้ใช้", `value="panisa"`},
		"/admin/registers": {"LAND-RECV", "ทะเบียนหนังสือรับ", "หนังสือเวียน (ว)", "ยังไม่ได้ออกเลข"},
		"/admin/holidays":  {"วันหยุดราชการ", "เพิ่มวันหยุด"},
		"/admin/notify":    {"เว็บฮุก", "อีเมล", "ไม่มีการส่งที่ล้มเหลว"},
		"/admin/audit":     {"สิทธิ์ฉุกเฉิน", "บันทึกตรวจสอบล่าสุด", "login", "ตรวจความต่อเนื่อง"},
	} {
		p := b.get(path)
		if p.Status != http.StatusOK {
			t.Errorf("GET %s: %d\n%s", path, p.Status, p.Body)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(p.Body, w) {
				t.Errorf("GET %s lacks %q", path, w)
			}
		}
		if m := missingRE.FindString(p.Body); m != "" {
			t.Errorf("GET %s: no words for %s", path, m)
		}
	}
	// In English too, every word is there.
	b.post("/lang", url.Values{"lang": {"en"}, "next": {"/admin"}})
	for _, path := range []string{"/admin", "/admin/org", "/admin/accounts", "/admin/registers", "/admin/holidays", "/admin/notify", "/admin/audit"} {
		p := b.get(path)
		if m := missingRE.FindString(p.Body); p.Status != http.StatusOK || m != "" {
			t.Errorf("GET %s in English: %d, no words for %q", path, p.Status, m)
		}
	}
	if p := b.get("/admin/accounts"); !strings.Contains(p.Body, "Add an account") {
		t.Errorf("the accounts page is not in English")
	}
	b.post("/lang", url.Values{"lang": {"th"}, "next": {"/admin"}})

	// The organisation downloads as a valid file that imports as no change.
	p := b.get("/admin/org.yaml")
	if p.Status != http.StatusOK {
		t.Fatalf("org.yaml: %d", p.Status)
	}
	f, err := org.Parse([]byte(p.Body))
	if err != nil {
		t.Fatalf("the exported file does not parse: %v\n%s", err, p.Body)
	}
	if err := f.Validate(); err != nil {
		t.Fatalf("the exported file is not valid: %v", err)
	}
	res, err := s.db.PreviewOrgImport(context.Background(), f)
	if err != nil || res.Changed() {
		t.Fatalf("importing the exported file would change %+v (%v)", res.Changes, err)
	}
	if !strings.Contains(p.Body, "clearance: secret") || !strings.Contains(p.Body, `owner_code: "0020"`) {
		t.Errorf("the export lacks clearances or quoted owner codes:\n%s", p.Body)
	}

	// The hash chain is checked on demand.
	if p := b.post("/admin/audit/verify", nil); p.Status != http.StatusOK || !strings.Contains(p.Body, "บันทึกครบถ้วน") {
		t.Errorf("audit verify: %d\n%s", p.Status, p.Body)
	}
	// The log filters by action.
	if p := b.get("/admin/audit?action=login"); !strings.Contains(p.Body, "<code>nattawut</code>") || strings.Contains(p.Body, "<code>org.import</code>") {
		t.Errorf("the audit filter by action does not filter")
	}
}

func TestAdminScreensRefuseOthers(t *testing.T) {
	s := newSite(t)
	pass := s.account("sujit", false)
	b := s.browser()
	b.login("sujit", pass)
	if p := b.get("/"); strings.Contains(p.Body, `href="/admin"`) {
		t.Errorf("a non-administrator's menu shows the administration link")
	}
	for _, path := range []string{"/admin", "/admin/org", "/admin/org.yaml", "/admin/accounts", "/admin/holidays", "/admin/notify", "/admin/audit", "/admin/registers"} {
		p := b.get(path)
		if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "เฉพาะผู้ดูแลระบบเท่านั้น") {
			t.Errorf("GET %s as sujit: %d, want 403 with the reason\n%s", path, p.Status, p.Body)
		}
	}
	// A forged form with a valid token is refused too, and changes nothing.
	if p := b.post("/admin/accounts", url.Values{"person": {"panisa"}}); p.Status != http.StatusForbidden {
		t.Errorf("POST /admin/accounts as sujit: %d, want 403", p.Status)
	}
	if n := s.count(`SELECT count(*) FROM accounts WHERE person_id = 'panisa'`); n != 0 {
		t.Errorf("a non-administrator created an account")
	}
	if p := b.post("/admin/accounts/sujit/flags", url.Values{"do": {"admin"}}); p.Status != http.StatusForbidden {
		t.Errorf("making oneself administrator: %d, want 403", p.Status)
	}
	if n := s.count(`SELECT count(*) FROM accounts WHERE username = 'sujit' AND is_admin`); n != 0 {
		t.Errorf("sujit made himself administrator")
	}
	// Each refusal is in the audit log.
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'refused' AND actor = 'sujit' AND subject_id LIKE '% /admin%'`); n < 10 {
		t.Errorf("audited refusals = %d, want one per refused request (10)", n)
	}
}

var missingRE = regexp.MustCompile(`\[[a-z]+\.[a-z_.]+\]`)

var passwordRE = regexp.MustCompile(`id="new-password">([^<]+)<`)

func TestAdminAddsAccountsAndDisablingEndsSessions(t *testing.T) {
	s, b := adminSite(t)
	p := b.post("/admin/accounts", url.Values{"person": {"panisa"}, "lang": {"th"}})
	m := passwordRE.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || m == nil {
		t.Fatalf("add account: %d, no password shown\n%s", p.Status, p.Body)
	}
	pass := html.UnescapeString(m[1])
	if !strings.Contains(p.Body, "แสดงเพียงครั้งเดียว") {
		t.Errorf("the page does not say the password is shown once")
	}
	if p := b.get("/admin/accounts"); strings.Contains(p.Body, pass) {
		t.Errorf("the password is shown again on the next page")
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'account.create' AND actor = 'nattawut' AND subject_id = 'panisa'`); n != 1 {
		t.Errorf("account.create audited %d times, want 1", n)
	}

	// The new account signs in with the password shown.
	clerk := s.browser()
	clerk.login("panisa", pass)
	if p := clerk.get("/"); p.Status != http.StatusOK {
		t.Fatalf("panisa's inbox: %d", p.Status)
	}

	// Disabling ends the session at once.
	if p := b.post("/admin/accounts/panisa/flags", url.Values{"do": {"disable"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d\n%s", p.Status, p.Body)
	}
	if p := clerk.get("/"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
		t.Errorf("after disabling, panisa's session still works: %d", p.Status)
	}
	if p := clerk.tryLogin("panisa", pass); p.Status == http.StatusSeeOther {
		t.Errorf("a disabled account signed in")
	}
	if p := b.get("/admin/accounts"); !strings.Contains(p.Body, "ระงับ") {
		t.Errorf("the list does not show the account disabled")
	}
	// Enabled again, a reset password works and the old one does not.
	b.post("/admin/accounts/panisa/flags", url.Values{"do": {"enable"}})
	p = b.post("/admin/accounts/panisa/password", nil)
	m = passwordRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("reset: no password shown (%d)", p.Status)
	}
	if p := clerk.tryLogin("panisa", pass); p.Status == http.StatusSeeOther {
		t.Errorf("the old password still signs in")
	}
	clerk.login("panisa", html.UnescapeString(m[1]))

	// An administrator cannot lock themselves out.
	if p := b.post("/admin/accounts/nattawut/flags", url.Values{"do": {"disable"}}); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "ของตนเอง") {
		t.Errorf("self-disable: %d, want 403 with the reason", p.Status)
	}
	if p := b.post("/admin/accounts/nattawut/flags", url.Values{"do": {"unadmin"}}); p.Status != http.StatusForbidden {
		t.Errorf("self-unadmin: %d, want 403", p.Status)
	}
	// A second account for the same person is refused with the reason.
	if p := b.post("/admin/accounts", url.Values{"person": {"panisa"}, "username": {"panisa2"}}); p.Status != http.StatusConflict || !strings.Contains(p.Body, "already has an account") {
		t.Errorf("a second account for panisa: %d", p.Status)
	}
}

func TestAdminChangesClearanceAndActive(t *testing.T) {
	s, b := adminSite(t)
	if p := b.post("/admin/people/panisa", url.Values{"clearance": {"confidential"}, "active": {"1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("set clearance: %d\n%s", p.Status, p.Body)
	}
	if n := s.count(`SELECT count(*) FROM people WHERE id = 'panisa' AND clearance = 'confidential' AND active`); n != 1 {
		t.Errorf("clearance not stored")
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'person.access' AND subject_id = 'panisa' AND actor = 'nattawut'`); n != 1 {
		t.Errorf("person.access audited %d times, want 1", n)
	}
	// The exported file carries it.
	if p := b.get("/admin/org.yaml"); !strings.Contains(p.Body, "clearance: confidential") {
		t.Errorf("the export lacks the new clearance")
	}
	if p := b.post("/admin/people/panisa", url.Values{"clearance": {"top_secret"}, "active": {"1"}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("clearance top_secret: %d, want 422", p.Status)
	}
	if p := b.post("/admin/people/nattawut", url.Values{"clearance": {"normal"}}); p.Status != http.StatusForbidden {
		t.Errorf("making oneself inactive: %d, want 403", p.Status)
	}
}

func TestAdminHolidays(t *testing.T) {
	s, b := adminSite(t)
	p := b.post("/admin/holidays", url.Values{"date": {"2026-05-01"}, "name": {"วันแรงงานแห่งชาติ"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/holidays?year=2569" {
		t.Fatalf("add holiday: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	p = b.get(p.Location)
	if !strings.Contains(p.Body, "วันแรงงานแห่งชาติ") || !strings.Contains(p.Body, "๑ พ.ค. ๒๕๖๙") || !strings.Contains(p.Body, "ศุกร์") {
		t.Errorf("the added holiday is not listed with its BE date and weekday\n%s", p.Body)
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'holidays.add' AND actor = 'nattawut'`); n != 1 {
		t.Errorf("holidays.add audited %d times", n)
	}
	// The same day twice is refused with the reason.
	if p := b.post("/admin/holidays", url.Values{"date": {"2026-05-01"}, "name": {"ซ้ำ"}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "already a holiday") {
		t.Errorf("duplicate: %d", p.Status)
	}
	// A form without the CSRF token changes nothing.
	if p := b.post("/admin/holidays", url.Values{"_csrf": {""}, "date": {"2026-06-01"}, "name": {"ปลอม"}}); p.Status != http.StatusForbidden {
		t.Errorf("CSRF-less post: %d, want 403", p.Status)
	}
	if n := s.count(`SELECT count(*) FROM holidays WHERE day = '2026-06-01'`); n != 0 {
		t.Errorf("a CSRF-less post added a holiday")
	}
	// Removing.
	if p := b.post("/admin/holidays/remove", url.Values{"date": {"2026-05-01"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", p.Status, p.Body)
	}
	if n := s.count(`SELECT count(*) FROM holidays WHERE day = '2026-05-01'`); n != 0 {
		t.Errorf("the holiday was not removed")
	}
	// Importing the shipped file for 2569.
	file, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "deploy", "holidays", "2569.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p = b.postFile("/admin/holidays/import", url.Values{"year": {"2569"}}, "file", "2569.yaml", file)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("import: %d\n%s", p.Status, p.Body)
	}
	if p := b.get(p.Location); !strings.Contains(p.Body, "วันสงกรานต์") || !strings.Contains(p.Body, "นำเข้าแล้ว") {
		t.Errorf("imported holidays not listed")
	}
	// A broken file names the line and changes nothing.
	before := s.count(`SELECT count(*) FROM holidays`)
	p = b.postFile("/admin/holidays/import", nil, "file", "bad.yaml", []byte("- {date: 2026-13-01, name: ผิด}\n- {date: 2026-07-01, name: ถูก}\n"))
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "line 1") {
		t.Errorf("bad holidays file: %d\n%s", p.Status, p.Body)
	}
	if after := s.count(`SELECT count(*) FROM holidays`); after != before {
		t.Errorf("a bad file changed the holidays: %d → %d", before, after)
	}
}

func TestAdminOrgFileRoundTrip(t *testing.T) {
	s, b := adminSite(t)
	src, err := os.ReadFile(testenv.DemoAgency())
	if err != nil {
		t.Fatal(err)
	}
	imports := func() int { return s.count(`SELECT count(*) FROM audit_log WHERE action = 'org.import'`) }
	n0 := imports()

	// An error: refused with its line, nothing changed.
	bad := strings.Replace(string(src), "    parent: land-office\n    name: ฝ่ายรังวัด", "    parent: land-offfice\n    name: ฝ่ายรังวัด", 1)
	line := strings.Count(bad[:strings.Index(bad, "land-offfice")], "\n") + 1
	p := b.postFile("/admin/org/check", nil, "file", "agency.yaml", []byte(bad))
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad org file: %d, want 422\n%s", p.Status, p.Body)
	}
	// The problem names the item's line (the unit starts a line above its parent key).
	if !strings.Contains(p.Body, "land-offfice") || !strings.Contains(p.Body, "บรรทัด") || !regexp.MustCompile(`href="#L(\d+)"`).MatchString(p.Body) {
		t.Errorf("the refusal does not name the problem and its line\n%s", p.Body)
	}
	if m := regexp.MustCompile(`href="#L(\d+)"`).FindStringSubmatch(p.Body); m != nil && (m[1] != strconv.Itoa(line-1) && m[1] != strconv.Itoa(line)) {
		t.Errorf("problem on line %s, want about %d", m[1], line)
	}
	if strings.Contains(p.Body, `action="/admin/org/import"`) {
		t.Errorf("an invalid file can be imported")
	}
	// Importing it anyway (a forged form) is refused the same way.
	if p := b.post("/admin/org/import", url.Values{"yaml": {bad}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("forced import of a bad file: %d", p.Status)
	}
	if imports() != n0 || s.count(`SELECT count(*) FROM units WHERE parent_code = 'land-offfice'`) != 0 {
		t.Fatalf("a refused file changed the organisation")
	}

	// A YAML syntax error is refused with its line too.
	p = b.post("/admin/org/check", url.Values{"yaml": {"agency:\n  code: x\n units: [\n"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "line ") {
		t.Errorf("YAML syntax error: %d\n%s", p.Status, p.Body)
	}

	// A good edit: previewed first (nothing written), then imported.
	good := strings.Replace(string(src), "name: ฝ่ายรังวัด สำนักงานที่ดินจังหวัดสงขลา", "name: ฝ่ายรังวัดและทำแผนที่ สำนักงานที่ดินจังหวัดสงขลา", 1)
	p = b.postFile("/admin/org/check", nil, "file", "agency.yaml", []byte(good))
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "land-survey") || !strings.Contains(p.Body, `action="/admin/org/import"`) {
		t.Fatalf("preview: %d\n%s", p.Status, p.Body)
	}
	if imports() != n0 || s.count(`SELECT count(*) FROM units WHERE name LIKE 'ฝ่ายรังวัดและ%'`) != 0 {
		t.Fatalf("the preview changed the organisation")
	}
	p = b.post("/admin/org/import", url.Values{"yaml": {good}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "นำเข้าแล้ว") {
		t.Fatalf("import: %d\n%s", p.Status, p.Body)
	}
	if imports() != n0+1 || s.count(`SELECT count(*) FROM units WHERE name LIKE 'ฝ่ายรังวัดและ%'`) != 1 {
		t.Errorf("the import did not change the unit (imports %d → %d)", n0, imports())
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'org.import' AND actor = 'nattawut'`); n != 1 {
		t.Errorf("org.import by nattawut audited %d times", n)
	}
	// The same file again: nothing to do.
	if p := b.post("/admin/org/check", url.Values{"yaml": {good}}); !strings.Contains(p.Body, "ไม่มีอะไรต้องเปลี่ยน") {
		t.Errorf("a second check of the same file shows changes")
	}
}

func TestAdminWebhooks(t *testing.T) {
	s, b := adminSite(t)
	p := b.post("/admin/notify/webhooks", url.Values{"url": {"https://hooks.example/saraban"}, "events": {"reminder, due"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "แสดงครั้งเดียว") {
		t.Fatalf("add webhook with a generated secret: %d\n%s", p.Status, p.Body)
	}
	if p := b.get("/admin/notify"); !strings.Contains(p.Body, "https://hooks.example/saraban") || !strings.Contains(p.Body, "reminder, due") {
		t.Errorf("the webhook is not listed")
	}
	if p := b.post("/admin/notify/webhooks", url.Values{"url": {"ftp://x"}, "secret": {"0123456789abcdefgh"}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "https://") {
		t.Errorf("a bad URL: %d", p.Status)
	}
	ws, err := s.db.Webhooks(context.Background())
	if err != nil || len(ws) != 1 {
		t.Fatalf("webhooks: %v %v", ws, err)
	}
	if p := b.post("/admin/notify/webhooks/"+strconv.FormatInt(ws[0].ID, 10)+"/remove", nil); p.Status != http.StatusSeeOther {
		t.Errorf("remove: %d", p.Status)
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action IN ('webhook.add', 'webhook.remove') AND actor = 'nattawut'`); n != 2 {
		t.Errorf("webhook changes audited %d times, want 2", n)
	}
}

// TestAdministrationAuditsTheCapacity: rows written by storage functions that take only an actor
// (a holiday added on the screen) still carry the capacity the administrator acts in.
func TestAdministrationAuditsTheCapacity(t *testing.T) {
	s := newSite(t)
	pass := s.account("nattawut", true)
	b := s.browser()
	b.login("nattawut", pass)
	b.get("/admin/holidays")
	p := b.post("/admin/holidays", url.Values{"date": {"2026-12-31"}, "name": {"วันสิ้นปี (ทดสอบ)"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add a holiday: %d\n%s", p.Status, p.Body)
	}
	var capacity string
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT capacity FROM audit_log WHERE actor = 'nattawut' AND action LIKE 'holiday%' ORDER BY id DESC LIMIT 1`).Scan(&capacity); err != nil {
		t.Fatal(err)
	}
	if capacity == "" {
		t.Fatal("the holiday's audit row has no capacity")
	}
}
