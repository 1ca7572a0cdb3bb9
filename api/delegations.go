package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

// DelegationStore is what the delegation endpoints need; *storage.DB implements it.
type DelegationStore interface {
	AddDelegation(ctx context.Context, nd storage.NewDelegation, actor string) (storage.Delegation, error)
	ListDelegations(ctx context.Context, f storage.DelegationFilter) ([]storage.Delegation, error)
	GetDelegation(ctx context.Context, id int64) (storage.Delegation, error)
	EndDelegation(ctx context.Context, id int64, actor string, on thai.Date) (storage.Delegation, error)
	MayManageDelegation(ctx context.Context, actor, delegator, kind, unit string) error
	MayEndDelegation(ctx context.Context, actor string, id int64) error
	Resolve(ctx context.Context, personID, power, unitCode string, at time.Time) (storage.Authority, error)
}

// DelegationRoutes adds the delegation endpoints to mux:
//
//	GET  /api/delegations             ?person=&unit=&on=DATE&all=true  → {"delegations": [...]}
//	POST /api/delegations             {from, to, kind, unit, inherit, powers, start, end, title, note, allow_past} → 201 delegation
//	GET  /api/delegations/{id}        → delegation
//	POST /api/delegations/{id}/end    {on} (optional; default today) → delegation
//	GET  /api/authority               ?person=(default: the caller)&power=&unit=&at= → {"allowed", "authority" | "reason", "holder"}
//
// Anyone with a token may read. A person may record or end a delegation as its delegator; a
// saraban administrator (role admin) for anyone; the head of a unit above a post may appoint
// (and end) an acting head for it; whoever recorded a delegation may end it. Refusals are
// {"error": {"kind", "code", "message"}}: invalid → 422, forbidden → 403, not_found → 404,
// conflict → 409.
func (s *Server) DelegationRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/delegations", s.auth(s.listDelegations))
	mux.Handle("POST /api/delegations", s.auth(s.addDelegation))
	mux.Handle("GET /api/delegations/{id}", s.auth(s.showDelegation))
	mux.Handle("POST /api/delegations/{id}/end", s.auth(s.endDelegation))
	mux.Handle("GET /api/authority", s.auth(s.checkAuthority))
}

// delegations is the store of the delegation endpoints: the Store, which is a *storage.DB in
// the server.
func (s *Server) delegations() (DelegationStore, error) {
	if ds, ok := s.Store.(DelegationStore); ok {
		return ds, nil
	}
	return nil, &httpError{http.StatusNotImplemented, "internal", "this server has no delegation store"}
}

// delegationRequest is the body of POST /api/delegations. Dates are Thai or ISO.
type delegationRequest struct {
	From      string   `json:"from"`
	Delegator string   `json:"delegator"`
	To        string   `json:"to"`
	Delegate  string   `json:"delegate"`
	Kind      string   `json:"kind"`
	Unit      string   `json:"unit"`
	Inherit   bool     `json:"inherit"`
	Powers    []string `json:"powers"`
	Start     string   `json:"start"`
	StartsOn  string   `json:"starts_on"`
	End       string   `json:"end"`
	EndsOn    string   `json:"ends_on"`
	Title     string   `json:"title"`
	Note      string   `json:"note"`
	AllowPast bool     `json:"allow_past"`
}

func delegFirst(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

func delegInvalid(code, format string, args ...any) error {
	return &delegRefusal{status: http.StatusUnprocessableEntity, kind: "invalid", code: code, msg: fmt.Sprintf(format, args...)}
}

// delegRefusal is an error with its status, kind and code decided.
type delegRefusal struct {
	status     int
	kind, code string
	msg        string
}

func (e *delegRefusal) Error() string { return e.msg }

// delegDecodeBody reads a JSON body into v; unknown fields are refused so that typos show. An empty
// body leaves v as it is when empty is allowed.
func delegDecodeBody(w http.ResponseWriter, r *http.Request, v any, emptyOK bool) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) && emptyOK {
			return nil
		}
		return delegInvalid("bad_body", "send a JSON object: %v", err)
	}
	return nil
}

func delegDay(field, s string, required bool) (thai.Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return thai.Date{}, delegInvalid("missing_"+field, "give %s: the day, Thai or ISO (14 ต.ค. 2567, 2024-10-14)", field)
		}
		return thai.Date{}, nil
	}
	d, err := thai.ParseDate(s)
	if err != nil {
		return thai.Date{}, delegInvalid("bad_date", "%s: %v", field, err)
	}
	return d, nil
}

func (s *Server) addDelegation(w http.ResponseWriter, r *http.Request, person string) {
	ds, err := s.delegations()
	if err != nil {
		writeDelegationError(w, err)
		return
	}
	var req delegationRequest
	if err := delegDecodeBody(w, r, &req, false); err != nil {
		writeDelegationError(w, err)
		return
	}
	start, err := delegDay("start", delegFirst(req.Start, req.StartsOn), true)
	if err != nil {
		writeDelegationError(w, err)
		return
	}
	end, err := delegDay("end", delegFirst(req.End, req.EndsOn), true)
	if err != nil {
		writeDelegationError(w, err)
		return
	}
	nd := storage.NewDelegation{
		Delegator: delegFirst(req.From, req.Delegator), Delegate: delegFirst(req.To, req.Delegate), Kind: req.Kind, Unit: req.Unit,
		Inherit: req.Inherit, Powers: req.Powers, StartsOn: start, EndsOn: end, Title: req.Title, Note: req.Note, AllowPast: req.AllowPast,
	}
	if strings.TrimSpace(nd.Delegator) == "" {
		nd.Delegator = person // by default the caller delegates
	}
	if err := ds.MayManageDelegation(r.Context(), person, strings.TrimSpace(nd.Delegator), nd.Kind, strings.TrimSpace(nd.Unit)); err != nil {
		writeDelegationError(w, err)
		return
	}
	d, err := ds.AddDelegation(r.Context(), nd, person)
	if err != nil {
		writeDelegationError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) listDelegations(w http.ResponseWriter, r *http.Request, person string) {
	ds, err := s.delegations()
	if err != nil {
		writeDelegationError(w, err)
		return
	}
	q := r.URL.Query()
	f := storage.DelegationFilter{Person: q.Get("person"), Unit: q.Get("unit")}
	if a := q.Get("all"); a != "" {
		if f.IncludeEnded, err = strconv.ParseBool(a); err != nil {
			writeDelegationError(w, delegInvalid("bad_all", "all=%q: say true or false", a))
			return
		}
	}
	if on := q.Get("on"); on != "" {
		d, err := delegDay("on", on, false)
		if err != nil {
			writeDelegationError(w, err)
			return
		}
		f.ActiveOn = &d
	}
	list, err := ds.ListDelegations(r.Context(), f)
	if err != nil {
		writeDelegationError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"delegations": list})
}

func delegationPathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &delegRefusal{status: http.StatusNotFound, kind: "not_found", code: "bad_id", msg: fmt.Sprintf("delegation %q not found: ids are numbers", r.PathValue("id"))}
	}
	return id, nil
}

func (s *Server) showDelegation(w http.ResponseWriter, r *http.Request, person string) {
	ds, err := s.delegations()
	if err != nil {
		writeDelegationError(w, err)
		return
	}
	id, err := delegationPathID(r)
	if err != nil {
		writeDelegationError(w, err)
		return
	}
	d, err := ds.GetDelegation(r.Context(), id)
	if err != nil {
		writeDelegationError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) endDelegation(w http.ResponseWriter, r *http.Request, person string) {
	ds, err := s.delegations()
	if err != nil {
		writeDelegationError(w, err)
		return
	}
	id, err := delegationPathID(r)
	if err != nil {
		writeDelegationError(w, err)
		return
	}
	var req struct {
		On string `json:"on"`
	}
	if err := delegDecodeBody(w, r, &req, true); err != nil {
		writeDelegationError(w, err)
		return
	}
	on, err := delegDay("on", req.On, false)
	if err != nil {
		writeDelegationError(w, err)
		return
	}
	if err := ds.MayEndDelegation(r.Context(), person, id); err != nil {
		writeDelegationError(w, err)
		return
	}
	d, err := ds.EndDelegation(r.Context(), id, person, on)
	if err != nil {
		writeDelegationError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) checkAuthority(w http.ResponseWriter, r *http.Request, person string) {
	ds, err := s.delegations()
	if err != nil {
		writeDelegationError(w, err)
		return
	}
	q := r.URL.Query()
	who := delegFirst(q.Get("person"), person)
	if q.Get("power") == "" || q.Get("unit") == "" {
		writeDelegationError(w, delegInvalid("missing_query", "give power (order, forward, close, sign, annotate) and unit, e.g. /api/authority?power=sign&unit=land-office"))
		return
	}
	at := time.Now()
	if s := strings.TrimSpace(q.Get("at")); s != "" {
		t, err := thai.ParseDateTime(s)
		if err != nil {
			writeDelegationError(w, delegInvalid("bad_date", "at: %v", err))
			return
		}
		at = t
	}
	a, err := ds.Resolve(r.Context(), who, q.Get("power"), q.Get("unit"), at)
	var ae *storage.AuthorityError
	switch {
	case errors.As(err, &ae):
		writeJSON(w, http.StatusOK, map[string]any{"allowed": false, "person": who, "power": ae.Power, "unit": ae.Unit,
			"on": ae.On, "holder": ae.Holder, "reason": ae.Message})
	case err != nil:
		writeDelegationError(w, err)
	default:
		writeJSON(w, http.StatusOK, map[string]any{"allowed": true, "authority": a})
	}
}

// writeDelegationError maps the refusals of delegation and authority to statuses, with the
// refusal's code: a *storage.DelegationError is 422 (the request itself), 403 or 409 by what it
// wraps; storage.ErrForbidden 403; the rest as writeError does.
func writeDelegationError(w http.ResponseWriter, err error) {
	var ar *delegRefusal
	var de *storage.DelegationError
	status, kind, code := 0, "", ""
	switch {
	case errors.As(err, &ar):
		status, kind, code = ar.status, ar.kind, ar.code
	case errors.As(err, &de):
		status, kind, code = http.StatusUnprocessableEntity, "invalid", de.Code
		if errors.Is(err, storage.ErrConflict) {
			status, kind = http.StatusConflict, "conflict"
		} else if errors.Is(err, storage.ErrForbidden) {
			status, kind = http.StatusForbidden, "forbidden"
		}
	case errors.Is(err, storage.ErrForbidden):
		status, kind = http.StatusForbidden, "forbidden"
	default:
		writeError(w, err)
		return
	}
	body := map[string]string{"kind": kind, "message": err.Error()}
	if code != "" {
		body["code"] = code
	}
	writeJSON(w, status, map[string]any{"error": body})
}
