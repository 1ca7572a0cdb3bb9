package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Names of the routing part of IncomingLetter (issue 3).
const (
	// UpdateAction is the update that carries every routing action on a letter.
	UpdateAction = "action"

	ActivityApplyAction    = "ApplyAction"
	ActivityForwardCopies  = "ForwardCopies"
	ActivityPlanReminders  = "PlanReminders"
	ActivitySendReminder   = "SendReminder"
	ActivityReadLetter     = "ReadLetter"
	versionReading         = "background-reading"
	versionRouting         = "routing"
	StageClosed            = "closed"
	maxRemindersPerHistory = 2000
)

// Action is one routing action as a client sends it (docs/routing.md). The workflow adds the
// time; the ApplyAction activity checks and records it.
type Action struct {
	Kind      string     `json:"kind"`
	Actor     string     `json:"actor"`
	Operator  string     `json:"operator,omitempty"`
	RequestID string     `json:"request_id"`
	Note      string     `json:"note,omitempty"`
	Assignees []Assignee `json:"assignees,omitempty"`
	Purpose   string     `json:"purpose,omitempty"`
	Due       *time.Time `json:"due,omitempty"`
	Clear     bool       `json:"clear,omitempty"`
	TaskID    int64      `json:"task_id,omitempty"`
	Units     []string   `json:"units,omitempty"`
	Retention string     `json:"retention,omitempty"`
}

// Assignee is a unit or a person.
type Assignee struct {
	Unit   string `json:"unit,omitempty"`
	Person string `json:"person,omitempty"`
}

// ApplyActionInput is an action with the letter and the workflow's time.
type ApplyActionInput struct {
	LetterID string
	Action   Action
	At       time.Time
}

// ActionResult is what the action did.
type ActionResult struct {
	ActionID int64    `json:"action_id"`
	Kind     string   `json:"kind"`
	Capacity []string `json:"capacity"`
	Unit     string   `json:"unit"`
	TaskIDs  []int64  `json:"task_ids,omitempty"`
	Replayed bool     `json:"replayed,omitempty"`
	Closed   bool     `json:"closed,omitempty"`
}

// ForwardCopiesInput asks for the copies of one forward action.
type ForwardCopiesInput struct {
	ActionID int64
}

// ForwardCopiesResult counts the copies.
type ForwardCopiesResult struct {
	Created int
	Existed int
}

// PlanRemindersInput asks for the reminder events of a letter after a time.
type PlanRemindersInput struct {
	LetterID string
	After    time.Time
}

// ReminderEvent is one reminder, due notice or escalation to send.
type ReminderEvent struct {
	Key    string
	Kind   string
	At     time.Time
	DueKey string // letter/<id> or task/<id>
	Due    time.Time
	TaskID int64
	Seq    int
}

// PlanRemindersResult is the plan: events after the cursor, in time order.
type PlanRemindersResult struct {
	Events []ReminderEvent
}

// SendReminderInput sends one event.
type SendReminderInput struct {
	LetterID string
	Event    ReminderEvent
}

// ErrRefused is the error type of an action the activity refused (permission, bad request).
const ErrRefused = "Refused"

// routing is the part of the workflow state that the routing version adds.
type routing struct {
	mu        workflow.Mutex
	forwards  []int64
	needPlan  bool
	closed    bool
	events    []ReminderEvent
	cursor    time.Time
	sent      int
	inflight  int
	lastError string
	readAsked bool // a receipt asked for the letter to be read (OCR) off the request path
	readDone  bool
}

// ReadLetterInput asks for a letter to be read by OCR.
type ReadLetterInput struct {
	LetterID string
}

// ReadLetterResult says which fields the reading filled.
type ReadLetterResult struct {
	Filled []string
	State  string // done or failed
}

func (w *incoming) setupRouting(ctx workflow.Context) error {
	w.r = &routing{mu: workflow.NewMutex(ctx), needPlan: true, cursor: workflow.Now(ctx)}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateAction, w.handleAction, workflow.UpdateHandlerOptions{
		Validator: func(ctx workflow.Context, a Action) error {
			if w.r.closed {
				return errors.New("the letter is closed (filed): nothing more can be done on it")
			}
			if a.Actor == "" || a.RequestID == "" {
				return errors.New("an action needs the person who acts and a request id")
			}
			switch a.Kind {
			case "annotate", "order", "ack", "report", "return", "reassign", "forward", "close", "deadline":
			default:
				return errors.New("unknown action " + a.Kind + ": annotate, order, ack, report, return, reassign, forward, close or deadline")
			}
			return nil
		},
	})
}

// handleAction runs one action, one at a time per letter.
func (w *incoming) handleAction(ctx workflow.Context, a Action) (ActionResult, error) {
	if err := w.r.mu.Lock(ctx); err != nil {
		return ActionResult{}, err
	}
	defer w.r.mu.Unlock()
	w.r.inflight++
	defer func() { w.r.inflight-- }()
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 10 * time.Second,
			MaximumAttempts: 10, NonRetryableErrorTypes: []string{ErrRefused, "NotFound"}},
	})
	var res ActionResult
	err := workflow.ExecuteActivity(actx, ActivityApplyAction, ApplyActionInput{LetterID: w.state.LetterID, Action: a, At: workflow.Now(ctx)}).Get(ctx, &res)
	if err != nil {
		return ActionResult{}, err
	}
	if res.Replayed {
		return res, nil
	}
	switch a.Kind {
	case "forward":
		w.r.forwards = append(w.r.forwards, res.ActionID)
	case "close":
		w.r.closed = true
		w.state.Stage = StageClosed
	}
	w.r.needPlan = true
	return res, nil
}

// runRouting is the main loop of the routing version: stamp receipts, make forwarded copies,
// keep the reminder plan current and send each event when its time comes, until the letter is
// closed and nothing is left to do.
func (w *incoming) runRouting(ctx workflow.Context) error {
	receipts := workflow.GetSignalChannel(ctx, SignalReceipt)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var sig ReceiptSignal
			if !receipts.Receive(ctx, &sig) {
				return
			}
			if sig.Read {
				w.r.readAsked = true
			}
			w.enqueue(sig.EntryID)
		}
	})
	long := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,
		HeartbeatTimeout:    20 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute, NonRetryableErrorTypes: []string{"NotFound"}},
	})
	// Planning and sending give up after a while (the error is kept in the state and the plan
	// is made again after the next action) rather than block the letter's other work.
	short := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute, MaximumAttempts: 20},
	})
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch {
		case len(w.queue) > 0:
			w.stampNext(ctx)
			continue
		case w.r.readAsked && !w.r.readDone && len(w.state.Stamped) > 0:
			// Read after the stamp, so the clerk sees the number at once and the fields later.
			w.r.readDone = true
			if workflow.GetVersion(ctx, versionReading, workflow.DefaultVersion, 1) == 1 {
				read := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
					StartToCloseTimeout: 15 * time.Minute,
					HeartbeatTimeout:    time.Minute,
					RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumInterval: time.Minute, MaximumAttempts: 5},
				})
				var res ReadLetterResult
				if err := workflow.ExecuteActivity(read, ActivityReadLetter, ReadLetterInput{LetterID: w.state.LetterID}).Get(ctx, &res); err != nil {
					w.r.lastError = err.Error()
				}
			}
			continue
		case len(w.r.forwards) > 0:
			id := w.r.forwards[0]
			var res ForwardCopiesResult
			if err := workflow.ExecuteActivity(long, ActivityForwardCopies, ForwardCopiesInput{ActionID: id}).Get(ctx, &res); err != nil {
				workflow.GetLogger(ctx).Error("forward copies failed", "action", id, "error", err)
				w.r.lastError = err.Error()
			}
			w.r.forwards = w.r.forwards[1:]
			continue
		case w.r.needPlan:
			w.r.needPlan = false
			var plan PlanRemindersResult
			if err := workflow.ExecuteActivity(short, ActivityPlanReminders, PlanRemindersInput{LetterID: w.state.LetterID, After: w.r.cursor}).Get(ctx, &plan); err != nil {
				w.r.lastError = err.Error()
				w.r.events = nil
			} else {
				w.r.events = plan.Events
			}
			continue
		}
		if w.r.closed && w.r.inflight == 0 && workflow.AllHandlersFinished(ctx) {
			if err := workflow.ExecuteActivity(short, ActivityRecordStage, RecordStageInput{LetterID: w.state.LetterID, Stage: StageClosed}).Get(ctx, nil); err != nil {
				return err
			}
			return nil
		}
		wake := func() bool {
			return len(w.queue) > 0 || len(w.r.forwards) > 0 || w.r.needPlan || (w.r.closed && w.r.inflight == 0) ||
				(w.r.readAsked && !w.r.readDone && len(w.state.Stamped) > 0)
		}
		if len(w.r.events) == 0 {
			if err := workflow.Await(ctx, wake); err != nil {
				return err
			}
			continue
		}
		next := w.r.events[0]
		d := next.At.Sub(workflow.Now(ctx))
		if d > 0 {
			woke, err := workflow.AwaitWithTimeout(ctx, d, wake)
			if err != nil {
				return err
			}
			if woke {
				continue
			}
		}
		// Send every event whose time has come, in order.
		now := workflow.Now(ctx)
		for len(w.r.events) > 0 && !w.r.events[0].At.After(now) {
			ev := w.r.events[0]
			if err := workflow.ExecuteActivity(short, ActivitySendReminder, SendReminderInput{LetterID: w.state.LetterID, Event: ev}).Get(ctx, nil); err != nil {
				w.r.lastError = err.Error()
			}
			w.r.events = w.r.events[1:]
			w.r.cursor = ev.At
			w.r.sent++
		}
		if len(w.r.events) == 0 {
			w.r.needPlan = true // escalations repeat: plan the next ones
		}
	}
}

// stampNext draws the stamp of the first queued receipt.
func (w *incoming) stampNext(ctx workflow.Context) {
	entry := w.queue[0]
	var res StampReceiptResult
	err := workflow.ExecuteActivity(w.stampCtx(ctx), ActivityStampReceipt, StampReceiptInput{EntryID: entry}).Get(ctx, &res)
	w.queue = w.queue[1:]
	if err != nil {
		workflow.GetLogger(ctx).Error("receive stamp not drawn", "entry", entry, "error", err)
		return
	}
	w.state.Stamped = append(w.state.Stamped, entry)
	if w.state.Stage != StageRegistered && w.state.Stage != StageClosed {
		if err := workflow.ExecuteActivity(w.stampCtx(ctx), ActivityRecordStage,
			RecordStageInput{LetterID: w.state.LetterID, Stage: StageRegistered}).Get(ctx, nil); err == nil {
			w.state.Stage = StageRegistered
		}
	}
}
