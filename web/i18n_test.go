package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMessagesComplete: every message key a template or a handler names literally exists, with
// Thai, and with English unless the words are the same in both (e.g. a code).
func TestMessagesComplete(t *testing.T) {
	used := map[string]string{}
	tmplKey := regexp.MustCompile(`\.T "([a-z0-9_.\-]+)"`)
	goKey := regexp.MustCompile(`\.T\("([a-z0-9_.\-]+)"`)
	_ = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := templateFS.ReadFile(p)
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = p
		}
		return nil
	})
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = f
		}
	}
	if len(used) < 100 {
		t.Fatalf("found only %d message keys in use: the scan is broken", len(used))
	}
	messagesMu.RLock()
	defer messagesMu.RUnlock()
	for k, where := range used {
		if strings.HasSuffix(k, ".") {
			continue // a prefix completed at run time ("urgency." + u)
		}
		m, ok := messages[k]
		switch {
		case !ok:
			t.Errorf("%s uses the message %q, which is not defined", where, k)
		case strings.TrimSpace(m[0]) == "":
			t.Errorf("message %q has no Thai", k)
		case strings.TrimSpace(m[1]) == "":
			t.Errorf("message %q has no English", k)
		}
	}
}
