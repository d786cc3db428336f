package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// testCallsConcurrentService is the acceptance test of the booking rules
// under load: 32 clients book at once through Service.BookCall, aimed at a
// few scarce office slots and home blocks, for households with a quota of
// two; some send a request twice with its idempotency key. Afterwards the
// stored calls are checked independently of the code that booked them: no
// officer, room, home block or household is double booked, no household is
// over its quota or has two calls a day, and every booking that was
// acknowledged is there, booked, as it was acknowledged.
func testCallsConcurrentService(t *testing.T, open Opener) {
	f := newCallDesk(t, open)
	// h2 takes calls on Mondays 09:00–10:00 only: left out, so that every
	// request is valid and only the state refuses it.
	households, north := []*kinbridge.Household{f.h1, f.h3}, []*kinbridge.Household{f.h1}
	for i := range 9 {
		h := f.mustHousehold(t, f.sys, f.officeA1, fmt.Sprintf("%d Mountain Road", 10+i))
		area := ""
		if i%2 == 0 {
			area = "north"
		}
		mustNoErr(t, f.svc.SetHouseholdCallSettings(f.coord, &kinbridge.HouseholdCallSettings{HouseholdID: h.ID, Area: area}), "settings")
		households = append(households, h)
		if area != "" {
			north = append(north, h)
		}
	}
	const clients, each = 32, 6
	type booked struct {
		call *kinbridge.Call
		key  string
	}
	var (
		mu      sync.Mutex
		acked   []booked
		refused = map[string]int{}
		wg      sync.WaitGroup
	)
	ctxs := []context.Context{f.coord, As(f.officerA1), As(f.officerA1b), As(f.supA)}
	for g := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			ctx := ctxs[g%len(ctxs)]
			for i := range each {
				h := households[rng.IntN(len(households))]
				day := rng.IntN(3) // Monday to Wednesday
				var req kinbridge.BookCall
				if rng.IntN(3) == 0 {
					h = north[rng.IntN(len(north))]
					// Home blocks of officerA1 at 13:00 and 14:00.
					req = kinbridge.BookCall{HouseholdID: h.ID, Start: f.at(day, []string{"13:00", "14:00"}[rng.IntN(2)]),
						Place: kinbridge.CallAtHome, OfficerID: f.officerA1.ID}
				} else {
					// Two office slots of two rooms and two officers.
					req = f.office(h, day, []string{"09:00", "09:30"}[rng.IntN(2)])
				}
				if rng.IntN(4) == 0 {
					req.IdempotencyKey = fmt.Sprintf("client-%d-%d", g, i)
				}
				tries := 1
				if req.IdempotencyKey != "" {
					tries = 2 // the client sends it again, as after a lost answer
				}
				var first *kinbridge.Call
				for range tries {
					c, err := f.svc.BookCall(ctx, req)
					mu.Lock()
					switch {
					case err == nil && first != nil && c.ID != first.ID:
						t.Errorf("retry of %s booked call %d, the first %d", req.IdempotencyKey, c.ID, first.ID)
					case err == nil && first == nil:
						first = c
						acked = append(acked, booked{c, req.IdempotencyKey})
					case err != nil && kinbridge.ErrorCode(err) != kinbridge.ECONFLICT:
						t.Errorf("booking %+v: unexpected error %v", req, err)
					case err != nil:
						var e *kinbridge.Error
						if first != nil {
							t.Errorf("retry of %s refused: %v", req.IdempotencyKey, err)
						}
						if errors.As(err, &e) {
							refused[e.Key]++
						}
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d bookings acknowledged, refused: %v", len(acked), refused)
	if len(acked) == 0 || len(refused) == 0 {
		t.Fatalf("the test must book and refuse: %d acknowledged, refused %v", len(acked), refused)
	}

	var stored []*kinbridge.Call
	mustNoErr(t, f.store.View(context.Background(), func(tx kinbridge.Tx) error {
		var err error
		stored, _, err = tx.FindCalls(context.Background(), kinbridge.CallFilter{UnitID: f.officeA1.ID, Limit: 100000})
		return err
	}), "read calls")
	byID := map[int64]*kinbridge.Call{}
	for _, c := range stored {
		byID[c.ID] = c
	}
	for _, b := range acked {
		c := byID[b.call.ID]
		if c == nil || c.Status != kinbridge.CallBooked || !c.Start.Equal(b.call.Start) || c.HouseholdID != b.call.HouseholdID ||
			c.OfficerID != b.call.OfficerID || c.RoomID != b.call.RoomID {
			t.Errorf("acknowledged call %+v stored as %+v", b.call, c)
		}
	}
	if len(stored) != len(acked) {
		t.Errorf("%d calls stored, %d acknowledged", len(stored), len(acked))
	}
	checkCallInvariants(t, stored, f.loc, 2)
}

// checkCallInvariants checks booked calls against the rules from scratch
// (CallRuleViolations).
func checkCallInvariants(t *testing.T, calls []*kinbridge.Call, loc *time.Location, quota int) {
	t.Helper()
	for _, v := range CallRuleViolations(calls, loc, quota) {
		t.Error(v)
	}
}

// CallRuleViolations checks calls against the booking rules from scratch,
// without the service or the claims: no officer's time (a home call's
// whole block) or room used by two live calls at once, every call with an
// officer, at most one call a household a day and quota calls a week (ISO
// weeks and days in loc; a call the officer missed gives its seat back). It
// returns a line for each rule broken.
func CallRuleViolations(calls []*kinbridge.Call, loc *time.Location, quota int) []string {
	var out []string
	perDay := map[string]int{}
	perWeek := map[string]int{}
	byOfficer := map[int64][]*kinbridge.Call{}
	byRoom := map[int64][]*kinbridge.Call{}
	for _, c := range calls {
		if c.Status == kinbridge.CallCancelled {
			continue
		}
		local := c.Start.In(loc)
		day := fmt.Sprint(c.HouseholdID, " ", local.Format(time.DateOnly))
		if perDay[day]++; perDay[day] == 2 {
			out = append(out, fmt.Sprintf("household %d has more than one call on %s", c.HouseholdID, local.Format(time.DateOnly)))
		}
		if c.Status != kinbridge.CallOfficerMissing {
			y, w := local.ISOWeek()
			week := fmt.Sprintf("%d %d-W%02d", c.HouseholdID, y, w)
			if perWeek[week]++; perWeek[week] == quota+1 {
				out = append(out, fmt.Sprintf("household %d has more than %d calls in week %d-W%02d", c.HouseholdID, quota, y, w))
			}
		}
		if c.OfficerID == 0 {
			out = append(out, fmt.Sprintf("call %d has no officer", c.ID))
		} else {
			byOfficer[c.OfficerID] = append(byOfficer[c.OfficerID], c)
		}
		if c.RoomID != 0 {
			byRoom[c.RoomID] = append(byRoom[c.RoomID], c)
		}
	}
	// Sorted by start, a call overlaps an earlier one exactly when it
	// starts before the latest end so far.
	overlaps := func(what string, m map[int64][]*kinbridge.Call, end func(*kinbridge.Call) time.Time) {
		for id, cs := range m {
			slices.SortFunc(cs, func(a, b *kinbridge.Call) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID)) })
			var last *kinbridge.Call
			for _, c := range cs {
				if last != nil && c.Start.Before(end(last)) {
					out = append(out, fmt.Sprintf("%s %d double booked: calls %d and %d", what, id, last.ID, c.ID))
				}
				if last == nil || end(c).After(end(last)) {
					last = c
				}
			}
		}
	}
	overlaps("officer", byOfficer, func(c *kinbridge.Call) time.Time { return c.BlockEnd })
	overlaps("room", byRoom, func(c *kinbridge.Call) time.Time { return c.End })
	slices.Sort(out)
	return out
}
