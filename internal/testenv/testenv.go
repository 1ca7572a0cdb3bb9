// Package testenv gives tests the real services of the local stack (`make up`): a fresh
// PostgreSQL database per test, a fresh bucket per test, the demo organisation, and a private
// Temporal dev server for tests that stop and start Temporal. When a service is not running the
// test fails with a message that says to run `make up`; it does not skip, so a green run means
// the tests really ran.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/saraban/saraban/org"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/storage/objects"
)

// RepoRoot is the checkout's root folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// DatabaseURL is the server the tests use (the local stack unless SARABAN_DATABASE_URL says otherwise).
func DatabaseURL() string { return env("SARABAN_DATABASE_URL", storage.DefaultURL) }

func randomName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// withDatabase replaces the database name of a PostgreSQL URL.
func withDatabase(url, name string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		panic(err)
	}
	i := strings.LastIndex(url, "/"+cfg.Database)
	return url[:i] + "/" + name + url[i+1+len(cfg.Database):]
}

// DB creates a fresh, migrated database for the test and drops it afterwards.
func DB(t testing.TB) *storage.DB {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, DatabaseURL())
	if err != nil {
		t.Fatalf("PostgreSQL of the local stack is not reachable (run `make up`): %v", err)
	}
	defer admin.Close(ctx)
	name := randomName("saraban_t_")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	url := withDatabase(DatabaseURL(), name)
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		dropDatabase(name)
	})
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// DBURL returns the URL of a database made by DB (for tests that run the binary).
func DBURL(db *storage.DB) string {
	cfg := db.Pool.Config().ConnConfig
	return withDatabase(DatabaseURL(), cfg.Database)
}

// ObjectsConfig is the object store of the local stack with the given bucket.
func ObjectsConfig(bucket string) objects.Config {
	return objects.Config{
		Endpoint:  env("SARABAN_S3_ENDPOINT", "127.0.0.1:59000"),
		AccessKey: env("SARABAN_S3_ACCESS_KEY", "saraban"),
		SecretKey: env("SARABAN_S3_SECRET_KEY", "saraban-secret"),
		Bucket:    bucket,
	}
}

// Objects creates a fresh bucket for the test and empties and removes it afterwards.
func Objects(t testing.TB) *objects.Store {
	t.Helper()
	cfg := ObjectsConfig(randomName("saraban-t-"))
	s, err := objects.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("MinIO of the local stack is not reachable (run `make up`): %v", err)
	}
	t.Cleanup(func() { _ = s.RemoveAll(context.Background()) })
	return s
}

// DemoAgency is the path of the demo organisation file.
func DemoAgency() string { return filepath.Join(RepoRoot(), "deploy", "demo", "agency.yaml") }

// FreePort finds a free TCP port on loopback.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TemporalBinary finds the temporal CLI that `make up` installs.
func TemporalBinary(t testing.TB) string {
	t.Helper()
	dir := env("SARABAN_TOOLS", filepath.Join(os.Getenv("HOME"), ".cache", "saraban", "tools"))
	p := filepath.Join(dir, "temporal")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p
	}
	t.Fatalf("the temporal CLI is not installed (run `make up`, which builds it into %s)", dir)
	return ""
}

// TemporalServer is a private Temporal dev server for one test.
type TemporalServer struct {
	t      testing.TB
	bin    string
	Addr   string
	dbFile string
	cmd    *exec.Cmd
	done   chan struct{}
}

// Temporal starts a private Temporal dev server (SQLite file in the test's temp dir) and stops
// it at the end of the test.
func Temporal(t testing.TB) *TemporalServer {
	t.Helper()
	ts := &TemporalServer{t: t, bin: TemporalBinary(t), Addr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		dbFile: filepath.Join(t.TempDir(), "temporal.db")}
	ts.Start()
	t.Cleanup(ts.Stop)
	return ts
}

// Start starts the server (again) on the same address and file, and waits until it answers.
func (ts *TemporalServer) Start() {
	ts.t.Helper()
	_, port, _ := net.SplitHostPort(ts.Addr)
	ts.cmd = exec.Command(ts.bin, "server", "start-dev", "--ip", "127.0.0.1", "--port", port,
		"--headless", "--db-filename", ts.dbFile, "--log-level", "error",
		"--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal")
	ts.cmd.Stdout, ts.cmd.Stderr = os.Stderr, os.Stderr
	if err := ts.cmd.Start(); err != nil {
		ts.t.Fatalf("start temporal: %v", err)
	}
	ts.done = make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { _ = c.Wait(); close(done) }(ts.cmd, ts.done)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		out, err := exec.Command(ts.bin, "operator", "cluster", "health", "--address", ts.Addr).CombinedOutput()
		if err == nil && strings.Contains(string(out), "SERVING") {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	ts.t.Fatalf("private temporal dev server at %s did not become ready", ts.Addr)
}

// Stop stops the server and waits for it to exit (so the SQLite file can be reopened).
func (ts *TemporalServer) Stop() {
	if ts.cmd == nil || ts.cmd.Process == nil {
		return
	}
	_ = ts.cmd.Process.Signal(os.Interrupt)
	select {
	case <-ts.done:
	case <-time.After(15 * time.Second):
		_ = ts.cmd.Process.Kill()
		<-ts.done
	}
	ts.cmd = nil
}

// Demo imports the demo organisation (deploy/demo/agency.yaml) into db.
func Demo(t testing.TB, db *storage.DB) {
	t.Helper()
	f, err := org.Load(DemoAgency())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportOrg(context.Background(), f, "test"); err != nil {
		t.Fatal(err)
	}
}

// dropDatabase drops a test database, retrying for a while: as a non-superuser, DROP ... WITH
// (FORCE) cannot end an autovacuum worker that happens to be on the database.
func dropDatabase(name string) {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, DatabaseURL())
	if err != nil {
		return
	}
	defer c.Close(ctx)
	for i := 0; i < 40; i++ {
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err == nil {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}
