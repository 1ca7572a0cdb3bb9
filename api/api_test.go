package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/saraban/saraban/api"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/policy"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/viewer"
)

type authz struct{ db *storage.DB }

func (a authz) CanReceiveInto(ctx context.Context, person, register string) (string, error) {
	p, err := a.db.CanReceiveInto(ctx, person, register)
	return p.Title, err
}

type env struct {
	db  *storage.DB
	srv *httptest.Server
}

func setup(t *testing.T) *env {
	db := testenv.DB(t)
	testenv.Demo(t, db)
	blobs := testenv.Vault(t)
	s := &api.Server{Store: db, Blobs: blobs, MaxSize: 100_000, Files: &viewer.Viewer{Store: db, Files: blobs},
		Intake: &intake.Service{DB: db, Blobs: blobs, Auth: authz{db}, MaxSize: 100_000}, Policy: &policy.Engine{Store: db}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &env{db: db, srv: srv}
}

func (e *env) token(t *testing.T, person string) string {
	_, tok, err := e.db.CreateToken(context.Background(), person, "test", "operator:test")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (e *env) person(t *testing.T, unit string) string {
	var id string
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT person_id FROM positions WHERE unit_code = $1 ORDER BY person_id LIMIT 1`, unit).Scan(&id); err != nil {
		t.Fatalf("nobody in %s: %v", unit, err)
	}
	return id
}

func upload(t *testing.T, url, token string, fields map[string]string, pdf []byte) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if pdf != nil {
		fw, _ := mw.CreateFormFile("file", "letter.pdf")
		fw.Write(pdf)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", url+"/api/letters/incoming", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("answer is not JSON: %s", b)
	}
	return resp.StatusCode, out
}

func (e *env) letters(t *testing.T) int {
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM letters`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestUnauthenticatedRequestsGet401AndChangeNothing(t *testing.T) {
	e := setup(t)
	clerk := e.person(t, "land-office")
	good := e.token(t, clerk)
	revokedID, revoked, _ := e.db.CreateToken(context.Background(), clerk, "old", "operator:test")
	if err := e.db.RevokeToken(context.Background(), revokedID, "operator:test"); err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{"register": "LAND-RECV"}
	for name, tok := range map[string]string{"none": "", "garbage": "hello", "unknown": "sbn_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "revoked": revoked, "truncated": good[:len(good)-2]} {
		status, out := upload(t, e.srv.URL, tok, fields, samplepdf.Letter(1, 3000))
		if status != http.StatusUnauthorized {
			t.Errorf("%s token: status %d (%v), want 401", name, status, out)
		}
	}
	if n := e.letters(t); n != 0 {
		t.Fatalf("%d letters stored by unauthenticated requests", n)
	}
	status, out := upload(t, e.srv.URL, good, fields, samplepdf.Letter(1, 3000))
	if status != http.StatusCreated {
		t.Fatalf("valid token: %d %v", status, out)
	}
	for _, k := range []string{"letter_id", "register", "year", "number", "received_at", "original_sha256"} {
		if _, ok := out[k]; !ok {
			t.Errorf("answer lacks %q: %v", k, out)
		}
	}
}

func TestRefusalsHaveTheirStatus(t *testing.T) {
	e := setup(t)
	clerk := e.person(t, "land-office")
	tok := e.token(t, clerk)
	cases := []struct {
		name   string
		fields map[string]string
		pdf    []byte
		status int
	}{
		{"not a PDF", map[string]string{"register": "LAND-RECV"}, []byte("GIF89a...."), 422},
		{"no file", map[string]string{"register": "LAND-RECV"}, nil, 422},
		{"too large", map[string]string{"register": "LAND-RECV"}, samplepdf.Letter(2, 150_000), 413},
		{"unknown register", map[string]string{"register": "XX"}, samplepdf.Letter(3, 3000), 404},
		{"another unit's register", map[string]string{"register": "PAO-RECV"}, samplepdf.Letter(4, 3000), 403},
		{"bad date", map[string]string{"register": "LAND-RECV", "doc_date": "32 ต.ค. 2567"}, samplepdf.Letter(5, 3000), 422},
	}
	for _, c := range cases {
		status, out := upload(t, e.srv.URL, tok, c.fields, c.pdf)
		if status != c.status {
			t.Errorf("%s: status %d (%v), want %d", c.name, status, out, c.status)
		}
		if errObj, ok := out["error"].(map[string]any); !ok || errObj["message"] == "" {
			t.Errorf("%s: no error message: %v", c.name, out)
		}
	}
	if n := e.letters(t); n != 0 {
		t.Fatalf("%d letters stored by refused requests", n)
	}
	// A duplicate is a conflict.
	pdf := samplepdf.Letter(9, 3000)
	if s, out := upload(t, e.srv.URL, tok, map[string]string{"register": "LAND-RECV"}, pdf); s != 201 {
		t.Fatalf("first: %d %v", s, out)
	}
	if s, _ := upload(t, e.srv.URL, tok, map[string]string{"register": "LAND-RECV"}, pdf); s != 409 {
		t.Fatalf("duplicate: %d, want 409", s)
	}
}

func TestLettersAreVisibleOnlyToTheirUnits(t *testing.T) {
	e := setup(t)
	clerk := e.person(t, "land-office")
	tok := e.token(t, clerk)
	pdf := samplepdf.Letter(5, 3000)
	_, out := upload(t, e.srv.URL, tok, map[string]string{"register": "LAND-RECV", "subject": "ทดสอบ"}, pdf)
	id := out["letter_id"].(string)
	get := func(tok, path string) (int, []byte) {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if s, b := get(tok, "/api/letters/"+id); s != 200 || !bytes.Contains(b, []byte("ทดสอบ")) {
		t.Fatalf("own letter: %d %s", s, b)
	}
	if s, b := get(tok, "/api/letters/"+id+"/pdf?revision=original"); s != 200 || !bytes.Equal(b, pdf) {
		t.Fatalf("original PDF: %d (%d bytes)", s, len(b))
	}
	other := e.token(t, e.person(t, "pao"))
	if s, _ := get(other, "/api/letters/"+id); s != 404 {
		t.Fatalf("another unit sees the letter: %d", s)
	}
	if s, _ := get(tok, "/api/letters/00000000-0000-0000-0000-000000000000"); s != 404 {
		t.Fatalf("unknown letter: %d", s)
	}
}

func TestClassifiedLettersNeedClearance(t *testing.T) {
	e := setup(t)
	head := e.token(t, "sujit") // cleared for ลับมาก in the demo organisation
	clerk := e.token(t, "panisa")
	st, out := upload(t, e.srv.URL, head, map[string]string{"register": "LAND-RECV", "secrecy": "ลับ", "subject": "เรื่องลับ"}, samplepdf.Letter(8, 3000))
	if st != 201 {
		t.Fatalf("receive a ลับ letter: %d %v", st, out)
	}
	id := out["letter_id"].(string)
	get := func(tok string) (int, string) {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/letters/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if s, _ := get(head); s != 200 {
		t.Fatalf("cleared head: %d", s)
	}
	// The clerk of the unit is told why (the same rule as the web application's)…
	if s, body := get(clerk); s != 403 || !strings.Contains(body, "clearance") || strings.Contains(body, "เรื่องลับ") {
		t.Fatalf("a clerk without clearance on a ลับ letter of her own unit: %d %s", s, body)
	}
	// …and someone of another unit learns nothing.
	if s, _ := get(e.token(t, "onuma")); s != 404 {
		t.Fatalf("a stranger: %d, want 404", s)
	}
}
