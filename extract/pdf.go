package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/saraban/saraban/pdfdoc"
)

func isPDF(data []byte) bool {
	head := data
	if len(head) > 1024 {
		head = head[:1024]
	}
	return bytes.Contains(head, []byte("%PDF-"))
}

// PDF extracts the letters of a PDF: the text layer of every page that has a usable one
// (pdftotext -layout), OCR for the others (see Options.OCR), then ExtractText on the whole.
func PDF(ctx context.Context, data []byte, opts Options) (Result, error) {
	info, err := pdfdoc.Inspect(data, 0)
	var warnings []string
	if err != nil {
		var pe *pdfdoc.Error
		if errors.As(err, &pe) && (pe.Kind == pdfdoc.NotPDF || pe.Kind == pdfdoc.Encrypted) {
			return Result{}, err
		}
		// a damaged file may still have readable pages: try, and say so
		warnings = append(warnings, "the PDF is damaged: "+err.Error())
	}
	dir, err := os.MkdirTemp("", "saraban-extract-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return Result{}, err
	}
	maxPages := opts.MaxPages
	if maxPages <= 0 {
		maxPages = 100
	}
	pages := info.Pages
	if pages > maxPages {
		warnings = append(warnings, fmt.Sprintf("only the first %d of %d pages were read", maxPages, pages))
		pages = maxPages
	}
	texts, err := pdfText(ctx, opts, path, maxPages)
	if err != nil {
		return Result{}, err
	}
	if pages == 0 {
		pages = len(texts)
	}
	for len(texts) < pages {
		texts = append(texts, "")
	}
	texts = texts[:pages]
	mode := opts.OCR
	if mode == "" {
		mode = OCRAuto
	}
	var need []int
	for i, t := range texts {
		if mode == OCRAlways || (mode == OCRAuto && !usableText(t)) {
			need = append(need, i)
		}
	}
	res := Result{Pages: pages, Warnings: warnings}
	if len(need) > 0 {
		dpi := opts.DPI
		if dpi <= 0 {
			dpi = 300
		}
		if w := math.Min(info.PageWidth, info.PageHeight); w > 650 {
			opts.renderDPI = int(float64(dpi) * 612 / w)
		}
		ocrTexts, errs := ocrPages(ctx, opts, path, need, dir)
		for k, i := range need {
			if errs[k] != nil {
				if ctx.Err() != nil {
					return Result{}, ctx.Err()
				}
				res.Warnings = append(res.Warnings, fmt.Sprintf("page %d: OCR failed: %v", i+1, errs[k]))
				continue
			}
			texts[i] = ocrTexts[k]
			res.OCRPages = append(res.OCRPages, i+1)
		}
	}
	all := strings.Join(texts, "\n\f\n")
	if strings.TrimSpace(all) == "" {
		return res, ErrNoText
	}
	o := opts
	o.OCRText = opts.OCRText || len(res.OCRPages) > 0
	r := ExtractText(all, o)
	res.Letters = r.Letters
	res.Warnings = append(res.Warnings, r.Warnings...)
	switch {
	case len(res.OCRPages) == 0:
		res.Source = "pdf_text"
	case len(res.OCRPages) == pages:
		res.Source = "ocr"
	default:
		res.Source = "pdf_text+ocr"
	}
	if err := CheckRegistry(ctx, &res, opts.Registry); err != nil {
		return res, err
	}
	return res, nil
}

// pdfText returns the text layer of each page (pdftotext -layout; pages end with a form feed).
func pdfText(ctx context.Context, opts Options, path string, maxPages int) ([]string, error) {
	bin := tool(opts.PDFToText, "pdftotext")
	out, err := run(ctx, nil, bin, "-layout", "-enc", "UTF-8", "-l", fmt.Sprint(maxPages), path, "-")
	if err != nil {
		return nil, fmt.Errorf("extract: pdftotext: %w", err)
	}
	pages := strings.Split(string(out), "\f")
	if len(pages) > 0 && strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	return pages, nil
}

// usableText: a page's text layer is usable when it holds a fair amount of Thai or Latin
// letters (a scan has none, or a few stray characters).
func usableText(t string) bool {
	letters, junk := 0, 0
	for _, r := range t {
		switch {
		case isThaiLetter(r) || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
			letters++
		case r == 0xFFFD || (r >= 0xE000 && r <= 0xF8FF):
			junk++
		}
	}
	return letters >= 40 && junk*10 < letters
}

// ocrPages runs OCR on the given pages (0-based), as many at a time as there are CPUs.
func ocrPages(ctx context.Context, opts Options, path string, pages []int, dir string) ([]string, []error) {
	texts := make([]string, len(pages))
	errs := make([]error, len(pages))
	workers := runtime.NumCPU()
	if workers > 4 {
		workers = 4
	}
	if workers < 1 {
		workers = 1
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for k, p := range pages {
		wg.Add(1)
		sem <- struct{}{}
		go func(k, p int) {
			defer wg.Done()
			defer func() { <-sem }()
			texts[k], errs[k] = OCRPage(ctx, opts, path, p+1, filepath.Join(dir, fmt.Sprintf("p%d", p+1)))
		}(k, p)
	}
	wg.Wait()
	return texts, errs
}

func tool(configured, name string) string {
	if configured != "" {
		return configured
	}
	return name
}

// run runs a tool and returns its standard output; the error carries its standard error.
func run(ctx context.Context, env []string, bin string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 300 {
			msg = msg[:300]
		}
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("%s is not installed (Debian: poppler-utils, tesseract-ocr, tesseract-ocr-tha): %w", bin, err)
		}
		if msg != "" {
			return nil, fmt.Errorf("%s: %w: %s", bin, err, msg)
		}
		return nil, fmt.Errorf("%s: %w", bin, err)
	}
	return stdout.Bytes(), nil
}
