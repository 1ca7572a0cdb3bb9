package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/auth"
	"github.com/saraban/saraban/extract"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/policy"
	"github.com/saraban/saraban/routing"
	"github.com/saraban/saraban/signing"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/viewer"
	"github.com/saraban/saraban/web"
)

// webFlags configure the web application served beside the API.
func webFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "secure-cookies", EnvVars: envs("SECURE_COOKIES"), Usage: "mark cookies Secure (set it when saraban is served over HTTPS)"},
		&cli.DurationFlag{Name: "session-ttl", Value: 12 * time.Hour, EnvVars: envs("SESSION_TTL"), Usage: "longest life of a web session"},
		&cli.DurationFlag{Name: "session-idle", Value: 2 * time.Hour, EnvVars: envs("SESSION_IDLE"), Usage: "a web session ends after this long without use"},
		&cli.StringFlag{Name: "display-digits", Value: "thai", EnvVars: envs("DISPLAY_DIGITS"), Usage: "digits on screens: thai or arabic"},
		&cli.StringSliceFlag{Name: "trust", EnvVars: envs("TRUST"), Usage: "root certificates the signatures on letters are checked against: PEM or DER file, or a folder (repeatable)"},
		&cli.StringFlag{Name: "oidc-issuer", EnvVars: envs("OIDC_ISSUER"), Usage: "OpenID Connect issuer URL (sign-in through the agency's identity provider)"},
		&cli.StringFlag{Name: "oidc-client-id", EnvVars: envs("OIDC_CLIENT_ID")},
		&cli.StringFlag{Name: "oidc-client-secret-file", EnvVars: envs("OIDC_CLIENT_SECRET_FILE"), Usage: "file holding the OpenID Connect client secret"},
		&cli.StringFlag{Name: "oidc-redirect-url", EnvVars: envs("OIDC_REDIRECT_URL"), Usage: "https://HOST/auth/oidc/callback"},
	}
}

// newWeb builds the web application on the same services as the API.
func newWeb(c *cli.Context, db *storage.DB, in *intake.Service, rc *routing.Client, blobs web.Blobs, files *viewer.Viewer, log *slog.Logger) (*web.Server, error) {
	digits, err := thai.ParseDigits(c.String("display-digits"))
	if err != nil {
		return nil, fmt.Errorf("--display-digits: %w", err)
	}
	w := &web.Server{DB: db, Policy: &policy.Engine{Store: db}, SecureCookies: c.Bool("secure-cookies"),
		SessionTTL: c.Duration("session-ttl"), IdleTTL: c.Duration("session-idle"), Digits: digits, Log: log}
	if roots := c.StringSlice("trust"); len(roots) > 0 {
		pool, _, err := signing.LoadTrust(roots...)
		if err != nil {
			return nil, fmt.Errorf("--trust: %w", err)
		}
		w.Trust = pool
	}
	w.Services.Intake = in
	w.Services.Actor = rc
	w.Services.Outgoing = rc
	w.Services.Blobs = blobs
	w.Services.Files = files
	w.Services.Read = func(ctx context.Context, pdf []byte) (extract.Result, error) {
		return extract.PDF(ctx, pdf, extract.Options{OCR: extract.OCRAuto, Registry: db})
	}
	if iss := c.String("oidc-issuer"); iss != "" {
		cfg := auth.OIDCConfig{Issuer: iss, ClientID: c.String("oidc-client-id"), RedirectURL: c.String("oidc-redirect-url")}
		if f := c.String("oidc-client-secret-file"); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("--oidc-client-secret-file: %w", err)
			}
			cfg.ClientSecret = strings.TrimSpace(string(b))
		}
		ctx, cancel := context.WithTimeout(c.Context, 20*time.Second)
		defer cancel()
		if w.OIDC, err = auth.NewOIDC(ctx, cfg); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// withAPI serves /api/ from the API and everything else from the web application.
func withAPI(apiH, webH http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", apiH)
	mux.Handle("/", webH)
	return mux
}
