package policy

import (
	"context"
	"net/http"
	"time"

	"github.com/saraban/saraban/storage"
)

// The letter page's rules: which routing actions a person is offered on a letter. The routing
// activity (storage.ApplyAction) checks every action again when it is taken, so these rules only
// decide what the page offers; a refusal there is shown as it comes.

// LetterFacts is what the action rules read (storage.DB).
type LetterFacts interface {
	LetterPowers(ctx context.Context, personID, letterID string, at time.Time) (storage.LetterPowers, error)
}

// Letter action kinds (docs/routing.md).
const (
	ActAnnotate = storage.ActAnnotate
	ActOrder    = storage.ActOrder
	ActAck      = storage.ActAck
	ActReport   = storage.ActReport
	ActReturn   = storage.ActReturn
	ActForward  = storage.ActForward
	ActClose    = storage.ActClose
	ActDeadline = storage.ActDeadline
)

// LetterActions are the actions a person is offered on a letter.
type LetterActions struct {
	Annotate bool
	Order    bool // order/assign to units or people
	Deadline bool // set, move or remove the letter's deadline (needs the power to order)
	Forward  bool
	Close    bool
	// Tasks are the open tasks the person may answer (acknowledge, report, return).
	Tasks []storage.Task
	// Capacity is the capacity lines the person would act in, per power (for the page to show).
	Capacity map[string][]string
	// None says why nothing is offered, when nothing is.
	None Reason
	// Blocked: nothing can be offered whatever the person's powers (the letter is closed, not
	// visible, or read through break-glass); None says why.
	Blocked bool
}

// Any tells whether any action is offered.
func (a LetterActions) Any() bool {
	return a.Annotate || a.Order || a.Deadline || a.Forward || a.Close || len(a.Tasks) > 0
}

// Allows tells whether an action kind is offered (for a task answer: on that task, or on the
// person's only open task when taskID is 0).
func (a LetterActions) Allows(kind string, taskID int64) bool {
	switch kind {
	case ActAnnotate:
		return a.Annotate
	case ActOrder:
		return a.Order
	case ActDeadline:
		return a.Deadline
	case ActForward:
		return a.Forward
	case ActClose:
		return a.Close
	case ActAck, ActReport, ActReturn:
		if taskID == 0 {
			return len(a.Tasks) == 1
		}
		for _, t := range a.Tasks {
			if t.ID == taskID {
				return true
			}
		}
	}
	return false
}

// LetterActions decides which actions the subject is offered on a letter they may see:
//
//   - nothing on a closed letter, nothing to an administrator reading through break-glass, and
//     nothing to someone who may not see the letter;
//   - annotate (เกษียน) to a member of a unit that holds it (or a unit above), order/assign and
//     the deadline to the holder of the power to order for it (the unit's head, or by delegation),
//     forward and close to the holders of those powers — as storage.Resolve answers for the units
//     holding the letter and the units above them, on today's date;
//   - acknowledge, report and return on each open task given to the person, to a unit they belong
//     to (or head from above), or to someone they act for today.
func (e *Engine) LetterActions(ctx context.Context, s Subject, letterID string) (LetterActions, error) {
	d, err := e.ViewLetter(ctx, s, letterID)
	if err != nil {
		return LetterActions{}, err
	}
	switch {
	case !d.Allowed:
		return LetterActions{None: d.Reason, Blocked: true}, nil
	case d.Via == "break_glass":
		return LetterActions{Blocked: true, None: Reason{
			TH: "ท่านเปิดหนังสือนี้ด้วยสิทธิ์ฉุกเฉินเพื่ออ่านเท่านั้น จึงสั่งการหรือดำเนินการใดกับหนังสือไม่ได้",
			EN: "You opened this letter with break-glass access, which is for reading only: you may not act on it."}}, nil
	}
	facts, ok := e.Store.(LetterFacts)
	if !ok {
		return LetterActions{Blocked: true, None: Reason{TH: "ระบบนี้ไม่ได้เปิดให้สั่งการหนังสือ", EN: "Routing is not available here."}}, nil
	}
	p, err := facts.LetterPowers(ctx, s.PersonID, letterID, time.Now())
	if err != nil {
		if isNotFound(err) {
			return LetterActions{None: notFound().Reason, Blocked: true}, nil
		}
		return LetterActions{}, err
	}
	if p.Closed {
		return LetterActions{Blocked: true, None: Reason{
			TH: "หนังสือนี้เก็บเข้าแฟ้มแล้ว (ปิดเรื่อง) จึงดำเนินการใดเพิ่มเติมไม่ได้",
			EN: "This letter is closed (filed): nothing more can be done on it."}}, nil
	}
	a := LetterActions{Capacity: p.Powers, Tasks: p.Tasks}
	_, a.Annotate = p.Powers[storage.PowerAnnotate]
	_, a.Order = p.Powers[storage.PowerOrder]
	a.Deadline = a.Order
	_, a.Forward = p.Powers[storage.PowerForward]
	_, a.Close = p.Powers[storage.PowerClose]
	if !a.Any() {
		a.None = Reason{
			TH: "ท่านเห็นหนังสือนี้ได้ แต่ไม่มีงานที่ได้รับมอบหมายหรืออำนาจสั่งการในหนังสือนี้",
			EN: "You may see this letter, but you have no task on it and no power to act on it."}
	}
	return a, nil
}

// LetterAction decides whether the subject may take one action on a letter now (the form they
// post): the letter must be one they see (else 404 or 403 with the reason), and the action one
// LetterActions offers them (else 403 with why).
func (e *Engine) LetterAction(ctx context.Context, s Subject, letterID, kind string, taskID int64) (Decision, error) {
	d, err := e.ViewLetter(ctx, s, letterID)
	if err != nil || !d.Allowed {
		return d, err
	}
	a, err := e.LetterActions(ctx, s, letterID)
	if err != nil {
		return Decision{}, err
	}
	if a.Allows(kind, taskID) {
		return allow("routing"), nil
	}
	if a.Blocked {
		return Decision{Status: http.StatusForbidden, Reason: a.None}, nil
	}
	switch kind {
	case ActAck, ActReport, ActReturn:
		if taskID == 0 && len(a.Tasks) > 1 {
			return deny(http.StatusForbidden, "ท่านมีงานในหนังสือนี้หลายงาน กรุณาเลือกงานที่ต้องการตอบ",
				"You have several tasks on this letter: say which one you answer."), nil
		}
		return deny(http.StatusForbidden, "งานนี้ไม่ได้มอบหมายให้ท่านหรือหน่วยงานของท่าน หรือได้ดำเนินการไปแล้ว",
			"This task is not given to you or your unit, or it is already answered."), nil
	case ActOrder, ActDeadline:
		return deny(http.StatusForbidden, "ท่านไม่มีอำนาจสั่งการหนังสือนี้: ผู้สั่งการได้คือหัวหน้าหน่วยงานที่ถือหนังสือ หรือผู้ได้รับมอบอำนาจ",
			"You may not give orders on this letter: the head of the unit holding it (or their delegate) may."), nil
	case ActForward:
		return deny(http.StatusForbidden, "ท่านไม่มีอำนาจส่งต่อหนังสือนี้: ผู้ส่งต่อได้คือหัวหน้าส่วนราชการ หรือผู้ได้รับมอบอำนาจ",
			"You may not forward this letter: the head of the agency (or their delegate) may."), nil
	case ActClose:
		return deny(http.StatusForbidden, "ท่านไม่มีอำนาจเก็บหนังสือนี้เข้าแฟ้ม: ผู้สั่งเก็บได้คือหัวหน้าหน่วยงานที่ถือหนังสือ หรือผู้ได้รับมอบอำนาจ",
			"You may not close this letter: the head of the unit holding it (or their delegate) may."), nil
	case ActAnnotate:
		return deny(http.StatusForbidden, "ท่านเกษียนหนังสือนี้ไม่ได้: เฉพาะผู้ที่อยู่ในหน่วยงานที่ถือหนังสือ",
			"You may not annotate this letter: only members of a unit holding it may."), nil
	}
	return deny(http.StatusNotFound, "ไม่มีการดำเนินการนี้", "No such action."), nil
}
