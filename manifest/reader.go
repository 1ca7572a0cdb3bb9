package manifest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Format is a manifest's encoding.
type Format string

// The manifest formats: CSV with a header line, or JSON Lines with the same keys.
const (
	CSV   Format = "csv"
	JSONL Format = "jsonl"
)

// ReasonColumn is the column a reject file adds to the manifest's own columns. A reader ignores
// it, so a fixed reject file can be fed back as it is.
const ReasonColumn = "reason"

// Record is one manifest row with the line it started on (1-based; the CSV header is line 1).
type Record struct {
	Line int
	Row  Row
}

// Reader streams a manifest one row at a time.
type Reader struct {
	Format Format
	csv    *csv.Reader
	index  []int // column position of each field of Row, -1 when absent
	lines  *bufio.Reader
	line   int
}

// DetectFormat guesses the format from a file name (.csv, .jsonl, .ndjson, .json) and, failing
// that, from the first byte that is not space: '{' is JSON Lines.
func DetectFormat(name string, head []byte) Format {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, ".csv"):
		return CSV
	case strings.HasSuffix(n, ".jsonl"), strings.HasSuffix(n, ".ndjson"), strings.HasSuffix(n, ".json"):
		return JSONL
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(t) > 0 && t[0] == '{' {
		return JSONL
	}
	return CSV
}

// NewReader starts reading a manifest of the given format. For CSV it reads and checks the
// header: unknown columns are an error (a misspelt column would silently lose data), and
// receive_number, received_at and status must be present.
func NewReader(r io.Reader, f Format) (*Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		_, _ = br.Discard(3)
	}
	rd := &Reader{Format: f}
	if f == JSONL {
		rd.lines = br
		return rd, nil
	}
	rd.csv = csv.NewReader(br)
	rd.csv.FieldsPerRecord = -1
	rd.csv.ReuseRecord = true
	header, err := rd.csv.Read()
	if err == io.EOF {
		return nil, errors.New("the manifest is empty: the first line must be the header " + strings.Join(Columns, ","))
	}
	if err != nil {
		return nil, fmt.Errorf("manifest header: %w", err)
	}
	rd.index = make([]int, len(Columns))
	for i := range rd.index {
		rd.index[i] = -1
	}
	var unknown []string
	for pos, h := range header {
		h = strings.TrimSpace(h)
		if h == ReasonColumn {
			continue
		}
		i := columnIndex(h)
		if i < 0 {
			unknown = append(unknown, strconv.Quote(h))
			continue
		}
		if rd.index[i] >= 0 {
			return nil, fmt.Errorf("manifest header: column %q appears twice", h)
		}
		rd.index[i] = pos
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("manifest header: unknown column(s) %s; the columns are %s", strings.Join(unknown, ", "), strings.Join(Columns, ","))
	}
	for _, need := range []string{"receive_number", "received_at", "status"} {
		if rd.index[columnIndex(need)] < 0 {
			return nil, fmt.Errorf("manifest header: column %s is missing; the columns are %s", need, strings.Join(Columns, ","))
		}
	}
	rd.line = 1
	return rd, nil
}

func columnIndex(name string) int {
	for i, c := range Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// LineError is a row that cannot be read at all (broken CSV quoting, invalid JSON).
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Next returns the next row, io.EOF at the end, or a *LineError for a row that cannot be read
// (reading may go on after a *LineError).
func (r *Reader) Next() (Record, error) {
	if r.Format == JSONL {
		return r.nextJSON()
	}
	for {
		rec, err := r.csv.Read()
		if err == io.EOF {
			return Record{}, io.EOF
		}
		line, _ := r.csv.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if pe.StartLine > 0 {
					line = pe.StartLine
				}
				return Record{}, &LineError{Line: line, Err: fmt.Errorf("the CSV cannot be read here (%v): check the quotes", pe.Err)}
			}
			return Record{}, err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		var vals [14]string
		for i, pos := range r.index {
			if pos >= 0 && pos < len(rec) {
				vals[i] = rec[pos]
			}
		}
		return Record{Line: line, Row: rowOf(vals)}, nil
	}
}

func rowOf(v [14]string) Row {
	return Row{ReceiveNumber: v[0], ReceivedAt: v[1], DocNumber: v[2], DocDate: v[3], From: v[4], To: v[5],
		Subject: v[6], Urgency: v[7], Secrecy: v[8], Action: v[9], Note: v[10], File: v[11], Status: v[12], Deadline: v[13]}
}

func (r *Reader) nextJSON() (Record, error) {
	for {
		b, err := r.lines.ReadBytes('\n')
		if len(b) == 0 && err == io.EOF {
			return Record{}, io.EOF
		}
		if err != nil && err != io.EOF {
			return Record{}, err
		}
		r.line++
		t := bytes.TrimSpace(b)
		if len(t) == 0 {
			continue
		}
		var m map[string]json.RawMessage
		if jerr := json.Unmarshal(t, &m); jerr != nil {
			return Record{}, &LineError{Line: r.line, Err: fmt.Errorf("not a JSON object (%v): one object per line", jerr)}
		}
		var vals [14]string
		var unknown []string
		for k, raw := range m {
			if k == ReasonColumn {
				continue
			}
			i := columnIndex(k)
			if i < 0 {
				unknown = append(unknown, strconv.Quote(k))
				continue
			}
			s, verr := jsonString(raw)
			if verr != nil {
				return Record{}, &LineError{Line: r.line, Err: fmt.Errorf("key %s: %v", k, verr)}
			}
			vals[i] = s
		}
		if len(unknown) > 0 {
			return Record{}, &LineError{Line: r.line, Err: fmt.Errorf("unknown key(s) %s; the keys are %s", strings.Join(unknown, ", "), strings.Join(Columns, ","))}
		}
		return Record{Line: r.line, Row: rowOf(vals)}, nil
	}
}

// jsonString accepts a string, a number (receive numbers are often written bare) or null.
func jsonString(raw json.RawMessage) (string, error) {
	t := bytes.TrimSpace(raw)
	switch {
	case len(t) == 0 || string(t) == "null":
		return "", nil
	case t[0] == '"':
		var s string
		err := json.Unmarshal(t, &s)
		return s, err
	case (t[0] >= '0' && t[0] <= '9') || t[0] == '-':
		return string(t), nil
	}
	return "", errors.New("write a string or a number")
}

// RejectWriter writes rejected rows in the manifest's own format with the reason added, so the
// file can be fixed and fed back.
type RejectWriter struct {
	format Format
	w      io.Writer
	csv    *csv.Writer
	header bool
}

// NewRejectWriter starts a reject file.
func NewRejectWriter(w io.Writer, f Format) *RejectWriter {
	rw := &RejectWriter{format: f, w: w}
	if f == CSV {
		rw.csv = csv.NewWriter(w)
	}
	return rw
}

// Write writes one rejected row.
func (r *RejectWriter) Write(row Row, reason string) error {
	if r.format == JSONL {
		m := make(map[string]string, len(Columns)+1)
		for i, v := range row.Fields() {
			m[Columns[i]] = v
		}
		m[ReasonColumn] = reason
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m); err != nil {
			return err
		}
		_, err := r.w.Write(b.Bytes())
		return err
	}
	if err := r.writeHeader(); err != nil {
		return err
	}
	return r.csv.Write(append(row.Fields(), reason))
}

func (r *RejectWriter) writeHeader() error {
	if r.header {
		return nil
	}
	r.header = true
	return r.csv.Write(append(append([]string{}, Columns...), ReasonColumn))
}

// Close flushes (a CSV reject file always has its header).
func (r *RejectWriter) Close() error {
	if r.format == JSONL {
		return nil
	}
	if err := r.writeHeader(); err != nil {
		return err
	}
	r.csv.Flush()
	return r.csv.Error()
}
