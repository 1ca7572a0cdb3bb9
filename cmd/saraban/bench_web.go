package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/bench"
	"github.com/saraban/saraban/routing"
	"github.com/saraban/saraban/vault"
)

func init() {
	for _, c := range commands {
		if c.Name != "bench" {
			continue
		}
		c.Subcommands = append(c.Subcommands, &cli.Command{
			Name:  "web",
			Usage: "web load check: USERS people with their own sessions go through their inbox and letter pages (median and p99 page times)",
			Flags: append(append([]cli.Flag{
				&cli.IntFlag{Name: "users", Value: 50},
				&cli.DurationFlag{Name: "duration", Value: 60 * time.Second},
				&cli.DurationFlag{Name: "think", Value: time.Second, Usage: "mean pause between pages (0: no pause)"},
				&cli.IntFlag{Name: "letters", Value: 600, Usage: "letters received before the run"},
				&cli.StringFlag{Name: "org", Value: "deploy/demo/agency.yaml"},
				jsonFlag(),
			}, webFlags()...), maxSizeFlag(), autoAcceptFlag()),
			Action: func(c *cli.Context) error {
				db, store, cleanup, err := scratch(c)
				if err != nil {
					return err
				}
				defer cleanup()
				blobs := vault.New(store, nil)
				tc, err := temporalClient(c)
				if err != nil {
					return err
				}
				defer tc.Close()
				log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
				in := newIntake(c, db, blobs)
				app, err := newWeb(c, db, in, &routing.Client{Temporal: tc, TaskQueue: c.String("task-queue")}, blobs, newViewer(db, blobs), log)
				if err != nil {
					return err
				}
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					return err
				}
				hs := &http.Server{Handler: app.Handler(), ReadHeaderTimeout: 10 * time.Second}
				go func() { _ = hs.Serve(ln) }()
				defer hs.Close()
				rep, err := bench.Web(c.Context, bench.WebConfig{BaseURL: "http://" + ln.Addr().String(), DB: db, Intake: in,
					Users: c.Int("users"), Duration: c.Duration("duration"), Think: c.Duration("think"), Letters: c.Int("letters"), Log: c.App.ErrWriter})
				if err != nil {
					return fail(c, err)
				}
				if c.Bool("json") {
					return printJSON(c, rep)
				}
				w := c.App.Writer
				fmt.Fprintf(w, "%d users, think %.0f ms, %d letters, %.0f s: %d pages (%.1f/s), %d errors\n",
					rep.Users, rep.ThinkMs, rep.Letters, rep.Seconds, rep.Pages, rep.PagesPerSec, rep.Errors)
				fmt.Fprintf(w, "inbox    p50 %6.1f ms  p99 %6.1f ms\n", rep.InboxP50ms, rep.InboxP99ms)
				fmt.Fprintf(w, "letter   p50 %6.1f ms  p99 %6.1f ms\n", rep.LetterP50ms, rep.LetterP99ms)
				fmt.Fprintf(w, "all      p50 %6.1f ms  p99 %6.1f ms  (goal p99 < 300 ms)\n", rep.AllP50ms, rep.AllP99ms)
				fmt.Fprintf(w, "static   p50 %6.1f ms  p99 %6.1f ms  (baseline: an embedded asset under the same load)\n", rep.StaticP50ms, rep.StaticP99ms)
				if rep.FirstError != "" {
					fmt.Fprintf(w, "first error: %s\n", rep.FirstError)
				}
				return nil
			},
		})
	}
}
