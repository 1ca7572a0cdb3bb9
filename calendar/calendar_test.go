package calendar_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/saraban/saraban/calendar"
	"github.com/saraban/saraban/thai"
)

func day(s string) thai.Date {
	d, err := thai.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// holidays2026 is part of deploy/holidays/2569.yaml: enough for the cases below.
func holidays2026() *calendar.Calendar {
	return calendar.New(map[thai.Date]string{
		day("2026-03-03"): "วันมาฆบูชา",
		day("2026-04-06"): "วันจักรี",
		day("2026-04-13"): "วันสงกรานต์",
		day("2026-04-14"): "วันสงกรานต์",
		day("2026-04-15"): "วันสงกรานต์",
		day("2026-05-04"): "วันฉัตรมงคล",
		day("2026-05-31"): "วันวิสาขบูชา",
		day("2026-06-01"): "ชดเชยวันวิสาขบูชา",
		day("2026-06-03"): "วันเฉลิมพระชนมพรรษาสมเด็จพระนางเจ้าฯ พระบรมราชินี",
	})
}

func TestIsWorkingDay(t *testing.T) {
	c := holidays2026()
	for _, tc := range []struct {
		d    string
		want bool
	}{
		{"2026-04-10", true},  // Friday
		{"2026-04-11", false}, // Saturday
		{"2026-04-12", false}, // Sunday
		{"2026-04-13", false}, // Songkran, a Monday
		{"2026-04-16", true},  // Thursday after Songkran
		{"2026-06-01", false}, // substitution day
		{"2027-04-13", true},  // a holiday of another year is not in this calendar
	} {
		if got := c.IsWorkingDay(day(tc.d)); got != tc.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tc.d, got, tc.want)
		}
	}
	var none *calendar.Calendar
	if !none.IsWorkingDay(day("2026-04-13")) || none.IsWorkingDay(day("2026-04-11")) {
		t.Error("a nil calendar should know weekends only")
	}
}

func TestAddWorkingDaysAndBetween(t *testing.T) {
	c := holidays2026()
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-04-10", 1, "2026-04-16"},  // over a weekend and Songkran
		{"2026-04-16", -1, "2026-04-10"}, // and back
		{"2026-04-16", -3, "2026-04-08"},
		{"2026-04-11", 1, "2026-04-16"},  // from a Saturday
		{"2026-04-11", -1, "2026-04-10"}, // back from a Saturday
		{"2026-04-03", 1, "2026-04-07"},  // over Chakri day
		{"2026-04-08", 0, "2026-04-08"},
		{"2026-04-11", 0, "2026-04-11"}, // zero leaves even a Saturday alone
		{"2026-12-30", 3, "2027-01-04"}, // across the year (2027 holidays not loaded)
	} {
		got := c.AddWorkingDays(day(tc.from), tc.n)
		if got != day(tc.want) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
		}
		if back := c.WorkingDaysBetween(day(tc.from), got); back != tc.n {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.from, got, back, tc.n)
		}
	}
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"2026-04-03", "2026-04-17", 6}, // Tue 7, Wed 8, Thu 9, Fri 10, Thu 16, Fri 17
		{"2026-04-17", "2026-04-03", -6},
		{"2026-04-11", "2026-04-12", 0},
		{"2026-04-10", "2026-04-10", 0},
	} {
		if got := c.WorkingDaysBetween(day(tc.a), day(tc.b)); got != tc.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	// The identity holds for any day and any n.
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		d := calendar.AddDays(day("2026-01-01"), r.IntN(365))
		n := r.IntN(61) - 30
		got := c.AddWorkingDays(d, n)
		if n != 0 && !c.IsWorkingDay(got) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", d, n, got)
		}
		if back := c.WorkingDaysBetween(d, got); back != n {
			t.Fatalf("WorkingDaysBetween(%s, AddWorkingDays(%s, %d) = %s) = %d", d, d, n, got, back)
		}
	}
}

func TestOverdueAt(t *testing.T) {
	whole := time.Date(2026, 3, 20, 0, 0, 0, 0, thai.Bangkok)
	if !calendar.IsWholeDay(whole) || !calendar.IsWholeDay(whole.UTC()) {
		t.Error("00:00 Bangkok is a whole-day deadline, in any zone")
	}
	if got := calendar.OverdueAt(whole); !got.Equal(whole.AddDate(0, 0, 1)) {
		t.Errorf("OverdueAt(whole day) = %v", got)
	}
	timed := time.Date(2026, 3, 20, 10, 0, 0, 0, thai.Bangkok)
	if calendar.IsWholeDay(timed) || !calendar.OverdueAt(timed).Equal(timed) {
		t.Error("a deadline with a time is late from that time")
	}
}

// brief prints an event as "kind YYYY-MM-DD HH:MM d<days> s<seq>".
func brief(es []calendar.Event) []string {
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("%s %s d%d s%d", e.Kind, e.At.In(thai.Bangkok).Format("2006-01-02 15:04"), e.Days, e.Seq))
	}
	return out
}

func bkk(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, thai.Bangkok)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPlan(t *testing.T) {
	c := holidays2026()
	def := calendar.DefaultPolicy()
	short := def
	short.Horizon = 3
	for _, tc := range []struct {
		name string
		due  time.Time
		p    calendar.Policy
		want []string
	}{
		{
			name: "a plain week",
			due:  bkk("2026-03-20 00:00"), // Friday, a whole day
			p:    short,
			want: []string{
				"reminder 2026-03-17 08:30 d3 s0",
				"reminder 2026-03-19 08:30 d1 s0",
				"due 2026-03-20 08:30 d0 s0",
				"escalation 2026-03-24 08:30 d2 s1",
				"escalation 2026-03-26 08:30 d4 s2",
				"escalation 2026-03-30 08:30 d6 s3",
			},
		},
		{
			name: "Songkran in between",
			due:  bkk("2026-04-16 00:00"), // Thursday after Songkran
			p:    short,
			want: []string{
				"reminder 2026-04-08 08:30 d3 s0",
				"reminder 2026-04-10 08:30 d1 s0",
				"due 2026-04-16 08:30 d0 s0",
				"escalation 2026-04-20 08:30 d2 s1",
				"escalation 2026-04-22 08:30 d4 s2",
				"escalation 2026-04-24 08:30 d6 s3",
			},
		},
		{
			name: "due on a Sunday holiday: worked towards the Friday before",
			due:  bkk("2026-05-31 00:00"),
			p:    short,
			want: []string{
				"reminder 2026-05-26 08:30 d3 s0",
				"reminder 2026-05-28 08:30 d1 s0",
				"due 2026-05-29 08:30 d0 s0",
				// Mon 1 Jun (substitution) and Wed 3 Jun (holiday) do not count.
				"escalation 2026-06-04 08:30 d2 s1",
				"escalation 2026-06-08 08:30 d4 s2",
				"escalation 2026-06-10 08:30 d6 s3",
			},
		},
		{
			name: "due on a Saturday",
			due:  bkk("2026-03-21 00:00"),
			p:    calendar.Policy{BeforeDays: []int{1}, OnDay: true, At: calendar.TimeOfDay{Hour: 8, Min: 30}},
			want: []string{
				"reminder 2026-03-19 08:30 d1 s0",
				"due 2026-03-20 08:30 d0 s0",
			},
		},
		{
			name: "a deadline at 14:00 is announced at 08:30",
			due:  bkk("2026-03-18 14:00"),
			p:    calendar.Policy{OnDay: true, At: calendar.TimeOfDay{Hour: 8, Min: 30}, EscalateAfter: 1, Horizon: 1},
			want: []string{
				"due 2026-03-18 08:30 d0 s0",
				"escalation 2026-03-19 08:30 d1 s1",
			},
		},
		{
			name: "a deadline at 09:00 is announced an hour before",
			due:  bkk("2026-03-18 09:00"),
			p:    calendar.Policy{BeforeDays: []int{1}, OnDay: true, At: calendar.TimeOfDay{Hour: 8, Min: 30}},
			want: []string{
				"reminder 2026-03-17 08:30 d1 s0",
				"due 2026-03-18 08:00 d0 s0",
			},
		},
		{
			name: "a timed deadline on a holiday",
			due:  bkk("2026-04-13 10:00"),
			p:    calendar.Policy{BeforeDays: []int{1}, OnDay: true, At: calendar.TimeOfDay{Hour: 8, Min: 30}, EscalateAfter: 1, Horizon: 1},
			want: []string{
				"reminder 2026-04-09 08:30 d1 s0",
				"due 2026-04-10 08:30 d0 s0",
				"escalation 2026-04-16 08:30 d1 s1",
			},
		},
		{
			name: "escalate once",
			due:  bkk("2026-03-20 00:00"),
			p:    calendar.Policy{EscalateAfter: 3, Horizon: 10, At: calendar.TimeOfDay{Hour: 9}},
			want: []string{"escalation 2026-03-25 09:00 d3 s1"},
		},
		{
			name: "repeats and zero in BeforeDays are ignored",
			due:  bkk("2026-03-20 00:00"),
			p:    calendar.Policy{BeforeDays: []int{1, 0, 1, -2}, At: calendar.TimeOfDay{Hour: 8, Min: 30}},
			want: []string{"reminder 2026-03-19 08:30 d1 s0"},
		},
		{
			name: "the zero policy plans nothing",
			due:  bkk("2026-03-20 00:00"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Plan(tc.due, tc.p, "task/1")
			if diff := cmp.Diff(tc.want, brief(got)); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
			keys := map[string]bool{}
			for _, e := range got {
				if keys[e.Key] {
					t.Errorf("key %s twice", e.Key)
				}
				keys[e.Key] = true
				if !strings.HasPrefix(e.Key, "task/1/"+e.Kind+"/") || !e.Due.Equal(tc.due) {
					t.Errorf("event %+v: key or due wrong", e)
				}
				if e.At.Location() != thai.Bangkok {
					t.Errorf("event %s at %v is not in Bangkok time", e.Key, e.At)
				}
			}
			if again := c.Plan(tc.due.UTC(), tc.p, "task/1"); !cmp.Equal(brief(again), brief(got)) || !sameKeys(again, got) {
				t.Errorf("planning again (due in UTC) gives another plan:\n%v\n%v", brief(again), brief(got))
			}
		})
	}
}

func sameKeys(a, b []calendar.Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key {
			return false
		}
	}
	return true
}

func TestPlanKeys(t *testing.T) {
	c := holidays2026()
	got := c.Plan(bkk("2026-04-16 00:00"), calendar.DefaultPolicy(), "letter/abc")
	want := []string{
		"letter/abc/reminder/2026-04-08",
		"letter/abc/reminder/2026-04-10",
		"letter/abc/due/2026-04-16",
		"letter/abc/escalation/2026-04-20",
	}
	for i, k := range want {
		if got[i].Key != k {
			t.Errorf("event %d key %s, want %s", i, got[i].Key, k)
		}
	}
	if n := len(got); n != 3+10 {
		t.Errorf("%d events, want 3 reminders and 10 escalations", n)
	}
}

// A policy change keeps the keys of the events both policies plan, so re-planning after the
// change does not remind anyone twice of the same thing.
func TestPlanPolicyChange(t *testing.T) {
	c := holidays2026()
	due := bkk("2026-03-20 00:00")
	old := c.Plan(due, calendar.DefaultPolicy(), "task/7")
	p := calendar.DefaultPolicy()
	p.BeforeDays = []int{5, 3, 1}
	p.EscalateEvery = 4
	p.Horizon = 2
	now := c.Plan(due, p, "task/7")
	oldKeys := map[string]bool{}
	for _, e := range old {
		oldKeys[e.Key] = true
	}
	var fresh, kept []string
	for _, e := range now {
		if oldKeys[e.Key] {
			kept = append(kept, e.Key)
		} else {
			fresh = append(fresh, e.Key)
		}
	}
	if diff := cmp.Diff([]string{"task/7/reminder/2026-03-13"}, fresh); diff != "" {
		t.Errorf("new events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{
		"task/7/reminder/2026-03-17", "task/7/reminder/2026-03-19", "task/7/due/2026-03-20",
		"task/7/escalation/2026-03-24", "task/7/escalation/2026-03-30",
	}, kept); diff != "" {
		t.Errorf("kept events (-want +got):\n%s", diff)
	}
	// A later reminder time moves the events but keeps their keys (one event per day).
	p = calendar.DefaultPolicy()
	p.At = calendar.TimeOfDay{Hour: 13}
	for i, e := range c.Plan(due, p, "task/7") {
		if e.Key != old[i].Key || e.At.Hour() != 13 {
			t.Errorf("event %d: %s at %v; want key %s at 13:00", i, e.Key, e.At, old[i].Key)
		}
	}
	// A moved deadline gives new keys for the days that changed.
	moved := c.Plan(due.AddDate(0, 0, 3), calendar.DefaultPolicy(), "task/7") // Monday 23rd
	if moved[0].Key != "task/7/reminder/2026-03-18" || moved[2].Key != "task/7/due/2026-03-23" {
		t.Errorf("moved deadline: %v", brief(moved[:3]))
	}
}

func TestPlanAfter(t *testing.T) {
	c := holidays2026()
	due := bkk("2026-03-20 00:00")
	p := calendar.DefaultPolicy()
	p.Horizon = 3
	all := c.Plan(due, p, "t")
	// Between the reminders: the first is dropped, the rest kept.
	rest := c.PlanAfter(due, p, "t", bkk("2026-03-18 12:00"))
	if diff := cmp.Diff(brief(all[1:]), brief(rest)); diff != "" {
		t.Errorf("after 18 March (-want +got):\n%s", diff)
	}
	// At the last escalation of the plan: the next three, numbered on.
	last := all[len(all)-1]
	next := c.PlanAfter(due, p, "t", last.At)
	want := []string{
		"escalation 2026-04-01 08:30 d8 s4",
		"escalation 2026-04-03 08:30 d10 s5",
		"escalation 2026-04-08 08:30 d12 s6", // Monday 6 April is Chakri day
	}
	if diff := cmp.Diff(want, brief(next)); diff != "" {
		t.Errorf("after the last escalation (-want +got):\n%s", diff)
	}
	if next[0].Key != "t/escalation/2026-04-01" {
		t.Errorf("key %s", next[0].Key)
	}
	// Far in the future it still finds the next escalations, quickly.
	far := c.PlanAfter(due, p, "t", bkk("2030-01-01 00:00"))
	if len(far) != 3 || far[0].At.Year() != 2030 {
		t.Errorf("far future: %v", brief(far))
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := calendar.DefaultPolicy().Validate(); err != nil {
		t.Error(err)
	}
	for _, p := range []calendar.Policy{
		{At: calendar.TimeOfDay{Hour: 24}},
		{At: calendar.TimeOfDay{Min: 60}},
		{BeforeDays: []int{-1}},
		{EscalateAfter: -1},
	} {
		if p.Validate() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}

func TestWorkingWeekends(t *testing.T) {
	sat := thai.Date{Year: 2026, Month: time.December, Day: 5} // also Father's Day
	sun := thai.Date{Year: 2026, Month: time.December, Day: 6}
	c := calendar.New(map[thai.Date]string{sat: "วันพ่อแห่งชาติ"})
	if c.IsWorkingDay(sun) || c.IsWorkingDay(sat) {
		t.Fatal("weekend days are off by default")
	}
	w := c.WorkingWeekends()
	if !w.IsWorkingDay(sun) || w.IsWorkingDay(sat) {
		t.Fatalf("with working weekends: Sunday %v (want true), holiday Saturday %v (want false)", w.IsWorkingDay(sun), w.IsWorkingDay(sat))
	}
	if got := w.AddWorkingDays(thai.Date{Year: 2026, Month: time.December, Day: 4}, 2); got != (thai.Date{Year: 2026, Month: time.December, Day: 7}) {
		t.Fatalf("Friday + 2 working days over a holiday Saturday = %v", got)
	}
}
