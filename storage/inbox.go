package storage

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/saraban/saraban/calendar"
	"github.com/saraban/saraban/thai"
)

// InboxItem is a piece of work in a person's inbox: an open task, or a letter with a deadline
// that nobody has been given yet.
type InboxItem struct {
	Kind      string `json:"kind"` // task | letter
	TaskID    int64  `json:"task_id,omitempty"`
	LetterID  string `json:"letter_id"`
	DocNumber string `json:"doc_number"` // as printed (ที่ …)
	Subject   string `json:"subject"`
	Urgency   string `json:"urgency"` // normal | urgent | very_urgent | most_urgent
	// Due is the task's due date, or the letter's deadline when the task has none. A due at
	// 00:00 Bangkok names a whole day (calendar.IsWholeDay).
	Due     *time.Time `json:"due,omitempty"`
	Purpose string     `json:"purpose,omitempty"` // inform | consider | act | circulate (tasks)
	// Unit is the unit a unit task was given to ("" for a task given to the person).
	Unit       string    `json:"unit,omitempty"`
	For        string    `json:"for,omitempty"` // the person a task was given to, when it is not the inbox's owner
	AssignedBy string    `json:"assigned_by,omitempty"`
	Since      time.Time `json:"since"` // when the task was given, or the letter received
	Overdue    bool      `json:"overdue"`
	// WorkingDaysLeft is the working days from today to the due day (calendar.WorkingDaysBetween):
	// 0 on the day, negative when late. Absent without a due.
	WorkingDaysLeft *int `json:"working_days_left,omitempty"`
}

// InboxNotification is an unread notification.
type InboxNotification struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Title     string    `json:"title"`
	Body      string    `json:"body,omitempty"`
	LetterID  string    `json:"letter_id,omitempty"`
	TaskID    *int64    `json:"task_id,omitempty"`
	EventKey  string    `json:"event_key"`
	CreatedAt time.Time `json:"created_at"`
}

// InboxCounts are the totals; the lists are capped (MaxInboxItems, 50 notifications).
type InboxCounts struct {
	Tasks   int `json:"tasks"`
	DueSoon int `json:"due_soon"`
	Overdue int `json:"overdue"`
	Unread  int `json:"unread"`
}

// Inbox is what a person has to do and to read.
type Inbox struct {
	Person      string              `json:"person"`
	Now         time.Time           `json:"now"`
	DueSoonDays int                 `json:"due_soon_days"`
	Counts      InboxCounts         `json:"counts"`
	Tasks       []InboxItem         `json:"tasks"`    // my open tasks
	DueSoon     []InboxItem         `json:"due_soon"` // open work due within DueSoonDays working days, not yet late
	Overdue     []InboxItem         `json:"overdue"`  // open work past its due
	Unread      []InboxNotification `json:"unread"`   // latest 50 unread notifications
}

// MaxInboxItems caps each list of an inbox; the counts are exact.
const MaxInboxItems = 200

// InboxQuery asks for a person's inbox.
type InboxQuery struct {
	Person      string
	Now         time.Time
	DueSoonDays int
	// AlsoFor are people whose personal tasks also belong in this inbox (for example those the
	// person acts for today, รักษาราชการแทน); their items carry For.
	AlsoFor []string
}

// Inbox returns the person's inbox at now: see InboxFor.
func (db *DB) Inbox(ctx context.Context, personID string, now time.Time, dueSoonDays int) (Inbox, error) {
	return db.InboxFor(ctx, InboxQuery{Person: personID, Now: now, DueSoonDays: dueSoonDays})
}

// InboxFor returns a person's inbox:
//
//   - Tasks: the open tasks given to the person, and those given to a unit where the person
//     holds a position without naming a person (every member of the unit sees them);
//   - DueSoon and Overdue: among those tasks, and among the open letters with a deadline that
//     lie in a register of a unit where the person is the head or a clerk and that no task
//     covers yet (nobody was given them, or every task was returned or cancelled), the ones
//     whose due day is within DueSoonDays working days of today (weekends and the holidays
//     table skipped, calendar.WorkingDaysBetween; 0 = due today) and the ones already late
//     (from the due time, or from the end of a whole-day due: calendar.OverdueAt);
//   - Unread: the latest 50 unread notifications.
//
// A person who does not exist is ErrNotFound.
func (db *DB) InboxFor(ctx context.Context, q InboxQuery) (Inbox, error) {
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	if q.DueSoonDays < 0 {
		q.DueSoonDays = 0
	}
	now := q.Now.In(bangkok)
	in := Inbox{Person: q.Person, Now: now, DueSoonDays: q.DueSoonDays,
		Tasks: []InboxItem{}, DueSoon: []InboxItem{}, Overdue: []InboxItem{}, Unread: []InboxNotification{}}
	var exists bool
	if err := db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM people WHERE id = $1)`, q.Person).Scan(&exists); err != nil {
		return in, err
	}
	if !exists {
		return in, fmt.Errorf("person %q: %w", q.Person, ErrNotFound)
	}
	cal, err := db.CalendarFor(ctx, thai.Date{}, thai.Date{})
	if err != nil {
		return in, err
	}
	today := thai.DateOf(now)
	people := append([]string{q.Person}, q.AlsoFor...)

	rows, err := db.Pool.Query(ctx, `
		SELECT t.id, t.letter_id::text, l.doc_number_raw, l.subject, l.urgency, coalesce(t.due_at, l.deadline),
		       t.purpose, coalesce(t.assignee_unit, ''), coalesce(t.assignee_person, ''), t.assigned_by, t.created_at
		FROM tasks t JOIN letters l ON l.id = t.letter_id
		WHERE t.status = 'open'
		  AND (t.assignee_person = ANY($1)
		       OR (t.assignee_person IS NULL
		           AND t.assignee_unit IN (SELECT unit_code FROM positions WHERE person_id = $2)))`, people, q.Person)
	if err != nil {
		return in, err
	}
	tasks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (InboxItem, error) {
		it := InboxItem{Kind: "task"}
		var person string
		err := r.Scan(&it.TaskID, &it.LetterID, &it.DocNumber, &it.Subject, &it.Urgency, &it.Due,
			&it.Purpose, &it.Unit, &person, &it.AssignedBy, &it.Since)
		if person != "" {
			it.Unit = "" // a task to a person (within a unit) is the person's
			if person != q.Person {
				it.For = person
			}
		}
		return it, err
	})
	if err != nil {
		return in, err
	}

	// Letters with a deadline that no task covers, for the heads and clerks of the units whose
	// registers hold them. Only those due within the window or late are of interest.
	limit := calendar.AddDays(cal.AddWorkingDays(today, q.DueSoonDays), 1).Time(bangkok)
	rows, err = db.Pool.Query(ctx, `
		SELECT l.id::text, l.doc_number_raw, l.subject, l.urgency, l.deadline, min(e.received_at)
		FROM letters l
		JOIN register_entries e ON e.letter_id = l.id AND e.status = 'active'
		JOIN registers r ON r.code = e.register_code
		JOIN positions p ON p.unit_code = r.unit_code AND p.person_id = $1 AND (p.is_head OR p.role IN ('head', 'clerk'))
		WHERE l.status = 'open' AND l.deadline IS NOT NULL AND l.deadline < $2
		  AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.letter_id = l.id AND t.status IN ('open', 'acknowledged', 'done'))
		GROUP BY l.id`, q.Person, limit)
	if err != nil {
		return in, err
	}
	letters, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (InboxItem, error) {
		it := InboxItem{Kind: "letter"}
		err := r.Scan(&it.LetterID, &it.DocNumber, &it.Subject, &it.Urgency, &it.Due, &it.Since)
		return it, err
	})
	if err != nil {
		return in, err
	}

	classify := func(it *InboxItem) (soon, late bool) {
		it.Since = it.Since.In(bangkok)
		if it.Due == nil {
			return false, false
		}
		d := it.Due.In(bangkok)
		it.Due = &d
		left := cal.WorkingDaysBetween(today, thai.DateOf(d))
		it.WorkingDaysLeft = &left
		it.Overdue = !now.Before(calendar.OverdueAt(d))
		return !it.Overdue && left <= q.DueSoonDays, it.Overdue
	}
	for i := range tasks {
		it := &tasks[i]
		soon, late := classify(it)
		in.Tasks = append(in.Tasks, *it)
		if soon {
			in.DueSoon = append(in.DueSoon, *it)
		}
		if late {
			in.Overdue = append(in.Overdue, *it)
		}
	}
	for i := range letters {
		it := &letters[i]
		soon, late := classify(it)
		if soon {
			in.DueSoon = append(in.DueSoon, *it)
		}
		if late {
			in.Overdue = append(in.Overdue, *it)
		}
	}
	sortItems(in.Tasks)
	sortItems(in.DueSoon)
	sortItems(in.Overdue)
	in.Counts = InboxCounts{Tasks: len(in.Tasks), DueSoon: len(in.DueSoon), Overdue: len(in.Overdue)}
	in.Tasks = capItems(in.Tasks)
	in.DueSoon = capItems(in.DueSoon)
	in.Overdue = capItems(in.Overdue)

	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE person_id = $1 AND read_at IS NULL`, q.Person).
		Scan(&in.Counts.Unread); err != nil {
		return in, err
	}
	rows, err = db.Pool.Query(ctx, `SELECT id, kind, title, body, coalesce(letter_id::text, ''), task_id, event_key, created_at
		FROM notifications WHERE person_id = $1 AND read_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 50`, q.Person)
	if err != nil {
		return in, err
	}
	in.Unread, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (InboxNotification, error) {
		var n InboxNotification
		err := r.Scan(&n.ID, &n.Kind, &n.Title, &n.Body, &n.LetterID, &n.TaskID, &n.EventKey, &n.CreatedAt)
		n.CreatedAt = n.CreatedAt.In(bangkok)
		return n, err
	})
	if in.Unread == nil {
		in.Unread = []InboxNotification{}
	}
	return in, err
}

var urgencyRank = map[string]int{"most_urgent": 0, "very_urgent": 1, "urgent": 2, "normal": 3}

// sortItems orders work by due (earliest first, no due last), then urgency (most urgent
// first), then age (oldest first).
func sortItems(items []InboxItem) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		switch {
		case a.Due != nil && b.Due == nil:
			return true
		case a.Due == nil && b.Due != nil:
			return false
		case a.Due != nil && !a.Due.Equal(*b.Due):
			return a.Due.Before(*b.Due)
		case urgencyRank[a.Urgency] != urgencyRank[b.Urgency]:
			return urgencyRank[a.Urgency] < urgencyRank[b.Urgency]
		case !a.Since.Equal(b.Since):
			return a.Since.Before(b.Since)
		}
		if a.TaskID != b.TaskID {
			return a.TaskID < b.TaskID
		}
		return a.LetterID < b.LetterID
	})
}

func capItems(items []InboxItem) []InboxItem {
	if len(items) > MaxInboxItems {
		return items[:MaxInboxItems]
	}
	return items
}

// MarkRead marks the person's notifications with the given ids read and returns how many
// were unread. Ids of other people's notifications are ignored.
func (db *DB) MarkRead(ctx context.Context, personID string, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	tag, err := db.Pool.Exec(ctx, `UPDATE notifications SET read_at = now()
		WHERE person_id = $1 AND id = ANY($2) AND read_at IS NULL`, personID, ids)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}
