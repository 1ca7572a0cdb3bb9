package web

import (
	"context"

	"github.com/saraban/saraban/extract"
	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/viewer"
	"github.com/saraban/saraban/workflows"
)

// Services are the use cases the screens call. Each is an interface so that a screen's tests
// can stand in a fake only where the test is about something else.
type Services struct {
	// Intake registers a letter (the same use case as `saraban receive` and the API).
	Intake interface {
		Receive(ctx context.Context, req intake.Request) (intake.Receipt, error)
	}
	// Read proposes a letter's fields from its PDF (text layer, else OCR). nil: no proposal.
	Read func(ctx context.Context, pdf []byte) (extract.Result, error)
	// Actor sends routing actions to a letter's workflow (routing.Client).
	Actor interface {
		Act(ctx context.Context, letterID string, a workflows.Action) (workflows.ActionResult, error)
	}
	// Outgoing drives OutgoingLetter workflows (routing.Client).
	Outgoing interface {
		StartOutgoing(ctx context.Context, in workflows.OutgoingInput) error
		ActOutgoing(ctx context.Context, in workflows.OutgoingInput, a workflows.OutgoingAction) (workflows.OutgoingResult, error)
		OutgoingState(ctx context.Context, outgoingID string) (workflows.OutgoingState, error)
	}
	// Files opens a letter's revision for a person: decrypted, watermarked with their name when
	// the letter is classified, and audited (viewer.Viewer).
	Files interface {
		OpenRevision(ctx context.Context, l storage.Letter, rev storage.Revision, who viewer.Who) ([]byte, error)
		OpenOutgoing(ctx context.Context, o storage.Outgoing, rev storage.OutgoingRevision, who viewer.Who) ([]byte, error)
	}
	// Blobs stores and reads PDFs (content-addressed; sealed for classified letters).
	Blobs Blobs
}

// Blobs is the object store as the screens use it (vault.Vault).
type Blobs interface {
	Get(ctx context.Context, key string) ([]byte, error)
	PutPDF(ctx context.Context, data []byte) (key, digest string, err error)
	// Put stores sealed (encrypted at rest) when sealed is set; it fails without file keys.
	Put(ctx context.Context, data []byte, sealed bool) (key, digest string, err error)
}
