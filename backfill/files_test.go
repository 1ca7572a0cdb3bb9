package backfill_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/saraban/saraban/backfill"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/manifest"
	"github.com/saraban/saraban/vault"
)

// A classified row's file is sealed like intake's; without file keys the row is a problem and
// nothing is written.
func TestClassifiedRowsAreSealed(t *testing.T) {
	db, blobs, dir := setup(t)
	ctx := context.Background()
	secret := samplepdf.Letter(31, 3000)
	os.WriteFile(filepath.Join(dir, "secret.pdf"), secret, 0o644)
	os.WriteFile(filepath.Join(dir, "plain.pdf"), samplepdf.Letter(32, 3000), 0o644)
	r1 := row(1, "secret.pdf", "closed")
	r1.Secrecy = "ลับ"
	mf := filepath.Join(dir, "m.csv")
	writeCSV(t, mf, []manifest.Row{r1, row(2, "plain.pdf", "closed")})

	_, err := backfill.Run(ctx, backfill.Config{DB: db, Blobs: blobs, Register: reg, Manifest: mf, FilesDir: dir})
	pe, ok := err.(*backfill.ProblemsError)
	if !ok || pe.N != 1 {
		t.Fatalf("without file keys: %v", err)
	}
	if n := count(t, db, `SELECT count(*) FROM letters`); n != 0 {
		t.Fatalf("%d letters written", n)
	}

	v := testenv.VaultOf(t, blobs)
	if _, err := backfill.Run(ctx, backfill.Config{DB: db, Blobs: blobs, Sealer: v, Register: reg, Manifest: mf, FilesDir: dir}); err != nil {
		t.Fatal(err)
	}
	var key, sha, sec string
	if err := db.Pool.QueryRow(ctx, `SELECT r.object_key, r.sha256, l.secrecy FROM revisions r JOIN letters l ON l.id = r.letter_id
		WHERE l.subject = 'เรื่องที่ 1'`).Scan(&key, &sha, &sec); err != nil {
		t.Fatal(err)
	}
	if !vault.IsSealed(key) || sec != "confidential" {
		t.Fatalf("classified row stored as %s (%s)", key, sec)
	}
	raw, err := blobs.Get(ctx, key)
	if err != nil || bytes.Contains(raw, []byte("%PDF")) {
		t.Fatalf("the file is in the clear at rest: %v", err)
	}
	if got, err := v.GetVerified(ctx, key, sha); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open: %v", err)
	}
	var plainKey string
	if err := db.Pool.QueryRow(ctx, `SELECT r.object_key FROM revisions r JOIN letters l ON l.id = r.letter_id
		WHERE l.subject = 'เรื่องที่ 2'`).Scan(&plainKey); err != nil || !strings.HasPrefix(plainKey, "sha256/") {
		t.Fatalf("plain row: %s %v", plainKey, err)
	}
}
