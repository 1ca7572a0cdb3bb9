package notify_test

import (
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/notify"
)

func TestComposeEncodesAndFolds(t *testing.T) {
	from := &mail.Address{Name: "ระบบสารบรรณ", Address: "saraban@songkhla.example"}
	subject := strings.Repeat("ขอเชิญประชุมคณะกรรมการ ", 12) + "\r\nBcc: someone@evil.example"
	b, err := notify.Compose(from, notify.Message{To: "sujit@songkhla.example", ToName: "นางสุจิตร์ สุขสว่าง",
		Subject: subject, Body: "บรรทัดหนึ่ง\nบรรทัดสอง\n", MessageID: "x.1@songkhla.example",
		Date: time.Date(2026, 3, 20, 8, 30, 0, 0, time.UTC), Headers: map[string]string{"X-Saraban-Event": "due"}})
	if err != nil {
		t.Fatal(err)
	}
	raw := string(b)
	for _, line := range strings.Split(raw, "\r\n") {
		if len(line) > 100 {
			t.Errorf("a header or body line of %d bytes: %.60s…", len(line), line)
		}
		if strings.HasPrefix(line, "Bcc:") {
			t.Error("a CR LF in the subject made a header")
		}
	}
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	got, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	want := strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(subject)), " ")
	if err != nil || got != want {
		t.Errorf("subject %q (%v), want %q", got, err, want)
	}
	if m.Header.Get("Date") != "Fri, 20 Mar 2026 15:30:00 +0700" || m.Header.Get("Message-Id") != "<x.1@songkhla.example>" ||
		m.Header.Get("X-Saraban-Event") != "due" || m.Header.Get("Bcc") != "" {
		t.Errorf("headers %v", m.Header)
	}
	if _, err := notify.Compose(from, notify.Message{To: "a@b.example", Headers: map[string]string{"Bad Header": "x"}}); err == nil {
		t.Error("a header name with a space was accepted")
	}
	if _, err := notify.Compose(from, notify.Message{To: "a@b.example", MessageID: "<no-brackets@x>"}); err == nil {
		t.Error("a message id in brackets was accepted")
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"event":"e"}`)
	sig := notify.Sign("0123456789abcdef", body)
	if !strings.HasPrefix(sig, "sha256=") || len(sig) != 7+64 {
		t.Fatalf("signature %q", sig)
	}
	if !notify.VerifySignature("0123456789abcdef", body, sig) || notify.VerifySignature("0123456789abcdef", append(body, ' '), sig) ||
		notify.VerifySignature("0123456789abcdef", body, strings.TrimPrefix(sig, "sha256=")) || notify.VerifySignature("x", body, sig) {
		t.Error("VerifySignature")
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Second, 4 * time.Second, 16 * time.Second, 64 * time.Second, 256 * time.Second, 1024 * time.Second, time.Hour, time.Hour}
	for i, w := range want {
		if got := notify.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}
