package kinbridge

import (
	"context"
	"fmt"
	"time"
)

// RecordVisit stores a visit and the problems raised at it, all or nothing:
// a bad problem rejects the visit too. The officers present must be users
// who may record visits for the household's unit; the persons met must be
// its members. Problems get the visit's household and the visit's id.
func (s *Service) RecordVisit(ctx context.Context, v *Visit, problems []*Problem) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if err := v.Validate(tx.Now()); err != nil {
			return err
		}
		h, err := findHouseholdInScope(ctx, tx, a, ActionWelfareRecord, v.HouseholdID)
		if err != nil {
			return err
		}
		for _, id := range v.OfficerIDs {
			if err := checkAssignee(ctx, tx, id, h.UnitPath); err != nil {
				e := err.(*Error)
				e.Field = "officer_ids"
				return e
			}
		}
		if len(v.PersonIDs) > 0 {
			members, err := tx.FindPersons(ctx, PersonFilter{HouseholdID: h.ID})
			if err != nil {
				return err
			}
			in := make(map[int64]bool, len(members))
			for _, m := range members {
				in[m.ID] = m.Kind != PersonRelativeAbroad
			}
			for _, id := range v.PersonIDs {
				if !in[id] {
					return FieldError("person_ids", "error.visit.person", "Person %d is not a member of the household.", id)
				}
			}
		}
		v.UnitID, v.UnitPath, v.RecordedBy = h.UnitID, h.UnitPath, a.UserID
		if err := tx.CreateVisit(ctx, v); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, AuditEvent{Action: "visit.create", RecordType: "visit", RecordID: v.ID, UnitID: v.UnitID,
			Detail: map[string]any{"household_id": v.HouseholdID, "problems": len(problems)}}); err != nil {
			return err
		}
		for i, p := range problems {
			p.HouseholdID, p.VisitID = v.HouseholdID, v.ID
			if err := s.createProblem(ctx, tx, a, p, h); err != nil {
				if e, ok := err.(*Error); ok && e.Field != "" {
					e.Field = fmt.Sprintf("problems[%d].%s", i, e.Field)
				}
				return err
			}
			v.ProblemIDs = append(v.ProblemIDs, p.ID)
		}
		return nil
	})
}

// FindVisits lists the visits of the caller's scope that f selects, newest
// first. Audited, as a list that names households.
func (s *Service) FindVisits(ctx context.Context, f VisitFilter) ([]*Visit, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionWelfareView); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	scope := scopeFilter(a)
	f.PathPrefix, f.Path = scope.PathPrefix, scope.Path
	var vs []*Visit
	err = s.store.Update(ctx, func(tx Tx) error {
		if f.HouseholdID != 0 {
			if _, err := findHouseholdInScope(ctx, tx, a, ActionWelfareView, f.HouseholdID); err != nil {
				return err
			}
		}
		if vs, err = tx.FindVisits(ctx, f); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "visit.list", RecordType: "visit", UnitID: a.UnitID,
			Detail: map[string]any{"household_id": f.HouseholdID, "officer_id": f.OfficerID, "shown": len(vs)}})
	})
	return vs, err
}

// FindVisit returns one visit of the caller's scope. Audited.
func (s *Service) FindVisit(ctx context.Context, id int64) (*Visit, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var v *Visit
	err = s.store.Update(ctx, func(tx Tx) error {
		v, err = tx.FindVisitByID(ctx, id)
		if ErrorCode(err) == ENOTFOUND {
			return notFound("visit")
		} else if err != nil {
			return err
		}
		if err := authorize(a, ActionWelfareView, v.UnitPath, "visit"); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "visit.view", RecordType: "visit", RecordID: id, UnitID: v.UnitID,
			Detail: map[string]any{"household_id": v.HouseholdID}})
	})
	return v, err
}

// SaveVisitPlan adds a visit plan (ID 0) or changes one, for a unit of the
// caller's scope. A unit has at most one plan per programme.
func (s *Service) SaveVisitPlan(ctx context.Context, p *VisitPlan) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if p.ID == 0 {
		if err := p.Validate(); err != nil {
			return err
		}
	}
	return s.store.Update(ctx, func(tx Tx) error {
		action := "visit_plan.update"
		if p.ID == 0 {
			action = "visit_plan.create"
			unit, err := findUnitInScope(ctx, tx, a, ActionWelfarePlan, p.UnitID)
			if ErrorCode(err) == ENOTFOUND {
				return FieldError("unit_id", "error.plan.unit", "Choose the unit.")
			} else if err != nil {
				return err
			}
			if _, err := tx.FindProgrammeByID(ctx, p.ProgrammeID); ErrorCode(err) == ENOTFOUND {
				return FieldError("programme_id", "error.plan.programme", "Choose the programme.")
			} else if err != nil {
				return err
			}
			p.UnitPath = unit.Path
			if err := tx.CreateVisitPlan(ctx, p); ErrorCode(err) == ECONFLICT {
				return FieldError("programme_id", "error.plan.exists", "The unit has a plan for this programme already: change that one.")
			} else if err != nil {
				return err
			}
		} else {
			old, err := tx.FindVisitPlanByID(ctx, p.ID)
			if ErrorCode(err) == ENOTFOUND {
				return notFound("visit plan")
			} else if err != nil {
				return err
			}
			if err := authorize(a, ActionWelfarePlan, old.UnitPath, "visit plan"); err != nil {
				return err
			}
			// Only the period and whether it is active change; the change
			// is checked once the plan's unit and programme are known.
			p.UnitID, p.ProgrammeID, p.UnitPath = old.UnitID, old.ProgrammeID, old.UnitPath
			if err := p.Validate(); err != nil {
				return err
			}
			if err := tx.UpdateVisitPlan(ctx, p); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: action, RecordType: "visit_plan", RecordID: p.ID, UnitID: p.UnitID,
			Detail: map[string]any{"programme_id": p.ProgrammeID, "every_days": p.EveryDays, "active": p.Active}})
	})
}

// FindVisitPlans lists the visit plans of the caller's scope.
func (s *Service) FindVisitPlans(ctx context.Context) ([]*VisitPlan, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionWelfareView); err != nil {
		return nil, err
	}
	prefix, _ := a.ScopePrefix()
	var ps []*VisitPlan
	err = s.store.View(ctx, func(tx Tx) error {
		ps, err = tx.FindVisitPlans(ctx, prefix)
		return err
	})
	return ps, err
}

// SetCaseOfficer makes a user the case officer of a household (0: none);
// the officer must be able to record visits for the household's unit.
func (s *Service) SetCaseOfficer(ctx context.Context, householdID, userID int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		h, err := findHouseholdInScope(ctx, tx, a, ActionWelfarePlan, householdID)
		if err != nil {
			return err
		}
		if userID != 0 {
			if err := checkAssignee(ctx, tx, userID, h.UnitPath); err != nil {
				e := err.(*Error)
				e.Field = "officer_id"
				return e
			}
		}
		if err := tx.SetCaseOfficer(ctx, householdID, userID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "household.case_officer", RecordType: "household", RecordID: householdID,
			UnitID: h.UnitID, Detail: map[string]any{"officer_id": userID}})
	})
}

// MyWork is a user's list of things to do, soonest first.
type MyWork struct {
	Problems      []*Problem  // active problems assigned to the user
	DueVisits     []*DueVisit // visits due within the horizon, of their households
	TotalProblems int
	TotalVisits   int
}

// myWorkHorizon: "my work" lists the visits due within this time.
const myWorkHorizon = 7 * 24 * time.Hour

// FindMyWork returns the caller's open problems and due visits: the visits
// of the households whose case officer they are, and of their unit's
// households that have none.
func (s *Service) FindMyWork(ctx context.Context, limit int) (*MyWork, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionWelfareView); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	w := &MyWork{}
	err = s.store.Update(ctx, func(tx Tx) error {
		prefix, subtree := a.ScopePrefix()
		f := ProblemFilter{AssigneeID: a.UserID, Active: true, Limit: limit}
		if subtree {
			f.PathPrefix = prefix
		} else {
			f.Path = prefix
		}
		if w.Problems, w.TotalProblems, err = tx.FindProblems(ctx, f); err != nil {
			return err
		}
		df := DueVisitFilter{OfficerID: a.UserID, UnassignedPath: a.UnitPath, DueBefore: tx.Now().Add(myWorkHorizon), Limit: limit}
		if w.DueVisits, w.TotalVisits, err = tx.FindDueVisits(ctx, df); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "welfare.my_work", RecordType: "user", RecordID: a.UserID, UnitID: a.UnitID,
			Detail: map[string]any{"problems": len(w.Problems), "visits": len(w.DueVisits)}})
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// Queue is a unit's work list.
type Queue struct {
	Unit        *Unit
	Problems    []*Problem    // active problems the unit holds, soonest due first
	Incoming    []*Problem    // problems referred to the unit, waiting for its answer
	Escalated   []*Problem    // problems of its subtree escalated to it, not yet cleared
	Overdue     []*DueVisit   // visits of its households past due
	Escalations []*Escalation // the open escalations behind Escalated
	Total       int           // of Problems
	OverdueN    int           // of Overdue
}

// FindQueue returns a unit's queue: what it holds, what is referred to it,
// what has been escalated to it, and its overdue visits.
func (s *Service) FindQueue(ctx context.Context, unitID int64, limit int) (*Queue, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := &Queue{}
	err = s.store.Update(ctx, func(tx Tx) error {
		if q.Unit, err = findUnitInScope(ctx, tx, a, ActionWelfareView, unitID); err != nil {
			return err
		}
		if q.Problems, q.Total, err = tx.FindProblems(ctx, ProblemFilter{UnitID: unitID, Active: true, Limit: limit}); err != nil {
			return err
		}
		if q.Incoming, _, err = tx.FindProblems(ctx, ProblemFilter{ReferralUnitID: unitID, Statuses: []ProblemStatus{ProblemReferred}, Limit: limit}); err != nil {
			return err
		}
		if q.Escalations, err = tx.FindEscalations(ctx, EscalationFilter{UnitID: unitID, Open: true, Limit: limit}); err != nil {
			return err
		}
		// The escalated problems in one query, in the escalations' order.
		if len(q.Escalations) > 0 {
			ids := make([]int64, len(q.Escalations))
			for i, e := range q.Escalations {
				ids[i] = e.ProblemID
			}
			ps, _, err := tx.FindProblems(ctx, ProblemFilter{IDs: ids, Limit: len(ids)})
			if err != nil {
				return err
			}
			byID := make(map[int64]*Problem, len(ps))
			for _, p := range ps {
				byID[p.ID] = p
			}
			for _, id := range ids {
				if p := byID[id]; p != nil {
					q.Escalated = append(q.Escalated, p)
				}
			}
		}
		df := DueVisitFilter{Path: q.Unit.Path, DueBefore: tx.Now(), Limit: limit}
		if q.Overdue, q.OverdueN, err = tx.FindDueVisits(ctx, df); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "welfare.queue", RecordType: "unit", RecordID: unitID, UnitID: unitID,
			Detail: map[string]any{"problems": len(q.Problems), "incoming": len(q.Incoming), "escalated": len(q.Escalated)}})
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// Dashboard is a unit's welfare figures, counts only: a viewer may see it.
type Dashboard struct {
	Unit      *Unit
	Stats     *ProblemStats
	WeekStart time.Time
}

// FindDashboard returns the welfare figures of a unit's subtree. The week
// is the ISO week in the unit's time zone.
func (s *Service) FindDashboard(ctx context.Context, unitID int64) (*Dashboard, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	d := &Dashboard{}
	err = s.store.View(ctx, func(tx Tx) error {
		if d.Unit, err = findUnitInScope(ctx, tx, a, ActionWelfareDashboard, unitID); err != nil {
			return err
		}
		now := tx.Now()
		d.WeekStart = WeekStart(now, d.Unit.Location())
		d.Stats, err = tx.ProblemStats(ctx, ProblemStatsFilter{PathPrefix: d.Unit.Path, Now: now, WeekStart: d.WeekStart})
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// WeekStart returns the start (Monday 00:00) of the ISO week t falls in, in
// loc, as a UTC time.
func WeekStart(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	days := (int(l.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
	y, m, d := l.Date()
	return time.Date(y, m, d-days, 0, 0, 0, 0, loc).UTC()
}
