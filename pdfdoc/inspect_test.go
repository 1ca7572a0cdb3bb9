package pdfdoc

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestInspectValid(t *testing.T) {
	classic := simplePage("1.4", "/MediaBox [0 0 595 842]")
	tests := []struct {
		name string
		data func(t *testing.T) []byte
		want Info
	}{
		{"classic 1.4", func(*testing.T) []byte { return classic },
			Info{Version: "1.4", Pages: 1, Revisions: 1, PageWidth: 595, PageHeight: 842}},
		{"pdf 1.3", func(*testing.T) []byte { return simplePage("1.3", "/MediaBox [0 0 612 792]") },
			Info{Version: "1.3", Pages: 1, Revisions: 1, PageWidth: 612, PageHeight: 792}},
		{"pdf 2.0", func(*testing.T) []byte { return simplePage("2.0", "/MediaBox [0 0 595 842]") },
			Info{Version: "2.0", Pages: 1, Revisions: 1, PageWidth: 595, PageHeight: 842}},
		{"rotated 90 with crop box", func(*testing.T) []byte {
			return simplePage("1.7", "/MediaBox [0 0 600 800] /CropBox [50 100 550 700] /Rotate 90")
		}, Info{Version: "1.7", Pages: 1, Revisions: 1, PageWidth: 600, PageHeight: 500, Rotate: 90}},
		{"xref stream and object streams", func(t *testing.T) []byte {
			return qpdfTransform(t, classic, "--object-streams=generate")
		}, Info{Version: "1.5", Pages: 1, Revisions: 1, XRefStream: true, ObjectStreams: true, PageWidth: 595, PageHeight: 842}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data(t)
			got, err := Inspect(data, 0)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			tc.want.Size = int64(len(data))
			if got != tc.want {
				t.Errorf("Info\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestInspectCorpus(t *testing.T) {
	for _, f := range corpusFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			info, err := Inspect(data, 50<<20)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if info.Pages < 1 || info.Version == "" || info.Encrypted {
				t.Errorf("odd info %+v", info)
			}
			t.Logf("%+v", info)
		})
	}
}

// refusal checks that err is an *Error of kind, matched by errors.Is, with a message that says
// what to do (after a colon).
func refusal(t *testing.T, err error, kind ErrorKind) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want %s", kind)
	}
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %T %v is not *Error", err, err)
	}
	if pe.Kind != kind {
		t.Fatalf("kind %s (%v), want %s", pe.Kind, err, kind)
	}
	sentinel := map[ErrorKind]error{NotPDF: ErrNotPDF, Encrypted: ErrEncrypted, Damaged: ErrDamaged, TooLarge: ErrTooLarge, Unsupported: ErrUnsupported}[kind]
	if !errors.Is(err, sentinel) {
		t.Errorf("errors.Is(err, Err%s) is false", kind)
	}
	for k, s := range map[ErrorKind]error{NotPDF: ErrNotPDF, Encrypted: ErrEncrypted, Damaged: ErrDamaged, TooLarge: ErrTooLarge, Unsupported: ErrUnsupported} {
		if k != kind && errors.Is(err, s) {
			t.Errorf("errors.Is(err, Err%s) is true too", k)
		}
	}
	if msg := err.Error(); !strings.Contains(msg, ": ") || len(msg) < 30 {
		t.Errorf("message %q does not say what to do", msg)
	}
	t.Logf("%s: %v", kind, err)
}

func TestInspectRefuses(t *testing.T) {
	good := simplePage("1.7", "/MediaBox [0 0 595 842]")
	xrefAt := bytes.LastIndex(good, []byte("\nxref\n")) + 1

	tests := []struct {
		name string
		data func(t *testing.T) []byte
		max  int64
		kind ErrorKind
		msg  string // part of the message
	}{
		{"empty", func(*testing.T) []byte { return nil }, 0, NotPDF, "empty"},
		{"png", func(*testing.T) []byte { return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01") }, 0, NotPDF, "PNG"},
		{"jpeg", func(*testing.T) []byte { return []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00") }, 0, NotPDF, "JPEG"},
		{"word docx", func(*testing.T) []byte { return []byte("PK\x03\x04\x14\x00\x06\x00word/document.xml") }, 0, NotPDF, "Word"},
		{"plain text", func(*testing.T) []byte { return []byte("hello, this is not a pdf") }, 0, NotPDF, "%PDF-"},
		{"too large", func(*testing.T) []byte { return good }, 100, TooLarge, "limit"},
		{"truncated in half", func(*testing.T) []byte { return good[:len(good)/2] }, 0, Damaged, "cut short"},
		{"truncated before EOF marker", func(*testing.T) []byte { return good[:len(good)-7] }, 0, Damaged, "EOF"},
		{"garbage xref", func(*testing.T) []byte {
			b := bytes.Clone(good)
			copy(b[xrefAt+5:], "zz garbage in the cross-reference table!")
			return b
		}, 0, Damaged, "cross-reference"},
		{"offsets shifted (needs a rebuild)", func(*testing.T) []byte {
			// Bytes inserted after the header move every object: the offsets in the table are all
			// wrong but the startxref still finds the table. pdfcpu would rebuild silently.
			b := bytes.Clone(good)
			i := bytes.Index(b, []byte("1 0 obj"))
			b = append(b[:i:i], append([]byte("% inserted\n"), b[i:]...)...)
			return fixStartXRef(b)
		}, 0, Damaged, "object"},
		{"startxref points nowhere", func(*testing.T) []byte {
			return setStartXRef(bytes.Clone(good), 20)
		}, 0, Damaged, "does not point at a cross-reference section"},
		{"startxref beyond the end", func(*testing.T) []byte {
			return setStartXRef(bytes.Clone(good), 1<<30)
		}, 0, Damaged, "outside the file"},
		{"no pages", func(*testing.T) []byte {
			return buildPDF("1.7", "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>")
		}, 0, Damaged, "no pages"},
		{"page tree loop", func(*testing.T) []byte {
			return buildPDF("1.7", "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R] /Count 1 >>")
		}, 0, Damaged, "page tree"},
		{"missing page object", func(*testing.T) []byte {
			return buildPDF("1.7", "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [9 0 R] /Count 1 >>")
		}, 0, Damaged, "missing page"},
		{"no catalog", func(*testing.T) []byte {
			b := bytes.Replace(good, []byte("/Root 1 0 R"), []byte("/Root 9 0 R"), 1)
			return b
		}, 0, Damaged, "catalog"},
		{"page without size", func(*testing.T) []byte { return simplePage("1.7", "") }, 0, Damaged, "MediaBox"},
		{"bytes before header", func(*testing.T) []byte { return append([]byte("JUNK"), good...) }, 0, Unsupported, "header"},
		{"unknown version", func(*testing.T) []byte { return bytes.Replace(good, []byte("%PDF-1.7"), []byte("%PDF-3.0"), 1) }, 0, Unsupported, "3.0"},
		{"broken xref stream", func(t *testing.T) []byte {
			b := qpdfTransform(t, good, "--object-streams=generate")
			i := bytes.LastIndex(b, []byte("/Type /XRef"))
			j := bytes.Index(b[i:], []byte("stream\n")) + i + len("stream\n")
			b = bytes.Clone(b)
			for k := j; k < j+10; k++ {
				b[k] ^= 0x55
			}
			return b
		}, 0, Damaged, "cross-reference stream"},
		{"encrypted AES-256", func(t *testing.T) []byte {
			return qpdfTransform(t, good, "--encrypt", "user", "owner", "256", "--")
		}, 0, Encrypted, "password"},
		{"encrypted, owner password only", func(t *testing.T) []byte {
			return qpdfTransform(t, good, "--allow-weak-crypto", "--encrypt", "", "owner", "128", "--")
		}, 0, Encrypted, "unprotected copy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data(t)
			info, err := Inspect(data, tc.max)
			refusal(t, err, tc.kind)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q does not mention %q", err, tc.msg)
			}
			if tc.kind == Encrypted && !info.Encrypted {
				t.Errorf("Info.Encrypted false for an encrypted file")
			}
			// The stamp refuses the same way, and so does a signature (whose lazy reader must
			// not accept it either).
			if tc.kind != TooLarge {
				_, serr := AddReceiveStamp(data, ReceiveStamp{Unit: "หน่วย", Number: "1"}, 0, loadTestFont(t))
				refusal(t, serr, tc.kind)
				_, serr = AddSignatureField(data, SignatureField{}, []byte(testSigDict))
				refusal(t, serr, tc.kind)
				if _, serr = AddSignatureField(data, SignatureField{Reader: ReaderLazy}, []byte(testSigDict)); serr == nil {
					t.Error("the lazy reader accepts it")
				}
			}
		})
	}
}

// fixStartXRef rewrites the startxref offset to where "xref" now is.
func fixStartXRef(b []byte) []byte {
	return setStartXRef(b, bytes.LastIndex(b, []byte("\nxref\n"))+1)
}

// setStartXRef rewrites the number after the last startxref.
func setStartXRef(b []byte, off int) []byte {
	i := bytes.LastIndex(b, []byte("startxref\n")) + len("startxref\n")
	j := bytes.Index(b[i:], []byte("\n")) + i
	return append(append(b[:i:i], strconv.Itoa(off)...), b[j:]...)
}

func TestInspectNeverPanics(t *testing.T) {
	// Every prefix and a few corruptions of real files must give an answer, not a panic.
	seeds := [][]byte{simplePage("1.7", "/MediaBox [0 0 595 842]")}
	if b, err := os.ReadFile(filepath.Join(corpusDir, "13.pdf")); err == nil {
		seeds = append(seeds, b)
	}
	for _, s := range seeds {
		for n := 0; n < len(s); n += 1 + len(s)/300 {
			Inspect(s[:n], 0)
		}
		for k := 0; k < 200; k++ {
			b := bytes.Clone(s)
			for j := 0; j < 8; j++ {
				b[(k*7919+j*104729)%len(b)] ^= byte(k + j + 1)
			}
			Inspect(b, 0)
		}
	}
}

func FuzzInspect(f *testing.F) {
	f.Add(simplePage("1.7", "/MediaBox [0 0 595 842]"))
	f.Add(simplePage("1.3", "/MediaBox [0 0 612 792] /Rotate 90"))
	for _, name := range []string{"03.pdf", "13.pdf"} {
		if b, err := os.ReadFile(filepath.Join(corpusDir, name)); err == nil {
			f.Add(b[:min(len(b), 2048)])
			f.Add(b[max(0, len(b)-2048):])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		info, err := Inspect(data, 1<<20)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Inspect took %v", d)
		}
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Message == "" {
				t.Fatalf("untyped or empty error %T %v", err, err)
			}
			return
		}
		if info.Pages < 1 {
			t.Fatalf("accepted with %d pages", info.Pages)
		}
	})
}
