package web

import (
	"net/http"
	"net/url"

	"github.com/kinbridge/kinbridge"
)

type personPage struct {
	Person     *kinbridge.Person
	Household  *kinbridge.Household
	UnitName   string
	Age        int
	Programmes []string
	Links      []relativeLink
	Duplicates []duplicateRow
	Timeline   []timelineItem
	Events     []option // what may happen next, for the status form
	Members    []option // whom a relative may be linked to
	// LinkRelationships are how a relative may be related to a member.
	LinkRelationships []option
	Today             string
	Resident          bool
	Merged            bool
}

// duplicateRow is a possible duplicate on a person's page.
type duplicateRow struct {
	OtherID   int64
	OtherName string
	Reason    string
}

// Fields of the person page's forms, for showing an error at its field.
var (
	statusFields    = []string{"kind", "date", "to_household_id", "to_address", "note"}
	linkFields      = []string{"member_id", "relationship"}
	duplicateFields = []string{"other_id"}
)

// showPerson is GET /persons/{id}: the person's names in every script,
// documents, programmes, status and its history, links, and possible
// duplicates; the forms to record a status event, link a relative, and
// merge or dismiss duplicates. The service audits the read.
func (s *Server) showPerson(w http.ResponseWriter, r *http.Request) {
	s.renderPerson(w, r, http.StatusOK, nil, nil, "")
}

// renderPerson shows the person page; form and formErr, when set, are a
// failed post of one of its forms, named by which: "status", "link" or
// "duplicate".
func (s *Server) renderPerson(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error, which string) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	rec, err := s.svc.FindPersonByID(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	p := rec.Person
	unit, err := s.svc.FindUnitByID(r.Context(), p.UnitID)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Title = p.Names.Display()
	v.Path = personURL(p.ID)
	v.Loc = unit.Location()
	now := s.svc.Clock().Now().In(v.Loc)
	page := personPage{Person: p, Household: rec.Household, UnitName: unit.Names.In(v.lang), Age: p.Age(now),
		Links: linksOf(p.ID, rec.Links, rec.Related), Today: now.Format("2006-01-02"),
		Resident: p.Kind == kinbridge.PersonResident, Merged: p.MergedInto != 0}
	for _, pr := range rec.Programmes {
		page.Programmes = append(page.Programmes, pr.Names.In(v.lang))
	}
	for _, f := range rec.Duplicates {
		row := duplicateRow{OtherID: f.OtherID, OtherName: f.OtherName, Reason: f.Reason}
		if f.OtherID == p.ID {
			row.OtherID, row.OtherName = f.PersonID, f.PersonName
		}
		page.Duplicates = append(page.Duplicates, row)
	}
	page.Timeline = statusTimeline(rec.Events, map[int64]string{p.ID: p.Names.Display()}, 0)
	sortTimeline(page.Timeline)
	canEdit := v.Can(string(kinbridge.ActionRegistryEdit)) && !page.Merged
	if page.Resident && canEdit {
		page.Events = v.eventOptions(p)
	}
	if !page.Resident && canEdit {
		// The members a relative may be linked to are their household's.
		hr, err := s.svc.FindHouseholdByID(r.Context(), p.HouseholdID)
		if err != nil {
			s.htmlError(w, r, err)
			return
		}
		page.Members = memberOptions(hr.Members)
		page.LinkRelationships = v.relationshipOptions(false)
	}
	v.Data = page
	v.form.Set("date", page.Today)
	for k, vals := range form {
		v.form[k] = vals
	}
	if formErr != nil {
		// The error goes next to its field when the page shows the form
		// (a caller who may not use it, or a record it does not fit, is
		// told at the top).
		var fields []string
		switch {
		case which == "status" && len(page.Events) > 0:
			fields = statusFields
		case which == "link" && len(page.Members) > 0:
			fields = linkFields
		case which == "duplicate" && len(page.Duplicates) > 0:
			fields = duplicateFields
		}
		s.formError(r, v, formErr, fields...)
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "person", v)
}
