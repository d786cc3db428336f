package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
)

type householdEditPage struct {
	Household *kinbridge.Household
	Units     []option
}

// showHouseholdEdit is GET /households/{id}/edit: the household form,
// filled in.
func (s *Server) showHouseholdEdit(w http.ResponseWriter, r *http.Request) {
	s.renderHouseholdEdit(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderHouseholdEdit(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	rec, err := s.svc.FindHouseholdByID(r.Context(), id)
	if err == nil && formErr == nil {
		err = offer(r, kinbridge.ActionRegistryEdit)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	units, err := s.svc.FindUnits(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	h := rec.Household
	v := s.newView(r, "")
	v.Title = v.No("household.edit_title", h.ID)
	v.Loc = rec.Unit.Location()
	v.Data = householdEditPage{Household: h, Units: unitOptions(unitTree(units, v.lang), 0)}
	v.form.Set("unit_id", strconv.FormatInt(h.UnitID, 10))
	v.form.Set("address", h.Address)
	v.form.Set("phone", h.Phone)
	v.form.Set("languages", strings.Join(h.Languages, ", "))
	v.form.Set("notes", h.Notes)
	if form != nil {
		v.form = form
	}
	if formErr != nil {
		s.formError(r, v, formErr, householdFields...)
	}
	s.render(w, r, status, "household_edit", v)
}

// updateHousehold is POST /households/{id}.
func (s *Server) updateHousehold(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	h := householdFromForm(r)
	h.ID = id
	if err := s.svc.UpdateHousehold(r.Context(), h); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderHouseholdEdit(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, householdURL(id)+"?done=household_saved")
}
