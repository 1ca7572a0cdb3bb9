package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// Stand-ins with the activities' signatures; the test environment replaces their results.
func stampReceipt(ctx context.Context, in StampReceiptInput) (StampReceiptResult, error) {
	return StampReceiptResult{}, errors.New("not mocked")
}
func recordStage(ctx context.Context, in RecordStageInput) error { return errors.New("not mocked") }
func applyAction(ctx context.Context, in ApplyActionInput) (ActionResult, error) {
	return ActionResult{}, errors.New("not mocked")
}
func forwardCopies(ctx context.Context, in ForwardCopiesInput) (ForwardCopiesResult, error) {
	return ForwardCopiesResult{}, errors.New("not mocked")
}
func planReminders(ctx context.Context, in PlanRemindersInput) (PlanRemindersResult, error) {
	return PlanRemindersResult{}, errors.New("not mocked")
}
func sendReminder(ctx context.Context, in SendReminderInput) error { return errors.New("not mocked") }
func readLetter(ctx context.Context, in ReadLetterInput) (ReadLetterResult, error) {
	return ReadLetterResult{}, errors.New("not mocked")
}

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(IncomingLetter, workflow.RegisterOptions{Name: IncomingLetterName})
	env.RegisterActivityWithOptions(stampReceipt, activity.RegisterOptions{Name: ActivityStampReceipt})
	env.RegisterActivityWithOptions(recordStage, activity.RegisterOptions{Name: ActivityRecordStage})
	env.RegisterActivityWithOptions(applyAction, activity.RegisterOptions{Name: ActivityApplyAction})
	env.RegisterActivityWithOptions(forwardCopies, activity.RegisterOptions{Name: ActivityForwardCopies})
	env.RegisterActivityWithOptions(planReminders, activity.RegisterOptions{Name: ActivityPlanReminders})
	env.RegisterActivityWithOptions(sendReminder, activity.RegisterOptions{Name: ActivitySendReminder})
	env.RegisterActivityWithOptions(readLetter, activity.RegisterOptions{Name: ActivityReadLetter})
	return env
}

// noDeadlines makes PlanReminders answer an empty plan (tests about something else).
func noDeadlines(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(ActivityPlanReminders, mock.Anything, mock.Anything).Return(PlanRemindersResult{}, nil)
}

func queryState(t *testing.T, env *testsuite.TestWorkflowEnvironment) IncomingLetterState {
	t.Helper()
	v, err := env.QueryWorkflow(QueryState)
	if err != nil {
		t.Fatal(err)
	}
	var s IncomingLetterState
	if err := v.Get(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestIncomingLetterStampsEachReceiptOnceInOrder(t *testing.T) {
	env := newEnv(t)
	noDeadlines(env)
	var stamped []int64
	env.OnActivity(ActivityStampReceipt, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in StampReceiptInput) (StampReceiptResult, error) {
			stamped = append(stamped, in.EntryID)
			return StampReceiptResult{Seq: len(stamped) + 1, SHA256: "x"}, nil
		})
	stages := 0
	env.OnActivity(ActivityRecordStage, mock.Anything, RecordStageInput{LetterID: "L1", Stage: StageRegistered}).Return(
		func(context.Context, RecordStageInput) error { stages++; return nil })

	// The first receipt arrives with the start (signal-with-start), a second register receives
	// the letter an hour later, and the dispatcher redelivers the first signal after a crash.
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalReceipt, ReceiptSignal{EntryID: 11}) }, 0)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalReceipt, ReceiptSignal{EntryID: 12})
		env.SignalWorkflow(SignalReceipt, ReceiptSignal{EntryID: 11})
	}, time.Hour)
	env.RegisterDelayedCallback(func() {
		s := queryState(t, env)
		if s.Stage != StageRegistered || len(s.Stamped) != 2 || s.Pending != 0 {
			t.Errorf("state after two receipts = %+v", s)
		}
		env.CancelWorkflow()
	}, 2*time.Hour)
	env.ExecuteWorkflow(IncomingLetterName, IncomingLetterInput{LetterID: "L1"})

	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not end after cancel")
	}
	if got := stamped; len(got) != 2 || got[0] != 11 || got[1] != 12 {
		t.Fatalf("stamped entries = %v, want [11 12]", got)
	}
	if stages != 1 {
		t.Fatalf("stage recorded %d times, want once", stages)
	}
}

func TestIncomingLetterKeepsWaitingWhenAStampCannotBeDrawn(t *testing.T) {
	env := newEnv(t)
	noDeadlines(env)
	env.OnActivity(ActivityStampReceipt, mock.Anything, StampReceiptInput{EntryID: 1}).Return(
		StampReceiptResult{}, temporal.NewNonRetryableApplicationError("unreadable", "BadDocument", nil))
	env.OnActivity(ActivityStampReceipt, mock.Anything, StampReceiptInput{EntryID: 2}).Return(
		StampReceiptResult{Seq: 2}, nil)
	env.OnActivity(ActivityRecordStage, mock.Anything, mock.Anything).Return(nil)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalReceipt, ReceiptSignal{EntryID: 1}) }, 0)
	env.RegisterDelayedCallback(func() {
		if s := queryState(t, env); s.Stage == StageRegistered || len(s.Stamped) != 0 {
			t.Errorf("after a failed stamp: %+v", s)
		}
		env.SignalWorkflow(SignalReceipt, ReceiptSignal{EntryID: 2})
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		if s := queryState(t, env); s.Stage != StageRegistered || len(s.Stamped) != 1 || s.Stamped[0] != 2 {
			t.Errorf("after the second receipt: %+v", s)
		}
		env.CancelWorkflow()
	}, 2*time.Minute)
	env.ExecuteWorkflow(IncomingLetterName, IncomingLetterInput{LetterID: "L2"})
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not end")
	}
}

func TestIncomingLetterRetriesAStampUntilTheStoreReturns(t *testing.T) {
	env := newEnv(t)
	noDeadlines(env)
	calls := 0
	env.OnActivity(ActivityStampReceipt, mock.Anything, mock.Anything).Return(
		func(context.Context, StampReceiptInput) (StampReceiptResult, error) {
			calls++
			if calls < 5 {
				return StampReceiptResult{}, errors.New("object store down")
			}
			return StampReceiptResult{Seq: 2}, nil
		})
	env.OnActivity(ActivityRecordStage, mock.Anything, mock.Anything).Return(nil)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalReceipt, ReceiptSignal{EntryID: 7}) }, 0)
	env.RegisterDelayedCallback(func() {
		if s := queryState(t, env); len(s.Stamped) != 1 {
			t.Errorf("stamp not drawn after the store returned: %+v (calls %d)", s, calls)
		}
		env.CancelWorkflow()
	}, time.Hour)
	env.ExecuteWorkflow(IncomingLetterName, IncomingLetterInput{LetterID: "L3"})
	if calls != 5 {
		t.Fatalf("stamp attempts = %d, want 5", calls)
	}
}
