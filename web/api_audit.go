package web

import (
	"net/http"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// apiListAudit is GET /api/v1/audit: entries of the caller's scope, newest
// first. next_before, when not null, fetches the next (older) page.
func (s *Server) apiListAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := kinbridge.AuditFilter{ActorName: strings.ToLower(strings.TrimSpace(q.Get("actor_name"))), RecordType: q.Get("record_type")}
	var limit int64
	var err error
	for _, p := range []struct {
		name string
		to   *int64
	}{{"actor_id", &f.ActorID}, {"record_id", &f.RecordID}, {"before", &f.BeforeSeq}, {"limit", &limit}} {
		if err == nil {
			*p.to, err = queryInt(r, p.name)
		}
	}
	if err == nil {
		f.From, err = queryTime(r, "from")
	}
	if err == nil {
		f.To, err = queryTime(r, "to")
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.Limit = int(limit)
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	entries, err := s.svc.FindAuditEntries(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonAuditEntry, len(entries))
	for i, e := range entries {
		out[i] = toJSONAuditEntry(e)
	}
	var next *int64
	if len(entries) == f.Limit {
		seq := entries[len(entries)-1].Seq
		next = &seq
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"entries": out, "next_before": next})
}
