package storetest

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// testRecordVisitAllOrNothing: a visit and the problems raised at it are
// stored together or not at all.
func testRecordVisitAllOrNothing(t *testing.T, open Opener) {
	f := newWelfare(t, open)
	officer := As(f.officerA1)
	head := f.head(t)
	v := &kinbridge.Visit{HouseholdID: f.h1.ID, At: t0.Add(-time.Hour), OfficerIDs: []int64{f.officerA1.ID}, Purpose: "routine"}
	good := &kinbridge.Problem{Category: "food", Description: "short of rice", AssigneeID: f.officerA1b.ID}
	bad := &kinbridge.Problem{Category: "no-such-category", Description: "?"}
	err := f.svc.RecordVisit(officer, v, []*kinbridge.Problem{good, bad})
	wantField(t, err, "problems[1].category")
	for _, table := range []string{"visits", "visit_officers", "household_last_visit", "problems", "problem_events", "notifications"} {
		if n := f.count(t, "SELECT COUNT(*) FROM "+table); n != 0 {
			t.Errorf("%s has %d rows after the refused visit", table, n)
		}
	}
	if got := f.head(t); got != head {
		t.Errorf("audit head moved from %d to %d", head, got)
	}

	t.Run("bad officer or person", func(t *testing.T) {
		v := &kinbridge.Visit{HouseholdID: f.h1.ID, At: t0, OfficerIDs: []int64{f.officerB1.ID}}
		wantField(t, f.svc.RecordVisit(officer, v, nil), "officer_ids")
		v = &kinbridge.Visit{HouseholdID: f.h2.ID, At: t0, OfficerIDs: []int64{f.officerA1.ID}, PersonIDs: []int64{f.m1.ID}}
		wantField(t, f.svc.RecordVisit(officer, v, nil), "person_ids")
		v = &kinbridge.Visit{HouseholdID: f.h1.ID, At: t0.Add(2 * time.Hour), OfficerIDs: []int64{f.officerA1.ID}}
		wantField(t, f.svc.RecordVisit(officer, v, nil), "at")
		v = &kinbridge.Visit{HouseholdID: f.hB.ID, At: t0, OfficerIDs: []int64{f.officerA1.ID}}
		wantCode(t, f.svc.RecordVisit(officer, v, nil), kinbridge.ENOTFOUND)
	})

	t.Run("good", func(t *testing.T) {
		v := &kinbridge.Visit{HouseholdID: f.h1.ID, At: t0.Add(-time.Hour), OfficerIDs: []int64{f.officerA1.ID}, PersonIDs: []int64{f.m1.ID}}
		p1 := &kinbridge.Problem{Category: "food", Description: "short of rice", AssigneeID: f.officerA1b.ID}
		p2 := &kinbridge.Problem{Category: "health", Description: "cough", PersonID: f.m1.ID}
		mustNoErr(t, f.svc.RecordVisit(officer, v, []*kinbridge.Problem{p1, p2}), "record visit")
		diff(t, "problem ids", []int64{p1.ID, p2.ID}, v.ProblemIDs)
		for _, p := range []*kinbridge.Problem{p1, p2} {
			got := f.problem(t, p.ID)
			if got.VisitID != v.ID || got.HouseholdID != f.h1.ID || got.UnitID != f.officeA1.ID {
				t.Errorf("problem %+v", got)
			}
		}
		diff(t, "assignee told", []string{"assigned:" + itoa(p1.ID)}, kinds(f.notifications(t, f.officerA1b)))
		if n := f.count(t, "SELECT COUNT(*) FROM visits"); n != 1 {
			t.Errorf("%d visits", n)
		}
	})
}

// dueIDs lists the households of due visits.
func dueIDs(ds []*kinbridge.DueVisit) []int64 {
	out := []int64{}
	for _, d := range ds {
		out = append(out, d.HouseholdID)
	}
	return out
}

// testVisitPlansDueVisits: a plan makes its subtree's households of its
// programme due; a visit satisfies it until the period has passed; the
// soonest plan wins; the unit's queue lists the overdue ones, and "my
// work" those of the officer's households and the unit's unassigned ones.
func testVisitPlansDueVisits(t *testing.T, open Opener) {
	f := newWelfare(t, open)
	ctx := context.Background()
	sup, officer := As(f.supA), As(f.officerA1)
	// h3 has no member in the programme; h4's only member in it is abroad.
	h3 := f.mustHousehold(t, f.sys, f.officeA1, "3 River Road")
	f.mustPerson(t, f.sys, resident(h3, "张伟", "", "1980"))
	h4 := f.mustHousehold(t, f.sys, f.officeA1, "4 River Road")
	m4 := resident(h4, "陈静", "", "1970")
	m4.ProgrammeIDs = []int64{f.prog.ID}
	f.mustPerson(t, f.sys, m4)
	f.exec(t, "UPDATE persons SET status = 'abroad' WHERE id = ?", m4.ID)

	plan := &kinbridge.VisitPlan{UnitID: f.regionA.ID, ProgrammeID: f.prog.ID, EveryDays: 30, Active: true}
	mustNoErr(t, f.svc.SaveVisitPlan(sup, plan), "save plan")
	wantField(t, f.svc.SaveVisitPlan(sup, &kinbridge.VisitPlan{UnitID: f.regionA.ID, ProgrammeID: f.prog.ID, EveryDays: 7, Active: true}), "programme_id")
	plans, err := f.svc.FindVisitPlans(officer)
	mustNoErr(t, err, "find plans")
	if len(plans) != 0 {
		t.Errorf("an officer of A1 sees the region's plans: %+v", plans)
	}
	plans, err = f.svc.FindVisitPlans(sup)
	mustNoErr(t, err, "find plans")
	if len(plans) != 1 || plans[0].ID != plan.ID || plans[0].UnitPath != f.regionA.Path {
		t.Fatalf("plans %+v", plans)
	}

	due := func(fl kinbridge.DueVisitFilter) ([]*kinbridge.DueVisit, int) {
		t.Helper()
		var ds []*kinbridge.DueVisit
		var n int
		f.view(t, func(tx kinbridge.Tx) (err error) {
			ds, n, err = tx.FindDueVisits(ctx, fl)
			return err
		})
		return ds, n
	}
	ds, n := due(kinbridge.DueVisitFilter{})
	diff(t, "due households", []int64{f.h1.ID, f.h2.ID}, dueIDs(ds))
	if n != 2 || !ds[0].DueAt.Equal(t0) || !ds[0].LastVisitAt.IsZero() || ds[0].PlanID != plan.ID || ds[0].EveryDays != 30 ||
		ds[0].Address != f.h1.Address || ds[0].UnitID != f.officeA1.ID {
		t.Fatalf("due %d: %+v", n, ds[0])
	}

	f.clock.Add(time.Hour)
	v := &kinbridge.Visit{HouseholdID: f.h1.ID, At: f.clock.Now().Add(-time.Minute), OfficerIDs: []int64{f.officerA1.ID}}
	mustNoErr(t, f.svc.RecordVisit(officer, v, nil), "visit h1")
	visited := v.At.UTC().Truncate(time.Microsecond)
	// A visit written down late does not move the last visit back.
	late := &kinbridge.Visit{HouseholdID: f.h1.ID, At: t0.Add(-10 * 24 * time.Hour), OfficerIDs: []int64{f.officerA1.ID}}
	mustNoErr(t, f.svc.RecordVisit(officer, late, nil), "late visit h1")

	ds, n = due(kinbridge.DueVisitFilter{Path: f.officeA1.Path})
	diff(t, "due after the visit", []int64{f.h2.ID, f.h1.ID}, dueIDs(ds))
	if want := visited.AddDate(0, 0, 30); n != 2 || !ds[1].DueAt.Equal(want) || !ds[1].LastVisitAt.Equal(visited) {
		t.Errorf("h1 due %v (last %v), want %v", ds[1].DueAt, ds[1].LastVisitAt, want)
	}
	q, err := f.svc.FindQueue(officer, f.officeA1.ID, 0)
	mustNoErr(t, err, "queue")
	diff(t, "overdue", []int64{f.h2.ID}, dueIDs(q.Overdue))
	if q.OverdueN != 1 {
		t.Errorf("overdue count %d", q.OverdueN)
	}
	ds, n = due(kinbridge.DueVisitFilter{Limit: 1, Offset: 1})
	if diff(t, "page", []int64{f.h1.ID}, dueIDs(ds)); n != 2 {
		t.Errorf("page total %d", n)
	}
	ds, n = due(kinbridge.DueVisitFilter{Limit: 1, Offset: 5})
	if diff(t, "past the end", []int64{}, dueIDs(ds)); n != 2 {
		t.Errorf("total past the end %d", n)
	}
	ds, _ = due(kinbridge.DueVisitFilter{PathPrefix: f.regionB.Path})
	diff(t, "region B has no plan", []int64{}, dueIDs(ds))

	t.Run("soonest plan wins", func(t *testing.T) {
		weekly := &kinbridge.VisitPlan{UnitID: f.officeA1.ID, ProgrammeID: f.prog.ID, EveryDays: 7, Active: true}
		mustNoErr(t, f.svc.SaveVisitPlan(sup, weekly), "weekly plan")
		ds, _ := due(kinbridge.DueVisitFilter{})
		diff(t, "due", []int64{f.h2.ID, f.h1.ID}, dueIDs(ds))
		if ds[0].PlanID != plan.ID || ds[1].PlanID != weekly.ID || !ds[1].DueAt.Equal(visited.AddDate(0, 0, 7)) {
			t.Errorf("plans %+v %+v", ds[0], ds[1])
		}
		weekly.Active = false
		mustNoErr(t, f.svc.SaveVisitPlan(sup, weekly), "pause weekly plan")
		ds, _ = due(kinbridge.DueVisitFilter{})
		if ds[1].PlanID != plan.ID {
			t.Errorf("a paused plan counts: %+v", ds[1])
		}
	})

	t.Run("my work", func(t *testing.T) {
		mustNoErr(t, f.svc.SetCaseOfficer(sup, f.h2.ID, f.officerA1b.ID), "case officer")
		wantField(t, f.svc.SetCaseOfficer(sup, f.h2.ID, f.officerB1.ID), "officer_id")
		wantCode(t, f.svc.SetCaseOfficer(officer, f.h2.ID, f.officerA1.ID), kinbridge.EFORBIDDEN)
		w, err := f.svc.FindMyWork(As(f.officerA1b), 0)
		mustNoErr(t, err, "my work of A1b")
		diff(t, "A1b's visits", []int64{f.h2.ID}, dueIDs(w.DueVisits))
		if w.TotalVisits != 1 || w.DueVisits[0].OfficerID != f.officerA1b.ID {
			t.Errorf("A1b's work %+v", w.DueVisits[0])
		}
		w, err = f.svc.FindMyWork(officer, 0)
		mustNoErr(t, err, "my work of A1")
		diff(t, "A1 has nothing due this week", []int64{}, dueIDs(w.DueVisits))
		f.clock.Add(25 * 24 * time.Hour)
		w, err = f.svc.FindMyWork(officer, 0)
		mustNoErr(t, err, "my work of A1")
		diff(t, "A1's unassigned household due within the week", []int64{f.h1.ID}, dueIDs(w.DueVisits))
		w, err = f.svc.FindMyWork(As(f.officerB1), 0)
		mustNoErr(t, err, "my work of B1")
		diff(t, "B1 has no plan", []int64{}, dueIDs(w.DueVisits))
	})
}

// testDashboard compares a unit's dashboard with a recount of the problems
// FindProblems lists, at each level of the tree.
func testDashboard(t *testing.T, open Opener) {
	f := newWelfare(t, open)
	ctx := context.Background()
	officer, officerB := As(f.officerA1), As(f.officerB1)
	day := 24 * time.Hour
	// Enough units that the whole tree is a large scope, which SQLite
	// counts from other indexes than a region's.
	err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
		for i := range 150 {
			u := &kinbridge.Unit{ParentID: f.regionB.ID, Names: kinbridge.UnitNames{EN: "Office B" + itoa(int64(i+2))}, TimeZone: "UTC"}
			if err := tx.CreateUnit(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	mustNoErr(t, err, "units")
	cats := []string{"food", "health", "housing", "documents"}
	var all []*kinbridge.Problem
	for i := range 16 {
		h, ctx := f.h1, officer
		if i%4 == 3 {
			h, ctx = f.hB, officerB
		}
		p := f.raise(t, ctx, h, cats[i%len(cats)], 0)
		all = append(all, p)
		f.clock.Add(time.Duration(i+1) * 7 * time.Hour)
	}
	act := func(i int, ctx context.Context, c kinbridge.ProblemChange) {
		t.Helper()
		f.mustChange(t, ctx, all[i].ID, c)
	}
	// Resolutions spread over weeks, so that some are this week's and the
	// median has a spread.
	for _, i := range []int{0, 1, 2, 4, 5} {
		act(i, officer, kinbridge.ProblemChange{Action: kinbridge.ProblemResolve})
		f.clock.Add(time.Duration(i+1)*day + time.Duration(i)*time.Hour)
	}
	act(3, officerB, kinbridge.ProblemChange{Action: kinbridge.ProblemGiveUp, Note: "moved away"})
	act(6, officer, kinbridge.ProblemChange{Action: kinbridge.ProblemStart})
	act(8, officer, kinbridge.ProblemChange{Action: kinbridge.ProblemRefer, UnitID: f.officeB1.ID})
	act(7, officerB, kinbridge.ProblemChange{Action: kinbridge.ProblemRefer, UnitID: f.officeA1.ID})
	// Past due, and escalated by the job.
	f.clock.Add(20 * day)
	_, err = f.svc.RunJobs(System(), nil)
	mustNoErr(t, err, "jobs")
	act(9, officer, kinbridge.ProblemChange{Action: kinbridge.ProblemResolve})
	act(10, officer, kinbridge.ProblemChange{Action: kinbridge.ProblemResolve})
	act(10, officer, kinbridge.ProblemChange{Action: kinbridge.ProblemReopen, Note: "back"})

	for _, u := range []*kinbridge.Unit{f.hq, f.regionA, f.officeA1, f.regionB, f.officeB1} {
		t.Run(u.Names.EN, func(t *testing.T) {
			d, err := f.svc.FindDashboard(As(f.supHQ), u.ID)
			mustNoErr(t, err, "dashboard")
			now := f.clock.Now().UTC().Truncate(time.Microsecond)
			var ps []*kinbridge.Problem
			want := &kinbridge.ProblemStats{}
			byCat := map[string]*kinbridge.CategoryStats{}
			var days []float64
			f.view(t, func(tx kinbridge.Tx) error {
				list, _, err := tx.FindProblems(ctx, kinbridge.ProblemFilter{PathPrefix: u.Path})
				for _, p := range list {
					if !strings.HasPrefix(p.UnitPath, u.Path) {
						continue // referred to the subtree, held outside it
					}
					ps = append(ps, p)
					es, err := tx.FindEscalations(ctx, kinbridge.EscalationFilter{ProblemID: p.ID, Open: true})
					if err != nil {
						return err
					}
					c := byCat[p.Category]
					if c == nil {
						c = &kinbridge.CategoryStats{Category: p.Category}
						byCat[p.Category] = c
					}
					switch p.Status {
					case kinbridge.ProblemOpen:
						want.Open++
					case kinbridge.ProblemInProgress:
						want.InProgress++
					case kinbridge.ProblemReferred:
						want.Referred++
					}
					if p.Status.Active() {
						c.Active++
					}
					if p.Overdue(now) {
						want.Overdue++
						c.Overdue++
					}
					if len(es) > 0 {
						want.Escalated++
					}
					if !p.Status.Active() && !p.ClosedAt.Before(d.WeekStart) {
						want.ResolvedThisWeek++
						c.ResolvedWeek++
					}
					if p.Status == kinbridge.ProblemResolved && !p.ClosedAt.Before(now.AddDate(0, 0, -90)) {
						days = append(days, p.ClosedAt.Sub(p.Created).Hours()/24)
					}
				}
				return err
			})
			slices.Sort(days)
			want.Resolved90Days = len(days)
			if n := len(days); n > 0 {
				want.MedianDaysToResolve = (days[(n-1)/2] + days[n/2]) / 2
			}
			want.ByCategory = []kinbridge.CategoryStats{}
			for _, c := range byCat {
				if c.Active+c.Overdue+c.ResolvedWeek > 0 {
					want.ByCategory = append(want.ByCategory, *c)
				}
			}
			slices.SortFunc(want.ByCategory, func(a, b kinbridge.CategoryStats) int { return strings.Compare(a.Category, b.Category) })
			got := *d.Stats
			if math.Abs(got.MedianDaysToResolve-want.MedianDaysToResolve) < 1e-6 {
				got.MedianDaysToResolve = want.MedianDaysToResolve
			}
			diff(t, "stats", want, &got)
			if u == f.hq && (want.Escalated == 0 || want.ResolvedThisWeek == 0 || want.Resolved90Days < 3 || want.Referred == 0 ||
				want.Overdue == 0 || want.InProgress == 0) {
				t.Errorf("the fixture does not exercise every figure: %+v", want)
			}
		})
	}
	t.Run("a viewer sees counts, not records", func(t *testing.T) {
		_, err := f.svc.FindDashboard(As(f.viewerA), f.regionA.ID)
		mustNoErr(t, err, "viewer's dashboard")
		_, _, err = f.svc.FindProblems(As(f.viewerA), kinbridge.ProblemFilter{})
		wantCode(t, err, kinbridge.EFORBIDDEN)
		_, err = f.svc.FindDashboard(As(f.viewerA), f.regionB.ID)
		wantCode(t, err, kinbridge.ENOTFOUND)
	})
}

// testNotifications: the inbox, newest first, its unread count, and
// marking read — one's own only.
func testNotifications(t *testing.T, open Opener) {
	f := newWelfare(t, open)
	officer := As(f.officerA1)
	var ps []*kinbridge.Problem
	for _, c := range []string{"food", "health", "money"} {
		ps = append(ps, f.raise(t, officer, f.h1, c, f.officerA1b.ID))
		f.clock.Add(time.Minute)
	}
	f.raise(t, As(f.supB), f.hB, "food", f.officerB1.ID)
	me := As(f.officerA1b)
	ns, unread, err := f.svc.FindNotifications(me, false, 0)
	mustNoErr(t, err, "inbox")
	diff(t, "inbox", []string{"assigned:" + itoa(ps[2].ID), "assigned:" + itoa(ps[1].ID), "assigned:" + itoa(ps[0].ID)}, kinds(ns))
	if unread != 3 || ns[0].Args["category"] != "money" || ns[0].Text == "" || !ns[0].ReadAt.IsZero() {
		t.Errorf("unread %d, newest %+v", unread, ns[0])
	}
	others, _, err := f.svc.FindNotifications(As(f.officerB1), false, 0)
	mustNoErr(t, err, "inbox of B")
	mustNoErr(t, f.svc.MarkRead(me, []int64{ns[1].ID, others[0].ID}), "mark one read")
	n, err := f.svc.CountUnread(me)
	mustNoErr(t, err, "count")
	if n != 2 {
		t.Errorf("unread %d, want 2", n)
	}
	if n, _ := f.svc.CountUnread(As(f.officerB1)); n != 1 {
		t.Errorf("another user's notification was marked read")
	}
	ns, _, err = f.svc.FindNotifications(me, true, 0)
	mustNoErr(t, err, "unread")
	diff(t, "unread", []string{"assigned:" + itoa(ps[2].ID), "assigned:" + itoa(ps[0].ID)}, kinds(ns))
	mustNoErr(t, f.svc.MarkRead(me, nil), "mark all read")
	if n, _ := f.svc.CountUnread(me); n != 0 {
		t.Errorf("unread %d after marking all", n)
	}
	ns, _, _ = f.svc.FindNotifications(me, false, 0)
	if len(ns) != 3 || !ns[0].ReadAt.Equal(f.clock.Now().UTC().Truncate(time.Microsecond)) {
		t.Errorf("read notifications %+v", ns[0])
	}
}
