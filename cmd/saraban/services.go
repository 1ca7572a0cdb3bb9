package main

import (
	"context"
	"log/slog"
	"os"
	"os/user"

	"github.com/urfave/cli/v2"
	"go.temporal.io/sdk/client"

	"github.com/saraban/saraban/extract"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/storage/objects"
)

func openObjects(c *cli.Context) (*objects.Store, error) {
	return objects.Open(c.Context, objects.Config{
		Endpoint: c.String("s3-endpoint"), AccessKey: c.String("s3-access-key"),
		SecretKey: c.String("s3-secret-key"), Bucket: c.String("s3-bucket"), TLS: c.Bool("s3-tls"),
	})
}

// temporalClient makes a lazy client: it connects on first use, so that intake and the
// dispatcher start even while Temporal is down.
func temporalClient(c *cli.Context) (client.Client, error) {
	return client.NewLazyClient(client.Options{
		HostPort:  c.String("temporal-address"),
		Namespace: c.String("temporal-namespace"),
		Logger:    newTemporalLogger(),
	})
}

func newTemporalLogger() *slogAdapter {
	return &slogAdapter{l: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
}

// slogAdapter gives Temporal's logger interface a log/slog backend, quiet below warnings.
type slogAdapter struct{ l *slog.Logger }

func (a *slogAdapter) Debug(msg string, kv ...interface{}) { a.l.Debug(msg, kv...) }
func (a *slogAdapter) Info(msg string, kv ...interface{})  { a.l.Info(msg, kv...) }
func (a *slogAdapter) Warn(msg string, kv ...interface{})  { a.l.Warn(msg, kv...) }
func (a *slogAdapter) Error(msg string, kv ...interface{}) { a.l.Error(msg, kv...) }

// operator names the person at the server's command line, for the audit log.
func operator() string {
	name := os.Getenv("SARABAN_OPERATOR")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		name = "unknown"
	}
	return "operator:" + name
}

// authorizer adapts storage's person/register rule to intake.
type authorizer struct{ db *storage.DB }

func (a authorizer) CanReceiveInto(ctx context.Context, person, register string) (string, error) {
	pos, err := a.db.CanReceiveInto(ctx, person, register)
	if err != nil {
		return "", err
	}
	return pos.Title, nil
}

func newIntake(c *cli.Context, db *storage.DB, blobs intake.Blobs) *intake.Service {
	return &intake.Service{DB: db, Blobs: blobs, Auth: authorizer{db}, MaxSize: c.Int64("max-pdf-size"),
		Reader: letterReader(db), AutoAcceptDeadlines: c.Bool("auto-accept-deadlines")}
}

// letterReader reads a letter's text layer on the request path (no OCR: a scan would take
// seconds) and checks its citations against the register.
func letterReader(db *storage.DB) intake.Reader {
	return func(ctx context.Context, pdf []byte) (extract.Result, error) {
		return extract.PDF(ctx, pdf, extract.Options{OCR: extract.OCRNever, Registry: db})
	}
}

func maxSizeFlag() cli.Flag {
	return &cli.Int64Flag{Name: "max-pdf-size", Value: intake.DefaultMaxSize, EnvVars: envs("MAX_PDF_SIZE"), Usage: "largest PDF accepted, in bytes"}
}

func autoAcceptFlag() cli.Flag {
	return &cli.BoolFlag{Name: "auto-accept-deadlines", EnvVars: envs("AUTO_ACCEPT_DEADLINES"),
		Usage: "let a deadline read from the letter with high confidence become its deadline without the clerk"}
}

// fail prints a command's error as JSON when asked and returns an exit error.
func fail(c *cli.Context, err error) error {
	if c.Bool("json") {
		kind := "error"
		if ie, ok := err.(*intake.Error); ok {
			kind = string(ie.Kind)
		}
		enc := jsonErr{Error: jsonErrBody{Kind: kind, Message: err.Error()}}
		_ = printJSONTo(os.Stderr, enc)
	}
	return exitError{code: 1, msg: oneLine(err.Error())}
}

type jsonErr struct {
	Error jsonErrBody `json:"error"`
}
type jsonErrBody struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func oneLine(s string) string {
	out := []rune{}
	for _, r := range s {
		if r == '\n' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}
