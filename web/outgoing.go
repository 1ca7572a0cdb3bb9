package web

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/saraban/saraban/pdfdoc"
	"github.com/saraban/saraban/policy"
	"github.com/saraban/saraban/routing"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/viewer"
	"github.com/saraban/saraban/workflows"
)

// Outgoing letters (หนังสือส่ง): the lists of what I drafted, must review, must sign and what
// was sent lately; a new draft (upload, send register, recipients from the organisation tree
// and e-mail addresses, reviewers in order, signer); the letter's page (page images of every
// revision, review history, send number, signature, deliveries) with the actions policy allows:
// approve, return with comments (and a corrected draft), resubmit, sign with the signature's
// place chosen on the page; and the send register with its CSV export.
//
// Services used: Outgoing (routing.Client: StartOutgoing, ActOutgoing, OutgoingState) and Blobs
// (the drafts), as `saraban outgoing` uses them. Page images are drawn by pdftoppm.

// ogMaxDraft is the largest draft PDF accepted.
const ogMaxDraft = 50 << 20

// ogSentDays is how far back "recently sent" looks.
const ogSentDays = 30

// ogPlacementApplied says whether the workflow places the visible signature where the signer
// chose (workflows.OutgoingAction.Placement); the choice is also recorded in the audit log.
const ogPlacementApplied = true

// ogDefaultSignRect is where activities.SignOutgoing draws the signature when no place is
// chosen: x0, y0, x1, y1 in points.
var ogDefaultSignRect = workflows.DefaultSignRect

func init() {
	addRoutes(func(s *Server) []route {
		return []route{
			{pattern: "GET /outgoing", h: s.outgoingList},
			{pattern: "GET /outgoing/new", h: s.outgoingNew},
			{pattern: "POST /outgoing", h: s.outgoingCreate},
			{pattern: "GET /outgoing/register", h: s.outgoingRegister},
			{pattern: "GET /outgoing/register.csv", h: s.outgoingRegisterCSV},
			{pattern: "GET /outgoing/{id}", h: s.outgoingShow},
			{pattern: "GET /outgoing/{id}/rev/{seq}/pdf", h: s.outgoingPDF},
			{pattern: "GET /outgoing/{id}/rev/{seq}/page/{page}", h: s.outgoingPage},
			{pattern: "POST /outgoing/{id}/approve", h: s.outgoingStep("approve")},
			{pattern: "POST /outgoing/{id}/return", h: s.outgoingStep("return")},
			{pattern: "POST /outgoing/{id}/resubmit", h: s.outgoingStep("resubmit")},
			{pattern: "POST /outgoing/{id}/sign", h: s.outgoingStep("sign")},
		}
	})
	addMessages(map[string][2]string{
		"outgoing.title":             {"หนังสือส่ง", "Outgoing letters"},
		"outgoing.new":               {"ร่างหนังสือส่งใหม่", "New outgoing letter"},
		"outgoing.register":          {"ทะเบียนหนังสือส่ง", "Send register"},
		"outgoing.mine":              {"หนังสือที่ฉันร่าง", "Drafted by me"},
		"outgoing.to_review":         {"รอฉันตรวจ", "For me to review"},
		"outgoing.to_sign":           {"รอฉันลงนาม", "For me to sign"},
		"outgoing.sent":              {"ส่งแล้วล่าสุด", "Sent lately"},
		"outgoing.sent_days":         {"%s วันล่าสุด", "last %s days"},
		"outgoing.none":              {"ไม่มีรายการ", "Nothing here."},
		"outgoing.subject":           {"เรื่อง", "Subject"},
		"outgoing.status":            {"สถานะ", "Status"},
		"outgoing.number":            {"เลขที่", "Number"},
		"outgoing.created":           {"ร่างเมื่อ", "Drafted"},
		"outgoing.by":                {"โดย %s", "by %s"},
		"outgoing.hidden":            {"(ชั้นความลับสูงกว่าสิทธิ์ของท่าน)", "(classified above your clearance)"},
		"outgoing.status.review":     {"ระหว่างตรวจร่าง", "in review"},
		"outgoing.status.returned":   {"ส่งคืนแก้ไข", "returned"},
		"outgoing.status.signing":    {"รอลงนาม", "awaiting signature"},
		"outgoing.status.signed":     {"ลงนามแล้ว รอส่ง", "signed, being sent"},
		"outgoing.status.sent":       {"ส่งแล้ว", "sent"},
		"outgoing.f.register":        {"ทะเบียนหนังสือส่ง (ออกเลข)", "Send register (numbering)"},
		"outgoing.f.draft":           {"ไฟล์ร่างหนังสือ (PDF)", "Draft (PDF)"},
		"outgoing.f.subject":         {"เรื่อง", "Subject"},
		"outgoing.f.urgency":         {"ชั้นความเร็ว", "Urgency"},
		"outgoing.f.secrecy":         {"ชั้นความลับ", "Secrecy"},
		"outgoing.f.circular":        {"หนังสือเวียน (ออกเลข ว)", "Circular (numbered ว)"},
		"outgoing.f.to_units":        {"ส่งถึงหน่วยงาน (ในระบบนี้)", "To units (of this installation)"},
		"outgoing.f.to_units_help":   {"เลือกได้หลายหน่วย หน่วยที่ไม่มีทะเบียนรับเลือกไม่ได้", "Pick any number; units without a receive register cannot receive."},
		"outgoing.f.to_emails":       {"ส่งทางอีเมล", "By e-mail"},
		"outgoing.f.to_emails_help":  {"ที่อยู่อีเมล คั่นด้วยจุลภาคหรือขึ้นบรรทัดใหม่", "Addresses, separated by commas or new lines"},
		"outgoing.f.reviewers":       {"ผู้ตรวจร่าง (ตามลำดับ)", "Reviewers (in order)"},
		"outgoing.f.reviewer_n":      {"ลำดับที่ %s", "No. %s"},
		"outgoing.f.parallel":        {"ตรวจพร้อมกัน ไม่ต้องเรียงลำดับ", "Review at the same time, in any order"},
		"outgoing.f.signer":          {"ผู้ลงนาม", "Signer"},
		"outgoing.f.signer_help":     {"ผู้ที่ได้รับมอบอำนาจในวันลงนามลงนามแทนได้", "Whoever holds the power by delegation on the day may sign instead."},
		"outgoing.f.none":            {"— ไม่มี —", "— none —"},
		"outgoing.f.submit":          {"บันทึกร่างและส่งตรวจ", "Save the draft and send it for review"},
		"outgoing.f.reupload":        {"กรุณาเลือกไฟล์ร่างอีกครั้ง", "Choose the draft file again."},
		"outgoing.created_flash":     {"บันทึกร่างหนังสือแล้ว ส่งให้ผู้ตรวจ/ผู้ลงนามแล้ว", "The draft is saved and on its way to review or signature."},
		"outgoing.no_registers":      {"หน่วยงานของท่านไม่มีทะเบียนหนังสือส่ง", "Your units keep no send register."},
		"outgoing.preview":           {"ตัวอย่างหนังสือ", "Preview"},
		"outgoing.revision":          {"ฉบับที่ %s", "Revision %s"},
		"outgoing.rev.draft":         {"ร่าง", "draft"},
		"outgoing.rev.numbered":      {"ออกเลขแล้ว", "numbered"},
		"outgoing.rev.signed":        {"ลงนามแล้ว", "signed"},
		"outgoing.open_pdf":          {"เปิดไฟล์ PDF", "Open the PDF"},
		"outgoing.page_n":            {"หน้า %s", "page %s"},
		"outgoing.more_pages":        {"แสดง %s หน้าแรก เปิดไฟล์ PDF เพื่อดูทั้งหมด", "First %s pages shown; open the PDF for all."},
		"outgoing.details":           {"รายละเอียด", "Details"},
		"outgoing.recipients":        {"ถึง", "To"},
		"outgoing.signer":            {"ผู้ลงนาม", "Signer"},
		"outgoing.circular":          {"หนังสือเวียน", "circular"},
		"outgoing.review":            {"การตรวจร่าง", "Review"},
		"outgoing.round":             {"รอบที่ %s", "round %s"},
		"outgoing.approved":          {"เห็นชอบแล้ว", "approved"},
		"outgoing.pending":           {"ถึงลำดับตรวจ", "to review now"},
		"outgoing.waiting":           {"รอลำดับ", "waiting"},
		"outgoing.no_reviewers":      {"ไม่มีผู้ตรวจ ส่งถึงผู้ลงนามโดยตรง", "No reviewers: straight to the signer."},
		"outgoing.history":           {"ประวัติ", "History"},
		"outgoing.step.approve":      {"เห็นชอบ", "approved"},
		"outgoing.step.return":       {"ส่งคืนแก้ไข", "returned"},
		"outgoing.step.resubmit":     {"ส่งร่างใหม่", "resubmitted"},
		"outgoing.step.sign":         {"ลงนาม", "signed"},
		"outgoing.send_number":       {"เลขที่หนังสือ", "Send number"},
		"outgoing.signature":         {"ลายมือชื่อ", "Signature"},
		"outgoing.signed_by":         {"ลงนามโดย %s", "signed by %s"},
		"outgoing.deliveries":        {"การส่ง", "Deliveries"},
		"outgoing.d.recipient":       {"ผู้รับ", "Recipient"},
		"outgoing.d.received":        {"เลขรับปลายทาง", "Their receive number"},
		"outgoing.d.unit":            {"หน่วยงาน", "unit"},
		"outgoing.d.email":           {"อีเมล", "e-mail"},
		"outgoing.d.pending":         {"รอส่ง", "pending"},
		"outgoing.d.delivered":       {"ส่งถึงแล้ว", "delivered"},
		"outgoing.d.failed":          {"ส่งไม่สำเร็จ", "failed"},
		"outgoing.d.none":            {"ยังไม่ได้ส่ง", "Not sent yet."},
		"outgoing.last_error":        {"การส่งยังไม่สำเร็จ ระบบจะลองใหม่: %s", "Dispatch has not finished; it is retried: %s"},
		"outgoing.actions":           {"ดำเนินการ", "Actions"},
		"outgoing.note":              {"ความเห็น", "Comments"},
		"outgoing.note_return":       {"ความเห็น (สิ่งที่ต้องแก้ไข)", "Comments (what to correct)"},
		"outgoing.new_draft":         {"ร่างที่แก้ไขแล้ว (PDF ไม่บังคับ)", "Corrected draft (PDF, optional)"},
		"outgoing.new_draft_req":     {"ร่างใหม่ (PDF)", "New draft (PDF)"},
		"outgoing.approve":           {"เห็นชอบ", "Approve"},
		"outgoing.return":            {"ส่งคืนแก้ไข", "Return for correction"},
		"outgoing.resubmit":          {"ส่งร่างใหม่ให้ตรวจ", "Send the new draft for review"},
		"outgoing.sign":              {"ลงนาม", "Sign"},
		"outgoing.sign_as":           {"ท่านจะลงนามในฐานะ", "You will sign as"},
		"outgoing.sign_place":        {"ตำแหน่งลายมือชื่อ", "Where the signature goes"},
		"outgoing.sign_place_help":   {"คลิกหรือลากบนหน้ากระดาษเพื่อวางกรอบลายมือชื่อ", "Click or drag on the page to place the signature box."},
		"outgoing.sign_place_fixed":  {"ขณะนี้ระบบลงนามวางลายมือชื่อที่มุมขวาล่างของหน้าแรกเสมอ ตำแหน่งที่เลือกจะถูกบันทึกไว้", "The signing service currently always places the signature at the bottom right of page 1; the place you choose is recorded."},
		"outgoing.pos":               {"ตำแหน่ง", "Position"},
		"outgoing.pos.bottom-right":  {"ขวาล่าง", "bottom right"},
		"outgoing.pos.bottom-center": {"กลางล่าง", "bottom centre"},
		"outgoing.pos.bottom-left":   {"ซ้ายล่าง", "bottom left"},
		"outgoing.pos.middle-right":  {"ขวากลางหน้า", "middle right"},
		"outgoing.pos.custom":        {"ตามที่วางบนหน้า", "as placed on the page"},
		"outgoing.page":              {"หน้าที่", "Page"},
		"outgoing.sign_note":         {"เมื่อลงนาม ระบบจะออกเลขหนังสือส่ง ประทับเลขบนหนังสือ ลงลายมือชื่ออิเล็กทรอนิกส์ แล้วส่งถึงผู้รับทันที", "Signing takes the send number, stamps it on the letter, signs it electronically and sends it at once."},
		"outgoing.cannot":            {"ท่านทำอะไรกับหนังสือนี้ไม่ได้ในขณะนี้", "There is nothing you can do on this letter now."},
		"outgoing.done.approve":      {"เห็นชอบร่างแล้ว", "Approved."},
		"outgoing.done.return":       {"ส่งคืนร่างพร้อมความเห็นแล้ว", "Returned with your comments."},
		"outgoing.done.resubmit":     {"ส่งร่างใหม่ให้ตรวจแล้ว", "The new draft is in review."},
		"outgoing.done.sign":         {"ลงนามแล้ว หนังสือที่ %s กำลังส่งถึงผู้รับ", "Signed as %s; it is being sent."},
		"outgoing.need_note":         {"กรุณาระบุความเห็นว่าต้องแก้ไขอะไร", "Say what is to be corrected."},
		"outgoing.need_draft":        {"กรุณาแนบไฟล์ร่างใหม่ (PDF)", "Attach the new draft (PDF)."},
		"outgoing.reg.year":          {"ปี พ.ศ.", "Year (BE)"},
		"outgoing.reg.show":          {"แสดง", "Show"},
		"outgoing.reg.csv":           {"ส่งออก CSV", "Export CSV"},
		"outgoing.reg.series":        {"ชุด", "Series"},
		"outgoing.reg.normal":        {"ปกติ", "ordinary"},
		"outgoing.reg.circular":      {"ว (เวียน)", "ว (circular)"},
		"outgoing.reg.date":          {"ลงวันที่", "Date"},
		"outgoing.reg.none":          {"ยังไม่มีเลขหนังสือส่งในปีนี้", "No numbers given this year."},
	})
}

// --- the list ---------------------------------------------------------------------------

type outgoingItem struct {
	storage.OutgoingRow
	Hidden  bool // classified above the viewer's clearance: the subject is not shown
	Pending []string
}

type outgoingListData struct {
	Mine, Review, Sign, Sent []outgoingItem
	SentDays                 int
	CanDraft                 bool
}

func outgoingNeedPerson(c *Ctx) error {
	if c.Subj.PersonID == "" {
		return errPage(http.StatusForbidden, "บัญชีนี้ไม่ได้ผูกกับบุคลากรของหน่วยงาน จึงไม่มีหนังสือส่ง", "This account is not a person of the organisation: it has no outgoing letters.")
	}
	return nil
}

func (s *Server) outgoingList(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := outgoingNeedPerson(c); err != nil {
		return err
	}
	ctx, now, me := r.Context(), s.Now(), c.Subj.PersonID
	rows, err := s.DB.OutgoingFor(ctx, me, now.AddDate(0, 0, -ogSentDays), 300)
	if err != nil {
		return err
	}
	d := outgoingListData{SentDays: ogSentDays}
	regs, err := s.Policy.SendRegisters(ctx, c.Subj)
	if err != nil {
		return err
	}
	d.CanDraft = len(regs) > 0
	maySign := map[string]bool{}
	for _, o := range rows {
		it := outgoingItem{OutgoingRow: o, Hidden: !policy.ClearanceAllows(c.Subj, o.Secrecy)}
		it.Pending = policy.PendingReviewers(o.Status, o.Reviewers, o.Approved, o.Parallel)
		named := o.CreatedBy == me || slices.Contains(o.Reviewers, me) || o.Signer == me || o.SignedBy == me
		if o.Status == storage.OutgoingSigning {
			ok, seen := maySign[o.Unit]
			if !seen {
				dec, _, err := s.Policy.SignFor(ctx, c.Subj, o.Unit, now)
				if err != nil {
					return err
				}
				ok = dec.Allowed
				maySign[o.Unit] = ok
			}
			if ok {
				d.Sign = append(d.Sign, it)
			} else if !named {
				continue // in the query only as a candidate for signature
			}
		}
		if o.CreatedBy == me {
			d.Mine = append(d.Mine, it)
		}
		if slices.Contains(it.Pending, me) {
			d.Review = append(d.Review, it)
		}
		if o.Status == storage.OutgoingSent && o.SignedAt != nil && o.SignedAt.After(now.AddDate(0, 0, -ogSentDays)) {
			d.Sent = append(d.Sent, it)
		}
	}
	s.render(w, r, c, http.StatusOK, "outgoing_list", d)
	return nil
}

// Status names an outgoing letter's status in the page's language.
func (c *Ctx) OutgoingStatus(st string) string { return c.T("outgoing.status." + st) }

// --- a new draft ------------------------------------------------------------------------

type ogUnit struct {
	Code, Name string
	Depth      int
	Receives   bool
}

type ogPerson struct {
	ID, Label string
}

type outgoingForm struct {
	Register, Subject, Urgency, Secrecy, Emails, Signer string
	Circular, Parallel                                  bool
	Units                                               []string
	Reviewers                                           []string // always 3 slots
}

type outgoingNewData struct {
	Registers []storage.Register
	Units     []ogUnit
	People    []ogPerson
	Form      outgoingForm
	Error     string
	Urgencies []string
	Secrecies []string
}

// OutgoingHas tells whether a list holds a value (checked boxes kept after a refused form).
func (c *Ctx) OutgoingHas(list []string, v string) bool { return slices.Contains(list, v) }

// outgoingOrg reads the organisation for the pickers: units in tree order (with whether they
// can receive), active people with their first post.
func (s *Server) outgoingOrg(ctx context.Context) ([]ogUnit, []ogPerson, map[string]string, error) {
	o, err := s.DB.OrgSnapshot(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	recv := map[string]bool{}
	for _, r := range o.Registers {
		if r.Kind == "receive" {
			recv[r.UnitCode] = true
		}
	}
	order := map[string]int{}
	var units []ogUnit
	for i, u := range o.Units {
		order[u.Code] = i
		units = append(units, ogUnit{Code: u.Code, Name: u.Name, Depth: min(u.Depth, 5), Receives: recv[u.Code]})
	}
	names := map[string]string{}
	type pp struct {
		opt   ogPerson
		order int
	}
	var people []pp
	for _, p := range o.People {
		names[p.ID] = p.Name
		if !p.Active {
			continue
		}
		label, ord := p.Name, len(order)
		if len(p.Positions) > 0 {
			label += " — " + p.Positions[0].Title
			ord = order[p.Positions[0].UnitCode]
		}
		people = append(people, pp{ogPerson{ID: p.ID, Label: label}, ord})
	}
	slices.SortStableFunc(people, func(a, b pp) int { return a.order - b.order })
	out := make([]ogPerson, len(people))
	for i, p := range people {
		out[i] = p.opt
	}
	return units, out, names, nil
}

func (s *Server) outgoingNewPage(w http.ResponseWriter, r *http.Request, c *Ctx, status int, f outgoingForm, msg string) error {
	ctx := r.Context()
	regs, err := s.Policy.SendRegisters(ctx, c.Subj)
	if err != nil {
		return err
	}
	units, people, _, err := s.outgoingOrg(ctx)
	if err != nil {
		return err
	}
	if f.Register == "" && len(regs) > 0 {
		f.Register = regs[0].Code
	}
	if f.Signer == "" && len(regs) > 0 {
		if id, _, err := s.DB.PowerHolder(ctx, storage.PowerSign, regs[0].UnitCode); err == nil {
			f.Signer = id
		}
	}
	for len(f.Reviewers) < 3 {
		f.Reviewers = append(f.Reviewers, "")
	}
	s.render(w, r, c, status, "outgoing_new", outgoingNewData{Registers: regs, Units: units, People: people, Form: f, Error: msg,
		Urgencies: []string{"normal", "urgent", "very_urgent", "most_urgent"}, Secrecies: []string{"normal", "confidential", "secret"}})
	return nil
}

func (s *Server) outgoingNew(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := outgoingNeedPerson(c); err != nil {
		return err
	}
	return s.outgoingNewPage(w, r, c, http.StatusOK, outgoingForm{Urgency: "normal", Secrecy: "normal"}, "")
}

// ogAddresses reads e-mail addresses separated by commas, semicolons, spaces or lines.
func ogAddresses(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		if f = strings.TrimSpace(f); f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// readDraft reads an uploaded draft PDF and checks it; "" key when no file was sent.
func (s *Server) readDraft(r *http.Request, field string, sealed bool) (*workflows.DraftRef, error) {
	f, _, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil
	}
	if err != nil {
		return nil, errPage(http.StatusBadRequest, "อ่านไฟล์ที่แนบไม่ได้", "The attached file could not be read.")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, ogMaxDraft+1))
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, nil
	}
	if _, err := pdfdoc.Inspect(data, ogMaxDraft); err != nil {
		var pe *pdfdoc.Error
		if errors.As(err, &pe) {
			return nil, errPage(http.StatusUnprocessableEntity, "ไฟล์ร่างใช้ไม่ได้: "+pe.Message, "The draft cannot be used: "+pe.Message)
		}
		return nil, errPage(http.StatusUnprocessableEntity, "ไฟล์ร่างไม่ใช่ PDF ที่อ่านได้", "The draft is not a readable PDF.")
	}
	if s.Services.Blobs == nil {
		return nil, errPage(http.StatusServiceUnavailable, "ระบบจัดเก็บไฟล์ยังไม่พร้อม", "The file store is not configured.")
	}
	key, digest, err := s.Services.Blobs.Put(r.Context(), data, sealed)
	if err != nil {
		return nil, err
	}
	return &workflows.DraftRef{SHA256: digest, ObjectKey: key, Size: int64(len(data))}, nil
}

func (s *Server) outgoingCreate(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := outgoingNeedPerson(c); err != nil {
		return err
	}
	if s.Services.Outgoing == nil {
		return errPage(http.StatusServiceUnavailable, "ระบบงานหนังสือส่งยังไม่พร้อม", "Outgoing letters are not configured on this server.")
	}
	r.Body = http.MaxBytesReader(w, r.Body, ogMaxDraft+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return errPage(http.StatusRequestEntityTooLarge, "ไฟล์ใหญ่เกินไป (ไม่เกิน 50 MB)", "The file is too large (50 MB at most).")
	}
	f := outgoingForm{
		Register: r.FormValue("register"), Subject: strings.TrimSpace(r.FormValue("subject")),
		Urgency: ogOr(r.FormValue("urgency"), "normal"), Secrecy: ogOr(r.FormValue("secrecy"), "normal"),
		Emails: r.FormValue("to_emails"), Signer: r.FormValue("signer"),
		Circular: r.FormValue("circular") != "", Parallel: r.FormValue("parallel") != "",
		Units: r.Form["to_unit"],
	}
	for _, v := range r.Form["reviewer"] {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(f.Reviewers, v) {
			f.Reviewers = append(f.Reviewers, v)
		}
	}
	again := func(msg string) error {
		return s.outgoingNewPage(w, r, c, http.StatusUnprocessableEntity, f, msg+" "+c.T("outgoing.f.reupload"))
	}
	d, err := s.Policy.DraftOutgoing(r.Context(), c.Subj, f.Register, f.Secrecy)
	if err != nil {
		return err
	}
	if !d.Allowed {
		return again(d.Reason.In(c.Lang))
	}
	var to []storage.Recipient
	for _, u := range f.Units {
		to = append(to, storage.Recipient{Unit: u})
	}
	for _, a := range ogAddresses(f.Emails) {
		to = append(to, storage.Recipient{Email: a})
	}
	draft, err := s.readDraft(r, "draft", policy.Classified(f.Secrecy))
	if err != nil {
		var he *httpErr
		if errors.As(err, &he) {
			msg := he.th
			if c.Lang == "en" {
				msg = he.en
			}
			return again(msg)
		}
		return err
	}
	if draft == nil {
		return again(c.T("outgoing.need_draft"))
	}
	o, err := s.DB.CreateOutgoing(r.Context(), storage.NewOutgoing{
		Register: f.Register, Circular: f.Circular, Subject: f.Subject, Recipients: to, Signer: f.Signer,
		Reviewers: f.Reviewers, Parallel: f.Parallel, Urgency: f.Urgency, Secrecy: f.Secrecy, CreatedBy: c.Subj.PersonID,
		DraftSHA: draft.SHA256, DraftKey: draft.ObjectKey, DraftSize: draft.Size,
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return again(err.Error())
	}
	if err := s.Services.Outgoing.StartOutgoing(r.Context(), outgoingInput(o)); err != nil {
		// The letter is stored; the first step starts its workflow (update-with-start).
		s.Log.Warn("web: outgoing workflow did not start", "outgoing", o.ID, "err", err)
	}
	s.redirect(w, r, "/outgoing/"+o.ID, c.T("outgoing.created_flash"))
	return nil
}

func ogOr(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}

// outgoingInput is the workflow's input rebuilt from the stored letter, as the CLI builds it.
func outgoingInput(o storage.Outgoing) workflows.OutgoingInput {
	return workflows.OutgoingInput{OutgoingID: o.ID, Creator: o.CreatedBy, Reviewers: o.Reviewers, Parallel: o.Parallel, Signer: o.Signer}
}

// --- one letter -------------------------------------------------------------------------

type ogReviewer struct {
	ID, Name, State string // approved | pending | waiting
}

type ogSignPos struct {
	Key  string
	Rect [4]float64 // x, y, w, h in points
}

type outgoingShowData struct {
	O         storage.Outgoing
	Names     map[string]string
	UnitNames map[string]string
	Rights    policy.OutgoingRights
	Reviewers []ogReviewer
	Rev       storage.OutgoingRevision
	Pages     []int
	MorePages bool
	// PageW, PageH are page 1's size in points (for placing the signature).
	PageW, PageH float64
	Positions    []ogSignPos
	Default      ogSignPos
	Placement    bool // the workflow applies the chosen placement
	RequestID    string
	LastError    string
	Any          bool // some action is offered
}

// ogMaxPages bounds the page images on the letter's page.
const ogMaxPages = 12

func (s *Server) loadOutgoing(r *http.Request, c *Ctx) (storage.Outgoing, error) {
	if err := outgoingNeedPerson(c); err != nil {
		return storage.Outgoing{}, err
	}
	o, err := s.DB.GetOutgoing(r.Context(), r.PathValue("id"))
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return o, errPage(http.StatusNotFound, "ไม่พบหนังสือส่งนี้ หรือท่านไม่มีสิทธิ์เห็น", "No such outgoing letter, or you may not see it.")
		}
		return o, err
	}
	d, err := s.Policy.ViewOutgoing(r.Context(), c.Subj, o, s.Now())
	if err != nil {
		return o, err
	}
	return o, d.Err()
}

func (s *Server) outgoingShow(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	o, err := s.loadOutgoing(r, c)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := outgoingShowData{O: o, Placement: ogPlacementApplied, RequestID: uuid.NewString(), Rev: o.Latest()}
	if d.Rights, err = s.Policy.OutgoingActions(ctx, c.Subj, o, s.Now()); err != nil {
		return err
	}
	d.Any = d.Rights.Review.Allowed || d.Rights.Resubmit.Allowed || d.Rights.Sign.Allowed
	units, _, names, err := s.outgoingOrg(ctx)
	if err != nil {
		return err
	}
	d.Names = names
	d.UnitNames = map[string]string{}
	for _, u := range units {
		d.UnitNames[u.Code] = u.Name
	}
	for _, id := range o.Reviewers {
		st := "waiting"
		switch {
		case slices.Contains(d.Rights.State.Approved, id):
			st = "approved"
		case slices.Contains(d.Rights.State.Pending, id):
			st = "pending"
		}
		d.Reviewers = append(d.Reviewers, ogReviewer{ID: id, Name: ogOr(names[id], id), State: st})
	}
	if seq, err := strconv.Atoi(r.URL.Query().Get("rev")); err == nil {
		for _, rv := range o.Revisions {
			if rv.Seq == seq {
				d.Rev = rv
			}
		}
	}
	if d.Rev.ObjectKey != "" && s.Services.Blobs != nil {
		pdf, err := s.Services.Blobs.Get(ctx, d.Rev.ObjectKey)
		if err != nil {
			return err
		}
		info, err := pdfdoc.Inspect(pdf, 0)
		if err == nil {
			n := info.Pages
			if n > ogMaxPages {
				n, d.MorePages = ogMaxPages, true
			}
			for i := 1; i <= n; i++ {
				d.Pages = append(d.Pages, i)
			}
		}
		if d.Rights.Sign.Allowed {
			if pw, ph, err := ogPageSize(ctx, d.Rev.SHA256, pdf, 1); err == nil {
				d.PageW, d.PageH = pw, ph
			}
		}
	}
	if d.PageW == 0 {
		d.PageW, d.PageH = 595, 842 // A4, the size of official letters
	}
	d.Positions = ogSignPositions(d.PageW, d.PageH)
	d.Default = d.Positions[0]
	if s.Services.Outgoing != nil && (o.Status == storage.OutgoingSigned || o.Status == storage.OutgoingSent) {
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if st, err := s.Services.Outgoing.OutgoingState(qctx, o.ID); err == nil && !st.Dispatched {
			d.LastError = st.LastError
		}
		cancel()
	}
	s.render(w, r, c, http.StatusOK, "outgoing_show", d)
	return nil
}

// ogSignPositions are the named places of the signature box on a page of w × h points; the first
// is where the workflow signs today.
func ogSignPositions(w, h float64) []ogSignPos {
	bw, bh := ogDefaultSignRect[2]-ogDefaultSignRect[0], ogDefaultSignRect[3]-ogDefaultSignRect[1]
	right := w - (595 - ogDefaultSignRect[0]) // 300 on an A4 page
	return []ogSignPos{
		{Key: "bottom-right", Rect: [4]float64{right, ogDefaultSignRect[1], bw, bh}},
		{Key: "bottom-center", Rect: [4]float64{(w - bw) / 2, ogDefaultSignRect[1], bw, bh}},
		{Key: "bottom-left", Rect: [4]float64{72, ogDefaultSignRect[1], bw, bh}},
		{Key: "middle-right", Rect: [4]float64{right, (h - bh) / 2, bw, bh}},
	}
}

// OutgoingPos prints a coordinate for a form field.
func (c *Ctx) OutgoingPos(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// OutgoingDelivered prints where a delivery was received: "HATYAI-RECV ๑/๒๕๖๙".
func (c *Ctx) OutgoingDelivered(d storage.OutgoingDelivery) string {
	if d.Number == 0 {
		return ""
	}
	return d.Register + " " + c.Num(d.Number) + "/" + c.Num(d.Year)
}

// --- files and page images ----------------------------------------------------------------

func (s *Server) outgoingRevision(r *http.Request, c *Ctx) (storage.OutgoingRevision, []byte, error) {
	o, err := s.loadOutgoing(r, c)
	if err != nil {
		return storage.OutgoingRevision{}, nil, err
	}
	seq, _ := strconv.Atoi(r.PathValue("seq"))
	for _, rv := range o.Revisions {
		if rv.Seq == seq {
			if s.Services.Files != nil {
				// Decrypted, watermarked with the reader's name when classified, audited.
				pdf, err := s.Services.Files.OpenOutgoing(r.Context(), o, rv, viewer.Who{Person: c.Subj.PersonID, Capacity: c.Subj.CapacityText(), Via: "web"})
				return rv, pdf, err
			}
			if policy.Classified(o.Secrecy) || s.Services.Blobs == nil {
				return rv, nil, errPage(http.StatusServiceUnavailable, "ระบบจัดเก็บไฟล์ยังไม่พร้อม", "The file store is not configured.")
			}
			pdf, err := s.Services.Blobs.Get(r.Context(), rv.ObjectKey)
			return rv, pdf, err
		}
	}
	return storage.OutgoingRevision{}, nil, errPage(http.StatusNotFound, "ไม่พบฉบับที่ต้องการ", "No such revision.")
}

func (s *Server) outgoingPDF(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	rv, pdf, err := s.outgoingRevision(r, c)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="outgoing-%s-%d.pdf"`, r.PathValue("id")[:8], rv.Seq))
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(pdf)
	return nil
}

func (s *Server) outgoingPage(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	page, err := strconv.Atoi(strings.TrimSuffix(r.PathValue("page"), ".png"))
	if err != nil || page < 1 {
		return errPage(http.StatusNotFound, "ไม่พบหน้าที่ต้องการ", "No such page.")
	}
	rv, pdf, err := s.outgoingRevision(r, c)
	if err != nil {
		return err
	}
	digest := rv.SHA256
	if o, err := s.loadOutgoing(r, c); err == nil && policy.Classified(o.Secrecy) {
		digest = "" // a watermarked copy: never cached, never shared
		w.Header().Set("Cache-Control", "private, no-store")
	}
	png, err := ogPageImage(r.Context(), digest, pdf, page)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	if digest != "" {
		w.Header().Set("Cache-Control", "private, max-age=3600")
	}
	_, _ = w.Write(png)
	return nil
}

// --- steps --------------------------------------------------------------------------------

// outgoingStep handles approve, return, resubmit and sign: the policy's decision first, then
// the step through the workflow (routing.Client.ActOutgoing), which checks it again.
func (s *Server) outgoingStep(kind string) handler {
	return func(w http.ResponseWriter, r *http.Request, c *Ctx) error {
		if kind == "return" || kind == "resubmit" {
			r.Body = http.MaxBytesReader(w, r.Body, ogMaxDraft+1<<20)
			if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				return errPage(http.StatusRequestEntityTooLarge, "ไฟล์ใหญ่เกินไป (ไม่เกิน 50 MB)", "The file is too large (50 MB at most).")
			}
		}
		o, err := s.loadOutgoing(r, c)
		if err != nil {
			return err
		}
		if s.Services.Outgoing == nil {
			return errPage(http.StatusServiceUnavailable, "ระบบงานหนังสือส่งยังไม่พร้อม", "Outgoing letters are not configured on this server.")
		}
		ctx := r.Context()
		rights, err := s.Policy.OutgoingActions(ctx, c.Subj, o, s.Now())
		if err != nil {
			return err
		}
		dec := rights.Review
		switch kind {
		case "resubmit":
			dec = rights.Resubmit
		case "sign":
			dec = rights.Sign
		}
		if err := dec.Err(); err != nil {
			return err
		}
		a := workflows.OutgoingAction{Kind: kind, Actor: c.Subj.PersonID, RequestID: r.FormValue("request_id"),
			Note: strings.TrimSpace(r.FormValue("note"))}
		if _, err := uuid.Parse(a.RequestID); err != nil {
			a.RequestID = uuid.NewString()
		}
		var placement map[string]any
		switch kind {
		case "return":
			if a.Note == "" {
				return errPage(http.StatusUnprocessableEntity, c.T("outgoing.need_note"), "Say what is to be corrected.")
			}
			if a.Draft, err = s.readDraft(r, "draft", policy.Classified(o.Secrecy)); err != nil {
				return err
			}
		case "resubmit":
			if a.Draft, err = s.readDraft(r, "draft", policy.Classified(o.Secrecy)); err != nil {
				return err
			}
			if a.Draft == nil {
				return errPage(http.StatusUnprocessableEntity, "กรุณาแนบไฟล์ร่างใหม่ (PDF)", "Attach the new draft (PDF).")
			}
		case "sign":
			if placement, err = s.outgoingPlacement(r, o); err != nil {
				return err
			}
			if ogPlacementApplied {
				r4 := placement["rect"].([]float64)
				a.Placement = &workflows.Placement{Page: placement["page"].(int), Rect: [4]float64{r4[0], r4[1], r4[2], r4[3]}}
			}
		}
		res, err := s.Services.Outgoing.ActOutgoing(ctx, outgoingInput(o), a)
		if err != nil {
			return outgoingStepError(err)
		}
		flash := c.T("outgoing.done." + kind)
		if kind == "sign" {
			flash = c.T("outgoing.done.sign", c.Digits(res.DocNumber))
			placement["doc_number"] = res.DocNumber
			placement["applied"] = ogPlacementApplied
			placement["capacity"] = res.Capacity
			if err := s.DB.OutgoingAudit(context.WithoutCancel(ctx), c.Subj.PersonID, c.Subj.CapacityText(), "outgoing.sign.placement", "outgoing", o.ID, placement); err != nil {
				s.Log.Error("web: audit of the signature placement failed", "outgoing", o.ID, "err", err)
			}
		}
		s.redirect(w, r, "/outgoing/"+o.ID, flash)
		return nil
	}
}

// outgoingPlacement reads where the signer put the signature box: a named position, or x, y, w, h
// in PDF points (origin bottom left) written by outgoing.js, on a page.
func (s *Server) outgoingPlacement(r *http.Request, o storage.Outgoing) (map[string]any, error) {
	page, _ := strconv.Atoi(ogOr(r.FormValue("sig_page"), "1"))
	if page < 1 {
		page = 1
	}
	pos := ogOr(r.FormValue("sig_pos"), "bottom-right")
	pw, ph := 595.0, 842.0
	if s.Services.Blobs != nil {
		if pdf, err := s.Services.Blobs.Get(r.Context(), o.Latest().ObjectKey); err == nil {
			if info, err := pdfdoc.Inspect(pdf, 0); err == nil && page > info.Pages {
				return nil, errPage(http.StatusUnprocessableEntity, fmt.Sprintf("หนังสือมี %d หน้า ไม่มีหน้าที่ %d", info.Pages, page),
					fmt.Sprintf("The letter has %d pages, not %d.", info.Pages, page))
			}
			if w, h, err := ogPageSize(r.Context(), o.Latest().SHA256, pdf, page); err == nil {
				pw, ph = w, h
			}
		}
	}
	var rect [4]float64
	if pos == "custom" {
		for i, f := range []string{"sig_x", "sig_y", "sig_w", "sig_h"} {
			v, err := strconv.ParseFloat(r.FormValue(f), 64)
			if err != nil {
				return nil, errPage(http.StatusUnprocessableEntity, "ตำแหน่งลายมือชื่อไม่ถูกต้อง", "The signature's place is not valid.")
			}
			rect[i] = v
		}
		if rect[2] < 60 || rect[3] < 30 || rect[0] < 0 || rect[1] < 0 || rect[0]+rect[2] > pw+1 || rect[1]+rect[3] > ph+1 {
			return nil, errPage(http.StatusUnprocessableEntity, "กรอบลายมือชื่อต้องอยู่ในหน้ากระดาษ และกว้างอย่างน้อย 60 จุด สูง 30 จุด",
				"The signature box must lie on the page and be at least 60 × 30 points.")
		}
	} else {
		found := false
		for _, p := range ogSignPositions(pw, ph) {
			if p.Key == pos {
				rect, found = p.Rect, true
			}
		}
		if !found {
			return nil, errPage(http.StatusUnprocessableEntity, "ตำแหน่งลายมือชื่อไม่ถูกต้อง", "The signature's place is not valid.")
		}
	}
	return map[string]any{"page": page, "position": pos, "rect": []float64{rect[0], rect[1], rect[0] + rect[2], rect[1] + rect[3]}}, nil
}

// outgoingStepError shows the workflow's refusal (or its absence) as a page.
func outgoingStepError(err error) error {
	var re *routing.RefusedError
	var nf *routing.NotFoundError
	switch {
	case errors.As(err, &re):
		return errPage(http.StatusConflict, "ระบบไม่รับขั้นตอนนี้: "+re.Msg, "The step was refused: "+re.Msg)
	case errors.As(err, &nf):
		return errPage(http.StatusNotFound, "ไม่พบหนังสือส่งนี้: "+nf.Msg, nf.Msg)
	case errors.Is(err, context.DeadlineExceeded):
		return errPage(http.StatusGatewayTimeout, "ระบบยังทำขั้นตอนนี้ไม่เสร็จ กรุณาเปิดหน้าหนังสือใหม่อีกครั้งเพื่อดูผล (ไม่ต้องกดซ้ำ)",
			"The step has not finished yet; reload the letter's page to see the result (no need to press again).")
	}
	return errPage(http.StatusServiceUnavailable, "ระบบงานหนังสือส่งขัดข้องชั่วคราว ไม่มีข้อมูลใดสูญหาย กรุณาลองใหม่: "+err.Error(),
		"The outgoing-letter service is unavailable; nothing was lost. Try again: "+err.Error())
}

// --- the send register ----------------------------------------------------------------------

type outgoingRegisterData struct {
	Registers []storage.Register
	Register  string
	Year      int
	Years     []int
	Rows      []outgoingItem
	CSV       bool
	UnitNames map[string]string
}

func ogBEYear(t time.Time) int { return t.In(thai.Bangkok).Year() + 543 }

func (s *Server) outgoingRegisterChoice(r *http.Request, c *Ctx) ([]storage.Register, string, int, error) {
	regs, err := s.Policy.SendRegisters(r.Context(), c.Subj)
	if err != nil {
		return nil, "", 0, err
	}
	reg := r.URL.Query().Get("register")
	if reg == "" && len(regs) > 0 {
		reg = regs[0].Code
	}
	if reg == "" {
		return regs, "", 0, errPage(http.StatusNotFound, "หน่วยงานของท่านไม่มีทะเบียนหนังสือส่ง", "Your units keep no send register.")
	}
	d, err := s.Policy.ViewSendRegister(r.Context(), c.Subj, reg)
	if err != nil {
		return nil, "", 0, err
	}
	if err := d.Err(); err != nil {
		return nil, "", 0, err
	}
	year := ogBEYear(s.Now())
	if y, err := strconv.Atoi(thai.ArabicDigits.Apply(r.URL.Query().Get("year"))); err == nil {
		if y < 2400 {
			y += 543
		}
		year = y
	}
	return regs, reg, year, nil
}

func (s *Server) outgoingRegister(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := outgoingNeedPerson(c); err != nil {
		return err
	}
	regs, reg, year, err := s.outgoingRegisterChoice(r, c)
	if err != nil {
		return err
	}
	d := outgoingRegisterData{Registers: regs, Register: reg, Year: year, CSV: true}
	rows, err := s.DB.SendRegisterRows(r.Context(), reg, year)
	if err != nil {
		return err
	}
	for _, o := range rows {
		d.Rows = append(d.Rows, outgoingItem{OutgoingRow: o, Hidden: !policy.ClearanceAllows(c.Subj, o.Secrecy)})
	}
	if d.Years, err = s.DB.SendRegisterYears(r.Context(), reg); err != nil {
		return err
	}
	if cur := ogBEYear(s.Now()); !slices.Contains(d.Years, cur) {
		d.Years = append([]int{cur}, d.Years...)
	}
	if !slices.Contains(d.Years, year) {
		d.Years = append(d.Years, year)
	}
	units, _, _, err := s.outgoingOrg(r.Context())
	if err != nil {
		return err
	}
	d.UnitNames = map[string]string{}
	for _, u := range units {
		d.UnitNames[u.Code] = u.Name
	}
	s.render(w, r, c, http.StatusOK, "outgoing_register", d)
	return nil
}

func (s *Server) outgoingRegisterCSV(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	if err := outgoingNeedPerson(c); err != nil {
		return err
	}
	_, reg, year, err := s.outgoingRegisterChoice(r, c)
	if err != nil {
		return err
	}
	var out strings.Builder
	cw := csv.NewWriter(&out)
	if err := cw.Write(storage.SendColumns); err != nil {
		return err
	}
	n := 0
	err = s.DB.ExportSendRegister(r.Context(), reg, year, func(row storage.SendRow) error {
		n++
		if !policy.ClearanceAllows(c.Subj, row.Secrecy) {
			row.Subject, row.File = "", "" // classified above the reader's clearance
		}
		return cw.Write(row.Fields())
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if err := s.DB.OutgoingAudit(r.Context(), c.Subj.PersonID, c.Subj.CapacityText(), "outgoing.register.export", "register", reg,
		map[string]any{"year": year, "rows": n}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%d.csv"`, reg, year))
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = io.WriteString(w, "\ufeff"+out.String()) // BOM: spreadsheets then read Thai as UTF-8
	return nil
}
