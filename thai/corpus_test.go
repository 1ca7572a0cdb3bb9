package thai

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/internal/corpus"
)

// corpusDir is the shared corpus (internal/corpus).
func corpusDir(t testing.TB) string { t.Helper(); return corpus.Dir(t) }

var (
	testFullMonths   = []string{"มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"}
	testAbbrevMonths = []string{"ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."}
)

// corpusDateRE finds dates in running text independently of the parser:
// optional วันที่ / weekday label, day, Thai month, optional พ.ศ., year.
var corpusDateRE = func() *regexp.Regexp {
	var months []string
	for _, m := range append(append([]string{}, testFullMonths...), testAbbrevMonths...) {
		months = append(months, regexp.QuoteMeta(m))
	}
	const d = `[0-9๐-๙]`
	return regexp.MustCompile(`(?:^|[^0-9๐-๙])((?:วัน(?:อาทิตย์|จันทร์|อังคาร|พุธ|พฤหัสบดี|ศุกร์|เสาร์)?ที่\s*)?` + d + `{1,2}\s*/?\s*(?:` +
		strings.Join(months, "|") + `)\s*/?\s*(?:พ\.ศ\.\s*)?` + d + `+)`)
}()

func findDates(s string) []string {
	var out []string
	for _, m := range corpusDateRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// knownBadDates are corpus dates that must NOT parse: OCR garbage.
var knownBadDates = map[string]string{
	"๑๕ กันยายน ๒๕๒๐๐": "OCR of ๑๘ กันยายน ๒๕๖๐ (16.ocr.txt)",
}

// knownWrongWeekdays are corpus dates whose stated weekday is wrong.
var knownWrongWeekdays = map[string]time.Weekday{
	"วันศุกร์ที่ ๑๙ ตุลาคม ๒๕๖๒": time.Saturday, // 002-B
}

// TestCorpusTextDates parses every date found in the corpus letters.
func TestCorpusTextDates(t *testing.T) {
	dir := corpusDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "letters", "*.txt"))
	more, _ := filepath.Glob(filepath.Join(dir, "public-letters", "*.txt"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no corpus text files")
	}
	total := 0
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range findDates(string(b)) {
			total++
			seen[raw] = true
			d, err := ParseDate(raw)
			var wm *WeekdayMismatchError
			switch {
			case knownBadDates[raw] != "":
				if err == nil {
					t.Errorf("%s: %q parsed as %v, want an error (%s)", filepath.Base(f), raw, d, knownBadDates[raw])
				}
			case errors.As(err, &wm):
				if want, ok := knownWrongWeekdays[raw]; !ok || wm.Actual != want {
					t.Errorf("%s: %q: unexpected weekday mismatch %v", filepath.Base(f), raw, err)
				}
			case err != nil:
				t.Errorf("%s: ParseDate(%q): %v", filepath.Base(f), raw, err)
			case !d.Valid() || d.Year < 1950 || d.Year > 2030:
				t.Errorf("%s: ParseDate(%q) = %v, implausible", filepath.Base(f), raw, d)
			}
		}
	}
	for raw := range knownBadDates {
		if !seen[raw] {
			t.Errorf("known bad date %q no longer found in the corpus", raw)
		}
	}
	for raw := range knownWrongWeekdays {
		if !seen[raw] {
			t.Errorf("known wrong weekday %q no longer found in the corpus", raw)
		}
	}
	if total < 50 {
		t.Errorf("found only %d dates in the corpus; the extractor is broken", total)
	}
	t.Logf("parsed %d corpus dates", total)
}

type letterCase struct {
	CaseID string `json:"case_id"`
	Date   struct {
		Raw     *string `json:"raw"`
		ISO     *string `json:"iso"`
		BEYear  int     `json:"be_year"`
		Weekday string  `json:"weekday"`
	} `json:"date"`
	References  []citation `json:"references"`
	Attachments []citation `json:"attachments"`
	BodyDates   []struct {
		Raw string `json:"raw"`
		ISO string `json:"iso"`
	} `json:"body_dates"`
	Deadlines []struct {
		Raw           string `json:"raw"`
		ISO           string `json:"iso"`
		Weekday       string `json:"weekday"`
		ActualWeekday string `json:"actual_weekday"`
	} `json:"deadlines"`
	ReceiveStamps []struct {
		RawLines   []string `json:"raw_lines"`
		Confidence string   `json:"confidence"`
		Normalized struct {
			DateISO           *string `json:"date_iso"`
			Time              *string `json:"time"`
			DateTime          *string `json:"datetime"`
			DateYearInferred  bool    `json:"date_year_inferred"`
			ReceiveNumber     int     `json:"receive_number"`
			ReceivingUnitNote string  `json:"receiving_unit"`
		} `json:"normalized"`
	} `json:"receive_stamps"`
}

type citation struct {
	Raw        *string `json:"raw"`
	Normalized struct {
		DateISO string `json:"date_iso"`
	} `json:"normalized"`
}

func loadCases(t *testing.T) []letterCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir(t), "letter-cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []letterCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	return cases
}

// TestCorpusLetterCases checks every date, time and stamp in
// letter-cases.json against its normalised value.
func TestCorpusLetterCases(t *testing.T) {
	checked := 0
	for _, c := range loadCases(t) {
		// The letter's own date.
		if c.Date.Raw != nil {
			d, err := ParseDate(*c.Date.Raw)
			if c.Date.ISO == nil {
				if err == nil {
					t.Errorf("%s: date %q has no ISO value but parsed as %v", c.CaseID, *c.Date.Raw, d)
				}
			} else {
				checked++
				if err != nil || d.String() != *c.Date.ISO || d.BE() != c.Date.BEYear || d.Weekday().String() != c.Date.Weekday {
					t.Errorf("%s: ParseDate(%q) = %v (BE %d, %v), %v; want %s (BE %d, %s)",
						c.CaseID, *c.Date.Raw, d, d.BE(), d.Weekday(), err, *c.Date.ISO, c.Date.BEYear, c.Date.Weekday)
				}
			}
		}
		// Dates cited in references and attachments ("ลงวันที่ ...").
		for _, r := range append(append([]citation{}, c.References...), c.Attachments...) {
			if r.Raw == nil || r.Normalized.DateISO == "" {
				continue
			}
			found := findDates(*r.Raw)
			if len(found) == 0 {
				t.Errorf("%s: no date found in %q", c.CaseID, *r.Raw)
				continue
			}
			checked++
			d, err := ParseDate(found[len(found)-1])
			if err != nil || d.String() != r.Normalized.DateISO {
				t.Errorf("%s: ParseDate(%q) = %v, %v; want %s", c.CaseID, found[len(found)-1], d, err, r.Normalized.DateISO)
			}
		}
		for _, b := range c.BodyDates {
			if b.ISO == "" {
				continue
			}
			found := findDates(b.Raw)
			if len(found) != 1 {
				t.Errorf("%s: want one date in %q, found %q", c.CaseID, b.Raw, found)
				continue
			}
			checked++
			if d, err := ParseDate(found[0]); err != nil || d.String() != b.ISO {
				t.Errorf("%s: ParseDate(%q) = %v, %v; want %s", c.CaseID, found[0], d, err, b.ISO)
			}
		}
		for _, dl := range c.Deadlines {
			if dl.ISO == "" {
				continue
			}
			found := findDates(dl.Raw)
			if len(found) != 1 {
				t.Errorf("%s: want one date in %q, found %q", c.CaseID, dl.Raw, found)
				continue
			}
			checked++
			d, err := ParseDate(found[0])
			if d.String() != dl.ISO {
				t.Errorf("%s: ParseDate(%q) = %v, want %s", c.CaseID, found[0], d, dl.ISO)
			}
			var wm *WeekdayMismatchError
			switch {
			case dl.ActualWeekday != "":
				if !errors.As(err, &wm) || wm.Actual.String() != dl.ActualWeekday {
					t.Errorf("%s: ParseDate(%q) error = %v, want a mismatch saying %s", c.CaseID, found[0], err, dl.ActualWeekday)
				}
			case err != nil:
				t.Errorf("%s: ParseDate(%q): %v", c.CaseID, found[0], err)
			case dl.Weekday != "" && d.Weekday().String() != dl.Weekday:
				t.Errorf("%s: %q is a %v, corpus says %s", c.CaseID, found[0], d.Weekday(), dl.Weekday)
			}
		}
		// Receive stamps: "วันที่ ..." and "เวลา ..." lines.
		for _, st := range c.ReceiveStamps {
			if st.Confidence == "low" {
				continue // OCR scrambled the fields (004-A); normalised values are guesses
			}
			n := st.Normalized
			var dateLine, timeLine string
			for _, l := range st.RawLines {
				switch {
				case strings.HasPrefix(l, "วันที่") && dateLine == "":
					if _, err := ParseDate(l); err == nil {
						dateLine = l
					}
				case strings.HasPrefix(l, "เวลา") || regexp.MustCompile(`^[0-9๐-๙]{1,2}[.:][0-9๐-๙]{2}`).MatchString(l):
					timeLine = l
				}
			}
			if n.DateISO != nil && !n.DateYearInferred {
				checked++
				d, err := ParseDate(dateLine)
				if err != nil || d.String() != *n.DateISO {
					t.Errorf("%s: stamp %q: ParseDate(%q) = %v, %v; want %s", c.CaseID, st.RawLines, dateLine, d, err, *n.DateISO)
				}
			}
			if n.Time != nil {
				checked++
				h, m, err := ParseTime(timeLine)
				if err != nil || time.Date(0, 1, 1, h, m, 0, 0, time.UTC).Format("15:04") != *n.Time {
					t.Errorf("%s: stamp %q: ParseTime(%q) = %d:%d, %v; want %s", c.CaseID, st.RawLines, timeLine, h, m, err, *n.Time)
				}
			} else if timeLine != "" {
				if _, _, err := ParseTime(timeLine); err == nil {
					t.Errorf("%s: stamp time %q parsed but the corpus has no time", c.CaseID, timeLine)
				}
			}
			if n.DateTime != nil && dateLine != "" {
				checked++
				want, err := time.Parse(time.RFC3339, *n.DateTime)
				if err != nil {
					t.Fatal(err)
				}
				for _, in := range []string{*n.DateTime, dateLine + " " + timeLine} {
					got, err := ParseDateTime(in)
					if err != nil || !got.Equal(want) {
						t.Errorf("%s: ParseDateTime(%q) = %v, %v; want %v", c.CaseID, in, got, err, want)
					}
				}
			}
		}
	}
	if checked < 30 {
		t.Errorf("checked only %d corpus values", checked)
	}
	t.Logf("checked %d values from letter-cases.json", checked)
}

// TestCorpusPublicLetters checks date_raw against date_iso (and other_dates)
// in public-letters/*.json.
func TestCorpusPublicLetters(t *testing.T) {
	files := corpus.PublicLetters(t)
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var pl struct {
			DateRaw    string `json:"date_raw"`
			DateISO    string `json:"date_iso"`
			OtherDates []struct {
				Raw     string `json:"raw"`
				DateISO string `json:"date_iso"`
			} `json:"other_dates"`
		}
		if err := json.Unmarshal(b, &pl); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := filepath.Base(f)
		if pl.DateRaw != "" && pl.DateISO != "" {
			checked++
			if d, err := ParseDate(pl.DateRaw); err != nil || d.String() != pl.DateISO {
				t.Errorf("%s: ParseDate(%q) = %v, %v; want %s", name, pl.DateRaw, d, err, pl.DateISO)
			}
			if ts, err := ParseDateTime(pl.DateRaw); err != nil || DateOf(ts).String() != pl.DateISO {
				t.Errorf("%s: ParseDateTime(%q) = %v, %v; want %s", name, pl.DateRaw, ts, err, pl.DateISO)
			}
		}
		for _, o := range pl.OtherDates {
			found := findDates(o.Raw)
			if len(found) == 0 {
				t.Errorf("%s: no date in %q", name, o.Raw)
				continue
			}
			checked++
			if d, err := ParseDate(found[0]); err != nil || d.String() != o.DateISO {
				t.Errorf("%s: ParseDate(%q) = %v, %v; want %s", name, found[0], d, err, o.DateISO)
			}
		}
	}
	if checked == 0 {
		t.Error("no public-letter dates checked")
	}
}
