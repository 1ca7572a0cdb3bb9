package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/bench"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/storage/objects"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "bench",
		Usage: "measure saraban against the raw cost of its parts, on the real services (figures for docs/benchmarks.md)",
		Subcommands: []*cli.Command{{
			Name:  "intake",
			Usage: "receives/s against one S3 put + one Postgres transaction, and latency at a steady rate",
			Flags: []cli.Flag{
				&cli.IntFlag{Name: "pdf-size", Value: 200_000},
				&cli.IntFlag{Name: "concurrency", Value: 8},
				&cli.IntFlag{Name: "count", Value: 400, Usage: "operations per throughput run"},
				&cli.Float64Flag{Name: "rate", Value: 20, Usage: "receives per second in the steady run"},
				&cli.DurationFlag{Name: "steady", Value: 30 * time.Second},
				&cli.IntFlag{Name: "rounds", Value: 3, Usage: "raw and intake runs alternate this many times; medians are reported"},
				&cli.StringFlag{Name: "org", Value: "deploy/demo/agency.yaml"},
				&cli.StringFlag{Name: "register", Value: "LAND-RECV"},
				jsonFlag(),
			},
			Action: func(c *cli.Context) error {
				ctx := c.Context
				db, blobs, cleanup, err := scratch(c)
				if err != nil {
					return err
				}
				defer cleanup()
				rep, err := bench.Intake(ctx, bench.IntakeConfig{DB: db, Blobs: blobs, Register: c.String("register"),
					PDFSize: c.Int("pdf-size"), Concurrency: c.Int("concurrency"), Count: c.Int("count"),
					Rate: c.Float64("rate"), Steady: c.Duration("steady"), Rounds: c.Int("rounds"), Log: c.App.ErrWriter})
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return printJSON(c, rep)
				}
				w := c.App.Writer
				fmt.Fprintf(w, "PDF %d bytes, %d concurrent\n", rep.PDFSize, rep.Concurrency)
				fmt.Fprintf(w, "raw S3 put            %8.1f /s\n", rep.PutPerSec)
				fmt.Fprintf(w, "raw Postgres tx       %8.1f /s\n", rep.TxPerSec)
				fmt.Fprintf(w, "raw put + tx          %8.1f /s  (median of %v; p50 %.1f ms)\n", rep.RawPerSec, rounded(rep.RawRuns), rep.RawP50ms)
				fmt.Fprintf(w, "intake                %8.1f /s  (median of %v) ratio %.2f of raw (goal ≥ 0.5)\n", rep.IntakePerSec, rounded(rep.IntakeRuns), rep.Ratio)
				fmt.Fprintf(w, "steady %.0f/s × %d     p50 %.1f ms  p99 %.1f ms  max %.1f ms  errors %d (goal p99 < 300 ms)\n",
					rep.SteadyRate, rep.SteadyCount, rep.P50ms, rep.P99ms, rep.MaxMs, rep.SteadyErrors)
				return nil
			},
		}},
	})
}

// scratch makes a throw-away database (migrated, with the organisation of --org) and bucket on
// the configured servers, so a benchmark never touches real registers; cleanup drops both.
func scratch(c *cli.Context) (*storage.DB, *objects.Store, func(), error) {
	ctx := c.Context
	var b [4]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	url := c.String("database-url")
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("connect to PostgreSQL (is the stack up? `make up`): %w", err)
	}
	name := "saraban_bench_" + suffix
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		return nil, nil, nil, err
	}
	admin.Close(ctx)
	cfg, _ := pgx.ParseConfig(url)
	i := strings.LastIndex(url, "/"+cfg.Database)
	db, err := storage.Open(ctx, url[:i]+"/"+name+url[i+1+len(cfg.Database):])
	if err != nil {
		return nil, nil, nil, err
	}
	drop := func() {
		db.Close()
		if a, err := pgx.Connect(context.Background(), url); err == nil {
			_, _ = a.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			a.Close(context.Background())
		}
	}
	if _, err := db.Migrate(ctx); err != nil {
		drop()
		return nil, nil, nil, err
	}
	blobs, err := objects.Open(ctx, objects.Config{Endpoint: c.String("s3-endpoint"), AccessKey: c.String("s3-access-key"),
		SecretKey: c.String("s3-secret-key"), Bucket: "saraban-bench-" + suffix, TLS: c.Bool("s3-tls")})
	if err != nil {
		drop()
		return nil, nil, nil, err
	}
	cleanup := func() { _ = blobs.RemoveAll(context.Background()); drop() }
	// Every benchmark runs on the organisation of --org.
	if err := bench.ImportOrg(ctx, db, c.String("org")); err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	return db, blobs, cleanup, nil
}

func rounded(v []float64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x + 0.5)
	}
	return out
}

func init() {
	for _, c := range commands {
		if c.Name != "bench" {
			continue
		}
		c.Subcommands = append(c.Subcommands, &cli.Command{
			Name:  "reminders",
			Usage: "open letters with deadlines spread over a window: how late does each reminder fire (real Temporal)",
			Flags: []cli.Flag{
				&cli.IntFlag{Name: "letters", Value: 10_000},
				&cli.DurationFlag{Name: "lead", Value: 12 * time.Minute, Usage: "time for intake and workflow starts before the first reminder"},
				&cli.DurationFlag{Name: "spread", Value: 15 * time.Minute, Usage: "the window the reminders fall in (a working day, compressed)"},
				&cli.StringFlag{Name: "org", Value: "deploy/demo/agency.yaml"},
				&cli.StringFlag{Name: "register", Value: "LAND-RECV"},
				jsonFlag(),
			},
			Action: func(c *cli.Context) error {
				db, blobs, cleanup, err := scratch(c)
				if err != nil {
					return err
				}
				defer cleanup()
				tc, err := temporalClient(c)
				if err != nil {
					return err
				}
				defer tc.Close()
				rep, err := bench.Reminders(c.Context, bench.RemindersConfig{DB: db, Blobs: blobs, Temporal: tc,
					TaskQueue: "bench-reminders-" + time.Now().Format("150405"), Register: c.String("register"),
					Letters: c.Int("letters"), Lead: c.Duration("lead"), Spread: c.Duration("spread"), Log: c.App.ErrWriter})
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return printJSON(c, rep)
				}
				return printJSON(c, rep)
			},
		})
	}
}
