package main

import (
	"strings"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/saraban/saraban/activities"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage"
)

// cliStack is a fresh database and bucket, a private Temporal and an in-process worker, with the
// command line pointed at them.
type cliStack struct {
	db   *storage.DB
	acts *activities.Activities
	t    *testing.T
	args []string
}

func newCLIStack(t *testing.T, queue string) *cliStack {
	t.Helper()
	db := testenv.DB(t)
	blobs := testenv.Objects(t)
	ts := testenv.Temporal(t)
	tc, err := client.NewLazyClient(client.Options{HostPort: ts.Addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	acts := testenv.Worker(t, db, blobs, tc, queue)
	return &cliStack{db: db, acts: acts, t: t, args: []string{"--database-url", testenv.DBURL(db), "--s3-bucket", blobs.Bucket,
		"--temporal-address", ts.Addr, "--task-queue", queue}}
}

// cli runs one command.
func (s *cliStack) cli(args ...string) (string, error) {
	return run(s.t, s.args[1], s.args[3], append(s.args[4:], args...)...)
}

// must runs one command that must succeed.
func (s *cliStack) must(args ...string) string {
	s.t.Helper()
	out, err := s.cli(args...)
	if err != nil {
		s.t.Fatalf("saraban %s: %v", strings.Join(args, " "), err)
	}
	return out
}
