package domain

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/saraban/saraban/thai"
)

// corpusNumberSeeds are document numbers from the shared corpus, including
// OCR damage and blank forms.
var corpusNumberSeeds = []string{
	"ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗", "ที่ สข ๐๐๒๐.๑/ว ๑๖๘๐๘", "ที่ นร ๑๒๐๐/ว ๔๔", "ที่ พร ๐๐๒๓.๓/ว ๔๙๗๑",
	"ที่มา ๑๘๑๐.๗/ว ๓๙๗๔", "ที่ พบ ๐๐๑๗.๕/ว ๗๕๕๕", "ที่ นร 1200/ว 14", "ที่ นร 0505/12909",
	"ที่ นร ๐๕๐๓/๑๒๕๓๖", "ที่ นร ๐๕๐๕/ว๑๘๔", "นร ๐๕๐๖/ว(ล) ๒๓๒๐", "ที่ มท ๐๘๑๐.๓/๓๗๘๐",
	"ที่ อบ 0033.001.09/31723", "ที่ อต ๐๐๓๓.๓๐๖/๕๐๑๙", "ที่ ชบ ๐๘๓๒.1/52", "ที่ ๑๕๐/๒๕๖๓",
	"ที่ อบ 0032.301.32.003/", "ที่ ศธ ๐๔๐๒๕/๓๔๕๘", "ครั้งที่ 6/2566", "[มท] ๐๘๑๐.๗/ว ๓๙๗๔",
	"นร(ก.พ.ร.) 1200/14",
}

func FuzzParseDocNumber(f *testing.F) {
	for _, s := range corpusNumberSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseDocNumber(s)
		if err != nil {
			var de *DocNumberError
			if !errors.As(err, &de) {
				t.Fatalf("ParseDocNumber(%q) error %T is not *DocNumberError", s, err)
			}
			if !cmp.Equal(n, DocNumber{}) {
				t.Fatalf("ParseDocNumber(%q) returned %+v with an error", s, n)
			}
			return
		}
		if n.Running < 1 {
			t.Fatalf("ParseDocNumber(%q) running %d < 1", s, n.Running)
		}
		if err := n.Validate(); err != nil {
			t.Fatalf("ParseDocNumber(%q) = %+v does not validate: %v", s, n, err)
		}
		for _, text := range []string{n.Format(thai.ThaiDigits), n.Format(thai.ArabicDigits), n.Canonical()} {
			back, err := ParseDocNumber(text)
			if err != nil {
				t.Fatalf("ParseDocNumber(%q) = %+v; ParseDocNumber(%q): %v", s, n, text, err)
			}
			if diff := cmp.Diff(n, back); diff != "" || !back.Equal(n) {
				t.Fatalf("ParseDocNumber(%q) round trip through %q (-first +second):\n%s", s, text, diff)
			}
		}
	})
}
