package web

import (
	"net/http"

	"github.com/kinbridge/kinbridge"
)

type queuePage struct {
	Unit      *kinbridge.Unit
	UnitName  string
	Problems  []problemRow
	Incoming  []problemRow
	Escalated []problemRow
	Overdue   []dueVisitRow
	Total     int
	OverdueN  int
	// CanAnswer: the caller may accept or send back the incoming
	// referrals (presentation only: the service decides again).
	CanAnswer bool
}

// showQueue is GET /units/{id}/queue: what the unit holds, the referrals
// waiting for its answer (with the forms to accept them or send them back),
// what was escalated to it, and its overdue visits. The service audits it.
func (s *Server) showQueue(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	q, err := s.svc.FindQueue(r.Context(), id, 100)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	users, err := s.svc.FindAssignees(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	units, err := s.svc.FindReferralUnits(r.Context())
	if kinbridge.ErrorCode(err) == kinbridge.EFORBIDDEN {
		units, err = nil, nil // a role that works on no problem sees ids
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Loc = q.Unit.Location()
	name := q.Unit.Names.In(v.lang)
	v.Title = v.T("queue.title", name)
	now := s.now()
	un := unitNames(units, v.lang)
	names := userNames(users)
	v.Data = queuePage{
		Unit: q.Unit, UnitName: name,
		Problems:  problemRows(q.Problems, now, names, un),
		Incoming:  problemRows(q.Incoming, now, names, un),
		Escalated: problemRows(q.Escalated, now, names, un),
		Overdue:   dueVisitRows(q.Overdue, now),
		Total:     q.Total, OverdueN: q.OverdueN,
		CanAnswer: v.Can(string(kinbridge.ActionWelfareRecord)),
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, http.StatusOK, "queue", v)
}
