package storetest

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// testProblemTransitions takes every action in every status through the
// Service: the state machine's allowed ones change the status and write
// the history line; every other is ECONFLICT and writes nothing.
func testProblemTransitions(t *testing.T, open Opener) {
	f := newWelfare(t, open)
	officer, referee := As(f.officerA1), As(f.officerB1)
	reach := func(t *testing.T, st kinbridge.ProblemStatus) *kinbridge.Problem {
		t.Helper()
		p := f.raise(t, officer, f.h1, "housing", 0)
		switch st {
		case kinbridge.ProblemInProgress:
			p = f.mustChange(t, officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemStart})
		case kinbridge.ProblemReferred:
			p = f.mustChange(t, officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemRefer, UnitID: f.officeB1.ID})
		case kinbridge.ProblemResolved:
			p = f.mustChange(t, officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemResolve})
		case kinbridge.ProblemCannotSolve:
			p = f.mustChange(t, officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemGiveUp, Note: "no landlord answers"})
		}
		if p.Status != st {
			t.Fatalf("reached %s, want %s", p.Status, st)
		}
		return p
	}
	changes := map[kinbridge.ProblemAction]kinbridge.ProblemChange{
		kinbridge.ProblemStart:    {},
		kinbridge.ProblemResolve:  {},
		kinbridge.ProblemGiveUp:   {Note: "no way"},
		kinbridge.ProblemReopen:   {Note: "it is back"},
		kinbridge.ProblemAssign:   {AssigneeID: f.officerA1b.ID},
		kinbridge.ProblemComment:  {Note: "called the landlord"},
		kinbridge.ProblemRefer:    {UnitID: f.officeB1.ID},
		kinbridge.ProblemAccept:   {},
		kinbridge.ProblemSendBack: {Note: "not ours"},
	}
	want := func(action kinbridge.ProblemAction, from kinbridge.ProblemStatus) kinbridge.ProblemStatus {
		switch action {
		case kinbridge.ProblemStart:
			return kinbridge.ProblemInProgress
		case kinbridge.ProblemResolve:
			return kinbridge.ProblemResolved
		case kinbridge.ProblemGiveUp:
			return kinbridge.ProblemCannotSolve
		case kinbridge.ProblemReopen, kinbridge.ProblemAccept, kinbridge.ProblemSendBack:
			return kinbridge.ProblemOpen // send back: the status before the referral, open here
		case kinbridge.ProblemRefer:
			return kinbridge.ProblemReferred
		}
		return from
	}
	allowed := 0
	for _, from := range kinbridge.ProblemStatuses {
		for _, action := range kinbridge.ProblemActions {
			t.Run(string(from)+"/"+string(action), func(t *testing.T) {
				p := reach(t, from)
				before := f.events(t, p.ID)
				c := changes[action]
				c.Action, c.Version = action, p.Version
				// The referral's answer is the other unit's; a state that has
				// no referral has no such unit, so the system, whose scope is
				// everything, asks — and only the state machine says no.
				ctx := officer
				if action == kinbridge.ProblemAccept || action == kinbridge.ProblemSendBack {
					ctx = System()
					if from == kinbridge.ProblemReferred {
						ctx = referee
					}
				}
				got, err := f.change(ctx, p.ID, c)
				after := f.events(t, p.ID)
				stored := f.problem(t, p.ID)
				if !kinbridge.CanApply(action, from) {
					wantCode(t, err, kinbridge.ECONFLICT)
					if len(after) != len(before) || stored.Version != p.Version || stored.Status != from {
						t.Errorf("a refused %s wrote: %d→%d events, version %d→%d, status %s", action, len(before), len(after),
							p.Version, stored.Version, stored.Status)
					}
					return
				}
				allowed++
				mustNoErr(t, err, "allowed change")
				to := want(action, from)
				if got.Status != to || stored.Status != to || stored.Version != p.Version+1 {
					t.Errorf("%s from %s: status %s (stored %s, version %d), want %s, version %d", action, from, got.Status,
						stored.Status, stored.Version, to, p.Version+1)
				}
				if len(after) != len(before)+1 {
					t.Fatalf("%d history lines, want %d", len(after), len(before)+1)
				}
				ev := after[len(after)-1]
				if ev.Kind != string(action) || ev.FromStatus != from || ev.ToStatus != to || !ev.At.Equal(f.clock.Now().UTC().Truncate(time.Microsecond)) {
					t.Errorf("history line %+v", ev)
				}
				if action == kinbridge.ProblemComment && ev.Note != c.Note {
					t.Errorf("comment note %q", ev.Note)
				}
			})
		}
	}
	t.Run("a refusal says how out", func(t *testing.T) {
		p := reach(t, kinbridge.ProblemResolved)
		_, err := f.change(officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemStart})
		wantCode(t, err, kinbridge.ECONFLICT)
		p = f.mustChange(t, officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemReopen, Note: "back"})
		f.mustChange(t, officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemStart})
	})
	t.Run("send back returns to the status before", func(t *testing.T) {
		p := reach(t, kinbridge.ProblemInProgress)
		f.mustChange(t, officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemRefer, UnitID: f.officeB1.ID})
		p = f.mustChange(t, referee, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemSendBack, Note: "not ours"})
		if p.Status != kinbridge.ProblemInProgress || p.ReferralUnitID != 0 || p.UnitID != f.officeA1.ID {
			t.Errorf("sent back %+v", p)
		}
	})
}

// testProblemVersionConflict: a change made over a version someone else
// has changed is refused, by the service for the version the user saw and
// by the store for a race between two writers.
func testProblemVersionConflict(t *testing.T, open Opener) {
	f := newWelfare(t, open)
	officer := As(f.officerA1)
	p := f.raise(t, officer, f.h1, "food", 0)
	f.mustChange(t, As(f.officerA1b), p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemComment, Note: "first", Version: 1})
	_, err := f.change(officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemStart, Version: 1})
	wantCode(t, err, kinbridge.ECONFLICT)
	if got := f.problem(t, p.ID); got.Status != kinbridge.ProblemOpen || got.Version != 2 {
		t.Errorf("after the refused change: %s, version %d", got.Status, got.Version)
	}

	t.Run("store", func(t *testing.T) {
		ctx := context.Background()
		stale := f.problem(t, p.ID)
		f.mustChange(t, officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemStart})
		stale.Priority = kinbridge.PriorityUrgent
		err := f.store.Update(ctx, func(tx kinbridge.Tx) error { return tx.UpdateProblem(ctx, stale) })
		wantCode(t, err, kinbridge.ECONFLICT)
		if got := f.problem(t, p.ID); got.Priority != kinbridge.PriorityNormal || got.Version != 3 {
			t.Errorf("stale write landed: %+v", got)
		}
		missing := *stale
		missing.ID = 99999
		err = f.store.Update(ctx, func(tx kinbridge.Tx) error { return tx.UpdateProblem(ctx, &missing) })
		wantCode(t, err, kinbridge.ENOTFOUND)
	})

	t.Run("race", func(t *testing.T) {
		// Two writers read the same version; the store lets one write.
		ctx := context.Background()
		q := f.raise(t, officer, f.h1, "money", 0)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		read := make(chan struct{})
		var once sync.Once
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = f.store.Update(ctx, func(tx kinbridge.Tx) error {
					p, err := tx.FindProblemByID(ctx, q.ID)
					if err != nil {
						return err
					}
					p.Description = "writer " + string(rune('A'+i))
					if i == 1 {
						once.Do(func() { close(read) })
					}
					return tx.UpdateProblem(ctx, p)
				})
			}()
		}
		wg.Wait()
		<-read
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				wantCode(t, err, kinbridge.ECONFLICT)
			}
		}
		// SQLite runs the writers one after the other: both may succeed,
		// each over the version the other left.
		if got := f.problem(t, q.ID); ok == 0 || got.Version != int64(1+ok) {
			t.Errorf("%d writers succeeded, version %d", ok, got.Version)
		}
	})
}

// testProblemReferral: a problem referred to a sibling unit shows in that
// unit's incoming queue and its officers' inbox; the unit accepts it (it
// moves there, the referrer is told) or sends it back (it returns).
func testProblemReferral(t *testing.T, open Opener) {
	f := newWelfare(t, open)
	officeA2 := f.mustCreateUnit(t, f.sys, f.regionA.ID, "Office A2")
	officerA2 := f.mustCreateUser(t, "officer-a2", kinbridge.RoleOfficer, officeA2)
	coordA2 := f.mustCreateUser(t, "coord-a2", kinbridge.RoleCallCoordinator, officeA2)
	officer, other := As(f.officerA1), As(officerA2)
	p := f.raise(t, officer, f.h1, "documents", f.officerA1b.ID)
	p = f.mustChange(t, officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemRefer, UnitID: officeA2.ID, Note: "they have the forms"})
	if p.Status != kinbridge.ProblemReferred || p.ReferralUnitID != officeA2.ID || p.ReferralUnitPath != officeA2.Path {
		t.Fatalf("referred %+v", p)
	}

	q, err := f.svc.FindQueue(other, officeA2.ID, 0)
	mustNoErr(t, err, "queue of A2")
	diff(t, "incoming of A2", []int64{p.ID}, problemIDs(q.Incoming))
	diff(t, "held by A2", []int64{}, problemIDs(q.Problems))
	diff(t, "A2's officer notified", []string{"referred:" + itoa(p.ID)}, kinds(f.notifications(t, officerA2)))
	diff(t, "A2's coordinator not notified", []string{}, kinds(f.notifications(t, coordA2)))
	q, err = f.svc.FindQueue(officer, f.officeA1.ID, 0)
	mustNoErr(t, err, "queue of A1")
	diff(t, "A1 still holds it", []int64{p.ID}, problemIDs(q.Problems))
	ps, _, err := f.svc.FindProblems(other, kinbridge.ProblemFilter{})
	mustNoErr(t, err, "problems of A2")
	diff(t, "A2 finds the referred problem", []int64{p.ID}, problemIDs(ps))
	ps, _, err = f.svc.FindProblems(As(f.officerB1), kinbridge.ProblemFilter{})
	mustNoErr(t, err, "problems of B1")
	diff(t, "B1 finds nothing", []int64{}, problemIDs(ps))

	_, err = f.change(other, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemStart})
	wantCode(t, err, kinbridge.EFORBIDDEN)
	_, err = f.change(officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemAccept})
	wantCode(t, err, kinbridge.EFORBIDDEN)

	p = f.mustChange(t, other, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemAccept})
	if p.Status != kinbridge.ProblemOpen || p.UnitID != officeA2.ID || p.AssigneeID != officerA2.ID || p.ReferralUnitID != 0 {
		t.Fatalf("accepted %+v", p)
	}
	stored := f.problem(t, p.ID)
	if stored.UnitPath != officeA2.Path || stored.HouseholdPath != f.officeA1.Path {
		t.Errorf("stored after accept: %+v", stored)
	}
	diff(t, "referrer told", []string{"referral_accepted:" + itoa(p.ID)}, kinds(f.notifications(t, f.officerA1)))
	rec, err := f.svc.FindProblem(other, p.ID)
	mustNoErr(t, err, "A2 opens it")
	if rec.HouseholdVisible {
		t.Error("A2 may open the household of A1")
	}
	q, err = f.svc.FindQueue(other, officeA2.ID, 0)
	mustNoErr(t, err, "queue of A2")
	diff(t, "A2 holds it", []int64{p.ID}, problemIDs(q.Problems))
	diff(t, "nothing incoming", []int64{}, problemIDs(q.Incoming))
	q, err = f.svc.FindQueue(officer, f.officeA1.ID, 0)
	mustNoErr(t, err, "queue of A1")
	diff(t, "A1 holds nothing", []int64{}, problemIDs(q.Problems))

	t.Run("send back", func(t *testing.T) {
		p := f.raise(t, officer, f.h2, "work", 0)
		f.mustChange(t, officer, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemRefer, UnitID: officeA2.ID})
		_, err := f.change(other, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemSendBack})
		wantField(t, err, "note")
		p = f.mustChange(t, other, p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemSendBack, Note: "not ours"})
		if p.Status != kinbridge.ProblemOpen || p.UnitID != f.officeA1.ID || p.ReferralUnitID != 0 {
			t.Fatalf("sent back %+v", p)
		}
		ns := f.notifications(t, f.officerA1)
		if ns[0].Kind != kinbridge.NotifyReferralReturned || ns[0].ProblemID != p.ID {
			t.Errorf("referrer's newest notification %+v", ns[0])
		}
		q, err := f.svc.FindQueue(other, officeA2.ID, 0)
		mustNoErr(t, err, "queue of A2")
		diff(t, "nothing incoming after send back", []int64{}, problemIDs(q.Incoming))
		_, err = f.svc.FindProblem(other, p.ID)
		wantCode(t, err, kinbridge.ENOTFOUND)
		es := f.events(t, p.ID)
		got := []string{}
		for _, e := range es {
			got = append(got, e.Kind)
		}
		diff(t, "history", []string{"created", "refer", "send_back"}, got)
		if es[2].UnitID != officeA2.ID || es[1].UnitID != officeA2.ID || es[2].ActorID != officerA2.ID {
			t.Errorf("history lines %+v %+v", es[1], es[2])
		}
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// testProblemFilters: FindProblems honours each field of the filter, in
// the order soonest due, most urgent, oldest, with the total.
func testProblemFilters(t *testing.T, open Opener) {
	f := newWelfare(t, open)
	ctx := context.Background()
	officer := As(f.officerA1)
	mk := func(h *kinbridge.Household, cat string, prio kinbridge.Priority, due time.Duration, assignee, person int64) *kinbridge.Problem {
		p := &kinbridge.Problem{HouseholdID: h.ID, Category: cat, Description: "d", Priority: prio, DueAt: t0.Add(due),
			AssigneeID: assignee, PersonID: person}
		ctx := officer
		if h == f.hB {
			ctx = As(f.officerB1)
		}
		mustNoErr(t, f.svc.CreateProblem(ctx, p), "create")
		return p
	}
	day := 24 * time.Hour
	a := mk(f.h1, "food", kinbridge.PriorityLow, 2*day, f.officerA1.ID, f.m1.ID)
	b := mk(f.h1, "food", kinbridge.PriorityUrgent, 2*day, 0, 0)
	c := mk(f.h2, "health", kinbridge.PriorityNormal, day, f.officerA1b.ID, 0)
	d := mk(f.hB, "food", kinbridge.PriorityHigh, 3*day, 0, 0)
	e := mk(f.h2, "money", kinbridge.PriorityHigh, 2*day, 0, 0)
	f.mustChange(t, officer, e.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemResolve})
	g := mk(f.h2, "work", kinbridge.PriorityNormal, 5*day, 0, 0)
	f.mustChange(t, officer, g.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemRefer, UnitID: f.officeB1.ID})

	find := func(fl kinbridge.ProblemFilter) ([]int64, int) {
		t.Helper()
		var ps []*kinbridge.Problem
		var n int
		f.view(t, func(tx kinbridge.Tx) (err error) {
			ps, n, err = tx.FindProblems(ctx, fl)
			return err
		})
		return problemIDs(ps), n
	}
	for _, c2 := range []struct {
		name  string
		f     kinbridge.ProblemFilter
		want  []int64
		total int
	}{
		{"all, in order", kinbridge.ProblemFilter{}, []int64{c.ID, b.ID, e.ID, a.ID, d.ID, g.ID}, 6},
		{"page", kinbridge.ProblemFilter{Limit: 2, Offset: 1}, []int64{b.ID, e.ID}, 6},
		{"subtree of A holds and refers", kinbridge.ProblemFilter{PathPrefix: f.regionA.Path}, []int64{c.ID, b.ID, e.ID, a.ID, g.ID}, 5},
		{"office B1 and what is referred to it", kinbridge.ProblemFilter{Path: f.officeB1.Path}, []int64{d.ID, g.ID}, 2},
		{"region B's subtree", kinbridge.ProblemFilter{PathPrefix: f.regionB.Path}, []int64{d.ID, g.ID}, 2},
		{"region A alone holds nothing", kinbridge.ProblemFilter{Path: f.regionA.Path}, []int64{}, 0},
		{"unit", kinbridge.ProblemFilter{UnitID: f.officeB1.ID}, []int64{d.ID}, 1},
		{"referral unit", kinbridge.ProblemFilter{ReferralUnitID: f.officeB1.ID}, []int64{g.ID}, 1},
		{"assignee", kinbridge.ProblemFilter{AssigneeID: f.officerA1b.ID}, []int64{c.ID}, 1},
		{"household", kinbridge.ProblemFilter{HouseholdID: f.h1.ID}, []int64{b.ID, a.ID}, 2},
		{"person", kinbridge.ProblemFilter{PersonID: f.m1.ID}, []int64{a.ID}, 1},
		{"category", kinbridge.ProblemFilter{Category: "food"}, []int64{b.ID, a.ID, d.ID}, 3},
		{"statuses", kinbridge.ProblemFilter{Statuses: []kinbridge.ProblemStatus{kinbridge.ProblemResolved, kinbridge.ProblemReferred}}, []int64{e.ID, g.ID}, 2},
		{"active", kinbridge.ProblemFilter{Active: true, PathPrefix: f.regionA.Path}, []int64{c.ID, b.ID, a.ID, g.ID}, 4},
		{"overdue by then", kinbridge.ProblemFilter{Active: true, DueBefore: t0.Add(2*day + time.Second)}, []int64{c.ID, b.ID, a.ID}, 3},
	} {
		t.Run(c2.name, func(t *testing.T) {
			got, total := find(c2.f)
			diff(t, "problems", c2.want, got)
			if total != c2.total {
				t.Errorf("total %d, want %d", total, c2.total)
			}
		})
	}
	t.Run("my work", func(t *testing.T) {
		w, err := f.svc.FindMyWork(officer, 0)
		mustNoErr(t, err, "my work")
		diff(t, "my problems", []int64{a.ID}, problemIDs(w.Problems))
		if w.TotalProblems != 1 {
			t.Errorf("total %d", w.TotalProblems)
		}
	})
}
