package web

import (
	"bytes"
	"context"
	"image/png"
	"strconv"
	"sync"
)

// Page images of outgoing letters: pdftoppm draws one page at 80 dpi; the images of the last
// few pages drawn are kept in memory by (revision digest, page), since revisions never change.

// ogDPI is the resolution of page images; a PDF point is ogDPI/72 pixels.
const ogDPI = 80

const ogPageCacheSize = 64

var ogPages = struct {
	sync.Mutex
	m     map[string][]byte
	order []string
}{m: map[string][]byte{}}

// ogPageImage draws page (1-based) of a PDF as a PNG. Images are cached by digest and page;
// an empty digest (a watermarked copy, which differs per reader) is never cached.
func ogPageImage(ctx context.Context, digest string, pdf []byte, page int) ([]byte, error) {
	key := digest + "/" + strconv.Itoa(page)
	if digest != "" {
		ogPages.Lock()
		if b, ok := ogPages.m[key]; ok {
			ogPages.Unlock()
			return b, nil
		}
		ogPages.Unlock()
	}
	b, err := renderPage(ctx, pdf, page, ogDPI)
	if err != nil {
		return nil, err
	}
	if digest == "" {
		return b, nil
	}
	ogPages.Lock()
	if _, ok := ogPages.m[key]; !ok {
		ogPages.m[key] = b
		ogPages.order = append(ogPages.order, key)
		if len(ogPages.order) > ogPageCacheSize {
			delete(ogPages.m, ogPages.order[0])
			ogPages.order = ogPages.order[1:]
		}
	}
	ogPages.Unlock()
	return b, nil
}

// ogPageSize is a page's size in PDF points, read from its image.
func ogPageSize(ctx context.Context, digest string, pdf []byte, page int) (w, h float64, err error) {
	b, err := ogPageImage(ctx, digest, pdf, page)
	if err != nil {
		return 0, 0, err
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return 0, 0, err
	}
	return float64(cfg.Width) * 72 / ogDPI, float64(cfg.Height) * 72 / ogDPI, nil
}
