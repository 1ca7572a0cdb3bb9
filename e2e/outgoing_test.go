package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/activities"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
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
