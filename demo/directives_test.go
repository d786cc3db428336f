package demo_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/demo"
	"github.com/kinbridge/kinbridge/sqlite"
)

// directiveSummary lists the demo's directives — every version, its
// assignments, their reports with the evidence and review, without times —
// and checks their variety: headquarters' directive passed on by every
// region with offices, live assignments in every state, some overdue,
// reports returned and made again, an amendment whose version 2 some
// offices have still to acknowledge, each report's visits equal to a count
// of the visit records, the roll-up at headquarters equal to a recount, and
// the notifications they made.
func directiveSummary(t *testing.T, svc *kinbridge.Service, size demo.Size) []string {
	t.Helper()
	ctx := context.Background()
	var summary []string
	live := map[kinbridge.AssignmentState]int{}
	var overdue, derived, amended, staleAcks, redone, reports, attachments, liveTotal int
	var root *kinbridge.Directive
	notifications := map[string]map[string]int{}
	err := svc.Store().View(ctx, func(tx kinbridge.Tx) error {
		now := tx.Now()
		ds, err := tx.FindDirectives(ctx, kinbridge.DirectiveFilter{Limit: 1 << 20})
		if err != nil {
			return err
		}
		slices.SortFunc(ds, func(a, b *kinbridge.Directive) int { return int(a.SeriesID - b.SeriesID) })
		for _, s := range ds {
			if s.ParentID != 0 {
				derived++
			} else if root == nil {
				root = s
			}
			vs, err := tx.FindDirectiveVersions(ctx, s.SeriesID)
			if err != nil {
				return err
			}
			for _, d := range vs {
				summary = append(summary, fmt.Sprintf("directive %d series %d v%d parent %d root %d issuer %d %s %q %q addressees %v actions %v note %q",
					d.ID, d.SeriesID, d.Version, d.ParentID, d.RootID, d.IssuerUnitID, d.Status, d.Title, d.Body, d.Addressees, d.Actions, d.Note))
				if d.Version > 1 {
					amended++
				}
				as, err := tx.FindAssignments(ctx, kinbridge.AssignmentFilter{DirectiveID: d.ID, IncludeDead: true, Limit: 1 << 20})
				if err != nil {
					return err
				}
				for _, a := range as {
					summary = append(summary, fmt.Sprintf("  assignment %d unit %d %s live %v cascaded %v version %d", a.ID, a.UnitID, a.State, a.Live, a.Cascaded, a.Version))
					if a.Live {
						live[a.State]++
						liveTotal++
						if a.Overdue(now) {
							overdue++
						}
						if d.Version > 1 && a.State == kinbridge.AssignmentDelivered {
							staleAcks++
						}
					}
					rs, err := tx.FindReports(ctx, a.ID)
					if err != nil {
						return err
					}
					if len(rs) > 1 && rs[0].Review == kinbridge.AssignmentReturned {
						redone++
					}
					for _, r := range rs {
						reports++
						ev := r.Evidence
						summary = append(summary, fmt.Sprintf("    report %d by %s %q review %s %q evidence %d/%d households, %d visits, problems %d raised %d resolved %d open %d escalated, %d status events",
							r.ID, r.SubmitterName, r.Narrative, r.Review, r.ReviewNote, ev.HouseholdsVisited, ev.Households, ev.Visits,
							ev.ProblemsRaised, ev.ProblemsResolved, ev.ProblemsOpen, ev.ProblemsEscalated, ev.StatusEvents))
						for _, at := range r.Attachments {
							attachments++
							summary = append(summary, fmt.Sprintf("      attachment %q %s %d bytes %s", at.Name, at.ContentType, at.Size, at.SHA256))
						}
						// The evidence is what the records say: the visits
						// recorded in the unit's subtree between the issue and
						// the report.
						visits, err := tx.FindVisits(ctx, kinbridge.VisitFilter{PathPrefix: a.UnitPath, From: ev.Since, To: ev.At, Limit: 1 << 30})
						if err != nil {
							return err
						}
						households := map[int64]bool{}
						for _, v := range visits {
							households[v.HouseholdID] = true
						}
						if ev.Visits != len(visits) || ev.HouseholdsVisited > len(households) || ev.HouseholdsVisited > ev.Households || !ev.Since.Equal(vs[0].IssuedAt) {
							t.Errorf("report %d of unit %d: evidence %+v; the records hold %d visits to %d households since %s",
								r.ID, a.UnitID, ev, len(visits), len(households), vs[0].IssuedAt)
						}
					}
				}
			}
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
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range kinbridge.AssignmentStates {
		if live[s] == 0 {
			t.Errorf("no live assignment is %s: %v", s, live)
		}
	}
	if overdue == 0 || overdue == liveTotal {
		t.Errorf("%d of %d live assignments overdue, want some", overdue, liveTotal)
	}
	if derived == 0 || amended == 0 || staleAcks == 0 || redone == 0 {
		t.Errorf("%d derived directives, %d amended, %d units to acknowledge an amendment, %d reports made again; want some of each", derived, amended, staleAcks, redone)
	}
	if root == nil || root.ProgrammeID() == 0 {
		t.Fatalf("headquarters' directive %+v asks for no visits", root)
	}
	if n := notifications["officer"]; n[kinbridge.NotifyDirective] == 0 || n[kinbridge.NotifyReportReturned] == 0 {
		t.Errorf("the demo officer's notifications %v: want directives and a returned report", n)
	}
	if n := notifications["supervisor"]; n[kinbridge.NotifyDirective] == 0 || n[kinbridge.NotifyReportSubmitted] == 0 || n[kinbridge.NotifyReportReturned] == 0 {
		t.Errorf("the demo supervisor's notifications %v: want a directive, reports to review and a returned report", n)
	}

	// The roll-up at headquarters, as its administrator sees it, counts what
	// the recount found under headquarters' directive.
	admin, err := svc.FindUserByUsername(kinbridge.NewContextWithActor(ctx, kinbridge.SystemActor("demo")), "admin")
	if err != nil {
		t.Fatal(err)
	}
	actx := kinbridge.NewContextWithActor(ctx, &kinbridge.Actor{UserID: admin.ID, Username: admin.Username, Role: admin.Role, UnitID: admin.UnitID, UnitPath: admin.UnitPath})
	r, err := svc.FindRollup(actx, root.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var cascade, cascadeAccepted int
	err = svc.Store().View(ctx, func(tx kinbridge.Tx) error {
		as, err := tx.FindAssignments(ctx, kinbridge.AssignmentFilter{RootID: root.RootID, Limit: 1 << 30})
		for _, a := range as {
			cascade++
			if a.State == kinbridge.AssignmentAccepted {
				cascadeAccepted++
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != cascade || r.ByState[kinbridge.AssignmentAccepted] != cascadeAccepted || r.Evidence.Visits == 0 || len(r.Children) == 0 {
		t.Errorf("roll-up at headquarters: %d assignments, %d accepted, %d visits, %d children; the recount: %d, %d",
			r.Total, r.ByState[kinbridge.AssignmentAccepted], r.Evidence.Visits, len(r.Children), cascade, cascadeAccepted)
	}
	summary = append(summary, fmt.Sprintf("roll-up %v total %d overdue %d evidence %+v", r.ByState, r.Total, r.Overdue, r.Evidence.Visits))
	t.Logf("%s: live assignments %v (%d overdue), %d derived directives, %d amended, %d reports (%d made again, %d attachments); roll-up at headquarters: %d assignments, %.0f%% accepted, %d overdue, %d visits, notifications %v",
		size.Name, live, overdue, derived, amended, reports, redone, attachments, r.Total, 100*r.Accepted, r.Overdue, r.Evidence.Visits, notifications)
	return summary
}

// TestGenerateLarger checks the directives of a larger data set when
// KINBRIDGE_DEMO_SIZE names one (province; nation takes long), and logs
// how long each stage took.
func TestGenerateLarger(t *testing.T) {
	name := os.Getenv("KINBRIDGE_DEMO_SIZE")
	if name == "" {
		t.Skip("set KINBRIDGE_DEMO_SIZE=province to check the directives of a larger demo data set")
	}
	size, ok := demo.Sizes[name]
	if !ok {
		t.Fatalf("KINBRIDGE_DEMO_SIZE=%q is not one of %v", name, demo.SizeNames)
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := kinbridge.NewService(store, nil, kinbridge.DefaultServiceConfig())
	sys := kinbridge.NewContextWithActor(ctx, kinbridge.SystemActor("demo"))
	start, stage := time.Now(), ""
	err = demo.Generate(sys, svc, demo.Options{Size: size, Seed: 1, Progress: func(s string, done, total int) {
		if s != stage {
			stage, start = s, time.Now()
		}
		if done == total {
			t.Logf("%s: %d in %s", s, total, time.Since(start).Round(time.Second))
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	directiveSummary(t, svc, size)
}
