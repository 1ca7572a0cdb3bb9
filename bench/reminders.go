package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/saraban/saraban/activities"
	"github.com/saraban/saraban/calendar"
	"github.com/saraban/saraban/dispatch"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/pdfdoc"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/storage/objects"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/worker"
)

// RemindersConfig says how many open letters to watch and over how much (compressed) time.
type RemindersConfig struct {
	DB        *storage.DB
	Blobs     *objects.Store
	Temporal  client.Client
	TaskQueue string
	Register  string
	Letters   int
	// Lead is the time between the start and the first reminder: intake and the start of
	// every workflow must fit in it.
	Lead time.Duration
	// Spread is the window over which the reminders fall due (a day of office time, compressed).
	Spread time.Duration
	Log    io.Writer
}

// RemindersReport holds the figures.
type RemindersReport struct {
	Letters        int       `json:"letters"`
	Spread         string    `json:"spread"`
	IntakeSeconds  float64   `json:"intake_seconds"`
	StartedSeconds float64   `json:"all_workflows_started_seconds"`
	Sent           int       `json:"reminders_sent"`
	Missed         int       `json:"missed"`
	Duplicates     int       `json:"duplicates"`
	Late5s         int       `json:"later_than_5s"`
	LagP50ms       float64   `json:"lag_p50_ms"`
	LagP99ms       float64   `json:"lag_p99_ms"`
	LagMaxms       float64   `json:"lag_max_ms"`
	StampedSeconds float64   `json:"all_stamped_seconds"` // when every receive stamp was drawn (-1: not by the first reminder)
	LateByMinute   []string  `json:"late_by_minute"`      // minute of the window: reminders, later than 5 s, max lag
	WorkerPeakRSS  string    `json:"process_peak_rss"`
	PostgresSize   string    `json:"postgres_database_size"`
	When           time.Time `json:"when"`
}

// Reminders registers letters whose deadlines fall over the spread window, runs a worker and a
// dispatcher in this process, and measures how late each reminder is against its due time.
// Reminders fire one hour before each deadline (the due-day notice of a timed deadline), and
// weekends count as working days so that the benchmark runs on any day.
func Reminders(ctx context.Context, cfg RemindersConfig) (RemindersReport, error) {
	rep := RemindersReport{Letters: cfg.Letters, Spread: cfg.Spread.String(), When: time.Now()}
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, time.Now().Format("15:04:05 ")+format+"\n", args...)
		}
	}
	font, err := pdfdoc.LoadDefaultFont()
	if err != nil {
		return rep, err
	}
	policy := calendar.Policy{OnDay: true, At: calendar.TimeOfDay{Hour: 23, Min: 59}, Horizon: 1}
	acts := &activities.Activities{Store: cfg.DB, Blobs: cfg.Blobs, Font: font, Digits: thai.ThaiDigits, Router: cfg.DB,
		Policy: &policy, WorkWeekends: true}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = worker.Run(wctx, cfg.Temporal, cfg.TaskQueue, acts, quiet) }()
	go func() {
		defer wg.Done()
		_ = (&dispatch.Dispatcher{DB: cfg.DB, Temporal: cfg.Temporal, TaskQueue: cfg.TaskQueue, Parallel: 32, Log: quiet}).Run(wctx)
	}()
	defer wg.Wait()
	defer stop()

	start := time.Now()
	first := start.Add(cfg.Lead)
	svc := &intake.Service{DB: cfg.DB, Blobs: cfg.Blobs}
	var next atomic.Int64
	var ierr atomic.Value
	var iw sync.WaitGroup
	logf("registering %d letters, reminders from %s over %s …", cfg.Letters, first.Format("15:04:05"), cfg.Spread)
	for w := 0; w < 8; w++ {
		iw.Add(1)
		go func() {
			defer iw.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= cfg.Letters || ctx.Err() != nil {
					return
				}
				// The reminder is due one hour before the deadline; 137 ms keeps it off a whole
				// second (and off midnight, which would mean a whole-day deadline).
				remindAt := first.Add(time.Duration(int64(cfg.Spread) * int64(i) / int64(cfg.Letters))).Truncate(time.Millisecond).Add(137 * time.Millisecond)
				due := remindAt.Add(time.Hour)
				_, err := svc.Receive(ctx, intake.Request{Register: cfg.Register, PDF: samplepdf.Letter(uint64(start.UnixNano())+uint64(i), 1500),
					Subject: "bench " + strconv.Itoa(i), Deadline: due.In(thai.Bangkok).Format(time.RFC3339Nano), Actor: "operator:bench"})
				if err != nil {
					ierr.Store(err)
					return
				}
			}
		}()
	}
	iw.Wait()
	if e, _ := ierr.Load().(error); e != nil {
		return rep, fmt.Errorf("intake: %w", e)
	}
	rep.IntakeSeconds = time.Since(start).Seconds()
	logf("registered in %.0fs; waiting for every workflow to start …", rep.IntakeSeconds)
	for {
		n, err := cfg.DB.OutboxPending(ctx)
		if err != nil {
			return rep, err
		}
		if n == 0 {
			break
		}
		if time.Now().After(first) {
			logf("warning: %d workflows not started when reminders began to fall due", n)
			break
		}
		time.Sleep(time.Second)
	}
	rep.StartedSeconds = time.Since(start).Seconds()
	logf("all started after %.0fs; reminders fall due until %s", rep.StartedSeconds, first.Add(cfg.Spread).Format("15:04:05"))
	// The workflow draws each letter's stamp before it sleeps towards the reminder: a backlog of
	// stamps when the window opens shows as late reminders, so it is measured apart.
	rep.StampedSeconds = -1
	for time.Now().Before(first) {
		var unstamped int
		if err := cfg.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM register_entries e WHERE NOT EXISTS
			(SELECT 1 FROM revisions r WHERE r.entry_id = e.id AND r.kind = 'stamped')`).Scan(&unstamped); err != nil {
			return rep, err
		}
		if unstamped == 0 {
			rep.StampedSeconds = time.Since(start).Seconds()
			logf("all stamped after %.0fs", rep.StampedSeconds)
			break
		}
		time.Sleep(2 * time.Second)
	}
	select {
	case <-ctx.Done():
		return rep, ctx.Err()
	case <-time.After(time.Until(first.Add(cfg.Spread).Add(30 * time.Second))):
	}
	// Lag: when the notification was written against when it was due (deadline − 1 h).
	err = cfg.DB.Pool.QueryRow(ctx, `
		WITH lag AS (SELECT n.letter_id, extract(epoch FROM n.created_at - (l.deadline - interval '1 hour')) * 1000 AS ms
		             FROM notifications n JOIN letters l ON l.id = n.letter_id WHERE n.kind = 'due')
		SELECT count(*), count(DISTINCT letter_id), count(*) FILTER (WHERE ms > 5000),
		       coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), 0), coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), 0),
		       coalesce(max(ms), 0)
		FROM lag`).Scan(&rep.Sent, &rep.Duplicates, &rep.Late5s, &rep.LagP50ms, &rep.LagP99ms, &rep.LagMaxms)
	if err != nil {
		return rep, err
	}
	rows, err := cfg.DB.Pool.Query(ctx, `
		WITH lag AS (SELECT l.deadline - interval '1 hour' AS due, extract(epoch FROM n.created_at - (l.deadline - interval '1 hour')) * 1000 AS ms
		             FROM notifications n JOIN letters l ON l.id = n.letter_id WHERE n.kind = 'due')
		SELECT to_char(date_trunc('minute', due) AT TIME ZONE 'Asia/Bangkok', 'HH24:MI') || ' ' || count(*) || ' late ' ||
		       count(*) FILTER (WHERE ms > 5000) || ' max ' || round(max(ms)) || 'ms'
		FROM lag GROUP BY date_trunc('minute', due) ORDER BY date_trunc('minute', due)`)
	if err == nil {
		for rows.Next() {
			var line string
			if rows.Scan(&line) == nil {
				rep.LateByMinute = append(rep.LateByMinute, line)
			}
		}
		rows.Close()
	}
	distinct := rep.Duplicates
	rep.Duplicates = rep.Sent - distinct
	rep.Missed = cfg.Letters - distinct
	_ = cfg.DB.Pool.QueryRow(ctx, `SELECT pg_size_pretty(pg_database_size(current_database()))`).Scan(&rep.PostgresSize)
	rep.WorkerPeakRSS = peakRSS()
	return rep, nil
}

// peakRSS reads this process's peak resident memory (it runs the worker, the dispatcher and
// intake).
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}
