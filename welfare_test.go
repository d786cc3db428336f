package kinbridge_test

import (
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// TestProblemTransitions tries every action from every status: the ones the
// state machine allows give the status the table says, every other is
// refused with a conflict that leaves the problem as it was.
func TestProblemTransitions(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	allowed := map[kinbridge.ProblemStatus]map[kinbridge.ProblemAction]kinbridge.ProblemStatus{
		kinbridge.ProblemOpen: {
			kinbridge.ProblemStart: kinbridge.ProblemInProgress, kinbridge.ProblemResolve: kinbridge.ProblemResolved,
			kinbridge.ProblemGiveUp: kinbridge.ProblemCannotSolve, kinbridge.ProblemAssign: kinbridge.ProblemOpen,
			kinbridge.ProblemComment: kinbridge.ProblemOpen, kinbridge.ProblemRefer: kinbridge.ProblemReferred,
		},
		kinbridge.ProblemInProgress: {
			kinbridge.ProblemResolve: kinbridge.ProblemResolved, kinbridge.ProblemGiveUp: kinbridge.ProblemCannotSolve,
			kinbridge.ProblemAssign: kinbridge.ProblemInProgress, kinbridge.ProblemComment: kinbridge.ProblemInProgress,
			kinbridge.ProblemRefer: kinbridge.ProblemReferred,
		},
		kinbridge.ProblemReferred: {
			kinbridge.ProblemAccept: kinbridge.ProblemOpen, kinbridge.ProblemSendBack: kinbridge.ProblemInProgress,
			kinbridge.ProblemComment: kinbridge.ProblemReferred,
		},
		kinbridge.ProblemResolved: {
			kinbridge.ProblemReopen: kinbridge.ProblemOpen, kinbridge.ProblemComment: kinbridge.ProblemResolved,
		},
		kinbridge.ProblemCannotSolve: {
			kinbridge.ProblemReopen: kinbridge.ProblemOpen, kinbridge.ProblemComment: kinbridge.ProblemCannotSolve,
		},
	}
	for _, from := range kinbridge.ProblemStatuses {
		for _, action := range kinbridge.ProblemActions {
			p := &kinbridge.Problem{ID: 7, UnitID: 3, Status: from, DueAt: now.Add(-time.Hour), Category: "food", EscalationLevel: 2}
			if from == kinbridge.ProblemReferred {
				p.ReferralUnitID, p.ReferralFrom = 9, kinbridge.ProblemInProgress
			}
			before := *p
			c := kinbridge.ProblemChange{Action: action, Note: "because", AssigneeID: 11, UnitID: 9}
			ev, err := p.Apply(c, now, 3)
			want, ok := allowed[from][action]
			if !ok {
				if kinbridge.ErrorCode(err) != kinbridge.ECONFLICT {
					t.Errorf("%s from %s: err %v, want a conflict", action, from, err)
				}
				if *p != before {
					t.Errorf("%s from %s: refused, but the problem changed", action, from)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s from %s: %v", action, from, err)
				continue
			}
			if p.Status != want || ev.FromStatus != from || ev.ToStatus != want || ev.Kind != string(action) {
				t.Errorf("%s from %s: status %s, event %s→%s %q; want %s", action, from, p.Status, ev.FromStatus, ev.ToStatus, ev.Kind, want)
			}
		}
	}
}

// TestProblemApplyFields checks what each transition does besides the status.
func TestProblemApplyFields(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	open := func() *kinbridge.Problem {
		return &kinbridge.Problem{ID: 1, UnitID: 3, Status: kinbridge.ProblemOpen, DueAt: now.Add(-48 * time.Hour), EscalationLevel: 1}
	}
	t.Run("give up needs a reason", func(t *testing.T) {
		p := open()
		_, err := p.Apply(kinbridge.ProblemChange{Action: kinbridge.ProblemGiveUp}, now, 7)
		if e, ok := err.(*kinbridge.Error); !ok || e.Field != "note" {
			t.Fatalf("err %v, want a field error on note", err)
		}
		if _, err := p.Apply(kinbridge.ProblemChange{Action: kinbridge.ProblemGiveUp, Note: " no money "}, now, 7); err != nil {
			t.Fatal(err)
		}
		if p.Reason != "no money" || !p.ClosedAt.Equal(now) || !p.NextEscalationAt.IsZero() {
			t.Errorf("reason %q closed %v next %v", p.Reason, p.ClosedAt, p.NextEscalationAt)
		}
	})
	t.Run("reopen restarts the deadline and escalation", func(t *testing.T) {
		p := open()
		p.Apply(kinbridge.ProblemChange{Action: kinbridge.ProblemResolve}, now, 7)
		if _, err := p.Apply(kinbridge.ProblemChange{Action: kinbridge.ProblemStart}, now, 7); kinbridge.ErrorCode(err) != kinbridge.ECONFLICT {
			t.Fatalf("start a resolved problem: %v, want conflict", err)
		}
		if _, err := p.Apply(kinbridge.ProblemChange{Action: kinbridge.ProblemReopen, Note: "back again"}, now, 7); err != nil {
			t.Fatal(err)
		}
		due := now.AddDate(0, 0, 7)
		if !p.DueAt.Equal(due) || p.EscalationLevel != 0 || !p.NextEscalationAt.Equal(due) || !p.ClosedAt.IsZero() {
			t.Errorf("due %v level %d next %v closed %v", p.DueAt, p.EscalationLevel, p.NextEscalationAt, p.ClosedAt)
		}
	})
	t.Run("refer and accept move the problem", func(t *testing.T) {
		p := open()
		if _, err := p.Apply(kinbridge.ProblemChange{Action: kinbridge.ProblemRefer, UnitID: 3}, now, 7); err == nil {
			t.Fatal("referred to its own unit")
		}
		ev, err := p.Apply(kinbridge.ProblemChange{Action: kinbridge.ProblemRefer, UnitID: 8}, now, 7)
		if err != nil || p.ReferralUnitID != 8 || ev.UnitID != 8 || p.UnitID != 3 {
			t.Fatalf("refer: %v, referral %d, event unit %d, unit %d", err, p.ReferralUnitID, ev.UnitID, p.UnitID)
		}
		ev, err = p.Apply(kinbridge.ProblemChange{Action: kinbridge.ProblemAccept, AssigneeID: 5}, now, 7)
		if err != nil || p.UnitID != 8 || p.ReferralUnitID != 0 || p.AssigneeID != 5 || ev.UnitID != 3 || p.EscalationLevel != 0 {
			t.Fatalf("accept: %v, unit %d referral %d assignee %d event unit %d level %d", err, p.UnitID, p.ReferralUnitID, p.AssigneeID, ev.UnitID, p.EscalationLevel)
		}
	})
	t.Run("send back returns to the status before", func(t *testing.T) {
		p := open()
		p.Apply(kinbridge.ProblemChange{Action: kinbridge.ProblemStart}, now, 7)
		p.Apply(kinbridge.ProblemChange{Action: kinbridge.ProblemRefer, UnitID: 8}, now, 7)
		if _, err := p.Apply(kinbridge.ProblemChange{Action: kinbridge.ProblemSendBack}, now, 7); err == nil {
			t.Fatal("sent back without a reason")
		}
		if _, err := p.Apply(kinbridge.ProblemChange{Action: kinbridge.ProblemSendBack, Note: "not ours"}, now, 7); err != nil {
			t.Fatal(err)
		}
		if p.Status != kinbridge.ProblemInProgress || p.UnitID != 3 || p.ReferralUnitID != 0 {
			t.Errorf("status %s unit %d referral %d", p.Status, p.UnitID, p.ReferralUnitID)
		}
	})
}

func TestNextEscalationAndAncestors(t *testing.T) {
	for _, c := range []struct {
		path  string
		level int
		want  int64
		ok    bool
	}{
		{"/1/4/9/", 1, 4, true}, {"/1/4/9/", 2, 1, true}, {"/1/4/9/", 3, 0, false}, {"/1/", 1, 0, false}, {"/1/4/", 0, 0, false},
	} {
		got, ok := kinbridge.AncestorAt(c.path, c.level)
		if got != c.want || ok != c.ok {
			t.Errorf("AncestorAt(%q, %d) = %d, %v; want %d, %v", c.path, c.level, got, ok, c.want, c.ok)
		}
	}
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	p := &kinbridge.Problem{Status: kinbridge.ProblemOpen, DueAt: now}
	p.Apply(kinbridge.ProblemChange{Action: kinbridge.ProblemComment, Note: "x"}, now, 5)
	if !p.NextEscalationAt.Equal(now) {
		t.Errorf("level 0: next %v, want the due date", p.NextEscalationAt)
	}
	p.EscalationLevel = 2
	p.Apply(kinbridge.ProblemChange{Action: kinbridge.ProblemComment, Note: "x"}, now, 5)
	if want := now.AddDate(0, 0, 10); !p.NextEscalationAt.Equal(want) {
		t.Errorf("level 2: next %v, want %v", p.NextEscalationAt, want)
	}
}

func TestWelfareSettings(t *testing.T) {
	ws, err := (&kinbridge.Programme{Settings: `{"welfare":{"categories":[{"code":"health","deadline_days":3}]}}`}).Welfare()
	if err != nil || len(ws.Categories) != 1 || ws.Categories[0].DeadlineDays != 3 {
		t.Fatalf("%v %+v", err, ws)
	}
	if ws, err := (&kinbridge.Programme{Settings: `{}`}).Welfare(); err != nil || len(ws.Categories) != len(kinbridge.DefaultCategories) {
		t.Fatalf("defaults: %v %+v", err, ws)
	}
	_, err = (&kinbridge.Programme{Settings: `{"welfare":{"categories":[{"code":"a","deadline_days":0}]}}`}).Welfare()
	if e, ok := err.(*kinbridge.Error); !ok || e.Field != "welfare.categories[0].deadline_days" {
		t.Fatalf("bad deadline: %v", err)
	}
	start := kinbridge.WeekStart(time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC), time.FixedZone("KST", 9*3600))
	if want := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC); !start.Equal(want) {
		t.Errorf("week start %v, want %v (Monday 30 November 00:00 KST)", start, want)
	}
}
