package pdfdoc

import "fmt"

// ErrorKind says why a PDF was refused. The intake maps each kind to an answer for the clerk, so the
// set is small and stable: add a kind only when the clerk has something different to do about it.
type ErrorKind string

// The kinds of refusal.
const (
	// NotPDF: the bytes are not a PDF at all (a picture, a Word file, an empty upload).
	NotPDF ErrorKind = "not_pdf"
	// Encrypted: the PDF is password-protected; the engine cannot add a revision to it.
	Encrypted ErrorKind = "encrypted"
	// Damaged: the PDF is truncated or its structure (cross-reference table, page tree) is broken.
	// Viewers may still show it by rebuilding it, but a receive stamp is an incremental update
	// that must point back to a sound structure, so it is refused rather than silently repaired.
	Damaged ErrorKind = "damaged"
	// TooLarge: the file is over the size limit.
	TooLarge ErrorKind = "too_large"
	// Unsupported: a well-formed PDF that uses something this package does not handle.
	Unsupported ErrorKind = "unsupported"
)

// Error is a refusal of a PDF. Message is written for the clerk who uploaded the file: it says what
// is wrong and what to do (for example "save an unprotected copy and upload that"), in one sentence,
// so that the API and the CLI can show it as is.
type Error struct {
	Kind    ErrorKind
	Message string
	// Err is the underlying cause (often a pdfcpu error), kept for logs; it is not for the clerk.
	Err error
}

// Error returns the clerk-facing message.
func (e *Error) Error() string {
	if e.Message == "" {
		return "pdf: " + string(e.Kind)
	}
	return e.Message
}

// Unwrap returns the cause, so that logs can show what pdfcpu or the parser actually said.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrDamaged) and friends match on the kind alone, whatever the message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Message == ""
}

// Sentinels for errors.Is. They carry a kind and no message.
var (
	ErrNotPDF      = &Error{Kind: NotPDF}
	ErrEncrypted   = &Error{Kind: Encrypted}
	ErrDamaged     = &Error{Kind: Damaged}
	ErrTooLarge    = &Error{Kind: TooLarge}
	ErrUnsupported = &Error{Kind: Unsupported}
)

// Clerk-facing endings, kept in one place so that the wording stays consistent.
const (
	fixDamaged   = "open it in a PDF viewer, save or print it to a new PDF, and upload that"
	fixEncrypted = "save an unprotected copy and upload that"
)

func damagedf(cause error, format string, args ...any) *Error {
	return &Error{Kind: Damaged, Message: "the PDF is damaged (" + fmt.Sprintf(format, args...) + "): " + fixDamaged, Err: cause}
}

func unsupportedf(cause error, format string, args ...any) *Error {
	return &Error{Kind: Unsupported, Message: fmt.Sprintf(format, args...), Err: cause}
}
