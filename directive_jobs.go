package kinbridge

import (
	"context"
	"fmt"
	"time"
)

// directiveDueSoon: addressees are reminded this long before the due date.
const directiveDueSoon = 48 * time.Hour

// runDirectiveJobs reminds the addressees of directives due soon, tells
// the issuing units' supervisors of versions past due with assignments not
// accepted, and gives every supervisor with overdue assignments in their
// subtree a weekly digest. Each is marked in the database in the
// transaction that notifies (a version's reminder and overdue notice, a
// digest's ISO week in its key), so it happens once.
func (s *Service) runDirectiveJobs(ctx context.Context, a *Actor, r *JobReport) error {
	now := s.clock.Now()
	var due, overdue []*Directive
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		if due, err = tx.FindDirectives(ctx, DirectiveFilter{DueBefore: now.Add(directiveDueSoon), Unreminded: true, Limit: 1000}); err != nil {
			return err
		}
		overdue, err = tx.FindDirectives(ctx, DirectiveFilter{DueBefore: now, OverdueUnnoticed: true, Limit: 1000})
		return err
	})
	if err != nil {
		return err
	}
	for _, d := range due {
		ok, err := s.remindDirective(ctx, a, d.ID)
		if err != nil {
			return err
		} else if ok {
			r.DirectiveReminders++
		}
	}
	for _, d := range overdue {
		ok, err := s.noticeOverdue(ctx, a, d.ID)
		if err != nil {
			return err
		} else if ok {
			r.DirectiveOverdue++
		}
	}
	n, err := s.directiveWeekly(ctx, a)
	r.DirectiveWeekly = n
	return err
}

// open states: the assignment still waits for its unit.
var waitingStates = []AssignmentState{AssignmentDelivered, AssignmentAcknowledged, AssignmentReturned}

// remindDirective reminds the supervisors and officers of every addressed
// unit that has not reported on the version yet.
func (s *Service) remindDirective(ctx context.Context, a *Actor, id int64) (bool, error) {
	done := false
	err := s.store.Update(ctx, func(tx Tx) error {
		done = false
		d, err := tx.FindDirectiveByID(ctx, id)
		if err != nil {
			return err
		}
		now := tx.Now()
		if d.Status != DirectiveIssued || !d.RemindedAt.IsZero() || !now.Before(d.DueAt) {
			return tx.MarkDirectiveJobs(ctx, id, now, time.Time{}) // nothing to remind of any more
		}
		as, err := tx.FindAssignments(ctx, AssignmentFilter{DirectiveID: id, States: waitingStates, Limit: 1 << 30})
		if err != nil {
			return err
		}
		users, _, err := tx.FindUsers(ctx, UserFilter{PathPrefix: d.IssuerPath})
		if err != nil {
			return err
		}
		byUnit := map[int64][]*User{}
		for _, u := range users {
			if u.Role == RoleSupervisor || u.Role == RoleOfficer {
				byUnit[u.UnitID] = append(byUnit[u.UnitID], u)
			}
		}
		for _, as := range as {
			for _, u := range byUnit[as.UnitID] {
				n := &Notification{UserID: u.ID, Kind: NotifyDirectiveDue, Key: fmt.Sprintf("%s:%d", NotifyDirectiveDue, as.ID),
					Text: fmt.Sprintf("Your unit's report on %q is due on %s.", d.Title, d.DueAt.Format(time.DateOnly)),
					Args: map[string]string{"directive": fmt.Sprint(d.ID), "title": d.Title, "due": d.DueAt.Format(time.DateOnly)}}
				if err := s.notify(ctx, tx, n); err != nil {
					return err
				}
			}
		}
		done = true
		if err := tx.MarkDirectiveJobs(ctx, id, now, time.Time{}); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "directive.remind", RecordType: "directive", RecordID: id, UnitID: d.IssuerUnitID,
			Detail: map[string]any{"assignments": len(as)}})
	})
	return done, err
}

// noticeOverdue tells the issuing unit's supervisors how many addressees
// of a version past due have not had a report accepted.
func (s *Service) noticeOverdue(ctx context.Context, a *Actor, id int64) (bool, error) {
	done := false
	err := s.store.Update(ctx, func(tx Tx) error {
		done = false
		d, err := tx.FindDirectiveByID(ctx, id)
		if err != nil {
			return err
		}
		now := tx.Now()
		if d.Status != DirectiveIssued || !d.OverdueNoticeAt.IsZero() || now.Before(d.DueAt) {
			return nil
		}
		n, err := tx.CountAssignments(ctx, AssignmentFilter{DirectiveID: id,
			States: []AssignmentState{AssignmentDelivered, AssignmentAcknowledged, AssignmentReported, AssignmentReturned}})
		if err != nil {
			return err
		}
		if n > 0 {
			sups, _, err := tx.FindUsers(ctx, UserFilter{UnitID: d.IssuerUnitID, Role: RoleSupervisor, Limit: 1000})
			if err != nil {
				return err
			}
			for _, u := range sups {
				err := s.notify(ctx, tx, &Notification{UserID: u.ID, Kind: NotifyDirectiveOverdue, Key: fmt.Sprintf("%s:%d", NotifyDirectiveOverdue, id),
					Text: fmt.Sprintf("%d units have not completed %q, due %s.", n, d.Title, d.DueAt.Format(time.DateOnly)),
					Args: map[string]string{"directive": fmt.Sprint(id), "title": d.Title, "units": fmt.Sprint(n)}})
				if err != nil {
					return err
				}
			}
			done = true
		}
		if err := tx.MarkDirectiveJobs(ctx, id, time.Time{}, now); err != nil {
			return err
		}
		if !done {
			return nil
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "directive.overdue", RecordType: "directive", RecordID: id, UnitID: d.IssuerUnitID,
			Detail: map[string]any{"units": n}})
	})
	return done, err
}

// directiveWeekly gives each supervisor with overdue assignments in their
// subtree one digest per ISO week (in their unit's time zone).
func (s *Service) directiveWeekly(ctx context.Context, a *Actor) (int, error) {
	made := 0
	var memo map[int64]string // applied once the transaction commits
	err := s.store.Update(ctx, func(tx Tx) error {
		made, memo = 0, map[int64]string{}
		now := tx.Now()
		sups, _, err := tx.FindUsers(ctx, UserFilter{Role: RoleSupervisor})
		if err != nil {
			return err
		}
		units := map[int64]*Unit{}
		for _, u := range sups {
			unit, ok := units[u.UnitID]
			if !ok {
				if unit, err = tx.FindUnitByID(ctx, u.UnitID); err != nil {
					return err
				}
				units[u.UnitID] = unit
			}
			y, w := now.In(unit.Location()).ISOWeek()
			week := fmt.Sprintf("%d-W%02d", y, w)
			// This process has given this supervisor the week's digest,
			// or found nothing overdue within the hour.
			quiet := week + now.Format("@2006-01-02T15")
			if w, ok := s.weekly.Load(u.ID); ok && (w == week || w == quiet) {
				continue
			}
			n, err := tx.CountAssignments(ctx, AssignmentFilter{PathPrefix: unit.Path, DueBefore: now,
				States: []AssignmentState{AssignmentDelivered, AssignmentAcknowledged, AssignmentReported, AssignmentReturned}})
			if err != nil {
				return err
			}
			if n == 0 {
				memo[u.ID] = quiet
				continue
			}
			stored, err := tx.CreateNotification(ctx, &Notification{UserID: u.ID, Kind: NotifyDirectiveWeekly, Created: now,
				Key:  fmt.Sprintf("%s:%s", NotifyDirectiveWeekly, week),
				Text: fmt.Sprintf("Week %s: %d assignments of your units are overdue.", week, n),
				Args: map[string]string{"week": week, "overdue": fmt.Sprint(n)}})
			if err != nil {
				return err
			}
			if stored {
				made++
			}
			memo[u.ID] = week // stored now, or before
		}
		if made == 0 {
			return nil
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "directive.weekly", RecordType: "notification", Detail: map[string]any{"digests": made}})
	})
	if err == nil {
		for id, w := range memo {
			s.weekly.Store(id, w)
		}
	}
	return made, err
}
