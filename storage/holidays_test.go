package storage_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/saraban/saraban/calendar"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

func holidayFile(be int) string {
	return filepath.Join(testenv.RepoRoot(), "deploy", "holidays", fmt.Sprintf("%d.yaml", be))
}

func holDate(s string) thai.Date {
	d, err := thai.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestParseHolidaysNamesTheLine(t *testing.T) {
	src := `# a comment
- {date: 2026-01-01, name: วันขึ้นปีใหม่, estimated: false}
- {date: 2026-02-30, name: วันที่ไม่มีจริง}
- {date: 2026-04-13, name: วันสงกรานต์}
- {date: 13 เม.ย. 2569, name: วันสงกรานต์อีกครั้ง}
- {date: 2026-04-14, name: ""}
- {date: 2026-04-15, name: วันสงกรานต์, estimated: maybe}
- {date: 2026-05-04, name: วันฉัตรมงคล, holiday: true}
- {date: วันพุธที่ 1 มกราคม 2570, name: วันขึ้นปีใหม่}
- {name: ไม่มีวันที่}
- just a string
`
	_, err := storage.ParseHolidays([]byte(src))
	var fe *storage.HolidayFileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %T %v", err, err)
	}
	want := []string{
		`line 3: bad date "2026-02-30"`,
		`line 5: duplicate date 2026-04-13: already on line 4`,
		`line 6: empty name`,
		`line 7: estimated must be true or false, not "maybe"`,
		`line 8: unknown key "holiday"`,
		`line 9: bad date "วันพุธที่ 1 มกราคม 2570"`,
		`line 10: a holiday without a date`,
		`line 11: expected {date: …, name: …, estimated: …}`,
	}
	if len(fe.Problems) != len(want) {
		t.Fatalf("problems:\n%s", strings.Join(fe.Problems, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(fe.Problems[i], w) {
			t.Errorf("problem %d: %q, want it to start with %q", i, fe.Problems[i], w)
		}
	}
	if !strings.Contains(err.Error(), "8 problems") {
		t.Errorf("message %q", err)
	}
	// YAML syntax errors name their line too.
	_, err = storage.ParseHolidays([]byte("- {date: 2026-01-01, name: x\n- {"))
	if err == nil || !strings.Contains(err.Error(), "line ") {
		t.Errorf("syntax error: %v", err)
	}
	// Thai dates and BE years are read; an empty file is no holidays.
	hs, err := storage.ParseHolidays([]byte("- {date: ๓ มี.ค. ๒๕๖๙, name: วันมาฆบูชา, estimated: true}\n- {date: 2569-04-06, name: วันจักรี}\n"))
	if err != nil || len(hs) != 2 || hs[0].Date != holDate("2026-03-03") || !hs[0].Estimated || hs[1].Date != holDate("2026-04-06") || hs[1].Line != 2 {
		t.Errorf("Thai forms: %+v %v", hs, err)
	}
	if hs, err := storage.ParseHolidays(nil); err != nil || len(hs) != 0 {
		t.Errorf("empty file: %v %v", hs, err)
	}
	if _, err := storage.LoadHolidays("/nonexistent/2569.yaml"); err == nil {
		t.Error("a missing file loads")
	}
}

// The shipped files are readable, each lies in its year, and every holiday on a weekend has
// its substitution day on the next working day.
func TestShippedHolidayFiles(t *testing.T) {
	for _, be := range []int{2569, 2570} {
		hs, err := storage.LoadHolidays(holidayFile(be))
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) < 18 {
			t.Errorf("%d: only %d holidays", be, len(hs))
		}
		names := map[string]thai.Date{}
		m := map[thai.Date]string{}
		estimated := 0
		for _, h := range hs {
			if h.Date.BE() != be {
				t.Errorf("%d: %s is in %d", be, h.Date, h.Date.BE())
			}
			names[h.Name] = h.Date
			m[h.Date] = h.Name
			if h.Estimated {
				estimated++
			}
		}
		if estimated < 4 {
			t.Errorf("%d: %d estimated dates; the lunar holidays must be marked", be, estimated)
		}
		for _, must := range []string{"วันขึ้นปีใหม่", "วันมาฆบูชา", "วันสงกรานต์", "วันฉัตรมงคล", "วันวิสาขบูชา", "วันอาสาฬหบูชา",
			"วันเข้าพรรษา", "วันนวมินทรมหาราช", "วันปิยมหาราช", "วันรัฐธรรมนูญ", "วันสิ้นปี"} {
			if _, ok := names[must]; !ok {
				t.Errorf("%d: no %s", be, must)
			}
		}
		for _, h := range hs {
			if strings.HasPrefix(h.Name, "วันหยุดชดเชย") || h.Date.Weekday()%6 != 0 {
				continue
			}
			// The next weekday that is not itself a holiday.
			d := calendar.AddDays(h.Date, 1)
			for d.Weekday()%6 == 0 || (m[d] != "" && !strings.HasPrefix(m[d], "วันหยุดชดเชย")) {
				d = calendar.AddDays(d, 1)
			}
			if got := m[d]; got != "วันหยุดชดเชย"+h.Name {
				t.Errorf("%d: %s (%s) falls on a %s; %s is %q, want its substitution day", be, h.Name, h.Date, h.Date.Weekday(), d, got)
			}
		}
	}
}

func TestImportHolidays(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	hs, err := storage.LoadHolidays(holidayFile(2569))
	if err != nil {
		t.Fatal(err)
	}
	ins, upd, same, err := db.ImportHolidays(ctx, hs, "operator:test")
	if err != nil || ins != len(hs) || upd != 0 || same != 0 {
		t.Fatalf("first import: %d %d %d %v", ins, upd, same, err)
	}
	ins, upd, same, err = db.ImportHolidays(ctx, hs, "operator:test")
	if err != nil || ins != 0 || upd != 0 || same != len(hs) {
		t.Fatalf("second import: %d %d %d %v", ins, upd, same, err)
	}
	audit, err := db.AuditFor(ctx, "holidays", "2569")
	if err != nil || len(audit) != 1 || audit[0].Action != "holidays.import" || audit[0].Actor != "operator:test" {
		t.Fatalf("audit after two imports: %+v %v", audit, err)
	}

	// Confirm an estimated date, move another, add a special day.
	next := append([]storage.Holiday(nil), hs...)
	var moved thai.Date
	for i := range next {
		switch next[i].Date {
		case holDate("2026-03-03"):
			next[i].Estimated = false
		case holDate("2026-05-11"):
			moved = next[i].Date
			next[i].Date = holDate("2026-05-12")
		}
	}
	next = append(next, storage.Holiday{Date: holDate("2026-11-02"), Name: "วันหยุดราชการเพิ่มเป็นกรณีพิเศษ"})
	res, err := db.SyncHolidays(ctx, next, "operator:test", false)
	if err != nil || res.Inserted != 2 || res.Updated != 1 || res.Removed != 0 || res.Unchanged != len(hs)-2 {
		t.Fatalf("without prune: %+v %v", res, err)
	}
	got, err := db.Holidays(ctx, holDate("2026-05-01"), holDate("2026-05-31"))
	if err != nil {
		t.Fatal(err)
	}
	var days []string
	for _, h := range got {
		days = append(days, h.Date.String())
	}
	// Without prune the old Royal Ploughing day stays: the file is not the whole truth.
	if diff := cmp.Diff([]string{"2026-05-04", "2026-05-11", "2026-05-12", "2026-05-31"}, days); diff != "" {
		t.Errorf("May (-want +got):\n%s", diff)
	}
	res, err = db.SyncHolidays(ctx, next, "operator:test", true)
	if err != nil || res.Removed != 1 || res.Inserted+res.Updated != 0 || len(res.Changes) != 1 ||
		res.Changes[0].Date != moved || res.Changes[0].Action != "removed" {
		t.Fatalf("with prune: %+v %v", res, err)
	}
	// Prune only touches the years in the list.
	hs70, err := storage.LoadHolidays(holidayFile(2570))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := db.SyncHolidays(ctx, hs70, "operator:test", true); err != nil || res.Inserted != len(hs70) || res.Removed != 0 ||
		!cmp.Equal(res.Years, []int{2570}) {
		t.Fatalf("2570 with prune: %+v %v", res, err)
	}
	all, err := db.Holidays(ctx, thai.Date{}, thai.Date{})
	if err != nil || len(all) != len(next)+len(hs70) {
		t.Fatalf("all: %d %v", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].Date.Compare(all[i].Date) >= 0 {
			t.Fatal("not in date order")
		}
	}

	// An invalid list writes nothing.
	dup := []storage.Holiday{{Date: holDate("2026-01-05"), Name: "a"}, {Date: holDate("2026-01-05"), Name: "b"}}
	if _, _, _, err := db.ImportHolidays(ctx, dup, "x"); err == nil || !strings.Contains(err.Error(), "duplicate date 2026-01-05") {
		t.Fatalf("duplicate: %v", err)
	}
	if _, _, _, err := db.ImportHolidays(ctx, []storage.Holiday{{Date: holDate("2026-01-06")}}, "x"); err == nil {
		t.Fatal("an empty name was imported")
	}
	if h, _ := db.Holidays(ctx, holDate("2026-01-05"), holDate("2026-01-06")); len(h) != 0 {
		t.Fatalf("an invalid import wrote %v", h)
	}

	cal, err := db.CalendarFor(ctx, holDate("2026-01-01"), holDate("2027-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	if cal.IsWorkingDay(holDate("2026-04-13")) || !cal.IsWorkingDay(holDate("2026-05-11")) || cal.IsWorkingDay(holDate("2026-05-12")) ||
		cal.IsWorkingDay(holDate("2027-07-20")) {
		t.Error("the calendar does not follow the table")
	}
	if got := cal.AddWorkingDays(holDate("2026-04-10"), 1); got != holDate("2026-04-16") {
		t.Errorf("the working day after 10 April 2026 is %s", got)
	}
	// A calendar over a narrow range knows only the holidays in it.
	narrow, err := db.CalendarFor(ctx, holDate("2026-04-01"), holDate("2026-04-30"))
	if err != nil || narrow.IsWorkingDay(holDate("2026-04-14")) || !narrow.IsWorkingDay(holDate("2026-05-04")) {
		t.Errorf("narrow calendar: %v", err)
	}
	if audit, _ := db.AuditFor(ctx, "holidays", "2569"); len(audit) != 3 {
		t.Errorf("%d audit rows for 2569, want 3 (first import, update, prune)", len(audit))
	}
}
