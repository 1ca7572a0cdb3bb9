package thai

import (
	"errors"
	"testing"
	"time"
)

// corpusDateSeeds are date strings taken from the shared corpus (letters,
// stamps, public letters), including its OCR damage.
var corpusDateSeeds = []string{
	"๗ ตุลาคม ๒๕๖๗", "๑๗ ต.ค. ๒๕๖๗", "๖ กันยายน ๒๕๖๗", "18 มิถุนายน 2567", "๓ ตุลาคม ๒๕๖๒",
	"๑๖ กันยายน ๒๕๖๒", "พ) มิถุนายน ๒๕๖๑", "11 พฤษภาคม 2561", "วันที่ 9 ต.ค. 2567", "วันที่ ๑๑ ก.ย. ๒๕๖๗",
	"11 ก.ย.", "วันที่ ๓๐ ก.ย. ๒๕๖๒", "วันที่ 9 มี.ย. 2561", "11 ส. 2561 00357", "วันที่ 23/พ.ค./2561",
	"วันศุกร์ที่ ๑๙ ตุลาคม ๒๕๖๒", "ภายในวันที่ ๑๙ ตุลาคม ๒๕๖๒", "๑๓ พฤศจิกายน 25๖๒", "๙ ธันวาคม พ.ศ.๒๕๖๓",
	"11 ธันวาคม 2558", "๒๙ สิงหาคม ๒๕๖๗", "๑๕ กันยายน ๒๕๒๐๐", "30 ม.ค. 63", "๓๑ ม.ค.๖๓", "7/10/2567",
	"2024-10-07", "2567-10-07", "31 ก.พ. 2567", "1 มกราคม 2483", "7 ตุลาคม 2024", "(พ.ศ. 2566 - 2570)",
}

var corpusDateTimeSeeds = []string{
	"2024-10-09T11:56:00+07:00", "2024-09-11T15:42:00+07:00", "2024-10-09T11:56:00", "9 ต.ค. 2567 11:56 น.",
	"๙ ต.ค. ๒๕๖๗ เวลา ๑๑.๕๖ น.", "วันที่ 9 ต.ค. 2567 เวลา 11:56 น.", "11 ก.ย. 15.42", "๓๐ ก.ย. ๒๕๖๒ เวลา.....",
	"๒๑ กันยายน ๒๕๖๐ เวลา ๑๓.๐๐ – ๑๗.๓๐ น.", "วันที่ 10.50", "2024-12-31T17:00:00Z", "2024-10-09T11:56:00.123+07:00",
	"9 ต.ค. 2567 15.20X",
}

func FuzzParseDate(f *testing.F) {
	for _, s := range corpusDateSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		var wm *WeekdayMismatchError
		var pe *ParseError
		switch {
		case errors.As(err, &wm):
			if d != wm.Date || d.Weekday() != wm.Actual || wm.Stated == wm.Actual {
				t.Fatalf("ParseDate(%q): inconsistent mismatch %+v for %v", s, wm, d)
			}
		case errors.As(err, &pe):
			if d != (Date{}) {
				t.Fatalf("ParseDate(%q) returned %v with %v", s, d, err)
			}
			return
		case err != nil:
			t.Fatalf("ParseDate(%q) error %T is neither *ParseError nor *WeekdayMismatchError", s, err)
		}
		if !d.Valid() || d.Year < minCEYear || d.Year > maxCEYear {
			t.Fatalf("ParseDate(%q) = %v, not a valid date in range", s, d)
		}
		// Every printed form reads back as the same date.
		for _, style := range []DateStyle{{}, {Abbrev: true}, {Digits: ArabicDigits}, {Digits: ArabicDigits, Abbrev: true}} {
			out := FormatDate(d, style)
			if back, err := ParseDate(out); err != nil || back != d {
				t.Fatalf("ParseDate(%q) = %v; ParseDate(FormatDate(%+v) = %q) = %v, %v", s, d, style, out, back, err)
			}
		}
		if back, err := ParseDate(d.String()); err != nil || back != d {
			t.Fatalf("ParseDate(%q) = %v; ParseDate(%q) = %v, %v", s, d, d.String(), back, err)
		}
		if DateOf(d.Time(nil)) != d {
			t.Fatalf("DateOf(%v.Time(nil)) = %v", d, DateOf(d.Time(nil)))
		}
	})
}

func FuzzParseDateTime(f *testing.F) {
	for _, s := range append(append([]string{}, corpusDateTimeSeeds...), corpusDateSeeds...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseDateTime(s)
		var wm *WeekdayMismatchError
		var pe *ParseError
		switch {
		case errors.As(err, &wm):
		case errors.As(err, &pe):
			if !ts.IsZero() {
				t.Fatalf("ParseDateTime(%q) returned %v with %v", s, ts, err)
			}
			return
		case err != nil:
			t.Fatalf("ParseDateTime(%q) error %T is neither *ParseError nor *WeekdayMismatchError", s, err)
		}
		if ts.Location() != Bangkok {
			t.Fatalf("ParseDateTime(%q) = %v, not in Bangkok", s, ts)
		}
		iso := ts.Format(time.RFC3339Nano)
		if back, err := ParseDateTime(iso); err != nil || !back.Equal(ts) {
			t.Fatalf("ParseDateTime(%q) = %v; ParseDateTime(%q) = %v, %v", s, ts, iso, back, err)
		}
		// The Thai printed form keeps the date and the minute.
		thaiForm := FormatDate(DateOf(ts), DateStyle{Abbrev: true}) + " เวลา " + FormatTime(ts, ThaiDigits)
		back, err := ParseDateTime(thaiForm)
		if err != nil || !back.Equal(ts.Truncate(time.Minute)) {
			t.Fatalf("ParseDateTime(%q) = %v; ParseDateTime(%q) = %v, %v", s, ts, thaiForm, back, err)
		}
	})
}
