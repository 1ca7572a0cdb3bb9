// Package dispatch turns outbox rows, written in the same transaction as each receipt, into
// Temporal workflow starts and signals. Intake never waits for Temporal: while Temporal is
// down rows wait with backoff, and when it returns every letter gets its workflow.
package dispatch

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/workflows"
)

// Starter is the part of the Temporal client the dispatcher uses.
type Starter interface {
	SignalWithStartWorkflow(ctx context.Context, workflowID string, signalName string, signalArg interface{},
		options client.StartWorkflowOptions, workflow interface{}, workflowArgs ...interface{}) (client.WorkflowRun, error)
}

// Dispatcher delivers outbox rows.
type Dispatcher struct {
	DB        *storage.DB
	Temporal  Starter
	TaskQueue string
	// Parallel is how many rows are delivered at once.
	Parallel int
	// Poll is how often the outbox is read when no notification arrives.
	Poll time.Duration
	Log  *slog.Logger
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

// Run delivers rows until ctx ends. It wakes on NOTIFY and also polls, so a lost notification
// only delays a row by one poll.
func (d *Dispatcher) Run(ctx context.Context) error {
	poll := d.Poll
	if poll <= 0 {
		poll = time.Second
	}
	wake := make(chan struct{}, 1)
	go d.DB.Listen(ctx, storage.NotifyChannel, wake)
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		n, err := d.DeliverOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.log().Warn("outbox: cannot read the outbox", "error", err)
		}
		if n > 0 {
			continue // there may be more
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-t.C:
		}
	}
}

// DeliverOnce claims a batch of due rows and delivers them; it returns how many it delivered.
func (d *Dispatcher) DeliverOnce(ctx context.Context) (int, error) {
	par := d.Parallel
	if par <= 0 {
		par = 8
	}
	rows, err := d.DB.ClaimOutbox(ctx, par*4, 30*time.Second)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		delivered int
		sem       = make(chan struct{}, par)
	)
	for _, r := range rows {
		wg.Add(1)
		sem <- struct{}{}
		go func(r storage.OutboxRow) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := d.deliver(ctx, r); err != nil {
				retry := backoff(r.Attempts)
				d.log().Warn("outbox: delivery failed, will retry", "row", r.ID, "letter", r.LetterID, "attempt", r.Attempts, "retry_in", retry, "error", err)
				if ferr := d.DB.OutboxFailed(context.WithoutCancel(ctx), r.ID, err, retry); ferr != nil {
					d.log().Warn("outbox: cannot record the failure", "row", r.ID, "error", ferr)
				}
				return
			}
			if err := d.DB.OutboxDelivered(context.WithoutCancel(ctx), r.ID); err != nil {
				d.log().Warn("outbox: delivered but not marked; it will be delivered again (harmless)", "row", r.ID, "error", err)
				return
			}
			mu.Lock()
			delivered++
			mu.Unlock()
		}(r)
	}
	wg.Wait()
	return delivered, nil
}

func (d *Dispatcher) deliver(ctx context.Context, r storage.OutboxRow) error {
	switch r.Kind {
	case storage.OutboxReceipt:
		id := workflows.IncomingLetterID(r.LetterID)
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_, err := d.Temporal.SignalWithStartWorkflow(cctx, id, workflows.SignalReceipt,
			workflows.ReceiptSignal{EntryID: r.EntryID, Read: r.Read},
			client.StartWorkflowOptions{ID: id, TaskQueue: d.TaskQueue},
			workflows.IncomingLetterName, workflows.IncomingLetterInput{LetterID: r.LetterID})
		return err
	default:
		return errors.New("unknown outbox kind " + r.Kind)
	}
}

// backoff grows from 1 s to 30 s with the number of attempts.
func backoff(attempts int) time.Duration {
	d := time.Second
	for i := 1; i < attempts && d < 30*time.Second; i++ {
		d *= 2
	}
	if d > 30*time.Second {
		d = 30 * time.Second
	}
	return d
}
