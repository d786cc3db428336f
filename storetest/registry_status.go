package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// testStatusEvents walks a person through every allowed transition and
// checks the refused ones, the derived status after each event, and that
// the history is only ever added to.
func testStatusEvents(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	officer := As(f.officerA1)
	h := f.mustHousehold(t, officer, f.officeA1, "1 River Road")
	p := f.mustPerson(t, officer, resident(h, "김영수", "", "1950"))
	add := func(kind kinbridge.StatusKind, date string, to string) (*kinbridge.Person, error) {
		return f.svc.AddStatusEvent(officer, &kinbridge.StatusEvent{PersonID: p.ID, Kind: kind, Date: date, ToAddress: to, Note: "noted"})
	}
	steps := []struct {
		kind    kinbridge.StatusKind
		date    string
		to      string
		status  kinbridge.PersonStatus
		address string
	}{
		{kinbridge.EventMoved, "2025-01-10", "3 Harbour Street", kinbridge.StatusPresent, "3 Harbour Street"},
		{kinbridge.EventLeftCountry, "2025-02-01", "", kinbridge.StatusAbroad, "3 Harbour Street"},
		{kinbridge.EventReturned, "2025-03-01", "", kinbridge.StatusPresent, "3 Harbour Street"},
		{kinbridge.EventDeparted, "2025-04-01", "", kinbridge.StatusDeparted, "3 Harbour Street"},
		{kinbridge.EventReturned, "2025-05-01", "", kinbridge.StatusPresent, "3 Harbour Street"},
		{kinbridge.EventLeftCountry, "2025-06-01", "", kinbridge.StatusAbroad, "3 Harbour Street"},
		{kinbridge.EventDied, "2025-07-01", "", kinbridge.StatusDeceased, "3 Harbour Street"},
	}
	refused := map[kinbridge.PersonStatus][]kinbridge.StatusKind{
		kinbridge.StatusPresent:  {kinbridge.EventReturned},
		kinbridge.StatusAbroad:   {kinbridge.EventMoved, kinbridge.EventLeftCountry, kinbridge.EventDeparted},
		kinbridge.StatusDeparted: {kinbridge.EventMoved, kinbridge.EventLeftCountry, kinbridge.EventDeparted},
		kinbridge.StatusDeceased: {kinbridge.EventMoved, kinbridge.EventLeftCountry, kinbridge.EventReturned, kinbridge.EventDeparted, kinbridge.EventDied},
	}
	status := kinbridge.StatusPresent
	last := "2025-01-01"
	for i, st := range steps {
		for _, kind := range refused[status] {
			to := ""
			if kind == kinbridge.EventMoved {
				to = "Anywhere"
			}
			_, err := add(kind, last, to)
			wantField(t, err, "kind")
		}
		got, err := add(st.kind, st.date, st.to)
		mustNoErr(t, err, string(st.kind))
		if got.Status != st.status || got.Address != st.address {
			t.Errorf("step %d %s: status %s address %q, want %s %q", i, st.kind, got.Status, got.Address, st.status, st.address)
		}
		stored := f.findPerson(t, p.ID)
		if stored.Status != st.status || stored.Address != st.address || stored.HouseholdID != h.ID {
			t.Errorf("step %d stored: %s %q household %d", i, stored.Status, stored.Address, stored.HouseholdID)
		}
		status, last = st.status, st.date
	}
	for _, kind := range refused[status] {
		_, err := add(kind, "2025-08-01", "")
		wantCode(t, err, kinbridge.EINVALID)
	}

	t.Run("history kept and the status derived from it", func(t *testing.T) {
		rec, err := f.svc.FindPersonByID(officer, p.ID)
		mustNoErr(t, err, "find person")
		if len(rec.Events) != len(steps) {
			t.Fatalf("%d events, want %d", len(rec.Events), len(steps))
		}
		oldest := slices.Clone(rec.Events)
		slices.Reverse(oldest)
		for i, e := range oldest {
			if e.Kind != steps[i].kind || e.Date != steps[i].date || e.HouseholdID != h.ID || e.UnitID != f.officeA1.ID ||
				e.RecordedBy != f.officerA1.ID || e.RecorderName != "officer-a1" || e.Note != "noted" || !e.Recorded.Equal(t0) {
				t.Errorf("event %d: %+v", i, e)
			}
		}
		st, err := kinbridge.DeriveState(h.ID, oldest)
		mustNoErr(t, err, "derive")
		if st.Status != rec.Person.Status || st.Address != rec.Person.Address || st.HouseholdID != rec.Person.HouseholdID {
			t.Errorf("derived %+v, stored %s %q %d", st, rec.Person.Status, rec.Person.Address, rec.Person.HouseholdID)
		}
		// The schema itself refuses to rewrite history.
		for _, q := range []string{"UPDATE status_events SET kind = 'moved' WHERE person_id = ?", "DELETE FROM status_events WHERE person_id = ?"} {
			if _, err := f.store.WriteDB().ExecContext(context.Background(), sqlstore.Rebind(q), p.ID); err == nil {
				t.Errorf("%s succeeded", q)
			}
		}
		if n := f.count(t, "SELECT COUNT(*) FROM status_events WHERE person_id = ?", p.ID); n != len(steps) {
			t.Errorf("%d events after the attempts, want %d", n, len(steps))
		}
	})

	t.Run("bad events", func(t *testing.T) {
		q := f.mustPerson(t, officer, resident(h, "", "Pak Su", "1980"))
		for _, tt := range []struct {
			e     kinbridge.StatusEvent
			field string
		}{
			{kinbridge.StatusEvent{Kind: "vanished", Date: "2025-01-01"}, "kind"},
			{kinbridge.StatusEvent{Kind: kinbridge.EventDied, Date: "01/02/2025"}, "date"},
			{kinbridge.StatusEvent{Kind: kinbridge.EventDied, Date: "2026-03-02"}, "date"}, // tomorrow
			{kinbridge.StatusEvent{Kind: kinbridge.EventMoved, Date: "2025-01-01"}, "to_household_id"},
			{kinbridge.StatusEvent{Kind: kinbridge.EventMoved, Date: "2025-01-01", ToAddress: "x", ToHouseholdID: h.ID}, "to_household_id"},
			{kinbridge.StatusEvent{Kind: kinbridge.EventDied, Date: "2025-01-01", ToAddress: "x"}, "to_household_id"},
			{kinbridge.StatusEvent{Kind: kinbridge.EventMoved, Date: "2025-01-01", ToHouseholdID: h.ID}, "to_household_id"}, // same household
		} {
			e := tt.e
			e.PersonID = q.ID
			_, err := f.svc.AddStatusEvent(officer, &e)
			wantField(t, err, tt.field)
		}
		_, err := f.svc.AddStatusEvent(officer, &kinbridge.StatusEvent{PersonID: q.ID, Kind: kinbridge.EventLeftCountry, Date: "2025-05-01"})
		mustNoErr(t, err, "left")
		_, err = f.svc.AddStatusEvent(officer, &kinbridge.StatusEvent{PersonID: q.ID, Kind: kinbridge.EventReturned, Date: "2025-04-30"})
		wantField(t, err, "date") // before the latest event
		if n := f.count(t, "SELECT COUNT(*) FROM status_events WHERE person_id = ?", q.ID); n != 1 {
			t.Errorf("%d events stored, want 1", n)
		}
	})
}

// testStatusMove checks a move into another household: the person's
// household and unit change (and so their scope), the event stays on the
// old household's page, and the new household shows the move in.
func testStatusMove(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	from := f.mustHousehold(t, As(f.officerA1), f.officeA1, "1 River Road")
	to := f.mustHousehold(t, As(f.officerB1), f.officeB1, "9 Far Road")
	p := f.mustPerson(t, As(f.officerA1), resident(from, "박민수", "", "1975"))
	e := &kinbridge.StatusEvent{PersonID: p.ID, Kind: kinbridge.EventMoved, Date: "2026-02-01", ToHouseholdID: to.ID}
	// The officer of A1 may not move anyone into B1's household: not theirs.
	_, err := f.svc.AddStatusEvent(As(f.officerA1), e)
	wantField(t, err, "to_household_id")
	got, err := f.svc.AddStatusEvent(As(f.adminHQ), e)
	mustNoErr(t, err, "move")
	if got.HouseholdID != to.ID || got.UnitID != f.officeB1.ID || got.Status != kinbridge.StatusPresent {
		t.Errorf("after the move: household %d unit %d status %s", got.HouseholdID, got.UnitID, got.Status)
	}
	stored := f.findPerson(t, p.ID)
	if stored.HouseholdID != to.ID || stored.UnitID != f.officeB1.ID || stored.UnitPath != f.officeB1.Path {
		t.Errorf("stored: household %d unit %d", stored.HouseholdID, stored.UnitID)
	}
	_, err = f.svc.FindPersonByID(As(f.officerA1), p.ID)
	wantCode(t, err, kinbridge.ENOTFOUND)
	if _, err := f.svc.FindPersonByID(As(f.officerB1), p.ID); err != nil {
		t.Errorf("the new unit's officer: %v", err)
	}
	if res := mustSearch(t, f, As(f.officerB1), "Pak Minsu"); len(res) != 1 {
		t.Errorf("the new unit's officer finds %v", names(res))
	}
	old, err := f.svc.FindHouseholdByID(As(f.officerA1), from.ID)
	mustNoErr(t, err, "old household")
	if len(old.Members) != 0 || len(old.Former) != 1 || old.Former[0].ID != p.ID || len(old.Events) != 1 || old.Household.Members != 0 {
		t.Errorf("old household: %d members, former %v, %d events", len(old.Members), old.Former, len(old.Events))
	}
	now, err := f.svc.FindHouseholdByID(As(f.officerB1), to.ID)
	mustNoErr(t, err, "new household")
	if len(now.Members) != 1 || len(now.Events) != 1 || now.Events[0].ToHouseholdID != to.ID || now.Household.Members != 1 {
		t.Errorf("new household: %d members, %d events", len(now.Members), len(now.Events))
	}
}

// testRelatives checks relatives abroad and their links to members.
func testRelatives(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	officer := As(f.officerA1)
	h := f.mustHousehold(t, officer, f.officeA1, "1 River Road")
	other := f.mustHousehold(t, officer, f.officeA1, "2 River Road")
	mother := f.mustPerson(t, officer, resident(h, "李秀英", "", "1948"))
	neighbour := f.mustPerson(t, officer, resident(other, "", "Han Ji", "1960"))
	son := f.mustPerson(t, officer, &kinbridge.Person{Kind: kinbridge.PersonRelativeAbroad, HouseholdID: h.ID,
		Names: kinbridge.PersonNames{Native: "王伟"}, Country: "CN", City: "Shenyang", ContactChannel: "WeChat: wang.wei"})
	mustNoErr(t, f.svc.LinkRelative(officer, kinbridge.RelativeLink{RelativeID: son.ID, MemberID: mother.ID, Relationship: "Child"}), "link")
	mustNoErr(t, f.svc.LinkRelative(officer, kinbridge.RelativeLink{RelativeID: son.ID, MemberID: mother.ID, Relationship: "child"}), "link again")
	wantField(t, f.svc.LinkRelative(officer, kinbridge.RelativeLink{RelativeID: son.ID, MemberID: neighbour.ID, Relationship: "child"}), "member_id")
	wantField(t, f.svc.LinkRelative(officer, kinbridge.RelativeLink{RelativeID: son.ID, MemberID: mother.ID, Relationship: "cousin"}), "relationship")
	_, err := f.svc.AddStatusEvent(officer, &kinbridge.StatusEvent{PersonID: son.ID, Kind: kinbridge.EventDied, Date: "2026-01-01"})
	wantField(t, err, "kind")

	rec, err := f.svc.FindHouseholdByID(officer, h.ID)
	mustNoErr(t, err, "household")
	if len(rec.Members) != 1 || len(rec.Relatives) != 1 || rec.Relatives[0].ID != son.ID || rec.Relatives[0].City != "Shenyang" {
		t.Errorf("household: members %d relatives %v", len(rec.Members), rec.Relatives)
	}
	diff(t, "links", []*kinbridge.RelativeLink{{RelativeID: son.ID, MemberID: mother.ID, Relationship: "child"}}, rec.Links)
	prec, err := f.svc.FindPersonByID(officer, mother.ID)
	mustNoErr(t, err, "person")
	if len(prec.Links) != 1 || len(prec.Related) != 2 {
		t.Errorf("person page: links %v related %v", prec.Links, prec.Related)
	}
	err = f.store.Update(context.Background(), func(tx kinbridge.Tx) error {
		return tx.CreateRelativeLink(context.Background(), &kinbridge.RelativeLink{RelativeID: son.ID, MemberID: mother.ID, Relationship: "child"})
	})
	wantCode(t, err, kinbridge.ECONFLICT)
}
