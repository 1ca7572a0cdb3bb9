package extract

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/saraban/saraban/internal/corpus"
)

// corpusDir is the shared corpus (internal/corpus).
func corpusDir(t testing.TB) string { t.Helper(); return corpus.Dir(t) }

// goals are the accuracy goals of issue 6 on letter-cases.json.
var goals = map[string]float64{
	"doc_number": 0.95, "date": 0.95, "subject": 0.95, "urgency": 0.95,
	"references": 0.90, "attachments": 0.90, "signer": 0.90, "deadlines": 0.90,
	"kind": 1.0, "split": 1.0,
}

// TestCorpusAccuracy extracts every letter of the corpus and fails when a goal is missed. The
// public letters (text and raw OCR) are reported too; set SARABAN_EVAL_PDF=1 to add their PDFs
// (OCR of the scans takes a minute).
func TestCorpusAccuracy(t *testing.T) {
	dir := corpusDir(t)
	opts := EvalOptions{PublicDir: filepath.Join(dir, "public-letters"), PDF: os.Getenv("SARABAN_EVAL_PDF") == "1",
		Options: Options{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
	rep, err := Evaluate(context.Background(), filepath.Join(dir, "letter-cases.json"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s\n%s", rep.Markdown(), rep.MissesText())
	lc := rep.Columns[0]
	for f, goal := range goals {
		acc, ok := lc.Accuracy(f)
		if !ok {
			t.Errorf("%s: not evaluated", f)
			continue
		}
		if acc < goal {
			t.Errorf("%s: %.0f%% exact on letter-cases.json, goal %.0f%%", f, 100*acc, 100*goal)
		}
	}
}
