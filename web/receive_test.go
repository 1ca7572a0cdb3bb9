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
	"time"

	"github.com/saraban/saraban/extract"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/corpus"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/storage/objects"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/viewer"
)

// receiveAuthz adapts storage's receive rule to intake, as cmd/saraban does.
type receiveAuthz struct{ db *storage.DB }

func (a receiveAuthz) CanReceiveInto(ctx context.Context, person, register string) (string, error) {
	pos, err := a.db.CanReceiveInto(ctx, person, register)
	return pos.Title, err
}

// receiveSite is a site with the real receive use case: intake on a vault over a fresh bucket
// (classified letters are sealed), reading the text layer like `saraban serve`, and the viewer.
func receiveSite(t *testing.T, configure ...func(*Server)) (*site, *objects.Store) {
	t.Helper()
	store := testenv.Objects(t)
	v := testenv.VaultOf(t, store)
	st := newSite(t, func(s *Server) {
		s.Services.Intake = &intake.Service{DB: s.DB, Blobs: v, Auth: receiveAuthz{s.DB}}
		s.Services.Blobs = v
		s.Services.Read = func(ctx context.Context, pdf []byte) (extract.Result, error) {
			return extract.PDF(ctx, pdf, extract.Options{OCR: extract.OCRNever, Registry: s.DB})
		}
		s.Services.Files = &viewer.Viewer{Store: s.DB, Files: v}
		for _, f := range configure {
			f(s)
		}
	})
	return st, store
}

// upload posts a file to the receive form as a browser does (multipart, token in the URL).
func (b *browser) upload(register, name string, data []byte) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("_csrf", b.csrf)
	_ = mw.WriteField("register", register)
	fw, _ := mw.CreateFormFile("pdf", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.site.ts.URL+"/letters/new?_csrf="+url.QueryEscape(b.csrf), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func corpusPDF(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpus.Dir(t), "public-letters", name))
	if err != nil {
		corpus.Missing(t, "corpus letter %s: %v", name, err)
	}
	return b
}

var inputRE = regexp.MustCompile(`<(?:input|textarea)[^>]*name="([a-z_]+)"[^>]*?(?:value="([^"]*)"[^>]*)?>(?:([^<]*)</textarea>)?`)

// formValues reads the text inputs and textareas of step 2 as the browser would send them.
func formValues(body string) url.Values {
	v := url.Values{}
	for _, m := range inputRE.FindAllStringSubmatch(body, -1) {
		if m[1] == "_csrf" {
			continue
		}
		v.Set(m[1], html.UnescapeString(m[2]+m[3]))
	}
	return v
}

func TestReceiveCorpusLetter(t *testing.T) {
	pdf := corpusPDF(t, "03.pdf")
	st, _ := receiveSite(t)
	pass := st.account("panisa", false)
	b := st.browser()
	b.login("panisa", pass)

	// Step 1: the land office's receive register is offered (and only receive registers she may use).
	p := b.get("/letters/new")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `value="LAND-RECV" selected`) {
		t.Fatalf("step 1: status %d, LAND-RECV not preselected:\n%s", p.Status, p.Body)
	}
	if strings.Contains(p.Body, `value="PAO-RECV"`) || strings.Contains(p.Body, `value="LAND-SEND"`) {
		t.Fatal("step 1 offers a register she may not receive into")
	}
	if !strings.Contains(p.Body, `action="/letters/new?_csrf=`) || !strings.Contains(p.Body, `autofocus`) {
		t.Fatal("step 1: the multipart form needs the token in its action and the focus on the file")
	}

	// Upload: held, read, and shown in step 2 with the proposed fields.
	p = b.upload("LAND-RECV", "03.pdf", pdf)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/letters/new/upload/") {
		t.Fatalf("upload: status %d location %q\n%s", p.Status, p.Location, p.Body)
	}
	step2 := p.Location
	token := strings.TrimPrefix(step2, "/letters/new/upload/")
	if _, err := os.Stat(uploadPath(token, ".pdf")); err != nil {
		t.Fatalf("the upload is not held in %s: %v", uploadDir(), err)
	}
	p = b.get(step2)
	if p.Status != http.StatusOK {
		t.Fatalf("step 2: %d\n%s", p.Status, p.Body)
	}
	for _, want := range []string{"อบ 0033.001.09/31723", "รายงานผลการดำเนินงานเรื่องร้องเรียน", "ผู้อำนวยการโรงพยาบาลน้ำยืน", "2 กันยายน 2567", "page1.png"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("step 2 does not propose %q", want)
		}
	}
	fields := formValues(p.Body)
	if fields.Get("subject") == "" || fields.Get("doc_number") == "" {
		t.Fatalf("step 2 fields not filled: %v", fields)
	}
	// Another session may not see the held file.
	other := st.browser()
	other.login("panisa", pass)
	if q := other.get(step2); q.Status != http.StatusGone {
		t.Errorf("another session opened the held upload: %d", q.Status)
	}
	img := b.get(step2 + "/page1.png")
	if img.Status != http.StatusOK || !strings.HasPrefix(img.Body, "\x89PNG") {
		t.Fatalf("page 1 preview: %d %q", img.Status, img.Body[:min(len(img.Body), 80)])
	}

	// A field read with low confidence is flagged and gets the cursor (13.pdf prints its number
	// without the running number).
	if low := corpusPDF(t, "13.pdf"); low != nil {
		loc := b.upload("LAND-RECV", "13.pdf", low).Location
		defer removeUpload(strings.TrimPrefix(loc, "/letters/new/upload/"))
		q := b.get(loc)
		if !regexp.MustCompile(`<label class="rfield low">\s*<span>ที่ <span class="flag"`).MatchString(q.Body) ||
			!regexp.MustCompile(`<input name="doc_number" value="[^"]*"\s+autofocus`).MatchString(q.Body) {
			t.Errorf("13.pdf: the document number is not flagged and focused\n%s", q.Body)
		}
	}

	// A bad date is refused on the form, with what the clerk typed kept.
	bad := url.Values{}
	for k, v := range fields {
		bad[k] = v
	}
	bad.Set("register", "LAND-RECV")
	bad.Set("urgency", "normal")
	bad.Set("secrecy", "normal")
	bad.Set("doc_date", "31 กุมภาพันธ์ 2567")
	bad.Set("note", "โน้ตของธุรการ")
	p = b.post(step2, bad)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `class="field-error"`) ||
		!strings.Contains(p.Body, "31 กุมภาพันธ์ 2567") || !strings.Contains(p.Body, "โน้ตของธุรการ") {
		t.Fatalf("bad date: status %d; want 422 inline with the entries kept\n%s", p.Status, p.Body)
	}

	// Submit: the number, big, in Thai digits.
	fields.Set("register", "LAND-RECV")
	fields.Set("urgency", "urgent")
	fields.Set("secrecy", "normal")
	p = b.post(step2, fields)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/letters/new/done?id=") {
		t.Fatalf("submit: status %d location %q\n%s", p.Status, p.Location, p.Body)
	}
	if _, err := os.Stat(uploadPath(token, ".pdf")); !os.IsNotExist(err) {
		t.Error("the held upload is still there after the letter was registered")
	}
	id := strings.TrimPrefix(p.Location, "/letters/new/done?id=")
	l, err := st.db.GetLetter(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 1 || l.Entries[0].Register != "LAND-RECV" || l.Entries[0].ReceivedBy != "panisa" || l.Urgency != "urgent" ||
		!strings.Contains(l.Subject, "ร้องเรียน") || l.DocDateISO != "2024-09-02" {
		t.Fatalf("letter as stored: %+v", l)
	}
	year := thai.BEYear(time.Now())
	p = b.get(p.Location)
	wantNo := thai.ToThaiDigits("1/" + itoa(year))
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="receive-number">`+wantNo+`</b>`) {
		t.Fatalf("done page: status %d, want number %s\n%s", p.Status, wantNo, p.Body)
	}
	if !strings.Contains(p.Body, `href="/letters/new?register=LAND-RECV"`) || !strings.Contains(p.Body, `href="/letters/`+id+`"`) {
		t.Error("done page: no link to the next letter or to the letter page")
	}
	// The register is remembered for the next letter.
	if p := b.get("/letters/new"); !strings.Contains(p.Body, `value="LAND-RECV" selected`) {
		t.Error("the last register is not preselected")
	}
	// No stamp without a worker: the image says to try again later.
	if p := b.get("/letters/new/done/" + id + "/stamp.png"); p.Status != http.StatusServiceUnavailable {
		t.Errorf("stamp.png without a stamp: %d, want 503", p.Status)
	}

	// The same PDF again: refused inline as a duplicate, the entries kept, then allowed on purpose.
	p = b.upload("LAND-RECV", "03.pdf", pdf)
	step2b := p.Location
	p = b.get(step2b)
	again := formValues(p.Body)
	again.Set("register", "LAND-RECV")
	again.Set("urgency", "normal")
	again.Set("secrecy", "normal")
	again.Set("subject", "ส่งซ้ำ: "+again.Get("subject"))
	p = b.post(step2b, again)
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, "ลงรับในทะเบียนนี้แล้ว เป็นเลขรับ "+wantNo) ||
		!strings.Contains(p.Body, html.EscapeString("ส่งซ้ำ: ")) || !strings.Contains(p.Body, `name="allow_duplicate"`) ||
		!strings.Contains(p.Body, `href="/letters/`+id+`"`) {
		t.Fatalf("duplicate: status %d; want 409 inline\n%s", p.Status, p.Body)
	}
	again.Set("allow_duplicate", "1")
	if p = b.post(step2b, again); p.Status != http.StatusSeeOther {
		t.Fatalf("duplicate allowed on purpose: %d\n%s", p.Status, p.Body)
	}
	p = b.get(p.Location)
	if want := thai.ToThaiDigits("2/" + itoa(year)); !strings.Contains(p.Body, want) {
		t.Errorf("second receipt: want number %s", want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestReceiveRefusals(t *testing.T) {
	st, _ := receiveSite(t)
	b := st.browser()
	b.login("panisa", st.account("panisa", false))
	b.get("/letters/new")

	// Not a PDF: refused on step 1.
	p := b.upload("LAND-RECV", "x.pdf", []byte("this is not a pdf"))
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "ไม่ใช่ PDF") {
		t.Fatalf("not a PDF: %d\n%s", p.Status, p.Body)
	}
	// No file.
	if p := b.upload("LAND-RECV", "", nil); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("no file: %d", p.Status)
	}
	// A register of another unit: refused with the reason.
	if p := b.upload("PAO-RECV", "a.pdf", samplepdf.Letter(1, 3000)); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "PAO-RECV") {
		t.Fatalf("foreign register: %d\n%s", p.Status, p.Body)
	}
	// The upload needs the session's CSRF token.
	csrf := b.csrf
	b.csrf = "wrong"
	if p := b.upload("LAND-RECV", "a.pdf", samplepdf.Letter(2, 3000)); p.Status != http.StatusForbidden {
		t.Fatalf("upload without the CSRF token: %d", p.Status)
	}
	b.csrf = csrf
	// The administrator holds no position over a receive register: the page says why.
	a := st.browser()
	a.login("nattawut", st.account("nattawut", true))
	if p := a.get("/letters/new"); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "ทะเบียนหนังสือรับที่ลงรับได้") {
		t.Fatalf("admin: %d\n%s", p.Status, p.Body)
	}
}

func TestHeldUploadsAreNotReadableOnDisk(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/x.pdf"
	secret := []byte("%PDF-1.7 ลับมาก: แผนการตรวจสอบที่ดินชายแดน")
	if err := writeHeld(path, secret, 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("%PDF")) || bytes.Contains(raw, []byte("ลับมาก")) {
		t.Fatal("the held upload is readable on disk")
	}
	back, err := readHeld(path)
	if err != nil || !bytes.Equal(back, secret) {
		t.Fatalf("round trip: %q, %v", back, err)
	}
	// Moved to another name, or changed by one byte, it does not open.
	if err := os.Rename(path, dir+"/y.pdf"); err != nil {
		t.Fatal(err)
	}
	if _, err := readHeld(dir + "/y.pdf"); err == nil {
		t.Fatal("a held file opened under another name")
	}
	raw[len(raw)-1] ^= 1
	_ = os.WriteFile(path, raw, 0o600)
	if _, err := readHeld(path); err == nil {
		t.Fatal("a changed held file opened")
	}
}
