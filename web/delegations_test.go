package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/workflows"
)

// TestDelegationsCreateEndAndRefuse: the delegations screen records an acting appointment and
// ends it, refuses what the API refuses with its reason on the form (a power the delegator does
// not hold; someone recording a delegation for another person), and the authority box answers
// with the capacity lines.
func TestDelegationsCreateEndAndRefuse(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	director, deputy, clerk := s.browser(), s.browser(), s.browser()
	director.login("sujit", s.account("sujit", false))
	deputy.login("netanong", s.account("netanong", false))
	clerk.login("panisa", s.account("panisa", false))
	today := thai.DateOf(time.Now()).String()
	week := thai.DateOf(time.Now().AddDate(0, 0, 7)).String()

	p := director.get("/delegations")
	ogStatus(t, "delegations", p, 200)
	ogContain(t, "the delegations page", p.Body, "ที่ฉันมอบ", "ที่ฉันได้รับมอบ", `id="delegation-form"`, `id="check-form"`, `name="powers"`)

	// The land officer does not hold the power to sign (the governor does): refused, and why.
	p = director.post("/delegations", url.Values{"to": {"netanong"}, "kind": {"on_behalf"}, "powers": {"sign"}, "unit": {"land-office"},
		"start": {today}, "end": {today}})
	ogStatus(t, "delegating a power not held", p, http.StatusForbidden)
	ogContain(t, "the refusal", p.Body, `id="delegation-error"`, "ผู้มอบไม่มีอำนาจนี้", "cannot delegate what they do not hold")
	// The form keeps what was typed.
	ogContain(t, "the refused form", p.Body, `value="netanong" selected`, `id="power-sign" value="sign" checked`)

	// A clerk may not record a delegation in the land officer's name.
	p = clerk.post("/delegations", url.Values{"from": {"sujit"}, "to": {"panisa"}, "kind": {"on_behalf"}, "powers": {"order"},
		"start": {today}, "end": {today}})
	ogStatus(t, "delegating for someone else", p, http.StatusForbidden)
	ogContain(t, "the refusal", p.Body, "ท่านบันทึกหรือยุติการมอบอำนาจนี้ไม่ได้")
	var refused int
	if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'refused' AND actor = 'panisa'`).Scan(&refused); err != nil || refused != 1 {
		t.Errorf("refusal audit rows = %d, %v", refused, err)
	}
	// A bad date is refused before anything is asked.
	p = director.post("/delegations", url.Values{"to": {"netanong"}, "kind": {"acting"}, "start": {"31 ก.พ. 2569"}, "end": {week}})
	ogStatus(t, "a date that does not exist", p, http.StatusUnprocessableEntity)

	// The land officer appoints the senior administrative officer acting head for a week
	// (Thai dates in Thai digits, as the form shows them).
	thaiToday := (&Ctx{s: s.srv}).Date(thai.DateOf(time.Now()))
	p = director.post("/delegations", url.Values{"to": {"netanong"}, "kind": {"acting"}, "start": {thaiToday}, "end": {week},
		"note": {"คำสั่ง ที่ ๕/๒๕๖๙"}})
	ogStatus(t, "acting appointment", p, http.StatusSeeOther)
	p = director.get("/delegations")
	ogContain(t, "the director's list", p.Body, "รักษาราชการแทน", "ทุกอำนาจของตำแหน่ง", "มีผล", "คำสั่ง ที่ ๕/๒๕๖๙", "บันทึกการมอบอำนาจแล้ว")
	id := regexp.MustCompile(`action="/delegations/(\d+)/end"`).FindStringSubmatch(p.Body)
	if id == nil {
		t.Fatalf("no end button for the delegator:\n%s", p.Body)
	}
	p = deputy.get("/delegations")
	ogContain(t, "the deputy's list", p.Body, "ที่ฉันได้รับมอบ", "นางสุจิตร์", "รักษาราชการแทน")

	// The authority box: the acting head may order for the land office, with the capacity lines.
	p = deputy.get("/delegations?check=1&person=netanong&power=order&unit=land-office")
	ogContain(t, "the authority check", p.Body, `id="check-result"`, "ใช้อำนาจได้", "รักษาราชการแทน", "เจ้าพนักงานที่ดินจังหวัดสงขลา")
	p = deputy.get("/delegations?check=1&person=panisa&power=sign&unit=land-office")
	ogContain(t, "a refused check", p.Body, "ใช้อำนาจไม่ได้")

	// The clerk may not end it; the land officer may.
	if strings.Contains(clerk.get("/delegations").Body, "/delegations/"+id[1]+"/end") {
		t.Error("the clerk is offered to end someone else's delegation")
	}
	p = clerk.post("/delegations/"+id[1]+"/end", nil)
	ogStatus(t, "the clerk ends it", p, http.StatusForbidden)
	p = director.post("/delegations/"+id[1]+"/end", nil)
	ogStatus(t, "the director ends it", p, http.StatusSeeOther)
	p = director.get("/delegations")
	ogContain(t, "after the end", p.Body, "ยุติการมอบอำนาจเลขที่", "สิ้นสุดแล้ว", "ยกเลิก")
	p = director.post("/delegations/"+id[1]+"/end", nil)
	ogStatus(t, "ending twice", p, http.StatusConflict)

	var n int
	if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE actor = 'sujit' AND action IN ('delegation.add', 'delegation.end')`).Scan(&n); err != nil || n != 2 {
		t.Errorf("audit rows = %d, %v", n, err)
	}
}

// TestOutgoingDraftRefusals: a branch clerk may not draft into the land office's send register,
// and nobody drafts a letter above their clearance; the form says why and keeps what was typed.
func TestOutgoingDraftRefusals(t *testing.T) {
	s := newSite(t, func(srv *Server) { srv.Services.Outgoing = nil })
	b := s.browser()
	b.login("panisa", s.account("panisa", false))
	other := s.browser()
	other.login("onuma", s.account("onuma", false))
	if p := other.get("/outgoing/new"); !strings.Contains(p.Body, "หน่วยงานของท่านไม่มีทะเบียนหนังสือส่ง") {
		t.Errorf("a branch clerk is offered a send register")
	}
	if p := other.get("/outgoing/register?register=LAND-SEND"); p.Status != http.StatusForbidden {
		t.Errorf("a branch clerk reads the land office's send register: %d", p.Status)
	}
	p := b.get("/outgoing/register?register=LAND-SEND")
	ogStatus(t, "the send register", p, 200)
	ogContain(t, "the empty send register", p.Body, "ยังไม่มีเลขหนังสือส่งในปีนี้")
	srv := s.srv
	srv.Services.Outgoing = fakeOutgoingNone{}
	p = b.ogPostFile("/outgoing", url.Values{"register": {"LAND-SEND"}, "subject": {"เรื่องลับ"}, "secrecy": {"secret"},
		"to_unit": {"land-hatyai"}, "signer": {"sujit"}}, "draft", "d.pdf", []byte("%PDF-1.4"))
	ogStatus(t, "a secret draft by a clerk without clearance", p, http.StatusUnprocessableEntity)
	ogContain(t, "the refusal", p.Body, "ชั้นความลับ", `value="เรื่องลับ"`)
}

// fakeOutgoingNone stands in for the workflow client where a test never reaches it.
type fakeOutgoingNone struct{}

func (fakeOutgoingNone) StartOutgoing(context.Context, workflows.OutgoingInput) error {
	return errors.New("not in this test")
}

func (fakeOutgoingNone) ActOutgoing(context.Context, workflows.OutgoingInput, workflows.OutgoingAction) (workflows.OutgoingResult, error) {
	return workflows.OutgoingResult{}, errors.New("not in this test")
}

func (fakeOutgoingNone) OutgoingState(context.Context, string) (workflows.OutgoingState, error) {
	return workflows.OutgoingState{}, errors.New("not in this test")
}
