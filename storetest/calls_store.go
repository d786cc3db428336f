package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// callsCases are the family calls capability's part of the behaviour suite.
var callsCases = []struct {
	name string
	fn   func(*testing.T, Opener)
}{
	{"CallsResources", testCallsResources},
	{"CallsHouseholds", testCallsHouseholds},
	{"CallsClaims", testCallsClaims},
	{"CallsConcurrentBookings", testCallsConcurrentBookings},
	{"CallsFind", testCallsFind},
	{"CallsPlansTokens", testCallsPlansTokens},
	{"CallsEvidence", testCallsEvidence},
	{"CallSetupVersion", testCallSetupVersion},
}

// calls is the welfare fixture with call offices: officeA1 has rooms A and
// B, officeB1 room C.
type calls struct {
	*welfare
	roomA, roomB, roomC *kinbridge.CallRoom
}

func newCalls(t *testing.T, open Opener) *calls {
	t.Helper()
	f := &calls{welfare: newWelfare(t, open)}
	f.roomA, f.roomB = &kinbridge.CallRoom{Name: "A", Active: true}, &kinbridge.CallRoom{Name: "B", Active: true}
	f.roomC = &kinbridge.CallRoom{Name: "C", Active: true}
	f.update(t, func(tx kinbridge.Tx) error {
		ctx := context.Background()
		if err := tx.PutCallOffice(ctx, officeHours(f.officeA1.ID, f.roomA, f.roomB)); err != nil {
			return err
		}
		return tx.PutCallOffice(ctx, officeHours(f.officeB1.ID, f.roomC))
	})
	return f
}

func officeHours(unitID int64, rooms ...*kinbridge.CallRoom) *kinbridge.CallOffice {
	return &kinbridge.CallOffice{UnitID: unitID, MorningStart: 9 * 60, MorningEnd: 12 * 60, AfternoonStart: 13 * 60,
		AfternoonEnd: 17 * 60, Rooms: rooms}
}

// update runs fn in a write transaction of the store.
func (f *calls) update(t *testing.T, fn func(tx kinbridge.Tx) error) {
	t.Helper()
	mustNoErr(t, f.store.Update(context.Background(), fn), "update")
}

// call is a booked call of the household at start: at the office in the
// room if room is not 0, else at home; 30 minutes, an hour's block at home.
func call(h *kinbridge.Household, officerID, roomID int64, start time.Time) *kinbridge.Call {
	c := &kinbridge.Call{HouseholdID: h.ID, UnitID: h.UnitID, OfficerID: officerID, RoomID: roomID, Place: kinbridge.CallAtOffice,
		Start: start, End: start.Add(30 * time.Minute), BlockEnd: start.Add(30 * time.Minute), Day: start.Format(time.DateOnly),
		Status: kinbridge.CallBooked, RelativeIDs: []int64{}}
	if roomID == 0 {
		c.Place, c.BlockEnd = kinbridge.CallAtHome, start.Add(time.Hour)
	}
	y, w := start.ISOWeek()
	c.Week = fmt.Sprintf("%d-W%02d", y, w)
	return c
}

// book creates the call in a transaction of its own, with a quota of 2.
func (f *calls) book(c *kinbridge.Call) error {
	return f.bookQuota(c, 2)
}

func (f *calls) bookQuota(c *kinbridge.Call, quota int) error {
	return f.store.Update(context.Background(), func(tx kinbridge.Tx) error {
		return tx.CreateCall(context.Background(), c, quota)
	})
}

// claims returns the claim keys the call holds.
func (f *calls) claims(t *testing.T, callID int64) map[string]bool {
	t.Helper()
	rows, err := f.store.WriteDB().QueryContext(context.Background(), sqlstore.Rebind("SELECT key FROM call_claims WHERE call_id = ?"), callID)
	mustNoErr(t, err, "read claims")
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		mustNoErr(t, rows.Scan(&k), "scan claim")
		out[k] = true
	}
	mustNoErr(t, rows.Err(), "read claims")
	return out
}

// wantClaims fails unless the call holds exactly its keys and one quota
// seat (seat "" for none).
func (f *calls) wantClaims(t *testing.T, c *kinbridge.Call, seat string) {
	t.Helper()
	want := map[string]bool{}
	for _, k := range kinbridge.CallClaimKeys(c) {
		want[k] = true
	}
	if seat != "" {
		want[kinbridge.CallQuotaPrefix(c.HouseholdID, c.Week)+seat] = true
	}
	diff(t, fmt.Sprintf("claims of call %d", c.ID), want, f.claims(t, c.ID))
}

// testCallsResources: offices with rooms (never deleted), rosters,
// exceptions and areas round-trip and keep to their scope and keys.
func testCallsResources(t *testing.T, open Opener) {
	f := newCalls(t, open)
	ctx := context.Background()
	f.roomB.Active = false
	roomD := &kinbridge.CallRoom{Name: "D", Active: true}
	f.update(t, func(tx kinbridge.Tx) error {
		return tx.PutCallOffice(ctx, officeHours(f.officeA1.ID, f.roomB, roomD))
	})
	f.view(t, func(tx kinbridge.Tx) error {
		o, err := tx.FindCallOffice(ctx, f.officeA1.ID)
		mustNoErr(t, err, "find call office")
		want := officeHours(f.officeA1.ID, f.roomA, f.roomB, roomD)
		want.Updated = o.Updated
		diff(t, "office A1 (room A kept, B inactive, D added)", want, o)
		_, err = tx.FindCallOffice(ctx, f.regionA.ID)
		wantCode(t, err, kinbridge.ENOTFOUND)
		os, err := tx.FindCallOffices(ctx, f.regionB.Path)
		mustNoErr(t, err, "find call offices")
		if len(os) != 1 || os[0].UnitID != f.officeB1.ID || len(os[0].Rooms) != 1 || os[0].Rooms[0].ID != f.roomC.ID {
			t.Errorf("offices of region B = %+v, want office B1 with room C", os)
		}
		all, err := tx.FindCallOffices(ctx, "/")
		mustNoErr(t, err, "find all call offices")
		if len(all) != 2 {
			t.Errorf("offices of the tree = %d, want 2", len(all))
		}
		return nil
	})
	// A room of another office is not this office's to update.
	err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
		return tx.PutCallOffice(ctx, officeHours(f.officeB1.ID, f.roomA))
	})
	wantCode(t, err, kinbridge.ENOTFOUND)
	err = f.store.Update(ctx, func(tx kinbridge.Tx) error {
		return tx.PutCallOffice(ctx, officeHours(f.officeA1.ID, &kinbridge.CallRoom{Name: "A", Active: true}))
	})
	wantCode(t, err, kinbridge.ECONFLICT)

	// Rosters: replacing a unit's template replaces it whole.
	a1, a1b, b1 := f.officerA1.ID, f.officerA1b.ID, f.officerB1.ID
	entries := []kinbridge.RosterEntry{
		{OfficerID: a1, Weekday: 1, Half: kinbridge.Morning, Kind: kinbridge.DutyOffice},
		{OfficerID: a1, Weekday: 1, Half: kinbridge.Afternoon, Kind: kinbridge.DutyHome},
		{OfficerID: a1b, Weekday: 3, Half: kinbridge.Morning, Kind: kinbridge.DutyOff},
	}
	f.update(t, func(tx kinbridge.Tx) error {
		mustNoErr(t, tx.ReplaceRoster(ctx, f.officeB1.ID, []kinbridge.RosterEntry{{OfficerID: b1, Weekday: 7, Half: 1, Kind: kinbridge.DutyOffice}}), "roster B1")
		mustNoErr(t, tx.ReplaceRoster(ctx, f.officeA1.ID, append(entries, kinbridge.RosterEntry{OfficerID: a1b, Weekday: 5, Half: 0, Kind: kinbridge.DutyHome})), "roster A1")
		return tx.ReplaceRoster(ctx, f.officeA1.ID, entries)
	})
	f.view(t, func(tx kinbridge.Tx) error {
		got, err := tx.FindRoster(ctx, f.regionA.Path)
		mustNoErr(t, err, "find roster")
		diff(t, "roster of region A", entries, got)
		got, err = tx.FindRoster(ctx, "/")
		mustNoErr(t, err, "find roster")
		if len(got) != 4 || !slices.ContainsFunc(got, func(e kinbridge.RosterEntry) bool { return e.OfficerID == b1 }) {
			t.Errorf("roster of the tree = %+v, want A1's and B1's", got)
		}
		return nil
	})

	// Exceptions: one per office, officer, day and half (0: the office).
	mk := func(unit *kinbridge.Unit, officer int64, day string, half kinbridge.Half) *kinbridge.RosterException {
		return &kinbridge.RosterException{UnitID: unit.ID, OfficerID: officer, Day: day, Half: half, Kind: kinbridge.DutyOff,
			Reason: "leave", CreatedBy: f.coordA1.ID}
	}
	e1, e2, e3 := mk(f.officeA1, a1, "2026-03-02", 0), mk(f.officeA1, 0, "2026-03-03", 1), mk(f.officeB1, b1, "2026-03-09", 0)
	f.update(t, func(tx kinbridge.Tx) error {
		for _, e := range []*kinbridge.RosterException{e1, e2, e3} {
			mustNoErr(t, tx.CreateRosterException(ctx, e), "create exception")
		}
		// A second of the same key is a conflict that leaves the
		// transaction usable (PostgreSQL would abort it on a violation).
		wantCode(t, tx.CreateRosterException(ctx, mk(f.officeA1, 0, "2026-03-03", 1)), kinbridge.ECONFLICT)
		mustNoErr(t, tx.CreateRosterException(ctx, mk(f.officeA1, 0, "2026-03-03", 0)), "other half")
		return nil
	})
	f.view(t, func(tx kinbridge.Tx) error {
		got, err := tx.FindRosterExceptionByID(ctx, e1.ID)
		mustNoErr(t, err, "find exception")
		diff(t, "exception", e1, got)
		es, err := tx.FindRosterExceptions(ctx, f.regionA.Path, "2026-03-02", "2026-03-03")
		mustNoErr(t, err, "find exceptions")
		if len(es) != 3 || es[0].ID != e1.ID {
			t.Errorf("exceptions of region A in 2-3 March = %+v, want 3 from e1", es)
		}
		es, err = tx.FindRosterExceptions(ctx, "/", "2026-03-04", "2026-03-31")
		mustNoErr(t, err, "find exceptions")
		if len(es) != 1 || es[0].ID != e3.ID {
			t.Errorf("exceptions of the tree from 4 March = %+v, want e3", es)
		}
		return nil
	})
	f.update(t, func(tx kinbridge.Tx) error { return tx.DeleteRosterException(ctx, e1.ID) })
	f.view(t, func(tx kinbridge.Tx) error {
		_, err := tx.FindRosterExceptionByID(ctx, e1.ID)
		wantCode(t, err, kinbridge.ENOTFOUND)
		return nil
	})

	// Areas: by the officer's unit; "" removes.
	f.update(t, func(tx kinbridge.Tx) error {
		mustNoErr(t, tx.SetOfficerArea(ctx, a1, "north"), "area")
		mustNoErr(t, tx.SetOfficerArea(ctx, a1, "east"), "area again")
		mustNoErr(t, tx.SetOfficerArea(ctx, a1b, "west"), "area")
		mustNoErr(t, tx.SetOfficerArea(ctx, b1, "south"), "area")
		return tx.SetOfficerArea(ctx, a1b, "")
	})
	f.view(t, func(tx kinbridge.Tx) error {
		got, err := tx.FindOfficerAreas(ctx, f.regionA.Path)
		mustNoErr(t, err, "find areas")
		diff(t, "areas of region A", map[int64]string{a1: "east"}, got)
		return nil
	})
}

// testCallsHouseholds: settings round-trip; the scan lists the households
// with a current member, with settings or with their ID only, across
// batches.
func testCallsHouseholds(t *testing.T, open Opener) {
	f := newCalls(t, open)
	ctx := context.Background()
	s1 := &kinbridge.HouseholdCallSettings{HouseholdID: f.h1.ID, ProgrammeID: f.prog.ID, Area: "north",
		Places:      []kinbridge.CallPlace{kinbridge.CallAtHome},
		Windows:     []kinbridge.WeekPeriod{{Weekday: 1, Start: 9 * 60, End: 12 * 60}, {Weekday: 3, Start: 14 * 60, End: 16 * 60}},
		Preferred:   []kinbridge.WeekPeriod{{Weekday: 3, Start: 15 * 60, End: 16 * 60}},
		RelativeIDs: []int64{7, 9}}
	f.update(t, func(tx kinbridge.Tx) error { return tx.PutHouseholdCallSettings(ctx, s1) })
	s1.Area = "south"
	f.update(t, func(tx kinbridge.Tx) error { return tx.PutHouseholdCallSettings(ctx, s1) })
	sB := &kinbridge.HouseholdCallSettings{HouseholdID: f.hB.ID}
	f.update(t, func(tx kinbridge.Tx) error { return tx.PutHouseholdCallSettings(ctx, sB) })
	f.view(t, func(tx kinbridge.Tx) error {
		got, err := tx.FindHouseholdCallSettings(ctx, f.h1.ID)
		mustNoErr(t, err, "find settings")
		diff(t, "settings of h1", s1, got)
		got, err = tx.FindHouseholdCallSettings(ctx, f.hB.ID)
		mustNoErr(t, err, "find settings")
		diff(t, "settings of hB", sB, got)
		_, err = tx.FindHouseholdCallSettings(ctx, f.h2.ID)
		wantCode(t, err, kinbridge.ENOTFOUND)
		// The residents' programmes, as the persons' records have them.
		for _, h := range []*kinbridge.Household{f.h1, f.h2, f.hB} {
			persons, err := tx.FindPersons(ctx, kinbridge.PersonFilter{HouseholdID: h.ID})
			mustNoErr(t, err, "find persons")
			want := [][]int64{}
			for _, p := range persons {
				if p.Kind == kinbridge.PersonResident && p.HouseholdID == h.ID && p.Status != kinbridge.StatusDeparted &&
					p.Status != kinbridge.StatusDeceased && p.Status != kinbridge.StatusMerged {
					ids := append([]int64{}, p.ProgrammeIDs...)
					slices.Sort(ids)
					want = append(want, ids)
				}
			}
			got, err := tx.FindResidentProgrammes(ctx, h.ID)
			mustNoErr(t, err, "find resident programmes")
			if got == nil {
				got = [][]int64{}
			}
			diff(t, fmt.Sprintf("residents' programmes of household %d", h.ID), want, got)
		}
		return nil
	})
	// A household with no member is left out; more than a batch is read.
	f.mustHousehold(t, f.sys, f.officeA1, "empty house")
	var want []int64
	f.update(t, func(tx kinbridge.Tx) error {
		var hs []*kinbridge.Household
		for i := range 1100 {
			hs = append(hs, &kinbridge.Household{UnitID: f.officeB1.ID, Address: fmt.Sprint(i, " Bulk Road"), Languages: []string{}})
		}
		mustNoErr(t, tx.CreateHouseholds(ctx, hs), "create households")
		var ps []*kinbridge.Person
		for _, h := range hs {
			ps = append(ps, resident(h, "", "Bulk", "1970"))
			want = append(want, h.ID)
		}
		return tx.CreatePersons(ctx, ps)
	})
	scan := func(prefix string) []*kinbridge.CallHousehold {
		var got []*kinbridge.CallHousehold
		f.view(t, func(tx kinbridge.Tx) error {
			return tx.ScanCallHouseholds(ctx, prefix, func(h *kinbridge.CallHousehold) error {
				got = append(got, h)
				return nil
			})
		})
		return got
	}
	gotA := scan(f.regionA.Path)
	diff(t, "households of region A", []*kinbridge.CallHousehold{
		{HouseholdID: f.h1.ID, UnitID: f.officeA1.ID, UnitPath: f.officeA1.Path, Settings: *s1},
		{HouseholdID: f.h2.ID, UnitID: f.officeA1.ID, UnitPath: f.officeA1.Path, Settings: kinbridge.HouseholdCallSettings{HouseholdID: f.h2.ID}},
	}, gotA)
	gotB := scan(f.officeB1.Path)
	if len(gotB) != 1101 || gotB[0].HouseholdID != f.hB.ID || gotB[0].Settings.Updated.IsZero() {
		t.Fatalf("households of office B1: %d, first %+v; want 1101, hB with settings first", len(gotB), gotB[0])
	}
	for i, h := range gotB[1:] {
		if h.HouseholdID != want[i] || h.Settings.HouseholdID != h.HouseholdID || !h.Settings.Updated.IsZero() {
			t.Fatalf("household %d of the scan = %+v, want %d without settings", i+1, h, want[i])
		}
	}
	if n := len(scan("/")); n != 1103 {
		t.Errorf("households of the tree = %d, want 1103", n)
	}
}

// ignoreCallTimes ignores what the store sets on create.
var ignoreCallTimes = cmpopts.IgnoreFields(kinbridge.Call{}, "Created", "Updated")

// testCallsClaims: the database itself refuses a second claim of a key;
// CreateCall answers a taken key with ECONFLICT naming it, leaves nothing
// behind and keeps the transaction usable; claims are released whole or
// the seat only; updates are over the version read.
func testCallsClaims(t *testing.T, open Opener) {
	f := newCalls(t, open)
	ctx := context.Background()
	mon := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // Monday of 2026-W10
	c1 := call(f.h1, f.officerA1.ID, f.roomA.ID, mon)
	c1.IdempotencyKey, c1.CreatedBy, c1.RelativeIDs = "k1", f.coordA1.ID, []int64{3, 4}
	mustNoErr(t, f.book(c1), "book c1")
	if c1.ID == 0 || c1.Version != 1 || c1.UnitPath != f.officeA1.Path {
		t.Fatalf("created call %+v: want ID, version 1, unit path", c1)
	}
	f.wantClaims(t, c1, "1")
	f.view(t, func(tx kinbridge.Tx) error {
		got, err := tx.FindCallByID(ctx, c1.ID)
		mustNoErr(t, err, "find call")
		diff(t, "call", c1, got)
		return nil
	})

	// (a) The key is the table's: a raw duplicate fails on both engines.
	_, err := f.store.WriteDB().ExecContext(ctx, sqlstore.Rebind("INSERT INTO call_claims (key, call_id) VALUES (?, ?)"),
		kinbridge.CallClaimKeys(c1)[0], c1.ID)
	if err == nil {
		t.Fatal("a duplicate claim key was inserted")
	}

	// A call that would take a key held answers ECONFLICT with the key.
	taken := func(c *kinbridge.Call, quota int, field string) {
		t.Helper()
		var calls int
		err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
			err := tx.CreateCall(ctx, c, quota)
			wantCode(t, err, kinbridge.ECONFLICT)
			if got := kinbridge.ErrorField(err); got != field {
				t.Errorf("conflict field = %q, want %q", got, field)
			}
			// The transaction goes on, and holds nothing of the call.
			_, total, err := tx.FindCalls(ctx, kinbridge.CallFilter{})
			calls = total
			return err
		})
		mustNoErr(t, err, "transaction after a conflict")
		if n := f.count(t, "SELECT COUNT(*) FROM calls"); n != calls {
			t.Errorf("calls after a refused booking = %d, want %d", n, calls)
		}
	}
	g := func(at time.Time) string { return fmt.Sprint(at.Unix() / 60 / 15) }
	prefix := kinbridge.CallQuotaPrefix(f.h1.ID, c1.Week)
	before := f.count(t, "SELECT COUNT(*) FROM call_claims")
	// Same officer 15 minutes later, in another room, another household.
	taken(call(f.h2, f.officerA1.ID, f.roomB.ID, mon.Add(15*time.Minute)), 2, fmt.Sprintf("o:%d:%s", f.officerA1.ID, g(mon.Add(15*time.Minute))))
	taken(call(f.h2, f.officerA1b.ID, f.roomA.ID, mon.Add(15*time.Minute)), 2, fmt.Sprintf("r:%d:%s", f.roomA.ID, g(mon.Add(15*time.Minute))))
	taken(call(f.h1, f.officerA1b.ID, f.roomB.ID, mon.Add(4*time.Hour)), 2, fmt.Sprintf("d:%d:%s", f.h1.ID, c1.Day))
	taken(call(f.h1, f.officerA1b.ID, f.roomB.ID, mon.Add(24*time.Hour)), 1, prefix)
	dup := call(f.h2, f.officerA1b.ID, f.roomB.ID, mon.Add(48*time.Hour))
	dup.IdempotencyKey, dup.CreatedBy = "k1", f.coordA1.ID
	taken(dup, 2, "idempotency_key")
	if n := f.count(t, "SELECT COUNT(*) FROM call_claims"); n != before {
		t.Errorf("claims after refused bookings = %d, want %d", n, before)
	}

	// The second seat; a third call of the week finds none.
	c2 := call(f.h1, f.officerA1b.ID, f.roomB.ID, mon.Add(24*time.Hour))
	mustNoErr(t, f.book(c2), "book c2")
	f.wantClaims(t, c2, "2")
	taken(call(f.h1, f.officerA1b.ID, f.roomB.ID, mon.Add(48*time.Hour)), 2, prefix)

	// (c) Releasing the seat only frees the seat; releasing all frees all.
	f.update(t, func(tx kinbridge.Tx) error { return tx.ReleaseCallClaims(ctx, c1.ID, true) })
	f.wantClaims(t, c1, "")
	taken(call(f.h2, f.officerA1.ID, f.roomB.ID, mon), 2, fmt.Sprintf("o:%d:%s", f.officerA1.ID, g(mon)))
	c3 := call(f.h1, f.officerA1b.ID, f.roomB.ID, mon.Add(48*time.Hour))
	mustNoErr(t, f.book(c3), "book c3 in the freed seat")
	f.wantClaims(t, c3, "1")
	f.update(t, func(tx kinbridge.Tx) error { return tx.ReleaseCallClaims(ctx, c1.ID, false) })
	if got := f.claims(t, c1.ID); len(got) != 0 {
		t.Errorf("claims of c1 after release = %v", got)
	}
	c4 := call(f.h2, f.officerA1.ID, f.roomA.ID, mon)
	mustNoErr(t, f.book(c4), "book c4 over c1's released keys")

	// (d) Updates are over the version read.
	c1.Status, c1.Note, c1.Reason, c1.Sequence = kinbridge.CallCancelled, "note", "power cut", 1
	stale := *c1
	f.update(t, func(tx kinbridge.Tx) error { return tx.UpdateCall(ctx, c1) })
	if c1.Version != 2 {
		t.Errorf("version after update = %d, want 2", c1.Version)
	}
	err = f.store.Update(ctx, func(tx kinbridge.Tx) error { return tx.UpdateCall(ctx, &stale) })
	wantCode(t, err, kinbridge.ECONFLICT)
	err = f.store.Update(ctx, func(tx kinbridge.Tx) error { return tx.UpdateCall(ctx, &kinbridge.Call{ID: -1, Version: 1}) })
	wantCode(t, err, kinbridge.ENOTFOUND)
	f.view(t, func(tx kinbridge.Tx) error {
		got, err := tx.FindCallByID(ctx, c1.ID)
		mustNoErr(t, err, "find call")
		diff(t, "updated call", c1, got, ignoreCallTimes)
		got, err = tx.FindCallByIdempotencyKey(ctx, f.coordA1.ID, "k1")
		mustNoErr(t, err, "find call by idempotency key")
		if got.ID != c1.ID {
			t.Errorf("call by key k1 = %d, want %d", got.ID, c1.ID)
		}
		for _, k := range []struct {
			user int64
			key  string
		}{{f.coordA1.ID, "k2"}, {f.officerA1.ID, "k1"}, {0, ""}} {
			_, err = tx.FindCallByIdempotencyKey(ctx, k.user, k.key)
			wantCode(t, err, kinbridge.ENOTFOUND)
		}
		return nil
	})
}

// testCallsConcurrentBookings: 16 bookings at once for the same scarce
// thing — an officer's quarter hour, a room's, a household's day, a
// household's two seats of a week — each in its own transaction: exactly
// as many succeed as the rules allow, the others get ECONFLICT (never a
// deadlock), and every success is stored with its claims.
func testCallsConcurrentBookings(t *testing.T, open Opener) {
	f := newCalls(t, open)
	const n = 16
	hs := make([]*kinbridge.Household, n)
	for i := range hs {
		hs[i] = f.mustHousehold(t, f.sys, f.officeA1, fmt.Sprint(i, " Race Road"))
	}
	tue := time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		want int
		call func(i int) *kinbridge.Call
	}{
		// Home calls of different households with one officer, a
		// quarter apart: each block overlaps every other.
		{"officer", 1, func(i int) *kinbridge.Call {
			return call(hs[i], f.officerA1.ID, 0, tue.Add(time.Duration(i%4)*15*time.Minute))
		}},
		// Office calls without an officer in one room.
		{"room", 1, func(i int) *kinbridge.Call {
			return call(hs[i], 0, f.roomA.ID, tue.Add(24*time.Hour))
		}},
		// One household, one day, different times and rooms.
		{"household day", 1, func(i int) *kinbridge.Call {
			return call(f.h1, 0, []int64{f.roomA.ID, f.roomB.ID}[i%2], tue.Add(48*time.Hour+time.Duration(i)*30*time.Minute))
		}},
		// One household, a different day each (the week's label is what
		// the seats are keyed by), two seats.
		{"quota", 2, func(i int) *kinbridge.Call {
			c := call(f.h2, 0, 0, tue.Add(time.Duration(i)*24*time.Hour))
			c.Week = "2026-W10"
			return c
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs := make([]*kinbridge.Call, n)
			for i := range cs {
				cs[i] = tc.call(i)
			}
			before := f.count(t, "SELECT COUNT(*) FROM calls")
			wins := hammer(t, n, func(i int) error { return f.book(cs[i]) })
			if wins != tc.want {
				t.Errorf("%d bookings succeeded, want %d", wins, tc.want)
			}
			if got := f.count(t, "SELECT COUNT(*) FROM calls") - before; got != tc.want {
				t.Errorf("%d calls stored, want %d", got, tc.want)
			}
			seats := map[string]bool{}
			for _, c := range cs {
				if c.ID == 0 {
					continue
				}
				claims := f.claims(t, c.ID)
				for k := range claims {
					if k[0] == 'q' {
						seats[k] = true
						f.wantClaims(t, c, k[len(k)-1:])
					}
				}
				if len(claims) != len(kinbridge.CallClaimKeys(c))+1 {
					t.Errorf("call %d holds %v", c.ID, claims)
				}
			}
			if len(seats) != tc.want {
				t.Errorf("seats held: %v, want %d", seats, tc.want)
			}
		})
	}
}

// testCallsFind: FindCalls' filters, order, paging and total; quota seats
// counted per household.
func testCallsFind(t *testing.T, open Opener) {
	f := newCalls(t, open)
	ctx := context.Background()
	mon := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	plan := &kinbridge.CallPlan{UnitID: f.officeA1.ID, WeekStart: "2026-03-02"}
	f.update(t, func(tx kinbridge.Tx) error { return tx.CreateCallPlan(ctx, plan) })
	c1 := call(f.h1, f.officerA1.ID, f.roomA.ID, mon.Add(2*time.Hour))
	c2 := call(f.h2, f.officerA1.ID, f.roomA.ID, mon)
	c2.PlanID = plan.ID
	c3 := call(f.h1, f.officerA1b.ID, 0, mon.Add(24*time.Hour))
	c4 := call(f.hB, f.officerB1.ID, f.roomC.ID, mon)
	c5 := call(f.h1, f.officerA1b.ID, 0, mon.Add(7*24*time.Hour)) // next week
	for _, c := range []*kinbridge.Call{c1, c2, c3, c4, c5} {
		mustNoErr(t, f.book(c), "book")
	}
	c3.Status = kinbridge.CallHeld
	f.update(t, func(tx kinbridge.Tx) error { return tx.UpdateCall(ctx, c3) })
	idsOf := func(cs []*kinbridge.Call) []int64 {
		out := []int64{}
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		f     kinbridge.CallFilter
		want  []int64
		total int
	}{
		{"all", kinbridge.CallFilter{}, []int64{c2.ID, c4.ID, c1.ID, c3.ID, c5.ID}, 5},
		{"region A", kinbridge.CallFilter{PathPrefix: f.regionA.Path}, []int64{c2.ID, c1.ID, c3.ID, c5.ID}, 4},
		{"unit B1", kinbridge.CallFilter{UnitID: f.officeB1.ID}, []int64{c4.ID}, 1},
		{"household h1", kinbridge.CallFilter{HouseholdID: f.h1.ID}, []int64{c1.ID, c3.ID, c5.ID}, 3},
		{"officer A1b", kinbridge.CallFilter{OfficerID: f.officerA1b.ID}, []int64{c3.ID, c5.ID}, 2},
		{"plan", kinbridge.CallFilter{PlanID: plan.ID}, []int64{c2.ID}, 1},
		{"week", kinbridge.CallFilter{From: mon, To: mon.Add(24 * time.Hour)}, []int64{c2.ID, c4.ID, c1.ID}, 3},
		{"still holding someone", kinbridge.CallFilter{From: mon.Add(-8 * time.Hour), To: mon.Add(time.Hour), EndsAfter: mon.Add(15 * time.Minute)}, []int64{c2.ID, c4.ID}, 2},
		{"no longer holding anyone", kinbridge.CallFilter{From: mon.Add(-8 * time.Hour), To: mon.Add(time.Hour), EndsAfter: mon.Add(30 * time.Minute)}, []int64{}, 0},
		{"held or cancelled", kinbridge.CallFilter{Statuses: []kinbridge.CallStatus{kinbridge.CallHeld, kinbridge.CallCancelled}}, []int64{c3.ID}, 1},
		{"page 2", kinbridge.CallFilter{Limit: 2, Offset: 2}, []int64{c1.ID, c3.ID}, 5},
		{"last page, not full", kinbridge.CallFilter{Limit: 2, Offset: 4}, []int64{c5.ID}, 5},
		{"one page, not full", kinbridge.CallFilter{HouseholdID: f.h1.ID, Limit: 4}, []int64{c1.ID, c3.ID, c5.ID}, 3},
		{"past the end", kinbridge.CallFilter{Limit: 2, Offset: 6}, []int64{}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.view(t, func(tx kinbridge.Tx) error {
				cs, total, err := tx.FindCalls(ctx, tc.f)
				mustNoErr(t, err, "find calls")
				diff(t, "calls", tc.want, idsOf(cs))
				if total != tc.total {
					t.Errorf("total = %d, want %d", total, tc.total)
				}
				return nil
			})
		})
	}
	f.view(t, func(tx kinbridge.Tx) error {
		got, err := tx.CountQuotaSeats(ctx, []int64{f.h1.ID, f.h2.ID, f.hB.ID, -1}, c1.Week)
		mustNoErr(t, err, "count quota seats")
		diff(t, "seats in week 10", map[int64]int{f.h1.ID: 2, f.h2.ID: 1, f.hB.ID: 1}, got)
		got, err = tx.CountQuotaSeats(ctx, []int64{f.h1.ID}, c5.Week)
		mustNoErr(t, err, "count quota seats")
		diff(t, "seats in week 11", map[int64]int{f.h1.ID: 1}, got)
		// The same seats read for a range of weeks at once: both weeks, one
		// of them, a week before them (none), and another household's.
		weeks, err := tx.CountWeeksQuotaSeats(ctx, f.h1.ID, c1.Week, c5.Week)
		mustNoErr(t, err, "count seats of weeks")
		diff(t, "h1's seats in weeks 10-11", map[string]int{c1.Week: 2, c5.Week: 1}, weeks)
		weeks, err = tx.CountWeeksQuotaSeats(ctx, f.h1.ID, c5.Week, c5.Week)
		mustNoErr(t, err, "count seats of weeks")
		diff(t, "h1's seats in week 11", map[string]int{c5.Week: 1}, weeks)
		weeks, err = tx.CountWeeksQuotaSeats(ctx, f.h1.ID, "2026-W01", "2026-W09")
		mustNoErr(t, err, "count seats of weeks")
		diff(t, "h1's seats in weeks 1-9", map[string]int{}, weeks)
		weeks, err = tx.CountWeeksQuotaSeats(ctx, f.h2.ID, c1.Week, c5.Week)
		mustNoErr(t, err, "count seats of weeks")
		diff(t, "h2's seats in weeks 10-11", map[string]int{c1.Week: 1}, weeks)
		return nil
	})
}

// testCallsEvidence: a directive's evidence counts the calls held at the
// subtree's offices since the date, and no other call.
func testCallsEvidence(t *testing.T, open Opener) {
	f := newCalls(t, open)
	ctx := context.Background()
	mon := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	held := []*kinbridge.Call{
		call(f.h1, f.officerA1.ID, f.roomA.ID, mon),
		call(f.h2, f.officerA1.ID, f.roomA.ID, mon.Add(48*time.Hour)),
		call(f.hB, f.officerB1.ID, f.roomC.ID, mon),
	}
	others := []*kinbridge.Call{
		call(f.h1, f.officerA1b.ID, 0, mon.Add(24*time.Hour)), // booked
		call(f.h2, f.officerA1b.ID, 0, mon),                   // no-show
	}
	for _, c := range append(held, others...) {
		mustNoErr(t, f.book(c), "book")
	}
	f.update(t, func(tx kinbridge.Tx) error {
		for _, c := range held {
			c.Status = kinbridge.CallHeld
			mustNoErr(t, tx.UpdateCall(ctx, c), "hold")
		}
		others[1].Status = kinbridge.CallNoShow
		return tx.UpdateCall(ctx, others[1])
	})
	for _, tc := range []struct {
		name   string
		prefix string
		since  time.Time
		want   int
	}{
		{"tree", "/", mon, 3},
		{"region A", f.regionA.Path, mon, 2},
		{"region A since Tuesday", f.regionA.Path, mon.Add(24 * time.Hour), 1},
		{"office B1", f.officeB1.Path, mon, 1},
		{"office B1 since Tuesday", f.officeB1.Path, mon.Add(24 * time.Hour), 0},
	} {
		f.view(t, func(tx kinbridge.Tx) error {
			ev, err := tx.ComputeEvidence(ctx, kinbridge.EvidenceFilter{PathPrefix: tc.prefix, Since: tc.since, Until: mon.Add(30 * 24 * time.Hour)})
			mustNoErr(t, err, "compute evidence")
			if ev.CallsHeld != tc.want {
				t.Errorf("%s: calls held = %d, want %d", tc.name, ev.CallsHeld, tc.want)
			}
			return nil
		})
	}
}

// testCallsPlansTokens: plans round-trip with their JSON, newest first and
// in scope; calendar tokens are found by hash and revoked once.
func testCallsPlansTokens(t *testing.T, open Opener) {
	f := newCalls(t, open)
	ctx := context.Background()
	p1 := &kinbridge.CallPlan{UnitID: f.regionA.ID, WeekStart: "2026-03-02", CreatedBy: f.coordA1.ID,
		Instance: json.RawMessage(`{"households":[{"id":"h1"}]}`), Result: json.RawMessage(`{"calls":[]}`),
		Summary: kinbridge.CallPlanSummary{Households: 2, HouseholdsServed: 1, Calls: 1,
			Short:      []kinbridge.CallShortfall{{HouseholdID: f.h2.ID, Got: 0, Want: 2, Reason: "no window", ReasonCode: "no_window"}},
			ShortCount: 1,
			Offices:    []kinbridge.CallOfficeLoad{{UnitID: f.officeA1.ID, Households: 2, OfficeCalls: 1, OfficeSlots: 12}}}}
	p2 := &kinbridge.CallPlan{UnitID: f.officeA1.ID, WeekStart: "2026-03-09"}
	p3 := &kinbridge.CallPlan{UnitID: f.officeB1.ID, WeekStart: "2026-03-09"}
	f.update(t, func(tx kinbridge.Tx) error {
		for _, p := range []*kinbridge.CallPlan{p1, p2, p3} {
			mustNoErr(t, tx.CreateCallPlan(ctx, p), "create plan")
		}
		p1.Status, p1.BookedAt = kinbridge.CallPlanBooked, t0.Add(time.Hour)
		return tx.UpdateCallPlan(ctx, p1)
	})
	f.view(t, func(tx kinbridge.Tx) error {
		got, err := tx.FindCallPlanByID(ctx, p1.ID)
		mustNoErr(t, err, "find plan")
		diff(t, "plan", p1, got)
		review, err := tx.FindCallPlanReview(ctx, p1.ID)
		mustNoErr(t, err, "find plan review")
		want := *p1
		want.Instance, want.Result = json.RawMessage{}, json.RawMessage{}
		diff(t, "plan review", &want, review)
		_, err = tx.FindCallPlanReview(ctx, -1)
		wantCode(t, err, kinbridge.ENOTFOUND)
		ps, err := tx.FindCallPlans(ctx, f.regionA.Path, 0)
		mustNoErr(t, err, "find plans")
		if len(ps) != 2 || ps[0].ID != p2.ID || ps[1].ID != p1.ID || ps[0].Status != kinbridge.CallPlanDraft {
			t.Errorf("plans of region A: %+v, want p2 (draft), p1", ps)
		} else {
			// A list gives the summary without its short households, counted.
			want := p1.Summary
			want.Short = nil
			if len(ps[1].Instance) != 0 || len(ps[1].Result) != 0 {
				t.Errorf("a listed plan: instance %q, result %q; want the summary alone", ps[1].Instance, ps[1].Result)
			}
			diff(t, "listed summary", want, ps[1].Summary)
		}
		ps, err = tx.FindCallPlans(ctx, "/", 1)
		mustNoErr(t, err, "find plans")
		if len(ps) != 1 || ps[0].ID != p3.ID {
			t.Errorf("newest plan: %+v, want p3", ps)
		}
		return nil
	})

	tk1 := &kinbridge.CalendarToken{UserID: f.officerA1.ID, Hash: "hash-1"}
	tk2 := &kinbridge.CalendarToken{UserID: f.officerA1.ID, Hash: "hash-2"}
	err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
		mustNoErr(t, tx.CreateCalendarToken(ctx, tk1), "create token")
		return tx.CreateCalendarToken(ctx, &kinbridge.CalendarToken{UserID: f.officerB1.ID, Hash: "hash-1"})
	})
	wantCode(t, err, kinbridge.ECONFLICT)
	f.update(t, func(tx kinbridge.Tx) error {
		mustNoErr(t, tx.CreateCalendarToken(ctx, tk1), "create token")
		mustNoErr(t, tx.CreateCalendarToken(ctx, tk2), "create token")
		mustNoErr(t, tx.RevokeCalendarToken(ctx, tk1.ID, t0.Add(time.Minute)), "revoke")
		mustNoErr(t, tx.RevokeCalendarToken(ctx, tk1.ID, t0.Add(time.Hour)), "revoke again")
		wantCode(t, tx.RevokeCalendarToken(ctx, -1, t0), kinbridge.ENOTFOUND)
		return nil
	})
	tk1.Revoked = t0.Add(time.Minute)
	f.view(t, func(tx kinbridge.Tx) error {
		got, err := tx.FindCalendarTokenByHash(ctx, "hash-1")
		mustNoErr(t, err, "find token")
		diff(t, "revoked token", tk1, got)
		_, err = tx.FindCalendarTokenByHash(ctx, "hash-3")
		wantCode(t, err, kinbridge.ENOTFOUND)
		ts, err := tx.FindCalendarTokens(ctx, f.officerA1.ID)
		mustNoErr(t, err, "find tokens")
		diff(t, "tokens", []*kinbridge.CalendarToken{tk2, tk1}, ts)
		return nil
	})
}

// testCallSetupVersion: every write to what the call set-up is made of
// moves its version on, in the write's own transaction, and a write to
// anything else does not.
func testCallSetupVersion(t *testing.T, open Opener) {
	f := newCalls(t, open)
	ctx := context.Background()
	var exc kinbridge.RosterException
	for _, tt := range []struct {
		name  string
		write func(tx kinbridge.Tx) error
		moves bool
	}{
		{"unit", func(tx kinbridge.Tx) error {
			return tx.CreateUnit(ctx, &kinbridge.Unit{ParentID: f.regionA.ID, Names: kinbridge.UnitNames{EN: "New Office"}, TimeZone: "UTC"})
		}, true},
		{"user", func(tx kinbridge.Tx) error {
			u := *f.officerA1b
			u.DisplayName = "Renamed"
			return tx.UpdateUser(ctx, &u)
		}, true},
		{"programme", func(tx kinbridge.Tx) error {
			return tx.CreateProgramme(ctx, &kinbridge.Programme{Code: "P9", Names: kinbridge.UnitNames{EN: "Another"}, Settings: "{}"})
		}, true},
		{"office and rooms", func(tx kinbridge.Tx) error {
			o, err := tx.FindCallOffice(ctx, f.officeA1.ID)
			if err != nil {
				return err
			}
			o.Rooms = append(o.Rooms, &kinbridge.CallRoom{Name: "Room D", Active: true})
			return tx.PutCallOffice(ctx, o)
		}, true},
		{"roster", func(tx kinbridge.Tx) error {
			return tx.ReplaceRoster(ctx, f.officeA1.ID, []kinbridge.RosterEntry{
				{OfficerID: f.officerA1.ID, Weekday: 1, Half: kinbridge.Morning, Kind: kinbridge.DutyOffice}})
		}, true},
		{"roster exception", func(tx kinbridge.Tx) error {
			exc = kinbridge.RosterException{UnitID: f.officeA1.ID, OfficerID: f.officerA1.ID, Day: "2026-03-02", Half: kinbridge.Morning,
				Kind: kinbridge.DutyOff, Created: tx.Now()}
			return tx.CreateRosterException(ctx, &exc)
		}, true},
		{"roster exception deleted", func(tx kinbridge.Tx) error { return tx.DeleteRosterException(ctx, exc.ID) }, true},
		{"officer area", func(tx kinbridge.Tx) error { return tx.SetOfficerArea(ctx, f.officerA1.ID, "south") }, true},
		{"household (not set-up)", func(tx kinbridge.Tx) error {
			return tx.CreateHousehold(ctx, &kinbridge.Household{UnitID: f.officeA1.ID, Address: "7 Quiet Lane"})
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before, within int64
			mustNoErr(t, f.store.Update(ctx, func(tx kinbridge.Tx) error {
				var err error
				if before, err = tx.CallSetupVersion(ctx); err != nil {
					return err
				}
				if err := tt.write(tx); err != nil {
					return err
				}
				within, err = tx.CallSetupVersion(ctx)
				return err
			}), "write")
			var after int64
			mustNoErr(t, f.store.View(ctx, func(tx kinbridge.Tx) error {
				var err error
				after, err = tx.CallSetupVersion(ctx)
				return err
			}), "version after")
			if moved := within > before; moved != tt.moves || after != within {
				t.Errorf("version %d before, %d within the write, %d after; want it moved %v within, and kept after", before, within, after, tt.moves)
			}
		})
	}
}
