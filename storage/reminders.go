package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ReminderEvent is one planned reminder, due notice or escalation (see calendar.Plan).
type ReminderEvent struct {
	Key    string
	Kind   string // reminder | due | escalation
	At     time.Time
	Due    time.Time
	DueKey string // letter/<id> or task/<id>
	TaskID int64
}

// superiorOf is the person above someone: the head of their unit, or, when they head it, the
// head of the unit above.
func (db *DB) superiorOf(ctx context.Context, person string) (string, error) {
	ps, err := db.PersonPositions(ctx, person)
	if err != nil || len(ps) == 0 {
		return "", err
	}
	unit := ps[0].UnitCode
	for _, p := range ps {
		if p.IsHead {
			unit = p.UnitCode
			break
		}
	}
	ups, err := db.UnitAncestors(ctx, unit)
	if err != nil {
		return "", err
	}
	for _, u := range ups {
		head, _, err := db.UnitHead(ctx, u)
		if err == nil && head.ID != person {
			return head.ID, nil
		}
	}
	return "", nil
}

// SendReminder writes the notifications of one event: reminders and due notices to whoever
// must do the work (or acts for them that day), escalations to the assigner's superior and the
// assigner. Each notification is keyed by the event, so a retried activity sends nothing twice.
// It returns how many notifications were new.
func (db *DB) SendReminder(ctx context.Context, letterID string, ev ReminderEvent) (int, error) {
	var subject, docNo, status string
	if err := db.Pool.QueryRow(ctx, `SELECT subject, doc_number_raw, status FROM letters WHERE id::text = $1`, letterID).Scan(&subject, &docNo, &status); err != nil {
		return 0, fmt.Errorf("letter %s: %w", letterID, ErrNotFound)
	}
	if status != "open" {
		return 0, nil // closed meanwhile: nothing to remind
	}
	var recipients, cc []string
	var taskID *int64
	if ev.TaskID != 0 {
		var st, person, unit, by string
		err := db.Pool.QueryRow(ctx, `SELECT status, coalesce(assignee_person, ''), coalesce(assignee_unit, ''), assigned_by FROM tasks WHERE id = $1`, ev.TaskID).
			Scan(&st, &person, &unit, &by)
		if err != nil {
			return 0, fmt.Errorf("task %d: %w", ev.TaskID, ErrNotFound)
		}
		if st != "open" {
			return 0, nil
		}
		id := ev.TaskID
		taskID = &id
		doer := person
		if doer == "" {
			if head, _, err := db.UnitHead(ctx, unit); err == nil {
				doer = head.ID
			}
		}
		if ev.Kind == "escalation" {
			sup, err := db.superiorOf(ctx, by)
			if err != nil {
				return 0, err
			}
			if sup != "" {
				recipients = append(recipients, sup)
			}
			cc = append(cc, by)
			if doer != "" {
				cc = append(cc, doer)
			}
		} else if doer != "" {
			recipients = append(recipients, doer)
		}
	} else {
		units, err := db.holdingUnits(ctx, letterID)
		if err != nil {
			return 0, err
		}
		for _, u := range units {
			head, _, err := db.UnitHead(ctx, u)
			if err != nil {
				continue
			}
			if ev.Kind == "escalation" {
				if sup, err := db.superiorOf(ctx, head.ID); err == nil && sup != "" {
					recipients = append(recipients, sup)
				}
				cc = append(cc, head.ID)
			} else {
				recipients = append(recipients, head.ID)
			}
		}
	}
	due := ev.Due.In(bangkok).Format("2006-01-02 15:04")
	title := map[string]string{
		"reminder":   "ใกล้ครบกำหนด",
		"due":        "ครบกำหนดวันนี้",
		"escalation": "เกินกำหนด",
	}[ev.Kind]
	if title == "" {
		title = ev.Kind
	}
	title = title + ": " + strings.TrimSpace(docNo+" "+subject)
	body := "กำหนด " + due
	sent := 0
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		sent = 0
		seen := map[string]bool{}
		send := func(person, kind string) error {
			if person == "" {
				return nil
			}
			if sub, ok, err := db.ActingFor(ctx, person, ev.At); err == nil && ok {
				person = sub
			}
			if seen[person] {
				return nil
			}
			seen[person] = true
			l := letterID
			_, created, err := AddNotification(ctx, tx, NewNotification{PersonID: person, LetterID: &l, TaskID: taskID, Kind: kind, EventKey: ev.Key, Title: title, Body: body})
			if created {
				sent++
			}
			return err
		}
		for _, p := range recipients {
			if err := send(p, ev.Kind); err != nil {
				return err
			}
		}
		for _, p := range cc {
			if err := send(p, ev.Kind); err != nil {
				return err
			}
		}
		return nil
	})
	return sent, err
}
