package activities

import (
	"context"
	"errors"
	"sort"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/saraban/saraban/calendar"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/workflows"
)

// Router is the part of the system of record the routing activities use.
type Router interface {
	ApplyAction(ctx context.Context, req storage.ActionRequest) (storage.ActionResult, error)
	GetForwardAction(ctx context.Context, actionID int64) (storage.ForwardAction, error)
	ForwardCopy(ctx context.Context, actionID int64, unit string, now func() time.Time) (storage.ForwardCopyResult, error)
	OpenDues(ctx context.Context, letterID string) ([]storage.Due, error)
	CalendarFor(ctx context.Context, from, to thai.Date) (*calendar.Calendar, error)
	SendReminder(ctx context.Context, letterID string, ev storage.ReminderEvent) (int, error)
}

// ApplyAction checks and records one routing action. Refusals (no right, bad request, closed
// letter) are non-retryable: retrying cannot change the answer.
func (a *Activities) ApplyAction(ctx context.Context, in workflows.ApplyActionInput) (workflows.ActionResult, error) {
	req := storage.ActionRequest{
		LetterID: in.LetterID, Kind: in.Action.Kind, Actor: in.Action.Actor, Operator: in.Action.Operator,
		RequestID: in.Action.RequestID, Note: in.Action.Note, Purpose: in.Action.Purpose, Due: in.Action.Due,
		Clear: in.Action.Clear, TaskID: in.Action.TaskID, Units: in.Action.Units, Retention: in.Action.Retention, At: in.At,
	}
	for _, as := range in.Action.Assignees {
		req.Assignees = append(req.Assignees, storage.Assignee{Unit: as.Unit, Person: as.Person})
	}
	res, err := a.Router.ApplyAction(ctx, req)
	if err != nil {
		var re *storage.RefusalError
		switch {
		case errors.As(err, &re):
			return workflows.ActionResult{}, temporal.NewNonRetryableApplicationError(re.Msg, workflows.ErrRefused, nil)
		case errors.Is(err, storage.ErrNotFound):
			return workflows.ActionResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "NotFound", nil)
		case errors.Is(err, storage.ErrForbidden):
			return workflows.ActionResult{}, temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrRefused, nil)
		}
		return workflows.ActionResult{}, err
	}
	return workflows.ActionResult{ActionID: res.ActionID, Kind: res.Kind, Capacity: res.Capacity, Unit: res.Unit,
		TaskIDs: res.TaskIDs, Replayed: res.Replayed, Closed: res.Closed}, nil
}

// ForwardCopies makes every unit's copy of a forward action, one transaction per unit, with a
// heartbeat after each so that a worker killed midway is noticed and the retry continues where
// it stopped (copies already made are found, not made again).
func (a *Activities) ForwardCopies(ctx context.Context, in workflows.ForwardCopiesInput) (workflows.ForwardCopiesResult, error) {
	f, err := a.Router.GetForwardAction(ctx, in.ActionID)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return workflows.ForwardCopiesResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "NotFound", nil)
		}
		return workflows.ForwardCopiesResult{}, err
	}
	var res workflows.ForwardCopiesResult
	for i, unit := range f.Units {
		c, err := a.Router.ForwardCopy(ctx, in.ActionID, unit, a.now)
		if err != nil {
			return res, err
		}
		if c.Created {
			res.Created++
		} else {
			res.Existed++
		}
		activity.RecordHeartbeat(ctx, i+1)
	}
	return res, nil
}

func (a *Activities) now() time.Time {
	if a.Clock != nil {
		return a.Clock()
	}
	return time.Now()
}

// PlanReminders reads what the letter waits for and plans its reminders on the working-day
// calendar, returning the events after the cursor in time order.
func (a *Activities) PlanReminders(ctx context.Context, in workflows.PlanRemindersInput) (workflows.PlanRemindersResult, error) {
	dues, err := a.Router.OpenDues(ctx, in.LetterID)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return workflows.PlanRemindersResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "NotFound", nil)
		}
		return workflows.PlanRemindersResult{}, err
	}
	var out workflows.PlanRemindersResult
	if len(dues) == 0 {
		return out, nil
	}
	from, to := dues[0].At, dues[0].At
	for _, d := range dues {
		if d.At.Before(from) {
			from = d.At
		}
		if d.At.After(to) {
			to = d.At
		}
	}
	// Holidays from a month before the earliest due to a year after the latest (escalations).
	cal, err := a.Router.CalendarFor(ctx, thai.DateOf(from.AddDate(0, -1, 0)), thai.DateOf(to.AddDate(1, 0, 0)))
	if err != nil {
		return out, err
	}
	if a.WorkWeekends {
		cal = cal.WorkingWeekends()
	}
	policy := a.Policy
	if policy == nil {
		p := calendar.DefaultPolicy()
		policy = &p
	}
	for _, d := range dues {
		for _, ev := range cal.PlanAfter(d.At, *policy, d.Key, in.After) {
			out.Events = append(out.Events, workflows.ReminderEvent{Key: ev.Key, Kind: ev.Kind, At: ev.At, DueKey: d.Key, Due: d.At, TaskID: d.TaskID, Seq: ev.Seq})
		}
	}
	sort.SliceStable(out.Events, func(i, j int) bool { return out.Events[i].At.Before(out.Events[j].At) })
	if len(out.Events) > 200 {
		out.Events = out.Events[:200] // the rest is planned again when these are used up
	}
	return out, nil
}

// SendReminder sends one event's notifications (idempotent by the event's key).
func (a *Activities) SendReminder(ctx context.Context, in workflows.SendReminderInput) error {
	_, err := a.Router.SendReminder(ctx, in.LetterID, storage.ReminderEvent{Key: in.Event.Key, Kind: in.Event.Kind, At: in.Event.At,
		Due: in.Event.Due, DueKey: in.Event.DueKey, TaskID: in.Event.TaskID})
	return err
}
