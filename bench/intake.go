// Package bench measures saraban against the raw cost of its parts, in the same run, on the
// real services: figures are ratios to a baseline, not absolute promises (docs/benchmarks.md).
package bench

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/org"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/storage/objects"
)

// IntakeConfig says what to measure.
type IntakeConfig struct {
	DB          *storage.DB // a scratch database, migrated, with the organisation loaded
	Blobs       *objects.Store
	Register    string
	PDFSize     int
	Concurrency int           // closed-loop workers for the throughput runs
	Count       int           // operations per throughput run
	Rate        float64       // receives per second for the steady run
	Steady      time.Duration // length of the steady run
	Rounds      int           // raw and intake runs alternate this many times; medians are reported
	Log         io.Writer
}

// IntakeReport holds the figures.
type IntakeReport struct {
	PDFSize      int       `json:"pdf_size"`
	Concurrency  int       `json:"concurrency"`
	RawPerSec    float64   `json:"raw_per_sec"`
	PutPerSec    float64   `json:"s3_put_per_sec"`
	TxPerSec     float64   `json:"pg_tx_per_sec"`
	IntakePerSec float64   `json:"intake_per_sec"`
	Ratio        float64   `json:"ratio"`
	SteadyRate   float64   `json:"steady_rate"`
	SteadyCount  int       `json:"steady_count"`
	SteadyErrors int       `json:"steady_errors"`
	P50ms        float64   `json:"p50_ms"`
	P99ms        float64   `json:"p99_ms"`
	MaxMs        float64   `json:"max_ms"`
	RawP50ms     float64   `json:"raw_p50_ms"`
	Rounds       int       `json:"rounds"`
	RawRuns      []float64 `json:"raw_runs_per_sec"`
	IntakeRuns   []float64 `json:"intake_runs_per_sec"`
	When         time.Time `json:"when"`
}

// closedLoop runs op count times on n workers and returns operations per second and latencies.
func closedLoop(ctx context.Context, n, count int, op func(ctx context.Context, i int) error) (float64, []time.Duration, error) {
	var next atomic.Int64
	var mu sync.Mutex
	var firstErr error
	lats := make([]time.Duration, count)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= count || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				if err := op(ctx, i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				lats[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	return float64(count) / el.Seconds(), lats, firstErr
}

func pct(lats []time.Duration, p float64) float64 {
	if len(lats) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), lats...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p * float64(len(s)-1))
	return float64(s[i].Microseconds()) / 1000
}

// Intake measures raw parts, intake throughput and intake latency at a steady rate.
func Intake(ctx context.Context, cfg IntakeConfig) (IntakeReport, error) {
	rep := IntakeReport{PDFSize: cfg.PDFSize, Concurrency: cfg.Concurrency, SteadyRate: cfg.Rate, When: time.Now()}
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", args...)
		}
	}
	// Every operation gets its own PDF (its own content address), made before the clock starts.
	if cfg.Rounds <= 0 {
		cfg.Rounds = 3
	}
	rep.Rounds = cfg.Rounds
	const warm = 40
	total := 2*cfg.Count + 2*cfg.Rounds*cfg.Count + int(cfg.Rate*cfg.Steady.Seconds()) + 2*warm + 10
	logf("making %d PDFs of %d bytes…", total, cfg.PDFSize)
	pdfs := make([][]byte, total)
	for i := range pdfs {
		pdfs[i] = samplepdf.Letter(uint64(time.Now().UnixNano())+uint64(i), cfg.PDFSize)
	}
	used := 0
	take := func(n int) [][]byte { s := pdfs[used : used+n]; used += n; return s }

	if _, err := cfg.DB.Pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, register text, n int, subject text, sha text, at timestamptz)`); err != nil {
		return rep, err
	}
	// The raw parts of one receive: one S3 put of the PDF, and one Postgres transaction that
	// writes one row. Measured apart and together, at the same concurrency as intake.
	rawTx := func(ctx context.Context, i int) error {
		return cfg.DB.Transact(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO bench_raw(register, n, subject, sha, at) VALUES ($1, $2, 'raw', 'x', now())`, cfg.Register, i)
			return err
		})
	}
	putPDFs := take(cfg.Count)
	rawPut := func(ctx context.Context, i int) error {
		_, err := cfg.Blobs.Client.PutObject(ctx, cfg.Blobs.Bucket, fmt.Sprintf("bench/raw-%d-%d.pdf", time.Now().UnixNano(), i),
			bytesReader(putPDFs[i]), int64(len(putPDFs[i])), minio.PutObjectOptions{ContentType: "application/pdf"})
		return err
	}
	var err error
	logf("raw: S3 put …")
	if rep.PutPerSec, _, err = closedLoop(ctx, cfg.Concurrency, cfg.Count, rawPut); err != nil {
		return rep, fmt.Errorf("raw put: %w", err)
	}
	logf("raw: Postgres transaction …")
	if rep.TxPerSec, _, err = closedLoop(ctx, cfg.Concurrency, cfg.Count, rawTx); err != nil {
		return rep, fmt.Errorf("raw tx: %w", err)
	}
	svc := &intake.Service{DB: cfg.DB, Blobs: cfg.Blobs}
	rawBoth := func(pdfs [][]byte) func(ctx context.Context, i int) error {
		return func(ctx context.Context, i int) error {
			if _, err := cfg.Blobs.Client.PutObject(ctx, cfg.Blobs.Bucket, fmt.Sprintf("bench/both-%d-%d.pdf", time.Now().UnixNano(), i),
				bytesReader(pdfs[i]), int64(len(pdfs[i])), minio.PutObjectOptions{ContentType: "application/pdf"}); err != nil {
				return err
			}
			return rawTx(ctx, i)
		}
	}
	receive := func(pdfs [][]byte) func(ctx context.Context, i int) error {
		return func(ctx context.Context, i int) error {
			_, err := svc.Receive(ctx, intake.Request{Register: cfg.Register, PDF: pdfs[i], DocNumber: "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗",
				DocDate: "๗ ต.ค. ๒๕๖๗", Subject: "แนวทางการดำเนินการตามมติคณะรัฐมนตรี", Urgency: "ด่วนที่สุด", Actor: "operator:bench"})
			return err
		}
	}
	// Warm both paths (connections, MinIO's first writes) before any clock starts.
	if _, _, err := closedLoop(ctx, cfg.Concurrency, warm, rawBoth(take(warm))); err != nil {
		return rep, fmt.Errorf("warm-up: %w", err)
	}
	if _, _, err := closedLoop(ctx, cfg.Concurrency, warm, receive(take(warm))); err != nil {
		return rep, fmt.Errorf("warm-up: %w", err)
	}
	// Raw and intake alternate, so that a machine busy with something else slows both alike.
	var rawLats []time.Duration
	for round := 0; round < cfg.Rounds; round++ {
		logf("round %d/%d: raw put + transaction …", round+1, cfg.Rounds)
		v, lats, err := closedLoop(ctx, cfg.Concurrency, cfg.Count, rawBoth(take(cfg.Count)))
		if err != nil {
			return rep, fmt.Errorf("raw put+tx: %w", err)
		}
		rep.RawRuns = append(rep.RawRuns, v)
		rawLats = append(rawLats, lats...)
		logf("round %d/%d: intake …", round+1, cfg.Rounds)
		v, _, err = closedLoop(ctx, cfg.Concurrency, cfg.Count, receive(take(cfg.Count)))
		if err != nil {
			return rep, fmt.Errorf("intake: %w", err)
		}
		rep.IntakeRuns = append(rep.IntakeRuns, v)
	}
	rep.RawPerSec, rep.IntakePerSec = median(rep.RawRuns), median(rep.IntakeRuns)
	rep.RawP50ms = pct(rawLats, 0.5)
	rep.Ratio = rep.IntakePerSec / rep.RawPerSec

	// Steady load: one receive every 1/rate seconds, each in its own goroutine (open loop), so a
	// slow receive does not hide behind the schedule.
	n := int(cfg.Rate * cfg.Steady.Seconds())
	stPDFs := take(n)
	logf("intake: steady %.0f/s for %s …", cfg.Rate, cfg.Steady)
	lats := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	start := time.Now()
	for i := 0; i < n; i++ {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			t0 := time.Now()
			_, errs[i] = svc.Receive(ctx, intake.Request{Register: cfg.Register, PDF: stPDFs[i], Subject: "steady", Actor: "operator:bench"})
			lats[i] = time.Since(t0)
		}(i)
	}
	wg.Wait()
	rep.SteadyCount = n
	var ok []time.Duration
	for i, e := range errs {
		if e != nil {
			rep.SteadyErrors++
			continue
		}
		ok = append(ok, lats[i])
	}
	rep.P50ms, rep.P99ms, rep.MaxMs = pct(ok, 0.5), pct(ok, 0.99), pct(ok, 1)
	return rep, nil
}

// ImportOrg loads an organisation file into a scratch database.
func ImportOrg(ctx context.Context, db *storage.DB, path string) error {
	f, err := org.Load(path)
	if err != nil {
		return err
	}
	_, err = db.ImportOrg(ctx, f, "operator:bench")
	return err
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
