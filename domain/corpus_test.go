package domain

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/saraban/saraban/internal/corpus"
)

// corpusDir is the shared corpus (internal/corpus).
func corpusDir(t testing.TB) string { t.Helper(); return corpus.Dir(t) }

// Loose extractors, independent of the parser: "ที่ <2–3 letters> <digits…>/…"
// and, at the start of a line, an order number "ที่ <n>/<year>".
var (
	corpusLetterNumberRE = regexp.MustCompile(`ที่[ \t]*[ก-ฮ]{2,3}[ \t]*(?:\([^)\n]*\))?[ \t]*[0-9๐-๙][0-9๐-๙.]*[ \t]*/[ \t]*(?:ว(?:\([ก-ฮ]\))?[ \t]*)?[0-9๐-๙]*`)
	corpusOrderNumberRE  = regexp.MustCompile(`(?m)^ที่[ \t]*[0-9๐-๙]+[ \t]*/[ \t]*[0-9๐-๙]+`)
)

// knownBadNumbers are corpus numbers that must NOT parse.
var knownBadNumbers = map[string]string{
	"ที่ อบ 0032.301.32.003/": "public letter 13: the running number was never filled in",
}

func TestCorpusTextNumbers(t *testing.T) {
	dir := corpusDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "letters", "*.txt"))
	more, _ := filepath.Glob(filepath.Join(dir, "public-letters", "*.txt"))
	files = append(files, more...)
	total, seen := 0, map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		found := append(corpusLetterNumberRE.FindAllString(string(b), -1), corpusOrderNumberRE.FindAllString(string(b), -1)...)
		for _, raw := range found {
			raw = strings.TrimSpace(raw)
			total++
			seen[raw] = true
			n, err := ParseDocNumber(raw)
			if why := knownBadNumbers[raw]; why != "" {
				if err == nil {
					t.Errorf("%s: %q parsed as %v; want an error (%s)", filepath.Base(f), raw, n, why)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: ParseDocNumber(%q): %v", filepath.Base(f), raw, err)
				continue
			}
			if back, err := ParseDocNumber(n.Format(0)); err != nil || !back.Equal(n) {
				t.Errorf("%s: %q does not round-trip: %v, %v", filepath.Base(f), raw, back, err)
			}
		}
	}
	for raw := range knownBadNumbers {
		if !seen[raw] {
			t.Errorf("known bad number %q not found in the corpus", raw)
		}
	}
	if total < 20 {
		t.Errorf("found only %d numbers; the extractor is broken", total)
	}
	t.Logf("parsed %d corpus numbers", total)
}

type corpusCase struct {
	CaseID    string `json:"case_id"`
	DocNumber struct {
		Raw        *string `json:"raw"`
		Confidence string  `json:"confidence"`
		Normalized *struct {
			Canonical      string  `json:"canonical"`
			AgencyLetters  string  `json:"agency_letters"`
			OwnerCode      string  `json:"owner_code"`
			OwnerSubcode   *string `json:"owner_subcode"`
			CircularMarker *string `json:"circular_marker"`
			IsCircular     bool    `json:"is_circular"`
			RunningNumber  int     `json:"running_number"`
		} `json:"normalized"`
	} `json:"doc_number"`
	Urgency struct {
		Raw        *string `json:"raw"`
		Normalized string  `json:"normalized"`
	} `json:"urgency"`
	Secrecy struct {
		Raw        *string `json:"raw"`
		Normalized string  `json:"normalized"`
	} `json:"secrecy"`
	References  []corpusCitation `json:"references"`
	Attachments []corpusCitation `json:"attachments"`
}

type corpusCitation struct {
	Raw        *string `json:"raw"`
	Normalized struct {
		DocNumber string `json:"doc_number"`
		Urgency   string `json:"urgency"`
	} `json:"normalized"`
}

func TestCorpusLetterCases(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(corpusDir(t), "letter-cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, c := range cases {
		dn := c.DocNumber
		if dn.Raw != nil && dn.Normalized != nil {
			checked++
			n, err := ParseDocNumber(*dn.Raw)
			if dn.Confidence == "low" {
				// 002-B: OCR turned "ที่ มท ๐๘๑๐" into "ที่มา ๑๘๑๐"; the normalised value is a
				// reconstruction, so the raw text must be refused, not guessed.
				var de *DocNumberError
				if !errors.As(err, &de) {
					t.Errorf("%s: low-confidence %q parsed as %v; want a *DocNumberError", c.CaseID, *dn.Raw, n)
				}
				// The reconstruction itself is a valid number.
				if _, err := ParseDocNumber(dn.Normalized.Canonical); err != nil {
					t.Errorf("%s: canonical %q: %v", c.CaseID, dn.Normalized.Canonical, err)
				}
			} else {
				want := DocNumber{
					AgencyLetters: dn.Normalized.AgencyLetters,
					OwnerCode:     dn.Normalized.OwnerCode,
					Running:       dn.Normalized.RunningNumber,
				}
				if s := dn.Normalized.OwnerSubcode; s != nil {
					want.SubCodes = strings.Split(*s, ".")
				}
				if m := dn.Normalized.CircularMarker; m != nil {
					want.CircularMarker = *m
				}
				if err != nil || !n.Equal(want) || n.Canonical() != dn.Normalized.Canonical || n.Circular() != dn.Normalized.IsCircular {
					t.Errorf("%s: ParseDocNumber(%q) = %+v (%q), %v; want %+v (%q)", c.CaseID, *dn.Raw, n, n.Canonical(), err, want, dn.Normalized.Canonical)
				}
			}
		}
		// Numbers cited in references and attachments.
		for _, r := range append(append([]corpusCitation{}, c.References...), c.Attachments...) {
			if r.Raw == nil || r.Normalized.DocNumber == "" {
				continue
			}
			m := corpusLetterNumberRE.FindString(*r.Raw)
			if m == "" {
				t.Errorf("%s: no number in %q", c.CaseID, *r.Raw)
				continue
			}
			checked++
			n, err := ParseDocNumber(m)
			if err != nil || n.Canonical() != r.Normalized.DocNumber {
				t.Errorf("%s: ParseDocNumber(%q) = %q, %v; want %q", c.CaseID, m, n.Canonical(), err, r.Normalized.DocNumber)
			}
			if r.Normalized.Urgency != "" {
				if u, err := ParseUrgency(r.Normalized.Urgency); err != nil || u != MostUrgent {
					t.Errorf("%s: ParseUrgency(%q) = %v, %v", c.CaseID, r.Normalized.Urgency, u, err)
				}
			}
		}
		// Urgency and secrecy.
		u, err := ParseUrgency(c.Urgency.Normalized)
		if c.Urgency.Normalized == "unknown" {
			if err == nil {
				t.Errorf("%s: urgency \"unknown\" parsed as %v", c.CaseID, u)
			}
		} else if err != nil || u.String() != c.Urgency.Normalized {
			t.Errorf("%s: ParseUrgency(%q) = %v, %v", c.CaseID, c.Urgency.Normalized, u, err)
		}
		if c.Urgency.Raw != nil {
			checked++
			if u, err := ParseUrgency(*c.Urgency.Raw); err != nil || u.String() != c.Urgency.Normalized || u.Thai() != *c.Urgency.Raw {
				t.Errorf("%s: ParseUrgency(%q) = %v, %v; want %s", c.CaseID, *c.Urgency.Raw, u, err, c.Urgency.Normalized)
			}
		}
		if s, err := ParseSecrecy(c.Secrecy.Normalized); err != nil || s != None {
			t.Errorf("%s: ParseSecrecy(%q) = %v, %v", c.CaseID, c.Secrecy.Normalized, s, err)
		}
	}
	if checked < 15 {
		t.Errorf("checked only %d values", checked)
	}
	t.Logf("checked %d values from letter-cases.json", checked)
}

func TestCorpusPublicLetters(t *testing.T) {
	files := corpus.PublicLetters(t)
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var pl struct {
			Kind         string `json:"kind"`
			DocNumberRaw string `json:"doc_number_raw"`
			DocNumber    *struct {
				PrefixLetters *string `json:"prefix_letters"`
				AgencyCode    *string `json:"agency_code"`
				Circular      bool    `json:"circular"`
				RunningNumber *int    `json:"running_number"`
				YearBE        int     `json:"year_be"`
			} `json:"doc_number"`
			Urgency string `json:"urgency"`
		}
		if err := json.Unmarshal(b, &pl); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := filepath.Base(f)
		if u, err := ParseUrgency(pl.Urgency); err != nil {
			t.Errorf("%s: ParseUrgency(%q) = %v, %v", name, pl.Urgency, u, err)
		}
		if pl.DocNumberRaw == "" || pl.DocNumber == nil {
			continue
		}
		checked++
		want := pl.DocNumber
		n, err := ParseDocNumber(pl.DocNumberRaw)
		if want.RunningNumber == nil {
			if err == nil {
				t.Errorf("%s: %q has no running number but parsed as %v", name, pl.DocNumberRaw, n)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: ParseDocNumber(%q): %v", name, pl.DocNumberRaw, err)
			continue
		}
		if n.Running != *want.RunningNumber || n.Circular() != want.Circular || n.Year != want.YearBE {
			t.Errorf("%s: %q = %+v; want running %d circular %v year %d", name, pl.DocNumberRaw, n, *want.RunningNumber, want.Circular, want.YearBE)
		}
		if want.PrefixLetters == nil {
			if n.Form != FormOrder || pl.Kind != "order" {
				t.Errorf("%s: %q = %+v; want an order number", name, pl.DocNumberRaw, n)
			}
			continue
		}
		code := strings.Join(append([]string{n.OwnerCode}, n.SubCodes...), ".")
		if n.Form != FormLetter || n.AgencyLetters != *want.PrefixLetters || want.AgencyCode == nil || code != *want.AgencyCode {
			t.Errorf("%s: %q = %+v; want letters %q code %v", name, pl.DocNumberRaw, n, *want.PrefixLetters, want.AgencyCode)
		}
	}
	if checked < 5 {
		t.Errorf("checked only %d public letters", checked)
	}
}
