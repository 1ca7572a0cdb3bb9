package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/saraban/saraban/internal/corpus"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// TestOutgoingScreenshots draws the outgoing and delegation screens with headless Chromium into
// the directory SARABAN_OUTGOING_SHOTS names (skipped otherwise), at desktop and phone widths:
// a letter awaiting signature with the placement box, the lists, the send register, the
// delegations. Chromium reaches the site through a proxy that adds the signed-in session's
// cookie, so the page images and the script load as in a browser.
func TestOutgoingScreenshots(t *testing.T) {
	dir := os.Getenv("SARABAN_OUTGOING_SHOTS")
	if dir == "" {
		t.Skip("set SARABAN_OUTGOING_SHOTS=DIR to draw the outgoing and delegation screens")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("no chromium")
	}
	s := newOgSite(t)
	ctx := context.Background()
	today := thai.DateOf(time.Now())
	if _, err := s.db.AddDelegation(ctx, storage.NewDelegation{Delegator: "governor", Delegate: "sujit", Kind: "on_behalf", Unit: "land-office",
		Inherit: true, Powers: []string{"sign"}, StartsOn: today, EndsOn: thai.DateOf(time.Now().AddDate(0, 3, 0)),
		Note: "คำสั่งจังหวัดสงขลา ที่ ๑๒/๒๕๖๙"}, "operator:test"); err != nil {
		t.Fatal(err)
	}
	clerk, director := s.browser(), s.browser()
	clerk.login("panisa", s.account("panisa", false))
	director.login("sujit", s.account("sujit", false))
	// A real public letter (a memo of 2 pages at most) looks like a draft; the sample otherwise.
	draft := samplepdf.Letter(800, 20_000)
	if b, err := os.ReadFile(filepath.Join(corpus.Dir(t), "public-letters", "03.pdf")); err == nil {
		draft = b
	}
	// One letter sent, one awaiting signature.
	for i, subj := range []string{"ขอเชิญประชุมหัวหน้าสาขา ประจำเดือนธันวาคม ๒๕๖๙", "ขอความร่วมมือรายงานผลการจัดเก็บค่าธรรมเนียม ไตรมาสที่ ๑"} {
		p := clerk.ogPostFile("/outgoing", url.Values{"register": {"LAND-SEND"}, "subject": {subj}, "urgency": {[]string{"normal", "urgent"}[i]},
			"to_unit": {"land-hatyai", "land-sadao"}, "to_emails": {"dol@dol.example"}, "signer": {"sujit"}},
			"draft", "draft.pdf", draft)
		ogStatus(t, "create", p, http.StatusSeeOther)
		if i == 0 {
			loc := p.Location
			p = director.get(loc)
			ogStatus(t, "sign", director.post(loc+"/sign", url.Values{"request_id": {ogRequestIDRE.FindStringSubmatch(p.Body)[1]}}), http.StatusSeeOther)
		}
	}
	director.post("/delegations", url.Values{"to": {"netanong"}, "kind": {"acting"}, "start": {today.String()},
		"end": {thai.DateOf(time.Now().AddDate(0, 0, 5)).String()}, "note": {"คำสั่งสำนักงานที่ดินจังหวัดสงขลา ที่ ๓/๒๕๖๙"}})
	director.post("/delegations", url.Values{"to": {"netanong"}, "kind": {"on_behalf"}, "powers": {"sign"}, "unit": {"land-office"},
		"start": {today.String()}, "end": {today.String()}})
	rows, err := s.db.OutgoingFor(ctx, "sujit", time.Now().AddDate(0, 0, -1), 10)
	if err != nil {
		t.Fatal(err)
	}
	var waiting string
	for _, r := range rows {
		if r.Status == storage.OutgoingSigning {
			waiting = r.ID
		}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if rs, _ := s.db.SendRegisterRows(ctx, "LAND-SEND", time.Now().Year()+543); len(rs) > 0 && rs[0].Status == storage.OutgoingSent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first letter was not sent")
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The proxy: every request carries the director's session cookie.
	u, _ := url.Parse(s.ts.URL)
	cookies := director.c.Jar.Cookies(u)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, c := range cookies {
			if c.Name != "saraban_flash" {
				r.AddCookie(c)
			}
		}
		s.srv.Handler().ServeHTTP(w, r)
	}))
	defer proxy.Close()
	shots := []struct {
		path, name    string
		width, height int
	}{
		{"/outgoing/" + waiting, "outgoing", 1280, 1250},
		{"/outgoing/" + waiting, "outgoing-phone", 390, 2400},
		{"/outgoing", "outgoing-list", 1280, 1000},
		{"/outgoing/register", "outgoing-register", 1280, 700},
		{"/delegations?check=1&person=netanong&power=sign&unit=land-office", "delegations", 1280, 1300},
		{"/delegations", "delegations-phone", 390, 2600},
	}
	for _, sh := range shots {
		out := filepath.Join(dir, sh.name+".png")
		cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
			"--user-data-dir="+t.TempDir(), "--virtual-time-budget=3000",
			"--window-size="+strconv.Itoa(sh.width)+","+strconv.Itoa(sh.height), "--screenshot="+out, proxy.URL+sh.path)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("chromium %s: %v\n%s", sh.name, err, b)
		}
	}
}
