package kinbridge

import "context"

// This file holds the reads the welfare forms need to offer choices: whom a
// problem may be given to, which units a problem may be referred to, and a
// household's case officer. They list no resident's record, so they are not
// audited.

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
		users, _, err := tx.FindUsers(ctx, UserFilter{PathPrefix: u.Path, Limit: 500})
		if err != nil {
			return err
		}
		for _, user := range users {
			if !user.Disabled && Allowed(user.Role, ActionWelfareRecord) {
				out = append(out, user)
			}
		}
		return nil
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
