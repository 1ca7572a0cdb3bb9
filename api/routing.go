package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/saraban/saraban/routing"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
	"github.com/saraban/saraban/workflows"
)

// Actor sends routing actions to a letter's workflow (routing.Client).
type Actor interface {
	Act(ctx context.Context, letterID string, a workflows.Action) (workflows.ActionResult, error)
}

// RoutingStore is what the routing endpoints read.
type RoutingStore interface {
	Timeline(ctx context.Context, letterID string) ([]storage.TimelineItem, error)
	LetterLineage(ctx context.Context, letterID string) (storage.Lineage, error)
}

// actionBody is the JSON of POST /api/letters/{id}/actions/{kind}.
type actionBody struct {
	RequestID string   `json:"request_id"`
	Note      string   `json:"note"`
	To        []string `json:"to"`        // order/reassign: "unit:CODE" or "person:ID" (or a bare unit code)
	Units     []string `json:"units"`     // forward
	Purpose   string   `json:"purpose"`   // order
	Due       string   `json:"due"`       // order, reassign, deadline (Thai or ISO)
	Clear     bool     `json:"clear"`     // deadline
	TaskID    int64    `json:"task_id"`   // ack, report, return, reassign
	Retention string   `json:"retention"` // close
}

func (s *Server) routingRoutes(mux *http.ServeMux) {
	mux.Handle("POST /api/letters/{id}/actions/{kind}", s.auth(s.act))
	mux.Handle("GET /api/letters/{id}/timeline", s.auth(func(w http.ResponseWriter, r *http.Request, person string) {
		if _, err := s.visibleLetter(r, person); err != nil {
			writeError(w, err)
			return
		}
		items, err := s.Routing.Timeline(r.Context(), r.PathValue("id"))
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, items)
	}))
	mux.Handle("GET /api/letters/{id}/lineage", s.auth(func(w http.ResponseWriter, r *http.Request, person string) {
		if _, err := s.visibleLetter(r, person); err != nil {
			writeError(w, err)
			return
		}
		lin, err := s.Routing.LetterLineage(r.Context(), r.PathValue("id"))
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, lin)
	}))
}

func (s *Server) act(w http.ResponseWriter, r *http.Request, person string) {
	if s.Actor == nil {
		writeError(w, &httpError{http.StatusServiceUnavailable, "unavailable", "routing is not configured on this server"})
		return
	}
	if _, err := s.visibleLetter(r, person); err != nil {
		writeError(w, err)
		return
	}
	var b actionBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		writeError(w, &httpError{http.StatusUnprocessableEntity, "invalid", "send the action as JSON: " + err.Error()})
		return
	}
	a := workflows.Action{Kind: r.PathValue("kind"), Actor: person, RequestID: b.RequestID, Note: b.Note, Purpose: b.Purpose,
		Clear: b.Clear, TaskID: b.TaskID, Units: b.Units, Retention: b.Retention}
	if a.RequestID == "" {
		a.RequestID = uuid.NewString()
	}
	if b.Purpose != "" {
		p, err := storage.ParsePurpose(b.Purpose)
		if err != nil {
			writeError(w, &httpError{http.StatusUnprocessableEntity, "invalid", err.Error()})
			return
		}
		a.Purpose = p
	}
	if b.Due != "" {
		t, err := thai.ParseDateTime(b.Due)
		var wm *thai.WeekdayMismatchError
		if err != nil && !errors.As(err, &wm) {
			writeError(w, &httpError{http.StatusUnprocessableEntity, "invalid", "due: " + err.Error()})
			return
		}
		a.Due = &t
	}
	for _, t := range b.To {
		switch {
		case strings.HasPrefix(t, "person:"):
			a.Assignees = append(a.Assignees, workflows.Assignee{Person: strings.TrimPrefix(t, "person:")})
		default:
			a.Assignees = append(a.Assignees, workflows.Assignee{Unit: strings.TrimPrefix(t, "unit:")})
		}
	}
	res, err := s.Actor.Act(r.Context(), r.PathValue("id"), a)
	if err != nil {
		var re *routing.RefusedError
		var nf *routing.NotFoundError
		switch {
		case errors.As(err, &re):
			writeError(w, &httpError{http.StatusForbidden, "refused", re.Msg})
		case errors.As(err, &nf):
			writeError(w, &httpError{http.StatusNotFound, "not_found", nf.Msg})
		default:
			writeError(w, &httpError{http.StatusServiceUnavailable, "unavailable", err.Error()})
		}
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// InboxStore reads and marks a person's inbox.
type InboxStore interface {
	InboxFor(ctx context.Context, q storage.InboxQuery) (storage.Inbox, error)
	// ActingForWhom lists those the person acts for today: their personal tasks are in the inbox too.
	ActingForWhom(ctx context.Context, personID string, at time.Time) ([]string, error)
	MarkRead(ctx context.Context, personID string, ids []int64) (int, error)
}

func (s *Server) inboxRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/inbox", s.auth(func(w http.ResponseWriter, r *http.Request, person string) {
		days := 3
		if v := r.URL.Query().Get("due_soon"); v != "" {
			n, err := thai.ParseNumber(v)
			if err != nil || n > 60 {
				writeError(w, &httpError{http.StatusUnprocessableEntity, "invalid", "due_soon: a number of working days, 0–60"})
				return
			}
			days = n
		}
		now := time.Now()
		also, err := s.Inbox.ActingForWhom(r.Context(), person, now)
		if err != nil {
			writeError(w, err)
			return
		}
		in, err := s.Inbox.InboxFor(r.Context(), storage.InboxQuery{Person: person, Now: now, DueSoonDays: days, AlsoFor: also})
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, in)
	}))
	mux.Handle("POST /api/inbox/read", s.auth(func(w http.ResponseWriter, r *http.Request, person string) {
		var b struct {
			IDs []int64 `json:"ids"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&b); err != nil {
			writeError(w, &httpError{http.StatusUnprocessableEntity, "invalid", `send {"ids": [..]}`})
			return
		}
		n, err := s.Inbox.MarkRead(r.Context(), person, b.IDs)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"marked": n})
	}))
}
