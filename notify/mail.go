package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/saraban/saraban/thai"
)

// Mailer sends e-mail through one SMTP server (a relay of the agency, or a local MTA).
type Mailer struct {
	// Addr is the server's host:port (587 for submission, 25 for a relay).
	Addr string
	// From is the sender, a bare address or "Name <address>"; the Thai name is encoded.
	From string
	// Username and Password, when set, are sent with AUTH PLAIN. Go's client sends them only
	// over TLS (STARTTLS) or to a server on this machine.
	Username, Password string
	// TLSConfig is used for STARTTLS, which the mailer always does when the server offers it
	// (nil: the system's roots, server name from Addr).
	TLSConfig *tls.Config
	// RequireTLS refuses to send when the server does not offer STARTTLS.
	RequireTLS bool
	// Helo is the name said in EHLO (default: this machine's host name).
	Helo string
	// Timeout bounds one whole conversation (default 30 s; the context's deadline if sooner).
	Timeout time.Duration
}

// Message is one e-mail: plain UTF-8 text to one recipient.
type Message struct {
	To     string // address
	ToName string // display name, may be Thai
	// Subject may be Thai: it is encoded per RFC 2047 (base64 encoded-words, UTF-8).
	Subject string
	Body    string
	// MessageID without angle brackets (default: random@the sender's domain). A stable id lets
	// mail clients drop a copy sent twice.
	MessageID string
	Date      time.Time         // default: now
	Headers   map[string]string // extra ASCII headers (X-…)
	// Attachments, when there are any, make the message multipart/mixed: the text first,
	// then each file (attach.go).
	Attachments []Attachment
}

// SendError is a failed send, with whether trying again can help.
type SendError struct {
	// Permanent: the same message will never be accepted (SMTP 5xx to the sender, recipient
	// or content; an HTTP 4xx other than 408/429). Otherwise the failure is temporary
	// (4xx, a connection or TLS failure, a timeout, a server error).
	Permanent bool
	// Code is the SMTP reply code or the HTTP status (0 when there was no answer).
	Code int
	// Stage is where it failed: connect, hello, starttls, auth, mail, rcpt, data (SMTP) or http.
	Stage string
	// Gone: the webhook answered 410 Gone and should be disabled.
	Gone bool
	// RetryAfter is the wait the server asked for (HTTP Retry-After), 0 when none.
	RetryAfter time.Duration
	Err        error
}

func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	if e.Code != 0 {
		return fmt.Sprintf("%s failure at %s (%d): %v", kind, e.Stage, e.Code, e.Err)
	}
	return fmt.Sprintf("%s failure at %s: %v", kind, e.Stage, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// IsPermanent tells whether err says that trying again cannot help.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

// Check reports a configuration that cannot work, before the first message.
func (m *Mailer) Check() error {
	if _, _, err := net.SplitHostPort(m.Addr); err != nil {
		return fmt.Errorf("SMTP server %q: give host:port, e.g. mail.example.go.th:587 (%v)", m.Addr, err)
	}
	if _, err := m.from(); err != nil {
		return err
	}
	if m.Password != "" && m.Username == "" {
		return errors.New("an SMTP password without a user name")
	}
	return nil
}

func (m *Mailer) from() (*mail.Address, error) {
	if strings.TrimSpace(m.From) == "" {
		return nil, errors.New("no sender address for e-mail (--smtp-from)")
	}
	a, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, fmt.Errorf("sender address %q: %v", m.From, err)
	}
	return a, nil
}

// Send delivers msg over SMTP: EHLO, STARTTLS when offered (required with RequireTLS), AUTH
// when a user name is set, MAIL, RCPT, DATA. Failures are *SendError values: a 5xx answer to
// MAIL, RCPT or DATA is permanent; 4xx answers, connection and TLS failures, timeouts, and any
// refusal before MAIL (greeting, EHLO, STARTTLS, AUTH — problems of the server or of our
// configuration, not of this message) are temporary.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	from, err := m.from()
	if err != nil {
		return &SendError{Permanent: true, Stage: "config", Err: err}
	}
	if _, err := mail.ParseAddress(msg.To); err != nil {
		return &SendError{Permanent: true, Stage: "rcpt", Err: fmt.Errorf("recipient address %q: %v", msg.To, err)}
	}
	data, err := Compose(from, msg)
	if err != nil {
		return &SendError{Permanent: true, Stage: "data", Err: err}
	}
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return &SendError{Permanent: true, Stage: "config", Err: err}
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dialer := net.Dialer{Deadline: deadline}
	conn, err := dialer.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return &SendError{Stage: "connect", Err: err}
	}
	defer conn.Close()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	fail := func(stage string, err error) error {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		se := &SendError{Stage: stage, Err: err}
		var te *textproto.Error
		if errors.As(err, &te) {
			se.Code = te.Code
			se.Permanent = te.Code >= 500 && (stage == "mail" || stage == "rcpt" || stage == "data")
		}
		return se
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fail("connect", err)
	}
	defer c.Close()
	if err := c.Hello(m.helo()); err != nil {
		return fail("hello", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if m.TLSConfig != nil {
			cfg = m.TLSConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		if err := c.StartTLS(cfg); err != nil {
			return fail("starttls", err)
		}
	} else if m.RequireTLS {
		return fail("starttls", fmt.Errorf("the server %s does not offer STARTTLS and TLS is required", m.Addr))
	}
	if m.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fail("auth", fmt.Errorf("the server %s does not offer AUTH (it may offer it only after STARTTLS)", m.Addr))
		}
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return fail("auth", fmt.Errorf("SMTP authentication as %s failed: %w", m.Username, err))
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fail("mail", err)
	}
	if err := c.Rcpt(msg.To); err != nil {
		return fail("rcpt", err)
	}
	w, err := c.Data()
	if err != nil {
		return fail("data", err)
	}
	if _, err := w.Write(data); err != nil {
		return fail("data", err)
	}
	if err := w.Close(); err != nil {
		return fail("data", err)
	}
	_ = c.Quit() // the message is accepted; a failed goodbye changes nothing
	return nil
}

func (m *Mailer) helo() string {
	if m.Helo != "" {
		return m.Helo
	}
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}

// Compose writes msg as an RFC 5322 message: UTF-8 text in base64, the subject and names
// encoded per RFC 2047, Date, Message-ID, and Auto-Submitted so that vacation responders stay
// quiet.
func Compose(from *mail.Address, msg Message) ([]byte, error) {
	if from == nil {
		return nil, errors.New("no sender")
	}
	if len(msg.Attachments) > 0 {
		return composeMixed(from, msg)
	}
	to := mail.Address{Name: oneLine(msg.ToName), Address: msg.To}
	date := msg.Date
	if date.IsZero() {
		date = time.Now()
	}
	id := msg.MessageID
	if id == "" {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:]) + "@" + domainOf(from.Address)
	}
	if strings.ContainsAny(id, "<> \r\n") || !strings.Contains(id, "@") {
		return nil, fmt.Errorf("message id %q: want left@right without angle brackets", id)
	}
	var b strings.Builder
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", formatAddress(*from))
	header("To", formatAddress(to))
	header("Subject", encodeHeader(oneLine(msg.Subject)))
	header("Date", date.In(thai.Bangkok).Format(time.RFC1123Z))
	header("Message-ID", "<"+id+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "base64")
	header("Auto-Submitted", "auto-generated")
	header("X-Auto-Response-Suppress", "All")
	for _, k := range slices.Sorted(maps.Keys(msg.Headers)) {
		v := msg.Headers[k]
		if !validHeaderName(k) || strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("header %q: not a valid extra header", k)
		}
		header(k, v)
	}
	b.WriteString("\r\n")
	body := strings.ReplaceAll(strings.ReplaceAll(msg.Body, "\r\n", "\n"), "\n", "\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	if enc != "" {
		b.WriteString(enc + "\r\n")
	}
	return []byte(b.String()), nil
}

// encodeHeader encodes a header value per RFC 2047 when it is not plain ASCII, folding
// between encoded words so that no line grows past the limit.
func encodeHeader(s string) string {
	enc := mime.BEncoding.Encode("utf-8", s)
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

// formatAddress writes an address with its display name, a non-ASCII (Thai) name as RFC 2047
// base64 words, which are half as long as the quoted-printable ones net/mail would write.
func formatAddress(a mail.Address) string {
	for _, r := range a.Name {
		if r > '~' {
			return encodeHeader(a.Name) + " <" + a.Address + ">"
		}
	}
	return a.String()
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}

func domainOf(addr string) string {
	if i := strings.LastIndex(addr, "@"); i >= 0 && i+1 < len(addr) {
		return addr[i+1:]
	}
	return "saraban.invalid"
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if r <= ' ' || r > '~' || r == ':' {
			return false
		}
	}
	return true
}
