package activities_test

import (
	"context"
	"strings"
	"testing"

	"github.com/saraban/saraban/activities"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/pdfdoc"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/workflows"
)

// A retried stamp activity (the worker died after storing the revision, or Temporal timed the
// first attempt out) must give the same revision and draw nothing twice.
func TestStampReceiptIsIdempotent(t *testing.T) {
	db := testenv.DB(t)
	testenv.Demo(t, db)
	blobs := testenv.Objects(t)
	font, err := pdfdoc.LoadDefaultFont()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r, err := (&intake.Service{DB: db, Blobs: blobs}).Receive(ctx, intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(3, 9000), Actor: "operator:test"})
	if err != nil {
		t.Fatal(err)
	}
	a := &activities.Activities{Store: db, Blobs: blobs, Font: font, Digits: thai.ArabicDigits}
	first, err := a.StampReceipt(ctx, workflows.StampReceiptInput{EntryID: r.EntryID})
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.StampReceipt(ctx, workflows.StampReceiptInput{EntryID: r.EntryID})
	if err != nil || again != first {
		t.Fatalf("retry gave %+v (err %v), first %+v", again, err, first)
	}
	revs, err := db.Revisions(ctx, r.LetterID)
	if err != nil || len(revs) != 2 {
		t.Fatalf("revisions %+v err %v", revs, err)
	}
	var stamps int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'letter.stamp'`).Scan(&stamps); err != nil || stamps != 1 {
		t.Fatalf("stamp audit rows = %d (%v)", stamps, err)
	}
	// The stamp says what the register says, in the digits configured.
	pdf, err := blobs.Get(ctx, revs[1].ObjectKey)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := pdfdoc.StampCount(pdf); err != nil || n != 1 {
		t.Fatalf("stamps on the revision: %d (%v)", n, err)
	}
	if !strings.HasPrefix(string(pdf), string(samplepdf.Letter(3, 9000))) {
		t.Fatal("stamped revision does not start with the original's bytes")
	}
	// An entry that does not exist is a non-retryable refusal.
	if _, err := a.StampReceipt(ctx, workflows.StampReceiptInput{EntryID: 999999}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("unknown entry: %v", err)
	}
}
