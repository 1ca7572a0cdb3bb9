package domain

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/saraban/saraban/thai"
)

func TestParseDocNumber(t *testing.T) {
	songkhla := DocNumber{AgencyLetters: "สข", OwnerCode: "0017", SubCodes: []string{"2"}, CircularMarker: "ว", Running: 7577}
	opdc := DocNumber{AgencyLetters: "นร", OwnerCode: "1200", CircularMarker: "ว", Running: 14}
	tests := []struct {
		in        string
		want      DocNumber
		canonical string
	}{
		{"ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗", songkhla, "สข 0017.2/ว 7577"},
		{"สข ๐๐๑๗.๒/ว ๗๕๗๗", songkhla, "สข 0017.2/ว 7577"},
		{"ที่สข ๐๐๑๗.๒/ว๗๕๗๗", songkhla, "สข 0017.2/ว 7577"},
		{"สข 0017.2/ว 7577", songkhla, "สข 0017.2/ว 7577"},
		{"  ที่  สข   0017 . 2 / ว   7577  ", songkhla, "สข 0017.2/ว 7577"},
		{"สข0017.2/ว7577", songkhla, "สข 0017.2/ว 7577"},
		{"ที่\u00a0สข\u200b๐๐๑๗.๒／ว ๗๕๗๗", songkhla, "สข 0017.2/ว 7577"},
		{"เลขที่ สข ๐๐๑๗.๒/ว ๐๗๕๗๗", songkhla, "สข 0017.2/ว 7577"},
		{"นร 1200/ว 14", opdc, "นร 1200/ว 14"},
		{"ที่ นร ๑๒๐๐/ว ๑๔", opdc, "นร 1200/ว 14"},
		{"นร ๑๒๐๐/ว ๔๔", DocNumber{AgencyLetters: "นร", OwnerCode: "1200", CircularMarker: "ว", Running: 44}, "นร 1200/ว 44"},
		{"นร ๐๕๐๕/ว๑๘๔", DocNumber{AgencyLetters: "นร", OwnerCode: "0505", CircularMarker: "ว", Running: 184}, "นร 0505/ว 184"},
		{"นร ๐๕๐๖/ว(ล) ๒๓๒๐", DocNumber{AgencyLetters: "นร", OwnerCode: "0506", CircularMarker: "ว(ล)", Running: 2320}, "นร 0506/ว(ล) 2320"},
		{"นร ๐๕๐๖/ว (ล)๒๓๒๐", DocNumber{AgencyLetters: "นร", OwnerCode: "0506", CircularMarker: "ว(ล)", Running: 2320}, "นร 0506/ว(ล) 2320"},
		{"มท ๐๘๑๐.๓/ว ๓๙๗๔", DocNumber{AgencyLetters: "มท", OwnerCode: "0810", SubCodes: []string{"3"}, CircularMarker: "ว", Running: 3974}, "มท 0810.3/ว 3974"},
		{"มท ๐๘๑๐.๓/๓๗๘๐", DocNumber{AgencyLetters: "มท", OwnerCode: "0810", SubCodes: []string{"3"}, Running: 3780}, "มท 0810.3/3780"},
		{"นร ๐๕๐๕/๑๒๙๐๙", DocNumber{AgencyLetters: "นร", OwnerCode: "0505", Running: 12909}, "นร 0505/12909"},
		{"อบ 0033.001.09/31723", DocNumber{AgencyLetters: "อบ", OwnerCode: "0033", SubCodes: []string{"001", "09"}, Running: 31723}, "อบ 0033.001.09/31723"},
		{"ชบ ๐๘๓๒.1/52", DocNumber{AgencyLetters: "ชบ", OwnerCode: "0832", SubCodes: []string{"1"}, Running: 52}, "ชบ 0832.1/52"},
		{"ศธ ๐๔๐๒๕/๓๔๕๘", DocNumber{AgencyLetters: "ศธ", OwnerCode: "04025", Running: 3458}, "ศธ 04025/3458"},
		{"กทม 1234/5", DocNumber{AgencyLetters: "กทม", OwnerCode: "1234", Running: 5}, "กทม 1234/5"},
		{"นร(กพร) 1200/ว 14", DocNumber{AgencyLetters: "นร", Committee: "กพร", OwnerCode: "1200", CircularMarker: "ว", Running: 14}, "นร(กพร) 1200/ว 14"},
		{"นร (ก.พ.ร.) 1200/14", DocNumber{AgencyLetters: "นร", Committee: "ก.พ.ร.", OwnerCode: "1200", Running: 14}, "นร(ก.พ.ร.) 1200/14"},
		// Orders and certificates.
		{"ที่ ๑๕๐/๒๕๖๓", DocNumber{Form: FormOrder, Running: 150, Year: 2563}, "150/2563"},
		{"ที่ 12/2567", DocNumber{Form: FormOrder, Running: 12, Year: 2567}, "12/2567"},
		{"12 / 2567", DocNumber{Form: FormOrder, Running: 12, Year: 2567}, "12/2567"},
		{"เลขที่ ๑๒/๒๕๖๗", DocNumber{Form: FormOrder, Running: 12, Year: 2567}, "12/2567"},
	}
	for _, tt := range tests {
		got, err := ParseDocNumber(tt.in)
		if err != nil {
			t.Errorf("ParseDocNumber(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseDocNumber(%q) (-want +got):\n%s", tt.in, diff)
		}
		if got.Canonical() != tt.canonical || got.String() != tt.canonical {
			t.Errorf("Canonical(%q) = %q, want %q", tt.in, got.Canonical(), tt.canonical)
		}
		if got.Circular() != (tt.want.CircularMarker != "") {
			t.Errorf("Circular(%q) = %v", tt.in, got.Circular())
		}
		if err := got.Validate(); err != nil {
			t.Errorf("Validate(%q): %v", tt.in, err)
		}
		for _, d := range []thai.Digits{thai.ThaiDigits, thai.ArabicDigits} {
			back, err := ParseDocNumber(got.Format(d))
			if err != nil || !back.Equal(got) || !cmp.Equal(back, got) {
				t.Errorf("ParseDocNumber(Format(%v) = %q) = %+v, %v; want %+v", d, got.Format(d), back, err, got)
			}
		}
	}
}

func TestDocNumberFormat(t *testing.T) {
	n, err := ParseDocNumber("สข 0017.2/ว 7577")
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Format(thai.ThaiDigits); got != "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗" {
		t.Errorf("Format(Thai) = %q", got)
	}
	if got := n.Format(thai.ArabicDigits); got != "ที่ สข 0017.2/ว 7577" {
		t.Errorf("Format(Arabic) = %q", got)
	}
	o := DocNumber{Form: FormOrder, Running: 12, Year: 2567}
	if got := o.Format(thai.ThaiDigits); got != "ที่ ๑๒/๒๕๖๗" {
		t.Errorf("order Format = %q", got)
	}
	// A number built by hand with empty (not nil) SubCodes is still equal.
	hand := DocNumber{AgencyLetters: "นร", OwnerCode: "1200", SubCodes: []string{}, CircularMarker: "ว", Running: 14}
	parsed, _ := ParseDocNumber("ที่ นร ๑๒๐๐/ว ๑๔")
	if !hand.Equal(parsed) || !parsed.Equal(hand) || hand.Validate() != nil {
		t.Errorf("hand-built %+v != parsed %+v", hand, parsed)
	}
}

func TestDocNumberEqual(t *testing.T) {
	// Corpus 004-A cites 004-B in Thai digits; 004-B prints Arabic digits.
	a, errA := ParseDocNumber("ที่ นร ๑๒๐๐/ว ๑๔")
	b, errB := ParseDocNumber("ที่ นร 1200/ว 14")
	if errA != nil || errB != nil || !a.Equal(b) {
		t.Fatalf("digit scripts differ: %+v %v / %+v %v", a, errA, b, errB)
	}
	base := DocNumber{AgencyLetters: "สข", OwnerCode: "0017", SubCodes: []string{"2"}, CircularMarker: "ว", Running: 7577}
	for name, other := range map[string]DocNumber{
		"running":   {AgencyLetters: "สข", OwnerCode: "0017", SubCodes: []string{"2"}, CircularMarker: "ว", Running: 7278},
		"sub":       {AgencyLetters: "สข", OwnerCode: "0017", SubCodes: []string{"1"}, CircularMarker: "ว", Running: 7577},
		"no sub":    {AgencyLetters: "สข", OwnerCode: "0017", CircularMarker: "ว", Running: 7577},
		"marker":    {AgencyLetters: "สข", OwnerCode: "0017", SubCodes: []string{"2"}, CircularMarker: "ว(ล)", Running: 7577},
		"no marker": {AgencyLetters: "สข", OwnerCode: "0017", SubCodes: []string{"2"}, Running: 7577},
		"owner":     {AgencyLetters: "สข", OwnerCode: "0020", SubCodes: []string{"2"}, CircularMarker: "ว", Running: 7577},
		"letters":   {AgencyLetters: "พบ", OwnerCode: "0017", SubCodes: []string{"2"}, CircularMarker: "ว", Running: 7577},
		"committee": {AgencyLetters: "สข", Committee: "กพร", OwnerCode: "0017", SubCodes: []string{"2"}, CircularMarker: "ว", Running: 7577},
		"form":      {Form: FormOrder, Running: 7577, Year: 2567},
	} {
		if base.Equal(other) || other.Equal(base) {
			t.Errorf("%s: %v equals %v", name, base, other)
		}
	}
	// Leading zeros of sub-codes matter: 0033.001 is not 0033.1.
	x, _ := ParseDocNumber("อบ 0033.001/1")
	y, _ := ParseDocNumber("อบ 0033.1/1")
	if x.Equal(y) {
		t.Error("0033.001 equals 0033.1")
	}
}

func TestParseDocNumberErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "no number given"},
		{"   ", "no number given"},
		{"ที่", "nothing after ที่"},
		{"ที่มา ๑๘๑๐.๗/ว ๓๙๗๔", `"มา" is not an agency code`}, // corpus 002-B OCR
		{"ที่ สำนักงาน 0017/1", "is not an agency code"},
		{"[มท] ๐๘๑๐.๗/ว ๓๙๗๔", "expected the agency letters"},
		{"๐๘๑๐.๗/ว ๓๙๗๔", "agency letters (such as สข or นร) are missing"},
		{"1200/ว 14", "agency letters (such as สข or นร) are missing"},
		{"ส 0017/1", "fewer than 2 letters"},
		{"สขสข 0017/1", "more than 3 letters"},
		{"สข", "owner code (4 digits, such as 0017) is missing"},
		{"สข /1", "owner code (4 digits, such as 0017) is missing"},
		{"สข 017/1", "owner code 017 must have 4 digits"},
		{"สข 001700/1", "owner code 001700 must have 4 digits"},
		{"สข 0017", `"/" and the running number are missing`},
		{"สข 0017.2", `"/" and the running number are missing`},
		{"สข 0017 ว 7577", `expected "/" before the running number, found "ว 7577"`},
		{"สข 0017./1", "sub-code after"},
		{"สข 0017.2./1", "sub-code after"},
		{"อบ 0032.301.32.003/", "running number after \"/\" is missing"}, // public letter 13
		{"สข 0017.2/ว", "running number after \"/\" is missing"},
		{"สข 0017.2/", "running number after \"/\" is missing"},
		{"สข 0017.2/ก 12", `expected the running number after "/", found "ก 12"`},
		{"สข 0017.2/ว(ลล) 12", "ว(ล)"},
		{"สข 0017.2/ว(ล 12", "ว(ล)"},
		{"สข 0017.2/ว() 12", "ว(ล)"},
		{"สข 0017.2/ว 0", "1 or more"},
		{"สข 0017.2/ว 12345678901", "too large"},
		{"สข 0017.2/ว 12 ลงวันที่", `unexpected text "ลงวันที่" after the running number`},
		{"สข 0017.2/ว 12/2567", `unexpected text "/2567"`},
		{"สข(กพร 0017/1", `lack a closing ")"`},
		{"สข() 0017/1", "committee letters in parentheses"},
		{"สข(abc) 0017/1", "committee letters in parentheses"},
		{"12", "running-number/BE-year"},
		{"12/", "BE year is missing"},
		{"12/67", "4-digit Buddhist Era year"},
		{"12/2024", "4-digit Buddhist Era year"},
		{"12/25670", "4-digit Buddhist Era year"},
		{"0/2567", "1 or more"},
		{"12/2567 ข", `unexpected text "ข" after the year`},
		{"ABC 1234/5", "expected the agency letters"},
	}
	for _, tt := range tests {
		got, err := ParseDocNumber(tt.in)
		var de *DocNumberError
		if !errors.As(err, &de) {
			t.Errorf("ParseDocNumber(%q) = %+v, %v; want a *DocNumberError", tt.in, got, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || de.Input != tt.in || !strings.Contains(err.Error(), "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗") {
			t.Errorf("ParseDocNumber(%q) error = %q, want it to contain %q, the input and an example", tt.in, err, tt.want)
		}
		if !cmp.Equal(got, DocNumber{}) {
			t.Errorf("ParseDocNumber(%q) returned %+v with an error", tt.in, got)
		}
	}
}

func TestDocNumberValidate(t *testing.T) {
	bad := []DocNumber{
		{},
		{AgencyLetters: "สข", OwnerCode: "17", Running: 1},
		{AgencyLetters: "สข", OwnerCode: "0017", Running: 0},
		{AgencyLetters: "สข", OwnerCode: "0017", SubCodes: []string{""}, Running: 1},
		{AgencyLetters: "สข", OwnerCode: "0017", CircularMarker: "x", Running: 1},
		{AgencyLetters: "สข", OwnerCode: "๐๐๑๗", Running: 1}, // digits must be stored in Arabic script
		{AgencyLetters: "สข", OwnerCode: "0017", Running: 1, Year: 2567},
		{Form: FormOrder, Running: 1, Year: 67},
		{Form: FormOrder, AgencyLetters: "สข", Running: 1, Year: 2567},
	}
	for _, n := range bad {
		if err := n.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", n)
		}
	}
}

func TestDocNumberJSON(t *testing.T) {
	var v struct {
		N    DocNumber
		Form NumberForm
	}
	if err := json.Unmarshal([]byte(`{"N":"ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗","Form":"order"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.N.Canonical() != "สข 0017.2/ว 7577" || v.Form != FormOrder {
		t.Errorf("unmarshal = %+v", v)
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) != `{"N":"สข 0017.2/ว 7577","Form":"order"}` {
		t.Errorf("marshal = %s, %v", b, err)
	}
	// The zero DocNumber ("no number") round-trips as "".
	zero, err := json.Marshal(struct{ N DocNumber }{})
	if err != nil || string(zero) != `{"N":""}` {
		t.Errorf("marshal zero = %s, %v", zero, err)
	}
	if err := json.Unmarshal(zero, &v); err != nil || !v.N.IsZero() {
		t.Errorf("unmarshal zero = %+v, %v", v.N, err)
	}
	if err := json.Unmarshal([]byte(`{"N":"ที่มา"}`), &v); err == nil {
		t.Error("unmarshal of a bad number succeeded")
	}
	if err := json.Unmarshal([]byte(`{"Form":"memo"}`), &v); err == nil {
		t.Error("unmarshal of a bad form succeeded")
	}
	if _, err := NumberForm(5).MarshalText(); err == nil || NumberForm(5).String() != "NumberForm(5)" {
		t.Error("invalid NumberForm not reported")
	}
	if FormLetter.String() != "letter" || FormOrder.String() != "order" {
		t.Error("NumberForm names")
	}
}
