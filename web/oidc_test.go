package web

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/saraban/saraban/auth"
)

// idp is a minimal OpenID Connect provider on loopback: discovery, keys, an authorisation
// endpoint that approves at once, and a token endpoint that issues a signed ID token.
type idp struct {
	srv      *httptest.Server
	key      *rsa.PrivateKey
	mu       sync.Mutex
	nonces   map[string]string // code → nonce
	email    string
	verified bool
	sub      string
	// wrongAudience signs tokens for another client.
	wrongAudience bool
}

func newIDP(t *testing.T) *idp {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{key: key, nonces: map[string]string{}, sub: "u-1001", verified: true}
	mux := http.NewServeMux()
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	iss := p.srv.URL
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": iss, "authorization_endpoint": iss + "/authorize",
			"token_endpoint": iss + "/token", "jwks_uri": iss + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "PKCE required", http.StatusBadRequest)
			return
		}
		code := auth.Token(12)
		p.mu.Lock()
		p.nonces[code] = q.Get("nonce")
		p.mu.Unlock()
		to, _ := url.Parse(q.Get("redirect_uri"))
		v := to.Query()
		v.Set("code", code)
		v.Set("state", q.Get("state"))
		to.RawQuery = v.Encode()
		http.Redirect(w, r, to.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		p.mu.Lock()
		nonce, ok := p.nonces[r.PostForm.Get("code")]
		delete(p.nonces, r.PostForm.Get("code"))
		p.mu.Unlock()
		if !ok || r.PostForm.Get("code_verifier") == "" {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		aud := "saraban"
		if p.wrongAudience {
			aud = "another-app"
		}
		claims, _ := json.Marshal(map[string]any{"iss": iss, "sub": p.sub, "aud": aud, "exp": time.Now().Add(5 * time.Minute).Unix(),
			"iat": time.Now().Unix(), "nonce": nonce, "email": p.email, "email_verified": p.verified, "name": "ผู้ใช้ทดสอบ"})
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}},
			(&jose.SignerOptions{}).WithType("JWT"))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		jws, err := signer.Sign(claims)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		tok, _ := jws.CompactSerialize()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at-" + auth.Token(8), "token_type": "Bearer", "expires_in": 300, "id_token": tok})
	})
	return p
}

// oidcLogin follows the sign-in through the provider and back, as a browser would.
func oidcLogin(t *testing.T, b *browser) page {
	t.Helper()
	p := b.get("/auth/oidc")
	for i := 0; i < 4 && (p.Status == http.StatusFound || p.Status == http.StatusSeeOther); i++ {
		loc := p.Location
		if strings.HasPrefix(loc, "/") {
			loc = b.site.ts.URL + loc
		}
		req, _ := http.NewRequest(http.MethodGet, loc, nil)
		p = b.do(req)
		if strings.HasSuffix(p.Location, "/") && p.Status == http.StatusSeeOther && !strings.Contains(p.Location, "/auth/") {
			return p
		}
	}
	return p
}

func TestOpenIDConnectSignIn(t *testing.T) {
	provider := newIDP(t)
	site := newSite(t)
	o, err := auth.NewOIDC(context.Background(), auth.OIDCConfig{Issuer: provider.srv.URL, ClientID: "saraban",
		ClientSecret: "s3cret", RedirectURL: site.ts.URL + "/auth/oidc/callback"})
	if err != nil {
		t.Fatal(err)
	}
	site.srv.OIDC = o // before the first request

	site.account("sujit", false)
	sujit, err := site.db.GetPerson(context.Background(), "sujit")
	if err != nil || sujit.Email == "" {
		t.Fatalf("the demo person sujit needs an e-mail address: %q %v", sujit.Email, err)
	}

	// The login page offers the agency's sign-in.
	b := site.browser()
	if p := b.get("/login"); !strings.Contains(p.Body, `href="/auth/oidc"`) {
		t.Fatal("the sign-in page does not offer OpenID Connect")
	}

	// An identity with no account (unknown e-mail) is refused with a clear page.
	provider.email = "stranger@example.org"
	if p := oidcLogin(t, b); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "stranger@example.org") {
		t.Fatalf("unknown identity: %d\n%s", p.Status, p.Body)
	}
	// An unverified e-mail does not link an account.
	provider.email, provider.verified, provider.sub = sujit.Email, false, "u-2002"
	if p := oidcLogin(t, b); p.Status != http.StatusForbidden {
		t.Fatalf("unverified e-mail: %d, want 403", p.Status)
	}
	// A token made for another client is refused.
	provider.verified, provider.wrongAudience = true, true
	if p := oidcLogin(t, b); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "เข้าสู่ระบบไม่สำเร็จ") {
		t.Fatalf("wrong audience: %d, want 403 with the reason", p.Status)
	}
	provider.wrongAudience = false

	// The verified e-mail of a person with an account signs in and links the subject.
	p := oidcLogin(t, b)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	if home := b.get("/"); home.Status != 200 || !strings.Contains(home.Body, sujit.Name) {
		t.Fatalf("after OIDC sign-in the inbox is not sujit's: %d", home.Status)
	}
	a, err := site.db.GetAccount(context.Background(), "sujit")
	if err != nil || a.OIDCSubject != provider.srv.URL+" u-2002" {
		t.Fatalf("linked subject = %q, %v", a.OIDCSubject, err)
	}
	// Next time the subject alone finds the account, whatever the e-mail says.
	provider.email = "changed@example.org"
	b2 := site.browser()
	if p := oidcLogin(t, b2); p.Status != http.StatusSeeOther {
		t.Fatalf("second sign-in by subject: %d\n%s", p.Status, p.Body)
	}
	var n int
	if err := site.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'login' AND actor = 'sujit' AND detail->>'method' = 'oidc'`).Scan(&n); err != nil || n != 2 {
		t.Errorf("audited OIDC sign-ins = %d, %v; want 2", n, err)
	}
	// A state that does not match is refused.
	req, _ := http.NewRequest(http.MethodGet, site.ts.URL+"/auth/oidc/callback?code=x&state=forged", nil)
	b3 := site.browser()
	b3.get("/auth/oidc") // sets the flow cookie, not followed
	if p := b3.do(req); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "state") {
		t.Fatalf("forged state: %d", p.Status)
	}
}
