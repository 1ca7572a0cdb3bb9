package extract

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/saraban/saraban/thai"
)

var (
	relativeRE   = regexp.MustCompile(`^([0-9๐-๙]{1,3})\s*วัน(?:ทำการ)?`)
	yearTargetRE = regexp.MustCompile(`^(ปีงบประมาณ|ปี)\s*(?:พ\.?\s?ศ\.?)?\s*((?:[0-9๐-๙]\s?){3}[0-9๐-๙])`)
	fiscalRE     = regexp.MustCompile(`ประจำปีงบประมาณ\s*(?:พ\.?\s?ศ\.?)?\s*((?:[0-9๐-๙]\s?){3}[0-9๐-๙])`)
	// a request to the addressee (ขอให้ …, ขอแจ้งให้ …): with a fiscal year in the same
	// sentence it sets the year as the time to act.
	requestRE = regexp.MustCompile(`ขอให้|ขอแจ้งให้|ขอความร่วมมือ|แจ้งให้|โปรดดำเนินการ`)
)

// deadlineKeywords introduce a date by which something must be done.
var deadlineKeywords = []string{"ภายใน", "ก่อนวันที่", "ไม่เกินวันที่", "ไม่ช้ากว่าวันที่", "ก่อนวัน"}

// findDeadlines reads the deadlines of a letter's body paragraphs (saraban-domain §9.1). Dates
// before the letter's date are history, not deadlines, and are left out; so is anything after
// the signature (annexes and enclosures never create tasks).
func findDeadlines(paras []string, c dateCtx, letter thai.Date, base thai.Date) ([]Deadline, []Flag) {
	var out []Deadline
	var flags []Flag
	seen := map[string]bool{}
	add := func(d Deadline) {
		if d.ISO == "" || seen[d.ISO] {
			return
		}
		if !letter.IsZero() {
			var t thai.Date
			if t.UnmarshalText([]byte(d.ISO)) == nil && t.Compare(letter) < 0 {
				return
			}
		}
		seen[d.ISO] = true
		out = append(out, d)
	}
	for _, p := range paras {
		for _, kw := range deadlineKeywords {
			for _, pos := range findAll(p, kw) {
				after := strings.TrimLeft(p[pos+len(kw):], " ")
				head := p[pos : len(p)-len(after)]
				if kw == "ก่อนวัน" && strings.HasPrefix(after, "ที่") {
					continue // counted as ก่อนวันที่
				}
				d, fl, ok := deadlineAt(p, pos, head, after, kw, c, base)
				if ok {
					add(d)
					flags = append(flags, fl...)
				}
			}
		}
		// a request with a fiscal year in the same sentence
		for _, loc := range fiscalRE.FindAllStringSubmatchIndex(p, 20) {
			start := loc[0] - 750
			if start < 0 {
				start = 0
			}
			if !requestRE.MatchString(p[start:loc[0]]) {
				continue
			}
			y := atoiSafe(strings.ReplaceAll(toArabic(p[loc[2]:loc[3]]), " ", ""))
			if y < 2400 || y > 2700 {
				continue
			}
			d := Deadline{Raw: collapseSpace(p[loc[0]:loc[1]]), ISO: fmt.Sprintf("%04d-09-30", y-543), Kind: "fiscal_year", Confidence: 0.4}
			add(d)
		}
	}
	return out, flags
}

// deadlineAt reads the date after a deadline keyword.
func deadlineAt(p string, pos int, head, after, kw string, c dateCtx, base thai.Date) (Deadline, []Flag, bool) {
	var flags []Flag
	rawStart := pos
	// "ให้แล้วเสร็จ … ภายใน": the clause that sets the target, when it is close before
	if lead := strings.LastIndex(p[max(0, pos-120):pos], "ให้แล้วเสร็จ"); lead >= 0 && kw == "ภายใน" {
		between := p[max(0, pos-120)+lead : pos]
		if !strings.ContainsAny(between, "().") && runeLen(between) <= 40 {
			rawStart = max(0, pos-120) + lead
		}
	}
	// a date: วันที่ …, วัน<weekday>ที่ …, or a date right away
	if kw != "ภายใน" || strings.HasPrefix(after, "วัน") || (len(after) > 0 && isDigit([]rune(after)[0])) {
		window := after
		if len(window) > 300 {
			window = window[:300]
		}
		hs := findDates(window)
		if len(hs) > 0 && hs[0].start <= 16 && !(kw == "ภายใน" && relativeRE.MatchString(after) && hs[0].start > 0) {
			h := hs[0]
			r, ok := resolve(h, c, "deadlines")
			if !ok {
				return Deadline{}, nil, false
			}
			end := len(p) - len(after) + len(string([]rune(window)[:h.end]))
			d := Deadline{Raw: collapseSpace(p[rawStart:end]), Confidence: round2(r.confidence - 0.05)}
			if r.precision == "day" {
				d.ISO, d.Kind = r.date.String(), "date"
				if h.hasWeekday {
					d.Weekday = h.weekday.String()
				}
			} else if r.month != 0 {
				d.ISO, d.Kind = lastOfMonth(r.be, r.month), "month"
			}
			for _, f := range r.flags {
				f.Field = "deadlines"
				flags = append(flags, f)
			}
			return d, flags, d.ISO != ""
		}
	}
	if kw != "ภายใน" {
		return Deadline{}, nil, false
	}
	if strings.HasPrefix(after, "เดือน") {
		window := after
		if len(window) > 200 {
			window = window[:200]
		}
		hs := findDates(window)
		if len(hs) > 0 && hs[0].start <= 10 && hs[0].day == 0 && hs[0].year != 0 {
			h := hs[0]
			end := len(p) - len(after) + len(string([]rune(window)[:h.end]))
			return Deadline{Raw: collapseSpace(p[rawStart:end]), ISO: lastOfMonth(h.year, h.months[0]), Kind: "month", Confidence: 0.7}, nil, true
		}
	}
	if m := yearTargetRE.FindStringSubmatchIndex(after); m != nil {
		y := atoiSafe(strings.ReplaceAll(toArabic(after[m[4]:m[5]]), " ", ""))
		if y < 2400 || y > 2700 {
			return Deadline{}, nil, false
		}
		end := len(p) - len(after) + m[1]
		d := Deadline{Raw: collapseSpace(p[rawStart:end]), Confidence: 0.6}
		if after[m[2]:m[3]] == "ปีงบประมาณ" {
			d.ISO, d.Kind = fmt.Sprintf("%04d-09-30", y-543), "fiscal_year"
		} else {
			d.ISO, d.Kind = fmt.Sprintf("%04d-12-31", y-543), "year"
			flags = append(flags, Flag{Code: FlagFiscalYear, Field: "deadlines",
				Message: fmt.Sprintf("%q: read as the calendar year (%s); as a fiscal year it would end %04d-09-30", d.Raw, d.ISO, y-543)})
		}
		return d, flags, true
	}
	if m := relativeRE.FindStringSubmatchIndex(after); m != nil && !base.IsZero() {
		n := atoiSafe(toArabic(after[m[2]:m[3]]))
		if n <= 0 || n > 366 {
			return Deadline{}, nil, false
		}
		t := base.Time(thai.Bangkok).AddDate(0, 0, n)
		end := len(p) - len(after) + m[1]
		return Deadline{Raw: collapseSpace(p[rawStart:end]), ISO: thai.DateOf(t).String(), Kind: "relative", Confidence: 0.3}, nil, true
	}
	return Deadline{}, nil, false
}

func lastOfMonth(be int, m time.Month) string {
	ce := be - 543
	t := time.Date(ce, m+1, 0, 0, 0, 0, 0, time.UTC)
	return t.Format("2006-01-02")
}
