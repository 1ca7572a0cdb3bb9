package thai

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestToArabicAndThaiDigits(t *testing.T) {
	tests := []struct{ thai, arabic string }{
		{"", ""},
		{"๐๑๒๓๔๕๖๗๘๙", "0123456789"},
		{"ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗", "ที่ สข 0017.2/ว 7577"},
		{"ไม่มีตัวเลข", "ไม่มีตัวเลข"},
		{"๑๑.๕๖ น.", "11.56 น."},
	}
	for _, tt := range tests {
		if got := ToArabicDigits(tt.thai); got != tt.arabic {
			t.Errorf("ToArabicDigits(%q) = %q, want %q", tt.thai, got, tt.arabic)
		}
		if got := ToThaiDigits(tt.arabic); got != tt.thai {
			t.Errorf("ToThaiDigits(%q) = %q, want %q", tt.arabic, got, tt.thai)
		}
	}
	// Mixed scripts normalise in both directions.
	if got := ToArabicDigits("25๖๒ ๐๘๓๒.1/52"); got != "2562 0832.1/52" {
		t.Errorf("mixed to Arabic = %q", got)
	}
	if got := ToThaiDigits("25๖๒"); got != "๒๕๖๒" {
		t.Errorf("mixed to Thai = %q", got)
	}
	// Invalid UTF-8 survives untouched.
	bad := "1\xff\xe0\xb9"
	if got := ToArabicDigits(ToThaiDigits(bad)); got != bad {
		t.Errorf("invalid UTF-8 round trip = %q, want %q", got, bad)
	}
}

func TestDigitsSetting(t *testing.T) {
	var zero Digits
	if zero != ThaiDigits {
		t.Errorf("zero Digits = %v, want ThaiDigits (the official default)", zero)
	}
	if got := ThaiDigits.Apply("ที่ 12/2567"); got != "ที่ ๑๒/๒๕๖๗" {
		t.Errorf("ThaiDigits.Apply = %q", got)
	}
	if got := ArabicDigits.Apply("ที่ ๑๒/๒๕๖๗"); got != "ที่ 12/2567" {
		t.Errorf("ArabicDigits.Apply = %q", got)
	}
	if got := Digits(7).Apply("12 ๑๒"); got != "12 ๑๒" {
		t.Errorf("unknown Digits.Apply changed text: %q", got)
	}
	if ThaiDigits.String() != "thai" || ArabicDigits.String() != "arabic" || Digits(7).String() != "Digits(7)" {
		t.Errorf("String: %q %q %q", ThaiDigits, ArabicDigits, Digits(7))
	}
	for in, want := range map[string]Digits{"thai": ThaiDigits, " THAI ": ThaiDigits, "ไทย": ThaiDigits, "arabic": ArabicDigits, "Arabic": ArabicDigits, "อารบิก": ArabicDigits} {
		got, err := ParseDigits(in)
		if err != nil || got != want {
			t.Errorf("ParseDigits(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "roman", "0"} {
		if _, err := ParseDigits(in); err == nil || !strings.Contains(err.Error(), `"thai" or "arabic"`) {
			t.Errorf("ParseDigits(%q) error = %v, want one naming the accepted words", in, err)
		}
	}

	var cfg struct{ Digits Digits }
	if err := json.Unmarshal([]byte(`{"Digits":"arabic"}`), &cfg); err != nil || cfg.Digits != ArabicDigits {
		t.Errorf("json unmarshal: %v %v", cfg.Digits, err)
	}
	if err := json.Unmarshal([]byte(`{"Digits":"latin"}`), &cfg); err == nil {
		t.Error("json unmarshal of an unknown script succeeded")
	}
	b, err := json.Marshal(struct{ D Digits }{ThaiDigits})
	if err != nil || string(b) != `{"D":"thai"}` {
		t.Errorf("json marshal = %s, %v", b, err)
	}
	if _, err := Digits(9).MarshalText(); err == nil {
		t.Error("MarshalText of an invalid Digits succeeded")
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr string
	}{
		{in: "0", want: 0},
		{in: "11229", want: 11229},
		{in: "๑๑๒๒๙", want: 11229},
		{in: "  ๒๕๖๗ ", want: 2567},
		{in: "๒๕๖ ๓", want: 2563},
		{in: "25๖๒", want: 2562},
		{in: "00357", want: 357},
		{in: "\u200b1970\u00a0", want: 1970},
		{in: strconv.Itoa(math.MaxInt), want: math.MaxInt},
		{in: "", wantErr: "no digits"},
		{in: "   ", wantErr: "no digits"},
		{in: "-5", wantErr: "negative"},
		{in: "−5", wantErr: "negative"},
		{in: "+5", wantErr: `'+' is not a digit`},
		{in: "12a", wantErr: `'a' is not a digit`},
		{in: "1,234", wantErr: `',' is not a digit`},
		{in: "5-", wantErr: `'-' is not a digit`},
		{in: "1.5", wantErr: `'.' is not a digit`},
		{in: "99999999999999999999", wantErr: "too large"},
		{in: strconv.Itoa(math.MaxInt) + "0", wantErr: "too large"},
	}
	for _, tt := range tests {
		got, err := ParseNumber(tt.in)
		if tt.wantErr != "" {
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.wantErr) || pe.Example == "" {
				t.Errorf("ParseNumber(%q) error = %v, want *ParseError containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseNumber(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func FuzzDigits(f *testing.F) {
	for _, s := range []string{
		"", "0123456789", "๐๑๒๓๔๕๖๗๘๙", "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗", "นร 1200/ว 14", "๐๘๓๒.1/52",
		"25๖๒", "เลขรับ 1521", "\xe0\xb9", "\xe0\xb9\x9a", "1\xff2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		th, ar := ToThaiDigits(s), ToArabicDigits(s)
		if got := ToArabicDigits(th); got != ar {
			t.Fatalf("ToArabicDigits(ToThaiDigits(%q)) = %q, want %q", s, got, ar)
		}
		if got := ToThaiDigits(ar); got != th {
			t.Fatalf("ToThaiDigits(ToArabicDigits(%q)) = %q, want %q", s, got, th)
		}
		if indexThaiDigit(s) < 0 && ToArabicDigits(th) != s {
			t.Fatalf("round trip of %q lost text", s)
		}
		if strings.ContainsAny(th, "0123456789") || indexThaiDigit(ar) >= 0 {
			t.Fatalf("conversion of %q left digits of the other script: %q %q", s, th, ar)
		}
		if n, err := ParseNumber(s); err == nil {
			if n < 0 {
				t.Fatalf("ParseNumber(%q) = %d < 0", s, n)
			}
			if m, err := ParseNumber(ToThaiDigits(strconv.Itoa(n))); err != nil || m != n {
				t.Fatalf("ParseNumber of Thai %d = %d, %v", n, m, err)
			}
		} else if _, ok := err.(*ParseError); !ok {
			t.Fatalf("ParseNumber(%q) error %T is not *ParseError", s, err)
		}
	})
}
