package backfill_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/saraban/saraban/backfill"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/manifest"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/storage/objects"
)

const reg = "LAND-RECV"

func writeCSV(t *testing.T, path string, rows []manifest.Row) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := manifest.NewCSVWriter(f)
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func row(n int, file, status string) manifest.Row {
	return manifest.Row{ReceiveNumber: fmt.Sprint(n), ReceivedAt: fmt.Sprintf("2024-03-%02dT09:%02d:00+07:00", 1+n%28, n%60),
		DocNumber: fmt.Sprintf("ที่ สข ๐๐๑๗.๒/%d", 100+n), DocDate: "2024-02-20", From: "จังหวัดสงขลา", To: "เจ้าพนักงานที่ดิน",
		Subject: fmt.Sprintf("เรื่องที่ %d", n), Urgency: "normal", Secrecy: "normal", File: file, Status: status}
}

func count(t *testing.T, db *storage.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func setup(t *testing.T) (*storage.DB, *objects.Store, string) {
	db := testenv.DB(t)
	testenv.Demo(t, db)
	return db, testenv.Objects(t), t.TempDir()
}

// live receives one letter now through intake (number 1 of the current year).
func live(t *testing.T, db *storage.DB, blobs *objects.Store, seed uint64) intake.Receipt {
	t.Helper()
	svc := &intake.Service{DB: db, Blobs: blobs}
	r, err := svc.Receive(context.Background(), intake.Request{Register: reg, PDF: samplepdf.Letter(seed, 3000), Subject: "live", Actor: "operator:test"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDryRunFindsEveryKindOfBadRowAndWritesNothing(t *testing.T) {
	db, blobs, dir := setup(t)
	ctx := context.Background()
	lr := live(t, db, blobs, 99) // takes number 1 of this year
	for i := 1; i <= 3; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.pdf", i)), samplepdf.Letter(uint64(i), 2000), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "notpdf.pdf"), []byte("hello, this is not a PDF"), 0o644)
	rows := []manifest.Row{row(1, "1.pdf", "open"), row(2, "2.pdf", "closed"), row(3, "3.pdf", "closed")}
	next := 10
	bad := func(mod func(*manifest.Row)) manifest.Row { next++; r := row(next, "", "closed"); mod(&r); return r }
	cases := []struct{ field, want string }{
		{"received_at", "date"}, {"doc_date", "date"}, {"receive_number", "not a number"}, {"urgency", ""},
		{"secrecy", ""}, {"receive_number", "twice"}, {"receive_number", "already taken"}, {"file", "does not exist"},
		{"file", "notpdf.pdf"}, {"status", "empty"}, {"received_at", "future"},
	}
	rows = append(rows,
		bad(func(r *manifest.Row) { r.ReceivedAt = "32 ต.ค. 2567" }),
		bad(func(r *manifest.Row) { r.DocDate = "2024-13-01" }),
		bad(func(r *manifest.Row) { r.ReceiveNumber = "12a" }),
		bad(func(r *manifest.Row) { r.Urgency = "asap" }),
		bad(func(r *manifest.Row) { r.Secrecy = "ลับที่สุด" }),
		bad(func(r *manifest.Row) { r.ReceiveNumber = "2" }),
		bad(func(r *manifest.Row) {
			r.ReceiveNumber = fmt.Sprint(lr.Number)
			r.ReceivedAt = lr.ReceivedAt.Add(-time.Minute).Format(time.RFC3339)
		}),
		bad(func(r *manifest.Row) { r.File = "missing.pdf" }),
		bad(func(r *manifest.Row) { r.File = "notpdf.pdf" }),
		bad(func(r *manifest.Row) { r.Status = "" }),
		bad(func(r *manifest.Row) { r.ReceivedAt = "2300-01-01T00:00:00+07:00" }),
	)
	mf := filepath.Join(dir, "m.csv")
	writeCSV(t, mf, rows)
	sum, err := backfill.Run(ctx, backfill.Config{DB: db, Blobs: blobs, Register: reg, Manifest: mf, FilesDir: dir, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 14 || sum.Bad != 11 || sum.Valid != 3 {
		t.Fatalf("summary %+v", sum)
	}
	byLine := map[int]manifest.Problem{}
	for _, p := range sum.Problems {
		byLine[p.Line] = p
	}
	for i, c := range cases {
		line := 5 + i // header is line 1, three good rows
		p, ok := byLine[line]
		if !ok || p.Field != c.field || !strings.Contains(p.Message, c.want) {
			t.Errorf("line %d: want %s problem containing %q, got %+v", line, c.field, c.want, p)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM letters`); n != 1 {
		t.Fatalf("dry run wrote letters: %d", n)
	}
	if n, _ := blobs.Count(ctx); n != 1 {
		t.Fatalf("dry run stored objects: %d", n)
	}
	// A real run refuses and writes nothing.
	_, err = backfill.Run(ctx, backfill.Config{DB: db, Blobs: blobs, Register: reg, Manifest: mf, FilesDir: dir})
	if _, ok := err.(*backfill.ProblemsError); !ok {
		t.Fatalf("real run with problems: %v", err)
	}
	if n := count(t, db, `SELECT count(*) FROM letters`); n != 1 {
		t.Fatalf("refused run wrote letters: %d", n)
	}
}

func TestSkipBadWritesGoodRowsAndARejectFileThatCanBeFedBack(t *testing.T) {
	db, blobs, dir := setup(t)
	ctx := context.Background()
	os.WriteFile(filepath.Join(dir, "a.pdf"), samplepdf.Letter(1, 2000), 0o644)
	r2 := row(2, "", "closed")
	r2.Urgency = "ด่วนจี๋"
	r3 := row(3, "b.pdf", "closed") // missing file
	rows := []manifest.Row{row(1, "a.pdf", "closed"), r2, r3, row(4, "", "open")}
	mf := filepath.Join(dir, "m.csv")
	writeCSV(t, mf, rows)
	rej := filepath.Join(dir, "rejects.csv")
	sum, err := backfill.Run(ctx, backfill.Config{DB: db, Blobs: blobs, Register: reg, Manifest: mf, FilesDir: dir, SkipBad: true, Rejects: rej})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Imported != 2 || sum.Skipped != 2 || sum.Workflows != 1 {
		t.Fatalf("summary %+v", sum)
	}
	data, _ := os.ReadFile(rej)
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(recs) != 3 || recs[0][len(recs[0])-1] != "reason" ||
		!strings.Contains(recs[1][14], "urgency") || !strings.Contains(recs[2][14], "b.pdf") {
		t.Fatalf("rejects %q %v", data, err)
	}
	// Fix the rejects file in place and feed it back.
	fixed := strings.Replace(string(data), "ด่วนจี๋", "ด่วน", 1)
	os.WriteFile(filepath.Join(dir, "b.pdf"), samplepdf.Letter(2, 2000), 0o644)
	os.WriteFile(rej, []byte(fixed), 0o644)
	sum, err = backfill.Run(ctx, backfill.Config{DB: db, Blobs: blobs, Register: reg, Manifest: rej, FilesDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Imported != 2 {
		t.Fatalf("fed back %+v", sum)
	}
	if n := count(t, db, `SELECT count(*) FROM register_entries WHERE register_code = $1`, reg); n != 4 {
		t.Fatalf("entries %d", n)
	}
	if u := count(t, db, `SELECT count(*) FROM letters WHERE urgency = 'urgent'`); u != 1 {
		t.Fatalf("urgent %d", u)
	}
}

func TestJSONLinesThaiFormsOutboxAndLiveNumbering(t *testing.T) {
	db, blobs, dir := setup(t)
	ctx := context.Background()
	thisYear := time.Now().In(time.FixedZone("", 7*3600)).Year()
	// Thai digits and dates, Thai urgency words, bare JSON numbers; rows of this year.
	lines := []string{
		`{"receive_number": "๑", "received_at": "๒ ม.ค. ` + thaiYear(thisYear) + ` ๐๙.๓๐ น.", "doc_date": "๗ ต.ค. ๒๕๖๗", "subject": "หนึ่ง", "urgency": "ด่วนที่สุด", "secrecy": "ลับ", "status": "open", "deadline": "๓๑ ต.ค. ๒๕๖๗"}`,
		`{"receive_number": 2, "received_at": "3 มกราคม ` + fmt.Sprint(thisYear+543) + `", "doc_date": "7 ตุลาคม 2567", "subject": "สอง", "urgency": "ด่วนมาก", "status": "closed"}`,
		`{"receive_number": "๓", "received_at": "` + fmt.Sprint(thisYear) + `-01-04T10:00:00+07:00", "subject": "สาม", "status": "cancelled", "note": "ยกเลิก: ส่งผิด"}`,
		`{"receive_number": 7, "received_at": "` + fmt.Sprint(thisYear) + `-01-05", "subject": "เจ็ด", "status": "open"}`,
	}
	mf := filepath.Join(dir, "m.jsonl")
	os.WriteFile(mf, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	sum, err := backfill.Run(ctx, backfill.Config{DB: db, Blobs: blobs, Register: reg, Manifest: mf, FilesDir: dir})
	if err != nil {
		t.Fatalf("%v %+v", err, sum.Problems)
	}
	if sum.Imported != 4 || sum.Workflows != 2 || sum.Format != "jsonl" {
		t.Fatalf("summary %+v", sum)
	}
	if n := count(t, db, `SELECT count(*) FROM letters WHERE urgency = 'most_urgent' AND secrecy = 'confidential' AND doc_date = '2024-10-07' AND deadline IS NOT NULL`); n != 1 {
		t.Fatalf("thai forms not read: %d", n)
	}
	if n := count(t, db, `SELECT count(*) FROM register_entries WHERE status = 'cancelled' AND cancel_reason = 'ส่งผิด' AND note = ''`); n != 1 {
		t.Fatal("cancelled entry")
	}
	// Only open letters have outbox rows, each naming its entry.
	if n := count(t, db, `SELECT count(*) FROM outbox o JOIN register_entries e ON e.id = (o.payload->>'entry_id')::bigint
		JOIN letters l ON l.id = e.letter_id WHERE o.kind = 'receipt' AND l.status = 'open' AND e.status = 'active'`); n != 2 {
		t.Fatalf("outbox rows of open letters: %d", n)
	}
	if n := count(t, db, `SELECT count(*) FROM outbox`); n != 2 {
		t.Fatalf("outbox rows: %d", n)
	}
	// A rerun writes nothing.
	sum, err = backfill.Run(ctx, backfill.Config{DB: db, Blobs: blobs, Register: reg, Manifest: mf, FilesDir: dir})
	if err != nil || sum.Imported != 0 || sum.AlreadyPresent != 4 {
		t.Fatalf("rerun %v %+v", err, sum)
	}
	// The next live receipt continues after the highest imported number.
	if r := live(t, db, blobs, 5); r.Number != 8 || r.Year != thisYear+543 {
		t.Fatalf("live receipt after backfill: %+v", r)
	}
}

func thaiYear(ce int) string {
	d := []rune("๐๑๒๓๔๕๖๗๘๙")
	var b strings.Builder
	for _, c := range fmt.Sprint(ce + 543) {
		b.WriteRune(d[c-'0'])
	}
	return b.String()
}

// exportAll exports a register's year as CSV bytes.
func exportAll(t *testing.T, db *storage.DB, year int) []byte {
	var buf bytes.Buffer
	w := manifest.NewCSVWriter(&buf)
	if err := db.ExportRegister(context.Background(), reg, year, w.Write); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return buf.Bytes()
}

func TestRoundTripExportBackfillExport(t *testing.T) {
	db, blobs, dir := setup(t)
	ctx := context.Background()
	// Build a register with every kind of line: files and none, open, closed, cancelled, deadlines.
	var rows []manifest.Row
	for n := 1; n <= 30; n++ {
		file := ""
		if n%3 != 0 {
			file = fmt.Sprintf("f%d.pdf", n)
			os.WriteFile(filepath.Join(dir, file), samplepdf.Letter(uint64(n%7), 1500), 0o644) // some files repeat
		}
		st := []string{"open", "closed", "closed", "cancelled"}[n%4]
		r := row(n, file, st)
		if st == "cancelled" {
			r.Note = "ยกเลิก: ส่งผิดหน่วย"
		}
		if n%5 == 0 {
			r.Deadline = "2024-03-30T16:30:00+07:00"
			r.Urgency = "very_urgent"
			r.Action = "แจ้งฝ่ายทะเบียน"
		}
		rows = append(rows, r)
	}
	mf := filepath.Join(dir, "m.csv")
	writeCSV(t, mf, rows)
	if _, err := backfill.Run(ctx, backfill.Config{DB: db, Blobs: blobs, Register: reg, Manifest: mf, FilesDir: dir}); err != nil {
		t.Fatal(err)
	}
	first := exportAll(t, db, 2567)

	// Export → files folder named by object key → fresh system → export.
	dir2 := t.TempDir()
	recs, _ := csv.NewReader(bytes.NewReader(first)).ReadAll()
	for _, r := range recs[1:] {
		if key := r[11]; key != "" {
			data, err := blobs.Get(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			os.MkdirAll(filepath.Join(dir2, "sha256"), 0o755)
			os.WriteFile(filepath.Join(dir2, key), data, 0o644)
		}
	}
	os.WriteFile(filepath.Join(dir2, "export.csv"), first, 0o644)
	db2 := testenv.DB(t)
	testenv.Demo(t, db2)
	blobs2 := testenv.Objects(t)
	if _, err := backfill.Run(ctx, backfill.Config{DB: db2, Blobs: blobs2, Register: reg, Manifest: filepath.Join(dir2, "export.csv"), FilesDir: dir2}); err != nil {
		t.Fatal(err)
	}
	second := exportAll(t, db2, 2567)
	if !bytes.Equal(first, second) {
		t.Fatalf("round trip differs:\n%s\n---\n%s", first, second)
	}
	if len(recs) != 31 {
		t.Fatalf("export rows %d", len(recs))
	}
}

// state is what a run leaves: compared between an interrupted-and-resumed run and a clean one.
func state(t *testing.T, db *storage.DB, blobs *objects.Store) string {
	ctx := context.Background()
	var b strings.Builder
	q := func(sql string) {
		rows, err := db.Pool.Query(ctx, sql)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			v, _ := rows.Values()
			fmt.Fprintln(&b, v...)
		}
	}
	q(`SELECT e.year, e.number, e.letter_id::text, e.status, e.received_at, l.subject, l.status, l.original_sha256, l.pages
		FROM register_entries e JOIN letters l ON l.id = e.letter_id ORDER BY e.year, e.number`)
	q(`SELECT letter_id::text, seq, object_key, size FROM revisions ORDER BY 1, 2`)
	q(`SELECT letter_id::text, kind FROM outbox ORDER BY 1`)
	q(`SELECT register_code, year, last FROM register_counters ORDER BY 1, 2`)
	q(`SELECT count(*) FROM letters`)
	var keys []string
	for o := range blobs.Client.ListObjects(ctx, blobs.Bucket, minioListAll()) {
		keys = append(keys, o.Key)
	}
	sort.Strings(keys)
	fmt.Fprintln(&b, keys)
	return b.String()
}

// TestKill9ThenResumeEqualsCleanRun runs the real binary on a 1,000-row manifest with files,
// SIGKILLs it at a random moment, runs it again, and compares database and bucket with a clean run.
func TestKill9ThenResumeEqualsCleanRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "saraban")
	build := exec.Command("go", "build", "-o", bin, "./cmd/saraban")
	build.Dir = testenv.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	var rows []manifest.Row
	for n := 1; n <= 1000; n++ {
		file := ""
		if n%4 != 0 {
			file = fmt.Sprintf("d%d/%d.pdf", n%10, n)
			os.MkdirAll(filepath.Join(dir, fmt.Sprintf("d%d", n%10)), 0o755)
			os.WriteFile(filepath.Join(dir, file), samplepdf.Letter(uint64(n), 4000), 0o644)
		}
		rows = append(rows, row(n, file, []string{"open", "closed", "closed"}[n%3]))
	}
	mf := filepath.Join(dir, "m.csv")
	writeCSV(t, mf, rows)
	run := func(db *storage.DB, bucket string, killAfter time.Duration) (killed bool) {
		cmd := exec.Command(bin, "backfill", "--register", reg, "--manifest", mf, "--files", dir, "--batch", "40", "--workers", "4", "--json")
		cmd.Env = append(os.Environ(), "SARABAN_DATABASE_URL="+testenv.DBURL(db), "SARABAN_S3_BUCKET="+bucket)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if killAfter > 0 {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run: %v\n%s", err, out.String())
				}
				return false
			case <-time.After(killAfter):
				_ = cmd.Process.Signal(syscall.SIGKILL)
				<-done
				return true
			}
		}
		if err := <-done; err != nil {
			t.Fatalf("run: %v\n%s", err, out.String())
		}
		return false
	}
	cleanDB := testenv.DB(t)
	testenv.Demo(t, cleanDB)
	cleanBlobs := testenv.Objects(t)
	start := time.Now()
	run(cleanDB, cleanBlobs.Bucket, 0)
	full := time.Since(start)
	want := state(t, cleanDB, cleanBlobs)

	for i, frac := range []float64{0.15 + 0.5*rand.Float64(), 0.05 + 0.2*rand.Float64()} {
		db := testenv.DB(t)
		testenv.Demo(t, db)
		blobs := testenv.Objects(t)
		after := time.Duration(frac * float64(full))
		killed := run(db, blobs.Bucket, after)
		mid := count(t, db, `SELECT count(*) FROM register_entries`)
		t.Logf("round %d: killed=%v after %v (clean run %v); %d of 1000 rows were in", i, killed, after, full, mid)
		run(db, blobs.Bucket, 0)
		if got := state(t, db, blobs); got != want {
			t.Fatalf("resumed run differs from a clean run")
		}
	}
	if n := count(t, cleanDB, `SELECT count(*) FROM outbox`); n != 333 {
		t.Fatalf("outbox rows %d, want 333 open letters", n)
	}
	_ = ctx
}

func TestProgressLinesWhenNotATerminal(t *testing.T) {
	db, blobs, dir := setup(t)
	var rows []manifest.Row
	for n := 1; n <= 50; n++ {
		rows = append(rows, row(n, "", "closed"))
	}
	mf := filepath.Join(dir, "m.csv")
	writeCSV(t, mf, rows)
	var out bytes.Buffer
	sum, err := backfill.Run(context.Background(), backfill.Config{DB: db, Blobs: blobs, Register: reg, Manifest: mf, FilesDir: dir,
		BatchSize: 10, Progress: &out, ProgressInterval: time.Millisecond})
	if err != nil || sum.Imported != 50 {
		t.Fatalf("%v %+v", err, sum)
	}
	last := strings.Split(strings.TrimSpace(out.String()), "\n")
	if l := last[len(last)-1]; !strings.Contains(l, "50/50 rows (100%)") || !strings.Contains(l, "rows/s") || strings.Contains(l, "\r") {
		t.Fatalf("progress %q", out.String())
	}
}
