package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook request headers.
const (
	// HeaderSignature carries "sha256=<hex HMAC-SHA256 of the body with the webhook's secret>".
	HeaderSignature = "X-Saraban-Signature"
	// HeaderDelivery carries the delivery id: the same on every retry of one delivery, so a
	// receiver can drop a repeat.
	HeaderDelivery = "X-Saraban-Delivery"
	// HeaderEvent carries the notification's kind.
	HeaderEvent = "X-Saraban-Event"
)

// Payload is the JSON body of a webhook request.
type Payload struct {
	Event    string    `json:"event"` // the notification's event key, unique per person
	Kind     string    `json:"kind"`  // task | reminder | due | escalation | forwarded | …
	Person   string    `json:"person"`
	LetterID *string   `json:"letter_id"` // null when the notification is about no letter
	Title    string    `json:"title"`
	Body     string    `json:"body"`
	At       time.Time `json:"at"` // when the notification was made, Bangkok time
}

// Sign returns the signature header value of body: "sha256=" and the hex HMAC-SHA256 of the
// exact bytes with the secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature tells whether header is the signature of body with secret (in constant
// time). Receivers written in Go can use it as is.
func VerifySignature(secret string, body []byte, header string) bool {
	hexSum, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// WebhookRequest is one POST to send.
type WebhookRequest struct {
	URL        string
	Secret     string
	DeliveryID int64
	Kind       string
	Body       []byte // the JSON payload, signed as is
}

// Webhook posts signed notifications to outside endpoints.
type Webhook struct {
	// Client sends the requests (nil: a client with a 15 s timeout). Redirects are never
	// followed: an endpoint that moved must be registered again.
	Client *http.Client
	// UserAgent is sent with every request (default saraban-webhook/1).
	UserAgent string
}

// DefaultHTTPClient is the client webhooks use when none is given.
func DefaultHTTPClient() *http.Client {
	return &http.Client{Timeout: 15 * time.Second}
}

// Send POSTs the body with its signature. Any 2xx is success. 410 Gone is permanent with
// Gone set (the caller disables the webhook); 408 and 429 are temporary (Retry-After is read);
// any other 4xx and any 3xx are permanent; 5xx, timeouts and connection failures are temporary.
func (w *Webhook) Send(ctx context.Context, r WebhookRequest) error {
	client := w.Client
	if client == nil {
		client = sharedClient
	}
	noRedirect := *client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return &SendError{Permanent: true, Stage: "http", Err: err}
	}
	ua := w.UserAgent
	if ua == "" {
		ua = "saraban-webhook/1"
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", ua)
	req.Header.Set(HeaderSignature, Sign(r.Secret, r.Body))
	req.Header.Set(HeaderDelivery, strconv.FormatInt(r.DeliveryID, 10))
	if r.Kind != "" {
		req.Header.Set(HeaderEvent, r.Kind)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		return &SendError{Stage: "http", Err: err}
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	se := &SendError{Stage: "http", Code: code, Err: fmt.Errorf("%s answered %s%s", r.URL, resp.Status, quoteSnippet(snippet))}
	switch {
	case code == http.StatusGone:
		se.Permanent, se.Gone = true, true
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests:
		se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"))
	case code >= 500:
		se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"))
	case code >= 300 && code < 400:
		se.Permanent = true
		se.Err = fmt.Errorf("%s answered %s (to %s): redirects are not followed, register the final URL", r.URL, resp.Status, resp.Header.Get("Location"))
	default: // other 4xx, and 1xx
		se.Permanent = true
	}
	return se
}

func quoteSnippet(b []byte) string {
	s := oneLine(string(b))
	if s == "" {
		return ""
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return ": " + strconv.Quote(s)
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date. 0 when absent or unreadable.
func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// MarshalPayload encodes a payload as the exact bytes to sign and send.
func MarshalPayload(p Payload) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

var errNoWebhook = errors.New("the webhook was removed")
