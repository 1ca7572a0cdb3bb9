package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/saraban/saraban/api"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/corpus"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/vault"
	"github.com/saraban/saraban/viewer"
)

// A classified letter's file is ciphertext in MinIO; the API gives the cleared reader a readable
// copy with their name on every page, never cached, and every opening is audited.
func TestClassifiedDownloadIsWatermarkedAndAudited(t *testing.T) {
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		corpus.Missing(t, "pdftotext not installed (Debian package poppler-utils)")
	}
	db := testenv.DB(t)
	testenv.Demo(t, db)
	v := testenv.Vault(t)
	srv := httptest.NewServer((&api.Server{Store: db, Blobs: v, Files: &viewer.Viewer{Store: db, Files: v},
		Intake: &intake.Service{DB: db, Blobs: v, Auth: authz{db}}}).Handler())
	t.Cleanup(srv.Close)
	e := &env{db: db, srv: srv}
	ctx := context.Background()
	head := e.token(t, "sujit")
	person, err := db.GetPerson(ctx, "sujit")
	if err != nil {
		t.Fatal(err)
	}
	download := func(id string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", srv.URL+"/api/letters/"+id+"/pdf?revision=original", nil)
		req.Header.Set("Authorization", "Bearer "+head)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}

	orig := samplepdf.Letter(12, 4000)
	st, out := upload(t, srv.URL, head, map[string]string{"register": "LAND-RECV", "secrecy": "ลับมาก", "subject": "เรื่องลับมาก"}, orig)
	if st != 201 {
		t.Fatalf("receive: %d %v", st, out)
	}
	id := out["letter_id"].(string)
	l, err := db.GetLetter(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := v.Store.Get(ctx, l.Revisions[0].ObjectKey)
	if err != nil || !vault.IsSealed(l.Revisions[0].ObjectKey) || bytes.Contains(raw, []byte("%PDF")) {
		t.Fatalf("the original is not sealed at rest: %s %v", l.Revisions[0].ObjectKey, err)
	}

	resp, body := download(id)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d %s", resp.StatusCode, body)
	}
	if !bytes.HasPrefix(body, orig) || len(body) <= len(orig) {
		t.Fatal("the copy must be the original followed by the watermark update")
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") || resp.Header.Get("ETag") != "" {
		t.Fatalf("a watermarked copy may be cached: Cache-Control %q ETag %q", cc, resp.Header.Get("ETag"))
	}
	p := filepath.Join(t.TempDir(), "copy.pdf")
	if err := os.WriteFile(p, body, 0o600); err != nil {
		t.Fatal(err)
	}
	txt, err := exec.Command(pdftotext, "-q", "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	if !strings.Contains(string(txt), person.Name) || !strings.Contains(string(txt), "ลับมาก") {
		t.Fatalf("the viewer's name %q is not on the copy:\n%s", person.Name, txt)
	}

	// An unclassified letter comes back exactly as stored, with its digest as ETag.
	plain := samplepdf.Letter(13, 4000)
	_, out = upload(t, srv.URL, head, map[string]string{"register": "LAND-RECV"}, plain)
	resp, body = download(out["letter_id"].(string))
	if resp.StatusCode != 200 || !bytes.Equal(body, plain) || resp.Header.Get("ETag") == "" {
		t.Fatalf("normal letter: %d, same bytes %v", resp.StatusCode, bytes.Equal(body, plain))
	}

	rows, err := db.AuditFor(ctx, "letter", id)
	if err != nil {
		t.Fatal(err)
	}
	var opens int
	for _, r := range rows {
		if r.Action == "letter.file_open" {
			opens++
			var d map[string]any
			_ = json.Unmarshal([]byte(r.Detail), &d)
			if r.Actor != "sujit" || d["watermarked"] != true || d["sealed"] != true || d["via"] != "api" {
				t.Fatalf("audit row %+v", r)
			}
		}
	}
	if opens != 1 {
		t.Fatalf("%d audit rows for one opening", opens)
	}
	if rep, err := db.VerifyAudit(ctx); err != nil || !rep.OK {
		t.Fatalf("audit chain: %+v %v", rep, err)
	}
}
