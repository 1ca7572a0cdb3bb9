package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/activities"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/notify"
	"github.com/saraban/saraban/routing"
	"github.com/saraban/saraban/signing"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/workflows"
)

// outgoingStep sends one step and returns the result or the error.
func (s *stack) outgoingStep(t *testing.T, o storage.Outgoing, a workflows.OutgoingAction) (workflows.OutgoingResult, error) {
	t.Helper()
	if a.RequestID == "" {
		a.RequestID = a.Kind + "-" + a.Actor + "-" + time.Now().Format("150405.000000000")
	}
	return s.router.ActOutgoing(context.Background(), workflows.OutgoingInput{OutgoingID: o.ID, Creator: o.CreatedBy,
		Reviewers: o.Reviewers, Parallel: o.Parallel, Signer: o.Signer}, a)
}

func (s *stack) mustStep(t *testing.T, o storage.Outgoing, a workflows.OutgoingAction) workflows.OutgoingResult {
	t.Helper()
	r, err := s.outgoingStep(t, o, a)
	if err != nil {
		t.Fatalf("%s by %s: %v", a.Kind, a.Actor, err)
	}
	return r
}

func (s *stack) refusedStep(t *testing.T, o storage.Outgoing, a workflows.OutgoingAction, want string) {
	t.Helper()
	_, err := s.outgoingStep(t, o, a)
	var re *routing.RefusedError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), want) {
		t.Fatalf("%s by %s: want a refusal mentioning %q, got %v", a.Kind, a.Actor, want, err)
	}
}

func (s *stack) draft(t *testing.T, seed uint64) *workflows.DraftRef {
	t.Helper()
	pdf := samplepdf.Letter(seed, 20_000)
	key, digest, err := s.blobs.PutPDF(context.Background(), pdf)
	if err != nil {
		t.Fatal(err)
	}
	return &workflows.DraftRef{SHA256: digest, ObjectKey: key, Size: int64(len(pdf))}
}

// TestOutgoingLetter: a draft of the land office is reviewed in order (returned once, resubmitted
// with a new draft, approved), refused to a person without the power to sign, signed by the land
// officer on behalf of the governor (a delegation resolved at signing time) after the send number
// was stamped, and dispatched: three branches receive it as incoming letters with their own
// receive numbers and stamps, an e-mail address gets a delivery. The dispatched PDF is checked by
// signing.Verify and poppler's pdfsig; a circular takes its number in its own series.
func TestOutgoingLetter(t *testing.T) {
	s := start(t, true)
	acts := testenv.Worker(t, s.db, s.blobs, s.tc, s.queue)
	keyDir := string(acts.SignKeys.(activities.KeyDir))
	ctx := context.Background()
	today := thai.DateOf(time.Now())
	if _, err := s.db.AddDelegation(ctx, storage.NewDelegation{Delegator: "governor", Delegate: "sujit", Kind: "on_behalf", Unit: "land-office",
		Inherit: true, Powers: []string{"sign"}, StartsOn: today, EndsOn: thai.DateOf(time.Now().AddDate(0, 1, 0))}, "operator:test"); err != nil {
		t.Fatal(err)
	}

	// ลับที่สุด never goes through the system.
	first := s.draft(t, 501)
	if _, err := s.db.CreateOutgoing(ctx, storage.NewOutgoing{Register: "LAND-SEND", Subject: "ลับที่สุด", Secrecy: "top_secret",
		Recipients: []storage.Recipient{{Unit: "land-hatyai"}}, Signer: "governor", CreatedBy: "panisa",
		DraftSHA: first.SHA256, DraftKey: first.ObjectKey, DraftSize: first.Size}); !errors.Is(err, storage.ErrForbidden) {
		t.Fatalf("top secret letter: %v", err)
	}

	o, err := s.db.CreateOutgoing(ctx, storage.NewOutgoing{Register: "LAND-SEND", Subject: "ขอเชิญประชุมหัวหน้าสาขา",
		Recipients: []storage.Recipient{{Unit: "land-hatyai"}, {Unit: "land-sadao"}, {Unit: "land-nathawi"}, {Email: "dol@dol.example"}},
		Signer:     "governor", Reviewers: []string{"netanong", "panisa"}, CreatedBy: "panisa",
		DraftSHA: first.SHA256, DraftKey: first.ObjectKey, DraftSize: first.Size})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.router.StartOutgoing(ctx, workflows.OutgoingInput{OutgoingID: o.ID, Creator: o.CreatedBy, Reviewers: o.Reviewers, Signer: o.Signer}); err != nil {
		t.Fatal(err)
	}

	s.refusedStep(t, o, workflows.OutgoingAction{Kind: "approve", Actor: "onuma"}, "not a reviewer")
	s.refusedStep(t, o, workflows.OutgoingAction{Kind: "approve", Actor: "panisa"}, "in turn")
	s.mustStep(t, o, workflows.OutgoingAction{Kind: "approve", Actor: "netanong"})
	if r := s.mustStep(t, o, workflows.OutgoingAction{Kind: "return", Actor: "panisa", Note: "แก้วันประชุม"}); r.Stage != workflows.OutgoingStageReturned {
		t.Fatalf("return: %+v", r)
	}
	s.refusedStep(t, o, workflows.OutgoingAction{Kind: "approve", Actor: "panisa"}, "not in review")
	s.refusedStep(t, o, workflows.OutgoingAction{Kind: "sign", Actor: "governor"}, "not ready to sign")
	s.refusedStep(t, o, workflows.OutgoingAction{Kind: "resubmit", Actor: "panisa"}, "new draft")
	s.mustStep(t, o, workflows.OutgoingAction{Kind: "resubmit", Actor: "panisa", Draft: s.draft(t, 502)})
	s.mustStep(t, o, workflows.OutgoingAction{Kind: "approve", Actor: "netanong"})
	if r := s.mustStep(t, o, workflows.OutgoingAction{Kind: "approve", Actor: "panisa"}); r.Stage != workflows.OutgoingStageSigning {
		t.Fatalf("after the reviews: %+v", r)
	}

	// Someone without the power to sign (and no delegation) is refused, and no number is taken.
	s.refusedStep(t, o, workflows.OutgoingAction{Kind: "sign", Actor: "netanong"}, "sign")
	if got, _ := s.db.GetOutgoing(ctx, o.ID); got.Number != 0 {
		t.Fatalf("a refused signature took number %d", got.Number)
	}
	res := s.mustStep(t, o, workflows.OutgoingAction{Kind: "sign", Actor: "sujit"})
	if res.DocNumber != "สข 0020/1" || res.SignedBy != "sujit" {
		t.Fatalf("sign: %+v", res)
	}
	// As storage.Resolve prints it (the agency name is not repeated in the chain).
	wantCap := []string{"เจ้าพนักงานที่ดินจังหวัด ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา"}
	if strings.Join(res.Capacity, "|") != strings.Join(wantCap, "|") {
		t.Fatalf("capacity lines %q, want %q", res.Capacity, wantCap)
	}

	var out storage.Outgoing
	eventually(t, time.Minute, "dispatch", func() bool {
		out, err = s.db.GetOutgoing(ctx, o.ID)
		return err == nil && out.Status == storage.OutgoingSent
	})
	if len(out.Deliveries) != 4 {
		t.Fatalf("deliveries %+v", out.Deliveries)
	}
	kinds := []string{}
	for _, r := range out.Revisions {
		kinds = append(kinds, r.Kind)
	}
	if strings.Join(kinds, ",") != "draft,draft,numbered,signed" {
		t.Fatalf("revisions %v", kinds)
	}
	signed := out.Latest()
	regs := map[string]string{"land-hatyai": "HATYAI-RECV", "land-sadao": "SADAO-RECV", "land-nathawi": "NATHAWI-RECV"}
	for _, d := range out.Deliveries {
		if d.Kind == "email" {
			if d.Recipient != "dol@dol.example" || d.Status != "pending" {
				t.Fatalf("e-mail delivery %+v", d)
			}
			continue
		}
		if d.Register != regs[d.Recipient] || d.Number != 1 || d.Status != "delivered" {
			t.Fatalf("delivery %+v", d)
		}
		eventually(t, time.Minute, "the receive stamp at "+d.Recipient, func() bool { return s.stamped(t, d.LetterID) })
		l, err := s.db.GetLetter(ctx, d.LetterID)
		if err != nil || l.DocNumber != "สข 0020/1" || l.Subject != o.Subject {
			t.Fatalf("incoming copy %+v %v", l, err)
		}
		revs, err := s.db.Revisions(ctx, d.LetterID)
		if err != nil || len(revs) != 2 || revs[0].SHA256 != signed.SHA256 {
			t.Fatalf("copy revisions %+v %v (signed %s)", revs, err, signed.SHA256)
		}
		// The stamped copy keeps the signature valid: only a receive stamp was added after it.
		stamped, err := s.blobs.Get(ctx, revs[1].ObjectKey)
		if err != nil {
			t.Fatal(err)
		}
		trust, _, err := signing.LoadTrust(filepath.Join(keyDir, "ca.pem"))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := signing.Verify(stamped, trust)
		if err != nil || !rep.Valid || len(rep.Signatures) != 1 || rep.Signatures[0].CoversWhole {
			t.Fatalf("stamped copy at %s: %+v %v", d.Recipient, rep, err)
		}
	}

	// The dispatched PDF: one valid signature over the whole document, in the delegate's name,
	// with the capacity lines drawn.
	pdf, err := s.blobs.Get(ctx, signed.ObjectKey)
	if err != nil {
		t.Fatal(err)
	}
	trust, _, err := signing.LoadTrust(filepath.Join(keyDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := signing.Verify(pdf, trust)
	if err != nil || !rep.Valid || len(rep.Signatures) != 1 || !rep.Signatures[0].CoversWhole || !rep.Signatures[0].ChainTrusted {
		t.Fatalf("Verify: %+v %v", rep, err)
	}
	if !strings.Contains(rep.Signatures[0].SignerName, "สุจิต") && rep.Signatures[0].SignerName == "" {
		t.Fatalf("signer %q", rep.Signatures[0].SignerName)
	}
	checkPdfsig(t, keyDir, pdf)
	text := pdftotext(t, pdf)
	for _, line := range wantCap {
		if !strings.Contains(text, line) {
			t.Errorf("pdftotext of the signed letter lacks %q:\n%s", line, text)
		}
	}

	// A circular: no reviewers, signed by the governor, numbered /ว in its own series.
	c, err := s.db.CreateOutgoing(ctx, storage.NewOutgoing{Register: "LAND-SEND", Circular: true, Subject: "แจ้งเวียนแนวทาง",
		Recipients: []storage.Recipient{{Unit: "land-ranot"}}, Signer: "governor", CreatedBy: "panisa",
		DraftSHA: first.SHA256, DraftKey: first.ObjectKey, DraftSize: first.Size})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.mustStep(t, c, workflows.OutgoingAction{Kind: "sign", Actor: "governor"}); r.DocNumber != "สข 0020/ว 1" || len(r.Capacity) != 1 {
		t.Fatalf("circular: %+v", r)
	}
	eventually(t, time.Minute, "the circular's dispatch", func() bool {
		got, err := s.db.GetOutgoing(ctx, c.ID)
		return err == nil && got.Status == storage.OutgoingSent
	})
	s.refusedStep(t, c, workflows.OutgoingAction{Kind: "sign", Actor: "governor"}, "signed and sent")
}

func checkPdfsig(t *testing.T, keyDir string, pdf []byte) {
	t.Helper()
	for _, tool := range []string{"pdfsig", "certutil"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (poppler-utils, libnss3-tools)", tool)
		}
	}
	nss := t.TempDir()
	for _, args := range [][]string{
		{"-N", "--empty-password", "-d", "sql:" + nss},
		{"-A", "-n", "saraban-demo-root", "-t", "CT,C,C", "-i", filepath.Join(keyDir, "ca.pem"), "-d", "sql:" + nss},
	} {
		if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	f := filepath.Join(t.TempDir(), "signed.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+nss, f).CombinedOutput()
	for _, want := range []string{"Signature is Valid.", "Certificate is Trusted.", "Total document signed"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("pdfsig does not say %q:\n%s", want, out)
		}
	}
}

func pdftotext(t *testing.T, pdf []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", f, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// TestOutgoingLetterByEmail: a letter to one unit of this installation and two e-mail
// addresses (and one the server refuses for good) is signed and dispatched; a real SMTP server
// (aiosmtpd) receives one mail per address, in Thai, with the signed PDF attached byte for byte
// and named by the send number; the refused address fails at once without holding up the
// letter; the unit receives its incoming copy; dispatching again sends nothing more.
func TestOutgoingLetterByEmail(t *testing.T) {
	s := start(t, true)
	smtp := startSMTPSink(t, 0)
	acts := testenv.Worker(t, s.db, s.blobs, s.tc, s.queue)
	acts.Mail = &activities.OutgoingMail{Sender: &notify.Mailer{Addr: smtp.Addr, From: "สารบรรณกลาง <saraban@land-songkhla.example>", Helo: "saraban.test"},
		Backoff: func(int) time.Duration { return 500 * time.Millisecond }}
	ctx := context.Background()
	draft := s.draft(t, 601)
	addrs := []string{"dol@dol.example", "saraban@moi.example"}
	o, err := s.db.CreateOutgoing(ctx, storage.NewOutgoing{Register: "LAND-SEND", Subject: "ขอเชิญประชุมคณะทำงาน", Urgency: "urgent",
		Recipients: []storage.Recipient{{Unit: "land-hatyai"}, {Email: addrs[0]}, {Email: addrs[1]}, {Email: "perm-gone@moi.example"}}, Signer: "governor", CreatedBy: "panisa",
		DraftSHA: draft.SHA256, DraftKey: draft.ObjectKey, DraftSize: draft.Size})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.mustStep(t, o, workflows.OutgoingAction{Kind: "sign", Actor: "governor"}); r.DocNumber != "สข 0020/1" {
		t.Fatalf("sign: %+v", r)
	}
	out := s.waitSent(t, o.ID)
	signed := out.Latest()
	pdf, err := s.blobs.Get(ctx, signed.ObjectKey)
	if err != nil || signed.Kind != "signed" {
		t.Fatalf("signed revision %+v: %v", signed, err)
	}
	for _, d := range out.Deliveries {
		switch d.Kind {
		case "unit":
			if d.Recipient != "land-hatyai" || d.Status != "delivered" || d.Register != "HATYAI-RECV" || d.Number != 1 {
				t.Fatalf("unit delivery %+v", d)
			}
		case "email":
			if d.Recipient == "perm-gone@moi.example" {
				if d.Status != "failed" || d.Attempts != 1 || !strings.Contains(d.Error, "permanent failure at rcpt (550)") {
					t.Fatalf("refused address %+v", d)
				}
				continue
			}
			if d.Status != "delivered" || d.Attempts != 1 || d.Error != "" || d.SentAt == nil || !strings.HasSuffix(d.MessageID, "@land-songkhla.example") {
				t.Fatalf("e-mail delivery %+v", d)
			}
		}
	}
	if len(out.Deliveries) != 4 {
		t.Fatalf("deliveries %+v", out.Deliveries)
	}
	msgs := smtp.waitMessages(t, 2)
	got := map[string]bool{}
	for _, m := range msgs {
		if len(m.rcpts) != 1 {
			t.Fatalf("a mail to %v: one mail per address", m.rcpts)
		}
		got[m.rcpts[0]] = true
		if want := "ด่วน ที่ สข ๐๐๒๐/๑ เรื่อง ขอเชิญประชุมคณะทำงาน"; m.subject != want {
			t.Errorf("subject %q, want %q", m.subject, want)
		}
		for _, want := range []string{"ที่ สข ๐๐๒๐/๑", "เรื่อง ขอเชิญประชุมคณะทำงาน", "สข 0020-1.pdf", "ผู้ว่าราชการจังหวัดสงขลา", signed.SHA256} {
			if !strings.Contains(m.text, want) {
				t.Errorf("the text lacks %q:\n%s", want, m.text)
			}
		}
		if len(m.files) != 1 || m.files[0].name != "สข 0020-1.pdf" || m.files[0].contentType != "application/pdf" {
			t.Fatalf("attachments %+v", m.files)
		}
		if !bytes.Equal(m.files[0].data, pdf) {
			t.Fatalf("the attached PDF (%d bytes) is not the signed revision (%d bytes, %s)", len(m.files[0].data), len(pdf), signed.SHA256)
		}
		if m.header.Get("X-Saraban-Outgoing") != o.ID || m.header.Get("From") == "" {
			t.Errorf("headers %v", m.header)
		}
	}
	if !got[addrs[0]] || !got[addrs[1]] {
		t.Fatalf("mail went to %v, want %v", got, addrs)
	}

	// The activity run again (a retry after a crash) sends nothing more and makes no second copy.
	if res, err := acts.DispatchOutgoing(ctx, workflows.DispatchOutgoingInput{OutgoingID: o.ID}); err != nil || res.Emails != 3 || res.Units != 1 || res.Failed != 1 {
		t.Fatalf("dispatch again: %+v %v", res, err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(smtp.messages(t)); n != 2 {
		t.Fatalf("%d mails after a second dispatch, want 2", n)
	}
	again, err := s.db.GetOutgoing(ctx, o.ID)
	if err != nil || len(again.Deliveries) != 4 {
		t.Fatalf("after a second dispatch: %+v %v", again.Deliveries, err)
	}
	for _, d := range again.Deliveries {
		if d.Kind == "email" && d.Status == "delivered" && d.Attempts != 1 {
			t.Fatalf("a delivered address was tried again: %+v", d)
		}
	}
}

// TestOutgoingEmailServerDown: while the SMTP server is down the dispatch retries with backoff,
// each address recorded failed with its error and the letter not yet sent; when the server
// comes up each address receives exactly one mail. A letter whose server stays down is given
// up after the configured number of tries: sent to the unit, the e-mail failed with the error
// shown by `saraban outgoing show --json`.
func TestOutgoingEmailServerDown(t *testing.T) {
	s := start(t, true)
	smtp := newSMTPSink(t, testenv.FreePort(t))
	acts := testenv.Worker(t, s.db, s.blobs, s.tc, s.queue)
	acts.Mail = &activities.OutgoingMail{Sender: &notify.Mailer{Addr: smtp.Addr, From: "saraban@land-songkhla.example", Helo: "saraban.test", Timeout: 5 * time.Second},
		MaxAttempts: 6, Backoff: func(int) time.Duration { return time.Second }}
	ctx := context.Background()
	draft := s.draft(t, 602)
	newLetter := func(subject string, circular bool, to ...storage.Recipient) storage.Outgoing {
		o, err := s.db.CreateOutgoing(ctx, storage.NewOutgoing{Register: "LAND-SEND", Subject: subject, Recipients: to, Circular: circular,
			Signer: "governor", CreatedBy: "panisa", DraftSHA: draft.SHA256, DraftKey: draft.ObjectKey, DraftSize: draft.Size})
		if err != nil {
			t.Fatal(err)
		}
		s.mustStep(t, o, workflows.OutgoingAction{Kind: "sign", Actor: "governor"})
		return o
	}

	a := newLetter("แจ้งผลการประชุม", false, storage.Recipient{Email: "dol@dol.example"}, storage.Recipient{Email: "saraban@moi.example"})
	var cur storage.Outgoing
	eventually(t, time.Minute, "two failed tries of each address", func() bool {
		var err error
		cur, err = s.db.GetOutgoing(ctx, a.ID)
		if err != nil || len(cur.Deliveries) != 2 {
			return false
		}
		for _, d := range cur.Deliveries {
			if d.Status != "failed" || d.Attempts < 2 {
				return false
			}
		}
		return true
	})
	if cur.Status != storage.OutgoingSigned {
		t.Fatalf("status %s while the mail is retried, want signed", cur.Status)
	}
	for _, d := range cur.Deliveries {
		if !strings.Contains(d.Error, "temporary failure at connect") {
			t.Fatalf("delivery error %q", d.Error)
		}
	}
	smtp.Start()
	out := s.waitSent(t, a.ID)
	for _, d := range out.Deliveries {
		if d.Status != "delivered" || d.Error != "" || d.Attempts < 3 {
			t.Fatalf("after the server came up: %+v", d)
		}
	}
	msgs := smtp.waitMessages(t, 2)
	time.Sleep(2 * time.Second) // a duplicate would come with the next retry
	if msgs = smtp.messages(t); len(msgs) != 2 || msgs[0].rcpts[0] == msgs[1].rcpts[0] {
		t.Fatalf("%d mails, want one to each address", len(msgs))
	}

	// The server goes away for good: the unit gets its copy, the e-mail is given up.
	smtp.Stop()
	b := newLetter("แจ้งเวียนผลการประชุม", true, storage.Recipient{Unit: "land-sadao"}, storage.Recipient{Email: "dol@dol.example"})
	out = s.waitSent(t, b.ID)
	var mailed storage.OutgoingDelivery
	for _, d := range out.Deliveries {
		if d.Kind == "unit" && d.Status != "delivered" {
			t.Fatalf("unit delivery %+v", d)
		}
		if d.Kind == "email" {
			mailed = d
		}
	}
	if mailed.Status != "failed" || mailed.Attempts != 6 || !strings.Contains(mailed.Error, "connect") || mailed.SentAt != nil {
		t.Fatalf("given-up delivery %+v", mailed)
	}
	// What `saraban outgoing show ID --json` prints.
	js, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	var shown struct {
		Status     string `json:"status"`
		Deliveries []struct {
			Recipient, Status, Error string
			Attempts                 int
		} `json:"deliveries"`
	}
	if err := json.Unmarshal(js, &shown); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range shown.Deliveries {
		if d.Recipient == "dol@dol.example" {
			found = d.Status == "failed" && d.Attempts == 6 && strings.Contains(d.Error, "connection refused")
		}
	}
	if shown.Status != "sent" || !found {
		t.Fatalf("show --json: %s", js)
	}

	// The commands: show --json, and the send register's export with both series.
	bin := filepath.Join(t.TempDir(), "saraban")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/saraban/saraban/cmd/saraban").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "SARABAN_DATABASE_URL="+testenv.DBURL(s.db), "SARABAN_S3_BUCKET="+s.blobs.Bucket,
			"SARABAN_TEMPORAL_ADDRESS="+s.ts.Addr, "SARABAN_TASK_QUEUE="+s.queue)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("saraban %v: %v\n%s", args, err, stderr.String())
		}
		return stdout.String()
	}
	shown.Deliveries = nil
	if err := json.Unmarshal([]byte(run("outgoing", "show", b.ID, "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	if len(shown.Deliveries) != 2 || shown.Deliveries[0].Recipient != "dol@dol.example" || shown.Deliveries[0].Status != "failed" ||
		!strings.Contains(shown.Deliveries[0].Error, "connection refused") || shown.Deliveries[0].Attempts != 6 {
		t.Fatalf("saraban outgoing show --json: %+v", shown)
	}
	year := fmt.Sprint(out.Year)
	lines := strings.Split(strings.TrimSpace(run("register", "export", "--register", "LAND-SEND", "--year", year, "--format", "csv")), "\n")
	if len(lines) != 3 || lines[0] != strings.Join(storage.SendColumns, ",") ||
		!strings.HasPrefix(lines[1], "normal,1,ที่ สข 0020/1,") || !strings.Contains(lines[1], ",แจ้งผลการประชุม,") || !strings.Contains(lines[1], ",sent,,") ||
		!strings.HasPrefix(lines[2], "circular,1,ที่ สข 0020/ว 1,") || !strings.Contains(lines[2], "ส่งทางอีเมลไม่สำเร็จ: dol@dol.example (temporary failure at connect") {
		t.Fatalf("register export csv:\n%s", strings.Join(lines, "\n"))
	}
	lines = strings.Split(strings.TrimSpace(run("register", "export", "--register", "LAND-SEND", "--year", year, "--format", "jsonl")), "\n")
	var row map[string]string
	if len(lines) != 2 || json.Unmarshal([]byte(lines[1]), &row) != nil || row["series"] != "circular" || row["doc_number"] != "ที่ สข 0020/ว 1" ||
		row["subject"] != "แจ้งเวียนผลการประชุม" || row["signer_id"] != "governor" || row["status"] != "sent" || !strings.HasPrefix(lines[0], `{"series":"normal","send_number":"1",`) {
		t.Fatalf("register export jsonl:\n%s", strings.Join(lines, "\n"))
	}

	// The server is back: the operator resends the given-up address, once, and only it.
	before := len(smtp.messages(t))
	smtp.Start()
	var res []activities.ResendResult
	if err := json.Unmarshal([]byte(run("outgoing", "resend", b.ID, "--smtp-addr", smtp.Addr, "--smtp-from", "saraban@land-songkhla.example", "--json")), &res); err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Address != "dol@dol.example" || res[0].Status != "delivered" {
		t.Fatalf("outgoing resend: %+v", res)
	}
	if msgs := smtp.waitMessages(t, before+1); len(msgs) != before+1 || msgs[len(msgs)-1].rcpts[0] != "dol@dol.example" {
		t.Fatalf("after the resend the server holds %d messages", len(msgs))
	}
	if got, _ := s.db.GetOutgoing(context.Background(), b.ID); got.Deliveries[0].Status != "delivered" {
		t.Fatalf("delivery after resend: %+v", got.Deliveries)
	}
	// Nothing left to send: a second resend sends nothing.
	if out := run("outgoing", "resend", b.ID, "--smtp-addr", smtp.Addr, "--smtp-from", "saraban@land-songkhla.example", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("second resend: %s", out)
	}
	smtp.Stop()
}

func (s *stack) waitSent(t *testing.T, id string) storage.Outgoing {
	t.Helper()
	var out storage.Outgoing
	eventually(t, 2*time.Minute, "the dispatch of "+id, func() bool {
		var err error
		out, err = s.db.GetOutgoing(context.Background(), id)
		return err == nil && out.Status == storage.OutgoingSent
	})
	return out
}

// smtpSink is testenv's SMTP server (Debian's aiosmtpd) with the outgoing mails parsed.
type smtpSink struct {
	*testenv.SMTPServer
}

// newSMTPSink makes a sink on port (0: a free one) without starting it.
func newSMTPSink(t *testing.T, port int) *smtpSink {
	t.Helper()
	return &smtpSink{testenv.NewSMTP(t, testenv.SMTPOptions{Port: port})}
}

func startSMTPSink(t *testing.T, port int) *smtpSink {
	s := newSMTPSink(t, port)
	s.Start()
	return s
}

type sinkFile struct {
	name, contentType string
	data              []byte
}

type sinkMessage struct {
	rcpts   []string
	header  mail.Header
	subject string
	text    string
	files   []sinkFile
}

// messages reads what the server accepted so far, oldest first, each parsed: the decoded
// subject, the text part and the attachments.
func (s *smtpSink) messages(t *testing.T) []sinkMessage {
	t.Helper()
	var out []sinkMessage
	for _, r := range s.Messages() {
		n, m := "the mail to "+strings.Join(r.Meta.RcptTos, ", "), r.Msg
		sm := sinkMessage{rcpts: r.Meta.RcptTos, header: m.Header}
		sm.subject, _ = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/mixed" {
			t.Fatalf("%s: content type %q (%v)", n, m.Header.Get("Content-Type"), err)
		}
		r := multipart.NewReader(m.Body, params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			body, _ := io.ReadAll(p)
			if !strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
				t.Fatalf("%s: a part in %q", n, p.Header.Get("Content-Transfer-Encoding"))
			}
			data, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(body)))
			if err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			if p.FileName() == "" && ct == "text/plain" {
				sm.text += string(data)
				continue
			}
			sm.files = append(sm.files, sinkFile{name: p.FileName(), contentType: ct, data: data})
		}
		out = append(out, sm)
	}
	return out
}

func (s *smtpSink) waitMessages(t *testing.T, n int) []sinkMessage {
	t.Helper()
	eventually(t, time.Minute, fmt.Sprintf("%d mails", n), func() bool { return len(s.messages(t)) >= n })
	return s.messages(t)
}
