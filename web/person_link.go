package web

import (
	"net/http"

	"github.com/kinbridge/kinbridge"
)

// linkRelative is POST /persons/{id}/links: the relative abroad {id} is
// related to a member of their household, as member_id and relationship
// say.
func (s *Server) linkRelative(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	l := kinbridge.RelativeLink{RelativeID: id, MemberID: formInt(r, "member_id"), Relationship: r.PostForm.Get("relationship")}
	if err := s.svc.LinkRelative(r.Context(), l); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderPerson(w, r, statusOf(err), r.PostForm, err, "link")
		return
	}
	redirect(w, r, personURL(id)+"?done=relative_linked")
}
