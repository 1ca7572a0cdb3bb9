// Package backfill brings historical receive registers into saraban from a manifest (CSV or
// JSON Lines, architecture.md §5) and a folder of PDFs: every row is checked first, files go to
// the object store in parallel (content-addressed), rows go to PostgreSQL in batches under the
// register lock, counters move past the highest imported number, and open letters get an outbox
// row so that the dispatcher starts their workflow. A run can be interrupted at any point and
// run again: letter ids are derived from (register, year, number), objects are stored before
// the rows that name them, and each batch commits whole.
package backfill

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/manifest"
	"github.com/saraban/saraban/pdfdoc"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/storage/objects"
)

// Config is one backfill run.
type Config struct {
	DB         *storage.DB
	Blobs      *objects.Store // may be nil when no row names a file
	Sealer     Sealer         // seals classified rows' files (vault.Vault over Blobs); nil: such rows are refused (docs/files.md)
	Register   string
	Manifest   string // path of the manifest
	FilesDir   string // folder the manifest's file column is relative to
	Workers    int    // parallel file checks and uploads (default 8)
	BatchSize  int    // rows per transaction (default 1000)
	DryRun     bool
	SkipBad    bool
	Rejects    string // reject file (required with SkipBad)
	Actor      string // operator:<name>, for the entries and the audit log
	MaxPDFSize int64  // default intake.DefaultMaxSize
	Now        func() time.Time
	// Progress receives the progress display; nil for none. Terminal redraws one line in place.
	Progress         io.Writer
	Terminal         bool
	ProgressInterval time.Duration // default 200ms on a terminal, 5s otherwise
}

// Sealer is the object store's sealing side (vault.Vault).
type Sealer interface {
	PutSealed(ctx context.Context, data []byte) (key, digest string, err error)
	SealedKey(sha256hex string) (string, error)
	CanSeal() bool
}

func (cfg *Config) canSeal() bool { return cfg.Sealer != nil && cfg.Sealer.CanSeal() }

// Summary is the result of a run (stable JSON field names).
type Summary struct {
	Register        string             `json:"register"`
	Manifest        string             `json:"manifest"`
	Format          string             `json:"format"`
	DryRun          bool               `json:"dry_run"`
	Refused         bool               `json:"refused"` // problems and no --skip-bad: nothing written
	Rows            int                `json:"rows"`
	Valid           int                `json:"valid"`
	Bad             int                `json:"bad"`
	Problems        []manifest.Problem `json:"problems"`
	Imported        int                `json:"imported"`
	AlreadyPresent  int                `json:"already_present"`
	Skipped         int                `json:"skipped"`
	Rejects         string             `json:"rejects,omitempty"`
	Workflows       int                `json:"workflows"`
	ObjectsUploaded int                `json:"objects_uploaded"`
	ObjectsReused   int                `json:"objects_reused"`
	BytesUploaded   int64              `json:"bytes_uploaded"`
	FileBytes       int64              `json:"file_bytes"`
	Years           map[int]int        `json:"years,omitempty"` // BE year → highest number in the manifest
	Seconds         float64            `json:"seconds"`
	RowsPerSecond   float64            `json:"rows_per_second"`
}

// ProblemsError says the manifest has problems and the run did not write anything.
type ProblemsError struct{ N int }

func (e *ProblemsError) Error() string {
	return fmt.Sprintf("%d row(s) of the manifest have problems (listed above); nothing was written: fix them, or run with --skip-bad --rejects FILE to import the good rows and write the bad ones to FILE", e.N)
}

func (c *Config) defaults() {
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 1000
	}
	if c.MaxPDFSize <= 0 {
		c.MaxPDFSize = intake.DefaultMaxSize
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Actor == "" {
		c.Actor = "operator:backfill"
	}
}

func openManifest(path string) (*os.File, *manifest.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("manifest: %w", err)
	}
	head := make([]byte, 64)
	n, _ := f.Read(head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, err
	}
	rd, err := manifest.NewReader(f, manifest.DetectFormat(path, head[:n]))
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, rd, nil
}

// Run checks the manifest and, unless it is a dry run or there are problems (without SkipBad),
// imports it.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	cfg.defaults()
	start := time.Now()
	s := Summary{Register: cfg.Register, Manifest: cfg.Manifest, DryRun: cfg.DryRun, Problems: []manifest.Problem{}}
	if cfg.SkipBad && cfg.Rejects == "" && !cfg.DryRun {
		return s, errors.New("--skip-bad needs --rejects FILE: the skipped rows are written there to be fixed and fed back")
	}
	if err := cfg.DB.CheckBackfillRegister(ctx, cfg.Register); err != nil {
		return s, err
	}
	v, err := validate(ctx, &cfg, &s)
	if err != nil {
		return s, err
	}
	finish := func() {
		s.Seconds = time.Since(start).Seconds()
		if s.Seconds > 0 {
			s.RowsPerSecond = float64(s.Imported) / s.Seconds
		}
	}
	if cfg.DryRun {
		finish()
		return s, nil
	}
	if s.Bad > 0 && !cfg.SkipBad {
		finish()
		s.Refused = true
		return s, &ProblemsError{N: s.Bad}
	}
	err = runImport(ctx, &cfg, &s, v)
	finish()
	return s, err
}

// validation is what the check pass leaves for the import pass: the bad lines and why.
type validation struct {
	bad      map[int]string
	toImport int
	bytes    int64
}

func validate(ctx context.Context, cfg *Config, s *Summary) (*validation, error) {
	f, rd, err := openManifest(cfg.Manifest)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s.Format = string(rd.Format)
	now := cfg.Now()
	v := &validation{bad: map[int]string{}}
	var mu sync.Mutex
	var probs []manifest.Problem
	add := func(ps ...manifest.Problem) {
		mu.Lock()
		probs = append(probs, ps...)
		mu.Unlock()
	}
	seen := map[storage.BackfillKey]int{} // place → first line
	s.Years = map[int]int{}

	// Files are checked in parallel.
	type fileJob struct {
		line int
		path string
	}
	jobs := make(chan fileJob, cfg.Workers*2)
	var wg sync.WaitGroup
	var fileBytes atomic.Int64
	for range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				n, p := checkFile(cfg, j.path)
				fileBytes.Add(n)
				if p != "" {
					add(manifest.Problem{Line: j.line, Field: "file", Message: p})
				}
			}
		}()
	}
	type pending struct {
		key  storage.BackfillKey
		line int
	}
	var batch []pending
	var present int
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		keys := make([]storage.BackfillKey, len(batch))
		for i, p := range batch {
			keys[i] = p.key
		}
		taken, err := cfg.DB.BackfillTaken(ctx, cfg.Register, keys)
		if err != nil {
			return err
		}
		for _, p := range batch {
			id, ok := taken[p.key]
			if !ok {
				continue
			}
			if id == storage.BackfillLetterID(cfg.Register, p.key.Year, p.key.Number) {
				present++
				continue
			}
			add(manifest.Problem{Line: p.line, Field: "receive_number", Message: fmt.Sprintf(
				"number %d of %d is already taken in register %s by another letter (%s): check the number and the year of received_at",
				p.key.Number, p.key.Year, cfg.Register, id)})
		}
		batch = batch[:0]
		return nil
	}
	var readErr error
	for {
		if ctx.Err() != nil {
			readErr = ctx.Err()
			break
		}
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		var le *manifest.LineError
		if errors.As(err, &le) {
			s.Rows++
			add(manifest.Problem{Line: le.Line, Message: le.Err.Error()})
			continue
		}
		if err != nil {
			readErr = fmt.Errorf("read %s: %w", cfg.Manifest, err)
			break
		}
		s.Rows++
		e, ps := manifest.Check(rec, now)
		add(ps...)
		if e.File != "" && intake.Classified(e.Secrecy) && !cfg.canSeal() {
			add(manifest.Problem{Line: rec.Line, Field: "secrecy", Message: fmt.Sprintf(
				"the file of a %s letter must be encrypted at rest and this run has no file keys: give them with --file-keys FILE or SARABAN_FILE_KEYS, or leave file empty", e.Secrecy)})
		}
		if e.Number > 0 && e.Year > 0 {
			k := storage.BackfillKey{Year: e.Year, Number: e.Number}
			if first, dup := seen[k]; dup {
				add(manifest.Problem{Line: rec.Line, Field: "receive_number", Message: fmt.Sprintf(
					"number %d of %d appears twice in the manifest (first on line %d): each number is one letter", e.Number, e.Year, first)})
			} else {
				seen[k] = rec.Line
				if e.Number > s.Years[e.Year] {
					s.Years[e.Year] = e.Number
				}
				batch = append(batch, pending{key: k, line: rec.Line})
				if len(batch) >= 1000 {
					if err := flush(); err != nil {
						readErr = err
						break
					}
				}
			}
		}
		if e.File != "" {
			jobs <- fileJob{line: rec.Line, path: e.File}
		}
	}
	close(jobs)
	wg.Wait()
	if readErr != nil {
		return nil, readErr
	}
	if err := flush(); err != nil {
		return nil, err
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
	for _, p := range probs {
		if r, ok := v.bad[p.Line]; ok {
			v.bad[p.Line] = r + "; " + fieldMsg(p)
		} else {
			v.bad[p.Line] = fieldMsg(p)
		}
	}
	s.Problems = probs
	s.Bad = len(v.bad)
	s.Valid = s.Rows - s.Bad
	s.AlreadyPresent = present
	s.FileBytes = fileBytes.Load()
	v.toImport = s.Valid - present
	v.bytes = s.FileBytes
	return v, nil
}

func fieldMsg(p manifest.Problem) string {
	if p.Field == "" {
		return p.Message
	}
	return p.Field + ": " + p.Message
}

// checkFile reads and inspects one file; it returns its size and a problem ("" when fine).
func checkFile(cfg *Config, rel string) (int64, string) {
	full := filepath.Join(cfg.FilesDir, filepath.FromSlash(rel))
	st, err := os.Stat(full)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Sprintf("%s does not exist in the files folder %s: check the name, or leave file empty", rel, cfg.FilesDir)
		}
		return 0, fmt.Sprintf("%s cannot be read (%v): check its permissions", rel, err)
	}
	if st.IsDir() {
		return 0, fmt.Sprintf("%s is a folder, not a PDF file", rel)
	}
	if st.Size() > cfg.MaxPDFSize {
		return st.Size(), fmt.Sprintf("%s is %.1f MB, over the limit of %.1f MB: scan at a lower resolution or split it", rel, float64(st.Size())/(1<<20), float64(cfg.MaxPDFSize)/(1<<20))
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return 0, fmt.Sprintf("%s cannot be read (%v): check its permissions", rel, err)
	}
	if _, err := pdfdoc.Inspect(data, cfg.MaxPDFSize); err != nil {
		return int64(len(data)), fmt.Sprintf("%s: %v", rel, err)
	}
	return int64(len(data)), ""
}

// item is one row on its way to the database.
type item struct {
	entry manifest.Entry
	row   storage.BackfillRow
}

type chunk struct {
	items   []item
	present map[string]bool
	err     error
}

func runImport(ctx context.Context, cfg *Config, s *Summary, v *validation) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f, rd, err := openManifest(cfg.Manifest)
	if err != nil {
		return err
	}
	defer f.Close()
	var rejects *manifest.RejectWriter
	var rejectFile *os.File
	if cfg.SkipBad {
		rejectFile, err = os.Create(cfg.Rejects)
		if err != nil {
			return fmt.Errorf("rejects file: %w", err)
		}
		defer rejectFile.Close()
		rejects = manifest.NewRejectWriter(rejectFile, rd.Format)
		s.Rejects = cfg.Rejects
	}
	prog := newProgress(cfg, v.toImport, v.bytes)
	defer prog.stop()
	now := cfg.Now()

	// Stage 1: read rows, group them in chunks, ask which are already present.
	chunks := make(chan chunk, 1)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(chunks)
		var cur []item
		send := func() bool {
			if len(cur) == 0 {
				return true
			}
			ids := make([]string, len(cur))
			for i, it := range cur {
				ids[i] = it.row.LetterID
			}
			present, err := presentLetters(ctx, cfg.DB, ids)
			select {
			case chunks <- chunk{items: cur, present: present, err: err}:
			case <-ctx.Done():
				return false
			}
			cur = nil
			return err == nil
		}
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			var le *manifest.LineError
			if errors.As(err, &le) {
				s.Skipped++
				continue // reported by validation; it has no row to write to the rejects file
			}
			if err != nil {
				select {
				case chunks <- chunk{err: err}:
				case <-ctx.Done():
				}
				return
			}
			if reason, bad := v.bad[rec.Line]; bad {
				s.Skipped++
				if rejects != nil {
					if err := rejects.Write(rec.Row, reason); err != nil {
						select {
						case chunks <- chunk{err: fmt.Errorf("rejects file: %w", err)}:
						case <-ctx.Done():
						}
						return
					}
				}
				continue
			}
			e, ps := manifest.Check(rec, now)
			if len(ps) > 0 {
				select {
				case chunks <- chunk{err: fmt.Errorf("line %d changed since it was checked: %s", rec.Line, ps[0])}:
				case <-ctx.Done():
				}
				return
			}
			cur = append(cur, item{entry: e, row: toRow(cfg.Register, e)})
			if len(cur) >= cfg.BatchSize && !send() {
				return
			}
		}
		send()
	}()

	// Stage 2: upload the files of a chunk in parallel (objects before the rows that name them).
	ready := make(chan chunk, 1)
	go func() {
		defer close(ready)
		for c := range chunks {
			if c.err == nil {
				c.err = uploadChunk(ctx, cfg, s, prog, &c)
			}
			select {
			case ready <- c:
			case <-ctx.Done():
				return
			}
			if c.err != nil {
				return
			}
		}
	}()

	// Stage 3: write each chunk in one transaction.
	var firstErr error
	for c := range ready {
		if c.err != nil {
			firstErr = c.err
			break
		}
		rows := make([]storage.BackfillRow, len(c.items))
		for i, it := range c.items {
			rows[i] = it.row
		}
		res, err := cfg.DB.BackfillBatch(ctx, cfg.Register, cfg.Actor, rows)
		if err != nil {
			firstErr = err
			break
		}
		s.Imported += res.Written
		s.Workflows += res.Workflows
		prog.rows.Add(int64(res.Written + res.Present))
	}
	cancel()
	for range ready {
	}
	<-readerDone
	if rejects != nil {
		if err := rejects.Close(); err != nil && firstErr == nil {
			firstErr = err
		}
		if err := rejectFile.Sync(); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	// Rows found present in the check pass were counted there; those found now were written by a
	// run that stopped between the two passes; keep the total right either way.
	if firstErr == nil {
		s.AlreadyPresent = s.Valid - s.Imported
	}
	return firstErr
}

func presentLetters(ctx context.Context, db *storage.DB, ids []string) (map[string]bool, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id::text FROM letters WHERE id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

func toRow(register string, e manifest.Entry) storage.BackfillRow {
	st := e.Status
	if st == "cancelled" {
		st = "closed"
	}
	return storage.BackfillRow{
		LetterID: storage.BackfillLetterID(register, e.Year, e.Number), Year: e.Year, Number: e.Number,
		ReceivedAt: e.ReceivedAt, DocNumberRaw: e.DocNumberRaw, DocNumber: e.DocNumber, DocDate: e.DocDate,
		DocDateRaw: e.DocDateRaw, From: e.From, To: e.To, Subject: e.Subject, Urgency: e.Urgency, Secrecy: e.Secrecy,
		Deadline: e.Deadline, LetterStatus: st, Cancelled: e.Status == "cancelled", CancelReason: e.CancelReason,
		Action: e.Action, Note: e.Note,
	}
}

func uploadChunk(ctx context.Context, cfg *Config, s *Summary, prog *progress, c *chunk) error {
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := uploadOne(ctx, cfg, s, prog, &c.items[i], &mu); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range c.items {
		it := &c.items[i]
		if c.present[it.row.LetterID] || it.entry.File == "" {
			continue
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

func uploadOne(ctx context.Context, cfg *Config, s *Summary, prog *progress, it *item, mu *sync.Mutex) error {
	if cfg.Blobs == nil {
		return errors.New("no object store to upload to")
	}
	full := filepath.Join(cfg.FilesDir, filepath.FromSlash(it.entry.File))
	data, err := os.ReadFile(full)
	if err != nil {
		return fmt.Errorf("line %d: %w", it.entry.Line, err)
	}
	info, err := pdfdoc.Inspect(data, cfg.MaxPDFSize)
	if err != nil {
		return fmt.Errorf("line %d: %s changed since it was checked: %w", it.entry.Line, it.entry.File, err)
	}
	digest := objects.SHA256Hex(data)
	key, put := objects.PDFKey(digest), cfg.Blobs.PutPDF
	if intake.Classified(it.entry.Secrecy) {
		if !cfg.canSeal() { // the check refuses such rows; never store one in the clear
			return fmt.Errorf("line %d: a classified letter's file and no file keys", it.entry.Line)
		}
		if key, err = cfg.Sealer.SealedKey(digest); err != nil {
			return err
		}
		put = cfg.Sealer.PutSealed
	}
	exists, err := cfg.Blobs.Exists(ctx, key)
	if err != nil {
		return fmt.Errorf("object store: %w", err)
	}
	if !exists {
		if _, _, err := put(ctx, data); err != nil {
			return err
		}
	}
	mu.Lock()
	if exists {
		s.ObjectsReused++
	} else {
		s.ObjectsUploaded++
		s.BytesUploaded += int64(len(data))
	}
	mu.Unlock()
	prog.bytes.Add(int64(len(data)))
	it.row.OriginalSHA256, it.row.OriginalKey, it.row.Size, it.row.Pages = digest, key, int64(len(data)), info.Pages
	return nil
}

// progress draws rows and bytes done, the rate and the time left.
type progress struct {
	cfg         *Config
	total       int
	totalBytes  int64
	rows, bytes atomic.Int64
	start       time.Time
	done        chan struct{}
	wg          sync.WaitGroup
}

func newProgress(cfg *Config, total int, totalBytes int64) *progress {
	p := &progress{cfg: cfg, total: total, totalBytes: totalBytes, start: time.Now(), done: make(chan struct{})}
	if cfg.Progress == nil {
		return p
	}
	iv := cfg.ProgressInterval
	if iv <= 0 {
		iv = 5 * time.Second
		if cfg.Terminal {
			iv = 200 * time.Millisecond
		}
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(iv)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				p.draw(true)
				return
			case <-t.C:
				p.draw(false)
			}
		}
	}()
	return p
}

func (p *progress) stop() {
	close(p.done)
	p.wg.Wait()
}

func (p *progress) draw(final bool) {
	rows, bytes := p.rows.Load(), p.bytes.Load()
	el := time.Since(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(rows) / el
	}
	eta := "?"
	if rate > 0 && p.total > 0 {
		left := float64(int64(p.total)-rows) / rate
		if left < 0 {
			left = 0
		}
		eta = (time.Duration(left) * time.Second).String()
	}
	pct := 100.0
	if p.total > 0 {
		pct = 100 * float64(rows) / float64(p.total)
	}
	line := fmt.Sprintf("backfill %s: %d/%d rows (%.0f%%), %s/%s, %.0f rows/s, %.1f MB/s, ETA %s",
		p.cfg.Register, rows, p.total, pct, mb(bytes), mb(p.totalBytes), rate, float64(bytes)/(1<<20)/max(el, 1e-9), eta)
	if p.cfg.Terminal {
		const width = 24
		n := int(pct / 100 * width)
		n = min(max(n, 0), width)
		bar := "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "] "
		end := ""
		if final {
			end = "\n"
		}
		fmt.Fprintf(p.cfg.Progress, "\r\033[K%s%s%s", bar, line, end)
		return
	}
	fmt.Fprintln(p.cfg.Progress, line)
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
