package kinbridge

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

func fieldIndex(list string, i int, field string) string {
	return fmt.Sprintf("%s[%d].%s", list, i, field)
}

// DirectiveRecord is a directive with everything its page shows.
type DirectiveRecord struct {
	Directive *Directive   // the version asked for
	Current   *Directive   // the version in force (or the last, if withdrawn)
	Versions  []*Directive // oldest first
	Parent    *Directive   // the directive this one passes on, if the caller may see it
	Derived   []*Directive // directives passing this one on
	Issuer    *Unit
	// Assignments of this version: for the issuer, every addressee; for an
	// addressee, its own.
	Assignments []*Assignment
	Mine        *Assignment // the live assignment of the caller's unit, if any
}

// directiveVisible reports whether the actor may see the directive: they
// are in the issuer's scope, or one of its assignments is in theirs (a
// dead one too: an addressee still reads a withdrawn directive and why).
func directiveVisible(ctx context.Context, tx Tx, a *Actor, d *Directive) (bool, error) {
	if a.InScope(d.IssuerPath) {
		return true, nil
	}
	prefix, subtree := a.ScopePrefix()
	f := AssignmentFilter{SeriesID: d.SeriesID, PathPrefix: prefix, IncludeDead: true, Limit: 1}
	if !subtree {
		f.PathPrefix, f.UnitID = "", a.UnitID
	}
	as, err := tx.FindAssignments(ctx, f)
	return len(as) > 0, err
}

// findDirectiveVisible loads a directive version the actor may see.
func findDirectiveVisible(ctx context.Context, tx Tx, a *Actor, id int64) (*Directive, error) {
	d, err := tx.FindDirectiveByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound("directive")
	} else if err != nil {
		return nil, err
	}
	if ok, err := directiveVisible(ctx, tx, a, d); err != nil {
		return nil, err
	} else if !ok {
		return nil, notFound("directive")
	}
	if err := authorizeAction(a, ActionDirectiveView); err != nil {
		return nil, err
	}
	return d, nil
}

// addresseeUnits resolves a directive's addressees to units of the issuer's
// subtree, the issuer itself excluded.
func addresseeUnits(ctx context.Context, tx Tx, issuer *Unit, ad Addressees) ([]*Unit, error) {
	if ad.Depth != 0 {
		if ad.Depth <= issuer.Depth {
			return nil, FieldError("addressees", "error.directive.depth", "Choose a level below the issuing unit.")
		}
		units, err := tx.FindUnits(ctx, UnitFilter{PathPrefix: issuer.Path, Depth: ad.Depth})
		if err != nil {
			return nil, err
		}
		if len(units) == 0 {
			return nil, FieldError("addressees", "error.directive.depth_empty", "No unit of the issuing unit's subtree is at that level.")
		}
		return units, nil
	}
	units := make([]*Unit, 0, len(ad.UnitIDs))
	if len(ad.UnitIDs) > 64 {
		// Many units: one read of the issuer's subtree, not one per unit.
		subtree, err := tx.FindUnits(ctx, UnitFilter{PathPrefix: issuer.Path})
		if err != nil {
			return nil, err
		}
		byID := make(map[int64]*Unit, len(subtree))
		for _, u := range subtree {
			byID[u.ID] = u
		}
		for _, id := range ad.UnitIDs {
			u := byID[id]
			if u == nil || u.ID == issuer.ID {
				return nil, FieldError("addressees", "error.directive.addressee", "Unit %d is not below the issuing unit.", id)
			}
			units = append(units, u)
		}
		return units, nil
	}
	for _, id := range ad.UnitIDs {
		u, err := tx.FindUnitByID(ctx, id)
		if ErrorCode(err) == ENOTFOUND || (err == nil && (u.ID == issuer.ID || !strings.HasPrefix(u.Path, issuer.Path))) {
			return nil, FieldError("addressees", "error.directive.addressee", "Unit %d is not below the issuing unit.", id)
		} else if err != nil {
			return nil, err
		}
		units = append(units, u)
	}
	return units, nil
}

// IssueDirective issues a directive from a unit of the caller's scope to
// units below it, with an assignment (delivered) for each. With ParentID it
// is a derived directive: the issuing unit must hold a live assignment of
// that series, and the due date may not be later than the parent's.
func (s *Service) IssueDirective(ctx context.Context, d *Directive) error {
	return s.IssueDirectiveWithFiles(ctx, d, nil)
}

// IssueDirectiveWithFiles is IssueDirective with files attached to the
// directive (size and type checked by content, as a report's). The files
// are stored before the directive, and removed again if it is refused; an
// amendment carries them to the new version.
func (s *Service) IssueDirectiveWithFiles(ctx context.Context, d *Directive, files []AttachmentUpload) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if len(files) > 10 {
		return FieldError("attachments", "error.report.attachments_many", "At most %d attachments.", 10)
	}
	if len(files) > 0 {
		// Authorise before taking in any file.
		err = s.store.View(ctx, func(tx Tx) error {
			_, err := findUnitInScope(ctx, tx, a, ActionDirectiveIssue, d.IssuerUnitID)
			if ErrorCode(err) == ENOTFOUND {
				return FieldError("issuer_unit_id", "error.directive.issuer", "Choose the issuing unit.")
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	atts, err := s.putAttachments(ctx, files)
	if err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		if err := s.issue(ctx, tx, a, d); err != nil {
			return err
		}
		d.Attachments = nil
		for _, at := range atts {
			at.OwnerType, at.OwnerID, at.Created = "directive", d.ID, tx.Now()
			if err := tx.CreateAttachment(ctx, at); err != nil {
				return err
			}
			d.Attachments = append(d.Attachments, at)
		}
		return nil
	})
	if err != nil {
		s.dropAttachments(ctx, atts)
	}
	return err
}

// issue is IssueDirective's work in tx.
func (s *Service) issue(ctx context.Context, tx Tx, a *Actor, d *Directive) error {
	if err := d.Validate(tx.Now()); err != nil {
		return err
	}
	issuer, err := findUnitInScope(ctx, tx, a, ActionDirectiveIssue, d.IssuerUnitID)
	if ErrorCode(err) == ENOTFOUND {
		return FieldError("issuer_unit_id", "error.directive.issuer", "Choose the issuing unit.")
	} else if err != nil {
		return err
	}
	var parentAssignment *Assignment
	d.RootID = 0
	if d.ParentID != 0 {
		parent, err := tx.FindDirectiveByID(ctx, d.ParentID)
		if ErrorCode(err) == ENOTFOUND {
			return FieldError("parent_id", "error.directive.parent", "No such directive to pass on.")
		} else if err != nil {
			return err
		}
		d.ParentID = parent.SeriesID
		parentAssignment, err = tx.FindLiveAssignment(ctx, parent.SeriesID, issuer.ID)
		if ErrorCode(err) == ENOTFOUND {
			return FieldError("parent_id", "error.directive.parent_not_received", "The issuing unit has not received that directive (or it has been amended: pass on the version in force).")
		} else if err != nil {
			return err
		}
		if d.DueAt.After(parentAssignment.DueAt) {
			return FieldError("due_at", "error.directive.due_after_parent", "Due no later than the directive it passes on (%s).", parentAssignment.DueAt.Format(time.DateOnly))
		}
		d.RootID = parent.RootID
	}
	for _, act := range d.Actions {
		if act.ProgrammeID != 0 {
			if _, err := tx.FindProgrammeByID(ctx, act.ProgrammeID); ErrorCode(err) == ENOTFOUND {
				return FieldError("actions", "error.directive.action_programme", "Choose the programme whose households are to be visited.")
			} else if err != nil {
				return err
			}
		}
	}
	units, err := addresseeUnits(ctx, tx, issuer, d.Addressees)
	if err != nil {
		return err
	}
	d.Version, d.Status, d.IssuedAt, d.IssuedBy, d.IssuedByName = 1, DirectiveIssued, tx.Now(), a.UserID, a.Username
	d.IssuerPath = issuer.Path
	if err := tx.CreateDirective(ctx, d); err != nil {
		return err
	}
	if err := s.deliver(ctx, tx, d, units, nil); err != nil {
		return err
	}
	if parentAssignment != nil && !parentAssignment.Cascaded {
		old := parentAssignment.State
		parentAssignment.Cascaded = true
		if err := tx.UpdateAssignment(ctx, parentAssignment, old); err != nil {
			return err
		}
	}
	return s.audit(ctx, tx, a, AuditEvent{Action: "directive.issue", RecordType: "directive", RecordID: d.ID, UnitID: issuer.ID,
		Detail: map[string]any{"parent_id": d.ParentID, "addressees": len(units), "due_at": d.DueAt}})
}

// deliver creates the delivered assignments of a version for the units;
// cascaded says which units had passed on the series already.
func (s *Service) deliver(ctx context.Context, tx Tx, d *Directive, units []*Unit, cascaded map[int64]bool) error {
	now := tx.Now()
	as := make([]*Assignment, len(units))
	for i, u := range units {
		as[i] = &Assignment{DirectiveID: d.ID, SeriesID: d.SeriesID, RootID: d.RootID, UnitID: u.ID, UnitPath: u.Path,
			State: AssignmentDelivered, Live: true, DueAt: d.DueAt, DeliveredAt: now, Cascaded: cascaded[u.ID]}
	}
	if err := tx.CreateAssignments(ctx, as); err != nil {
		return err
	}
	// The supervisors and officers of each addressed unit are told.
	addressed := make(map[int64]bool, len(units))
	for _, u := range units {
		addressed[u.ID] = true
	}
	users, _, err := tx.FindUsers(ctx, UserFilter{PathPrefix: d.IssuerPath})
	if err != nil {
		return err
	}
	for _, u := range users {
		if !addressed[u.UnitID] || (u.Role != RoleSupervisor && u.Role != RoleOfficer) {
			continue
		}
		n := &Notification{UserID: u.ID, Kind: NotifyDirective, Key: fmt.Sprintf("%s:%d", NotifyDirective, d.ID),
			Text: fmt.Sprintf("A directive reached your unit: %q, due %s.", d.Title, d.DueAt.Format(time.DateOnly)),
			Args: map[string]string{"directive": fmt.Sprint(d.ID), "title": d.Title, "due": d.DueAt.Format(time.DateOnly)}}
		if err := s.notify(ctx, tx, n); err != nil {
			return err
		}
	}
	return nil
}

// AmendDirective issues a new version of the directive in force: the title,
// body, due date, actions and note of d replace the old ones (addressees
// stay). Every addressee gets a new delivered assignment and must
// acknowledge again; the old version's assignments stop counting.
func (s *Service) AmendDirective(ctx context.Context, id int64, d *Directive) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	var copied []*Attachment // removed again if the amendment fails
	err = s.store.Update(ctx, func(tx Tx) error {
		s.dropAttachments(ctx, copied)
		copied = nil
		old, err := tx.FindDirectiveByID(ctx, id)
		if ErrorCode(err) == ENOTFOUND {
			return notFound("directive")
		} else if err != nil {
			return err
		}
		if err := authorize(a, ActionDirectiveIssue, old.IssuerPath, "directive"); err != nil {
			return err
		}
		if old.Status != DirectiveIssued {
			return &Error{Code: ECONFLICT, Key: "error.directive.not_in_force", Message: "Only the version in force can be amended."}
		}
		if strings.TrimSpace(d.Note) == "" {
			return FieldError("note", "error.directive.amend_note", "Say what the amendment changes.")
		}
		d.IssuerUnitID, d.Addressees, d.ParentID, d.RootID, d.SeriesID = old.IssuerUnitID, old.Addressees, old.ParentID, old.RootID, old.SeriesID
		if err := d.Validate(tx.Now()); err != nil {
			return err
		}
		if old.ParentID != 0 {
			issuerA, err := tx.FindLiveAssignment(ctx, old.ParentID, old.IssuerUnitID)
			if err == nil && d.DueAt.After(issuerA.DueAt) {
				return FieldError("due_at", "error.directive.due_after_parent", "Due no later than the directive it passes on (%s).", issuerA.DueAt.Format(time.DateOnly))
			}
		}
		prev, err := tx.FindAssignments(ctx, AssignmentFilter{DirectiveID: old.ID})
		if err != nil {
			return err
		}
		cascaded := map[int64]bool{}
		units := make([]*Unit, 0, len(prev))
		for _, pa := range prev {
			cascaded[pa.UnitID] = pa.Cascaded
			units = append(units, &Unit{ID: pa.UnitID, Path: pa.UnitPath})
		}
		if err := tx.KillAssignments(ctx, old.ID); err != nil {
			return err
		}
		if err := tx.SetDirectiveStatus(ctx, old.ID, DirectiveSuperseded, ""); err != nil {
			return err
		}
		d.Version, d.Status, d.IssuedAt, d.IssuedBy, d.IssuedByName = old.Version+1, DirectiveIssued, tx.Now(), a.UserID, a.Username
		d.IssuerPath = old.IssuerPath
		if err := tx.CreateDirective(ctx, d); err != nil {
			return err
		}
		// The new version carries a copy of the old one's attachments.
		d.Attachments = nil
		for _, at := range old.Attachments {
			c, err := s.copyAttachment(ctx, at)
			if err != nil {
				return err
			}
			copied = append(copied, c)
			c.OwnerID, c.Created = d.ID, tx.Now()
			if err := tx.CreateAttachment(ctx, c); err != nil {
				return err
			}
			d.Attachments = append(d.Attachments, c)
		}
		if err := s.deliver(ctx, tx, d, units, cascaded); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "directive.amend", RecordType: "directive", RecordID: d.ID, UnitID: d.IssuerUnitID,
			Detail: map[string]any{"series_id": d.SeriesID, "version": d.Version, "supersedes": old.ID}})
	})
	if err != nil {
		s.dropAttachments(ctx, copied)
	}
	return err
}

// copyAttachment stores a copy of an attachment's bytes under a new key and
// returns its record (not yet stored).
func (s *Service) copyAttachment(ctx context.Context, at *Attachment) (*Attachment, error) {
	if s.files == nil {
		return nil, &Error{Code: EINVALID, Field: "attachments", Key: "error.attachments_off", Message: "This installation keeps no attachments."}
	}
	rc, err := s.files.Open(ctx, at.Key)
	if err != nil {
		return nil, fmt.Errorf("copy attachment %d: %w", at.ID, err)
	}
	defer rc.Close()
	key, size, sum, _, err := s.files.Put(ctx, rc, MaxAttachmentSize)
	if err != nil {
		return nil, fmt.Errorf("copy attachment %d: %w", at.ID, err)
	}
	c := *at
	c.ID, c.Key, c.Size, c.SHA256 = 0, key, size, sum
	return &c, nil
}

// WithdrawDirective withdraws the directive series in force, and every
// directive passing it on, with a reason; their assignments stop counting.
func (s *Service) WithdrawDirective(ctx context.Context, id int64, reason string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return FieldError("reason", "error.directive.withdraw_reason", "Say why the directive is withdrawn.")
	}
	return s.store.Update(ctx, func(tx Tx) error {
		d, err := tx.FindDirectiveByID(ctx, id)
		if ErrorCode(err) == ENOTFOUND {
			return notFound("directive")
		} else if err != nil {
			return err
		}
		if err := authorize(a, ActionDirectiveIssue, d.IssuerPath, "directive"); err != nil {
			return err
		}
		if d.Status != DirectiveIssued {
			return &Error{Code: ECONFLICT, Key: "error.directive.not_in_force", Message: "Only the version in force can be withdrawn."}
		}
		n, err := s.withdraw(ctx, tx, d, reason)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "directive.withdraw", RecordType: "directive", RecordID: d.ID, UnitID: d.IssuerUnitID,
			Detail: map[string]any{"series_id": d.SeriesID, "withdrawn": n, "reason": reason}})
	})
}

// withdraw withdraws d and the directives derived from it, and returns how
// many it withdrew.
func (s *Service) withdraw(ctx context.Context, tx Tx, d *Directive, reason string) (int, error) {
	if err := tx.KillAssignments(ctx, d.ID); err != nil {
		return 0, err
	}
	if err := tx.SetDirectiveStatus(ctx, d.ID, DirectiveWithdrawn, reason); err != nil {
		return 0, err
	}
	n := 1
	derived, err := tx.FindDirectives(ctx, DirectiveFilter{ParentID: d.SeriesID})
	if err != nil {
		return n, err
	}
	for _, c := range derived {
		if c.Status != DirectiveIssued {
			continue
		}
		m, err := s.withdraw(ctx, tx, c, "withdrawn with the directive it passed on: "+reason)
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// FindDirective returns a directive version with its versions, its parent
// and derived directives and the assignments the caller may see. The
// issuer's side sees every addressee's assignment; an addressee its own.
func (s *Service) FindDirective(ctx context.Context, id int64) (*DirectiveRecord, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	rec := &DirectiveRecord{}
	err = s.store.View(ctx, func(tx Tx) error {
		d, err := findDirectiveVisible(ctx, tx, a, id)
		if err != nil {
			return err
		}
		rec.Directive = d
		if rec.Versions, err = tx.FindDirectiveVersions(ctx, d.SeriesID); err != nil {
			return err
		}
		rec.Current = rec.Versions[len(rec.Versions)-1]
		if rec.Issuer, err = tx.FindUnitByID(ctx, d.IssuerUnitID); err != nil {
			return err
		}
		if d.ParentID != 0 {
			vs, err := tx.FindDirectiveVersions(ctx, d.ParentID)
			if err != nil {
				return err
			}
			if p := vs[len(vs)-1]; p != nil {
				if ok, err := directiveVisible(ctx, tx, a, p); err != nil {
					return err
				} else if ok {
					rec.Parent = p
				}
			}
		}
		derived, err := tx.FindDirectives(ctx, DirectiveFilter{ParentID: d.SeriesID})
		if err != nil {
			return err
		}
		for _, c := range derived {
			if ok, err := directiveVisible(ctx, tx, a, c); err != nil {
				return err
			} else if ok {
				rec.Derived = append(rec.Derived, c)
			}
		}
		f := AssignmentFilter{DirectiveID: d.ID, IncludeDead: true, Limit: 10000}
		if !a.InScope(d.IssuerPath) {
			prefix, subtree := a.ScopePrefix()
			f.PathPrefix = prefix
			if !subtree {
				f.PathPrefix, f.UnitID = "", a.UnitID
			}
		}
		if rec.Assignments, err = tx.FindAssignments(ctx, f); err != nil {
			return err
		}
		mine, err := tx.FindLiveAssignment(ctx, d.SeriesID, a.UnitID)
		if err == nil {
			rec.Mine = mine
		} else if ErrorCode(err) != ENOTFOUND {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// FindDirectives lists the directives of a unit of the caller's scope:
// its inbox (addressed to it) or its outbox (issued by it).
func (s *Service) FindDirectives(ctx context.Context, f DirectiveFilter) ([]*Directive, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var ds []*Directive
	err = s.store.View(ctx, func(tx Tx) error {
		for _, id := range []int64{f.IssuerUnitID, f.AddressedTo} {
			if id != 0 {
				if _, err := findUnitInScope(ctx, tx, a, ActionDirectiveView, id); err != nil {
					return err
				}
			}
		}
		if f.IssuerUnitID == 0 && f.AddressedTo == 0 {
			f.AddressedTo = a.UnitID
		}
		ds, err = tx.FindDirectives(ctx, f)
		return err
	})
	return ds, err
}

// AssignmentStep is a step a user takes on an assignment.
type AssignmentStep struct {
	Action  AssignmentAction // acknowledge, accept or return (report: SubmitReport)
	Version int64            // the assignment version the user saw; 0: do not check
	Note    string           // return: why (required); accept: optional comment
}

// assignmentInScope reports whether the actor reaches an assignment: its
// unit or the unit that issued its directive is in their scope.
func assignmentInScope(a *Actor, as *Assignment, d *Directive) bool {
	return a.InScope(as.UnitPath) || a.InScope(d.IssuerPath)
}

// findAssignment loads an assignment, its directive version, and checks
// the version the user saw.
func findAssignment(ctx context.Context, tx Tx, id, version int64) (*Assignment, *Directive, error) {
	as, err := tx.FindAssignmentByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, notFound("assignment")
	} else if err != nil {
		return nil, nil, err
	}
	d, err := tx.FindDirectiveByID(ctx, as.DirectiveID)
	if err != nil {
		return nil, nil, err
	}
	if version != 0 && version != as.Version {
		return nil, nil, &Error{Code: ECONFLICT, Key: "error.assignment.stale", Message: "Someone changed this assignment meanwhile; reload it and try again."}
	}
	return as, d, nil
}

// StepAssignment acknowledges an assignment (its unit) or accepts or
// returns its report (the issuing unit). An assignment of a superseded
// version is refused: its acknowledgement never counts.
func (s *Service) StepAssignment(ctx context.Context, id int64, st AssignmentStep) (*Assignment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	st.Note = strings.TrimSpace(st.Note)
	var as *Assignment
	err = s.store.Update(ctx, func(tx Tx) error {
		var d *Directive
		if as, d, err = findAssignment(ctx, tx, id, st.Version); err != nil {
			return err
		}
		switch st.Action {
		case AssignmentAcknowledge:
			if err := authorize(a, ActionDirectiveRespond, as.UnitPath, "assignment"); err != nil {
				return err
			}
		case AssignmentAccept, AssignmentReturn:
			if !assignmentInScope(a, as, d) {
				return notFound("assignment")
			}
			if err := authorize(a, ActionDirectiveReview, d.IssuerPath, "assignment"); err != nil {
				return err
			}
			if st.Action == AssignmentReturn && st.Note == "" {
				return FieldError("note", "error.assignment.return_note", "Say what is missing from the report.")
			}
		case AssignmentReport:
			return FieldError("action", "error.assignment.report_form", "Submit a report with its narrative instead.")
		default:
			return FieldError("action", "error.assignment.action", "Unknown action %q.", string(st.Action))
		}
		old := as.State
		if err := as.Step(st.Action, tx.Now()); err != nil {
			return err
		}
		if err := tx.UpdateAssignment(ctx, as, old); err != nil {
			return err
		}
		if st.Action == AssignmentAccept || st.Action == AssignmentReturn {
			r, err := tx.FindReportByID(ctx, as.ReportID)
			if err != nil {
				return err
			}
			r.Review, r.ReviewNote, r.ReviewedAt, r.ReviewedBy, r.ReviewerName = as.State, st.Note, tx.Now(), a.UserID, a.Username
			if err := tx.UpdateReportReview(ctx, r); err != nil {
				return err
			}
			if err := s.notifyReview(ctx, tx, a, d, as, r); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "assignment." + string(st.Action), RecordType: "assignment", RecordID: as.ID, UnitID: as.UnitID,
			Detail: map[string]any{"directive_id": d.ID, "from": string(old), "to": string(as.State)}})
	})
	if err != nil {
		return nil, err
	}
	return as, nil
}

// notifyReview tells the reporter, and the reviewing unit's other
// supervisors, that a report was accepted or returned.
func (s *Service) notifyReview(ctx context.Context, tx Tx, a *Actor, d *Directive, as *Assignment, r *Report) error {
	kind, text := NotifyReportAccepted, fmt.Sprintf("Your report on %q was accepted.", d.Title)
	if as.State == AssignmentReturned {
		kind, text = NotifyReportReturned, fmt.Sprintf("Your report on %q was returned: %s", d.Title, r.ReviewNote)
	}
	users := []int64{r.SubmittedBy}
	sups, _, err := tx.FindUsers(ctx, UserFilter{UnitID: d.IssuerUnitID, Role: RoleSupervisor, Limit: 1000})
	if err != nil {
		return err
	}
	for _, u := range sups {
		users = append(users, u.ID)
	}
	slices.Sort(users)
	for _, uid := range slices.Compact(users) {
		if uid == 0 || uid == a.UserID {
			continue
		}
		n := &Notification{UserID: uid, Kind: kind, Key: fmt.Sprintf("%s:%d:%d", kind, r.ID, as.Version), Text: text,
			Args: map[string]string{"directive": fmt.Sprint(d.ID), "title": d.Title, "note": r.ReviewNote}}
		if err := s.notify(ctx, tx, n); err != nil {
			return err
		}
	}
	return nil
}

// AttachmentUpload is a file a user attaches.
type AttachmentUpload struct {
	Name string
	Body io.Reader
}

// PreviewEvidence computes the evidence a report on the assignment would
// carry if submitted now, for the report form.
func (s *Service) PreviewEvidence(ctx context.Context, assignmentID int64) (*Evidence, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var ev *Evidence
	err = s.store.View(ctx, func(tx Tx) error {
		as, d, err := findAssignment(ctx, tx, assignmentID, 0)
		if err != nil {
			return err
		}
		if err := authorize(a, ActionDirectiveRespond, as.UnitPath, "assignment"); err != nil {
			return err
		}
		ev, err = evidence(ctx, tx, d, as)
		return err
	})
	return ev, err
}

// evidence computes the evidence of an assignment's unit subtree since the
// series was first issued.
func evidence(ctx context.Context, tx Tx, d *Directive, as *Assignment) (*Evidence, error) {
	since := d.IssuedAt
	if vs, err := tx.FindDirectiveVersions(ctx, d.SeriesID); err != nil {
		return nil, err
	} else if len(vs) > 0 {
		since = vs[0].IssuedAt
	}
	ev, err := tx.ComputeEvidence(ctx, EvidenceFilter{PathPrefix: as.UnitPath, Since: since, Until: tx.Now(), ProgrammeID: d.ProgrammeID()})
	if err != nil {
		return nil, err
	}
	ev.UnitID, ev.Since, ev.At, ev.ProgrammeID = as.UnitID, since, tx.Now(), d.ProgrammeID()
	return ev, nil
}

// SubmitReport reports on an acknowledged (or returned) assignment: the
// narrative, the attachments, and the evidence kinbridge computes from the
// records at this moment, stored as it is. The attachments are stored
// first (and removed again if the report fails).
func (s *Service) SubmitReport(ctx context.Context, assignmentID, version int64, narrative string, files []AttachmentUpload) (*Report, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	narrative = strings.TrimSpace(narrative)
	switch {
	case narrative == "":
		return nil, FieldError("narrative", "error.report.narrative", "Say what your unit did.")
	case len([]rune(narrative)) > 20000:
		return nil, FieldError("narrative", "error.too_long", "At most %d characters.", 20000)
	case len(files) > 10:
		return nil, FieldError("attachments", "error.report.attachments_many", "At most %d attachments.", 10)
	}
	// Authorise before taking in any file.
	err = s.store.View(ctx, func(tx Tx) error {
		as, _, err := findAssignment(ctx, tx, assignmentID, version)
		if err != nil {
			return err
		}
		return authorize(a, ActionDirectiveRespond, as.UnitPath, "assignment")
	})
	if err != nil {
		return nil, err
	}
	atts, err := s.putAttachments(ctx, files)
	if err != nil {
		return nil, err
	}
	var r *Report
	err = s.store.Update(ctx, func(tx Tx) error {
		as, d, err := findAssignment(ctx, tx, assignmentID, version)
		if err != nil {
			return err
		}
		if err := authorize(a, ActionDirectiveRespond, as.UnitPath, "assignment"); err != nil {
			return err
		}
		old := as.State
		if err := as.Step(AssignmentReport, tx.Now()); err != nil {
			return err
		}
		ev, err := evidence(ctx, tx, d, as)
		if err != nil {
			return err
		}
		r = &Report{AssignmentID: as.ID, DirectiveID: d.ID, UnitID: as.UnitID, Narrative: narrative, Evidence: *ev,
			SubmittedAt: tx.Now(), SubmittedBy: a.UserID, SubmitterName: a.Username}
		if err := tx.CreateReport(ctx, r); err != nil {
			return err
		}
		for _, at := range atts {
			at.OwnerType, at.OwnerID, at.Created = "report", r.ID, tx.Now()
			if err := tx.CreateAttachment(ctx, at); err != nil {
				return err
			}
			r.Attachments = append(r.Attachments, at)
		}
		as.ReportID = r.ID
		if err := tx.UpdateAssignment(ctx, as, old); err != nil {
			return err
		}
		sups, _, err := tx.FindUsers(ctx, UserFilter{UnitID: d.IssuerUnitID, Role: RoleSupervisor, Limit: 1000})
		if err != nil {
			return err
		}
		for _, u := range sups {
			n := &Notification{UserID: u.ID, Kind: NotifyReportSubmitted, Key: fmt.Sprintf("%s:%d", NotifyReportSubmitted, r.ID),
				Text: fmt.Sprintf("A report on %q is waiting for your review.", d.Title),
				Args: map[string]string{"directive": fmt.Sprint(d.ID), "title": d.Title}}
			if err := s.notify(ctx, tx, n); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "assignment.report", RecordType: "assignment", RecordID: as.ID, UnitID: as.UnitID,
			Detail: map[string]any{"directive_id": d.ID, "report_id": r.ID, "attachments": len(atts)}})
	})
	if err != nil {
		s.dropAttachments(ctx, atts)
		return nil, err
	}
	return r, nil
}

// putAttachments stores the uploaded files, checking each one's size and
// its type by its content, and returns their records (not yet stored).
func (s *Service) putAttachments(ctx context.Context, files []AttachmentUpload) ([]*Attachment, error) {
	if len(files) == 0 {
		return nil, nil
	}
	if s.files == nil {
		return nil, &Error{Code: EINVALID, Field: "attachments", Key: "error.attachments_off", Message: "This installation keeps no attachments."}
	}
	var atts []*Attachment
	for i, f := range files {
		name := strings.TrimSpace(f.Name)
		if name == "" || len([]rune(name)) > 200 || strings.ContainsAny(name, "/\\\x00") {
			s.dropAttachments(ctx, atts)
			return nil, FieldError(fieldIndex("attachments", i, "name"), "error.attachment.name", "Give the file a plain name of at most 200 characters.")
		}
		key, size, sum, head, err := s.files.Put(ctx, f.Body, MaxAttachmentSize)
		if err != nil {
			s.dropAttachments(ctx, atts)
			if ErrorCode(err) == EINVALID {
				return nil, FieldError(fieldIndex("attachments", i, "size"), "error.attachment.size", "%s is larger than %d MB.", name, MaxAttachmentSize>>20)
			}
			return nil, err
		}
		ct, _, _ := strings.Cut(http.DetectContentType(head), ";")
		at := &Attachment{Name: name, ContentType: ct, Size: size, SHA256: sum, Key: key}
		atts = append(atts, at)
		if !slices.Contains(AttachmentTypes, ct) || size == 0 {
			s.dropAttachments(ctx, atts)
			return nil, FieldError(fieldIndex("attachments", i, "type"), "error.attachment.type", "%s is not a PDF, image, text or office file (it looks like %s).", name, ct)
		}
	}
	return atts, nil
}

func (s *Service) dropAttachments(ctx context.Context, atts []*Attachment) {
	for _, at := range atts {
		_ = s.files.Delete(ctx, at.Key)
	}
}

// OpenAttachment returns an attachment the caller may see and its bytes.
func (s *Service) OpenAttachment(ctx context.Context, id int64) (*Attachment, io.ReadCloser, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, err
	}
	var at *Attachment
	err = s.store.Update(ctx, func(tx Tx) error {
		if at, err = tx.FindAttachmentByID(ctx, id); ErrorCode(err) == ENOTFOUND {
			return notFound("attachment")
		} else if err != nil {
			return err
		}
		var d *Directive
		switch at.OwnerType {
		case "report":
			r, err := tx.FindReportByID(ctx, at.OwnerID)
			if err != nil {
				return err
			}
			as, err := tx.FindAssignmentByID(ctx, r.AssignmentID)
			if err != nil {
				return err
			}
			if d, err = tx.FindDirectiveByID(ctx, as.DirectiveID); err != nil {
				return err
			}
			if !assignmentInScope(a, as, d) {
				return notFound("attachment")
			}
		default:
			if _, err := findDirectiveVisible(ctx, tx, a, at.OwnerID); err != nil {
				return notFound("attachment")
			}
		}
		if err := authorizeAction(a, ActionDirectiveView); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "attachment.view", RecordType: "attachment", RecordID: at.ID, UnitID: a.UnitID,
			Detail: map[string]any{"owner": at.OwnerType, "owner_id": at.OwnerID}})
	})
	if err != nil {
		return nil, nil, err
	}
	rc, err := s.files.Open(ctx, at.Key)
	if err != nil {
		return nil, nil, err
	}
	return at, rc, nil
}

// FindReports returns the reports of an assignment, oldest first.
func (s *Service) FindReports(ctx context.Context, assignmentID int64) ([]*Report, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var rs []*Report
	err = s.store.View(ctx, func(tx Tx) error {
		as, d, err := findAssignment(ctx, tx, assignmentID, 0)
		if err != nil {
			return err
		}
		if !assignmentInScope(a, as, d) {
			return notFound("assignment")
		}
		if err := authorizeAction(a, ActionDirectiveView); err != nil {
			return err
		}
		rs, err = tx.FindReports(ctx, assignmentID)
		return err
	})
	return rs, err
}

// overdueShown is how many overdue assignments a roll-up lists.
const overdueShown = 100

// FindRollup returns the roll-up of a directive's cascade at a unit of the
// caller's scope (0: the directive's issuer): its subtree's live
// assignments by state, the share accepted, the overdue ones, the evidence
// totals, and each child unit's line. The counts come from counters kept
// in the same transaction as every state change.
func (s *Service) FindRollup(ctx context.Context, directiveID, unitID int64) (*Rollup, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	r := &Rollup{}
	err = s.store.View(ctx, func(tx Tx) error {
		d, err := findDirectiveVisible(ctx, tx, a, directiveID)
		if err != nil {
			return err
		}
		if d.RootID != d.SeriesID {
			vs, err := tx.FindDirectiveVersions(ctx, d.RootID)
			if err != nil {
				return err
			}
			r.Root = vs[len(vs)-1]
		} else {
			r.Root = d
		}
		if unitID == 0 {
			unitID = d.IssuerUnitID
		}
		if r.Unit, err = findUnitInScope(ctx, tx, a, ActionDirectiveView, unitID); err != nil {
			return err
		}
		children, err := tx.FindUnits(ctx, UnitFilter{ParentID: r.Unit.ID})
		if err != nil {
			return err
		}
		ids := []int64{r.Unit.ID}
		for _, c := range children {
			ids = append(ids, c.ID)
		}
		counts, err := tx.RollupCounts(ctx, d.RootID, ids)
		if err != nil {
			return err
		}
		cascade, err := tx.FindDirectives(ctx, DirectiveFilter{RootID: d.RootID, Limit: 1 << 20})
		if err != nil {
			return err
		}
		due := make(map[int64]time.Time, len(cascade))
		for _, c := range cascade {
			due[c.ID] = c.DueAt
		}
		now := tx.Now()
		lines := map[int64]*RollupChild{}
		for _, c := range counts {
			l := lines[c.UnitID]
			if l == nil {
				l = &RollupChild{ByState: map[AssignmentState]int{}}
				lines[c.UnitID] = l
			}
			l.ByState[c.State] += c.N
			l.Total += c.N
			if c.State != AssignmentAccepted && now.After(due[c.DirectiveID]) {
				l.Overdue += c.N
			}
		}
		for _, l := range lines {
			if l.Total > 0 {
				l.Accepted = float64(l.ByState[AssignmentAccepted]) / float64(l.Total)
			}
		}
		if own := lines[r.Unit.ID]; own != nil {
			r.ByState, r.Total, r.Accepted, r.Overdue = own.ByState, own.Total, own.Accepted, own.Overdue
		} else {
			r.ByState = map[AssignmentState]int{}
		}
		for _, c := range children {
			if l := lines[c.ID]; l != nil {
				l.Unit = c
				r.Children = append(r.Children, l)
			}
		}
		if r.Overdue > 0 {
			r.OverdueAt, err = tx.FindAssignments(ctx, AssignmentFilter{RootID: d.RootID, PathPrefix: r.Unit.Path, DueBefore: now,
				States: []AssignmentState{AssignmentDelivered, AssignmentAcknowledged, AssignmentReported, AssignmentReturned}, Limit: overdueShown})
			if err != nil {
				return err
			}
		}
		if r.Evidence, err = tx.SumEvidence(ctx, d.RootID, r.Unit.Path); err != nil {
			return err
		}
		if r.Unit.ParentID != 0 && r.Unit.ID != d.IssuerUnitID {
			if p, err := findUnitInScope(ctx, tx, a, ActionDirectiveView, r.Unit.ParentID); err == nil {
				r.Parent = p
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}
