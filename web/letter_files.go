package web

import (
	"container/list"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/saraban/saraban/policy"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/viewer"
)

// A letter's files on its page: each page of each revision as a PNG drawn on the server with
// pdftoppm (poppler-utils) from the bytes Services.Files gives out — decrypted, watermarked with
// the viewer's name when the letter is classified, and audited — and each revision as a PDF.
// Pages of unclassified letters are kept in a small in-memory cache by content digest and page;
// pages of classified letters are never kept, on the server or in the browser.

// letterDPI is the resolution of the page images (an A4 page is 662 × 936 pixels).
const letterDPI = 80

// letterPNGCache is a small LRU of rendered pages of unclassified revisions, keyed "sha256/page".
type letterPNGCache struct {
	mu       sync.Mutex
	ll       *list.List
	m        map[string]*list.Element
	size     int
	maxItems int
	maxBytes int
}

type letterPNGEntry struct {
	key string
	png []byte
}

func newLetterPNGCache(items, bytes int) *letterPNGCache {
	return &letterPNGCache{ll: list.New(), m: map[string]*list.Element{}, maxItems: items, maxBytes: bytes}
}

func (c *letterPNGCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*letterPNGEntry).png, true
	}
	return nil, false
}

func (c *letterPNGCache) put(key string, png []byte) {
	if len(png) > c.maxBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok {
		c.ll.MoveToFront(e)
		return
	}
	c.m[key] = c.ll.PushFront(&letterPNGEntry{key: key, png: png})
	c.size += len(png)
	for c.ll.Len() > c.maxItems || c.size > c.maxBytes {
		e := c.ll.Back()
		pe := e.Value.(*letterPNGEntry)
		c.ll.Remove(e)
		delete(c.m, pe.key)
		c.size -= len(pe.png)
	}
}

var letterPNGs = newLetterPNGCache(128, 24<<20)

// letterRevision finds a revision of a letter the viewer may see: policy first (404 to
// strangers, 403 with the reason to the uncleared), then the revision.
func (s *Server) letterRevision(r *http.Request, c *Ctx, seqText string) (storage.Letter, storage.Revision, error) {
	id := r.PathValue("id")
	d, err := s.Policy.ViewLetter(r.Context(), c.Subj, id)
	if err != nil {
		return storage.Letter{}, storage.Revision{}, err
	}
	if err := d.Err(); err != nil {
		return storage.Letter{}, storage.Revision{}, err
	}
	if s.Services.Files == nil {
		return storage.Letter{}, storage.Revision{}, errPage(http.StatusServiceUnavailable, "ระบบนี้ไม่ได้เปิดให้ดูไฟล์", "Files are not available here.")
	}
	l, err := s.DB.GetLetter(r.Context(), id)
	if err != nil {
		return l, storage.Revision{}, err
	}
	seq, err := strconv.Atoi(seqText)
	if err == nil {
		for _, rv := range l.Revisions {
			if rv.Seq == seq {
				return l, rv, nil
			}
		}
	}
	return l, storage.Revision{}, errPage(http.StatusNotFound, "ไม่พบฉบับนี้ของหนังสือ", "The letter has no such revision.")
}

func (s *Server) openRevision(r *http.Request, c *Ctx, l storage.Letter, rv storage.Revision) ([]byte, error) {
	data, err := s.Services.Files.OpenRevision(r.Context(), l, rv, viewer.Who{Person: c.Subj.PersonID, Capacity: c.Subj.CapacityText(), Via: "web"})
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil, errPage(http.StatusNotFound, "ไม่พบไฟล์ของหนังสือฉบับนี้ในที่เก็บ", "The file of this revision is missing from the store.")
		}
		return nil, err
	}
	return data, nil
}

// letterPagePNG serves one page of one revision as an image: GET /letters/{id}/revisions/{seq}/pages/{n}.png.
func (s *Server) letterPagePNG(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	l, rv, err := s.letterRevision(r, c, r.PathValue("seq"))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSuffix(r.PathValue("file"), ".png"))
	if err != nil || !strings.HasSuffix(r.PathValue("file"), ".png") || n < 1 || n > max(l.Pages, 1) {
		return errPage(http.StatusNotFound, "ไม่มีหน้านี้ในหนังสือ", "The letter has no such page.")
	}
	classified := policy.Classified(l.Secrecy)
	key := fmt.Sprintf("%s/%d", rv.SHA256, n)
	send := func(png []byte) {
		h := w.Header()
		h.Set("Content-Type", "image/png")
		if classified {
			h.Set("Cache-Control", "no-store")
		} else {
			h.Set("Cache-Control", "private, max-age=86400")
		}
		h.Set("Content-Length", strconv.Itoa(len(png)))
		_, _ = w.Write(png)
	}
	if !classified {
		if png, ok := letterPNGs.get(key); ok {
			send(png)
			return nil
		}
	}
	data, err := s.openRevision(r, c, l, rv)
	if err != nil {
		return err
	}
	png, err := renderPage(r.Context(), data, n, letterDPI)
	if err != nil {
		return err
	}
	if !classified {
		letterPNGs.put(key, png)
	}
	send(png)
	return nil
}

// letterPDF serves a revision as a PDF to open in the browser: GET /letters/{id}/revisions/{seq}.pdf.
func (s *Server) letterPDF(w http.ResponseWriter, r *http.Request, c *Ctx) error {
	file := r.PathValue("file")
	if !strings.HasSuffix(file, ".pdf") {
		return errPage(http.StatusNotFound, "ไม่พบไฟล์", "No such file.")
	}
	l, rv, err := s.letterRevision(r, c, strings.TrimSuffix(file, ".pdf"))
	if err != nil {
		return err
	}
	data, err := s.openRevision(r, c, l, rv)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": letterFileName(l, rv)}))
	if policy.Classified(l.Secrecy) {
		h.Set("Cache-Control", "no-store")
	} else {
		h.Set("Cache-Control", "private, max-age=3600")
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
	return nil
}

// letterFileName names a revision's file after its receive number: "LAND-RECV-12-2569-stamped.pdf" (number, then year).
func letterFileName(l storage.Letter, rv storage.Revision) string {
	var e *storage.Entry
	for i := range l.Entries {
		if rv.EntryID != nil && l.Entries[i].ID == *rv.EntryID {
			e = &l.Entries[i]
		}
	}
	if e == nil && len(l.Entries) > 0 {
		e = &l.Entries[0]
	}
	name := "letter-" + strings.SplitN(l.ID, "-", 2)[0]
	if e != nil {
		name = fmt.Sprintf("%s-%d-%d", e.Register, e.Number, e.Year)
	}
	return fmt.Sprintf("%s-%s.pdf", name, rv.Kind)
}
