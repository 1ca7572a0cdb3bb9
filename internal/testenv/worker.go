package testenv

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/saraban/saraban/activities"
	"github.com/saraban/saraban/dispatch"
	"github.com/saraban/saraban/extract"
	"github.com/saraban/saraban/pdfdoc"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/storage/objects"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/worker"
)

// Worker runs saraban's Temporal worker and outbox dispatcher in the test process, on the
// given task queue, until the test ends. It returns the activities so a test can adjust them
// before the first task arrives.
func Worker(t testing.TB, db *storage.DB, blobs *objects.Store, tc client.Client, queue string) *activities.Activities {
	t.Helper()
	font, err := pdfdoc.LoadDefaultFont()
	if err != nil {
		t.Fatal(err)
	}
	acts := &activities.Activities{Store: db, Blobs: blobs, Font: font, Digits: thai.ThaiDigits, Router: db, Reading: db,
		Read: func(ctx context.Context, pdf []byte) (extract.Result, error) {
			return extract.PDF(ctx, pdf, extract.Options{OCR: extract.OCRAuto, Registry: db})
		}}
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	done := make(chan struct{}, 2)
	go func() { _ = worker.Run(ctx, tc, queue, acts, log); done <- struct{}{} }()
	d := &dispatch.Dispatcher{DB: db, Temporal: tc, TaskQueue: queue, Poll: 200 * time.Millisecond, Log: log}
	go func() { _ = d.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	return acts
}
