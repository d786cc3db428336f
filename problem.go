package kinbridge

import (
	"context"
	"fmt"
	"time"
)

// ProblemRecord is a problem with everything its page shows.
type ProblemRecord struct {
	Problem      *Problem
	Events       []*ProblemEvent // oldest first
	Escalations  []*Escalation
	Unit         *Unit
	ReferralUnit *Unit // while referred
	Category     Category
	// HouseholdVisible says whether the caller may open the household
	// (a unit that was referred the problem may not).
	HouseholdVisible bool
}

// problemInScope reports whether the actor reaches the problem: it is held
// by a unit of their scope, or referred to one.
func problemInScope(a *Actor, p *Problem) bool {
	return a.InScope(p.UnitPath) || (p.Status == ProblemReferred && a.InScope(p.ReferralUnitPath))
}

// findProblemInScope loads a problem and authorises the action on it.
func findProblemInScope(ctx context.Context, tx Tx, a *Actor, action Action, id int64) (*Problem, error) {
	p, err := tx.FindProblemByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound("problem")
	} else if err != nil {
		return nil, err
	}
	if !problemInScope(a, p) {
		return nil, notFound("problem")
	}
	if err := authorizeAction(a, action); err != nil {
		return nil, err
	}
	return p, nil
}

// welfareSettings returns the welfare settings of the programme (id 0: the
// defaults).
func welfareSettings(ctx context.Context, tx Tx, programmeID int64) (WelfareSettings, error) {
	if programmeID == 0 {
		return (*Programme)(nil).Welfare()
	}
	prog, err := tx.FindProgrammeByID(ctx, programmeID)
	if ErrorCode(err) == ENOTFOUND {
		return WelfareSettings{}, FieldError("programme_id", "error.problem.programme", "No such programme.")
	} else if err != nil {
		return WelfareSettings{}, err
	}
	return prog.Welfare()
}

// deadlineDays is the time the problem's category allows.
func deadlineDays(ctx context.Context, tx Tx, p *Problem) (int, error) {
	ws, err := welfareSettings(ctx, tx, p.ProgrammeID)
	if err != nil {
		return 0, err
	}
	c, ok := ws.Category(p.Category)
	if !ok {
		// A category the programme has since dropped keeps the default
		// list's time, or two weeks.
		if c, ok = (&WelfareSettings{Categories: DefaultCategories}).Category(p.Category); !ok {
			return 14, nil
		}
	}
	return c.DeadlineDays, nil
}

// capEscalation stops escalation at the top of the tree: a problem whose
// unit has no unit level+1 steps up does not escalate further.
func capEscalation(p *Problem) {
	if _, ok := AncestorAt(p.UnitPath, p.EscalationLevel+1); !ok {
		p.NextEscalationAt = time.Time{}
	}
}

// checkAssignee checks that the user may hold a problem of the unit: an
// active user of the unit or below it whose role works on problems.
func checkAssignee(ctx context.Context, tx Tx, userID int64, unitPath string) error {
	u, err := tx.FindUserByID(ctx, userID)
	if ErrorCode(err) == ENOTFOUND {
		return FieldError("assignee_id", "error.problem.assignee", "Choose who takes the problem.")
	} else if err != nil {
		return err
	}
	a := &Actor{UserID: u.ID, Role: u.Role, UnitPath: u.UnitPath}
	if u.Disabled || !a.Can(ActionWelfareRecord) || !(&Actor{Role: RoleSupervisor, UnitPath: unitPath}).InScope(u.UnitPath) {
		return FieldError("assignee_id", "error.problem.assignee_unit", "%s cannot take problems of this unit.", u.Username)
	}
	return nil
}

// createProblem raises p for household h in tx: the service's checks are
// done; it fills the unit, status, due date and escalation, stores the
// problem and its first history line, notifies the assignee and audits.
func (s *Service) createProblem(ctx context.Context, tx Tx, a *Actor, p *Problem, h *Household) error {
	ws, err := welfareSettings(ctx, tx, p.ProgrammeID)
	if err != nil {
		return err
	}
	if err := p.Validate(ws); err != nil {
		return err
	}
	if p.PersonID != 0 {
		person, err := tx.FindPersonByID(ctx, p.PersonID)
		if err != nil || person.HouseholdID != h.ID {
			return FieldError("person_id", "error.problem.person", "The person is not a member of the household.")
		}
	}
	cat, _ := ws.Category(p.Category)
	now := tx.Now()
	p.UnitID, p.UnitPath, p.HouseholdUnitID, p.HouseholdPath, p.HouseholdAddress = h.UnitID, h.UnitPath, h.UnitID, h.UnitPath, h.Address
	p.Status, p.EscalationLevel, p.Reason = ProblemOpen, 0, ""
	if p.DueAt.IsZero() {
		p.DueAt = now.AddDate(0, 0, cat.DeadlineDays)
	} else if p.DueAt.Before(now) {
		return FieldError("due_at", "error.problem.due_past", "The due date has passed already.")
	}
	p.NextEscalationAt = nextEscalation(p, cat.DeadlineDays)
	capEscalation(p)
	if p.AssigneeID != 0 {
		if err := checkAssignee(ctx, tx, p.AssigneeID, p.UnitPath); err != nil {
			return err
		}
	}
	if err := tx.CreateProblem(ctx, p); err != nil {
		return err
	}
	ev := &ProblemEvent{ProblemID: p.ID, At: now, ActorID: a.UserID, ActorName: a.Username, Kind: "created",
		ToStatus: p.Status, AssigneeID: p.AssigneeID, Note: p.Description}
	if err := tx.CreateProblemEvent(ctx, ev); err != nil {
		return err
	}
	if p.AssigneeID != 0 && p.AssigneeID != a.UserID {
		if err := s.notify(ctx, tx, &Notification{UserID: p.AssigneeID, Kind: NotifyAssigned, ProblemID: p.ID,
			Key: fmt.Sprintf("assigned:%d:%d", p.ID, ev.ID), Text: fmt.Sprintf("Problem #%d (%s) was assigned to you.", p.ID, p.Category),
			Args: map[string]string{"problem": fmt.Sprint(p.ID), "category": p.Category}}); err != nil {
			return err
		}
	}
	return s.audit(ctx, tx, a, AuditEvent{Action: "problem.create", RecordType: "problem", RecordID: p.ID, UnitID: p.UnitID,
		Detail: map[string]any{"household_id": p.HouseholdID, "person_id": p.PersonID, "category": p.Category, "visit_id": p.VisitID}})
}

// CreateProblem raises a problem of a household in the caller's scope.
func (s *Service) CreateProblem(ctx context.Context, p *Problem) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		h, err := findHouseholdInScope(ctx, tx, a, ActionWelfareRecord, p.HouseholdID)
		if err != nil {
			return err
		}
		return s.createProblem(ctx, tx, a, p, h)
	})
}

// ChangeProblem applies a change to a problem (see ProblemAction): the
// state machine decides whether it may happen, the caller's scope who may
// do it. The unit a problem is referred to accepts it or sends it back;
// everything else is done by the unit that holds it. Every change is kept
// in the problem's history and audited; assignments, referrals and their
// answers notify whom they concern.
func (s *Service) ChangeProblem(ctx context.Context, id int64, c ProblemChange) (*Problem, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var p *Problem
	err = s.store.Update(ctx, func(tx Tx) error {
		if p, err = findProblemInScope(ctx, tx, a, ActionWelfareRecord, id); err != nil {
			return err
		}
		if c.Version != 0 && c.Version != p.Version {
			return &Error{Code: ECONFLICT, Key: "error.problem.stale", Message: "Someone changed the problem meanwhile; reload it and try again."}
		}
		// The referral's answer is the other unit's; the rest is the
		// holding unit's (a comment is either's).
		switch c.Action {
		case ProblemAccept, ProblemSendBack:
			if !a.InScope(p.ReferralUnitPath) {
				return &Error{Code: EFORBIDDEN, Key: "error.problem.not_referred_to_you", Message: "Only the unit the problem is referred to may accept it or send it back."}
			}
		case ProblemComment:
		default:
			if !a.InScope(p.UnitPath) {
				return &Error{Code: EFORBIDDEN, Key: "error.problem.not_yours", Message: "The problem is referred to your unit: accept it or send it back first."}
			}
		}
		var target *Unit
		switch c.Action {
		case ProblemRefer:
			if c.UnitID != 0 {
				if target, err = tx.FindUnitByID(ctx, c.UnitID); ErrorCode(err) == ENOTFOUND {
					return FieldError("unit_id", "error.problem.refer_unit", "Choose the unit to refer the problem to.")
				} else if err != nil {
					return err
				}
			}
		case ProblemAccept:
			if c.AssigneeID == 0 && a.UserID != 0 {
				c.AssigneeID = a.UserID // who accepts it takes it, unless they name someone
			}
		}
		days, err := deadlineDays(ctx, tx, p)
		if err != nil {
			return err
		}
		before := *p
		ev, err := p.Apply(c, tx.Now(), days)
		if err != nil {
			return err
		}
		switch {
		case c.Action == ProblemAccept:
			p.UnitPath = before.ReferralUnitPath
		case target != nil:
			p.ReferralUnitPath = target.Path
		}
		if p.AssigneeID != 0 && p.AssigneeID != before.AssigneeID {
			if err := checkAssignee(ctx, tx, p.AssigneeID, p.UnitPath); err != nil {
				return err
			}
		}
		capEscalation(p)
		if err := tx.UpdateProblem(ctx, p); err != nil {
			return err
		}
		ev.ActorID, ev.ActorName = a.UserID, a.Username
		if err := tx.CreateProblemEvent(ctx, ev); err != nil {
			return err
		}
		// An escalation ends when the problem does, or when another unit
		// takes it over with a fresh deadline.
		if !p.Status.Active() || c.Action == ProblemAccept || c.Action == ProblemReopen {
			if err := tx.ClearEscalations(ctx, p.ID, tx.Now()); err != nil {
				return err
			}
		}
		if err := s.notifyChange(ctx, tx, a, &before, p, ev); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "problem." + string(c.Action), RecordType: "problem", RecordID: p.ID, UnitID: p.UnitID,
			Detail: map[string]any{"from": string(before.Status), "to": string(p.Status), "unit_id": ev.UnitID, "assignee_id": ev.AssigneeID}})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// notifyChange tells whom a change concerns: a new assignee, the unit a
// problem is referred to, and the referrer when the referral is answered.
func (s *Service) notifyChange(ctx context.Context, tx Tx, a *Actor, before, p *Problem, ev *ProblemEvent) error {
	args := map[string]string{"problem": fmt.Sprint(p.ID), "category": p.Category}
	var ns []*Notification
	switch ProblemAction(ev.Kind) {
	case ProblemRefer:
		users, _, err := tx.FindUsers(ctx, UserFilter{UnitID: p.ReferralUnitID, Limit: 1000})
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.Role == RoleOfficer || u.Role == RoleSupervisor {
				ns = append(ns, &Notification{UserID: u.ID, Kind: NotifyReferred,
					Text: fmt.Sprintf("Problem #%d (%s) was referred to your unit.", p.ID, p.Category)})
			}
		}
	case ProblemAccept, ProblemSendBack:
		referrer, err := lastReferrer(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if referrer != 0 {
			n := &Notification{UserID: referrer, Kind: NotifyReferralAccepted,
				Text: fmt.Sprintf("Problem #%d (%s) you referred was accepted.", p.ID, p.Category)}
			if ev.Kind == string(ProblemSendBack) {
				n.Kind, n.Text = NotifyReferralReturned, fmt.Sprintf("Problem #%d (%s) you referred was sent back: %s", p.ID, p.Category, ev.Note)
			}
			ns = append(ns, n)
		}
	}
	if p.AssigneeID != 0 && p.AssigneeID != before.AssigneeID && p.AssigneeID != a.UserID {
		ns = append(ns, &Notification{UserID: p.AssigneeID, Kind: NotifyAssigned,
			Text: fmt.Sprintf("Problem #%d (%s) was assigned to you.", p.ID, p.Category)})
	}
	for _, n := range ns {
		if n.UserID == a.UserID {
			continue
		}
		n.ProblemID, n.Args = p.ID, args
		if n.Kind == NotifyReferralReturned {
			// The reason is what the referrer needs to read.
			n.Args = map[string]string{"problem": args["problem"], "category": args["category"], "reason": ev.Note}
		}
		n.Key = fmt.Sprintf("%s:%d:%d", n.Kind, p.ID, ev.ID)
		if err := s.notify(ctx, tx, n); err != nil {
			return err
		}
	}
	return nil
}

// lastReferrer returns who last referred the problem (0 if nobody).
func lastReferrer(ctx context.Context, tx Tx, problemID int64) (int64, error) {
	events, err := tx.FindProblemEvents(ctx, problemID)
	if err != nil {
		return 0, err
	}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Kind == string(ProblemRefer) {
			return events[i].ActorID, nil
		}
	}
	return 0, nil
}

// FindProblem returns a problem with its history. The read is audited.
func (s *Service) FindProblem(ctx context.Context, id int64) (*ProblemRecord, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	rec := &ProblemRecord{}
	err = s.store.Update(ctx, func(tx Tx) error {
		p, err := findProblemInScope(ctx, tx, a, ActionWelfareView, id)
		if err != nil {
			return err
		}
		rec.Problem = p
		rec.HouseholdVisible = a.InScope(p.HouseholdPath)
		if rec.Events, err = tx.FindProblemEvents(ctx, id); err != nil {
			return err
		}
		if rec.Escalations, err = tx.FindEscalations(ctx, EscalationFilter{ProblemID: id}); err != nil {
			return err
		}
		if rec.Unit, err = tx.FindUnitByID(ctx, p.UnitID); err != nil {
			return err
		}
		if p.ReferralUnitID != 0 {
			if rec.ReferralUnit, err = tx.FindUnitByID(ctx, p.ReferralUnitID); err != nil {
				return err
			}
		}
		ws, err := welfareSettings(ctx, tx, p.ProgrammeID)
		if err != nil {
			return err
		}
		rec.Category, _ = ws.Category(p.Category)
		if rec.Category.Code == "" {
			rec.Category.Code = p.Category
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "problem.view", RecordType: "problem", RecordID: id, UnitID: p.UnitID,
			Detail: map[string]any{"household_id": p.HouseholdID, "person_id": p.PersonID}})
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// FindProblems lists the problems of the caller's scope that f selects, and
// their total. A list names households, so it is audited (one entry).
func (s *Service) FindProblems(ctx context.Context, f ProblemFilter) ([]*Problem, int, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := authorizeAction(a, ActionWelfareView); err != nil {
		return nil, 0, err
	}
	for _, st := range f.Statuses {
		if !st.Valid() {
			return nil, 0, FieldError("status", "error.problem.status", "Unknown status %q.", string(st))
		}
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	scope := scopeFilter(a)
	f.PathPrefix, f.Path = scope.PathPrefix, scope.Path
	var ps []*Problem
	var total int
	err = s.store.Update(ctx, func(tx Tx) error {
		if f.UnitID != 0 {
			if _, err := findUnitInScope(ctx, tx, a, ActionWelfareView, f.UnitID); err != nil {
				return err
			}
		}
		if f.ReferralUnitID != 0 {
			if _, err := findUnitInScope(ctx, tx, a, ActionWelfareView, f.ReferralUnitID); err != nil {
				return err
			}
		}
		if f.HouseholdID != 0 {
			if _, err := findHouseholdInScope(ctx, tx, a, ActionWelfareView, f.HouseholdID); err != nil {
				return err
			}
		}
		if ps, total, err = tx.FindProblems(ctx, f); err != nil {
			return err
		}
		ids := make([]int64, len(ps))
		for i, p := range ps {
			ids[i] = p.ID
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "problem.list", RecordType: "problem", UnitID: a.UnitID,
			Detail: map[string]any{"unit_id": f.UnitID, "household_id": f.HouseholdID, "assignee_id": f.AssigneeID, "shown": ids}})
	})
	return ps, total, err
}
