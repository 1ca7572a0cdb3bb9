package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/manifest"
	"github.com/saraban/saraban/thai"
)

// registersFixture registers letters as the CLI operator would: one of the land office about
// land, one of the provincial office about land too, one classified ลับ in the land office.
func registersFixture(t *testing.T) (*site, map[string]string) {
	t.Helper()
	st, _ := receiveSite(t)
	ctx := context.Background()
	ids := map[string]string{}
	for i, l := range []struct{ key, register, subject, from, secrecy string }{
		{"land", "LAND-RECV", "ขอความอนุเคราะห์ตรวจสอบแนวเขตที่ดินสาธารณประโยชน์", "สำนักงานที่ดินจังหวัดสงขลา สาขาสะเดา", ""},
		{"pao", "PAO-RECV", "การจัดสรรที่ดินทำกินให้ชุมชน", "กรมที่ดิน", ""},
		{"secret", "LAND-RECV", "รายชื่อผู้บุกรุกที่ดินของรัฐ", "ตำรวจภูธรจังหวัดสงขลา", "ลับ"},
		{"other", "LAND-RECV", "เชิญประชุมคณะกรรมการ", "ศาลากลางจังหวัดสงขลา", ""},
	} {
		rc, err := st.srv.Services.Intake.Receive(ctx, intake.Request{Register: l.register, PDF: samplepdf.Letter(uint64(100+i), 4000),
			DocNumber: "ที่ สข ๐๐๒๐.๑/" + thai.ToThaiDigits(itoa(500+i)), Subject: l.subject, From: l.from, Secrecy: l.secrecy,
			Actor: "operator:test"})
		if err != nil {
			t.Fatalf("receive %s: %v", l.key, err)
		}
		ids[l.key] = rc.LetterID
	}
	return st, ids
}

func TestRegistersSearch(t *testing.T) {
	st, ids := registersFixture(t)
	b := st.browser()
	b.login("panisa", st.account("panisa", false))

	// The list: the land office's registers (and its branches'), not the provincial office's.
	p := b.get("/registers")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "LAND-RECV") || !strings.Contains(p.Body, "HATYAI-RECV") {
		t.Fatalf("/registers: %d\n%s", p.Status, p.Body)
	}
	if strings.Contains(p.Body, "PAO-RECV") {
		t.Error("/registers shows the provincial office's register to the land office's clerk")
	}
	year := itoa(thai.BEYear(time.Now()))
	if !strings.Contains(p.Body, "/registers/LAND-RECV/export.csv?year="+year) {
		t.Error("/registers has no export link for this year")
	}

	// "ที่ดิน" is found inside a subject without word breaks; the provincial office's letter
	// and the classified one are not listed for a clerk without clearance.
	p = b.get("/registers/search?q=" + url.QueryEscape("ที่ดิน"))
	if p.Status != http.StatusOK {
		t.Fatalf("search: %d\n%s", p.Status, p.Body)
	}
	if !strings.Contains(p.Body, ids["land"]) || !strings.Contains(p.Body, "แนวเขต<mark>ที่ดิน</mark>สาธารณประโยชน์") {
		t.Error("the search does not find the land office's letter by a word inside its subject")
	}
	if strings.Contains(p.Body, ids["pao"]) {
		t.Error("the search shows a letter of another unit")
	}
	if strings.Contains(p.Body, ids["secret"]) || strings.Contains(p.Body, "ผู้บุกรุก") {
		t.Error("the search shows a classified letter to someone without clearance")
	}
	if strings.Contains(p.Body, ids["other"]) {
		t.Error("the search shows a letter that does not match")
	}
	// The sender and the document number are searched too, in either digit script.
	if p := b.get("/registers/search?q=" + url.QueryEscape("สาขาสะเดา")); !strings.Contains(p.Body, ids["land"]) {
		t.Error("not found by a piece of the sender")
	}
	if p := b.get("/registers/search?q=" + url.QueryEscape("0020.1/503")); !strings.Contains(p.Body, ids["other"]) {
		t.Error("not found by the document number typed in Arabic digits")
	}
	// Filters: year, urgency, status, register.
	if p := b.get("/registers/search?register=LAND-RECV&year=" + url.QueryEscape(thai.ToThaiDigits(year))); !strings.Contains(p.Body, ids["land"]) || !strings.Contains(p.Body, ids["other"]) {
		t.Error("register and year filters lose letters")
	}
	if p := b.get("/registers/search?urgency=most_urgent"); strings.Contains(p.Body, ids["land"]) {
		t.Error("the urgency filter lets a normal letter through")
	}
	if p := b.get("/registers/search?year=1999"); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("a CE year: %d, want 422", p.Status)
	}

	// The head of the land office (cleared for secret) finds the classified letter.
	h := st.browser()
	h.login("sujit", st.account("sujit", false))
	if p := h.get("/registers/search?q=" + url.QueryEscape("ที่ดิน")); !strings.Contains(p.Body, ids["secret"]) || !strings.Contains(p.Body, ids["land"]) || strings.Contains(p.Body, ids["pao"]) {
		t.Errorf("sujit's search: want the land and the classified letter, not the provincial one\n%s", p.Body)
	}
}

func TestRegistersExport(t *testing.T) {
	st, _ := registersFixture(t)
	b := st.browser()
	b.login("panisa", st.account("panisa", false))
	year := itoa(thai.BEYear(time.Now()))

	p := b.get("/registers/LAND-RECV/export.csv?year=" + year)
	if p.Status != http.StatusOK {
		t.Fatalf("export: %d\n%s", p.Status, p.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(p.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(manifest.Columns, ",") || len(rows) != 4 {
		t.Fatalf("export: header %v and %d lines, want the manifest columns and 3 lines", rows[0], len(rows)-1)
	}
	col := map[string]int{}
	for i, c := range manifest.Columns {
		col[c] = i
	}
	if rows[1][col["receive_number"]] != "1" || !strings.Contains(rows[1][col["subject"]], "แนวเขตที่ดิน") {
		t.Errorf("line 1: %v", rows[1])
	}
	// The classified letter keeps its number and shows nothing else to a clerk without clearance.
	sec := rows[2]
	if sec[col["receive_number"]] != "2" || sec[col["secrecy"]] != "confidential" || sec[col["subject"]] != "" || sec[col["from"]] != "" ||
		sec[col["file"]] != "" || sec[col["doc_number"]] != "" {
		t.Errorf("classified line not withheld: %v", sec)
	}
	if strings.Contains(p.Body, "ผู้บุกรุก") {
		t.Error("the classified subject leaked into the export")
	}
	// The export is audited.
	var n int
	if err := st.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'register.export' AND actor = 'panisa' AND subject_id = 'LAND-RECV'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit rows of the export: %d (%v)", n, err)
	}
	// Someone cleared sees the classified line whole.
	h := st.browser()
	h.login("sujit", st.account("sujit", false))
	if p := h.get("/registers/LAND-RECV/export.csv?year=" + year); !strings.Contains(p.Body, "ผู้บุกรุก") {
		t.Error("sujit's export withholds a letter he is cleared for")
	}
	// Another unit's register may not be exported.
	if p := b.get("/registers/PAO-RECV/export.csv?year=" + year); p.Status != http.StatusForbidden {
		t.Errorf("export of another unit's register: %d, want 403", p.Status)
	}
	if p := b.get("/registers/NOPE/export.csv"); p.Status != http.StatusNotFound {
		t.Errorf("export of an unknown register: %d, want 404", p.Status)
	}
}
