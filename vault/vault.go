// Package vault keeps the files of classified letters (ลับ, ลับมาก) encrypted at rest, on top of
// the content-addressed object store (storage/objects). It is envelope encryption: every sealed
// object has its own random 256-bit data key (AES-256-GCM), and that data key is stored wrapped
// by a key-encryption key (KEK) of the keyring. Plain objects pass through unchanged, so a
// Vault is a drop-in object store for everything that reads revisions: Get opens a sealed
// object transparently. See docs/files.md.
package vault

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/minio/minio-go/v7"

	"github.com/saraban/saraban/storage/objects"
)

// SealedPrefix starts the key of every sealed object: sealed/<hex>.pdf.
const SealedPrefix = "sealed/"

// Magic starts every sealed object (version 1 of the format).
const Magic = "SBNSEAL1"

const (
	nonceSize   = 12
	dataKeySize = 32
	wrappedSize = dataKeySize + 16 // GCM tag
)

// ErrTampered is returned when a sealed object does not open: wrong key, a changed byte, or an
// object put under another object's name.
var ErrTampered = errors.New("the sealed file does not open: it was changed, or it was sealed with another key")

// IsSealed tells whether key names a sealed object.
func IsSealed(key string) bool { return strings.HasPrefix(key, SealedPrefix) }

// Vault is the object store with sealing. Keys may be nil: plain objects still work, and
// sealing or opening a sealed object fails with ErrNoKeys.
type Vault struct {
	Store *objects.Store
	Keys  *Keyring
}

// New wraps store; keys may be nil (no keyring configured).
func New(store *objects.Store, keys *Keyring) *Vault { return &Vault{Store: store, Keys: keys} }

// CanSeal tells whether a keyring is configured.
func (v *Vault) CanSeal() bool { return v != nil && v.Keys != nil && len(v.Keys.keys) > 0 }

// PutPDF stores data in the clear under sha256/<hex>.pdf (objects.Store.PutPDF).
func (v *Vault) PutPDF(ctx context.Context, data []byte) (key, digest string, err error) {
	return v.Store.PutPDF(ctx, data)
}

// Put stores data sealed or in the clear.
func (v *Vault) Put(ctx context.Context, data []byte, sealed bool) (key, digest string, err error) {
	if sealed {
		return v.PutSealed(ctx, data)
	}
	return v.PutPDF(ctx, data)
}

// SealedKey is the object key a file with the given plaintext SHA-256 gets when sealed with the
// current key: an HMAC of the digest, so that the same file is stored once (per key) while the
// digest itself, which would let anyone holding a copy confirm it is there, is not exposed.
func (v *Vault) SealedKey(sha256hex string) (string, error) {
	if !v.CanSeal() {
		return "", ErrNoKeys
	}
	return sealedName(v.Keys.keys[0], sha256hex)
}

func sealedName(k *kek, sha256hex string) (string, error) {
	d, err := hex.DecodeString(sha256hex)
	if err != nil || len(d) != sha256.Size {
		return "", fmt.Errorf("vault: %q is not a SHA-256 digest", sha256hex)
	}
	m := hmac.New(sha256.New, k.mac)
	m.Write(d)
	return SealedPrefix + hex.EncodeToString(m.Sum(nil)) + ".pdf", nil
}

// PutSealed encrypts data with a fresh data key wrapped by the current KEK and stores it under
// SealedKey. It returns the object key and the PLAINTEXT digest (what revisions.sha256 holds).
// Storing the same file twice is harmless: the put is conditional and the object that is
// already there opens to the same bytes.
func (v *Vault) PutSealed(ctx context.Context, data []byte) (key, digest string, err error) {
	if !v.CanSeal() {
		return "", "", ErrNoKeys
	}
	digest = objects.SHA256Hex(data)
	k := v.Keys.keys[0]
	if key, err = sealedName(k, digest); err != nil {
		return "", "", err
	}
	if ok, err := v.Store.Exists(ctx, key); err == nil && ok {
		return key, digest, nil
	}
	blob, err := seal(k, data)
	if err != nil {
		return "", "", err
	}
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	opts.SetMatchETagExcept("*")
	if _, err := v.Store.Client.PutObject(ctx, v.Store.Bucket, key, bytes.NewReader(blob), int64(len(blob)), opts); err != nil {
		if r := minio.ToErrorResponse(err); r.StatusCode == http.StatusPreconditionFailed || r.Code == "PreconditionFailed" {
			return key, digest, nil
		}
		return "", "", fmt.Errorf("store %s: %w", key, err)
	}
	return key, digest, nil
}

// Get reads an object. A sealed object is opened (decrypted and authenticated, and its name
// checked against the plaintext); a plain one is read as objects.Store.Get reads it.
func (v *Vault) Get(ctx context.Context, key string) ([]byte, error) {
	raw, err := v.Store.Get(ctx, key)
	if err != nil || !IsSealed(key) {
		return raw, err
	}
	if v.Keys == nil {
		return nil, fmt.Errorf("%s is sealed: %w", key, ErrNoKeys)
	}
	plain, k, err := v.Keys.open(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	if name, err := sealedName(k, objects.SHA256Hex(plain)); err != nil || name != key {
		return nil, fmt.Errorf("%s: %w", key, ErrTampered)
	}
	return plain, nil
}

// GetVerified reads an object like Get and checks that its plaintext hashes to sha256hex (the
// revision's digest).
func (v *Vault) GetVerified(ctx context.Context, key, sha256hex string) ([]byte, error) {
	data, err := v.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if sha256hex != "" {
		if got := objects.SHA256Hex(data); got != sha256hex {
			return nil, fmt.Errorf("object %s does not hold the revision: its content hashes to %s, the register says %s", key, got, sha256hex)
		}
	}
	return data, nil
}

// Exists tells whether key is stored.
func (v *Vault) Exists(ctx context.Context, key string) (bool, error) {
	return v.Store.Exists(ctx, key)
}

// A sealed object is
//
//	"SBNSEAL1" | id length (1 byte) | KEK id | wrap nonce (12) | wrapped data key (48) | nonce (12) | ciphertext and tag
//
// The data key is wrapped with AES-256-GCM under a key derived from the KEK, with the magic,
// length and id as associated data; the file is encrypted with AES-256-GCM under the data key,
// with the whole header as associated data, so no byte of it can change unnoticed.
func seal(k *kek, plain []byte) ([]byte, error) {
	var dk [dataKeySize]byte
	if _, err := rand.Read(dk[:]); err != nil {
		return nil, err
	}
	hdr := make([]byte, 0, len(Magic)+1+len(k.id)+nonceSize+wrappedSize+nonceSize)
	hdr = append(hdr, Magic...)
	hdr = append(hdr, byte(len(k.id)))
	hdr = append(hdr, k.id...)
	idEnd := len(hdr)
	wn := make([]byte, nonceSize)
	if _, err := rand.Read(wn); err != nil {
		return nil, err
	}
	hdr = append(hdr, wn...)
	aad := bytes.Clone(hdr[:idEnd])
	hdr = k.wrap.Seal(hdr, wn, dk[:], aad)
	cn := make([]byte, nonceSize)
	if _, err := rand.Read(cn); err != nil {
		return nil, err
	}
	hdr = append(hdr, cn...)
	aead, err := dataAEAD(dk[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(hdr), len(hdr)+len(plain)+aead.Overhead())
	copy(out, hdr)
	return aead.Seal(out, cn, plain, hdr), nil
}

func dataAEAD(dk []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(dk)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// open decrypts a sealed object and returns the KEK that opened it.
func (kr *Keyring) open(blob []byte) ([]byte, *kek, error) {
	if len(blob) < len(Magic)+1 || string(blob[:len(Magic)]) != Magic {
		return nil, nil, fmt.Errorf("%w (it does not start with %s)", ErrTampered, Magic)
	}
	n := int(blob[len(Magic)])
	idEnd := len(Magic) + 1 + n
	hdrEnd := idEnd + nonceSize + wrappedSize + nonceSize
	if len(blob) < hdrEnd+16 {
		return nil, nil, fmt.Errorf("%w (it is too short)", ErrTampered)
	}
	id := string(blob[len(Magic)+1 : idEnd])
	k := kr.byID[id]
	if k == nil {
		return nil, nil, fmt.Errorf("it was sealed with key %q, which is not in the key file (keys: %s): add the old key back to the file after the current one", id, strings.Join(kr.IDs(), ", "))
	}
	wn := blob[idEnd : idEnd+nonceSize]
	wrapped := blob[idEnd+nonceSize : idEnd+nonceSize+wrappedSize]
	dk, err := k.wrap.Open(nil, wn, wrapped, blob[:idEnd])
	if err != nil {
		return nil, nil, fmt.Errorf("%w (the data key does not unwrap with key %s)", ErrTampered, id)
	}
	aead, err := dataAEAD(dk)
	if err != nil {
		return nil, nil, err
	}
	cn := blob[hdrEnd-nonceSize : hdrEnd]
	plain, err := aead.Open(nil, cn, blob[hdrEnd:], blob[:hdrEnd])
	if err != nil {
		return nil, nil, ErrTampered
	}
	return plain, k, nil
}
