// Package workflows holds saraban's Temporal workflows: deterministic code only. Every side
// effect happens in an activity (package activities); workflow inputs and history carry IDs
// and digests, never PDF bytes.
package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Names that clients, the dispatcher and the worker share.
const (
	IncomingLetterName = "IncomingLetter"
	// SignalReceipt tells the letter's workflow that a register entry was made for it: the
	// workflow draws that entry's receive stamp.
	SignalReceipt = "receipt"
	// QueryState answers the workflow's state.
	QueryState = "state"

	ActivityStampReceipt = "StampReceipt"
	ActivityRecordStage  = "RecordStage"

	StageRegistered = "registered"
)

// IncomingLetterID is the workflow ID of a letter: one workflow per letter, so a second start
// for the same letter is rejected or turned into a signal.
func IncomingLetterID(letterID string) string { return "incoming-letter/" + letterID }

// IncomingLetterInput starts the life of an incoming letter.
type IncomingLetterInput struct {
	LetterID string
}

// ReceiptSignal is one register entry of the letter (its first receipt, or a later one by
// another register).
type ReceiptSignal struct {
	EntryID int64
	// Read asks for the letter to be read (OCR) after its stamp: intake could not read it on
	// the request path (a scan, or a large file).
	Read bool `json:",omitempty"`
}

// StampReceiptInput asks for the receive stamp of one register entry.
type StampReceiptInput struct {
	EntryID int64
}

// StampReceiptResult is the stamped revision.
type StampReceiptResult struct {
	Seq    int
	SHA256 string
}

// RecordStageInput records in Postgres where the letter's workflow stands.
type RecordStageInput struct {
	LetterID string
	Stage    string
}

// IncomingLetterState is what QueryState returns.
type IncomingLetterState struct {
	LetterID string
	Stage    string
	Stamped  []int64 // entry IDs whose stamp is drawn
	Pending  int     // receipts waiting to be stamped

	Closed        bool
	Reminders     int        // events planned
	NextReminder  *time.Time // when the next one is due
	RemindersSent int
	LastError     string
}

func nextAt(evs []ReminderEvent) *time.Time {
	if len(evs) == 0 {
		return nil
	}
	t := evs[0].At
	return &t
}

// IncomingLetter is the life of an incoming letter: it stamps every receipt as it arrives (in
// order, since each stamp is drawn on the revision before it), records that the letter is
// registered, and waits for routing actions (issue 3).
func IncomingLetter(ctx workflow.Context, in IncomingLetterInput) error {
	w := &incoming{state: IncomingLetterState{LetterID: in.LetterID, Stage: "received"}, seen: map[int64]bool{}}
	return w.run(ctx)
}

type incoming struct {
	state IncomingLetterState
	queue []int64
	seen  map[int64]bool
	r     *routing // set by the routing version
}

func (w *incoming) stampCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, stampOptions)
}

var stampOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 2 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
		// Unlimited attempts: a stamp must eventually exist once the failed part returns.
		NonRetryableErrorTypes: []string{"NotFound", "BadDocument"},
	},
}

func (w *incoming) run(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (IncomingLetterState, error) {
		s := w.state
		s.Pending = len(w.queue)
		if w.r != nil {
			s.Closed, s.Reminders, s.NextReminder, s.RemindersSent, s.LastError = w.r.closed, len(w.r.events), nextAt(w.r.events), w.r.sent, w.r.lastError
		}
		return s, nil
	}); err != nil {
		return err
	}
	// Letters started before routing existed keep the first loop; new ones route.
	if v := workflow.GetVersion(ctx, versionRouting, workflow.DefaultVersion, 1); v == 1 {
		if err := w.setupRouting(ctx); err != nil {
			return err
		}
		return w.runRouting(ctx)
	}
	ctx = workflow.WithActivityOptions(ctx, stampOptions)
	receipts := workflow.GetSignalChannel(ctx, SignalReceipt)
	for {
		// Take every receipt that has arrived, then stamp them in order.
		for {
			var sig ReceiptSignal
			if !receipts.ReceiveAsync(&sig) {
				break
			}
			w.enqueue(sig.EntryID)
		}
		if len(w.queue) == 0 {
			var sig ReceiptSignal
			receipts.Receive(ctx, &sig)
			if ctx.Err() != nil {
				return ctx.Err() // cancelled by an operator
			}
			w.enqueue(sig.EntryID)
			continue
		}
		entry := w.queue[0]
		var res StampReceiptResult
		err := workflow.ExecuteActivity(ctx, ActivityStampReceipt, StampReceiptInput{EntryID: entry}).Get(ctx, &res)
		w.queue = w.queue[1:]
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			// A non-retryable refusal (entry gone, unreadable PDF): the letter stays registered
			// without that stamp, and the error is visible in the workflow's history.
			workflow.GetLogger(ctx).Error("receive stamp not drawn", "entry", entry, "error", err)
			continue
		}
		w.state.Stamped = append(w.state.Stamped, entry)
		if w.state.Stage != StageRegistered {
			if err := workflow.ExecuteActivity(ctx, ActivityRecordStage,
				RecordStageInput{LetterID: w.state.LetterID, Stage: StageRegistered}).Get(ctx, nil); err != nil {
				return err
			}
			w.state.Stage = StageRegistered
		}
	}
}

func (w *incoming) enqueue(entry int64) {
	if entry == 0 || w.seen[entry] {
		return // a redelivered signal: the stamp is drawn once
	}
	w.seen[entry] = true
	w.queue = append(w.queue, entry)
}
