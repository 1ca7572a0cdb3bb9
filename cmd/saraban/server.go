package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sync/errgroup"

	"github.com/saraban/saraban/activities"
	"github.com/saraban/saraban/api"
	"github.com/saraban/saraban/calendar"
	"github.com/saraban/saraban/dispatch"
	"github.com/saraban/saraban/extract"
	"github.com/saraban/saraban/notify"
	"github.com/saraban/saraban/pdfdoc"
	"github.com/saraban/saraban/routing"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/worker"
)

var nowFunc = time.Now

func init() {
	commands = append(commands,
		&cli.Command{
			Name:   "serve",
			Usage:  "serve the HTTP API and run the outbox dispatcher",
			Flags:  append(append(serveFlags(), maxSizeFlag(), autoAcceptFlag(), fileKeysFlag()), webFlags()...),
			Action: func(c *cli.Context) error { return runParts(c, true, false) },
		},
		&cli.Command{
			Name:   "worker",
			Usage:  "run the Temporal worker (workflows and activities) and the outbox dispatcher",
			Flags:  append(workerFlags(), notifyFlags()...),
			Action: func(c *cli.Context) error { return runParts(c, false, true) },
		},
		&cli.Command{
			Name:   "dev",
			Usage:  "serve the API and run the worker in one process, for a laptop",
			Flags:  append(append(append(append(serveFlags(), workerFlags()...), maxSizeFlag(), autoAcceptFlag()), notifyFlags()...), webFlags()...),
			Action: func(c *cli.Context) error { return runParts(c, true, true) },
		},
	)
}

func serveFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "listen", Value: "127.0.0.1:8080", EnvVars: envs("LISTEN"), Usage: "address to serve HTTP on"},
	}
}

func workerFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "stamp-font", EnvVars: envs("STAMP_FONT"), Usage: "TrueType font for stamps (default: Laksaman from fonts-thai-tlwg-ttf)"},
		&cli.StringFlag{Name: "stamp-digits", Value: "thai", EnvVars: envs("STAMP_DIGITS"), Usage: "digits on stamps: thai or arabic"},
		&cli.IntFlag{Name: "dispatch-parallel", Value: 16, EnvVars: envs("DISPATCH_PARALLEL")},
		&cli.StringFlag{Name: "remind-before", Value: "3,1", EnvVars: envs("REMIND_BEFORE"), Usage: "reminders, in working days before a deadline"},
		&cli.BoolFlag{Name: "remind-on-day", Value: true, EnvVars: envs("REMIND_ON_DAY"), Usage: "a reminder on the day of the deadline"},
		&cli.StringFlag{Name: "remind-at", Value: "08:30", EnvVars: envs("REMIND_AT"), Usage: "Bangkok time of day reminders fire"},
		&cli.IntFlag{Name: "escalate-after", Value: 2, EnvVars: envs("ESCALATE_AFTER"), Usage: "working days overdue before escalating to the assigner's superior (0: never)"},
		&cli.IntFlag{Name: "escalate-every", Value: 2, EnvVars: envs("ESCALATE_EVERY"), Usage: "working days between escalations"},
		&cli.BoolFlag{Name: "work-weekends", EnvVars: envs("WORK_WEEKENDS"), Usage: "count Saturdays and Sundays as working days"},
		fileKeysFlag(),
		&cli.StringFlag{Name: "sign-keys", EnvVars: envs("SIGN_KEYS"), Usage: "folder of signing keys: <person>.p12 with <person>.pass (make demo keys with `saraban keys demo`)"},
		&cli.StringFlag{Name: "outgoing-mail-from", EnvVars: envs("OUTGOING_MAIL_FROM"), Usage: `sender of signed outgoing letters sent by e-mail, e.g. the agency's central address "สารบรรณกลาง <saraban@agency.go.th>" (default: --smtp-from; the SMTP server is --smtp-addr)`},
		&cli.IntFlag{Name: "outgoing-mail-attempts", Value: notify.DefaultMaxAttempts, EnvVars: envs("OUTGOING_MAIL_ATTEMPTS"), Usage: "tries per address of a signed outgoing letter before its e-mail is given up as failed"},
	}
}

func runParts(c *cli.Context, serve, work bool) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx := c.Context
	db, err := openDB(c)
	if err != nil {
		return err
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); err != nil {
		return err
	} else if v < storage.LatestVersion() {
		return fmt.Errorf("the database schema is at version %d, this binary needs %d: run `saraban migrate`", v, storage.LatestVersion())
	}
	blobs, err := openVault(c)
	if err != nil {
		return err
	}
	if !blobs.CanSeal() {
		log.Warn("no file keys (--file-keys, SARABAN_FILE_KEYS): classified letters (ลับ, ลับมาก) will be refused")
	}
	tc, err := temporalClient(c)
	if err != nil {
		return err
	}
	defer tc.Close()

	g, ctx := errgroup.WithContext(ctx)
	// Every process that can take receipts also dispatches: the outbox is shared safely
	// (rows are claimed with SKIP LOCKED), so more processes only deliver faster.
	g.Go(func() error {
		d := &dispatch.Dispatcher{DB: db, Temporal: tc, TaskQueue: c.String("task-queue"), Parallel: c.Int("dispatch-parallel"), Log: log}
		return d.Run(ctx)
	})
	if work {
		acts, err := newActivities(c, db, blobs)
		if err != nil {
			return err
		}
		g.Go(func() error { return worker.Run(ctx, tc, c.String("task-queue"), acts, log) })
		d, err := newDeliverer(c, db)
		if err != nil {
			return err
		}
		d.Log = log
		g.Go(func() error { return d.Run(ctx) })
	}
	if serve {
		in := newIntake(c, db, blobs)
		rc := &routing.Client{Temporal: tc, TaskQueue: c.String("task-queue")}
		files := newViewer(db, blobs)
		srv := &api.Server{Store: db, Blobs: blobs, Intake: in, Files: files, MaxSize: c.Int64("max-pdf-size"), Log: log,
			Actor: rc, Routing: db, Inbox: db}
		app, err := newWeb(c, db, in, rc, blobs, files, log)
		if err != nil {
			return err
		}
		srv.Policy = app.Policy // one set of rules for the API and the web application
		ln, err := net.Listen("tcp", c.String("listen"))
		if err != nil {
			return fmt.Errorf("listen on %s: %w (is another saraban running? choose another with --listen)", c.String("listen"), err)
		}
		hs := &http.Server{Handler: withAPI(srv.Handler(), app.Handler()), ReadHeaderTimeout: 10 * time.Second}
		fmt.Fprintf(c.App.Writer, "saraban: web application on http://%s/ and API on http://%s/api (health: /api/health)\n", ln.Addr(), ln.Addr())
		g.Go(func() error {
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
		g.Go(func() error {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return hs.Shutdown(sctx)
		})
	}
	if work {
		fmt.Fprintf(c.App.Writer, "saraban: worker on task queue %q at Temporal %s\n", c.String("task-queue"), c.String("temporal-address"))
	}
	return g.Wait()
}

func newActivities(c *cli.Context, db *storage.DB, blobs activities.Blobs) (*activities.Activities, error) {
	path := c.String("stamp-font")
	if path == "" {
		p, err := pdfdoc.DefaultFontPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	font, err := pdfdoc.LoadFont(path)
	if err != nil {
		return nil, err
	}
	digits, err := thai.ParseDigits(c.String("stamp-digits"))
	if err != nil {
		return nil, fmt.Errorf("--stamp-digits: %w", err)
	}
	policy, err := reminderPolicy(c)
	if err != nil {
		return nil, err
	}
	var keys activities.SignKeys
	if dir := c.String("sign-keys"); dir != "" {
		keys = activities.KeyDir(dir)
	}
	// Signed outgoing letters reach e-mail recipients through the SMTP server of the
	// notifications (notifyFlags, checked by newDeliverer), with their own sender if
	// --outgoing-mail-from is set. Without --smtp-addr their deliveries wait, pending.
	mail := &activities.OutgoingMail{MaxAttempts: c.Int("outgoing-mail-attempts")}
	if mail.MaxAttempts < 1 {
		return nil, usageError("--outgoing-mail-attempts: at least 1")
	}
	d, err := newDeliverer(c, db)
	if err != nil {
		return nil, err
	}
	if d.Mailer != nil {
		sender := *d.Mailer
		if from := c.String("outgoing-mail-from"); from != "" {
			sender.From = from
			if err := sender.Check(); err != nil {
				return nil, usageError("--outgoing-mail-from: %v", err)
			}
		}
		mail.Sender = &sender
	}
	return &activities.Activities{Store: db, Blobs: blobs, Font: font, Digits: digits, Router: db, Policy: &policy, SignKeys: keys,
		Mail: mail, WorkWeekends: c.Bool("work-weekends"), Reading: db, Read: func(ctx context.Context, pdf []byte) (extract.Result, error) {
			return extract.PDF(ctx, pdf, extract.Options{OCR: extract.OCRAuto, Registry: db})
		}}, nil
}

// reminderPolicy reads the reminder flags.
func reminderPolicy(c *cli.Context) (calendar.Policy, error) {
	p := calendar.DefaultPolicy()
	p.BeforeDays = nil
	for _, v := range splitList([]string{c.String("remind-before")}) {
		n, err := thai.ParseNumber(v)
		if err != nil {
			return p, fmt.Errorf("--remind-before: %q is not a number of working days", v)
		}
		p.BeforeDays = append(p.BeforeDays, n)
	}
	p.OnDay = c.Bool("remind-on-day")
	h, m, err := thai.ParseTime(c.String("remind-at"))
	if err != nil {
		return p, fmt.Errorf("--remind-at: %w", err)
	}
	p.At = calendar.TimeOfDay{Hour: h, Min: m}
	p.EscalateAfter, p.EscalateEvery = c.Int("escalate-after"), c.Int("escalate-every")
	return p, p.Validate()
}
