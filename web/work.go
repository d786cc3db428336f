package web

import (
	"net/http"

	"github.com/kinbridge/kinbridge"
)

type workPage struct {
	Problems      []problemRow
	DueVisits     []dueVisitRow
	TotalProblems int
	TotalVisits   int
}

// showMyWork is GET /work, an officer's start: their open problems and the
// visits due of their households, soonest first. The service audits it.
func (s *Server) showMyWork(w http.ResponseWriter, r *http.Request) {
	work, err := s.svc.FindMyWork(r.Context(), 100)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	unit, err := s.actorUnit(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	a := kinbridge.ActorFromContext(r.Context())
	v := s.newView(r, "work.title")
	v.Loc = unit.Location()
	now := s.now()
	v.Data = workPage{
		Problems:      problemRows(work.Problems, now, map[int64]string{a.UserID: a.Username}, nil),
		DueVisits:     dueVisitRows(work.DueVisits, now),
		TotalProblems: work.TotalProblems,
		TotalVisits:   work.TotalVisits,
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, http.StatusOK, "work", v)
}
