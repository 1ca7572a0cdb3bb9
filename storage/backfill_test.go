package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage"
)

func TestBackfillBatchReplaysAndCountersNeverGoBack(t *testing.T) {
	db := testenv.DB(t)
	testenv.Demo(t, db)
	ctx := context.Background()
	bkk := time.FixedZone("Asia/Bangkok", 7*3600)
	mk := func(n int, status string) storage.BackfillRow {
		return storage.BackfillRow{LetterID: storage.BackfillLetterID("LAND-RECV", 2567, n), Year: 2567, Number: n,
			ReceivedAt: time.Date(2024, 5, 1, 9, n, 0, 0, bkk), Subject: "x", LetterStatus: status}
	}
	rows := []storage.BackfillRow{mk(5, "closed"), mk(9, "open")}
	res, err := db.BackfillBatch(ctx, "LAND-RECV", "operator:test", rows)
	if err != nil || res.Written != 2 || res.Workflows != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	res, err = db.BackfillBatch(ctx, "LAND-RECV", "operator:test", append(rows, mk(3, "closed")))
	if err != nil || res.Written != 1 || res.Present != 2 || res.Workflows != 0 {
		t.Fatalf("replay %+v %v", res, err)
	}
	var last int
	if err := db.Pool.QueryRow(ctx, `SELECT last FROM register_counters WHERE register_code = 'LAND-RECV' AND year = 2567`).Scan(&last); err != nil || last != 9 {
		t.Fatalf("counter %d %v", last, err)
	}
	taken, err := db.BackfillTaken(ctx, "LAND-RECV", []storage.BackfillKey{{2567, 3}, {2567, 4}, {2567, 9}})
	if err != nil || len(taken) != 2 || taken[storage.BackfillKey{Year: 2567, Number: 9}] != storage.BackfillLetterID("LAND-RECV", 2567, 9) {
		t.Fatalf("taken %v %v", taken, err)
	}
	if err := db.CheckBackfillRegister(ctx, "LAND-SEND"); err == nil {
		t.Fatal("a send register was accepted for a receive backfill")
	}
	if _, err := db.BackfillBatch(ctx, "NO-SUCH", "operator:test", rows); err == nil {
		t.Fatal("unknown register accepted")
	}
}
