package e2e

// The scenarios of issue 7 ("What it must show") in headless Chromium on the whole stack: each
// person signs in, clicks and types on the pages as they would; the set-up (letters received
// through intake, delegations of the demo organisation) is the only thing done directly.
//
//	go test -count=1 -run TestBrowser ./e2e/
//	SARABAN_SCREENSHOTS=$PWD/docs/screenshots go test -count=1 -run TestBrowserScreenshots ./e2e/

import (
	"context"
	"encoding/json"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/corpus"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/signing"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/workflows"
)

// --- set-up helpers ---

// corpusLetter is the path of a public letter of the shared corpus.
func corpusLetter(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(corpus.Dir(t), "public-letters", name)
	if _, err := os.Stat(p); err != nil {
		corpus.Missing(t, "corpus letter %s: %v", name, err)
	}
	return p
}

// receive registers a letter through intake (set-up, as the CLI or the API would); the
// register defaults to LAND-RECV, the clerk to panisa and the file to a generated letter.
func (w *webStack) receive(t *testing.T, req intake.Request) string {
	t.Helper()
	if req.Register == "" {
		req.Register = "LAND-RECV"
	}
	if req.Actor == "" {
		req.Actor = "panisa"
	}
	if req.PDF == nil {
		req.PDF = samplepdf.Letter(uint64(time.Now().UnixNano()%1_000_000), 5000)
	}
	r, err := w.intake.Receive(context.Background(), req)
	if err != nil {
		t.Fatalf("receive %q: %v", req.Subject, err)
	}
	return r.LetterID
}

func (w *webStack) waitStamped(t *testing.T, id string) {
	t.Helper()
	eventually(t, 90*time.Second, "the receive stamp of "+id, func() bool { return w.stamped(t, id) })
}

// thaiDate is a day from today as a clerk types it ("๑๕ ม.ค. ๒๕๗๐").
func thaiDate(days int) string {
	return thai.FormatDate(thai.DateOf(time.Now().AddDate(0, 0, days)), thai.DateStyle{Digits: thai.ThaiDigits, Abbrev: true})
}

// writeTemp writes data into a file of the test's temporary folder, for an upload.
func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// --- browser helpers ---

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// eval runs a JavaScript expression that returns a string; a non-empty string is a failure.
func (b *browserTab) eval(what, js string) {
	b.t.Helper()
	if msg := get(b, what, chromedp.Evaluate[string](js)); msg != "" {
		b.t.Fatalf("%s: %s\n(at %s)", what, msg, b.location())
	}
}

// typeIn types text into a field as a Thai input method does: the field gets the focus, the
// caret goes to the end, and the text is committed (Input.insertText). Key events for Thai
// letters are not reliable in headless Chromium (chromedp's key table has no Thai layout, and
// some letters, e.g. ข, are dropped), so this is how Thai is typed in these tests.
func typeIn(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Focus(chromedp.CSS(sel), chromedp.NodeVisible),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := chromedp.Evaluate[bool](`(() => { const e = document.activeElement; if (e && "selectionStart" in e) { try { e.selectionStart = e.selectionEnd = e.value.length; } catch (_) {} } return true; })()`)(ctx, t); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
			return err
		}),
	)
}

// pick chooses an option of a select, as a person does from the list (focus, choose, and the
// page's change handlers run).
func (b *browserTab) pick(sel, value string) {
	b.t.Helper()
	b.eval("choose "+value+" in "+sel, `(() => {
		const s = document.querySelector(`+jsString(sel)+`);
		if (!s) return "no such list";
		if (![...s.options].some(o => o.value === `+jsString(value)+`)) return "no such option: " + [...s.options].map(o => o.value).join(", ");
		s.focus();
		s.value = `+jsString(value)+`;
		s.dispatchEvent(new Event("input", {bubbles: true}));
		s.dispatchEvent(new Event("change", {bubbles: true}));
		return "";
	})()`)
}

// waitJS polls a JavaScript expression until it is true (page loads in between are fine).
func (b *browserTab) waitJS(what, js string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("timed out after %s waiting for %s (%v)\n(at %s)\n%s", timeout, what, err, b.location(), b.mainText())
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// imageLoaded waits until the first image matching sel has arrived and returns its natural size.
func (b *browserTab) imageLoaded(what, sel string, timeout time.Duration) (int, int) {
	b.t.Helper()
	b.waitJS(what, `(() => { const i = document.querySelector(`+jsString(sel)+`); return !!i && !i.hidden && i.complete && i.naturalWidth > 0; })()`, timeout)
	size := get(b, what, chromedp.Evaluate[[]int](`(() => { const i = document.querySelector(`+jsString(sel)+`); return [i.naturalWidth, i.naturalHeight]; })()`))
	return size[0], size[1]
}

// status opens a path and returns the HTTP status of the page.
func (b *browserTab) status(path string) int64 {
	b.t.Helper()
	resp := get(b, "open "+path, chromedp.NavigateResponse(b.w.ts.URL+path))
	b.run("page "+path, chromedp.WaitReady(chromedp.CSS("body")))
	return resp.Status
}

// flash waits for the message a page shows after an action and returns it.
func (b *browserTab) flash(what string) string {
	b.t.Helper()
	b.run(what, chromedp.WaitVisible(chromedp.CSS(`main > p.flash`)))
	return b.text(`main > p.flash`)
}

func (b *browserTab) logout() {
	b.t.Helper()
	b.run("sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)))
}

// path is the page's path and query.
func (b *browserTab) path() string {
	u, err := url.Parse(b.location())
	if err != nil {
		return ""
	}
	return u.RequestURI()
}

// --- the flows, shared by the tests and the screenshots ---

// registerLetter: the clerk opens ลงรับหนังสือ, picks the register and the PDF, and lands on
// step 2 with the proposed fields.
func (b *browserTab) registerLetter(register, pdfPath string) {
	b.t.Helper()
	b.run("open ลงรับหนังสือ", chromedp.Click(chromedp.CSS(`nav.menu a[href="/letters/new"]`)), chromedp.WaitVisible(chromedp.ID("upload")))
	b.pick(`#upload select[name=register]`, register)
	// Choosing the file uploads it at once (receive.js); the form's button is for pages without JavaScript.
	b.run("choose the PDF", chromedp.SetUploadFiles(chromedp.CSS(`#upload input[type=file]`), []string{pdfPath}),
		chromedp.WaitVisible(chromedp.ID("receive-form")))
}

// draftOutgoing: the clerk uploads a draft on ร่างหนังสือส่ง with one reviewer and the signer,
// and returns the outgoing letter's id.
func (b *browserTab) draftOutgoing(subject, draftPath, reviewer, signer string) string {
	b.t.Helper()
	b.run("open หนังสือส่ง", chromedp.Click(chromedp.CSS(`nav.menu a[href="/outgoing"]`)), chromedp.WaitVisible(chromedp.ID("new-outgoing")))
	b.run("new draft", chromedp.Click(chromedp.ID("new-outgoing")), chromedp.WaitVisible(chromedp.ID("outgoing-new")))
	b.run("attach the draft", chromedp.SetUploadFiles(chromedp.ID("draft"), []string{draftPath}))
	b.pick("#register", "LAND-SEND")
	b.run("type the subject", typeIn("#subject", subject))
	b.pick("#urgency", "urgent")
	b.run("send to the Hat Yai branch", chromedp.Click(chromedp.CSS(`input[name=to_unit][value="land-hatyai"]`)))
	b.pick("#reviewer-1", reviewer)
	b.pick("#signer", signer)
	b.run("create", chromedp.Click(chromedp.ID("create")), chromedp.WaitVisible(chromedp.ID("status")))
	id := strings.TrimPrefix(b.path(), "/outgoing/")
	if id == "" || strings.Contains(id, "/") {
		b.t.Fatalf("after creating the draft the browser is at %s", b.location())
	}
	return id
}

// approveOutgoing: the reviewer finds the letter among those to review and approves it.
func (b *browserTab) approveOutgoing(id, note string) {
	b.t.Helper()
	b.run("open หนังสือส่ง", chromedp.Click(chromedp.CSS(`nav.menu a[href="/outgoing"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#review a[href="/outgoing/`+id+`"]`)))
	b.run("open the draft", chromedp.Click(chromedp.CSS(`#review a[href="/outgoing/`+id+`"]`)), chromedp.WaitVisible(chromedp.ID("approve")))
	b.run("approve", typeIn("#approve-note", note), chromedp.Click(chromedp.ID("approve")))
	b.flash("the approval's message")
}

// delegateSigning: the land officer gives netanong the power to sign for the land office, for today.
func (b *browserTab) delegateSigning() {
	b.t.Helper()
	b.run("open การมอบอำนาจ", chromedp.Click(chromedp.CSS(`nav.menu a[href="/delegations"]`)), chromedp.WaitVisible(chromedp.ID("delegation-form")))
	b.pick("#to", "netanong")
	b.run("the power to sign", chromedp.Click(chromedp.ID("kind-on_behalf")), chromedp.Click(chromedp.ID("power-sign")))
	b.pick("#unit", "land-office")
	b.run("the order's reference", typeIn("#note", "คำสั่งสำนักงานที่ดินจังหวัดสงขลา ที่ ๑/๒๕๖๙"),
		chromedp.Click(chromedp.ID("save-delegation")))
	b.flash("the delegation's message")
}

// thaiDraft prints a Thai draft letter (หนังสือภายนอก) to PDF with the browser, for the
// screenshots of the outgoing screens: a page with Thai text rather than a test pattern.
func (b *browserTab) thaiDraft(subject, to, body string) []byte {
	b.t.Helper()
	page := `<!doctype html><html lang="th"><meta charset="utf-8"><body style="font-family: sans-serif; font-size: 16pt; line-height: 1.6">
<p style="text-align:right">สำนักงานที่ดินจังหวัดสงขลา<br>ถนนราชดำเนิน อำเภอเมืองสงขลา<br>จังหวัดสงขลา ๙๐๐๐๐</p>
<p style="text-align:center">ธันวาคม ๒๕๖๙</p>
<p>เรื่อง ` + subject + `</p><p>เรียน ` + to + `</p>
<p style="text-indent:2.5cm">` + body + `</p>
<p style="text-indent:2.5cm">จึงเรียนมาเพื่อโปรดทราบและดำเนินการต่อไป</p>
<p style="margin-left:9cm; margin-top:1cm">ขอแสดงความนับถือ</p></body></html>`
	b.run("write the draft", chromedp.Navigate("data:text/html;charset=utf-8,"+url.PathEscape(page)), chromedp.WaitReady(chromedp.CSS("body")))
	pdf := get(b, "print the draft", chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFMargins(1, 0.8, 1, 1.2)))
	b.open("/")
	return pdf
}

// --- the tests ---

// TestBrowserClerkRegistersACorpusLetter: the clerk registers a real letter of the corpus: the
// fields read from it are proposed, she corrects and completes them, and gets the receive
// number in Thai digits and page 1 with the receive stamp the worker draws.
func TestBrowserClerkRegistersACorpusLetter(t *testing.T) {
	pdfPath := corpusLetter(t, "03.pdf")
	w := startWeb(t)
	ctx := context.Background()
	b := w.browser(t)
	b.login("panisa", w.account(t, "panisa", false))

	b.registerLetter("LAND-RECV", pdfPath)
	value := func(name string) string {
		return get(b, "read "+name, chromedp.Value(chromedp.CSS(`#receive-form [name=`+name+`]`)))
	}
	contains(t, "proposed document number", value("doc_number"), "0033.001.09/31723")
	contains(t, "proposed date", value("doc_date"), "กันยายน", "2567")
	contains(t, "proposed subject", value("subject"), "รายงานผลการดำเนินงานเรื่องร้องเรียน")
	contains(t, "proposed sender", value("from"), "โรงพยาบาลน้ำยืน")
	if pw, ph := b.imageLoaded("page 1 beside the fields", ".receive-preview img", 30*time.Second); pw < 400 || ph < pw {
		t.Errorf("page 1 preview is %dx%d", pw, ph)
	}

	// She corrects what the letter does not say and adds what the office needs.
	if value("to") == "" {
		b.run("type the addressee", typeIn(`#receive-form [name=to]`, "เจ้าพนักงานที่ดินจังหวัดสงขลา"))
	}
	b.pick(`#receive-form select[name=urgency]`, "urgent")
	due := thaiDate(30)
	b.run("fill the deadline and a note",
		typeIn(`#receive-form [name=deadline]`, due),
		typeIn(`#receive-form [name=note]`, "ส่ง ฝอ. ตรวจสอบ"),
		chromedp.Click(chromedp.CSS(`#receive-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("receive-number")),
	)
	year := thai.BEYear(time.Now())
	if got, want := b.text("#receive-number"), thai.ToThaiDigits("1/"+strconv.Itoa(year)); got != want {
		t.Errorf("receive number %q, want %q", got, want)
	}
	u, _ := url.Parse(b.location())
	id := u.Query().Get("id")
	l, err := w.db.GetLetter(ctx, id)
	if err != nil {
		t.Fatalf("the letter of %s: %v", b.location(), err)
	}
	if len(l.Entries) != 1 || l.Entries[0].Register != "LAND-RECV" || l.Entries[0].ReceivedBy != "panisa" || l.Urgency != "urgent" ||
		l.DocDateISO != "2024-09-02" || l.Deadline == nil || !strings.Contains(l.Subject, "ร้องเรียน") {
		t.Fatalf("the letter as stored: %+v", l)
	}
	contains(t, "the result page", b.text("main"), "ลงรับแล้ว", "LAND-RECV", "รายงานผลการดำเนินงาน")

	// The worker draws the stamp; the page asks for the image again until it is there.
	eventually(t, 90*time.Second, "the stamped revision", func() bool {
		l, err := w.db.GetLetter(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return stampOfFirst(l) != nil
	})
	iw, ih := b.imageLoaded("the stamped page 1", ".done-stamp img", 60*time.Second)
	if iw < 500 || iw > 650 || ih < 750 {
		t.Errorf("stamped page image %dx%d, want an A4 page at 70 dpi", iw, ih)
	}
	if c := b.text(".done-stamp"); strings.Contains(c, "กำลังประทับตรา") || strings.Contains(c, "ยังไม่เสร็จ") {
		t.Errorf("the stamp's caption still waits: %q", c)
	}
	if l, _ = w.db.GetLetter(ctx, id); !l.Entries[0].Stamped {
		t.Errorf("the entry is not marked stamped: %+v", l.Entries[0])
	}
}

// stampOfFirst is the stamped revision of the letter's first receipt, if drawn.
func stampOfFirst(l storage.Letter) *storage.Revision {
	for i := range l.Revisions {
		if l.Revisions[i].Kind == "stamped" {
			return &l.Revisions[i]
		}
	}
	return nil
}

// TestBrowserDirectorOrdersToTwoUnits: the head of the land office opens a received letter from
// her inbox and orders it to two branches picked from the unit tree, with a purpose and a due
// date; the timeline shows the order and two tasks exist; each branch head finds the task in
// their inbox, and one acknowledges it.
func TestBrowserDirectorOrdersToTwoUnits(t *testing.T) {
	pdf, err := os.ReadFile(corpusLetter(t, "03.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	w := startWeb(t)
	ctx := context.Background()
	subject := "รายงานผลการดำเนินงานเรื่องร้องเรียนการปฏิบัติงาน ประจำปีงบประมาณ 2567"
	id := w.receive(t, intake.Request{PDF: pdf, DocNumber: "อบ 0033.001.09/31723", DocDate: "2 กันยายน 2567", From: "โรงพยาบาลน้ำยืน",
		To: "เจ้าพนักงานที่ดินจังหวัดสงขลา", Urgency: "ด่วนที่สุด", Subject: subject})
	w.waitStamped(t, id)

	b := w.browser(t)
	b.login("sujit", w.account(t, "sujit", false))
	link := `#recent a[href="/letters/` + id + `"]`
	b.run("open the letter from the inbox", chromedp.Click(chromedp.CSS(link)), chromedp.WaitVisible(chromedp.ID("timeline")))
	order := `form[action="/letters/` + id + `/actions/order"]`
	due := thaiDate(14)
	note := "ดำเนินการตามระเบียบ แล้วรายงานภายในกำหนด"
	b.run("give the order",
		chromedp.Click(chromedp.CSS(`details:has(`+order+`) > summary`)),
		chromedp.WaitVisible(chromedp.CSS(order)),
		chromedp.Click(chromedp.CSS(order+` input[name=purpose][value=act]`)),
		chromedp.Click(chromedp.CSS(order+` input[name=unit][value="land-hatyai"]`)),
		chromedp.Click(chromedp.CSS(order+` input[name=unit][value="land-sadao"]`)),
		typeIn(order+` input[name=due]`, due),
		typeIn(order+` textarea[name=note]`, note),
		chromedp.Click(chromedp.CSS(order+` button`)),
	)
	contains(t, "the message after the order", b.flash("the order's message"), "สั่งการแล้ว", "๒ งาน")
	timeline := b.text("#timeline")
	contains(t, "the timeline", timeline, "สั่งการ", "นางสุจิตร์ สุขสว่าง", note, "เพื่อดำเนินการ", "สาขาหาดใหญ่", "สาขาสะเดา", "ลงรับ")
	contains(t, "the tasks", b.text("#tasks"), "สาขาหาดใหญ่", "สาขาสะเดา", "รอดำเนินการ")
	tasks, err := w.db.Tasks(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2 || tasks[0].AssigneeUnit != "land-hatyai" || tasks[1].AssigneeUnit != "land-sadao" || tasks[0].Purpose != "act" ||
		tasks[0].Due == nil || tasks[0].AssignedBy != "sujit" {
		t.Fatalf("tasks after the order: %+v", tasks)
	}
	if got, want := thai.DateOf(tasks[0].Due.In(time.FixedZone("ICT", 7*3600))), thai.DateOf(time.Now().AddDate(0, 0, 14)); got != want {
		t.Errorf("task due %s, want %s", got, want)
	}

	// Each branch head finds the task in their inbox.
	for _, head := range []string{"prasert", "wanna"} {
		b.logout()
		b.login(head, w.account(t, head, false))
		b.run(head+"'s inbox", chromedp.WaitVisible(chromedp.CSS(`#tasks a[href^="/letters/`+id+`"]`)))
		contains(t, head+"'s tasks", b.text("#tasks"), "รายงานผลการดำเนินงานเรื่องร้องเรียน", "ดำเนินการ", "สั่งการโดย นางสุจิตร์ สุขสว่าง")
		if head != "prasert" {
			continue
		}
		b.run("open the task", chromedp.Click(chromedp.CSS(`#tasks a[href^="/letters/`+id+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[id^="task-"] form[action$="/actions/ack"] button`)))
		b.run("acknowledge", chromedp.Click(chromedp.CSS(`[id^="task-"] form[action$="/actions/ack"] button`)))
		contains(t, "the acknowledgement", b.flash("the acknowledgement's message"), "รับทราบแล้ว")
		if tasks, _ = w.db.Tasks(ctx, id); tasks[0].Status != "acknowledged" || tasks[1].Status != "open" {
			t.Errorf("after the acknowledgement: %+v", tasks)
		}
	}
}

// TestBrowserDelegateSignsOutgoing: the clerk drafts an outgoing letter, the reviewer approves
// it, the land officer (who signs for the governor) gives the senior administrative officer the
// power to sign on the delegations screen, and she signs on the letter's page, placing the
// signature by clicking on the page image. The signed PDF verifies with the signing CA, carries
// the capacity line ปฏิบัติราชการแทน, and its signature is where she clicked.
func TestBrowserDelegateSignsOutgoing(t *testing.T) {
	w := startWeb(t)
	ctx := context.Background()
	today := thai.DateOf(time.Now())
	if _, err := w.db.AddDelegation(ctx, storage.NewDelegation{Delegator: "governor", Delegate: "sujit", Kind: "on_behalf", Unit: "land-office",
		Inherit: true, Powers: []string{"sign"}, StartsOn: today, EndsOn: thai.DateOf(time.Now().AddDate(0, 1, 0))}, "operator:test"); err != nil {
		t.Fatal(err)
	}
	clerk, reviewer, director := w.browser(t), w.browser(t), w.browser(t)
	clerk.login("panisa", w.account(t, "panisa", false))
	reviewer.login("netanong", w.account(t, "netanong", false))
	director.login("sujit", w.account(t, "sujit", false))

	subject := "ขอเชิญประชุมหัวหน้าสาขา ประจำเดือน"
	id := clerk.draftOutgoing(subject, writeTemp(t, "draft.pdf", samplepdf.Letter(701, 20_000)), "netanong", "sujit")
	o, err := w.db.GetOutgoing(ctx, id)
	if err != nil || o.Subject != subject || o.Signer != "sujit" || len(o.Reviewers) != 1 || o.Reviewers[0] != "netanong" || o.Urgency != "urgent" {
		t.Fatalf("the draft as stored: %+v %v", o, err)
	}
	reviewer.approveOutgoing(id, "เห็นชอบ")
	eventually(t, 30*time.Second, "the letter to wait for its signature", func() bool {
		o, err := w.db.GetOutgoing(ctx, id)
		return err == nil && o.Status == storage.OutgoingSigning
	})
	// Before the delegation the reviewer is not offered the signature.
	reviewer.open("/outgoing/" + id)
	if get(reviewer, "look for the sign button", chromedp.Evaluate[bool](`!!document.getElementById("sign")`)) {
		t.Fatal("the sign button is offered to someone without the power to sign")
	}

	director.delegateSigning()
	contains(t, "the director's delegations", director.text("#given"), "นางเนตรอนงค์", "ปฏิบัติราชการแทน", "ลงนาม")

	// The delegate finds the letter among those to sign and places the signature on the page.
	reviewer.run("open หนังสือส่ง", chromedp.Click(chromedp.CSS(`nav.menu a[href="/outgoing"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#sign a[href="/outgoing/`+id+`"]`)))
	reviewer.run("open the letter to sign", chromedp.Click(chromedp.CSS(`#sign a[href="/outgoing/`+id+`"]`)), chromedp.WaitVisible(chromedp.ID("sign-form")))
	contains(t, "the capacity she signs in", reviewer.text("#sign-capacity"), "นางเนตรอนงค์ แก้วมณี", "เจ้าพนักงานธุรการอาวุโส ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา")
	reviewer.imageLoaded("the page to sign", "#sign-page", 30*time.Second)
	reviewer.run("show the page", chromedp.ScrollIntoView(chromedp.ID("sign-page")))
	box := get(reviewer, "where the page is", chromedp.Evaluate[[]float64](`(() => { const r = document.getElementById("sign-page").getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`))
	reviewer.run("click where the signature goes", chromedp.MouseClickXY(box[0]+box[2]*0.65, box[1]+box[3]*0.78))
	placed := get(reviewer, "the placement", chromedp.Evaluate[[]string](`["sig_pos", "sig_page", "sig_x", "sig_y", "sig_w", "sig_h"].map(n => document.getElementById(n).value).concat([String(document.getElementById("sign-box").hidden)])`))
	if placed[0] != "custom" || placed[1] != "1" || placed[6] != "false" {
		t.Fatalf("after the click the placement is %q", placed)
	}
	var rect [4]float64
	for i := range rect {
		if rect[i], err = strconv.ParseFloat(placed[2+i], 64); err != nil {
			t.Fatalf("placement %q: %v", placed, err)
		}
	}
	// The box is centred where she clicked (65 % across, 78 % down the page), in PDF points.
	page := get(reviewer, "the page size", chromedp.Evaluate[[]float64](`(() => { const d = document.getElementById("sign-place").dataset; return [parseFloat(d.pageW), parseFloat(d.pageH)]; })()`))
	if cx, cy := rect[0]+rect[2]/2, rect[1]+rect[3]/2; math.Abs(cx-0.65*page[0]) > 3 || math.Abs(cy-0.22*page[1]) > 3 {
		t.Errorf("the box %v (page %v) is not centred where she clicked", rect, page)
	}
	reviewer.run("sign", chromedp.Click(chromedp.ID("sign")))
	reviewer.flash("the signature's message")

	var out storage.Outgoing
	eventually(t, 2*time.Minute, "the signed letter to be sent", func() bool {
		out, err = w.db.GetOutgoing(ctx, id)
		return err == nil && out.Status == storage.OutgoingSent
	})
	if out.SignedBy != "netanong" || len(out.SignedCapacity) != 3 || out.SignedCapacity[0] != "เจ้าพนักงานธุรการอาวุโส ปฏิบัติราชการแทน" ||
		out.SignedCapacity[2] != "ผู้ว่าราชการจังหวัดสงขลา" || out.DocNumber == "" {
		t.Fatalf("signed letter: number %q by %q as %q", out.DocNumber, out.SignedBy, out.SignedCapacity)
	}
	pdf, err := w.app.Services.Blobs.Get(ctx, out.Latest().ObjectKey)
	if err != nil {
		t.Fatal(err)
	}
	trust, _, err := signing.LoadTrust(filepath.Join(w.keyDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := signing.Verify(pdf, trust)
	if err != nil || !rep.Valid || len(rep.Signatures) != 1 || !rep.Signatures[0].CoversWhole {
		t.Fatalf("the signed PDF does not verify: %+v %v", rep, err)
	}
	if !rectAt(pdf, rect) {
		t.Errorf("the signature widget is not where she clicked (%v); the PDF's rectangles: %q", rect, rectRE.FindAll(pdf, -1))
	}
	if text := pdftotext(t, pdf); !strings.Contains(text, "ปฏิบัติราชการแทน") || !strings.Contains(text, "ผู้ว่าราชการจังหวัดสงขลา") {
		t.Errorf("the signed PDF does not show the capacity lines:\n%s", text)
	}
	// Her page now says it was sent, with the number and the signature.
	reviewer.open("/outgoing/" + id)
	contains(t, "the sent letter", reviewer.text("main"), "ส่งแล้ว", thai.ToThaiDigits(out.DocNumber), "เจ้าพนักงานธุรการอาวุโส ปฏิบัติราชการแทน")
}

var rectRE = regexp.MustCompile(`/Rect\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]`)

// rectAt tells whether the PDF has a widget rectangle at x, y, w, h (within a point).
func rectAt(pdf []byte, r [4]float64) bool {
	want := [4]float64{r[0], r[1], r[0] + r[2], r[1] + r[3]}
	for _, m := range rectRE.FindAllSubmatch(pdf, -1) {
		ok := true
		for i := 0; i < 4; i++ {
			v, err := strconv.ParseFloat(string(m[i+1]), 64)
			if err != nil || v-want[i] > 1 || want[i]-v > 1 {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// TestBrowserNoClearanceCannotOpenSecretLetter: a ลับมาก letter of the land office: the clerk
// (no clearance) opening its address is refused with the reason and sees nothing of it; the
// land officer (cleared) sees it, told that the pages carry her name, and the page image loads.
func TestBrowserNoClearanceCannotOpenSecretLetter(t *testing.T) {
	w := startWeb(t)
	ctx := context.Background()
	subject := "รายชื่อผู้ครอบครองที่ดินในพื้นที่ความมั่นคงชายแดน"
	id := w.receive(t, intake.Request{PDF: samplepdf.Letter(41, 6000), Subject: subject, Secrecy: "ลับมาก",
		From: "กองอำนวยการรักษาความมั่นคงภายในจังหวัดสงขลา"})
	w.waitStamped(t, id)

	clerk := w.browser(t)
	clerk.login("panisa", w.account(t, "panisa", false))
	if st := clerk.status("/letters/" + id); st != 403 {
		t.Errorf("the uncleared clerk gets %d, want 403", st)
	}
	page := clerk.text("body")
	contains(t, "the refusal", page, "ชั้นความลับ «ลับมาก»", "เปิดไม่ได้")
	if strings.Contains(page, subject) || strings.Contains(page, "กองอำนวยการรักษาความมั่นคง") {
		t.Errorf("the refusal shows the letter:\n%s", page)
	}
	if n := get(clerk, "count images", chromedp.Evaluate[int](`document.querySelectorAll("main img").length`)); n != 0 {
		t.Errorf("the refusal shows %d images", n)
	}

	head := w.browser(t)
	head.login("sujit", w.account(t, "sujit", false))
	if st := head.status("/letters/" + id); st != 200 {
		t.Fatalf("the cleared head gets %d", st)
	}
	contains(t, "the letter for the cleared head", head.text("main"), subject, "ลับมาก", "ทุกหน้าที่เปิดจะมีชื่อของท่านกำกับ")
	if pw, _ := head.imageLoaded("the watermarked page", ".letter-preview .pages img", 60*time.Second); pw < 500 {
		t.Errorf("page image %d wide", pw)
	}
	var marked int
	if err := w.db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'letter.file_open' AND actor = 'sujit'
		AND subject_id = $1 AND detail->>'watermarked' = 'true'`, id).Scan(&marked); err != nil || marked == 0 {
		t.Errorf("watermarked openings by sujit in the audit log: %d (%v)", marked, err)
	}
	var refused int
	if err := w.db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'refused' AND actor = 'panisa' AND subject_id LIKE '%'||$1`, id).Scan(&refused); err != nil || refused == 0 {
		t.Errorf("the refusal is not audited: %d (%v)", refused, err)
	}
}

// TestBrowserRegisterSearchFindsThaiWord: the clerk types a Thai word that sits inside a longer
// run of letters without spaces ("ที่ดิน" in "…จัดการที่ดินของรัฐ") and the result list shows the
// letter, the word marked; a letter of another unit with the same word does not show.
func TestBrowserRegisterSearchFindsThaiWord(t *testing.T) {
	w := startWeb(t)
	ids := map[string]string{}
	for i, l := range []struct{ key, register, subject string }{
		{"land", "LAND-RECV", "ขอเชิญประชุมคณะกรรมการจัดการที่ดินของรัฐ"},
		{"other", "LAND-RECV", "ขอเชิญประชุมคณะกรรมการ"},
		{"pao", "PAO-RECV", "การจัดสรรที่ดินทำกินให้ชุมชน"},
	} {
		ids[l.key] = w.receive(t, intake.Request{Register: l.register, PDF: samplepdf.Letter(uint64(300+i), 4000), Subject: l.subject,
			From: "ศาลากลางจังหวัดสงขลา", Actor: "operator:test"})
	}
	b := w.browser(t)
	b.login("panisa", w.account(t, "panisa", false))
	b.run("open ทะเบียน", chromedp.Click(chromedp.CSS(`nav.menu a[href="/registers"]`)), chromedp.WaitVisible(chromedp.CSS(`input[name=q]`)))
	b.run("search", typeIn(`input[name=q]`, "ที่ดิน"), chromedp.Click(chromedp.CSS(`form.regsearch button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("found")))
	if q := get(b, "the query kept", chromedp.Value(chromedp.CSS(`input[name=q]`))); q != "ที่ดิน" {
		t.Errorf("the search box holds %q", q)
	}
	contains(t, "the count", b.text("#found"), "๑")
	results := b.text("table.regresults")
	contains(t, "the results", results, "ขอเชิญประชุมคณะกรรมการจัดการที่ดินของรัฐ")
	if n := get(b, "the letter's link", chromedp.Evaluate[int](`document.querySelectorAll('table.regresults a[href="/letters/`+ids["land"]+`"]').length`)); n != 1 {
		t.Errorf("the land office's letter is listed %d times", n)
	}
	if m := b.text("table.regresults mark"); m != "ที่ดิน" {
		t.Errorf("the word marked is %q", m)
	}
	for _, k := range []string{"pao", "other"} {
		if n := get(b, "the "+k+" letter", chromedp.Evaluate[int](`document.querySelectorAll('a[href="/letters/`+ids[k]+`"]').length`)); n != 0 {
			t.Errorf("the search lists the %s letter", k)
		}
	}
	if strings.Contains(results, "การจัดสรรที่ดินทำกิน") {
		t.Error("the search shows a letter of another unit")
	}
}

// TestBrowserScreenshots draws every main screen, desktop and phone width, with data on them,
// into SARABAN_SCREENSHOTS (docs/screenshots). It documents; the flows above check.
func TestBrowserScreenshots(t *testing.T) {
	if os.Getenv("SARABAN_SCREENSHOTS") == "" {
		t.Skip("set SARABAN_SCREENSHOTS=DIR to draw the screenshots")
	}
	corpusPDF := corpusLetter(t, "03.pdf")
	w := startWeb(t)
	ctx := context.Background()
	today := thai.DateOf(time.Now())
	if _, err := w.db.AddDelegation(ctx, storage.NewDelegation{Delegator: "governor", Delegate: "sujit", Kind: "on_behalf", Unit: "land-office",
		Inherit: true, Powers: []string{"sign", "forward"}, StartsOn: today, EndsOn: thai.DateOf(time.Now().AddDate(0, 3, 0)),
		Note: "คำสั่งจังหวัดสงขลา ที่ ๑๒๓๔/๒๕๖๘"}, "operator:test"); err != nil {
		t.Fatal(err)
	}
	// Letters of the land office: one late, one due soon, others; one of a branch, one of the province.
	docDate := thaiDate(-20)
	for i, l := range []struct{ register, subject, from, urgency, secrecy, deadline string }{
		{"LAND-RECV", "ขอเชิญประชุมคณะกรรมการจัดการที่ดินของรัฐ ครั้งที่ ๓/๒๕๖๙", "ศาลากลางจังหวัดสงขลา", "most_urgent", "", thaiDate(-2)},
		{"LAND-RECV", "ขอความอนุเคราะห์ตรวจสอบแนวเขตที่ดินสาธารณประโยชน์ บ้านคลองแงะ", "สำนักงานที่ดินจังหวัดสงขลา สาขาสะเดา", "urgent", "", thaiDate(1)},
		{"LAND-RECV", "ประชาสัมพันธ์โครงการเดินสำรวจออกโฉนดที่ดินทั่วประเทศ", "กรมที่ดิน", "", "", ""},
		{"LAND-RECV", "ขอข้อมูลผู้ถือครองที่ดินในพื้นที่ชายแดน", "กองอำนวยการรักษาความมั่นคงภายในจังหวัดสงขลา", "very_urgent", "ลับ", ""},
		{"HATYAI-RECV", "ขอรับรองสำเนาโฉนดที่ดิน เลขที่ ๑๒๓๔๕", "เทศบาลนครหาดใหญ่", "urgent", "", ""},
		{"PAO-RECV", "การจัดสรรที่ดินทำกินให้ชุมชน", "กรมที่ดิน", "", "", ""},
	} {
		w.receive(t, intake.Request{Register: l.register, PDF: samplepdf.Letter(uint64(500+i), 5000), DocNumber: "ที่ สข ๐๐๒๐.๑/ว " + thai.ToThaiDigits(strconv.Itoa(1600+i)),
			DocDate: docDate, Subject: l.subject, From: l.from, Urgency: l.urgency, Secrecy: l.secrecy, Deadline: l.deadline})
	}
	// A task for the land office from the governor, due in two days.
	taskLetter := w.receive(t, intake.Request{PDF: samplepdf.Letter(520, 5000), DocNumber: "ที่ มท ๐๕๑๕/ว ๒๒๓", DocDate: docDate,
		Subject: "การเตรียมความพร้อมรับมือสถานการณ์อุทกภัย ปี ๒๕๖๙", From: "กรมที่ดิน", Urgency: "very_urgent"})
	w.act(t, taskLetter, workflows.Action{Kind: "order", Actor: "governor", Purpose: "act", Assignees: []workflows.Assignee{{Unit: "land-office"}},
		Due: ptrTime(time.Now().AddDate(0, 0, 2)), Note: "มอบ สนง.ที่ดิน ดำเนินการ"})

	admin := w.browser(t)
	admin.open("/login")
	admin.screenshot("login", true)

	clerk := w.browser(t)
	clerk.login("panisa", w.account(t, "panisa", false))
	clerk.registerLetter("LAND-RECV", corpusPDF)
	clerk.screenshot("receive", true)
	clerk.pick(`#receive-form select[name=urgency]`, "urgent")
	clerk.run("register", typeIn(`#receive-form [name=deadline]`, thaiDate(10)),
		chromedp.Click(chromedp.CSS(`#receive-form button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("receive-number")))
	u, _ := url.Parse(clerk.location())
	id := u.Query().Get("id")
	clerk.imageLoaded("the stamp", ".done-stamp img", 90*time.Second)
	clerk.screenshot("receive-done", true)

	// The letter page: annotated by the clerk, ordered to two branches by the head.
	w.act(t, id, workflows.Action{Kind: "annotate", Actor: "panisa", Note: "เรียน จพด. เพื่อโปรดพิจารณา เห็นควรมอบสาขาหาดใหญ่และสาขาสะเดาดำเนินการ"})
	w.act(t, id, workflows.Action{Kind: "order", Actor: "sujit", Purpose: "act", Assignees: []workflows.Assignee{{Unit: "land-hatyai"}, {Unit: "land-sadao"}},
		Due: ptrTime(time.Now().AddDate(0, 0, 14)), Note: "ดำเนินการตามระเบียบ แล้วรายงาน"})

	head := w.browser(t)
	head.login("sujit", w.account(t, "sujit", false))
	head.screenshot("inbox", true)
	head.open("/letters/" + id)
	head.screenshot("letter", true)

	// Outgoing: one awaiting the land officer's signature, one under review.
	reviewer := w.browser(t)
	reviewer.login("netanong", w.account(t, "netanong", false))
	s1, s2 := "ขอเชิญประชุมหัวหน้าสาขา ประจำเดือนธันวาคม", "ขอส่งรายงานผลการตรวจสอบแนวเขตที่ดินสาธารณประโยชน์"
	d1 := reviewer.thaiDraft(s1, "เจ้าพนักงานที่ดินจังหวัดสงขลา สาขาหาดใหญ่", "ด้วยสำนักงานที่ดินจังหวัดสงขลากำหนดประชุมหัวหน้าสาขา ประจำเดือนธันวาคม ๒๕๖๙ ในวันศุกร์ที่ ๑๘ ธันวาคม ๒๕๖๙ เวลา ๐๙.๓๐ น. ณ ห้องประชุมสำนักงานที่ดินจังหวัดสงขลา จึงขอเชิญท่านเข้าร่วมประชุมตามวัน เวลา และสถานที่ดังกล่าว")
	d2 := reviewer.thaiDraft(s2, "อธิบดีกรมที่ดิน", "ตามที่กรมที่ดินให้สำนักงานที่ดินจังหวัดสงขลาตรวจสอบแนวเขตที่ดินสาธารณประโยชน์ บ้านคลองแงะ นั้น สำนักงานที่ดินจังหวัดสงขลาได้ดำเนินการเสร็จแล้ว จึงขอส่งรายงานผลการตรวจสอบมาเพื่อโปรดทราบ")
	og := clerk.draftOutgoing(s1, writeTemp(t, "d1.pdf", d1), "netanong", "sujit")
	clerk.draftOutgoing(s2, writeTemp(t, "d2.pdf", d2), "netanong", "sujit")
	reviewer.approveOutgoing(og, "เห็นชอบ เสนอ จพด. ลงนาม")
	eventually(t, 30*time.Second, "the letter to wait for its signature", func() bool {
		o, err := w.db.GetOutgoing(ctx, og)
		return err == nil && o.Status == storage.OutgoingSigning
	})
	head.open("/outgoing")
	head.screenshot("outgoing-list", true)
	head.open("/outgoing/" + og)
	head.imageLoaded("the page to sign", "#sign-page", 30*time.Second)
	head.screenshot("outgoing", true)

	head.open("/")
	head.delegateSigning()
	head.screenshot("delegations", true)

	clerk.open("/registers")
	clerk.screenshot("registers-list", false)
	clerk.run("search", typeIn(`input[name=q]`, "ที่ดิน"), chromedp.Click(chromedp.CSS(`form.regsearch button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("found")))
	clerk.screenshot("registers", true)

	admin.login("nattawut", w.account(t, "nattawut", true))
	admin.open("/admin")
	admin.screenshot("admin", true)
	admin.open("/admin/accounts")
	admin.screenshot("admin-accounts", true)
}

func ptrTime(t time.Time) *time.Time { return &t }
