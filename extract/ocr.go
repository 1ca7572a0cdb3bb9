package extract

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// OCRPage renders page (1-based) of the PDF at path with pdftoppm, cleans the image up (unless
// opts.NoPreprocess) and reads it with tesseract. tmp is a path prefix for the working files.
func OCRPage(ctx context.Context, opts Options, path string, page int, tmp string) (string, error) {
	dpi := opts.DPI
	if dpi <= 0 {
		dpi = 300
	}
	render := dpi
	if opts.renderDPI > 0 && opts.renderDPI < dpi {
		render = opts.renderDPI
	}
	if err := renderPDFPage(ctx, opts, path, page, render, tmp+".png"); err != nil {
		return "", fmt.Errorf("extract: render page %d: %w", page, err)
	}
	f, err := os.Open(tmp + ".png")
	if err != nil {
		return "", err
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		return "", fmt.Errorf("extract: page %d image: %w", page, err)
	}
	return OCRImage(ctx, opts, img, dpi, tmp)
}

// OCRImage reads a page image of the given resolution. Unless opts.NoPreprocess, the image is
// binarised, its dotted guide lines and rules are removed, and the header region (the top third,
// cut at a gap between lines) is upscaled and read on its own before the rest of the page.
func OCRImage(ctx context.Context, opts Options, img image.Image, dpi int, tmp string) (string, error) {
	if tmp == "" {
		dir, err := os.MkdirTemp("", "saraban-ocr-")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(dir)
		tmp = filepath.Join(dir, "page")
	}
	if opts.NoPreprocess {
		p := tmp + "-raw.png"
		f, err := os.Create(p)
		if err != nil {
			return "", err
		}
		if err := png.Encode(f, img); err != nil {
			f.Close()
			return "", err
		}
		f.Close()
		return tesseract(ctx, opts, p, dpi, "4")
	}
	w, h, pix := grayOf(img)
	b := binarize(w, h, pix, dpi)
	if b.inkRatio() < 0.0005 {
		return "", nil // a blank page
	}
	removeRules(b, dpi)
	cleanComponents(b, dpi)
	split := headerSplit(b)
	var parts []string
	if split > 0 {
		head := b.crop(0, split).scale2()
		ho := opts
		if ho.Languages == "" {
			ho.Languages = "tha" // the English model turns Thai labels and codes into Latin (ที่ นร -> "us)
		}
		t, err := tesseractBitmap(ctx, ho, head, dpi*2, tmp+"-head", "4")
		if err != nil {
			return "", err
		}
		parts = append(parts, t)
		rest := b.crop(split, b.h)
		t, err = tesseractBitmap(ctx, opts, rest, dpi, tmp+"-body", "4")
		if err != nil {
			return "", err
		}
		parts = append(parts, t)
	} else {
		t, err := tesseractBitmap(ctx, opts, b, dpi, tmp+"-page", "4")
		if err != nil {
			return "", err
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, "\n"), nil
}

func tesseractBitmap(ctx context.Context, opts Options, b *bitmap, dpi int, path, psm string) (string, error) {
	p := path + ".pgm"
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	if err := b.writePGM(f); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	lang := opts.Languages
	if lang == "" {
		lang = "tha+eng"
	}
	if _, err := run(ctx, []string{"OMP_THREAD_LIMIT=1"}, tool(opts.Tesseract, "tesseract"), p, path,
		"-l", lang, "--psm", psm, "--dpi", fmt.Sprint(dpi), "-c", "preserve_interword_spaces=1", "txt", "tsv"); err != nil {
		return "", fmt.Errorf("extract: tesseract: %w", err)
	}
	txt, err := os.ReadFile(path + ".txt")
	if err != nil {
		return "", err
	}
	tsv, err := os.ReadFile(path + ".tsv")
	if err != nil {
		return string(txt), nil
	}
	return rereadDigits(string(txt), string(tsv), b), nil
}

// tesseract reads an image file. OMP_THREAD_LIMIT=1: tesseract's own threads only fight with
// the pages read in parallel (and make a single page slower on a small machine).
func tesseract(ctx context.Context, opts Options, path string, dpi int, psm string) (string, error) {
	lang := opts.Languages
	if lang == "" {
		lang = "tha+eng"
	}
	out, err := run(ctx, []string{"OMP_THREAD_LIMIT=1"}, tool(opts.Tesseract, "tesseract"), path, "stdout",
		"-l", lang, "--psm", psm, "--dpi", fmt.Sprint(dpi), "-c", "preserve_interword_spaces=1")
	if err != nil {
		return "", fmt.Errorf("extract: tesseract: %w", err)
	}
	return string(out), nil
}

// renderPDFPage rasterises one page to a grey PNG with mutool (MuPDF) when it is installed, or
// pdftoppm (poppler).
func renderPDFPage(ctx context.Context, opts Options, path string, page, dpi int, out string) error {
	useMu := opts.Renderer == "mutool"
	if opts.Renderer == "" {
		_, err := exec.LookPath(tool(opts.MuTool, "mutool"))
		useMu = err == nil
	}
	if useMu {
		_, err := run(ctx, nil, tool(opts.MuTool, "mutool"), "draw", "-q", "-r", fmt.Sprint(dpi), "-c", "gray", "-o", out, path, fmt.Sprint(page))
		return err
	}
	_, err := run(ctx, nil, tool(opts.PDFToPPM, "pdftoppm"), "-r", fmt.Sprint(dpi), "-gray", "-png",
		"-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-singlefile", path, strings.TrimSuffix(out, ".png"))
	return err
}
