package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/calendar"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "inbox",
		Usage: "a person's work: open tasks, what is due soon, what is late, unread notifications",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "as", Required: true, Usage: "the person whose inbox to show"},
			&cli.IntFlag{Name: "due-soon", Value: 3, Usage: "working days ahead that count as due soon (0: due today)"},
			&cli.BoolFlag{Name: "mark-read", Usage: "mark the unread notifications shown as read"},
			jsonFlag(),
		},
		Action: inboxAction,
	})
}

func inboxAction(c *cli.Context) error {
	if c.Int("due-soon") < 0 {
		return usageError("--due-soon %d: give 0 or more working days", c.Int("due-soon"))
	}
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		in, err := db.Inbox(ctx, strings.TrimSpace(c.String("as")), time.Now(), c.Int("due-soon"))
		if err != nil {
			return notifyFailure(c, fmt.Errorf("--as %s: %w", c.String("as"), err))
		}
		marked := 0
		if c.Bool("mark-read") && len(in.Unread) > 0 {
			ids := make([]int64, len(in.Unread))
			for i, n := range in.Unread {
				ids[i] = n.ID
			}
			if marked, err = db.MarkRead(ctx, in.Person, ids); err != nil {
				return notifyFailure(c, err)
			}
		}
		if c.Bool("json") {
			return printJSON(c, struct {
				storage.Inbox
				MarkedRead int `json:"marked_read"`
			}{in, marked})
		}
		printInbox(c.App.Writer, in)
		if marked > 0 {
			fmt.Fprintf(c.App.Writer, "\n%d notifications marked read\n", marked)
		}
		return nil
	})
}

var purposeThai = map[string]string{"inform": "เพื่อทราบ", "consider": "เพื่อพิจารณา", "act": "เพื่อดำเนินการ", "circulate": "แจ้งเวียน"}
var urgencyThai = map[string]string{"urgent": "ด่วน", "very_urgent": "ด่วนมาก", "most_urgent": "ด่วนที่สุด"}

func printInbox(w io.Writer, in storage.Inbox) {
	fmt.Fprintf(w, "inbox of %s at %s %s\n", in.Person, thai.FormatDate(thai.DateOf(in.Now), thai.DateStyle{Abbrev: true}),
		thai.FormatTime(in.Now, thai.ThaiDigits))
	fmt.Fprintf(w, "%d open tasks, %d due within %d working days, %d overdue, %d unread notifications\n",
		in.Counts.Tasks, in.Counts.DueSoon, in.DueSoonDays, in.Counts.Overdue, in.Counts.Unread)
	section := func(title string, items []storage.InboxItem, total int) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s\n", title)
		for _, it := range items {
			fmt.Fprintln(w, "  "+inboxLine(it))
		}
		if total > len(items) {
			fmt.Fprintf(w, "  … and %d more\n", total-len(items))
		}
	}
	section("OVERDUE", in.Overdue, in.Counts.Overdue)
	section("DUE SOON", in.DueSoon, in.Counts.DueSoon)
	section("TASKS", in.Tasks, in.Counts.Tasks)
	if len(in.Unread) > 0 {
		fmt.Fprintln(w, "\nUNREAD")
		for _, n := range in.Unread {
			fmt.Fprintf(w, "  #%d %s %s [%s] %s\n", n.ID, n.CreatedAt.Format("2006-01-02"), n.CreatedAt.Format("15:04"), n.Kind, n.Title)
		}
		if in.Counts.Unread > len(in.Unread) {
			fmt.Fprintf(w, "  … and %d older\n", in.Counts.Unread-len(in.Unread))
		}
	}
}

func inboxLine(it storage.InboxItem) string {
	var parts []string
	if it.Kind == "task" {
		parts = append(parts, fmt.Sprintf("task %d", it.TaskID))
	} else {
		parts = append(parts, "letter (no task yet)")
	}
	if u := urgencyThai[it.Urgency]; u != "" {
		parts = append(parts, u)
	}
	parts = append(parts, strings.TrimSpace(it.DocNumber+" "+it.Subject))
	if p := purposeThai[it.Purpose]; p != "" {
		parts = append(parts, p)
	}
	if it.Unit != "" {
		parts = append(parts, "unit "+it.Unit)
	}
	if it.For != "" {
		parts = append(parts, "for "+it.For)
	}
	if it.Due != nil {
		due := "due " + thai.FormatDate(thai.DateOf(*it.Due), thai.DateStyle{Abbrev: true})
		if !calendar.IsWholeDay(*it.Due) {
			due += " " + thai.FormatTime(*it.Due, thai.ThaiDigits)
		}
		if left := it.WorkingDaysLeft; left != nil {
			switch {
			case it.Overdue && *left < 0:
				due += fmt.Sprintf(" (%d working days late)", -*left)
			case it.Overdue:
				due += " (late)"
			case *left == 0:
				due += " (today)"
			default:
				due += fmt.Sprintf(" (%d working days left)", *left)
			}
		}
		parts = append(parts, due)
	}
	parts = append(parts, "letter "+it.LetterID)
	return strings.Join(parts, " — ")
}
