package signing

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saraban/saraban/pdfdoc"
)

// Inputs made by real producers (issue 4): LibreOffice, Chromium's print-to-PDF, and a PDF that
// poppler's pdfsig signed first. Each is made at test time, signed by Sign (one invisible, one
// visible Thai block at a named position) and judged by Verify, pdfsig, qpdf and mutool. The
// tools are required when CI is set (needTool fails the test), skipped otherwise.

// letterParagraphs is a short Thai letter; repeated to reach a second page.
var letterParagraphs = []string{
	"ที่ สข ๐๐๑๗.๒/๑๒๓",
	"ศาลากลางจังหวัดสงขลา ถนนราชดำเนิน อำเภอเมืองสงขลา จังหวัดสงขลา ๙๐๐๐๐",
	"เรื่อง ขอเชิญประชุมคณะกรรมการพัฒนาระบบสารบรรณอิเล็กทรอนิกส์",
	"เรียน นายอำเภอทุกอำเภอ",
	"ด้วยจังหวัดสงขลากำหนดประชุมคณะกรรมการพัฒนาระบบสารบรรณอิเล็กทรอนิกส์ ครั้งที่ ๑/๒๕๖๙ ในวันพฤหัสบดีที่ ๑๐ ธันวาคม ๒๕๖๙ เวลา ๐๙.๓๐ น. ณ ห้องประชุมศาลากลางจังหวัดสงขลา ชั้น ๓",
	"จึงเรียนมาเพื่อโปรดทราบและเข้าร่วมประชุมตามวัน เวลา และสถานที่ดังกล่าว",
	"ขอแสดงความนับถือ",
}

func longLetter() []string {
	var ps []string
	for i := 0; i < 5; i++ {
		ps = append(ps, letterParagraphs...)
	}
	return ps
}

func runTool(t *testing.T, timeout time.Duration, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return out
}

// libreOfficePDF writes a two-page A4 flat ODT letter in Laksaman and converts it with soffice.
func libreOfficePDF(t *testing.T) []byte {
	needTool(t, "soffice")
	dir := t.TempDir()
	var body strings.Builder
	for _, p := range longLetter() {
		fmt.Fprintf(&body, "<text:p>%s</text:p>\n", html.EscapeString(p))
	}
	fodt := `<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:font-face-decls><style:font-face style:name="Laksaman" svg:font-family="Laksaman"/></office:font-face-decls>
<office:styles><style:default-style style:family="paragraph"><style:paragraph-properties fo:margin-bottom="0.3cm"/><style:text-properties style:font-name="Laksaman" fo:font-size="16pt" style:font-name-complex="Laksaman" style:font-size-complex="16pt" fo:language="th" fo:country="TH" style:language-complex="th" style:country-complex="TH"/></style:default-style></office:styles>
<office:automatic-styles><style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2.5cm" fo:margin-bottom="2cm" fo:margin-left="3cm" fo:margin-right="2cm"/></style:page-layout></office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"/></office:master-styles>
<office:body><office:text>
` + body.String() + `</office:text></office:body></office:document>
`
	in := filepath.Join(dir, "letter.fodt")
	if err := os.WriteFile(in, []byte(fodt), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	runTool(t, 3*time.Minute, "soffice", "-env:UserInstallation=file://"+filepath.Join(dir, "lo"),
		"--headless", "--norestore", "--convert-to", "pdf", "--outdir", out, in)
	b, err := os.ReadFile(filepath.Join(out, "letter.pdf"))
	if err != nil {
		t.Fatalf("soffice wrote no PDF: %v", err)
	}
	return b
}

// chromiumPDF prints an A4 HTML letter with Chromium's headless print-to-PDF.
func chromiumPDF(t *testing.T) []byte {
	bin := ""
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		needTool(t, "chromium")
	}
	dir := t.TempDir()
	var body strings.Builder
	for _, p := range longLetter() {
		fmt.Fprintf(&body, "<p>%s</p>\n", html.EscapeString(p))
	}
	page := `<!doctype html><html lang="th"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 2.5cm 2cm 2cm 3cm }
body { font-family: Laksaman, Garuda, sans-serif; font-size: 16pt }
</style></head><body>` + body.String() + `</body></html>`
	in := filepath.Join(dir, "letter.html")
	if err := os.WriteFile(in, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "letter.pdf")
	runTool(t, 2*time.Minute, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--no-pdf-header-footer", "--print-to-pdf="+out, "file://"+in)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("chromium wrote no PDF: %v", err)
	}
	return b
}

// pdfsigAdd signs data with poppler's pdfsig -add-signature and returns the result. It uses the
// RSA key: with an ECDSA key poppler 22.12 fails about every other attempt (see BenchmarkSign).
func pdfsigAdd(t *testing.T, data []byte) []byte {
	t.Helper()
	needTool(t, "pdfsig")
	dir := importPdfsigKey(t)
	in := writeTemp(t, "in.pdf", data)
	signed := filepath.Join(filepath.Dir(in), "signed.pdf")
	// The certificate is already in the database as leaf-rsa (see nssDB), so the key joins it.
	runTool(t, time.Minute, "pdfsig", "-nssdir", "sql:"+dir, "-add-signature", "-nick", "leaf-rsa", "-reason", "poppler", in, signed)
	b, err := os.ReadFile(signed)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// render renders page (1-based, 0 = last) at 72 dpi, the crop box as viewers show it, so that a
// pixel is a point of the page as seen.
func render(t *testing.T, doc []byte, page int) image.Image {
	t.Helper()
	needTool(t, "pdftoppm")
	if page == 0 {
		info, err := pdfdoc.Inspect(doc, 0)
		if err != nil {
			t.Fatal(err)
		}
		page = info.Pages
	}
	f := writeTemp(t, "r.pdf", doc)
	base := filepath.Join(filepath.Dir(f), "r")
	runTool(t, time.Minute, "pdftoppm", "-png", "-r", "72", "-cropbox", "-singlefile", "-f", itoa(page), "-l", itoa(page), f, base)
	b, err := os.ReadFile(base + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func gray(c interface{ RGBA() (r, g, b, a uint32) }) int {
	r, g, b, _ := c.RGBA()
	return int((r + g + b) / 3 >> 8)
}

// changedBox returns the bounding box of the pixels that differ between two renderings of the
// same page, in page points as seen with y up, and how many differ.
func changedBox(a, b image.Image) ([4]float64, int) {
	h := a.Bounds().Dy()
	x0, y0, x1, y1, n := 1<<30, 1<<30, -1, -1, 0
	for y := 0; y < h; y++ {
		for x := 0; x < a.Bounds().Dx(); x++ {
			if d := gray(a.At(x, y)) - gray(b.At(x, y)); d > 40 || d < -40 {
				n++
				x0, x1, y0, y1 = min(x0, x), max(x1, x), min(y0, y), max(y1, y)
			}
		}
	}
	return [4]float64{float64(x0), float64(h - 1 - y1), float64(x1 + 1), float64(h - y0)}, n
}

// checkBoxWithin fails unless the pixels changed by signing lie inside want (with a 2 pt margin
// for anti-aliasing) and fill a fair part of it.
func checkBoxWithin(t *testing.T, before, after image.Image, want [4]float64) {
	t.Helper()
	if before.Bounds() != after.Bounds() {
		t.Fatalf("page size changed: %v → %v", before.Bounds(), after.Bounds())
	}
	got, n := changedBox(before, after)
	if n < 300 {
		t.Fatalf("only %d pixels changed: the visible signature is not on this page", n)
	}
	if got[0] < want[0]-2 || got[1] < want[1]-2 || got[2] > want[2]+2 || got[3] > want[3]+2 {
		t.Fatalf("the signature drawing %v is not inside the box %v", got, want)
	}
	// The text shrinks to fit the box and is centred: it spans most of the width or the height.
	if (got[2]-got[0]) < 0.6*(want[2]-want[0]) && (got[3]-got[1]) < 0.6*(want[3]-want[1]) {
		t.Fatalf("the signature drawing %v fills too little of the box %v", got, want)
	}
}

var producerBlock = Block{Name: "นายอภิชาติ สารบรรณ", Position: []string{"รองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน"},
	Capacity: []string{"ผู้ว่าราชการจังหวัดสงขลา"}, Date: testTime}

// pageSizeAsSeen is the last page's size as pdftoppm renders it (crop box, after /Rotate).
func pageSizeAsSeen(img image.Image) (float64, float64) {
	return float64(img.Bounds().Dx()), float64(img.Bounds().Dy())
}

func TestProducers(t *testing.T) {
	p := getPKI(t)
	type input struct {
		name  string
		make  func(t *testing.T) []byte
		prior int // signatures already in it
	}
	var loPDF []byte
	var loMu sync.Mutex
	libre := func(t *testing.T) []byte {
		loMu.Lock()
		defer loMu.Unlock()
		if loPDF == nil {
			loPDF = libreOfficePDF(t)
		}
		return loPDF
	}
	inputs := []input{
		{"libreoffice", libre, 0},
		{"libreoffice-objstm", func(t *testing.T) []byte { return qpdfTransform(t, libre(t), "--object-streams=generate") }, 0},
		{"libreoffice-rotate90", func(t *testing.T) []byte { return qpdfTransform(t, libre(t), "--rotate=+90") }, 0},
		// A portrait letter stored as a landscape page turned by /Rotate 90 (as scanners save
		// pages): it reads upright, and the block must too.
		{"libreoffice-stored-sideways", func(t *testing.T) []byte { return sidewaysLetter(t, libre(t)) }, 0},
		{"chromium", chromiumPDF, 0},
		{"chromium-rotate270", func(t *testing.T) []byte { return qpdfTransform(t, chromiumPDF(t), "--rotate=+270") }, 0},
		{"pdfsig-signed-libreoffice", func(t *testing.T) []byte { return pdfsigAdd(t, libre(t)) }, 1},
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			doc := in.make(t)
			info, err := pdfdoc.Inspect(doc, 0)
			if err != nil {
				t.Fatalf("the %s PDF is refused: %v", in.name, err)
			}
			t.Logf("%s: PDF %s, %d pages, xref stream %v, object streams %v, rotate %d, %d bytes",
				in.name, info.Version, info.Pages, info.XRefStream, info.ObjectStreams, info.Rotate, len(doc))
			if in.prior > 0 {
				pdfsigAllValid(t, doc, in.prior)
			}
			before := render(t, doc, 0)

			// An invisible reviewer signature, then the signer's visible block at the named
			// "signer" position of the last page.
			doc, err = Sign(doc, p.ec, Options{Reason: "ตรวจแล้ว", Time: testTime})
			if err != nil {
				t.Fatal(err)
			}
			checkAll(t, doc, in.prior+1)
			doc, err = Sign(doc, p.rsa, Options{Reason: "ลงนาม", Time: testTime.Add(time.Hour),
				Visible: &Visible{Position: "signer", Block: producerBlock}})
			if err != nil {
				t.Fatal(err)
			}
			checkAll(t, doc, in.prior+2)
			mutoolCheck(t, doc, in.prior+2)

			after := render(t, doc, 0)
			w, h := pageSizeAsSeen(before)
			pos, _ := LookupPosition("signer")
			checkBoxWithin(t, before, after, pos.Rect(w, h))
		})
	}
}

// blankPDF is a one-page PDF with the given media box, optional crop box and /Rotate.
func blankPDF(media [4]float64, crop *[4]float64, rotate int) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	box := func(r [4]float64) string { return fmt.Sprintf("[%g %g %g %g]", r[0], r[1], r[2], r[3]) }
	pg := fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox %s /Rotate %d /Contents 4 0 R", box(media), rotate)
	if crop != nil {
		pg += " /CropBox " + box(*crop)
	}
	content := "0.8 g 0 0 10000 10000 re f"
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj(pg + " >>")
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
	return b.Bytes()
}

// TestRotatedPages signs pages with /Rotate 90, 180 and 270 (and a crop box not at the origin)
// with a visible block at the same rectangle as seen, and compares each rendering with the same
// block on an unrotated page of the same visible size: the pixels must match, so the box is where
// it was asked for and reads upright.
func TestRotatedPages(t *testing.T) {
	p := getPKI(t)
	rect := [4]float64{300, 40, 560, 170}
	sign := func(t *testing.T, in []byte, v *Visible) []byte {
		out, err := Sign(in, p.rsa, Options{Time: testTime, Visible: v})
		if err != nil {
			t.Fatal(err)
		}
		checkAll(t, out, 1)
		return out
	}
	landscape := [4]float64{0, 0, 842, 595}
	portrait := [4]float64{0, 0, 595, 842}
	refL := render(t, sign(t, blankPDF(landscape, nil, 0), &Visible{Page: 1, Rect: rect, Block: producerBlock}), 1)
	refP := render(t, sign(t, blankPDF(portrait, nil, 0), &Visible{Page: 1, Rect: rect, Block: producerBlock}), 1)
	// The reference itself has the block inside rect.
	checkBoxWithin(t, render(t, blankPDF(landscape, nil, 0), 1), refL, rect)

	crop := [4]float64{20, 30, 862, 625} // 842 × 595 visible, offset from the media box origin
	for _, c := range []struct {
		name string
		pdf  []byte
		ref  image.Image
	}{
		{"rotate90", blankPDF(portrait, nil, 90), refL},
		{"rotate180", blankPDF(portrait, nil, 180), refP},
		{"rotate270", blankPDF(portrait, nil, 270), refL},
		{"rotate0-cropbox", blankPDF([4]float64{0, 0, 900, 700}, &crop, 0), refL},
		{"rotate90-cropbox", blankPDF([4]float64{0, 0, 700, 900}, &[4]float64{30, 20, 625, 862}, 90), refL},
		{"rotate-minus270", blankPDF(portrait, nil, -270), refL},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := render(t, sign(t, c.pdf, &Visible{Page: 1, Rect: rect, Block: producerBlock}), 1)
			if got.Bounds() != c.ref.Bounds() {
				t.Fatalf("rendered size %v, reference %v", got.Bounds(), c.ref.Bounds())
			}
			diff, ink := 0, 0
			for y := 0; y < got.Bounds().Dy(); y++ {
				for x := 0; x < got.Bounds().Dx(); x++ {
					g, r := gray(got.At(x, y)), gray(c.ref.At(x, y))
					if r < 100 {
						ink++
					}
					if g-r > 60 || r-g > 60 {
						diff++
					}
				}
			}
			if ink < 300 || diff > ink/20 {
				t.Fatalf("%d of %d ink pixels differ from the unrotated reference: the box is misplaced or turned", diff, ink)
			}
		})
	}
}

// TestNamedPositions puts each named position on an A4 page and on a Letter page, and checks that
// an unknown name and a page that does not exist are refused.
func TestNamedPositions(t *testing.T) {
	p := getPKI(t)
	for _, media := range [][4]float64{{0, 0, 595, 842}, {0, 0, 612, 792}} {
		blank := blankPDF(media, nil, 0)
		before := render(t, blank, 1)
		for _, pos := range Positions {
			t.Run(fmt.Sprintf("%s-%gx%g", pos.Name, media[2], media[3]), func(t *testing.T) {
				out, err := Sign(blank, p.ec, Options{Time: testTime, Visible: &Visible{Position: pos.Name, Block: producerBlock}})
				if err != nil {
					t.Fatal(err)
				}
				checkBoxWithin(t, before, render(t, out, 1), pos.Rect(media[2], media[3]))
			})
		}
	}
	if _, err := Sign(blankPDF([4]float64{0, 0, 595, 842}, nil, 0), p.ec, Options{Visible: &Visible{Position: "nowhere"}}); err == nil || !strings.Contains(err.Error(), "signer") {
		t.Fatalf("unknown position: %v", err)
	}
	if _, err := Sign(blankPDF([4]float64{0, 0, 595, 842}, nil, 0), p.ec, Options{Visible: &Visible{Page: 2, Position: "memo"}}); err == nil {
		t.Fatal("page 2 of a one-page document accepted")
	}
}

// sidewaysLetter stores each page of doc sideways (content turned, media box landscape) with
// /Rotate 90, so that it still reads upright: what a scanner that saves pages as landscape
// images writes.
func sidewaysLetter(t *testing.T, doc []byte) []byte {
	t.Helper()
	turned := qpdfTransform(t, qpdfTransform(t, doc, "--rotate=-90"), "--flatten-rotation")
	out := qpdfTransform(t, turned, "--rotate=+90")
	info, err := pdfdoc.Inspect(out, 0)
	if err != nil || info.Rotate != 90 || info.PageWidth > info.PageHeight {
		t.Fatalf("sideways letter: %+v %v", info, err)
	}
	return out
}

// TestRotatedDocImage writes the picture in docs/signing.md (with -docimg): the lower part of
// the last page of the LibreOffice letter stored sideways with /Rotate 90, signed at the
// "signer" position.
func TestRotatedDocImage(t *testing.T) {
	p := getPKI(t)
	needTool(t, "pdftoppm")
	in := sidewaysLetter(t, libreOfficePDF(t))
	out, err := Sign(in, p.rsa, Options{Time: testTime, Visible: &Visible{Position: "signer", Image: scribble(), Block: producerBlock}})
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, out, 1)
	dir := t.TempDir()
	if *writeDocImages {
		dir, _ = filepath.Abs("../docs/img")
	}
	if d := os.Getenv("SARABAN_KEEP_RENDER"); d != "" {
		dir = d
	}
	info, _ := pdfdoc.Inspect(out, 0)
	f := writeTemp(t, "rot.pdf", out)
	base := filepath.Join(dir, "signature-rotated")
	// 100 dpi; the part of the A4 page (as seen) from 10 % to 45 % of its height from the bottom.
	k := 100.0 / 72
	runTool(t, time.Minute, "pdftoppm", "-png", "-r", "100", "-cropbox", "-singlefile", "-f", itoa(info.Pages), "-l", itoa(info.Pages),
		"-x", "0", "-y", itoa(int(842*0.55*k)), "-W", itoa(int(595*k)), "-H", itoa(int(842*0.35*k)), f, base)
	b, err := os.ReadFile(base + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if *writeDocImages {
		shrinkPNG(t, base+".png", img)
	}
}
