package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/manifest"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "register",
		Usage: "registers (ทะเบียนหนังสือรับ/ส่ง): list, export, cancel an entry",
		Subcommands: []*cli.Command{
			registerListCommand(),
			{
				Name:  "export",
				Usage: "export a register book of one year (receive: manifest columns; send: SendColumns, the normal series then ว), in number order",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "register", Aliases: []string{"r"}, Required: true},
					&cli.StringFlag{Name: "year", Usage: "Buddhist Era year (Thai or Arabic digits); default: this year"},
					&cli.StringFlag{Name: "format", Value: "csv", Usage: "csv or jsonl (JSON Lines, one object per row with the same keys)"},
					&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Value: "-", Usage: "file to write (- for standard output)"},
				},
				Action: registerExport,
			},
			{
				Name:  "cancel",
				Usage: "cancel an entry: the number stays taken and the entry is marked ยกเลิก",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "register", Aliases: []string{"r"}, Required: true},
					&cli.StringFlag{Name: "year", Required: true, Usage: "Buddhist Era year"},
					&cli.StringFlag{Name: "number", Required: true},
					&cli.StringFlag{Name: "reason", Required: true},
					jsonFlag(),
				},
				Action: func(c *cli.Context) error {
					year, err := thai.ParseNumber(c.String("year"))
					if err != nil {
						return usageError("register cancel: --year: %v", err)
					}
					num, err := thai.ParseNumber(c.String("number"))
					if err != nil {
						return usageError("register cancel: --number: %v", err)
					}
					return withDB(c, func(ctx context.Context, db *storage.DB) error {
						if err := db.CancelEntry(ctx, c.String("register"), year, num, c.String("reason"), operator()); err != nil {
							return fail(c, err)
						}
						if c.Bool("json") {
							return printJSON(c, map[string]any{"register": c.String("register"), "year": year, "number": num, "status": "cancelled"})
						}
						fmt.Fprintf(c.App.Writer, "cancelled %s %d/%d (the number stays taken)\n", c.String("register"), num, year)
						return nil
					})
				},
			},
		},
	})
	commands = append(commands, auditCommand(), tokenCommand())
}

func auditCommand() *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "the audit log",
		Subcommands: []*cli.Command{{
			Name:  "verify",
			Usage: "recompute the hash chain and name the first broken row",
			Flags: []cli.Flag{jsonFlag()},
			Action: func(c *cli.Context) error {
				return withDB(c, func(ctx context.Context, db *storage.DB) error {
					rep, err := db.VerifyAudit(ctx)
					if err != nil {
						return fail(c, err)
					}
					if c.Bool("json") {
						if err := printJSON(c, rep); err != nil {
							return err
						}
					} else if rep.OK {
						fmt.Fprintf(c.App.Writer, "audit log intact: %d rows, last hash %s\n", rep.Rows, rep.LastHash)
					}
					if !rep.OK {
						return exitError{code: 1, msg: "audit log broken at row " + fmt.Sprint(rep.BrokenID) + ": " + rep.Problem}
					}
					return nil
				})
			},
		}},
	}
}

func tokenCommand() *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "API tokens (tied to a person; stored only as hashes)",
		Subcommands: []*cli.Command{
			{
				Name: "create", Usage: "make a token for a person; it is shown once",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "person", Aliases: []string{"p"}, Required: true},
					&cli.StringFlag{Name: "name", Usage: "what the token is for"},
					jsonFlag(),
				},
				Action: func(c *cli.Context) error {
					return withDB(c, func(ctx context.Context, db *storage.DB) error {
						id, tok, err := db.CreateToken(ctx, c.String("person"), c.String("name"), operator())
						if err != nil {
							return fail(c, err)
						}
						if c.Bool("json") {
							return printJSON(c, map[string]any{"id": id, "person": c.String("person"), "token": tok})
						}
						fmt.Fprintln(c.App.Writer, tok)
						return nil
					})
				},
			},
			{
				Name: "revoke", Usage: "end a token", ArgsUsage: "TOKEN_ID",
				Action: func(c *cli.Context) error {
					var id int64
					if _, err := fmt.Sscan(c.Args().First(), &id); err != nil {
						return usageError("token revoke: give the token id")
					}
					return withDB(c, func(ctx context.Context, db *storage.DB) error {
						if err := db.RevokeToken(ctx, id, operator()); err != nil {
							return fail(c, err)
						}
						return nil
					})
				},
			},
		},
	}
}

func registerExport(c *cli.Context) error {
	format := c.String("format")
	if format != "csv" && format != "jsonl" {
		return usageError("register export: --format csv or jsonl")
	}
	year := thai.BEYear(nowFunc())
	if y := c.String("year"); y != "" {
		n, err := thai.ParseNumber(y)
		if err != nil || n < 2400 {
			return usageError("register export: --year is a Buddhist Era year such as 2567 or ๒๕๖๗")
		}
		year = n
	}
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		kind, err := db.RegisterKind(ctx, c.String("register"))
		if err != nil {
			return fail(c, err)
		}
		w := c.App.Writer
		var f *os.File
		if out := c.String("out"); out != "-" {
			if f, err = os.Create(out + ".partial"); err != nil {
				return fail(c, err)
			}
			defer os.Remove(out + ".partial")
			defer f.Close()
			w = f
		}
		columns := manifest.Columns
		if kind == "send" {
			columns = storage.SendColumns
		}
		rw := newRowWriter(w, format, columns)
		if kind == "send" {
			err = db.ExportSendRegister(ctx, c.String("register"), year, func(r storage.SendRow) error { return rw.write(r.Fields()) })
		} else {
			err = db.ExportRegister(ctx, c.String("register"), year, func(r manifest.Row) error { return rw.write(r.Fields()) })
		}
		if err != nil {
			return fail(c, err)
		}
		if err := rw.close(); err != nil {
			return fail(c, err)
		}
		if f != nil {
			if err := f.Close(); err != nil {
				return fail(c, err)
			}
			return os.Rename(c.String("out")+".partial", c.String("out"))
		}
		return nil
	})
}

// rowWriter writes register rows as CSV (a header line, then the rows: for a receive register
// the same bytes as manifest.CSVWriter, which backfill reads back) or as JSON Lines (one object
// per row, keys in column order, as backfill also reads).
type rowWriter struct {
	csv     *csv.Writer
	w       io.Writer
	columns []string
	header  bool
}

func newRowWriter(w io.Writer, format string, columns []string) *rowWriter {
	rw := &rowWriter{w: w, columns: columns}
	if format == "csv" {
		rw.csv = csv.NewWriter(w)
	}
	return rw
}

func (rw *rowWriter) write(fields []string) error {
	if rw.csv != nil {
		if !rw.header {
			rw.header = true
			if err := rw.csv.Write(rw.columns); err != nil {
				return err
			}
		}
		return rw.csv.Write(fields)
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range rw.columns {
		if i > 0 {
			b.WriteByte(',')
		}
		kj, _ := json.Marshal(k)
		vj, _ := json.Marshal(fields[i])
		b.Write(kj)
		b.WriteByte(':')
		b.Write(vj)
	}
	b.WriteString("}\n")
	_, err := rw.w.Write(b.Bytes())
	return err
}

func (rw *rowWriter) close() error {
	if rw.csv == nil {
		return nil
	}
	if !rw.header {
		rw.header = true
		if err := rw.csv.Write(rw.columns); err != nil {
			return err
		}
	}
	rw.csv.Flush()
	return rw.csv.Error()
}
