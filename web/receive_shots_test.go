package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
)

// TestReceiveScreenshots draws docs/screenshots/receive*.png and registers*.png with headless
// Chromium, on the real stack with a Temporal worker (so that the stamp is drawn). It runs only
// when SARABAN_SCREENSHOTS=1: it documents the screens, it does not check them.
func TestReceiveScreenshots(t *testing.T) {
	if os.Getenv("SARABAN_SCREENSHOTS") != "1" {
		t.Skip("set SARABAN_SCREENSHOTS=1 to draw the screenshots")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium")
	}
	pdf := corpusPDF(t, "03.pdf")
	st, store := receiveSite(t)
	ts := testenv.Temporal(t)
	tc, err := client.NewLazyClient(client.Options{HostPort: ts.Addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	testenv.Worker(t, st.db, store, tc, "web-shots")

	ctx := context.Background()
	for i, l := range []struct{ register, subject, from, urgency, secrecy string }{
		{"LAND-RECV", "ขอความอนุเคราะห์ตรวจสอบแนวเขตที่ดินสาธารณประโยชน์ บ้านคลองแงะ", "สำนักงานที่ดินจังหวัดสงขลา สาขาสะเดา", "most_urgent", ""},
		{"HATYAI-RECV", "ขอรับรองสำเนาโฉนดที่ดิน เลขที่ ๑๒๓๔๕", "เทศบาลนครหาดใหญ่", "urgent", ""},
		{"LAND-RECV", "ประชาสัมพันธ์โครงการเดินสำรวจออกโฉนดที่ดินทั่วประเทศ", "กรมที่ดิน", "", ""},
		{"LAND-RECV", "เชิญประชุมคณะกรรมการจัดที่ดินจังหวัดสงขลา", "ศาลากลางจังหวัดสงขลา", "very_urgent", ""},
	} {
		if _, err := st.srv.Services.Intake.Receive(ctx, intake.Request{Register: l.register, PDF: samplepdf.Letter(uint64(200+i), 4000),
			DocNumber: "ที่ สข ๐๐๒๐.๑/ว " + itoa(1600+i), DocDate: "2 ก.ย. 2567", Subject: l.subject, From: l.from, Urgency: l.urgency,
			Secrecy: l.secrecy, Actor: "panisa"}); err != nil {
			t.Fatal(err)
		}
	}

	b := st.browser()
	b.login("panisa", st.account("panisa", false))
	u, _ := url.Parse(st.ts.URL)
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = u.Host
		at := *u
		at.Path = r.In.URL.Path
		for _, c := range b.c.Jar.Cookies(&at) {
			r.Out.AddCookie(c)
		}
	}})
	t.Cleanup(proxy.Close)
	out := filepath.Join(testenv.RepoRoot(), "docs", "screenshots")
	_ = os.MkdirAll(out, 0o755)
	shot := func(name, path string, width, height int) {
		t.Helper()
		tmp := filepath.Join(t.TempDir(), name)
		cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
			"--user-data-dir="+t.TempDir(), "--virtual-time-budget=8000",
			"--window-size="+itoa(width)+","+itoa(height), "--screenshot="+tmp, proxy.URL+path)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("chromium: %v\n%s", err, b)
		}
		// Fewer colours keep the files small (docs/screenshots: under 200 KB each).
		if b, err := exec.Command("convert", tmp, "-colors", "96", "PNG8:"+filepath.Join(out, name)).CombinedOutput(); err != nil {
			t.Logf("convert: %v %s; keeping the full PNG", err, b)
			data, _ := os.ReadFile(tmp)
			_ = os.WriteFile(filepath.Join(out, name), data, 0o644)
		}
	}

	p := b.upload("LAND-RECV", "03.pdf", pdf)
	step2 := p.Location
	if !strings.HasPrefix(step2, "/letters/new/upload/") {
		t.Fatalf("upload: %d %s", p.Status, p.Body)
	}
	// A letter with a field read with low confidence shows the flags.
	low := b.upload("LAND-RECV", "13.pdf", corpusPDF(t, "13.pdf")).Location
	shot("receive.png", low, 1280, 1180)
	shot("receive-phone.png", low, 390, 1500)
	fields := formValues(b.get(step2).Body)
	fields.Set("register", "LAND-RECV")
	fields.Set("urgency", "urgent")
	fields.Set("secrecy", "normal")
	p = b.post(step2, fields)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d\n%s", p.Status, p.Body)
	}
	id := strings.TrimPrefix(p.Location, "/letters/new/done?id=")
	deadline := time.Now().Add(30 * time.Second)
	for {
		l, err := st.db.GetLetter(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Entries) > 0 && l.Entries[0].Stamped {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no stamp after 30 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	shot("receive-done.png", p.Location, 1280, 900)
	shot("registers.png", "/registers/search?q="+url.QueryEscape("ที่ดิน"), 1280, 900)
	shot("registers-phone.png", "/registers/search?q="+url.QueryEscape("ที่ดิน"), 390, 1300)
	shot("registers-list.png", "/registers", 1280, 900)
}
