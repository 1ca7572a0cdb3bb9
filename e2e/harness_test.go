// Package e2e holds end-to-end tests on the real stack: PostgreSQL, MinIO and a private
// Temporal dev server, with saraban's worker and dispatcher running in the test process (or, for
// crash tests, as a separate `saraban worker` process).
package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/routing"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/storage/objects"
	"github.com/saraban/saraban/workflows"
)

type stack struct {
	db     *storage.DB
	blobs  *objects.Store
	intake *intake.Service
	tc     client.Client
	ts     *testenv.TemporalServer
	router *routing.Client
	queue  string
}

// start brings up a fresh database and bucket, a private Temporal, and (unless noWorker) a
// worker and a dispatcher in this process.
func start(t *testing.T, noWorker bool) *stack {
	t.Helper()
	db := testenv.DB(t)
	testenv.Demo(t, db)
	blobs := testenv.Objects(t)
	ts := testenv.Temporal(t)
	tc, err := client.NewLazyClient(client.Options{HostPort: ts.Addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	queue := "e2e-" + strings.ReplaceAll(t.Name(), "/", "-")
	s := &stack{db: db, blobs: blobs, intake: &intake.Service{DB: db, Blobs: blobs}, tc: tc, ts: ts, queue: queue,
		router: &routing.Client{Temporal: tc, TaskQueue: queue, Timeout: time.Minute}}
	if !noWorker {
		s.runWorker(t)
	}
	return s
}

func (s *stack) runWorker(t *testing.T) { testenv.Worker(t, s.db, s.blobs, s.tc, s.queue) }

func (s *stack) act(t *testing.T, letter string, a workflows.Action) workflows.ActionResult {
	t.Helper()
	if a.RequestID == "" {
		a.RequestID = a.Kind + "-" + a.Actor + "-" + time.Now().Format("150405.000000000")
	}
	res, err := s.router.Act(context.Background(), letter, a)
	if err != nil {
		t.Fatalf("%s by %s on %s: %v", a.Kind, a.Actor, letter, err)
	}
	return res
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *stack) stamped(t *testing.T, id string) bool {
	l, err := s.db.GetLetter(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range l.Entries {
		if !e.Stamped {
			return false
		}
	}
	return len(l.Entries) > 0
}
