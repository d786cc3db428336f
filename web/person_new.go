package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kinbridge/kinbridge"
)

// personFormPage is the page of the person form, for adding a person to a
// household and for editing one.
type personFormPage struct {
	Person        *kinbridge.Person // nil when adding
	Household     *kinbridge.Household
	Relative      bool // the form is for a relative abroad
	Programmes    []option
	Relationships []option
	Sexes         []option
	Members       []option // a new relative's possible links
	Action        string   // where the form posts
}

// showPersonNew is GET /households/{id}/persons/new?kind=resident (or
// relative_abroad): the form to add a person to the household.
func (s *Server) showPersonNew(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	form := url.Values{"household_id": {strconv.FormatInt(id, 10)}, "kind": {r.URL.Query().Get("kind")}}
	if form.Get("kind") != string(kinbridge.PersonRelativeAbroad) {
		form.Set("kind", string(kinbridge.PersonResident))
	}
	s.renderPersonNew(w, r, http.StatusOK, id, form, nil)
}

func (s *Server) renderPersonNew(w http.ResponseWriter, r *http.Request, status int, householdID int64, form url.Values, formErr error) {
	rec, err := s.svc.FindHouseholdByID(r.Context(), householdID)
	if formErr != nil && kinbridge.ErrorCode(err) == kinbridge.ENOTFOUND {
		// The household named in the form is not the caller's: the answer
		// is the error at that field, on a form without its household.
		rec, err = &kinbridge.HouseholdRecord{Household: &kinbridge.Household{}, Unit: &kinbridge.Unit{}}, nil
	}
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
	v := s.newView(r, "")
	relative := form.Get("kind") == string(kinbridge.PersonRelativeAbroad)
	if relative {
		v.Title = v.T("person.new_relative")
	} else {
		v.Title = v.T("person.new_resident")
	}
	v.Loc = rec.Unit.Location()
	v.Data = personFormPage{Household: rec.Household, Relative: relative, Programmes: v.programmeOptions(programmes),
		Relationships: v.relationshipOptions(!relative), Sexes: v.sexOptions(), Members: memberOptions(rec.Members), Action: "/persons"}
	v.form = form
	if formErr != nil {
		s.formError(r, v, formErr, personFields...)
	}
	s.render(w, r, status, "person_form", v)
}

// createPerson is POST /persons: a resident or a relative abroad joins the
// household of household_id. A relative is then linked to the member the
// form names, in a second step: if that fails, the relative exists and their
// page says so, with the link form.
func (s *Server) createPerson(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	p, err := personFromForm(r)
	memberID := formInt(r, "member_id")
	linkAs := ""
	if err == nil && p.Kind == kinbridge.PersonRelativeAbroad {
		// On a relative's form, the relationship is to the member chosen.
		linkAs, p.Relationship = p.Relationship, ""
	}
	var flags []*kinbridge.DuplicateFlag
	if err == nil {
		flags, err = s.svc.CreatePerson(r.Context(), p)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderPersonNew(w, r, statusOf(err), formInt(r, "household_id"), r.PostForm, err)
		return
	}
	done := "person_created"
	if len(flags) > 0 {
		done = "person_created_duplicates"
	}
	if memberID != 0 {
		err := s.svc.LinkRelative(r.Context(), kinbridge.RelativeLink{RelativeID: p.ID, MemberID: memberID, Relationship: linkAs})
		if err != nil {
			if kinbridge.ErrorCode(err) == kinbridge.EINTERNAL {
				s.logError(r, err)
			}
			done = "person_created_unlinked"
		}
	}
	redirect(w, r, personURL(p.ID)+"?done="+done)
}

// personURL is the page of a person.
func personURL(id int64) string { return "/persons/" + strconv.FormatInt(id, 10) }
