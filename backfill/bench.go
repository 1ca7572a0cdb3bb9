package backfill

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"

	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/manifest"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/storage/objects"
)

// BenchConfig is `saraban bench backfill`: backfill beside the raw cost of its parts.
type BenchConfig struct {
	DB        *storage.DB
	Blobs     *objects.Store
	Dir       string // scratch folder for the manifests and files
	MetaRows  int    // metadata-only rows (default 100,000)
	FileRows  int    // rows with a PDF each (default 20,000)
	FileSize  int    // bytes per PDF (default 100 KB)
	Workers   int    // upload concurrency, the same for the raw puts (default 16)
	BatchSize int
	Log       io.Writer
}

// BenchPhase is one measured run.
type BenchPhase struct {
	Rows          int     `json:"rows"`
	Seconds       float64 `json:"seconds"`
	RowsPerSecond float64 `json:"rows_per_second"`
	MBPerSecond   float64 `json:"mb_per_second,omitempty"`
	PeakRSSMB     float64 `json:"peak_rss_mb,omitempty"`
}

// BenchReport is the result, with the ratio of backfill to the raw baseline.
type BenchReport struct {
	Metadata struct {
		RawCopy  BenchPhase `json:"raw_copy"`
		Backfill BenchPhase `json:"backfill"`
		Ratio    float64    `json:"ratio"`
	} `json:"metadata"`
	Files struct {
		RawPuts  BenchPhase `json:"raw_puts"`
		Backfill BenchPhase `json:"backfill"`
		Ratio    float64    `json:"ratio"`
	} `json:"files"`
	Workers  int `json:"workers"`
	FileSize int `json:"file_size"`
}

func benchRow(n int, file string) manifest.Row {
	return manifest.Row{ReceiveNumber: strconv.Itoa(n),
		ReceivedAt: time.Date(2020, 1, 1, 8, 0, 0, 0, time.FixedZone("", 7*3600)).Add(time.Duration(n) * time.Minute).Format(time.RFC3339),
		DocNumber:  fmt.Sprintf("ที่ สข ๐๐๑๗.๒/%d", n), DocDate: "2019-12-31", From: "จังหวัดสงขลา", To: "เจ้าพนักงานที่ดินจังหวัดสงขลา",
		Subject: fmt.Sprintf("ขอความอนุเคราะห์ข้อมูล รายการที่ %d", n), Urgency: "normal", Secrecy: "normal", File: file,
		Status: []string{"closed", "closed", "closed", "open"}[n%4]}
}

// peak RSS of this process since the last reset (Linux; 0 elsewhere).
func resetPeak() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

func phase(rows int, bytes int64, d time.Duration) BenchPhase {
	p := BenchPhase{Rows: rows, Seconds: d.Seconds(), RowsPerSecond: float64(rows) / d.Seconds()}
	if bytes > 0 {
		p.MBPerSecond = float64(bytes) / (1 << 20) / d.Seconds()
	}
	return p
}

// Bench runs the metadata and the files benchmarks, each against its raw baseline.
func Bench(ctx context.Context, cfg BenchConfig) (BenchReport, error) {
	var rep BenchReport
	if cfg.MetaRows <= 0 {
		cfg.MetaRows = 100_000
	}
	if cfg.FileRows <= 0 {
		cfg.FileRows = 20_000
	}
	if cfg.FileSize <= 0 {
		cfg.FileSize = 100_000
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	rep.Workers, rep.FileSize = cfg.Workers, cfg.FileSize
	logf := func(f string, a ...any) { fmt.Fprintf(cfg.Log, f+"\n", a...) }

	// Metadata: the manifest, then raw COPY of the same rows into another register, then backfill.
	meta := filepath.Join(cfg.Dir, "meta.csv")
	if err := writeManifest(meta, cfg.MetaRows, func(n int) string { return "" }); err != nil {
		return rep, err
	}
	logf("metadata: raw COPY of %d rows", cfg.MetaRows)
	t0 := time.Now()
	if err := rawCopy(ctx, cfg.DB, "PAO-RECV", meta); err != nil {
		return rep, fmt.Errorf("raw copy: %w", err)
	}
	rep.Metadata.RawCopy = phase(cfg.MetaRows, 0, time.Since(t0))
	logf("metadata: backfill of %d rows", cfg.MetaRows)
	runtime.GC()
	resetPeak()
	t0 = time.Now()
	s, err := Run(ctx, Config{DB: cfg.DB, Blobs: cfg.Blobs, Register: "LAND-RECV", Manifest: meta, FilesDir: cfg.Dir,
		Workers: cfg.Workers, BatchSize: cfg.BatchSize, Actor: "operator:bench"})
	if err != nil {
		return rep, err
	}
	if s.Imported != cfg.MetaRows {
		return rep, fmt.Errorf("metadata backfill imported %d of %d", s.Imported, cfg.MetaRows)
	}
	rep.Metadata.Backfill = phase(cfg.MetaRows, 0, time.Since(t0))
	rep.Metadata.Backfill.PeakRSSMB = peakRSSMB()
	rep.Metadata.Ratio = rep.Metadata.Backfill.RowsPerSecond / rep.Metadata.RawCopy.RowsPerSecond

	// Files: write them, raw parallel puts of the same bytes (other keys), then backfill.
	logf("files: writing %d PDFs of %d bytes", cfg.FileRows, cfg.FileSize)
	fdir := filepath.Join(cfg.Dir, "files")
	if err := os.MkdirAll(fdir, 0o755); err != nil {
		return rep, err
	}
	for i := 1; i <= cfg.FileRows; i++ {
		if err := os.WriteFile(filepath.Join(fdir, fmt.Sprintf("%d.pdf", i)), samplepdf.Letter(uint64(i)+1e9, cfg.FileSize), 0o644); err != nil {
			return rep, err
		}
	}
	fman := filepath.Join(fdir, "manifest.csv")
	if err := writeManifest(fman, cfg.FileRows, func(n int) string { return fmt.Sprintf("%d.pdf", n) }); err != nil {
		return rep, err
	}
	logf("files: raw parallel puts (%d workers)", cfg.Workers)
	t0 = time.Now()
	total, err := rawPuts(ctx, cfg.Blobs, fdir, cfg.FileRows, cfg.Workers)
	if err != nil {
		return rep, fmt.Errorf("raw puts: %w", err)
	}
	rep.Files.RawPuts = phase(cfg.FileRows, total, time.Since(t0))
	logf("files: backfill")
	runtime.GC()
	resetPeak()
	t0 = time.Now()
	s, err = Run(ctx, Config{DB: cfg.DB, Blobs: cfg.Blobs, Register: "HATYAI-RECV", Manifest: fman, FilesDir: fdir,
		Workers: cfg.Workers, BatchSize: cfg.BatchSize, Actor: "operator:bench"})
	if err != nil {
		return rep, err
	}
	if s.Imported != cfg.FileRows || s.ObjectsUploaded != cfg.FileRows {
		return rep, fmt.Errorf("files backfill imported %d rows, uploaded %d objects, of %d", s.Imported, s.ObjectsUploaded, cfg.FileRows)
	}
	rep.Files.Backfill = phase(cfg.FileRows, s.BytesUploaded, time.Since(t0))
	rep.Files.Backfill.PeakRSSMB = peakRSSMB()
	rep.Files.Ratio = rep.Files.Backfill.RowsPerSecond / rep.Files.RawPuts.RowsPerSecond
	return rep, nil
}

func writeManifest(path string, n int, file func(int) string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := manifest.NewCSVWriter(f)
	for i := 1; i <= n; i++ {
		if err := w.Write(benchRow(i, file(i))); err != nil {
			return err
		}
	}
	return w.Close()
}

// rawCopy is the floor for metadata: the same rows read from the same manifest and parsed the
// same way, sent with two COPYs (letters, register_entries) in one transaction: no validation
// pass, no lock, no counters, no outbox, no audit.
func rawCopy(ctx context.Context, db *storage.DB, register, path string) error {
	f, rd, err := openManifest(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var letters, entries [][]any
	now := time.Now()
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		e, ps := manifest.Check(rec, now)
		if len(ps) > 0 {
			return fmt.Errorf("%s", ps[0])
		}
		r := toRow(register, e)
		letters = append(letters, []any{r.LetterID, r.ReceivedAt, r.DocNumberRaw, r.DocNumber, r.DocDate, r.DocDateRaw,
			r.From, r.To, r.Subject, r.Urgency, r.Secrecy, r.Deadline, r.LetterStatus, r.OriginalSHA256})
		entries = append(entries, []any{register, "normal", r.Year, r.Number, r.LetterID, r.ReceivedAt, "operator:bench", r.Action, r.Note})
	}
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"letters"}, []string{"id", "created_at", "doc_number_raw", "doc_number",
			"doc_date", "doc_date_raw", "from_text", "to_text", "subject", "urgency", "secrecy", "deadline", "status", "original_sha256"},
			pgx.CopyFromRows(letters)); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"register_entries"}, []string{"register_code", "series", "year", "number",
			"letter_id", "received_at", "received_by", "action_text", "note"}, pgx.CopyFromRows(entries))
		return err
	})
}

// rawPuts is the floor for files: read each file and put it, workers at a time, no checks.
func rawPuts(ctx context.Context, blobs *objects.Store, dir string, n, workers int) (int64, error) {
	jobs := make(chan int)
	var mu sync.Mutex
	var total int64
	var firstErr error
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%d.pdf", i)))
				if err == nil {
					_, err = blobs.Client.PutObject(ctx, blobs.Bucket, fmt.Sprintf("raw/%d.pdf", i), bytes.NewReader(data), int64(len(data)),
						minio.PutObjectOptions{ContentType: "application/pdf"})
				}
				mu.Lock()
				total += int64(len(data))
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for i := 1; i <= n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return total, firstErr
}
