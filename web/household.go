package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/kinbridge/kinbridge"
)

type householdPage struct {
	Household *kinbridge.Household
	UnitName  string
	Members   []*kinbridge.Person
	Relatives []relativeRow
	Former    []*kinbridge.Person
	Timeline  []timelineItem

	// The welfare part, for roles that see visits and problems.
	Welfare     bool
	CaseOfficer string // "" if none
	Problems    []problemRow
	VisitForm   *visitForm // for roles that record visits
	// CaseOfficers are the choices of the case officer form, for roles
	// that set them.
	CaseOfficers []option
	// Calls is set for roles that see the household's family calls.
	Calls bool
	// Departures is set for roles that see the departure list.
	Departures bool
}

// visitForm is what the visit form of the household page offers: the
// officers who may have been there, the members who may have been met,
// and for each problem slot the categories, priorities, persons and
// assignees to choose from.
type visitForm struct {
	Officers   []option
	Persons    []option
	Programmes []option // the household's programmes; their categories apply
	Categories []option
	Priorities []option
	PersonOpts []option // "the household" and each member
	Assignees  []option // "nobody yet" and each officer
	Slots      []int
	MoreURL    string // the page with more problem slots
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

// Problem slots of the visit form: how many are offered, and at most.
const (
	visitProblemSlots    = 3
	maxVisitProblemSlots = 20
)

// showHousehold is GET /households/{id}: the household, its members with
// their current status, its relatives abroad and whom they are related to,
// its visits and problems, and its history as a timeline; for officers, the
// form to record a visit. The service audits the read.
func (s *Server) showHousehold(w http.ResponseWriter, r *http.Request) {
	s.renderHousehold(w, r, http.StatusOK, nil, nil, "")
}

// renderHousehold shows the household page; form and formErr, when set,
// are a failed post of one of its forms, named by which: "visit" or
// "case_officer".
func (s *Server) renderHousehold(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error, which string) {
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
	v.Path = householdURL(rec.Household.ID)
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
	if v.Can(string(kinbridge.ActionWelfareView)) {
		if err := s.householdWelfare(r, v, rec, &page, names); err != nil {
			s.htmlError(w, r, err)
			return
		}
	}
	if v.Can(string(kinbridge.ActionCallView)) {
		items, err := s.callTimeline(r, v, rec.Household.ID, rec.Household.UnitID)
		if err != nil {
			s.htmlError(w, r, err)
			return
		}
		page.Timeline = append(page.Timeline, items...)
		page.Calls = true
	}
	if v.Can(string(kinbridge.ActionDepartureView)) {
		items, err := s.departureTimeline(r, v, rec.Household.ID)
		if err != nil {
			s.htmlError(w, r, err)
			return
		}
		page.Timeline = append(page.Timeline, items...)
		page.Departures = true
	}
	sortTimeline(page.Timeline)
	v.Data = page
	if form != nil && which == "visit" {
		// Checkboxes left unticked are not sent: the defaults go.
		v.form.Del("officer_ids")
	}
	for k, vals := range form {
		v.form[k] = vals
	}
	if formErr != nil {
		var fields []string
		switch {
		case which == "visit" && page.VisitForm != nil:
			fields = visitFields(page.VisitForm.Slots)
		case which == "case_officer" && page.CaseOfficers != nil:
			fields = []string{"officer_id"}
		}
		s.formError(r, v, formErr, fields...)
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "household", v)
}

// householdWelfare fills in the welfare part of the household page: the
// case officer, the problems, the visits and problems on the timeline, and
// the forms the caller's role may use.
func (s *Server) householdWelfare(r *http.Request, v *view, rec *kinbridge.HouseholdRecord, page *householdPage, names map[int64]string) error {
	page.Welfare = true
	hw, err := s.svc.FindHouseholdWelfare(r.Context(), rec.Household.ID, 200)
	if err != nil {
		return err
	}
	officers, co := hw.Officers, hw.CaseOfficer
	users := userNames(officers)
	if co != nil {
		page.CaseOfficer = userLabel(co)
		users[co.ID] = userLabel(co)
	}
	page.Problems = problemRows(hw.Problems, s.now(), users, nil)
	page.Timeline = append(page.Timeline, welfareTimeline(v, hw.Visits, hw.Problems, users, names)...)

	if v.Can(string(kinbridge.ActionWelfareRecord)) {
		vf, err := s.newVisitForm(r, v, rec, officers)
		if err != nil {
			return err
		}
		page.VisitForm = vf
	}
	if v.Can(string(kinbridge.ActionWelfarePlan)) {
		page.CaseOfficers = v.userOptions(officers, "household.no_case_officer")
		if co != nil {
			v.form.Set("officer_id", strconv.FormatInt(co.ID, 10))
		}
	}
	return nil
}

// newVisitForm prepares the visit form: the categories are those of the
// programmes the household's members are in (the default list if none).
func (s *Server) newVisitForm(r *http.Request, v *view, rec *kinbridge.HouseholdRecord, officers []*kinbridge.User) (*visitForm, error) {
	progs, err := s.svc.FindProgrammes(r.Context())
	if err != nil {
		return nil, err
	}
	var in []int64
	for _, m := range rec.Members {
		in = append(in, m.ProgrammeIDs...)
	}
	vf := &visitForm{Officers: v.userOptions(officers, ""), Persons: memberOptions(rec.Members), Priorities: v.priorityOptions(),
		PersonOpts: append([]option{{Value: "", Label: v.T("problem.whole_household")}}, memberOptions(rec.Members)...),
		Assignees:  v.userOptions(officers, "problem.nobody")}
	var cats []kinbridge.Category
	seen := map[string]bool{}
	addCats := func(cs []kinbridge.Category) {
		for _, c := range cs {
			if !seen[c.Code] {
				seen[c.Code] = true
				cats = append(cats, c)
			}
		}
	}
	for _, p := range progs {
		if !slices.Contains(in, p.ID) {
			continue
		}
		vf.Programmes = append(vf.Programmes, option{Value: strconv.FormatInt(p.ID, 10), Label: p.Names.In(v.lang)})
		if ws, err := p.Welfare(); err == nil {
			addCats(ws.Categories)
		}
	}
	if len(vf.Programmes) == 0 {
		addCats(kinbridge.DefaultCategories)
	}
	vf.Categories = append([]option{{Value: "", Label: v.T("problem.choose_category")}}, v.categoryOptions(cats)...)

	// As many problem slots as were sent, or as asked for, or the default.
	n := visitProblemSlots
	if q, err := strconv.Atoi(r.URL.Query().Get("problems")); err == nil && r.Method == http.MethodGet {
		n = min(max(q, 1), maxVisitProblemSlots)
	}
	if r.Method == http.MethodPost {
		n = max(n, problemSlotsSent(r.PostForm))
	}
	for i := range n {
		vf.Slots = append(vf.Slots, i)
	}
	vf.MoreURL = fmt.Sprintf("%s?problems=%d#visit-form", householdURL(rec.Household.ID), min(n+3, maxVisitProblemSlots))

	a := kinbridge.ActorFromContext(r.Context())
	v.form["officer_ids"] = []string{strconv.FormatInt(a.UserID, 10)}
	v.form.Set("at", s.now().In(v.Loc).Format("2006-01-02T15:04"))
	for i := range n {
		v.form.Set(slotField(i, "priority"), string(kinbridge.PriorityNormal))
	}
	return vf, nil
}

// slotField names a field of a problem slot as the service names its
// errors: problems[1].description.
func slotField(i int, name string) string { return fmt.Sprintf("problems[%d].%s", i, name) }

// problemSlotFields are the fields of a problem slot.
var problemSlotFields = []string{"category", "description", "priority", "person_id", "assignee_id", "due_at", "programme_id"}

// visitFields are the fields of the visit form, for showing an error at
// its field.
func visitFields(slots []int) []string {
	fields := []string{"at", "officer_ids", "person_ids", "purpose", "notes", "programme_id"}
	for _, i := range slots {
		for _, f := range problemSlotFields {
			fields = append(fields, slotField(i, f))
		}
	}
	return fields
}

var slotRE = regexp.MustCompile(`^problems\[(\d+)\]\.`)

// problemSlotsSent is how many problem slots a posted visit form had.
func problemSlotsSent(form url.Values) int {
	n := 0
	for k := range form {
		if m := slotRE.FindStringSubmatch(k); m != nil {
			if i, err := strconv.Atoi(m[1]); err == nil && i < maxVisitProblemSlots {
				n = max(n, i+1)
			}
		}
	}
	return n
}

// householdURL is the page of a household.
func householdURL(id int64) string { return "/households/" + strconv.FormatInt(id, 10) }

// parseLocalTime reads a datetime-local input in the page's time zone.
func parseLocalTime(s string, loc *time.Location) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Slot names a field of problem slot i of the visit form.
func (v *view) Slot(i int, name string) string { return slotField(i, name) }

// Inc is i+1, to number problem slots from one.
func (v *view) Inc(i int) int { return i + 1 }
