package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/saraban/saraban/storage"
)

func newOutgoing(t *testing.T, db *storage.DB, circular bool, to ...storage.Recipient) storage.Outgoing {
	t.Helper()
	o, err := db.CreateOutgoing(context.Background(), storage.NewOutgoing{Register: "LAND-SEND", Circular: circular, Subject: "ขอเชิญประชุม",
		Recipients: to, Signer: "governor", Reviewers: []string{"netanong"}, CreatedBy: "panisa", DraftSHA: "d1", DraftKey: "k1", DraftSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestSendNumbersGapFreePerSeries(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	when := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	now := func() time.Time { return when }
	var ids []string
	for i := 0; i < 10; i++ {
		ids = append(ids, newOutgoing(t, db, i%3 == 0, storage.Recipient{Unit: "land-hatyai"}).ID)
	}
	var wg sync.WaitGroup
	got := make([]storage.SendNumber, len(ids))
	errs := make([]error, len(ids))
	for i, id := range ids {
		wg.Add(1)
		go func() { defer wg.Done(); got[i], errs[i] = db.TakeSendNumber(ctx, id, now) }()
	}
	wg.Wait()
	seen := map[string]map[int]bool{"normal": {}, "circular": {}}
	for i := range ids {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		seen[got[i].Series][got[i].Number] = true
		if got[i].Year != 2569 {
			t.Fatalf("year %d", got[i].Year)
		}
	}
	for series, n := range map[string]int{"circular": 4, "normal": 6} {
		for k := 1; k <= n; k++ {
			if !seen[series][k] {
				t.Fatalf("%s series: number %d missing: %v", series, k, seen)
			}
		}
	}
	// Taken once: a second call returns the same number.
	again, err := db.TakeSendNumber(ctx, ids[0], func() time.Time { return when.Add(time.Hour) })
	if err != nil || again.Number != got[0].Number || again.DocNumber != got[0].DocNumber {
		t.Fatalf("again: %+v %v, first %+v", again, err, got[0])
	}
	if got[0].DocNumber != "สข 0020/ว "+itoa(int64(got[0].Number)) {
		t.Fatalf("circular doc number %q", got[0].DocNumber)
	}
	if got[1].DocNumber != "สข 0020/"+itoa(int64(got[1].Number)) {
		t.Fatalf("doc number %q", got[1].DocNumber)
	}
}

func TestCreateOutgoingRefusals(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	base := storage.NewOutgoing{Register: "LAND-SEND", Subject: "x", Recipients: []storage.Recipient{{Unit: "land-sadao"}},
		Signer: "governor", CreatedBy: "panisa", DraftSHA: "d", DraftKey: "k"}
	ts := base
	ts.Secrecy = "top_secret"
	if _, err := db.CreateOutgoing(ctx, ts); !errors.Is(err, storage.ErrForbidden) {
		t.Fatalf("top secret: %v", err)
	}
	recv := base
	recv.Register = "LAND-RECV"
	var rk *storage.RegisterKindError
	if _, err := db.CreateOutgoing(ctx, recv); !errors.As(err, &rk) {
		t.Fatalf("receive register: %v", err)
	}
	bad := base
	bad.Recipients = []storage.Recipient{{Unit: "nowhere"}}
	if _, err := db.CreateOutgoing(ctx, bad); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown unit: %v", err)
	}
}

func TestDeliverToUnitOnce(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	o := newOutgoing(t, db, false, storage.Recipient{Unit: "land-hatyai"}, storage.Recipient{Email: "a@b.example"})
	if _, err := db.DeliverToUnit(ctx, o.ID, "land-hatyai", nil); err == nil {
		t.Fatal("delivered an unsigned letter")
	}
	if _, err := db.TakeSendNumber(ctx, o.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddOutgoingRevision(ctx, o.ID, "signed", "s", "ks", 3, "governor"); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordOutgoingSigned(ctx, o.ID, "governor", []string{"ผู้ว่าราชการจังหวัดสงขลา"}, time.Now(), "s"); err != nil {
		t.Fatal(err)
	}
	d1, err := db.DeliverToUnit(ctx, o.ID, "land-hatyai", nil)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := db.DeliverToUnit(ctx, o.ID, "land-hatyai", nil)
	if err != nil || d2.LetterID != d1.LetterID || d2.Number != d1.Number || d1.Register != "HATYAI-RECV" || d1.Number != 1 {
		t.Fatalf("first %+v, second %+v %v", d1, d2, err)
	}
	l, err := db.GetLetter(ctx, d1.LetterID)
	if err != nil || l.Subject != "ขอเชิญประชุม" {
		t.Fatalf("letter %+v %v", l, err)
	}
	if err := db.RecordEmailDelivery(ctx, o.ID, "a@b.example", "pending", ""); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetOutgoing(ctx, o.ID)
	if err != nil || len(got.Deliveries) != 2 || got.Status != storage.OutgoingSigned {
		t.Fatalf("%+v %v", got, err)
	}
}
