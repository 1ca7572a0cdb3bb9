// Package corpus finds the shared corpus of real letters (../shared/corpus beside the checkout,
// as CI lays it out, or SARABAN_CORPUS) for tests.
package corpus

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the corpus folder. When it is missing the test is skipped on a developer's
// machine, and fails under CI (CI=true), where a missing corpus would otherwise pass silently.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("SARABAN_CORPUS")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "letter-cases.json")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus not found at %s (set SARABAN_CORPUS): %v", dir, err)
		}
		t.Skipf("corpus not found at %s (set SARABAN_CORPUS): %v", dir, err)
	}
	return dir
}

// Missing skips a test whose tool, font or corpus is absent on a developer's machine, and fails
// it under CI (CI=true), where deploy/local/stack.sh installs them all: a green CI run means
// these tests ran.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// PublicLetters returns the expected-fields files of the public letters (public-letters/*.json).
func PublicLetters(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(Dir(t), "public-letters", "*.json"))
	if len(files) == 0 {
		Missing(t, "no public letters in %s", Dir(t))
	}
	return files
}
