package storetest

import (
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// testDirectiveStory is the whole cycle end to end: HQ issues a directive
// to three regions; each passes it on to its offices; the offices record
// visits, raise and resolve problems and record a status event, then
// report. Each report's evidence equals a count kept by the test of what
// it did through the service; the HQ roll-up's evidence equals the sum of
// the offices' reports (the regions passed the directive on, so their own
// reports do not add to it); reviews bring the roll-up to 100%; and an
// amendment makes every acknowledgement stale until renewed.
func testDirectiveStory(t *testing.T, open Opener) {
	f := newDirectives(t, open)
	sys := f.sys
	regionC := f.mustCreateUnit(t, sys, f.hq.ID, "Region C")
	officeA2 := f.mustCreateUnit(t, sys, f.regionA.ID, "Office A2")
	officeC1 := f.mustCreateUnit(t, sys, regionC.ID, "Office C1")
	supC := f.mustCreateUser(t, "sup-c", kinbridge.RoleSupervisor, regionC)
	officerA2 := f.mustCreateUser(t, "officer-a2", kinbridge.RoleOfficer, officeA2)
	officerC1 := f.mustCreateUser(t, "officer-c1", kinbridge.RoleOfficer, officeC1)
	member := func(h *kinbridge.Household, name string, inProgramme bool) *kinbridge.Person {
		p := resident(h, name, "", "1980")
		if inProgramme {
			p.ProgrammeIDs = []int64{f.prog.ID}
		}
		return f.mustPerson(t, sys, p)
	}
	hA2 := f.mustHousehold(t, sys, officeA2, "5 Mill Lane")
	member(hA2, "박철수", true)
	hC := f.mustHousehold(t, sys, officeC1, "7 Bay Road")
	member(hC, "陈静", true)
	hOther := f.mustHousehold(t, sys, officeC1, "8 Bay Road")
	pOther := member(hOther, "Anna Petrova", false)

	// A problem from before the directive: resolving it counts, raising it
	// did not.
	old := f.raise(t, As(f.officerA1), f.h1, "housing", f.officerA1.ID)
	f.clock.Add(time.Hour)

	type office struct {
		unit    *kinbridge.Unit
		officer *kinbridge.User
		want    kinbridge.Evidence
	}
	offices := []*office{
		{unit: f.officeA1, officer: f.officerA1, want: kinbridge.Evidence{Households: 2}},
		{unit: officeA2, officer: officerA2, want: kinbridge.Evidence{Households: 1}},
		{unit: f.officeB1, officer: f.officerB1, want: kinbridge.Evidence{Households: 1}},
		{unit: officeC1, officer: officerC1, want: kinbridge.Evidence{Households: 1}},
	}
	regions := []struct {
		unit    *kinbridge.Unit
		sup     *kinbridge.User
		offices []*office
	}{
		{f.regionA, f.supA, offices[:2]},
		{f.regionB, f.supB, offices[2:3]},
		{regionC, supC, offices[3:]},
	}

	d := &kinbridge.Directive{IssuerUnitID: f.hq.ID, Title: "Visit every household of the programme", Body: "Report what you did.",
		DueAt: f.clock.Now().AddDate(0, 0, 14), Addressees: kinbridge.Addressees{UnitIDs: []int64{f.regionA.ID, f.regionB.ID, regionC.ID}},
		Actions: []kinbridge.RequiredAction{{Kind: kinbridge.ActionVisitProgramme, ProgrammeID: f.prog.ID}}}
	mustNoErr(t, f.svc.IssueDirective(As(f.supHQ), d), "HQ issues")
	derived := map[int64]*kinbridge.Directive{}
	for _, r := range regions {
		f.mustStep(t, r.sup, f.live(t, d.SeriesID, r.unit).ID, kinbridge.AssignmentAcknowledge)
		c := &kinbridge.Directive{IssuerUnitID: r.unit.ID, ParentID: d.ID, Title: "Visit them, " + r.unit.Names.EN, DueAt: d.DueAt.AddDate(0, 0, -2),
			Actions: d.Actions}
		for _, o := range r.offices {
			c.Addressees.UnitIDs = append(c.Addressees.UnitIDs, o.unit.ID)
		}
		mustNoErr(t, f.svc.IssueDirective(As(r.sup), c), "cascade "+r.unit.Names.EN)
		derived[r.unit.ID] = c
		for _, o := range r.offices {
			f.mustStep(t, o.officer, f.live(t, c.SeriesID, o.unit).ID, kinbridge.AssignmentAcknowledge)
		}
	}
	f.clock.Add(time.Hour)

	visit := func(o *office, h *kinbridge.Household, inProgramme bool, problems ...string) []int64 {
		t.Helper()
		v := &kinbridge.Visit{HouseholdID: h.ID, At: f.clock.Now().Add(-10 * time.Minute), OfficerIDs: []int64{o.officer.ID}, Purpose: "directive"}
		var ps []*kinbridge.Problem
		for _, c := range problems {
			ps = append(ps, &kinbridge.Problem{Category: c, Description: "needs " + c, AssigneeID: o.officer.ID})
		}
		mustNoErr(t, f.svc.RecordVisit(As(o.officer), v, ps), "record visit")
		o.want.Visits++
		o.want.ProblemsRaised += len(ps)
		o.want.ProblemsOpen += len(ps)
		return v.ProblemIDs
	}
	resolve := func(o *office, id int64, raisedSince bool) {
		t.Helper()
		f.mustChange(t, As(o.officer), id, kinbridge.ProblemChange{Action: kinbridge.ProblemResolve, Note: "done"})
		o.want.ProblemsResolved++
		if raisedSince {
			o.want.ProblemsOpen--
		}
	}
	a1, a2, b1, c1 := offices[0], offices[1], offices[2], offices[3]
	ids := visit(a1, f.h1, true, "food", "health")
	visit(a1, f.h2, true)
	visit(a1, f.h1, true)
	a1.want.HouseholdsVisited = 2
	resolve(a1, ids[0], true)
	resolve(a1, old.ID, false)
	ids = visit(a2, hA2, true, "money")
	a2.want.HouseholdsVisited = 1
	resolve(a2, ids[0], true)
	visit(c1, hC, true)
	visit(c1, hOther, false, "documents")
	c1.want.HouseholdsVisited = 1
	_, err := f.svc.AddStatusEvent(As(officerC1), &kinbridge.StatusEvent{PersonID: pOther.ID, Kind: kinbridge.EventLeftCountry,
		Date: f.clock.Now().Format(time.DateOnly)})
	mustNoErr(t, err, "status event")
	c1.want.StatusEvents++
	_ = b1 // office B1 did nothing, and says so
	f.clock.Add(time.Hour)

	var sum kinbridge.Evidence
	for _, r := range regions {
		for _, o := range r.offices {
			a := f.live(t, derived[r.unit.ID].SeriesID, o.unit)
			preview, err := f.svc.PreviewEvidence(As(o.officer), a.ID)
			mustNoErr(t, err, "preview")
			rep := f.mustReport(t, o.officer, a.ID)
			got := rep.Evidence
			if got.UnitID != o.unit.ID || !got.Since.Equal(derived[r.unit.ID].IssuedAt) || got.ProgrammeID != f.prog.ID || !got.At.Equal(f.clock.Now().Truncate(time.Microsecond)) {
				t.Errorf("%s evidence frame %+v", o.unit.Names.EN, got)
			}
			got.UnitID, got.Since, got.At, got.ProgrammeID = 0, time.Time{}, time.Time{}, 0
			diff(t, o.unit.Names.EN+"'s evidence", o.want, got)
			preview.UnitID, preview.Since, preview.At, preview.ProgrammeID = 0, time.Time{}, time.Time{}, 0
			diff(t, o.unit.Names.EN+"'s preview", o.want, *preview)
			sum.Add(&o.want)
		}
	}
	// The regions report too, on their own subtree; theirs do not add to
	// the totals, which hold their offices' already.
	for _, r := range regions {
		rep := f.mustReport(t, r.sup, f.live(t, d.SeriesID, r.unit).ID)
		var want kinbridge.Evidence
		for _, o := range r.offices {
			want.Add(&o.want)
		}
		got := rep.Evidence
		got.UnitID, got.Since, got.At, got.ProgrammeID = 0, time.Time{}, time.Time{}, 0
		diff(t, r.unit.Names.EN+"'s evidence", want, got)
	}
	top := f.rollup(t, f.supHQ, d.ID, nil)
	diff(t, "HQ roll-up evidence", sum, top.Evidence)
	diff(t, "HQ roll-up states", map[kinbridge.AssignmentState]int{kinbridge.AssignmentReported: 7}, states(top.ByState))
	if len(top.Children) != 3 {
		t.Errorf("HQ roll-up children %+v", top.Children)
	}
	regionA := f.rollup(t, f.supA, derived[f.regionA.ID].ID, f.regionA)
	want := a1.want
	want.Add(&a2.want)
	diff(t, "region A's roll-up evidence", want, regionA.Evidence)

	for _, r := range regions {
		for _, o := range r.offices {
			f.mustStep(t, r.sup, f.live(t, derived[r.unit.ID].SeriesID, o.unit).ID, kinbridge.AssignmentAccept)
		}
		f.mustStep(t, f.supHQ, f.live(t, d.SeriesID, r.unit).ID, kinbridge.AssignmentAccept)
	}
	top = f.rollup(t, f.supHQ, d.ID, nil)
	if top.Accepted != 1 || top.Total != 7 || top.Overdue != 0 {
		t.Errorf("after the reviews: %+v", top)
	}
	f.checkRollup(t, d.RootID, f.hq, f.regionA, f.regionB, regionC, f.officeA1, officeA2)

	// The amendment: every region must acknowledge again.
	oldA := f.live(t, d.SeriesID, f.regionA)
	d2 := &kinbridge.Directive{Title: d.Title, Body: d.Body + " Twice.", DueAt: d.DueAt, Actions: d.Actions, Note: "Visit twice."}
	mustNoErr(t, f.svc.AmendDirective(As(f.supHQ), d.ID, d2), "amend")
	top = f.rollup(t, f.supHQ, d2.ID, nil)
	diff(t, "after the amendment", map[kinbridge.AssignmentState]int{kinbridge.AssignmentDelivered: 3, kinbridge.AssignmentAccepted: 4}, states(top.ByState))
	diff(t, "evidence after the amendment", sum, top.Evidence)
	_, err = f.step(f.supA, oldA.ID, kinbridge.AssignmentAcknowledge)
	wantCode(t, err, kinbridge.ECONFLICT)
	for _, r := range regions {
		a := f.live(t, d.SeriesID, r.unit)
		if a.DirectiveID != d2.ID || a.State != kinbridge.AssignmentDelivered || !a.Cascaded {
			t.Errorf("%s after the amendment: %+v", r.unit.Names.EN, a)
		}
		f.mustStep(t, r.sup, a.ID, kinbridge.AssignmentAcknowledge)
	}
	top = f.rollup(t, f.supHQ, d2.ID, nil)
	diff(t, "renewed", map[kinbridge.AssignmentState]int{kinbridge.AssignmentAcknowledged: 3, kinbridge.AssignmentAccepted: 4}, states(top.ByState))
	f.checkRollup(t, d.RootID, f.hq, f.regionA, regionC)
}
