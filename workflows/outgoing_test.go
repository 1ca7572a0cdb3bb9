package workflows

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// fakeOutgoing stands in for the outgoing activities: it records the steps and hands out numbers
// the way the send register does (one per letter, a retry gets the same).
type fakeOutgoing struct {
	steps      []string
	numbers    map[string]int
	last       int
	numberCall int
	failFirst  bool // NumberOutgoing fails once after taking the number
	signers    map[string][]string
	signedBy   string
	dispatched int
}

func (f *fakeOutgoing) record(_ context.Context, in RecordOutgoingStepInput) error {
	f.steps = append(f.steps, in.Action.Kind+":"+in.Action.Actor+":"+in.Status)
	return nil
}

func (f *fakeOutgoing) authorize(_ context.Context, in AuthorizeSignerInput) (SignerAuthority, error) {
	c, ok := f.signers[in.Person]
	if !ok {
		return SignerAuthority{}, temporal.NewNonRetryableApplicationError(in.Person+" may not sign for this unit", ErrRefused, nil)
	}
	return SignerAuthority{Person: in.Person, Name: "name of " + in.Person, Capacity: c}, nil
}

func (f *fakeOutgoing) number(_ context.Context, in NumberOutgoingInput) (NumberOutgoingResult, error) {
	f.numberCall++
	n, ok := f.numbers[in.OutgoingID]
	if !ok {
		f.last++
		n = f.last
		f.numbers[in.OutgoingID] = n
	}
	if f.failFirst && f.numberCall == 1 {
		return NumberOutgoingResult{}, errors.New("object store down")
	}
	return NumberOutgoingResult{DocNumber: "สข 0020/" + itoa(n), Number: n, Year: 2569, Seq: 2}, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

func (f *fakeOutgoing) sign(_ context.Context, in SignOutgoingInput) (SignOutgoingResult, error) {
	f.signedBy = in.Signer.Person
	return SignOutgoingResult{Seq: 3, SHA256: "signed-sha"}, nil
}

func (f *fakeOutgoing) dispatch(_ context.Context, in DispatchOutgoingInput) (DispatchOutgoingResult, error) {
	f.dispatched++
	return DispatchOutgoingResult{Units: 3}, nil
}

func outgoingEnv(t *testing.T, f *fakeOutgoing) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	env.RegisterWorkflowWithOptions(OutgoingLetter, workflow.RegisterOptions{Name: OutgoingLetterName})
	env.RegisterActivityWithOptions(f.record, activity.RegisterOptions{Name: ActivityRecordOutgoingStep})
	env.RegisterActivityWithOptions(f.authorize, activity.RegisterOptions{Name: ActivityAuthorizeSigner})
	env.RegisterActivityWithOptions(f.number, activity.RegisterOptions{Name: ActivityNumberOutgoing})
	env.RegisterActivityWithOptions(f.sign, activity.RegisterOptions{Name: ActivitySignOutgoing})
	env.RegisterActivityWithOptions(f.dispatch, activity.RegisterOptions{Name: ActivityDispatchOutgoing})
	return env
}

// step is one update sent at a time, with the outcome the test expects.
type step struct {
	a       OutgoingAction
	refuse  string // substring of the refusal, or "" for success
	check   func(OutgoingResult)
	refused bool
}

func runSteps(t *testing.T, env *testsuite.TestWorkflowEnvironment, steps []step) {
	for i, s := range steps {
		i, s := i, s
		s.a.RequestID = "r" + itoa(i%10) + itoa(i/10)
		env.RegisterDelayedCallback(func() {
			done := func(r OutgoingResult, err error) {
				if s.refuse != "" {
					if err == nil || !strings.Contains(err.Error(), s.refuse) {
						t.Errorf("step %d (%s by %s): want refusal %q, got %v", i, s.a.Kind, s.a.Actor, s.refuse, err)
					}
					return
				}
				if err != nil {
					t.Errorf("step %d (%s by %s): %v", i, s.a.Kind, s.a.Actor, err)
					return
				}
				if s.check != nil {
					s.check(r)
				}
			}
			env.UpdateWorkflow(UpdateOutgoing, s.a.RequestID, &testsuite.TestUpdateCallback{
				OnAccept: func() {},
				OnReject: func(err error) { done(OutgoingResult{}, err) },
				OnComplete: func(v interface{}, err error) {
					r, _ := v.(OutgoingResult)
					done(r, err)
				},
			}, s.a)
		}, time.Duration(i+1)*time.Hour)
	}
}

func TestOutgoingSequentialReturnResubmitDelegateSigns(t *testing.T) {
	f := &fakeOutgoing{numbers: map[string]int{}, signers: map[string][]string{
		"sujit": {"เจ้าพนักงานที่ดินจังหวัดสงขลา ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา"},
	}}
	env := outgoingEnv(t, f)
	draft := &DraftRef{SHA256: "new", ObjectKey: "k", Size: 10}
	runSteps(t, env, []step{
		{a: OutgoingAction{Kind: "sign", Actor: "sujit"}, refuse: "not ready to sign"},
		{a: OutgoingAction{Kind: "approve", Actor: "panisa"}, refuse: "reviews in turn"},
		{a: OutgoingAction{Kind: "approve", Actor: "onuma"}, refuse: "not a reviewer"},
		{a: OutgoingAction{Kind: "approve", Actor: "netanong"}, check: func(r OutgoingResult) {
			if r.Stage != OutgoingStageReview || len(r.Pending) != 1 || r.Pending[0] != "panisa" {
				t.Errorf("after first approval: %+v", r)
			}
		}},
		{a: OutgoingAction{Kind: "return", Actor: "panisa", Note: "แก้ย่อหน้าสอง"}, check: func(r OutgoingResult) {
			if r.Stage != OutgoingStageReturned {
				t.Errorf("after return: %+v", r)
			}
		}},
		{a: OutgoingAction{Kind: "approve", Actor: "panisa"}, refuse: "not in review"},
		{a: OutgoingAction{Kind: "resubmit", Actor: "thanapon"}, refuse: "new draft"},
		{a: OutgoingAction{Kind: "resubmit", Actor: "onuma", Draft: draft}, refuse: "neither drafted"},
		{a: OutgoingAction{Kind: "resubmit", Actor: "thanapon", Draft: draft}, check: func(r OutgoingResult) {
			if r.Stage != OutgoingStageReview || r.Round != 2 || r.Pending[0] != "netanong" {
				t.Errorf("after resubmit: %+v", r)
			}
		}},
		{a: OutgoingAction{Kind: "approve", Actor: "netanong"}},
		{a: OutgoingAction{Kind: "approve", Actor: "panisa"}, check: func(r OutgoingResult) {
			if r.Stage != OutgoingStageSigning {
				t.Errorf("after last approval: %+v", r)
			}
		}},
		{a: OutgoingAction{Kind: "sign", Actor: "onuma"}, refuse: "may not sign"},
		{a: OutgoingAction{Kind: "sign", Actor: "sujit"}, check: func(r OutgoingResult) {
			if r.SignedBy != "sujit" || r.Number != 1 || r.DocNumber != "สข 0020/1" || len(r.Capacity) != 2 {
				t.Errorf("sign: %+v", r)
			}
		}},
	})
	env.ExecuteWorkflow(OutgoingLetterName, OutgoingInput{OutgoingID: "o1", Creator: "thanapon", Reviewers: []string{"netanong", "panisa"}, Signer: "governor"})
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if f.signedBy != "sujit" || f.dispatched != 1 {
		t.Fatalf("signed by %q, dispatched %d", f.signedBy, f.dispatched)
	}
	want := []string{"approve:netanong:review", "return:panisa:returned", "resubmit:thanapon:review", "approve:netanong:review",
		"approve:panisa:signing", "sign:sujit:"}
	if strings.Join(f.steps, ",") != strings.Join(want, ",") {
		t.Fatalf("steps %v, want %v", f.steps, want)
	}
}

func TestOutgoingParallelAndNumberRetry(t *testing.T) {
	f := &fakeOutgoing{numbers: map[string]int{}, failFirst: true, signers: map[string][]string{"governor": {"ผู้ว่าราชการจังหวัดสงขลา"}}}
	env := outgoingEnv(t, f)
	runSteps(t, env, []step{
		{a: OutgoingAction{Kind: "approve", Actor: "panisa"}}, // second in the list, first to act: parallel
		{a: OutgoingAction{Kind: "approve", Actor: "panisa"}, refuse: "not a reviewer"},
		{a: OutgoingAction{Kind: "approve", Actor: "netanong"}},
		{a: OutgoingAction{Kind: "sign", Actor: "governor"}, check: func(r OutgoingResult) {
			if r.Number != 1 {
				t.Errorf("number after a retry: %+v", r)
			}
		}},
		{a: OutgoingAction{Kind: "sign", Actor: "governor"}, refuse: "not ready to sign"},
	})
	env.ExecuteWorkflow(OutgoingLetterName, OutgoingInput{OutgoingID: "o2", Creator: "thanapon", Reviewers: []string{"netanong", "panisa"}, Parallel: true, Signer: "governor"})
	if err := env.GetWorkflowError(); err != nil || !env.IsWorkflowCompleted() {
		t.Fatalf("completed %v, error %v", env.IsWorkflowCompleted(), err)
	}
	if f.numberCall != 2 || f.last != 1 {
		t.Fatalf("number taken %d times in %d calls; a retry must get the same number", f.last, f.numberCall)
	}
}

func TestOutgoingNoReviewers(t *testing.T) {
	f := &fakeOutgoing{numbers: map[string]int{}, signers: map[string][]string{"governor": {"ผู้ว่าราชการจังหวัดสงขลา"}}}
	env := outgoingEnv(t, f)
	runSteps(t, env, []step{
		{a: OutgoingAction{Kind: "approve", Actor: "panisa"}, refuse: "not in review"},
		{a: OutgoingAction{Kind: "sign", Actor: "governor"}},
	})
	env.ExecuteWorkflow(OutgoingLetterName, OutgoingInput{OutgoingID: "o3", Creator: "thanapon", Signer: "governor"})
	if err := env.GetWorkflowError(); err != nil || !env.IsWorkflowCompleted() || f.dispatched != 1 {
		t.Fatalf("completed %v, error %v, dispatched %d", env.IsWorkflowCompleted(), err, f.dispatched)
	}
}
