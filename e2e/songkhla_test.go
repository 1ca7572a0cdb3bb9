package e2e

import (
	"context"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/workflows"
)

// TestSongkhlaChain reproduces corpus chain songkhla-chain.txt: the central office's circular
// (นร ๑๒๐๐/ว ๔๔) is received by the province (central registry, then the provincial office),
// annotated, ordered and forwarded by the deputy governor on behalf of the governor to the land
// office, received there with its own number and stamp, annotated, ordered by the land officer in
// her own right, forwarded to the branches by the senior administrative officer on behalf of the
// land officer on behalf of the governor (the two-level chain of 000-B), and acknowledged at Hat
// Yai by the acting head of the branch.
func TestSongkhlaChain(t *testing.T) {
	s := start(t, false)
	ctx := context.Background()
	today := thai.DateOf(time.Now())
	until := thai.DateOf(time.Now().AddDate(0, 1, 0))
	for _, d := range []storage.NewDelegation{
		{Delegator: "governor", Delegate: "apichat", Kind: "on_behalf", Unit: "province", Inherit: true, Powers: []string{"order", "forward", "close"}},
		{Delegator: "governor", Delegate: "sujit", Kind: "on_behalf", Unit: "land-office", Inherit: true, Powers: []string{"forward", "sign"}},
		{Delegator: "sujit", Delegate: "netanong", Kind: "on_behalf", Unit: "land-office", Inherit: true, Powers: []string{"forward"}},
		{Delegator: "prasert", Delegate: "onuma", Kind: "acting", Unit: "land-hatyai"},
	} {
		d.StartsOn, d.EndsOn = today, until
		if _, err := s.db.AddDelegation(ctx, d, "operator:test"); err != nil {
			t.Fatalf("delegation %s → %s: %v", d.Delegator, d.Delegate, err)
		}
	}

	// 1. The province receives the OPDC circular: central registry, then the provincial office.
	pdf := samplepdf.Letter(44, 30_000)
	r, err := s.intake.Receive(ctx, intake.Request{Register: "CR-RECV", PDF: pdf, DocNumber: "ที่ นร ๑๒๐๐/ว ๔๔",
		DocDate: "๖ กันยายน ๒๕๖๗", From: "สำนักงาน ก.พ.ร.", To: "ผู้ว่าราชการจังหวัดสงขลา",
		Subject: "แนวทางการดำเนินการตามมติคณะรัฐมนตรี เรื่อง รายงานการพัฒนาระบบราชการ ประจำปี ๒๕๖๕", Actor: "kanda", Person: false})
	if err != nil {
		t.Fatal(err)
	}
	province := r.LetterID
	if _, err := s.db.ReceiveAgain(ctx, storage.ReceiveAgainParams{LetterID: province, Register: "PAO-RECV", Actor: "thanapon"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the province's two stamps", func() bool { return s.stamped(t, province) })

	// 2. Annotated by the clerk, ordered and forwarded by the deputy governor for the governor.
	ann := s.act(t, province, workflows.Action{Kind: "annotate", Actor: "kanda", Note: "เรียน ผวจ.สข. เพื่อโปรดทราบ เห็นควรแจ้งสำนักงานที่ดินจังหวัดสงขลา"})
	if len(ann.Capacity) != 1 || ann.Capacity[0] != "เจ้าพนักงานธุรการชำนาญงาน" {
		t.Errorf("clerk's capacity = %q", ann.Capacity)
	}
	ord := s.act(t, province, workflows.Action{Kind: "order", Actor: "apichat", Purpose: "act", Assignees: []workflows.Assignee{{Unit: "land-office"}}, Note: "ทราบ มอบ สนง.ที่ดิน"})
	wantDeputy := []string{"รองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา"}
	if !reflect.DeepEqual(ord.Capacity, wantDeputy) || len(ord.TaskIDs) != 1 {
		t.Fatalf("order: capacity %q tasks %v", ord.Capacity, ord.TaskIDs)
	}
	fwd := s.act(t, province, workflows.Action{Kind: "forward", Actor: "apichat", Units: []string{"land-office"}})
	if !reflect.DeepEqual(fwd.Capacity, wantDeputy) {
		t.Fatalf("forward capacity %q", fwd.Capacity)
	}

	// 3. The land office receives its own copy: its own number, a third stamp under the two.
	var land string
	eventually(t, time.Minute, "the land office's copy", func() bool {
		lin, err := s.db.LetterLineage(ctx, province)
		if err != nil || len(lin.Letter.Copies) != 1 {
			return false
		}
		land = lin.Letter.Copies[0].LetterID
		return s.stamped(t, land)
	})
	landLetter, err := s.db.GetLetter(ctx, land)
	if err != nil {
		t.Fatal(err)
	}
	if e := landLetter.Entries[0]; e.Register != "LAND-RECV" || e.Number != 1 || e.Year != thai.BEYear(time.Now()) {
		t.Fatalf("land office entry = %+v", e)
	}
	if landLetter.DocNumberRaw != "ที่ นร ๑๒๐๐/ว ๔๔" || landLetter.DocDateISO != "2024-09-06" {
		t.Errorf("the copy lost the header: %q %q", landLetter.DocNumberRaw, landLetter.DocDateISO)
	}
	text := pdfText(t, s, land)
	for _, want := range []string{"ศาลากลางจังหวัดสงขลา", "สำนักงานจังหวัดสงขลา", "สำนักงานที่ดินจังหวัดสงขลา"} {
		if !strings.Contains(text, want) {
			t.Errorf("the land office's PDF lacks the stamp of %q:\n%s", want, text)
		}
	}

	// 4. Annotated at the land office; the land officer orders in her own right.
	s.act(t, land, workflows.Action{Kind: "annotate", Actor: "panisa", Note: "เรียน จพด. เพื่อโปรดทราบ เห็นควรมอบหมาย ฝอ."})
	s.act(t, land, workflows.Action{Kind: "annotate", Actor: "netanong", Note: "เรียน จพด. เพื่อโปรดพิจารณา"})
	own := s.act(t, land, workflows.Action{Kind: "order", Actor: "sujit", Purpose: "act", Assignees: []workflows.Assignee{{Unit: "land-admin"}}, Note: "อก."})
	if !reflect.DeepEqual(own.Capacity, []string{"เจ้าพนักงานที่ดินจังหวัดสงขลา"}) {
		t.Errorf("land officer's own capacity = %q", own.Capacity)
	}

	// 5. Forwarded to the four branches by the senior administrative officer (two-level chain).
	branches := []string{"land-hatyai", "land-sadao", "land-nathawi", "land-ranot"}
	bf := s.act(t, land, workflows.Action{Kind: "forward", Actor: "netanong", Units: branches, Purpose: "inform"})
	wantChain := []string{"เจ้าพนักงานธุรการอาวุโส ปฏิบัติราชการแทน", "เจ้าพนักงานที่ดินจังหวัด ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา"}
	if !reflect.DeepEqual(bf.Capacity, wantChain) {
		t.Fatalf("branch forward capacity = %q, want %q", bf.Capacity, wantChain)
	}
	copies := map[string]string{}
	eventually(t, 2*time.Minute, "four branch copies, stamped", func() bool {
		lin, err := s.db.LetterLineage(ctx, land)
		if err != nil || len(lin.Letter.Copies) != 4 {
			return false
		}
		for _, c := range lin.Letter.Copies {
			if !s.stamped(t, c.LetterID) {
				return false
			}
			copies[c.Unit] = c.LetterID
		}
		return true
	})
	for _, b := range branches {
		l, err := s.db.GetLetter(ctx, copies[b])
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Entries) != 1 || l.Entries[0].Number != 1 {
			t.Errorf("branch %s: entries %+v", b, l.Entries)
		}
	}

	// 6. Hat Yai acknowledges, by the acting head of the branch.
	ack := s.act(t, copies["land-hatyai"], workflows.Action{Kind: "ack", Actor: "onuma"})
	wantActing := []string{"เจ้าพนักงานธุรการปฏิบัติงาน รักษาราชการแทน", "เจ้าพนักงานที่ดินจังหวัดสงขลา สาขาหาดใหญ่"}
	if !reflect.DeepEqual(ack.Capacity, wantActing) {
		t.Fatalf("acting acknowledgement capacity = %q, want %q", ack.Capacity, wantActing)
	}

	// Lineage both ways.
	up, err := s.db.LetterLineage(ctx, copies["land-hatyai"])
	if err != nil {
		t.Fatal(err)
	}
	if len(up.Sources) != 2 || up.Sources[0].LetterID != land || up.Sources[1].LetterID != province {
		t.Fatalf("lineage up from Hat Yai = %+v", up.Sources)
	}
	down, _ := s.db.LetterLineage(ctx, province)
	if len(down.Letter.Copies) != 1 || len(down.Letter.Copies[0].Copies) != 4 {
		t.Fatalf("lineage down from the province = %+v", down.Letter)
	}
	// The timeline says who did what, in which capacity.
	tl, err := s.db.Timeline(ctx, land)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, it := range tl {
		kinds = append(kinds, it.Kind)
		if it.Kind == "forward" && !reflect.DeepEqual(it.Capacity, wantChain) {
			t.Errorf("timeline forward capacity = %q", it.Capacity)
		}
	}
	if got := strings.Join(kinds, ","); !strings.HasPrefix(got, "receipt,stamp,annotate,annotate,order,forward") {
		t.Errorf("land office timeline = %s", got)
	}
	// The register's การปฏิบัติ column says where the letter went.
	var action string
	if err := s.db.Pool.QueryRow(ctx, `SELECT action_text FROM register_entries WHERE register_code = 'LAND-RECV' AND number = 1`).Scan(&action); err != nil || !strings.Contains(action, "เพื่อดำเนินการ land-admin") {
		t.Errorf("LAND-RECV การปฏิบัติ = %q (%v)", action, err)
	}
	// The Hat Yai head's task notification went to the acting head.
	var n int
	if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE person_id = 'onuma' AND kind = 'forwarded'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("acting head's forwarded notifications = %d (%v)", n, err)
	}
	if rep, err := s.db.VerifyAudit(ctx); err != nil || !rep.OK {
		t.Fatalf("audit chain: %+v %v", rep, err)
	}
}

func pdfText(t *testing.T, s *stack, letter string) string {
	t.Helper()
	revs, err := s.db.Revisions(context.Background(), letter)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.blobs.Get(context.Background(), revs[len(revs)-1].ObjectKey)
	if err != nil {
		t.Fatal(err)
	}
	f := t.TempDir() + "/x.pdf"
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
