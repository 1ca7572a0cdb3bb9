package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/notify"
	"github.com/saraban/saraban/storage"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "webhook",
		Usage: "outside endpoints that receive notifications as POSTs signed with HMAC-SHA256",
		Subcommands: []*cli.Command{
			{
				Name:  "add",
				Usage: "register an endpoint (X-Saraban-Signature: sha256=<hex HMAC of the body with the secret>)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "url", Required: true, Usage: "https:// URL that receives the POSTs"},
					&cli.StringFlag{Name: "secret-file", Usage: "file holding the shared secret (at least 16 characters)"},
					&cli.StringFlag{Name: "secret", Usage: "the shared secret itself (visible in the process list: prefer --secret-file)"},
					&cli.StringSliceFlag{Name: "events", Usage: "only these kinds, e.g. reminder,due,escalation (default: every kind)"},
					jsonFlag(),
				},
				Action: webhookAdd,
			},
			{
				Name:   "list",
				Usage:  "list the endpoints with their pending and failed deliveries (never the secrets)",
				Flags:  []cli.Flag{jsonFlag()},
				Action: webhookList,
			},
			{
				Name:      "remove",
				Usage:     "remove an endpoint; its pending deliveries are given up",
				ArgsUsage: "ID",
				Flags:     []cli.Flag{jsonFlag()},
				Action:    webhookRemove,
			},
		},
	})
}

func webhookAdd(c *cli.Context) error {
	secret, err := webhookSecret(c)
	if err != nil {
		return err
	}
	var events []string
	for _, e := range c.StringSlice("events") {
		events = append(events, strings.Split(e, ",")...)
	}
	if _, err := storage.CheckWebhook(c.String("url"), secret, events); err != nil {
		return notifyFailure(c, invalidError{err})
	}
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		w, err := db.AddWebhook(ctx, c.String("url"), secret, events, operatorActor())
		if err != nil {
			return notifyFailure(c, err)
		}
		if c.Bool("json") {
			return printJSON(c, w)
		}
		fmt.Fprintf(c.App.Writer, "webhook %d added: %s (%s)\n", w.ID, w.URL, eventsText(w.Events))
		fmt.Fprintf(c.App.Writer, "each POST carries %s: sha256=<hex HMAC-SHA256 of the body with the secret> and %s: <delivery id>\n",
			notify.HeaderSignature, notify.HeaderDelivery)
		return nil
	})
}

// webhookSecret reads the secret from exactly one of --secret-file and --secret.
func webhookSecret(c *cli.Context) (string, error) {
	file, inline := c.String("secret-file"), c.String("secret")
	switch {
	case file != "" && inline != "":
		return "", usageError("give the secret once: --secret-file FILE or --secret S, not both")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", notifyFailure(c, fmt.Errorf("--secret-file: %w", err))
		}
		s := strings.TrimRight(string(b), "\r\n")
		if strings.TrimSpace(s) == "" {
			return "", notifyFailure(c, invalidError{fmt.Errorf("--secret-file %s is empty", file)})
		}
		return s, nil
	case inline != "":
		return inline, nil
	}
	return "", usageError("webhook add needs a secret: --secret-file FILE (or --secret S)")
}

func eventsText(events []string) string {
	if len(events) == 0 {
		return "every kind"
	}
	return strings.Join(events, ",")
}

func webhookList(c *cli.Context) error {
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		hs, err := db.Webhooks(ctx)
		if err != nil {
			return notifyFailure(c, err)
		}
		if c.Bool("json") {
			if hs == nil {
				hs = []storage.Webhook{}
			}
			return printJSON(c, hs)
		}
		if len(hs) == 0 {
			fmt.Fprintln(c.App.Writer, "no webhooks: add one with saraban webhook add --url URL --secret-file FILE")
			return nil
		}
		tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tURL\tEVENTS\tACTIVE\tPENDING\tFAILED")
		for _, w := range hs {
			active := "yes"
			if !w.Active {
				active = "no (disabled)"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\n", w.ID, w.URL, eventsText(w.Events), active, w.Pending, w.Failed)
		}
		return tw.Flush()
	})
}

func webhookRemove(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageError("webhook remove needs the webhook's ID (see saraban webhook list)")
	}
	id, err := strconv.ParseInt(c.Args().First(), 10, 64)
	if err != nil || id <= 0 {
		return usageError("webhook remove %s: the ID is a number (see saraban webhook list)", c.Args().First())
	}
	return withDB(c, func(ctx context.Context, db *storage.DB) error {
		if err := db.RemoveWebhook(ctx, id, operatorActor()); err != nil {
			return notifyFailure(c, err)
		}
		if c.Bool("json") {
			return printJSON(c, map[string]any{"id": id, "removed": true})
		}
		fmt.Fprintf(c.App.Writer, "webhook %d removed\n", id)
		return nil
	})
}

// notifyFlags configure the notification deliverer that `saraban worker` and `saraban dev`
// run (newDeliverer). Webhooks need no flags: they are in the database (saraban webhook add).
func notifyFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "smtp-addr", EnvVars: envs("SMTP_ADDR"), Usage: "SMTP server host:port for e-mail notifications (empty: no e-mail is sent; e-mail deliveries wait)"},
		&cli.StringFlag{Name: "smtp-from", EnvVars: envs("SMTP_FROM"), Usage: `sender of notification e-mail, e.g. "ระบบสารบรรณ <saraban@agency.go.th>"`},
		&cli.StringFlag{Name: "smtp-user", EnvVars: envs("SMTP_USER"), Usage: "user name for SMTP AUTH (sent only over STARTTLS or to this machine)"},
		&cli.StringFlag{Name: "smtp-password-file", EnvVars: envs("SMTP_PASSWORD_FILE"), Usage: "file holding the SMTP password"},
		&cli.BoolFlag{Name: "smtp-require-tls", EnvVars: envs("SMTP_REQUIRE_TLS"), Usage: "refuse to send e-mail to a server that does not offer STARTTLS"},
		&cli.IntFlag{Name: "notify-max-attempts", Value: notify.DefaultMaxAttempts, EnvVars: envs("NOTIFY_MAX_ATTEMPTS"), Usage: "tries per e-mail or webhook delivery before it is given up"},
	}
}

// newDeliverer builds the notification deliverer from notifyFlags. Run it with d.Run(ctx)
// beside the dispatcher; any number of processes may run one.
func newDeliverer(c *cli.Context, db *storage.DB) (*notify.Deliverer, error) {
	d := &notify.Deliverer{DB: db, MaxAttempts: c.Int("notify-max-attempts"), HTTP: notify.DefaultHTTPClient()}
	addr := strings.TrimSpace(c.String("smtp-addr"))
	if addr == "" {
		return d, nil
	}
	m := &notify.Mailer{Addr: addr, From: c.String("smtp-from"), Username: c.String("smtp-user"), RequireTLS: c.Bool("smtp-require-tls")}
	if f := c.String("smtp-password-file"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--smtp-password-file: %w", err)
		}
		m.Password = strings.TrimRight(string(b), "\r\n")
	}
	if strings.TrimSpace(m.From) == "" {
		return nil, usageError("--smtp-addr is set but --smtp-from is not: give the sender of notification e-mail (SARABAN_SMTP_FROM)")
	}
	if err := m.Check(); err != nil {
		return nil, usageError("%v", err)
	}
	d.Mailer = m
	return d, nil
}
