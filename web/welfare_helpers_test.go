package web

import (
	"time"

	"github.com/kinbridge/kinbridge"
)

// visit records, as the system, a visit of the officer to the household
// yesterday with one problem of the category, and returns both.
func (f *fixture) visit(h *kinbridge.Household, officer *kinbridge.User, category string) (*kinbridge.Visit, *kinbridge.Problem) {
	f.tb.Helper()
	v := &kinbridge.Visit{HouseholdID: h.ID, At: time.Now().Add(-24 * time.Hour), OfficerIDs: []int64{officer.ID}, Purpose: "Regular visit"}
	p := &kinbridge.Problem{Category: category, Description: "Needs a doctor", Priority: kinbridge.PriorityNormal}
	if err := f.svc.RecordVisit(f.ctx, v, []*kinbridge.Problem{p}); err != nil {
		f.tb.Fatalf("record visit: %v", err)
	}
	return v, p
}

// visitPlan adds, as the system, a visit plan of the unit for the
// programme.
func (f *fixture) visitPlan(u *kinbridge.Unit, prog *kinbridge.Programme, every int) *kinbridge.VisitPlan {
	f.tb.Helper()
	p := &kinbridge.VisitPlan{UnitID: u.ID, ProgrammeID: prog.ID, EveryDays: every, Active: true}
	if err := f.svc.SaveVisitPlan(f.ctx, p); err != nil {
		f.tb.Fatalf("save visit plan: %v", err)
	}
	return p
}
