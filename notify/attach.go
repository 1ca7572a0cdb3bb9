package notify

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"strings"
)

// Attachment is a file sent with a message.
type Attachment struct {
	// Name is the file name the recipient sees; it may be Thai (written per RFC 2231).
	Name string
	// ContentType defaults to application/octet-stream.
	ContentType string
	Data        []byte
}

// composeMixed writes a message with attachments: the headers Compose writes for the text
// alone, with the content type changed to multipart/mixed; the text as the first part (UTF-8,
// base64), then every attachment in base64 with its name in Content-Type and
// Content-Disposition.
func composeMixed(from *mail.Address, msg Message) ([]byte, error) {
	files := msg.Attachments
	msg.Attachments = nil
	plain, err := Compose(from, msg)
	if err != nil {
		return nil, err
	}
	head, body, ok := bytes.Cut(plain, []byte("\r\n\r\n"))
	if !ok {
		return nil, errors.New("composed message has no body")
	}
	var b [18]byte
	_, _ = rand.Read(b[:])
	boundary := "=_saraban_" + hex.EncodeToString(b[:])
	var out bytes.Buffer
	for _, line := range strings.Split(string(head), "\r\n") {
		if strings.HasPrefix(line, "Content-Type:") || strings.HasPrefix(line, "Content-Transfer-Encoding:") {
			continue
		}
		out.WriteString(line + "\r\n")
	}
	out.WriteString("Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n")
	out.WriteString("This is a multipart message in MIME format.\r\n")
	out.WriteString("\r\n--" + boundary + "\r\n")
	out.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	out.Write(body)
	for i, f := range files {
		name := oneLine(f.Name)
		if name == "" {
			name = fmt.Sprintf("attachment-%d", i+1)
		}
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		if strings.ContainsAny(ct, "\r\n") {
			return nil, fmt.Errorf("attachment %q: content type %q", name, ct)
		}
		if mime.FormatMediaType(ct, nil) == "" {
			return nil, fmt.Errorf("attachment %q: content type %q cannot be written", name, ct)
		}
		typ := mime.FormatMediaType(ct, nil) + ";" + param("name", name)
		disp := "attachment;" + param("filename", name)
		out.WriteString("\r\n--" + boundary + "\r\n")
		out.WriteString("Content-Type: " + typ + "\r\n")
		out.WriteString("Content-Disposition: " + disp + "\r\n")
		out.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
		enc := base64.StdEncoding.EncodeToString(f.Data)
		for len(enc) > 76 {
			out.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		if enc != "" {
			out.WriteString(enc + "\r\n")
		}
	}
	out.WriteString("\r\n--" + boundary + "--\r\n")
	return out.Bytes(), nil
}

// param writes a MIME parameter, folded onto its own line: a short plain ASCII value quoted,
// any other as RFC 2231 continuations (key*0*= with the charset, key*1*=, …) of at most about
// 60 characters each, so that no header line grows long.
func param(key, value string) string {
	ascii := true
	for _, r := range value {
		if r < ' ' || r > '~' {
			ascii = false
		}
	}
	if ascii && len(value) < 60 {
		return "\r\n " + key + "=\"" + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(value) + "\""
	}
	var chunks []string
	var cur strings.Builder
	for _, c := range []byte(value) {
		var piece string
		if c > ' ' && c < 0x7f && !strings.ContainsRune(`*'%()<>@,;:\"/[]?=`, rune(c)) {
			piece = string(c)
		} else {
			piece = fmt.Sprintf("%%%02X", c)
		}
		if cur.Len()+len(piece) > 60 {
			chunks = append(chunks, cur.String())
			cur.Reset()
		}
		cur.WriteString(piece)
	}
	chunks = append(chunks, cur.String())
	var b strings.Builder
	for i, c := range chunks {
		if i > 0 {
			b.WriteString(";")
		}
		if i == 0 {
			fmt.Fprintf(&b, "\r\n %s*0*=utf-8''%s", key, c)
		} else {
			fmt.Fprintf(&b, "\r\n %s*%d*=%s", key, i, c)
		}
	}
	return b.String()
}
