package web

import (
	"net/http"

	"github.com/kinbridge/kinbridge"
)

// addStatusEvent is POST /persons/{id}/status: a move, a departure, a
// return, a death, with its date and a note. The person's page follows,
// showing the status the event led to.
func (s *Server) addStatusEvent(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	e := &kinbridge.StatusEvent{
		PersonID:      id,
		Kind:          kinbridge.StatusKind(r.PostForm.Get("kind")),
		Date:          r.PostForm.Get("date"),
		ToHouseholdID: formInt(r, "to_household_id"),
		ToAddress:     r.PostForm.Get("to_address"),
		Note:          r.PostForm.Get("note"),
	}
	if _, err := s.svc.AddStatusEvent(r.Context(), e); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderPerson(w, r, statusOf(err), r.PostForm, err, "status")
		return
	}
	redirect(w, r, personURL(id)+"?done=status_added#current-status")
}
