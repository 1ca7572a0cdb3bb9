package testenv

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/saraban/saraban/storage/objects"
	"github.com/saraban/saraban/vault"
)

var (
	fileKeysOnce sync.Once
	fileKeysText string
	fileKeys     *vault.Keyring
	fileKeysErr  error
)

// fileKeyring is one generated keyring for the whole test process, so that the intake of a test
// and the worker it starts (testenv.Worker) seal and open with the same keys.
func fileKeyring(t testing.TB) (*vault.Keyring, string) {
	t.Helper()
	fileKeysOnce.Do(func() {
		line, err := vault.NewKeyLine("test-1")
		if err != nil {
			fileKeysErr = err
			return
		}
		fileKeysText = line + "\n"
		fileKeys, fileKeysErr = vault.ParseKeyring([]byte(fileKeysText))
	})
	if fileKeysErr != nil {
		t.Fatal(fileKeysErr)
	}
	return fileKeys, fileKeysText
}

// FileKeys is the test process's keyring for classified files.
func FileKeys(t testing.TB) *vault.Keyring {
	k, _ := fileKeyring(t)
	return k
}

// FileKeyFile writes the test process's keyring to a key file (mode 0600) in the test's
// temporary folder, for tests that run the binary with --file-keys.
func FileKeyFile(t testing.TB) string {
	t.Helper()
	_, text := fileKeyring(t)
	p := filepath.Join(t.TempDir(), "file-keys")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Vault wraps a fresh bucket (Objects) with the test keyring.
func Vault(t testing.TB) *vault.Vault {
	t.Helper()
	return vault.New(Objects(t), FileKeys(t))
}

// VaultOf wraps an existing bucket with the test keyring.
func VaultOf(t testing.TB, s *objects.Store) *vault.Vault {
	t.Helper()
	return vault.New(s, FileKeys(t))
}
