package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/org"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/workflows"
)

// fanoutOrg adds n units under the land office, each with a head and a receive register.
func fanoutOrg(t *testing.T, n int) *org.File {
	t.Helper()
	base, err := os.ReadFile(testenv.DemoAgency())
	if err != nil {
		t.Fatal(err)
	}
	var units, people, regs strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&units, "  - code: fan-%03d\n    parent: land-office\n    name: หน่วยทดสอบที่ %d\n", i, i)
		fmt.Fprintf(&people, "  - id: fan-head-%03d\n    name: นายทดสอบ หัวหน้า%d\n    positions:\n      - unit: fan-%03d\n        title: หัวหน้าหน่วยทดสอบที่ %d\n        head: true\n", i, i, i, i)
		fmt.Fprintf(&regs, "  - code: FAN-%03d-RECV\n    unit: fan-%03d\n    kind: receive\n    name: ทะเบียนหนังสือรับ หน่วยทดสอบที่ %d\n", i, i, i)
	}
	text := string(base)
	text = strings.Replace(text, "\npeople:\n", "\n"+units.String()+"\npeople:\n", 1)
	text = strings.Replace(text, "\nregisters:\n", "\n"+people.String()+"\nregisters:\n", 1)
	text += regs.String()
	f, err := org.Parse([]byte(text))
	if err != nil {
		t.Fatalf("generated organisation: %v", err)
	}
	if err := f.Validate(); err != nil {
		t.Fatalf("generated organisation: %v", err)
	}
	return f
}

// TestFanOutSurvivesAWorkerKilledMidway forwards a letter to 200 units and kills the worker
// process (SIGKILL) while it is making the copies. After a restart every unit has exactly one
// copy, one number, one stamp and one notification.
func TestFanOutSurvivesAWorkerKilledMidway(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a worker process: not in -short")
	}
	const n = 200
	s := start(t, true)
	ctx := context.Background()
	if _, err := s.db.ImportOrg(ctx, fanoutOrg(t, n), "test"); err != nil {
		t.Fatal(err)
	}
	today := thai.DateOf(time.Now())
	if _, err := s.db.AddDelegation(ctx, storage.NewDelegation{Delegator: "governor", Delegate: "sujit", Kind: "on_behalf", Unit: "land-office",
		Inherit: true, Powers: []string{"forward"}, StartsOn: today, EndsOn: thai.DateOf(time.Now().AddDate(0, 0, 7))}, "operator:test"); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "saraban")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/saraban/saraban/cmd/saraban").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	logFile := filepath.Join(t.TempDir(), "worker.log")
	startWorker := func() *exec.Cmd {
		lf, err := os.OpenFile(logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "worker")
		cmd.Env = append(os.Environ(), "SARABAN_DATABASE_URL="+testenv.DBURL(s.db), "SARABAN_S3_BUCKET="+s.blobs.Bucket,
			"SARABAN_TEMPORAL_ADDRESS="+s.ts.Addr, "SARABAN_TASK_QUEUE="+s.queue)
		cmd.Stdout, cmd.Stderr = lf, lf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	w := startWorker()
	t.Cleanup(func() {
		if w.Process != nil {
			_ = w.Process.Kill()
			_, _ = w.Process.Wait()
		}
		if t.Failed() {
			b, _ := os.ReadFile(logFile)
			t.Logf("worker log (tail):\n%s", tail(string(b), 3000))
		}
	})
	r, err := s.intake.Receive(ctx, intake.Request{Register: "LAND-RECV", PDF: samplepdf.Letter(200, 20_000), Subject: "แจ้งเวียนทุกหน่วย", Actor: "operator:test"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the letter's stamp", func() bool { return s.stamped(t, r.LetterID) })

	units := make([]string, n)
	for i := range units {
		units[i] = fmt.Sprintf("fan-%03d", i+1)
	}
	res := s.act(t, r.LetterID, workflows.Action{Kind: "forward", Actor: "sujit", Units: units, Purpose: "inform"})
	count := func() int {
		var c int
		if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM forwards WHERE action_id = $1`, res.ActionID).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	eventually(t, time.Minute, "the first copies", func() bool { return count() >= 5 })
	if err := w.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = w.Process.Wait()
	atKill := count()
	t.Logf("worker killed with %d of %d copies made", atKill, n)
	if atKill >= n {
		t.Fatalf("all %d copies were made before the kill: the test proves nothing", n)
	}
	w = startWorker()
	eventually(t, 5*time.Minute, "every copy", func() bool { return count() == n })
	eventually(t, 5*time.Minute, "every copy stamped", func() bool {
		var unstamped int
		if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM forwards f WHERE NOT EXISTS (
			SELECT 1 FROM revisions v WHERE v.entry_id = f.entry_id AND v.kind = 'stamped')`).Scan(&unstamped); err != nil {
			t.Fatal(err)
		}
		return unstamped == 0
	})
	// A row claimed by the killed worker is delivered again when its lease ends (30 s).
	eventually(t, 2*time.Minute, "the outbox emptied", func() bool {
		n, err := s.db.OutboxPending(ctx)
		return err == nil && n == 0
	})
	checks := map[string]string{
		"copies per unit":                     `SELECT count(*) FROM (SELECT unit_code FROM forwards GROUP BY unit_code HAVING count(*) = 1) x`,
		"letters made by the forward":         `SELECT count(*) FROM letters WHERE source_letter_id IS NOT NULL`,
		"entries numbered 1 in FAN registers": `SELECT count(*) FROM register_entries WHERE register_code LIKE 'FAN-%' AND number = 1`,
		"entries in FAN registers":            `SELECT count(*) FROM register_entries WHERE register_code LIKE 'FAN-%'`,
		"stamped revisions of copies":         `SELECT count(*) FROM revisions v JOIN letters l ON l.id = v.letter_id WHERE l.source_letter_id IS NOT NULL AND v.kind = 'stamped'`,
		"forwarded notifications":             `SELECT count(*) FROM notifications WHERE kind = 'forwarded'`,
		"unit heads notified once":            `SELECT count(DISTINCT person_id) FROM notifications WHERE kind = 'forwarded'`,
		"tasks on copies":                     `SELECT count(*) FROM tasks t JOIN letters l ON l.id = t.letter_id WHERE l.source_letter_id IS NOT NULL`,
		"copy workflows started (outbox)":     `SELECT count(*) FROM outbox o JOIN letters l ON l.id = o.letter_id WHERE l.source_letter_id IS NOT NULL AND o.delivered_at IS NOT NULL`,
	}
	for what, q := range checks {
		var got int
		if err := s.db.Pool.QueryRow(ctx, q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got != n {
			t.Errorf("%s = %d, want %d", what, got, n)
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
