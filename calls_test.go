package kinbridge_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kinbridge/kinbridge"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestISOWeekOf: the quota's week is the ISO week in the office's zone,
// which at the turn of the year and of the day differs from the calendar's
// and from UTC's.
func TestISOWeekOf(t *testing.T) {
	seoul := mustLoc(t, "Asia/Seoul")
	for _, c := range []struct {
		at   time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2026, 11, 30, 9, 0, 0, 0, seoul), seoul, "2026-W49"},
		{time.Date(2026, 12, 31, 9, 0, 0, 0, seoul), seoul, "2026-W53"},
		{time.Date(2027, 1, 1, 9, 0, 0, 0, seoul), seoul, "2026-W53"},
		{time.Date(2027, 1, 3, 23, 59, 0, 0, seoul), seoul, "2026-W53"},
		{time.Date(2027, 1, 4, 0, 0, 0, 0, seoul), seoul, "2027-W01"},
		{time.Date(2025, 12, 29, 9, 0, 0, 0, seoul), seoul, "2026-W01"}, // a Monday of December in the next year's week 1
		// Sunday 16:00 UTC is Monday 01:00 in Seoul: the next week there.
		{time.Date(2026, 12, 27, 16, 0, 0, 0, time.UTC), seoul, "2026-W53"},
		{time.Date(2026, 12, 27, 16, 0, 0, 0, time.UTC), time.UTC, "2026-W52"},
	} {
		if got := kinbridge.ISOWeekOf(c.at, c.loc); got != c.want {
			t.Errorf("ISOWeekOf(%v in %v) = %s, want %s", c.at, c.loc, got, c.want)
		}
	}
	if got := kinbridge.LocalDay(time.Date(2026, 12, 27, 16, 0, 0, 0, time.UTC), seoul); got != "2026-12-28" {
		t.Errorf("LocalDay = %s, want 2026-12-28", got)
	}
	for day, want := range map[string]string{"2026-12-03": "2026-11-30", "2026-11-30": "2026-11-30", "2027-01-03": "2026-12-28", "2026-12-06": "2026-11-30"} {
		if got, err := kinbridge.WeekMonday(day); err != nil || got != want {
			t.Errorf("WeekMonday(%s) = %s, %v; want %s", day, got, err, want)
		}
	}
	if _, err := kinbridge.WeekMonday("2026-13-01"); err == nil {
		t.Error("WeekMonday of a bad date: no error")
	}
}

// roster: f1 office duty Monday morning and home duty Monday afternoon, f2
// office duty Monday and Tuesday mornings.
var roster = []kinbridge.RosterEntry{
	{OfficerID: 1, Weekday: 1, Half: kinbridge.Morning, Kind: kinbridge.DutyOffice},
	{OfficerID: 1, Weekday: 1, Half: kinbridge.Afternoon, Kind: kinbridge.DutyHome},
	{OfficerID: 1, Weekday: 2, Half: kinbridge.Morning, Kind: kinbridge.DutyOff},
	{OfficerID: 2, Weekday: 1, Half: kinbridge.Morning, Kind: kinbridge.DutyOffice},
	{OfficerID: 2, Weekday: 2, Half: kinbridge.Morning, Kind: kinbridge.DutyOffice},
}

func TestResolveDuties(t *testing.T) {
	seoul := mustLoc(t, "Asia/Seoul")
	o := kinbridge.DefaultCallOffice(7)
	at := func(day, hm string) time.Time {
		dt, _ := kinbridge.ParseDayTime(hm)
		t, _ := kinbridge.AtDayTime(day, dt, seoul)
		return t
	}
	duty := func(officer int64, kind kinbridge.DutyKind, day, from, to string) kinbridge.Duty {
		return kinbridge.Duty{OfficerID: officer, Kind: kind, Start: at(day, from), End: at(day, to)}
	}
	t.Run("template", func(t *testing.T) {
		got, err := kinbridge.ResolveDuties(o, seoul, "2026-11-30", 7, roster, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []kinbridge.Duty{
			duty(1, kinbridge.DutyOffice, "2026-11-30", "09:00", "12:00"),
			duty(2, kinbridge.DutyOffice, "2026-11-30", "09:00", "12:00"),
			duty(1, kinbridge.DutyHome, "2026-11-30", "13:00", "17:00"),
			duty(2, kinbridge.DutyOffice, "2026-12-01", "09:00", "12:00"),
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("duties (-want +got):\n%s", d)
		}
	})
	t.Run("exceptions", func(t *testing.T) {
		exc := []*kinbridge.RosterException{
			// A holiday of the whole office on Tuesday morning …
			{UnitID: 7, Day: "2026-12-01", Half: kinbridge.Morning, Kind: kinbridge.DutyOff},
			// … that f1 works at home, against the template's off.
			{UnitID: 7, OfficerID: 1, Day: "2026-12-01", Half: kinbridge.Morning, Kind: kinbridge.DutyHome},
			// f2's leave on Monday morning.
			{UnitID: 7, OfficerID: 2, Day: "2026-11-30", Half: kinbridge.Morning, Kind: kinbridge.DutyOff},
			// The office-wide exception of another date does not touch this week.
			{UnitID: 7, Day: "2026-12-08", Half: kinbridge.Morning, Kind: kinbridge.DutyOff},
		}
		got, err := kinbridge.ResolveDuties(o, seoul, "2026-11-30", 7, roster, exc)
		if err != nil {
			t.Fatal(err)
		}
		want := []kinbridge.Duty{
			duty(1, kinbridge.DutyOffice, "2026-11-30", "09:00", "12:00"),
			duty(1, kinbridge.DutyHome, "2026-11-30", "13:00", "17:00"),
			duty(1, kinbridge.DutyHome, "2026-12-01", "09:00", "12:00"),
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("duties (-want +got):\n%s", d)
		}
	})
	t.Run("office-wide exception applies to every officer", func(t *testing.T) {
		exc := []*kinbridge.RosterException{{UnitID: 7, Day: "2026-11-30", Half: kinbridge.Morning, Kind: kinbridge.DutyHome}}
		got, _ := kinbridge.ResolveDuties(o, seoul, "2026-11-30", 1, roster, exc)
		want := []kinbridge.Duty{
			duty(1, kinbridge.DutyHome, "2026-11-30", "09:00", "12:00"),
			duty(2, kinbridge.DutyHome, "2026-11-30", "09:00", "12:00"),
			duty(1, kinbridge.DutyHome, "2026-11-30", "13:00", "17:00"),
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("duties (-want +got):\n%s", d)
		}
	})
	t.Run("bad day", func(t *testing.T) {
		if _, err := kinbridge.ResolveDuties(o, seoul, "30.11.2026", 7, roster, nil); err == nil {
			t.Error("no error")
		}
	})
}

// TestDaylightSaving: on the night the clocks go forward, a duty from
// 01:00 to 04:00 in Berlin lasts two hours, and its slots are the clock's.
func TestDaylightSaving(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	o := &kinbridge.CallOffice{UnitID: 1, MorningStart: 60, MorningEnd: 4 * 60, AfternoonStart: 13 * 60, AfternoonEnd: 17 * 60}
	// 2026-03-29 is a Sunday: weekday 7.
	duties, err := kinbridge.ResolveDuties(o, berlin, "2026-03-29", 1,
		[]kinbridge.RosterEntry{{OfficerID: 1, Weekday: 7, Half: kinbridge.Morning, Kind: kinbridge.DutyOffice}}, nil)
	if err != nil || len(duties) != 1 {
		t.Fatalf("duties %v, %v", duties, err)
	}
	if got := duties[0].End.Sub(duties[0].Start); got != 2*time.Hour {
		t.Errorf("duty lasts %v, want 2h", got)
	}
	b := &kinbridge.CallBoard{Office: o, Loc: berlin, Duties: duties}
	var got []string
	for _, s := range b.OfficeSlots(30) {
		got = append(got, s.In(berlin).Format("15:04"))
	}
	if d := cmp.Diff([]string{"01:00", "01:30", "03:00", "03:30"}, got); d != "" {
		t.Errorf("slots (-want +got):\n%s", d)
	}
	// The night the clocks go back, 01:00–04:00 lasts four hours.
	duties, _ = kinbridge.ResolveDuties(o, berlin, "2026-10-25", 1,
		[]kinbridge.RosterEntry{{OfficerID: 1, Weekday: 7, Half: kinbridge.Morning, Kind: kinbridge.DutyOffice}}, nil)
	if got := duties[0].End.Sub(duties[0].Start); got != 4*time.Hour {
		t.Errorf("duty lasts %v, want 4h", got)
	}
}

// board is an office (unit 7, Seoul) on Monday 2026-11-30 with rooms 10
// and 11 (12 inactive), officers 1 and 2 on office duty in the morning and
// 1 on home duty in area "north" in the afternoon.
func board(t *testing.T) (*kinbridge.CallBoard, func(string) time.Time) {
	seoul := mustLoc(t, "Asia/Seoul")
	o := kinbridge.DefaultCallOffice(7)
	o.Rooms = []*kinbridge.CallRoom{{ID: 11, Name: "B", Active: true}, {ID: 10, Name: "A", Active: true}, {ID: 12, Name: "C"}}
	duties, err := kinbridge.ResolveDuties(o, seoul, "2026-11-30", 7, roster, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := func(hm string) time.Time {
		dt, _ := kinbridge.ParseDayTime(hm)
		t, _ := kinbridge.AtDayTime("2026-11-30", dt, seoul)
		return t
	}
	return &kinbridge.CallBoard{Office: o, Loc: seoul, Duties: duties, Areas: map[int64]string{1: "north", 2: "south"}}, at
}

func seeker() *kinbridge.CallSeeker {
	p := kinbridge.DefaultCallPolicy
	return &kinbridge.CallSeeker{HouseholdID: 5, Policy: p, Days: map[string]bool{}, Used: map[string]int{},
		Settings: kinbridge.HouseholdCallSettings{HouseholdID: 5, Area: "north",
			Windows:   []kinbridge.WeekPeriod{{Weekday: 1, Start: 9*60 + 30, End: 11 * 60}, {Weekday: 1, Start: 13 * 60, End: 15 * 60}},
			Preferred: []kinbridge.WeekPeriod{{Weekday: 1, Start: 10 * 60, End: 10*60 + 30}}}}
}

type slotView struct {
	At        string
	Place     kinbridge.CallPlace
	Officer   int64
	Free      int
	Preferred bool
}

func viewSlots(ss []kinbridge.Slot, loc *time.Location) []slotView {
	var v []slotView
	for _, s := range ss {
		v = append(v, slotView{s.Start.In(loc).Format("Mon 15:04"), s.Place, s.OfficerID, s.Free, s.Preferred})
	}
	return v
}

func TestFreeSlots(t *testing.T) {
	b, at := board(t)
	now := at("09:00").AddDate(0, 0, -2)
	from, to := at("00:00"), at("00:00").AddDate(0, 0, 7)
	t.Run("windows, rooms, officers, preferred, areas", func(t *testing.T) {
		bb := *b
		bb.Calls = []*kinbridge.Call{
			// Room 10 and officer 2 at 09:30; officer 1 in a home call of
			// another household at 14:00 (its block to 15:00).
			{ID: 1, RoomID: 10, OfficerID: 2, Start: at("09:30"), End: at("10:00"), BlockEnd: at("10:00"), Status: kinbridge.CallBooked},
			{ID: 2, OfficerID: 1, Start: at("14:00"), End: at("14:30"), BlockEnd: at("15:00"), Status: kinbridge.CallBooked},
			// A cancelled call holds nothing.
			{ID: 3, RoomID: 11, OfficerID: 1, Start: at("10:00"), End: at("10:30"), BlockEnd: at("10:30"), Status: kinbridge.CallCancelled},
		}
		got := viewSlots(bb.FreeSlots(seeker(), from, to, now), b.Loc)
		want := []slotView{
			{"Mon 09:30", kinbridge.CallAtOffice, 0, 1, false},
			{"Mon 10:00", kinbridge.CallAtOffice, 0, 2, true},
			{"Mon 10:30", kinbridge.CallAtOffice, 0, 2, false},
			{"Mon 13:00", kinbridge.CallAtHome, 1, 1, false},
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("slots (-want +got):\n%s", d)
		}
	})
	t.Run("no windows: whenever the office holds calls; another area: no home", func(t *testing.T) {
		h := seeker()
		h.Settings.Windows, h.Settings.Area = nil, "south"
		got := b.FreeSlots(h, from, to, now)
		// Monday 6 slots, Tuesday 6 slots (f2 alone), no home blocks.
		if len(got) != 12 {
			t.Errorf("got %d slots, want 12: %v", len(got), viewSlots(got, b.Loc))
		}
		h.Settings.Area = "north"
		if got := b.FreeSlots(h, from, to, now); len(got) != 16 {
			t.Errorf("in the north: got %d slots, want 16 (4 home blocks more)", len(got))
		}
		h.Settings.Places = []kinbridge.CallPlace{kinbridge.CallAtHome}
		if got := b.FreeSlots(h, from, to, now); len(got) != 4 {
			t.Errorf("home only: got %d slots, want 4", len(got))
		}
		h.Policy.Places = []kinbridge.CallPlace{kinbridge.CallAtOffice}
		if got := b.FreeSlots(h, from, to, now); len(got) != 0 {
			t.Errorf("home only, policy office only: got %d slots, want 0", len(got))
		}
	})
	t.Run("quota used, day taken, notice, horizon", func(t *testing.T) {
		h := seeker()
		h.Used["2026-W49"] = 2
		if got := b.FreeSlots(h, from, to, now); len(got) != 0 {
			t.Errorf("quota used: %v", viewSlots(got, b.Loc))
		}
		h = seeker()
		h.Days["2026-11-30"] = true
		if got := b.FreeSlots(h, from, to, now); len(got) != 0 {
			t.Errorf("day taken: %v", viewSlots(got, b.Loc))
		}
		h = seeker()
		// At 08:00 on the day, with two hours' notice, 10:00 is the first.
		got := viewSlots(b.FreeSlots(h, from, to, at("08:00")), b.Loc)
		if len(got) == 0 || got[0].At != "Mon 10:00" {
			t.Errorf("notice: %v", got)
		}
		h.Policy.HorizonDays = 1
		if got := b.FreeSlots(h, from, to, at("09:00").AddDate(0, 0, -2)); len(got) != 0 {
			t.Errorf("beyond the horizon: %v", viewSlots(got, b.Loc))
		}
	})
}

func wantCallError(t *testing.T, err error, code, field, key string) *kinbridge.Error {
	t.Helper()
	var e *kinbridge.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field || e.Key != key {
		t.Fatalf("error %v, want %s on %q (%s)", err, code, field, key)
	}
	return e
}

func TestPlaceCall(t *testing.T) {
	b, at := board(t)
	now := at("09:00").AddDate(0, 0, -2)
	req := func(hm string, place kinbridge.CallPlace, officer int64) kinbridge.BookCall {
		return kinbridge.BookCall{HouseholdID: 5, Start: at(hm), Place: place, OfficerID: officer}
	}
	t.Run("office: the first free room and officer", func(t *testing.T) {
		c, err := b.Place(seeker(), req("10:00", kinbridge.CallAtOffice, 0), now)
		if err != nil {
			t.Fatal(err)
		}
		want := &kinbridge.Call{HouseholdID: 5, UnitID: 7, OfficerID: 1, RoomID: 10, Place: kinbridge.CallAtOffice, Start: at("10:00"),
			End: at("10:30"), BlockEnd: at("10:30"), Week: "2026-W49", Day: "2026-11-30", Status: kinbridge.CallBooked}
		if d := cmp.Diff(want, c); d != "" {
			t.Errorf("call (-want +got):\n%s", d)
		}
		c, err = b.Place(seeker(), req("10:00", kinbridge.CallAtOffice, 2), now)
		if err != nil || c.OfficerID != 2 {
			t.Errorf("named officer: %+v, %v", c, err)
		}
	})
	t.Run("home: the block of the officer", func(t *testing.T) {
		c, err := b.Place(seeker(), req("13:00", kinbridge.CallAtHome, 1), now)
		if err != nil {
			t.Fatal(err)
		}
		if c.RoomID != 0 || c.OfficerID != 1 || !c.End.Equal(at("13:30")) || !c.BlockEnd.Equal(at("14:00")) {
			t.Errorf("home call %+v", c)
		}
	})
	bb := *b
	bb.Calls = []*kinbridge.Call{
		{ID: 1, RoomID: 10, OfficerID: 1, Start: at("10:00"), End: at("10:30"), BlockEnd: at("10:30"), Status: kinbridge.CallBooked},
		{ID: 2, RoomID: 11, OfficerID: 2, Start: at("10:30"), End: at("11:00"), BlockEnd: at("11:00"), Status: kinbridge.CallBooked},
		{ID: 3, OfficerID: 1, Start: at("13:00"), End: at("13:30"), BlockEnd: at("14:00"), Status: kinbridge.CallBooked},
	}
	for _, c := range []struct {
		name             string
		h                func(*kinbridge.CallSeeker)
		req              kinbridge.BookCall
		code, field, key string
	}{
		{"unknown place", nil, req("10:00", "moon", 0), kinbridge.EINVALID, "place", "error.calls.place_unknown"},
		{"place not allowed", func(h *kinbridge.CallSeeker) { h.Settings.Places = []kinbridge.CallPlace{kinbridge.CallAtHome} },
			req("09:30", kinbridge.CallAtOffice, 0), kinbridge.EINVALID, "place", "error.calls.place_not_allowed"},
		{"outside the windows", nil, req("11:00", kinbridge.CallAtOffice, 0), kinbridge.EINVALID, "start", "error.calls.window"},
		{"not a slot", nil, req("09:45", kinbridge.CallAtOffice, 0), kinbridge.EINVALID, "start", "error.calls.no_slot"},
		{"too soon", func(h *kinbridge.CallSeeker) { h.Policy.MinNoticeMinutes = 3 * 24 * 60 },
			req("09:30", kinbridge.CallAtOffice, 0), kinbridge.EINVALID, "start", "error.calls.notice_short"},
		{"too far", func(h *kinbridge.CallSeeker) { h.Policy.HorizonDays = 1 },
			req("09:30", kinbridge.CallAtOffice, 0), kinbridge.EINVALID, "start", "error.calls.horizon_far"},
		{"day taken", func(h *kinbridge.CallSeeker) { h.Days["2026-11-30"] = true },
			req("09:30", kinbridge.CallAtOffice, 0), kinbridge.ECONFLICT, "start", "error.calls.day_taken"},
		{"quota used", func(h *kinbridge.CallSeeker) { h.Used["2026-W49"] = 2 },
			req("09:30", kinbridge.CallAtOffice, 0), kinbridge.ECONFLICT, "start", "error.calls.quota_used"},
		{"named officer busy", nil, req("10:30", kinbridge.CallAtOffice, 2), kinbridge.ECONFLICT, "officer_id", "error.calls.officer_busy"},
		{"named officer not on office duty", nil, req("10:00", kinbridge.CallAtOffice, 9), kinbridge.ECONFLICT, "officer_id", "error.calls.officer_busy"},
		{"home block taken", nil, req("13:00", kinbridge.CallAtHome, 1), kinbridge.ECONFLICT, "officer_id", "error.calls.officer_busy"},
		{"home without officer", nil, req("14:00", kinbridge.CallAtHome, 0), kinbridge.EINVALID, "officer_id", "error.calls.home_officer"},
		{"home block of another area", nil, req("14:00", kinbridge.CallAtHome, 2), kinbridge.EINVALID, "start", "error.calls.no_block"},
		{"home not at a block's start", nil, req("13:30", kinbridge.CallAtHome, 1), kinbridge.EINVALID, "start", "error.calls.no_block"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := seeker()
			if c.h != nil {
				c.h(h)
			}
			_, err := bb.Place(h, c.req, now)
			wantCallError(t, err, c.code, c.field, c.key)
		})
	}
	t.Run("both rooms taken", func(t *testing.T) {
		b3 := bb
		b3.Calls = append(b3.Calls, &kinbridge.Call{ID: 4, RoomID: 11, OfficerID: 7, Start: at("10:00"), End: at("10:30"), BlockEnd: at("10:30"), Status: kinbridge.CallBooked})
		_, err := b3.Place(seeker(), req("10:00", kinbridge.CallAtOffice, 0), now)
		wantCallError(t, err, kinbridge.ECONFLICT, "start", "error.calls.room_taken")
	})
	t.Run("the quota's message", func(t *testing.T) {
		h := seeker()
		h.Used["2026-W49"] = 2
		_, err := bb.Place(h, req("09:30", kinbridge.CallAtOffice, 0), now)
		if got := kinbridge.ErrorMessage(err); got != "This household has used its 2 calls for week 2026-W49." {
			t.Errorf("message %q", got)
		}
	})
}

func TestCallProgrammeOf(t *testing.T) {
	for _, c := range []struct {
		name     string
		settings int64
		members  [][]int64
		want     int64
	}{
		{"settings name one", 9, [][]int64{{3}, {3}}, 9},
		{"most members", 0, [][]int64{{3}, {3, 4}, {4, 4}, {3}}, 3},
		{"tie: lowest id", 0, [][]int64{{5}, {4}}, 4},
		{"a member counts once", 0, [][]int64{{5, 5, 5}, {4}, {4}}, 4},
		{"none", 0, [][]int64{{}, nil}, 0},
	} {
		if got := kinbridge.CallProgrammeOf(c.settings, c.members); got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
}

func TestClaimConflictError(t *testing.T) {
	for key, want := range map[string][2]string{
		"o:4:1234":       {"officer_id", "error.calls.officer_busy"},
		"r:4:1234":       {"start", "error.calls.room_taken"},
		"d:4:2026-11-30": {"start", "error.calls.day_taken"},
		"q:4:2026-W49:":  {"start", "error.calls.quota_used"},
	} {
		e := kinbridge.ClaimConflictError(key, 2, "2026-W49")
		if e.Code != kinbridge.ECONFLICT || e.Field != want[0] || e.Key != want[1] {
			t.Errorf("%s: %+v", key, e)
		}
	}
	if got := kinbridge.ClaimConflictError("q:4:2026-W49:", 3, "2026-W49").Message; got != "This household has used its 3 calls for week 2026-W49." {
		t.Errorf("quota message %q", got)
	}
}

func TestCallValidation(t *testing.T) {
	o := kinbridge.DefaultCallOffice(1)
	o.Rooms = []*kinbridge.CallRoom{{Name: " Room 1 "}, {Name: "room 1"}}
	wantCallError(t, o.Validate(), kinbridge.EINVALID, "rooms[1].name", "error.calls.room_unique")
	if o.Rooms[0].Name != "Room 1" {
		t.Errorf("name not trimmed: %q", o.Rooms[0].Name)
	}
	o = kinbridge.DefaultCallOffice(1)
	o.AfternoonStart = 11 * 60
	wantCallError(t, o.Validate(), kinbridge.EINVALID, "afternoon_start", "error.calls.hours_order")
	o = kinbridge.DefaultCallOffice(1)
	o.AfternoonEnd = 25 * 60
	wantCallError(t, o.Validate(), kinbridge.EINVALID, "afternoon_end", "error.calls.hours")

	dup := append(append([]kinbridge.RosterEntry{}, roster...), kinbridge.RosterEntry{OfficerID: 2, Weekday: 1, Half: kinbridge.Morning, Kind: kinbridge.DutyHome})
	wantCallError(t, kinbridge.ValidateRoster(dup), kinbridge.EINVALID, "entries[5]", "error.calls.roster_overlap")
	if err := kinbridge.ValidateRoster(roster); err != nil {
		t.Errorf("roster: %v", err)
	}
	ps := []kinbridge.WeekPeriod{{Weekday: 1, Start: 600, End: 700}, {Weekday: 2, Start: 600, End: 700}, {Weekday: 1, Start: 650, End: 800}}
	wantCallError(t, kinbridge.ValidatePeriods("windows", ps), kinbridge.EINVALID, "windows[2]", "error.calls.period_overlap")
	wantCallError(t, kinbridge.ValidatePeriods("windows", []kinbridge.WeekPeriod{{Weekday: 8, Start: 1, End: 2}}), kinbridge.EINVALID,
		"windows[0].weekday", "error.calls.weekday")
	if err := kinbridge.ValidatePeriods("windows", ps[:2]); err != nil {
		t.Errorf("periods: %v", err)
	}
}
