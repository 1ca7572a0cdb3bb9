package manifest

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/saraban/saraban/domain"
	"github.com/saraban/saraban/thai"
)

// Problem is one thing wrong with a row: the line, the column and what to fix.
type Problem struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Field == "" {
		return fmt.Sprintf("line %d: %s", p.Line, p.Message)
	}
	return fmt.Sprintf("line %d: %s: %s", p.Line, p.Field, p.Message)
}

// Entry is a row checked and turned into machine values.
type Entry struct {
	Line         int
	Number       int
	Year         int // BE year of ReceivedAt in Bangkok: the numbering year
	ReceivedAt   time.Time
	DocNumberRaw string
	DocNumber    string // canonical, "" when the raw text does not follow the standard form
	DocDate      *time.Time
	DocDateRaw   string
	From, To     string
	Subject      string
	Urgency      string
	Secrecy      string
	Action       string
	Note         string
	File         string // path relative to the files folder, slash-separated; "" for none
	Status       string // open | closed | cancelled
	CancelReason string
	Deadline     *time.Time
}

// CancelPrefix starts the note of a cancelled entry in an export: "ยกเลิก: <reason>".
const CancelPrefix = "ยกเลิก: "

// Check validates one row's fields (not its file, not against the register) and returns the
// entry and every problem found. now bounds dates: nothing may be in the future.
func Check(rec Record, now time.Time) (Entry, []Problem) {
	r := rec.Row
	e := Entry{Line: rec.Line, From: strings.TrimSpace(r.From), To: strings.TrimSpace(r.To),
		Subject: strings.TrimSpace(r.Subject), Action: r.Action, Note: r.Note}
	var probs []Problem
	bad := func(field, format string, args ...any) {
		probs = append(probs, Problem{Line: rec.Line, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	var wm *thai.WeekdayMismatchError

	if s := strings.TrimSpace(r.ReceiveNumber); s == "" {
		bad("receive_number", "empty: write the number the register gave (Thai or Arabic digits)")
	} else if n, err := thai.ParseNumber(s); err != nil {
		bad("receive_number", "%q is not a number: write digits only, such as 1234 or ๑๒๓๔", s)
	} else if n <= 0 {
		bad("receive_number", "%d: receive numbers start at 1", n)
	} else {
		e.Number = n
	}

	if s := strings.TrimSpace(r.ReceivedAt); s == "" {
		bad("received_at", "empty: write when the letter was received, such as 2024-10-07T09:30:00+07:00 or ๗ ต.ค. ๒๕๖๗ ๐๙.๓๐ น.")
	} else if t, err := thai.ParseDateTime(s); err != nil && !errors.As(err, &wm) {
		bad("received_at", "%v", err)
	} else if t.After(now) {
		bad("received_at", "%s is in the future: check the year (Buddhist Era years are 543 more than Christian ones)", s)
	} else {
		e.ReceivedAt = t.Truncate(time.Microsecond)
		e.Year = t.In(thai.Bangkok).Year() + 543
	}

	if s := strings.TrimSpace(r.DocNumber); s != "" {
		e.DocNumberRaw = s
		if dn, err := domain.ParseDocNumber(s); err == nil {
			e.DocNumber = dn.Canonical()
		}
	}
	if s := strings.TrimSpace(r.DocDate); s != "" {
		d, err := thai.ParseDate(s)
		if err != nil && !errors.As(err, &wm) {
			bad("doc_date", "%v", err)
		} else if d.Time(thai.Bangkok).After(now) {
			bad("doc_date", "%s is after today: check the year (Buddhist Era years are 543 more than Christian ones)", s)
		} else {
			t := d.Time(time.UTC)
			e.DocDate, e.DocDateRaw = &t, s
		}
	}
	if u, err := domain.ParseUrgency(r.Urgency); err != nil {
		bad("urgency", "%v", err)
	} else {
		e.Urgency = u.String()
	}
	if s, err := domain.ParseSecrecy(r.Secrecy); err != nil {
		bad("secrecy", "%v", err)
	} else if s == domain.TopSecret {
		bad("secrecy", "ลับที่สุด (top secret) letters may not enter the e-saraban system: leave this row out and keep it on paper")
	} else {
		e.Secrecy = s.String()
	}
	switch st := strings.ToLower(strings.TrimSpace(r.Status)); st {
	case "open", "เปิด", "ดำเนินการ":
		e.Status = "open"
	case "closed", "ปิด", "เสร็จ", "เก็บ":
		e.Status = "closed"
	case "cancelled", "canceled", "ยกเลิก":
		e.Status = "cancelled"
		if rest, ok := strings.CutPrefix(r.Note, CancelPrefix); ok {
			e.Note, e.CancelReason = "", rest
		} else {
			e.CancelReason = r.Note
		}
	case "":
		bad("status", "empty: write open (still being handled: a workflow starts), closed or cancelled")
	default:
		bad("status", "%q: write open, closed or cancelled", r.Status)
	}
	if s := strings.TrimSpace(r.Deadline); s != "" {
		t, err := thai.ParseDateTime(s)
		if err != nil && !errors.As(err, &wm) {
			bad("deadline", "%v", err)
		} else if e.DocDate != nil && thai.DateOf(t).Time(time.UTC).Before(*e.DocDate) {
			bad("deadline", "%s is before the letter's date %s: check both", s, strings.TrimSpace(r.DocDate))
		} else {
			e.Deadline = &t
		}
	}
	if f := strings.TrimSpace(r.File); f != "" {
		clean := path.Clean(filepath.ToSlash(f))
		if path.IsAbs(clean) || filepath.IsAbs(f) || clean == ".." || strings.HasPrefix(clean, "../") {
			bad("file", "%q must be a path inside the files folder (relative, no ..)", f)
		} else {
			e.File = clean
		}
	}
	return e, probs
}
