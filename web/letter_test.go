package web

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/corpus"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/routing"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/vault"
	"github.com/saraban/saraban/viewer"
)

// letterStack is the web application with real services: a vault over a fresh bucket (with the
// test keyring, so classified letters are sealed), the viewer, and — when routed — a private
// Temporal with saraban's worker and dispatcher, so receipts are stamped and actions applied.
type letterStack struct {
	*site
	vault  *vault.Vault
	intake *intake.Service
}

func newLetterStack(t *testing.T, routed bool) *letterStack {
	t.Helper()
	ls := &letterStack{}
	ls.site = newSite(t, func(srv *Server) {
		blobs := testenv.Objects(t)
		ls.vault = testenv.VaultOf(t, blobs)
		ls.intake = &intake.Service{DB: srv.DB, Blobs: ls.vault}
		srv.Services.Files = &viewer.Viewer{Store: srv.DB, Files: ls.vault}
		srv.Services.Blobs = ls.vault
		if routed {
			ts := testenv.Temporal(t)
			tc, err := client.NewLazyClient(client.Options{HostPort: ts.Addr})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(tc.Close)
			queue := "web-" + strings.ReplaceAll(t.Name(), "/", "-")
			testenv.Worker(t, srv.DB, blobs, tc, queue)
			srv.Services.Actor = &routing.Client{Temporal: tc, TaskQueue: queue, Timeout: time.Minute}
		}
	})
	return ls
}

// letterSamplePDF is a real letter of the corpus when it is there, else a generated one.
func letterSamplePDF(t *testing.T, seed uint64) []byte {
	t.Helper()
	dir := os.Getenv("SARABAN_CORPUS")
	if dir == "" {
		dir = filepath.Join(testenv.RepoRoot(), "..", "shared", "corpus")
	}
	if b, err := os.ReadFile(filepath.Join(dir, "public-letters", "03.pdf")); err == nil && seed == 0 {
		return b
	}
	return samplepdf.Letter(seed+100, 6000)
}

func (ls *letterStack) receive(t *testing.T, req intake.Request) string {
	t.Helper()
	if req.Register == "" {
		req.Register = "LAND-RECV"
	}
	if req.Actor == "" {
		req.Actor = "panisa"
	}
	r, err := ls.intake.Receive(context.Background(), req)
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	return r.LetterID
}

func letterNeedTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			corpus.Missing(t, "%s not installed (Debian package poppler-utils)", tool)
		}
	}
}

// letterFormField finds the value of a hidden field of the form posting to action.
func letterFormField(t *testing.T, body, action, name string) string {
	t.Helper()
	i := strings.Index(body, `action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form posting to %s on the page", action)
	}
	end := strings.Index(body[i:], "</form>")
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(body[i : i+end])
	if m == nil {
		t.Fatalf("the form posting to %s has no %s", action, name)
	}
	return m[1]
}

func (b *browser) letterFetch(path string) (*http.Response, []byte) {
	b.t.Helper()
	resp, err := b.c.Get(b.site.ts.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp, buf.Bytes()
}

// A clerk receives a corpus letter and annotates it; the head of the unit sees it with the
// preview of its receive stamp, orders it to two units (a double submit gives one order), the
// timeline shows the order and two tasks exist; a branch head acknowledges their task.
func TestLetterPageHeadOrdersToTwoUnits(t *testing.T) {
	letterNeedTools(t, "pdftoppm")
	ls := newLetterStack(t, true)
	ctx := context.Background()
	id := ls.receive(t, intake.Request{PDF: letterSamplePDF(t, 0), DocNumber: "อบ 0033.001.09/31723", DocDate: "2 กันยายน 2567",
		From: "โรงพยาบาลน้ำยืน", To: "เจ้าพนักงานที่ดินจังหวัดสงขลา", Urgency: "ด่วนที่สุด",
		Subject: "รายงานผลการดำเนินงานเรื่องร้องเรียนการปฏิบัติงาน ประจำปีงบประมาณ 2567"})
	deadline := time.Now().Add(60 * time.Second)
	for {
		l, err := ls.db.GetLetter(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Entries) == 1 && l.Entries[0].Stamped {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the receipt was not stamped within a minute")
		}
		time.Sleep(200 * time.Millisecond)
	}

	clerk := ls.browser()
	clerk.login("panisa", ls.account("panisa", false))
	p := clerk.get("/letters/" + id)
	if p.Status != 200 {
		t.Fatalf("clerk: %d\n%s", p.Status, p.Body)
	}
	if strings.Contains(p.Body, "/actions/order") {
		t.Error("the clerk is offered the order form, which only the head may use")
	}
	p = clerk.post("/letters/"+id+"/actions/annotate", url.Values{"note": {"เรียน จพด. เพื่อโปรดพิจารณาสั่งการ"},
		"request_id": {letterFormField(t, p.Body, "/letters/"+id+"/actions/annotate", "request_id")}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("annotate: %d\n%s", p.Status, p.Body)
	}

	head := ls.browser()
	head.login("sujit", ls.account("sujit", false))
	p = head.get("/letters/" + id)
	if p.Status != 200 {
		t.Fatalf("head: %d\n%s", p.Status, p.Body)
	}
	for _, want := range []string{"รายงานผลการดำเนินงานเรื่องร้องเรียน", `class="urgency u-most_urgent">ด่วนที่สุด`, "อบ ๐๐๓๓.๐๐๑.๐๙/๓๑๗๒๓",
		"๒ กันยายน ๒๕๖๗", "เลขรับ", "LAND-RECV", "ประทับตรารับ LAND-RECV", "นางสาวปณิษา บุญเมธี", "เรียน จพด. เพื่อโปรดพิจารณาสั่งการ",
		"/letters/" + id + "/revisions/2/pages/1.png", "/letters/" + id + "/revisions/2.pdf", "/letters/" + id + "?rev=1#preview", "ต้นฉบับที่ได้รับ", "/actions/order"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the head's letter page lacks %q", want)
		}
	}
	resp, img := head.letterFetch("/letters/" + id + "/revisions/2/pages/1.png")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("page image: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	if err != nil || cfg.Width < 600 || cfg.Width > 720 || cfg.Height < 850 || cfg.Height > 1000 || len(img) < 10_000 {
		t.Fatalf("page image: %dx%d, %d bytes, %v; want an A4 page at 80 dpi", cfg.Width, cfg.Height, len(img), err)
	}
	if again, img2 := head.letterFetch("/letters/" + id + "/revisions/2/pages/1.png"); again.StatusCode != 200 || !bytes.Equal(img, img2) {
		t.Error("the cached page differs from the first rendering")
	}
	if resp, _ := head.letterFetch("/letters/" + id + "/revisions/2/pages/9.png"); resp.StatusCode != 404 {
		t.Errorf("a page past the end: %d, want 404", resp.StatusCode)
	}
	resp, pdf := head.letterFetch("/letters/" + id + "/revisions/2.pdf")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF")) ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") || !strings.Contains(resp.Header.Get("Content-Disposition"), "LAND-RECV-1-") {
		t.Fatalf("pdf: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}

	order := url.Values{"unit": {"land-hatyai", "land-sadao"}, "purpose": {"act"}, "due": {"15 ม.ค. 2575"}, "note": {"ดำเนินการตามระเบียบ แล้วรายงาน"},
		"request_id": {letterFormField(t, p.Body, "/letters/"+id+"/actions/order", "request_id")}}
	p = head.post("/letters/"+id+"/actions/order", order)
	if p.Status != http.StatusSeeOther || p.Location != "/letters/"+id+"#timeline" {
		t.Fatalf("order: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	// The same form sent twice (a double click) is one order.
	if p = head.post("/letters/"+id+"/actions/order", order); p.Status != http.StatusSeeOther {
		t.Fatalf("order sent again: %d\n%s", p.Status, p.Body)
	}
	p = head.get("/letters/" + id)
	for _, want := range []string{"สั่งการแล้ว: มอบหมาย ๒ งาน", "เพื่อดำเนินการ ถึง สำนักงานที่ดินจังหวัดสงขลา สาขาหาดใหญ่, สำนักงานที่ดินจังหวัดสงขลา สาขาสะเดา",
		"ดำเนินการตามระเบียบ แล้วรายงาน", "นางสุจิตร์ สุขสว่าง", "เจ้าพนักงานที่ดินจังหวัดสงขลา", "กำหนด ๑๕ ม.ค. ๒๕๗๕", "รอดำเนินการ"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("after the order the page lacks %q", want)
		}
	}
	tasks, err := ls.db.Tasks(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2 || tasks[0].AssigneeUnit != "land-hatyai" || tasks[1].AssigneeUnit != "land-sadao" || tasks[0].Purpose != "act" {
		t.Fatalf("tasks after the order: %+v", tasks)
	}

	// The workflow checks again: its refusal is shown on the letter page and audited.
	p = head.post("/letters/"+id+"/actions/order", url.Values{"unit": {"no-such-unit"}, "purpose": {"inform"}, "request_id": {"bad-unit-1"}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "ระบบสั่งการไม่รับรายการนี้") || !strings.Contains(p.Body, "no-such-unit") {
		t.Errorf("order to a unit that does not exist: %d", p.Status)
	}
	var refusals int
	if err := ls.db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'refused' AND actor = 'sujit' AND subject_id = $1`, id).Scan(&refusals); err != nil || refusals != 1 {
		t.Errorf("audited refusals: %d, %v", refusals, err)
	}

	// A bad date is refused on the page, keeping what was typed; nothing is sent.
	p = head.post("/letters/"+id+"/actions/deadline", url.Values{"due": {"วันพรุ่งนี้"}, "request_id": {"x-1"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "อ่านวันที่") || !strings.Contains(p.Body, "วันพรุ่งนี้") {
		t.Errorf("bad deadline: %d", p.Status)
	}

	// The head of the Hat Yai branch sees the task and acknowledges it.
	branch := ls.browser()
	branch.login("prasert", ls.account("prasert", false))
	p = branch.get("/letters/" + id)
	if p.Status != 200 || !strings.Contains(p.Body, `id="task-`) || strings.Contains(p.Body, "/actions/order") {
		t.Fatalf("branch head: %d, task form shown %v", p.Status, strings.Contains(p.Body, `id="task-`))
	}
	p = branch.post("/letters/"+id+"/actions/ack", url.Values{"task": {letterFormField(t, p.Body, "/letters/"+id+"/actions/ack", "task")},
		"request_id": {letterFormField(t, p.Body, "/letters/"+id+"/actions/ack", "request_id")}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("ack: %d\n%s", p.Status, p.Body)
	}
	if tasks, _ = ls.db.Tasks(ctx, id); tasks[0].Status != "acknowledged" || tasks[1].Status != "open" {
		t.Errorf("after the ack: %+v", tasks)
	}
	// Someone with no task and no power is refused an action with the reason.
	if p = branch.post("/letters/"+id+"/actions/close", url.Values{"retention": {"10y"}}); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "เก็บหนังสือนี้เข้าแฟ้ม") {
		t.Errorf("branch head closing: %d", p.Status)
	}

	// The governor (agency head) forwards a copy to the Sadao branch: the lineage shows it.
	gov := ls.browser()
	gov.login("governor", ls.account("governor", false))
	p = gov.get("/letters/" + id)
	p = gov.post("/letters/"+id+"/actions/forward", url.Values{"unit": {"land-sadao"}, "note": {"ส่งสำเนาให้สาขาสะเดาทราบ"},
		"request_id": {letterFormField(t, p.Body, "/letters/"+id+"/actions/forward", "request_id")}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("forward: %d\n%s", p.Status, p.Body)
	}
	for end := time.Now().Add(30 * time.Second); ; {
		if p = head.get("/letters/" + id); strings.Contains(p.Body, "SADAO-RECV") {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the forwarded copy is not in the lineage:\n%s", p.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(p.Body, "ส่งต่อไปยัง") || !strings.Contains(p.Body, "ส่งต่อ</b> · นายวีระ ทองสงขลา") {
		t.Error("the page lacks the forward in the lineage or the timeline")
	}

	// In English every word is there.
	head.post("/lang", url.Values{"lang": {"en"}, "next": {"/letters/" + id}})
	if p = head.get("/letters/" + id); p.Status != 200 || strings.Contains(p.Body, "[letter.") || !strings.Contains(p.Body, "Timeline") {
		t.Errorf("English page: %d, missing words: %v", p.Status, regexp.MustCompile(`\[[a-z_.]+\]`).FindAllString(p.Body, -1))
	}
	head.post("/lang", url.Values{"lang": {"th"}, "next": {"/letters/" + id}})

	if dir := os.Getenv("SARABAN_SCREENSHOTS"); dir != "" {
		letterShot(t, head, "/letters/"+id, filepath.Join(dir, "letter.png"), 1280, 2000)
		letterShot(t, head, "/letters/"+id, filepath.Join(dir, "letter-phone.png"), 390, 3400)
	}
}

// A ลับ letter: a linked person without clearance is told why (403), a stranger gets 404, an
// administrator is refused until they break the glass with a reason (audited, then a red
// banner), and the PDF each reader opens carries their name.
func TestLetterClassifiedRefusalsAndBreakGlass(t *testing.T) {
	letterNeedTools(t, "pdftoppm", "pdftotext")
	ls := newLetterStack(t, false)
	ctx := context.Background()
	id := ls.receive(t, intake.Request{PDF: letterSamplePDF(t, 1), Subject: "ขอข้อมูลผู้ถือครองที่ดิน (ลับ)", Secrecy: "ลับ",
		From: "สำนักงานอัยการจังหวัดสงขลา"})

	uncleared := ls.browser()
	uncleared.login("panisa", ls.account("panisa", false))
	p := uncleared.get("/letters/" + id)
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "ชั้นความลับ «ลับ»") || strings.Contains(p.Body, "ขอข้อมูลผู้ถือครองที่ดิน") {
		t.Fatalf("uncleared clerk: %d, want 403 with the reason and not the subject\n%s", p.Status, p.Body)
	}
	if resp, _ := uncleared.letterFetch("/letters/" + id + "/revisions/1.pdf"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("uncleared clerk's PDF: %d", resp.StatusCode)
	}
	stranger := ls.browser()
	stranger.login("wanna", ls.account("wanna", false))
	if p := stranger.get("/letters/" + id); p.Status != http.StatusNotFound || strings.Contains(p.Body, "ลับ «") {
		t.Fatalf("stranger: %d, want 404", p.Status)
	}
	if resp, _ := stranger.letterFetch("/letters/" + id + "/revisions/1/pages/1.png"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("stranger's page image: %d", resp.StatusCode)
	}
	if p := stranger.get("/letters/00000000-0000-0000-0000-000000000000"); p.Status != http.StatusNotFound {
		t.Errorf("no such letter: %d", p.Status)
	}

	admin := ls.browser()
	admin.login("nattawut", ls.account("nattawut", true))
	p = admin.get("/letters/" + id)
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, `action="/letters/`+id+`/break-glass"`) || strings.Contains(p.Body, "ขอข้อมูลผู้ถือครองที่ดิน") {
		t.Fatalf("administrator: %d, want 403 with the break-glass form\n%s", p.Status, p.Body)
	}
	if p := admin.post("/letters/"+id+"/break-glass", url.Values{"reason": {"ดูหน่อย"}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("a short reason: %d, want 422", p.Status)
	}
	if p := admin.post("/letters/"+id+"/break-glass", url.Values{"reason": {"ศาลมีหมายเรียกเอกสาร คดีที่ 123/2569 ต้องตรวจสอบด่วน"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("break glass: %d\n%s", p.Status, p.Body)
	}
	p = admin.get("/letters/" + id)
	if p.Status != 200 || !strings.Contains(p.Body, "เปิดด้วยสิทธิ์ฉุกเฉิน") || !strings.Contains(p.Body, "ศาลมีหมายเรียกเอกสาร") ||
		!strings.Contains(p.Body, "ขอข้อมูลผู้ถือครองที่ดิน") || strings.Contains(p.Body, "/actions/annotate") {
		t.Fatalf("after break-glass: %d\n%s", p.Status, p.Body)
	}
	rows, err := ls.db.AuditFor(ctx, "letter", id)
	if err != nil {
		t.Fatal(err)
	}
	var glass, refused bool
	for _, r := range rows {
		glass = glass || (r.Action == "break_glass" && r.Actor == "nattawut" && strings.Contains(r.Detail, "ศาลมีหมายเรียกเอกสาร"))
	}
	if err := ls.db.Pool.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM audit_log WHERE action = 'refused' AND actor = 'panisa' AND subject_id LIKE '%'||$1)`, id).Scan(&refused); err != nil {
		t.Fatal(err)
	}
	if !glass || !refused {
		t.Errorf("audit: break_glass %v, refusal of the uncleared clerk %v", glass, refused)
	}

	// Each reader's copy carries their own name; classified pages are never cached.
	for _, who := range []struct {
		b      *browser
		person string
		login  bool
	}{{admin, "nattawut", false}, {ls.browser(), "sujit", true}} {
		if who.login {
			who.b.login(who.person, ls.account(who.person, false))
		}
		resp, pdf := who.b.letterFetch("/letters/" + id + "/revisions/1.pdf")
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
			t.Fatalf("%s's PDF: %d %q", who.person, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		person, err := ls.db.GetPerson(ctx, who.person)
		if err != nil {
			t.Fatal(err)
		}
		if txt := letterPDFText(t, pdf); !strings.Contains(txt, person.Name) || !strings.Contains(txt, "ลับ") {
			t.Errorf("%s's copy does not carry their name %q:\n%s", who.person, person.Name, txt)
		}
		resp, img := who.b.letterFetch("/letters/" + id + "/revisions/1/pages/1.png")
		if resp.StatusCode != 200 || !bytes.HasPrefix(img, []byte("\x89PNG")) || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s's page image: %d %q", who.person, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
	if _, ok := letterPNGs.get(letterMust(t, ls.db, id).Revisions[0].SHA256 + "/1"); ok {
		t.Error("a page of a classified letter was cached")
	}
}

func letterMust(t *testing.T, db *storage.DB, id string) storage.Letter {
	t.Helper()
	l, err := db.GetLetter(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func letterPDFText(t *testing.T, pdf []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "copy.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-q", "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// letterShot saves a screenshot of a page as the browser's person sees it: a small proxy in front
// of the test server adds their session cookie, and headless Chromium loads the page through it.
func letterShot(t *testing.T, b *browser, path, file string, width, height int) {
	t.Helper()
	exe, err := exec.LookPath("chromium")
	if err != nil {
		t.Logf("no chromium: no screenshot %s", file)
		return
	}
	target, _ := url.Parse(b.site.ts.URL)
	cookies := b.c.Jar.Cookies(target)
	proxy := httputil.NewSingleHostReverseProxy(target)
	director := proxy.Director
	proxy.Director = func(r *http.Request) {
		director(r)
		r.Host = target.Host
		for _, c := range cookies {
			r.AddCookie(c)
		}
	}
	ps := httptest.NewServer(proxy)
	defer ps.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=5000", "--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height),
		"--screenshot="+file, ps.URL+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("chromium: %v\n%s", err, out)
		return
	}
	letterShrink(t, file)
}

// letterShrink rewrites a screenshot with a palette of its 256 most frequent colours (a page of
// flat colours and one scanned letter loses nothing visible), so that it stays small in docs/.
func letterShrink(t *testing.T, file string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	counts := map[color.RGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			counts[color.RGBA{uint8(r>>8) &^ 7, uint8(g>>8) &^ 7, uint8(bl>>8) &^ 7, 255}]++
		}
	}
	all := make([]color.RGBA, 0, len(counts))
	for c := range counts {
		all = append(all, c)
	}
	sort.Slice(all, func(i, j int) bool { return counts[all[i]] > counts[all[j]] })
	var pal color.Palette
	for _, c := range all[:min(256, len(all))] {
		pal = append(pal, color.RGBA{c.R | c.R>>5, c.G | c.G>>5, c.B | c.B>>5, 255})
	}
	p := image.NewPaletted(b, pal)
	draw.Draw(p, b, img, b.Min, draw.Src)
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, p); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The page cache keeps the most recently used pages within its limits.
func TestLetterPNGCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newLetterPNGCache(2, 1000)
	c.put("a/1", make([]byte, 100))
	c.put("b/1", make([]byte, 100))
	c.get("a/1")
	c.put("c/1", make([]byte, 100))
	if _, ok := c.get("b/1"); ok {
		t.Error("the least recently used page was kept")
	}
	if _, ok := c.get("a/1"); !ok {
		t.Error("a recently used page was dropped")
	}
	c.put("big/1", make([]byte, 600)) // over a quarter of the byte limit: not kept
	if _, ok := c.get("big/1"); ok || c.size > 1000 {
		t.Errorf("an oversized page was kept (size %d)", c.size)
	}
}
