package storage

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// FileOpen is one opening of a letter's file by a person (docs/files.md): who, in which
// capacity, through what, which revision, and whether the copy was watermarked.
type FileOpen struct {
	LetterID    string // the letter's id, or the outgoing letter's when Subject is "outgoing"
	Subject     string // "letter" (default) or "outgoing"
	Person      string // person id (or operator:<name> at the server's command line)
	Capacity    string // the position acted in, when known
	Via         string // "api", "web", "cli"
	Seq         int    // revision number
	Kind        string // revision kind (original, stamped…)
	SHA256      string // the revision's plaintext digest
	Secrecy     string
	Watermarked bool
	Sealed      bool // the file is encrypted at rest
}

// AuditFileOpen appends an audit row "letter.file_open" (or "outgoing.file_open") for one
// opening of a letter's file.
func (db *DB) AuditFileOpen(ctx context.Context, o FileOpen) error {
	subject := o.Subject
	if subject == "" {
		subject = "letter"
	}
	return db.Transact(ctx, func(tx pgx.Tx) error {
		return Audit(ctx, tx, o.Person, o.Capacity, subject+".file_open", subject, o.LetterID, map[string]any{
			"via": o.Via, "seq": o.Seq, "kind": o.Kind, "sha256": o.SHA256, "secrecy": o.Secrecy,
			"watermarked": o.Watermarked, "sealed": o.Sealed,
		})
	})
}
