package intake_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/vault"
)

// The original of a classified letter is stored encrypted: MinIO holds ciphertext under a
// sealed/ key, the revision keeps the plaintext digest, and the vault opens it again.
func TestClassifiedOriginalIsSealed(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	v := testenv.VaultOf(t, f.blobs)
	svc := &intake.Service{DB: f.db, Blobs: v}
	for _, sec := range []string{"ลับ", "secret"} {
		pdf := samplepdf.Letter(uint64(len(sec)), 6000)
		r, err := svc.Receive(ctx, intake.Request{Register: "LAND-RECV", PDF: pdf, Secrecy: sec, Subject: "เรื่องลับ", Actor: "operator:test"})
		if err != nil {
			t.Fatal(err)
		}
		l, err := f.db.GetLetter(ctx, r.LetterID)
		if err != nil {
			t.Fatal(err)
		}
		rev := l.Revisions[0]
		if !vault.IsSealed(rev.ObjectKey) || strings.Contains(rev.ObjectKey, r.OriginalSHA256) || rev.SHA256 != r.OriginalSHA256 {
			t.Fatalf("%s: revision %+v", sec, rev)
		}
		stored, err := f.blobs.Get(ctx, rev.ObjectKey) // the raw object, as MinIO keeps it
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(stored, []byte("%PDF")) || !bytes.HasPrefix(stored, []byte(vault.Magic)) {
			t.Fatalf("%s: the original is stored in the clear", sec)
		}
		if got, err := v.GetVerified(ctx, rev.ObjectKey, rev.SHA256); err != nil || !bytes.Equal(got, pdf) {
			t.Fatalf("%s: the sealed original does not open: %v", sec, err)
		}
	}
	// An unclassified letter stays in the clear, content-addressed.
	r, err := svc.Receive(ctx, intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(99, 6000), Actor: "operator:test"})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := f.db.GetLetter(ctx, r.LetterID); !strings.HasPrefix(l.Revisions[0].ObjectKey, "sha256/") {
		t.Fatalf("a normal letter was sealed: %s", l.Revisions[0].ObjectKey)
	}
}

// Without file keys a classified letter is refused, saying what the operator must do, and
// nothing is stored.
func TestClassifiedWithoutKeysIsRefused(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	before := f.counts(t)
	for _, blobs := range []intake.Blobs{f.blobs, vault.New(f.blobs, nil)} {
		_, err := (&intake.Service{DB: f.db, Blobs: blobs}).Receive(ctx, intake.Request{Register: "LAND-RECV",
			PDF: samplepdf.Letter(5, 6000), Secrecy: "ลับมาก", Actor: "operator:test"})
		var ie *intake.Error
		if !errors.As(err, &ie) || ie.Field != "secrecy" || !strings.Contains(ie.Message, "--file-keys") || !strings.Contains(ie.Message, "ลับมาก") {
			t.Fatalf("%T: %v", blobs, err)
		}
	}
	if after := f.counts(t); after != before {
		t.Fatalf("something was stored: %s → %s", before, after)
	}
}
