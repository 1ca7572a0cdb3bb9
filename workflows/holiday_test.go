package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/saraban/saraban/calendar"
	"github.com/saraban/saraban/thai"
)

// TestRemindersSkipAHolidayInBetween plans with the real calendar, as the PlanReminders
// activity does: a deadline on Wednesday 15 Oct 2025 with Monday 13 Oct a public holiday
// (วันนวมินทรมหาราช) and the weekend before it. "3 working days before" is then Thursday 9 Oct,
// "1 working day before" Tuesday 14 Oct, and the escalation (2 working days late) Friday 17 Oct.
func TestRemindersSkipAHolidayInBetween(t *testing.T) {
	bkk := thai.Bangkok
	holiday := thai.Date{Year: 2025, Month: time.October, Day: 13}
	cal := calendar.New(map[thai.Date]string{holiday: "วันนวมินทรมหาราช"})
	due := time.Date(2025, 10, 15, 0, 0, 0, 0, bkk)
	policy := calendar.DefaultPolicy()
	policy.Horizon = 1
	sent := &sentLog{}
	env := newEnv(t)
	env.SetStartTime(time.Date(2025, 10, 1, 9, 0, 0, 0, bkk))
	env.OnActivity(ActivityPlanReminders, mock.Anything, mock.Anything).Return(func(_ context.Context, in PlanRemindersInput) (PlanRemindersResult, error) {
		var out PlanRemindersResult
		for _, ev := range cal.PlanAfter(due, policy, "letter/L", in.After) {
			out.Events = append(out.Events, ReminderEvent{Key: ev.Key, Kind: ev.Kind, At: ev.At, Due: due})
		}
		return out, nil
	})
	env.OnActivity(ActivitySendReminder, mock.Anything, mock.Anything).Return(func(_ context.Context, in SendReminderInput) error {
		sent.at = append(sent.at, env.Now().In(bkk))
		sent.keys = append(sent.keys, in.Event.Kind)
		return nil
	})
	env.OnActivity(ActivityRecordStage, mock.Anything, mock.Anything).Return(nil)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 18*24*time.Hour)
	env.ExecuteWorkflow(IncomingLetterName, IncomingLetterInput{LetterID: "L"})
	want := []time.Time{
		time.Date(2025, 10, 9, 8, 30, 0, 0, bkk),  // 3 working days before (skipping Sat, Sun, Mon holiday)
		time.Date(2025, 10, 14, 8, 30, 0, 0, bkk), // 1 working day before
		time.Date(2025, 10, 15, 8, 30, 0, 0, bkk), // on the day
		time.Date(2025, 10, 17, 8, 30, 0, 0, bkk), // escalation, 2 working days late
	}
	if len(sent.at) < len(want) {
		t.Fatalf("sent %v at %v", sent.keys, sent.at)
	}
	for i, w := range want {
		if !sent.at[i].Equal(w) {
			t.Errorf("event %d (%s) at %s, want %s", i, sent.keys[i], sent.at[i], w)
		}
	}
}
