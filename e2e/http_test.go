package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/api"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
)

// TestRoutingOverHTTP acts on a letter through the API with each person's own token: the
// token decides who acts, a refusal is 403 with the reason, and the assignee's inbox shows
// the task.
func TestRoutingOverHTTP(t *testing.T) {
	s := start(t, false)
	ctx := context.Background()
	srv := httptest.NewServer((&api.Server{Store: s.db, Blobs: s.blobs, Intake: s.intake, Actor: s.router, Routing: s.db, Inbox: s.db}).Handler())
	defer srv.Close()
	token := func(p string) string {
		_, tok, err := s.db.CreateToken(ctx, p, "e2e", "operator:test")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	call := func(tok, method, path string, body any) (int, []byte) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	r, err := s.intake.Receive(ctx, intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(3, 8000), Subject: "ขอข้อมูล", Deadline: "31 ธันวาคม 2570", Actor: "operator:test"})
	if err != nil {
		t.Fatal(err)
	}
	id := r.LetterID
	clerk, head, branch := token("panisa"), token("sujit"), token("prasert")
	if st, b := call(clerk, "POST", "/api/letters/"+id+"/actions/annotate", map[string]any{"note": "เรียน จพด."}); st != 200 {
		t.Fatalf("annotate: %d %s", st, b)
	}
	if st, b := call(clerk, "POST", "/api/letters/"+id+"/actions/order", map[string]any{"to": []string{"land-hatyai"}, "purpose": "act"}); st != 403 || !strings.Contains(string(b), "sujit") {
		t.Fatalf("clerk's order: %d %s", st, b)
	}
	st, b := call(head, "POST", "/api/letters/"+id+"/actions/order", map[string]any{"to": []string{"unit:land-hatyai"}, "purpose": "เพื่อดำเนินการ", "due": "15 ม.ค. 2571", "note": "ดำเนินการ"})
	if st != 200 {
		t.Fatalf("order: %d %s", st, b)
	}
	// The branch head now sees the letter and the task in the inbox.
	eventually(t, 10*time.Second, "the task in the branch head's inbox", func() bool {
		st, b := call(branch, "GET", "/api/inbox", nil)
		return st == 200 && strings.Contains(string(b), id)
	})
	if st, b := call(branch, "GET", "/api/letters/"+id+"/timeline", nil); st != 200 || !strings.Contains(string(b), "ดำเนินการ") {
		t.Fatalf("timeline for the assignee: %d %s", st, b)
	}
	if st, b := call(branch, "POST", "/api/letters/"+id+"/actions/report", map[string]any{"note": "ส่งข้อมูลแล้ว"}); st != 200 {
		t.Fatalf("report: %d %s", st, b)
	}
	// A person of an unrelated unit does not see it.
	if st, _ := call(token("wanna"), "GET", "/api/letters/"+id+"/timeline", nil); st != 404 {
		t.Fatalf("unrelated unit sees the timeline: %d", st)
	}
	if st, _ := call(head, "POST", "/api/letters/"+id+"/actions/shred", map[string]any{}); st != 403 {
		t.Fatalf("unknown action kind: %d", st)
	}
}
