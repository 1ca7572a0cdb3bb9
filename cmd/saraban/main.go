// Command saraban is the one binary of the e-saraban engine: it serves the API, runs the
// Temporal worker, registers letters, exports registers and administers the organisation.
// Every flag can also be set with a SARABAN_* environment variable.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/urfave/cli/v2"
)

// commands is filled by the init functions of the files of this package, one file per group.
var commands []*cli.Command

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := newApp()
	err := app.RunContext(ctx, reorderArgs(app, os.Args))
	stop()
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(os.Stderr, "saraban:", ee.msg)
			}
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "saraban:", err)
		os.Exit(1)
	}
}

func newApp() *cli.App {
	sort.Slice(commands, func(i, j int) bool { return commands[i].Name < commands[j].Name })
	return &cli.App{
		Name:                   "saraban",
		Usage:                  "e-saraban correspondence engine for Thai government agencies",
		Flags:                  globalFlags(),
		Commands:               commands,
		UseShortOptionHandling: true,
		Suggest:                true,
		EnableBashCompletion:   true,
	}
}

// exitError carries an exit code; the message was usually printed already in --json form.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }
