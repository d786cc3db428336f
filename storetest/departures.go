package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/departure"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// departuresCases are the departure list's part of the behaviour suite:
// its store and services on each engine.
var departuresCases = []struct {
	name string
	fn   func(*testing.T, Opener)
}{
	{"DepartureCreate", testDepartureCreate},
	{"DepartureStates", testDepartureStates},
	{"DeparturePolicyPreview", testDeparturePolicyPreview},
	{"DepartureAllocation", testDepartureAllocation},
	{"DepartureResidentLookup", testDepartureResidentLookup},
	{"DepartureScope", testDepartureScope},
	{"DepartureEvidence", testDepartureEvidence},
}

// departureDesk is the welfare fixture with a fourth household h4 in
// officeA1 (one resident born 1940, in no programme) and a child in h1:
// h1 has two residents (m1, born 1961, in the programme, and a child), h2
// and hB one each, in the programme.
type departureDesk struct {
	*welfare
	h4     *kinbridge.Household
	child  *kinbridge.Person
	old    *kinbridge.Person
	admin  context.Context
	day    string // the first day allocated
	tiers2 departure.Policy
}

func newDepartureDesk(t *testing.T, open Opener) *departureDesk {
	t.Helper()
	f := &departureDesk{welfare: newWelfare(t, open), day: "2026-03-10"}
	f.admin = As(f.adminHQ)
	f.child = f.mustPerson(t, f.sys, resident(f.h1, "王小红", "", "2015-05-01"))
	f.h4 = f.mustHousehold(t, f.sys, f.officeA1, "4 River Road")
	f.old = f.mustPerson(t, f.sys, resident(f.h4, "朴老人", "", "1940-01-01"))
	return f
}

// request puts a household on the list as the administrator, registered
// daysAgo days before the clock's start.
func (f *departureDesk) request(t *testing.T, h *kinbridge.Household, daysAgo int, facts ...kinbridge.DepartureMember) *kinbridge.DepartureRequest {
	t.Helper()
	r := &kinbridge.DepartureRequest{HouseholdID: h.ID, Destination: "Seoul", TravelDocs: kinbridge.TravelDocsReady,
		RegisteredAt: t0.AddDate(0, 0, -daysAgo), Members: facts}
	mustNoErr(t, f.svc.CreateDepartureRequest(f.admin, r), "create departure request")
	return r
}

// four puts h4, h1, h2 and hB on the list in that order of registration.
func (f *departureDesk) four(t *testing.T) (d, a, b, c *kinbridge.DepartureRequest) {
	t.Helper()
	d = f.request(t, f.h4, 4, kinbridge.DepartureMember{PersonID: f.old.ID, Illness: true})
	a = f.request(t, f.h1, 3)
	b = f.request(t, f.h2, 2)
	c = f.request(t, f.hB, 1)
	return
}

func (f *departureDesk) stored(t *testing.T, id int64) *kinbridge.DepartureRequest {
	t.Helper()
	var r *kinbridge.DepartureRequest
	f.view(t, func(tx kinbridge.Tx) (err error) {
		r, err = tx.FindDepartureRequestByID(context.Background(), id)
		return err
	})
	return r
}

func (f *departureDesk) auditCount(t *testing.T, action string, recordID int64) int {
	t.Helper()
	return f.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = ? AND record_id = ?", action, recordID)
}

func testDepartureCreate(t *testing.T, open Opener) {
	f := newDepartureDesk(t, open)
	officer := As(f.officerA1)

	r := &kinbridge.DepartureRequest{HouseholdID: f.h1.ID, Destination: " Seoul ",
		Members: []kinbridge.DepartureMember{{PersonID: f.child.ID, ChildSeparated: true}}}
	mustNoErr(t, f.svc.CreateDepartureRequest(officer, r), "create")
	got := f.stored(t, r.ID)
	if got.Status != kinbridge.DepartureWaiting || got.Destination != "Seoul" || got.TravelDocs != kinbridge.TravelDocsNone ||
		!got.RegisteredAt.Equal(f.clock.Now().Truncate(time.Microsecond)) || got.UnitID != f.officeA1.ID {
		t.Fatalf("stored request %+v", got)
	}
	if len(got.Members) != 2 || got.Members[0].PersonID != f.m1.ID || got.Members[1].PersonID != f.child.ID ||
		!got.Members[1].ChildSeparated || got.Members[0].ChildSeparated || got.Members[0].Name != "王小明" {
		t.Fatalf("members = %+v, want the household's two residents with the child's fact", got.Members)
	}
	if n := f.auditCount(t, "departure.create", r.ID); n != 1 {
		t.Errorf("departure.create audited %d times", n)
	}

	// A second live request for the household, or for one of its persons,
	// is refused; so is a request for an unknown member's facts, a
	// registration time given by an officer, and a party of nobody.
	wantRefusal(t, f.svc.CreateDepartureRequest(officer, &kinbridge.DepartureRequest{HouseholdID: f.h1.ID, Destination: "Busan"}),
		kinbridge.ECONFLICT, "household_id", "error.departure.live")
	wantRefusal(t, f.svc.CreateDepartureRequest(officer, &kinbridge.DepartureRequest{PersonID: f.child.ID, Destination: "Busan"}),
		kinbridge.ECONFLICT, "person_id", "error.departure.live")
	wantField(t, f.svc.CreateDepartureRequest(officer, &kinbridge.DepartureRequest{HouseholdID: f.h2.ID, Destination: "Busan",
		Members: []kinbridge.DepartureMember{{PersonID: f.m1.ID, Illness: true}}}), "members[0].person_id")
	wantField(t, f.svc.CreateDepartureRequest(officer, &kinbridge.DepartureRequest{HouseholdID: f.h2.ID, Destination: "Busan",
		RegisteredAt: t0.AddDate(0, 0, -30)}), "registered_at")
	wantField(t, f.svc.CreateDepartureRequest(officer, &kinbridge.DepartureRequest{HouseholdID: f.h2.ID}), "destination")
	wantField(t, f.svc.CreateDepartureRequest(officer, &kinbridge.DepartureRequest{HouseholdID: f.h2.ID, Destination: "X", TravelDocs: "lost"}), "travel_docs")
	empty := f.mustHousehold(t, f.sys, f.officeA1, "5 Empty Road")
	wantField(t, f.svc.CreateDepartureRequest(officer, &kinbridge.DepartureRequest{HouseholdID: empty.ID, Destination: "X"}), "household_id")

	// The schema refuses them too, whatever the code did.
	for _, q := range []struct {
		name, sql string
		args      []any
	}{
		{"household", `INSERT INTO departure_requests (household_id, destination, travel_docs, registered_at, status, version, created, updated)
			VALUES (?, 'Busan', 'none', ?, 'waiting', 1, ?, ?)`, []any{f.h1.ID, t0.Format(time.RFC3339), t0.Format(time.RFC3339), t0.Format(time.RFC3339)}},
		{"member", `INSERT INTO departure_members (request_id, person_id, position, live) VALUES (?, ?, 0, ?)`, []any{r.ID, f.m1.ID, true}},
	} {
		t.Run(q.name, func(t *testing.T) {
			if _, err := f.store.WriteDB().ExecContext(context.Background(), sqlstore.Rebind(q.sql), q.args...); err == nil {
				t.Fatal("raw insert of a second live request accepted")
			}
		})
	}

	// A person's own request once the household's is withdrawn; an admin
	// may give the registration time.
	_, err := f.svc.WithdrawDepartureRequest(officer, r.ID, 0, "changed their mind")
	mustNoErr(t, err, "withdraw")
	p := &kinbridge.DepartureRequest{PersonID: f.child.ID, Destination: "Busan", RegisteredAt: t0.AddDate(0, 0, -7)}
	mustNoErr(t, f.svc.CreateDepartureRequest(f.admin, p), "person's request")
	if got := f.stored(t, p.ID); got.HouseholdID != f.h1.ID || len(got.Members) != 1 || !got.RegisteredAt.Equal(t0.AddDate(0, 0, -7)) {
		t.Fatalf("person's request %+v", got)
	}
}

func testDepartureStates(t *testing.T, open Opener) {
	f := newDepartureDesk(t, open)
	officer := As(f.officerA1)
	d, a, b, _ := f.four(t)
	cr := &kinbridge.Crossing{Name: "North gate", Open: true, DailyCapacity: 10}
	mustNoErr(t, f.svc.CreateCrossing(As(f.supHQ), cr), "create crossing")

	// Waiting: not departed, not missed.
	for _, fn := range []func(context.Context, int64, int) (*kinbridge.DepartureRequest, error){f.svc.MarkDeparted, f.svc.MarkMissed} {
		_, err := fn(officer, d.ID, 0)
		wantRefusal(t, err, kinbridge.ECONFLICT, "status", "error.departure.status")
	}
	_, err := f.svc.WithdrawDepartureRequest(officer, b.ID, 0, "")
	wantField(t, err, "reason")
	_, err = f.svc.WithdrawDepartureRequest(officer, b.ID, 99, "moved away")
	wantRefusal(t, err, kinbridge.ECONFLICT, "", "error.departure.stale")
	w, err := f.svc.WithdrawDepartureRequest(officer, b.ID, b.Version, "moved away")
	mustNoErr(t, err, "withdraw waiting")
	if w.Status != kinbridge.DepartureWithdrawn || w.Reason != "moved away" {
		t.Fatalf("withdrawn = %+v", w)
	}
	// Withdrawn changes no more.
	_, err = f.svc.WithdrawDepartureRequest(officer, b.ID, 0, "again")
	wantRefusal(t, err, kinbridge.ECONFLICT, "status", "error.departure.status")

	al, err := f.svc.AllocateCrossing(As(f.supHQ), cr.ID, f.day, 3)
	mustNoErr(t, err, "allocate")
	if al.New != 3 {
		t.Fatalf("allocated %d requests, want 3 (hB's and the two of officeA1 left)", al.New)
	}
	for _, id := range []int64{d.ID, a.ID} {
		if r := f.stored(t, id); r.Status != kinbridge.DepartureAllocated || r.CrossingID != cr.ID || r.Day != f.day || r.AllocationNote == "" {
			t.Fatalf("request %d after allocation: %+v", id, r)
		}
	}
	// Allocated → departed; departed changes no more.
	dep, err := f.svc.MarkDeparted(officer, d.ID, 0)
	mustNoErr(t, err, "departed")
	if dep.Status != kinbridge.DepartureDeparted || dep.DepartedAt.IsZero() {
		t.Fatalf("departed = %+v", dep)
	}
	// Each member's registry record says so, with a status event.
	if len(dep.Members) == 0 {
		t.Fatal("the departed request has no members")
	}
	for _, m := range dep.Members {
		var p *kinbridge.Person
		var events []*kinbridge.StatusEvent
		err := f.store.View(context.Background(), func(tx kinbridge.Tx) error {
			var err error
			if p, err = tx.FindPersonByID(context.Background(), m.PersonID); err != nil {
				return err
			}
			events, err = tx.FindStatusEvents(context.Background(), kinbridge.StatusEventFilter{PersonID: m.PersonID})
			return err
		})
		mustNoErr(t, err, "read the member")
		if p.Status != kinbridge.StatusDeparted || len(events) == 0 || events[0].Kind != kinbridge.EventDeparted {
			t.Errorf("member %d after departing: status %s, events %+v", m.PersonID, p.Status, events)
		}
	}
	_, err = f.svc.MarkMissed(officer, d.ID, 0)
	wantRefusal(t, err, kinbridge.ECONFLICT, "status", "error.departure.status")

	// Allocated → missed: back to waiting with its registration (the
	// default keep_place), then, under to_end, registered anew.
	m, err := f.svc.MarkMissed(officer, a.ID, 0)
	mustNoErr(t, err, "missed")
	if m.Status != kinbridge.DepartureWaiting || m.Day != "" || m.CrossingID != 0 || m.Missed != 1 || !m.RegisteredAt.Equal(a.RegisteredAt) {
		t.Fatalf("missed (keep place) = %+v", m)
	}
	pol := &kinbridge.DeparturePolicy{MissedRule: kinbridge.MissedToEnd, Rules: departure.Policy{Name: "to the end",
		Tiers: []departure.Tier{{Name: "everyone", Fact: departure.FactAll}}}}
	mustNoErr(t, f.svc.CreateDeparturePolicy(f.admin, pol), "policy")
	_, err = f.svc.AdoptDeparturePolicy(f.admin, pol.ID)
	mustNoErr(t, err, "adopt")
	_, err = f.svc.AllocateCrossing(As(f.supHQ), cr.ID, f.day, 3)
	mustNoErr(t, err, "allocate again")
	f.clock.Add(time.Hour)
	m, err = f.svc.MarkMissed(officer, a.ID, 0)
	mustNoErr(t, err, "missed again")
	if m.Status != kinbridge.DepartureWaiting || m.Missed != 2 || !m.RegisteredAt.Equal(f.clock.Now().Truncate(time.Microsecond)) {
		t.Fatalf("missed (to end) = %+v, registered %v", m, m.RegisteredAt)
	}
	// Allocated → withdrawn.
	_, err = f.svc.AllocateCrossing(As(f.supHQ), cr.ID, f.day, 3)
	mustNoErr(t, err, "allocate a third time")
	w, err = f.svc.WithdrawDepartureRequest(officer, a.ID, 0, "ill")
	mustNoErr(t, err, "withdraw allocated")
	if w.Status != kinbridge.DepartureWithdrawn {
		t.Fatalf("withdrawn = %+v", w)
	}
	if n := f.auditCount(t, "departure.missed", a.ID); n != 2 {
		t.Errorf("departure.missed audited %d times, want 2", n)
	}
	// Only the top of the tree allocates.
	_, err = f.svc.AllocateCrossing(As(f.supA), cr.ID, f.day, 3)
	wantCode(t, err, kinbridge.EFORBIDDEN)
	_, err = f.svc.AllocateCrossing(officer, cr.ID, f.day, 3)
	wantCode(t, err, kinbridge.EFORBIDDEN)
}

// testDeparturePolicyPreview is the acceptance test: a policy changed, its
// preview's rank differences and reasons, adoption audited.
func testDeparturePolicyPreview(t *testing.T, open Opener) {
	f := newDepartureDesk(t, open)
	d, a, b, c := f.four(t)

	// The default order is registration: d, a, b, c.
	list, err := f.svc.FindDepartureList(f.admin, kinbridge.DepartureFilter{})
	mustNoErr(t, err, "list")
	var order []int64
	for _, r := range list.Requests {
		order = append(order, r.ID)
		if r.RankReason == "" {
			t.Errorf("request %d has no reason", r.ID)
		}
	}
	diff(t, "default order", []int64{d.ID, a.ID, b.ID, c.ID}, order)
	// Seeing the list is audited: each request shown has its entry.
	for _, id := range order {
		var es []*kinbridge.AuditEntry
		err := f.store.View(context.Background(), func(tx kinbridge.Tx) error {
			var err error
			es, err = tx.FindAuditEntries(context.Background(), kinbridge.AuditFilter{RecordType: "departure_request", RecordID: id, ActorID: f.adminHQ.ID, Limit: 100})
			return err
		})
		mustNoErr(t, err, "read the audit log")
		if !slices.ContainsFunc(es, func(e *kinbridge.AuditEntry) bool { return e.Action == "departure.list_result" }) {
			t.Errorf("request %d was shown in the list, but the audit log has no entry of it", id)
		}
	}

	v1 := &kinbridge.DeparturePolicy{Rules: departure.Policy{Name: "programme first",
		Tiers:  []departure.Tier{{Name: "programme members", Fact: departure.FactProgramme}, {Name: "everyone", Fact: departure.FactAll}},
		Points: []departure.PointRule{{Fact: departure.FactAgeAtLeast, Threshold: 60, Points: 2}}}}
	_, err = f.svc.PreviewDeparturePolicy(As(f.supHQ), 1)
	wantCode(t, err, kinbridge.EFORBIDDEN)
	wantCode(t, f.svc.CreateDeparturePolicy(As(f.supHQ), v1), kinbridge.EFORBIDDEN)
	bad := &kinbridge.DeparturePolicy{Rules: departure.Policy{Name: "bad"}}
	wantField(t, f.svc.CreateDeparturePolicy(f.admin, bad), "tiers")
	mustNoErr(t, f.svc.CreateDeparturePolicy(f.admin, v1), "create v1")
	if v1.Version != 1 || v1.Status != kinbridge.PolicyDraft {
		t.Fatalf("v1 = %+v", v1)
	}
	moves, err := f.svc.PreviewDeparturePolicy(f.admin, v1.ID)
	mustNoErr(t, err, "preview v1")
	type mv struct {
		ID       int64
		Old, New int
	}
	var got []mv
	for _, m := range moves {
		got = append(got, mv{m.RequestID, m.OldRank, m.NewRank})
		if m.OldReason == m.NewReason {
			t.Errorf("move of %d keeps its reason %q", m.RequestID, m.NewReason)
		}
	}
	diff(t, "v1 moves", []mv{{a.ID, 2, 1}, {b.ID, 3, 2}, {c.ID, 4, 3}, {d.ID, 1, 4}}, got)
	if r := moves[0].NewReason; !strings.Contains(r, "programme member") || !strings.Contains(r, "age 6") {
		t.Errorf("a's new reason %q: want the programme tier and the age points", r)
	}
	// Previewing changes nothing: the list is still in registration order.
	list, err = f.svc.FindDepartureList(f.admin, kinbridge.DepartureFilter{})
	mustNoErr(t, err, "list")
	if list.Requests[0].ID != d.ID {
		t.Fatalf("preview changed the list")
	}

	p, err := f.svc.AdoptDeparturePolicy(f.admin, v1.ID)
	mustNoErr(t, err, "adopt v1")
	if p.Status != kinbridge.PolicyAdopted || p.AdoptedAt.IsZero() {
		t.Fatalf("adopted = %+v", p)
	}
	if n := f.auditCount(t, "departure_policy.adopt", v1.ID); n != 1 {
		t.Fatalf("adoption audited %d times", n)
	}
	p.Rules.Name = "changed"
	wantRefusal(t, f.svc.UpdateDeparturePolicy(f.admin, p), kinbridge.ECONFLICT, "status", "error.departure.policy_not_draft")
	got1, err := f.svc.FindDepartureRequest(As(f.officerA1), a.ID)
	mustNoErr(t, err, "find a")
	if got1.Rank != 1 || !strings.Contains(got1.RankReason, "programme member") {
		t.Fatalf("a under v1: rank %d, %q", got1.Rank, got1.RankReason)
	}

	// v2: illness first — d moves up, with illness in its reason.
	v2 := &kinbridge.DeparturePolicy{Rules: departure.Policy{Name: "illness first",
		Tiers:  []departure.Tier{{Name: "everyone", Fact: departure.FactAll}},
		Points: []departure.PointRule{{Fact: departure.FactIllness, Points: 5}}}}
	mustNoErr(t, f.svc.CreateDeparturePolicy(f.admin, v2), "create v2")
	v2.Rules.FitRule = departure.FitNextThatFits
	mustNoErr(t, f.svc.UpdateDeparturePolicy(f.admin, v2), "update draft v2")
	moves, err = f.svc.PreviewDeparturePolicy(f.admin, v2.ID)
	mustNoErr(t, err, "preview v2")
	got = nil
	for _, m := range moves {
		got = append(got, mv{m.RequestID, m.OldRank, m.NewRank})
	}
	diff(t, "v2 moves", []mv{{d.ID, 4, 1}, {a.ID, 1, 2}, {b.ID, 2, 3}, {c.ID, 3, 4}}, got)
	if !strings.Contains(moves[0].NewReason, "illness") || strings.Contains(moves[0].OldReason, "illness") {
		t.Errorf("d's reasons: %q → %q", moves[0].OldReason, moves[0].NewReason)
	}
	_, err = f.svc.AdoptDeparturePolicy(f.admin, v2.ID)
	mustNoErr(t, err, "adopt v2")
	ps, err := f.svc.FindDeparturePolicies(As(f.officerA1))
	mustNoErr(t, err, "policies")
	if len(ps) != 2 || ps[0].Status != kinbridge.PolicyAdopted || ps[1].Status != kinbridge.PolicyRetired || ps[0].Rules.FitRule != departure.FitNextThatFits {
		t.Fatalf("policies = %+v %+v", ps[0], ps[1])
	}
}

func testDepartureAllocation(t *testing.T, open Opener) {
	f := newDepartureDesk(t, open)
	d, a, b, c := f.four(t) // sizes 1, 2, 1, 1
	mustNoErr(t, f.svc.SetCaseOfficer(f.sys, f.h1.ID, f.officerA1b.ID), "case officer")
	sup := As(f.supHQ)
	cr := &kinbridge.Crossing{Name: "North gate", Open: false, DailyCapacity: 2}
	mustNoErr(t, f.svc.CreateCrossing(sup, cr), "create crossing")
	wantCode(t, f.svc.CreateCrossing(As(f.officerA1), &kinbridge.Crossing{Name: "x"}), kinbridge.EFORBIDDEN)
	_, err := f.svc.AllocateCrossing(sup, cr.ID, f.day, 3)
	wantRefusal(t, err, kinbridge.ECONFLICT, "crossing_id", "error.crossing.closed")
	cr.Open = true
	mustNoErr(t, f.svc.UpdateCrossing(sup, cr), "open the crossing")

	// Keep empty: d (1) on day 1, a (2) does not fit the rest: day 2; b and
	// c on day 3.
	al, err := f.svc.AllocateCrossing(sup, cr.ID, f.day, 3)
	mustNoErr(t, err, "allocate")
	day2, day3 := kinbridge.AddDays(f.day, 1), kinbridge.AddDays(f.day, 2)
	want := map[int64]string{d.ID: f.day, a.ID: day2, b.ID: day3, c.ID: day3}
	for id, day := range want {
		if r := f.stored(t, id); r.Day != day || r.Status != kinbridge.DepartureAllocated {
			t.Errorf("request %d: day %q status %s, want %s", id, r.Day, r.Status, day)
		}
	}
	for day, used := range al.Used {
		if used > 2 {
			t.Errorf("%s: %d persons over the capacity 2", day, used)
		}
	}
	if al.New != 4 || len(al.OverDays) != 0 || al.Rule != departure.FitKeepEmpty {
		t.Fatalf("allocation = %+v", al)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM notifications WHERE kind = 'departure_allocated' AND user_id = ?", f.officerA1b.ID); n != 1 {
		t.Errorf("h1's case officer told %d times of the allocation, want 1", n)
	}
	if n := f.auditCount(t, "departure.allocate", cr.ID); n != 1 {
		t.Errorf("allocation audited %d times", n)
	}

	// Capacity of day 2 lowered to 1: a keeps its day (nobody moves
	// earlier or later), the day is reported over and a's officer told.
	mustNoErr(t, f.svc.SetCrossingDayCapacity(sup, cr.ID, day2, 1), "lower day 2")
	al, err = f.svc.AllocateCrossing(sup, cr.ID, f.day, 3)
	mustNoErr(t, err, "allocate again")
	for id, day := range want {
		if r := f.stored(t, id); r.Day != day {
			t.Errorf("request %d moved to %q from %s", id, r.Day, day)
		}
	}
	if len(al.OverDays) != 1 || al.OverDays[0].Day != day2 || al.OverDays[0].Capacity != 1 || al.OverDays[0].Used != 2 ||
		len(al.OverDays[0].RequestIDs) != 1 || al.OverDays[0].RequestIDs[0] != a.ID {
		t.Fatalf("over days = %+v", al.OverDays)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM notifications WHERE kind = 'departure_over' AND user_id = ?", f.officerA1b.ID); n != 1 {
		t.Errorf("h1's case officer told %d times of the over day, want 1", n)
	}

	// The day sheet and the forecast.
	sheet, err := f.svc.DaySheet(As(f.officerA1), cr.ID, day3)
	mustNoErr(t, err, "day sheet")
	if len(sheet.Requests) != 1 || sheet.Requests[0].ID != b.ID || sheet.Persons != 1 || len(sheet.Requests[0].Members) != 1 {
		t.Fatalf("officer A1's sheet of day 3 = %+v (c is of region B)", sheet)
	}
	fc, err := f.svc.Forecast(sup, cr.ID, 0)
	mustNoErr(t, err, "forecast")
	if len(fc.Expected) != 4 || len(fc.Series) == 0 {
		t.Fatalf("forecast = %+v", fc)
	}
	fc, err = f.svc.Forecast(sup, cr.ID, 50)
	mustNoErr(t, err, "what-if forecast")
	if len(fc.Series) == 0 || fc.Series[len(fc.Series)-1].Persons != 0 {
		t.Fatalf("what-if forecast does not drain: %+v", fc.Series)
	}
}

func testDepartureResidentLookup(t *testing.T, open Opener) {
	f := newDepartureDesk(t, open)
	d, a, _, _ := f.four(t)
	officer := As(f.officerA1)
	code, rc, err := f.svc.CreateResidentCode(officer, a.ID)
	mustNoErr(t, err, "create code")
	if len(code) < 32 || rc.Hash == code || strings.Contains(rc.Hash, code) {
		t.Fatalf("code %q, hash %q", code, rc.Hash)
	}
	_, _, err = f.svc.CreateResidentCode(As(f.officerB1), a.ID)
	wantCode(t, err, kinbridge.ENOTFOUND)

	v, err := f.svc.ResidentLookup(context.Background(), code, "198.51.100.7")
	mustNoErr(t, err, "look up")
	if v.RequestID != a.ID || v.Position != 2 || v.Status != kinbridge.DepartureWaiting || v.Destination != "Seoul" || v.Persons != 2 {
		t.Fatalf("view = %+v", v)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'departure.resident_lookup' AND record_id = ? AND addr = ?", a.ID, "198.51.100.7"); n != 1 {
		t.Fatalf("look-up audited %d times", n)
	}
	_ = d
	_, err = f.svc.ResidentLookup(context.Background(), code+"x", "198.51.100.7")
	wantCode(t, err, kinbridge.ENOTFOUND)
	mustNoErr(t, f.svc.RevokeResidentCode(officer, rc.ID), "revoke")
	_, err = f.svc.ResidentLookup(context.Background(), code, "198.51.100.7")
	wantCode(t, err, kinbridge.ENOTFOUND)
	if n := f.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'departure.resident_lookup_failed'"); n != 2 {
		t.Errorf("failed look-ups audited %d times, want 2", n)
	}
	codes, err := f.svc.FindResidentCodes(officer, a.ID)
	mustNoErr(t, err, "codes")
	if len(codes) != 1 || codes[0].Revoked.IsZero() {
		t.Fatalf("codes = %+v", codes)
	}
}

func testDepartureScope(t *testing.T, open Opener) {
	f := newDepartureDesk(t, open)
	d, a, b, c := f.four(t)
	_, err := f.svc.FindDepartureRequest(As(f.officerB1), a.ID)
	wantCode(t, err, kinbridge.ENOTFOUND)
	_, err = f.svc.WithdrawDepartureRequest(As(f.officerB1), a.ID, 0, "x")
	wantCode(t, err, kinbridge.ENOTFOUND)
	wantCode(t, f.svc.CreateDepartureRequest(As(f.officerB1), &kinbridge.DepartureRequest{HouseholdID: f.h2.ID, Destination: "x"}), kinbridge.ENOTFOUND)
	_, err = f.svc.FindDepartureList(As(f.viewerA), kinbridge.DepartureFilter{})
	wantCode(t, err, kinbridge.EFORBIDDEN)

	// Ranks are agency-wide; each sees their own scope's requests.
	list, err := f.svc.FindDepartureList(As(f.officerB1), kinbridge.DepartureFilter{})
	mustNoErr(t, err, "list B")
	if list.Total != 1 || list.Requests[0].ID != c.ID || list.Requests[0].Rank != 4 {
		t.Fatalf("officer B1's list = %d requests, first %+v", list.Total, list.Requests[0])
	}
	list, err = f.svc.FindDepartureList(As(f.supA), kinbridge.DepartureFilter{Limit: 2, Offset: 1})
	mustNoErr(t, err, "list A")
	if list.Total != 3 || len(list.Requests) != 2 || list.Requests[0].ID != a.ID || list.Requests[1].ID != b.ID {
		t.Fatalf("region A's page = %d, %+v", list.Total, list.Requests)
	}
	rs, _, err := f.svc.FindDepartureRequests(As(f.officerA1), kinbridge.DepartureFilter{HouseholdID: f.h4.ID})
	mustNoErr(t, err, "household's requests")
	if len(rs) != 1 || rs[0].ID != d.ID || rs[0].Rank != 1 {
		t.Fatalf("h4's requests = %+v", rs)
	}
	rs, _, err = f.svc.FindDepartureRequests(As(f.officerB1), kinbridge.DepartureFilter{HouseholdID: f.h4.ID})
	mustNoErr(t, err, "h4 by B")
	if len(rs) != 0 {
		t.Fatalf("officer B1 sees h4's requests")
	}
}

func testDepartureEvidence(t *testing.T, open Opener) {
	f := newDepartureDesk(t, open)
	d, _, _, _ := f.four(t)
	sup := As(f.supHQ)
	cr := &kinbridge.Crossing{Name: "North gate", Open: true, DailyCapacity: 10}
	mustNoErr(t, f.svc.CreateCrossing(sup, cr), "crossing")
	_, err := f.svc.AllocateCrossing(sup, cr.ID, f.day, 1)
	mustNoErr(t, err, "allocate")
	f.clock.Add(time.Hour)
	_, err = f.svc.MarkDeparted(As(f.officerA1), d.ID, 0)
	mustNoErr(t, err, "departed")
	f.clock.Add(time.Hour)
	for _, tc := range []struct {
		unit            *kinbridge.Unit
		allocated, done int
	}{{f.regionA, 3, 1}, {f.regionB, 1, 0}, {f.hq, 4, 1}} {
		var ev *kinbridge.Evidence
		f.view(t, func(tx kinbridge.Tx) (err error) {
			ev, err = tx.ComputeEvidence(context.Background(), kinbridge.EvidenceFilter{PathPrefix: tc.unit.Path, Since: t0.Add(-time.Minute)})
			return err
		})
		if ev.DeparturesAllocated != tc.allocated || ev.DeparturesDone != tc.done {
			t.Errorf("%s: allocated %d done %d, want %d %d", tc.unit.Names.EN, ev.DeparturesAllocated, ev.DeparturesDone, tc.allocated, tc.done)
		}
		var sum kinbridge.Evidence
		sum.Add(ev)
		if sum.DeparturesAllocated != tc.allocated || sum.DeparturesDone != tc.done {
			t.Errorf("Add lost the departures")
		}
	}
}
