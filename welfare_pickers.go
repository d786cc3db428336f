package kinbridge

import "context"

// This file holds the reads the welfare pages need: whom a problem may be
// given to, which units a problem may be referred to, a household's case
// officer (these list no resident's record, so they are not audited), and
// the welfare part of a household's page in one audited read.

// HouseholdWelfare is the welfare part of a household's page.
type HouseholdWelfare struct {
	Visits      []*Visit   // newest first
	Problems    []*Problem // those of the caller's scope, soonest due first
	CaseOfficer *User      // nil: none
	// Officers are who may record the household's visits, hold its
	// problems and be its case officer (see FindAssignees).
	Officers []*User
}

// FindHouseholdWelfare returns a household's visits, problems, case officer
// and officers in one transaction, audited once: the household page's
// welfare part costs one write to the audit log, not one per list.
func (s *Service) FindHouseholdWelfare(ctx context.Context, householdID int64, limit int) (*HouseholdWelfare, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	w := &HouseholdWelfare{}
	err = s.store.Update(ctx, func(tx Tx) error {
		h, err := findHouseholdInScope(ctx, tx, a, ActionWelfareView, householdID)
		if err != nil {
			return err
		}
		scope := scopeFilter(a)
		if w.Visits, err = tx.FindVisits(ctx, VisitFilter{PathPrefix: scope.PathPrefix, Path: scope.Path, HouseholdID: h.ID, Limit: limit}); err != nil {
			return err
		}
		pf := ProblemFilter{PathPrefix: scope.PathPrefix, Path: scope.Path, HouseholdID: h.ID, Limit: limit}
		if w.Problems, _, err = tx.FindProblems(ctx, pf); err != nil {
			return err
		}
		if w.Officers, err = assignees(ctx, tx, h.UnitPath); err != nil {
			return err
		}
		officerID, err := tx.FindCaseOfficer(ctx, h.ID)
		if err != nil {
			return err
		}
		if officerID != 0 {
			if w.CaseOfficer, err = tx.FindUserByID(ctx, officerID); err != nil {
				return err
			}
		}
		ids := make([]int64, len(w.Problems))
		for i, p := range w.Problems {
			ids[i] = p.ID
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "household.welfare", RecordType: "household", RecordID: h.ID, UnitID: h.UnitID,
			Detail: map[string]any{"visits": len(w.Visits), "problems": ids}})
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// assignees returns the active users of the unit with the path, and of the
// units below it, whose role works on problems.
func assignees(ctx context.Context, tx Tx, unitPath string) ([]*User, error) {
	users, _, err := tx.FindUsers(ctx, UserFilter{PathPrefix: unitPath, Limit: 500})
	if err != nil {
		return nil, err
	}
	var out []*User
	for _, u := range users {
		if !u.Disabled && Allowed(u.Role, ActionWelfareRecord) {
			out = append(out, u)
		}
	}
	return out, nil
}

// FindAssignees returns the active users who may hold problems of the unit
// (and record its visits, and be case officer of its households): users of
// the unit or below it whose role works on problems. The unit must be in
// the caller's scope; the caller needs no right to list users.
func (s *Service) FindAssignees(ctx context.Context, unitID int64) ([]*User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var out []*User
	err = s.store.View(ctx, func(tx Tx) error {
		u, err := findUnitInScope(ctx, tx, a, ActionWelfareView, unitID)
		if err != nil {
			return err
		}
		out, err = assignees(ctx, tx, u.Path)
		return err
	})
	return out, err
}

// FindReferralUnits returns every unit, for choosing where to refer a
// problem: a referral may go to any unit of the agency, also one outside
// the caller's scope (which then sees nothing of it but what the referral
// says).
func (s *Service) FindReferralUnits(ctx context.Context) ([]*Unit, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionWelfareRecord); err != nil {
		return nil, err
	}
	var units []*Unit
	err = s.store.View(ctx, func(tx Tx) error {
		units, err = tx.FindUnits(ctx, UnitFilter{})
		return err
	})
	return units, err
}

// FindCaseOfficer returns the case officer of a household of the caller's
// scope, nil if it has none.
func (s *Service) FindCaseOfficer(ctx context.Context, householdID int64) (*User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var u *User
	err = s.store.View(ctx, func(tx Tx) error {
		if _, err := findHouseholdInScope(ctx, tx, a, ActionWelfareView, householdID); err != nil {
			return err
		}
		id, err := tx.FindCaseOfficer(ctx, householdID)
		if err != nil || id == 0 {
			return err
		}
		u, err = tx.FindUserByID(ctx, id)
		return err
	})
	return u, err
}
