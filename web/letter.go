package web

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/saraban/saraban/policy"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// The letter page: metadata, every register entry, a preview of every revision (original, each
// receive stamp), lineage, the timeline of every action, and the actions the viewer may take.
// What the viewer may see and do is asked of policy (ViewLetter, LetterActions); the actions
// go to the letter's workflow through Services.Actor (letter_actions.go); files are opened only
// through Services.Files (letter_files.go). Administrators refused by policy are offered a
// break-glass grant here.
//
// Services used: Actor (actions; nil hides them), Files (previews and PDFs; nil hides them).

func init() {
	addRoutes(func(s *Server) []route {
		return []route{
			{pattern: "GET /letters/{id}", h: s.letterPage},
			{pattern: "POST /letters/{id}/break-glass", h: s.letterBreakGlass},
			{pattern: "POST /letters/{id}/actions/{kind}", h: s.letterAct},
			{pattern: "GET /letters/{id}/revisions/{file}", h: s.letterPDF},
			{pattern: "GET /letters/{id}/revisions/{seq}/pages/{file}", h: s.letterPagePNG},
		}
	})
	addMessages(map[string][2]string{
		"letter.title":             {"หนังสือรับ", "Letter"},
		"letter.doc_number":        {"ที่", "No."},
		"letter.doc_date":          {"ลงวันที่", "Dated"},
		"letter.from":              {"จาก", "From"},
		"letter.to":                {"เรียน", "To"},
		"letter.subject":           {"เรื่อง", "Subject"},
		"letter.urgency":           {"ชั้นความเร็ว", "Urgency"},
		"letter.secrecy":           {"ชั้นความลับ", "Secrecy"},
		"letter.deadline":          {"กำหนดเสร็จ", "Deadline"},
		"letter.no_deadline":       {"ไม่มีกำหนด", "none"},
		"letter.status":            {"สถานะ", "Status"},
		"letter.pages":             {"จำนวนหน้า", "Pages"},
		"letter.status.open":       {"อยู่ระหว่างดำเนินการ", "open"},
		"letter.status.closed":     {"เก็บเข้าแฟ้มแล้ว", "closed (filed)"},
		"letter.stage.received":    {"รับเข้าแล้ว รอประทับตรารับ", "received, stamp pending"},
		"letter.stage.registered":  {"ลงทะเบียนรับและประทับตราแล้ว", "registered and stamped"},
		"letter.stage.closed":      {"ปิดเรื่อง", "closed"},
		"letter.entries":           {"ทะเบียนรับ", "Register entries"},
		"letter.register":          {"ทะเบียน", "Register"},
		"letter.receive_no":        {"เลขรับ", "Receive no."},
		"letter.received_at":       {"รับเมื่อ", "Received"},
		"letter.received_by":       {"ผู้ลงรับ", "Received by"},
		"letter.entry_cancelled":   {"ยกเลิกแล้ว: %s", "cancelled: %s"},
		"letter.stamped":           {"ประทับตราแล้ว", "stamped"},
		"letter.not_stamped":       {"รอประทับตรา", "stamp pending"},
		"letter.preview":           {"ตัวหนังสือ", "The letter"},
		"letter.revisions":         {"ฉบับ", "Revisions"},
		"letter.rev.original":      {"ต้นฉบับที่ได้รับ", "Original as received"},
		"letter.rev.stamped":       {"ประทับตรารับ %s เลขรับ %s", "Receive stamp %s no. %s"},
		"letter.rev.other":         {"ฉบับที่ %s (%s)", "Revision %s (%s)"},
		"letter.page_n":            {"หน้า %s", "Page %s"},
		"letter.open_pdf":          {"เปิดไฟล์ PDF", "Open the PDF"},
		"letter.no_files":          {"ระบบนี้ไม่ได้เปิดให้ดูไฟล์", "Files are not available here."},
		"letter.watermarked":       {"หนังสือชั้นลับ: ทุกหน้าที่เปิดจะมีชื่อของท่านกำกับ และการเปิดทุกครั้งถูกบันทึกไว้", "Classified: every page you open carries your name, and every opening is recorded."},
		"letter.tasks":             {"งานที่มอบหมาย", "Tasks"},
		"letter.no_tasks":          {"ยังไม่มีการมอบหมายงาน", "No tasks yet."},
		"letter.task_for":          {"ถึง", "To"},
		"letter.task_by":           {"ผู้สั่ง", "By"},
		"letter.task.open":         {"รอดำเนินการ", "open"},
		"letter.task.acknowledged": {"รับทราบแล้ว", "acknowledged"},
		"letter.task.done":         {"ดำเนินการแล้ว", "done"},
		"letter.task.returned":     {"ส่งคืน", "returned"},
		"letter.task.reassigned":   {"มอบหมายใหม่", "reassigned"},
		"letter.task.cancelled":    {"ยกเลิก", "cancelled"},
		"letter.lineage":           {"ที่มาและการส่งต่อ", "Lineage"},
		"letter.came_from":         {"ได้รับต่อมาจาก", "Came from"},
		"letter.copies":            {"ส่งต่อไปยัง", "Forwarded to"},
		"letter.no_lineage":        {"รับเข้าโดยตรง ยังไม่มีการส่งต่อ", "Received directly; not forwarded."},
		"letter.this":              {"หนังสือนี้", "this letter"},
		"letter.timeline":          {"ลำดับการดำเนินการ", "Timeline"},
		"letter.actions":           {"การดำเนินการ", "Actions"},
		"letter.acting_as":         {"ในฐานะ", "as"},
		"letter.system":            {"ระบบ", "the system"},
		"letter.operator":          {"ผู้ปฏิบัติการ %s", "operator %s"},
		"letter.bg.title":          {"ขอสิทธิ์ฉุกเฉิน (break-glass)", "Break-glass access"},
		"letter.bg.reason":         {"เหตุผลที่ต้องเปิดอ่าน (อย่างน้อย ๑๐ ตัวอักษร)", "Why you must read it (at least 10 characters)"},
		"letter.bg.submit":         {"ขอสิทธิ์และเปิดหนังสือ", "Break the glass and open"},
		"letter.bg.note":           {"สิทธิ์มีอายุ %s นาที การขอและการเปิดทุกครั้งถูกบันทึกในประวัติการตรวจสอบ และแสดงในหน้าผู้ดูแลระบบ", "The grant lasts %s minutes. The request and every opening are written to the audit log and shown in the administration screens."},
		"letter.bg.banner":         {"เปิดด้วยสิทธิ์ฉุกเฉิน", "Opened with break-glass access"},
		"letter.bg.detail":         {"เหตุผล: «%s» · ถึง %s · บันทึกตรวจสอบเลขที่ %s", "Reason: «%s» · until %s · audit record %s"},
		"letter.bg.granted":        {"ได้รับสิทธิ์ฉุกเฉินแล้ว การเปิดหนังสือนี้ถูกบันทึกไว้", "Break-glass granted; opening this letter is recorded."},
		"letter.bg.short":          {"กรุณาระบุเหตุผลอย่างน้อย ๑๐ ตัวอักษร", "Give a reason of at least 10 characters."},
		"letter.kind.receipt":      {"ลงรับ", "received"},
		"letter.kind.stamp":        {"ประทับตรารับ", "stamped"},
		"letter.kind.annotate":     {"เกษียน", "annotated"},
		"letter.kind.order":        {"สั่งการ", "ordered"},
		"letter.kind.ack":          {"รับทราบ", "acknowledged"},
		"letter.kind.report":       {"รายงานผล", "reported"},
		"letter.kind.return":       {"ส่งคืน", "returned"},
		"letter.kind.reassign":     {"มอบหมายใหม่", "reassigned"},
		"letter.kind.forward":      {"ส่งต่อ", "forwarded"},
		"letter.kind.close":        {"เก็บเข้าแฟ้ม", "closed"},
		"letter.kind.deadline":     {"กำหนดเวลา", "deadline"},
		"letter.d.receipt":         {"ทะเบียน %s เลขรับ %s (%s)", "register %s no. %s (%s)"},
		"letter.d.stamp":           {"ฉบับที่ %s", "revision %s"},
		"letter.d.to":              {"ถึง %s", "to %s"},
		"letter.d.due":             {"กำหนด %s", "due %s"},
		"letter.d.task":            {"งานที่ %s", "task %s"},
		"letter.d.retention":       {"อายุการเก็บ: %s", "retention: %s"},
		"letter.d.clear":           {"ยกเลิกกำหนดเวลา", "deadline removed"},
		"letter.d.deadline":        {"กำหนดเสร็จ %s", "deadline %s"},
		"letter.purpose.inform":    {"เพื่อทราบ", "for information"},
		"letter.purpose.consider":  {"เพื่อพิจารณา", "for consideration"},
		"letter.purpose.act":       {"เพื่อดำเนินการ", "for action"},
		"letter.purpose.circulate": {"แจ้งเวียน", "for circulation"},
		"retention.1y":             {"เก็บไว้ไม่น้อยกว่า ๑ ปี (เรื่องธรรมดา)", "at least 1 year (routine)"},
		"retention.5y":             {"เก็บไว้ไม่น้อยกว่า ๕ ปี", "at least 5 years"},
		"retention.10y":            {"เก็บไว้ไม่น้อยกว่า ๑๐ ปี", "at least 10 years"},
		"retention.permanent":      {"เก็บตลอดไป (ห้ามทำลาย)", "permanent (never destroy)"},
	})
}

// letterRetention are the classes offered when closing a letter (saraban-domain.md §10.2).
var letterRetention = []string{"10y", "5y", "1y", "permanent"}

type letterData struct {
	L          storage.Letter
	Via        string // how policy allowed it: "unit", "break_glass"
	Grant      *storage.BreakGlass
	GrantAudit int64
	Classified bool
	Files      bool
	Revs       []letterRevView
	Sel        *letterRevView
	Entries    []letterEntry
	Timeline   []letterEvent
	Lineage    storage.Lineage
	HasLineage bool
	Tasks      []letterTask
	Acts       policy.LetterActions
	CanAct     bool // the server can send actions (Services.Actor)
	ActingAs   string
	Units      []letterUnit
	People     []letterPerson
	Req        map[string]string // a fresh request id per form: a double submit is one action
	Retention  []string
	Purposes   []string
	UnitNames  map[string]string // unit code → name, for the lineage
	Error      string
	Form       map[string]string // what the viewer typed when an action was refused
	Sigs       *letterSigs       // the signatures the letter came with (nil: none)
}

type letterRevView struct {
	Seq     int
	Kind    string
	Label   string
	Pages   []int
	Created time.Time
	Size    int64
}

type letterEntry struct {
	storage.Entry
	By string
}

type letterEvent struct {
	At       time.Time
	Kind     string
	Who      string
	Capacity []string
	Unit     string
	Note     string
	Lines    []string
}

type letterTask struct {
	storage.Task
	To   string
	By   string
	Mine bool // the person may answer it
	Own  bool // it is given to the person or to a unit they hold a position in (else: a unit below theirs, or someone they act for)
}

type letterUnit struct {
	Code, Name  string
	Depth       int
	Forwardable bool
}

type letterPerson struct {
	ID, Name, Title string
}

// letterPage shows a letter, or why it may not be shown (with break-glass for administrators).
func (s *Server) letterPage(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	id := r.PathValue("id")
	d, err := s.Policy.ViewLetter(r.Context(), c.Subj, id)
	if err != nil {
		return err
	}
	if !d.Allowed {
		if d.Via == "admin" && s.Policy.BreakGlass(c.Subj).Allowed {
			s.auditRefusal(r, c, &policy.Refusal{D: d})
			s.render(w, r, c, http.StatusForbidden, "letter_breakglass", map[string]any{
				"ID": id, "Reason": d.Reason.In(c.Lang), "Minutes": c.Num(int(s.breakGlassFor().Minutes()))})
			return nil
		}
		return d.Err()
	}
	data, err := s.letterData(r, c, id, d)
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "letter", data)
	return nil
}

func (s *Server) breakGlassFor() time.Duration {
	if s.Policy.BreakGlassFor > 0 {
		return s.Policy.BreakGlassFor
	}
	return time.Hour
}

// letterBreakGlass grants an administrator refused by policy a time-limited, audited grant to
// read the letter (storage.GrantBreakGlass writes the audit row).
func (s *Server) letterBreakGlass(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	id := r.PathValue("id")
	if err := s.Policy.BreakGlass(c.Subj).Err(); err != nil {
		return err
	}
	d, err := s.Policy.ViewLetter(r.Context(), c.Subj, id)
	if err != nil {
		return err
	}
	if d.Allowed {
		http.Redirect(w, r, "/letters/"+id, http.StatusSeeOther)
		return nil
	}
	if d.Via != "admin" {
		return d.Err()
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if len([]rune(reason)) < 10 {
		s.render(w, r, c, http.StatusUnprocessableEntity, "letter_breakglass", map[string]any{
			"ID": id, "Reason": d.Reason.In(c.Lang), "Minutes": c.Num(int(s.breakGlassFor().Minutes())),
			"Error": c.T("letter.bg.short"), "Given": reason})
		return nil
	}
	if _, err := s.DB.GrantBreakGlass(r.Context(), c.Subj.Username, id, reason, s.breakGlassFor()); err != nil {
		return err
	}
	s.redirect(w, r, "/letters/"+id, c.T("letter.bg.granted"))
	return nil
}

// letterData gathers what the page shows of a letter the viewer may see.
func (s *Server) letterData(r *http.Request, c *Ctx, id string, d policy.Decision) (*letterData, error) {
	ctx := r.Context()
	l, err := s.DB.GetLetter(ctx, id)
	if err != nil {
		return nil, err
	}
	data := &letterData{L: l, Via: d.Via, Classified: policy.Classified(l.Secrecy), Files: s.Services.Files != nil,
		CanAct: s.Services.Actor != nil, ActingAs: c.Subj.CapacityText(), Retention: letterRetention,
		Purposes: []string{"act", "consider", "inform", "circulate"}}
	if d.Via == "break_glass" {
		g, auditID, err := s.DB.LiveBreakGlass(ctx, c.Subj.Username, id)
		if err == nil {
			data.Grant, data.GrantAudit = &g, auditID
		} else if !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
	}
	timeline, err := s.DB.Timeline(ctx, id)
	if err != nil {
		return nil, err
	}
	tasks, err := s.DB.Tasks(ctx, id)
	if err != nil {
		return nil, err
	}
	if data.Lineage, err = s.DB.LetterLineage(ctx, id); err != nil {
		return nil, err
	}
	data.HasLineage = len(data.Lineage.Sources) > 0 || (data.Lineage.Letter != nil && len(data.Lineage.Letter.Copies) > 0)
	if data.Acts, err = s.Policy.LetterActions(ctx, c.Subj, id); err != nil {
		return nil, err
	}

	// Names of the people and units the page mentions.
	var people, units []string
	for _, e := range l.Entries {
		people = append(people, e.ReceivedBy)
	}
	for _, it := range timeline {
		people = append(people, it.Actor)
		units = append(units, it.Unit)
		for _, a := range letterAssignees(it.Detail) {
			people, units = append(people, a.Person), append(units, a.Unit)
		}
		units = append(units, letterDetailStrings(it.Detail, "units")...)
	}
	for _, t := range tasks {
		people = append(people, t.AssignedBy, t.AssigneePerson)
		units = append(units, t.AssigneeUnit)
	}
	for _, n := range data.Lineage.Sources {
		units = append(units, n.Unit)
	}
	var walk func(n *storage.LineageNode)
	walk = func(n *storage.LineageNode) {
		if n == nil {
			return
		}
		units = append(units, n.Unit)
		for _, c := range n.Copies {
			walk(c)
		}
	}
	walk(data.Lineage.Letter)
	pn, un, err := s.DB.DisplayNames(ctx, people, units)
	if err != nil {
		return nil, err
	}
	data.UnitNames = un
	who := func(id string) string { return letterPersonName(c, pn, id) }
	unitName := func(code string) string {
		if n := un[code]; n != "" {
			return n
		}
		return code
	}

	for _, e := range l.Entries {
		data.Entries = append(data.Entries, letterEntry{Entry: e, By: who(e.ReceivedBy)})
	}
	data.Sigs = s.letterSignatures(ctx, l)
	data.Revs = letterRevViews(c, l)
	if len(data.Revs) > 0 {
		data.Sel = &data.Revs[len(data.Revs)-1]
		if v, err := strconv.Atoi(r.URL.Query().Get("rev")); err == nil {
			for i := range data.Revs {
				if data.Revs[i].Seq == v {
					data.Sel = &data.Revs[i]
				}
			}
		}
	}
	for _, it := range timeline {
		data.Timeline = append(data.Timeline, letterEvent{At: it.At, Kind: it.Kind, Who: who(it.Actor), Capacity: it.Capacity,
			Unit: unitName(it.Unit), Note: it.Note, Lines: letterDetailLines(c, it, unitName, who)})
	}
	mine := map[int64]bool{}
	for _, t := range data.Acts.Tasks {
		mine[t.ID] = true
	}
	for _, t := range tasks {
		tv := letterTask{Task: t, By: who(t.AssignedBy), Mine: mine[t.ID], Own: t.AssigneePerson == c.Subj.PersonID}
		for _, p := range c.Subj.Positions {
			tv.Own = tv.Own || (t.AssigneePerson == "" && t.AssigneeUnit == p.UnitCode)
		}
		if t.AssigneePerson != "" {
			tv.To = who(t.AssigneePerson)
		} else {
			tv.To = unitName(t.AssigneeUnit)
		}
		data.Tasks = append(data.Tasks, tv)
	}
	if data.CanAct && (data.Acts.Order || data.Acts.Forward) {
		org, err := s.DB.OrgSnapshot(ctx)
		if err != nil {
			return nil, err
		}
		recv := map[string]bool{}
		for _, g := range org.Registers {
			if g.Kind == "receive" {
				recv[g.UnitCode] = true
			}
		}
		for _, u := range org.Units {
			data.Units = append(data.Units, letterUnit{Code: u.Code, Name: u.Name, Depth: min(u.Depth, 6), Forwardable: recv[u.Code]})
		}
		for _, p := range org.People {
			if !p.Active || p.ID == c.Subj.PersonID {
				continue
			}
			po := letterPerson{ID: p.ID, Name: p.Name}
			if len(p.Positions) > 0 {
				po.Title = p.Positions[0].Title
			}
			data.People = append(data.People, po)
		}
		sort.SliceStable(data.People, func(i, j int) bool { return data.People[i].Name < data.People[j].Name })
	}
	data.Req = map[string]string{}
	for _, k := range []string{"annotate", "order", "deadline", "deadline_clear", "forward", "close"} {
		data.Req[k] = uuid.NewString()
	}
	for _, t := range data.Acts.Tasks {
		for _, k := range []string{"ack", "report", "return"} {
			data.Req[fmt.Sprintf("%s-%d", k, t.ID)] = uuid.NewString()
		}
	}
	return data, nil
}

// letterPersonName is a person's name for an actor id ("sujit", "operator:somchai", "system").
func letterPersonName(c *Ctx, names map[string]string, id string) string {
	switch {
	case id == "":
		return ""
	case id == "system":
		return c.T("letter.system")
	case strings.HasPrefix(id, "operator:"):
		return c.T("letter.operator", strings.TrimPrefix(id, "operator:"))
	}
	if op, person, ok := strings.Cut(id, " as "); ok {
		return letterPersonName(c, names, person) + " (" + letterPersonName(c, names, op) + ")"
	}
	if n := names[id]; n != "" {
		return n
	}
	return id
}

func letterRevViews(c *Ctx, l storage.Letter) []letterRevView {
	n := max(l.Pages, 1)
	pages := make([]int, n)
	for i := range pages {
		pages[i] = i + 1
	}
	var out []letterRevView
	for _, rv := range l.Revisions {
		v := letterRevView{Seq: rv.Seq, Kind: rv.Kind, Pages: pages, Created: rv.CreatedAt, Size: rv.Size}
		switch rv.Kind {
		case "original":
			v.Label = c.T("letter.rev.original")
		case "stamped":
			v.Label = c.T("letter.rev.stamped", "", "")
			for _, e := range l.Entries {
				if rv.EntryID != nil && e.ID == *rv.EntryID {
					v.Label = c.T("letter.rev.stamped", e.Register, c.Num(e.Number)+"/"+c.Num(e.Year))
				}
			}
		default:
			v.Label = c.T("letter.rev.other", c.Num(rv.Seq), rv.Kind)
		}
		out = append(out, v)
	}
	return out
}

// letterAssignees reads the assignees of an order or reassign from a timeline row's detail.
func letterAssignees(d map[string]any) []storage.Assignee {
	list, _ := d["assignees"].([]any)
	var out []storage.Assignee
	for _, x := range list {
		m, _ := x.(map[string]any)
		u, _ := m["unit"].(string)
		p, _ := m["person"].(string)
		out = append(out, storage.Assignee{Unit: u, Person: p})
	}
	return out
}

func letterDetailStrings(d map[string]any, key string) []string {
	list, _ := d[key].([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func letterDetailNumber(d map[string]any, key string) (int64, bool) {
	switch v := d[key].(type) {
	case float64:
		return int64(v), true
	case int:
		return int64(v), true
	case int64:
		return v, true
	}
	return 0, false
}

func letterDetailTime(d map[string]any, key string) (time.Time, bool) {
	switch v := d[key].(type) {
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		return t, err == nil
	case time.Time:
		return v, true
	}
	return time.Time{}, false
}

// letterDueText prints a deadline: a day when it is midnight in Bangkok, else a day and an hour.
func letterDueText(c *Ctx, t time.Time) string {
	lt := t.In(thai.Bangkok)
	if lt.Hour() == 0 && lt.Minute() == 0 {
		return c.Date(lt)
	}
	return c.Time(lt)
}

// LetterDue is letterDueText for templates.
func (c *Ctx) LetterDue(t *time.Time) string {
	if t == nil {
		return ""
	}
	return letterDueText(c, *t)
}

// LetterLongDate prints a letter's date as letters do ("๒ กันยายน ๒๕๖๗").
func (c *Ctx) LetterLongDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return c.LongDate(*t)
}

// letterDetailLines says in words what a timeline row's detail holds.
func letterDetailLines(c *Ctx, it storage.TimelineItem, unitName, who func(string) string) []string {
	d := it.Detail
	var out []string
	switch it.Kind {
	case "receipt":
		reg, _ := d["register"].(string)
		n, _ := letterDetailNumber(d, "number")
		y, _ := letterDetailNumber(d, "year")
		un, _ := d["unit_name"].(string)
		out = append(out, c.T("letter.d.receipt", reg, c.Num(n)+"/"+c.Num(y), un))
	case "stamp":
		if n, ok := letterDetailNumber(d, "revision"); ok {
			out = append(out, c.T("letter.d.stamp", c.Num(n)))
		}
	case storage.ActOrder, storage.ActReassign, storage.ActForward:
		var to []string
		for _, a := range letterAssignees(d) {
			if a.Person != "" {
				to = append(to, who(a.Person))
			} else {
				to = append(to, unitName(a.Unit))
			}
		}
		for _, u := range letterDetailStrings(d, "units") {
			to = append(to, unitName(u))
		}
		line := ""
		if p, _ := d["purpose"].(string); p != "" {
			line = c.T("letter.purpose."+p) + " "
		}
		if len(to) > 0 {
			line += c.T("letter.d.to", strings.Join(to, ", "))
		}
		if due, ok := letterDetailTime(d, "due"); ok {
			line += " · " + c.T("letter.d.due", letterDueText(c, due))
		}
		if line != "" {
			out = append(out, strings.TrimSpace(line))
		}
	case storage.ActClose:
		if rc, _ := d["retention"].(string); rc != "" {
			w := c.T("retention." + rc)
			if strings.HasPrefix(w, "[") {
				w = rc
			}
			out = append(out, c.T("letter.d.retention", w))
		}
	case storage.ActDeadline:
		if cl, _ := d["clear"].(bool); cl {
			out = append(out, c.T("letter.d.clear"))
		} else if due, ok := letterDetailTime(d, "due"); ok {
			out = append(out, c.T("letter.d.deadline", letterDueText(c, due)))
		}
	}
	if n, ok := letterDetailNumber(d, "task_id"); ok && (it.Kind == storage.ActAck || it.Kind == storage.ActReport || it.Kind == storage.ActReturn || it.Kind == storage.ActReassign) {
		out = append(out, c.T("letter.d.task", c.Num(n)))
	}
	return out
}
