package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/google/uuid"
	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/activities"
	"github.com/saraban/saraban/domain"
	"github.com/saraban/saraban/routing"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/viewer"
	"github.com/saraban/saraban/workflows"
)

func init() {
	commands = append(commands, outgoingCommand(), keysCommand())
}

// outgoingCommand is `saraban outgoing`: outgoing letters from draft to dispatch (issue 4, item 5).
func outgoingCommand() *cli.Command {
	as := &cli.StringFlag{Name: "as", Required: true, Usage: "the person who acts"}
	reqID := &cli.StringFlag{Name: "request-id", Usage: "idempotency key: the same key twice applies the step once (default: new)"}
	note := &cli.StringFlag{Name: "note", Usage: "comments"}
	file := func(usage string) cli.Flag { return &cli.StringFlag{Name: "file", Usage: usage} }
	step := func(kind, usage string, flags ...cli.Flag) *cli.Command {
		return &cli.Command{Name: kind, Usage: usage, ArgsUsage: "ID", Flags: append(flags, as, reqID, note, fileKeysFlag(), jsonFlag()),
			Action: func(c *cli.Context) error { return outgoingStep(c, kind) }}
	}
	return &cli.Command{
		Name: "outgoing", Aliases: []string{"out"}, Usage: "outgoing letters (หนังสือส่ง): review, sign, number and dispatch",
		Subcommands: []*cli.Command{
			{
				Name: "create", Usage: "store a draft and start its review",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "register", Required: true, Usage: "send register code (e.g. LAND-SEND)"},
					&cli.StringFlag{Name: "file", Required: true, Usage: "the draft PDF"},
					&cli.StringFlag{Name: "subject", Required: true, Usage: "เรื่อง"},
					&cli.StringSliceFlag{Name: "to", Required: true, Usage: "unit codes of this installation or e-mail addresses (repeat or separate with commas)"},
					&cli.BoolFlag{Name: "circular", Usage: "a circular (หนังสือเวียน): numbered /ว in its own series"},
					&cli.StringFlag{Name: "signer", Required: true, Usage: "the person the letter is to be signed by"},
					&cli.StringSliceFlag{Name: "reviewers", Usage: "reviewers, in order (comma separated)"},
					&cli.BoolFlag{Name: "parallel", Usage: "reviewers review at the same time, in any order"},
					&cli.StringFlag{Name: "urgency", Value: "normal", Usage: "normal|urgent|very_urgent|most_urgent"},
					&cli.StringFlag{Name: "secrecy", Value: "normal", Usage: "normal|confidential|secret (ลับที่สุด is never handled here); classified drafts are sealed (--file-keys)"},
					as, fileKeysFlag(), jsonFlag(),
				},
				Action: outgoingCreate,
			},
			step("approve", "approve the draft (reviewer)"),
			step("return", "return the draft with comments (reviewer); it goes on only when resubmitted", file("a corrected draft PDF")),
			step("resubmit", "submit a new draft after a return", file("the new draft PDF (required)")),
			step("sign", "sign: the send number is stamped, then the letter signed with the signer's key on the worker and dispatched"),
			outgoingResendCommand(),
			{
				Name: "show", Usage: "an outgoing letter: status, number, revisions, steps, deliveries", ArgsUsage: "ID",
				Flags: []cli.Flag{&cli.StringFlag{Name: "as", Usage: "the person who asks"}, jsonFlag()},
				Action: func(c *cli.Context) error {
					return withDB(c, func(ctx context.Context, db *storage.DB) error {
						o, err := db.GetOutgoing(ctx, c.Args().First())
						if err != nil {
							return fail(c, err)
						}
						if c.Bool("json") {
							return printJSON(c, o)
						}
						printOutgoing(c, o)
						return nil
					})
				},
			},
		},
	}
}

func printOutgoing(c *cli.Context, o storage.Outgoing) {
	w := c.App.Writer
	fmt.Fprintf(w, "%s  %s  [%s]\n", o.ID, o.Subject, o.Status)
	if o.DocNumber != "" {
		fmt.Fprintf(w, "ที่ %s (%s %s %d/%d)\n", o.DocNumber, o.Register, o.Series, o.Number, o.Year)
	}
	if o.SignedBy != "" {
		fmt.Fprintf(w, "signed by %s: %s\n", o.SignedBy, strings.Join(o.SignedCapacity, " / "))
	}
	for _, r := range o.Revisions {
		fmt.Fprintf(w, "  rev %d %-8s %s\n", r.Seq, r.Kind, r.SHA256)
	}
	for _, s := range o.Steps {
		fmt.Fprintf(w, "  round %d %-8s %s %s\n", s.Round, s.Kind, s.Actor, s.Note)
	}
	for _, d := range o.Deliveries {
		fmt.Fprintf(w, "  → %s (%s) %s %s %d/%d\n", d.Recipient, d.Kind, d.Status, d.Register, d.Number, d.Year)
	}
}

func outgoingCreate(c *cli.Context) error {
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		pdf, err := os.ReadFile(c.String("file"))
		if err != nil {
			return fail(c, err)
		}
		// ลับที่สุด never enters the system: refuse it before anything is stored.
		if sec, err := domain.ParseSecrecy(c.String("secrecy")); err != nil {
			return fail(c, fmt.Errorf("--secrecy: %w", err))
		} else if sec == domain.TopSecret {
			return fail(c, fmt.Errorf("a ลับที่สุด (top secret) letter never goes through the electronic system: %w", storage.ErrForbidden))
		}
		blobs, err := openVault(c)
		if err != nil {
			return fail(c, err)
		}
		// A classified draft is sealed at rest like a classified incoming letter (docs/files.md).
		key, digest, err := blobs.Put(ctx, pdf, viewer.Classified(c.String("secrecy")))
		if err != nil {
			return fail(c, err)
		}
		var to []storage.Recipient
		for _, v := range splitList(c.StringSlice("to")) {
			if strings.Contains(v, "@") {
				to = append(to, storage.Recipient{Email: v})
			} else {
				to = append(to, storage.Recipient{Unit: v})
			}
		}
		o, err := db.CreateOutgoing(ctx, storage.NewOutgoing{
			Register: c.String("register"), Circular: c.Bool("circular"), Subject: c.String("subject"), Recipients: to,
			Signer: c.String("signer"), Reviewers: splitList(c.StringSlice("reviewers")), Parallel: c.Bool("parallel"),
			Urgency: c.String("urgency"), Secrecy: c.String("secrecy"), CreatedBy: c.String("as"),
			DraftSHA: digest, DraftKey: key, DraftSize: int64(len(pdf)),
		})
		if err != nil {
			return fail(c, err)
		}
		tc, err := temporalClient(c)
		if err != nil {
			return fail(c, err)
		}
		defer tc.Close()
		rc := &routing.Client{Temporal: tc, TaskQueue: c.String("task-queue")}
		if err := rc.StartOutgoing(ctx, outgoingInput(o)); err != nil {
			return fail(c, fmt.Errorf("outgoing letter %s stored, but its workflow did not start (the next step starts it): %w", o.ID, err))
		}
		if c.Bool("json") {
			return printJSON(c, o)
		}
		fmt.Fprintf(c.App.Writer, "outgoing letter %s created (%s)\n", o.ID, o.Status)
		return nil
	})
}

func outgoingInput(o storage.Outgoing) workflows.OutgoingInput {
	return workflows.OutgoingInput{OutgoingID: o.ID, Creator: o.CreatedBy, Reviewers: o.Reviewers, Parallel: o.Parallel, Signer: o.Signer}
}

func outgoingStep(c *cli.Context, kind string) error {
	id := c.Args().First()
	if id == "" {
		return usageError("outgoing %s: give the outgoing letter's id", kind)
	}
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		if _, err := db.GetPerson(ctx, c.String("as")); err != nil {
			return fail(c, fmt.Errorf("--as %s: %w", c.String("as"), err))
		}
		o, err := db.GetOutgoing(ctx, id)
		if err != nil {
			return fail(c, err)
		}
		a := workflows.OutgoingAction{Kind: kind, Actor: c.String("as"), RequestID: c.String("request-id"), Note: c.String("note")}
		if a.RequestID == "" {
			a.RequestID = uuid.NewString()
		}
		if f := c.String("file"); f != "" {
			pdf, err := os.ReadFile(f)
			if err != nil {
				return fail(c, err)
			}
			blobs, err := openVault(c)
			if err != nil {
				return fail(c, err)
			}
			key, digest, err := blobs.Put(ctx, pdf, viewer.Classified(o.Secrecy))
			if err != nil {
				return fail(c, err)
			}
			a.Draft = &workflows.DraftRef{SHA256: digest, ObjectKey: key, Size: int64(len(pdf))}
		}
		tc, err := temporalClient(c)
		if err != nil {
			return fail(c, err)
		}
		defer tc.Close()
		rc := &routing.Client{Temporal: tc, TaskQueue: c.String("task-queue")}
		res, err := rc.ActOutgoing(ctx, outgoingInput(o), a)
		if err != nil {
			return fail(c, err)
		}
		if c.Bool("json") {
			return printJSON(c, res)
		}
		switch {
		case res.DocNumber != "":
			fmt.Fprintf(c.App.Writer, "signed by %s as ที่ %s (%s); dispatch follows\n", res.SignedBy, res.DocNumber, strings.Join(res.Capacity, " / "))
		case len(res.Pending) > 0:
			fmt.Fprintf(c.App.Writer, "%s recorded; round %d, waiting for %s\n", kind, res.Round, strings.Join(res.Pending, ", "))
		default:
			fmt.Fprintf(c.App.Writer, "%s recorded; the letter is at %s\n", kind, res.Stage)
		}
		return nil
	})
}

// keysCommand is `saraban keys demo`: throw-away signing keys for the demo organisation.
func keysCommand() *cli.Command {
	return &cli.Command{
		Name: "keys", Usage: "signing keys and the key file that seals classified letters' files",
		Subcommands: []*cli.Command{{
			Name: "demo", Usage: "make a throw-away CA and one PKCS#12 key per person of the organisation (idempotent; never for real use)",
			Flags: []cli.Flag{&cli.StringFlag{Name: "dir", Value: ".state/keys", Usage: "the key folder (give it to the worker as --sign-keys / SARABAN_SIGN_KEYS)"}, jsonFlag()},
			Action: func(c *cli.Context) error {
				return withDB(c, func(ctx context.Context, db *storage.DB) error {
					rows, err := db.Pool.Query(ctx, `SELECT id, name FROM people WHERE active ORDER BY id`)
					if err != nil {
						return fail(c, err)
					}
					people := map[string]string{}
					for rows.Next() {
						var id, name string
						if err := rows.Scan(&id, &name); err != nil {
							return fail(c, err)
						}
						people[id] = name
					}
					if err := rows.Err(); err != nil {
						return fail(c, err)
					}
					made, err := activities.MakeDemoKeys(c.String("dir"), people)
					if err != nil {
						return fail(c, err)
					}
					if c.Bool("json") {
						return printJSON(c, map[string]any{"dir": c.String("dir"), "made": made, "people": len(people)})
					}
					fmt.Fprintf(c.App.Writer, "%d new keys in %s (%d people); trust root: %s/ca.pem\n", len(made), c.String("dir"), len(people), c.String("dir"))
					return nil
				})
			},
		}, keysFilesCommand()},
	}
}

// outgoingResendCommand is `saraban outgoing resend ID`: the operator sends a dispatched letter
// again to the e-mail addresses that have not received it (pending for want of an SMTP server
// at dispatch, or given up after their tries).
func outgoingResendCommand() *cli.Command {
	return &cli.Command{
		Name: "resend", Usage: "send a dispatched letter again to its e-mail addresses that have not received it", ArgsUsage: "ID",
		Flags: append(append(notifyFlags(),
			&cli.StringFlag{Name: "outgoing-mail-from", EnvVars: envs("OUTGOING_MAIL_FROM"), Usage: "sender of the letter's e-mail (default: --smtp-from)"}),
			fileKeysFlag(), jsonFlag()),
		Action: func(c *cli.Context) error {
			id := c.Args().First()
			if id == "" {
				return usageError("outgoing resend: give the outgoing letter's id")
			}
			return withDB(c, func(ctx context.Context, db *storage.DB) error {
				d, err := newDeliverer(c, db)
				if err != nil {
					return fail(c, err)
				}
				if d.Mailer == nil {
					return usageError("outgoing resend: give the SMTP server: --smtp-addr HOST:PORT --smtp-from ADDRESS")
				}
				sender := *d.Mailer
				if from := c.String("outgoing-mail-from"); from != "" {
					sender.From = from
				}
				blobs, err := openVault(c)
				if err != nil {
					return fail(c, err)
				}
				acts := &activities.Activities{Store: db, Blobs: blobs, Mail: &activities.OutgoingMail{Sender: &sender}}
				res, err := acts.ResendOutgoingMail(ctx, id)
				if err != nil {
					return fail(c, err)
				}
				if c.Bool("json") {
					if res == nil {
						res = []activities.ResendResult{}
					}
					return printJSON(c, res)
				}
				if len(res) == 0 {
					fmt.Fprintln(c.App.Writer, "every e-mail address has received it already")
				}
				failed := 0
				for _, r := range res {
					fmt.Fprintf(c.App.Writer, "%-40s %s %s\n", r.Address, r.Status, r.Error)
					if r.Status != "delivered" {
						failed++
					}
				}
				if failed > 0 {
					return exitError{code: 1, msg: fmt.Sprintf("%d address(es) still not reached", failed)}
				}
				return nil
			})
		},
	}
}
