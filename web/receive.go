package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/saraban/saraban/auth"
	"github.com/saraban/saraban/extract"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/pdfdoc"
	"github.com/saraban/saraban/policy"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/viewer"
)

// Register a letter (ลงรับหนังสือ), for a clerk entering dozens a day:
//
//	GET  /letters/new                          step 1: register and PDF
//	POST /letters/new                          the upload (multipart); held, read, then step 2
//	GET  /letters/new/upload/{token}           step 2: proposed fields beside page 1
//	GET  /letters/new/upload/{token}/page1.png page 1 of the held upload
//	POST /letters/new/upload/{token}           submit: intake.Receive, then the result page
//	GET  /letters/new/done?id=…                the receive number, big, and the stamp
//	GET  /letters/new/done/{id}/stamp.png      page 1 of the newest stamped revision (waits 3 s)
//
// The upload is held in a temporary file (os.TempDir()/saraban-uploads, mode 0600) keyed by a
// random token and bound to the session, never in the object store before the letter is
// registered: the clerk says whether it is classified only in step 2, and a classified letter's
// file is stored sealed. A held upload is deleted when the letter is registered, else after an
// hour. Refusals of intake (duplicate, bad date, unknown word, too large, damaged PDF) are shown
// on the form with the clerk's entries kept.

const (
	uploadTTL          = time.Hour
	lastRegisterCookie = "saraban_recv_register"
	receiptCookie      = "saraban_receipt"
	// lowConfidence is below what a proposed field is flagged for the clerk to check.
	lowConfidence = 0.8
	// stampWait is how long the stamp image waits for the worker to draw the stamp.
	stampWait = 3 * time.Second
)

func init() {
	addRoutes(func(s *Server) []route {
		return []route{
			{pattern: "GET /letters/new", h: s.receiveStart},
			{pattern: "POST /letters/new", h: s.receiveUpload},
			{pattern: "GET /letters/new/upload/{token}", h: s.receiveReview},
			{pattern: "GET /letters/new/upload/{token}/page1.png", h: s.receivePreview},
			{pattern: "POST /letters/new/upload/{token}", h: s.receiveSubmit},
			{pattern: "GET /letters/new/done", h: s.receiveDone},
			{pattern: "GET /letters/new/done/{id}/stamp.png", h: s.receiveStamp},
		}
	})
	addMessages(map[string][2]string{
		"receive.step1":           {"ขั้นที่ ๑: เลือกทะเบียนและไฟล์", "Step 1: register and file"},
		"receive.step2":           {"ขั้นที่ ๒: ตรวจและแก้ไขรายละเอียด", "Step 2: check and correct"},
		"receive.register":        {"ทะเบียนหนังสือรับ", "Receive register"},
		"receive.file":            {"ไฟล์หนังสือ (PDF)", "Letter (PDF)"},
		"receive.file_hint":       {"เลือกไฟล์แล้วระบบจะอ่านรายละเอียดให้ทันที หรือลากไฟล์มาวางที่นี่", "Choose a file and it is read at once, or drop it here."},
		"receive.max":             {"ขนาดไม่เกิน %s MB", "at most %s MB"},
		"receive.upload":          {"อัปโหลดและอ่านรายละเอียด", "Upload and read"},
		"receive.no_file":         {"กรุณาเลือกไฟล์ PDF ของหนังสือ", "Choose the letter's PDF file."},
		"receive.not_pdf":         {"ไฟล์นี้ไม่ใช่ PDF หรือไฟล์เสียหาย จึงรับไม่ได้", "This file is not a PDF, or it is damaged."},
		"receive.too_big":         {"ไฟล์ใหญ่เกิน %s MB กรุณาสแกนใหม่ด้วยความละเอียดต่ำลงหรือแยกไฟล์", "The file is over %s MB: scan at a lower resolution or split it."},
		"receive.expired":         {"ไฟล์ที่อัปโหลดไว้หมดอายุหรือไม่พบแล้ว กรุณาอัปโหลดใหม่", "The uploaded file expired or is gone: upload it again."},
		"receive.doc_number":      {"ที่", "Document number (ที่)"},
		"receive.doc_date":        {"ลงวันที่", "Dated"},
		"receive.from":            {"จาก", "From"},
		"receive.to":              {"ถึง (เรียน)", "To"},
		"receive.subject":         {"เรื่อง", "Subject"},
		"receive.urgency":         {"ความเร่งด่วน", "Urgency"},
		"receive.secrecy":         {"ชั้นความลับ", "Secrecy"},
		"receive.deadline":        {"กำหนดเสร็จ", "Deadline"},
		"receive.note":            {"หมายเหตุ", "Note"},
		"receive.date_hint":       {"เช่น ๒ ก.ย. ๒๕๖๗ หรือ 2024-09-02", "e.g. ๒ ก.ย. ๒๕๖๗ or 2024-09-02"},
		"receive.low":             {"โปรดตรวจ", "check"},
		"receive.low_title":       {"ระบบอ่านได้ไม่แน่ใจ (ความมั่นใจ %s%%)", "read with low confidence (%s%%)"},
		"receive.missing":         {"อ่านไม่พบ", "not found"},
		"receive.proposed":        {"ระบบอ่านจากหนังสือ: %s", "read from the letter: %s"},
		"receive.found_deadlines": {"กำหนดที่พบในเนื้อหนังสือ (เลือกจากรายการได้): %s", "deadlines found in the text (pick from the list): %s"},
		"receive.secrecy_mark":    {"หนังสือนี้พิมพ์ชั้นความลับไว้ว่า «%s»: ถ้าถูกต้อง ให้เลือกชั้นความลับ", "The letter is marked «%s»: set the secrecy if that is right."},
		"receive.unread":          {"อ่านรายละเอียดจากไฟล์ไม่ได้ (อาจเป็นภาพสแกน) กรุณากรอกเอง", "Nothing could be read from the file (a scan?): type the fields."},
		"receive.no_reader":       {"ระบบนี้ไม่ได้เปิดการอ่านรายละเอียดอัตโนมัติ กรุณากรอกเอง", "Automatic reading is off on this server: type the fields."},
		"receive.several":         {"ไฟล์นี้มีหนังสือ %s ฉบับ รายละเอียดที่เสนอเป็นของฉบับแรก (หนังสือนำส่ง)", "The file holds %s letters; the fields are those of the first (the covering letter)."},
		"receive.pages":           {"%s หน้า", "%s pages"},
		"receive.preview":         {"ตัวอย่างหน้าแรก", "Page 1"},
		"receive.submit":          {"ลงรับ", "Register"},
		"receive.submit_hint":     {"Ctrl+Enter เพื่อลงรับ", "Ctrl+Enter registers"},
		"receive.other_file":      {"เปลี่ยนไฟล์", "Another file"},
		"receive.allow_dup":       {"ยืนยันว่าเป็นหนังสืออีกฉบับหนึ่ง ให้ลงรับซ้ำ", "It really is another letter: register it again"},
		"receive.see_dup":         {"เปิดหนังสือที่ลงรับไว้แล้ว", "Open the letter already registered"},
		"receive.warnings":        {"ข้อควรตรวจสอบ", "Please check"},
		"receive.none":            {"ยังไม่มีทะเบียนที่ท่านลงรับได้", "No register you may receive into."},
		"receive.err.title":       {"ยังลงรับไม่ได้", "Not registered yet"},
		"receive.err.duplicate":   {"ไฟล์นี้ลงรับในทะเบียนนี้แล้ว เป็นเลขรับ %s", "This file is already registered in this register as number %s."},
		"receive.err.too_large":   {"ไฟล์ใหญ่เกินกำหนด", "The file is too large."},
		"receive.err.file":        {"ไฟล์ PDF เสียหายหรืออ่านโครงสร้างไม่ได้ จึงลงรับไม่ได้ กรุณาขอไฟล์ใหม่จากผู้ส่ง", "The PDF is damaged or unreadable; ask the sender for a new file."},
		"receive.err.doc_date":    {"วันที่ของหนังสืออ่านไม่ได้หรือเป็นวันในอนาคต (ปี พ.ศ. มากกว่า ค.ศ. ๕๔๓ ปี)", "The letter's date cannot be read or is in the future (BE years are 543 more than CE)."},
		"receive.err.deadline":    {"กำหนดเสร็จอ่านไม่ได้ หรืออยู่ก่อนวันที่ของหนังสือ", "The deadline cannot be read or is before the letter's date."},
		"receive.err.urgency":     {"ไม่รู้จักความเร่งด่วนนี้ ใช้ ปกติ ด่วน ด่วนมาก หรือ ด่วนที่สุด", "Unknown urgency: use normal, urgent, very urgent or most urgent."},
		"receive.err.secrecy":     {"ไม่รู้จักชั้นความลับนี้ หรือเป็นชั้นที่ระบบรับไม่ได้ (ลับที่สุดต้องดำเนินการทางกระดาษ)", "Unknown secrecy class, or one this system may not hold (top secret stays on paper)."},
		"receive.err.register":    {"ท่านลงรับในทะเบียนนี้ไม่ได้", "You may not receive into this register."},
		"receive.err.internal":    {"ระบบจัดเก็บไฟล์ขัดข้อง ยังไม่ได้ลงรับ กรุณาลองอีกครั้ง", "The document store failed; nothing was registered. Try again."},
		"receive.done.title":      {"ลงรับแล้ว", "Registered"},
		"receive.done.number":     {"เลขรับ", "Receive number"},
		"receive.done.register":   {"ทะเบียน", "Register"},
		"receive.done.at":         {"วันเวลาที่รับ", "Received at"},
		"receive.done.by":         {"ผู้ลงรับ", "Received by"},
		"receive.done.subject":    {"เรื่อง", "Subject"},
		"receive.done.open":       {"เปิดหน้าหนังสือ", "Open the letter"},
		"receive.done.stamped":    {"ไฟล์ที่ประทับตรารับแล้ว (PDF)", "Stamped PDF"},
		"receive.done.stamping":   {"กำลังประทับตรารับลงบนหนังสือ…", "The receive stamp is being drawn…"},
		"receive.done.stamp_late": {"ตรารับยังไม่เสร็จ จะปรากฏในหน้าหนังสือเมื่อเสร็จ", "The stamp is not drawn yet; it appears on the letter's page when done."},
		"receive.done.next":       {"ลงรับฉบับต่อไป", "Register the next letter"},
		"receive.done.stamp_alt":  {"หน้าแรกของหนังสือพร้อมตรารับ", "Page 1 with the receive stamp"},
		"receive.warn.weekday":    {"วันในสัปดาห์ที่พิมพ์ในหนังสือไม่ตรงกับวันที่ ระบบบันทึกตามที่พิมพ์ไว้", "The weekday printed in the letter does not match its date; it was kept as printed."},
		"receive.warn.deadline":   {"วันในสัปดาห์ของกำหนดเสร็จไม่ตรงกับวันที่ ระบบบันทึกตามที่พิมพ์ไว้", "The deadline's weekday does not match its date; it was kept as typed."},
		"receive.warn.docno":      {"เลขที่หนังสือไม่อยู่ในรูปแบบ ที่ … /… ระบบบันทึกตามที่พิมพ์ไว้", "The document number does not follow the ที่ …/… form; it was kept as typed."},
		"receive.flag":            {"หมายเหตุจากการอ่าน", "Reading notes"},
	})
}

// receiveRegisters returns the receive registers the person may use (policy) and the one to
// preselect: asked, else the last used (cookie), else the first.
func (s *Server) receiveRegisters(r *http.Request, c *Ctx, want string) ([]storage.Register, string, error) {
	all, err := s.DB.ListRegisters(r.Context())
	if err != nil {
		return nil, "", err
	}
	regs, d, err := s.Policy.ReceiveRegisters(r.Context(), c.Subj, all)
	if err != nil {
		return nil, "", err
	}
	if err := d.Err(); err != nil {
		return nil, "", err
	}
	if want == "" {
		if ck, err := r.Cookie(lastRegisterCookie); err == nil {
			want = ck.Value
		}
	}
	for _, g := range regs {
		if g.Code == want {
			return regs, want, nil
		}
	}
	// Else the register of the unit the person acts for, else of any unit they hold a position in.
	for _, g := range regs {
		if g.UnitCode == c.Subj.Capacity.UnitCode {
			return regs, g.Code, nil
		}
	}
	for _, g := range regs {
		for _, p := range c.Subj.Positions {
			if g.UnitCode == p.UnitCode {
				return regs, g.Code, nil
			}
		}
	}
	return regs, regs[0].Code, nil
}

type receiveStartData struct {
	Registers []storage.Register
	Register  string
	Error     string
	MaxMB     string
}

func (s *Server) receiveStart(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	regs, sel, err := s.receiveRegisters(r, c, r.URL.Query().Get("register"))
	if err != nil {
		return err
	}
	go sweepUploads(s.Now())
	s.render(w, r, c, http.StatusOK, "receive", receiveStartData{Registers: regs, Register: sel, MaxMB: c.Num(intake.DefaultMaxSize >> 20)})
	return nil
}

// --- the held upload ---

// heldUpload is what is kept beside a held PDF.
type heldUpload struct {
	Session  string    `json:"session"` // SHA-256 of the session id
	Person   string    `json:"person"`
	Name     string    `json:"name"`
	Size     int64     `json:"size"`
	Pages    int       `json:"pages"`
	Register string    `json:"register"`
	Created  time.Time `json:"created"`
	// Read is what extraction proposed (nil: nothing could be read); ReadNote says why not.
	Read     *extract.Result `json:"read,omitempty"`
	ReadNote string          `json:"read_note,omitempty"`
}

var tokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

func uploadDir() string { return filepath.Join(os.TempDir(), "saraban-uploads") }

func uploadPath(token, ext string) string { return filepath.Join(uploadDir(), token+ext) }

func sessionTag(sessID string) string {
	h := sha256.Sum256([]byte("upload:" + sessID))
	return hex.EncodeToString(h[:])
}

// sweepUploads deletes held uploads older than uploadTTL.
func sweepUploads(now time.Time) {
	ents, err := os.ReadDir(uploadDir())
	if err != nil {
		return
	}
	for _, e := range ents {
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > uploadTTL {
			_ = os.Remove(filepath.Join(uploadDir(), e.Name()))
		}
	}
}

func removeUpload(token string) {
	for _, ext := range []string{".pdf", ".json", ".png"} {
		_ = os.Remove(uploadPath(token, ext))
	}
}

// loadUpload reads a held upload of this session; a foreign, unknown or expired one is gone.
func (s *Server) loadUpload(c *Ctx, token string) (heldUpload, []byte, error) {
	var h heldUpload
	gone := errPage(http.StatusGone, c.T("receive.expired"), c.T("receive.expired"))
	if !tokenRE.MatchString(token) {
		return h, nil, gone
	}
	b, err := readHeld(uploadPath(token, ".json"))
	if err != nil {
		return h, nil, gone
	}
	if err := json.Unmarshal(b, &h); err != nil || h.Session != sessionTag(c.SessID) || h.Person != c.Subj.PersonID ||
		s.Now().Sub(h.Created) > uploadTTL {
		return h, nil, gone
	}
	pdf, err := readHeld(uploadPath(token, ".pdf"))
	if err != nil {
		return h, nil, gone
	}
	return h, pdf, nil
}

func (s *Server) receiveUpload(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	limit := int64(intake.DefaultMaxSize)
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	again := func(msg string, status int) error {
		regs, sel, err := s.receiveRegisters(r, c, r.FormValue("register"))
		if err != nil {
			return err
		}
		s.render(w, r, c, status, "receive", receiveStartData{Registers: regs, Register: sel, Error: msg, MaxMB: c.Num(limit >> 20)})
		return nil
	}
	// Kept in memory up to the size limit: the letter, perhaps classified, is not spooled to disk.
	if err := r.ParseMultipartForm(limit + 1<<20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return again(c.T("receive.too_big", c.Num(limit>>20)), http.StatusRequestEntityTooLarge)
		}
		return again(c.T("receive.no_file"), http.StatusBadRequest)
	}
	defer r.MultipartForm.RemoveAll()
	register := r.FormValue("register")
	d, _, err := s.Policy.ReceiveInto(r.Context(), c.Subj, register)
	if err != nil {
		return err
	}
	if err := d.Err(); err != nil {
		return err
	}
	f, fh, err := r.FormFile("pdf")
	if err != nil {
		return again(c.T("receive.no_file"), http.StatusUnprocessableEntity)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return err
	}
	if len(data) == 0 {
		return again(c.T("receive.no_file"), http.StatusUnprocessableEntity)
	}
	if int64(len(data)) > limit {
		return again(c.T("receive.too_big", c.Num(limit>>20)), http.StatusRequestEntityTooLarge)
	}
	info, err := pdfdoc.Inspect(data, limit)
	if err != nil {
		msg := c.T("receive.not_pdf")
		if c.Lang != "en" {
			msg += " (" + err.Error() + ")"
		} else {
			msg += " " + err.Error()
		}
		return again(msg, http.StatusUnprocessableEntity)
	}
	if err := os.MkdirAll(uploadDir(), 0o700); err != nil {
		return err
	}
	sweepUploads(s.Now())
	token := auth.Token(24)
	h := heldUpload{Session: sessionTag(c.SessID), Person: c.Subj.PersonID, Name: filepath.Base(fh.Filename),
		Size: int64(len(data)), Pages: info.Pages, Register: register, Created: s.Now()}
	if err := writeHeld(uploadPath(token, ".pdf"), data, 0o600); err != nil {
		return err
	}
	if s.Services.Read == nil {
		h.ReadNote = "no_reader"
	} else {
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		res, err := s.Services.Read(ctx, data)
		cancel()
		if err != nil {
			h.ReadNote = "unread"
			s.Log.Info("web: receive: the upload could not be read", "err", err)
		} else {
			h.Read = &res
		}
	}
	meta, _ := json.Marshal(h)
	if err := writeHeld(uploadPath(token, ".json"), meta, 0o600); err != nil {
		removeUpload(token)
		return err
	}
	http.Redirect(w, r, "/letters/new/upload/"+token, http.StatusSeeOther)
	return nil
}

// --- step 2 ---

// receiveField is one field of step 2: the value shown, what the letter proposed, and how sure.
type receiveField struct {
	Name     string
	Label    string
	Value    string
	Proposed string
	Conf     int // percent; 0 when nothing was read
	Low      bool
	Missing  bool
	Error    string
}

type receiveForm struct {
	Token      string
	Upload     heldUpload
	Registers  []storage.Register
	Register   string
	DocNumber  *receiveField
	DocDate    *receiveField
	From       *receiveField
	To         *receiveField
	Subject    *receiveField
	Urgency    *receiveField
	Secrecy    *receiveField
	Deadline   *receiveField
	Note       *receiveField
	Focus      string   // the field that gets the cursor
	Notes      []string // about the reading
	Flags      []string // the reading's flags
	Deadlines  []string // deadlines found, as the clerk would type them
	Error      string
	Detail     string
	Duplicate  *storage.DuplicateError
	AllowDup   bool
	HasReading bool
}

// UrgencyChoices are the urgency classes, in order.
func (f *receiveForm) UrgencyChoices() []string {
	return []string{"normal", "urgent", "very_urgent", "most_urgent"}
}

// SecrecyChoices are the secrecy classes a letter in the system may have (ลับที่สุด stays on paper).
func (f *receiveForm) SecrecyChoices() []string { return []string{"normal", "confidential", "secret"} }

func (f *receiveForm) fields() []*receiveField {
	return []*receiveField{f.DocNumber, f.DocDate, f.From, f.To, f.Subject, f.Urgency, f.Secrecy, f.Deadline, f.Note}
}

func (f *receiveForm) field(name string) *receiveField {
	for _, x := range f.fields() {
		if x.Name == name {
			return x
		}
	}
	return nil
}

// proposeForm fills step 2 from what the letter reads.
func proposeForm(c *Ctx, h heldUpload) *receiveForm {
	mk := func(name, label string) *receiveField { return &receiveField{Name: name, Label: c.T(label)} }
	f := &receiveForm{Upload: h, Register: h.Register,
		DocNumber: mk("doc_number", "receive.doc_number"), DocDate: mk("doc_date", "receive.doc_date"),
		From: mk("from", "receive.from"), To: mk("to", "receive.to"), Subject: mk("subject", "receive.subject"),
		Urgency: mk("urgency", "receive.urgency"), Secrecy: mk("secrecy", "receive.secrecy"),
		Deadline: mk("deadline", "receive.deadline"), Note: mk("note", "receive.note")}
	f.Urgency.Value, f.Secrecy.Value = "normal", "normal"
	switch h.ReadNote {
	case "no_reader":
		f.Notes = append(f.Notes, c.T("receive.no_reader"))
	case "unread":
		f.Notes = append(f.Notes, c.T("receive.unread"))
	}
	if h.Read == nil {
		return f
	}
	var letters []extract.Letter
	for _, l := range h.Read.Letters {
		if l.Kind != extract.KindNotALetter {
			letters = append(letters, l)
		}
	}
	if len(letters) == 0 {
		f.Notes = append(f.Notes, c.T("receive.unread"))
		return f
	}
	f.HasReading = true
	if len(letters) > 1 {
		f.Notes = append(f.Notes, c.T("receive.several", c.Num(len(letters))))
	}
	l := letters[0]
	set := func(x *receiveField, v string, conf float64) {
		v = strings.TrimSpace(strings.Join(strings.Fields(v), " "))
		if v == "" {
			x.Missing = true
			return
		}
		x.Value, x.Proposed = v, v
		x.Conf = int(conf*100 + 0.5)
		x.Low = conf < lowConfidence
	}
	if l.DocNumber != nil {
		set(f.DocNumber, l.DocNumber.Raw, l.DocNumber.Confidence)
	} else {
		f.DocNumber.Missing = true
	}
	if l.Date != nil && l.Date.ISO != "" {
		set(f.DocDate, proposedDate(c, l.Date), l.Date.Confidence)
	} else {
		f.DocDate.Missing = true
	}
	if l.Agency != nil {
		set(f.From, l.Agency.Text, l.Agency.Confidence)
	} else {
		f.From.Missing = true
	}
	if l.To != nil {
		set(f.To, l.To.Text, l.To.Confidence)
	} else {
		f.To.Missing = true
	}
	if l.Subject != nil {
		set(f.Subject, l.Subject.Text, l.Subject.Confidence)
	} else {
		f.Subject.Missing = true
	}
	if v := l.Urgency.Value; v != "" && v != "unknown" {
		set(f.Urgency, v, l.Urgency.Confidence)
		f.Urgency.Proposed = c.T("urgency." + v)
	}
	// A secrecy mark is shown, never applied: a wrong ลับ would hide the letter from its readers.
	if v := l.Secrecy.Value; v != "" && v != "unknown" && v != "normal" {
		f.Secrecy.Low = true
		f.Secrecy.Proposed = l.Secrecy.Raw
		f.Flags = append(f.Flags, c.T("receive.secrecy_mark", l.Secrecy.Raw))
	}
	for _, d := range l.Deadlines {
		if d.ISO == "" {
			continue
		}
		if t, err := time.Parse("2006-01-02", d.ISO); err == nil {
			f.Deadlines = append(f.Deadlines, thai.FormatDate(thai.DateOf(t), thai.DateStyle{Digits: c.digits()}))
		}
	}
	for _, fl := range l.Flags {
		f.Flags = append(f.Flags, fl.Message)
		if x := f.field(flagField(fl.Field)); x != nil && x.Value != "" {
			x.Low = true
		}
	}
	return f
}

// flagField maps extraction's field names to the form's.
func flagField(name string) string {
	switch name {
	case "date":
		return "doc_date"
	case "deadlines":
		return "deadline"
	}
	return name
}

// proposedDate is the letter's date as the clerk would type it: as printed when that reads
// (a wrong weekday is kept, so that intake flags it), else from the ISO date in Thai.
func proposedDate(c *Ctx, d *extract.DateField) string {
	raw := strings.TrimSpace(d.Raw)
	if raw != "" {
		pd, err := thai.ParseDate(raw)
		var wm *thai.WeekdayMismatchError
		if (err == nil || errors.As(err, &wm)) && pd.Time(time.UTC).Format("2006-01-02") == d.ISO {
			return raw
		}
	}
	t, err := time.Parse("2006-01-02", d.ISO)
	if err != nil {
		return raw
	}
	return thai.FormatDate(thai.DateOf(t), thai.DateStyle{Digits: c.digits()})
}

// focus puts the cursor on the first field with an error, else the first to check, else none
// (the submit button).
func (f *receiveForm) focus() {
	for _, x := range f.fields() {
		if x.Error != "" {
			f.Focus = x.Name
			return
		}
	}
	if f.Error != "" {
		f.Focus = "submit"
		return
	}
	for _, x := range []*receiveField{f.DocNumber, f.DocDate, f.From, f.To, f.Subject} {
		if x.Low || x.Missing {
			f.Focus = x.Name
			return
		}
	}
	if !f.HasReading {
		f.Focus = "doc_number"
		return
	}
	f.Focus = "submit"
}

func (s *Server) receiveReview(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	token := r.PathValue("token")
	h, _, err := s.loadUpload(c, token)
	if err != nil {
		return err
	}
	regs, sel, err := s.receiveRegisters(r, c, h.Register)
	if err != nil {
		return err
	}
	f := proposeForm(c, h)
	f.Token, f.Registers, f.Register = token, regs, sel
	f.focus()
	s.render(w, r, c, http.StatusOK, "receive_form", f)
	return nil
}

func (s *Server) receivePreview(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	token := r.PathValue("token")
	if _, _, err := s.loadUpload(c, token); err != nil {
		return err
	}
	png, err := readHeld(uploadPath(token, ".png"))
	if err != nil {
		pdf, err := readHeld(uploadPath(token, ".pdf"))
		if err != nil {
			return errPage(http.StatusGone, c.T("receive.expired"), c.T("receive.expired"))
		}
		if png, err = renderPage(r.Context(), pdf, 1, 70); err != nil {
			return err
		}
		_ = writeHeld(uploadPath(token, ".png"), png, 0o600)
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(png)
	return nil
}

// formFromPost is step 2 as the clerk submitted it.
func formFromPost(c *Ctx, h heldUpload, r *http.Request) *receiveForm {
	f := proposeForm(c, h) // keeps the proposals and their confidence beside what was typed
	for _, x := range f.fields() {
		x.Value = strings.TrimSpace(r.PostFormValue(x.Name))
	}
	f.Register = r.PostFormValue("register")
	f.AllowDup = r.PostFormValue("allow_duplicate") == "1"
	return f
}

func (s *Server) receiveSubmit(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	token := r.PathValue("token")
	h, pdf, err := s.loadUpload(c, token)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errPage(http.StatusBadRequest, "แบบฟอร์มไม่ถูกต้อง", "The form could not be read.")
	}
	f := formFromPost(c, h, r)
	f.Token = token
	regs, _, err := s.receiveRegisters(r, c, f.Register)
	if err != nil {
		return err
	}
	f.Registers = regs
	show := func(status int) error {
		f.focus()
		s.render(w, r, c, status, "receive_form", f)
		return nil
	}
	d, _, err := s.Policy.ReceiveInto(r.Context(), c.Subj, f.Register)
	if err != nil {
		return err
	}
	if !d.Allowed {
		s.auditRefusal(r, c, &policy.Refusal{D: d})
		f.Error = d.Reason.In(c.Lang)
		return show(d.Status)
	}
	if s.Services.Intake == nil {
		return errPage(http.StatusServiceUnavailable, "ระบบลงรับยังไม่พร้อม", "Receiving is not configured on this server.")
	}
	rc, err := s.Services.Intake.Receive(r.Context(), intake.Request{
		Register: f.Register, PDF: pdf, DocNumber: f.DocNumber.Value, DocDate: f.DocDate.Value, From: f.From.Value,
		To: f.To.Value, Subject: f.Subject.Value, Urgency: f.Urgency.Value, Secrecy: f.Secrecy.Value,
		Deadline: f.Deadline.Value, Note: f.Note.Value, Actor: c.Subj.PersonID, Person: true, AllowDuplicate: f.AllowDup,
	})
	var ie *intake.Error
	if errors.As(err, &ie) {
		status := explainRefusal(c, f, ie)
		return show(status)
	}
	if err != nil {
		return err
	}
	removeUpload(token)
	http.SetCookie(w, &http.Cookie{Name: lastRegisterCookie, Value: rc.Register, Path: "/letters/new", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies})
	http.SetCookie(w, &http.Cookie{Name: receiptCookie, Value: encodeReceipt(rc), Path: "/letters/new/done", MaxAge: 600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies})
	http.Redirect(w, r, "/letters/new/done?id="+url.QueryEscape(rc.LetterID), http.StatusSeeOther)
	return nil
}

// explainRefusal puts an intake refusal on the form, in the clerk's language, beside the field
// it is about; it returns the page's status.
func explainRefusal(c *Ctx, f *receiveForm, ie *intake.Error) int {
	f.Detail = ie.Message
	status := http.StatusUnprocessableEntity
	var fieldMsg string
	switch {
	case ie.Kind == intake.Duplicate:
		status = http.StatusConflict
		var dup *storage.DuplicateError
		if errors.As(ie, &dup) {
			f.Duplicate = dup
			f.Error = c.T("receive.err.duplicate", c.Num(dup.Number)+"/"+c.Num(dup.Year))
		} else {
			f.Error = c.T("receive.err.duplicate", "")
		}
		f.Detail = ""
	case ie.Kind == intake.TooLarge:
		status = http.StatusRequestEntityTooLarge
		f.Error = c.T("receive.err.too_large")
	case ie.Kind == intake.Forbidden || ie.Kind == intake.NotFound:
		status = http.StatusForbidden
		f.Error = c.T("receive.err.register")
	case ie.Kind == intake.Internal:
		status = http.StatusServiceUnavailable
		f.Error = c.T("receive.err.internal")
	case ie.Field == "file":
		f.Error = c.T("receive.err.file")
	case ie.Field == "doc_date", ie.Field == "deadline", ie.Field == "urgency", ie.Field == "secrecy":
		fieldMsg = c.T("receive.err." + ie.Field)
	default:
		f.Error = ie.Message
		f.Detail = ""
	}
	if fieldMsg != "" {
		if x := f.field(ie.Field); x != nil {
			x.Error = fieldMsg
		}
		f.Error = fieldMsg
	}
	if c.Lang == "en" && f.Detail != "" && f.Error != f.Detail {
		f.Error, f.Detail = f.Detail, ""
	}
	return status
}

// --- the result ---

type receiptNote struct {
	L string   `json:"l"`
	W []string `json:"w,omitempty"`
}

func encodeReceipt(rc intake.Receipt) string {
	n := receiptNote{L: rc.LetterID, W: rc.Warnings}
	b, _ := json.Marshal(n)
	for len(b) > 3000 && len(n.W) > 0 {
		n.W = n.W[:len(n.W)-1]
		b, _ = json.Marshal(n)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeReceipt(r *http.Request, letterID string) []string {
	ck, err := r.Cookie(receiptCookie)
	if err != nil {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return nil
	}
	var n receiptNote
	if json.Unmarshal(b, &n) != nil || n.L != letterID {
		return nil
	}
	return n.W
}

// explainWarning says an intake warning in the clerk's language (the detail stays in English).
func explainWarning(c *Ctx, w string) [2]string {
	switch {
	case strings.HasPrefix(w, "doc_date:"):
		return [2]string{c.T("receive.warn.weekday"), w}
	case strings.HasPrefix(w, "deadline:"):
		return [2]string{c.T("receive.warn.deadline"), w}
	case strings.HasPrefix(w, "doc_number"):
		return [2]string{c.T("receive.warn.docno"), w}
	}
	return [2]string{w, ""}
}

type receiveDoneData struct {
	Letter   storage.Letter
	Entry    storage.Entry
	Register storage.Register
	Warnings [][2]string
	Stamped  *storage.Revision
	Preview  bool
}

// newestEntry is the letter's latest receipt.
func newestEntry(l storage.Letter) (storage.Entry, bool) {
	if len(l.Entries) == 0 {
		return storage.Entry{}, false
	}
	return l.Entries[len(l.Entries)-1], true
}

// stampOf returns the stamped revision of an entry, if drawn.
func stampOf(l storage.Letter, e storage.Entry) *storage.Revision {
	for i := len(l.Revisions) - 1; i >= 0; i-- {
		v := l.Revisions[i]
		if v.Kind == "stamped" && v.EntryID != nil && *v.EntryID == e.ID {
			return &v
		}
	}
	return nil
}

func (s *Server) receiveDone(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	id := r.URL.Query().Get("id")
	d, err := s.Policy.ViewLetter(r.Context(), c.Subj, id)
	if err != nil {
		return err
	}
	if err := d.Err(); err != nil {
		return err
	}
	l, err := s.DB.GetLetter(r.Context(), id)
	if err != nil {
		return err
	}
	e, ok := newestEntry(l)
	if !ok {
		return errPage(http.StatusNotFound, "หนังสือนี้ยังไม่มีเลขรับ", "This letter has no receive number.")
	}
	reg, err := s.DB.GetRegister(r.Context(), e.Register)
	if err != nil {
		return err
	}
	data := receiveDoneData{Letter: l, Entry: e, Register: reg, Stamped: stampOf(l, e), Preview: s.Services.Files != nil}
	for _, wn := range decodeReceipt(r, l.ID) {
		data.Warnings = append(data.Warnings, explainWarning(c, wn))
	}
	s.render(w, r, c, http.StatusOK, "receive_done", data)
	return nil
}

// receiveStamp draws page 1 of the letter's stamped revision, waiting a little for the worker.
// The file is opened through Services.Files (decrypted, watermarked and audited).
func (s *Server) receiveStamp(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	id := r.PathValue("id")
	d, err := s.Policy.ViewLetter(r.Context(), c.Subj, id)
	if err != nil {
		return err
	}
	if err := d.Err(); err != nil {
		return err
	}
	if s.Services.Files == nil {
		return errPage(http.StatusNotFound, "ไม่มีตัวอย่าง", "No preview.")
	}
	deadline := time.Now().Add(stampWait)
	for {
		l, err := s.DB.GetLetter(r.Context(), id)
		if err != nil {
			return err
		}
		e, ok := newestEntry(l)
		if !ok {
			return errPage(http.StatusNotFound, "หนังสือนี้ยังไม่มีเลขรับ", "This letter has no receive number.")
		}
		if rev := stampOf(l, e); rev != nil {
			pdf, err := s.Services.Files.OpenRevision(r.Context(), l, *rev, viewer.Who{Person: c.Subj.PersonID, Capacity: c.Subj.CapacityText(), Via: "web"})
			if err != nil {
				return err
			}
			png, err := renderPage(r.Context(), pdf, 1, 70)
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", "image/png")
			w.Header().Set("Cache-Control", "private, no-store")
			_, _ = w.Write(png)
			return nil
		}
		if time.Now().After(deadline) {
			w.Header().Set("Retry-After", "2")
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "the stamp is not drawn yet", http.StatusServiceUnavailable)
			return nil
		}
		select {
		case <-r.Context().Done():
			return r.Context().Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}
