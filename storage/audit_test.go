package storage_test

import (
	"context"
	"strings"
	"testing"

	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage"
)

func appendAuditRows(t *testing.T, db *storage.DB, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		tx, err := db.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := storage.Audit(ctx, tx, "operator:test", "เจ้าหน้าที่", "test.row", "letter", "x", map[string]any{"i": i, "ข้อความ": "ไทย"}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditLogIsAppendOnlyInTheDatabase(t *testing.T) {
	db := testenv.DB(t)
	appendAuditRows(t, db, 3)
	ctx := context.Background()
	for _, stmt := range []string{
		`UPDATE audit_log SET actor = 'someone else' WHERE id = 2`,
		`DELETE FROM audit_log WHERE id = 3`,
		`TRUNCATE audit_log`,
	} {
		if _, err := db.Pool.Exec(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want refusal", stmt, err)
		}
	}
	rep, err := db.VerifyAudit(ctx)
	if err != nil || !rep.OK || rep.Rows != 3 {
		t.Fatalf("report = %+v, err %v", rep, err)
	}
}

func TestAuditVerifyNamesTheFirstBrokenRow(t *testing.T) {
	db := testenv.DB(t)
	appendAuditRows(t, db, 5)
	ctx := context.Background()
	// Someone with the table owner's rights switches the guard off and edits row 3.
	for _, stmt := range []string{
		`ALTER TABLE audit_log DISABLE TRIGGER audit_no_update`,
		`UPDATE audit_log SET detail = '{"i": 99}' WHERE id = 3`,
		`ALTER TABLE audit_log ENABLE TRIGGER audit_no_update`,
	} {
		if _, err := db.Pool.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := db.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.BrokenID != 3 || !strings.Contains(rep.Problem, "changed") {
		t.Fatalf("report = %+v, want row 3 named as changed", rep)
	}
	// A deleted row breaks the link of the row after it.
	db2 := testenv.DB(t)
	appendAuditRows(t, db2, 4)
	for _, stmt := range []string{
		`ALTER TABLE audit_log DISABLE TRIGGER audit_no_update`,
		`DELETE FROM audit_log WHERE id = 2`,
	} {
		if _, err := db2.Pool.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	rep, err = db2.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.BrokenID != 3 || !strings.Contains(rep.Problem, "removed") {
		t.Fatalf("report = %+v, want row 3 named (its predecessor was removed)", rep)
	}
}

func TestAuditChainMatchesTheGoCanonicalForm(t *testing.T) {
	db := testenv.DB(t)
	appendAuditRows(t, db, 2)
	rows, err := db.AuditFor(context.Background(), "letter", "x")
	if err != nil || len(rows) != 2 {
		t.Fatalf("rows %v err %v", rows, err)
	}
	if rows[1].PrevHash != rows[0].Hash || rows[0].PrevHash != strings.Repeat("0", 64) {
		t.Fatalf("chain links wrong: %+v", rows)
	}
}
