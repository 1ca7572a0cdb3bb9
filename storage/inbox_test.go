package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// receiveTestLetter numbers a letter into a register and returns its id.
func receiveTestLetter(t *testing.T, db *storage.DB, register, subject string, deadline *time.Time) string {
	t.Helper()
	id := uuid.NewString()
	sum := strings.ReplaceAll(uuid.NewString()+uuid.NewString(), "-", "")[:64]
	_, err := db.ReceiveLetter(context.Background(), storage.ReceiveParams{Register: register, Actor: "test", Letter: storage.NewLetter{
		ID: id, DocNumberRaw: "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗", DocNumber: "สข 0017.2/ว 7577", Subject: subject, Urgency: "urgent",
		Deadline: deadline, OriginalSHA256: sum, OriginalKey: "sha256/" + sum + ".pdf", Size: 1, Pages: 1,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// inbAddTask writes an order and its task the way routing does (storage/routing.go owns that;
// the inbox only reads the tables of 003_routing.up.sql).
func inbAddTask(t *testing.T, db *storage.DB, letter, unit, person, purpose string, due *time.Time, status string) int64 {
	t.Helper()
	ctx := context.Background()
	var action int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO letter_actions(letter_id, kind, actor, request_id) VALUES ($1, 'order', 'sujit', $2) RETURNING id`,
		letter, uuid.NewString()).Scan(&action); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO tasks(letter_id, action_id, assignee_unit, assignee_person, purpose, due_at, assigned_by, status)
		VALUES ($1, $2, nullif($3, ''), nullif($4, ''), $5, $6, 'sujit', $7) RETURNING id`,
		letter, action, unit, person, purpose, due, status).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func inbAt(s string) *time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, thai.Bangkok)
	if err != nil {
		panic(err)
	}
	return &t
}

// inbBrief prints items as "kind subject due working-days-left".
func inbBrief(items []storage.InboxItem) []string {
	var out []string
	for _, it := range items {
		s := it.Kind + " " + it.Subject
		if it.Due != nil {
			s += " " + it.Due.Format("01-02 15:04")
		}
		if it.WorkingDaysLeft != nil {
			s += " " + strings.Repeat("+", max(*it.WorkingDaysLeft, 0)) + strings.Repeat("-", max(-*it.WorkingDaysLeft, 0))
		}
		out = append(out, s)
	}
	return out
}

func TestInbox(t *testing.T) {
	db := testenv.DB(t)
	testenv.Demo(t, db)
	ctx := context.Background()
	hs, err := storage.LoadHolidays(holidayFile(2569))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := db.ImportHolidays(ctx, hs, "test"); err != nil {
		t.Fatal(err)
	}
	// Friday 10 April 2026, 10:00: Songkran (Monday to Wednesday) lies ahead.
	now := *inbAt("2026-04-10 10:00")

	l1 := receiveTestLetter(t, db, "LAND-RECV", "หนังสือหนึ่ง", nil)
	inbAddTask(t, db, l1, "land-admin", "netanong", "act", inbAt("2026-04-16 00:00"), "open")    // Thursday after Songkran: 1 working day
	inbAddTask(t, db, l1, "", "netanong", "consider", nil, "open")                               // no due
	inbAddTask(t, db, l1, "", "netanong", "act", inbAt("2026-04-24 00:00"), "open")              // 7 working days
	inbAddTask(t, db, l1, "", "netanong", "act", inbAt("2026-04-01 00:00"), "done")              // done: gone
	inbAddTask(t, db, l1, "", "netanong", "inform", inbAt("2026-04-10 09:00"), "open")           // today 09:00: late
	inbAddTask(t, db, l1, "", "netanong", "act", inbAt("2026-04-10 16:00"), "open")              // today 16:00: due soon
	hatyai := inbAddTask(t, db, l1, "land-hatyai", "", "act", inbAt("2026-04-09 00:00"), "open") // a unit task, late
	// A letter whose deadline comes from the letter: the task has no due of its own.
	l2 := receiveTestLetter(t, db, "LAND-RECV", "หนังสือสอง", inbAt("2026-04-17 00:00"))
	inbAddTask(t, db, l2, "", "netanong", "act", nil, "open")
	// Letters with a deadline and no task yet: the head and the clerk of the receiving unit
	// (Sadao branch, where netanong holds no position) see them.
	receiveTestLetter(t, db, "SADAO-RECV", "หนังสือสาม ยังไม่สั่งการ", inbAt("2026-04-17 00:00"))
	receiveTestLetter(t, db, "SADAO-RECV", "หนังสือสี่ เลยกำหนด", inbAt("2026-04-08 00:00"))
	receiveTestLetter(t, db, "SADAO-RECV", "หนังสือห้า ยังไกล", inbAt("2026-05-29 00:00"))
	l6 := receiveTestLetter(t, db, "SADAO-RECV", "หนังสือหก สั่งการแล้ว", inbAt("2026-04-16 00:00"))
	inbAddTask(t, db, l6, "land-registration", "", "act", nil, "open")

	in, err := db.Inbox(ctx, "netanong", now, 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{
		"task หนังสือหนึ่ง 04-10 09:00 ",
		"task หนังสือหนึ่ง 04-10 16:00 ",
		"task หนังสือหนึ่ง 04-16 00:00 +",
		"task หนังสือสอง 04-17 00:00 ++",
		"task หนังสือหนึ่ง 04-24 00:00 +++++++",
		"task หนังสือหนึ่ง",
	}, inbBrief(in.Tasks)); diff != "" {
		t.Errorf("netanong's tasks (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{
		"task หนังสือหนึ่ง 04-10 16:00 ",
		"task หนังสือหนึ่ง 04-16 00:00 +",
		"task หนังสือสอง 04-17 00:00 ++",
	}, inbBrief(in.DueSoon)); diff != "" {
		t.Errorf("netanong's due soon (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"task หนังสือหนึ่ง 04-10 09:00 "}, inbBrief(in.Overdue)); diff != "" {
		t.Errorf("netanong's overdue (-want +got):\n%s", diff)
	}
	if in.Counts != (storage.InboxCounts{Tasks: 6, DueSoon: 3, Overdue: 1}) {
		t.Errorf("counts %+v", in.Counts)
	}
	first := in.Tasks[2]
	if first.LetterID != l1 || first.DocNumber != "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗" || first.Urgency != "urgent" || first.Purpose != "act" ||
		first.Unit != "" || first.AssignedBy != "sujit" || first.TaskID == 0 || first.Due.Format("-0700") != "+0700" {
		t.Errorf("item %+v", first)
	}

	// Every member of a unit sees the unit's tasks.
	for _, p := range []string{"prasert", "onuma"} {
		in, err := db.Inbox(ctx, p, now, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(in.Tasks) != 1 || in.Tasks[0].TaskID != hatyai || in.Tasks[0].Unit != "land-hatyai" || len(in.Overdue) != 1 ||
			*in.Overdue[0].WorkingDaysLeft != -1 || !in.Overdue[0].Overdue {
			t.Errorf("%s: %+v", p, in)
		}
	}
	// The head and the clerk of the Sadao branch see the letters nobody was given.
	for _, p := range []string{"wanna", "anucha"} {
		in, err := db.Inbox(ctx, p, now, 3)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"letter หนังสือสาม ยังไม่สั่งการ 04-17 00:00 ++"}, inbBrief(in.DueSoon)); diff != "" {
			t.Errorf("%s's due soon (-want +got):\n%s", p, diff)
		}
		if diff := cmp.Diff([]string{"letter หนังสือสี่ เลยกำหนด 04-08 00:00 --"}, inbBrief(in.Overdue)); diff != "" {
			t.Errorf("%s's overdue (-want +got):\n%s", p, diff)
		}
		if len(in.Tasks) != 0 {
			t.Errorf("%s has tasks %v", p, inbBrief(in.Tasks))
		}
	}
	// Without the holidays the Thursday after Songkran is 4 working days away, not 1.
	if _, err := db.Pool.Exec(ctx, `DELETE FROM holidays`); err != nil {
		t.Fatal(err)
	}
	in, err = db.Inbox(ctx, "netanong", now, 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"task หนังสือหนึ่ง 04-10 16:00 "}, inbBrief(in.DueSoon)); diff != "" {
		t.Errorf("without holidays (-want +got):\n%s", diff)
	}
	if _, err := db.Inbox(ctx, "nobody", now, 3); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown person: %v", err)
	}
}

func TestInboxNotificationsAndMarkRead(t *testing.T) {
	db := testenv.DB(t)
	testenv.Demo(t, db)
	ctx := context.Background()
	var ids []int64
	for i, key := range []string{"a", "b", "c"} {
		id, _ := ntfAdd(t, db, storage.NewNotification{PersonID: "netanong", Kind: "reminder", EventKey: key, Title: "เรื่อง " + key, Body: strings.Repeat("x", i)})
		ids = append(ids, id)
	}
	other, _ := ntfAdd(t, db, storage.NewNotification{PersonID: "sujit", Kind: "reminder", EventKey: "a", Title: "ของคนอื่น"})
	in, err := db.Inbox(ctx, "netanong", time.Now(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if in.Counts.Unread != 3 || len(in.Unread) != 3 || in.Unread[0].ID != ids[2] || in.Unread[0].Title != "เรื่อง c" {
		t.Fatalf("unread %+v", in.Unread)
	}
	if n, err := db.MarkRead(ctx, "netanong", []int64{ids[0], other}); err != nil || n != 1 {
		t.Fatalf("mark read: %d %v", n, err)
	}
	if n, err := db.MarkRead(ctx, "netanong", []int64{ids[0]}); err != nil || n != 0 {
		t.Fatalf("mark read again: %d %v", n, err)
	}
	in, _ = db.Inbox(ctx, "netanong", time.Now(), 3)
	if in.Counts.Unread != 2 {
		t.Errorf("unread after marking: %d", in.Counts.Unread)
	}
	if in, _ := db.Inbox(ctx, "sujit", time.Now(), 3); in.Counts.Unread != 1 {
		t.Error("someone else marked sujit's notification read")
	}
	// The list holds the latest 50; the count all of them.
	for i := 0; i < 55; i++ {
		ntfAdd(t, db, storage.NewNotification{PersonID: "netanong", Kind: "task", EventKey: "many/" + uuid.NewString(), Title: "งาน"})
	}
	in, _ = db.Inbox(ctx, "netanong", time.Now(), 3)
	if in.Counts.Unread != 57 || len(in.Unread) != 50 {
		t.Errorf("unread %d listed %d", in.Counts.Unread, len(in.Unread))
	}
}
