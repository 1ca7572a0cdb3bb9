package backfill_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/saraban/saraban/backfill"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/manifest"
	"github.com/saraban/saraban/storage"
)

// TestOpenRowsStartIncomingLetterWorkflows runs the dispatcher and worker on a private Temporal:
// the open rows' letters get an IncomingLetter workflow (and their receive stamp), the closed
// and cancelled rows get none.
func TestOpenRowsStartIncomingLetterWorkflows(t *testing.T) {
	db, blobs, dir := setup(t)
	ctx := context.Background()
	ts := testenv.Temporal(t)
	tc, err := client.NewLazyClient(client.Options{HostPort: ts.Addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	var rows []manifest.Row
	for n := 1; n <= 6; n++ {
		file := filepath.Join("f", string(rune('a'+n))+".pdf")
		os.MkdirAll(filepath.Join(dir, "f"), 0o755)
		os.WriteFile(filepath.Join(dir, file), samplepdf.Letter(uint64(n), 3000), 0o644)
		st := []string{"open", "closed", "cancelled"}[n%3]
		r := row(n, file, st)
		if st == "open" {
			r.Deadline = "2024-04-30T16:30:00+07:00"
		}
		rows = append(rows, r)
	}
	mf := filepath.Join(dir, "m.csv")
	writeCSV(t, mf, rows)
	sum, err := backfill.Run(ctx, backfill.Config{DB: db, Blobs: blobs, Register: reg, Manifest: mf, FilesDir: dir})
	if err != nil || sum.Workflows != 2 {
		t.Fatalf("%v %+v", err, sum)
	}
	testenv.Worker(t, db, blobs, tc, "backfill-"+t.Name())
	deadline := time.Now().Add(90 * time.Second)
	for {
		n := count(t, db, `SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL`)
		s := count(t, db, `SELECT count(*) FROM revisions WHERE kind = 'stamped'`)
		if n == 2 && s == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 90s: %d outbox rows delivered, %d stamps", n, s)
		}
		time.Sleep(300 * time.Millisecond)
	}
	for n := 1; n <= 6; n++ {
		id := storage.BackfillLetterID(reg, 2567, n)
		_, err := tc.DescribeWorkflowExecution(ctx, "incoming-letter/"+id, "")
		var nf *serviceerror.NotFound
		switch open := n%3 == 0; {
		case open && err != nil:
			t.Errorf("row %d (open): no workflow: %v", n, err)
		case !open && !errorsAs(err, &nf):
			t.Errorf("row %d (closed/cancelled): workflow exists or error %v", n, err)
		}
	}
}
