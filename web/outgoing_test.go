package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/saraban/saraban/activities"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/routing"
	"github.com/saraban/saraban/signing"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// ogSite is a site with the real outgoing-letter use cases: a private Temporal dev server,
// saraban's worker (with throw-away signing keys for every person) and the object store.
type ogSite struct {
	*site
	keyDir string
}

func newOgSite(t *testing.T) *ogSite {
	t.Helper()
	o := &ogSite{}
	o.site = newSite(t, func(srv *Server) {
		blobs := testenv.Objects(t)
		ts := testenv.Temporal(t)
		tc, err := client.NewLazyClient(client.Options{HostPort: ts.Addr})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(tc.Close)
		queue := "web-" + strings.ReplaceAll(t.Name(), "/", "-")
		acts := testenv.Worker(t, srv.DB, blobs, tc, queue)
		o.keyDir = string(acts.SignKeys.(activities.KeyDir))
		trust, _, err := signing.LoadTrust(filepath.Join(o.keyDir, "ca.pem"))
		if err != nil {
			t.Fatal(err)
		}
		srv.Trust = trust
		srv.Services.Outgoing = &routing.Client{Temporal: tc, TaskQueue: queue, Timeout: 2 * time.Minute}
		srv.Services.Blobs = testenv.VaultOf(t, blobs)
	})
	return o
}

// ogPostFile sends a multipart form with one file; the CSRF token goes in the URL as the forms do.
func (b *browser) ogPostFile(path string, fields url.Values, field, name string, data []byte) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if data != nil {
		fw, _ := mw.CreateFormFile(field, name)
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	req, _ := http.NewRequest(http.MethodPost, b.site.ts.URL+path+sep+"_csrf="+url.QueryEscape(b.csrf), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func ogStatus(t *testing.T, what string, p page, want int) {
	t.Helper()
	if p.Status != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, p.Status, want, p.Body)
	}
}

func ogContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

var ogRequestIDRE = regexp.MustCompile(`name="request_id" value="([^"]+)"`)

// TestOutgoingDelegateSigns is the issue's scenario "a delegate signs an outgoing letter on
// behalf of the director", through the web pages on the real stack: the clerk drafts a letter
// with one reviewer; the reviewer returns it with a comment; the clerk sends a new draft; the
// reviewer approves. The land officer (sujit), who signs for the governor by delegation, gives
// the senior administrative officer (netanong) the power to sign for today on the delegations
// screen; she signs on the letter's page; the send number is taken, the signed PDF verifies with
// the capacity lines drawn, and the letter is delivered to the branch.
func TestOutgoingDelegateSigns(t *testing.T) {
	s := newOgSite(t)
	ctx := context.Background()
	today := thai.DateOf(time.Now())
	// The governor holds the power to sign for the province; the land officer signs for him.
	if _, err := s.db.AddDelegation(ctx, storage.NewDelegation{Delegator: "governor", Delegate: "sujit", Kind: "on_behalf", Unit: "land-office",
		Inherit: true, Powers: []string{"sign"}, StartsOn: today, EndsOn: thai.DateOf(time.Now().AddDate(0, 1, 0))}, "operator:test"); err != nil {
		t.Fatal(err)
	}
	clerk, reviewer, director := s.browser(), s.browser(), s.browser()
	clerk.login("panisa", s.account("panisa", false))
	reviewer.login("netanong", s.account("netanong", false))
	director.login("sujit", s.account("sujit", false))

	// The clerk drafts.
	p := clerk.get("/outgoing/new")
	ogStatus(t, "new outgoing", p, 200)
	ogContain(t, "the draft form", p.Body, `name="draft"`, `value="LAND-SEND"`, `value="land-hatyai"`, `name="reviewer"`, `id="create"`)
	subject := "ขอเชิญประชุมหัวหน้าสาขา ประจำเดือน"
	p = clerk.ogPostFile("/outgoing", url.Values{"register": {"LAND-SEND"}, "subject": {subject}, "urgency": {"urgent"},
		"to_unit": {"land-hatyai"}, "to_emails": {"dol@dol.example"}, "reviewer": {"netanong", "", ""}, "signer": {"sujit"}},
		"draft", "draft.pdf", samplepdf.Letter(701, 20_000))
	ogStatus(t, "create", p, http.StatusSeeOther)
	id := strings.TrimPrefix(p.Location, "/outgoing/")
	o, err := s.db.GetOutgoing(ctx, id)
	if err != nil || o.Subject != subject || o.Signer != "sujit" || len(o.Reviewers) != 1 || len(o.Recipients) != 2 {
		t.Fatalf("stored letter %+v %v", o, err)
	}
	p = clerk.get("/outgoing")
	ogContain(t, "the clerk's list", p.Body, subject, "ระหว่างตรวจร่าง")

	// The reviewer returns it with a comment.
	p = reviewer.get("/outgoing")
	ogContain(t, "the reviewer's list", p.Body, "รอฉันตรวจ", "/outgoing/"+id)
	p = reviewer.get("/outgoing/" + id)
	ogStatus(t, "letter page", p, 200)
	ogContain(t, "the reviewer's page", p.Body, `id="approve"`, `id="return"`, "/outgoing/"+id+"/rev/1/page/1")
	rid := ogRequestIDRE.FindStringSubmatch(p.Body)[1]
	p = reviewer.ogPostFile("/outgoing/"+id+"/return", url.Values{"note": {"แก้วันประชุมเป็นวันศุกร์"}, "request_id": {rid}}, "draft", "", nil)
	ogStatus(t, "return", p, http.StatusSeeOther)
	p = clerk.get("/outgoing/" + id)
	ogContain(t, "the returned letter", p.Body, "ส่งคืนแก้ไข", "แก้วันประชุมเป็นวันศุกร์", `id="resubmit"`)
	if strings.Contains(p.Body, `id="sign"`) {
		t.Error("a returned letter offers signing")
	}
	p = clerk.ogPostFile("/outgoing/"+id+"/resubmit", url.Values{"note": {"แก้แล้ว"}, "request_id": {ogRequestIDRE.FindStringSubmatch(p.Body)[1]}},
		"draft", "draft2.pdf", samplepdf.Letter(702, 20_000))
	ogStatus(t, "resubmit", p, http.StatusSeeOther)

	// Approved in the second round.
	p = reviewer.get("/outgoing/" + id)
	p = reviewer.post("/outgoing/"+id+"/approve", url.Values{"note": {"เห็นชอบ"}, "request_id": {ogRequestIDRE.FindStringSubmatch(p.Body)[1]}})
	ogStatus(t, "approve", p, http.StatusSeeOther)
	if o, _ = s.db.GetOutgoing(ctx, id); o.Status != storage.OutgoingSigning {
		t.Fatalf("after approval the letter is %s", o.Status)
	}

	// Before the delegation, the reviewer may not sign: no button, and a refusal that says why.
	p = reviewer.get("/outgoing/" + id)
	if strings.Contains(p.Body, `id="sign"`) {
		t.Fatal("the sign button is offered to someone without the power")
	}
	p = reviewer.post("/outgoing/"+id+"/sign", url.Values{"request_id": {"00000000-0000-4000-8000-000000000001"}})
	ogStatus(t, "sign without the power", p, http.StatusForbidden)
	ogContain(t, "the refusal", p.Body, "ไม่มีอำนาจลงนาม")

	// The land officer gives the power to sign to the senior administrative officer for today.
	p = director.get("/delegations")
	ogStatus(t, "delegations", p, 200)
	d := today.String()
	p = director.post("/delegations", url.Values{"to": {"netanong"}, "kind": {"on_behalf"}, "powers": {"sign"}, "unit": {"land-office"},
		"start": {d}, "end": {d}, "note": {"คำสั่งสำนักงานที่ดินจังหวัดสงขลา ที่ ๑/๒๕๖๙"}})
	ogStatus(t, "delegate signing", p, http.StatusSeeOther)
	p = director.get("/delegations")
	ogContain(t, "the director's delegations", p.Body, "ที่ฉันมอบ", "นางเนตรอนงค์", "ปฏิบัติราชการแทน", "ลงนาม", "มีผล")

	// The deputy sees the letter among those to sign, with the capacity she signs in.
	p = reviewer.get("/outgoing")
	ogContain(t, "the deputy's list", p.Body, "รอฉันลงนาม", "/outgoing/"+id)
	p = reviewer.get("/outgoing/" + id)
	ogContain(t, "the sign form", p.Body, `id="sign"`, `id="sign-place"`, `name="sig_x"`, "เจ้าพนักงานธุรการอาวุโส ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา")
	p = reviewer.post("/outgoing/"+id+"/sign", url.Values{"request_id": {ogRequestIDRE.FindStringSubmatch(p.Body)[1]},
		"sig_pos": {"custom"}, "sig_page": {"1"}, "sig_x": {"320"}, "sig_y": {"80"}, "sig_w": {"240"}, "sig_h": {"110"}})
	ogStatus(t, "sign", p, http.StatusSeeOther)

	var out storage.Outgoing
	deadline := time.Now().Add(time.Minute)
	for {
		out, err = s.db.GetOutgoing(ctx, id)
		if err == nil && out.Status == storage.OutgoingSent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the letter was not sent: %+v %v", out, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if out.DocNumber != "สข 0020/1" || out.SignedBy != "netanong" || len(out.SignedCapacity) != 3 ||
		out.SignedCapacity[0] != "เจ้าพนักงานธุรการอาวุโส ปฏิบัติราชการแทน" || out.SignedCapacity[2] != "ผู้ว่าราชการจังหวัดสงขลา" {
		t.Fatalf("signed letter: number %q by %q as %q", out.DocNumber, out.SignedBy, out.SignedCapacity)
	}

	// The signed PDF verifies and carries the capacity lines.
	vault := s.srv.Services.Blobs
	pdf, err := vault.Get(ctx, out.Latest().ObjectKey)
	if err != nil {
		t.Fatal(err)
	}
	trust, _, err := signing.LoadTrust(filepath.Join(s.keyDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := signing.Verify(pdf, trust)
	if err != nil || !rep.Valid || len(rep.Signatures) != 1 || !rep.Signatures[0].CoversWhole {
		t.Fatalf("signed PDF: %+v %v", rep, err)
	}
	// The visible signature is where the signer put the box (x 320, y 80, 240 × 110 points).
	if !regexp.MustCompile(`/Rect\s*\[\s*320(\.0*)?\s+80(\.0*)?\s+560(\.0*)?\s+190(\.0*)?\s*\]`).Match(pdf) {
		t.Errorf("the signature widget is not at the place the signer chose (320 80 560 190)")
	}
	if text := ogPDFText(t, pdf); !strings.Contains(text, "ปฏิบัติราชการแทน") {
		t.Errorf("the signed PDF does not show the capacity line; its text:\n%s", text)
	}

	// The letter's page shows the number, the signature, the history and the deliveries.
	p = clerk.get("/outgoing/" + id)
	ogContain(t, "the sent letter", p.Body, "ส่งแล้ว", "ที่ สข ๐๐๒๐/๑", "เจ้าพนักงานธุรการอาวุโส ปฏิบัติราชการแทน",
		"แก้วันประชุมเป็นวันศุกร์", "HATYAI-RECV ๑/", "dol@dol.example", `id="deliveries"`)
	img := clerk.get("/outgoing/" + id + "/rev/" + strconv.Itoa(out.Latest().Seq) + "/page/1")
	if img.Status != 200 || !strings.HasPrefix(img.Body, "\x89PNG") {
		t.Errorf("page image: %d", img.Status)
	}
	// The send register lists it, and exports it.
	p = clerk.get("/outgoing/register?register=LAND-SEND")
	ogContain(t, "the send register", p.Body, "ที่ สข ๐๐๒๐/๑", subject, `id="csv"`)
	csv := clerk.get("/outgoing/register.csv?register=LAND-SEND")
	ogContain(t, "the CSV export", csv.Body, "send_number", "ที่ สข 0020/1", subject, "เจ้าพนักงานธุรการอาวุโส ปฏิบัติราชการแทน")
	// Someone of another unit does not see the letter.
	other := s.browser()
	other.login("onuma", s.account("onuma", false))
	if p := other.get("/outgoing/" + id); p.Status != http.StatusNotFound {
		t.Errorf("a branch clerk opens the letter: %d", p.Status)
	}
	// The branch's copy says who signed it, that the signature is valid and trusted, and that
	// nothing but the branch's receive stamp was added after it.
	var branchLetter string
	for _, d := range out.Deliveries {
		if d.Kind == "unit" {
			branchLetter = d.LetterID
		}
	}
	deadline = time.Now().Add(time.Minute)
	for {
		revs, err := s.db.Revisions(ctx, branchLetter)
		if err == nil && len(revs) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the branch's copy was not stamped: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	p = other.get("/letters/" + branchLetter)
	ogContain(t, "the branch's letter page", p.Body, `id="signatures"`, "ลายมือชื่อถูกต้อง", "ใบรับรองออกโดยผู้ออกใบรับรองที่ระบบเชื่อถือ",
		"ไม่มีการแก้ไขเนื้อหาหลังลงนาม")
	// The placement asked for is in the audit log with the capacity the deputy acted in.
	var n int
	if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'outgoing.sign.placement' AND actor = 'netanong'
		AND subject_id = $1 AND capacity <> ''`, id).Scan(&n); err != nil || n != 1 {
		t.Errorf("placement audit rows = %d, %v", n, err)
	}
}

// ogPDFText is the text poppler reads from a PDF (signature appearances included).
func ogPDFText(t *testing.T, pdf []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "x.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
