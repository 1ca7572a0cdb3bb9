package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/saraban/saraban/auth"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/internal/samplepdf"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// WebConfig says what the web load check does: Users people (each with their own session)
// sign in and then, for Duration, go through their inbox and the letters it lists, pausing
// Think between pages as a person reading would (0: as fast as they can).
type WebConfig struct {
	BaseURL  string // the application, e.g. http://127.0.0.1:PORT
	DB       *storage.DB
	Intake   *intake.Service // to seed letters
	Users    int
	Duration time.Duration
	Think    time.Duration
	Letters  int // letters to receive before the run, spread over the receive registers
	Log      io.Writer
}

// WebReport holds the figures: page times for the inbox and letter pages, and the baseline of
// the same server answering a static asset under the same load.
type WebReport struct {
	Users       int     `json:"users"`
	Letters     int     `json:"letters"`
	ThinkMs     float64 `json:"think_ms"`
	Seconds     float64 `json:"seconds"`
	Pages       int     `json:"pages"`
	Errors      int     `json:"errors"`
	PagesPerSec float64 `json:"pages_per_sec"`
	InboxP50ms  float64 `json:"inbox_p50_ms"`
	InboxP99ms  float64 `json:"inbox_p99_ms"`
	LetterP50ms float64 `json:"letter_p50_ms"`
	LetterP99ms float64 `json:"letter_p99_ms"`
	AllP50ms    float64 `json:"all_p50_ms"`
	AllP99ms    float64 `json:"all_p99_ms"`
	StaticP50ms float64 `json:"static_p50_ms"`
	StaticP99ms float64 `json:"static_p99_ms"`
	FirstError  string  `json:"first_error,omitempty"`
	// InboxP50ByUser is each account's median inbox time (ms): whose inbox is slow.
	InboxP50ByUser map[string]float64 `json:"inbox_p50_by_user_ms"`
	When           time.Time          `json:"when"`
	AccountsUsed   []string           `json:"accounts"`
}

var letterLink = regexp.MustCompile(`href="/letters/([0-9a-f-]{36})`)
var loginToken = regexp.MustCompile(`name="_login" value="([^"]+)"`)

// Web seeds letters and accounts, then runs the users.
func Web(ctx context.Context, cfg WebConfig) (WebReport, error) {
	rep := WebReport{Users: cfg.Users, Letters: cfg.Letters, ThinkMs: float64(cfg.Think) / 1e6, When: time.Now()}
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", args...)
		}
	}
	// Accounts: every person with a position, password known to the benchmark.
	snap, err := cfg.DB.OrgSnapshot(ctx)
	if err != nil {
		return rep, err
	}
	pass := "bench-" + auth.Token(9)
	hash, err := auth.Hash(pass, auth.DefaultParams)
	if err != nil {
		return rep, err
	}
	var people []string
	for _, p := range snap.People {
		if len(p.Positions) == 0 || !p.Active {
			continue
		}
		if err := cfg.DB.CreateAccount(ctx, storage.NewAccount{Username: p.ID, PersonID: p.ID, PasswordHash: hash}, "bench"); err != nil {
			return rep, err
		}
		people = append(people, p.ID)
	}
	rep.AccountsUsed = people
	// Letters, received by a clerk of each receive register, some with deadlines.
	var regs []storage.Register
	for _, r := range snap.Registers {
		if r.Kind == "receive" {
			regs = append(regs, r)
		}
	}
	if len(regs) == 0 {
		return rep, fmt.Errorf("the organisation has no receive register")
	}
	logf("seeding %d letters into %d registers…", cfg.Letters, len(regs))
	sent := thai.DateOf(time.Now().In(thai.Bangkok).AddDate(0, 0, -10)) // letters dated ten days ago
	for i := 0; i < cfg.Letters; i++ {
		reg := regs[i%len(regs)]
		clerk, err := receiverOf(ctx, cfg.DB, snap, reg.Code)
		if err != nil {
			return rep, err
		}
		req := intake.Request{Register: reg.Code, PDF: samplepdf.Letter(uint64(i)+1, 20_000), Actor: clerk, Person: true,
			DocNumber: fmt.Sprintf("ที่ สข ๐๐๑๗.%d/ว %d", i%7+1, 1000+i), DocDate: sent.String(),
			From: "สำนักงานปลัดกระทรวง", To: "ผู้ว่าราชการจังหวัดสงขลา",
			Subject: fmt.Sprintf("การจัดเก็บข้อมูลที่ดินของรัฐ ครั้งที่ %d", i+1)}
		if i%3 == 0 {
			req.Deadline = thai.DateOf(time.Now().In(thai.Bangkok).AddDate(0, 0, i%9-2)).String()
		}
		if i%5 == 0 {
			req.Urgency = "most_urgent"
		}
		if _, err := cfg.Intake.Receive(ctx, req); err != nil {
			return rep, fmt.Errorf("seed letter %d: %w", i, err)
		}
	}

	var mu sync.Mutex
	var inboxLat, letterLat, staticLat []time.Duration
	byUser := map[string][]time.Duration{}
	errs := 0
	firstErr := ""
	note := func(err error) {
		mu.Lock()
		errs++
		if firstErr == "" {
			firstErr = err.Error()
		}
		mu.Unlock()
	}
	// Everyone signs in first (a sign-in is one slow argon2id hash by design, not a page).
	logf("signing in %d users…", cfg.Users)
	clients := make([]*http.Client, cfg.Users)
	for u := range clients {
		c, err := signIn(ctx, cfg.BaseURL, people[u%len(people)], pass)
		if err != nil {
			return rep, err
		}
		clients[u] = c
	}
	logf("running for %s…", cfg.Duration)
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for u := 0; u < cfg.Users; u++ {
		wg.Add(1)
		go func(u int) {
			defer wg.Done()
			user, c := people[u%len(people)], clients[u]
			rng := rand.New(rand.NewPCG(uint64(u), 7))
			// People do not all press Enter at the same instant: each starts within the first
			// two pauses (without it, every user's first page lands in one burst at t=0).
			think(ctx, 2*cfg.Think, rng)
			var links []string
			for time.Now().Before(deadline) && ctx.Err() == nil {
				body, d, err := fetch(ctx, c, cfg.BaseURL+"/")
				if err != nil {
					note(err)
					continue
				}
				mu.Lock()
				inboxLat = append(inboxLat, d)
				byUser[user] = append(byUser[user], d)
				mu.Unlock()
				links = links[:0]
				for _, m := range letterLink.FindAllStringSubmatch(body, -1) {
					links = append(links, m[1])
				}
				think(ctx, cfg.Think, rng)
				for k := 0; k < 3 && len(links) > 0 && time.Now().Before(deadline); k++ {
					id := links[rng.IntN(len(links))]
					if _, d, err := fetch(ctx, c, cfg.BaseURL+"/letters/"+id); err != nil {
						note(err)
					} else {
						mu.Lock()
						letterLat = append(letterLat, d)
						mu.Unlock()
					}
					think(ctx, cfg.Think, rng)
				}
				if _, d, err := fetch(ctx, c, cfg.BaseURL+"/static/logo.svg"); err == nil {
					mu.Lock()
					staticLat = append(staticLat, d)
					mu.Unlock()
				}
			}
		}(u)
	}
	wg.Wait()
	rep.Seconds = time.Since(start).Seconds()
	all := append(append([]time.Duration(nil), inboxLat...), letterLat...)
	rep.Pages = len(all)
	rep.Errors = errs
	rep.FirstError = firstErr
	rep.PagesPerSec = float64(len(all)) / rep.Seconds
	rep.InboxP50ByUser = map[string]float64{}
	for u, l := range byUser {
		rep.InboxP50ByUser[u] = pct(l, 0.5)
	}
	rep.InboxP50ms, rep.InboxP99ms = pct(inboxLat, 0.50), pct(inboxLat, 0.99)
	rep.LetterP50ms, rep.LetterP99ms = pct(letterLat, 0.50), pct(letterLat, 0.99)
	rep.AllP50ms, rep.AllP99ms = pct(all, 0.50), pct(all, 0.99)
	rep.StaticP50ms, rep.StaticP99ms = pct(staticLat, 0.50), pct(staticLat, 0.99)
	if len(letterLat) == 0 {
		return rep, fmt.Errorf("no letter page was opened (first error: %s)", firstErr)
	}
	return rep, nil
}

// receiverOf picks a person who may receive into a register (a clerk of its unit first).
func receiverOf(ctx context.Context, db *storage.DB, snap storage.Org, register string) (string, error) {
	var candidates []string
	for _, p := range snap.People {
		for _, pos := range p.Positions {
			if pos.Role == "clerk" {
				candidates = append(candidates, p.ID)
			}
		}
	}
	sort.Strings(candidates)
	for _, p := range candidates {
		if _, err := db.CanReceiveInto(ctx, p, register); err == nil {
			return p, nil
		}
	}
	for _, p := range snap.People {
		if _, err := db.CanReceiveInto(ctx, p.ID, register); err == nil {
			return p.ID, nil
		}
	}
	return "", fmt.Errorf("nobody may receive into %s", register)
}

func think(ctx context.Context, d time.Duration, rng *rand.Rand) {
	if d <= 0 {
		return
	}
	// ±50% around the mean, so that users do not march in step.
	t := time.Duration(float64(d) * (0.5 + rng.Float64()))
	select {
	case <-ctx.Done():
	case <-time.After(t):
	}
}

func signIn(ctx context.Context, base, user, pass string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	body, _, err := fetch(ctx, c, base+"/login")
	if err != nil {
		return nil, err
	}
	m := loginToken.FindStringSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("no sign-in form at %s/login", base)
	}
	form := url.Values{"_login": {m[1]}, "username": {user}, "password": {pass}, "next": {"/"}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(string(b), `name="_login"`) {
		return nil, fmt.Errorf("sign-in of %s failed: %d", user, resp.StatusCode)
	}
	return c, nil
}

func fetch(ctx context.Context, c *http.Client, u string) (string, time.Duration, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if err != nil {
		return "", d, err
	}
	if resp.StatusCode != http.StatusOK {
		return "", d, fmt.Errorf("GET %s: %d", u, resp.StatusCode)
	}
	return string(b), d, nil
}
