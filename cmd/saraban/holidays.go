package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "holidays",
		Usage: "public holidays: the days deadlines, reminders and escalations skip (besides weekends)",
		Subcommands: []*cli.Command{
			{
				Name:  "list",
				Usage: "list the holidays, of one year or all",
				Flags: []cli.Flag{
					&cli.IntFlag{Name: "year", Usage: "Buddhist Era year, e.g. 2569 (a Christian Era year such as 2026 is read too)"},
					jsonFlag(),
				},
				Action: holidaysList,
			},
			{
				Name:      "import",
				Usage:     "load a holidays file (deploy/holidays/2569.yaml): idempotent, audited",
				ArgsUsage: "FILE",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "prune", Usage: "also remove the holidays of the file's years that the file no longer lists (to correct a date)"},
					jsonFlag(),
				},
				Action: holidaysImport,
			},
		},
	})
}

// holidayOut is a holiday as `holidays list --json` prints it.
type holidayOut struct {
	Date      thai.Date `json:"date"`
	Weekday   string    `json:"weekday"`
	Name      string    `json:"name"`
	Estimated bool      `json:"estimated"`
}

// yearRange turns --year into the first and last day of that year (zero dates: every year).
func yearRange(year int) (from, to thai.Date, be int, err error) {
	switch {
	case year == 0:
		return thai.Date{}, thai.Date{}, 0, nil
	case year >= 2400 && year <= 2942:
		be = year
	case year >= 1900 && year < 2400:
		be = year + 543
	default:
		return from, to, 0, usageError("--year %d: give a Buddhist Era year such as 2569", year)
	}
	ce := be - 543
	return thai.Date{Year: ce, Month: time.January, Day: 1}, thai.Date{Year: ce, Month: time.December, Day: 31}, be, nil
}

func holidaysList(c *cli.Context) error {
	from, to, be, err := yearRange(c.Int("year"))
	if err != nil {
		return err
	}
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		hs, err := db.Holidays(ctx, from, to)
		if err != nil {
			return notifyFailure(c, err)
		}
		if c.Bool("json") {
			out := make([]holidayOut, 0, len(hs))
			for _, h := range hs {
				out = append(out, holidayOut{Date: h.Date, Weekday: h.Date.Weekday().String(), Name: h.Name, Estimated: h.Estimated})
			}
			return printJSON(c, out)
		}
		w := c.App.Writer
		if len(hs) == 0 {
			if be != 0 {
				fmt.Fprintf(w, "no holidays for %d: only weekends are skipped. Load them with saraban holidays import deploy/holidays/%d.yaml\n", be, be)
			} else {
				fmt.Fprintln(w, "no holidays loaded: only weekends are skipped. Load them with saraban holidays import deploy/holidays/2569.yaml")
			}
			return nil
		}
		// Thai text last: tabwriter counts the combining vowels and tone marks as columns.
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "DATE\tDAY\tEST\tNAME")
		estimated := 0
		for _, h := range hs {
			mark := ""
			if h.Estimated {
				mark = "*"
				estimated++
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s (วัน%sที่ %s)\n", h.Date, h.Date.Weekday().String()[:3], mark, h.Name,
				thai.WeekdayName(h.Date.Weekday()), thai.FormatDate(h.Date, thai.DateStyle{Abbrev: true}))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if estimated > 0 {
			fmt.Fprintf(w, "\n* %d estimated: confirm against the cabinet announcement, then edit the file and import it again\n", estimated)
		}
		return nil
	})
}

func holidaysImport(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageError("holidays import needs one FILE argument, e.g. saraban holidays import deploy/holidays/2569.yaml")
	}
	path := c.Args().First()
	hs, err := storage.LoadHolidays(path)
	if err != nil {
		return notifyFailure(c, err)
	}
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		res, err := db.SyncHolidays(ctx, hs, operatorActor(), c.Bool("prune"))
		if err != nil {
			return notifyFailure(c, err)
		}
		if c.Bool("json") {
			return printJSON(c, struct {
				File    string `json:"file"`
				Changed bool   `json:"changed"`
				storage.HolidayImport
			}{path, res.Changed(), res})
		}
		w := c.App.Writer
		years := make([]string, len(res.Years))
		for i, y := range res.Years {
			years[i] = fmt.Sprint(y)
		}
		if !res.Changed() {
			fmt.Fprintf(w, "nothing changed: the database already has the %d holidays of %s (year %s)\n", res.Unchanged, path, strings.Join(years, ", "))
			return nil
		}
		fmt.Fprintf(w, "imported %s (year %s): %d inserted, %d updated, %d unchanged, %d removed (audit row %d)\n",
			path, strings.Join(years, ", "), res.Inserted, res.Updated, res.Unchanged, res.Removed, res.AuditID)
		for _, ch := range res.Changes {
			line := fmt.Sprintf("  %-8s %s %s", ch.Action, ch.Date, ch.Name)
			if ch.Action == "updated" && ch.OldName != ch.Name {
				line += " (was " + ch.OldName + ")"
			}
			if ch.Estimated {
				line += " [estimated]"
			}
			fmt.Fprintln(w, line)
		}
		return nil
	})
}

// notifyFailure reports an error of the holidays, webhook and inbox commands: one line, or with
// --json {"error": {"kind", "message"[, "problems"]}} on stderr; exit 1.
func notifyFailure(c *cli.Context, err error) error {
	var ee exitError
	if errors.As(err, &ee) {
		return err
	}
	kind := "internal"
	var fe *storage.HolidayFileError
	switch {
	case errors.As(err, &fe):
		kind = "invalid"
	case errors.Is(err, storage.ErrNotFound), errors.Is(err, os.ErrNotExist):
		kind = "not_found"
	case errors.Is(err, storage.ErrConflict):
		kind = "conflict"
	case errors.Is(err, errInvalid):
		kind = "invalid"
	}
	if c.Bool("json") {
		e := map[string]any{"kind": kind, "message": err.Error()}
		if fe != nil {
			e["problems"] = fe.Problems
		}
		if perr := printJSONTo(c.App.ErrWriter, map[string]any{"error": e}); perr != nil {
			return perr
		}
		return exitError{code: 1}
	}
	return exitError{code: 1, msg: oneLine(err.Error())}
}

// errInvalid marks a refusal of what the operator gave (kind "invalid").
var errInvalid = errors.New("invalid")

type invalidError struct{ error }

func (e invalidError) Is(target error) bool { return target == errInvalid }
