package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/storage"
)

// Defaults point at the local stack of `make up` (docs/design.md), so that after `make up`
// every command works with no environment.
const (
	defaultTemporalAddress = "127.0.0.1:57233"
	defaultS3Endpoint      = "127.0.0.1:59000"
	defaultS3AccessKey     = "saraban"
	defaultS3SecretKey     = "saraban-secret"
	defaultS3Bucket        = "saraban"
	defaultTaskQueue       = "saraban"
)

func envs(name string) []string { return []string{"SARABAN_" + name} }

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "database-url", Value: storage.DefaultURL, EnvVars: envs("DATABASE_URL"), Usage: "PostgreSQL URL"},
		&cli.StringFlag{Name: "s3-endpoint", Value: defaultS3Endpoint, EnvVars: envs("S3_ENDPOINT"), Usage: "S3 endpoint host:port"},
		&cli.StringFlag{Name: "s3-access-key", Value: defaultS3AccessKey, EnvVars: envs("S3_ACCESS_KEY")},
		&cli.StringFlag{Name: "s3-secret-key", Value: defaultS3SecretKey, EnvVars: envs("S3_SECRET_KEY")},
		&cli.StringFlag{Name: "s3-bucket", Value: defaultS3Bucket, EnvVars: envs("S3_BUCKET")},
		&cli.BoolFlag{Name: "s3-tls", EnvVars: envs("S3_TLS"), Usage: "use HTTPS to reach S3"},
		&cli.StringFlag{Name: "temporal-address", Value: defaultTemporalAddress, EnvVars: envs("TEMPORAL_ADDRESS")},
		&cli.StringFlag{Name: "temporal-namespace", Value: "default", EnvVars: envs("TEMPORAL_NAMESPACE")},
		&cli.StringFlag{Name: "task-queue", Value: defaultTaskQueue, EnvVars: envs("TASK_QUEUE")},
	}
}

// openDB opens the database named by the global flags.
func openDB(c *cli.Context) (*storage.DB, error) {
	return storage.Open(c.Context, c.String("database-url"))
}

// withDB runs fn with an open database and closes it afterwards.
func withDB(c *cli.Context, fn func(ctx context.Context, db *storage.DB) error) error {
	db, err := openDB(c)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(c.Context, db)
}

// usageError is a mistake in how the command was called: one line, exit code 2.
func usageError(format string, args ...any) error {
	return exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}
