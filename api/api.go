// Package api is saraban's HTTP API (/api/...). Every endpoint is authenticated with an API
// token tied to a person (Authorization: Bearer sbn_...); a request without a valid token gets
// 401 and changes nothing. Errors are mapped to HTTP statuses in one place (writeError).
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/saraban/saraban/intake"
	"github.com/saraban/saraban/policy"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/viewer"
)

// Store is the part of the system of record the API reads.
type Store interface {
	PersonForToken(ctx context.Context, token string) (string, error)
	GetLetter(ctx context.Context, id string) (storage.Letter, error)
	MayViewLetter(ctx context.Context, personID, letterID string) (bool, error)
}

// Blobs reads stored revisions.
type Blobs interface {
	Get(ctx context.Context, key string) ([]byte, error)
}

// FileOpener gives a person a letter's file: opened when sealed, watermarked when classified,
// audited (viewer.Viewer).
type FileOpener interface {
	OpenRevision(ctx context.Context, l storage.Letter, rev storage.Revision, who viewer.Who) ([]byte, error)
}

// Receiver is the intake use case.
type Receiver interface {
	Receive(ctx context.Context, req intake.Request) (intake.Receipt, error)
}

// Server is the HTTP API.
type Server struct {
	Store  Store
	Blobs  Blobs
	Intake Receiver
	// Files serves letters' files (nil: Blobs serves unclassified letters only, unaudited).
	Files FileOpener
	// Actor and Routing serve the routing actions, timeline and lineage (nil: not served).
	Actor   Actor
	Routing RoutingStore
	Inbox   InboxStore
	// Policy decides who sees which letter (nil: storage.MayViewLetter alone, 404 for every refusal).
	Policy  *policy.Engine
	MaxSize int64
	Log     *slog.Logger
}

type ctxKey struct{}

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("POST /api/letters/incoming", s.auth(s.receive))
	mux.Handle("GET /api/letters/{id}", s.auth(s.showLetter))
	mux.Handle("GET /api/letters/{id}/pdf", s.auth(s.letterPDF))
	s.DelegationRoutes(mux)
	if s.Routing != nil {
		s.routingRoutes(mux)
	}
	if s.Inbox != nil {
		s.inboxRoutes(mux)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &httpError{http.StatusNotFound, "not_found", "no such endpoint: " + r.Method + " " + r.URL.Path})
	})
	return mux
}

// httpError is an error with its status already decided.
type httpError struct {
	status int
	kind   string
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func (s *Server) auth(h func(w http.ResponseWriter, r *http.Request, person string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authz := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(authz, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="saraban"`)
			writeError(w, &httpError{http.StatusUnauthorized, "unauthorized", "send an API token: Authorization: Bearer <token> (make one with `saraban token create --person ID`)"})
			return
		}
		person, err := s.Store.PersonForToken(r.Context(), token)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="saraban", error="invalid_token"`)
			if errors.Is(err, storage.ErrBadToken) {
				writeError(w, &httpError{http.StatusUnauthorized, "unauthorized", "the API token is not valid or was revoked"})
			} else {
				writeError(w, err)
			}
			return
		}
		h(w, r, person)
	})
}

func (s *Server) receive(w http.ResponseWriter, r *http.Request, person string) {
	max := s.MaxSize
	if max <= 0 {
		max = intake.DefaultMaxSize
	}
	r.Body = http.MaxBytesReader(w, r.Body, max+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, &intake.Error{Kind: intake.TooLarge, Field: "file", Message: fmt.Sprintf("the upload is over the limit of %d MB", max>>20)})
			return
		}
		writeError(w, &intake.Error{Kind: intake.Invalid, Message: "send the letter as multipart/form-data with a 'file' part: " + err.Error()})
		return
	}
	defer r.MultipartForm.RemoveAll() //nolint:errcheck
	f, _, err := r.FormFile("file")
	if err != nil {
		writeError(w, &intake.Error{Kind: intake.Invalid, Field: "file", Message: "no 'file' part: attach the letter as a PDF"})
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		writeError(w, err)
		return
	}
	v := r.FormValue
	allowDup, _ := strconv.ParseBool(v("allow_duplicate"))
	auto, _ := strconv.ParseBool(v("auto"))
	rec, err := s.Intake.Receive(r.Context(), intake.Request{
		Register: v("register"), PDF: data, DocNumber: v("doc_number"), DocDate: v("doc_date"),
		From: v("from"), To: v("to"), Subject: v("subject"), Urgency: v("urgency"), Secrecy: v("secrecy"),
		Deadline: v("deadline"), Note: v("note"), Actor: person, Person: true, AllowDuplicate: allowDup, Auto: auto,
	})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, rec)
}

func (s *Server) visibleLetter(r *http.Request, person string) (storage.Letter, error) {
	id := r.PathValue("id")
	if s.Policy != nil {
		// The same rules as the web application (package policy): a person linked to the
		// letter but without the clearance is told why (403); anyone else gets 404.
		ps, ok := s.Store.(policy.PersonStore)
		if !ok {
			return storage.Letter{}, errors.New("api: the store cannot read people for the policy")
		}
		subj, err := policy.SubjectForPerson(r.Context(), ps, person)
		if err != nil {
			return storage.Letter{}, err
		}
		d, err := s.Policy.ViewLetter(r.Context(), subj, id)
		if err != nil {
			return storage.Letter{}, err
		}
		if !d.Allowed {
			kind := "forbidden"
			if d.Status == http.StatusNotFound {
				kind = "not_found"
			}
			return storage.Letter{}, &httpError{d.Status, kind, d.Reason.EN + " (" + d.Reason.TH + ")"}
		}
		return s.Store.GetLetter(r.Context(), id)
	}
	ok, err := s.Store.MayViewLetter(r.Context(), person, id)
	if err != nil {
		return storage.Letter{}, err
	}
	if !ok {
		// Not 403: whether a letter exists is itself not for everyone to know.
		return storage.Letter{}, &httpError{http.StatusNotFound, "not_found", "letter " + id + " not found"}
	}
	return s.Store.GetLetter(r.Context(), id)
}

func (s *Server) showLetter(w http.ResponseWriter, r *http.Request, person string) {
	l, err := s.visibleLetter(r, person)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *Server) letterPDF(w http.ResponseWriter, r *http.Request, person string) {
	l, err := s.visibleLetter(r, person)
	if err != nil {
		writeError(w, err)
		return
	}
	rev, err := PickRevision(l.Revisions, r.URL.Query().Get("revision"))
	if err != nil {
		writeError(w, &httpError{http.StatusNotFound, "not_found", err.Error()})
		return
	}
	var data []byte
	switch {
	case s.Files != nil:
		data, err = s.Files.OpenRevision(r.Context(), l, rev, viewer.Who{Person: person, Via: "api"})
	case viewer.Classified(l.Secrecy):
		err = &httpError{http.StatusServiceUnavailable, "internal", "this server cannot open classified letters' files (no file viewer is configured)"}
	default:
		data, err = s.Blobs.Get(r.Context(), rev.ObjectKey)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	if viewer.Classified(l.Secrecy) {
		// A watermarked copy is made for one person at one time: no shared caches, no ETag.
		w.Header().Set("Cache-Control", "private, no-store")
	} else {
		w.Header().Set("ETag", `"`+rev.SHA256+`"`)
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s-r%d.pdf"`, l.ID, rev.Seq))
	w.Write(data) //nolint:errcheck
}

// PickRevision chooses a revision by name: "original", "stamped" (the newest stamped one),
// "latest" (default), or a sequence number.
func PickRevision(revs []storage.Revision, which string) (storage.Revision, error) {
	if len(revs) == 0 {
		return storage.Revision{}, errors.New("the letter has no revision")
	}
	switch which {
	case "", "latest":
		return revs[len(revs)-1], nil
	case "original":
		return revs[0], nil
	case "stamped":
		for i := len(revs) - 1; i >= 0; i-- {
			if revs[i].Kind == "stamped" {
				return revs[i], nil
			}
		}
		return storage.Revision{}, errors.New("the letter has no stamped revision yet (the stamp is drawn by the worker: is `saraban worker` running?)")
	}
	n, err := strconv.Atoi(which)
	if err != nil {
		return storage.Revision{}, fmt.Errorf("revision %q: say original, stamped, latest or a number 1..%d", which, len(revs))
	}
	for _, r := range revs {
		if r.Seq == n {
			return r, nil
		}
	}
	return storage.Revision{}, fmt.Errorf("revision %d does not exist (the letter has 1..%d)", n, len(revs))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v) //nolint:errcheck
}

// writeError is the one place where errors become HTTP statuses.
func writeError(w http.ResponseWriter, err error) {
	status, kind, msg := http.StatusInternalServerError, "internal", "internal error: "+err.Error()
	var he *httpError
	var ie *intake.Error
	switch {
	case errors.As(err, &he):
		status, kind, msg = he.status, he.kind, he.msg
	case errors.As(err, &ie):
		kind, msg = string(ie.Kind), ie.Error()
		status = map[intake.Kind]int{
			intake.Invalid: http.StatusUnprocessableEntity, intake.NotFound: http.StatusNotFound,
			intake.Forbidden: http.StatusForbidden, intake.TooLarge: http.StatusRequestEntityTooLarge,
			intake.Duplicate: http.StatusConflict, intake.Internal: http.StatusServiceUnavailable,
		}[ie.Kind]
		if status == 0 {
			status = http.StatusInternalServerError
		}
	case errors.Is(err, storage.ErrNotFound):
		status, kind, msg = http.StatusNotFound, "not_found", err.Error()
	case errors.Is(err, storage.ErrForbidden):
		status, kind, msg = http.StatusForbidden, "forbidden", err.Error()
	case errors.Is(err, storage.ErrConflict):
		status, kind, msg = http.StatusConflict, "conflict", err.Error()
	}
	writeJSON(w, status, map[string]any{"error": map[string]string{"kind": kind, "message": msg}})
}
