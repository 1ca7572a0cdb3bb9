package intake

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/saraban/saraban/extract"
)

// Reader proposes the fields of a letter from its PDF (extract.PDF with OCR off on the request
// path: a scan has no text layer and is read later, off the request path).
type Reader func(ctx context.Context, pdf []byte) (extract.Result, error)

// AutoAcceptConfidence is the least confidence at which a found deadline becomes the letter's
// deadline without the clerk, when the operator allows it.
const AutoAcceptConfidence = 0.9

// Proposal is what reading the letter proposed, and what of it was used.
type Proposal struct {
	// Filled are the fields taken from the letter because the clerk left them empty.
	Filled map[string]string `json:"filled,omitempty"`
	// Kept are fields the clerk typed that differ from what the letter reads; the clerk wins.
	Kept map[string]string `json:"kept,omitempty"`
	// Deadlines found in the letter; Accepted says whether one became the letter's deadline.
	Deadlines []extract.Deadline `json:"deadlines,omitempty"`
	Accepted  string             `json:"accepted_deadline,omitempty"`
	Flags     []extract.Flag     `json:"flags,omitempty"`
	Letters   int                `json:"letters_in_file"`
	// Unread says why nothing could be read (a scan with no text layer, say).
	Unread string `json:"unread,omitempty"`
	// Later: the letter is read by OCR in its workflow, off the request path; the fields the
	// clerk left empty are filled then and the clerk is told.
	Later bool `json:"read_in_background,omitempty"`
}

// ReadInlineLimit is the largest file read on the request path; larger ones are read later.
const ReadInlineLimit = 2 << 20

// propose reads the PDF and fills the request's empty fields. It never overrides what the
// clerk typed, and it never fails a receipt: an unreadable letter is registered as typed.
func (s *Service) propose(ctx context.Context, req *Request) *Proposal {
	p := &Proposal{Filled: map[string]string{}, Kept: map[string]string{}}
	if s.Reader == nil {
		p.Unread = "no reader configured"
		return p
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	res, err := s.Reader(rctx, req.PDF)
	if err != nil {
		// No text layer (a scan) or a reader that gave up: the workflow reads it by OCR.
		p.Unread, p.Later = err.Error(), true
		return p
	}
	var letters []extract.Letter
	for _, l := range res.Letters {
		if l.Kind != extract.KindNotALetter {
			letters = append(letters, l)
		}
	}
	p.Letters = len(letters)
	if len(letters) == 0 {
		p.Unread = "no letter found in the file's text layer: it is read by OCR in the background"
		p.Later = true
		return p
	}
	// A forwarding letter comes first, the letter it forwards after it: the first is the
	// letter received.
	l := letters[0]
	p.Flags = l.Flags
	fill := func(name string, clerk *string, found string, conf float64) {
		found = strings.TrimSpace(found)
		if found == "" || conf < 0.5 {
			return
		}
		if strings.TrimSpace(*clerk) == "" {
			*clerk = found
			p.Filled[name] = found
		} else if strings.TrimSpace(*clerk) != found {
			p.Kept[name] = found
		}
	}
	if l.DocNumber != nil {
		fill("doc_number", &req.DocNumber, l.DocNumber.Raw, l.DocNumber.Confidence)
	}
	if l.Date != nil && l.Date.ISO != "" {
		fill("doc_date", &req.DocDate, l.Date.ISO, l.Date.Confidence)
	}
	if l.Agency != nil {
		fill("from", &req.From, l.Agency.Text, l.Agency.Confidence)
	}
	if l.To != nil {
		fill("to", &req.To, l.To.Text, l.To.Confidence)
	}
	if l.Subject != nil {
		fill("subject", &req.Subject, l.Subject.Text, l.Subject.Confidence)
	}
	if v := l.Urgency.Value; v != "" && v != "unknown" && v != "normal" {
		fill("urgency", &req.Urgency, v, l.Urgency.Confidence)
	}
	// A secrecy mark is shown, never applied silently: a wrong "ลับที่สุด" would refuse the
	// letter, a wrong "ลับ" would hide it.
	if v := l.Secrecy.Value; v != "" && v != "unknown" && v != "normal" && req.Secrecy == "" {
		p.Flags = append(p.Flags, extract.Flag{Code: "secrecy_mark", Field: "secrecy",
			Message: fmt.Sprintf("the letter is marked %q: set the secrecy class if it is right", l.Secrecy.Raw)})
	}
	p.Deadlines = l.Deadlines
	if strings.TrimSpace(req.Deadline) == "" && s.AutoAcceptDeadlines {
		for _, d := range l.Deadlines {
			if d.Kind == "date" && d.ISO != "" && d.Confidence >= AutoAcceptConfidence {
				req.Deadline, p.Accepted = d.ISO, d.ISO
				p.Filled["deadline"] = d.ISO
				break
			}
		}
	}
	return p
}
