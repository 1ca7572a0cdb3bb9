package notify_test

import (
	"testing"

	"github.com/saraban/saraban/internal/testenv"
)

// The SMTP server of these tests is testenv's (Debian's aiosmtpd with testdata/smtpsink.py).
type (
	smtpServer  = testenv.SMTPServer
	smtpOptions = testenv.SMTPOptions
)

func startSMTP(t testing.TB, o smtpOptions) *smtpServer { return testenv.StartSMTP(t, o) }

func freePort(t testing.TB) int { return testenv.FreePort(t) }
