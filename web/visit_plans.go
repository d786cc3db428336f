package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kinbridge/kinbridge"
)

type visitPlansPage struct {
	Plans      []visitPlanRow
	Units      []option
	Programmes []option
	// CanPlan: the caller may add and change plans (presentation only).
	CanPlan bool
	// Failed is the plan whose change failed, to show its form's values.
	Failed int64
}

type visitPlanRow struct {
	*kinbridge.VisitPlan
	UnitName      string
	ProgrammeName string
}

// showVisitPlans is GET /visit-plans: the visit plans of the caller's
// units, and for supervisors and administrators the forms to add and
// change them.
func (s *Server) showVisitPlans(w http.ResponseWriter, r *http.Request) {
	s.renderVisitPlans(w, r, http.StatusOK, nil, nil, 0)
}

// renderVisitPlans shows the page; form and formErr, when set, are a failed
// post: of the add form (failed 0) or of the change form of a plan.
func (s *Server) renderVisitPlans(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error, failed int64) {
	plans, err := s.svc.FindVisitPlans(r.Context())
	if formErr != nil && kinbridge.ErrorCode(err) == kinbridge.EFORBIDDEN {
		// The answer to a post by a role that may not see plans is its
		// error, shown on the form, not the list.
		plans, err = nil, nil
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
	progs, err := s.svc.FindProgrammes(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "plans.title")
	v.Path = "/visit-plans"
	un := unitNames(units, v.lang)
	pn := map[int64]string{}
	for _, p := range progs {
		pn[p.ID] = p.Names.In(v.lang)
	}
	page := visitPlansPage{Units: unitOptions(unitTree(units, v.lang), 0), Programmes: v.programmeOptions(progs),
		CanPlan: v.Can(string(kinbridge.ActionWelfarePlan)), Failed: failed}
	for _, p := range plans {
		page.Plans = append(page.Plans, visitPlanRow{VisitPlan: p, UnitName: un[p.UnitID], ProgrammeName: pn[p.ProgrammeID]})
	}
	v.Data = page
	v.form.Set("every_days", "30")
	v.form.Set("active", "1")
	if form != nil {
		v.form = form
	}
	if formErr != nil {
		var fields []string
		if failed == 0 {
			fields = []string{"unit_id", "programme_id", "every_days"}
		}
		s.formError(r, v, formErr, fields...)
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "visit_plans", v)
}

// createVisitPlan is POST /visit-plans.
func (s *Server) createVisitPlan(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	every, _ := strconv.Atoi(r.PostForm.Get("every_days"))
	p := &kinbridge.VisitPlan{UnitID: formInt(r, "unit_id"), ProgrammeID: formInt(r, "programme_id"), EveryDays: every,
		Active: r.PostForm.Get("active") != ""}
	if err := s.svc.SaveVisitPlan(r.Context(), p); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderVisitPlans(w, r, statusOf(err), r.PostForm, err, 0)
		return
	}
	redirect(w, r, "/visit-plans?done=plan_saved#plan-"+strconv.FormatInt(p.ID, 10))
}

// updateVisitPlan is POST /visit-plans/{id}: its period and whether it is
// active.
func (s *Server) updateVisitPlan(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	every, _ := strconv.Atoi(r.PostForm.Get("every_days"))
	p := &kinbridge.VisitPlan{ID: id, EveryDays: every, Active: r.PostForm.Get("active") != ""}
	if err := s.svc.SaveVisitPlan(r.Context(), p); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderVisitPlans(w, r, statusOf(err), url.Values{}, err, id)
		return
	}
	redirect(w, r, "/visit-plans?done=plan_saved#plan-"+strconv.FormatInt(id, 10))
}
