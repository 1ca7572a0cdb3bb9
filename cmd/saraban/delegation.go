package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "delegation",
		Usage: "delegation: on behalf (ปฏิบัติราชการแทน) for named powers, acting (รักษาราชการแทน) for the post of an absent head",
		Subcommands: []*cli.Command{
			{
				Name:  "add",
				Usage: "record a delegation (refused when the delegator does not hold what they give, or it clashes with others)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "from", Required: true, Usage: "the delegator (for acting: the head whose post is taken over)"},
					&cli.StringFlag{Name: "to", Required: true, Usage: "the delegate: who acts"},
					&cli.StringFlag{Name: "kind", Required: true, Usage: "on_behalf (ปฏิบัติราชการแทน) or acting (รักษาราชการแทน)"},
					&cli.StringFlag{Name: "unit", Usage: "the unit (on behalf: the scope; acting: the post); default: the unit the delegator heads, else their first"},
					&cli.BoolFlag{Name: "inherit", Usage: "on behalf: the unit's sub-units too"},
					&cli.StringSliceFlag{Name: "powers", Usage: "on behalf: order, forward, close, sign, annotate (commas or repeated)"},
					&cli.StringFlag{Name: "start", Required: true, Usage: "first day (Thai or ISO: 14 ต.ค. 2567, 2024-10-14)"},
					&cli.StringFlag{Name: "end", Required: true, Usage: "last day, included"},
					&cli.StringFlag{Name: "title", Usage: "the delegate's post as the delegation order writes it (printed on capacity lines)"},
					&cli.StringFlag{Name: "note", Usage: "e.g. the delegation order: คำสั่งจังหวัดสงขลา ที่ ๑๒/๒๕๖๗"},
					&cli.BoolFlag{Name: "allow-past", Usage: "record a delegation whose period is already over (backfilling old letters)"},
					&cli.StringFlag{Name: "as", Usage: "record it in the name of this person (their right is checked; recorded as operator as person)"},
					jsonFlag(),
				},
				Action: delegationAdd,
			},
			{
				Name:  "list",
				Usage: "list current and future delegations (--all: also expired, ended and cancelled ones)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "person", Usage: "where this person is the delegator or the delegate"},
					&cli.StringFlag{Name: "unit", Usage: "that apply to this unit (its own and those inherited from above)"},
					&cli.StringFlag{Name: "on", Usage: "valid on this day"},
					&cli.BoolFlag{Name: "all", Usage: "also expired, ended and cancelled delegations"},
					jsonFlag(),
				},
				Action: delegationList,
			},
			{
				Name:      "show",
				Usage:     "show one delegation",
				ArgsUsage: "ID",
				Flags:     []cli.Flag{jsonFlag()},
				Action: func(c *cli.Context) error {
					id, err := delegationID(c)
					if err != nil {
						return err
					}
					return withDB(c, func(ctx context.Context, db *storage.DB) error {
						d, err := db.GetDelegation(ctx, id)
						if err != nil {
							return delegationFailure(c, err)
						}
						if c.Bool("json") {
							return printJSON(c, d)
						}
						printDelegation(c.App.Writer, d)
						return nil
					})
				},
			},
			{
				Name:      "end",
				Usage:     "end a delegation early: from --on (default today) it no longer applies; before its first day this cancels it",
				ArgsUsage: "ID",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "on", Usage: "the first day it no longer applies (default: today)"},
					&cli.StringFlag{Name: "as", Usage: "end it in the name of this person (their right is checked)"},
					jsonFlag(),
				},
				Action: delegationEnd,
			},
			{
				Name:  "check",
				Usage: "may a person use a power for a unit on a day? prints the capacity lines or why not",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "person", Required: true},
					&cli.StringFlag{Name: "power", Required: true, Usage: "order, forward, close, sign or annotate"},
					&cli.StringFlag{Name: "unit", Required: true},
					&cli.StringFlag{Name: "at", Usage: "day, or day and time (Thai or ISO); default: now"},
					jsonFlag(),
				},
				Action: delegationCheck,
			},
		},
	})
}

// parseDay reads a day given on the command line, Thai or ISO, or today / tomorrow (วันนี้,
// พรุ่งนี้) in Bangkok.
func parseDay(flag, s string) (thai.Date, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "today", "วันนี้":
		return thai.DateOf(time.Now()), nil
	case "tomorrow", "พรุ่งนี้":
		return thai.DateOf(time.Now().In(thai.Bangkok).AddDate(0, 0, 1)), nil
	}
	d, err := thai.ParseDate(strings.TrimSpace(s))
	if err != nil {
		return thai.Date{}, usageError("--%s %q: %v", flag, s, err)
	}
	return d, nil
}

func delegationID(c *cli.Context) (int64, error) {
	if c.NArg() != 1 {
		return 0, usageError("delegation %s needs the delegation's ID (saraban delegation list shows them)", c.Command.Name)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(c.Args().First(), "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usageError("delegation %s: %q is not a delegation ID (a number, e.g. 12)", c.Command.Name, c.Args().First())
	}
	return id, nil
}

// delegationActor is the operator, or "operator:NAME as PERSON" with --as once the person's
// right is checked.
func delegationActor(c *cli.Context, check func(person string) error) (string, error) {
	as := strings.TrimSpace(c.String("as"))
	if as == "" {
		return operator(), nil
	}
	if err := check(as); err != nil {
		return "", err
	}
	return operator() + " as " + as, nil
}

func delegationAdd(c *cli.Context) error {
	start, err := parseDay("start", c.String("start"))
	if err != nil {
		return err
	}
	end, err := parseDay("end", c.String("end"))
	if err != nil {
		return err
	}
	nd := storage.NewDelegation{
		Delegator: c.String("from"), Delegate: c.String("to"), Kind: c.String("kind"), Unit: c.String("unit"),
		Inherit: c.Bool("inherit"), Powers: c.StringSlice("powers"), StartsOn: start, EndsOn: end,
		Title: c.String("title"), Note: c.String("note"), AllowPast: c.Bool("allow-past"),
	}
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		actor, err := delegationActor(c, func(person string) error {
			return db.MayManageDelegation(ctx, person, nd.Delegator, nd.Kind, nd.Unit)
		})
		if err != nil {
			return delegationFailure(c, err)
		}
		d, err := db.AddDelegation(ctx, nd, actor)
		if err != nil {
			return delegationFailure(c, err)
		}
		if c.Bool("json") {
			return printJSON(c, d)
		}
		fmt.Fprintf(c.App.Writer, "recorded delegation %s\n", d.Summary())
		return nil
	})
}

func delegationList(c *cli.Context) error {
	f := storage.DelegationFilter{Person: c.String("person"), Unit: c.String("unit"), IncludeEnded: c.Bool("all")}
	if s := c.String("on"); s != "" {
		d, err := parseDay("on", s)
		if err != nil {
			return err
		}
		f.ActiveOn = &d
	}
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		ds, err := db.ListDelegations(ctx, f)
		if err != nil {
			return delegationFailure(c, err)
		}
		if c.Bool("json") {
			return printJSON(c, ds)
		}
		if len(ds) == 0 {
			fmt.Fprintln(c.App.Writer, "no delegations (--all also lists expired, ended and cancelled ones)")
			return nil
		}
		tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tKIND\tFROM\tTO\tUNIT\tPOWERS\tFIRST DAY\tLAST DAY\tNOTE")
		for _, d := range ds {
			unit := d.Unit
			if d.Inherit {
				unit += " +sub-units"
			}
			powers := strings.Join(d.Powers, ",")
			if d.Kind == storage.DelegationActing {
				powers = "(the post)"
			}
			last := d.LastDay.String()
			if d.Cancelled() {
				last = "cancelled"
			} else if d.EndedOn != nil {
				last += " (ended early; ordered to " + d.EndsOn.String() + ")"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Status, d.KindThai, d.Delegator, d.Delegate,
				unit, powers, d.StartsOn, last, d.Note)
		}
		return tw.Flush()
	})
}

func printDelegation(w io.Writer, d storage.Delegation) {
	fmt.Fprintf(w, "delegation #%d (%s)\n", d.ID, d.Status)
	fmt.Fprintf(w, "  from:      %s (%s)\n", d.Delegator, d.DelegatorName)
	fmt.Fprintf(w, "  to:        %s (%s)\n", d.Delegate, d.DelegateName)
	fmt.Fprintf(w, "  kind:      %s (%s)\n", d.Kind, d.KindThai)
	if d.Kind == storage.DelegationActing {
		fmt.Fprintf(w, "  post:      head of %s (%s)\n", d.Unit, d.UnitName)
	} else {
		sub := ""
		if d.Inherit {
			sub = " and its sub-units"
		}
		fmt.Fprintf(w, "  unit:      %s (%s)%s\n", d.Unit, d.UnitName, sub)
		fmt.Fprintf(w, "  powers:    %s\n", strings.Join(d.Powers, ", "))
	}
	fmt.Fprintf(w, "  period:    %s to %s\n", d.StartsOn, d.EndsOn)
	if d.EndedOn != nil {
		state := "last day " + d.LastDay.String()
		if d.Cancelled() {
			state = "cancelled"
		}
		fmt.Fprintf(w, "  ended:     from %s (%s), by %s at %s\n", d.EndedOn, state, d.EndedBy, d.EndedAt.In(thai.Bangkok).Format("2006-01-02 15:04"))
	}
	if d.Title != "" {
		fmt.Fprintf(w, "  printed:   %s %s\n", d.Title, d.KindThai)
	}
	if d.Note != "" {
		fmt.Fprintf(w, "  note:      %s\n", d.Note)
	}
	fmt.Fprintf(w, "  recorded:  by %s at %s\n", d.CreatedBy, d.CreatedAt.In(thai.Bangkok).Format("2006-01-02 15:04"))
}

func delegationEnd(c *cli.Context) error {
	id, err := delegationID(c)
	if err != nil {
		return err
	}
	var on thai.Date
	if s := c.String("on"); s != "" {
		if on, err = parseDay("on", s); err != nil {
			return err
		}
	}
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		actor, err := delegationActor(c, func(person string) error { return db.MayEndDelegation(ctx, person, id) })
		if err != nil {
			return delegationFailure(c, err)
		}
		d, err := db.EndDelegation(ctx, id, actor, on)
		if err != nil {
			return delegationFailure(c, err)
		}
		if c.Bool("json") {
			return printJSON(c, d)
		}
		if d.Cancelled() {
			fmt.Fprintf(c.App.Writer, "cancelled delegation #%d before its first day (%s)\n", d.ID, d.StartsOn)
		} else {
			fmt.Fprintf(c.App.Writer, "ended delegation #%d: its last day is %s (ordered to %s)\n", d.ID, d.LastDay, d.EndsOn)
		}
		return nil
	})
}

func delegationCheck(c *cli.Context) error {
	at := time.Now()
	if s := strings.TrimSpace(c.String("at")); s != "" {
		t, err := thai.ParseDateTime(s)
		if err != nil {
			return usageError("--at %q: %v", s, err)
		}
		if t.Equal(thai.DateOf(t).Time(thai.Bangkok)) {
			t = t.Add(12 * time.Hour) // a day alone: its middle, whatever the zone reads
		}
		at = t
	}
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		a, err := db.Resolve(ctx, c.String("person"), c.String("power"), c.String("unit"), at)
		if err != nil {
			return delegationFailure(c, err)
		}
		if c.Bool("json") {
			return printJSON(c, a)
		}
		w := c.App.Writer
		how := "in their own right"
		if len(a.Chain) > 0 {
			var ids []string
			for _, l := range a.Chain {
				ids = append(ids, fmt.Sprintf("#%d", l.Delegation))
			}
			how = fmt.Sprintf("%s (%s) through delegation %s", a.Kind, storage.CapacityWord[a.Kind], strings.Join(ids, ", "))
		}
		fmt.Fprintf(w, "%s may %s for %s on %s, %s:\n", a.Person, a.Power, a.Unit, a.On, how)
		fmt.Fprintf(w, "  (%s)\n", a.Name)
		for _, l := range a.CapacityLines {
			fmt.Fprintf(w, "  %s\n", l)
		}
		return nil
	})
}

// delegationFailure reports an error in one line (exit 1); with --json it prints
// {"error": {"kind", "code", "message"}} on stderr.
func delegationFailure(c *cli.Context, err error) error {
	var ee exitError
	if errors.As(err, &ee) {
		return err
	}
	kind, code := "internal", ""
	var de *storage.DelegationError
	switch {
	case errors.As(err, &de):
		code = de.Code
		kind = "invalid"
		if errors.Is(err, storage.ErrConflict) {
			kind = "conflict"
		} else if errors.Is(err, storage.ErrForbidden) {
			kind = "forbidden"
		}
	case errors.Is(err, storage.ErrForbidden):
		kind = "forbidden"
	case errors.Is(err, storage.ErrNotFound):
		kind = "not_found"
	case errors.Is(err, storage.ErrConflict):
		kind = "conflict"
	}
	if c.Bool("json") {
		body := map[string]string{"kind": kind, "message": err.Error()}
		if code != "" {
			body["code"] = code
		}
		if perr := printJSONTo(c.App.ErrWriter, map[string]any{"error": body}); perr != nil {
			return perr
		}
		return exitError{code: 1}
	}
	return exitError{code: 1, msg: oneLine(err.Error())}
}
