package intake_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/saraban/saraban/extract"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
)

func reader(ctx context.Context, pdf []byte) (extract.Result, error) {
	return extract.PDF(ctx, pdf, extract.Options{OCR: extract.OCRNever})
}

// TestReceiveAutoFillsEmptyFieldsOnly receives a real memo (public letter 03, a Word PDF) with
// --auto: the number, date and addressee are read from it, the subject the clerk typed is kept,
// and what was proposed is in the audit log.
func TestReceiveAutoFillsEmptyFieldsOnly(t *testing.T) {
	f := setup(t)
	f.svc.Reader = reader
	pdf, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "..", "shared", "corpus", "public-letters", "03.pdf"))
	if err != nil {
		t.Fatalf("corpus letter: %v", err)
	}
	r, err := f.svc.Receive(context.Background(), intake.Request{Register: "LAND-RECV", PDF: pdf, Subject: "รายงานผลเรื่องร้องเรียน (พิมพ์โดยเจ้าหน้าที่)",
		Actor: "operator:test", Auto: true})
	if err != nil {
		t.Fatal(err)
	}
	p := r.Proposal
	if p == nil || p.Filled["doc_number"] != "อบ 0033.001.09/31723" || p.Filled["doc_date"] != "2024-09-02" {
		t.Fatalf("proposal = %+v", p)
	}
	if _, ok := p.Filled["subject"]; ok || !strings.Contains(p.Kept["subject"], "รายงานผลการดำเนินงาน") {
		t.Fatalf("the typed subject must win and the letter's be shown: %+v", p)
	}
	l, err := f.db.GetLetter(context.Background(), r.LetterID)
	if err != nil {
		t.Fatal(err)
	}
	if l.DocNumberRaw != "อบ 0033.001.09/31723" || l.DocDateISO != "2024-09-02" || !strings.Contains(l.Subject, "พิมพ์โดยเจ้าหน้าที่") {
		t.Fatalf("stored letter: %q %q %q", l.DocNumberRaw, l.DocDateISO, l.Subject)
	}
	rows, err := f.db.AuditFor(context.Background(), "letter", r.LetterID)
	if err != nil || len(rows) != 2 || rows[1].Action != "letter.extracted" || !strings.Contains(rows[1].Detail, "31723") {
		t.Fatalf("audit rows: %+v %v", rows, err)
	}
	// A PDF with no readable letter is registered as typed, with the reason.
	r, err = f.svc.Receive(context.Background(), intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(77, 3000), Subject: "x", Actor: "operator:test", Auto: true})
	if err != nil || r.Proposal == nil || r.Proposal.Unread == "" || r.Number != 2 {
		t.Fatalf("unreadable letter: %+v %v", r, err)
	}
}
