package e2e

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/vault"
	"github.com/saraban/saraban/viewer"
	"github.com/saraban/saraban/workflows"
)

// TestClassifiedOutgoingLetterStaysSealed: a ลับ outgoing letter is never in the clear at rest:
// its draft, the numbered and the signed revisions are sealed, the branch that receives it gets a
// sealed incoming letter with a sealed stamp; it cannot be addressed to an e-mail address; and a
// reader's copy carries the reader's name.
func TestClassifiedOutgoingLetterStaysSealed(t *testing.T) {
	s := start(t, true)
	testenv.Worker(t, s.db, s.blobs, s.tc, s.queue)
	v := testenv.VaultOf(t, s.blobs)
	ctx := context.Background()
	today := thai.DateOf(time.Now())
	if _, err := s.db.AddDelegation(ctx, storage.NewDelegation{Delegator: "governor", Delegate: "sujit", Kind: "on_behalf", Unit: "land-office",
		Inherit: true, Powers: []string{"sign"}, StartsOn: today, EndsOn: thai.DateOf(time.Now().AddDate(0, 1, 0))}, "operator:test"); err != nil {
		t.Fatal(err)
	}
	pdf := samplepdf.Letter(801, 20_000)
	key, digest, err := v.Put(ctx, pdf, true)
	if err != nil {
		t.Fatal(err)
	}
	if !vault.IsSealed(key) {
		t.Fatalf("a classified draft was stored as %s", key)
	}
	base := storage.NewOutgoing{Register: "LAND-SEND", Subject: "รายงานการสืบสวนที่ดินของรัฐ", Secrecy: "ลับ",
		Signer: "governor", CreatedBy: "panisa", DraftSHA: digest, DraftKey: key, DraftSize: int64(len(pdf))}

	// Not by e-mail.
	withMail := base
	withMail.Recipients = []storage.Recipient{{Unit: "land-hatyai"}, {Email: "dol@dol.example"}}
	if _, err := s.db.CreateOutgoing(ctx, withMail); !errors.Is(err, storage.ErrForbidden) || !strings.Contains(err.Error(), "e-mail") {
		t.Fatalf("a classified letter to an e-mail address: %v, want a refusal", err)
	}

	base.Recipients = []storage.Recipient{{Unit: "land-hatyai"}}
	o, err := s.db.CreateOutgoing(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	if o.Secrecy != "confidential" {
		t.Fatalf("secrecy ลับ stored as %q, want confidential", o.Secrecy)
	}
	if err := s.router.StartOutgoing(ctx, workflows.OutgoingInput{OutgoingID: o.ID, Creator: o.CreatedBy, Signer: o.Signer}); err != nil {
		t.Fatal(err)
	}
	s.mustStep(t, o, workflows.OutgoingAction{Kind: "sign", Actor: "sujit"})
	var out storage.Outgoing
	eventually(t, time.Minute, "dispatch", func() bool {
		out, err = s.db.GetOutgoing(ctx, o.ID)
		return err == nil && out.Status == storage.OutgoingSent
	})
	for _, r := range out.Revisions {
		if !vault.IsSealed(r.ObjectKey) {
			t.Errorf("outgoing revision %d (%s) is in the clear: %s", r.Seq, r.Kind, r.ObjectKey)
		}
		raw, err := s.blobs.Get(ctx, r.ObjectKey)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte("%PDF")) {
			t.Errorf("outgoing revision %d: the stored object holds a PDF in the clear", r.Seq)
		}
	}
	if len(out.Deliveries) != 1 || out.Deliveries[0].LetterID == "" {
		t.Fatalf("deliveries: %+v", out.Deliveries)
	}
	in := out.Deliveries[0].LetterID
	eventually(t, time.Minute, "the branch's stamp", func() bool { return s.stamped(t, in) })
	revs, err := s.db.Revisions(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range revs {
		if !vault.IsSealed(r.ObjectKey) {
			t.Errorf("the branch's revision %d (%s) is in the clear: %s", r.Seq, r.Kind, r.ObjectKey)
		}
	}
	l, err := s.db.GetLetter(ctx, in)
	if err != nil || l.Secrecy != "confidential" {
		t.Fatalf("the branch's letter: secrecy %q, %v", l.Secrecy, err)
	}

	// A reader's copy of the signed letter carries the reader's name.
	files := &viewer.Viewer{Store: s.db, Files: v}
	copyPDF, err := files.OpenOutgoing(ctx, out, out.Latest(), viewer.Who{Person: "sujit", Via: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if text := pdftotext(t, copyPDF); !strings.Contains(text, personName(t, s.db, "sujit")) {
		t.Errorf("the reader's copy does not carry their name; text:\n%s", text)
	}
	var n int
	if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'outgoing.file_open' AND subject_id = $1 AND actor = 'sujit'`, o.ID).Scan(&n); err != nil || n != 1 {
		t.Errorf("outgoing.file_open audit rows = %d, %v; want 1", n, err)
	}
}

func personName(t *testing.T, db *storage.DB, id string) string {
	t.Helper()
	p, err := db.GetPerson(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p.Name
}
