package web

import (
	"net/http"
	"net/url"

	"github.com/kinbridge/kinbridge"
)

// showPersonEdit is GET /persons/{id}/edit: the person form, filled in.
// Household and status change through status events, not here.
func (s *Server) showPersonEdit(w http.ResponseWriter, r *http.Request) {
	s.renderPersonEdit(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderPersonEdit(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	rec, err := s.svc.FindPersonByID(r.Context(), id)
	if err == nil && formErr == nil {
		err = offer(r, kinbridge.ActionRegistryEdit)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	programmes, err := s.svc.FindProgrammes(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	p := rec.Person
	v := s.newView(r, "")
	v.Title = v.T("person.edit_title", p.Names.Display())
	relative := p.Kind == kinbridge.PersonRelativeAbroad
	v.Data = personFormPage{Person: p, Household: rec.Household, Relative: relative, Programmes: v.programmeOptions(programmes),
		Relationships: v.relationshipOptions(true), Sexes: v.sexOptions(), Action: personURL(p.ID)}
	personForm(v, p)
	if form != nil {
		v.form = form
	}
	if formErr != nil {
		s.formError(r, v, formErr, personFields...)
	}
	s.render(w, r, status, "person_form", v)
}

// updatePerson is POST /persons/{id}.
func (s *Server) updatePerson(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	p, err := personFromForm(r)
	if err == nil {
		p.ID = id
		err = s.svc.UpdatePerson(r.Context(), p)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderPersonEdit(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, personURL(id)+"?done=person_saved")
}
