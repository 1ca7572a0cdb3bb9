// Package manifest is the row format shared by register export and backfill
// (architecture.md §5): the receive-register columns plus handling fields, so that an export
// can be fed back into a fresh system and exported again byte for byte the same.
package manifest

import (
	"encoding/csv"
	"io"
)

// Columns are the manifest columns, in order.
var Columns = []string{
	"receive_number", "received_at", "doc_number", "doc_date", "from", "to", "subject",
	"urgency", "secrecy", "action", "note", "file", "status", "deadline",
}

// Row is one register line. Dates and times are already in their machine form: ISO 8601 with
// offset for times, YYYY-MM-DD for dates, Arabic digits.
type Row struct {
	ReceiveNumber string
	ReceivedAt    string
	DocNumber     string
	DocDate       string
	From          string
	To            string
	Subject       string
	Urgency       string
	Secrecy       string
	Action        string
	Note          string
	File          string
	Status        string
	Deadline      string
}

// Fields returns the row's values in column order.
func (r Row) Fields() []string {
	return []string{r.ReceiveNumber, r.ReceivedAt, r.DocNumber, r.DocDate, r.From, r.To, r.Subject,
		r.Urgency, r.Secrecy, r.Action, r.Note, r.File, r.Status, r.Deadline}
}

// CSVWriter writes rows as UTF-8 CSV with a header line.
type CSVWriter struct {
	w      *csv.Writer
	header bool
}

// NewCSVWriter starts a CSV manifest on w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: csv.NewWriter(w)} }

// Write writes one row (and the header before the first).
func (c *CSVWriter) Write(r Row) error {
	if !c.header {
		c.header = true
		if err := c.w.Write(Columns); err != nil {
			return err
		}
	}
	return c.w.Write(r.Fields())
}

// Close writes the header if no row was written and flushes.
func (c *CSVWriter) Close() error {
	if !c.header {
		c.header = true
		if err := c.w.Write(Columns); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}
