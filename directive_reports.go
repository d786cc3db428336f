package kinbridge

import "context"

// This file holds the reads the directive pages need beyond
// directive_service.go: one assignment with its directive, a unit's
// assignments for its inbox, and a version's reports for the issuer.

// AssignmentReports is an addressee's assignment of a version and its
// reports, oldest first.
type AssignmentReports struct {
	Assignment *Assignment
	Reports    []*Report
}

// FindAssignment returns an assignment and its directive version, if the
// caller's scope holds the assignment's unit or the issuing unit.
func (s *Service) FindAssignment(ctx context.Context, id int64) (*Assignment, *Directive, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, err
	}
	var as *Assignment
	var d *Directive
	err = s.store.View(ctx, func(tx Tx) error {
		if as, d, err = findAssignment(ctx, tx, id, 0); err != nil {
			return err
		}
		if !assignmentInScope(a, as, d) {
			return notFound("assignment")
		}
		return authorizeAction(a, ActionDirectiveView)
	})
	if err != nil {
		return nil, nil, err
	}
	return as, d, nil
}

// FindUnitAssignments returns the live assignments of a unit of the
// caller's scope (its directives inbox), at most limit.
func (s *Service) FindUnitAssignments(ctx context.Context, unitID int64, limit int) ([]*Assignment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	var as []*Assignment
	err = s.store.View(ctx, func(tx Tx) error {
		if _, err := findUnitInScope(ctx, tx, a, ActionDirectiveView, unitID); err != nil {
			return err
		}
		as, err = tx.FindAssignments(ctx, AssignmentFilter{UnitID: unitID, Limit: limit})
		return err
	})
	return as, err
}

// FindDirectiveReports returns every addressee's assignment of a directive
// version with its reports, for the issuing unit's side (review, export),
// in one transaction.
func (s *Service) FindDirectiveReports(ctx context.Context, directiveID int64) ([]*AssignmentReports, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var out []*AssignmentReports
	err = s.store.View(ctx, func(tx Tx) error {
		d, err := tx.FindDirectiveByID(ctx, directiveID)
		if ErrorCode(err) == ENOTFOUND {
			return notFound("directive")
		} else if err != nil {
			return err
		}
		if err := authorize(a, ActionDirectiveView, d.IssuerPath, "directive"); err != nil {
			return err
		}
		as, err := tx.FindAssignments(ctx, AssignmentFilter{DirectiveID: d.ID, IncludeDead: true, Limit: 1 << 20})
		if err != nil {
			return err
		}
		out = make([]*AssignmentReports, 0, len(as))
		for _, x := range as {
			ar := &AssignmentReports{Assignment: x}
			if x.ReportID != 0 {
				if ar.Reports, err = tx.FindReports(ctx, x.ID); err != nil {
					return err
				}
			}
			out = append(out, ar)
		}
		return nil
	})
	return out, err
}
