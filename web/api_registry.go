package web

import (
	"net/http"

	"github.com/kinbridge/kinbridge"
)

// apiSearch is GET /api/v1/search?q=&limit=: persons of the caller's scope
// found by any form of their name, a phone number or a document number,
// best first.
func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit")
	var results []*kinbridge.SearchResult
	if err == nil {
		results, err = s.svc.SearchPersons(r.Context(), r.URL.Query().Get("q"), int(limit))
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	type hit struct {
		Person jsonPerson `json:"person"`
		Score  int        `json:"score"`
	}
	out := make([]hit, len(results))
	for i, res := range results {
		out[i] = hit{Person: toJSONPerson(res.Person), Score: res.Score}
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"results": out})
}

// apiListDuplicates is GET /api/v1/duplicates: the possible duplicates of
// the caller's scope.
func (s *Server) apiListDuplicates(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit")
	var flags []*kinbridge.DuplicateFlag
	if err == nil {
		flags, err = s.svc.FindDuplicateFlags(r.Context(), int(limit))
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"duplicates": toJSONDuplicates(flags)})
}

// apiWhoSaw is GET /api/v1/persons/{id}/who-saw?before=: the audit entries
// that read or changed the person's record or their household's, newest
// first; next_before, when not null, fetches the next (older) page.
func (s *Server) apiWhoSaw(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var before int64
	if err == nil {
		before, err = queryInt(r, "before")
	}
	var entries []*kinbridge.AuditEntry
	if err == nil {
		entries, err = s.svc.WhoSawPerson(r.Context(), id, before)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonAuditEntry, len(entries))
	for i, e := range entries {
		out[i] = toJSONAuditEntry(e)
	}
	var next *int64
	if len(entries) == whoSawPerPage {
		seq := entries[len(entries)-1].Seq
		next = &seq
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"entries": out, "next_before": next})
}
