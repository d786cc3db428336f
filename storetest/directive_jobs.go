package storetest

import (
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// directiveJobRows counts the directive notifications by kind.
func (f *directives) directiveJobRows(t *testing.T) [3]int {
	t.Helper()
	return [3]int{
		f.count(t, "SELECT COUNT(*) FROM notifications WHERE kind = 'directive_due'"),
		f.count(t, "SELECT COUNT(*) FROM notifications WHERE kind = 'directive_overdue'"),
		f.count(t, "SELECT COUNT(*) FROM notifications WHERE kind = 'directive_weekly'"),
	}
}

func (f *directives) noticeKinds(t *testing.T, u *kinbridge.User, kind string) int {
	t.Helper()
	n := 0
	for _, x := range f.notifications(t, u) {
		if x.Kind == kind {
			n++
		}
	}
	return n
}

// testDirectiveJobs: with a fake clock, the jobs remind the addressees of a
// directive due soon, tell the issuer's supervisors when it is past due
// with units not done, and give the supervisors above overdue units a
// weekly digest — each exactly once, across two runs and a store reopened
// as after a restart.
func testDirectiveJobs(t *testing.T, open Opener) {
	f := newDirectives(t, open)
	d := f.issue(t, f.supHQ, f.hq, 0, 5*24*time.Hour, f.regionA, f.regionB)
	a, b := f.live(t, d.SeriesID, f.regionA), f.live(t, d.SeriesID, f.regionB)
	if n := f.noticeKinds(t, f.supA, kinbridge.NotifyDirective); n != 1 {
		t.Errorf("region A's supervisor told of the directive %d times", n)
	}

	run := func(what string, want kinbridge.JobReport) {
		t.Helper()
		r := f.runJobs(t, f.svc, nil)
		got := kinbridge.JobReport{DirectiveReminders: r.DirectiveReminders, DirectiveOverdue: r.DirectiveOverdue, DirectiveWeekly: r.DirectiveWeekly}
		if got != want {
			t.Errorf("%s: %+v, want %+v", what, got, want)
		}
	}
	run("not due soon", kinbridge.JobReport{})
	f.clock.Add(5*24*time.Hour - 47*time.Hour)
	run("due within two days", kinbridge.JobReport{DirectiveReminders: 1})
	run("again", kinbridge.JobReport{})
	if f.noticeKinds(t, f.supA, kinbridge.NotifyDirectiveDue) != 1 || f.noticeKinds(t, f.supB, kinbridge.NotifyDirectiveDue) != 1 ||
		f.noticeKinds(t, f.supHQ, kinbridge.NotifyDirectiveDue) != 0 || f.noticeKinds(t, f.viewerA, kinbridge.NotifyDirectiveDue) != 0 {
		t.Errorf("reminders: A %d, B %d, HQ %d", f.noticeKinds(t, f.supA, kinbridge.NotifyDirectiveDue),
			f.noticeKinds(t, f.supB, kinbridge.NotifyDirectiveDue), f.noticeKinds(t, f.supHQ, kinbridge.NotifyDirectiveDue))
	}

	// Region A completes; region B does not.
	f.mustStep(t, f.supA, a.ID, kinbridge.AssignmentAcknowledge)
	f.mustReport(t, f.supA, a.ID)
	f.mustStep(t, f.supHQ, a.ID, kinbridge.AssignmentAccept)
	f.mustStep(t, f.supB, b.ID, kinbridge.AssignmentAcknowledge)

	f.clock.Add(48 * time.Hour)
	// Past due: HQ's supervisors hear of it; HQ's and region B's
	// supervisors get the week's digest; region A's has nothing overdue.
	run("past due", kinbridge.JobReport{DirectiveOverdue: 1, DirectiveWeekly: 2})
	run("again", kinbridge.JobReport{})
	before := f.directiveJobRows(t)
	if before != [3]int{2, 1, 2} {
		t.Errorf("notifications (due, overdue, weekly) %v", before)
	}
	if f.noticeKinds(t, f.supHQ, kinbridge.NotifyDirectiveOverdue) != 1 || f.noticeKinds(t, f.supB, kinbridge.NotifyDirectiveWeekly) != 1 ||
		f.noticeKinds(t, f.supA, kinbridge.NotifyDirectiveWeekly) != 0 {
		t.Errorf("overdue notice and digests went to the wrong people")
	}
	r := f.rollup(t, f.supHQ, d.ID, nil)
	if r.Overdue != 1 || len(r.OverdueAt) != 1 || r.OverdueAt[0].ID != b.ID {
		t.Errorf("roll-up overdue %d %+v", r.Overdue, r.OverdueAt)
	}

	mustNoErr(t, f.store.Close(), "close")
	s := Reopen(t, f.store)
	s.SetClock(f.clock)
	f.store = s
	f.svc = kinbridge.NewService(s, f.clock, kinbridge.ServiceConfig{})
	run("after the restart", kinbridge.JobReport{})
	if after := f.directiveJobRows(t); after != before {
		t.Errorf("notifications %v, then %v", before, after)
	}

	// The next week brings the next digest, once.
	f.clock.Add(7 * 24 * time.Hour)
	run("next week", kinbridge.JobReport{DirectiveWeekly: 2})
	run("next week again", kinbridge.JobReport{})
}
