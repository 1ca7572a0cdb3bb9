package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// renderSlots bounds the pdftoppm processes running at once, for every screen together (the
// machine's cores are shared with the database and the worker).
var renderSlots = make(chan struct{}, 2)

// renderPage draws one page (1-based) of a PDF as a PNG at dpi with poppler's pdftoppm. The PDF
// goes through a pipe, never to a file: a classified letter's decrypted, watermarked copy is not
// written to disk.
func renderPage(ctx context.Context, pdf []byte, page, dpi int) ([]byte, error) {
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		return nil, errPage(http.StatusServiceUnavailable, "เครื่องแม่ข่ายไม่มีโปรแกรมแสดงภาพหน้าเอกสาร (pdftoppm) กรุณาเปิดไฟล์ PDF แทน",
			"The server cannot draw page images (pdftoppm is not installed): open the PDF instead.")
	}
	select {
	case renderSlots <- struct{}{}:
		defer func() { <-renderSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	p := strconv.Itoa(page)
	cmd := exec.CommandContext(ctx, bin, "-png", "-r", strconv.Itoa(dpi), "-f", p, "-l", p, "-singlefile", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pdftoppm page %d: %v: %s", page, err, strings.TrimSpace(stderr.String()))
	}
	if !bytes.HasPrefix(out.Bytes(), []byte("\x89PNG")) {
		return nil, fmt.Errorf("pdftoppm page %d gave no image: %s", page, strings.TrimSpace(stderr.String()))
	}
	return out.Bytes(), nil
}
