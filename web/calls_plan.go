package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// callPlansPage lists the latest weekly plans and offers to plan next week.
type callPlansPage struct {
	Plans     []callPlanRow
	Units     []option
	CanPlan   bool
	Today     string
	OwnUnitID int64
}

type callPlanRow struct {
	*kinbridge.CallPlan
	UnitName string
}

// Fields of the "plan next week" form.
var callPlanFields = []string{"unit_id", "week_start"}

// showCallPlans is GET /calls/plans.
func (s *Server) showCallPlans(w http.ResponseWriter, r *http.Request) {
	s.renderCallPlans(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderCallPlans(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	a := kinbridge.ActorFromContext(r.Context())
	plans, err := s.svc.FindCallPlans(r.Context(), a.UnitID)
	if err != nil && (formErr == nil || kinbridge.ErrorCode(err) != kinbridge.EFORBIDDEN) {
		// The answer to a post is shown even to a role that may not
		// read the plans: the error belongs next to the field it names.
		s.htmlError(w, r, err)
		return
	}
	units, err := s.svc.FindUnits(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "calls.plans_title")
	if v.Loc, err = s.actorLocation(r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	names := unitNames(units, v.lang)
	page := callPlansPage{CanPlan: v.Can(string(kinbridge.ActionCallPlan)), Units: unitOptions(unitTree(units, v.lang), 0),
		Today: s.now().In(v.Loc).Format("2006-01-02"), OwnUnitID: a.UnitID}
	for _, p := range plans {
		page.Plans = append(page.Plans, callPlanRow{CallPlan: p, UnitName: names[p.UnitID]})
	}
	v.Data = page
	v.form.Set("unit_id", strconv.FormatInt(a.UnitID, 10))
	v.form.Set("week_start", addDays(thisMonday(s.now(), v.Loc), 7))
	for k, vals := range form {
		v.form[k] = vals
	}
	if formErr != nil {
		s.formError(r, v, formErr, callPlanFields...)
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "calls_plans", v)
}

// planUnitError turns "not found" from PlanWeek, which names no record but
// the unit, into an error at the form's unit_id: a unit named in a form
// field is input, refused like one that does not exist.
func planUnitError(err error) error {
	if kinbridge.ErrorCode(err) == kinbridge.ENOTFOUND {
		return kinbridge.FieldError("unit_id", "error.calls.plan_unit", "Choose the unit whose week to plan.")
	}
	return err
}

// planCallWeek is POST /calls/plans: plan the week for a unit's subtree,
// kept as a draft to review.
func (s *Server) planCallWeek(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	week := strings.TrimSpace(r.PostForm.Get("week_start"))
	_, err := parseDay(week, "week_start")
	var p *kinbridge.CallPlan
	if err == nil {
		p, err = s.svc.PlanWeek(r.Context(), formInt(r, "unit_id"), week)
		err = planUnitError(err)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderCallPlans(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, callPlanURL(p.ID)+"?done=call_plan_made")
}

// callPlanPage is a weekly plan's review: the objective's figures, each
// office's load, and the households that got fewer calls, with why.
type callPlanPage struct {
	Plan      *kinbridge.CallPlan
	UnitName  string
	Offices   []officeLoadRow
	Short     []kinbridge.CallShortfall // the first planShortShown
	ShortMore int                       // and how many more there are
	CanBook   bool
	Booked    []callRow // after "Book all"
}

// planShortShown is how many short households a plan's page lists: a
// nation's plan may have hundreds of thousands, a page of over a hundred
// megabytes.
const planShortShown = 500

type officeLoadRow struct {
	kinbridge.CallOfficeLoad
	Name string
}

// showCallPlan is GET /calls/plans/{id}.
func (s *Server) showCallPlan(w http.ResponseWriter, r *http.Request) {
	s.renderCallPlan(w, r, http.StatusOK, nil, nil)
}

// renderCallPlan shows a plan's review; booked, when set, are the calls
// its "Book all" just booked.
func (s *Server) renderCallPlan(w http.ResponseWriter, r *http.Request, status int, booked []*kinbridge.Call, formErr error) {
	id, err := pathID(r)
	var p *kinbridge.CallPlan
	if err == nil {
		p, err = s.svc.FindCallPlanReview(r.Context(), id)
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
	v := s.newView(r, "")
	v.Path = callPlanURL(p.ID)
	v.Loc = unitLocation(units, p.UnitID)
	names := unitNames(units, v.lang)
	v.Title = v.T("calls.plan_title", names[p.UnitID], v.Day(p.WeekStart))
	page := callPlanPage{Plan: p, UnitName: names[p.UnitID], Short: p.Summary.Short[:min(len(p.Summary.Short), planShortShown)],
		CanBook: p.Status == kinbridge.CallPlanDraft && v.Can(string(kinbridge.ActionCallPlan))}
	page.ShortMore = len(p.Summary.Short) - len(page.Short)
	for _, o := range p.Summary.Offices {
		page.Offices = append(page.Offices, officeLoadRow{CallOfficeLoad: o, Name: names[o.UnitID]})
	}
	if booked != nil {
		page.Booked = callRows(booked, nil, nil, nil, s.now())
	}
	v.Data = page
	if formErr != nil {
		s.formError(r, v, formErr)
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "calls_plan", v)
}

// unitLocation is the time zone of the unit of the list, UTC if it is
// not there.
func unitLocation(units []*kinbridge.Unit, id int64) *time.Location {
	for _, u := range units {
		if u.ID == id {
			return u.Location()
		}
	}
	return time.UTC
}

// bookCallPlan is POST /calls/plans/{id}/book: every call of the draft in
// one transaction, or none; the answer lists them.
func (s *Server) bookCallPlan(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	_, calls, err := s.svc.BookCallPlan(r.Context(), id)
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderCallPlan(w, r, statusOf(err), nil, err)
		return
	}
	if calls == nil {
		calls = []*kinbridge.Call{}
	}
	s.renderCallPlan(w, r, http.StatusOK, calls, nil)
}
