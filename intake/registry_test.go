package intake_test

import (
	"context"
	"strings"
	"testing"

	"github.com/saraban/saraban/extract"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
)

// TestACitationThatContradictsTheRegisterIsFlagged registers the province's circular (ว ๗๕๗๗ of
// 7 Oct 2567), then reads a letter that cites it with another date (corpus 000-B cites a date
// that does not match): the reading flags it against the register and changes nothing.
func TestACitationThatContradictsTheRegisterIsFlagged(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, err := f.svc.Receive(ctx, intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(5, 3000), DocNumber: "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗",
		DocDate: "๗ ตุลาคม ๒๕๖๗", Actor: "operator:test"}); err != nil {
		t.Fatal(err)
	}
	text := `บันทึกข้อความ
ส่วนราชการ สำนักงานที่ดินจังหวัดสงขลา ฝ่ายอำนวยการ
ที่ สข ๐๐๒๐.๑/๑๒๓ วันที่ ๒๐ ตุลาคม ๒๕๖๗
เรื่อง รายงานผลการดำเนินการตามมติคณะรัฐมนตรี
เรียน ผู้ว่าราชการจังหวัดสงขลา
อ้างถึง หนังสือจังหวัดสงขลา ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗ ลงวันที่ ๙ ตุลาคม ๒๕๖๗
ตามที่จังหวัดสงขลาได้แจ้งแนวทางการดำเนินการ นั้น สำนักงานที่ดินจังหวัดสงขลาได้ดำเนินการแล้ว
จึงเรียนมาเพื่อโปรดทราบ
(นางสุจิตร์ สุขสว่าง)
เจ้าพนักงานที่ดินจังหวัดสงขลา
`
	res, err := extract.Text(ctx, text, extract.Options{Registry: f.db})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Letters) == 0 {
		t.Fatal("no letter read")
	}
	var found bool
	for _, fl := range res.Letters[0].Flags {
		if fl.Code == "registry_mismatch" {
			found = true
			if !strings.Contains(fl.Message, "2024-10-07") && !strings.Contains(fl.Message, "๗") && !strings.Contains(fl.Message, "7") {
				t.Errorf("the flag does not say what the register holds: %s", fl.Message)
			}
		}
	}
	if !found {
		t.Fatalf("no registry_mismatch flag: %+v", res.Letters[0].Flags)
	}
	// The same citation with the registered date raises nothing.
	res, err = extract.Text(ctx, strings.Replace(text, "ลงวันที่ ๙ ตุลาคม", "ลงวันที่ ๗ ตุลาคม", 1), extract.Options{Registry: f.db})
	if err != nil {
		t.Fatal(err)
	}
	for _, fl := range res.Letters[0].Flags {
		if fl.Code == "registry_mismatch" {
			t.Fatalf("a matching citation was flagged: %s", fl.Message)
		}
	}
}
