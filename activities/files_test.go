package activities_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/saraban/saraban/activities"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/pdfdoc"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/vault"
	"github.com/saraban/saraban/workflows"
)

// The stamp drawn on a sealed original is stored sealed too; a worker without file keys says so
// (and retries) instead of drawing on ciphertext.
func TestStampOnSealedLetterIsSealed(t *testing.T) {
	db := testenv.DB(t)
	testenv.Demo(t, db)
	store := testenv.Objects(t)
	v := testenv.VaultOf(t, store)
	font, err := pdfdoc.LoadDefaultFont()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	orig := samplepdf.Letter(4, 9000)
	r, err := (&intake.Service{DB: db, Blobs: v}).Receive(ctx, intake.Request{Register: "LAND-RECV", PDF: orig, Secrecy: "ลับ", Actor: "operator:test"})
	if err != nil {
		t.Fatal(err)
	}
	plain := &activities.Activities{Store: db, Blobs: store, Font: font, Digits: thai.ArabicDigits}
	if _, err := plain.StampReceipt(ctx, workflows.StampReceiptInput{EntryID: r.EntryID}); err == nil || !strings.Contains(err.Error(), "--file-keys") {
		t.Fatalf("a worker without keys: %v", err)
	}
	a := &activities.Activities{Store: db, Blobs: v, Font: font, Digits: thai.ArabicDigits}
	if _, err := a.StampReceipt(ctx, workflows.StampReceiptInput{EntryID: r.EntryID}); err != nil {
		t.Fatal(err)
	}
	revs, err := db.Revisions(ctx, r.LetterID)
	if err != nil || len(revs) != 2 {
		t.Fatalf("revisions %+v %v", revs, err)
	}
	st := revs[1]
	if !vault.IsSealed(st.ObjectKey) {
		t.Fatalf("the stamped revision of a ลับ letter is stored in the clear: %s", st.ObjectKey)
	}
	raw, err := store.Get(ctx, st.ObjectKey)
	if err != nil || bytes.Contains(raw, []byte("%PDF")) {
		t.Fatalf("stamped object at rest: %v", err)
	}
	pdf, err := v.GetVerified(ctx, st.ObjectKey, st.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := pdfdoc.StampCount(pdf); err != nil || n != 1 || !bytes.HasPrefix(pdf, orig) {
		t.Fatalf("stamped revision: %d stamps %v", n, err)
	}
}
