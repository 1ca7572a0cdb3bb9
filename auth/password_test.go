package auth

import (
	"errors"
	"strings"
	"testing"
)

var cheap = Params{Memory: 8 * 1024, Time: 1, Threads: 1, KeyLen: 32}

func TestHashAndVerify(t *testing.T) {
	h, err := Hash("รหัสผ่านยาวพอสมควร", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=8192,t=1,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string with its parameters", h)
	}
	if rehash, err := Verify("รหัสผ่านยาวพอสมควร", h, cheap); err != nil || rehash {
		t.Fatalf("right password: rehash=%v err=%v", rehash, err)
	}
	if _, err := Verify("รหัสผ่านยาวพอสมควช", h, cheap); !errors.Is(err, ErrMismatch) {
		t.Fatalf("one character changed: %v, want ErrMismatch", err)
	}
	// Two hashes of one password differ (random salt) and both verify.
	h2, _ := Hash("รหัสผ่านยาวพอสมควร", cheap)
	if h2 == h {
		t.Fatal("two hashes of the same password are equal: no salt")
	}
	// A hash made with weaker parameters asks to be redone with the current ones.
	if rehash, err := Verify("รหัสผ่านยาวพอสมควร", h, DefaultParams); err != nil || !rehash {
		t.Fatalf("old parameters: rehash=%v err=%v, want a rehash", rehash, err)
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=18$m=8192,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AAAA$AAAA"} {
		if _, err := Verify("x", bad, cheap); err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("Verify(%q) = %v, want an error about the stored hash", bad, err)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	for _, c := range []struct {
		pass, user string
		ok         bool
	}{
		{"short", "kanda", false},
		{"๑๒๓๔๕๖๗๘๙", "kanda", false}, // 9 characters (27 bytes): counted in characters
		{"๑๒๓๔๕๖๗๘๙๐", "kanda", true},
		{"my-kanda-password", "kanda", false},
		{"MY-KANDA-PASSWORD", "kanda", false},
		{"correct horse battery", "kanda", true},
		{strings.Repeat("x", 257), "kanda", false},
	} {
		if err := CheckPolicy(c.pass, c.user); (err == nil) != c.ok {
			t.Errorf("CheckPolicy(%q, %q) = %v, want ok=%v", c.pass, c.user, err, c.ok)
		}
	}
}

func TestTokensAndFlowCookie(t *testing.T) {
	a, b := Token(32), Token(32)
	if a == b || len(a) != 43 {
		t.Fatalf("tokens %q %q: want distinct 43-character base64url strings", a, b)
	}
	if Equal("", "") || !Equal(a, a) || Equal(a, b) {
		t.Fatal("Equal: empty secrets must never match; equal ones must")
	}
	f := Flow{State: Token(24), Nonce: Token(24), Verifier: Token(32)}
	g, ok := ParseFlowCookie(FlowCookie(f))
	if !ok || g != f {
		t.Fatalf("flow cookie round trip: %+v %v", g, ok)
	}
	if _, ok := ParseFlowCookie("only.two"); ok {
		t.Fatal("a cookie with two parts parsed")
	}
}
