package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Names of the OutgoingLetter workflow (issue 4, item 5).
const (
	OutgoingLetterName = "OutgoingLetter"
	// UpdateOutgoing carries every step on an outgoing letter: approve, return, resubmit, sign.
	UpdateOutgoing = "outgoing"
	// QueryOutgoing returns the workflow's OutgoingState.
	QueryOutgoing = "outgoing-state"

	ActivityRecordOutgoingStep = "RecordOutgoingStep"
	ActivityAuthorizeSigner    = "AuthorizeSigner"
	ActivityNumberOutgoing     = "NumberOutgoing"
	ActivitySignOutgoing       = "SignOutgoing"
	ActivityDispatchOutgoing   = "DispatchOutgoing"

	OutgoingStageReview   = "review"
	OutgoingStageReturned = "returned"
	OutgoingStageSigning  = "signing"
	OutgoingStageSigned   = "signed"
	OutgoingStageSent     = "sent"

	versionOutgoing = "outgoing"
)

// OutgoingLetterID is the workflow ID of an outgoing letter.
func OutgoingLetterID(id string) string { return "outgoing-letter/" + id }

// OutgoingInput starts the workflow of an outgoing letter stored by storage.CreateOutgoing.
type OutgoingInput struct {
	OutgoingID string
	Creator    string
	Reviewers  []string
	Parallel   bool
	Signer     string // the person the letter is meant to be signed by (a delegate may sign instead)
}

// DraftRef is a draft PDF already in the object store.
type DraftRef struct {
	SHA256    string `json:"sha256"`
	ObjectKey string `json:"object_key"`
	Size      int64  `json:"size"`
}

// OutgoingAction is one step a person takes on an outgoing letter.
type OutgoingAction struct {
	Kind      string    `json:"kind"` // approve | return | resubmit | sign
	Actor     string    `json:"actor"`
	RequestID string    `json:"request_id"`
	Note      string    `json:"note,omitempty"`
	Draft     *DraftRef `json:"draft,omitempty"` // a new draft (required by resubmit, optional with return)
	// Placement is where the signer put the visible signature (sign only; nil: the default place).
	Placement *Placement `json:"placement,omitempty"`
}

// DefaultSignRect is where a signature goes when the signer chose no place: page 1, below the
// right half of the text, where ordinary letters put the signature block.
var DefaultSignRect = [4]float64{300, 90, 560, 200}

// Placement is a visible signature's page and rectangle (x0 y0 x1 y1, PDF points, origin at the
// bottom left of the page as seen).
type Placement struct {
	Page int        `json:"page"`
	Rect [4]float64 `json:"rect"`
}

// OutgoingResult is what a step did; after sign it carries the number and the signature.
type OutgoingResult struct {
	Stage     string   `json:"stage"`
	Round     int      `json:"round"`
	Pending   []string `json:"pending,omitempty"` // reviewers still to approve
	DocNumber string   `json:"doc_number,omitempty"`
	Number    int      `json:"number,omitempty"`
	Year      int      `json:"year,omitempty"`
	SignedBy  string   `json:"signed_by,omitempty"`
	Capacity  []string `json:"capacity,omitempty"`
	SHA256    string   `json:"sha256,omitempty"` // of the signed PDF
}

// OutgoingState is the workflow's state, as the query returns it.
type OutgoingState struct {
	OutgoingID string   `json:"outgoing_id"`
	Stage      string   `json:"stage"`
	Round      int      `json:"round"`
	Approved   []string `json:"approved"`
	Reviewers  []string `json:"reviewers"`
	Parallel   bool     `json:"parallel"`
	Signed     bool     `json:"signed"`
	Dispatched bool     `json:"dispatched"`
	LastError  string   `json:"last_error,omitempty"`
}

// RecordOutgoingStepInput records a review step.
type RecordOutgoingStepInput struct {
	OutgoingID string
	Action     OutgoingAction
	Round      int
	Status     string // the letter's status after the step
	At         time.Time
}

// AuthorizeSignerInput asks whether person may sign the letter at a time, and in which capacity.
type AuthorizeSignerInput struct {
	OutgoingID string
	Person     string
	At         time.Time
}

// SignerAuthority is the resolved signer: who signs, printed how.
type SignerAuthority struct {
	Person   string   `json:"person"`
	Name     string   `json:"name"`
	Title    string   `json:"title"`
	Capacity []string `json:"capacity"`
}

// NumberOutgoingInput takes the send number and stamps it on the draft.
type NumberOutgoingInput struct {
	OutgoingID string
	At         time.Time
}

// NumberOutgoingResult is the number and the numbered revision.
type NumberOutgoingResult struct {
	DocNumber string
	Number    int
	Year      int
	Seq       int
	SHA256    string
}

// SignOutgoingInput signs the numbered revision; the key is loaded on the worker, never here.
type SignOutgoingInput struct {
	OutgoingID string
	Signer     SignerAuthority
	At         time.Time
	Placement  *Placement // nil: the default place
}

// SignOutgoingResult is the signed revision.
type SignOutgoingResult struct {
	Seq    int
	SHA256 string
}

// DispatchOutgoingInput sends the signed letter to every recipient.
type DispatchOutgoingInput struct {
	OutgoingID string
}

// DispatchOutgoingResult counts the deliveries.
type DispatchOutgoingResult struct {
	Units  int
	Emails int
	Failed int
}

type outgoing struct {
	in       OutgoingInput
	st       OutgoingState
	mu       workflow.Mutex
	inflight int
	signed   OutgoingResult
}

// OutgoingLetter takes an outgoing letter from draft to dispatch: review (in order or in
// parallel; a return needs a resubmitted draft, which starts a new round), signature by whoever
// holds the power to sign at the time (resolved through delegations in an activity), the send
// number stamped on the draft before it is signed, then dispatch.
func OutgoingLetter(ctx workflow.Context, in OutgoingInput) error {
	_ = workflow.GetVersion(ctx, versionOutgoing, workflow.DefaultVersion, 1)
	w := &outgoing{in: in, mu: workflow.NewMutex(ctx)}
	w.st = OutgoingState{OutgoingID: in.OutgoingID, Stage: OutgoingStageReview, Round: 1, Reviewers: in.Reviewers, Parallel: in.Parallel, Approved: []string{}}
	if len(in.Reviewers) == 0 {
		w.st.Stage = OutgoingStageSigning
	}
	if err := workflow.SetQueryHandler(ctx, QueryOutgoing, func() (OutgoingState, error) { return w.st, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateOutgoing, w.handle, workflow.UpdateHandlerOptions{Validator: w.validate}); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return w.st.Signed && w.inflight == 0 }); err != nil {
		return err
	}
	long := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute, NonRetryableErrorTypes: []string{"NotFound"}},
	})
	var res DispatchOutgoingResult
	if err := workflow.ExecuteActivity(long, ActivityDispatchOutgoing, DispatchOutgoingInput{OutgoingID: in.OutgoingID}).Get(ctx, &res); err != nil {
		w.st.LastError = err.Error()
		return err
	}
	w.st.Dispatched = true
	w.st.Stage = OutgoingStageSent
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// pending lists the reviewers who may act now.
func (w *outgoing) pending() []string {
	var out []string
	for _, r := range w.in.Reviewers {
		if !slices.Contains(w.st.Approved, r) {
			out = append(out, r)
			if !w.in.Parallel {
				break
			}
		}
	}
	return out
}

func (w *outgoing) validate(ctx workflow.Context, a OutgoingAction) error {
	if a.Actor == "" || a.RequestID == "" {
		return errors.New("a step needs the person who acts and a request id")
	}
	switch a.Kind {
	case "approve", "return":
		if w.st.Stage != OutgoingStageReview {
			return fmt.Errorf("the letter is not in review (it is at %s)", w.st.Stage)
		}
		if !slices.Contains(w.pending(), a.Actor) {
			if slices.Contains(w.in.Reviewers, a.Actor) && !slices.Contains(w.st.Approved, a.Actor) {
				return fmt.Errorf("%s reviews in turn: waiting for %v", a.Actor, w.pending())
			}
			return fmt.Errorf("%s is not a reviewer of this letter awaiting review (waiting for %v)", a.Actor, w.pending())
		}
	case "resubmit":
		if w.st.Stage != OutgoingStageReturned {
			return fmt.Errorf("only a returned letter is resubmitted (it is at %s)", w.st.Stage)
		}
		if a.Draft == nil {
			return errors.New("a returned letter goes on only with a new draft (--file NEW.pdf)")
		}
		if a.Actor != w.in.Creator && !slices.Contains(w.in.Reviewers, a.Actor) {
			return fmt.Errorf("%s neither drafted nor reviews this letter: only they resubmit it", a.Actor)
		}
	case "sign":
		if w.st.Stage != OutgoingStageSigning {
			return fmt.Errorf("the letter is not ready to sign (it is at %s)", w.st.Stage)
		}
	default:
		return errors.New("unknown step " + a.Kind + ": approve, return, resubmit or sign")
	}
	return nil
}

func (w *outgoing) handle(ctx workflow.Context, a OutgoingAction) (OutgoingResult, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return OutgoingResult{}, err
	}
	defer w.mu.Unlock()
	w.inflight++
	defer func() { w.inflight-- }()
	// The state may have moved while this step waited for the lock.
	if err := w.validate(ctx, a); err != nil {
		return OutgoingResult{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrRefused, nil)
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 10 * time.Second,
			MaximumAttempts: 10, NonRetryableErrorTypes: []string{ErrRefused, "NotFound", "BadDocument", "NoKey"}},
	})
	now := workflow.Now(ctx)
	if a.Kind == "sign" {
		return w.sign(ctx, actx, a, now)
	}
	stage, round, approved := w.st.Stage, w.st.Round, slices.Clone(w.st.Approved)
	switch a.Kind {
	case "approve":
		approved = append(approved, a.Actor)
		if len(approved) == len(w.in.Reviewers) {
			stage = OutgoingStageSigning
		}
	case "return":
		stage = OutgoingStageReturned
	case "resubmit":
		stage, round, approved = OutgoingStageReview, round+1, []string{}
	}
	in := RecordOutgoingStepInput{OutgoingID: w.in.OutgoingID, Action: a, Round: w.st.Round, Status: stage, At: now}
	if err := workflow.ExecuteActivity(actx, ActivityRecordOutgoingStep, in).Get(ctx, nil); err != nil {
		return OutgoingResult{}, err
	}
	w.st.Stage, w.st.Round, w.st.Approved = stage, round, approved
	return OutgoingResult{Stage: stage, Round: round, Pending: w.pending()}, nil
}

func (w *outgoing) sign(ctx, actx workflow.Context, a OutgoingAction, now time.Time) (OutgoingResult, error) {
	var auth SignerAuthority
	if err := workflow.ExecuteActivity(actx, ActivityAuthorizeSigner, AuthorizeSignerInput{OutgoingID: w.in.OutgoingID, Person: a.Actor, At: now}).Get(ctx, &auth); err != nil {
		return OutgoingResult{}, err
	}
	var num NumberOutgoingResult
	if err := workflow.ExecuteActivity(actx, ActivityNumberOutgoing, NumberOutgoingInput{OutgoingID: w.in.OutgoingID, At: now}).Get(ctx, &num); err != nil {
		return OutgoingResult{}, err
	}
	var sig SignOutgoingResult
	if err := workflow.ExecuteActivity(actx, ActivitySignOutgoing, SignOutgoingInput{OutgoingID: w.in.OutgoingID, Signer: auth, At: now, Placement: a.Placement}).Get(ctx, &sig); err != nil {
		return OutgoingResult{}, err
	}
	rec := RecordOutgoingStepInput{OutgoingID: w.in.OutgoingID, Action: a, Round: w.st.Round, At: now}
	if err := workflow.ExecuteActivity(actx, ActivityRecordOutgoingStep, rec).Get(ctx, nil); err != nil {
		return OutgoingResult{}, err
	}
	w.st.Signed = true
	w.st.Stage = OutgoingStageSigned
	w.signed = OutgoingResult{Stage: OutgoingStageSigned, Round: w.st.Round, DocNumber: num.DocNumber, Number: num.Number, Year: num.Year,
		SignedBy: auth.Person, Capacity: auth.Capacity, SHA256: sig.SHA256}
	return w.signed, nil
}
