package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage"
)

// TestAdminScreenshots draws the administration screens with headless Chromium into the
// directory SARABAN_ADMIN_SHOTS names (skipped otherwise): a file per page and width, to look
// at before copying the best to docs/screenshots.
func TestAdminScreenshots(t *testing.T) {
	dir := os.Getenv("SARABAN_ADMIN_SHOTS")
	if dir == "" {
		t.Skip("set SARABAN_ADMIN_SHOTS=DIR to draw the administration screens")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium")
	}
	s, b := adminSite(t)
	ctx := context.Background()
	// Something to show.
	for _, p := range []string{"sujit", "panisa", "apichat"} {
		s.account(p, false)
	}
	hs, err := storage.LoadHolidays(filepath.Join(testenv.RepoRoot(), "deploy", "holidays", "2569.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.SyncHolidays(ctx, hs, "nattawut", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.AddWebhook(ctx, "https://hooks.songkhla.example/saraban", "0123456789abcdef-secret", []string{"reminder", "due"}, "nattawut"); err != nil {
		t.Fatal(err)
	}
	var letter string
	if err := s.db.Pool.QueryRow(ctx, `INSERT INTO letters(id, subject, secrecy, original_sha256) VALUES (gen_random_uuid(), 'ทดสอบ', 'secret', repeat('0', 64)) RETURNING id::text`).Scan(&letter); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.GrantBreakGlass(ctx, "nattawut", letter, "ผู้บังคับบัญชาสั่งให้ตรวจสอบการส่งต่อหนังสือฉบับนี้", time.Hour); err != nil {
		t.Fatal(err)
	}
	// A refusal, for the audit log.
	other := s.browser()
	other.login("kanda", s.account("kanda", false))
	other.get("/admin")

	src, err := os.ReadFile(testenv.DemoAgency())
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(src), "    parent: land-office\n    name: ฝ่ายรังวัด", "    parent: land-offfice\n    name: ฝ่ายรังวัด", 1)
	bad = strings.Replace(bad, "role: clerk", "role: clark", 1)
	good := strings.Replace(string(src), "name: ฝ่ายรังวัด สำนักงานที่ดินจังหวัดสงขลา", "name: ฝ่ายรังวัดและทำแผนที่ สำนักงานที่ดินจังหวัดสงขลา", 1)
	posted := map[string]func() page{
		"check-bad":  func() page { return b.postFile("/admin/org/check", nil, "file", "agency.yaml", []byte(bad)) },
		"check-good": func() page { return b.postFile("/admin/org/check", nil, "file", "agency.yaml", []byte(good)) },
	}
	shots := []struct {
		path, name string
		width      int
		height     int
	}{
		{"check-bad", "admin-org-check-bad", 1280, 1100},
		{"check-good", "admin-org-check-good", 1280, 1000},
		{"/admin", "admin", 1280, 900},
		{"/admin/accounts", "admin-accounts", 1280, 900},
		{"/admin/org", "admin-org", 1280, 1600},
		{"/admin/holidays", "admin-holidays", 1280, 1300},
		{"/admin/audit", "admin-audit", 1280, 1400},
		{"/admin/notify", "admin-notify", 1280, 1000},
		{"/admin/registers", "admin-registers", 1280, 1000},
		{"/admin/accounts", "admin-accounts-phone", 390, 1400},
		{"/admin", "admin-phone", 390, 1000},
		{"/admin/org", "admin-org-phone", 390, 1400},
	}
	for _, sh := range shots {
		var p page
		if f, ok := posted[sh.path]; ok {
			p = f()
		} else if p = b.get(sh.path); p.Status != 200 {
			t.Fatalf("%s: %d", sh.path, p.Status)
		}
		page := strings.Replace(p.Body, "<head>", `<head><base href="`+s.ts.URL+`/">`, 1)
		htmlFile := filepath.Join(dir, sh.name+".html")
		if err := os.WriteFile(htmlFile, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		png := filepath.Join(dir, sh.name+".png")
		cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
			"--user-data-dir="+t.TempDir(), "--window-size="+strconv.Itoa(sh.width)+","+strconv.Itoa(sh.height), "--screenshot="+png, "file://"+htmlFile)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("chromium: %v\n%s", err, out)
		}
	}
}
