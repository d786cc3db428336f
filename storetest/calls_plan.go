package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/callplan"
)

// plannedCalls returns the calls of the subtree in the store, all statuses.
func (f *callDesk) allCalls(t *testing.T) []*kinbridge.Call {
	t.Helper()
	var calls []*kinbridge.Call
	mustNoErr(t, f.store.View(context.Background(), func(tx kinbridge.Tx) error {
		var err error
		calls, _, err = tx.FindCalls(context.Background(), kinbridge.CallFilter{PathPrefix: f.hq.Path, Limit: 100000})
		return err
	}), "read calls")
	return calls
}

// testCallPlanWeek: the week's plan of an office, built from the records
// with a call booked already, passes callplan.Check on its own instance,
// its review is the planner's, and booking it books exactly its calls.
func testCallPlanWeek(t *testing.T, open Opener) {
	f := newCallDesk(t, open)
	before := f.mustBook(t, f.coord, f.office(f.h1, 0, "09:00"))
	_, err := f.svc.PlanWeek(f.coord, f.officeA1.ID, "2026-03-03")
	wantField(t, err, "week_start")
	_, err = f.svc.PlanWeek(As(f.officerA1), f.officeA1.ID, f.monday)
	wantCode(t, err, kinbridge.EFORBIDDEN)
	_, err = f.svc.PlanWeek(As(f.officerB1), f.officeA1.ID, f.monday)
	wantCode(t, err, kinbridge.ENOTFOUND)

	p, err := f.svc.PlanWeek(f.coord, f.officeA1.ID, f.monday)
	mustNoErr(t, err, "plan week")
	var in callplan.Instance
	var plan callplan.Plan
	mustNoErr(t, json.Unmarshal(p.Instance, &in), "instance")
	mustNoErr(t, json.Unmarshal(p.Result, &plan), "result")
	mustNoErr(t, callplan.Check(&in, &plan), "check the plan on its instance")
	if p.Status != kinbridge.CallPlanDraft || p.WeekStart != f.monday || in.TimeZone != "Asia/Seoul" || in.SlotMinutes != 30 {
		t.Errorf("plan %+v, instance zone %s", p, in.TimeZone)
	}
	// h1 has a call on Monday: one more seat, Monday busy. h2 may only
	// call on Mondays at 09:00–10:00: one call, short of two for want of
	// days. h3 has no member: not planned.
	wants := map[string]kinbridge.CallShortfall{}
	for _, h := range in.Households {
		wants[h.ID] = kinbridge.CallShortfall{Want: h.Want}
		if h.ID == "h"+itoa(f.h1.ID) && (h.Want != 1 || len(h.BusyDays) != 1 || h.BusyDays[0] != 0) {
			t.Errorf("h1 in the instance: %+v", h)
		}
	}
	if len(in.Households) != 2 {
		t.Errorf("instance households %+v", in.Households)
	}
	diff(t, "short", []kinbridge.CallShortfall{{HouseholdID: f.h2.ID, Got: 1, Want: 2, Reason: callplan.ReasonFewDays, ReasonCode: "few_days"}},
		p.Summary.Short)
	if p.Summary.Calls != 2 || p.Summary.HouseholdsServed != 2 || p.Summary.Households != 2 || len(p.Summary.Offices) != 1 ||
		p.Summary.Offices[0].OfficeSlots == 0 || p.Summary.Offices[0].HomeBlocks == 0 || p.Summary.Offices[0].Households != 2 {
		t.Errorf("summary %+v", p.Summary)
	}
	// Officer A1 is busy at Monday 09:00 with h1's call: the instance has
	// no office duty of theirs then.
	for _, o := range in.Officers {
		for _, d := range o.Duty {
			if o.ID == "f"+itoa(before.OfficerID) && d.Day == 0 && d.Kind == "office" && d.Start <= 9*60 && d.End > 9*60 {
				t.Errorf("busy officer on duty at 09:00 in the instance: %+v", d)
			}
		}
	}

	got, booked, err := f.svc.BookCallPlan(f.coord, p.ID)
	mustNoErr(t, err, "book plan")
	if got.Status != kinbridge.CallPlanBooked || got.BookedAt.IsZero() || len(booked) != len(plan.Calls) {
		t.Fatalf("booked plan %+v with %d calls, want %d", got, len(booked), len(plan.Calls))
	}
	type key struct {
		Household, Officer int64
		Place              kinbridge.CallPlace
		Day, Start         string
	}
	var want, have []key
	for _, c := range plan.Calls {
		want = append(want, key{parseID(c.Household), parseID(c.Officer), kinbridge.CallPlace(c.Place),
			kinbridge.AddDays(f.monday, c.Day), c.Start.String()})
	}
	for _, c := range f.allCalls(t) {
		if c.PlanID == p.ID {
			have = append(have, key{c.HouseholdID, c.OfficerID, c.Place, c.Day, c.Start.In(f.loc).Format("15:04")})
			if c.Status != kinbridge.CallBooked || (c.Place == kinbridge.CallAtOffice && c.RoomID == 0) {
				t.Errorf("planned call %+v", c)
			}
		}
	}
	byTime := func(a, b key) int {
		return strings.Compare(fmt.Sprint(a.Day, a.Start, a.Household), fmt.Sprint(b.Day, b.Start, b.Household))
	}
	slices.SortFunc(want, byTime)
	slices.SortFunc(have, byTime)
	diff(t, "booked calls", want, have)
	checkCallInvariants(t, f.allCalls(t), f.loc, 2)
	_, _, err = f.svc.BookCallPlan(f.coord, p.ID)
	wantCode(t, err, kinbridge.ECONFLICT)
	plans, err := f.svc.FindCallPlans(f.coord, f.officeA1.ID)
	mustNoErr(t, err, "find plans")
	if len(plans) != 1 || plans[0].ID != p.ID {
		t.Errorf("plans %+v", plans)
	}
}

func parseID(s string) int64 {
	var id int64
	json.Unmarshal([]byte(s[1:]), &id)
	return id
}

// testCallPlanStale: a booking made between planning and booking makes the
// plan's booking fail with nothing written; a mixed time zone or mixed call
// lengths are refused with a clear error.
func testCallPlanStale(t *testing.T, open Opener) {
	f := newCallDesk(t, open)
	p, err := f.svc.PlanWeek(f.coord, f.officeA1.ID, f.monday)
	mustNoErr(t, err, "plan week")
	older, err := f.svc.PlanWeek(f.coord, f.officeA1.ID, f.monday)
	mustNoErr(t, err, "plan again")
	if p.Summary.Calls == 0 {
		t.Fatal("the plan has no calls")
	}
	f.mustBook(t, f.coord, f.office(f.h3, 4, "11:30"))
	_, _, err = f.svc.BookCallPlan(f.coord, p.ID)
	wantCode(t, err, kinbridge.ECONFLICT)
	if !strings.Contains(kinbridge.ErrorMessage(err), "plan again") {
		t.Errorf("message %q", kinbridge.ErrorMessage(err))
	}
	if n := len(f.allCalls(t)); n != 1 {
		t.Errorf("%d calls stored, want only the one booked in between", n)
	}
	if got, _ := f.svc.FindCallPlan(f.coord, p.ID); got.Status != kinbridge.CallPlanDraft {
		t.Errorf("plan status %s", got.Status)
	}
	// Planned again, it books; the other draft of the week is dropped.
	p2, err := f.svc.PlanWeek(f.coord, f.officeA1.ID, f.monday)
	mustNoErr(t, err, "plan again")
	_, booked, err := f.svc.BookCallPlan(f.coord, p2.ID)
	mustNoErr(t, err, "book the new plan")
	if len(booked) != p2.Summary.Calls {
		t.Errorf("booked %d, planned %d", len(booked), p2.Summary.Calls)
	}
	for _, id := range []int64{p.ID, older.ID} {
		if got, _ := f.svc.FindCallPlan(f.coord, id); got.Status != kinbridge.CallPlanDropped {
			t.Errorf("older draft %d: %s", id, got.Status)
		}
	}

	// A plan made before an officer took leave, a room closed or a
	// household changed its settings would book calls that no longer fit:
	// it is refused too.
	for _, change := range []struct {
		name string
		make func(t *testing.T)
	}{
		{"leave", func(t *testing.T) {
			mustNoErr(t, f.svc.AddRosterException(f.coord, &kinbridge.RosterException{UnitID: f.officeA1.ID, OfficerID: f.officerA1b.ID,
				Day: kinbridge.AddDays(f.monday, 7), Half: kinbridge.Afternoon, Kind: kinbridge.DutyOff, Reason: "leave"}), "leave")
		}},
		{"room closed", func(t *testing.T) {
			o := &kinbridge.CallOffice{UnitID: f.officeA1.ID, Rooms: []*kinbridge.CallRoom{
				{ID: f.rooms[0].ID, Name: f.rooms[0].Name, Active: true}, {ID: f.rooms[1].ID, Name: f.rooms[1].Name, Active: false}}}
			mustNoErr(t, f.svc.SetCallOffice(f.coord, o), "close room B")
		}},
		{"household settings", func(t *testing.T) {
			mustNoErr(t, f.svc.SetHouseholdCallSettings(f.coord, &kinbridge.HouseholdCallSettings{HouseholdID: f.h2.ID,
				Places: []kinbridge.CallPlace{kinbridge.CallAtOffice}, Windows: []kinbridge.WeekPeriod{{Weekday: 2, Start: 9 * 60, End: 10 * 60}}}),
				"h2 settings")
		}},
	} {
		t.Run("stale after "+change.name, func(t *testing.T) {
			next := kinbridge.AddDays(f.monday, 7)
			p, err := f.svc.PlanWeek(f.coord, f.officeA1.ID, next)
			mustNoErr(t, err, "plan next week")
			change.make(t)
			_, _, err = f.svc.BookCallPlan(f.coord, p.ID)
			wantCode(t, err, kinbridge.ECONFLICT)
			if got, _ := f.svc.FindCallPlan(f.coord, p.ID); got.Status != kinbridge.CallPlanDraft {
				t.Errorf("plan status %s, want still a draft", got.Status)
			}
		})
	}

	t.Run("different call lengths", func(t *testing.T) {
		p2 := &kinbridge.Programme{Code: "P2", Names: kinbridge.UnitNames{EN: "Long calls"}, Settings: `{"calls":{"call_minutes":45}}`}
		mustNoErr(t, f.svc.CreateProgramme(f.sys, p2), "programme")
		mustNoErr(t, f.svc.SetHouseholdCallSettings(f.coord, &kinbridge.HouseholdCallSettings{HouseholdID: f.h2.ID, ProgrammeID: p2.ID}), "settings")
		_, err := f.svc.PlanWeek(f.coord, f.officeA1.ID, "2026-03-09")
		wantField(t, err, "unit_id")
		if msg := kinbridge.ErrorMessage(err); !strings.Contains(msg, "P1") || !strings.Contains(msg, "P2") {
			t.Errorf("message %q does not name the programmes", msg)
		}
	})
	t.Run("mixed time zones", func(t *testing.T) {
		u := &kinbridge.Unit{ParentID: f.regionA.ID, Names: kinbridge.UnitNames{EN: "Office A2"}, TimeZone: "Asia/Shanghai"}
		mustNoErr(t, f.svc.CreateUnit(f.sys, u), "unit")
		h := f.mustHousehold(t, f.sys, u, "1 Bund")
		f.mustPerson(t, f.sys, resident(h, "周", "", "1950"))
		_, err := f.svc.PlanWeek(As(f.supA), f.regionA.ID, "2026-03-09")
		wantField(t, err, "unit_id")
		if msg := kinbridge.ErrorMessage(err); !strings.Contains(msg, "Asia/Shanghai") {
			t.Errorf("message %q", msg)
		}
	})
}

// testCallCalendar: an officer's feed lists their calls with stable UIDs,
// raises SEQUENCE on a change and marks a cancelled call CANCELLED; a
// revoked token ends the feed; the feed names no relative. The office's day
// sheet and the officer's week show the calls and duties.
func testCallCalendar(t *testing.T, open Opener) {
	f := newCallDesk(t, open)
	officer := As(f.officerA1)
	secret, tok, err := f.svc.CreateCalendarToken(officer)
	mustNoErr(t, err, "create token")
	if !strings.HasPrefix(secret, "kbcal_") || tok.Hash == secret || tok.Hash != kinbridge.HashToken(secret) {
		t.Errorf("token %q stored as %+v", secret, tok)
	}
	c := f.mustBook(t, f.coord, f.office(f.h1, 0, "09:00"))
	home := f.mustBook(t, f.coord, kinbridge.BookCall{HouseholdID: f.h1.ID, Start: f.at(1, "13:00"), Place: kinbridge.CallAtHome, OfficerID: f.officerA1.ID})
	other := f.mustBook(t, f.coord, f.office(f.h2, 0, "09:00")) // officer A1b's
	_, err = f.svc.CancelCall(f.coord, c.ID, 0, "ill")
	mustNoErr(t, err, "cancel")
	feed, err := f.svc.CalendarFeed(context.Background(), secret)
	mustNoErr(t, err, "feed")
	text := strings.ReplaceAll(string(feed), "\r\n ", "") // unfold
	for _, want := range []string{"BEGIN:VCALENDAR", "UID:call-" + itoa(c.ID) + "@kinbridge", "UID:call-" + itoa(home.ID) + "@kinbridge",
		"STATUS:CANCELLED", "STATUS:CONFIRMED", "SEQUENCE:1", "SEQUENCE:0", "1 River Road", "DTSTART:20260302T000000Z",
		"DTEND:20260303T050000Z"} {
		if !strings.Contains(text, want) {
			t.Errorf("feed lacks %q:\n%s", want, text)
		}
	}
	for _, not := range []string{"call-" + itoa(other.ID) + "@", "王大明"} {
		if strings.Contains(text, not) {
			t.Errorf("feed has %q", not)
		}
	}
	es, err := f.svc.FindAuditEntries(f.sys, kinbridge.AuditFilter{RecordType: "calendar_token", RecordID: tok.ID})
	mustNoErr(t, err, "audit")
	if len(es) == 0 || es[0].Action != "calendar.feed" || es[0].ActorID != f.officerA1.ID {
		t.Errorf("feed audit %+v", es)
	}
	_, err = f.svc.CalendarFeed(context.Background(), secret+"x")
	wantCode(t, err, kinbridge.ENOTFOUND)
	wantCode(t, f.svc.RevokeCalendarToken(As(f.officerA1b), tok.ID), kinbridge.ENOTFOUND)
	mustNoErr(t, f.svc.RevokeCalendarToken(officer, tok.ID), "revoke")
	_, err = f.svc.CalendarFeed(context.Background(), secret)
	wantCode(t, err, kinbridge.ENOTFOUND)

	day, err := f.svc.OfficeDay(f.coord, f.officeA1.ID, f.monday)
	mustNoErr(t, err, "office day")
	if len(day.Calls) != 1 || day.Calls[0].ID != other.ID || len(day.Slots) != 14 || day.Households[f.h2.ID] != "2 River Road" ||
		day.Officers[f.officerA1b.ID] == "" || len(day.Duties) != 4 {
		t.Errorf("office day: %d calls, %d slots, %d duties, households %v", len(day.Calls), len(day.Slots), len(day.Duties), day.Households)
	}
	_, err = f.svc.OfficeDay(As(f.officerB1), f.officeA1.ID, f.monday)
	wantCode(t, err, kinbridge.ENOTFOUND)
	week, err := f.svc.OfficerWeek(officer, f.officerA1.ID, f.monday)
	mustNoErr(t, err, "officer week")
	if len(week.Calls) != 1 || week.Calls[0].ID != home.ID || len(week.Duties) != 10 || week.Households[f.h1.ID] != "1 River Road" {
		t.Errorf("officer week: %d calls, %d duties", len(week.Calls), len(week.Duties))
	}
	_, err = f.svc.OfficerWeek(As(f.officerB1), f.officerA1.ID, f.monday)
	wantCode(t, err, kinbridge.ENOTFOUND)
	_, err = f.svc.OfficerWeek(officer, f.officerA1.ID, "2026-03-03")
	wantField(t, err, "week_start")
}
