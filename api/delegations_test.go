package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/api"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

type delegEnv struct {
	db     *storage.DB
	srv    *httptest.Server
	tokens map[string]string
}

func delegSetup(t *testing.T) *delegEnv {
	db := testenv.DB(t)
	testenv.Demo(t, db)
	s := &api.Server{Store: db}
	mux := http.NewServeMux()
	s.DelegationRoutes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &delegEnv{db: db, srv: srv, tokens: map[string]string{}}
}

func (e *delegEnv) token(t *testing.T, person string) string {
	if tok, ok := e.tokens[person]; ok {
		return tok
	}
	_, tok, err := e.db.CreateToken(context.Background(), person, "test", "operator:test")
	if err != nil {
		t.Fatal(err)
	}
	e.tokens[person] = tok
	return tok
}

// call sends a request as person ("" = no token) and decodes the JSON answer.
func (e *delegEnv) call(t *testing.T, person, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		js, _ := json.Marshal(b)
		rd = bytes.NewReader(js)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if person != "" {
		req.Header.Set("Authorization", "Bearer "+e.token(t, person))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %v", method, path, err)
	}
	return resp.StatusCode, out
}

func errOf(m map[string]any) (kind, code, msg string) {
	e, _ := m["error"].(map[string]any)
	kind, _ = e["kind"].(string)
	code, _ = e["code"].(string)
	msg, _ = e["message"].(string)
	return
}

func wantError(t *testing.T, status int, m map[string]any, wantStatus int, wantKind, wantCode string) {
	t.Helper()
	kind, code, msg := errOf(m)
	if status != wantStatus || kind != wantKind || code != wantCode {
		t.Fatalf("got %d %s/%s (%s), want %d %s/%s", status, kind, code, msg, wantStatus, wantKind, wantCode)
	}
	if msg == "" {
		t.Fatal("a refusal without a message")
	}
}

func dayISO(n int) string { return thai.DateOf(time.Now().In(thai.Bangkok).AddDate(0, 0, n)).String() }

func TestDelegationsOverHTTP(t *testing.T) {
	e := delegSetup(t)

	st, m := e.call(t, "", "GET", "/api/delegations", nil)
	if st != http.StatusUnauthorized {
		t.Fatalf("no token: %d %v", st, m)
	}

	// The delegator records their own delegation (dates Thai or ISO).
	start := thai.FormatDate(thai.DateOf(time.Now()), thai.DateStyle{Abbrev: true}) // Thai digits, abbreviated month
	st, m = e.call(t, "sujit", "POST", "/api/delegations", map[string]any{
		"to": "netanong", "kind": "on_behalf", "powers": []string{"order", "close"}, "start": start, "end": dayISO(5),
		"note": "ลาประชุม"})
	if st != http.StatusCreated || m["delegator"] != "sujit" || m["unit"] != "land-office" || m["created_by"] != "sujit" ||
		m["status"] != "active" || m["starts_on"] != dayISO(0) {
		t.Fatalf("create: %d %v", st, m)
	}
	own := int64(m["id"].(float64))

	// Someone else may not delegate in sujit's name …
	st, m = e.call(t, "panisa", "POST", "/api/delegations", map[string]any{
		"from": "sujit", "to": "panisa", "kind": "on_behalf", "powers": []string{"order"}, "start": dayISO(0), "end": dayISO(5)})
	wantError(t, st, m, http.StatusForbidden, "forbidden", "")
	// … but the administrator may, and the head above may appoint an acting head.
	st, m = e.call(t, "nattawut", "POST", "/api/delegations", map[string]any{
		"delegator": "governor", "delegate": "apichat", "kind": "on_behalf", "unit": "province", "inherit": true,
		"powers": []string{"sign", "forward"}, "starts_on": dayISO(0), "ends_on": dayISO(30)})
	if st != http.StatusCreated || m["created_by"] != "nattawut" {
		t.Fatalf("admin: %d %v", st, m)
	}
	st, m = e.call(t, "governor", "POST", "/api/delegations", map[string]any{
		"from": "prasert", "to": "onuma", "kind": "รักษาราชการแทน", "start": dayISO(1), "end": dayISO(3)})
	if st != http.StatusCreated || m["kind"] != "acting" || m["unit"] != "land-hatyai" || m["status"] != "future" {
		t.Fatalf("acting by the governor: %d %v", st, m)
	}
	acting := int64(m["id"].(float64))

	// Refusals, each with its code.
	for _, c := range []struct {
		who    string
		body   any
		status int
		kind   string
		code   string
	}{
		{"sujit", map[string]any{"to": "netanong", "kind": "on_behalf", "powers": []string{"order", "close"}, "start": dayISO(0), "end": dayISO(5)},
			http.StatusConflict, "conflict", "duplicate"},
		{"sujit", map[string]any{"to": "netanong", "kind": "on_behalf", "start": dayISO(0), "end": dayISO(5)},
			http.StatusUnprocessableEntity, "invalid", "no_powers"},
		{"sujit", map[string]any{"to": "sujit", "kind": "on_behalf", "powers": []string{"order"}, "start": dayISO(0), "end": dayISO(5)},
			http.StatusUnprocessableEntity, "invalid", "self_delegation"},
		{"sujit", map[string]any{"to": "netanong", "kind": "on_behalf", "powers": []string{"sign"}, "start": dayISO(0), "end": dayISO(5)},
			http.StatusForbidden, "forbidden", "not_held"},
		{"sujit", map[string]any{"to": "netanong", "kind": "on_behalf", "powers": []string{"order"}, "start": "32 ต.ค. 2567", "end": dayISO(5)},
			http.StatusUnprocessableEntity, "invalid", "bad_date"},
		{"sujit", map[string]any{"to": "netanong", "kind": "on_behalf", "powers": []string{"order"}, "end": dayISO(5)},
			http.StatusUnprocessableEntity, "invalid", "missing_start"},
		{"sujit", map[string]any{"to": "netanong", "knid": "on_behalf"}, http.StatusUnprocessableEntity, "invalid", "bad_body"},
		{"sujit", "not json", http.StatusUnprocessableEntity, "invalid", "bad_body"},
		{"governor", map[string]any{"from": "prasert", "to": "wanna", "kind": "acting", "start": dayISO(2), "end": dayISO(4)},
			http.StatusConflict, "conflict", "acting_overlap"},
		{"sujit", map[string]any{"to": "nobody", "kind": "on_behalf", "powers": []string{"order"}, "start": dayISO(0), "end": dayISO(5)},
			http.StatusNotFound, "not_found", ""},
	} {
		st, m := e.call(t, c.who, "POST", "/api/delegations", c.body)
		wantError(t, st, m, c.status, c.kind, c.code)
	}

	// Listing and reading.
	st, m = e.call(t, "onuma", "GET", "/api/delegations", nil)
	if list := m["delegations"].([]any); st != http.StatusOK || len(list) != 3 {
		t.Fatalf("list: %d %v", st, m)
	}
	st, m = e.call(t, "onuma", "GET", "/api/delegations?person=apichat", nil)
	if list := m["delegations"].([]any); st != http.StatusOK || len(list) != 1 {
		t.Fatalf("list by person: %d %v", st, m)
	}
	st, m = e.call(t, "onuma", "GET", "/api/delegations?unit=land-hatyai&on="+url.QueryEscape(dayISO(2)), nil)
	if list := m["delegations"].([]any); st != http.StatusOK || len(list) != 2 { // apichat's (inherited from the province) and the acting head
		t.Fatalf("list by unit and day: %d %v", st, m)
	}
	st, m = e.call(t, "onuma", "GET", "/api/delegations?on=yesterday", nil)
	wantError(t, st, m, http.StatusUnprocessableEntity, "invalid", "bad_date")
	st, m = e.call(t, "onuma", "GET", fmt.Sprintf("/api/delegations/%d", own), nil)
	if st != http.StatusOK || m["note"] != "ลาประชุม" {
		t.Fatalf("show: %d %v", st, m)
	}
	st, m = e.call(t, "onuma", "GET", "/api/delegations/999999", nil)
	wantError(t, st, m, http.StatusNotFound, "not_found", "")
	st, m = e.call(t, "onuma", "GET", "/api/delegations/abc", nil)
	wantError(t, st, m, http.StatusNotFound, "not_found", "bad_id")

	// Who may use which power, in which capacity.
	st, m = e.call(t, "apichat", "GET", "/api/authority?power=sign&unit=pao-strategy", nil)
	a, _ := m["authority"].(map[string]any)
	if st != http.StatusOK || m["allowed"] != true || fmt.Sprint(a["capacity_lines"]) != "[รองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน ผู้ว่าราชการจังหวัดสงขลา]" {
		t.Fatalf("authority: %d %v", st, m)
	}
	st, m = e.call(t, "sujit", "GET", "/api/authority?person=onuma&power=order&unit=land-hatyai&at="+url.QueryEscape(dayISO(2)+"T09:00"), nil)
	a, _ = m["authority"].(map[string]any)
	if st != http.StatusOK || m["allowed"] != true || a["kind"] != "acting" ||
		fmt.Sprint(a["capacity_lines"]) != "[เจ้าพนักงานธุรการปฏิบัติงาน รักษาราชการแทน เจ้าพนักงานที่ดินจังหวัดสงขลา สาขาหาดใหญ่]" {
		t.Fatalf("acting authority: %d %v", st, m)
	}
	st, m = e.call(t, "sujit", "GET", "/api/authority?person=onuma&power=order&unit=land-hatyai&at="+url.QueryEscape(dayISO(4)), nil)
	if st != http.StatusOK || m["allowed"] != false || m["holder"] != "prasert" || !strings.Contains(m["reason"].(string), "expired") {
		t.Fatalf("refused authority: %d %v", st, m)
	}
	st, m = e.call(t, "sujit", "GET", "/api/authority?power=sign", nil)
	wantError(t, st, m, http.StatusUnprocessableEntity, "invalid", "missing_query")

	// Ending: not by a stranger; by the delegator; not twice.
	st, m = e.call(t, "onuma", "POST", fmt.Sprintf("/api/delegations/%d/end", own), nil)
	wantError(t, st, m, http.StatusForbidden, "forbidden", "")
	st, m = e.call(t, "sujit", "POST", fmt.Sprintf("/api/delegations/%d/end", own), map[string]any{"on": dayISO(2)})
	if st != http.StatusOK || m["ended_on"] != dayISO(2) || m["last_day"] != dayISO(1) || m["ended_by"] != "sujit" || m["ends_on"] != dayISO(5) {
		t.Fatalf("end: %d %v", st, m)
	}
	st, m = e.call(t, "sujit", "POST", fmt.Sprintf("/api/delegations/%d/end", own), nil)
	wantError(t, st, m, http.StatusConflict, "conflict", "already_ended")
	// The governor, who appointed the acting head, cancels it before it begins (empty body: today).
	st, m = e.call(t, "governor", "POST", fmt.Sprintf("/api/delegations/%d/end", acting), nil)
	if st != http.StatusOK || m["status"] != "cancelled" {
		t.Fatalf("cancel: %d %v", st, m)
	}
	st, m = e.call(t, "onuma", "GET", "/api/delegations?all=true", nil)
	if list := m["delegations"].([]any); st != http.StatusOK || len(list) != 3 {
		t.Fatalf("list all: %d %v", st, m)
	}
	st, m = e.call(t, "onuma", "GET", "/api/delegations", nil)
	if list := m["delegations"].([]any); st != http.StatusOK || len(list) != 2 {
		t.Fatalf("list after cancelling: %d %v", st, m)
	}

	// Every change is in the audit log under the person who made it.
	rows, err := e.db.AuditFor(context.Background(), "delegation", fmt.Sprint(own))
	if err != nil || len(rows) != 2 || rows[0].Actor != "sujit" || rows[1].Action != "delegation.end" {
		t.Fatalf("audit: %+v %v", rows, err)
	}
}
