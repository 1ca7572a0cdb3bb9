package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/activities"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
)

// TestOutgoingFromTheCommandLine: keys demo, outgoing create, approve, return, resubmit, sign and
// show from the command line; refusals exit 1 with the reason.
func TestOutgoingFromTheCommandLine(t *testing.T) {
	st := newCLIStack(t, "cli-outgoing")
	cli, must, acts := st.cli, st.must, st.acts
	refused := func(want string, args ...string) {
		t.Helper()
		_, err := cli(args...)
		var ee exitError
		if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(ee.msg, want) {
			t.Fatalf("saraban %s: want a refusal mentioning %q, got %v", strings.Join(args, " "), want, err)
		}
	}
	must("org", "import", testenv.DemoAgency())
	// The worker's key folder was made before the organisation existed: fill it (idempotent).
	keyDir := string(acts.SignKeys.(activities.KeyDir))
	var keys struct {
		Made []string `json:"made"`
	}
	if err := json.Unmarshal([]byte(must("keys", "demo", "--dir", keyDir, "--json")), &keys); err != nil || len(keys.Made) < 10 {
		t.Fatalf("keys demo: %+v %v", keys, err)
	}
	if err := json.Unmarshal([]byte(must("keys", "demo", "--dir", keyDir, "--json")), &keys); err != nil || len(keys.Made) != 0 {
		t.Fatalf("keys demo again: %+v %v", keys, err)
	}
	dir := t.TempDir()
	draft, draft2 := filepath.Join(dir, "d1.pdf"), filepath.Join(dir, "d2.pdf")
	os.WriteFile(draft, samplepdf.Letter(71, 9000), 0o644)
	os.WriteFile(draft2, samplepdf.Letter(72, 9000), 0o644)

	refused("ลับที่สุด", "outgoing", "create", "--register", "LAND-SEND", "--file", draft, "--subject", "x", "--to", "land-hatyai",
		"--signer", "governor", "--secrecy", "top_secret", "--as", "panisa")
	var o struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(must("outgoing", "create", "--register", "LAND-SEND", "--file", draft, "--subject", "ขอส่งรายงาน",
		"--to", "land-hatyai,dol@dol.example", "--signer", "governor", "--reviewers", "netanong,panisa", "--parallel", "--as", "panisa", "--json")), &o); err != nil {
		t.Fatal(err)
	}
	if o.Status != "review" {
		t.Fatalf("created: %+v", o)
	}
	refused("not a reviewer", "outgoing", "approve", o.ID, "--as", "onuma")
	must("outgoing", "approve", o.ID, "--as", "panisa") // parallel: any order
	must("outgoing", "return", o.ID, "--as", "netanong", "--note", "แก้ไขเรื่อง")
	refused("new draft", "outgoing", "resubmit", o.ID, "--as", "panisa")
	must("outgoing", "resubmit", o.ID, "--as", "panisa", "--file", draft2)
	must("outgoing", "approve", o.ID, "--as", "panisa")
	must("outgoing", "approve", o.ID, "--as", "netanong")
	refused("sign", "outgoing", "sign", o.ID, "--as", "panisa")
	var sig struct {
		DocNumber string   `json:"doc_number"`
		Capacity  []string `json:"capacity"`
	}
	if err := json.Unmarshal([]byte(must("outgoing", "sign", o.ID, "--as", "governor", "--json")), &sig); err != nil {
		t.Fatal(err)
	}
	if sig.DocNumber != "สข 0020/1" || len(sig.Capacity) != 1 || sig.Capacity[0] != "ผู้ว่าราชการจังหวัดสงขลา" {
		t.Fatalf("sign: %+v", sig)
	}
	var shown struct {
		Status     string `json:"status"`
		DocNumber  string `json:"doc_number"`
		Deliveries []struct {
			Recipient string `json:"recipient"`
			Register  string `json:"register"`
			Number    int    `json:"number"`
		} `json:"deliveries"`
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if err := json.Unmarshal([]byte(must("outgoing", "show", o.ID, "--json")), &shown); err != nil {
			t.Fatal(err)
		}
		if shown.Status == "sent" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if shown.Status != "sent" || len(shown.Deliveries) != 2 {
		t.Fatalf("show: %+v", shown)
	}
	if !strings.Contains(must("outgoing", "show", o.ID), "ที่ สข 0020/1") {
		t.Fatal("show does not print the number")
	}
}
