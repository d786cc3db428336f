package kinbridge_test

import (
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// TestAssignmentSteps tries every action from every state of a live
// assignment, and every action on a superseded one.
func TestAssignmentSteps(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	allowed := map[kinbridge.AssignmentState]map[kinbridge.AssignmentAction]kinbridge.AssignmentState{
		kinbridge.AssignmentDelivered:    {kinbridge.AssignmentAcknowledge: kinbridge.AssignmentAcknowledged},
		kinbridge.AssignmentAcknowledged: {kinbridge.AssignmentReport: kinbridge.AssignmentReported},
		kinbridge.AssignmentReported:     {kinbridge.AssignmentAccept: kinbridge.AssignmentAccepted, kinbridge.AssignmentReturn: kinbridge.AssignmentReturned},
		kinbridge.AssignmentReturned:     {kinbridge.AssignmentReport: kinbridge.AssignmentReported},
		kinbridge.AssignmentAccepted:     {},
	}
	for _, from := range kinbridge.AssignmentStates {
		for _, action := range kinbridge.AssignmentActions {
			a := &kinbridge.Assignment{State: from, Live: true}
			err := a.Step(action, now)
			want, ok := allowed[from][action]
			switch {
			case ok && err != nil:
				t.Errorf("%s from %s: %v", action, from, err)
			case ok && a.State != want:
				t.Errorf("%s from %s: state %s, want %s", action, from, a.State, want)
			case !ok && kinbridge.ErrorCode(err) != kinbridge.ECONFLICT:
				t.Errorf("%s from %s: err %v, want a conflict", action, from, err)
			case !ok && a.State != from:
				t.Errorf("%s from %s: refused, but the state moved to %s", action, from, a.State)
			}
			dead := &kinbridge.Assignment{State: from}
			if err := dead.Step(action, now); kinbridge.ErrorCode(err) != kinbridge.ECONFLICT || dead.State != from {
				t.Errorf("%s on a superseded %s assignment: %v, state %s; want refused", action, from, err, dead.State)
			}
		}
	}
	a := &kinbridge.Assignment{Live: true, State: kinbridge.AssignmentReported, DueAt: now.Add(-time.Hour)}
	if !a.Overdue(now) {
		t.Error("a reported assignment past due is overdue until accepted")
	}
	a.Step(kinbridge.AssignmentAccept, now)
	if a.Overdue(now) || !a.ReviewedAt.Equal(now) {
		t.Errorf("accepted: overdue %v, reviewed %v", a.Overdue(now), a.ReviewedAt)
	}
}

func TestDirectiveValidate(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	ok := func() *kinbridge.Directive {
		return &kinbridge.Directive{IssuerUnitID: 1, Title: " Visit every household ", DueAt: now.Add(72 * time.Hour),
			Addressees: kinbridge.Addressees{UnitIDs: []int64{3, 2, 3}}}
	}
	d := ok()
	if err := d.Validate(now); err != nil || d.Title != "Visit every household" || len(d.Addressees.UnitIDs) != 2 {
		t.Fatalf("valid directive: %v, title %q, addressees %v", err, d.Title, d.Addressees.UnitIDs)
	}
	for field, change := range map[string]func(*kinbridge.Directive){
		"title":      func(d *kinbridge.Directive) { d.Title = " " },
		"due_at":     func(d *kinbridge.Directive) { d.DueAt = now.Add(-time.Minute) },
		"addressees": func(d *kinbridge.Directive) { d.Addressees = kinbridge.Addressees{} },
		"actions[0].programme_id": func(d *kinbridge.Directive) {
			d.Actions = []kinbridge.RequiredAction{{Kind: kinbridge.ActionVisitProgramme}}
		},
		"actions[1].kind": func(d *kinbridge.Directive) {
			d.Actions = []kinbridge.RequiredAction{{Kind: kinbridge.ActionReportWeekly}, {Kind: "dance"}}
		},
	} {
		d := ok()
		change(d)
		err := d.Validate(now)
		if e, isErr := err.(*kinbridge.Error); !isErr || e.Field != field {
			t.Errorf("%s: err %v, want a field error on %s", field, err, field)
		}
	}
}

func TestEvidenceAdd(t *testing.T) {
	var total kinbridge.Evidence
	total.Add(&kinbridge.Evidence{Households: 3, HouseholdsVisited: 2, Visits: 4, ProblemsRaised: 1, StatusEvents: 2})
	total.Add(&kinbridge.Evidence{Households: 5, HouseholdsVisited: 1, Visits: 1, ProblemsResolved: 2, ProblemsEscalated: 1})
	want := kinbridge.Evidence{Households: 8, HouseholdsVisited: 3, Visits: 5, ProblemsRaised: 1, ProblemsResolved: 2, ProblemsEscalated: 1, StatusEvents: 2}
	if total != want {
		t.Errorf("sum %+v, want %+v", total, want)
	}
}
