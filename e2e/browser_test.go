package e2e

// Browser tests: the web application on the real stack (PostgreSQL, MinIO, a private Temporal
// with saraban's worker), driven by Debian's headless Chromium through chromedp. Under CI a
// missing Chromium fails the test instead of skipping it.
//
// SARABAN_SCREENSHOTS=DIR also runs TestBrowserScreenshots (browser_flows_test.go), which saves
// screenshots of every main screen (desktop and phone width) into DIR:
// `SARABAN_SCREENSHOTS=$PWD/docs/screenshots go test -run TestBrowserScreenshots ./e2e/`.

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	xdraw "golang.org/x/image/draw"

	"github.com/saraban/saraban/activities"
	"github.com/saraban/saraban/api"
	"github.com/saraban/saraban/auth"
	"github.com/saraban/saraban/extract"
	"github.com/saraban/saraban/internal/corpus"
	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/policy"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/viewer"
	"github.com/saraban/saraban/web"
)

// webStack is the whole system with the web application in front, as `saraban dev` runs it.
type webStack struct {
	*stack
	app *web.Server
	ts  *httptest.Server
	// keyDir holds the worker's throw-away signing keys and their CA (ca.pem).
	keyDir string
}

func startWeb(t *testing.T) *webStack {
	t.Helper()
	s := start(t, true)
	acts := testenv.Worker(t, s.db, s.blobs, s.tc, s.queue)
	v := testenv.VaultOf(t, s.blobs)
	s.intake.Blobs = v
	s.intake.Auth = receiveAuthz{s.db} // as `saraban serve` configures intake for people's requests
	files := &viewer.Viewer{Store: s.db, Files: v}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	app := &web.Server{DB: s.db, Policy: &policy.Engine{Store: s.db}, Log: log}
	app.Services.Intake = s.intake
	app.Services.Actor = s.router
	app.Services.Outgoing = s.router
	app.Services.Blobs = v
	app.Services.Files = files
	app.Services.Read = func(ctx context.Context, pdf []byte) (extract.Result, error) {
		return extract.PDF(ctx, pdf, extract.Options{OCR: extract.OCRNever, Registry: s.db})
	}
	apiSrv := &api.Server{Store: s.db, Blobs: v, Intake: s.intake, Files: files, Actor: s.router, Routing: s.db, Inbox: s.db, Log: log}
	mux := httptestMux(apiSrv, app)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return &webStack{stack: s, app: app, ts: ts, keyDir: string(acts.SignKeys.(activities.KeyDir))}
}

// receiveAuthz adapts storage's receive rule to intake, as cmd/saraban does.
type receiveAuthz struct{ db *storage.DB }

func (a receiveAuthz) CanReceiveInto(ctx context.Context, person, register string) (string, error) {
	pos, err := a.db.CanReceiveInto(ctx, person, register)
	return pos.Title, err
}

// account adds a web account for a demo person and returns its password.
func (w *webStack) account(t *testing.T, person string, admin bool) string {
	t.Helper()
	pass := "pw-" + auth.Token(9)
	h, err := auth.Hash(pass, auth.Params{Memory: 8 * 1024, Time: 1, Threads: 1, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.db.CreateAccount(context.Background(), storage.NewAccount{Username: person, PersonID: person, PasswordHash: h, IsAdmin: admin}, "test"); err != nil {
		t.Fatal(err)
	}
	return pass
}

// chromium finds Debian's Chromium; without it the test is skipped, or fails under CI.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("SARABAN_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	corpus.Missing(t, "Debian's chromium (apt-get install chromium; deploy/local/stack.sh install does it)")
	return ""
}

// browserTab is one headless Chromium tab with its own profile (so its own cookies).
type browserTab struct {
	t   *testing.T
	ctx context.Context
	w   *webStack
}

func (w *webStack) browser(t *testing.T) *browserTab {
	t.Helper()
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("lang", "th-TH"),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browserTab{t: t, ctx: ctx, w: w}
}

// run runs actions with a time limit and fails the test on error.
func (b *browserTab) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v\n(at %s)\n%s", what, err, b.location(), b.mainText())
	}
}

// get runs one action that returns a value.
func get[T any](b *browserTab, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v\n(at %s)\n%s", what, err, b.location(), b.mainText())
	}
	return v
}

func (b *browserTab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

func (b *browserTab) mainText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	return s
}

func (b *browserTab) open(path string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(b.w.ts.URL+path), chromedp.WaitReady(chromedp.CSS("body")))
}

func (b *browserTab) login(user, pass string) {
	b.t.Helper()
	b.open("/login")
	b.run("sign in as "+user,
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), pass),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`header .who`)),
	)
}

// text returns the visible text of the first element matching sel.
func (b *browserTab) text(sel string) string {
	b.t.Helper()
	return get(b, "read "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

// screenshot saves the page (full height) as DIR/name.png when SARABAN_SCREENSHOTS is set;
// phone also saves it at a phone's width. The pictures are drawn with at most 256 colours
// (shotPNG), fewer if needed, so that each stays under 200 KB in the repository.
func (b *browserTab) screenshot(name string, phone bool) {
	b.t.Helper()
	dir := os.Getenv("SARABAN_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	shoot := func(file string) {
		b.imagesLoaded()
		raw := get(b, "screenshot "+file, chromedp.FullScreenshot(100))
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", file, err)
		}
		// Fewer colours until it is under 200 KB; then, if need be, a smaller picture.
		var out []byte
	shrink:
		for scale := 1.0; scale > 0.4; scale *= 0.8 {
			src := img
			if scale < 1 {
				r := img.Bounds()
				dst := image.NewRGBA(image.Rect(0, 0, int(float64(r.Dx())*scale), int(float64(r.Dy())*scale)))
				xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, r, xdraw.Src, nil)
				src = dst
			}
			for colours := 256; colours >= 64; colours /= 2 {
				if out, err = shotPNG(src, colours); err != nil {
					b.t.Fatalf("screenshot %s: %v", file, err)
				}
				if len(out) < 200_000 {
					break shrink
				}
			}
		}
		if err := os.WriteFile(filepath.Join(dir, file), out, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	// The desktop width is set explicitly: EmulateReset does not give the window's width back.
	desktop := chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1))
	b.run("desktop width", desktop)
	shoot(name + ".png")
	if phone {
		b.run("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile), chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")))
		shoot(name + "-phone.png")
		b.run("desktop width", desktop, chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")))
	}
}

// imagesLoaded loads the lazy images of the page and waits (at most 20 s) until every image
// has arrived, so that a full-page screenshot shows them.
func (b *browserTab) imagesLoaded() {
	b.t.Helper()
	const js = `(() => { document.querySelectorAll("img[loading=lazy]").forEach(i => { i.loading = "eager"; });
		return [...document.images].every(i => i.hidden || (i.complete && i.naturalWidth > 0)); })()`
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.t.Logf("screenshot of %s: some images did not load", b.location())
}

// shotPNG re-encodes a screenshot with a palette of its most used colours (nearest colour, no
// dithering: screens are flat colours and text).
func shotPNG(src image.Image, colours int) ([]byte, error) {
	r := src.Bounds()
	key := func(c color.Color) int {
		cr, cg, cb, _ := c.RGBA()
		return int(cr>>11)<<10 | int(cg>>11)<<5 | int(cb>>11)
	}
	type bucket struct{ n, r, g, b int }
	var hist [1 << 15]bucket
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := src.At(x, y)
			cr, cg, cb, _ := c.RGBA()
			h := &hist[key(c)]
			h.n++
			h.r += int(cr >> 8)
			h.g += int(cg >> 8)
			h.b += int(cb >> 8)
		}
	}
	var used []int
	for k, h := range hist {
		if h.n > 0 {
			used = append(used, k)
		}
	}
	sort.Slice(used, func(i, j int) bool { return hist[used[i]].n > hist[used[j]].n })
	if len(used) > colours {
		used = used[:colours]
	}
	pal := make(color.Palette, len(used))
	for i, k := range used {
		h := hist[k]
		pal[i] = color.RGBA{uint8(h.r / h.n), uint8(h.g / h.n), uint8(h.b / h.n), 255}
	}
	var index [1 << 15]int16
	for i := range index {
		index[i] = -1
	}
	dst := image.NewPaletted(r, pal)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := src.At(x, y)
			k := key(c)
			if index[k] < 0 {
				index[k] = int16(pal.Index(c))
			}
			dst.SetColorIndex(x, y, uint8(index[k]))
		}
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, dst); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func TestBrowserSignInShowsTheInboxInThai(t *testing.T) {
	w := startWeb(t)
	pass := w.account(t, "sujit", false)
	b := w.browser(t)
	b.login("sujit", pass)
	contains(t, "inbox", b.text("main"), "งานของฉัน", "เกินกำหนด", "ใกล้ครบกำหนด", "รับเข้าล่าสุด")
	contains(t, "header", b.text("header .who"), "เจ้าพนักงานที่ดินจังหวัดสงขลา")
}

// httptestMux serves /api/ from the API and the rest from the web application, as the binary does.
func httptestMux(a *api.Server, app *web.Server) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/api/", a.Handler())
	mux.Handle("/", app.Handler())
	return mux
}
