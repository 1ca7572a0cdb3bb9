package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/storage"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "migrate",
		Usage: "bring the database schema up to date",
		Flags: []cli.Flag{jsonFlag()},
		Action: func(c *cli.Context) error {
			return withDB(c, func(ctx context.Context, db *storage.DB) error {
				applied, err := db.Migrate(ctx)
				if err != nil {
					return err
				}
				v, err := db.SchemaVersion(ctx)
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return printJSON(c, map[string]any{"applied": applied, "version": v})
				}
				fmt.Fprintf(c.App.Writer, "schema at version %d (applied %d migration(s))\n", v, len(applied))
				return nil
			})
		},
	})
}
