package web

import (
	"net/http"
	"strconv"

	"github.com/kinbridge/kinbridge"
)

type householdPage struct {
	Household *kinbridge.Household
	UnitName  string
	Members   []*kinbridge.Person
	Relatives []relativeRow
	Former    []*kinbridge.Person
	Timeline  []timelineItem
}

// relativeRow is a relative abroad on their household's page, with the
// members they are related to.
type relativeRow struct {
	*kinbridge.Person
	Links []memberLink
}

type memberLink struct {
	MemberID     int64
	MemberName   string
	Relationship string // the relative's relationship to the member
}

// showHousehold is GET /households/{id}: the household, its members with
// their current status, its relatives abroad and whom they are related to,
// and its history as a timeline. The service audits the read.
func (s *Server) showHousehold(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	rec, err := s.svc.FindHouseholdByID(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Title = v.No("household.number", rec.Household.ID)
	v.Loc = rec.Unit.Location()
	names := personNames(rec.Members, rec.Relatives, rec.Former)
	page := householdPage{Household: rec.Household, UnitName: rec.Unit.Names.In(v.lang), Members: rec.Members, Former: rec.Former}
	for _, p := range rec.Relatives {
		row := relativeRow{Person: p}
		for _, l := range rec.Links {
			if l.RelativeID == p.ID {
				row.Links = append(row.Links, memberLink{MemberID: l.MemberID, MemberName: names[l.MemberID], Relationship: l.Relationship})
			}
		}
		page.Relatives = append(page.Relatives, row)
	}
	page.Timeline = statusTimeline(rec.Events, names, rec.Household.ID)
	sortTimeline(page.Timeline)
	v.Data = page
	v.Notice = s.notice(r, v)
	s.render(w, r, http.StatusOK, "household", v)
}

// householdURL is the page of a household.
func householdURL(id int64) string { return "/households/" + strconv.FormatInt(id, 10) }
