package storetest

import (
	"testing"

	"github.com/kinbridge/kinbridge"
)

// testRollupAfterMove: moving a unit with live assignments (its own and its
// subtree's) to another parent moves them in the roll-up too — the old
// ancestors count them no more, the new ones do — and a report's evidence
// goes with them.
func testRollupAfterMove(t *testing.T, open Opener) {
	f := newDirectives(t, open)
	sys := System()
	officeA2 := f.mustCreateUnit(t, sys, f.regionA.ID, "Office A2")
	d := &kinbridge.Directive{IssuerUnitID: f.hq.ID, Title: "Count", DueAt: t0.AddDate(0, 0, 20), Addressees: kinbridge.Addressees{Depth: 2}}
	mustNoErr(t, f.svc.IssueDirective(sys, d), "issue")
	var mine *kinbridge.Assignment
	f.view(t, func(tx kinbridge.Tx) error {
		var err error
		mine, err = tx.FindLiveAssignment(t.Context(), d.SeriesID, f.officeA1.ID)
		return err
	})
	_, err := f.svc.StepAssignment(sys, mine.ID, kinbridge.AssignmentStep{Action: kinbridge.AssignmentAcknowledge})
	mustNoErr(t, err, "acknowledge")
	_, err = f.svc.SubmitReport(sys, mine.ID, 0, "Done.", nil)
	mustNoErr(t, err, "report")

	moved, err := f.svc.MoveUnit(sys, f.officeA1.ID, f.regionB.ID)
	mustNoErr(t, err, "move office A1 under region B")
	units := map[string]*kinbridge.Unit{}
	for _, u := range []*kinbridge.Unit{f.hq, f.regionA, f.regionB, moved, officeA2} {
		fresh, err := f.svc.FindUnitByID(sys, u.ID)
		mustNoErr(t, err, "reload "+u.Names.EN)
		units[fresh.Names.EN] = fresh
	}
	f.checkRollup(t, d.RootID, units[f.hq.Names.EN], units[f.regionA.Names.EN], units[f.regionB.Names.EN], units[moved.Names.EN], units[officeA2.Names.EN])

	r, err := f.svc.FindRollup(sys, d.ID, f.regionB.ID)
	mustNoErr(t, err, "roll-up at region B")
	if r.ByState[kinbridge.AssignmentReported] != 1 {
		t.Errorf("region B counts %v after the move, want the moved office's report", r.ByState)
	}
	r, err = f.svc.FindRollup(sys, d.ID, f.regionA.ID)
	mustNoErr(t, err, "roll-up at region A")
	if r.Total != 1 || r.ByState[kinbridge.AssignmentReported] != 0 {
		t.Errorf("region A counts %v (total %d) after the move, want only office A2's delivered one", r.ByState, r.Total)
	}
}
