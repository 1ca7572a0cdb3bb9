package vault_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage/objects"
	"github.com/saraban/saraban/vault"
)

func keyring(t *testing.T, ids ...string) (*vault.Keyring, string) {
	t.Helper()
	var text string
	for _, id := range ids {
		line, err := vault.NewKeyLine(id)
		if err != nil {
			t.Fatal(err)
		}
		text += line + "\n"
	}
	k, err := vault.ParseKeyring([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return k, text
}

// raw reads an object's stored bytes, bypassing the vault.
func raw(t *testing.T, s *objects.Store, key string) []byte {
	t.Helper()
	b, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// replace overwrites an object (only a test does that: the store never overwrites).
func replace(t *testing.T, s *objects.Store, key string, data []byte) {
	t.Helper()
	ctx := context.Background()
	if err := s.Client.RemoveObject(ctx, s.Bucket, key, minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.PutObject(ctx, s.Bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestSealRoundTripAndAtRest(t *testing.T) {
	ctx := context.Background()
	store := testenv.Objects(t)
	k, _ := keyring(t, "k1")
	v := vault.New(store, k)
	pdf := samplepdf.Letter(7, 20000)
	key, digest, err := v.PutSealed(ctx, pdf)
	if err != nil {
		t.Fatal(err)
	}
	if digest != objects.SHA256Hex(pdf) {
		t.Fatalf("PutSealed must return the plaintext digest: %s", digest)
	}
	if !vault.IsSealed(key) || strings.Contains(key, digest) || !strings.HasSuffix(key, ".pdf") || len(key) != len("sealed/")+64+4 {
		t.Fatalf("sealed key %q (must not show the plaintext digest)", key)
	}
	got, err := v.Get(ctx, key)
	if err != nil || !bytes.Equal(got, pdf) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := v.GetVerified(ctx, key, digest); err != nil {
		t.Fatal(err)
	}
	if _, err := v.GetVerified(ctx, key, strings.Repeat("0", 64)); err == nil {
		t.Fatal("GetVerified accepted the wrong digest")
	}

	// At rest: MinIO holds ciphertext, no PDF header, no text of the letter, no digest.
	stored := raw(t, store, key)
	if !bytes.HasPrefix(stored, []byte(vault.Magic)) {
		t.Fatalf("stored object does not start with %s", vault.Magic)
	}
	for _, plain := range [][]byte{[]byte("%PDF"), []byte("endobj"), []byte("/Type"), pdf[len(pdf)/2 : len(pdf)/2+32]} {
		if bytes.Contains(stored, plain) {
			t.Fatalf("the stored object contains plaintext %q", plain)
		}
	}
	st, err := store.Client.StatObject(ctx, store.Bucket, key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for k, val := range st.UserMetadata {
		if strings.Contains(val, digest) {
			t.Fatalf("metadata %s exposes the plaintext digest", k)
		}
	}

	// Dedupe: the same file sealed again is the same object.
	key2, _, err := v.PutSealed(ctx, pdf)
	if err != nil || key2 != key {
		t.Fatalf("second seal: %s %v", key2, err)
	}
	if n, _ := store.Count(ctx); n != 1 {
		t.Fatalf("%d objects after sealing one file twice", n)
	}
	// Plain objects pass through.
	pkey, _, err := v.PutPDF(ctx, pdf)
	if err != nil || pkey != objects.PDFKey(digest) {
		t.Fatalf("plain put: %s %v", pkey, err)
	}
	if b, err := v.Get(ctx, pkey); err != nil || !bytes.Equal(b, pdf) {
		t.Fatalf("plain get: %v", err)
	}
}

func TestWrongKeyAndTampering(t *testing.T) {
	ctx := context.Background()
	store := testenv.Objects(t)
	k, _ := keyring(t, "k1")
	v := vault.New(store, k)
	pdf := samplepdf.Letter(8, 5000)
	key, _, err := v.PutSealed(ctx, pdf)
	if err != nil {
		t.Fatal(err)
	}
	// Same id, another secret: the data key does not unwrap.
	other, _ := keyring(t, "k1")
	if _, err := vault.New(store, other).Get(ctx, key); !errors.Is(err, vault.ErrTampered) {
		t.Fatalf("wrong key: %v", err)
	}
	// Another id: the message names the missing key.
	if _, err := vault.New(store, mustKeys(t, "k9")).Get(ctx, key); err == nil || !strings.Contains(err.Error(), `"k1"`) {
		t.Fatalf("unknown key id: %v", err)
	}
	// No keyring at all.
	if _, err := vault.New(store, nil).Get(ctx, key); !errors.Is(err, vault.ErrNoKeys) {
		t.Fatalf("no keys: %v", err)
	}
	if _, _, err := vault.New(store, nil).PutSealed(ctx, pdf); !errors.Is(err, vault.ErrNoKeys) {
		t.Fatalf("seal without keys: %v", err)
	}

	// Every single changed byte is refused: in the id, the wrapped key, the nonces, the
	// ciphertext and the tag.
	orig := raw(t, store, key)
	for _, i := range []int{len(vault.Magic) + 1, 12, 20, 40, 70, 80, 90, len(orig) / 2, len(orig) - 1} {
		bad := bytes.Clone(orig)
		bad[i] ^= 0x01
		replace(t, store, key, bad)
		if _, err := v.Get(ctx, key); err == nil {
			t.Fatalf("a change at byte %d was not noticed", i)
		}
	}
	replace(t, store, key, orig[:len(orig)-5])
	if _, err := v.Get(ctx, key); err == nil {
		t.Fatal("a truncated object opened")
	}
	// Another sealed file put under this file's name: it decrypts, but is not what the name says.
	otherKey, _, err := v.PutSealed(ctx, samplepdf.Letter(9, 5000))
	if err != nil {
		t.Fatal(err)
	}
	replace(t, store, key, raw(t, store, otherKey))
	if _, err := v.Get(ctx, key); !errors.Is(err, vault.ErrTampered) {
		t.Fatalf("a swapped object opened: %v", err)
	}
	replace(t, store, key, orig)
	if b, err := v.Get(ctx, key); err != nil || !bytes.Equal(b, pdf) {
		t.Fatalf("restored object: %v", err)
	}
}

func mustKeys(t *testing.T, ids ...string) *vault.Keyring {
	k, _ := keyring(t, ids...)
	return k
}

func TestRotation(t *testing.T) {
	ctx := context.Background()
	store := testenv.Objects(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "file-keys")
	id1, err := vault.WriteKeyFile(path, "old", false)
	if err != nil || id1 != "old" {
		t.Fatalf("new key file: %s %v", id1, err)
	}
	k1, err := vault.LoadKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	pdf := samplepdf.Letter(10, 5000)
	oldKey, _, err := vault.New(store, k1).PutSealed(ctx, pdf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vault.WriteKeyFile(path, "new", true); err != nil {
		t.Fatal(err)
	}
	k2, err := vault.LoadKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	if k2.Current() != "new" || strings.Join(k2.IDs(), ",") != "new,old" {
		t.Fatalf("after rotation: %v", k2.IDs())
	}
	v2 := vault.New(store, k2)
	if b, err := v2.Get(ctx, oldKey); err != nil || !bytes.Equal(b, pdf) {
		t.Fatalf("the old key no longer opens its files: %v", err)
	}
	newKey, _, err := v2.PutSealed(ctx, samplepdf.Letter(11, 5000))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw(t, store, newKey), []byte(vault.Magic+"\x03new")) {
		t.Fatal("a new file was not sealed with the new current key")
	}
	// A keyring without the old key cannot open the old files, and says why.
	if _, err := vault.New(store, mustKeys(t, "new")).Get(ctx, oldKey); err == nil || !strings.Contains(err.Error(), "add the old key back") {
		t.Fatalf("old file without the old key: %v", err)
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys")
	if _, err := vault.WriteKeyFile(path, "", false); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", st.Mode(), err)
	}
	k, err := vault.LoadKeyring(path)
	if err != nil || !strings.HasPrefix(k.Current(), "k") {
		t.Fatalf("load: %v", err)
	}
	if _, err := vault.WriteKeyFile(path, "", false); err == nil || !strings.Contains(err.Error(), "not overwritten") {
		t.Fatalf("an existing key file was overwritten: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := vault.LoadKeyring(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key file readable by others was accepted: %v", err)
	}
	if _, err := vault.WriteKeyFile(path, "", true); err == nil {
		t.Fatal("rotation of a key file readable by others was accepted")
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := vault.LoadKeyring(path); err != nil {
		t.Fatalf("mode 0400: %v", err)
	}
	for _, bad := range []string{"", "# only a comment\n", "k1 notbase64!\n", "k1 AAAA\n", "k1\n", "bad/id " + strings.Repeat("A", 43) + "=\n"} {
		if _, err := vault.ParseKeyring([]byte(bad)); err == nil {
			t.Errorf("key file %q accepted", bad)
		}
	}
	_, text := keyring(t, "a")
	if _, err := vault.ParseKeyring([]byte(text + text)); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a key id used twice: %v", err)
	}
}
