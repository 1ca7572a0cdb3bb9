package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// TestInboxShowsTheWorkOfThoseOneActsFor: a task given to the land officer personally appears,
// marked, in the inbox of whoever acts for him today (รักษาราชการแทน), and not before the
// appointment starts.
func TestInboxShowsTheWorkOfThoseOneActsFor(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	in := &intake.Service{DB: s.db, Blobs: testenv.Vault(t)}
	rec, err := in.Receive(ctx, intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(77, 3000), Actor: "panisa",
		Subject: "ขอให้ตรวจสอบแนวเขตที่ดินสาธารณประโยชน์", DocNumber: "ที่ สข ๐๐๑๗.๒/๑๒๓", DocDate: thai.DateOf(time.Now()).String()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ApplyAction(ctx, storage.ActionRequest{LetterID: rec.LetterID, Kind: "order", Actor: "governor", RequestID: "o1",
		Assignees: []storage.Assignee{{Person: "sujit"}}, Purpose: "act", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	pass := s.account("netanong", false)
	b := s.browser()
	b.login("netanong", pass)
	taskLink := `href="/letters/` + rec.LetterID + `#task-`
	if p := b.get("/"); strings.Contains(p.Body, taskLink) {
		t.Fatal("the task shows before any acting appointment")
	}
	today := thai.DateOf(time.Now().In(thai.Bangkok))
	if _, err := s.db.AddDelegation(ctx, storage.NewDelegation{Delegator: "sujit", Delegate: "netanong", Kind: "acting",
		StartsOn: today, EndsOn: today}, "operator:test"); err != nil {
		t.Fatal(err)
	}
	p := b.get("/")
	if !strings.Contains(p.Body, taskLink) || !strings.Contains(p.Body, "รักษาราชการแทน นางสุจิตร์ สุขสว่าง") ||
		strings.Contains(p.Body, "รักษาราชการแทน sujit") {
		t.Fatalf("the acting substitute's inbox lacks the land officer's task:\n%s", p.Body)
	}
}
