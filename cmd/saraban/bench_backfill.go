package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/backfill"
)

func init() {
	for _, c := range commands {
		if c.Name != "bench" {
			continue
		}
		c.Subcommands = append(c.Subcommands, &cli.Command{
			Name:  "backfill",
			Usage: "backfill rows/s and peak memory beside raw Postgres COPY (metadata) and raw parallel S3 puts (files)",
			Flags: []cli.Flag{
				&cli.IntFlag{Name: "meta-rows", Value: 100_000},
				&cli.IntFlag{Name: "file-rows", Value: 20_000},
				&cli.IntFlag{Name: "file-size", Value: 100_000},
				&cli.IntFlag{Name: "workers", Value: 16},
				&cli.IntFlag{Name: "batch", Value: 1000},
				&cli.StringFlag{Name: "org", Value: "deploy/demo/agency.yaml"},
				jsonFlag(),
			},
			Action: func(c *cli.Context) error {
				db, blobs, cleanup, err := scratch(c)
				if err != nil {
					return err
				}
				defer cleanup()
				dir, err := os.MkdirTemp("", "saraban-bench-backfill-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				rep, err := backfill.Bench(c.Context, backfill.BenchConfig{DB: db, Blobs: blobs, Dir: dir,
					MetaRows: c.Int("meta-rows"), FileRows: c.Int("file-rows"), FileSize: c.Int("file-size"),
					Workers: c.Int("workers"), BatchSize: c.Int("batch"), Log: c.App.ErrWriter})
				if err != nil {
					return fail(c, err)
				}
				if c.Bool("json") {
					return printJSON(c, rep)
				}
				w := c.App.Writer
				m, f := rep.Metadata, rep.Files
				fmt.Fprintf(w, "metadata %d rows: raw COPY %.0f rows/s; backfill %.0f rows/s (%.0f%%), peak RSS %.0f MB\n",
					m.Backfill.Rows, m.RawCopy.RowsPerSecond, m.Backfill.RowsPerSecond, 100*m.Ratio, m.Backfill.PeakRSSMB)
				fmt.Fprintf(w, "files %d × %d B, %d workers: raw puts %.0f rows/s (%.1f MB/s); backfill %.0f rows/s (%.1f MB/s, %.0f%%), peak RSS %.0f MB\n",
					f.Backfill.Rows, rep.FileSize, rep.Workers, f.RawPuts.RowsPerSecond, f.RawPuts.MBPerSecond,
					f.Backfill.RowsPerSecond, f.Backfill.MBPerSecond, 100*f.Ratio, f.Backfill.PeakRSSMB)
				return nil
			},
		})
	}
}
