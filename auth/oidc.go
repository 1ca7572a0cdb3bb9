package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// OIDCConfig configures sign-in through an agency's identity provider.
type OIDCConfig struct {
	Issuer       string // e.g. https://id.example.go.th/realms/agency
	ClientID     string
	ClientSecret string
	RedirectURL  string // https://saraban.example.go.th/auth/oidc/callback
}

// OIDC is an OpenID Connect relying party (authorisation code flow with PKCE, state and nonce).
type OIDC struct {
	cfg      OIDCConfig
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	oauth    oauth2.Config
}

// NewOIDC discovers the provider. It fails when the issuer cannot be reached, so that a
// misconfigured installation says so at start rather than at the first sign-in.
func NewOIDC(ctx context.Context, cfg OIDCConfig) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("OpenID Connect needs --oidc-issuer, --oidc-client-id and --oidc-redirect-url")
	}
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OpenID Connect discovery at %s: %w", cfg.Issuer, err)
	}
	return &OIDC{cfg: cfg, provider: p, verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}}, nil
}

// Flow is what the browser carries (in a short-lived cookie) between the redirect and the
// callback.
type Flow struct {
	State, Nonce, Verifier string
}

// Start returns the provider URL to send the browser to and the flow to remember.
func (o *OIDC) Start() (string, Flow) {
	f := Flow{State: Token(24), Nonce: Token(24), Verifier: oauth2.GenerateVerifier()}
	url := o.oauth.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	return url, f
}

// Identity is who the provider says signed in.
type Identity struct {
	Subject       string // issuer + " " + sub: unique across providers
	Email         string
	EmailVerified bool
	Name          string
}

// Finish exchanges the code and checks the ID token (signature, audience, expiry, nonce).
func (o *OIDC) Finish(ctx context.Context, f Flow, state, code string) (Identity, error) {
	var id Identity
	if !Equal(f.State, state) {
		return id, errors.New("the sign-in answer does not match this browser's request (state); start again")
	}
	tok, err := o.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return id, fmt.Errorf("the identity provider refused the code: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return id, errors.New("the identity provider sent no ID token")
	}
	it, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return id, fmt.Errorf("the ID token is not valid: %w", err)
	}
	if !Equal(it.Nonce, f.Nonce) {
		return id, errors.New("the ID token's nonce does not match; start again")
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
		Name          string `json:"name"`
	}
	if err := it.Claims(&claims); err != nil {
		return id, err
	}
	return Identity{Subject: it.Issuer + " " + it.Subject, Email: claims.Email, EmailVerified: claims.EmailVerified, Name: claims.Name}, nil
}

// FlowCookie hides nothing but binds the flow to one value for the cookie.
func FlowCookie(f Flow) string {
	return f.State + "." + f.Nonce + "." + f.Verifier
}

// ParseFlowCookie is the inverse of FlowCookie.
func ParseFlowCookie(s string) (Flow, bool) {
	var f Flow
	parts := strings.SplitN(s, ".", 3)
	if len(parts) != 3 {
		return f, false
	}
	return Flow{State: parts[0], Nonce: parts[1], Verifier: parts[2]}, true
}

// Fingerprint is a short non-secret digest for logs.
func Fingerprint(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(h[:6])
}
