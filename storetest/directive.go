package storetest

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/files"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// directiveCases are the directives capability's part of the behaviour
// suite.
var directiveCases = []struct {
	name string
	fn   func(*testing.T, Opener)
}{
	{"DirectiveStore", testDirectiveStore},
	{"DirectiveLiveUnique", testDirectiveLiveUnique},
	{"AssignmentStateMachine", testAssignmentStateMachine},
	{"DirectiveVersions", testDirectiveVersions},
	{"DirectiveCascade", testDirectiveCascade},
	{"DirectiveWithdraw", testDirectiveWithdraw},
	{"AssignmentConcurrent", testAssignmentConcurrent},
	{"DirectiveAmendConcurrent", testDirectiveAmendConcurrent},
	{"RollupRecount", testRollupRecount},
	{"RollupAfterMove", testRollupAfterMove},
	{"DirectiveStory", testDirectiveStory},
	{"DirectiveJobs", testDirectiveJobs},
	{"DirectiveUsesIndexes", testDirectiveUsesIndexes},
}

// directives is the welfare fixture with an attachment store:
//
//	hq (adminHQ, supHQ)
//	├── regionA (supA, viewerA)
//	│   └── officeA1 (officerA1, officerA1b, coordA1): households h1, h2
//	└── regionB (supB)
//	    └── officeB1 (officerB1): household hB
type directives struct {
	*welfare
	files *files.Dir
}

func newDirectives(t *testing.T, open Opener) *directives {
	t.Helper()
	f := &directives{welfare: newWelfare(t, open), files: testFiles(t)}
	f.svc.SetAttachmentStore(f.files)
	return f
}

// issue issues a directive from the unit as the user, due in the given
// time, to the units (or, with parent, passing that directive on).
func (f *directives) issue(t *testing.T, u *kinbridge.User, issuer *kinbridge.Unit, parent int64, due time.Duration, units ...*kinbridge.Unit) *kinbridge.Directive {
	t.Helper()
	d := &kinbridge.Directive{IssuerUnitID: issuer.ID, ParentID: parent, Title: "Visit every household", Body: "Visit *all* of them.",
		DueAt: f.clock.Now().Add(due)}
	for _, u := range units {
		d.Addressees.UnitIDs = append(d.Addressees.UnitIDs, u.ID)
	}
	mustNoErr(t, f.svc.IssueDirective(As(u), d), "issue directive")
	return d
}

// live returns the live assignment of the series at the unit.
func (f *directives) live(t *testing.T, seriesID int64, unit *kinbridge.Unit) *kinbridge.Assignment {
	t.Helper()
	var a *kinbridge.Assignment
	f.view(t, func(tx kinbridge.Tx) (err error) {
		a, err = tx.FindLiveAssignment(context.Background(), seriesID, unit.ID)
		return err
	})
	return a
}

func (f *directives) assignment(t *testing.T, id int64) *kinbridge.Assignment {
	t.Helper()
	var a *kinbridge.Assignment
	f.view(t, func(tx kinbridge.Tx) (err error) {
		a, err = tx.FindAssignmentByID(context.Background(), id)
		return err
	})
	return a
}

func (f *directives) step(u *kinbridge.User, id int64, action kinbridge.AssignmentAction) (*kinbridge.Assignment, error) {
	note := ""
	if action == kinbridge.AssignmentReturn {
		note = "Say which households you visited."
	}
	return f.svc.StepAssignment(As(u), id, kinbridge.AssignmentStep{Action: action, Note: note})
}

func (f *directives) mustStep(t *testing.T, u *kinbridge.User, id int64, action kinbridge.AssignmentAction) *kinbridge.Assignment {
	t.Helper()
	a, err := f.step(u, id, action)
	mustNoErr(t, err, "step "+string(action))
	return a
}

func (f *directives) mustReport(t *testing.T, u *kinbridge.User, id int64) *kinbridge.Report {
	t.Helper()
	r, err := f.svc.SubmitReport(As(u), id, 0, "We visited them.", nil)
	mustNoErr(t, err, "submit report")
	return r
}

func (f *directives) rollup(t *testing.T, u *kinbridge.User, directiveID int64, unit *kinbridge.Unit) *kinbridge.Rollup {
	t.Helper()
	var unitID int64
	if unit != nil {
		unitID = unit.ID
	}
	r, err := f.svc.FindRollup(As(u), directiveID, unitID)
	mustNoErr(t, err, "find rollup")
	return r
}

// liveDuplicates counts the (series, unit) pairs with more than one live
// assignment: always none.
func (f *fixture) liveDuplicates(t *testing.T) int {
	t.Helper()
	return f.count(t, `SELECT COUNT(*) FROM (SELECT series_id, unit_id FROM assignments WHERE live
		GROUP BY series_id, unit_id HAVING COUNT(*) > 1) d`)
}

func states(m map[kinbridge.AssignmentState]int) map[kinbridge.AssignmentState]int {
	out := map[kinbridge.AssignmentState]int{}
	for s, n := range m {
		if n != 0 {
			out[s] = n
		}
	}
	return out
}

// testDirectiveStore checks the Tx methods' round trips, the filters, the
// level filter of units, and attachments.
func testDirectiveStore(t *testing.T, open Opener) {
	f := newDirectives(t, open)
	ctx := context.Background()

	var level []*kinbridge.Unit
	f.view(t, func(tx kinbridge.Tx) (err error) {
		level, err = tx.FindUnits(ctx, kinbridge.UnitFilter{PathPrefix: f.hq.Path, Depth: 2})
		return err
	})
	diff(t, "units at depth 2", []*kinbridge.Unit{f.officeA1, f.officeB1}, level)

	d := &kinbridge.Directive{IssuerUnitID: f.hq.ID, Title: "Count the households", Body: "All of them.", DueAt: t0.AddDate(0, 0, 10),
		Addressees: kinbridge.Addressees{Depth: 2}, Actions: []kinbridge.RequiredAction{{Kind: kinbridge.ActionVisitProgramme, ProgrammeID: f.prog.ID}}}
	mustNoErr(t, f.svc.IssueDirective(As(f.supHQ), d), "issue by level")
	if d.ID == 0 || d.SeriesID != d.ID || d.RootID != d.ID || d.Version != 1 || d.Status != kinbridge.DirectiveIssued {
		t.Fatalf("issued %+v", d)
	}
	var got *kinbridge.Directive
	f.view(t, func(tx kinbridge.Tx) (err error) {
		got, err = tx.FindDirectiveByID(ctx, d.ID)
		return err
	})
	diff(t, "directive read back", d, got, cmpopts.EquateEmpty())

	var as []*kinbridge.Assignment
	f.view(t, func(tx kinbridge.Tx) (err error) {
		as, err = tx.FindAssignments(ctx, kinbridge.AssignmentFilter{DirectiveID: d.ID})
		return err
	})
	if len(as) != 2 || as[0].UnitID != f.officeA1.ID || as[1].UnitID != f.officeB1.ID || as[0].UnitPath != f.officeA1.Path {
		t.Fatalf("assignments by level %+v", as)
	}
	for _, a := range as {
		if a.State != kinbridge.AssignmentDelivered || !a.Live || a.Version != 1 || !a.DueAt.Equal(d.DueAt) || !a.DeliveredAt.Equal(t0.Truncate(time.Microsecond)) {
			t.Errorf("new assignment %+v", a)
		}
	}

	t.Run("filters", func(t *testing.T) {
		inbox, err := f.svc.FindDirectives(As(f.officerA1), kinbridge.DirectiveFilter{})
		mustNoErr(t, err, "inbox")
		if len(inbox) != 1 || inbox[0].ID != d.ID {
			t.Errorf("inbox of office A1: %v", inbox)
		}
		outbox, err := f.svc.FindDirectives(As(f.supHQ), kinbridge.DirectiveFilter{IssuerUnitID: f.hq.ID})
		mustNoErr(t, err, "outbox")
		if len(outbox) != 1 || outbox[0].ID != d.ID {
			t.Errorf("outbox of HQ: %v", outbox)
		}
		none, err := f.svc.FindDirectives(As(f.supA), kinbridge.DirectiveFilter{AddressedTo: f.regionA.ID})
		mustNoErr(t, err, "inbox of region A")
		if len(none) != 0 {
			t.Errorf("inbox of region A: %v", none)
		}
		f.view(t, func(tx kinbridge.Tx) error {
			n, err := tx.CountAssignments(ctx, kinbridge.AssignmentFilter{PathPrefix: f.regionA.Path, States: []kinbridge.AssignmentState{kinbridge.AssignmentDelivered}})
			if n != 1 {
				t.Errorf("delivered in region A: %d", n)
			}
			if err != nil {
				return err
			}
			due, err := tx.FindDirectives(ctx, kinbridge.DirectiveFilter{DueBefore: t0.AddDate(0, 0, 11), Unreminded: true})
			if len(due) != 1 {
				t.Errorf("unreminded due within 11 days: %v", due)
			}
			if err != nil {
				return err
			}
			due, err = tx.FindDirectives(ctx, kinbridge.DirectiveFilter{DueBefore: t0.AddDate(0, 0, 9), Unreminded: true})
			if len(due) != 0 {
				t.Errorf("unreminded due within 9 days: %v", due)
			}
			return err
		})
	})

	t.Run("jobs marks", func(t *testing.T) {
		at := t0.Add(time.Hour).Truncate(time.Microsecond)
		mustNoErr(t, f.store.Update(ctx, func(tx kinbridge.Tx) error {
			return tx.MarkDirectiveJobs(ctx, d.ID, at, time.Time{})
		}), "mark")
		f.view(t, func(tx kinbridge.Tx) error {
			got, err := tx.FindDirectiveByID(ctx, d.ID)
			if err == nil && (!got.RemindedAt.Equal(at) || !got.OverdueNoticeAt.IsZero()) {
				t.Errorf("marks %v %v", got.RemindedAt, got.OverdueNoticeAt)
			}
			due, _ := tx.FindDirectives(ctx, kinbridge.DirectiveFilter{DueBefore: t0.AddDate(0, 0, 11), Unreminded: true})
			if len(due) != 0 {
				t.Errorf("reminded still listed: %v", due)
			}
			return err
		})
	})

	t.Run("report with an attachment", func(t *testing.T) {
		a := as[0]
		f.mustStep(t, f.officerA1, a.ID, kinbridge.AssignmentAcknowledge)
		r, err := f.svc.SubmitReport(As(f.officerA1), a.ID, 0, "Two households visited.",
			[]kinbridge.AttachmentUpload{{Name: "visits.txt", Body: strings.NewReader("h1, h2\n")}})
		mustNoErr(t, err, "submit")
		if len(r.Attachments) != 1 || r.Attachments[0].ContentType != "text/plain" {
			t.Fatalf("report attachments %+v", r.Attachments)
		}
		rs, err := f.svc.FindReports(As(f.supHQ), a.ID)
		mustNoErr(t, err, "find reports")
		diff(t, "reports", []*kinbridge.Report{r}, rs, cmpopts.EquateEmpty())
		at, rc, err := f.svc.OpenAttachment(As(f.supHQ), r.Attachments[0].ID)
		mustNoErr(t, err, "open attachment")
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != "h1, h2\n" || at.Name != "visits.txt" || at.Size != 7 {
			t.Errorf("attachment %+v %q", at, b)
		}
		if _, _, err := f.svc.OpenAttachment(As(f.officerB1), r.Attachments[0].ID); kinbridge.ErrorCode(err) != kinbridge.ENOTFOUND {
			t.Errorf("another office's officer opens it: %v", err)
		}
		_, err = f.svc.SubmitReport(As(f.officerB1), as[1].ID, 0, "x", []kinbridge.AttachmentUpload{{Name: "x.exe", Body: strings.NewReader("MZ\x90\x00\x03\x00\x00\x00")}})
		wantField(t, err, "attachments[0].type")
		n := countFiles(t, f.files)
		_, err = f.svc.SubmitReport(As(f.officerA1), a.ID, 0, "again", []kinbridge.AttachmentUpload{{Name: "v.txt", Body: strings.NewReader("again")}})
		wantCode(t, err, kinbridge.ECONFLICT)
		if countFiles(t, f.files) != n {
			t.Errorf("a refused report's file was kept")
		}
	})
}

// testDirectiveLiveUnique: the database refuses a second live assignment
// of a series at a unit, through the store and in raw SQL.
func testDirectiveLiveUnique(t *testing.T, open Opener) {
	f := newDirectives(t, open)
	ctx := context.Background()
	d := f.issue(t, f.supHQ, f.hq, 0, 10*24*time.Hour, f.regionA, f.regionB)
	a := f.live(t, d.SeriesID, f.regionA)
	err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
		return tx.CreateAssignments(ctx, []*kinbridge.Assignment{{DirectiveID: d.ID, SeriesID: d.SeriesID, RootID: d.RootID,
			UnitID: f.regionA.ID, State: kinbridge.AssignmentDelivered, Live: true, DueAt: d.DueAt}})
	})
	wantCode(t, err, kinbridge.ECONFLICT)
	_, err = f.store.WriteDB().ExecContext(ctx, sqlstore.Rebind(`INSERT INTO assignments (directive_id, series_id, root_id, unit_id, state, live,
		due_at, delivered_at, cascaded, version) SELECT directive_id, series_id, root_id, unit_id, state, live, due_at, delivered_at,
		cascaded, 1 FROM assignments WHERE id = ?`), a.ID)
	if err == nil {
		t.Fatal("the database took a second live assignment")
	}
	// A dead one beside the live one is history, and allowed.
	f.exec(t, `INSERT INTO assignments (directive_id, series_id, root_id, unit_id, state, live, due_at, delivered_at, cascaded, version)
		SELECT directive_id, series_id, root_id, unit_id, state, NOT live, due_at, delivered_at, cascaded, 1 FROM assignments WHERE id = ?`, a.ID)
	if n := f.liveDuplicates(t); n != 0 {
		t.Errorf("%d series and units with two live assignments", n)
	}
	r := f.rollup(t, f.supHQ, d.ID, nil)
	diff(t, "roll-up unchanged", map[kinbridge.AssignmentState]int{kinbridge.AssignmentDelivered: 2}, states(r.ByState))
}

// reach brings a fresh assignment of region A to the state, through the
// service.
func (f *directives) reach(t *testing.T, st kinbridge.AssignmentState) (*kinbridge.Directive, *kinbridge.Assignment) {
	t.Helper()
	d := f.issue(t, f.supHQ, f.hq, 0, 10*24*time.Hour, f.regionA)
	a := f.live(t, d.SeriesID, f.regionA)
	if st == kinbridge.AssignmentDelivered {
		return d, a
	}
	f.mustStep(t, f.supA, a.ID, kinbridge.AssignmentAcknowledge)
	if st == kinbridge.AssignmentAcknowledged {
		return d, f.assignment(t, a.ID)
	}
	f.mustReport(t, f.supA, a.ID)
	switch st {
	case kinbridge.AssignmentAccepted:
		f.mustStep(t, f.supHQ, a.ID, kinbridge.AssignmentAccept)
	case kinbridge.AssignmentReturned:
		f.mustStep(t, f.supHQ, a.ID, kinbridge.AssignmentReturn)
	}
	a = f.assignment(t, a.ID)
	if a.State != st {
		t.Fatalf("reached %s, want %s", a.State, st)
	}
	return d, a
}

// testAssignmentStateMachine takes every action in every state through the
// service: the allowed steps lead where the domain says, and move the
// roll-up's counters with them; every other is ECONFLICT and changes
// nothing.
func testAssignmentStateMachine(t *testing.T, open Opener) {
	f := newDirectives(t, open)
	to := map[kinbridge.AssignmentAction]kinbridge.AssignmentState{
		kinbridge.AssignmentAcknowledge: kinbridge.AssignmentAcknowledged, kinbridge.AssignmentReport: kinbridge.AssignmentReported,
		kinbridge.AssignmentAccept: kinbridge.AssignmentAccepted, kinbridge.AssignmentReturn: kinbridge.AssignmentReturned,
	}
	for _, from := range kinbridge.AssignmentStates {
		for _, action := range kinbridge.AssignmentActions {
			t.Run(string(from)+"/"+string(action), func(t *testing.T) {
				d, a := f.reach(t, from)
				var err error
				switch action {
				case kinbridge.AssignmentReport:
					_, err = f.svc.SubmitReport(As(f.supA), a.ID, a.Version, "Done.", nil)
				case kinbridge.AssignmentAcknowledge:
					_, err = f.svc.StepAssignment(As(f.supA), a.ID, kinbridge.AssignmentStep{Action: action, Version: a.Version})
				default:
					_, err = f.svc.StepAssignment(As(f.supHQ), a.ID, kinbridge.AssignmentStep{Action: action, Version: a.Version, Note: "More, please."})
				}
				want := from
				if kinbridge.CanStep(action, from) {
					mustNoErr(t, err, "allowed step")
					want = to[action]
				} else {
					wantCode(t, err, kinbridge.ECONFLICT)
					if key := err.(*kinbridge.Error).Key; key != "error.assignment.transition" {
						t.Errorf("refusal key %q", key)
					}
				}
				got := f.assignment(t, a.ID)
				if got.State != want {
					t.Errorf("state %s, want %s", got.State, want)
				}
				if moved := got.State != from; moved != (got.Version == a.Version+1) || (!moved && got.Version != a.Version) {
					t.Errorf("version %d after %d", got.Version, a.Version)
				}
				r := f.rollup(t, f.supHQ, d.ID, nil)
				diff(t, "roll-up", map[kinbridge.AssignmentState]int{want: 1}, states(r.ByState))
				if want == kinbridge.AssignmentAccepted && r.Accepted != 1 {
					t.Errorf("accepted share %v", r.Accepted)
				}
			})
		}
	}
	t.Run("stale version", func(t *testing.T) {
		_, a := f.reach(t, kinbridge.AssignmentDelivered)
		_, err := f.svc.StepAssignment(As(f.supA), a.ID, kinbridge.AssignmentStep{Action: kinbridge.AssignmentAcknowledge, Version: a.Version + 1})
		wantCode(t, err, kinbridge.ECONFLICT)
		_, err = f.svc.SubmitReport(As(f.supA), a.ID, a.Version+1, "Done.", nil)
		wantCode(t, err, kinbridge.ECONFLICT)
		ctx := context.Background()
		err = f.store.Update(ctx, func(tx kinbridge.Tx) error {
			a.State, a.AcknowledgedAt = kinbridge.AssignmentAcknowledged, tx.Now()
			a.Version--
			return tx.UpdateAssignment(ctx, a, kinbridge.AssignmentDelivered)
		})
		wantCode(t, err, kinbridge.ECONFLICT)
	})
	t.Run("the issuer's side reviews, the unit responds", func(t *testing.T) {
		_, a := f.reach(t, kinbridge.AssignmentReported)
		_, err := f.step(f.supA, a.ID, kinbridge.AssignmentAccept)
		wantCode(t, err, kinbridge.ENOTFOUND) // the issuer is above region A's scope
		_, err = f.step(f.officerA1, a.ID, kinbridge.AssignmentAcknowledge)
		wantCode(t, err, kinbridge.ENOTFOUND)
		_, a = f.reach(t, kinbridge.AssignmentDelivered)
		_, err = f.step(f.officerB1, a.ID, kinbridge.AssignmentAcknowledge)
		wantCode(t, err, kinbridge.ENOTFOUND)
		_, err = f.svc.StepAssignment(As(f.supHQ), a.ID, kinbridge.AssignmentStep{Action: kinbridge.AssignmentReturn, Note: "?"})
		wantCode(t, err, kinbridge.ECONFLICT) // delivered: nothing to return
	})
}

// testDirectiveVersions: an amendment ends the old version's assignments,
// gives every addressee a new one to acknowledge, and an acknowledgement
// or report on the old one is refused as superseded.
func testDirectiveVersions(t *testing.T, open Opener) {
	f := newDirectives(t, open)
	d1 := f.issue(t, f.supHQ, f.hq, 0, 10*24*time.Hour, f.regionA, f.regionB)
	oldA, oldB := f.live(t, d1.SeriesID, f.regionA), f.live(t, d1.SeriesID, f.regionB)
	f.mustStep(t, f.supA, oldA.ID, kinbridge.AssignmentAcknowledge)
	f.mustStep(t, f.supB, oldB.ID, kinbridge.AssignmentAcknowledge)
	f.mustReport(t, f.supB, oldB.ID)
	diff(t, "before", map[kinbridge.AssignmentState]int{kinbridge.AssignmentAcknowledged: 1, kinbridge.AssignmentReported: 1},
		states(f.rollup(t, f.supHQ, d1.ID, nil).ByState))

	f.clock.Add(time.Hour)
	_, err := f.svc.FindDirective(As(f.supHQ), d1.ID)
	mustNoErr(t, err, "find")
	d2 := &kinbridge.Directive{Title: "Visit every household, twice", Body: "Twice.", DueAt: f.clock.Now().Add(12 * 24 * time.Hour), Note: "Twice now."}
	err = f.svc.AmendDirective(As(f.supHQ), d1.ID, &kinbridge.Directive{Title: "x", DueAt: d2.DueAt})
	wantField(t, err, "note")
	mustNoErr(t, f.svc.AmendDirective(As(f.supHQ), d1.ID, d2), "amend")
	if d2.SeriesID != d1.ID || d2.Version != 2 || d2.RootID != d1.ID || d2.ID == d1.ID {
		t.Fatalf("amendment %+v", d2)
	}
	rec, err := f.svc.FindDirective(As(f.supA), d1.ID)
	mustNoErr(t, err, "find old version")
	if len(rec.Versions) != 2 || rec.Current.ID != d2.ID || rec.Directive.Status != kinbridge.DirectiveSuperseded || rec.Mine == nil || rec.Mine.DirectiveID != d2.ID {
		t.Fatalf("record %+v", rec)
	}
	for _, a := range []*kinbridge.Assignment{oldA, oldB} {
		if got := f.assignment(t, a.ID); got.Live {
			t.Errorf("old assignment %d still live", a.ID)
		}
	}
	newA, newB := f.live(t, d1.SeriesID, f.regionA), f.live(t, d1.SeriesID, f.regionB)
	if newA.DirectiveID != d2.ID || newA.State != kinbridge.AssignmentDelivered || newB.State != kinbridge.AssignmentDelivered || !newA.DueAt.Equal(d2.DueAt) {
		t.Fatalf("new assignments %+v %+v", newA, newB)
	}
	diff(t, "after the amendment", map[kinbridge.AssignmentState]int{kinbridge.AssignmentDelivered: 2}, states(f.rollup(t, f.supHQ, d2.ID, nil).ByState))

	_, err = f.step(f.supA, oldA.ID, kinbridge.AssignmentAcknowledge)
	wantCode(t, err, kinbridge.ECONFLICT)
	if e := err.(*kinbridge.Error); e.Key != "error.assignment.superseded" || !strings.Contains(e.Message, "amended") {
		t.Errorf("refusal %+v", e)
	}
	_, err = f.svc.SubmitReport(As(f.supB), oldB.ID, 0, "Old.", nil)
	wantCode(t, err, kinbridge.ECONFLICT)
	_, err = f.step(f.supHQ, oldB.ID, kinbridge.AssignmentAccept)
	wantCode(t, err, kinbridge.ECONFLICT)
	err = f.svc.AmendDirective(As(f.supHQ), d1.ID, &kinbridge.Directive{Title: "x", DueAt: d2.DueAt, Note: "again"})
	wantCode(t, err, kinbridge.ECONFLICT)

	f.mustStep(t, f.supA, newA.ID, kinbridge.AssignmentAcknowledge)
	diff(t, "one renewed", map[kinbridge.AssignmentState]int{kinbridge.AssignmentDelivered: 1, kinbridge.AssignmentAcknowledged: 1},
		states(f.rollup(t, f.supHQ, d2.ID, nil).ByState))
	if n := f.liveDuplicates(t); n != 0 {
		t.Errorf("%d duplicates", n)
	}
	inbox, err := f.svc.FindDirectives(As(f.supA), kinbridge.DirectiveFilter{AddressedTo: f.regionA.ID})
	mustNoErr(t, err, "inbox")
	if len(inbox) != 1 || inbox[0].ID != d2.ID {
		t.Errorf("inbox lists %v", inbox)
	}
}

// testDirectiveCascade: a unit passes on a directive it received, due no
// later than its own; its assignment is marked cascaded; the roll-up at
// each level counts the level's subtree.
func testDirectiveCascade(t *testing.T, open Opener) {
	f := newDirectives(t, open)
	d := f.issue(t, f.supHQ, f.hq, 0, 10*24*time.Hour, f.regionA)
	child := &kinbridge.Directive{IssuerUnitID: f.regionA.ID, ParentID: d.ID, Title: "Visit", DueAt: d.DueAt.Add(time.Hour),
		Addressees: kinbridge.Addressees{UnitIDs: []int64{f.officeA1.ID}}}
	wantField(t, f.svc.IssueDirective(As(f.supA), child), "due_at")
	notReceived := &kinbridge.Directive{IssuerUnitID: f.regionB.ID, ParentID: d.ID, Title: "Visit", DueAt: d.DueAt,
		Addressees: kinbridge.Addressees{UnitIDs: []int64{f.officeB1.ID}}}
	wantField(t, f.svc.IssueDirective(As(f.supB), notReceived), "parent_id")
	wantField(t, f.svc.IssueDirective(As(f.supA), &kinbridge.Directive{IssuerUnitID: f.regionA.ID, Title: "Visit", DueAt: d.DueAt,
		Addressees: kinbridge.Addressees{UnitIDs: []int64{f.officeB1.ID}}}), "addressees")

	derived := f.issue(t, f.supA, f.regionA, d.ID, 5*24*time.Hour, f.officeA1)
	if derived.ParentID != d.SeriesID || derived.RootID != d.RootID || derived.SeriesID != derived.ID {
		t.Fatalf("derived %+v", derived)
	}
	if a := f.live(t, d.SeriesID, f.regionA); !a.Cascaded || a.State != kinbridge.AssignmentDelivered {
		t.Errorf("region A's assignment after passing on: %+v", a)
	}
	rec, err := f.svc.FindDirective(As(f.officerA1), derived.ID)
	mustNoErr(t, err, "office reads the derived directive")
	if rec.Parent != nil || rec.Mine == nil {
		t.Errorf("office sees parent %v, its assignment %v", rec.Parent, rec.Mine)
	}
	rec, err = f.svc.FindDirective(As(f.supHQ), d.ID)
	mustNoErr(t, err, "HQ reads")
	if len(rec.Derived) != 1 || rec.Derived[0].ID != derived.ID {
		t.Errorf("derived of the original: %v", rec.Derived)
	}

	office := f.live(t, derived.SeriesID, f.officeA1)
	f.mustStep(t, f.officerA1, office.ID, kinbridge.AssignmentAcknowledge)
	top := f.rollup(t, f.supHQ, d.ID, nil)
	diff(t, "HQ roll-up", map[kinbridge.AssignmentState]int{kinbridge.AssignmentDelivered: 1, kinbridge.AssignmentAcknowledged: 1}, states(top.ByState))
	if top.Total != 2 || len(top.Children) != 1 || top.Children[0].Unit.ID != f.regionA.ID || top.Children[0].Total != 2 || top.Parent != nil {
		t.Errorf("HQ roll-up %+v", top)
	}
	region := f.rollup(t, f.supA, derived.ID, f.regionA)
	if region.Root.ID != d.ID || region.Total != 2 || region.Parent != nil {
		t.Errorf("region roll-up %+v", region)
	}
	officeUp := f.rollup(t, f.supHQ, d.ID, f.officeA1)
	if officeUp.Total != 1 || officeUp.ByState[kinbridge.AssignmentAcknowledged] != 1 || officeUp.Parent == nil || officeUp.Parent.ID != f.regionA.ID {
		t.Errorf("office roll-up %+v", officeUp)
	}
}

// testDirectiveWithdraw: withdrawing an original withdraws every directive
// passing it on; no assignment of the cascade stays live or counted.
func testDirectiveWithdraw(t *testing.T, open Opener) {
	f := newDirectives(t, open)
	d := f.issue(t, f.supHQ, f.hq, 0, 10*24*time.Hour, f.regionA, f.regionB)
	da := f.issue(t, f.supA, f.regionA, d.ID, 5*24*time.Hour, f.officeA1)
	db := f.issue(t, f.supB, f.regionB, d.ID, 5*24*time.Hour, f.officeB1)
	f.mustStep(t, f.officerA1, f.live(t, da.SeriesID, f.officeA1).ID, kinbridge.AssignmentAcknowledge)
	if r := f.rollup(t, f.supHQ, d.ID, nil); r.Total != 4 {
		t.Fatalf("before: %+v", r)
	}
	wantField(t, f.svc.WithdrawDirective(As(f.supHQ), d.ID, " "), "reason")
	wantCode(t, f.svc.WithdrawDirective(As(f.supA), d.ID, "no"), kinbridge.ENOTFOUND)
	mustNoErr(t, f.svc.WithdrawDirective(As(f.supHQ), d.ID, "Done by other means."), "withdraw")
	for _, x := range []*kinbridge.Directive{d, da, db} {
		rec, err := f.svc.FindDirective(As(f.supHQ), x.ID)
		mustNoErr(t, err, "find")
		if rec.Directive.Status != kinbridge.DirectiveWithdrawn || !strings.Contains(rec.Directive.Note, "Done by other means.") {
			t.Errorf("directive %d: %s %q", x.ID, rec.Directive.Status, rec.Directive.Note)
		}
	}
	if n := f.count(t, "SELECT COUNT(*) FROM assignments WHERE live"); n != 0 {
		t.Errorf("%d live assignments after the withdrawal", n)
	}
	r := f.rollup(t, f.supHQ, d.ID, nil)
	if r.Total != 0 || len(r.Children) != 0 {
		t.Errorf("roll-up after the withdrawal %+v", r)
	}
	wantCode(t, f.svc.WithdrawDirective(As(f.supHQ), d.ID, "again"), kinbridge.ECONFLICT)
	outbox, err := f.svc.FindDirectives(As(f.supHQ), kinbridge.DirectiveFilter{IssuerUnitID: f.hq.ID})
	mustNoErr(t, err, "outbox")
	if len(outbox) != 1 || outbox[0].Status != kinbridge.DirectiveWithdrawn {
		t.Errorf("outbox %v", outbox)
	}
}

// testFiles is an attachment store in a test's temporary directory: the
// real one (package files).
func testFiles(tb testing.TB) *files.Dir {
	tb.Helper()
	d, err := files.Open(filepath.Join(tb.TempDir(), "files"))
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// countFiles counts the attachments kept in the store.
func countFiles(tb testing.TB, d *files.Dir) int {
	tb.Helper()
	entries, err := os.ReadDir(d.Path())
	if err != nil {
		tb.Fatal(err)
	}
	return len(entries)
}
