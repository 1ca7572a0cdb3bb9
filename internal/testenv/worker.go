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
// before the first task arrives. The activities read and write through a vault with the test
// keyring (FileKeys), so classified letters received with VaultOf(t, blobs) are stamped sealed.
func Worker(t testing.TB, db *storage.DB, blobs *objects.Store, tc client.Client, queue string) *activities.Activities {
	t.Helper()
	font, err := pdfdoc.LoadDefaultFont()
	if err != nil {
		t.Fatal(err)
	}
	acts := &activities.Activities{Store: db, Blobs: VaultOf(t, blobs), Font: font, Digits: thai.ThaiDigits, Router: db, Reading: db,
		Read: func(ctx context.Context, pdf []byte) (extract.Result, error) {
			return extract.PDF(ctx, pdf, extract.Options{OCR: extract.OCRAuto, Registry: db})
		}}
	acts.SignKeys = signKeys(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	done := make(chan struct{}, 2)
	go func() { _ = worker.Run(ctx, tc, queue, acts, log); done <- struct{}{} }()
	d := &dispatch.Dispatcher{DB: db, Temporal: tc, TaskQueue: queue, Poll: 200 * time.Millisecond, Log: log}
	go func() { _ = d.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	return acts
}

// signKeys makes throw-away signing keys (and their CA, ca.pem) in a temporary folder, one per
// person of the organisation loaded so far, for the OutgoingLetter workflow's signatures.
func signKeys(t testing.TB, db *storage.DB) activities.KeyDir {
	t.Helper()
	people := map[string]string{}
	rows, err := db.Pool.Query(context.Background(), `SELECT id, name FROM people`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		people[id] = name
	}
	dir := t.TempDir()
	if _, err := activities.MakeDemoKeys(dir, people); err != nil {
		t.Fatal(err)
	}
	return activities.KeyDir(dir)
}
