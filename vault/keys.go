package vault

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// KeyFileEnv is the environment variable that names the key file (the flag is --file-keys).
const KeyFileEnv = "SARABAN_FILE_KEYS"

// ErrNoKeys is returned when a file must be sealed or opened and no keyring is configured.
var ErrNoKeys = errors.New("no file keys are configured: classified files (ลับ, ลับมาก) are encrypted at rest, so the operator must give saraban a key file with --file-keys FILE or SARABAN_FILE_KEYS (make one with `saraban keys files --out FILE`)")

var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// kek is one key-encryption key of the keyring, with the keys derived from it.
type kek struct {
	id   string
	wrap cipher.AEAD // wraps and unwraps data keys
	mac  []byte      // names sealed objects (HMAC-SHA256 of the plaintext digest)
}

// Keyring holds the key-encryption keys: the first is the current one (new objects are sealed
// with it), the others still open the objects sealed with them (rotation).
type Keyring struct {
	keys []*kek
	byID map[string]*kek
}

func newKEK(id string, secret []byte) (*kek, error) {
	if !idPattern.MatchString(id) {
		return nil, fmt.Errorf("key id %q: use 1 to 64 letters, digits, '.', '_' or '-'", id)
	}
	if len(secret) != 32 {
		return nil, fmt.Errorf("key %s is %d bytes: a file key is 32 random bytes (256 bits), base64", id, len(secret))
	}
	// The KEK itself is never used directly: one key wraps data keys, another names objects, so
	// that neither use can help attack the other.
	wk, err := hkdf.Key(sha256.New, secret, nil, "saraban vault v1 wrap", 32)
	if err != nil {
		return nil, err
	}
	mk, err := hkdf.Key(sha256.New, secret, nil, "saraban vault v1 name", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(wk)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &kek{id: id, wrap: aead, mac: mk}, nil
}

// ParseKeyring reads key lines "<id> <base64 of 32 bytes>". Blank lines and lines starting with
// '#' are ignored. The first key is the current one.
func ParseKeyring(data []byte) (*Keyring, error) {
	k := &Keyring{byID: map[string]*kek{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("line %d: write a key as \"<id> <base64 of 32 bytes>\"", n)
		}
		secret, err := base64.StdEncoding.DecodeString(f[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: key %s is not base64: %v", n, f[0], err)
		}
		e, err := newKEK(f[0], secret)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if k.byID[e.id] != nil {
			return nil, fmt.Errorf("line %d: key id %s is used twice", n, e.id)
		}
		k.keys = append(k.keys, e)
		k.byID[e.id] = e
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(k.keys) == 0 {
		return nil, errors.New("the key file holds no key: make one with `saraban keys files --out FILE`")
	}
	return k, nil
}

// LoadKeyring reads a key file. The file must be readable by its owner only (mode 0600 or
// 0400): a key file that others can read is refused, whatever it holds.
func LoadKeyring(path string) (*Keyring, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("file keys: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("file keys: %s is a folder, not a key file", path)
	}
	if runtime.GOOS != "windows" {
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			return nil, fmt.Errorf("file keys: %s has mode %04o, so other users can read the keys that protect classified letters: run `chmod 600 %s` (and consider the keys exposed if others did read them)", path, perm, path)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("file keys: %w", err)
	}
	k, err := ParseKeyring(data)
	if err != nil {
		return nil, fmt.Errorf("file keys %s: %w", path, err)
	}
	return k, nil
}

// Current is the id of the key that seals new objects.
func (k *Keyring) Current() string { return k.keys[0].id }

// IDs lists the key ids, current first.
func (k *Keyring) IDs() []string {
	out := make([]string, len(k.keys))
	for i, e := range k.keys {
		out[i] = e.id
	}
	return out
}

// NewKeyLine makes a fresh random key line "<id> <base64>". An empty id gets a dated one
// (k20250101-1a2b3c).
func NewKeyLine(id string) (string, error) {
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return "", err
	}
	if id == "" {
		var r [3]byte
		if _, err := rand.Read(r[:]); err != nil {
			return "", err
		}
		id = fmt.Sprintf("k%s-%x", time.Now().UTC().Format("20060102"), r)
	}
	if !idPattern.MatchString(id) {
		return "", fmt.Errorf("key id %q: use 1 to 64 letters, digits, '.', '_' or '-'", id)
	}
	return id + " " + base64.StdEncoding.EncodeToString(secret[:]), nil
}

// WriteKeyFile creates a key file with one new key (rotate false; an existing file is refused)
// or puts a new current key in front of the keys of an existing file (rotate true: the old
// keys stay, to open what they sealed). The file is written with mode 0600 and replaced
// atomically. It returns the new key's id.
func WriteKeyFile(path, id string, rotate bool) (string, error) {
	line, err := NewKeyLine(id)
	if err != nil {
		return "", err
	}
	newID := strings.Fields(line)[0]
	var old []byte
	if rotate {
		if _, err := LoadKeyring(path); err != nil {
			return "", err
		}
		if old, err = os.ReadFile(path); err != nil {
			return "", err
		}
		k, _ := ParseKeyring(old)
		if k.byID[newID] != nil {
			return "", fmt.Errorf("file keys %s already hold a key %s", path, newID)
		}
	} else if _, err := os.Stat(path); err == nil {
		return "", fmt.Errorf("%s exists: it may hold the only keys to classified files, so it is not overwritten (use --rotate to add a new current key to it)", path)
	}
	var b bytes.Buffer
	if !rotate {
		b.WriteString("# saraban file keys: \"<id> <base64 key>\" per line; the first line seals new files,\n" +
			"# every line still opens what it sealed. Keep a copy in a safe: without it, classified files cannot be read.\n")
	}
	// The new key goes before the first key line, after any leading comments.
	rest := old
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		ln := rest
		if i >= 0 {
			ln = rest[:i+1]
		}
		t := strings.TrimSpace(string(ln))
		if t != "" && !strings.HasPrefix(t, "#") {
			break
		}
		b.Write(ln)
		rest = rest[len(ln):]
	}
	b.WriteString(line + "\n")
	b.Write(rest)
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".file-keys-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", err
	}
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if !rotate {
		// Link, not rename: a file made meanwhile by someone else is not replaced.
		if err := os.Link(tmp.Name(), path); err != nil {
			return "", err
		}
		return newID, nil
	}
	return newID, os.Rename(tmp.Name(), path)
}
