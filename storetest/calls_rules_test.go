package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// TestCallRuleViolations: the independent checker of booked calls finds
// each kind of broken rule, and nothing in calls that keep every rule.
func TestCallRuleViolations(t *testing.T) {
	loc := time.UTC
	mon := time.Date(2026, 3, 2, 9, 0, 0, 0, loc)
	mk := func(id, household, officer, room int64, start time.Time, block time.Duration) *kinbridge.Call {
		return &kinbridge.Call{ID: id, HouseholdID: household, OfficerID: officer, RoomID: room, Start: start,
			End: start.Add(30 * time.Minute), BlockEnd: start.Add(block), Status: kinbridge.CallBooked}
	}
	fine := []*kinbridge.Call{
		mk(1, 1, 10, 100, mon, 30*time.Minute),
		mk(2, 2, 10, 100, mon.Add(30*time.Minute), 30*time.Minute),
		mk(3, 3, 11, 0, mon, time.Hour),
		mk(4, 1, 10, 100, mon.Add(24*time.Hour), 30*time.Minute),
	}
	if got := CallRuleViolations(fine, loc, 2); len(got) != 0 {
		t.Fatalf("calls that keep the rules: %q", got)
	}
	cancelled := mk(5, 1, 10, 100, mon, 30*time.Minute)
	cancelled.Status = kinbridge.CallCancelled
	missed := mk(6, 1, 12, 0, mon.Add(48*time.Hour), time.Hour)
	missed.Status = kinbridge.CallOfficerMissing
	if got := CallRuleViolations(append(fine, cancelled, missed), loc, 2); len(got) != 0 {
		t.Fatalf("a cancelled call uses nothing, a missed one no quota seat: %q", got)
	}
	for _, tt := range []struct {
		name string
		add  *kinbridge.Call
		want string
	}{
		{"officer's home block", mk(8, 4, 11, 0, mon.Add(45*time.Minute), time.Hour), "officer 11 double booked"},
		{"officer in two rooms", mk(8, 4, 10, 101, mon.Add(10*time.Minute), 15*time.Minute), "officer 10 double booked"},
		{"room", mk(8, 4, 13, 100, mon.Add(45*time.Minute), 30*time.Minute), "room 100 double booked"},
		{"two calls a day", mk(8, 2, 13, 0, mon.Add(5*time.Hour), time.Hour), "household 2 has more than one call on 2026-03-02"},
		{"over the quota", mk(8, 1, 13, 0, mon.Add(96*time.Hour), time.Hour), "household 1 has more than 2 calls in week 2026-W10"},
		{"no officer", mk(8, 5, 0, 0, mon.Add(96*time.Hour), time.Hour), "call 8 has no officer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := CallRuleViolations(append(append([]*kinbridge.Call{}, fine...), tt.add), loc, 2)
			if len(got) != 1 || !strings.Contains(got[0], tt.want) {
				t.Errorf("violations %q, want one saying %q", got, tt.want)
			}
		})
	}
}
