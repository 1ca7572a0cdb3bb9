package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SMTPServer is Debian's aiosmtpd (python3-aiosmtpd) with notify/testdata/smtpsink.py as its handler:
// a real SMTP server that writes every message it accepts into a directory.
type SMTPServer struct {
	t    testing.TB
	Addr string
	Dir  string
	// CertPool trusts the server's self-signed certificate (TLS servers only).
	CertPool *x509.CertPool
	args     []string
	cmd      *exec.Cmd
}

type SMTPOptions struct {
	TLS            bool   // offer STARTTLS (aiosmtpd then requires it before MAIL)
	User, Password string // accept AUTH PLAIN with these and require it
	Port           int    // 0: a free port
}

// aiosmtpdPython finds the Python that has aiosmtpd: Debian's /usr/bin/python3 first, since a python3
// earlier on PATH (pyenv) may not see Debian's packages.
func aiosmtpdPython(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import aiosmtpd").Run() == nil {
			return path
		}
	}
	t.Fatal("the e-mail tests need Debian's aiosmtpd: apt-get install python3-aiosmtpd (bash deploy/local/stack.sh install does it)")
	return ""
}

// StartSMTP starts an SMTP server that keeps what it accepts (stopped at the test's end).
func StartSMTP(t testing.TB, o SMTPOptions) *SMTPServer {
	t.Helper()
	s := NewSMTP(t, o)
	s.Start()
	return s
}

// NewSMTP makes the server without starting it (Start, Stop and Start again: a server that
// goes away and comes back).
func NewSMTP(t testing.TB, o SMTPOptions) *SMTPServer {
	t.Helper()
	port := o.Port
	if port == 0 {
		port = FreePort(t)
	}
	s := &SMTPServer{t: t, Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: t.TempDir()}
	s.args = []string{"-m", "aiosmtpd", "-n", "-l", s.Addr, "-c", "smtpsink.Handler"}
	if o.TLS {
		certFile, keyFile, pool := selfSignedSMTPCert(t)
		s.CertPool = pool
		s.args = append(s.args, "--tlscert", certFile, "--tlskey", keyFile)
	}
	s.args = append(s.args, s.Dir)
	if o.User != "" {
		s.args = append(s.args, o.User, o.Password)
	}
	t.Cleanup(s.Stop)
	return s
}

// Start starts the server (again) and waits until it accepts connections.
func (s *SMTPServer) Start() {
	s.t.Helper()
	testdata := filepath.Join(RepoRoot(), "notify", "testdata") // smtpsink.py
	s.cmd = exec.Command(aiosmtpdPython(s.t), s.args...)
	s.cmd.Env = append(os.Environ(), "PYTHONPATH="+testdata, "PYTHONDONTWRITEBYTECODE=1")
	// aiosmtpd logs refused TLS handshakes with tracebacks: keep them for a failing test only.
	logFile, err := os.CreateTemp(s.Dir, "aiosmtpd-*.log")
	if err != nil {
		s.t.Fatal(err)
	}
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.t.Cleanup(func() {
		logFile.Close()
		if s.t.Failed() {
			if b, _ := os.ReadFile(logFile.Name()); len(b) > 0 {
				s.t.Logf("aiosmtpd on %s said:\n%s", s.Addr, b)
			}
		}
	})
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start aiosmtpd: %v", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("aiosmtpd on %s did not start", s.Addr)
}

// Stop stops the server (SIGINT, which aiosmtpd handles) and waits for it.
func (s *SMTPServer) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// Received is a message the server accepted.
type Received struct {
	Meta struct {
		MailFrom      string   `json:"mail_from"`
		RcptTos       []string `json:"rcpt_tos"`
		TLS           bool     `json:"tls"`
		Authenticated bool     `json:"authenticated"`
		AuthUser      string   `json:"auth_user"`
	}
	Raw []byte
	Msg *mail.Message
}

// Messages returns what the server accepted so far, oldest first.
func (s *SMTPServer) Messages() []Received {
	s.t.Helper()
	names, err := filepath.Glob(filepath.Join(s.Dir, "*.eml"))
	if err != nil {
		s.t.Fatal(err)
	}
	sort.Strings(names)
	var out []Received
	for _, n := range names {
		var r Received
		meta, err := os.ReadFile(strings.TrimSuffix(n, ".eml") + ".json")
		if err != nil {
			s.t.Fatal(err)
		}
		if err := json.Unmarshal(meta, &r.Meta); err != nil {
			s.t.Fatal(err)
		}
		if r.Raw, err = os.ReadFile(n); err != nil {
			s.t.Fatal(err)
		}
		if r.Msg, err = mail.ReadMessage(strings.NewReader(string(r.Raw))); err != nil {
			s.t.Fatalf("%s is not a message: %v", n, err)
		}
		out = append(out, r)
	}
	return out
}

// selfSignedSMTPCert writes a certificate for 127.0.0.1 and its key, and returns a pool that
// trusts it.
func selfSignedSMTPCert(t testing.TB) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "saraban test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
