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
	"github.com/saraban/saraban/pdfdoc"
	"github.com/saraban/saraban/routing"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/storage/objects"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/worker"
)

var nowFunc = time.Now

func init() {
	commands = append(commands,
		&cli.Command{
			Name:   "serve",
			Usage:  "serve the HTTP API and run the outbox dispatcher",
			Flags:  append(serveFlags(), maxSizeFlag(), autoAcceptFlag()),
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
			Flags:  append(append(append(serveFlags(), workerFlags()...), maxSizeFlag(), autoAcceptFlag()), notifyFlags()...),
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
		&cli.StringFlag{Name: "sign-keys", EnvVars: envs("SIGN_KEYS"), Usage: "folder of signing keys: <person>.p12 with <person>.pass (make demo keys with `saraban keys demo`)"},
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
	blobs, err := openObjects(c)
	if err != nil {
		return err
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
		srv := &api.Server{Store: db, Blobs: blobs, Intake: newIntake(c, db, blobs), MaxSize: c.Int64("max-pdf-size"), Log: log,
			Actor: &routing.Client{Temporal: tc, TaskQueue: c.String("task-queue")}, Routing: db, Inbox: db}
		ln, err := net.Listen("tcp", c.String("listen"))
		if err != nil {
			return fmt.Errorf("listen on %s: %w (is another saraban running? choose another with --listen)", c.String("listen"), err)
		}
		hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
		fmt.Fprintf(c.App.Writer, "saraban: API on http://%s/api (health: /api/health)\n", ln.Addr())
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

func newActivities(c *cli.Context, db *storage.DB, blobs *objects.Store) (*activities.Activities, error) {
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
	return &activities.Activities{Store: db, Blobs: blobs, Font: font, Digits: digits, Router: db, Policy: &policy, SignKeys: keys,
		WorkWeekends: c.Bool("work-weekends"), Reading: db, Read: func(ctx context.Context, pdf []byte) (extract.Result, error) {
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
