package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kinbridge/kinbridge"
)

// The family calls part of the demo: every office with officers gets call
// rooms, office hours and a duty roster, its officers the areas they cover
// for home calls, and its households their call settings; then last week is
// planned, booked and played out (held, no-show, officer missing,
// cancelled), this week is planned and booked, an office cancels an
// afternoon for a power cut, and next week's plan waits as a draft for a
// coordinator to review and book. All of it through the services, under a
// clock set to when each thing happens.

// settingsBatch is how many households' call settings one transaction
// writes.
const settingsBatch = 5000

// areaNames name the home-call areas of an office.
var areaNames = []string{"north", "south", "east"}

// callsGen makes the demo's calls.
type callsGen struct {
	rng     *rand.Rand
	loc     *time.Location
	store   kinbridge.Store
	clk     *clock
	hq      *kinbridge.Unit
	offices []*kinbridge.Unit
	// officers of each office, in the order they were made.
	officers map[int64][]*kinbridge.User
	reg      *registry
}

// generateCalls makes the calls data, after the welfare history; now is the
// time the demo is made.
func generateCalls(ctx context.Context, svc *kinbridge.Service, seed uint64, hq *kinbridge.Unit, offices []*kinbridge.Unit,
	users []*kinbridge.User, reg *registry, progress func(string, int, int)) error {
	store := svc.Store()
	setter, ok := store.(clockSetter)
	if !ok {
		return fmt.Errorf("demo: the store cannot set its clock, so last week's calls cannot be dated in the past")
	}
	loc, err := time.LoadLocation(TimeZone)
	if err != nil {
		return fmt.Errorf("demo: time zone %s: %w", TimeZone, err)
	}
	g := &callsGen{
		rng: rand.New(rand.NewPCG(seed, 0x63616c6c73212121)), // "calls!!!"
		loc: loc, store: store, clk: &clock{}, hq: hq, offices: offices,
		officers: map[int64][]*kinbridge.User{}, reg: reg,
	}
	for _, u := range users {
		if u.Role == kinbridge.RoleOfficer {
			g.officers[u.UnitID] = append(g.officers[u.UnitID], u)
		}
	}
	now := svc.Clock().Now()
	thisWeek := kinbridge.WeekStart(now, loc)
	lastWeek := thisWeek.AddDate(0, 0, -7)
	nextWeek := thisWeek.AddDate(0, 0, 7)
	setter.SetClock(g.clk)
	defer setter.SetClock(kinbridge.SystemClock{})
	csvc := kinbridge.NewService(store, g.clk, kinbridge.DefaultServiceConfig())

	// The set-up, the day before last week began.
	g.clk.set(lastWeek.Add(-12 * time.Hour))
	progress("calls", 0, 5)
	if err := g.setUp(ctx, csvc); err != nil {
		return err
	}
	progress("calls", 1, 5)

	// Last week: planned and booked the day before, some calls cancelled
	// before they happened, the rest held or not.
	calls, err := g.planAndBook(ctx, csvc, lastWeek)
	if err != nil {
		return err
	}
	for _, c := range calls {
		if g.rng.IntN(25) == 0 {
			if _, err := csvc.CancelCall(ctx, c.ID, c.Version, "The household asked to move it: a relative abroad is travelling."); err != nil {
				return fmt.Errorf("demo: cancel call %d: %w", c.ID, err)
			}
			c.Status = kinbridge.CallCancelled
		}
	}
	g.clk.set(thisWeek.Add(-time.Hour))
	if err := g.outcomes(ctx, csvc, calls); err != nil {
		return err
	}
	progress("calls", 2, 5)

	// This week: planned and booked the day before; what is over by now
	// has its outcome.
	g.clk.set(thisWeek.Add(-12 * time.Hour))
	calls, err = g.planAndBook(ctx, csvc, thisWeek)
	if err != nil {
		return err
	}
	g.clk.set(now)
	var past []*kinbridge.Call
	for _, c := range calls {
		if c.End.Before(now) {
			past = append(past, c)
		}
	}
	if err := g.outcomes(ctx, csvc, past); err != nil {
		return err
	}
	// An office loses its power for tomorrow afternoon.
	if len(g.offices) > 1 {
		day := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day()+1, 13, 0, 0, 0, loc)
		if _, err := csvc.CancelOfficeCalls(ctx, g.offices[1].ID, day, day.Add(5*time.Hour), "Power cut: the building has no electricity tomorrow afternoon."); err != nil {
			return fmt.Errorf("demo: office cancellation: %w", err)
		}
	}
	progress("calls", 3, 5)

	// Next week: a draft for a coordinator to review and book.
	if _, err := csvc.PlanWeek(ctx, g.hq.ID, nextWeek.In(loc).Format(time.DateOnly)); err != nil {
		return fmt.Errorf("demo: plan next week: %w", err)
	}
	progress("calls", 5, 5)
	return nil
}

// setUp gives the offices with officers their rooms, hours, rosters and
// areas, and their households their call settings.
func (g *callsGen) setUp(ctx context.Context, svc *kinbridge.Service) error {
	areasOf := map[int64][]string{}
	for i, o := range g.offices {
		officers := g.officers[o.ID]
		if len(officers) == 0 {
			continue
		}
		office := &kinbridge.CallOffice{UnitID: o.ID, MorningStart: 9 * 60, MorningEnd: 12 * 60, AfternoonStart: 13 * 60, AfternoonEnd: 17 * 60}
		for r := range 1 + i%3 {
			office.Rooms = append(office.Rooms, &kinbridge.CallRoom{UnitID: o.ID, Name: fmt.Sprintf("Call room %d", r+1), Active: true})
		}
		if err := svc.SetCallOffice(ctx, office); err != nil {
			return fmt.Errorf("demo: call rooms of %s: %w", o.Names.EN, err)
		}
		areas := areaNames[:min(len(areaNames), max(1, len(officers)/2))]
		for k := range areas {
			areasOf[o.ID] = append(areasOf[o.ID], fmt.Sprintf("%d-%s", i+1, areas[k]))
		}
		var entries []kinbridge.RosterEntry
		officerAreas := map[int64]string{}
		for j, f := range officers {
			officerAreas[f.ID] = areasOf[o.ID][j%len(areasOf[o.ID])]
			for day := 1; day <= 5; day++ {
				for _, half := range []kinbridge.Half{kinbridge.Morning, kinbridge.Afternoon} {
					kind := kinbridge.DutyOffice
					switch r := g.rng.IntN(20); {
					case r < 5:
						kind = kinbridge.DutyHome
					case r < 8:
						kind = kinbridge.DutyOff
					}
					entries = append(entries, kinbridge.RosterEntry{OfficerID: f.ID, Weekday: day, Half: half, Kind: kind})
				}
			}
		}
		if err := svc.SetRoster(ctx, o.ID, entries, officerAreas); err != nil {
			return fmt.Errorf("demo: roster of %s: %w", o.Names.EN, err)
		}
	}

	var settings []*kinbridge.HouseholdCallSettings
	for _, h := range g.reg.households {
		areas := areasOf[h.UnitID]
		if len(areas) == 0 || h.HeadID == 0 {
			continue
		}
		settings = append(settings, g.householdSettings(h, areas))
	}
	for len(settings) > 0 {
		n := min(settingsBatch, len(settings))
		batch := settings[:n]
		settings = settings[n:]
		err := g.store.Update(ctx, func(tx kinbridge.Tx) error {
			tsvc := kinbridge.NewService(oneTx{tx}, g.clk, kinbridge.DefaultServiceConfig())
			for _, hs := range batch {
				if err := tsvc.SetHouseholdCallSettings(ctx, hs); err != nil {
					return fmt.Errorf("household %d: %w", hs.HouseholdID, err)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("demo: call settings: %w", err)
		}
	}
	return nil
}

// householdSettings draws a household's call settings: most are free on
// weekdays in office hours with a preferred time; some only in the
// evening, when no office holds calls (they will be short, and told why);
// some only at home or only at the office.
func (g *callsGen) householdSettings(h demoHousehold, areas []string) *kinbridge.HouseholdCallSettings {
	hs := &kinbridge.HouseholdCallSettings{HouseholdID: h.ID, Area: areas[g.rng.IntN(len(areas))]}
	switch r := g.rng.IntN(20); {
	case r < 2:
		hs.Places = []kinbridge.CallPlace{kinbridge.CallAtOffice}
	case r < 3:
		hs.Places = []kinbridge.CallPlace{kinbridge.CallAtHome}
	}
	evening := g.rng.IntN(40) == 0
	for day := 1; day <= 7; day++ {
		switch {
		case evening:
			hs.Windows = append(hs.Windows, kinbridge.WeekPeriod{Weekday: day, Start: 18 * 60, End: 21 * 60})
		case day <= 5 && g.rng.IntN(4) > 0:
			start := kinbridge.DayTime(9*60 + 30*g.rng.IntN(8))
			hs.Windows = append(hs.Windows, kinbridge.WeekPeriod{Weekday: day, Start: start, End: start + kinbridge.DayTime(180+30*g.rng.IntN(6))})
		}
	}
	if len(hs.Windows) > 0 && !evening {
		w := hs.Windows[g.rng.IntN(len(hs.Windows))]
		hs.Preferred = []kinbridge.WeekPeriod{{Weekday: w.Weekday, Start: w.Start, End: min(w.End, w.Start+90)}}
	}
	return hs
}

// planAndBook plans the week from monday for the whole tree and books it.
func (g *callsGen) planAndBook(ctx context.Context, svc *kinbridge.Service, monday time.Time) ([]*kinbridge.Call, error) {
	p, err := svc.PlanWeek(ctx, g.hq.ID, monday.In(g.loc).Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("demo: plan the week of %s: %w", monday.In(g.loc).Format(time.DateOnly), err)
	}
	_, calls, err := svc.BookCallPlan(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("demo: book the week of %s: %w", monday.In(g.loc).Format(time.DateOnly), err)
	}
	return calls, nil
}

// outcomes records how the calls went: most were held, a few households
// did not come, and now and then the officer could not be there.
func (g *callsGen) outcomes(ctx context.Context, svc *kinbridge.Service, calls []*kinbridge.Call) error {
	for len(calls) > 0 {
		n := min(settingsBatch, len(calls))
		batch := calls[:n]
		calls = calls[n:]
		err := g.store.Update(ctx, func(tx kinbridge.Tx) error {
			tsvc := kinbridge.NewService(oneTx{tx}, g.clk, kinbridge.DefaultServiceConfig())
			for _, c := range batch {
				if c.Status != kinbridge.CallBooked {
					continue
				}
				status, note := kinbridge.CallHeld, ""
				switch r := g.rng.IntN(30); {
				case r < 2:
					status, note = kinbridge.CallNoShow, "Nobody answered at the door."
				case r < 3:
					status, note = kinbridge.CallOfficerMissing, "The officer was called to an emergency."
				case r < 4:
					continue // not recorded yet
				}
				if _, err := tsvc.RecordCallOutcome(ctx, c.ID, c.Version, status, note); err != nil {
					return fmt.Errorf("call %d: %w", c.ID, err)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("demo: call outcomes: %w", err)
		}
	}
	return nil
}
