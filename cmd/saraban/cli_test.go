package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
)

// run runs the saraban command line in-process against the test's database and bucket.
func run(t *testing.T, dbURL, bucket string, args ...string) (string, error) {
	t.Helper()
	app := newApp()
	var out, errOut bytes.Buffer
	app.Writer, app.ErrWriter = &out, &errOut
	full := append([]string{"saraban", "--database-url", dbURL, "--s3-bucket", bucket}, args...)
	err := app.Run(reorderArgs(app, full))
	if err != nil && errOut.Len() > 0 {
		t.Logf("stderr: %s", errOut.String())
	}
	return out.String(), err
}

func TestReceiveShowExportAndAuditFromTheCommandLine(t *testing.T) {
	db := testenv.DB(t)
	blobs := testenv.Objects(t)
	url, bucket := testenv.DBURL(db), blobs.Bucket
	if _, err := run(t, url, bucket, "org", "import", testenv.DemoAgency()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "letter.pdf")
	if err := os.WriteFile(pdf, samplepdf.Letter(5, 20_000), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, url, bucket, "receive", "--register", "LAND-RECV", "--file", pdf, "--doc-number", "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗",
		"--doc-date", "7 ตุลาคม 2567", "--subject", "ทดสอบ", "--urgency", "ด่วน", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatalf("receive --json printed %q", out)
	}
	for _, k := range []string{"letter_id", "register", "year", "number", "received_at", "original_sha256"} {
		if _, ok := rec[k]; !ok {
			t.Errorf("receive --json lacks %q", k)
		}
	}
	if !strings.HasSuffix(rec["received_at"].(string), "+07:00") {
		t.Errorf("received_at %v is not in +07:00", rec["received_at"])
	}
	id := rec["letter_id"].(string)
	// Flags after the argument, as people type them.
	out, err = run(t, url, bucket, "letter", "show", id, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var l struct {
		Revisions []struct {
			Kind   string `json:"kind"`
			SHA256 string `json:"sha256"`
		} `json:"revisions"`
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil || len(l.Revisions) != 1 || l.Revisions[0].SHA256 != rec["original_sha256"] {
		t.Fatalf("letter show: %s (%v)", out, err)
	}
	orig := filepath.Join(dir, "orig.pdf")
	if _, err := run(t, url, bucket, "letter", "pdf", id, "--revision", "original", "--out", orig); err != nil {
		t.Fatal(err)
	}
	if a, b := mustRead(t, orig), mustRead(t, pdf); !bytes.Equal(a, b) {
		t.Fatal("letter pdf --revision original differs from what was received")
	}
	year := int(rec["year"].(float64))
	out, err = run(t, url, bucket, "register", "export", "--register", "LAND-RECV", "--year", itoa(year), "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != "1" || rows[1][2] != "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗" || rows[1][3] != "2024-10-07" || rows[1][7] != "urgent" {
		t.Fatalf("export: %q (%v)", out, err)
	}
	if out, err = run(t, url, bucket, "audit", "verify"); err != nil || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify: %q %v", out, err)
	}
	// A refusal exits non-zero with one line that says what to fix.
	_, err = run(t, url, bucket, "receive", "--register", "LAND-RECV", "--file", pdf)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(ee.msg, "already in register") || strings.Contains(ee.msg, "\n") {
		t.Fatalf("duplicate receive: %v", err)
	}
	_, err = run(t, url, bucket, "receive", "--register", "NOPE", "--file", pdf)
	if !errors.As(err, &ee) || !strings.Contains(ee.msg, "register list") {
		t.Fatalf("unknown register: %v", err)
	}
	// A token is shown once and works as the person.
	out, err = run(t, url, bucket, "token", "create", "--person", "sujit", "--json")
	if err != nil || !strings.Contains(out, `"token": "sbn_`) {
		t.Fatalf("token create: %q %v", out, err)
	}
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestReorderArgsPutsFlagsFirst(t *testing.T) {
	app := newApp()
	got := strings.Join(reorderArgs(app, []string{"saraban", "letter", "pdf", "ID", "--revision", "stamped", "--out", "x.pdf"}), " ")
	if got != "saraban letter pdf --revision stamped --out x.pdf ID" {
		t.Fatalf("got %q", got)
	}
	got = strings.Join(reorderArgs(app, []string{"saraban", "--database-url", "u", "letter", "show", "ID", "--json"}), " ")
	if got != "saraban --database-url u letter show --json ID" {
		t.Fatalf("got %q", got)
	}
}
