package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kinbridge/kinbridge"
)

// welfareCases are the welfare capability's part of the behaviour suite.
var welfareCases = []struct {
	name string
	fn   func(*testing.T, Opener)
}{
	{"WelfareStore", testWelfareStore},
	{"ProblemTransitions", testProblemTransitions},
	{"ProblemVersionConflict", testProblemVersionConflict},
	{"ProblemReferral", testProblemReferral},
	{"ProblemFilters", testProblemFilters},
	{"RecordVisitAllOrNothing", testRecordVisitAllOrNothing},
	{"VisitPlansDueVisits", testVisitPlansDueVisits},
	{"Escalation", testEscalation},
	{"JobsOnceAcrossRestart", testJobsOnceAcrossRestart},
	{"JobsConcurrent", testJobsConcurrent},
	{"DigestAndMail", testDigestAndMail},
	{"Dashboard", testDashboard},
	{"Notifications", testNotifications},
	{"WelfareUsesIndexes", testWelfareUsesIndexes},
}

// welfare is the registry fixture with welfare users and households:
//
//	hq (adminHQ, supHQ)
//	├── regionA (supA, viewerA)
//	│   └── officeA1 (officerA1, officerA1b, coordA1): households h1, h2
//	└── regionB (supB)
//	    └── officeB1 (officerB1): household hB
type welfare struct {
	*registry
	supHQ, supB, officerA1b *kinbridge.User
	h1, h2, hB              *kinbridge.Household
	m1                      *kinbridge.Person // a member of h1 in the programme
}

func newWelfare(t *testing.T, open Opener) *welfare {
	t.Helper()
	f := &welfare{registry: newRegistry(t, open)}
	f.supHQ = f.mustCreateUser(t, "sup-hq", kinbridge.RoleSupervisor, f.hq)
	f.supB = f.mustCreateUser(t, "sup-b", kinbridge.RoleSupervisor, f.regionB)
	f.officerA1b = f.mustCreateUser(t, "officer-a1b", kinbridge.RoleOfficer, f.officeA1)
	f.h1 = f.mustHousehold(t, f.sys, f.officeA1, "1 River Road")
	f.h2 = f.mustHousehold(t, f.sys, f.officeA1, "2 River Road")
	f.hB = f.mustHousehold(t, f.sys, f.officeB1, "9 Hill Street")
	m := resident(f.h1, "王小明", "", "1961")
	m.ProgrammeIDs = []int64{f.prog.ID}
	f.m1 = f.mustPerson(t, f.sys, m)
	m2 := resident(f.h2, "李娜", "", "1990")
	m2.ProgrammeIDs = []int64{f.prog.ID}
	f.mustPerson(t, f.sys, m2)
	mB := resident(f.hB, "김영희", "", "1975")
	mB.ProgrammeIDs = []int64{f.prog.ID}
	f.mustPerson(t, f.sys, mB)
	return f
}

// raise raises a problem of the household as the user, with defaults.
func (f *welfare) raise(t *testing.T, ctx context.Context, h *kinbridge.Household, category string, assignee int64) *kinbridge.Problem {
	t.Helper()
	p := &kinbridge.Problem{HouseholdID: h.ID, Category: category, Description: "needs " + category, AssigneeID: assignee}
	mustNoErr(t, f.svc.CreateProblem(ctx, p), "create problem")
	return p
}

func (f *welfare) change(ctx context.Context, id int64, c kinbridge.ProblemChange) (*kinbridge.Problem, error) {
	return f.svc.ChangeProblem(ctx, id, c)
}

func (f *welfare) mustChange(t *testing.T, ctx context.Context, id int64, c kinbridge.ProblemChange) *kinbridge.Problem {
	t.Helper()
	p, err := f.change(ctx, id, c)
	mustNoErr(t, err, "change problem: "+string(c.Action))
	return p
}

// view runs fn in a read transaction of the store.
func (f *welfare) view(t *testing.T, fn func(tx kinbridge.Tx) error) {
	t.Helper()
	mustNoErr(t, f.store.View(context.Background(), fn), "view")
}

func (f *welfare) problem(t *testing.T, id int64) *kinbridge.Problem {
	t.Helper()
	var p *kinbridge.Problem
	f.view(t, func(tx kinbridge.Tx) (err error) {
		p, err = tx.FindProblemByID(context.Background(), id)
		return err
	})
	return p
}

func (f *welfare) events(t *testing.T, id int64) []*kinbridge.ProblemEvent {
	t.Helper()
	var es []*kinbridge.ProblemEvent
	f.view(t, func(tx kinbridge.Tx) (err error) {
		es, err = tx.FindProblemEvents(context.Background(), id)
		return err
	})
	return es
}

func (f *welfare) notifications(t *testing.T, u *kinbridge.User) []*kinbridge.Notification {
	t.Helper()
	ns, _, err := f.svc.FindNotifications(As(u), false, 200)
	mustNoErr(t, err, "find notifications")
	return ns
}

func kinds(ns []*kinbridge.Notification) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, fmt.Sprintf("%s:%d", n.Kind, n.ProblemID))
	}
	return out
}

func problemIDs(ps []*kinbridge.Problem) []int64 {
	out := []int64{}
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// testWelfareStore checks the Tx methods' round trips and keys.
func testWelfareStore(t *testing.T, open Opener) {
	f := newWelfare(t, open)
	ctx := context.Background()
	officer := As(f.officerA1)

	t.Run("visit round trip", func(t *testing.T) {
		v := &kinbridge.Visit{HouseholdID: f.h1.ID, At: t0.Add(-time.Hour), OfficerIDs: []int64{f.officerA1b.ID, f.officerA1.ID},
			PersonIDs: []int64{f.m1.ID}, Purpose: "routine", Notes: "all well"}
		p := &kinbridge.Problem{Category: "food", Description: "short of rice"}
		mustNoErr(t, f.svc.RecordVisit(officer, v, []*kinbridge.Problem{p}), "record visit")
		got, err := f.svc.FindVisit(officer, v.ID)
		mustNoErr(t, err, "find visit")
		diff(t, "visit", v, got)
		if got.UnitID != f.officeA1.ID || got.RecordedBy != f.officerA1.ID || len(got.ProblemIDs) != 1 || got.ProblemIDs[0] != p.ID {
			t.Errorf("visit %+v", got)
		}
		vs, err := f.svc.FindVisits(officer, kinbridge.VisitFilter{OfficerID: f.officerA1b.ID})
		mustNoErr(t, err, "find visits")
		diff(t, "visits by officer", []*kinbridge.Visit{v}, vs)
		vs, err = f.svc.FindVisits(As(f.officerB1), kinbridge.VisitFilter{})
		mustNoErr(t, err, "find visits of B")
		diff(t, "visits out of scope", []*kinbridge.Visit{}, vs)
	})

	t.Run("problem round trip", func(t *testing.T) {
		due := t0.Add(72*time.Hour + 7*time.Nanosecond)
		p := &kinbridge.Problem{HouseholdID: f.h1.ID, PersonID: f.m1.ID, ProgrammeID: f.prog.ID, Category: "health",
			Description: "knee", Priority: kinbridge.PriorityHigh, AssigneeID: f.officerA1b.ID, DueAt: due}
		mustNoErr(t, f.svc.CreateProblem(officer, p), "create")
		if p.Version != 1 || p.ID == 0 || !p.DueAt.Equal(due.Truncate(time.Microsecond)) {
			t.Fatalf("created %+v", p)
		}
		got := f.problem(t, p.ID)
		diff(t, "problem", p, got)
		if got.UnitPath != f.officeA1.Path || got.HouseholdPath != f.officeA1.Path || got.HouseholdAddress != f.h1.Address ||
			got.HouseholdUnitID != f.officeA1.ID {
			t.Errorf("read fields %+v", got)
		}
	})

	t.Run("keys", func(t *testing.T) {
		err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
			n := &kinbridge.Notification{UserID: f.officerA1.ID, Kind: kinbridge.NotifyDigest, Key: "k1", Text: "one"}
			if ok, err := tx.CreateNotification(ctx, n); err != nil || !ok {
				return fmt.Errorf("first notification: %v %v", ok, err)
			}
			if ok, err := tx.CreateNotification(ctx, &kinbridge.Notification{UserID: f.officerA1.ID, Kind: kinbridge.NotifyDigest, Key: "k1", Text: "two"}); err != nil || ok {
				return fmt.Errorf("second notification: %v %v", ok, err)
			}
			if ok, err := tx.CreateNotification(ctx, &kinbridge.Notification{UserID: f.officerB1.ID, Kind: kinbridge.NotifyDigest, Key: "k1", Text: "other user"}); err != nil || !ok {
				return fmt.Errorf("other user's notification: %v %v", ok, err)
			}
			m := &kinbridge.OutboxMail{Key: "m1", To: "a@example.org", Subject: "s", Body: "b"}
			if ok, err := tx.CreateOutboxMail(ctx, m); err != nil || !ok {
				return fmt.Errorf("first mail: %v %v", ok, err)
			}
			if ok, err := tx.CreateOutboxMail(ctx, &kinbridge.OutboxMail{Key: "m1", To: "b@example.org"}); err != nil || ok {
				return fmt.Errorf("second mail: %v %v", ok, err)
			}
			plan := &kinbridge.VisitPlan{UnitID: f.officeA1.ID, ProgrammeID: f.prog.ID, EveryDays: 30, Active: true}
			if err := tx.CreateVisitPlan(ctx, plan); err != nil {
				return err
			}
			err := tx.CreateVisitPlan(ctx, &kinbridge.VisitPlan{UnitID: f.officeA1.ID, ProgrammeID: f.prog.ID, EveryDays: 7, Active: true})
			if kinbridge.ErrorCode(err) != kinbridge.ECONFLICT {
				return fmt.Errorf("second plan: %v", err)
			}
			// The transaction is still good after the refusals.
			got, err := tx.FindVisitPlanByID(ctx, plan.ID)
			if err != nil {
				return err
			}
			if got.EveryDays != 30 || got.UnitPath != f.officeA1.Path || !got.Active {
				return fmt.Errorf("plan %+v", got)
			}
			if err := tx.SetUserEmail(ctx, f.officerA1.ID, "a1@example.org"); err != nil {
				return err
			}
			if err := tx.SetUserEmail(ctx, f.officerA1.ID, "a1b@example.org"); err != nil {
				return err
			}
			if e, err := tx.FindUserEmail(ctx, f.officerA1.ID); err != nil || e != "a1b@example.org" {
				return fmt.Errorf("email %q %v", e, err)
			}
			if err := tx.SetUserEmail(ctx, f.officerA1.ID, ""); err != nil {
				return err
			}
			if e, err := tx.FindUserEmail(ctx, f.officerA1.ID); err != nil || e != "" {
				return fmt.Errorf("email removed %q %v", e, err)
			}
			if err := tx.SetCaseOfficer(ctx, f.h1.ID, f.officerA1.ID); err != nil {
				return err
			}
			if err := tx.SetCaseOfficer(ctx, f.h1.ID, f.officerA1b.ID); err != nil {
				return err
			}
			if id, err := tx.FindCaseOfficer(ctx, f.h1.ID); err != nil || id != f.officerA1b.ID {
				return fmt.Errorf("case officer %d %v", id, err)
			}
			if err := tx.SetCaseOfficer(ctx, f.h1.ID, 0); err != nil {
				return err
			}
			if id, err := tx.FindCaseOfficer(ctx, f.h1.ID); err != nil || id != 0 {
				return fmt.Errorf("case officer removed %d %v", id, err)
			}
			return errRollback
		})
		if err != errRollback {
			t.Fatal(err)
		}
	})

	t.Run("schema refuses bad values", func(t *testing.T) {
		for _, bad := range []struct{ name, query string }{
			{"status", "UPDATE problems SET status = 'lost'"},
			{"priority", "UPDATE problems SET priority = 'meh'"},
			{"closed without closed_at", "UPDATE problems SET status = 'resolved', next_escalation_at = NULL"},
			{"referred without unit", "UPDATE problems SET status = 'referred', referral_from = 'open'"},
		} {
			_, err := f.store.WriteDB().ExecContext(ctx, bad.query)
			if err == nil {
				t.Errorf("%s: the schema took %q", bad.name, bad.query)
			}
		}
		if _, err := f.store.WriteDB().ExecContext(ctx, "UPDATE problem_events SET note = 'rewritten'"); err == nil {
			t.Error("the schema let a problem event be changed")
		}
		if _, err := f.store.WriteDB().ExecContext(ctx, "DELETE FROM problem_events"); err == nil {
			t.Error("the schema let a problem event be removed")
		}
	})

	t.Run("not found", func(t *testing.T) {
		f.view(t, func(tx kinbridge.Tx) error {
			_, err := tx.FindProblemByID(ctx, 9999)
			wantCode(t, err, kinbridge.ENOTFOUND)
			_, err = tx.FindVisitByID(ctx, 9999)
			wantCode(t, err, kinbridge.ENOTFOUND)
			_, err = tx.FindVisitPlanByID(ctx, 9999)
			wantCode(t, err, kinbridge.ENOTFOUND)
			return nil
		})
		_, err := f.svc.FindProblem(officer, 9999)
		wantCode(t, err, kinbridge.ENOTFOUND)
	})
}

var ignoreProblemReads = cmpopts.IgnoreFields(kinbridge.Problem{}, "UnitPath", "ReferralUnitPath", "HouseholdAddress", "HouseholdUnitID", "HouseholdPath")
