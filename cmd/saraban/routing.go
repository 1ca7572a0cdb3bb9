package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/routing"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/workflows"
)

// routingCommands are the `letter` subcommands that act on a letter (issue 3).
func routingCommands() []*cli.Command {
	as := &cli.StringFlag{Name: "as", Required: true, Usage: "the person in whose name the operator acts (recorded as such in the audit log)"}
	note := func(required bool) cli.Flag {
		return &cli.StringFlag{Name: "note", Required: required, Usage: "text (เกษียน, การปฏิบัติ, …)"}
	}
	reqID := &cli.StringFlag{Name: "request-id", Usage: "idempotency key: the same key twice applies the action once (default: new)"}
	task := &cli.Int64Flag{Name: "task", Usage: "which task (default: the person's only open task on the letter)"}
	to := &cli.StringSliceFlag{Name: "to", Required: true, Usage: "unit codes or person ids (repeat or separate with commas)"}
	due := &cli.StringFlag{Name: "due", Usage: "due date, or date and time (Thai or ISO)"}
	cmds := []*cli.Command{
		actionCommand("annotate", "annotate (เกษียน) a letter", []cli.Flag{note(true)}, nil),
		actionCommand("order", "order (สั่งการ): assign to units or people with a purpose", []cli.Flag{to,
			&cli.StringFlag{Name: "purpose", Required: true, Usage: "inform|consider|act|circulate (เพื่อทราบ|เพื่อพิจารณา|เพื่อดำเนินการ|แจ้งเวียน)"}, due, note(false)},
			func(c *cli.Context, db *storage.DB, a *workflows.Action) error {
				var err error
				if a.Assignees, err = assignees(c, db); err != nil {
					return err
				}
				if a.Purpose, err = storage.ParsePurpose(c.String("purpose")); err != nil {
					return err
				}
				a.Due, err = parseDue(c.String("due"))
				return err
			}),
		actionCommand("ack", "acknowledge (รับทราบ) a task", []cli.Flag{task, note(false)}, taskArg),
		actionCommand("report", "report the action taken (การปฏิบัติ) and finish a task", []cli.Flag{task, note(true)}, taskArg),
		actionCommand("return", "return a task to the one who gave it", []cli.Flag{task, note(false)}, taskArg),
		actionCommand("reassign", "give a task to other units or people", []cli.Flag{task, to, due, note(false)},
			func(c *cli.Context, db *storage.DB, a *workflows.Action) error {
				var err error
				a.TaskID = c.Int64("task")
				if a.Assignees, err = assignees(c, db); err != nil {
					return err
				}
				a.Due, err = parseDue(c.String("due"))
				return err
			}),
		actionCommand("forward", "forward copies down the hierarchy: each unit receives its own copy, number and stamp",
			[]cli.Flag{&cli.StringSliceFlag{Name: "to", Required: true, Usage: "unit codes"},
				&cli.StringFlag{Name: "purpose", Usage: "give each unit a task: inform|consider|act|circulate"}, due, note(false)},
			func(c *cli.Context, db *storage.DB, a *workflows.Action) error {
				a.Units = splitList(c.StringSlice("to"))
				if p := c.String("purpose"); p != "" {
					var err error
					if a.Purpose, err = storage.ParsePurpose(p); err != nil {
						return err
					}
				}
				var err error
				a.Due, err = parseDue(c.String("due"))
				return err
			}),
		actionCommand("close", "close (เก็บ) a letter", []cli.Flag{&cli.StringFlag{Name: "retention", Usage: "retention class (e.g. 1y, 5y, 10y, permanent)"}, note(false)},
			func(c *cli.Context, db *storage.DB, a *workflows.Action) error {
				a.Retention = c.String("retention")
				return nil
			}),
		actionCommand("deadline", "set, move or remove the letter's deadline", []cli.Flag{due, &cli.BoolFlag{Name: "clear", Usage: "remove the deadline"}, note(false)},
			func(c *cli.Context, db *storage.DB, a *workflows.Action) error {
				var err error
				a.Clear = c.Bool("clear")
				a.Due, err = parseDue(c.String("due"))
				if a.Due == nil && !a.Clear {
					return errors.New("give --due DATE, or --clear to remove the deadline")
				}
				return err
			}),
		{
			Name: "timeline", Usage: "everything that happened to a letter", ArgsUsage: "LETTER_ID", Flags: []cli.Flag{jsonFlag()},
			Action: func(c *cli.Context) error {
				return withDB(c, func(ctx context.Context, db *storage.DB) error {
					items, err := db.Timeline(ctx, c.Args().First())
					if err != nil {
						return fail(c, err)
					}
					if c.Bool("json") {
						return printJSON(c, items)
					}
					for _, it := range items {
						fmt.Fprintf(c.App.Writer, "%s  %-9s %s %s %s\n", it.At.Format("2006-01-02 15:04"), it.Kind, it.Actor,
							strings.Join(it.Capacity, " / "), it.Note)
					}
					return nil
				})
			},
		},
		{
			Name: "lineage", Usage: "where a letter came from and where its copies went", ArgsUsage: "LETTER_ID", Flags: []cli.Flag{jsonFlag()},
			Action: func(c *cli.Context) error {
				return withDB(c, func(ctx context.Context, db *storage.DB) error {
					lin, err := db.LetterLineage(ctx, c.Args().First())
					if err != nil {
						return fail(c, err)
					}
					if c.Bool("json") {
						return printJSON(c, lin)
					}
					for i := len(lin.Sources) - 1; i >= 0; i-- {
						s := lin.Sources[i]
						fmt.Fprintf(c.App.Writer, "from %s %s %d/%d\n", s.LetterID, s.Register, s.Number, s.Year)
					}
					var show func(n *storage.LineageNode, depth int)
					show = func(n *storage.LineageNode, depth int) {
						fmt.Fprintf(c.App.Writer, "%s%s %s %d/%d\n", strings.Repeat("  ", depth), n.LetterID, n.Register, n.Number, n.Year)
						for _, k := range n.Copies {
							show(k, depth+1)
						}
					}
					show(lin.Letter, 0)
					return nil
				})
			},
		},
	}
	for _, c := range cmds[:8] {
		c.Flags = append(c.Flags, as, reqID, jsonFlag())
	}
	return cmds
}

func taskArg(c *cli.Context, db *storage.DB, a *workflows.Action) error {
	a.TaskID = c.Int64("task")
	return nil
}

func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// assignees turns --to values into units or people, by looking them up.
func assignees(c *cli.Context, db *storage.DB) ([]workflows.Assignee, error) {
	var out []workflows.Assignee
	for _, v := range splitList(c.StringSlice("to")) {
		var isUnit, isPerson bool
		if err := db.Pool.QueryRow(c.Context, `SELECT EXISTS(SELECT 1 FROM units WHERE code = $1), EXISTS(SELECT 1 FROM people WHERE id = $1)`, v).Scan(&isUnit, &isPerson); err != nil {
			return nil, err
		}
		switch {
		case isUnit:
			out = append(out, workflows.Assignee{Unit: v})
		case isPerson:
			out = append(out, workflows.Assignee{Person: v})
		default:
			return nil, fmt.Errorf("--to %s: no unit or person has that code (see `saraban org show`)", v)
		}
	}
	return out, nil
}

func parseDue(s string) (*time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	t, err := thai.ParseDateTime(s)
	var wm *thai.WeekdayMismatchError
	if err != nil && !errors.As(err, &wm) {
		return nil, fmt.Errorf("--due: %v", err)
	}
	return &t, nil
}

// actionCommand builds one acting subcommand: LETTER_ID, --as PERSON, the action's own flags.
func actionCommand(kind, usage string, flags []cli.Flag, fill func(*cli.Context, *storage.DB, *workflows.Action) error) *cli.Command {
	return &cli.Command{
		Name: kind, Usage: usage, ArgsUsage: "LETTER_ID", Flags: flags,
		Action: func(c *cli.Context) error {
			id := c.Args().First()
			if id == "" {
				return usageError("letter %s: give the letter id", kind)
			}
			return withDB(c, func(ctx context.Context, db *storage.DB) error {
				if _, err := db.GetPerson(ctx, c.String("as")); err != nil {
					return fail(c, fmt.Errorf("--as %s: %w", c.String("as"), err))
				}
				a := workflows.Action{Kind: kind, Actor: c.String("as"), Operator: operator(), RequestID: c.String("request-id"), Note: c.String("note")}
				if a.RequestID == "" {
					a.RequestID = uuid.NewString()
				}
				if fill != nil {
					if err := fill(c, db, &a); err != nil {
						return fail(c, err)
					}
				}
				tc, err := temporalClient(c)
				if err != nil {
					return fail(c, err)
				}
				defer tc.Close()
				rc := &routing.Client{Temporal: tc, TaskQueue: c.String("task-queue")}
				res, err := rc.Act(ctx, id, a)
				if err != nil {
					return fail(c, err)
				}
				if c.Bool("json") {
					return printJSON(c, res)
				}
				fmt.Fprintf(c.App.Writer, "%s recorded (action %d) in the capacity of: %s\n", kind, res.ActionID, strings.Join(res.Capacity, " / "))
				if len(res.TaskIDs) > 0 {
					fmt.Fprintf(c.App.Writer, "tasks: %v\n", res.TaskIDs)
				}
				return nil
			})
		},
	}
}
