package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// callOffice sets the unit up for calls, as the system: the default hours,
// one room, and each officer on office duty every day, morning and
// afternoon, covering area "north" for home calls on Saturday and Sunday
// afternoons instead.
func (f *fixture) callOffice(u *kinbridge.Unit, officers ...*kinbridge.User) *kinbridge.CallOffice {
	f.tb.Helper()
	o := &kinbridge.CallOffice{UnitID: u.ID, MorningStart: 9 * 60, MorningEnd: 12 * 60, AfternoonStart: 13 * 60, AfternoonEnd: 17 * 60,
		Rooms: []*kinbridge.CallRoom{{Name: "Room 1", Active: true}}}
	if err := f.svc.SetCallOffice(f.ctx, o); err != nil {
		f.tb.Fatalf("set call office: %v", err)
	}
	var entries []kinbridge.RosterEntry
	areas := map[int64]string{}
	for _, off := range officers {
		for d := 1; d <= 7; d++ {
			entries = append(entries, kinbridge.RosterEntry{OfficerID: off.ID, Weekday: d, Half: kinbridge.Morning, Kind: kinbridge.DutyOffice},
				kinbridge.RosterEntry{OfficerID: off.ID, Weekday: d, Half: kinbridge.Afternoon, Kind: kinbridge.DutyOffice})
		}
		areas[off.ID] = "north"
	}
	if err := f.svc.SetRoster(f.ctx, u.ID, entries, areas); err != nil {
		f.tb.Fatalf("set roster: %v", err)
	}
	return o
}

// freeSlots returns the household's free slots, as the system.
func (f *fixture) freeSlots(h *kinbridge.Household) []kinbridge.Slot {
	f.tb.Helper()
	now := time.Now()
	fs, err := f.svc.FreeSlots(f.ctx, h.ID, now, now.AddDate(0, 0, 14))
	if err != nil {
		f.tb.Fatalf("free slots: %v", err)
	}
	if len(fs.Slots) == 0 {
		f.tb.Fatalf("household %d has no free slot: %s", h.ID, fs.Reason)
	}
	return fs.Slots
}

// slotOnAnotherDay is a free slot of the household on another day than
// day.
func (f *fixture) slotOnAnotherDay(h *kinbridge.Household, day string) kinbridge.Slot {
	f.tb.Helper()
	u, err := f.svc.FindUnitByID(f.ctx, h.UnitID)
	if err != nil {
		f.tb.Fatal(err)
	}
	for _, s := range f.freeSlots(h) {
		if kinbridge.LocalDay(s.Start, u.Location()) != day {
			return s
		}
	}
	f.tb.Fatalf("household %d has no free slot on another day than %s", h.ID, day)
	return kinbridge.Slot{}
}

// bookFirst books the household's first free slot, as the system.
func (f *fixture) bookFirst(h *kinbridge.Household) *kinbridge.Call {
	f.tb.Helper()
	s := f.freeSlots(h)[0]
	c, err := f.svc.BookCall(f.ctx, kinbridge.BookCall{HouseholdID: h.ID, Start: s.Start, Place: s.Place, OfficerID: s.OfficerID})
	if err != nil {
		f.tb.Fatalf("book call: %v", err)
	}
	return c
}

// pastCall stores a booked call of the household that started hoursAgo
// hours ago, in the office's room with the officer, straight in the store: no
// booking may start in the past, but outcomes are recorded on such calls.
func (f *fixture) pastCall(h *kinbridge.Household, officer *kinbridge.User, room *kinbridge.CallRoom, hoursAgo int) *kinbridge.Call {
	f.tb.Helper()
	u, err := f.svc.FindUnitByID(f.ctx, h.UnitID)
	if err != nil {
		f.tb.Fatal(err)
	}
	start := time.Now().Add(-time.Duration(hoursAgo) * time.Hour).Truncate(kinbridge.CallGranule)
	c := &kinbridge.Call{HouseholdID: h.ID, UnitID: u.ID, UnitPath: u.Path, OfficerID: officer.ID, RoomID: room.ID, Place: kinbridge.CallAtOffice,
		Start: start, End: start.Add(30 * time.Minute), BlockEnd: start.Add(30 * time.Minute), Week: kinbridge.ISOWeekOf(start, u.Location()),
		Day: kinbridge.LocalDay(start, u.Location()), Status: kinbridge.CallBooked, RelativeIDs: []int64{}, CreatedBy: officer.ID}
	err = f.store.Update(context.Background(), func(tx kinbridge.Tx) error { return tx.CreateCall(context.Background(), c, 2) })
	if err != nil {
		f.tb.Fatalf("store past call: %v", err)
	}
	return c
}

// nextMonday is the Monday after today in Seoul, the fixture's zone.
func nextMonday() string {
	loc, _ := time.LoadLocation("Asia/Seoul")
	return addDays(thisMonday(time.Now(), loc), 7)
}

// seoulToday is today's date in Seoul.
func seoulToday() string {
	loc, _ := time.LoadLocation("Asia/Seoul")
	return time.Now().In(loc).Format(time.DateOnly)
}

// callsRoute reports whether the route is the family calls', whose cases
// need offices set up, households with free slots, and call records.
func callsRoute(rt route) bool {
	for _, s := range []string{"call", "calendar", "roster"} {
		if strings.Contains(rt.pattern, s) {
			return true
		}
	}
	return false
}

// callsSetup sets up the relation's unit for calls: its office with one
// room, and its officer on duty every day.
func callsSetup(f *fixture, unit *kinbridge.Unit, officer *kinbridge.User) *kinbridge.CallRoom {
	o := f.callOffice(unit, officer)
	return o.Rooms[0]
}

// callRecords gives one case of a calls route its records, fresh for the
// case (a booking uses the household's quota; a cancel or outcome ends a
// call; a plan is booked once; an exception is deleted once): a household
// of the relation's unit, a call of it, a plan of the unit, a roster
// exception, the actor's calendar token, and a feed token.
func callRecords(t *testing.T, c *authzCase, rt route, room *kinbridge.CallRoom) {
	f := c.f
	c.household = f.household(c.unit, fmt.Sprintf("%d Call Street", c.n))
	switch rt.target {
	case targetCall:
		if strings.HasSuffix(rt.pattern, "/outcome") {
			c.call = f.pastCall(c.household, c.target, room, c.n)
		} else {
			c.call = f.bookFirst(c.household)
		}
	case targetCallPlan:
		p, err := f.svc.PlanWeek(f.ctx, c.unit.ID, nextMonday())
		if err != nil {
			t.Fatalf("plan week: %v", err)
		}
		c.callPlan = p
	case targetRosterException:
		e := &kinbridge.RosterException{UnitID: c.unit.ID, OfficerID: c.target.ID, Day: addDays(seoulToday(), 20+c.n), Kind: kinbridge.DutyOff, Reason: "Leave"}
		if err := f.svc.AddRosterException(f.ctx, e); err != nil {
			t.Fatalf("add roster exception: %v", err)
		}
		c.exceptionID = e.ID
	case targetOwnCalendarToken:
		ct := &kinbridge.CalendarToken{UserID: c.actor.ID, Hash: kinbridge.HashToken(fmt.Sprintf("feed-%d-%d", c.actor.ID, c.n))}
		err := f.store.Update(context.Background(), func(tx kinbridge.Tx) error { return tx.CreateCalendarToken(context.Background(), ct) })
		if err != nil {
			t.Fatalf("store calendar token: %v", err)
		}
		c.calendarTokenID = ct.ID
	}
	if rt.pattern == "/calendar/{file}" {
		token, _, err := f.svc.CreateCalendarToken(f.actor(c.target))
		if err != nil {
			t.Fatalf("create calendar token: %v", err)
		}
		c.feedToken = token
	}
}

// slotForm is the booking form's value of the household's first free slot.
func slotForm(c *authzCase) string { return slotValue(c.f.freeSlots(c.household)[0]) }

// callsAuthzInputs are the calls routes' valid inputs, added to
// authzInputs.
var callsAuthzInputs = map[string]func(c *authzCase) any{
	"GET /households/{id}/calls": nil,
	"POST /households/{id}/calls": func(c *authzCase) any {
		return url.Values{"slot": {slotForm(c)}, "idempotency_key": {fmt.Sprintf("k%d", c.n)}}
	},
	"POST /households/{id}/call-settings": func(c *authzCase) any {
		return url.Values{"area": {"north"}, "places": {"office", "home"}, "windows": {"Mon 09:00-17:00\nTue 09:00-17:00"}}
	},
	"POST /calls/{id}/cancel": func(c *authzCase) any {
		return url.Values{"version": {fmt.Sprint(c.call.Version)}, "reason": {"Ill"}}
	},
	"POST /calls/{id}/reschedule": func(c *authzCase) any {
		return url.Values{"version": {fmt.Sprint(c.call.Version)}, "slot": {slotValue(c.f.slotOnAnotherDay(c.household, c.call.Day))}}
	},
	"POST /calls/{id}/outcome": func(c *authzCase) any {
		return url.Values{"version": {fmt.Sprint(c.call.Version)}, "status": {"held"}, "note": {"Fine"}}
	},
	"GET /calls/office/{id}/{day}": nil,
	"POST /calls/office/{id}/cancel": func(c *authzCase) any {
		return url.Values{"day": {seoulToday()}, "from": {"00:00"}, "to": {"24:00"}, "reason": {"Power cut"}}
	},
	"GET /calls/me":                           nil,
	"GET /calls/officer/{id}/{week}":          nil,
	"POST /calls/calendar-tokens":             func(c *authzCase) any { return url.Values{} },
	"POST /calls/calendar-tokens/{id}/revoke": func(c *authzCase) any { return url.Values{} },
	"GET /calls/plans":                        nil,
	"POST /calls/plans":                       func(c *authzCase) any { return url.Values{"unit_id": {id(c.unit.ID)}, "week_start": {nextMonday()}} },
	"GET /calls/plans/{id}":                   nil,
	"POST /calls/plans/{id}/book":             func(c *authzCase) any { return url.Values{} },
	"GET /calls/roster/{id}":                  nil,
	"POST /calls/roster/{id}/office": func(c *authzCase) any {
		return url.Values{"morning_start": {"09:00"}, "morning_end": {"12:00"}, "afternoon_start": {"13:00"}, "afternoon_end": {"17:00"},
			"new_room": {fmt.Sprintf("Room %d", c.n+100)}}
	},
	"POST /calls/roster/{id}/template": func(c *authzCase) any {
		return url.Values{fmt.Sprintf("duty.%d.1.0", c.target.ID): {"office"}, fmt.Sprintf("area.%d", c.target.ID): {"south"}}
	},
	"POST /calls/roster/{id}/exceptions": func(c *authzCase) any {
		return url.Values{"officer_id": {id(c.target.ID)}, "day": {addDays(seoulToday(), 40+c.n)}, "half": {"0"}, "kind": {"off"}, "reason": {"Leave"}}
	},
	"POST /calls/exceptions/{id}/delete": func(c *authzCase) any { return url.Values{"next": {"/calls/plans"}} },
	"POST /programmes/{id}/call-policy": func(c *authzCase) any {
		return url.Values{"calls.quota": {"3"}, "calls.call_minutes": {"30"}, "calls.home_block_minutes": {"60"}, "calls.places": {"office", "home"},
			"calls.supervision": {"required"}, "calls.horizon_days": {"14"}, "calls.min_notice_minutes": {"120"},
			"calls.cancel_cutoff_minutes": {"120"}, "calls.no_show": {"counts"}}
	},
	"GET /calendar/{file}": nil,

	"GET /api/v1/households/{id}/free-slots":    nil,
	"GET /api/v1/households/{id}/calls":         nil,
	"GET /api/v1/households/{id}/call-settings": nil,
	"PUT /api/v1/households/{id}/call-settings": func(c *authzCase) any {
		return map[string]any{"area": "north", "places": []string{"office"}, "windows": []map[string]any{{"weekday": 1, "start": "09:00", "end": "12:00"}}}
	},
	"GET /api/v1/calls": nil,
	"POST /api/v1/calls": func(c *authzCase) any {
		s := c.f.freeSlots(c.household)[0]
		return map[string]any{"household_id": c.household.ID, "start": s.Start, "place": s.Place, "officer_id": s.OfficerID}
	},
	"GET /api/v1/calls/{id}":         nil,
	"POST /api/v1/calls/{id}/cancel": func(c *authzCase) any { return map[string]any{"version": c.call.Version, "reason": "Ill"} },
	"POST /api/v1/calls/{id}/reschedule": func(c *authzCase) any {
		s := c.f.slotOnAnotherDay(c.household, c.call.Day)
		return map[string]any{"version": c.call.Version, "start": s.Start, "place": s.Place, "officer_id": s.OfficerID}
	},
	"POST /api/v1/calls/{id}/outcome": func(c *authzCase) any {
		return map[string]any{"version": c.call.Version, "status": "no_show", "note": "Did not come"}
	},
	"POST /api/v1/units/{id}/call-cancellations": func(c *authzCase) any {
		return map[string]any{"from": time.Now(), "to": time.Now().Add(24 * time.Hour), "reason": "Power cut"}
	},
	"GET /api/v1/units/{id}/call-days/{day}":   nil,
	"GET /api/v1/users/{id}/call-weeks/{week}": nil,
	"GET /api/v1/call-plans":                   nil,
	"POST /api/v1/call-plans": func(c *authzCase) any {
		return map[string]any{"unit_id": c.unit.ID, "week_start": nextMonday()}
	},
	"GET /api/v1/call-plans/{id}":        nil,
	"POST /api/v1/call-plans/{id}/book":  nil,
	"GET /api/v1/units/{id}/call-roster": nil,
	"PUT /api/v1/units/{id}/call-office": func(c *authzCase) any {
		return map[string]any{"morning_start": "09:00", "morning_end": "12:00", "afternoon_start": "13:00", "afternoon_end": "17:00",
			"rooms": []map[string]any{{"name": fmt.Sprintf("API room %d", c.n), "active": true}}}
	},
	"PUT /api/v1/units/{id}/call-roster": func(c *authzCase) any {
		return map[string]any{"entries": []map[string]any{{"officer_id": c.target.ID, "weekday": 2, "half": 1, "kind": "home"}},
			"areas": map[string]string{id(c.target.ID): "south"}}
	},
	"POST /api/v1/units/{id}/roster-exceptions": func(c *authzCase) any {
		return map[string]any{"officer_id": c.target.ID, "day": addDays(seoulToday(), 60+c.n), "half": 1, "kind": "off", "reason": "Leave"}
	},
	"DELETE /api/v1/roster-exceptions/{id}": nil,
	"GET /api/v1/calendar-tokens":           nil,
	"POST /api/v1/calendar-tokens":          nil,
	"DELETE /api/v1/calendar-tokens/{id}":   nil,
}

func init() {
	for k, v := range callsAuthzInputs {
		authzInputs[k] = v
	}
}
