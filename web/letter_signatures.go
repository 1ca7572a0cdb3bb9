package web

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/saraban/saraban/signing"
	"github.com/saraban/saraban/storage"
)

// The letter page says whether a letter that came signed (from another agency, or from an
// outgoing letter of this installation) carries valid signatures: whose, when, whether the
// certificate chains to a root the installation trusts (--trust), and whether anything but
// receive stamps and later signatures was added after signing. The check runs on the newest
// revision, server-side (it is not a person opening the file), and its result is kept by the
// revision's digest, so a letter is verified once.

func init() {
	addMessages(map[string][2]string{
		"letter.sig.title":     {"ลายมือชื่ออิเล็กทรอนิกส์", "Digital signatures"},
		"letter.sig.valid":     {"ลายมือชื่อถูกต้อง", "Signature valid"},
		"letter.sig.invalid":   {"ลายมือชื่อไม่ถูกต้อง", "Signature NOT valid"},
		"letter.sig.trusted":   {"ใบรับรองออกโดยผู้ออกใบรับรองที่ระบบเชื่อถือ", "Certificate from a trusted authority"},
		"letter.sig.untrusted": {"ตรวจสอบผู้ออกใบรับรองไม่ได้: ไม่อยู่ในรายการที่ระบบเชื่อถือ", "The certificate does not chain to a trusted authority"},
		"letter.sig.untouched": {"ไม่มีการแก้ไขเนื้อหาหลังลงนาม (มีเพียงตราประทับรับหรือลายมือชื่อต่อท้าย)", "Unchanged since signing (only receive stamps or later signatures added)"},
		"letter.sig.changed":   {"มีการแก้ไขเนื้อหาหลังลงนาม", "Changed after signing"},
		"letter.sig.at":        {"ลงนามเมื่อ %s", "signed %s"},
		"letter.sig.tsa":       {"ประทับรับรองเวลาโดย %s เมื่อ %s", "timestamped by %s at %s"},
		"letter.sig.unread":    {"ตรวจลายมือชื่อไม่ได้: %s", "The signatures could not be checked: %s"},
	})
}

// letterSig is one signature as the page shows it.
type letterSig struct {
	Name, Reason   string
	At             *time.Time
	Valid, Trusted bool
	Untouched      bool
	TSA            string
	TSATime        time.Time
}

// letterSigs is the check of one revision.
type letterSigs struct {
	List []letterSig
	Err  string
}

var sigCache = struct {
	sync.Mutex
	m map[string]*letterSigs
}{m: map[string]*letterSigs{}}

// letterSignatures checks the signatures of a letter's newest revision (nil: none, or no file).
func (s *Server) letterSignatures(ctx context.Context, l storage.Letter) *letterSigs {
	if len(l.Revisions) == 0 || s.Services.Blobs == nil {
		return nil
	}
	rev := l.Revisions[len(l.Revisions)-1]
	key := rev.SHA256
	if s.Trust == nil {
		key += "/untrusted"
	}
	sigCache.Lock()
	got, ok := sigCache.m[key]
	sigCache.Unlock()
	if ok {
		return got
	}
	res := &letterSigs{}
	pdf, err := s.Services.Blobs.Get(ctx, rev.ObjectKey)
	if err != nil {
		return nil // not cached: the store may be back next time
	}
	if bytes.Contains(pdf, []byte("/ByteRange")) {
		rep, err := signing.Verify(pdf, s.Trust)
		switch {
		case errors.Is(err, signing.ErrNoSignatures):
		case err != nil:
			res.Err = err.Error()
		default:
			for _, g := range rep.Signatures {
				name := g.SignerName
				if g.Name != "" {
					name = g.Name
				}
				sg := letterSig{Name: name, Reason: g.Reason, At: g.SigningTime, Valid: g.DigestMatch && g.SignatureOK,
					Trusted: g.ChainTrusted, Untouched: g.OnlyAllowedAfter}
				if g.Timestamp != nil && g.Timestamp.ImprintOK {
					sg.TSA, sg.TSATime = g.Timestamp.TSA, g.Timestamp.Time
				}
				res.List = append(res.List, sg)
			}
		}
	}
	sigCache.Lock()
	if len(sigCache.m) > 4096 {
		sigCache.m = map[string]*letterSigs{}
	}
	sigCache.m[key] = res
	sigCache.Unlock()
	return res
}
