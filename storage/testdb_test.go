package storage_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/saraban/saraban/storage"
)

// serverURL is the PostgreSQL the tests create their databases in: SARABAN_DATABASE_URL if
// set, else the local stack's.
func serverURL() string {
	if u := os.Getenv("SARABAN_DATABASE_URL"); u != "" {
		return u
	}
	return storage.DefaultURL
}

// newTestDB creates a fresh database saraban_t_<random> on the test server, migrates it and
// drops it when the test ends. With -short and no server the test is skipped; without -short
// a missing server fails the test (the storage tests are about the real PostgreSQL).
func newTestDB(t *testing.T) *storage.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, serverURL())
	if err != nil {
		if testing.Short() {
			t.Skipf("no PostgreSQL for the storage tests (-short): %v", err)
		}
		t.Fatalf("the storage tests need PostgreSQL (bash deploy/local/stack.sh up, or set SARABAN_DATABASE_URL): %v", err)
	}
	defer admin.Close(context.Background())

	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name := "saraban_t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create test database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, serverURL())
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		// WITH (FORCE) ends our own leftover sessions, but a non-superuser may not end an
		// autovacuum worker that happens to be in the database: try again for a while.
		for attempt := 0; ; attempt++ {
			_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			if err == nil {
				return
			}
			if attempt == 50 || ctx.Err() != nil {
				t.Errorf("drop test database %s: %v", name, err)
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	})

	u, err := url.Parse(serverURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	db, err := storage.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close) // runs before the drop (cleanups run last-in first-out)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", name, err)
	}
	return db
}
