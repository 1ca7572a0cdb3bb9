package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/internal/corpus"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/vault"
)

func TestKeysFilesCommand(t *testing.T) {
	run := func(args ...string) (string, error) {
		app := &cli.App{Name: "saraban", Commands: []*cli.Command{{Name: "keys", Subcommands: []*cli.Command{keysFilesCommand()}}}}
		var out bytes.Buffer
		app.Writer, app.ErrWriter = &out, &out
		err := app.Run(append([]string{"saraban", "keys", "files"}, args...))
		return out.String(), err
	}
	p := filepath.Join(t.TempDir(), "file-keys")
	out, err := run("--out", p, "--id", "first", "--json")
	if err != nil {
		t.Fatalf("%v %s", err, out)
	}
	var res struct {
		Current string   `json:"current"`
		Keys    []string `json:"keys"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Current != "first" {
		t.Fatalf("%s %v", out, err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	if _, err := run("--out", p); err == nil {
		t.Fatal("an existing key file was overwritten")
	}
	if out, err = run("--out", p, "--rotate", "--id", "second"); err != nil || !strings.Contains(out, "second, first") {
		t.Fatalf("rotate: %v %s", err, out)
	}
}

// `saraban receive` seals a ลับ letter with the key file, refuses it without one, and
// `saraban letter pdf` writes a readable copy with the operator's name on it.
func TestClassifiedLetterFromTheCommandLine(t *testing.T) {
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		corpus.Missing(t, "pdftotext not installed (Debian package poppler-utils)")
	}
	t.Setenv(vault.KeyFileEnv, "")
	t.Setenv("SARABAN_OPERATOR", "somchai")
	db := testenv.DB(t)
	blobs := testenv.Objects(t)
	url, bucket := testenv.DBURL(db), blobs.Bucket
	if _, err := run(t, url, bucket, "org", "import", testenv.DemoAgency()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "letter.pdf")
	if err := os.WriteFile(pdf, samplepdf.Letter(21, 8000), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, url, bucket, "receive", "--register", "LAND-RECV", "--file", pdf, "--secrecy", "ลับ"); err == nil || !strings.Contains(err.Error(), "--file-keys") {
		t.Fatalf("a ลับ letter without file keys: %v", err)
	}
	keys := testenv.FileKeyFile(t)
	out, err := run(t, url, bucket, "receive", "--register", "LAND-RECV", "--file", pdf, "--secrecy", "ลับ", "--file-keys", keys, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		LetterID string `json:"letter_id"`
	}
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(dir, "copy.pdf")
	if _, err := run(t, url, bucket, "letter", "pdf", rec.LetterID, "--out", copyPath); err == nil {
		t.Fatal("a sealed file was written without the file keys")
	}
	t.Setenv(vault.KeyFileEnv, keys) // the environment variable works as the flag does
	if _, err := run(t, url, bucket, "letter", "pdf", rec.LetterID, "--revision", "original", "--out", copyPath); err != nil {
		t.Fatal(err)
	}
	txt, err := exec.Command(pdftotext, "-q", "-enc", "UTF-8", copyPath, "-").Output()
	if err != nil || !strings.Contains(string(txt), "somchai") || !strings.Contains(string(txt), "ลับ") {
		t.Fatalf("the copy does not carry the operator's name: %v\n%s", err, txt)
	}
	if err := os.Chmod(keys, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, url, bucket, "letter", "pdf", rec.LetterID, "--out", copyPath); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key file readable by others: %v", err)
	}
}
