package storetest

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// hammer runs fn in n goroutines at once and returns how many succeeded;
// every failure must be a conflict.
func hammer(t *testing.T, n int, fn func(i int) error) int {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else if e := (*kinbridge.Error)(nil); errors.As(err, &e) && e.Key == "error.retry" {
			t.Errorf("a loser failed on a deadlock or serialization failure, which the lock order should rule out: %v", err)
		} else if kinbridge.ErrorCode(err) != kinbridge.ECONFLICT {
			t.Errorf("a loser's error is not a conflict: %v", err)
		}
	}
	return wins
}

// testAssignmentConcurrent: goroutines acknowledge, report on and review
// the same assignment at once; each step is won by exactly one of them,
// the others get a conflict, and the database never holds two live
// assignments of a series at a unit.
func testAssignmentConcurrent(t *testing.T, open Opener) {
	f := newDirectives(t, open)
	const n = 12
	d := f.issue(t, f.supHQ, f.hq, 0, 10*24*time.Hour, f.regionA, f.regionB)
	a := f.live(t, d.SeriesID, f.regionA)

	if wins := hammer(t, n, func(int) error { _, err := f.step(f.supA, a.ID, kinbridge.AssignmentAcknowledge); return err }); wins != 1 {
		t.Fatalf("%d acknowledgements won, want 1", wins)
	}
	if wins := hammer(t, n, func(i int) error {
		_, err := f.svc.SubmitReport(As(f.supA), a.ID, 0, "Report", nil)
		return err
	}); wins != 1 {
		t.Fatalf("%d reports won, want 1", wins)
	}
	rs, err := f.svc.FindReports(As(f.supHQ), a.ID)
	mustNoErr(t, err, "reports")
	if len(rs) != 1 {
		t.Fatalf("%d reports stored, want 1", len(rs))
	}
	if wins := hammer(t, n, func(i int) error {
		action := kinbridge.AssignmentAccept
		if i%2 == 1 {
			action = kinbridge.AssignmentReturn
		}
		_, err := f.step(f.supHQ, a.ID, action)
		return err
	}); wins != 1 {
		t.Fatalf("%d reviews won, want 1", wins)
	}
	got := f.assignment(t, a.ID)
	if got.State != kinbridge.AssignmentAccepted && got.State != kinbridge.AssignmentReturned || got.Version != 4 {
		t.Fatalf("after the reviews %+v", got)
	}

	// Both assignments at once, every action from every goroutine.
	b := f.live(t, d.SeriesID, f.regionB)
	var mu sync.Mutex
	done := 0
	for round := 0; round < 4; round++ {
		hammer(t, n, func(i int) error {
			var err error
			id, unit := a.ID, f.supA
			if i%2 == 1 {
				id, unit = b.ID, f.supB
			}
			switch i % 8 / 2 {
			case 0:
				_, err = f.step(unit, id, kinbridge.AssignmentAcknowledge)
			case 1:
				_, err = f.svc.SubmitReport(As(unit), id, 0, "Again", nil)
			case 2:
				_, err = f.step(f.supHQ, id, kinbridge.AssignmentReturn)
			default:
				_, err = f.step(f.supHQ, id, kinbridge.AssignmentAccept)
			}
			if err == nil {
				mu.Lock()
				done++
				mu.Unlock()
			}
			return err
		})
	}
	if n := f.liveDuplicates(t); n != 0 {
		t.Errorf("%d series and units with two live assignments", n)
	}
	for _, x := range []*kinbridge.Assignment{a, b} {
		got := f.assignment(t, x.ID)
		if int(got.Version) != 1+countSteps(t, f, x.ID) {
			t.Errorf("assignment %d: version %d after %d audited steps", x.ID, got.Version, countSteps(t, f, x.ID))
		}
	}
	f.checkRollup(t, d.RootID, f.hq, f.regionA, f.regionB)
}

// countSteps counts the audited steps of an assignment.
func countSteps(t *testing.T, f *directives, id int64) int {
	return f.count(t, "SELECT COUNT(*) FROM audit_log WHERE record_type = 'assignment' AND record_id = ?", id)
}

// testDirectiveAmendConcurrent: supervisors amend the same version at once
// while the addressee acknowledges it: one amendment wins, and the series
// keeps one live assignment per unit, all of the version in force.
func testDirectiveAmendConcurrent(t *testing.T, open Opener) {
	f := newDirectives(t, open)
	d := f.issue(t, f.supHQ, f.hq, 0, 10*24*time.Hour, f.regionA, f.regionB)
	a := f.live(t, d.SeriesID, f.regionA)
	var mu sync.Mutex
	amended := 0
	hammer(t, 10, func(i int) error {
		if i%2 == 1 {
			_, err := f.step(f.supA, a.ID, kinbridge.AssignmentAcknowledge)
			return err
		}
		err := f.svc.AmendDirective(As(f.supHQ), d.ID, &kinbridge.Directive{Title: "Amended", DueAt: d.DueAt, Note: "Changed."})
		if err == nil {
			mu.Lock()
			amended++
			mu.Unlock()
		}
		return err
	})
	if amended != 1 {
		t.Fatalf("%d amendments won, want 1", amended)
	}
	if n := f.liveDuplicates(t); n != 0 {
		t.Errorf("%d duplicates", n)
	}
	vs, err := f.svc.FindDirective(As(f.supHQ), d.ID)
	mustNoErr(t, err, "find")
	if len(vs.Versions) != 2 {
		t.Fatalf("%d versions", len(vs.Versions))
	}
	if n := f.count(t, "SELECT COUNT(*) FROM assignments WHERE live AND directive_id = ?", vs.Current.ID); n != 2 {
		t.Errorf("%d live assignments of the version in force, want 2", n)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM assignments WHERE live"); n != 2 {
		t.Errorf("%d live assignments in all, want 2", n)
	}
	f.checkRollup(t, d.RootID, f.hq, f.regionA, f.regionB)
}

// recount counts a cascade's live assignments in a subtree by state, and
// adds up the latest reports' evidence of those not passed on, from the
// assignments themselves.
func (f *directives) recount(t *testing.T, rootID int64, unit *kinbridge.Unit) (map[kinbridge.AssignmentState]int, kinbridge.Evidence) {
	t.Helper()
	byState := map[kinbridge.AssignmentState]int{}
	var ev kinbridge.Evidence
	ctx := context.Background()
	f.view(t, func(tx kinbridge.Tx) error {
		as, err := tx.FindAssignments(ctx, kinbridge.AssignmentFilter{RootID: rootID, PathPrefix: unit.Path})
		if err != nil {
			return err
		}
		for _, a := range as {
			byState[a.State]++
			if a.Cascaded || a.ReportID == 0 {
				continue
			}
			r, err := tx.FindReportByID(ctx, a.ReportID)
			if err != nil {
				return err
			}
			ev.Add(&r.Evidence)
		}
		return nil
	})
	return byState, ev
}

// checkRollup compares the roll-up of the cascade at each unit, and each
// of its children's lines, with a recount.
func (f *directives) checkRollup(t *testing.T, rootID int64, units ...*kinbridge.Unit) {
	t.Helper()
	for _, u := range units {
		r, err := f.svc.FindRollup(System(), rootID, u.ID)
		mustNoErr(t, err, "roll-up at "+u.Names.EN)
		want, ev := f.recount(t, rootID, u)
		diff(t, "roll-up at "+u.Names.EN, want, states(r.ByState))
		total := 0
		for _, n := range want {
			total += n
		}
		if r.Total != total {
			t.Errorf("roll-up at %s: total %d, recount %d", u.Names.EN, r.Total, total)
		}
		diff(t, "evidence at "+u.Names.EN, ev, r.Evidence)
		for _, c := range r.Children {
			want, _ := f.recount(t, rootID, c.Unit)
			diff(t, "child line "+c.Unit.Names.EN+" of "+u.Names.EN, want, states(c.ByState))
		}
	}
}

// testRollupRecount: many goroutines take random steps on the assignments
// of a cascade of two levels (and one of its directives is amended
// meanwhile); the roll-up at every unit, and its children's lines, equal a
// recount of the assignments, and its evidence the sum of the reports.
func testRollupRecount(t *testing.T, open Opener) {
	f := newDirectives(t, open)
	officeA2 := f.mustCreateUnit(t, System(), f.regionA.ID, "Office A2")
	officeA3 := f.mustCreateUnit(t, System(), f.regionA.ID, "Office A3")
	officeB2 := f.mustCreateUnit(t, System(), f.regionB.ID, "Office B2")
	sys := System()
	d := &kinbridge.Directive{IssuerUnitID: f.hq.ID, Title: "Count", DueAt: t0.AddDate(0, 0, 20), Addressees: kinbridge.Addressees{Depth: 1}}
	mustNoErr(t, f.svc.IssueDirective(sys, d), "issue")
	var derived []*kinbridge.Directive
	for _, region := range []*kinbridge.Unit{f.regionA, f.regionB} {
		c := &kinbridge.Directive{IssuerUnitID: region.ID, ParentID: d.ID, Title: "Count here", DueAt: t0.AddDate(0, 0, 10),
			Addressees: kinbridge.Addressees{Depth: 2}}
		mustNoErr(t, f.svc.IssueDirective(sys, c), "cascade")
		derived = append(derived, c)
	}
	other := &kinbridge.Directive{IssuerUnitID: f.hq.ID, Title: "Other", DueAt: t0.AddDate(0, 0, 20), Addressees: kinbridge.Addressees{Depth: 2}}
	mustNoErr(t, f.svc.IssueDirective(sys, other), "another cascade")

	var ids []int64
	f.view(t, func(tx kinbridge.Tx) error {
		as, err := tx.FindAssignments(context.Background(), kinbridge.AssignmentFilter{RootID: d.RootID})
		for _, a := range as {
			ids = append(ids, a.ID)
		}
		return err
	})
	if len(ids) != 2+5 {
		t.Fatalf("%d assignments in the cascade", len(ids))
	}
	rng := rand.New(rand.NewPCG(5, 5))
	var mu sync.Mutex
	pick := func() (int64, int) {
		mu.Lock()
		defer mu.Unlock()
		return ids[rng.IntN(len(ids))], rng.IntN(4)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				if g == 0 && i == 15 {
					err := f.svc.AmendDirective(sys, derived[1].ID, &kinbridge.Directive{Title: "Count here again", DueAt: t0.AddDate(0, 0, 9), Note: "Again."})
					if err != nil {
						t.Errorf("amend: %v", err)
					}
					continue
				}
				id, action := pick()
				var err error
				switch action {
				case 0:
					_, err = f.svc.StepAssignment(sys, id, kinbridge.AssignmentStep{Action: kinbridge.AssignmentAcknowledge})
				case 1:
					_, err = f.svc.SubmitReport(sys, id, 0, "Counted.", nil)
				case 2:
					_, err = f.svc.StepAssignment(sys, id, kinbridge.AssignmentStep{Action: kinbridge.AssignmentReturn, Note: "Count again."})
				default:
					_, err = f.svc.StepAssignment(sys, id, kinbridge.AssignmentStep{Action: kinbridge.AssignmentAccept})
				}
				if err != nil && kinbridge.ErrorCode(err) != kinbridge.ECONFLICT {
					t.Errorf("step %d on %d: %v", action, id, err)
				}
			}
		}()
	}
	wg.Wait()
	if n := f.liveDuplicates(t); n != 0 {
		t.Errorf("%d duplicates", n)
	}
	f.checkRollup(t, d.RootID, f.hq, f.regionA, f.regionB, f.officeA1, officeA2, officeA3, f.officeB1, officeB2)
	f.checkRollup(t, other.RootID, f.hq, f.regionA, f.officeA1)
}
