package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/saraban/saraban/routing"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/workflows"
)

// The letter page's action forms. Each posts to /letters/{id}/actions/{kind}; the handler asks
// policy whether the viewer is offered the action, builds a workflows.Action the way the API
// does (api/routing.go) with the form's request id (one per form drawn, so a double submit is
// one action), sends it to the letter's workflow (Services.Actor), and goes back to the letter
// with a message. The workflow's activity checks the right again and records the capacity it
// resolves; its refusal is shown on the letter page.

func init() {
	addMessages(map[string][2]string{
		"letter.a.annotate":          {"เกษียน", "Annotate"},
		"letter.a.annotate_hint":     {"ข้อความเกษียน เช่น สรุปเรื่องและเสนอความเห็น", "Annotation: summary and proposal"},
		"letter.a.order":             {"สั่งการ / มอบหมาย", "Order / assign"},
		"letter.a.purpose":           {"เพื่อ", "Purpose"},
		"letter.a.units":             {"หน่วยงาน", "Units"},
		"letter.a.people":            {"หรือมอบให้บุคคล", "Or to people"},
		"letter.a.people_hint":       {"กด Ctrl ค้างไว้เพื่อเลือกหลายคน", "Hold Ctrl to pick several"},
		"letter.a.due":               {"กำหนดเสร็จ (ถ้ามี)", "Due (optional)"},
		"letter.a.due_hint":          {"เช่น ๑๕ ม.ค. ๒๕๗๐ หรือ 2027-01-15", "e.g. 15 ม.ค. 2570 or 2027-01-15"},
		"letter.a.note":              {"ข้อความสั่งการ", "Order text"},
		"letter.a.submit_order":      {"สั่งการ", "Give the order"},
		"letter.a.task":              {"งานของท่าน", "Your task"},
		"letter.a.task_other":        {"งานที่ท่านตอบแทนได้", "A task you may answer for"},
		"letter.a.task_line":         {"งานที่ %s: %s ถึง %s", "Task %s: %s to %s"},
		"letter.a.ack":               {"รับทราบ", "Acknowledge"},
		"letter.a.report":            {"รายงานผล", "Report done"},
		"letter.a.report_hint":       {"ผลการปฏิบัติ", "What was done"},
		"letter.a.return":            {"ส่งคืน", "Return"},
		"letter.a.return_hint":       {"เหตุผลที่ส่งคืน", "Why you return it"},
		"letter.a.forward":           {"ส่งต่อหน่วยงาน", "Forward to units"},
		"letter.a.forward_hint":      {"แต่ละหน่วยงานจะได้รับสำเนาและลงรับในทะเบียนของตนเอง (หน่วยงานที่ไม่มีทะเบียนรับเลือกไม่ได้)", "Each unit gets a copy, received into its own register (units without a receive register cannot be picked)."},
		"letter.a.forward_purpose":   {"เพื่อ (ถ้าต้องการมอบงาน)", "Purpose (to give each a task)"},
		"letter.a.no_purpose":        {"— ไม่มอบงาน —", "— no task —"},
		"letter.a.submit_forward":    {"ส่งต่อ", "Forward"},
		"letter.a.deadline":          {"กำหนดเวลา", "Deadline"},
		"letter.a.new_deadline":      {"กำหนดเสร็จใหม่", "New deadline"},
		"letter.a.set_deadline":      {"บันทึกกำหนดเวลา", "Set the deadline"},
		"letter.a.clear_deadline":    {"ยกเลิกกำหนดเวลา", "Remove the deadline"},
		"letter.a.close":             {"เก็บเข้าแฟ้ม (ปิดเรื่อง)", "Close (file it)"},
		"letter.a.retention":         {"อายุการเก็บ", "Retention"},
		"letter.a.close_note":        {"หมายเหตุ (ถ้ามี)", "Note (optional)"},
		"letter.a.submit_close":      {"เก็บเข้าแฟ้ม", "Close"},
		"letter.a.close_confirm":     {"ปิดเรื่องนี้? งานที่ยังเปิดอยู่จะถูกยกเลิก และดำเนินการต่อไม่ได้อีก", "Close this letter? Open tasks are cancelled and nothing more can be done."},
		"letter.a.no_actor":          {"ระบบนี้ไม่ได้เปิดให้สั่งการหนังสือ", "Routing is not available on this server."},
		"letter.a.refused":           {"ระบบสั่งการไม่รับรายการนี้: %s", "The action was refused: %s"},
		"letter.a.bad_due":           {"อ่านวันที่ «%s» ไม่ได้: %s", "Cannot read the date «%s»: %s"},
		"letter.a.need_to":           {"กรุณาเลือกหน่วยงานหรือบุคคลที่จะมอบหมายอย่างน้อยหนึ่งรายการ", "Pick at least one unit or person."},
		"letter.a.need_units":        {"กรุณาเลือกหน่วยงานที่จะส่งต่ออย่างน้อยหนึ่งหน่วย", "Pick at least one unit to forward to."},
		"letter.a.need_note":         {"กรุณากรอกข้อความ", "Write the text."},
		"letter.a.need_due":          {"กรุณาระบุวันที่กำหนดเสร็จ หรือกดยกเลิกกำหนดเวลา", "Give the new deadline, or remove it."},
		"letter.a.bad_retention":     {"กรุณาเลือกอายุการเก็บ", "Pick a retention class."},
		"letter.a.unavailable":       {"ระบบสั่งการไม่ตอบในขณะนี้ ไม่มีรายการใดถูกบันทึก กรุณาลองใหม่อีกครั้ง", "The routing service did not answer; nothing was recorded. Try again."},
		"letter.done.annotate":       {"บันทึกเกษียนแล้ว", "Annotation recorded."},
		"letter.done.order":          {"สั่งการแล้ว: มอบหมาย %s งาน", "Order given: %s tasks."},
		"letter.done.ack":            {"รับทราบแล้ว", "Acknowledged."},
		"letter.done.report":         {"รายงานผลแล้ว", "Reported."},
		"letter.done.return":         {"ส่งคืนงานแล้ว", "Task returned."},
		"letter.done.forward":        {"ส่งต่อแล้ว ระบบกำลังลงรับในทะเบียนของหน่วยงานปลายทาง", "Forwarded: the copies are being received into each unit's register."},
		"letter.done.deadline":       {"บันทึกกำหนดเวลาแล้ว", "Deadline set."},
		"letter.done.deadline_clear": {"ยกเลิกกำหนดเวลาแล้ว", "Deadline removed."},
		"letter.done.close":          {"เก็บหนังสือเข้าแฟ้มแล้ว", "Letter closed."},
		"letter.done.replayed":       {"รายการนี้บันทึกไว้แล้ว (ส่งซ้ำ ระบบไม่ได้ทำซ้ำ)", "Already recorded (sent twice; done once)."},
	})
}

var letterActionKinds = []string{storage.ActAnnotate, storage.ActOrder, storage.ActAck, storage.ActReport, storage.ActReturn,
	storage.ActForward, storage.ActDeadline, storage.ActClose}

// letterInput is an invalid form: the page is drawn again with the message and what was typed.
type letterInput struct{ msg string }

func (e *letterInput) Error() string { return e.msg }

func (s *Server) letterAct(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	id, kind := r.PathValue("id"), r.PathValue("kind")
	if !slices.Contains(letterActionKinds, kind) {
		return errPage(http.StatusNotFound, "ไม่มีการดำเนินการนี้", "No such action.")
	}
	if err := r.ParseForm(); err != nil {
		return errPage(http.StatusBadRequest, "อ่านแบบฟอร์มไม่ได้", "The form could not be read.")
	}
	taskID, _ := strconv.ParseInt(r.PostFormValue("task"), 10, 64)
	d, err := s.Policy.LetterAction(r.Context(), c.Subj, id, kind, taskID)
	if err != nil {
		return err
	}
	if err := d.Err(); err != nil {
		return err
	}
	if s.Services.Actor == nil {
		return errPage(http.StatusServiceUnavailable, c.T("letter.a.no_actor"), c.T("letter.a.no_actor"))
	}
	a, err := letterBuildAction(c, kind, r)
	if err != nil {
		var in *letterInput
		if errors.As(err, &in) {
			return s.letterAgain(w, r, c, id, http.StatusUnprocessableEntity, in.msg)
		}
		return err
	}
	a.TaskID = taskID
	res, err := s.Services.Actor.Act(r.Context(), id, a)
	if err != nil {
		var re *routing.RefusedError
		var nf *routing.NotFoundError
		switch {
		case errors.As(err, &re):
			s.auditActionRefused(r, c, id, kind, re.Msg)
			return s.letterAgain(w, r, c, id, http.StatusForbidden, c.T("letter.a.refused", re.Msg))
		case errors.As(err, &nf):
			return errPage(http.StatusNotFound, "ไม่พบหนังสือนี้ หรือท่านไม่มีสิทธิ์เห็น", "No such letter, or you may not see it.")
		}
		s.Log.Error("web: letter action failed", "letter", id, "kind", kind, "err", err)
		return errPage(http.StatusServiceUnavailable, c.T("letter.a.unavailable"), c.T("letter.a.unavailable"))
	}
	flash := c.T("letter.done." + kind)
	switch {
	case res.Replayed:
		flash = c.T("letter.done.replayed")
	case kind == storage.ActOrder:
		flash = c.T("letter.done.order", c.Num(len(res.TaskIDs)))
	case kind == storage.ActDeadline && a.Clear:
		flash = c.T("letter.done.deadline_clear")
	}
	s.redirect(w, r, "/letters/"+id+"#timeline", flash)
	return nil
}

// auditActionRefused writes the workflow's refusal of an action to the audit log, as every
// refusal is.
func (s *Server) auditActionRefused(r *http.Request, c *Ctx, letterID, kind, msg string) {
	ctx := context.WithoutCancel(r.Context())
	_ = s.DB.Transact(ctx, func(tx storageTx) error {
		return storage.Audit(ctx, tx, c.Subj.PersonID, c.Subj.CapacityText(), "refused", "letter", letterID,
			map[string]any{"action": kind, "reason": msg, "via": "web"})
	})
}

// letterBuildAction turns an action form into a workflows.Action, as api/routing.go does for JSON.
func letterBuildAction(c *Ctx, kind string, r *http.Request) (workflows.Action, error) {
	f := r.PostForm
	a := workflows.Action{Kind: kind, Actor: c.Subj.PersonID, RequestID: strings.TrimSpace(f.Get("request_id")),
		Note: strings.TrimSpace(f.Get("note"))}
	if a.RequestID == "" {
		a.RequestID = uuid.NewString()
	}
	due := func(required bool) error {
		v := strings.TrimSpace(f.Get("due"))
		if v == "" {
			if required {
				return &letterInput{c.T("letter.a.need_due")}
			}
			return nil
		}
		t, err := thai.ParseDateTime(v)
		var wm *thai.WeekdayMismatchError
		if err != nil && !errors.As(err, &wm) {
			return &letterInput{c.T("letter.a.bad_due", v, err.Error())}
		}
		a.Due = &t
		return nil
	}
	switch kind {
	case storage.ActAnnotate, storage.ActReport, storage.ActReturn:
		if a.Note == "" {
			return a, &letterInput{c.T("letter.a.need_note")}
		}
	case storage.ActOrder:
		p, err := storage.ParsePurpose(f.Get("purpose"))
		if err != nil {
			return a, &letterInput{err.Error()}
		}
		a.Purpose = p
		for _, u := range letterNonBlank(f["unit"]) {
			a.Assignees = append(a.Assignees, workflows.Assignee{Unit: u})
		}
		for _, p := range letterNonBlank(f["person"]) {
			a.Assignees = append(a.Assignees, workflows.Assignee{Person: p})
		}
		if len(a.Assignees) == 0 {
			return a, &letterInput{c.T("letter.a.need_to")}
		}
		if err := due(false); err != nil {
			return a, err
		}
	case storage.ActForward:
		a.Units = letterNonBlank(f["unit"])
		if len(a.Units) == 0 {
			return a, &letterInput{c.T("letter.a.need_units")}
		}
		if v := strings.TrimSpace(f.Get("purpose")); v != "" {
			p, err := storage.ParsePurpose(v)
			if err != nil {
				return a, &letterInput{err.Error()}
			}
			a.Purpose = p
		}
		if err := due(false); err != nil {
			return a, err
		}
	case storage.ActDeadline:
		if f.Get("clear") != "" {
			a.Clear = true
		} else if err := due(true); err != nil {
			return a, err
		}
	case storage.ActClose:
		a.Retention = f.Get("retention")
		if !slices.Contains(letterRetention, a.Retention) {
			return a, &letterInput{c.T("letter.a.bad_retention")}
		}
	}
	return a, nil
}

func letterNonBlank(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// letterAgain draws the letter page again with a message about the action just refused, and
// keeps what the viewer typed.
func (s *Server) letterAgain(w http.ResponseWriter, r *http.Request, c *Ctx, id string, status int, msg string) error {
	d, err := s.Policy.ViewLetter(r.Context(), c.Subj, id)
	if err != nil {
		return err
	}
	if err := d.Err(); err != nil {
		return err
	}
	data, err := s.letterData(r, c, id, d)
	if err != nil {
		return err
	}
	data.Error = msg
	data.Form = map[string]string{"kind": r.PathValue("kind"), "note": r.PostFormValue("note"), "due": r.PostFormValue("due"),
		"task": r.PostFormValue("task")}
	s.render(w, r, c, status, "letter", data)
	return nil
}
