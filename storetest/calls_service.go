package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// callsServiceCases are the family calls services' part of the behaviour
// suite: the booking rules through kinbridge.Service on each engine.
var callsServiceCases = []struct {
	name string
	fn   func(*testing.T, Opener)
}{
	{"CallBookingRules", testCallBookingRules},
	{"CallQuotaAndDay", testCallQuotaAndDay},
	{"CallIdempotentRetry", testCallIdempotentRetry},
	{"CallCancelCutoff", testCallCancelCutoff},
	{"CallOutcomes", testCallOutcomes},
	{"CallNoShowFree", testCallNoShowFree},
	{"CallReschedule", testCallReschedule},
	{"CallOfficeCancellation", testCallOfficeCancellation},
	{"CallScope", testCallScope},
	{"CallSettingsValidation", testCallSettingsValidation},
	{"CallsConcurrentService", testCallsConcurrentService},
	{"CallPlanWeek", testCallPlanWeek},
	{"CallPlanStale", testCallPlanStale},
	{"CallCalendar", testCallCalendar},
	{"CallSetupChanges", testCallSetupChanges},
}

// callDesk is the welfare fixture with officeA1 set up for calls through
// the services: rooms A and B; officerA1 on office duty every weekday
// morning and on home duty in area "north" every afternoon; officerA1b on
// office duty every weekday morning and afternoon. h1 is in the north and
// takes calls anywhere at any time; h2 only on Mondays 09:00–10:00 at the
// office; h3 (no members: the default policy) anywhere.
type callDesk struct {
	*welfare
	coord    context.Context
	h3       *kinbridge.Household
	rooms    []*kinbridge.CallRoom
	loc      *time.Location
	monday   string // the Monday after the clock's start, 2026-03-02
	relative *kinbridge.Person
}

func newCallDesk(t *testing.T, open Opener) *callDesk {
	t.Helper()
	f := &callDesk{welfare: newWelfare(t, open), monday: "2026-03-02"}
	f.coord = As(f.coordA1)
	f.loc = f.officeA1.Location()
	f.h3 = f.mustHousehold(t, f.sys, f.officeA1, "3 River Road")
	o := &kinbridge.CallOffice{UnitID: f.officeA1.ID, Rooms: []*kinbridge.CallRoom{{Name: "Room A", Active: true}, {Name: "Room B", Active: true}}}
	mustNoErr(t, f.svc.SetCallOffice(f.coord, o), "set call office")
	f.rooms = o.Rooms
	var entries []kinbridge.RosterEntry
	for d := 1; d <= 5; d++ {
		entries = append(entries,
			kinbridge.RosterEntry{OfficerID: f.officerA1.ID, Weekday: d, Half: kinbridge.Morning, Kind: kinbridge.DutyOffice},
			kinbridge.RosterEntry{OfficerID: f.officerA1.ID, Weekday: d, Half: kinbridge.Afternoon, Kind: kinbridge.DutyHome},
			kinbridge.RosterEntry{OfficerID: f.officerA1b.ID, Weekday: d, Half: kinbridge.Morning, Kind: kinbridge.DutyOffice},
			kinbridge.RosterEntry{OfficerID: f.officerA1b.ID, Weekday: d, Half: kinbridge.Afternoon, Kind: kinbridge.DutyOffice})
	}
	mustNoErr(t, f.svc.SetRoster(f.coord, f.officeA1.ID, entries, map[int64]string{f.officerA1.ID: "north"}), "set roster")
	f.relative = f.mustPerson(t, f.sys, &kinbridge.Person{Kind: kinbridge.PersonRelativeAbroad, HouseholdID: f.h1.ID,
		Names: kinbridge.PersonNames{Native: "王大明"}, Country: "CN"})
	mustNoErr(t, f.svc.SetHouseholdCallSettings(f.coord, &kinbridge.HouseholdCallSettings{HouseholdID: f.h1.ID, Area: "north",
		RelativeIDs: []int64{f.relative.ID}}), "h1 settings")
	mustNoErr(t, f.svc.SetHouseholdCallSettings(f.coord, &kinbridge.HouseholdCallSettings{HouseholdID: f.h2.ID,
		Places: []kinbridge.CallPlace{kinbridge.CallAtOffice}, Windows: []kinbridge.WeekPeriod{{Weekday: 1, Start: 9 * 60, End: 10 * 60}}}), "h2 settings")
	return f
}

// at returns the instant of a local time on the day n days after Monday.
func (f *callDesk) at(n int, hm string) time.Time {
	dt, err := kinbridge.ParseDayTime(hm)
	if err != nil {
		panic(err)
	}
	t, _ := kinbridge.AtDayTime(kinbridge.AddDays(f.monday, n), dt, f.loc)
	return t
}

func (f *callDesk) office(h *kinbridge.Household, day int, hm string) kinbridge.BookCall {
	return kinbridge.BookCall{HouseholdID: h.ID, Start: f.at(day, hm), Place: kinbridge.CallAtOffice}
}

func (f *callDesk) mustBook(t *testing.T, ctx context.Context, req kinbridge.BookCall) *kinbridge.Call {
	t.Helper()
	c, err := f.svc.BookCall(ctx, req)
	mustNoErr(t, err, "book call")
	return c
}

// wantRefusal fails unless err has the code, field and translation key.
func wantRefusal(t *testing.T, err error, code, field, key string) {
	t.Helper()
	var e *kinbridge.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field || e.Key != key {
		t.Fatalf("error %v, want %s on %q (%s)", err, code, field, key)
	}
}

// storedCall reads a call from the store, without the service.
func (f *callDesk) storedCall(t *testing.T, id int64) *kinbridge.Call {
	t.Helper()
	var c *kinbridge.Call
	mustNoErr(t, f.store.View(context.Background(), func(tx kinbridge.Tx) error {
		var err error
		c, err = tx.FindCallByID(context.Background(), id)
		return err
	}), "find call")
	return c
}

func testCallBookingRules(t *testing.T, open Opener) {
	f := newCallDesk(t, open)
	c1 := f.mustBook(t, f.coord, f.office(f.h1, 0, "09:00"))
	want := &kinbridge.Call{ID: c1.ID, HouseholdID: f.h1.ID, UnitID: f.officeA1.ID, UnitPath: f.officeA1.Path, OfficerID: f.officerA1.ID,
		RoomID: f.rooms[0].ID, Place: kinbridge.CallAtOffice, Start: f.at(0, "09:00"), End: f.at(0, "09:30"), BlockEnd: f.at(0, "09:30"),
		Week: "2026-W10", Day: "2026-03-02", RelativeIDs: []int64{f.relative.ID}, Status: kinbridge.CallBooked, Version: 1,
		CreatedBy: f.coordA1.ID}
	got := f.storedCall(t, c1.ID)
	want.Created, want.Updated = got.Created, got.Updated
	diff(t, "stored call", want, got)

	// The second call of the slot gets the other room and officer; the
	// third finds no room.
	c2 := f.mustBook(t, f.coord, f.office(f.h2, 0, "09:00"))
	if c2.RoomID != f.rooms[1].ID || c2.OfficerID != f.officerA1b.ID {
		t.Errorf("second call of the slot: room %d officer %d", c2.RoomID, c2.OfficerID)
	}
	_, err := f.svc.BookCall(f.coord, f.office(f.h3, 0, "09:00"))
	wantRefusal(t, err, kinbridge.ECONFLICT, "start", "error.calls.room_taken")

	t.Run("free slots show what is left", func(t *testing.T) {
		fs, err := f.svc.FreeSlots(f.coord, f.h3.ID, f.at(0, "00:00"), f.at(1, "00:00"))
		mustNoErr(t, err, "free slots")
		if len(fs.Slots) == 0 || !fs.Slots[0].Start.Equal(f.at(0, "09:30")) || fs.Slots[0].Free != 2 {
			t.Errorf("first free slot %+v", fs.Slots)
		}
		// Monday: 5 more morning slots, 8 afternoon slots of officerA1b; h3
		// has no area, so no home blocks.
		if len(fs.Slots) != 13 {
			t.Errorf("got %d free slots, want 13", len(fs.Slots))
		}
		diff(t, "weeks", []kinbridge.QuotaWeek{{Week: "2026-W10", Used: 0, Quota: 2}}, fs.Weeks)
		fs, err = f.svc.FreeSlots(f.coord, f.h1.ID, f.at(1, "00:00"), f.at(2, "00:00"))
		mustNoErr(t, err, "free slots h1")
		home := 0
		for _, s := range fs.Slots {
			if s.Place == kinbridge.CallAtHome {
				home++
				if s.OfficerID != f.officerA1.ID {
					t.Errorf("home block of officer %d", s.OfficerID)
				}
			}
		}
		if home != 4 {
			t.Errorf("h1 on Tuesday: %d home blocks, want 4", home)
		}
		fs, _ = f.svc.FreeSlots(f.coord, f.h1.ID, f.at(0, "00:00"), f.at(1, "00:00"))
		if len(fs.Slots) != 0 || fs.Reason == "" || fs.ReasonCode == "" {
			t.Errorf("h1 has a call on Monday: slots %v, reason %q (%q)", fs.Slots, fs.Reason, fs.ReasonCode)
		}
		fs, _ = f.svc.FreeSlots(f.coord, f.h1.ID, f.at(-30, "00:00"), f.at(-29, "00:00"))
		if len(fs.Slots) != 0 || fs.ReasonCode != kinbridge.NoSlotsPast {
			t.Errorf("a month ago: slots %v, reason %q (%q), want none, %q", fs.Slots, fs.Reason, fs.ReasonCode, kinbridge.NoSlotsPast)
		}
	})
	t.Run("windows", func(t *testing.T) {
		_, err := f.svc.BookCall(f.coord, f.office(f.h2, 1, "09:00"))
		wantRefusal(t, err, kinbridge.EINVALID, "start", "error.calls.window")
	})
	t.Run("places", func(t *testing.T) {
		req := f.office(f.h2, 0, "09:30")
		req.Place, req.OfficerID = kinbridge.CallAtHome, f.officerA1.ID
		_, err := f.svc.BookCall(f.coord, req)
		wantRefusal(t, err, kinbridge.EINVALID, "place", "error.calls.place_not_allowed")
	})
	t.Run("home blocks", func(t *testing.T) {
		req := kinbridge.BookCall{HouseholdID: f.h1.ID, Start: f.at(1, "14:00"), Place: kinbridge.CallAtHome, OfficerID: f.officerA1.ID}
		c := f.mustBook(t, f.coord, req)
		if c.RoomID != 0 || !c.BlockEnd.Equal(f.at(1, "15:00")) || !c.End.Equal(f.at(1, "14:30")) {
			t.Errorf("home call %+v", c)
		}
		// h3 has no area: no home block is its.
		req.HouseholdID = f.h3.ID
		_, err := f.svc.BookCall(f.coord, req)
		wantRefusal(t, err, kinbridge.EINVALID, "start", "error.calls.no_block")
		// An office call of officerA1 would clash with the block on Tuesday
		// morning? No: the block is in the afternoon. Naming officerA1 for
		// an office call in the afternoon is refused: not on office duty.
		r := f.office(f.h3, 1, "14:00")
		r.OfficerID = f.officerA1.ID
		_, err = f.svc.BookCall(f.coord, r)
		wantRefusal(t, err, kinbridge.ECONFLICT, "officer_id", "error.calls.officer_busy")
	})
	t.Run("notice and horizon", func(t *testing.T) {
		req := f.office(f.h3, 0, "09:30")
		req.Start = f.clock.Now().Add(time.Hour)
		_, err := f.svc.BookCall(f.coord, req)
		wantRefusal(t, err, kinbridge.EINVALID, "start", "error.calls.notice_short")
		_, err = f.svc.BookCall(f.coord, f.office(f.h3, 21, "09:30"))
		wantRefusal(t, err, kinbridge.EINVALID, "start", "error.calls.horizon_far")
	})
	t.Run("not a slot, no such relative", func(t *testing.T) {
		_, err := f.svc.BookCall(f.coord, f.office(f.h3, 2, "09:10"))
		wantRefusal(t, err, kinbridge.EINVALID, "start", "error.calls.no_slot")
		req := f.office(f.h3, 2, "09:30")
		req.RelativeIDs = []int64{f.relative.ID} // h1's relative
		_, err = f.svc.BookCall(f.coord, req)
		wantRefusal(t, err, kinbridge.EINVALID, "relative_ids", "error.calls.relative")
	})
	t.Run("audited", func(t *testing.T) {
		es, err := f.svc.FindAuditEntries(f.sys, kinbridge.AuditFilter{RecordType: "call", RecordID: c1.ID})
		mustNoErr(t, err, "audit")
		if len(es) != 1 || es[0].Action != "call.book" || es[0].ActorID != f.coordA1.ID {
			t.Errorf("audit of the booking: %+v", es)
		}
	})
}

func testCallQuotaAndDay(t *testing.T, open Opener) {
	f := newCallDesk(t, open)
	f.mustBook(t, f.coord, f.office(f.h1, 0, "10:00"))
	_, err := f.svc.BookCall(f.coord, f.office(f.h1, 0, "11:00"))
	wantRefusal(t, err, kinbridge.ECONFLICT, "start", "error.calls.day_taken")
	f.mustBook(t, f.coord, f.office(f.h1, 1, "10:00"))
	_, err = f.svc.BookCall(f.coord, f.office(f.h1, 2, "10:00"))
	wantRefusal(t, err, kinbridge.ECONFLICT, "start", "error.calls.quota_used")
	if got, want := kinbridge.ErrorMessage(err), "This household has used its 2 calls for week 2026-W10."; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	// The next week has its own quota.
	f.mustBook(t, f.coord, f.office(f.h1, 7, "10:00"))
	fs, err := f.svc.FreeSlots(f.coord, f.h1.ID, f.at(0, "00:00"), f.at(14, "00:00"))
	mustNoErr(t, err, "free slots")
	diff(t, "weeks", []kinbridge.QuotaWeek{{Week: "2026-W10", Used: 2, Quota: 2}, {Week: "2026-W11", Used: 1, Quota: 2}}, fs.Weeks)
	for _, s := range fs.Slots {
		if s.Start.Before(f.at(7, "00:00")) || kinbridge.LocalDay(s.Start, f.loc) == "2026-03-09" {
			t.Fatalf("slot %v offered in a full week or on a day with a call", s.Start)
		}
	}
	t.Run("a programme's quota", func(t *testing.T) {
		f.prog.Settings = `{"calls":{"quota":1}}`
		mustNoErr(t, f.svc.UpdateProgramme(f.sys, f.prog), "update programme")
		_, err := f.svc.BookCall(f.coord, f.office(f.h1, 8, "10:00"))
		wantRefusal(t, err, kinbridge.ECONFLICT, "start", "error.calls.quota_used")
		if got := kinbridge.ErrorMessage(err); got != "This household has used its 1 calls for week 2026-W11." {
			t.Errorf("message %q", got)
		}
		// h3 has no member in the programme: the default two.
		f.mustBook(t, f.coord, f.office(f.h3, 7, "10:00"))
		f.mustBook(t, f.coord, f.office(f.h3, 8, "10:00"))
	})
}

func testCallIdempotentRetry(t *testing.T, open Opener) {
	f := newCallDesk(t, open)
	req := f.office(f.h1, 0, "09:00")
	req.IdempotencyKey = "req-1"
	first := f.mustBook(t, f.coord, req)
	again := f.mustBook(t, f.coord, req)
	if again.ID != first.ID {
		t.Errorf("the retry booked call %d, the first %d", again.ID, first.ID)
	}
	// Another user's key of the same text is theirs.
	req2 := f.office(f.h2, 0, "09:00")
	req2.IdempotencyKey = "req-1"
	other := f.mustBook(t, As(f.officerA1), req2)
	if other.ID == first.ID {
		t.Error("another user's request returned the first user's call")
	}
	// Another request with a key this user has used, which passes every
	// check (h1 is free on Tuesday): the key is found taken as the call
	// is stored, and the answer is the call booked with it.
	req3 := f.office(f.h1, 1, "09:00")
	req3.IdempotencyKey = "req-1"
	if third := f.mustBook(t, f.coord, req3); third.ID != first.ID {
		t.Errorf("another request with the key booked call %d, want the first, %d", third.ID, first.ID)
	}
	calls, total, err := f.svc.FindCalls(f.coord, kinbridge.CallFilter{UnitID: f.officeA1.ID})
	mustNoErr(t, err, "find calls")
	if total != 2 || len(calls) != 2 {
		t.Errorf("%d calls, want 2", total)
	}
}

func testCallCancelCutoff(t *testing.T, open Opener) {
	f := newCallDesk(t, open)
	c := f.mustBook(t, f.coord, f.office(f.h1, 0, "09:00"))
	c2 := f.mustBook(t, f.coord, f.office(f.h2, 0, "09:00"))
	officer := As(f.officerA1)
	_, err := f.svc.CancelCall(officer, c.ID, c.Version, " ")
	wantField(t, err, "reason")
	// An hour before the start: inside the two hours' cut-off.
	f.clock.Add(f.at(0, "08:00").Sub(f.clock.Now()))
	_, err = f.svc.CancelCall(officer, c.ID, c.Version, "ill")
	wantRefusal(t, err, kinbridge.ECONFLICT, "start", "error.calls.cancel_cutoff")
	if got := f.storedCall(t, c.ID); got.Status != kinbridge.CallBooked {
		t.Errorf("refused cancellation left status %s", got.Status)
	}
	// A coordinator plans calls: the cut-off is not theirs.
	done, err := f.svc.CancelCall(f.coord, c.ID, c.Version, "ill")
	mustNoErr(t, err, "coordinator cancels")
	if done.Status != kinbridge.CallCancelled || done.Reason != "ill" || done.Sequence != 1 {
		t.Errorf("cancelled call %+v", done)
	}
	_, err = f.svc.CancelCall(f.coord, c.ID, 0, "again")
	wantRefusal(t, err, kinbridge.ECONFLICT, "status", "error.calls.status")
	_, err = f.svc.CancelCall(f.coord, c2.ID, c2.Version+5, "stale")
	wantCode(t, err, kinbridge.ECONFLICT)
	// The room and officer are free again, and h1 may book that day.
	f.clock.Add(-3 * time.Hour)
	again := f.mustBook(t, f.coord, f.office(f.h3, 0, "09:00"))
	if again.RoomID != c.RoomID {
		t.Errorf("the released room %d was not given again (got %d)", c.RoomID, again.RoomID)
	}
	f.mustBook(t, f.coord, f.office(f.h1, 0, "11:00"))
}

func testCallOutcomes(t *testing.T, open Opener) {
	f := newCallDesk(t, open)
	c := f.mustBook(t, f.coord, f.office(f.h1, 0, "09:00"))
	officer := As(f.officerA1)
	_, err := f.svc.RecordCallOutcome(officer, c.ID, c.Version, kinbridge.CallHeld, "")
	wantRefusal(t, err, kinbridge.EINVALID, "status", "error.calls.not_started")
	_, err = f.svc.RecordCallOutcome(officer, c.ID, c.Version, kinbridge.CallCancelled, "")
	wantField(t, err, "status")
	f.clock.Add(f.at(0, "09:05").Sub(f.clock.Now()))
	held, err := f.svc.RecordCallOutcome(officer, c.ID, c.Version, kinbridge.CallHeld, "Talked with the son.")
	mustNoErr(t, err, "held")
	if held.Status != kinbridge.CallHeld || held.Note != "Talked with the son." || held.Sequence != 1 || held.Version != 2 {
		t.Errorf("held call %+v", held)
	}
	_, err = f.svc.RecordCallOutcome(officer, c.ID, held.Version, kinbridge.CallNoShow, "")
	wantCode(t, err, kinbridge.ECONFLICT)
	// A held call keeps its claims: its day stays taken.
	_, err = f.svc.BookCall(f.coord, f.office(f.h1, 0, "13:00"))
	wantRefusal(t, err, kinbridge.ECONFLICT, "start", "error.calls.day_taken")
}

// testCallNoShowFree: a no-show uses the quota unless the policy says it is
// free, when its seat is given back (and its day stays taken).
func testCallNoShowFree(t *testing.T, open Opener) {
	for _, rule := range []string{"counts", "free"} {
		t.Run(rule, func(t *testing.T) {
			f := newCallDesk(t, open)
			f.prog.Settings = `{"calls":{"no_show":"` + rule + `"}}`
			mustNoErr(t, f.svc.UpdateProgramme(f.sys, f.prog), "update programme")
			c := f.mustBook(t, f.coord, f.office(f.h1, 0, "09:00"))
			f.mustBook(t, f.coord, f.office(f.h1, 1, "09:00"))
			f.clock.Add(f.at(0, "09:40").Sub(f.clock.Now()))
			_, err := f.svc.RecordCallOutcome(f.coord, c.ID, 0, kinbridge.CallNoShow, "nobody came")
			mustNoErr(t, err, "no-show")
			_, err = f.svc.BookCall(f.coord, f.office(f.h1, 3, "09:00"))
			if rule == "counts" {
				wantRefusal(t, err, kinbridge.ECONFLICT, "start", "error.calls.quota_used")
			} else {
				mustNoErr(t, err, "book after a free no-show")
			}
			_, err = f.svc.BookCall(f.coord, f.office(f.h1, 0, "13:00"))
			wantRefusal(t, err, kinbridge.ECONFLICT, "start", "error.calls.day_taken")
		})
	}
	// A call the officer missed never counts: the household may book again.
	t.Run("officer_missing", func(t *testing.T) {
		f := newCallDesk(t, open)
		c := f.mustBook(t, f.coord, f.office(f.h1, 0, "09:00"))
		f.mustBook(t, f.coord, f.office(f.h1, 1, "09:00"))
		_, err := f.svc.BookCall(f.coord, f.office(f.h1, 3, "09:00"))
		wantRefusal(t, err, kinbridge.ECONFLICT, "start", "error.calls.quota_used")
		f.clock.Add(f.at(0, "09:40").Sub(f.clock.Now()))
		_, err = f.svc.RecordCallOutcome(f.coord, c.ID, 0, kinbridge.CallOfficerMissing, "called away")
		mustNoErr(t, err, "officer missing")
		f.mustBook(t, f.coord, f.office(f.h1, 3, "09:00"))
	})
}

func testCallReschedule(t *testing.T, open Opener) {
	f := newCallDesk(t, open)
	c := f.mustBook(t, f.coord, f.office(f.h1, 0, "09:00"))
	f.mustBook(t, f.coord, f.office(f.h2, 0, "09:00"))
	f.mustBook(t, f.coord, f.office(f.h2, 7, "09:00"))
	// A refused new time leaves the old call as it was, claims and all.
	_, err := f.svc.RescheduleCall(f.coord, c.ID, c.Version, f.office(f.h1, 0, "09:15"))
	wantRefusal(t, err, kinbridge.EINVALID, "start", "error.calls.no_slot")
	if got := f.storedCall(t, c.ID); got.Status != kinbridge.CallBooked || got.Version != 1 {
		t.Errorf("after a refused reschedule: %+v", got)
	}
	_, err = f.svc.BookCall(f.coord, f.office(f.h3, 0, "09:00"))
	wantRefusal(t, err, kinbridge.ECONFLICT, "start", "error.calls.room_taken")
	// The same day at another time: the old call's day is released in the
	// same transaction. The household of the request is the call's.
	req := f.office(f.h2, 0, "10:00")
	moved, err := f.svc.RescheduleCall(f.coord, c.ID, c.Version, req)
	mustNoErr(t, err, "reschedule")
	if moved.HouseholdID != f.h1.ID || !moved.Start.Equal(f.at(0, "10:00")) || moved.ID == c.ID || moved.Status != kinbridge.CallBooked {
		t.Errorf("rescheduled call %+v", moved)
	}
	if old := f.storedCall(t, c.ID); old.Status != kinbridge.CallCancelled || old.Reason == "" {
		t.Errorf("old call %+v", old)
	}
	f.mustBook(t, f.coord, f.office(f.h3, 1, "09:00"))
}

func testCallOfficeCancellation(t *testing.T, open Opener) {
	f := newCallDesk(t, open)
	mustNoErr(t, f.svc.SetCaseOfficer(As(f.supA), f.h1.ID, f.officerA1b.ID), "case officer")
	c1 := f.mustBook(t, f.coord, f.office(f.h1, 0, "09:00"))
	c2 := f.mustBook(t, f.coord, f.office(f.h2, 0, "09:30"))
	c3 := f.mustBook(t, f.coord, f.office(f.h3, 1, "09:00"))
	_, err := f.svc.CancelOfficeCalls(As(f.officerA1), f.officeA1.ID, f.at(0, "00:00"), f.at(1, "00:00"), "power cut")
	wantCode(t, err, kinbridge.EFORBIDDEN)
	_, err = f.svc.CancelOfficeCalls(As(f.supA), f.officeA1.ID, f.at(0, "00:00"), f.at(1, "00:00"), "")
	wantField(t, err, "reason")
	oc, err := f.svc.CancelOfficeCalls(As(f.supA), f.officeA1.ID, f.at(0, "00:00"), f.at(1, "00:00"), "power cut")
	mustNoErr(t, err, "cancel office calls")
	var ids []int64
	for _, c := range oc.Calls {
		ids = append(ids, c.ID)
	}
	diff(t, "cancelled", []int64{c1.ID, c2.ID}, ids)
	for _, id := range ids {
		if c := f.storedCall(t, id); c.Status != kinbridge.CallCancelled || c.Reason != "power cut" {
			t.Errorf("call %d: %s %q", id, c.Status, c.Reason)
		}
	}
	if c := f.storedCall(t, c3.ID); c.Status != kinbridge.CallBooked {
		t.Errorf("Tuesday's call: %s", c.Status)
	}
	ns, _, err := f.svc.FindNotifications(As(f.officerA1b), false, 10)
	mustNoErr(t, err, "notifications")
	if len(ns) != 1 || ns[0].Kind != kinbridge.NotifyCallCancelled || ns[0].Args["call"] == "" {
		t.Errorf("case officer's notifications %+v", ns)
	}
	ns, _, _ = f.svc.FindNotifications(f.coord, false, 10)
	if len(ns) != 1 || ns[0].Kind != kinbridge.NotifyOfficeCallsCancelled || ns[0].Args["calls"] != "2" {
		t.Errorf("coordinator's notifications %+v", ns)
	}
	es, err := f.svc.FindAuditEntries(f.sys, kinbridge.AuditFilter{RecordType: "call", RecordID: c2.ID})
	mustNoErr(t, err, "audit")
	if len(es) == 0 || es[0].Action != "call.cancel" {
		t.Errorf("audit of a cancelled call: %+v", es)
	}
	// The households may book again at once.
	f.mustBook(t, f.coord, f.office(f.h1, 0, "10:00"))
}

func testCallScope(t *testing.T, open Opener) {
	f := newCallDesk(t, open)
	c := f.mustBook(t, f.coord, f.office(f.h1, 0, "09:00"))
	other := As(f.officerB1)
	_, err := f.svc.FindCallByID(other, c.ID)
	wantCode(t, err, kinbridge.ENOTFOUND)
	_, err = f.svc.BookCall(other, f.office(f.h1, 1, "09:00"))
	wantCode(t, err, kinbridge.ENOTFOUND)
	_, err = f.svc.FreeSlots(other, f.h1.ID, f.at(0, "00:00"), f.at(1, "00:00"))
	wantCode(t, err, kinbridge.ENOTFOUND)
	_, err = f.svc.CancelCall(other, c.ID, 0, "no")
	wantCode(t, err, kinbridge.ENOTFOUND)
	_, err = f.svc.RecordCallOutcome(other, c.ID, 0, kinbridge.CallHeld, "")
	wantCode(t, err, kinbridge.ENOTFOUND)
	_, _, err = f.svc.FindCalls(other, kinbridge.CallFilter{HouseholdID: f.h1.ID})
	wantCode(t, err, kinbridge.ENOTFOUND)
	calls, _, err := f.svc.FindCalls(other, kinbridge.CallFilter{})
	mustNoErr(t, err, "find calls of office B1")
	if len(calls) != 0 {
		t.Errorf("officer of B1 sees %d calls of A1", len(calls))
	}
	_, err = f.svc.FindRoster(other, f.officeA1.ID)
	wantCode(t, err, kinbridge.ENOTFOUND)
	err = f.svc.SetRoster(As(f.officerA1), f.officeA1.ID, nil, nil)
	wantCode(t, err, kinbridge.EFORBIDDEN)
	// In scope: the supervisor of region A sees it, audited per call.
	calls, total, err := f.svc.FindCalls(As(f.supA), kinbridge.CallFilter{HouseholdID: f.h1.ID})
	mustNoErr(t, err, "find calls")
	if total != 1 || len(calls) != 1 || calls[0].ID != c.ID {
		t.Errorf("supervisor's calls %v", calls)
	}
	es, err := f.svc.FindAuditEntries(f.sys, kinbridge.AuditFilter{ActorID: f.supA.ID, RecordType: "call"})
	mustNoErr(t, err, "audit")
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action)
	}
	diff(t, "audit of the list", []string{"call.list_result", "call.list"}, actions)
}

func testCallSettingsValidation(t *testing.T, open Opener) {
	f := newCallDesk(t, open)
	err := f.svc.SetHouseholdCallSettings(f.coord, &kinbridge.HouseholdCallSettings{HouseholdID: f.h3.ID,
		Windows: []kinbridge.WeekPeriod{{Weekday: 1, Start: 600, End: 700}, {Weekday: 1, Start: 650, End: 720}}})
	wantField(t, err, "windows[1]")
	err = f.svc.SetHouseholdCallSettings(f.coord, &kinbridge.HouseholdCallSettings{HouseholdID: f.h3.ID, ProgrammeID: 999})
	wantField(t, err, "programme_id")
	err = f.svc.SetHouseholdCallSettings(f.coord, &kinbridge.HouseholdCallSettings{HouseholdID: f.h3.ID, Places: []kinbridge.CallPlace{"moon"}})
	wantField(t, err, "places[0]")
	err = f.svc.SetCallOffice(f.coord, &kinbridge.CallOffice{UnitID: f.officeA1.ID, Rooms: []*kinbridge.CallRoom{{Name: "room a", Active: true}}})
	wantField(t, err, "rooms[0].name")
	err = f.svc.SetRoster(f.coord, f.officeA1.ID, []kinbridge.RosterEntry{{OfficerID: f.officerB1.ID, Weekday: 1, Kind: kinbridge.DutyOffice}}, nil)
	wantField(t, err, "entries[0].officer_id")
	err = f.svc.AddRosterException(f.coord, &kinbridge.RosterException{UnitID: f.officeA1.ID, Day: "2026-03-02", Kind: kinbridge.DutyOff})
	wantField(t, err, "reason")
	// A holiday of the whole office on Monday morning: no office slot then.
	e := &kinbridge.RosterException{UnitID: f.officeA1.ID, Day: "2026-03-02", Half: kinbridge.Morning, Kind: kinbridge.DutyOff, Reason: "holiday"}
	mustNoErr(t, f.svc.AddRosterException(f.coord, e), "add exception")
	err = f.svc.AddRosterException(f.coord, &kinbridge.RosterException{UnitID: f.officeA1.ID, Day: "2026-03-02", Half: kinbridge.Morning,
		Kind: kinbridge.DutyOffice, Reason: "again"})
	wantField(t, err, "day")
	_, err = f.svc.BookCall(f.coord, f.office(f.h3, 0, "09:00"))
	wantRefusal(t, err, kinbridge.EINVALID, "start", "error.calls.no_slot")
	r, err := f.svc.FindRoster(f.coord, f.officeA1.ID)
	mustNoErr(t, err, "find roster")
	if len(r.Exceptions) != 1 || len(r.Entries) != 20 || r.Areas[f.officerA1.ID] != "north" || r.Office == nil || len(r.Office.Rooms) != 2 {
		t.Errorf("roster: %d exceptions, %d entries, areas %v", len(r.Exceptions), len(r.Entries), r.Areas)
	}
	mustNoErr(t, f.svc.DeleteRosterException(f.coord, e.ID), "delete exception")
	f.mustBook(t, f.coord, f.office(f.h3, 0, "09:00"))
}

// testCallSetupChanges: the service keeps the call set-up it has read —
// the unit, its office and rooms, roster, leave, areas, the programmes'
// policies — with the version the database keeps of it; a change made
// elsewhere, by another process (another Service on the same database,
// with its own memory) or by SQL without any service, is seen by the
// next booking or list of free slots all the same. Each step checks what
// it changed through the first service, whose memory holds the old.
func testCallSetupChanges(t *testing.T, open Opener) {
	f := newCallDesk(t, open)
	other := kinbridge.NewService(f.store, f.clock, kinbridge.DefaultServiceConfig())
	// free returns the places free at 09:00 on Monday for h3.
	free := func(step string) int {
		t.Helper()
		fs, err := f.svc.FreeSlots(f.coord, f.h3.ID, f.at(0, "00:00"), f.at(1, "00:00"))
		mustNoErr(t, err, "free slots "+step)
		for _, s := range fs.Slots {
			if s.Place == kinbridge.CallAtOffice && s.Start.Equal(f.at(0, "09:00")) {
				return s.Free
			}
		}
		return 0
	}
	if n := free("at first"); n != 2 {
		t.Fatalf("at first %d places free at 09:00, want 2 (two rooms, two officers)", n)
	}
	leave := &kinbridge.RosterException{UnitID: f.officeA1.ID, OfficerID: f.officerA1.ID, Day: f.monday, Half: kinbridge.Morning,
		Kind: kinbridge.DutyOff, Reason: "leave"}
	mustNoErr(t, other.AddRosterException(f.coord, leave), "leave")
	if n := free("with officer A1 on leave"); n != 1 {
		t.Errorf("with officer A1 on leave: %d places free, want 1", n)
	}
	mustNoErr(t, other.DeleteRosterException(f.coord, leave.ID), "end leave")
	if n := free("after the leave is taken back"); n != 2 {
		t.Errorf("after the leave is taken back: %d places free, want 2", n)
	}
	o := &kinbridge.CallOffice{UnitID: f.officeA1.ID, Rooms: []*kinbridge.CallRoom{
		{ID: f.rooms[0].ID, Name: f.rooms[0].Name, Active: true}, {ID: f.rooms[1].ID, Name: f.rooms[1].Name, Active: false}}}
	mustNoErr(t, other.SetCallOffice(f.coord, o), "close room B")
	if n := free("with room B closed"); n != 1 {
		t.Errorf("with room B closed: %d places free, want 1", n)
	}
	_, err := f.svc.BookCall(f.coord, f.office(f.h2, 0, "09:00"))
	mustNoErr(t, err, "book the one room left")
	_, err = f.svc.BookCall(f.coord, f.office(f.h3, 0, "09:00"))
	wantRefusal(t, err, kinbridge.ECONFLICT, "start", "error.calls.room_taken")
	f.exec(t, "UPDATE call_rooms SET active = ? WHERE id = ?", true, f.rooms[1].ID)
	if n := free("with room B opened by SQL"); n != 1 {
		t.Errorf("with room B opened by SQL and one call booked: %d places free, want 1", n)
	}
	mustNoErr(t, other.SetRoster(f.coord, f.officeA1.ID, nil, nil), "empty the roster")
	if n := free("with no one on the roster"); n != 0 {
		t.Errorf("with no one on the roster: %d places free, want 0", n)
	}

	quota := func() int {
		t.Helper()
		fs, err := f.svc.FreeSlots(f.coord, f.h1.ID, f.at(0, "00:00"), f.at(1, "00:00"))
		mustNoErr(t, err, "free slots of h1")
		return fs.Weeks[0].Quota
	}
	before := quota()
	p := *f.prog
	p.Settings = fmt.Sprintf(`{"calls": {"quota": %d}}`, before+1)
	mustNoErr(t, other.UpdateProgramme(f.sys, &p), "raise the programme's quota")
	if q := quota(); q != before+1 {
		t.Errorf("h1's quota after its programme's was raised: %d, want %d", q, before+1)
	}
}
