package policy

import (
	"net/http"
	"testing"

	"github.com/saraban/saraban/storage"
)

func TestSubjectKeepsOnlyACapacityThePersonHolds(t *testing.T) {
	a := storage.Account{Username: "kanda", PersonID: "kanda", Positions: []storage.Position{
		{UnitCode: "PROV-REG", UnitName: "งานสารบรรณกลาง", Title: "เจ้าพนักงานธุรการชำนาญงาน", Role: "clerk"},
		{UnitCode: "PROV-OFFICE", UnitName: "สำนักงานจังหวัด", Title: "เจ้าพนักงานธุรการชำนาญงาน", Role: "staff"},
	}}
	s := SubjectOf(a, "PROV-OFFICE", "เจ้าพนักงานธุรการชำนาญงาน")
	if s.Capacity.UnitCode != "PROV-OFFICE" {
		t.Errorf("chosen capacity lost: %+v", s.Capacity)
	}
	if s := SubjectOf(a, "GOV", "ผู้ว่าราชการจังหวัด"); s.Capacity.UnitCode != "PROV-REG" {
		t.Errorf("a capacity the person does not hold was kept: %+v", s.Capacity)
	}
	if !s.HasCapacity("PROV-REG", "เจ้าพนักงานธุรการชำนาญงาน") || s.HasCapacity("PROV-REG", "ผู้อำนวยการ") {
		t.Error("HasCapacity is wrong")
	}
	if got := s.CapacityText(); got != "เจ้าพนักงานธุรการชำนาญงาน, สำนักงานจังหวัด" {
		t.Errorf("CapacityText = %q", got)
	}
	if got := SubjectOf(storage.Account{IsAdmin: true}, "", "").CapacityText(); got != "administrator" {
		t.Errorf("an administrator without a position acts as %q", got)
	}
}

func TestAdministrationAndScope(t *testing.T) {
	e := &Engine{}
	admin := Subject{Username: "nattawut", PersonID: "nattawut", Admin: true}
	clerk := Subject{Username: "panisa", PersonID: "panisa", Positions: []storage.Position{{UnitCode: "LAND", Title: "x"}}}
	if !e.Administer(admin).Allowed || e.Administer(clerk).Allowed {
		t.Fatal("Administer: only administrators")
	}
	d := e.Administer(clerk)
	if d.Status != http.StatusForbidden || d.Reason.In("th") == "" || d.Reason.In("en") == "" {
		t.Errorf("a refusal must say why in both languages: %+v", d)
	}
	if !e.LetterScope(admin).None {
		t.Error("an administrator without positions must see no letters in lists")
	}
	if sc := e.LetterScope(clerk); sc.None || sc.Clearance != "normal" {
		t.Errorf("clerk scope = %+v", sc)
	}
	if (Decision{Allowed: true}).Err() != nil || e.Administer(clerk).Err() == nil {
		t.Error("Decision.Err")
	}
}

func TestSecrecyOrder(t *testing.T) {
	if !(SecrecyRank("normal") < SecrecyRank("confidential") && SecrecyRank("confidential") < SecrecyRank("secret") &&
		SecrecyRank("secret") < SecrecyRank("top_secret") && SecrecyRank("bogus") > SecrecyRank("top_secret")) {
		t.Fatal("secrecy ranks out of order")
	}
	if Classified("normal") || !Classified("confidential") || !Classified("secret") {
		t.Fatal("Classified: ลับ and above")
	}
}
