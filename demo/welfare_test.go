package demo_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/demo"
)

// welfareSummary lists the demo's welfare records — problems with their
// history, visits, escalations and notifications, without their times,
// which follow the day of generation — and checks their variety: every
// status, every change, escalations of one and two levels, overdue visits,
// unread notifications for the demo officer and supervisor, and an intact
// audit log.
func welfareSummary(t *testing.T, svc *kinbridge.Service, size demo.Size) []string {
	t.Helper()
	ctx := context.Background()
	sys := kinbridge.NewContextWithActor(ctx, kinbridge.SystemActor("demo"))
	var summary []string
	statuses := map[kinbridge.ProblemStatus]int{}
	kinds := map[string]int{}
	levels := map[int]int{}
	notifications := map[string]map[string]int{}
	unread := map[string]int{}
	var visits, overdueVisits int
	err := svc.Store().View(ctx, func(tx kinbridge.Tx) error {
		ps, _, err := tx.FindProblems(ctx, kinbridge.ProblemFilter{})
		if err != nil {
			return err
		}
		slices.SortFunc(ps, func(a, b *kinbridge.Problem) int { return int(a.ID - b.ID) })
		for _, p := range ps {
			statuses[p.Status]++
			summary = append(summary, fmt.Sprintf("problem %d household %d person %d visit %d unit %d %s %s %q %s assignee %d referred to %d level %d",
				p.ID, p.HouseholdID, p.PersonID, p.VisitID, p.UnitID, p.Category, p.Priority, p.Description, p.Status, p.AssigneeID, p.ReferralUnitID, p.EscalationLevel))
			events, err := tx.FindProblemEvents(ctx, p.ID)
			if err != nil {
				return err
			}
			for _, e := range events {
				kinds[e.Kind]++
				summary = append(summary, fmt.Sprintf("  %s by %s %s→%s unit %d assignee %d %q", e.Kind, e.ActorName, e.FromStatus, e.ToStatus, e.UnitID, e.AssigneeID, e.Note))
			}
			es, err := tx.FindEscalations(ctx, kinbridge.EscalationFilter{ProblemID: p.ID})
			if err != nil {
				return err
			}
			for _, e := range es {
				levels[e.Level]++
				summary = append(summary, fmt.Sprintf("  escalation level %d to %d cleared %v", e.Level, e.UnitID, !e.ClearedAt.IsZero()))
			}
		}
		vs, err := tx.FindVisits(ctx, kinbridge.VisitFilter{PathPrefix: "/", Limit: 1 << 30})
		if err != nil {
			return err
		}
		visits = len(vs)
		for _, v := range vs {
			summary = append(summary, fmt.Sprintf("visit %d household %d officers %v persons %v %q %q", v.ID, v.HouseholdID, v.OfficerIDs, v.PersonIDs, v.Purpose, v.Notes))
		}
		if _, overdueVisits, err = tx.FindDueVisits(ctx, kinbridge.DueVisitFilter{PathPrefix: "/", DueBefore: tx.Now(), Limit: 1}); err != nil {
			return err
		}
		for _, l := range demo.Logins {
			u, err := tx.FindUserByUsername(ctx, l.Username)
			if err != nil {
				return err
			}
			ns, err := tx.FindNotifications(ctx, kinbridge.NotificationFilter{UserID: u.ID, Limit: 1000})
			if err != nil {
				return err
			}
			notifications[l.Username] = map[string]int{}
			for _, n := range ns {
				notifications[l.Username][n.Kind]++
				if n.Kind != kinbridge.NotifyDigest { // its key and text name the day
					summary = append(summary, fmt.Sprintf("notification %s %s problem %d %q", l.Username, n.Kind, n.ProblemID, n.Text))
				}
			}
			if unread[l.Username], err = tx.CountUnread(ctx, u.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range kinbridge.ProblemStatuses {
		if statuses[s] == 0 {
			t.Errorf("no problem is %s: %v", s, statuses)
		}
	}
	for _, k := range []string{"created", "escalated", "start", "resolve", "give_up", "reopen", "assign", "comment", "refer", "accept", "send_back"} {
		if kinds[k] == 0 {
			t.Errorf("no problem's history has a %q line: %v", k, kinds)
		}
	}
	if levels[1] == 0 || levels[2] == 0 {
		t.Errorf("escalations by level: %v, want some of level 1 and of level 2", levels)
	}
	if visits < size.Households/3 || overdueVisits == 0 {
		t.Errorf("%d visits for %d households, %d overdue", visits, size.Households, overdueVisits)
	}
	for _, login := range []string{"officer", "supervisor"} {
		if unread[login] == 0 {
			t.Errorf("the demo %s has no unread notifications: %v", login, notifications[login])
		}
	}
	if notifications["officer"][kinbridge.NotifyReferralAccepted] == 0 || notifications["officer"][kinbridge.NotifyDigest] == 0 {
		t.Errorf("the demo officer's notifications: %v, want accepted referrals and a digest", notifications["officer"])
	}
	if notifications["supervisor"][kinbridge.NotifyEscalated] == 0 {
		t.Errorf("the demo supervisor's notifications: %v, want escalations", notifications["supervisor"])
	}
	if _, problem, err := svc.VerifyAudit(sys, nil); err != nil || problem != nil {
		t.Errorf("audit log after the demo: %v, %v", problem, err)
	}
	t.Logf("%s: %d visits, problems %v, history %v, escalations by level %v, %d visits overdue", size.Name, visits, statuses, kinds, levels, overdueVisits)
	return summary
}
