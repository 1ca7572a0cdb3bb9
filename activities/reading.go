package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/saraban/saraban/domain"
	"github.com/saraban/saraban/extract"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/workflows"
)

// Reader reads a letter from its PDF, OCR included (extract.PDF).
type Reader func(ctx context.Context, pdf []byte) (extract.Result, error)

// ReadStore is what the background reading needs of the system of record.
type ReadStore interface {
	ReadTargetOf(ctx context.Context, letterID string) (storage.ReadTarget, error)
	ApplyRead(ctx context.Context, letterID string, f storage.ReadFields, state string, detail any) ([]string, error)
}

// ReadLetter reads a letter that intake could not read on the request path (a scan, a large
// file): OCR off the request path, heartbeating while it runs. It fills only the fields still
// empty — never one a person typed — and tells whoever registered the letter.
func (a *Activities) ReadLetter(ctx context.Context, in workflows.ReadLetterInput) (workflows.ReadLetterResult, error) {
	if a.Reading == nil || a.Read == nil {
		return workflows.ReadLetterResult{}, temporal.NewNonRetryableApplicationError("reading letters is not configured on this worker", "NotConfigured", nil)
	}
	t, err := a.Reading.ReadTargetOf(ctx, in.LetterID)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return workflows.ReadLetterResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "NotFound", nil)
		}
		return workflows.ReadLetterResult{}, err
	}
	if t.State != "pending" {
		return workflows.ReadLetterResult{State: t.State}, nil
	}
	data, err := a.getFile(ctx, t.OriginalKey)
	if err != nil {
		return workflows.ReadLetterResult{}, err
	}
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				activity.RecordHeartbeat(ctx, "reading")
			}
		}
	}()
	res, rerr := a.Read(ctx, data)
	close(done)
	if ctx.Err() != nil {
		return workflows.ReadLetterResult{}, ctx.Err()
	}
	var f storage.ReadFields
	state := "failed"
	summary := map[string]any{"pages": res.Pages, "ocr_pages": res.OCRPages}
	if rerr != nil {
		summary["error"] = rerr.Error()
	}
	for _, l := range res.Letters {
		if l.Kind == extract.KindNotALetter {
			continue
		}
		state = "done"
		if l.DocNumber != nil && l.DocNumber.Confidence >= 0.5 {
			f.DocNumberRaw = l.DocNumber.Raw
			if dn, err := domain.ParseDocNumber(l.DocNumber.Raw); err == nil {
				f.DocNumber = dn.Canonical()
			}
		}
		if l.Date != nil && l.Date.ISO != "" && l.Date.Confidence >= 0.5 {
			if d, err := thai.ParseDate(l.Date.ISO); err == nil {
				t := d.Time(time.UTC)
				f.DocDate, f.DocDateRaw = &t, l.Date.Raw
			}
		}
		if l.Agency != nil && l.Agency.Confidence >= 0.5 {
			f.From = l.Agency.Text
		}
		if l.To != nil && l.To.Confidence >= 0.5 {
			f.To = l.To.Text
		}
		if l.Subject != nil && l.Subject.Confidence >= 0.5 {
			f.Subject = l.Subject.Text
		}
		if v := l.Urgency.Value; v != "unknown" && l.Urgency.Confidence >= 0.5 {
			f.Urgency = v
		}
		summary["flags"] = l.Flags
		summary["deadlines"] = l.Deadlines
		break
	}
	filled, err := a.Reading.ApplyRead(ctx, in.LetterID, f, state, summary)
	if err != nil {
		return workflows.ReadLetterResult{}, err
	}
	return workflows.ReadLetterResult{Filled: filled, State: state}, nil
}
