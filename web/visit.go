package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// recordVisit is POST /households/{id}/visits: a visit and the problems
// raised at it, in one go and all or nothing. A problem slot left blank is
// no problem. An error is shown next to its field, a problem's at its slot.
func (s *Server) recordVisit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	visit, problems, slots, err := s.visitFromForm(r, id)
	if err == nil {
		err = s.svc.RecordVisit(r.Context(), visit, problems)
		err = slotError(err, slots)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderHousehold(w, r, statusOf(err), r.PostForm, err, "visit")
		return
	}
	redirect(w, r, fmt.Sprintf("%s?done=visit_recorded#visit-%d", visitURL(visit.ID), visit.ID))
}

// visitFromForm reads the visit form. The time is in the household's
// unit's zone; slots maps each problem to the form slot it came from.
func (s *Server) visitFromForm(r *http.Request, householdID int64) (*kinbridge.Visit, []*kinbridge.Problem, []int, error) {
	f := r.PostForm
	v := &kinbridge.Visit{HouseholdID: householdID, Purpose: f.Get("purpose"), Notes: f.Get("notes")}
	for _, name := range []struct {
		field string
		to    *[]int64
	}{{"officer_ids", &v.OfficerIDs}, {"person_ids", &v.PersonIDs}} {
		for _, x := range f[name.field] {
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				return nil, nil, nil, &kinbridge.Error{Code: kinbridge.EINVALID, Field: name.field, Key: "error.visit.id", Message: "Choose from the list."}
			}
			*name.to = append(*name.to, n)
		}
	}
	if at := strings.TrimSpace(f.Get("at")); at != "" {
		// The household's unit's time zone: the page showed the form in
		// it. The household is read through the service, so one out of
		// scope is "not found" before its zone is asked.
		rec, err := s.svc.FindHouseholdByID(r.Context(), householdID)
		if err != nil {
			return nil, nil, nil, err
		}
		t, ok := parseLocalTime(at, rec.Unit.Location())
		if !ok {
			return nil, nil, nil, &kinbridge.Error{Code: kinbridge.EINVALID, Field: "at", Key: "error.visit.at_format", Message: "Give the date and time as YYYY-MM-DD HH:MM."}
		}
		v.At = t
	}
	programmeID := formInt(r, "programme_id")
	var problems []*kinbridge.Problem
	var slots []int
	for i := range problemSlotsSent(f) {
		get := func(name string) string { return strings.TrimSpace(f.Get(slotField(i, name))) }
		if get("category") == "" && get("description") == "" {
			continue // a slot left blank
		}
		p := &kinbridge.Problem{HouseholdID: householdID, ProgrammeID: programmeID, Category: get("category"),
			Description: get("description"), Priority: kinbridge.Priority(get("priority"))}
		p.PersonID, _ = strconv.ParseInt(get("person_id"), 10, 64)
		p.AssigneeID, _ = strconv.ParseInt(get("assignee_id"), 10, 64)
		problems = append(problems, p)
		slots = append(slots, i)
	}
	return v, problems, slots, nil
}

var problemIndexRE = regexp.MustCompile(`^problems\[(\d+)\]\.(.+)$`)

// slotError renames the field of a problem's error from its place in the
// list the service got to the form slot it came from (blank slots are
// skipped, so the two differ).
func slotError(err error, slots []int) error {
	e, ok := err.(*kinbridge.Error)
	if !ok {
		return err
	}
	m := problemIndexRE.FindStringSubmatch(e.Field)
	if m == nil {
		return err
	}
	i, _ := strconv.Atoi(m[1])
	if i < len(slots) {
		c := *e
		c.Field = slotField(slots[i], m[2])
		return &c
	}
	return err
}

type visitPage struct {
	Visit     *kinbridge.Visit
	Household *kinbridge.Household
	Officers  []string
	Met       []string
	Problems  []problemRow
}

// showVisit is GET /visits/{id}: the visit, who was there, whom they met,
// and the problems raised at it. The service audits the read.
func (s *Server) showVisit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	visit, err := s.svc.FindVisit(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	rec, err := s.svc.FindHouseholdByID(r.Context(), visit.HouseholdID)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	officers, err := s.svc.FindAssignees(r.Context(), visit.UnitID)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	problems, _, err := s.svc.FindProblems(r.Context(), kinbridge.ProblemFilter{HouseholdID: visit.HouseholdID, Limit: 500})
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Title = v.No("visit.number", visit.ID)
	v.Loc = rec.Unit.Location()
	users := userNames(officers)
	persons := personNames(rec.Members, rec.Former)
	page := visitPage{Visit: visit, Household: rec.Household}
	for _, id := range visit.OfficerIDs {
		page.Officers = append(page.Officers, nameOr(users, id))
	}
	for _, id := range visit.PersonIDs {
		page.Met = append(page.Met, nameOr(persons, id))
	}
	var raised []*kinbridge.Problem
	for _, p := range problems {
		if p.VisitID == visit.ID {
			raised = append(raised, p)
		}
	}
	page.Problems = problemRows(raised, s.now(), users, nil)
	v.Data = page
	v.Notice = s.notice(r, v)
	s.render(w, r, http.StatusOK, "visit", v)
}

// nameOr is the name of id in m, or its number.
func nameOr(m map[int64]string, id int64) string {
	if n, ok := m[id]; ok {
		return n
	}
	return "#" + strconv.FormatInt(id, 10)
}
