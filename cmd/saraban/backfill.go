package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/backfill"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/storage/objects"
	"github.com/saraban/saraban/vault"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "backfill",
		Usage: "import a historical receive register from a manifest (CSV or JSON Lines) and a folder of PDFs (docs/backfill.md)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "register", Required: true, Usage: "receive register code, e.g. LAND-RECV"},
			&cli.StringFlag{Name: "manifest", Required: true, Usage: "manifest file: CSV with a header, or JSON Lines (.jsonl)"},
			&cli.StringFlag{Name: "files", Usage: "folder the manifest's file column is relative to (default: the manifest's folder)"},
			&cli.IntFlag{Name: "workers", Value: 8, Usage: "parallel file checks and uploads"},
			&cli.IntFlag{Name: "batch", Value: 1000, Usage: "rows per transaction"},
			&cli.BoolFlag{Name: "dry-run", Usage: "check every row and report; write nothing"},
			&cli.BoolFlag{Name: "skip-bad", Usage: "import the good rows and write the bad ones to --rejects"},
			&cli.StringFlag{Name: "rejects", Usage: "reject file (manifest format plus a reason column)"},
			&cli.BoolFlag{Name: "no-progress", Usage: "no progress display on stderr"},
			maxSizeFlag(),
			fileKeysFlag(),
			jsonFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.Bool("skip-bad") && c.String("rejects") == "" && !c.Bool("dry-run") {
				return usageError("backfill: --skip-bad needs --rejects FILE (the skipped rows go there, to be fixed and fed back)")
			}
			files := c.String("files")
			if files == "" {
				files = dirOf(c.String("manifest"))
			}
			var sum backfill.Summary
			err := withDB(c, func(ctx context.Context, db *storage.DB) error {
				var blobs *objects.Store
				if !c.Bool("dry-run") {
					var err error
					if blobs, err = openObjects(c); err != nil {
						return err
					}
				}
				cfg := backfill.Config{DB: db, Blobs: blobs, Register: c.String("register"), Manifest: c.String("manifest"),
					FilesDir: files, Workers: c.Int("workers"), BatchSize: c.Int("batch"), DryRun: c.Bool("dry-run"),
					SkipBad: c.Bool("skip-bad"), Rejects: c.String("rejects"), Actor: operator(), MaxPDFSize: c.Int64("max-pdf-size")}
				if blobs != nil {
					keys, err := loadFileKeys(c)
					if err != nil {
						return err
					}
					if keys != nil {
						cfg.Sealer = vault.New(blobs, keys)
					}
				}
				if !c.Bool("no-progress") {
					cfg.Progress = c.App.ErrWriter
					cfg.Terminal = isTerminal(os.Stderr)
				}
				var err error
				sum, err = backfill.Run(ctx, cfg)
				return err
			})
			var pe *backfill.ProblemsError
			if c.Bool("json") {
				if perr := printJSON(c, sum); perr != nil {
					return perr
				}
			} else {
				printBackfill(c, sum)
			}
			if err == nil && sum.DryRun && sum.Bad > 0 {
				// The report is printed; exit 1 so that a script sees the manifest is not ready.
				return exitError{code: 1, msg: fmt.Sprintf("dry run: %d row(s) have problems (listed above); nothing was written", sum.Bad)}
			}
			if err != nil {
				if errors.As(err, &pe) && c.Bool("json") {
					return exitError{code: 1, msg: oneLine(err.Error())}
				}
				return fail(c, err)
			}
			return nil
		},
	})
}

func dirOf(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' || p[i] == os.PathSeparator {
			return p[:i+1]
		}
	}
	return "."
}

func printBackfill(c *cli.Context, s backfill.Summary) {
	w := c.App.Writer
	for _, p := range s.Problems {
		fmt.Fprintln(c.App.ErrWriter, p.String())
	}
	mode := "imported"
	switch {
	case s.DryRun:
		mode = "dry run (nothing written)"
	case s.Refused:
		mode = "refused: the manifest has problems (nothing written)"
	}
	fmt.Fprintf(w, "backfill %s from %s (%s): %s\n", s.Register, s.Manifest, s.Format, mode)
	fmt.Fprintf(w, "  rows %d, valid %d, with problems %d, already present %d\n", s.Rows, s.Valid, s.Bad, s.AlreadyPresent)
	if !s.DryRun && !s.Refused {
		fmt.Fprintf(w, "  imported %d, skipped %d, workflows started %d\n", s.Imported, s.Skipped, s.Workflows)
		fmt.Fprintf(w, "  objects uploaded %d (%.1f MB), reused %d\n", s.ObjectsUploaded, float64(s.BytesUploaded)/(1<<20), s.ObjectsReused)
		if s.Rejects != "" {
			fmt.Fprintf(w, "  rejects written to %s\n", s.Rejects)
		}
	}
	fmt.Fprintf(w, "  %.1f s, %.0f rows/s\n", s.Seconds, s.RowsPerSecond)
}

// isTerminal tells whether f is a character device (a terminal). golang.org/x/term is not in
// go.mod, and this is all the progress display needs.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
