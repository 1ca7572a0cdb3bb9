package notify_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/notify"
)

func TestComposeWithAttachment(t *testing.T) {
	from := &mail.Address{Name: "ระบบสารบรรณ", Address: "saraban@songkhla.example"}
	pdf := bytes.Repeat([]byte("%PDF-1.7\n\x00\xff binary "), 50)
	b, err := notify.Compose(from, notify.Message{To: "dol@dol.example", Subject: "หนังสือ ที่ สข ๐๐๒๐/๑ เรื่อง ขอเชิญประชุม",
		Body: "เรียน ผู้รับ\nส่งหนังสือมาพร้อมนี้\n", MessageID: "o.1@songkhla.example", Date: time.Date(2026, 3, 20, 8, 30, 0, 0, time.UTC),
		Attachments: []notify.Attachment{{Name: "ที่ สข 0020-1.pdf", ContentType: "application/pdf", Data: pdf}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\r\n") {
		if len(line) > 100 {
			t.Errorf("a line of %d bytes: %.60s…", len(line), line)
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); subj != "หนังสือ ที่ สข ๐๐๒๐/๑ เรื่อง ขอเชิญประชุม" {
		t.Errorf("subject %q", subj)
	}
	if m.Header.Get("Message-Id") != "<o.1@songkhla.example>" || m.Header.Get("Content-Transfer-Encoding") != "" {
		t.Errorf("headers %v", m.Header)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("content type %q %v", m.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	var parts []*multipart.Part
	var data [][]byte
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(p)
		dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
		if err != nil {
			t.Fatalf("part %d: %v", len(parts), err)
		}
		parts, data = append(parts, p), append(data, dec)
	}
	if len(parts) != 2 {
		t.Fatalf("%d parts", len(parts))
	}
	if ct := parts[0].Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" || string(data[0]) != "เรียน ผู้รับ\r\nส่งหนังสือมาพร้อมนี้\r\n" {
		t.Errorf("text part %q: %q", ct, data[0])
	}
	if parts[1].FileName() != "ที่ สข 0020-1.pdf" || !bytes.Equal(data[1], pdf) {
		t.Errorf("attachment %q, %d bytes (want %d)", parts[1].FileName(), len(data[1]), len(pdf))
	}
	if mt, p, _ := mime.ParseMediaType(parts[1].Header.Get("Content-Type")); mt != "application/pdf" || p["name"] != "ที่ สข 0020-1.pdf" {
		t.Errorf("attachment type %q %v", mt, p)
	}
}
