package calendar

import (
	"fmt"
	"sort"
	"time"

	"github.com/saraban/saraban/thai"
)

// Event kinds.
const (
	KindReminder   = "reminder"   // some working days before the deadline
	KindDue        = "due"        // on the day of the deadline
	KindEscalation = "escalation" // working days after the deadline, to the assigner's superior
)

// TimeOfDay is a Bangkok wall-clock time.
type TimeOfDay struct {
	Hour int `json:"hour"`
	Min  int `json:"min"`
}

// Policy says when reminders and escalations fire. Start from DefaultPolicy and change what
// differs: the zero Policy plans nothing.
type Policy struct {
	// BeforeDays are the reminders, in working days before the deadline (3 and 1 by default).
	// Values below 1 and repeats are ignored; the day itself is OnDay.
	BeforeDays []int `json:"before_days"`
	// OnDay adds a reminder on the day of the deadline.
	OnDay bool `json:"on_day"`
	// EscalateAfter is how many working days after the deadline the first escalation fires
	// (0: never escalate). EscalateEvery is the working days between later escalations
	// (0: escalate once).
	EscalateAfter int `json:"escalate_after"`
	EscalateEvery int `json:"escalate_every"`
	// At is the Bangkok time of day reminders and escalations fire (08:30, when offices open).
	At TimeOfDay `json:"at"`
	// Horizon is how many escalations a plan holds; after the last one the caller plans again
	// (PlanAfter) while the work is still open.
	Horizon int `json:"horizon"`
}

// DefaultPolicy is issue 3's default: reminders 3 and 1 working days before and on the day at
// 08:30 Bangkok; escalation 2 working days after the deadline, then every 2 working days, 10
// escalations planned ahead.
func DefaultPolicy() Policy {
	return Policy{
		BeforeDays:    []int{3, 1},
		OnDay:         true,
		EscalateAfter: 2,
		EscalateEvery: 2,
		At:            TimeOfDay{Hour: 8, Min: 30},
		Horizon:       10,
	}
}

// Validate reports a policy that cannot be meant.
func (p Policy) Validate() error {
	if p.At.Hour < 0 || p.At.Hour > 23 || p.At.Min < 0 || p.At.Min > 59 {
		return fmt.Errorf("reminder time %02d:%02d is not a time of day", p.At.Hour, p.At.Min)
	}
	for _, n := range p.BeforeDays {
		if n < 0 || n > 366 {
			return fmt.Errorf("a reminder %d working days before the deadline is out of range (1–366)", n)
		}
	}
	if p.EscalateAfter < 0 || p.EscalateEvery < 0 || p.Horizon < 0 {
		return fmt.Errorf("escalation numbers must not be negative (after %d, every %d, horizon %d)",
			p.EscalateAfter, p.EscalateEvery, p.Horizon)
	}
	return nil
}

// Event is one planned reminder or escalation.
type Event struct {
	// Key identifies the event for idempotency: subjectKey/kind/day (the Bangkok day the event
	// belongs to, YYYY-MM-DD). Planning the same deadline twice gives the same keys, and so
	// does a policy change for the events both policies share; a moved deadline gives new keys
	// except where an event of the same kind lands on the same day.
	Key  string    `json:"key"`
	Kind string    `json:"kind"`
	At   time.Time `json:"at"`  // when to fire, Bangkok
	Due  time.Time `json:"due"` // the deadline as given, Bangkok
	// Days is, for a reminder, the working days before the deadline; for an escalation, the
	// working days after it; 0 for the due-day event.
	Days int `json:"days"`
	// Seq numbers escalations 1, 2, 3…; it is 0 for reminders and the due-day event.
	Seq int `json:"seq"`
}

// Plan returns the events for a deadline under policy p, sorted by At (and by kind, then key,
// for equal times). It returns every event, past ones included: the caller drops or fires the
// ones already due (PlanAfter does the dropping).
//
// The rules:
//
//   - A deadline at 00:00:00 Bangkok names a whole day (IsWholeDay) and is met until the end
//     of that day; any other time is a deadline at that hour ("ด่วนภายใน … เวลา ๑๐.๐๐ น.").
//   - A deadline on a weekend or holiday is worked towards the last working day before it
//     (OnOrBefore): reminders count back from that day, and the due-day event fires on it.
//   - Reminders fire at p.At, n working days before that day, for each n of p.BeforeDays.
//   - The due-day event fires at p.At on that day; for a deadline with a time of day, one hour
//     before the deadline instead when that is earlier than p.At (a 09:00 deadline is
//     announced at 08:00, an 08:00 deadline at 07:00).
//   - Escalation k (k = 1…p.Horizon) fires at p.At on the working day that is
//     p.EscalateAfter + (k-1)·p.EscalateEvery working days after the deadline's own day
//     (a deadline on Monday escalates on Wednesday morning with the defaults). Work late at
//     that moment has been late since OverdueAt(due).
func (c *Calendar) Plan(due time.Time, p Policy, subjectKey string) []Event {
	return c.plan(due, p, subjectKey, nil)
}

// PlanAfter is Plan without the events at or before after, and with escalations continued
// beyond the first p.Horizon so that up to p.Horizon escalations after after are planned. A
// workflow that has fired the last escalation of its plan calls it with the time of that
// escalation to get the next ones; keys and Seq numbers continue those of Plan.
func (c *Calendar) PlanAfter(due time.Time, p Policy, subjectKey string, after time.Time) []Event {
	return c.plan(due, p, subjectKey, &after)
}

func (c *Calendar) plan(due time.Time, p Policy, subjectKey string, after *time.Time) []Event {
	due = due.In(thai.Bangkok)
	dueDay := thai.DateOf(due)
	workDay := c.OnOrBefore(dueDay)
	at := func(d thai.Date) time.Time {
		return time.Date(d.Year, d.Month, d.Day, p.At.Hour, p.At.Min, 0, 0, thai.Bangkok)
	}
	key := func(kind string, d thai.Date) string { return subjectKey + "/" + kind + "/" + d.String() }
	keep := func(e Event) bool { return after == nil || e.At.After(*after) }

	var out []Event
	seen := map[int]bool{}
	for _, n := range p.BeforeDays {
		if n < 1 || seen[n] {
			continue
		}
		seen[n] = true
		d := c.AddWorkingDays(workDay, -n)
		e := Event{Key: key(KindReminder, d), Kind: KindReminder, At: at(d), Due: due, Days: n}
		if keep(e) {
			out = append(out, e)
		}
	}
	if p.OnDay {
		e := Event{Key: key(KindDue, workDay), Kind: KindDue, At: at(workDay), Due: due}
		if !IsWholeDay(due) {
			if early := due.Add(-time.Hour); early.Before(e.At) {
				e.At = early
			}
		}
		if keep(e) {
			out = append(out, e)
		}
	}
	if p.EscalateAfter > 0 && p.Horizon > 0 {
		planned := 0
		d := c.AddWorkingDays(dueDay, p.EscalateAfter)
		// The bound only guards the loop: 100 000 escalations are centuries of working days.
		for k := 0; planned < p.Horizon && k < 100_000; k++ {
			if k > 0 {
				if p.EscalateEvery <= 0 {
					break
				}
				d = c.AddWorkingDays(d, p.EscalateEvery)
			}
			days := p.EscalateAfter + k*p.EscalateEvery
			e := Event{Key: key(KindEscalation, d), Kind: KindEscalation, At: at(d), Due: due, Days: days, Seq: k + 1}
			if keep(e) {
				out = append(out, e)
				planned++
			} else if after == nil {
				planned++
			}
		}
	}
	rank := map[string]int{KindReminder: 0, KindDue: 1, KindEscalation: 2}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		if rank[a.Kind] != rank[b.Kind] {
			return rank[a.Kind] < rank[b.Kind]
		}
		return a.Key < b.Key
	})
	return out
}
