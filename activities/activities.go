// Package activities holds every side effect that saraban's workflows need: drawing receive
// stamps, storing revisions, recording stages. Each activity is idempotent, because Temporal
// retries activities after crashes and time-outs.
package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/saraban/saraban/calendar"
	"github.com/saraban/saraban/pdfdoc"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/vault"
	"github.com/saraban/saraban/workflows"
)

// Store is the part of the system of record the activities use.
type Store interface {
	StampJobFor(ctx context.Context, entryID int64) (storage.StampJob, error)
	AddStampedRevision(ctx context.Context, entryID int64, letterID string, base int, sha, key string, size int64) (storage.Revision, error)
	SetStage(ctx context.Context, letterID, stage string) error
}

// Blobs is the object store as the activities use it.
type Blobs interface {
	Get(ctx context.Context, key string) ([]byte, error)
	PutPDF(ctx context.Context, data []byte) (key, digest string, err error)
}

// Sealer is a Blobs that also stores files encrypted at rest (vault.Vault): a revision drawn on
// a sealed revision is stored sealed too. Get of such a Blobs opens sealed objects.
type Sealer interface {
	PutSealed(ctx context.Context, data []byte) (key, digest string, err error)
	CanSeal() bool
}

// errNoFileKeys says a worker without file keys met a sealed file. It is retryable: once the
// operator restarts the worker with --file-keys, the retry succeeds.
func errNoFileKeys(key string) error {
	return fmt.Errorf("%s is a classified letter's file, encrypted at rest, and this worker has no file keys: start it with --file-keys FILE or SARABAN_FILE_KEYS (the same key file as the server)", key)
}

// getFile reads a revision's file, opening it when it is sealed.
func (a *Activities) getFile(ctx context.Context, key string) ([]byte, error) {
	if vault.IsSealed(key) {
		if s, ok := a.Blobs.(Sealer); !ok || !s.CanSeal() {
			return nil, errNoFileKeys(key)
		}
	}
	return a.Blobs.Get(ctx, key)
}

// putLike stores a new revision made from the revision stored under base: sealed when that one
// is sealed, so that a classified letter never has a file in the clear.
func (a *Activities) putLike(ctx context.Context, base string, data []byte) (key, digest string, err error) {
	if vault.IsSealed(base) {
		s, ok := a.Blobs.(Sealer)
		if !ok || !s.CanSeal() {
			return "", "", errNoFileKeys(base)
		}
		return s.PutSealed(ctx, data)
	}
	return a.Blobs.PutPDF(ctx, data)
}

// Activities holds the dependencies of every activity; its methods are registered with the worker.
type Activities struct {
	Store Store
	Blobs Blobs
	Font  *pdfdoc.Font
	// Digits is how numbers, dates and times are written on stamps (Thai by default).
	Digits thai.Digits
	// Router records routing actions, forwards and reminders.
	Router Router
	// Policy is the reminder policy (nil: calendar.DefaultPolicy()).
	Policy *calendar.Policy
	// WorkWeekends counts Saturdays and Sundays as working days (services open every day).
	WorkWeekends bool
	// Clock is the time of new copies (tests set it); nil is time.Now.
	Clock func() time.Time
	// Read and Reading read letters off the request path (OCR); nil: not configured.
	Read    Reader
	Reading ReadStore
	// SignKeys gives the signing keys of outgoing letters, on the worker only (nil: the folder
	// in SARABAN_SIGN_KEYS, if set).
	SignKeys SignKeys
	// Mail sends signed outgoing letters to e-mail recipients (nil: their deliveries wait,
	// pending).
	Mail *OutgoingMail
}

// Names maps every activity to the name workflows call it by.
func (a *Activities) Names() map[string]any {
	return map[string]any{
		workflows.ActivityStampReceipt:  a.StampReceipt,
		workflows.ActivityRecordStage:   a.RecordStage,
		workflows.ActivityApplyAction:   a.ApplyAction,
		workflows.ActivityForwardCopies: a.ForwardCopies,
		workflows.ActivityPlanReminders: a.PlanReminders,
		workflows.ActivitySendReminder:  a.SendReminder,
		workflows.ActivityReadLetter:    a.ReadLetter,
	}
}

// StampReceipt draws the receive stamp of one register entry as a new revision of the letter.
// A retry after the revision was recorded returns that revision; a retry after the object was
// stored but before the row was written stores the same bytes again (content-addressed, so the
// object is simply found) and writes the row.
func (a *Activities) StampReceipt(ctx context.Context, in workflows.StampReceiptInput) (workflows.StampReceiptResult, error) {
	job, err := a.Store.StampJobFor(ctx, in.EntryID)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return workflows.StampReceiptResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "NotFound", err)
		}
		return workflows.StampReceiptResult{}, err
	}
	if job.Existing != nil {
		return workflows.StampReceiptResult{Seq: job.Existing.Seq, SHA256: job.Existing.SHA256}, nil
	}
	base, err := a.getFile(ctx, job.Latest.ObjectKey)
	if err != nil {
		return workflows.StampReceiptResult{}, err
	}
	stamp := pdfdoc.ReceiveStamp{
		Unit:   job.UnitName,
		Number: a.Digits.Apply(strconv.Itoa(job.Number)),
		Date:   thai.FormatDate(thai.DateOf(job.ReceivedAt), thai.DateStyle{Digits: a.Digits, Abbrev: true}),
		Time:   thai.FormatTime(job.ReceivedAt, a.Digits),
	}
	out, err := pdfdoc.AddReceiveStamp(base, stamp, job.Slot, a.Font)
	if err != nil {
		return workflows.StampReceiptResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("draw the receive stamp of entry %d: %v", in.EntryID, err), "BadDocument", err)
	}
	key, digest, err := a.putLike(ctx, job.Latest.ObjectKey, out)
	if err != nil {
		return workflows.StampReceiptResult{}, err
	}
	rev, err := a.Store.AddStampedRevision(ctx, in.EntryID, job.LetterID, job.Latest.Seq, digest, key, int64(len(out)))
	if err != nil {
		return workflows.StampReceiptResult{}, err
	}
	return workflows.StampReceiptResult{Seq: rev.Seq, SHA256: rev.SHA256}, nil
}

// RecordStage writes the workflow's stage to the letter row.
func (a *Activities) RecordStage(ctx context.Context, in workflows.RecordStageInput) error {
	return a.Store.SetStage(ctx, in.LetterID, in.Stage)
}
