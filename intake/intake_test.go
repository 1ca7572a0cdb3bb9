package intake_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/storage/objects"
)

type fixture struct {
	db    *storage.DB
	blobs *objects.Store
	svc   *intake.Service
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db := testenv.DB(t)
	testenv.Demo(t, db)
	blobs := testenv.Objects(t)
	return &fixture{db: db, blobs: blobs, svc: &intake.Service{DB: db, Blobs: blobs}}
}

func (f *fixture) counts(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var letters, entries, revs, outbox, audit, counters int
	err := f.db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM letters), (SELECT count(*) FROM register_entries),
		(SELECT count(*) FROM revisions), (SELECT count(*) FROM outbox), (SELECT count(*) FROM audit_log),
		(SELECT coalesce(sum(last), 0) FROM register_counters)`).Scan(&letters, &entries, &revs, &outbox, &audit, &counters)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := f.blobs.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("letters=%d entries=%d revisions=%d outbox=%d audit=%d counters=%d objects=%d",
		letters, entries, revs, outbox, audit, counters, objs)
}

func TestConcurrentReceivesAreGapFree(t *testing.T) {
	f := setup(t)
	const n = 200
	var wg sync.WaitGroup
	results := make([]intake.Receipt, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], errs[i] = f.svc.Receive(context.Background(), intake.Request{
				Register: "LAND-RECV", PDF: samplepdf.Letter(uint64(i), 4000), Subject: fmt.Sprintf("letter %d", i), Actor: "operator:test",
			})
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("receive %d: %v", i, err)
		}
	}
	sort.Slice(results, func(i, j int) bool { return results[i].Number < results[j].Number })
	for i, r := range results {
		if r.Number != i+1 {
			t.Fatalf("numbers are not exactly 1..%d: position %d has %d", n, i, r.Number)
		}
		if i > 0 && r.ReceivedAt.Before(results[i-1].ReceivedAt) {
			t.Fatalf("number %d was received at %s, before number %d at %s", r.Number, r.ReceivedAt, results[i-1].Number, results[i-1].ReceivedAt)
		}
		if r.Year != results[0].Year {
			t.Fatalf("years differ: %d and %d", r.Year, results[0].Year)
		}
	}
	var distinct int
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT count(DISTINCT number) FROM register_entries WHERE register_code='LAND-RECV'`).Scan(&distinct); err != nil {
		t.Fatal(err)
	}
	if distinct != n {
		t.Fatalf("%d distinct numbers stored, want %d", distinct, n)
	}
}

func TestNumbersRollOverAtBangkokMidnight(t *testing.T) {
	f := setup(t)
	bkk := time.FixedZone("Asia/Bangkok", 7*3600)
	times := []time.Time{
		time.Date(2024, 12, 31, 23, 59, 58, 0, bkk),
		time.Date(2024, 12, 31, 23, 59, 59, 0, bkk),
		time.Date(2025, 1, 1, 0, 0, 0, 0, bkk),
		time.Date(2025, 1, 1, 0, 0, 1, 0, bkk),
	}
	want := []struct{ year, number int }{{2567, 1}, {2567, 2}, {2568, 1}, {2568, 2}}
	for i, at := range times {
		at := at
		f.svc.Now = func() time.Time { return at.UTC() } // a UTC clock: the year must still follow Bangkok
		r, err := f.svc.Receive(context.Background(), intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(uint64(100+i), 3000), Actor: "operator:test"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Year != want[i].year || r.Number != want[i].number {
			t.Errorf("receive at %s: got %d/%d, want %d/%d", at, r.Number, r.Year, want[i].number, want[i].year)
		}
		if got := r.ReceivedAt.Format(time.RFC3339); got != at.Format(time.RFC3339) {
			t.Errorf("received_at = %s, want %s (+07:00)", got, at.Format(time.RFC3339))
		}
	}
}

func TestBadInputIsRefusedAndNothingIsStored(t *testing.T) {
	f := setup(t)
	good := samplepdf.Letter(1, 5000)
	// A first letter, so that a duplicate can be tried.
	if _, err := f.svc.Receive(context.Background(), intake.Request{Register: "LAND-RECV", PDF: good, Actor: "operator:test"}); err != nil {
		t.Fatal(err)
	}
	before := f.counts(t)
	truncated := good[:len(good)/2]
	f.svc.MaxSize = 100_000
	cases := []struct {
		name  string
		req   intake.Request
		kind  intake.Kind
		field string
	}{
		{"not a PDF", intake.Request{Register: "LAND-RECV", PDF: []byte("\x89PNG\r\n\x1a\nnot a pdf")}, intake.Invalid, "file"},
		{"empty file", intake.Request{Register: "LAND-RECV", PDF: nil}, intake.Invalid, "file"},
		{"damaged PDF", intake.Request{Register: "LAND-RECV", PDF: truncated}, intake.Invalid, "file"},
		{"too large", intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(2, 200_000)}, intake.TooLarge, "file"},
		{"unknown register", intake.Request{Register: "NOPE", PDF: samplepdf.Letter(3, 5000)}, intake.NotFound, "register"},
		{"send register", intake.Request{Register: "LAND-SEND", PDF: samplepdf.Letter(4, 5000)}, intake.Invalid, "register"},
		{"impossible date", intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(5, 5000), DocDate: "31 ก.พ. 2567"}, intake.Invalid, "doc_date"},
		{"future date", intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(6, 5000), DocDate: "1 มกราคม 2600"}, intake.Invalid, "doc_date"},
		{"deadline before the letter", intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(8, 5000), DocDate: "๗ ต.ค. ๒๕๖๗", Deadline: "1 ต.ค. 2567"}, intake.Invalid, "deadline"},
		{"unknown urgency", intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(9, 5000), Urgency: "asap"}, intake.Invalid, "urgency"},
		{"top secret", intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(10, 5000), Secrecy: "ลับที่สุด"}, intake.Invalid, "secrecy"},
		{"duplicate", intake.Request{Register: "LAND-RECV", PDF: good}, intake.Duplicate, "file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.req.Actor = "operator:test"
			_, err := f.svc.Receive(context.Background(), c.req)
			var ie *intake.Error
			if !errors.As(err, &ie) {
				t.Fatalf("error = %v, want an *intake.Error", err)
			}
			if ie.Kind != c.kind || ie.Field != c.field {
				t.Errorf("kind/field = %s/%s, want %s/%s (message: %s)", ie.Kind, ie.Field, c.kind, c.field, ie.Message)
			}
			if len(ie.Message) < 20 {
				t.Errorf("message %q does not say what to fix", ie.Message)
			}
			if after := f.counts(t); after != before {
				t.Errorf("something was stored:\n before %s\n after  %s", before, after)
			}
		})
	}
	// A weekday that does not match its date is flagged, not refused: the letter may print it wrong.
	r, err := f.svc.Receive(context.Background(), intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(7, 5000),
		DocDate: "วันจันทร์ที่ ๑๙ ตุลาคม ๒๕๖๒", Actor: "operator:test"})
	if err != nil || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "doc_date") {
		t.Fatalf("wrong weekday: receipt %+v, err %v", r, err)
	}
	// The same PDF may be received again when the clerk says so.
	if _, err := f.svc.Receive(context.Background(), intake.Request{Register: "LAND-RECV", PDF: good, AllowDuplicate: true, Actor: "operator:test"}); err != nil {
		t.Fatalf("allowed duplicate: %v", err)
	}
}

func TestReceiveStoresEverythingInOneGo(t *testing.T) {
	f := setup(t)
	pdf := samplepdf.Letter(42, 10_000)
	r, err := f.svc.Receive(context.Background(), intake.Request{
		Register: "LAND-RECV", PDF: pdf, DocNumber: "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗", DocDate: "๗ ตุลาคม ๒๕๖๗",
		From: "จังหวัดสงขลา", To: "เจ้าพนักงานที่ดินจังหวัดสงขลา", Subject: "แนวทางการดำเนินการตามมติคณะรัฐมนตรี",
		Urgency: "ด่วนที่สุด", Secrecy: "", Deadline: "๑๙ ต.ค. ๒๕๖๗", Actor: "operator:test",
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Number != 1 || r.OriginalSHA256 != objects.SHA256Hex(pdf) || r.LetterID == "" {
		t.Fatalf("receipt = %+v", r)
	}
	if _, off := r.ReceivedAt.Zone(); off != 7*3600 {
		t.Errorf("received_at not in +07:00: %s", r.ReceivedAt)
	}
	l, err := f.db.GetLetter(context.Background(), r.LetterID)
	if err != nil {
		t.Fatal(err)
	}
	if l.DocNumber != "สข 0017.2/ว 7577" || l.DocDateISO != "2024-10-07" || l.Urgency != "most_urgent" {
		t.Errorf("letter = %+v", l)
	}
	if l.Deadline == nil || l.Deadline.Format("2006-01-02") != "2024-10-19" {
		t.Errorf("deadline = %v", l.Deadline)
	}
	if len(l.Revisions) != 1 || l.Revisions[0].Kind != "original" || l.Revisions[0].SHA256 != r.OriginalSHA256 {
		t.Errorf("revisions = %+v", l.Revisions)
	}
	got, err := f.blobs.Get(context.Background(), l.Revisions[0].ObjectKey)
	if err != nil || string(got) != string(pdf) {
		t.Fatalf("stored original differs (err %v)", err)
	}
	rows, err := f.db.AuditFor(context.Background(), "letter", r.LetterID)
	if err != nil || len(rows) != 1 || rows[0].Action != "letter.receive" || rows[0].Actor != "operator:test" {
		t.Fatalf("audit rows = %+v (err %v)", rows, err)
	}
	if n, _ := f.db.OutboxPending(context.Background()); n != 1 {
		t.Errorf("outbox pending = %d, want 1", n)
	}
}

func TestAPersonReceivesOnlyWhereTheyWork(t *testing.T) {
	f := setup(t)
	f.svc.Auth = auth{f.db}
	// A land-office clerk may receive into the land office's register, not into a branch's
	// sibling unit elsewhere (the provincial office).
	clerk := landClerk(t, f.db)
	r, err := f.svc.Receive(context.Background(), intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(1, 3000), Actor: clerk, Person: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Capacity == "" {
		t.Errorf("no capacity recorded")
	}
	_, err = f.svc.Receive(context.Background(), intake.Request{Register: "PAO-RECV", PDF: samplepdf.Letter(2, 3000), Actor: clerk, Person: true})
	var ie *intake.Error
	if !errors.As(err, &ie) || ie.Kind != intake.Forbidden {
		t.Fatalf("receive into another unit's register: %v", err)
	}
}

type auth struct{ db *storage.DB }

func (a auth) CanReceiveInto(ctx context.Context, person, register string) (string, error) {
	p, err := a.db.CanReceiveInto(ctx, person, register)
	return p.Title, err
}

// landClerk finds a person who holds a position in the land office itself.
func landClerk(t *testing.T, db *storage.DB) string {
	t.Helper()
	var id string
	err := db.Pool.QueryRow(context.Background(), `SELECT person_id FROM positions WHERE unit_code = 'land-office' ORDER BY is_head, person_id LIMIT 1`).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
