// Package auth holds what signing in needs and nothing else: password hashing (argon2id),
// random session and CSRF tokens, and the OpenID Connect client. It keeps no state of its own:
// accounts and sessions live in PostgreSQL (storage/accounts.go). Who may do what once signed in
// is decided by package policy.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters. The defaults follow RFC 9106's second recommended
// option (64 MiB, 3 passes) scaled to one lane per core of a small server.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
}

// DefaultParams is what new passwords are hashed with.
var DefaultParams = Params{Memory: 64 * 1024, Time: 3, Threads: 2, KeyLen: 32}

// MinPasswordLen is the shortest password accepted (in characters).
const MinPasswordLen = 10

// ErrMismatch is a wrong password.
var ErrMismatch = errors.New("wrong password")

// CheckPolicy says what is wrong with a new password, or nil.
func CheckPolicy(password, username string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return fmt.Errorf("a password needs at least %d characters (รหัสผ่านต้องยาวอย่างน้อย %d ตัวอักษร)", MinPasswordLen, MinPasswordLen)
	case n > 256:
		return errors.New("a password may have at most 256 characters")
	case username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)):
		return errors.New("a password may not contain the username (รหัสผ่านต้องไม่มีชื่อผู้ใช้)")
	}
	return nil
}

// Hash hashes a password as a PHC string: $argon2id$v=19$m=65536,t=3,p=2$salt$hash.
func Hash(password string, p Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify checks a password against a PHC string made by Hash, in constant time. It also says
// whether the hash should be redone with the current parameters.
func Verify(password, encoded string, current Params) (rehash bool, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("the stored password hash is not argon2id")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("the stored password hash has an unknown argon2 version")
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, errors.New("the stored password hash has unreadable parameters")
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errors.New("the stored password hash has an unreadable salt")
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errors.New("the stored password hash is unreadable")
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, ErrMismatch
	}
	p.KeyLen = uint32(len(want))
	return p != current, nil
}

// dummyHash is verified against when the username is unknown, so that the answer takes as long
// as for a known one.
var dummyHash, _ = Hash("saraban-no-such-user", DefaultParams)

// VerifyUnknown spends the time a real verification takes.
func VerifyUnknown(password string) {
	_, _ = Verify(password, dummyHash, DefaultParams)
}

// Token returns n random bytes as URL-safe base64 (session ids, CSRF tokens, OIDC state).
func Token(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Equal compares two secrets in constant time.
func Equal(a, b string) bool {
	return len(a) > 0 && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
