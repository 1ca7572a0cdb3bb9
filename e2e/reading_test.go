package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/extract"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/testenv"
)

// TestScanIsReadInTheBackground receives a real scanned letter (public letter 16: an image
// with no text layer) with --auto: the answer comes at once with its number, and the letter's
// workflow reads it by OCR after the stamp, filling only the fields the clerk left empty.
func TestScanIsReadInTheBackground(t *testing.T) {
	s := start(t, false)
	ctx := context.Background()
	pdf, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "..", "shared", "corpus", "public-letters", "16.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	s.intake.Reader = func(ctx context.Context, b []byte) (extract.Result, error) {
		return extract.PDF(ctx, b, extract.Options{OCR: extract.OCRNever})
	}
	began := time.Now()
	r, err := s.intake.Receive(ctx, intake.Request{Register: "LAND-RECV", PDF: pdf, Subject: "เรื่องที่เจ้าหน้าที่พิมพ์เอง", Actor: "operator:test", Auto: true})
	if err != nil {
		t.Fatal(err)
	}
	answered := time.Since(began)
	if r.Proposal == nil || !r.Proposal.Later {
		t.Fatalf("a scan must be read later: %+v", r.Proposal)
	}
	t.Logf("answered in %s", answered)
	var state string
	eventually(t, 3*time.Minute, "the background reading", func() bool {
		if err := s.db.Pool.QueryRow(ctx, `SELECT read_state FROM letters WHERE id = $1`, r.LetterID).Scan(&state); err != nil {
			t.Fatal(err)
		}
		return state == "done" || state == "failed"
	})
	l, err := s.db.GetLetter(ctx, r.LetterID)
	if err != nil {
		t.Fatal(err)
	}
	if state != "done" || l.DocDateISO == "" {
		t.Fatalf("reading: state %s, letter %+v", state, l)
	}
	if l.Subject != "เรื่องที่เจ้าหน้าที่พิมพ์เอง" {
		t.Fatalf("the typed subject was overwritten: %q", l.Subject)
	}
	rows, err := s.db.AuditFor(ctx, "letter", r.LetterID)
	if err != nil {
		t.Fatal(err)
	}
	var read int
	for _, row := range rows {
		if row.Action == "letter.extracted" && row.Actor == "system:reader" {
			read++
			if !strings.Contains(row.Detail, "doc_date") {
				t.Errorf("the audit row does not say what was filled: %s", row.Detail)
			}
		}
	}
	if read != 1 {
		t.Fatalf("%d background reading audit rows, want 1", read)
	}
	t.Logf("read in the background: date %s, number %q", l.DocDateISO, l.DocNumberRaw)
}
