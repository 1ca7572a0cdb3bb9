package dispatch_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/workflows"
)

// stack is a database, a bucket and a private Temporal server, with the worker and the
// dispatcher of one saraban process running against them.
type stack struct {
	db  *storage.DB
	svc *intake.Service
	tc  client.Client
	ts  *testenv.TemporalServer
}

func start(t *testing.T) *stack {
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
	queue := "t-" + strings.ReplaceAll(t.Name(), "/", "-")
	testenv.Worker(t, db, blobs, tc, queue)
	return &stack{db: db, svc: &intake.Service{DB: db, Blobs: blobs}, tc: tc, ts: ts}
}

// waitStamped waits until every letter is registered and stamped, or fails after timeout.
func (s *stack) waitStamped(t *testing.T, ids []string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		missing := 0
		for _, id := range ids {
			l, err := s.db.GetLetter(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if l.Stage != workflows.StageRegistered || len(l.Entries) == 0 || !l.Entries[0].Stamped {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d letters not stamped within %s", missing, len(ids), timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestStampIsDrawnWithinASecondOnAHealthyStack(t *testing.T) {
	s := start(t)
	// Warm up: the first workflow task pays for the worker's first poll.
	r, err := s.svc.Receive(context.Background(), intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(1, 20_000), Actor: "operator:test"})
	if err != nil {
		t.Fatal(err)
	}
	s.waitStamped(t, []string{r.LetterID}, 30*time.Second)
	began := time.Now()
	r, err = s.svc.Receive(context.Background(), intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(2, 20_000), Actor: "operator:test"})
	if err != nil {
		t.Fatal(err)
	}
	s.waitStamped(t, []string{r.LetterID}, 30*time.Second)
	t.Logf("stamp visible %s after the receipt", time.Since(began))
	// The stamp is drawn on a new revision; the original is kept.
	l, _ := s.db.GetLetter(context.Background(), r.LetterID)
	if len(l.Revisions) != 2 || l.Revisions[0].Kind != "original" || l.Revisions[1].Kind != "stamped" {
		t.Fatalf("revisions = %+v", l.Revisions)
	}
}

func TestReceivesGoOnWhileTemporalIsDownAndEveryLetterGetsItsWorkflow(t *testing.T) {
	s := start(t)
	s.ts.Stop()
	var ids []string
	for i := 0; i < 5; i++ {
		r, err := s.svc.Receive(context.Background(), intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(uint64(10+i), 8000), Actor: "operator:test"})
		if err != nil {
			t.Fatalf("receive with Temporal down: %v", err)
		}
		if r.Number != i+1 {
			t.Fatalf("number %d, want %d", r.Number, i+1)
		}
		ids = append(ids, r.LetterID)
	}
	time.Sleep(2 * time.Second) // the dispatcher tries and fails meanwhile
	if n, _ := s.db.OutboxPending(context.Background()); n != 5 {
		t.Fatalf("outbox pending with Temporal down = %d, want 5", n)
	}
	s.ts.Start()
	s.waitStamped(t, ids, 90*time.Second)
	for _, id := range ids {
		desc, err := s.tc.DescribeWorkflowExecution(context.Background(), workflows.IncomingLetterID(id), "")
		if err != nil {
			t.Fatalf("letter %s has no workflow: %v", id, err)
		}
		if st := desc.WorkflowExecutionInfo.Status.String(); st != "Running" {
			t.Errorf("workflow of %s is %s, want Running", id, st)
		}
	}
	if n, _ := s.db.OutboxPending(context.Background()); n != 0 {
		t.Fatalf("outbox still has %d rows", n)
	}
}

func TestASecondRegisterStampsBelowTheFirst(t *testing.T) {
	s := start(t)
	r, err := s.svc.Receive(context.Background(), intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(77, 20_000), Actor: "operator:test"})
	if err != nil {
		t.Fatal(err)
	}
	s.waitStamped(t, []string{r.LetterID}, 30*time.Second)
	r2, err := s.db.ReceiveAgain(context.Background(), storage.ReceiveAgainParams{LetterID: r.LetterID, Register: "HATYAI-RECV", Actor: "operator:test"})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Number != 1 {
		t.Fatalf("branch number = %d", r2.Number)
	}
	deadline := time.Now().Add(30 * time.Second)
	var l storage.Letter
	for time.Now().Before(deadline) {
		l, _ = s.db.GetLetter(context.Background(), r.LetterID)
		if len(l.Revisions) == 3 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(l.Revisions) != 3 {
		t.Fatalf("revisions = %+v", l.Revisions)
	}
	// Each revision starts with the bytes of the one before it, and both stamps are readable.
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext (poppler-utils) is missing: run `make up`")
	}
	blobs := s.svc.Blobs.(interface {
		Get(context.Context, string) ([]byte, error)
	})
	var prev []byte
	for _, rev := range l.Revisions {
		b, err := blobs.Get(context.Background(), rev.ObjectKey)
		if err != nil {
			t.Fatal(err)
		}
		if prev != nil && !strings.HasPrefix(string(b), string(prev)) {
			t.Fatalf("revision %d does not start with revision %d", rev.Seq, rev.Seq-1)
		}
		prev = b
	}
	f := t.TempDir() + "/last.pdf"
	if err := os.WriteFile(f, prev, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{"สำนักงานที่ดินจังหวัดสงขลา", "สาขาหาดใหญ่", "เลขรับ"} {
		if !strings.Contains(text, want) {
			t.Errorf("stamped PDF text lacks %q:\n%s", want, text)
		}
	}
}
