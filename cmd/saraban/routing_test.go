package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
)

// TestRoutingFromTheCommandLine scripts a letter's life with the CLI: receive, annotate, order
// with a due date, acknowledge, forward, timeline, lineage, close; refusals exit 1 with the reason.
func TestRoutingFromTheCommandLine(t *testing.T) {
	st := newCLIStack(t, "cli-routing")
	db, cli, must := st.db, st.cli, st.must
	must("org", "import", testenv.DemoAgency())
	pdf := filepath.Join(t.TempDir(), "l.pdf")
	if err := os.WriteFile(pdf, samplepdf.Letter(9, 9000), 0o644); err != nil {
		t.Fatal(err)
	}
	var rec struct {
		LetterID string `json:"letter_id"`
	}
	if err := json.Unmarshal([]byte(must("receive", "--register", "LAND-RECV", "--file", pdf, "--subject", "ขอความร่วมมือ", "--json")), &rec); err != nil {
		t.Fatal(err)
	}
	id := rec.LetterID
	must("letter", "annotate", id, "--note", "เรียน จพด. เพื่อโปรดทราบ", "--as", "panisa")
	var ord struct {
		Capacity []string `json:"capacity"`
		TaskIDs  []int64  `json:"task_ids"`
	}
	if err := json.Unmarshal([]byte(must("letter", "order", id, "--to", "land-hatyai,onuma", "--purpose", "เพื่อดำเนินการ",
		"--due", "๓๑ ธ.ค. ๒๕๗๐", "--note", "ดำเนินการ", "--as", "sujit", "--json")), &ord); err != nil {
		t.Fatal(err)
	}
	if len(ord.TaskIDs) != 2 || len(ord.Capacity) != 1 || ord.Capacity[0] != "เจ้าพนักงานที่ดินจังหวัดสงขลา" {
		t.Fatalf("order: %+v", ord)
	}
	// A clerk may not order: the refusal names who may.
	_, err := cli("letter", "order", id, "--to", "land-sadao", "--purpose", "inform", "--as", "panisa")
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(ee.msg, "sujit") {
		t.Fatalf("clerk's order: %v", err)
	}
	// onuma has two open tasks (her unit's and her own): she must say which.
	if _, err := cli("letter", "ack", id, "--as", "onuma"); err == nil || !strings.Contains(err.Error(), "--task") {
		t.Fatalf("ambiguous ack: %v", err)
	}
	must("letter", "ack", id, "--task", itoa(int(ord.TaskIDs[1])), "--as", "onuma")
	must("letter", "report", id, "--task", itoa(int(ord.TaskIDs[0])), "--note", "แจ้งผู้เกี่ยวข้องแล้ว", "--as", "prasert")
	// The same request id twice is applied once.
	must("letter", "annotate", id, "--note", "บันทึกซ้ำ", "--request-id", "same", "--as", "panisa")
	must("letter", "annotate", id, "--note", "บันทึกซ้ำ", "--request-id", "same", "--as", "panisa")
	var tl []struct {
		Kind     string   `json:"kind"`
		Actor    string   `json:"actor"`
		Operator string   `json:"operator"`
		Capacity []string `json:"capacity"`
	}
	if err := json.Unmarshal([]byte(must("letter", "timeline", id, "--json")), &tl); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, it := range tl {
		if it.Kind == "stamp" {
			continue // drawn by the worker, whenever it gets to it
		}
		kinds = append(kinds, it.Kind)
		if it.Kind == "annotate" && (it.Actor != "panisa" || !strings.HasPrefix(it.Operator, "operator:")) {
			t.Errorf("an operator acting --as a person must be recorded as such: %+v", it)
		}
	}
	if got := strings.Join(kinds, ","); got != "receipt,annotate,order,ack,report,annotate" {
		t.Errorf("timeline = %s", got)
	}
	var audit int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE actor LIKE 'operator:% as panisa'`).Scan(&audit); err != nil || audit != 2 {
		t.Errorf("audit rows for the operator acting as panisa = %d (%v)", audit, err)
	}
	must("letter", "close", id, "--retention", "10y", "--as", "sujit")
	if _, err := cli("letter", "annotate", id, "--note", "x", "--as", "panisa"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("action on a closed letter: %v", err)
	}
	out := must("letter", "show", id, "--json")
	if !strings.Contains(out, `"status": "closed"`) {
		t.Errorf("letter show after close: %s", out)
	}
}
