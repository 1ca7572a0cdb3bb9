package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/org"
	"github.com/saraban/saraban/storage"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "org",
		Usage: "the organisation: agency, units, people and their positions, registers (docs/org.md)",
		Subcommands: []*cli.Command{
			{
				Name:      "import",
				Usage:     "load an organisation YAML file into the database (idempotent; prints what changed)",
				ArgsUsage: "FILE",
				Flags:     []cli.Flag{jsonFlag()},
				Action:    orgImport,
			},
			{
				Name:      "validate",
				Usage:     "check an organisation YAML file without touching the database",
				ArgsUsage: "FILE",
				Flags:     []cli.Flag{jsonFlag()},
				Action:    orgValidate,
			},
			{
				Name:   "show",
				Usage:  "print the unit tree with each unit's people and registers",
				Flags:  []cli.Flag{jsonFlag()},
				Action: orgShow,
			},
		},
	})
}

// registerListCommand is `saraban register list`; the top-level register command that
// includes it lives in register.go.
func registerListCommand() *cli.Command {
	return &cli.Command{
		Name:   "list",
		Usage:  "list the registers: code, unit, kind (receive/send), series, central",
		Flags:  []cli.Flag{jsonFlag()},
		Action: registerList,
	}
}

// operatorActor names the person at the terminal in audit rows.
func operatorActor() string {
	if u := os.Getenv("USER"); u != "" {
		return "operator:" + u
	}
	return "operator"
}

// orgFailure reports err (one line, or the list of a file's problems) and returns the exit
// error. With --json it prints only {"error": {"kind", "message"[, "problems"]}}, on stderr
// like the other commands' errors.
func orgFailure(c *cli.Context, err error) error {
	kind := "internal"
	var ve *org.ValidationError
	switch {
	case errors.As(err, &ve):
		kind = "invalid"
	case errors.Is(err, storage.ErrNotFound):
		kind = "not_found"
	case errors.Is(err, storage.ErrForbidden):
		kind = "forbidden"
	case errors.Is(err, storage.ErrConflict):
		kind = "conflict"
	case errors.Is(err, os.ErrNotExist):
		kind = "not_found"
	}
	if c.Bool("json") {
		e := map[string]any{"kind": kind, "message": err.Error()}
		if ve != nil {
			e["problems"] = ve.Problems
		}
		if perr := printJSONTo(c.App.ErrWriter, map[string]any{"error": e}); perr != nil {
			return perr
		}
		return exitError{code: 1}
	}
	return exitError{code: 1, msg: err.Error()}
}

// loadOrgFile reads, parses and validates the FILE argument.
func loadOrgFile(c *cli.Context) (string, *org.File, error) {
	if c.NArg() != 1 {
		name := "org " + c.Command.Name
		return "", nil, usageError("%s needs one FILE argument, e.g. saraban %s deploy/demo/agency.yaml", name, name)
	}
	path := c.Args().First()
	f, err := org.Load(path)
	if err != nil {
		return path, nil, orgFailure(c, err)
	}
	if err := f.Validate(); err != nil {
		return path, nil, orgFailure(c, fmt.Errorf("%s: %w", path, err))
	}
	return path, f, nil
}

func orgValidate(c *cli.Context) error {
	path, f, err := loadOrgFile(c)
	if err != nil {
		return err
	}
	people := 0
	for _, p := range f.People {
		people += len(p.Positions)
	}
	if c.Bool("json") {
		return printJSON(c, map[string]any{"file": path, "valid": true, "agency": f.Agency.Code,
			"units": len(f.Units), "people": len(f.People), "positions": people, "registers": len(f.Registers)})
	}
	fmt.Fprintf(c.App.Writer, "%s is valid: agency %s, %d units, %d people (%d positions), %d registers\n",
		path, f.Agency.Code, len(f.Units), len(f.People), people, len(f.Registers))
	return nil
}

func orgImport(c *cli.Context) error {
	path, f, err := loadOrgFile(c)
	if err != nil {
		return err
	}
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		res, err := db.ImportOrg(ctx, f, operatorActor())
		if err != nil {
			return orgFailure(c, err)
		}
		if c.Bool("json") {
			return printJSON(c, struct {
				File    string `json:"file"`
				Changed bool   `json:"changed"`
				storage.ImportResult
			}{path, res.Changed(), res})
		}
		printImport(c.App.Writer, path, f.Agency.Code, res)
		return nil
	})
}

func printImport(w io.Writer, path, agency string, res storage.ImportResult) {
	if res.Changed() {
		fmt.Fprintf(w, "imported %s (agency %s; audit row %d)\n\n", path, agency, res.AuditID)
	} else {
		fmt.Fprintf(w, "nothing changed: the database already matches %s (agency %s)\n\n", path, agency)
	}
	fmt.Fprintf(w, "%-10s %8s %8s %9s %8s %12s\n", "", "inserted", "updated", "unchanged", "removed", "not in file")
	for _, k := range []struct {
		name string
		c    storage.ImportCounts
	}{{"agency", res.Agency}, {"units", res.Units}, {"people", res.People}, {"positions", res.Positions}, {"registers", res.Registers}} {
		fmt.Fprintf(w, "%-10s %8d %8d %9d %8d %12d\n", k.name, k.c.Inserted, k.c.Updated, k.c.Unchanged, k.c.Removed, len(k.c.NotInFile))
	}
	var lines []string
	for _, ch := range res.Changes {
		if ch.Action == "inserted" && res.Units.Inserted+res.People.Inserted+res.Registers.Inserted > 10 {
			continue // a first import: the counts say it
		}
		line := fmt.Sprintf("  %s %s %s", ch.Action, ch.Kind, ch.Key)
		if len(ch.Fields) > 0 {
			line += " (" + strings.Join(ch.Fields, ", ") + ")"
		}
		lines = append(lines, line)
	}
	if len(lines) > 0 {
		fmt.Fprintln(w, "\nchanges:")
		fmt.Fprintln(w, strings.Join(lines, "\n"))
	}
	for _, k := range []struct {
		name  string
		items []string
	}{{"units", res.Units.NotInFile}, {"people", res.People.NotInFile}, {"registers", res.Registers.NotInFile}, {"agencies", res.Agency.NotInFile}} {
		if len(k.items) > 0 {
			fmt.Fprintf(w, "\nkept, not in the file (%s): %s\n", k.name, strings.Join(k.items, ", "))
		}
	}
}

func orgShow(c *cli.Context) error {
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		o, err := db.OrgSnapshot(ctx)
		if err != nil {
			return orgFailure(c, err)
		}
		if c.Bool("json") {
			if o.Units == nil {
				o.Units = []storage.Unit{}
			}
			if o.People == nil {
				o.People = []storage.Person{}
			}
			return printJSON(c, o)
		}
		printOrgTree(c.App.Writer, o)
		return nil
	})
}

// printOrgTree writes the unit tree; under each unit its people (the head first) and its
// registers.
func printOrgTree(w io.Writer, o storage.Org) {
	if o.Agency.Code == "" && len(o.Units) == 0 {
		fmt.Fprintln(w, "no organisation yet: load one with saraban org import FILE (e.g. deploy/demo/agency.yaml)")
		return
	}
	fmt.Fprintf(w, "%s [%s]", o.Agency.Name, o.Agency.Code)
	if o.Agency.Letters != "" {
		fmt.Fprintf(w, " อักษรย่อ %s", o.Agency.Letters)
	}
	fmt.Fprintln(w)
	type member struct {
		p storage.Person
		q storage.Position
	}
	members := map[string][]member{}
	var unplaced []storage.Person
	for _, p := range o.People {
		if len(p.Positions) == 0 {
			unplaced = append(unplaced, p)
		}
		for _, q := range p.Positions {
			members[q.UnitCode] = append(members[q.UnitCode], member{p, q})
		}
	}
	rank := map[string]int{org.RoleHead: 0, org.RoleDeputy: 1, org.RoleClerk: 2, org.RoleAdmin: 3, org.RoleStaff: 4}
	regs := map[string][]storage.Register{}
	for _, r := range o.Registers {
		regs[r.UnitCode] = append(regs[r.UnitCode], r)
	}
	for _, u := range o.Units {
		ind := strings.Repeat("    ", u.Depth)
		fmt.Fprintf(w, "\n%s%s  %s", ind, u.Code, u.Name)
		var extra []string
		if u.ShortName != "" {
			extra = append(extra, u.ShortName)
		}
		if u.OwnerCode != "" {
			extra = append(extra, "owner "+u.OwnerCode)
		}
		if len(extra) > 0 {
			fmt.Fprintf(w, "  (%s)", strings.Join(extra, ", "))
		}
		fmt.Fprintln(w)
		if u.Head == nil {
			fmt.Fprintf(w, "%s  head: none\n", ind)
		}
		ms := members[u.Code]
		sort.SliceStable(ms, func(i, j int) bool {
			a, b := ms[i], ms[j]
			if a.q.IsHead != b.q.IsHead {
				return a.q.IsHead
			}
			return rank[a.q.Role] < rank[b.q.Role]
		})
		for _, m := range ms {
			label := m.q.Role
			if m.q.IsHead {
				label = "head"
			}
			state := ""
			if !m.p.Active {
				state = " (inactive)"
			}
			fmt.Fprintf(w, "%s  %-7s %s [%s] — %s%s\n", ind, label+":", m.p.Name, m.p.ID, m.q.Title, state)
		}
		for _, r := range regs[u.Code] {
			central := ""
			if r.Central {
				central = ", central"
			}
			fmt.Fprintf(w, "%s  register %s (%s, %s%s): %s\n", ind, r.Code, r.Kind, strings.Join(r.Series, "+"), central, r.Name)
		}
	}
	if len(unplaced) > 0 {
		fmt.Fprintln(w, "\npeople without a position:")
		for _, p := range unplaced {
			fmt.Fprintf(w, "  %s [%s]\n", p.Name, p.ID)
		}
	}
}

func registerList(c *cli.Context) error {
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		rs, err := db.ListRegisters(ctx)
		if err != nil {
			return orgFailure(c, err)
		}
		if c.Bool("json") {
			return printJSON(c, rs)
		}
		if len(rs) == 0 {
			fmt.Fprintln(c.App.Writer, "no registers yet: load the organisation with saraban org import FILE")
			return nil
		}
		tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CODE\tUNIT\tKIND\tSERIES\tCENTRAL\tNAME")
		for _, r := range rs {
			central := "-"
			if r.Central {
				central = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Code, r.UnitCode, r.Kind, strings.Join(r.Series, ","), central, r.Name)
		}
		return tw.Flush()
	})
}
