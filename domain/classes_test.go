package domain

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestUrgency(t *testing.T) {
	want := []struct {
		u          Urgency
		code, thai string
	}{
		{Normal, "normal", ""},
		{Urgent, "urgent", "ด่วน"},
		{VeryUrgent, "very_urgent", "ด่วนมาก"},
		{MostUrgent, "most_urgent", "ด่วนที่สุด"},
	}
	for _, w := range want {
		if w.u.String() != w.code || w.u.Thai() != w.thai || !w.u.Valid() {
			t.Errorf("%d: String %q Thai %q", int(w.u), w.u.String(), w.u.Thai())
		}
		for _, in := range []string{w.code, strings.ToUpper(w.code), " " + w.code + " ", strings.ReplaceAll(w.code, "_", "-"), strings.ReplaceAll(w.code, "_", " ")} {
			if got, err := ParseUrgency(in); err != nil || got != w.u {
				t.Errorf("ParseUrgency(%q) = %v, %v; want %v", in, got, err, w.u)
			}
		}
		if w.thai != "" {
			if got, err := ParseUrgency(w.thai); err != nil || got != w.u {
				t.Errorf("ParseUrgency(%q) = %v, %v; want %v", w.thai, got, err, w.u)
			}
		}
	}
	for _, in := range []string{"", "  ", "ปกติ", "none", "NONE", "ด่วน ที่สุด", "ด่วน\u200bมาก"} {
		if _, err := ParseUrgency(in); err != nil {
			t.Errorf("ParseUrgency(%q): %v", in, err)
		}
	}
	if got, _ := ParseUrgency("ด่วน ที่สุด"); got != MostUrgent {
		t.Errorf("spaced ด่วนที่สุด = %v", got)
	}
	for _, in := range []string{"unknown", "ด่วนมากๆ", "very", "urgent!", "ลับ", "3"} {
		_, err := ParseUrgency(in)
		if err == nil || !strings.Contains(err.Error(), "normal, urgent, very_urgent or most_urgent") || !strings.Contains(err.Error(), "ด่วนที่สุด") {
			t.Errorf("ParseUrgency(%q) error = %v, want one listing the accepted words", in, err)
		}
	}
	if Urgency(9).String() != "Urgency(9)" || Urgency(9).Thai() != "" || Urgency(9).Valid() || Urgency(-1).Valid() {
		t.Error("invalid urgency not reported")
	}
	var v struct{ U Urgency }
	if err := json.Unmarshal([]byte(`{"U":"ด่วนมาก"}`), &v); err != nil || v.U != VeryUrgent {
		t.Errorf("unmarshal: %v %v", v.U, err)
	}
	if b, err := json.Marshal(v); err != nil || string(b) != `{"U":"very_urgent"}` {
		t.Errorf("marshal: %s %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"U":"fast"}`), &v); err == nil {
		t.Error("unmarshal of an unknown urgency succeeded")
	}
	if _, err := json.Marshal(struct{ U Urgency }{Urgency(7)}); err == nil {
		t.Error("marshal of an invalid urgency succeeded")
	}
}

func TestSecrecy(t *testing.T) {
	want := []struct {
		s          Secrecy
		code, thai string
	}{
		{None, "normal", ""},
		{Confidential, "confidential", "ลับ"},
		{Secret, "secret", "ลับมาก"},
		{TopSecret, "top_secret", "ลับที่สุด"},
	}
	for _, w := range want {
		if w.s.String() != w.code || w.s.Thai() != w.thai || !w.s.Valid() {
			t.Errorf("%d: String %q Thai %q", int(w.s), w.s.String(), w.s.Thai())
		}
		for _, in := range []string{w.code, strings.ToUpper(w.code), strings.ReplaceAll(w.code, "_", "-"), strings.ReplaceAll(w.code, "_", " ")} {
			if got, err := ParseSecrecy(in); err != nil || got != w.s {
				t.Errorf("ParseSecrecy(%q) = %v, %v; want %v", in, got, err, w.s)
			}
		}
		if w.thai != "" {
			if got, err := ParseSecrecy(w.thai); err != nil || got != w.s {
				t.Errorf("ParseSecrecy(%q) = %v, %v; want %v", w.thai, got, err, w.s)
			}
		}
	}
	for _, in := range []string{"", "ปกติ", "none", "Normal"} {
		if got, err := ParseSecrecy(in); err != nil || got != None {
			t.Errorf("ParseSecrecy(%q) = %v, %v", in, got, err)
		}
	}
	if got, _ := ParseSecrecy("ลับ ที่สุด"); got != TopSecret {
		t.Errorf("spaced ลับที่สุด = %v", got)
	}
	for _, in := range []string{"ปกปิด", "classified", "ด่วน", "top"} {
		_, err := ParseSecrecy(in)
		if err == nil || !strings.Contains(err.Error(), "normal, confidential, secret or top_secret") || !strings.Contains(err.Error(), "ลับที่สุด") {
			t.Errorf("ParseSecrecy(%q) error = %v, want one listing the accepted words", in, err)
		}
	}
	if Secrecy(9).String() != "Secrecy(9)" || Secrecy(9).Thai() != "" || Secrecy(9).Valid() {
		t.Error("invalid secrecy not reported")
	}
	var v struct{ S Secrecy }
	if err := json.Unmarshal([]byte(`{"S":"ลับมาก"}`), &v); err != nil || v.S != Secret {
		t.Errorf("unmarshal: %v %v", v.S, err)
	}
	if b, err := json.Marshal(v); err != nil || string(b) != `{"S":"secret"}` {
		t.Errorf("marshal: %s %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"S":"x"}`), &v); err == nil {
		t.Error("unmarshal of an unknown secrecy succeeded")
	}
	if _, err := Secrecy(-1).MarshalText(); err == nil {
		t.Error("marshal of an invalid secrecy succeeded")
	}
}

func TestSeriesAndRegisterKinds(t *testing.T) {
	for in, want := range map[string]SeriesKind{
		"normal": SeriesNormal, "circular": SeriesCircular, "circular_secret": SeriesCircularSecret,
		"Circular-Secret": SeriesCircularSecret, "order": SeriesOrder, " CERTIFICATE ": SeriesCertificate,
	} {
		if got, err := ParseSeriesKind(in); err != nil || got != want || !got.Valid() {
			t.Errorf("ParseSeriesKind(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "ว", "circulars", "fiscal"} {
		if _, err := ParseSeriesKind(in); err == nil || !strings.Contains(err.Error(), "normal, circular, circular_secret, order or certificate") {
			t.Errorf("ParseSeriesKind(%q) error = %v", in, err)
		}
	}
	if SeriesKind("x").Valid() {
		t.Error(`SeriesKind("x") is valid`)
	}
	for in, want := range map[string]RegisterKind{"receive": Receive, "RECEIVE": Receive, "รับ": Receive, "send": Send, " Send ": Send, "ส่ง": Send} {
		if got, err := ParseRegisterKind(in); err != nil || got != want || !got.Valid() {
			t.Errorf("ParseRegisterKind(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "sent", "received", "both"} {
		if _, err := ParseRegisterKind(in); err == nil || !strings.Contains(err.Error(), "receive or send") {
			t.Errorf("ParseRegisterKind(%q) error = %v", in, err)
		}
	}
	if RegisterKind("x").Valid() {
		t.Error(`RegisterKind("x") is valid`)
	}
}

func TestNumberingYear(t *testing.T) {
	tests := []struct {
		t    string
		want int
	}{
		{"2024-12-31T23:59:59+07:00", 2567},
		{"2024-12-31T23:59:59.999999999+07:00", 2567},
		{"2025-01-01T00:00:00+07:00", 2568},
		{"2024-12-31T16:59:59Z", 2567},
		{"2024-12-31T17:00:00Z", 2568}, // 00:00 on 1 January in Bangkok
		{"2025-01-01T06:59:59+08:00", 2568},
		{"2024-10-01T00:00:00+07:00", 2567}, // not the fiscal year: no reset on 1 October
		{"2019-01-03T09:00:00+07:00", 2562},
	}
	for _, tt := range tests {
		ts, err := time.Parse(time.RFC3339Nano, tt.t)
		if err != nil {
			t.Fatal(err)
		}
		if got := NumberingYear(ts); got != tt.want {
			t.Errorf("NumberingYear(%s) = %d, want %d", tt.t, got, tt.want)
		}
		// The same instant in the server's zone (UTC here) gives the same year.
		if got := NumberingYear(ts.UTC()); got != tt.want {
			t.Errorf("NumberingYear(%s in UTC) = %d, want %d", tt.t, got, tt.want)
		}
	}
}
