package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// The welfare API: visits, problems and their actions, work lists, visit
// plans, case officers, notifications and the digest address. The shapes
// are documented in openapi.json.

type jsonVisit struct {
	ID          int64     `json:"id"`
	HouseholdID int64     `json:"household_id"`
	UnitID      int64     `json:"unit_id"`
	At          time.Time `json:"at"`
	OfficerIDs  []int64   `json:"officer_ids"`
	PersonIDs   []int64   `json:"person_ids"`
	Purpose     string    `json:"purpose"`
	Notes       string    `json:"notes"`
	RecordedBy  int64     `json:"recorded_by"`
	Created     time.Time `json:"created"`
	ProblemIDs  []int64   `json:"problem_ids"`
}

func orEmpty(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

func toJSONVisit(v *kinbridge.Visit) jsonVisit {
	return jsonVisit{ID: v.ID, HouseholdID: v.HouseholdID, UnitID: v.UnitID, At: v.At, OfficerIDs: orEmpty(v.OfficerIDs),
		PersonIDs: orEmpty(v.PersonIDs), Purpose: v.Purpose, Notes: v.Notes, RecordedBy: v.RecordedBy, Created: v.Created,
		ProblemIDs: orEmpty(v.ProblemIDs)}
}

type jsonProblem struct {
	ID               int64                   `json:"id"`
	HouseholdID      int64                   `json:"household_id"`
	PersonID         *int64                  `json:"person_id"`
	ProgrammeID      *int64                  `json:"programme_id"`
	VisitID          *int64                  `json:"visit_id"`
	UnitID           int64                   `json:"unit_id"`
	Category         string                  `json:"category"`
	Description      string                  `json:"description"`
	Priority         kinbridge.Priority      `json:"priority"`
	Status           kinbridge.ProblemStatus `json:"status"`
	AssigneeID       *int64                  `json:"assignee_id"`
	DueAt            *time.Time              `json:"due_at"`
	Overdue          bool                    `json:"overdue"`
	ReferralUnitID   *int64                  `json:"referral_unit_id"`
	Reason           string                  `json:"reason"`
	EscalationLevel  int                     `json:"escalation_level"`
	NextEscalationAt *time.Time              `json:"next_escalation_at"`
	ClosedAt         *time.Time              `json:"closed_at"`
	HouseholdAddress string                  `json:"household_address"`
	Created          time.Time               `json:"created"`
	Updated          time.Time               `json:"updated"`
	Version          int64                   `json:"version"`
}

func idOrNull(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func toJSONProblem(p *kinbridge.Problem, now time.Time) jsonProblem {
	return jsonProblem{ID: p.ID, HouseholdID: p.HouseholdID, PersonID: idOrNull(p.PersonID), ProgrammeID: idOrNull(p.ProgrammeID),
		VisitID: idOrNull(p.VisitID), UnitID: p.UnitID, Category: p.Category, Description: p.Description, Priority: p.Priority,
		Status: p.Status, AssigneeID: idOrNull(p.AssigneeID), DueAt: timeOrNull(p.DueAt), Overdue: p.Overdue(now),
		ReferralUnitID: idOrNull(p.ReferralUnitID), Reason: p.Reason, EscalationLevel: p.EscalationLevel,
		NextEscalationAt: timeOrNull(p.NextEscalationAt), ClosedAt: timeOrNull(p.ClosedAt), HouseholdAddress: p.HouseholdAddress,
		Created: p.Created, Updated: p.Updated, Version: p.Version}
}

func toJSONProblems(ps []*kinbridge.Problem, now time.Time) []jsonProblem {
	out := make([]jsonProblem, len(ps))
	for i, p := range ps {
		out[i] = toJSONProblem(p, now)
	}
	return out
}

type jsonProblemEvent struct {
	ID         int64                   `json:"id"`
	At         time.Time               `json:"at"`
	ActorID    *int64                  `json:"actor_id"`
	ActorName  string                  `json:"actor_name"`
	Kind       string                  `json:"kind"`
	FromStatus kinbridge.ProblemStatus `json:"from_status"`
	ToStatus   kinbridge.ProblemStatus `json:"to_status"`
	UnitID     *int64                  `json:"unit_id"`
	AssigneeID *int64                  `json:"assignee_id"`
	Note       string                  `json:"note"`
}

type jsonEscalation struct {
	Level     int        `json:"level"`
	UnitID    int64      `json:"unit_id"`
	At        time.Time  `json:"at"`
	ClearedAt *time.Time `json:"cleared_at"`
}

type jsonProblemRecord struct {
	Problem          jsonProblem        `json:"problem"`
	Events           []jsonProblemEvent `json:"events"`
	Escalations      []jsonEscalation   `json:"escalations"`
	Category         kinbridge.Category `json:"category"`
	HouseholdVisible bool               `json:"household_visible"`
	// Actions are the actions the problem's status allows
	// (kinbridge.CanApply); who may take each is the service's answer.
	Actions []kinbridge.ProblemAction `json:"actions"`
}

type jsonDueVisit struct {
	HouseholdID int64      `json:"household_id"`
	Address     string     `json:"address"`
	UnitID      int64      `json:"unit_id"`
	OfficerID   *int64     `json:"officer_id"`
	PlanID      int64      `json:"plan_id"`
	EveryDays   int        `json:"every_days"`
	LastVisitAt *time.Time `json:"last_visit_at"`
	DueAt       time.Time  `json:"due_at"`
	Overdue     bool       `json:"overdue"`
}

func toJSONDueVisits(ds []*kinbridge.DueVisit, now time.Time) []jsonDueVisit {
	out := make([]jsonDueVisit, len(ds))
	for i, d := range ds {
		out[i] = jsonDueVisit{HouseholdID: d.HouseholdID, Address: d.Address, UnitID: d.UnitID, OfficerID: idOrNull(d.OfficerID),
			PlanID: d.PlanID, EveryDays: d.EveryDays, LastVisitAt: timeOrNull(d.LastVisitAt), DueAt: d.DueAt, Overdue: d.Overdue(now)}
	}
	return out
}

type jsonVisitPlan struct {
	ID          int64     `json:"id"`
	UnitID      int64     `json:"unit_id"`
	ProgrammeID int64     `json:"programme_id"`
	EveryDays   int       `json:"every_days"`
	Active      bool      `json:"active"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

func toJSONVisitPlan(p *kinbridge.VisitPlan) jsonVisitPlan {
	return jsonVisitPlan{ID: p.ID, UnitID: p.UnitID, ProgrammeID: p.ProgrammeID, EveryDays: p.EveryDays, Active: p.Active,
		Created: p.Created, Updated: p.Updated}
}

type jsonNotification struct {
	ID        int64             `json:"id"`
	Kind      string            `json:"kind"`
	ProblemID *int64            `json:"problem_id"`
	Text      string            `json:"text"`
	Args      map[string]string `json:"args"`
	Created   time.Time         `json:"created"`
	ReadAt    *time.Time        `json:"read_at"`
}

// problemInput is a problem raised, alone or at a visit.
type problemInput struct {
	Category    string     `json:"category"`
	Description string     `json:"description"`
	Priority    string     `json:"priority"`
	PersonID    int64      `json:"person_id"`
	ProgrammeID int64      `json:"programme_id"`
	AssigneeID  int64      `json:"assignee_id"`
	DueAt       *time.Time `json:"due_at"`
}

func (in problemInput) problem(householdID int64) *kinbridge.Problem {
	p := &kinbridge.Problem{HouseholdID: householdID, Category: in.Category, Description: in.Description,
		Priority: kinbridge.Priority(in.Priority), PersonID: in.PersonID, ProgrammeID: in.ProgrammeID, AssigneeID: in.AssigneeID}
	if in.DueAt != nil {
		p.DueAt = *in.DueAt
	}
	return p
}

// visitInput is the body of POST /households/{id}/visits.
type visitInput struct {
	At         time.Time      `json:"at"`
	OfficerIDs []int64        `json:"officer_ids"`
	PersonIDs  []int64        `json:"person_ids"`
	Purpose    string         `json:"purpose"`
	Notes      string         `json:"notes"`
	Problems   []problemInput `json:"problems"`
}

// apiRecordVisit is POST /api/v1/households/{id}/visits: a visit and the
// problems raised at it, all or nothing; an error in a problem names its
// field as problems[i].field.
func (s *Server) apiRecordVisit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in visitInput
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	v := &kinbridge.Visit{HouseholdID: id, At: in.At, OfficerIDs: in.OfficerIDs, PersonIDs: in.PersonIDs, Purpose: in.Purpose, Notes: in.Notes}
	problems := make([]*kinbridge.Problem, len(in.Problems))
	for i, p := range in.Problems {
		problems[i] = p.problem(id)
	}
	if err := s.svc.RecordVisit(r.Context(), v, problems); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, map[string]any{"visit": toJSONVisit(v), "problems": toJSONProblems(problems, s.now())})
}

// apiListVisits is GET /api/v1/visits: the visits of the caller's scope,
// newest first, narrowed by household_id, officer_id, from and to.
func (s *Server) apiListVisits(w http.ResponseWriter, r *http.Request) {
	var f kinbridge.VisitFilter
	var limit int64
	var err error
	for _, p := range []struct {
		name string
		to   *int64
	}{{"household_id", &f.HouseholdID}, {"officer_id", &f.OfficerID}, {"limit", &limit}} {
		if err == nil {
			*p.to, err = queryInt(r, p.name)
		}
	}
	if err == nil {
		f.From, err = queryTime(r, "from")
	}
	if err == nil {
		f.To, err = queryTime(r, "to")
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.Limit = int(limit)
	vs, err := s.svc.FindVisits(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonVisit, len(vs))
	for i, v := range vs {
		out[i] = toJSONVisit(v)
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"visits": out})
}

// apiGetVisit is GET /api/v1/visits/{id}.
func (s *Server) apiGetVisit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var v *kinbridge.Visit
	if err == nil {
		v, err = s.svc.FindVisit(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONVisit(v))
}

// apiListProblems is GET /api/v1/problems: the problems of the caller's
// scope, soonest due first, narrowed by unit_id, referral_unit_id,
// assignee_id, household_id, person_id, category, status (repeatable or
// comma-separated), active and overdue.
func (s *Server) apiListProblems(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := kinbridge.ProblemFilter{Category: q.Get("category")}
	var limit, offset int64
	var err error
	for _, p := range []struct {
		name string
		to   *int64
	}{{"unit_id", &f.UnitID}, {"referral_unit_id", &f.ReferralUnitID}, {"assignee_id", &f.AssigneeID}, {"household_id", &f.HouseholdID},
		{"person_id", &f.PersonID}, {"limit", &limit}, {"offset", &offset}} {
		if err == nil {
			*p.to, err = queryInt(r, p.name)
		}
	}
	if err == nil {
		f.Active, err = queryBool(r, "active")
	}
	var overdue bool
	if err == nil {
		overdue, err = queryBool(r, "overdue")
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	for _, st := range q["status"] {
		for _, x := range strings.Split(st, ",") {
			if x = strings.TrimSpace(x); x != "" {
				f.Statuses = append(f.Statuses, kinbridge.ProblemStatus(x))
			}
		}
	}
	if overdue {
		f.Active, f.DueBefore = true, s.now()
	}
	f.Limit, f.Offset = int(limit), int(offset)
	ps, total, err := s.svc.FindProblems(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"problems": toJSONProblems(ps, s.now()), "total": total})
}

// queryBool reads a boolean query parameter; absent is false.
func queryBool(r *http.Request, name string) (bool, error) {
	switch strings.TrimSpace(r.URL.Query().Get(name)) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, &kinbridge.Error{Code: kinbridge.EINVALID, Field: name, Message: name + " must be true or false."}
}

// apiCreateProblem is POST /api/v1/households/{id}/problems: a problem
// raised without a visit.
func (s *Server) apiCreateProblem(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in problemInput
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	p := in.problem(id)
	if err := s.svc.CreateProblem(r.Context(), p); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, toJSONProblem(p, s.now()))
}

// apiGetProblem is GET /api/v1/problems/{id}: the problem with its
// history and escalations. The read is audited.
func (s *Server) apiGetProblem(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var rec *kinbridge.ProblemRecord
	if err == nil {
		rec, err = s.svc.FindProblem(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := jsonProblemRecord{Problem: toJSONProblem(rec.Problem, s.now()), Category: rec.Category, HouseholdVisible: rec.HouseholdVisible,
		Events: []jsonProblemEvent{}, Escalations: []jsonEscalation{}, Actions: []kinbridge.ProblemAction{}}
	for _, e := range rec.Events {
		out.Events = append(out.Events, jsonProblemEvent{ID: e.ID, At: e.At, ActorID: idOrNull(e.ActorID), ActorName: e.ActorName, Kind: e.Kind,
			FromStatus: e.FromStatus, ToStatus: e.ToStatus, UnitID: idOrNull(e.UnitID), AssigneeID: idOrNull(e.AssigneeID), Note: e.Note})
	}
	for _, e := range rec.Escalations {
		out.Escalations = append(out.Escalations, jsonEscalation{Level: e.Level, UnitID: e.UnitID, At: e.At, ClearedAt: timeOrNull(e.ClearedAt)})
	}
	for _, a := range kinbridge.ProblemActions {
		if kinbridge.CanApply(a, rec.Problem.Status) {
			out.Actions = append(out.Actions, a)
		}
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// problemActionInput is the body of POST /problems/{id}/actions.
type problemActionInput struct {
	Action     string `json:"action"`
	Version    int64  `json:"version"`
	Note       string `json:"note"`
	AssigneeID int64  `json:"assignee_id"`
	UnitID     int64  `json:"unit_id"`
}

// apiProblemAction is POST /api/v1/problems/{id}/actions: one change of a
// problem. A transition its status refuses, or a version that is not the
// current one, answers 409 with what to do.
func (s *Server) apiProblemAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in problemActionInput
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var p *kinbridge.Problem
	if err == nil {
		p, err = s.svc.ChangeProblem(r.Context(), id, kinbridge.ProblemChange{Action: kinbridge.ProblemAction(in.Action),
			Version: in.Version, Note: in.Note, AssigneeID: in.AssigneeID, UnitID: in.UnitID})
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONProblem(p, s.now()))
}

// apiMyWork is GET /api/v1/my-work: the caller's open problems and due
// visits, soonest first.
func (s *Server) apiMyWork(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit")
	var work *kinbridge.MyWork
	if err == nil {
		work, err = s.svc.FindMyWork(r.Context(), int(limit))
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	now := s.now()
	s.writeJSON(w, r, http.StatusOK, map[string]any{"problems": toJSONProblems(work.Problems, now), "due_visits": toJSONDueVisits(work.DueVisits, now),
		"total_problems": work.TotalProblems, "total_visits": work.TotalVisits})
}

// apiQueue is GET /api/v1/units/{id}/queue.
func (s *Server) apiQueue(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var limit int64
	if err == nil {
		limit, err = queryInt(r, "limit")
	}
	var q *kinbridge.Queue
	if err == nil {
		q, err = s.svc.FindQueue(r.Context(), id, int(limit))
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	now := s.now()
	esc := make([]map[string]any, len(q.Escalations))
	for i, e := range q.Escalations {
		esc[i] = map[string]any{"problem_id": e.ProblemID, "level": e.Level, "at": e.At}
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"unit": toJSONUnit(q.Unit), "problems": toJSONProblems(q.Problems, now),
		"incoming": toJSONProblems(q.Incoming, now), "escalated": toJSONProblems(q.Escalated, now), "escalations": esc,
		"overdue_visits": toJSONDueVisits(q.Overdue, now), "total": q.Total, "overdue_total": q.OverdueN})
}

// apiDashboard is GET /api/v1/units/{id}/dashboard: counts only.
func (s *Server) apiDashboard(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var d *kinbridge.Dashboard
	if err == nil {
		d, err = s.svc.FindDashboard(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	st := d.Stats
	cats := make([]map[string]any, len(st.ByCategory))
	for i, c := range st.ByCategory {
		cats[i] = map[string]any{"category": c.Category, "active": c.Active, "overdue": c.Overdue, "resolved_week": c.ResolvedWeek}
	}
	var median *float64
	if st.Resolved90Days > 0 {
		median = &st.MedianDaysToResolve
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"unit": toJSONUnit(d.Unit), "week_start": d.WeekStart,
		"open": st.Open, "in_progress": st.InProgress, "referred": st.Referred, "overdue": st.Overdue, "escalated": st.Escalated,
		"resolved_this_week": st.ResolvedThisWeek, "median_days_to_resolve": median, "resolved_90_days": st.Resolved90Days,
		"by_category": cats})
}

// apiListVisitPlans is GET /api/v1/visit-plans.
func (s *Server) apiListVisitPlans(w http.ResponseWriter, r *http.Request) {
	ps, err := s.svc.FindVisitPlans(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonVisitPlan, len(ps))
	for i, p := range ps {
		out[i] = toJSONVisitPlan(p)
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"visit_plans": out})
}

// visitPlanInput is the body of POST and PATCH /visit-plans; a PATCH
// changes only every_days and active.
type visitPlanInput struct {
	UnitID      int64 `json:"unit_id"`
	ProgrammeID int64 `json:"programme_id"`
	EveryDays   *int  `json:"every_days"`
	Active      *bool `json:"active"`
}

// apiCreateVisitPlan is POST /api/v1/visit-plans.
func (s *Server) apiCreateVisitPlan(w http.ResponseWriter, r *http.Request) {
	var in visitPlanInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	p := &kinbridge.VisitPlan{UnitID: in.UnitID, ProgrammeID: in.ProgrammeID, Active: true}
	if in.EveryDays != nil {
		p.EveryDays = *in.EveryDays
	}
	if in.Active != nil {
		p.Active = *in.Active
	}
	if err := s.svc.SaveVisitPlan(r.Context(), p); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, toJSONVisitPlan(p))
}

// apiUpdateVisitPlan is PATCH /api/v1/visit-plans/{id}: the fields not
// given keep their values.
func (s *Server) apiUpdateVisitPlan(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in visitPlanInput
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	if err == nil && (in.UnitID != 0 || in.ProgrammeID != 0) {
		err = &kinbridge.Error{Code: kinbridge.EINVALID, Field: "unit_id", Key: "error.plan.fixed", Message: "A plan's unit and programme do not change: add another plan."}
	}
	var cur *kinbridge.VisitPlan
	if err == nil {
		cur, err = s.findVisitPlan(r, id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	p := &kinbridge.VisitPlan{ID: id, EveryDays: cur.EveryDays, Active: cur.Active}
	if in.EveryDays != nil {
		p.EveryDays = *in.EveryDays
	}
	if in.Active != nil {
		p.Active = *in.Active
	}
	if err := s.svc.SaveVisitPlan(r.Context(), p); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONVisitPlan(p))
}

// findVisitPlan returns the current values of a plan for a PATCH. A plan
// the caller cannot list is left to SaveVisitPlan, which answers "not
// found" or "forbidden" as the policy says; the values then do not matter.
func (s *Server) findVisitPlan(r *http.Request, id int64) (*kinbridge.VisitPlan, error) {
	ps, err := s.svc.FindVisitPlans(r.Context())
	if err != nil && kinbridge.ErrorCode(err) != kinbridge.EFORBIDDEN {
		return nil, err
	}
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
	}
	return &kinbridge.VisitPlan{ID: id}, nil
}

// apiGetCaseOfficer is GET /api/v1/households/{id}/case-officer.
func (s *Server) apiGetCaseOfficer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var u *kinbridge.User
	if err == nil {
		u, err = s.svc.FindCaseOfficer(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var officer *jsonUser
	if u != nil {
		j := toJSONUser(u)
		officer = &j
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"officer": officer})
}

// apiSetCaseOfficer is PUT /api/v1/households/{id}/case-officer:
// {"officer_id": n}, null or 0 for none.
func (s *Server) apiSetCaseOfficer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in struct {
		OfficerID *int64 `json:"officer_id"`
	}
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	if err == nil {
		var officer int64
		if in.OfficerID != nil {
			officer = *in.OfficerID
		}
		err = s.svc.SetCaseOfficer(r.Context(), id, officer)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiGetCaseOfficer(w, r)
}

// apiListNotifications is GET /api/v1/notifications: the caller's
// notifications, newest first (unread=true: only those), and the unread
// count.
func (s *Server) apiListNotifications(w http.ResponseWriter, r *http.Request) {
	unread, err := queryBool(r, "unread")
	var limit int64
	if err == nil {
		limit, err = queryInt(r, "limit")
	}
	var ns []*kinbridge.Notification
	var count int
	if err == nil {
		ns, count, err = s.svc.FindNotifications(r.Context(), unread, int(limit))
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonNotification, len(ns))
	for i, n := range ns {
		args := n.Args
		if args == nil {
			args = map[string]string{}
		}
		out[i] = jsonNotification{ID: n.ID, Kind: n.Kind, ProblemID: idOrNull(n.ProblemID), Text: n.Text, Args: args, Created: n.Created,
			ReadAt: timeOrNull(n.ReadAt)}
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"notifications": out, "unread": count})
}

// apiMarkRead is POST /api/v1/notifications/read: {"ids": [...]}, or
// {"ids": []} (or no body) for all.
func (s *Server) apiMarkRead(w http.ResponseWriter, r *http.Request) {
	var in struct {
		IDs []int64 `json:"ids"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &in); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	if err := s.svc.MarkRead(r.Context(), in.IDs); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiGetEmail is GET /api/v1/me/email: the caller's digest address.
func (s *Server) apiGetEmail(w http.ResponseWriter, r *http.Request) {
	email, err := s.svc.Email(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"email": email})
}

// apiSetEmail is PUT /api/v1/me/email: {"email": "…"}, "" to stop the
// digest mail.
func (s *Server) apiSetEmail(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
	}
	err := decodeJSON(w, r, &in)
	if err == nil {
		err = s.svc.SetEmail(r.Context(), in.Email)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"email": strings.TrimSpace(in.Email)})
}
