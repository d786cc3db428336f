package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/departure"
)

// The departure list part of the demo: a priority policy with tiers
// (programme members first, then everyone) and vulnerability points (age
// 70 and over, serious illness, children separated from their parents
// abroad), the next household that fits using space left on a day;
// two crossings, one open with a daily capacity and one closed; requests
// for a share of the households at every size — some residents alone,
// most whole households — registered over the last weeks, with the facts
// the registry lacks; a week ago the open crossing's coming days were
// allocated, and since then most of those whose day passed departed, a
// few missed it (back on the list) and a few withdrew. Residents' codes
// are made for some requests (never printed: their secrets are shown
// only once, on the officer's page). All of it through the services, as
// the system, under a clock set to when each thing happens.

// Shares of the demo's departure list.
const (
	departureShare    = 5    // one household in departureShare asks to leave
	departureMax      = 4000 // at most this many requests
	departurePersonIn = 4    // one request in departurePersonIn is a resident alone
	departureCapacity = 60   // persons a day at the open crossing, at most
	departurePage     = 1000 // requests read at a time
)

// generateDepartures makes the departure list, after the calls.
func generateDepartures(ctx context.Context, svc *kinbridge.Service, seed uint64, reg *registry, progress func(string, int, int)) error {
	store := svc.Store()
	setter, ok := store.(clockSetter)
	if !ok {
		return fmt.Errorf("demo: the store cannot set its clock, so departures cannot be dated in the past")
	}
	loc, err := time.LoadLocation(TimeZone)
	if err != nil {
		return fmt.Errorf("demo: time zone %s: %w", TimeZone, err)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6465706172747321)) // "departs!"
	now := svc.Clock().Now()
	clk := &clock{}
	setter.SetClock(clk)
	defer setter.SetClock(kinbridge.SystemClock{})
	dsvc := kinbridge.NewService(store, clk, kinbridge.DefaultServiceConfig())
	weekAgo := now.AddDate(0, 0, -7)
	progress("departures", 0, 5)

	// The policy, adopted four weeks ago, and the crossings.
	clk.set(now.AddDate(0, 0, -28))
	pol := &kinbridge.DeparturePolicy{MissedRule: kinbridge.MissedKeepPlace, Rules: departure.Policy{
		Name:    "Programme members first, then the most vulnerable",
		FitRule: departure.FitNextThatFits,
		Tiers: []departure.Tier{
			{Name: "programme members", Fact: departure.FactProgramme},
			{Name: "everyone else", Fact: departure.FactAll},
		},
		Points: []departure.PointRule{
			{Fact: departure.FactAgeAtLeast, Threshold: 70, Points: 2},
			{Fact: departure.FactIllness, Points: 2},
			{Fact: departure.FactChildSeparated, Points: 1, Max: 3},
		},
	}}
	if err := dsvc.CreateDeparturePolicy(ctx, pol); err != nil {
		return fmt.Errorf("demo: departure policy: %w", err)
	}
	if _, err := dsvc.AdoptDeparturePolicy(ctx, pol.ID); err != nil {
		return fmt.Errorf("demo: adopt departure policy: %w", err)
	}
	progress("departures", 1, 5)

	// The requests, registered over the six weeks before the allocation.
	clk.set(weekAgo.Add(-time.Hour))
	var made []*kinbridge.DepartureRequest
	destinations := []string{"Seoul", "Busan", "Incheon", "Daegu", "Shenyang", "Yanji"}
	for i, h := range reg.households {
		if len(made) >= departureMax {
			break
		}
		if i%departureShare != 0 || h.HeadID == 0 {
			continue
		}
		r := &kinbridge.DepartureRequest{HouseholdID: h.ID, Destination: destinations[rng.IntN(len(destinations))],
			TravelDocs:   kinbridge.TravelDocsStates[rng.IntN(len(kinbridge.TravelDocsStates))],
			RegisteredAt: weekAgo.Add(-time.Duration(2+rng.IntN(6*24*7)) * time.Hour)}
		if rng.IntN(departurePersonIn) == 0 {
			r.HouseholdID, r.PersonID = 0, h.HeadID
		}
		// The facts the registry lacks, as the officer heard them from the
		// head of the household.
		if f := (kinbridge.DepartureMember{PersonID: h.HeadID, Illness: rng.IntN(8) == 0, Disability: rng.IntN(15) == 0,
			ChildSeparated: rng.IntN(10) == 0}); f.Illness || f.Disability || f.ChildSeparated {
			r.Members = []kinbridge.DepartureMember{f}
		}
		if rng.IntN(6) == 0 {
			r.Notes = "Relatives abroad will meet them at the crossing."
		}
		if err := dsvc.CreateDepartureRequest(ctx, r); err != nil {
			if c := kinbridge.ErrorCode(err); c == kinbridge.EINVALID || c == kinbridge.ECONFLICT {
				continue // nobody living there any more, or already on the list
			}
			return fmt.Errorf("demo: departure request of household %d: %w", h.ID, err)
		}
		made = append(made, r)
	}
	progress("departures", 2, 5)

	// A week ago the crossings were set up — the open one takes about a
	// twenty-fifth of the persons on the list a day — and its next two
	// weeks were allocated: about half the list.
	clk.set(weekAgo)
	persons := 0
	for _, r := range made {
		persons += r.Size()
	}
	open := &kinbridge.Crossing{Name: "North gate", Open: true, DailyCapacity: min(departureCapacity, max(4, persons/25))}
	closed := &kinbridge.Crossing{Name: "River bridge", Open: false, DailyCapacity: 40}
	for _, c := range []*kinbridge.Crossing{open, closed} {
		if err := dsvc.CreateCrossing(ctx, c); err != nil {
			return fmt.Errorf("demo: crossing %s: %w", c.Name, err)
		}
	}
	from := kinbridge.AddDays(kinbridge.LocalDay(weekAgo, loc), 1)
	if _, err := dsvc.AllocateCrossing(ctx, open.ID, from, 14); err != nil {
		return fmt.Errorf("demo: allocation: %w", err)
	}
	progress("departures", 3, 5)

	// Since then: those whose day passed left, but for a few who missed
	// it; a few waiting requests were withdrawn.
	clk.set(now.Add(-time.Hour))
	today := kinbridge.LocalDay(now, loc)
	// Their states after the allocation, read a page at a time: each read
	// ranks the whole list once, so one read per request would rank it as
	// many times as there are requests.
	current := make(map[int64]*kinbridge.DepartureRequest, len(made))
	for start := 0; start < len(made); start += departurePage {
		ids := make([]int64, 0, departurePage)
		for _, r := range made[start:min(start+departurePage, len(made))] {
			ids = append(ids, r.ID)
		}
		rs, _, err := dsvc.FindDepartureRequests(ctx, kinbridge.DepartureFilter{IDs: ids, Limit: len(ids)})
		if err != nil {
			return fmt.Errorf("demo: departure requests: %w", err)
		}
		for _, r := range rs {
			current[r.ID] = r
		}
	}
	withdrawn, waiting, passed := 0, 0, 0
	for _, r := range made {
		cur := current[r.ID]
		if cur == nil {
			return fmt.Errorf("demo: departure request %d: not found after the allocation", r.ID)
		}
		var err error
		switch {
		case cur.Status == kinbridge.DepartureAllocated && cur.Day < today:
			if passed++; passed%8 == 3 {
				_, err = dsvc.MarkMissed(ctx, cur.ID, cur.Version)
			} else {
				_, err = dsvc.MarkDeparted(ctx, cur.ID, cur.Version)
			}
		case cur.Status == kinbridge.DepartureWaiting:
			if waiting++; waiting%7 != 1 || withdrawn >= 10 {
				continue
			}
			withdrawn++
			_, err = dsvc.WithdrawDepartureRequest(ctx, cur.ID, cur.Version, "The family decided to stay for now.")
		}
		if err != nil {
			return fmt.Errorf("demo: departure request %d: %w", r.ID, err)
		}
	}
	progress("departures", 4, 5)

	// Codes for the slips of a few requests still on the list.
	clk.set(now)
	codes := 0
	for _, r := range made {
		if codes >= 20 {
			break
		}
		if _, _, err := dsvc.CreateResidentCode(ctx, r.ID); err != nil {
			return fmt.Errorf("demo: resident code of request %d: %w", r.ID, err)
		}
		codes++
	}
	progress("departures", 5, 5)
	return nil
}
