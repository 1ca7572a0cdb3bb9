// Package calendar reckons official working days (Monday to Friday, less the public holidays
// the cabinet announces) and turns a deadline into a deterministic plan of reminders and
// escalations (saraban-domain.md §9, docs/routing.md "Deadlines and reminders").
//
// The package is pure: it reads no clock, no environment and no database, and the same input
// always gives the same output, so the reminder plan can be computed inside a Temporal activity
// (or even workflow code) and recomputed after a retry without changing its event keys. The
// holidays come from the caller (storage.CalendarFor reads them from PostgreSQL).
//
// All days are reckoned in Bangkok time (thai.Bangkok), whatever zone a time.Time carries.
package calendar

import (
	"time"

	"github.com/saraban/saraban/thai"
)

// Calendar answers which days are working days. The zero value and a nil *Calendar know no
// holidays: only Saturdays and Sundays are off.
type Calendar struct {
	holidays map[thai.Date]string
	weekends bool // Saturdays and Sundays are working days (see WorkingWeekends)
}

// WorkingWeekends returns a copy of the calendar in which Saturdays and Sundays are working
// days and only the public holidays are off: for services that work every day (hospitals,
// checkpoints) and for benchmarks that must run on any day.
func (c *Calendar) WorkingWeekends() *Calendar {
	out := &Calendar{weekends: true}
	if c != nil {
		out.holidays = c.holidays
	}
	return out
}

// New makes a calendar from the public holidays (day → name). The map is copied, so the
// caller may change it afterwards. Days outside the years the map covers count as working
// days unless they fall on a weekend: load the holidays of every year a plan can reach.
func New(holidays map[thai.Date]string) *Calendar {
	c := &Calendar{holidays: make(map[thai.Date]string, len(holidays))}
	for d, name := range holidays {
		c.holidays[d] = name
	}
	return c
}

// Holiday tells whether d is a public holiday in the calendar, and its name.
func (c *Calendar) Holiday(d thai.Date) (string, bool) {
	if c == nil {
		return "", false
	}
	name, ok := c.holidays[d]
	return name, ok
}

// IsWorkingDay tells whether government offices are open on d: not a Saturday, not a Sunday,
// not a holiday of the calendar.
func (c *Calendar) IsWorkingDay(d thai.Date) bool {
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		if c == nil || !c.weekends {
			return false
		}
	}
	_, holiday := c.Holiday(d)
	return !holiday
}

// AddWorkingDays returns the n-th working day after d (n > 0) or before d (n < 0); d itself is
// never counted, whether or not it is a working day. AddWorkingDays(d, 0) is d unchanged.
// For every d and n, WorkingDaysBetween(d, AddWorkingDays(d, n)) == n.
func (c *Calendar) AddWorkingDays(d thai.Date, n int) thai.Date {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = AddDays(d, step)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysBetween counts the working days one passes going from a to b: those in (a, b]
// when b is after a, and minus those in [b, a) when b is before a. So from a Friday to the
// next Monday is 1, from a Saturday to the next Monday is 1, and from a Monday back to the
// Friday before is -1. It is 0 when a == b.
func (c *Calendar) WorkingDaysBetween(a, b thai.Date) int {
	switch a.Compare(b) {
	case 0:
		return 0
	case 1:
		n := 0
		for d := b; d.Compare(a) < 0; d = AddDays(d, 1) {
			if c.IsWorkingDay(d) {
				n++
			}
		}
		return -n
	}
	n := 0
	for d := AddDays(a, 1); d.Compare(b) <= 0; d = AddDays(d, 1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}

// OnOrBefore returns d when it is a working day, else the last working day before it: the day
// a deadline that falls on a weekend or holiday must in practice be met.
func (c *Calendar) OnOrBefore(d thai.Date) thai.Date {
	if c.IsWorkingDay(d) {
		return d
	}
	return c.AddWorkingDays(d, -1)
}

// OnOrAfter returns d when it is a working day, else the first working day after it.
func (c *Calendar) OnOrAfter(d thai.Date) thai.Date {
	if c.IsWorkingDay(d) {
		return d
	}
	return c.AddWorkingDays(d, 1)
}

// AddDays returns the calendar day n days after d (before, when n < 0).
func AddDays(d thai.Date, n int) thai.Date {
	t := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC)
	return thai.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}

// IsWholeDay tells whether a deadline names a day rather than an hour: its time of day in
// Bangkok is exactly 00:00:00, which is how a date-only deadline ("ภายในวันที่ ๑๙ ตุลาคม ๒๕๖๒",
// `--deadline 2019-10-19`) is stored. Such a deadline runs to the end of that day.
func IsWholeDay(due time.Time) bool {
	t := due.In(thai.Bangkok)
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// OverdueAt is the instant from which work with this deadline is late: the deadline itself
// when it has a time of day, the end of the day (00:00 of the next day, Bangkok) when it names
// a whole day.
func OverdueAt(due time.Time) time.Time {
	t := due.In(thai.Bangkok)
	if IsWholeDay(t) {
		return t.AddDate(0, 0, 1)
	}
	return t
}
