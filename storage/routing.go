package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Action kinds (docs/routing.md).
const (
	ActAnnotate = "annotate"
	ActOrder    = "order"
	ActAck      = "ack"
	ActReport   = "report"
	ActReturn   = "return"
	ActReassign = "reassign"
	ActForward  = "forward"
	ActClose    = "close"
	ActDeadline = "deadline"
)

// Purposes of an order, with their Thai words.
var Purposes = map[string]string{
	"inform": "เพื่อทราบ", "consider": "เพื่อพิจารณา", "act": "เพื่อดำเนินการ", "circulate": "แจ้งเวียน",
}

// ParsePurpose accepts the English codes and the Thai words (with or without เพื่อ).
func ParsePurpose(s string) (string, error) {
	s = strings.TrimSpace(s)
	for code, th := range Purposes {
		if s == code || s == th || "เพื่อ"+s == th {
			return code, nil
		}
	}
	return "", fmt.Errorf("purpose %q: say inform (เพื่อทราบ), consider (เพื่อพิจารณา), act (เพื่อดำเนินการ) or circulate (แจ้งเวียน)", s)
}

// Assignee is a unit or a person an order gives work to.
type Assignee struct {
	Unit   string `json:"unit,omitempty"`
	Person string `json:"person,omitempty"`
}

// ActionRequest is one routing action as the workflow hands it to the ApplyAction activity.
type ActionRequest struct {
	LetterID  string     `json:"letter_id"`
	Kind      string     `json:"kind"`
	Actor     string     `json:"actor"`              // the person who acts
	Operator  string     `json:"operator,omitempty"` // operator:<name> when acting --as the person
	RequestID string     `json:"request_id"`
	Note      string     `json:"note,omitempty"`
	Assignees []Assignee `json:"assignees,omitempty"` // order, reassign
	Purpose   string     `json:"purpose,omitempty"`   // order
	Due       *time.Time `json:"due,omitempty"`       // order; deadline (nil with Clear = remove)
	Clear     bool       `json:"clear,omitempty"`     // deadline: remove it
	TaskID    int64      `json:"task_id,omitempty"`   // ack, report, return, reassign (0 = the actor's own open task)
	Units     []string   `json:"units,omitempty"`     // forward
	Retention string     `json:"retention,omitempty"` // close
	At        time.Time  `json:"at"`                  // when, as the workflow saw it
}

// ActionResult is what an action did.
type ActionResult struct {
	ActionID int64    `json:"action_id"`
	Kind     string   `json:"kind"`
	Capacity []string `json:"capacity"`
	Unit     string   `json:"unit"`
	TaskIDs  []int64  `json:"task_ids,omitempty"`
	Replayed bool     `json:"replayed,omitempty"`
	Closed   bool     `json:"closed,omitempty"`
}

// RefusalError is an action the person may not take, or a request that makes no sense; the
// message says why.
type RefusalError struct{ Msg string }

func (e *RefusalError) Error() string { return e.Msg }

func refuse(format string, args ...any) error {
	return &RefusalError{Msg: fmt.Sprintf(format, args...)}
}

// powerFor says which power an action needs.
func powerFor(kind string) string {
	switch kind {
	case ActOrder, ActDeadline:
		return "order"
	case ActForward:
		return "forward"
	case ActClose:
		return "close"
	case ActAnnotate:
		return "annotate"
	}
	return ""
}

// holdingUnits are the units whose registers hold the letter (active entries), nearest first.
func (db *DB) holdingUnits(ctx context.Context, letterID string) ([]string, error) {
	rows, err := db.Pool.Query(ctx, `SELECT g.unit_code FROM register_entries e JOIN registers g ON g.code = e.register_code
		WHERE e.letter_id = $1 AND e.status = 'active' ORDER BY e.received_at DESC, e.id DESC`, letterID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// authorize finds the capacity in which person may use power on the letter: for a unit holding
// it, or a unit above (the head of a province commands what its offices hold).
func (db *DB) authorize(ctx context.Context, person, power, letterID string, at time.Time) (Authority, error) {
	units, err := db.holdingUnits(ctx, letterID)
	if err != nil {
		return Authority{}, err
	}
	var firstErr error
	seen := map[string]bool{}
	for _, u := range units {
		ups, err := db.UnitAncestors(ctx, u)
		if err != nil {
			return Authority{}, err
		}
		for _, unit := range ups {
			if seen[unit] {
				continue
			}
			seen[unit] = true
			a, err := db.Resolve(ctx, person, power, unit, at)
			if err == nil {
				return a, nil
			}
			if !errors.Is(err, ErrForbidden) {
				return Authority{}, err
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("the letter is in no register: %w", ErrForbidden)
	}
	return Authority{}, &RefusalError{Msg: firstErr.Error()}
}

type letterState struct {
	status   string
	secrecy  string
	deadline *time.Time
	subject  string
	docNo    string
}

func (db *DB) letterState(ctx context.Context, id string) (letterState, error) {
	var s letterState
	err := db.Pool.QueryRow(ctx, `SELECT status, secrecy, deadline, subject, doc_number_raw FROM letters WHERE id::text = $1`, id).
		Scan(&s.status, &s.secrecy, &s.deadline, &s.subject, &s.docNo)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, fmt.Errorf("letter %s: %w", id, ErrNotFound)
	}
	return s, err
}

// Task is work given by an order.
type Task struct {
	ID             int64      `json:"task_id"`
	LetterID       string     `json:"letter_id"`
	ActionID       int64      `json:"action_id"`
	AssigneeUnit   string     `json:"assignee_unit,omitempty"`
	AssigneePerson string     `json:"assignee_person,omitempty"`
	Purpose        string     `json:"purpose"`
	Due            *time.Time `json:"due,omitempty"`
	AssignedBy     string     `json:"assigned_by"`
	Status         string     `json:"status"`
	CreatedAt      time.Time  `json:"created_at"`
}

func scanTask(r pgx.CollectableRow) (Task, error) {
	var t Task
	var unit, person *string
	err := r.Scan(&t.ID, &t.LetterID, &t.ActionID, &unit, &person, &t.Purpose, &t.Due, &t.AssignedBy, &t.Status, &t.CreatedAt)
	if unit != nil {
		t.AssigneeUnit = *unit
	}
	if person != nil {
		t.AssigneePerson = *person
	}
	return t, err
}

const taskCols = `id, letter_id::text, action_id, assignee_unit, assignee_person, purpose, due_at, assigned_by, status, created_at`

// Tasks lists a letter's tasks.
func (db *DB) Tasks(ctx context.Context, letterID string) ([]Task, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+taskCols+` FROM tasks WHERE letter_id = $1 ORDER BY id`, letterID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanTask)
}

// mayAnswer tells whether person may answer a task: the assignee, a member of the assigned unit,
// the head of a unit above it, or whoever acts for the assignee that day.
func (db *DB) mayAnswer(ctx context.Context, person string, t Task, at time.Time) (bool, string, error) {
	if t.AssigneePerson == person {
		return true, "", nil
	}
	if t.AssigneePerson != "" {
		if sub, ok, err := db.ActingFor(ctx, t.AssigneePerson, at); err != nil {
			return false, "", err
		} else if ok && sub == person {
			return true, "acting", nil
		}
	}
	if t.AssigneeUnit != "" {
		// The acting head of the assigned unit answers in that capacity.
		if head, _, err := db.UnitHead(ctx, t.AssigneeUnit); err == nil && head.ID != person {
			if sub, ok, err := db.ActingFor(ctx, head.ID, at); err == nil && ok && sub == person {
				return true, "acting", nil
			}
		}
		var member bool
		err := db.Pool.QueryRow(ctx, `
			WITH RECURSIVE up(code) AS (SELECT $2::text UNION SELECT u.parent_code FROM units u JOIN up ON u.code = up.code WHERE u.parent_code IS NOT NULL)
			SELECT EXISTS(SELECT 1 FROM positions p WHERE p.person_id = $1 AND (p.unit_code = $2 OR (p.is_head AND p.unit_code IN (SELECT code FROM up))))`,
			person, t.AssigneeUnit).Scan(&member)
		if err != nil {
			return false, "", err
		}
		if member {
			return true, "", nil
		}
	}
	return false, "", nil
}

// findTask picks the task an answer is about: the one named, or the actor's only open task.
func (db *DB) findTask(ctx context.Context, req ActionRequest) (Task, error) {
	tasks, err := db.Tasks(ctx, req.LetterID)
	if err != nil {
		return Task{}, err
	}
	var mine []Task
	for _, t := range tasks {
		if req.TaskID != 0 {
			if t.ID == req.TaskID {
				return t, nil
			}
			continue
		}
		if t.Status != "open" {
			continue
		}
		ok, _, err := db.mayAnswer(ctx, req.Actor, t, req.At)
		if err != nil {
			return Task{}, err
		}
		if ok {
			mine = append(mine, t)
		}
	}
	if req.TaskID != 0 {
		return Task{}, refuse("letter %s has no task %d", req.LetterID, req.TaskID)
	}
	switch len(mine) {
	case 0:
		return Task{}, refuse("%s has no open task on this letter: only the assignee, a member of the assigned unit or their acting substitute may %s", req.Actor, req.Kind)
	case 1:
		return mine[0], nil
	}
	ids := make([]string, len(mine))
	for i, t := range mine {
		ids[i] = fmt.Sprint(t.ID)
	}
	return Task{}, refuse("%s has %d open tasks on this letter (%s): say which with --task", req.Actor, len(mine), strings.Join(ids, ", "))
}

// existingAction returns the result of a request already applied (a retried request).
func (db *DB) existingAction(ctx context.Context, letterID, requestID string) (*ActionResult, error) {
	var r ActionResult
	var capacity string
	var payload []byte
	err := db.Pool.QueryRow(ctx, `SELECT id, kind, capacity, coalesce(unit_code, ''), payload FROM letter_actions WHERE letter_id = $1 AND request_id = $2`,
		letterID, requestID).Scan(&r.ActionID, &r.Kind, &capacity, &r.Unit, &payload)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if capacity != "" {
		r.Capacity = strings.Split(capacity, "\n")
	}
	var p struct {
		TaskIDs []int64 `json:"task_ids"`
	}
	_ = json.Unmarshal(payload, &p)
	r.TaskIDs, r.Replayed = p.TaskIDs, true
	rows, err := db.Pool.Query(ctx, `SELECT id FROM tasks WHERE action_id = $1 ORDER BY id`, r.ActionID)
	if err == nil {
		if ids, err := pgx.CollectRows(rows, pgx.RowTo[int64]); err == nil && len(ids) > 0 {
			r.TaskIDs = ids
		}
	}
	return &r, nil
}

// ApplyAction checks that the actor may take the action and records it: the timeline row, tasks,
// the register's การปฏิบัติ column, notifications and the audit row, in one transaction. A
// request id already applied returns the first result and changes nothing.
func (db *DB) ApplyAction(ctx context.Context, req ActionRequest) (ActionResult, error) {
	if req.RequestID == "" {
		return ActionResult{}, refuse("a request id is required")
	}
	if prev, err := db.existingAction(ctx, req.LetterID, req.RequestID); err != nil || prev != nil {
		if prev != nil {
			return *prev, nil
		}
		return ActionResult{}, err
	}
	st, err := db.letterState(ctx, req.LetterID)
	if err != nil {
		return ActionResult{}, err
	}
	if st.status == "closed" {
		return ActionResult{}, refuse("the letter is closed (filed): nothing more can be done on it")
	}
	if ok, err := db.MayViewLetter(ctx, req.Actor, req.LetterID); err != nil {
		return ActionResult{}, err
	} else if !ok {
		return ActionResult{}, fmt.Errorf("letter %s: %w", req.LetterID, ErrNotFound)
	}
	res := ActionResult{Kind: req.Kind}
	var task Task
	var authority Authority
	switch req.Kind {
	case ActAnnotate, ActOrder, ActForward, ActClose, ActDeadline:
		authority, err = db.authorize(ctx, req.Actor, powerFor(req.Kind), req.LetterID, req.At)
		if err != nil {
			return ActionResult{}, err
		}
		res.Capacity, res.Unit = authority.CapacityLines, authority.Unit
	case ActAck, ActReport, ActReturn, ActReassign:
		task, err = db.findTask(ctx, req)
		if err != nil {
			return ActionResult{}, err
		}
		if task.Status != "open" {
			return ActionResult{}, refuse("task %d is already %s", task.ID, task.Status)
		}
		ok, how, err := db.mayAnswer(ctx, req.Actor, task, req.At)
		if err != nil {
			return ActionResult{}, err
		}
		if !ok && !(req.Kind == ActReassign && task.AssignedBy == req.Actor) {
			return ActionResult{}, refuse("%s may not %s task %d: it is assigned to %s", req.Actor, req.Kind, task.ID, task.AssigneePerson+task.AssigneeUnit)
		}
		res.Capacity, res.Unit, err = db.capacityOf(ctx, req.Actor, task, how, req.At)
		if err != nil {
			return ActionResult{}, err
		}
	default:
		return ActionResult{}, refuse("unknown action %q", req.Kind)
	}
	if err := db.validateAction(ctx, req); err != nil {
		return ActionResult{}, err
	}
	err = db.Transact(ctx, func(tx pgx.Tx) error {
		payload := map[string]any{}
		switch req.Kind {
		case ActOrder, ActReassign:
			payload["assignees"] = req.Assignees
			payload["purpose"] = req.Purpose
			if req.Due != nil {
				payload["due"] = req.Due
			}
		case ActForward:
			payload["units"] = req.Units
			if req.Purpose != "" {
				payload["purpose"] = req.Purpose
			}
			if req.Due != nil {
				payload["due"] = req.Due
			}
		case ActClose:
			payload["retention"] = req.Retention
		case ActDeadline:
			payload["due"] = req.Due
			payload["clear"] = req.Clear
		}
		if task.ID != 0 {
			payload["task_id"] = task.ID
		}
		pb, _ := json.Marshal(payload)
		var unit *string
		if res.Unit != "" {
			unit = &res.Unit
		}
		if err := tx.QueryRow(ctx, `INSERT INTO letter_actions(letter_id, kind, actor, operator, capacity, unit_code, note, payload, request_id, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			req.LetterID, req.Kind, req.Actor, req.Operator, strings.Join(res.Capacity, "\n"), unit, req.Note, pb, req.RequestID, req.At).Scan(&res.ActionID); err != nil {
			return err
		}
		switch req.Kind {
		case ActOrder:
			ids, err := db.createTasks(ctx, tx, req, res.ActionID, st)
			if err != nil {
				return err
			}
			res.TaskIDs = ids
			if err := appendActionText(ctx, tx, req.LetterID, orderText(req)); err != nil {
				return err
			}
		case ActAck, ActReport, ActReturn:
			status := map[string]string{ActAck: "acknowledged", ActReport: "done", ActReturn: "returned"}[req.Kind]
			if _, err := tx.Exec(ctx, `UPDATE tasks SET status = $2, closed_at = $3 WHERE id = $1`, task.ID, status, req.At); err != nil {
				return err
			}
			if req.Kind == ActReport && req.Note != "" {
				if err := appendActionText(ctx, tx, req.LetterID, req.Note); err != nil {
					return err
				}
			}
			if req.Kind == ActReturn {
				if err := db.notifyPerson(ctx, tx, task.AssignedBy, req, "returned", fmt.Sprintf("task/%d/returned", task.ID), &task.ID,
					"งานถูกส่งคืน: "+st.subject, req.Note); err != nil {
					return err
				}
			}
		case ActReassign:
			if _, err := tx.Exec(ctx, `UPDATE tasks SET status = 'reassigned', closed_at = $2 WHERE id = $1`, task.ID, req.At); err != nil {
				return err
			}
			r2 := req
			if r2.Purpose == "" {
				r2.Purpose = task.Purpose
			}
			if r2.Due == nil {
				r2.Due = task.Due
			}
			ids, err := db.createTasks(ctx, tx, r2, res.ActionID, st)
			if err != nil {
				return err
			}
			res.TaskIDs = ids
		case ActClose:
			if _, err := tx.Exec(ctx, `UPDATE letters SET status = 'closed', closed_at = $2, retention_class = $3 WHERE id = $1`,
				req.LetterID, req.At, req.Retention); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE tasks SET status = 'cancelled', closed_at = $2 WHERE letter_id = $1 AND status = 'open'`, req.LetterID, req.At); err != nil {
				return err
			}
			res.Closed = true
		case ActDeadline:
			var due *time.Time
			if !req.Clear {
				due = req.Due
			}
			if _, err := tx.Exec(ctx, `UPDATE letters SET deadline = $2 WHERE id = $1`, req.LetterID, due); err != nil {
				return err
			}
		}
		if len(res.TaskIDs) > 0 {
			b, _ := json.Marshal(map[string]any{"task_ids": res.TaskIDs})
			if _, err := tx.Exec(ctx, `UPDATE letter_actions SET payload = payload || $2 WHERE id = $1`, res.ActionID, b); err != nil {
				return err
			}
		}
		actor := req.Actor
		if req.Operator != "" {
			actor = req.Operator + " as " + req.Actor
		}
		return Audit(ctx, tx, actor, strings.Join(res.Capacity, " "), "letter."+req.Kind, "letter", req.LetterID, map[string]any{
			"action_id": res.ActionID, "request_id": req.RequestID, "payload": payload,
		})
	})
	if err != nil {
		if IsUniqueViolation(err, "letter_actions_letter_id_request_id_key") {
			if prev, perr := db.existingAction(ctx, req.LetterID, req.RequestID); perr == nil && prev != nil {
				return *prev, nil
			}
		}
		return ActionResult{}, err
	}
	return res, nil
}

// capacityOf is the capacity in which a person answers a task: their position in the assigned
// unit (or above it), or the acting line when they act for the assignee.
func (db *DB) capacityOf(ctx context.Context, person string, t Task, how string, at time.Time) ([]string, string, error) {
	positions, err := db.PersonPositions(ctx, person)
	if err != nil {
		return nil, "", err
	}
	if len(positions) == 0 {
		return nil, "", refuse("%s holds no position", person)
	}
	pick := positions[0]
	unit := t.AssigneeUnit
	if unit == "" && t.AssigneePerson != "" {
		if ps, err := db.PersonPositions(ctx, t.AssigneePerson); err == nil && len(ps) > 0 {
			unit = ps[0].UnitCode
		}
	}
	if unit != "" {
		ups, _ := db.UnitAncestors(ctx, unit)
		for _, u := range ups {
			found := false
			for _, p := range positions {
				if p.UnitCode == u {
					pick, found = p, true
					break
				}
			}
			if found {
				break
			}
		}
	}
	if how == "acting" && unit != "" {
		if head, hp, err := db.UnitHead(ctx, unit); err == nil && head.ID != person {
			return []string{pick.Title + " รักษาราชการแทน", hp.Title}, unit, nil
		}
	}
	return []string{pick.Title}, pick.UnitCode, nil
}

func (db *DB) validateAction(ctx context.Context, req ActionRequest) error {
	switch req.Kind {
	case ActAnnotate, ActReport:
		if strings.TrimSpace(req.Note) == "" {
			return refuse("%s needs a note (--note)", req.Kind)
		}
	case ActOrder, ActReassign:
		if len(req.Assignees) == 0 {
			return refuse("say to whom (--to UNIT_OR_PERSON …)")
		}
		if req.Kind == ActOrder {
			if _, ok := Purposes[req.Purpose]; !ok {
				_, err := ParsePurpose(req.Purpose)
				return refuse("%v", err)
			}
		}
		for _, a := range req.Assignees {
			if a.Unit != "" {
				var ok bool
				if err := db.Pool.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM units WHERE code = $1)`, a.Unit).Scan(&ok); err != nil {
					return err
				}
				if !ok {
					return refuse("there is no unit %q (see `saraban org show`)", a.Unit)
				}
			}
			if a.Person != "" {
				if _, err := db.GetPerson(ctx, a.Person); err != nil {
					return refuse("there is no person %q (see `saraban org show`)", a.Person)
				}
			}
		}
	case ActForward:
		if len(req.Units) == 0 {
			return refuse("say which units receive copies (--to UNIT …)")
		}
		if req.Purpose != "" {
			if _, ok := Purposes[req.Purpose]; !ok {
				_, err := ParsePurpose(req.Purpose)
				return refuse("%v", err)
			}
		}
		for _, u := range req.Units {
			if _, err := db.ReceiveRegisterOf(ctx, u); err != nil {
				return refuse("%v", err)
			}
		}
	case ActDeadline:
		if !req.Clear && req.Due == nil {
			return refuse("give the new deadline (--due DATE) or remove it (--clear)")
		}
	}
	return nil
}

// ReceiveRegisterOf is the receive register of a unit (its central one first).
func (db *DB) ReceiveRegisterOf(ctx context.Context, unit string) (string, error) {
	var code string
	err := db.Pool.QueryRow(ctx, `SELECT code FROM registers WHERE unit_code = $1 AND kind = 'receive' ORDER BY central DESC, code LIMIT 1`, unit).Scan(&code)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("unit %q has no receive register: add one to the organisation file, or forward to its parent", unit)
	}
	return code, err
}

func orderText(req ActionRequest) string {
	var to []string
	for _, a := range req.Assignees {
		to = append(to, a.Unit+a.Person)
	}
	return Purposes[req.Purpose] + " " + strings.Join(to, ", ")
}

func appendActionText(ctx context.Context, tx pgx.Tx, letterID, text string) error {
	_, err := tx.Exec(ctx, `UPDATE register_entries SET action_text = CASE WHEN action_text = '' THEN $2 ELSE action_text || '; ' || $2 END
		WHERE letter_id = $1 AND status = 'active'`, letterID, text)
	return err
}

func (db *DB) createTasks(ctx context.Context, tx pgx.Tx, req ActionRequest, actionID int64, st letterState) ([]int64, error) {
	var ids []int64
	for _, a := range req.Assignees {
		var unit, person *string
		if a.Unit != "" {
			unit = &a.Unit
		}
		if a.Person != "" {
			person = &a.Person
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO tasks(letter_id, action_id, assignee_unit, assignee_person, purpose, due_at, assigned_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, req.LetterID, actionID, unit, person, req.Purpose, req.Due, req.Actor, req.At).Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
		// Who is told: the person, or the head of the unit; whoever acts for them that day.
		to := a.Person
		if to == "" {
			head, _, err := db.UnitHead(ctx, a.Unit)
			if err != nil {
				continue // a unit with no head: its members see the task in their inbox
			}
			to = head.ID
		}
		title := fmt.Sprintf("%s: %s", Purposes[req.Purpose], st.subject)
		if err := db.notifyPerson(ctx, tx, to, req, "task", fmt.Sprintf("task/%d/assigned", id), &id, title, req.Note); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// notifyPerson writes an inbox notification for a person, or for whoever acts for them today.
func (db *DB) notifyPerson(ctx context.Context, tx pgx.Tx, person string, req ActionRequest, kind, key string, taskID *int64, title, body string) error {
	if sub, ok, err := db.ActingFor(ctx, person, req.At); err == nil && ok {
		person = sub
	}
	letter := req.LetterID
	_, _, err := AddNotification(ctx, tx, NewNotification{PersonID: person, LetterID: &letter, TaskID: taskID, Kind: kind, EventKey: key, Title: title, Body: body})
	return err
}

// TimelineItem is one line of a letter's timeline.
type TimelineItem struct {
	At       time.Time      `json:"at"`
	Kind     string         `json:"kind"` // receipt, stamp, annotate, order, …
	Actor    string         `json:"actor"`
	Operator string         `json:"operator,omitempty"`
	Capacity []string       `json:"capacity,omitempty"`
	Unit     string         `json:"unit,omitempty"`
	Note     string         `json:"note,omitempty"`
	Detail   map[string]any `json:"detail,omitempty"`
}

// Timeline lists everything that happened to a letter, in time order.
func (db *DB) Timeline(ctx context.Context, letterID string) ([]TimelineItem, error) {
	l, err := db.GetLetter(ctx, letterID)
	if err != nil {
		return nil, err
	}
	var items []TimelineItem
	for _, e := range l.Entries {
		items = append(items, TimelineItem{At: e.ReceivedAt, Kind: "receipt", Actor: e.ReceivedBy, Capacity: nonEmpty(e.Capacity),
			Detail: map[string]any{"register": e.Register, "year": e.Year, "number": e.Number, "unit_name": e.UnitName}})
	}
	for _, r := range l.Revisions {
		if r.Kind == "stamped" {
			items = append(items, TimelineItem{At: r.CreatedAt, Kind: "stamp", Actor: "system", Detail: map[string]any{"revision": r.Seq, "sha256": r.SHA256}})
		}
	}
	rows, err := db.Pool.Query(ctx, `SELECT at, kind, actor, operator, capacity, coalesce(unit_code, ''), note, payload FROM letter_actions WHERE letter_id = $1 ORDER BY id`, l.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var it TimelineItem
		var capacity string
		var payload []byte
		if err := rows.Scan(&it.At, &it.Kind, &it.Actor, &it.Operator, &capacity, &it.Unit, &it.Note, &payload); err != nil {
			return nil, err
		}
		it.At = it.At.In(bangkok)
		if capacity != "" {
			it.Capacity = strings.Split(capacity, "\n")
		}
		_ = json.Unmarshal(payload, &it.Detail)
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].At.Before(items[j].At) })
	return items, nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// LineageNode is a letter in a forwarding tree.
type LineageNode struct {
	LetterID string         `json:"letter_id"`
	Unit     string         `json:"unit"`
	Register string         `json:"register"`
	Year     int            `json:"year"`
	Number   int            `json:"number"`
	Subject  string         `json:"subject"`
	Copies   []*LineageNode `json:"copies,omitempty"`
}

// Lineage is where a letter came from and where its copies went.
type Lineage struct {
	Sources []LineageNode `json:"sources"` // the letter it is a copy of, then that one's source, …
	Letter  *LineageNode  `json:"letter"`  // this letter with its copies, recursively
}

func (db *DB) node(ctx context.Context, id string) (*LineageNode, *string, error) {
	n := &LineageNode{LetterID: id}
	var src *string
	err := db.Pool.QueryRow(ctx, `SELECT l.subject, l.source_letter_id::text, coalesce(g.unit_code, ''), coalesce(e.register_code, ''), coalesce(e.year, 0), coalesce(e.number, 0)
		FROM letters l LEFT JOIN LATERAL (SELECT * FROM register_entries WHERE letter_id = l.id ORDER BY id LIMIT 1) e ON true
		LEFT JOIN registers g ON g.code = e.register_code WHERE l.id::text = $1`, id).Scan(&n.Subject, &src, &n.Unit, &n.Register, &n.Year, &n.Number)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, fmt.Errorf("letter %s: %w", id, ErrNotFound)
	}
	return n, src, err
}

// LetterLineage follows source links up and copy links down.
func (db *DB) LetterLineage(ctx context.Context, id string) (Lineage, error) {
	var lin Lineage
	n, src, err := db.node(ctx, id)
	if err != nil {
		return lin, err
	}
	lin.Letter = n
	for depth := 0; src != nil && depth < 32; depth++ {
		s, next, err := db.node(ctx, *src)
		if err != nil {
			return lin, err
		}
		lin.Sources = append(lin.Sources, *s)
		src = next
	}
	var down func(n *LineageNode, depth int) error
	down = func(n *LineageNode, depth int) error {
		if depth > 32 {
			return nil
		}
		rows, err := db.Pool.Query(ctx, `SELECT id::text FROM letters WHERE source_letter_id::text = $1 ORDER BY created_at, id`, n.LetterID)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, cid := range ids {
			c, _, err := db.node(ctx, cid)
			if err != nil {
				return err
			}
			if err := down(c, depth+1); err != nil {
				return err
			}
			n.Copies = append(n.Copies, c)
		}
		return nil
	}
	return lin, down(n, 0)
}
