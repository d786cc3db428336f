package web

import "net/http"

// setCaseOfficer is POST /households/{id}/case-officer: the officer whose
// work list shows the household's due visits (none: its unit's officers
// all see them).
func (s *Server) setCaseOfficer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if err := s.svc.SetCaseOfficer(r.Context(), id, formInt(r, "officer_id")); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderHousehold(w, r, statusOf(err), r.PostForm, err, "case_officer")
		return
	}
	redirect(w, r, householdURL(id)+"?done=case_officer_set#case-officer")
}
