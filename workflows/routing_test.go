package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

var t0 = time.Date(2024, 10, 9, 11, 56, 0, 0, time.FixedZone("Asia/Bangkok", 7*3600))

// planner is a fake PlanReminders: it plans from a due date that the test moves, like the real
// activity does from Postgres, and drops what is at or before the cursor.
type planner struct {
	due    *time.Time
	offset []time.Duration // event times relative to due
	kinds  []string
	calls  int
}

func (p *planner) plan(_ context.Context, in PlanRemindersInput) (PlanRemindersResult, error) {
	p.calls++
	var out PlanRemindersResult
	if p.due == nil {
		return out, nil
	}
	for i, off := range p.offset {
		at := p.due.Add(off)
		if at.After(in.After) {
			out.Events = append(out.Events, ReminderEvent{Key: p.kinds[i] + "@" + at.Format(time.RFC3339), Kind: p.kinds[i], At: at, Due: *p.due})
		}
	}
	return out, nil
}

type sentLog struct {
	at   []time.Time
	keys []string
}

func routingEnv(t *testing.T, p *planner, sent *sentLog) *testsuite.TestWorkflowEnvironment {
	env := newEnv(t)
	env.SetStartTime(t0)
	env.OnActivity(ActivityPlanReminders, mock.Anything, mock.Anything).Return(p.plan)
	env.OnActivity(ActivitySendReminder, mock.Anything, mock.Anything).Return(func(ctx context.Context, in SendReminderInput) error {
		sent.at = append(sent.at, env.Now())
		sent.keys = append(sent.keys, in.Event.Key)
		return nil
	})
	env.OnActivity(ActivityRecordStage, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(ActivityStampReceipt, mock.Anything, mock.Anything).Return(StampReceiptResult{Seq: 2}, nil)
	return env
}

func update(env *testsuite.TestWorkflowEnvironment, a Action, check func(ActionResult, error)) {
	env.UpdateWorkflow(UpdateAction, a.RequestID, &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { check(ActionResult{}, err) },
		OnComplete: func(v interface{}, err error) {
			r, _ := v.(ActionResult)
			check(r, err)
		},
	}, a)
}

func TestRemindersFireBeforeOnAndAfterTheDueDate(t *testing.T) {
	due := t0.Add(10 * 24 * time.Hour)
	p := &planner{due: &due, offset: []time.Duration{-72 * time.Hour, -24 * time.Hour, 0, 48 * time.Hour, 96 * time.Hour},
		kinds: []string{"reminder", "reminder", "due", "escalation", "escalation"}}
	sent := &sentLog{}
	env := routingEnv(t, p, sent)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 20*24*time.Hour)
	env.ExecuteWorkflow(IncomingLetterName, IncomingLetterInput{LetterID: "L"})
	if len(sent.at) != 5 {
		t.Fatalf("sent %d events (%v), want 5", len(sent.at), sent.keys)
	}
	for i, off := range p.offset {
		if want := due.Add(off); !sent.at[i].Equal(want) {
			t.Errorf("event %d sent at %s, want %s", i, sent.at[i], want)
		}
	}
	// After the last planned escalation the workflow asks for the next ones.
	if p.calls < 2 {
		t.Errorf("plan asked %d times; the escalations must be re-planned when used up", p.calls)
	}
}

func TestMovingRemovingAndFinishingReArmTheTimers(t *testing.T) {
	due := t0.Add(10 * 24 * time.Hour)
	p := &planner{due: &due, offset: []time.Duration{-24 * time.Hour, 0}, kinds: []string{"reminder", "due"}}
	sent := &sentLog{}
	env := routingEnv(t, p, sent)
	env.OnActivity(ActivityApplyAction, mock.Anything, mock.Anything).Return(func(_ context.Context, in ApplyActionInput) (ActionResult, error) {
		switch {
		case in.Action.Kind == "deadline" && in.Action.Clear:
			p.due = nil
		case in.Action.Kind == "deadline":
			d := *in.Action.Due
			p.due = &d
		case in.Action.Kind == "report":
			p.due = nil // the work is done: nothing left to remind
		}
		return ActionResult{ActionID: 1, Kind: in.Action.Kind}, nil
	})
	later := t0.Add(20 * 24 * time.Hour)
	// Day 2: the deadline moves ten days later; its old reminder (day 9) must not fire.
	env.RegisterDelayedCallback(func() {
		update(env, Action{Kind: "deadline", Actor: "sujit", RequestID: "r1", Due: &later}, func(_ ActionResult, err error) {
			if err != nil {
				t.Errorf("move: %v", err)
			}
		})
	}, 2*24*time.Hour)
	// Day 19: the reminder for the new date (day 19) has fired; then the deadline is removed.
	env.RegisterDelayedCallback(func() {
		update(env, Action{Kind: "deadline", Actor: "sujit", RequestID: "r2", Clear: true}, func(_ ActionResult, err error) {
			if err != nil {
				t.Errorf("remove: %v", err)
			}
		})
	}, 19*24*time.Hour+time.Hour)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 40*24*time.Hour)
	env.ExecuteWorkflow(IncomingLetterName, IncomingLetterInput{LetterID: "L"})
	if len(sent.at) != 1 || !sent.at[0].Equal(later.Add(-24*time.Hour)) {
		t.Fatalf("sent %v at %v; want only the reminder one day before the moved date", sent.keys, sent.at)
	}
}

func TestWorkFinishedBeforeTheDueDateSendsNothing(t *testing.T) {
	due := t0.Add(5 * 24 * time.Hour)
	p := &planner{due: &due, offset: []time.Duration{-24 * time.Hour, 0, 48 * time.Hour}, kinds: []string{"reminder", "due", "escalation"}}
	sent := &sentLog{}
	env := routingEnv(t, p, sent)
	env.OnActivity(ActivityApplyAction, mock.Anything, mock.Anything).Return(func(_ context.Context, in ApplyActionInput) (ActionResult, error) {
		p.due = nil
		return ActionResult{ActionID: 7, Kind: in.Action.Kind}, nil
	})
	env.RegisterDelayedCallback(func() {
		update(env, Action{Kind: "report", Actor: "hatyai-head", RequestID: "r", Note: "ดำเนินการแล้ว"}, func(_ ActionResult, err error) {
			if err != nil {
				t.Errorf("report: %v", err)
			}
		})
	}, 24*time.Hour)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 30*24*time.Hour)
	env.ExecuteWorkflow(IncomingLetterName, IncomingLetterInput{LetterID: "L"})
	if len(sent.at) != 0 {
		t.Fatalf("sent %v after the work was finished", sent.keys)
	}
}

func TestForwardMakesCopiesAndCloseEndsTheWorkflow(t *testing.T) {
	p := &planner{}
	env := routingEnv(t, p, &sentLog{})
	var applied []ApplyActionInput
	env.OnActivity(ActivityApplyAction, mock.Anything, mock.Anything).Return(func(_ context.Context, in ApplyActionInput) (ActionResult, error) {
		applied = append(applied, in)
		if in.Action.Actor == "clerk" && in.Action.Kind == "close" {
			return ActionResult{}, temporal.NewNonRetryableApplicationError("clerk may not close", ErrRefused, nil)
		}
		return ActionResult{ActionID: int64(len(applied)), Kind: in.Action.Kind, Closed: in.Action.Kind == "close"}, nil
	})
	var forwarded []int64
	env.OnActivity(ActivityForwardCopies, mock.Anything, mock.Anything).Return(func(_ context.Context, in ForwardCopiesInput) (ForwardCopiesResult, error) {
		forwarded = append(forwarded, in.ActionID)
		return ForwardCopiesResult{Created: 4}, nil
	})
	var refusal, afterClose error
	env.RegisterDelayedCallback(func() {
		update(env, Action{Kind: "forward", Actor: "netanong", RequestID: "f1", Units: []string{"a", "b"}}, func(r ActionResult, err error) {
			if err != nil || r.ActionID != 1 {
				t.Errorf("forward: %+v %v", r, err)
			}
		})
	}, time.Hour)
	env.RegisterDelayedCallback(func() {
		update(env, Action{Kind: "close", Actor: "clerk", RequestID: "c0"}, func(_ ActionResult, err error) { refusal = err })
	}, 2*time.Hour)
	env.RegisterDelayedCallback(func() {
		update(env, Action{Kind: "close", Actor: "sujit", RequestID: "c1", Retention: "10y"}, func(_ ActionResult, err error) {
			if err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}, 3*time.Hour)
	env.RegisterDelayedCallback(func() {
		update(env, Action{Kind: "annotate", Actor: "sujit", RequestID: "a9", Note: "x"}, func(_ ActionResult, err error) { afterClose = err })
	}, 4*time.Hour)
	env.ExecuteWorkflow(IncomingLetterName, IncomingLetterInput{LetterID: "L"})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow should end after close: completed=%v err=%v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	if len(forwarded) != 1 || forwarded[0] != 1 {
		t.Errorf("forward copies for %v, want action 1", forwarded)
	}
	var ae *temporal.ApplicationError
	if !errors.As(refusal, &ae) || ae.Type() != ErrRefused {
		t.Errorf("a refused close: %v", refusal)
	}
	if len(applied) < 3 || applied[0].At.IsZero() {
		t.Errorf("actions applied: %+v", applied)
	}
	_ = afterClose // the workflow may have ended before it: either way nothing was applied after close
	for _, a := range applied {
		if a.Action.RequestID == "a9" {
			t.Errorf("an action was applied after the letter was closed")
		}
	}
}

func TestAReceiptAskingForReadingReadsOnceAfterTheStamp(t *testing.T) {
	env := newEnv(t)
	noDeadlines(env)
	env.OnActivity(ActivityRecordStage, mock.Anything, mock.Anything).Return(nil)
	var order []string
	env.OnActivity(ActivityStampReceipt, mock.Anything, mock.Anything).Return(func(context.Context, StampReceiptInput) (StampReceiptResult, error) {
		order = append(order, "stamp")
		return StampReceiptResult{Seq: 2}, nil
	})
	env.OnActivity(ActivityReadLetter, mock.Anything, ReadLetterInput{LetterID: "L"}).Return(func(context.Context, ReadLetterInput) (ReadLetterResult, error) {
		order = append(order, "read")
		return ReadLetterResult{State: "done", Filled: []string{"doc_date"}}, nil
	})
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalReceipt, ReceiptSignal{EntryID: 1, Read: true}) }, 0)
	// A redelivered signal (the dispatcher after a crash) reads nothing twice.
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalReceipt, ReceiptSignal{EntryID: 1, Read: true}) }, time.Minute)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, time.Hour)
	env.ExecuteWorkflow(IncomingLetterName, IncomingLetterInput{LetterID: "L"})
	if strings.Join(order, ",") != "stamp,read" {
		t.Fatalf("activities ran as %v, want the stamp then one reading", order)
	}
}
