package demo_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/demo"
)

// departureSummary lists the demo's departure list — the adopted policy,
// the crossings, every request with its party's size, status, rank and
// day — and checks its variety: residents alone and households of
// several, every status, an allocation within capacity.
func departureSummary(t *testing.T, svc *kinbridge.Service, size demo.Size) []string {
	t.Helper()
	sys := kinbridge.NewContextWithActor(context.Background(), kinbridge.SystemActor("demo"))
	var out []string
	statuses := []kinbridge.DepartureStatus{kinbridge.DepartureWaiting, kinbridge.DepartureAllocated, kinbridge.DepartureDeparted, kinbridge.DepartureWithdrawn}
	list, err := svc.FindDepartureList(sys, kinbridge.DepartureFilter{Statuses: statuses, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if list.Policy.Status != kinbridge.PolicyAdopted || len(list.Policy.Rules.Tiers) < 2 || len(list.Policy.Rules.Points) < 3 {
		t.Errorf("adopted policy %+v, want one with tiers and points", list.Policy)
	}
	out = append(out, fmt.Sprintf("policy %d %s %s", list.Policy.Version, list.Policy.Rules.Name, list.Policy.Rules.FitRule))
	cs, err := svc.FindCrossings(sys)
	if err != nil {
		t.Fatal(err)
	}
	open, capacity := 0, 0
	for _, c := range cs {
		out = append(out, fmt.Sprintf("crossing %s %v %d", c.Name, c.Open, c.DailyCapacity))
		if c.Open {
			open++
			capacity = c.DailyCapacity
		}
	}
	if len(cs) != 2 || open != 1 {
		t.Errorf("%d crossings, %d open; want 2, one open", len(cs), open)
	}
	count := map[kinbridge.DepartureStatus]int{}
	sizes := map[int]int{}
	alone, missed := 0, 0
	perDay := map[string]int{}
	for _, r := range list.Requests {
		count[r.Status]++
		sizes[r.Size()]++
		if r.PersonID != 0 {
			alone++
		}
		if r.Missed > 0 {
			missed++
		}
		if r.Status == kinbridge.DepartureAllocated || r.Status == kinbridge.DepartureDeparted {
			perDay[r.Day] += r.Size()
		}
		out = append(out, fmt.Sprintf("departure %s %d %d %s %s %d", r.Status, r.Size(), r.Rank, r.Day, r.Destination, r.Missed))
	}
	for _, st := range statuses {
		if count[st] == 0 {
			t.Errorf("no %s request", st)
		}
	}
	if alone == 0 || missed == 0 || len(sizes) < 3 {
		t.Errorf("%d residents alone, %d missed a day, sizes %v: want some, some, at least three sizes", alone, missed, sizes)
	}
	for d, n := range perDay {
		if n > capacity {
			t.Errorf("%d persons on %s, over the capacity", n, d)
		}
	}
	return out
}
