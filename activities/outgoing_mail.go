package activities

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/saraban/saraban/domain"
	"github.com/saraban/saraban/notify"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// MailSender sends one e-mail (*notify.Mailer does, over SMTP).
type MailSender interface {
	Send(ctx context.Context, msg notify.Message) error
}

// OutgoingMail is how the dispatch of a signed outgoing letter reaches recipients outside this
// installation: one e-mail per address with the signed PDF attached.
type OutgoingMail struct {
	// Sender sends the mail; nil leaves e-mail deliveries pending (nothing is sent).
	Sender MailSender
	// MaxAttempts is the number of tries per address before it is given up as failed
	// (default notify.DefaultMaxAttempts).
	MaxAttempts int
	// Backoff is the wait before the next try after the n-th failed one (default
	// notify.Backoff: 1 s, then four times longer each time, at most an hour).
	Backoff func(attempt int) time.Duration
	// Domain is the right-hand side of the Message-IDs (default: the domain of the
	// *notify.Mailer's sender, else saraban.invalid).
	Domain string
}

func (m *OutgoingMail) maxAttempts() int {
	if m.MaxAttempts > 0 {
		return m.MaxAttempts
	}
	return notify.DefaultMaxAttempts
}

func (m *OutgoingMail) backoff(attempt int) time.Duration {
	if m.Backoff != nil {
		return m.Backoff(attempt)
	}
	return notify.Backoff(attempt)
}

func (m *OutgoingMail) domain() string {
	if m.Domain != "" {
		return m.Domain
	}
	if mm, ok := m.Sender.(*notify.Mailer); ok {
		if a, err := mail.ParseAddress(mm.From); err == nil {
			if i := strings.LastIndex(a.Address, "@"); i >= 0 && i+1 < len(a.Address) {
				return a.Address[i+1:]
			}
		}
	}
	return "saraban.invalid"
}

// OutgoingMailStore is what sending outgoing letters by e-mail needs of the system of record
// (*storage.DB).
type OutgoingMailStore interface {
	QueueEmailDelivery(ctx context.Context, id, address string) (storage.OutgoingDelivery, error)
	RecordEmailAttempt(ctx context.Context, id, address, messageID string, sent bool, errText string) (storage.OutgoingDelivery, error)
}

// ErrMailRetry is the error type of a dispatch that has e-mail still to retry: Temporal retries
// the activity after the delay it asks for, and the retry sends only what was not sent.
const ErrMailRetry = "MailRetry"

// mailOutgoing sends the signed letter to every address that has not received it: one mail
// per address, each delivery row recording the outcome. An address the server accepted is
// never sent to again (a retry of the activity skips it); a failed one is tried again on the
// next attempt, after a backoff the activity asks Temporal for, until it has been tried
// MaxAttempts times, when it stays failed with its last error. It returns the number of
// addresses given up (and an ErrMailRetry error while some are still to be retried).
//
// The server's acceptance and the row's update cannot be one transaction: a crash between the
// two sends that address a second copy on the retry, with the same Message-ID
// (outgoing.<id>.<hash of the address>@domain), so that mail systems can recognise it.
func (a *Activities) mailOutgoing(ctx context.Context, o storage.Outgoing, addrs []string) (failed int, err error) {
	if len(addrs) == 0 {
		return 0, nil
	}
	ms, ok := a.Store.(OutgoingMailStore)
	if !ok {
		return 0, temporal.NewNonRetryableApplicationError("the worker's store does not record e-mail deliveries", "Config", nil)
	}
	addrs = slices.Compact(slices.Sorted(slices.Values(addrs)))
	var todo []string
	max := 0
	if a.Mail != nil && a.Mail.Sender != nil {
		max = a.Mail.maxAttempts()
	}
	for _, addr := range addrs {
		d, err := ms.QueueEmailDelivery(ctx, o.ID, addr)
		if err != nil {
			return failed, err
		}
		switch {
		case d.Status == "delivered":
		case max == 0: // no mailer: the row waits, pending
		case d.Status == "failed" && d.Attempts >= max:
			failed++
		default:
			todo = append(todo, addr)
		}
	}
	if len(todo) == 0 {
		return failed, nil
	}
	pdf, err := a.signedPDF(ctx, o)
	if err != nil {
		return failed, err
	}
	msg := a.outgoingMessage(ctx, o, pdf)
	retry, minAttempts := []string{}, 0
	var lastErr error
	for _, addr := range todo {
		// A cancelled or timed-out send records nothing: the retry decides.
		d, sendErr, err := a.sendOne(ctx, ms, o, msg, addr)
		if err != nil {
			return failed, err
		}
		if d.Status == "delivered" {
			continue
		}
		if notify.IsPermanent(sendErr) || d.Attempts >= max {
			failed++
			continue
		}
		if len(retry) == 0 || d.Attempts < minAttempts {
			minAttempts = d.Attempts
		}
		retry = append(retry, addr)
		lastErr = sendErr
	}
	if len(retry) > 0 {
		return failed, temporal.NewApplicationErrorWithOptions(
			fmt.Sprintf("e-mail of %s to %s not sent (try %d of %d): %v", o.DocNumber, strings.Join(retry, ", "), minAttempts, max, lastErr),
			ErrMailRetry, temporal.ApplicationErrorOptions{NextRetryDelay: a.Mail.backoff(minAttempts)})
	}
	return failed, nil
}

// OutgoingMessageID is the Message-ID of the mail of an outgoing letter to one address: the
// same on every try.
func OutgoingMessageID(outgoingID, address, domain string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(address))))
	return "outgoing." + outgoingID + "." + hex.EncodeToString(sum[:8]) + "@" + domain
}

// OutgoingAttachmentName names the attached PDF by the send number: "สข 0020-1.pdf",
// "สข 0020-ว 1.pdf" for a circular (a file name cannot hold the slash).
func OutgoingAttachmentName(docNumber string) string {
	return strings.NewReplacer("/", "-", `\`, "-").Replace(docNumber) + ".pdf"
}

// outgoingMessage writes the mail of a signed letter, in Thai: the subject is the send number
// and the subject of the letter (after its urgency, if any); the body says who sends what, who
// signed it in which capacity, and the digest of the attached file.
func (a *Activities) outgoingMessage(ctx context.Context, o storage.Outgoing, pdf []byte) notify.Message {
	doc := "ที่ " + a.Digits.Apply(o.DocNumber)
	subject := doc + " เรื่อง " + o.Subject
	urg, _ := domain.ParseUrgency(o.Urgency)
	if u := urg.Thai(); u != "" {
		subject = u + " " + subject
	}
	at := time.Now()
	if o.SignedAt != nil {
		at = *o.SignedAt
	}
	date := thai.FormatDate(thai.DateOf(at), thai.DateStyle{Digits: a.Digits})
	name := OutgoingAttachmentName(o.DocNumber)
	var b strings.Builder
	fmt.Fprintf(&b, "%s ขอส่งหนังสือ%s ลงวันที่ %s\nเรื่อง %s\nมาพร้อมนี้ เป็นไฟล์ PDF ที่ลงลายมือชื่ออิเล็กทรอนิกส์แล้ว (แนบ: %s)\n",
		o.UnitName, doc, date, o.Subject, name)
	if u := urg.Thai(); u != "" {
		fmt.Fprintf(&b, "ชั้นความเร็ว: %s\n", u)
	}
	if sec, err := domain.ParseSecrecy(o.Secrecy); err == nil && sec.Thai() != "" {
		fmt.Fprintf(&b, "ชั้นความลับ: %s\n", sec.Thai())
	}
	signer := o.SignedBy
	if ps, ok := a.Store.(interface {
		GetPerson(ctx context.Context, id string) (storage.Person, error)
	}); ok && signer != "" {
		if p, err := ps.GetPerson(ctx, signer); err == nil && p.Name != "" {
			signer = p.Name
		}
	}
	if signer != "" {
		fmt.Fprintf(&b, "\nลงนามโดย (%s)\n", signer)
		for _, line := range o.SignedCapacity {
			b.WriteString(line + "\n")
		}
	}
	sum := sha256.Sum256(pdf)
	fmt.Fprintf(&b, "\nลายมือชื่ออิเล็กทรอนิกส์ตรวจสอบได้ในโปรแกรมอ่าน PDF\nSHA-256 ของไฟล์: %s\n", hex.EncodeToString(sum[:]))
	fmt.Fprintf(&b, "\nจดหมายนี้ส่งโดยระบบสารบรรณอิเล็กทรอนิกส์ของ%s โปรดลงทะเบียนรับตามระเบียบ\n", o.UnitName)
	return notify.Message{
		Subject:     subject,
		Body:        b.String(),
		Date:        at,
		Headers:     map[string]string{"X-Saraban-Outgoing": o.ID},
		Attachments: []notify.Attachment{{Name: name, ContentType: "application/pdf", Data: bytes.Clone(pdf)}},
	}
}

// ResendResult is what ResendOutgoingMail did for each address not yet delivered.
type ResendResult struct {
	Address string `json:"address"`
	Status  string `json:"status"` // delivered | failed
	Error   string `json:"error,omitempty"`
}

// ResendOutgoingMail sends a dispatched letter once more to every e-mail address that has not
// received it (pending rows left by a worker without an SMTP server, rows given up after their
// tries), for an operator (`saraban outgoing resend`). It is not an activity: it runs where
// the operator runs it, with the same store, files and mailer, and each try is recorded on the
// delivery row (and audited) as the worker's are. Addresses already delivered are not touched.
func (a *Activities) ResendOutgoingMail(ctx context.Context, outgoingID string) ([]ResendResult, error) {
	if a.Mail == nil || a.Mail.Sender == nil {
		return nil, fmt.Errorf("no SMTP server: give --smtp-addr and --smtp-from (or --outgoing-mail-from)")
	}
	ms, ok := a.Store.(OutgoingMailStore)
	if !ok {
		return nil, fmt.Errorf("the store does not record e-mail deliveries")
	}
	st, ok := a.Store.(OutgoingStore)
	if !ok {
		return nil, fmt.Errorf("the store does not keep outgoing letters")
	}
	o, err := st.GetOutgoing(ctx, outgoingID)
	if err != nil {
		return nil, err
	}
	if o.Status != storage.OutgoingSent && o.Status != storage.OutgoingSigned {
		return nil, fmt.Errorf("outgoing letter %s is %s: only a signed letter is sent by e-mail", o.ID, o.Status)
	}
	var todo []string
	for _, d := range o.Deliveries {
		if d.Kind == "email" && d.Status != "delivered" {
			todo = append(todo, d.Recipient)
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	pdf, err := a.signedPDF(ctx, o)
	if err != nil {
		return nil, err
	}
	msg := a.outgoingMessage(ctx, o, pdf)
	var out []ResendResult
	for _, addr := range todo {
		d, _, err := a.sendOne(ctx, ms, o, msg, addr)
		if err != nil {
			return out, err
		}
		out = append(out, ResendResult{Address: addr, Status: d.Status, Error: d.Error})
	}
	return out, nil
}

// sendOne sends the letter's mail to one address and records the try on its delivery row.
// A cancelled or timed-out send records nothing (whether the server took it is unknown).
func (a *Activities) sendOne(ctx context.Context, ms OutgoingMailStore, o storage.Outgoing, msg notify.Message, addr string) (storage.OutgoingDelivery, error, error) {
	m := msg
	m.To = addr
	m.MessageID = OutgoingMessageID(o.ID, addr, a.Mail.domain())
	sendErr := a.Mail.Sender.Send(ctx, m)
	if sendErr != nil && ctx.Err() != nil {
		return storage.OutgoingDelivery{}, sendErr, ctx.Err()
	}
	errText := ""
	if sendErr != nil {
		errText = sendErr.Error()
	}
	d, err := ms.RecordEmailAttempt(ctx, o.ID, addr, m.MessageID, sendErr == nil, errText)
	return d, sendErr, err
}

// signedPDF reads the signed revision of an outgoing letter and checks it against its digest.
func (a *Activities) signedPDF(ctx context.Context, o storage.Outgoing) ([]byte, error) {
	var signed *storage.OutgoingRevision
	for i := range o.Revisions {
		if o.Revisions[i].Kind == "signed" {
			signed = &o.Revisions[i]
		}
	}
	if signed == nil || o.DocNumber == "" {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("outgoing letter %s is not signed yet", o.ID), "NotFound", nil)
	}
	pdf, err := a.getFile(ctx, signed.ObjectKey)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(pdf); hex.EncodeToString(sum[:]) != signed.SHA256 {
		return nil, fmt.Errorf("the signed PDF of outgoing letter %s (%s) does not match its digest", o.ID, signed.ObjectKey)
	}
	return pdf, nil
}
