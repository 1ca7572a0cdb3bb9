package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/api"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/viewer"
)

func init() {
	commands = append(commands, receiveCommand(), letterCommand())
}

func receiveCommand() *cli.Command {
	return &cli.Command{
		Name:      "receive",
		Usage:     "register an incoming letter: number, store, stamp",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "register", Aliases: []string{"r"}, Required: true, Usage: "receive register code"},
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Required: true, Usage: "the letter as a PDF"},
			&cli.StringFlag{Name: "doc-number", Usage: "the letter's number as printed (ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗)"},
			&cli.StringFlag{Name: "doc-date", Usage: "the letter's date (๗ ต.ค. ๒๕๖๗, 7 ตุลาคม 2567 or 2024-10-07)"},
			&cli.StringFlag{Name: "from", Usage: "sender (จาก)"},
			&cli.StringFlag{Name: "to", Usage: "addressee (ถึง/เรียน)"},
			&cli.StringFlag{Name: "subject", Usage: "subject (เรื่อง)"},
			&cli.StringFlag{Name: "urgency", Usage: "normal, urgent, very_urgent, most_urgent (or ด่วน, ด่วนมาก, ด่วนที่สุด)"},
			&cli.StringFlag{Name: "secrecy", Usage: "normal, confidential, secret (or ลับ, ลับมาก)"},
			&cli.StringFlag{Name: "deadline", Usage: "reply or act by (a date, or date and time)"},
			&cli.StringFlag{Name: "note", Usage: "remark (หมายเหตุ)"},
			&cli.BoolFlag{Name: "allow-duplicate", Usage: "register the same PDF again in the same register"},
			&cli.BoolFlag{Name: "auto", Usage: "read the letter and fill the fields left empty (never those typed)"},
			autoAcceptFlag(),
			&cli.BoolFlag{Name: "wait-stamp", Usage: "wait until the worker has drawn the receive stamp"},
			&cli.DurationFlag{Name: "wait-timeout", Value: 30 * time.Second},
			maxSizeFlag(),
			fileKeysFlag(),
			jsonFlag(),
		},
		Action: func(c *cli.Context) error {
			data, err := os.ReadFile(c.String("file"))
			if err != nil {
				return fail(c, fmt.Errorf("read the letter: %w", err))
			}
			db, err := openDB(c)
			if err != nil {
				return fail(c, err)
			}
			defer db.Close()
			blobs, err := openVault(c)
			if err != nil {
				return fail(c, err)
			}
			svc := newIntake(c, db, blobs)
			rec, err := svc.Receive(c.Context, intake.Request{
				Register: c.String("register"), PDF: data, DocNumber: c.String("doc-number"), DocDate: c.String("doc-date"),
				From: c.String("from"), To: c.String("to"), Subject: c.String("subject"), Urgency: c.String("urgency"),
				Secrecy: c.String("secrecy"), Deadline: c.String("deadline"), Note: c.String("note"),
				Actor: operator(), AllowDuplicate: c.Bool("allow-duplicate"), Auto: c.Bool("auto"),
			})
			if err != nil {
				return fail(c, err)
			}
			out := receiptOut{Receipt: rec}
			if c.Bool("wait-stamp") {
				rev, err := waitStamp(c.Context, db, rec.LetterID, rec.EntryID, c.Duration("wait-timeout"))
				if err != nil {
					return fail(c, err)
				}
				out.StampedSHA256 = rev.SHA256
			}
			if c.Bool("json") {
				return printJSON(c, out)
			}
			fmt.Fprintf(c.App.Writer, "received: %s number %s/%s at %s (letter %s)\n", rec.Register,
				thai.ToThaiDigits(fmt.Sprint(rec.Number)), thai.ToThaiDigits(fmt.Sprint(rec.Year)),
				rec.ReceivedAt.Format(time.RFC3339), rec.LetterID)
			for _, w := range rec.Warnings {
				fmt.Fprintln(c.App.ErrWriter, "warning:", w)
			}
			if p := rec.Proposal; p != nil {
				for k, v := range p.Filled {
					fmt.Fprintf(c.App.Writer, "  read from the letter: %s = %s\n", k, v)
				}
				for _, f := range p.Flags {
					fmt.Fprintf(c.App.ErrWriter, "check: %s\n", f.Message)
				}
				if p.Unread != "" {
					fmt.Fprintln(c.App.ErrWriter, "not read:", p.Unread)
				}
			}
			return nil
		},
	}
}

type receiptOut struct {
	intake.Receipt
	StampedSHA256 string `json:"stamped_sha256,omitempty"`
}

// waitStamp polls until the entry's stamped revision exists.
func waitStamp(ctx context.Context, db *storage.DB, letterID string, entryID int64, timeout time.Duration) (storage.Revision, error) {
	deadline := time.Now().Add(timeout)
	for {
		revs, err := db.Revisions(ctx, letterID)
		if err != nil {
			return storage.Revision{}, err
		}
		for _, r := range revs {
			if r.Kind == "stamped" && r.EntryID != nil && *r.EntryID == entryID {
				return r, nil
			}
		}
		if time.Now().After(deadline) {
			return storage.Revision{}, fmt.Errorf("the letter is registered, but its stamp was not drawn within %s: is the worker running (`saraban worker` or `make run`) and Temporal up (`make status`)? It will be drawn when they are", timeout)
		}
		select {
		case <-ctx.Done():
			return storage.Revision{}, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func letterCommand() *cli.Command {
	return &cli.Command{
		Name:  "letter",
		Usage: "look at registered letters and act on them",
		Subcommands: append(routingCommands(), []*cli.Command{
			{
				Name: "show", Usage: "a letter with its receipts and revisions", ArgsUsage: "LETTER_ID",
				Flags: []cli.Flag{jsonFlag()},
				Action: func(c *cli.Context) error {
					id := c.Args().First()
					if id == "" {
						return usageError("letter show: give the letter id")
					}
					return withDB(c, func(ctx context.Context, db *storage.DB) error {
						l, err := db.GetLetter(ctx, id)
						if err != nil {
							return fail(c, err)
						}
						if c.Bool("json") {
							return printJSON(c, l)
						}
						w := c.App.Writer
						fmt.Fprintf(w, "letter %s  %s  stage %s\n", l.ID, l.Status, l.Stage)
						fmt.Fprintf(w, "  %s  ลงวันที่ %s\n  เรื่อง %s\n", l.DocNumberRaw, l.DocDateISO, l.Subject)
						for _, e := range l.Entries {
							fmt.Fprintf(w, "  receipt %s %d/%d at %s by %s (%s) stamped=%v\n", e.Register, e.Number, e.Year,
								e.ReceivedAt.Format(time.RFC3339), e.ReceivedBy, e.Status, e.Stamped)
						}
						for _, r := range l.Revisions {
							fmt.Fprintf(w, "  revision %d %-8s %s %d bytes\n", r.Seq, r.Kind, r.SHA256, r.Size)
						}
						return nil
					})
				},
			},
			{
				Name: "pdf", Usage: "write one revision of a letter to a file", ArgsUsage: "LETTER_ID",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "revision", Value: "latest", Usage: "original, stamped, latest or a number"},
					&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "file to write (- for standard output)"},
					fileKeysFlag(),
				},
				Action: func(c *cli.Context) error {
					id := c.Args().First()
					if id == "" {
						return usageError("letter pdf: give the letter id")
					}
					return withDB(c, func(ctx context.Context, db *storage.DB) error {
						l, err := db.GetLetter(ctx, id)
						if err != nil {
							return fail(c, err)
						}
						rev, err := api.PickRevision(l.Revisions, c.String("revision"))
						if err != nil {
							return fail(c, err)
						}
						blobs, err := openVault(c)
						if err != nil {
							return fail(c, err)
						}
						// Through the viewer: a classified letter's copy carries the operator's
						// name on every page, and every copy taken is audited.
						data, err := newViewer(db, blobs).OpenRevision(ctx, l, rev, viewer.Who{Person: operator(), Via: "cli"})
						if err != nil {
							return fail(c, err)
						}
						if c.String("out") == "-" {
							_, err = c.App.Writer.Write(data)
							return err
						}
						return os.WriteFile(c.String("out"), data, 0o644)
					})
				},
			},
			{
				Name: "receive", Usage: "receive a registered letter into another register (the next unit down)", ArgsUsage: "LETTER_ID",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "register", Aliases: []string{"r"}, Required: true},
					&cli.StringFlag{Name: "note"},
					&cli.BoolFlag{Name: "wait-stamp"},
					&cli.DurationFlag{Name: "wait-timeout", Value: 30 * time.Second},
					jsonFlag(),
				},
				Action: func(c *cli.Context) error {
					id := c.Args().First()
					if id == "" {
						return usageError("letter receive: give the letter id")
					}
					return withDB(c, func(ctx context.Context, db *storage.DB) error {
						rec, err := db.ReceiveAgain(ctx, storage.ReceiveAgainParams{LetterID: id, Register: c.String("register"),
							Actor: operator(), Note: c.String("note")})
						if err != nil {
							var dup *storage.DuplicateError
							if errors.As(err, &dup) {
								return fail(c, fmt.Errorf("the letter is already in register %s as number %d/%d", dup.Register, dup.Number, dup.Year))
							}
							return fail(c, err)
						}
						out := map[string]any{"letter_id": rec.LetterID, "entry_id": rec.EntryID, "register": rec.Register,
							"year": rec.Year, "number": rec.Number, "received_at": rec.ReceivedAt}
						if c.Bool("wait-stamp") {
							rev, err := waitStamp(ctx, db, rec.LetterID, rec.EntryID, c.Duration("wait-timeout"))
							if err != nil {
								return fail(c, err)
							}
							out["stamped_sha256"] = rev.SHA256
						}
						if c.Bool("json") {
							return printJSON(c, out)
						}
						fmt.Fprintf(c.App.Writer, "received: %s number %d/%d\n", rec.Register, rec.Number, rec.Year)
						return nil
					})
				},
			},
		}...),
	}
}
