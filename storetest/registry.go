package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kinbridge/kinbridge"
)

// registryCases are the registry's part of the behaviour suite.
var registryCases = []struct {
	name string
	fn   func(*testing.T, Opener)
}{
	{"Programmes", testProgrammes},
	{"Households", testHouseholds},
	{"HouseholdUnitChange", testHouseholdUnitChange},
	{"Persons", testPersons},
	{"RegistryScope", testRegistryScope},
	{"BulkCreate", testBulkCreate},
	{"StatusEvents", testStatusEvents},
	{"StatusMove", testStatusMove},
	{"Relatives", testRelatives},
	{"Search", testSearch},
	{"SearchScope", testSearchScope},
	{"SearchUsesIndex", testSearchUsesIndex},
	{"SearchAuditChain", testSearchAuditChain},
	{"Duplicates", testDuplicates},
	{"Merge", testMerge},
	{"Import", testImport},
	{"ExportRoundTrip", testExportRoundTrip},
	{"RegistryAudit", testRegistryAudit},
	{"HouseholdsOfBigSubtree", testHouseholdsOfBigSubtree},
}

// testHouseholdsOfBigSubtree: the households of a subtree of more units
// than a store reads unit by unit are listed and scanned all the same —
// in id order, a page at a time, and none of another subtree.
func testHouseholdsOfBigSubtree(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	const offices = 140
	units := make([]*kinbridge.Unit, offices)
	for i := range units {
		units[i] = &kinbridge.Unit{ParentID: f.regionA.ID, Names: kinbridge.UnitNames{EN: fmt.Sprintf("Office A-%d", i)}, TimeZone: "UTC"}
	}
	mustNoErr(t, f.svc.CreateUnits(f.sys, units, nil), "create offices")
	var want []int64
	for i, u := range units {
		want = append(want, f.mustHousehold(t, f.sys, u, fmt.Sprintf("%d Long Road", i)).ID)
		if i%20 == 0 {
			f.mustHousehold(t, f.sys, f.officeB1, fmt.Sprintf("%d Other Road", i)) // another subtree's
		}
	}
	ctx := context.Background()
	var scanned []int64
	mustNoErr(t, f.store.View(ctx, func(tx kinbridge.Tx) error {
		return tx.ScanHouseholds(ctx, kinbridge.HouseholdFilter{PathPrefix: f.regionA.Path}, func(r *kinbridge.HouseholdRecord) error {
			scanned = append(scanned, r.Household.ID)
			return nil
		})
	}), "scan")
	// The region's own office's households, made by newRegistry, come
	// first: keep only the new offices'.
	scanned = slices.DeleteFunc(scanned, func(id int64) bool { return id < want[0] })
	diff(t, "households scanned", want, scanned)
	var page []*kinbridge.Household
	var total int
	mustNoErr(t, f.store.View(ctx, func(tx kinbridge.Tx) error {
		var err error
		page, total, err = tx.FindHouseholds(ctx, kinbridge.HouseholdFilter{PathPrefix: f.regionA.Path, Limit: 10, Offset: 20})
		return err
	}), "find a page")
	if len(page) != 10 || total < offices {
		t.Fatalf("page of %d households of %d, want 10 of at least %d", len(page), total, offices)
	}
	for i := 1; i < len(page); i++ {
		if page[i].ID <= page[i-1].ID || page[i].UnitPath[:len(f.regionA.Path)] != f.regionA.Path {
			t.Errorf("page: household %d (%s) after %d", page[i].ID, page[i].UnitPath, page[i-1].ID)
		}
	}
}

// registry is the suite's fixture with the users the registry cases act
// as and one programme:
//
//	hq (adminHQ)
//	├── regionA (supA, viewerA)
//	│   └── officeA1 (officerA1, coordA1)
//	└── regionB
//	    └── officeB1 (officerB1)
type registry struct {
	*fixture
	sys                                                   context.Context
	adminHQ, supA, viewerA, officerA1, coordA1, officerB1 *kinbridge.User
	prog                                                  *kinbridge.Programme
}

func newRegistry(t *testing.T, open Opener) *registry {
	t.Helper()
	f := &registry{fixture: newFixture(t, open), sys: System()}
	f.adminHQ = f.mustCreateUser(t, "admin-hq", kinbridge.RoleAdministrator, f.hq)
	f.supA = f.mustCreateUser(t, "sup-a", kinbridge.RoleSupervisor, f.regionA)
	f.viewerA = f.mustCreateUser(t, "viewer-a", kinbridge.RoleViewer, f.regionA)
	f.officerA1 = f.mustCreateUser(t, "officer-a1", kinbridge.RoleOfficer, f.officeA1)
	f.coordA1 = f.mustCreateUser(t, "coord-a1", kinbridge.RoleCallCoordinator, f.officeA1)
	f.officerB1 = f.mustCreateUser(t, "officer-b1", kinbridge.RoleOfficer, f.officeB1)
	f.prog = &kinbridge.Programme{Code: "P1", Names: kinbridge.UnitNames{EN: "Separated families"}}
	mustNoErr(t, f.svc.CreateProgramme(f.sys, f.prog), "create programme")
	return f
}

func (f *registry) mustHousehold(t *testing.T, ctx context.Context, unit *kinbridge.Unit, address string) *kinbridge.Household {
	t.Helper()
	h := &kinbridge.Household{UnitID: unit.ID, Address: address, Phone: "02-555-0100", Languages: []string{"ko", "zh"}}
	mustNoErr(t, f.svc.CreateHousehold(ctx, h), "create household "+address)
	return h
}

func (f *registry) mustPerson(t *testing.T, ctx context.Context, p *kinbridge.Person) *kinbridge.Person {
	t.Helper()
	_, err := f.svc.CreatePerson(ctx, p)
	mustNoErr(t, err, "create person "+p.Names.Display())
	return p
}

func resident(h *kinbridge.Household, native, latin, birth string) *kinbridge.Person {
	return &kinbridge.Person{Kind: kinbridge.PersonResident, HouseholdID: h.ID, Names: kinbridge.PersonNames{Native: native, Latin: latin},
		BirthDate: birth}
}

// ignorePersonReads ignores what a read fills in that a create does not.
var ignorePersonReads = cmp.Options{cmpopts.IgnoreFields(kinbridge.Person{}, "Terms", "UnitPath"), cmpopts.IgnoreUnexported(kinbridge.Person{})}

func (f *registry) findPerson(t *testing.T, id int64) *kinbridge.Person {
	t.Helper()
	var p *kinbridge.Person
	err := f.store.View(context.Background(), func(tx kinbridge.Tx) error {
		var err error
		p, err = tx.FindPersonByID(context.Background(), id)
		return err
	})
	mustNoErr(t, err, "find person")
	return p
}

func testProgrammes(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	p2 := &kinbridge.Programme{Code: "A-2", Names: kinbridge.UnitNames{KO: "이산가족"}, Description: "Second", Settings: `{"calls_per_week":2}`}
	mustNoErr(t, f.svc.CreateProgramme(As(f.adminHQ), p2), "create")
	if p2.ID == 0 || !p2.Created.Equal(t0) {
		t.Errorf("created programme %+v", p2)
	}
	got, err := f.svc.FindProgrammes(As(f.officerB1))
	mustNoErr(t, err, "find programmes")
	diff(t, "programmes by code", []*kinbridge.Programme{p2, f.prog}, got)

	t.Run("code taken, in any case", func(t *testing.T) {
		err := f.svc.CreateProgramme(f.sys, &kinbridge.Programme{Code: "p1", Names: kinbridge.UnitNames{EN: "Twin"}})
		wantField(t, err, "code")
		p2.Code = "P1"
		wantField(t, f.svc.UpdateProgramme(f.sys, p2), "code")
	})
	t.Run("update", func(t *testing.T) {
		f.clock.Add(time.Minute)
		p2.Code, p2.Description = "A-3", "Renamed"
		mustNoErr(t, f.svc.UpdateProgramme(f.sys, p2), "update")
		got, err := f.svc.FindProgrammeByID(As(f.viewerA), p2.ID)
		mustNoErr(t, err, "find")
		diff(t, "programme", p2, got)
		_, err = f.svc.FindProgrammeByID(f.sys, 999)
		wantCode(t, err, kinbridge.ENOTFOUND)
	})
	t.Run("only administrators manage", func(t *testing.T) {
		err := f.svc.CreateProgramme(As(f.supA), &kinbridge.Programme{Code: "X", Names: kinbridge.UnitNames{EN: "X"}})
		wantCode(t, err, kinbridge.EFORBIDDEN)
	})
}

func testHouseholds(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	officer := As(f.officerA1)
	h := f.mustHousehold(t, officer, f.officeA1, "1 River Road")
	if h.ID == 0 || !h.Created.Equal(t0) || h.UnitPath != f.officeA1.Path {
		t.Fatalf("created household %+v", h)
	}
	wang := f.mustPerson(t, officer, resident(h, "王小明", "", "1961"))
	wang.Relationship = "head"
	mustNoErr(t, f.svc.UpdatePerson(officer, wang), "make head")
	f.mustPerson(t, officer, resident(h, "李娜", "", "1990-02-11"))

	t.Run("read", func(t *testing.T) {
		rec, err := f.svc.FindHouseholdByID(officer, h.ID)
		mustNoErr(t, err, "find household")
		want := *h
		want.Members = 2
		diff(t, "household", &want, rec.Household)
		if rec.Unit.ID != f.officeA1.ID || len(rec.Members) != 2 || rec.Members[0].ID != wang.ID {
			t.Errorf("record: unit %d, members %v (head first)", rec.Unit.ID, rec.Members)
		}
	})
	t.Run("edit", func(t *testing.T) {
		f.clock.Add(time.Minute)
		h.Address, h.Phone, h.Languages, h.Notes = "2 Hill Street", "", nil, "Moved in spring"
		mustNoErr(t, f.svc.UpdateHousehold(officer, h), "update household")
		rec, err := f.svc.FindHouseholdByID(officer, h.ID)
		mustNoErr(t, err, "find household")
		if got := rec.Household; got.Address != "2 Hill Street" || got.Phone != "" || len(got.Languages) != 0 ||
			got.Notes != "Moved in spring" || !got.Updated.Equal(f.clock.Now()) || !got.Created.Equal(t0) {
			t.Errorf("after edit: %+v", got)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		wantField(t, f.svc.CreateHousehold(officer, &kinbridge.Household{UnitID: f.officeA1.ID}), "address")
		wantField(t, f.svc.CreateHousehold(officer, &kinbridge.Household{UnitID: f.officeA1.ID, Address: "x", Phone: "call me"}), "phone")
		// A unit outside the officer's scope is no choice at all.
		wantField(t, f.svc.CreateHousehold(officer, &kinbridge.Household{UnitID: f.officeB1.ID, Address: "x"}), "unit_id")
		wantField(t, f.svc.CreateHousehold(officer, &kinbridge.Household{UnitID: 999, Address: "x"}), "unit_id")
	})
	t.Run("list with filters and paging", func(t *testing.T) {
		var all []int64
		for i := range 5 {
			hh := f.mustHousehold(t, f.sys, f.officeA1, fmt.Sprintf("%d Lane", i))
			all = append(all, hh.ID)
			p := resident(hh, "", fmt.Sprintf("Person %c", 'A'+i), "1970")
			if i%2 == 0 {
				p.ProgrammeIDs = []int64{f.prog.ID}
			}
			f.mustPerson(t, f.sys, p)
		}
		f.mustHousehold(t, f.sys, f.officeB1, "Far away") // another region
		hs, total, err := f.svc.FindHouseholds(As(f.supA), kinbridge.HouseholdFilter{Limit: 2, Offset: 1})
		mustNoErr(t, err, "list")
		if total != 6 || len(hs) != 2 || hs[0].ID != all[0] || hs[1].ID != all[1] {
			t.Errorf("page 2: total %d, ids %v, want 6 and %v", total, ids(hs), all[:2])
		}
		hs, total, err = f.svc.FindHouseholds(As(f.supA), kinbridge.HouseholdFilter{ProgrammeID: f.prog.ID})
		mustNoErr(t, err, "list by programme")
		if want := []int64{all[0], all[2], all[4]}; total != 3 || !slices.Equal(ids(hs), want) {
			t.Errorf("by programme: %d %v, want %v", total, ids(hs), want)
		}
		hs, total, err = f.svc.FindHouseholds(f.sys, kinbridge.HouseholdFilter{UnitID: f.regionB.ID})
		mustNoErr(t, err, "list by unit")
		if total != 1 || hs[0].Address != "Far away" {
			t.Errorf("by unit: %d %v", total, hs)
		}
		hs, total, err = f.svc.FindHouseholds(As(f.officerB1), kinbridge.HouseholdFilter{})
		mustNoErr(t, err, "list of B1")
		if total != 1 || hs[0].Address != "Far away" {
			t.Errorf("officer B1 sees %d households", total)
		}
		_, total, err = f.svc.FindHouseholds(f.sys, kinbridge.HouseholdFilter{Status: kinbridge.StatusAbroad})
		mustNoErr(t, err, "list by status")
		if total != 0 {
			t.Errorf("%d households with a member abroad, want 0", total)
		}
		_, _, err = f.svc.FindHouseholds(f.sys, kinbridge.HouseholdFilter{Status: "lost"})
		wantField(t, err, "status")
	})
}

func ids(hs []*kinbridge.Household) []int64 {
	var out []int64
	for _, h := range hs {
		out = append(out, h.ID)
	}
	return out
}

// testHouseholdUnitChange checks that a household given to another unit
// takes its persons and their search terms with it: the new unit's officer
// finds them, the old unit's no longer does.
func testHouseholdUnitChange(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	a2 := f.mustCreateUnit(t, f.sys, f.regionA.ID, "Office A2")
	officerA2 := As(f.mustCreateUser(t, "officer-a2", kinbridge.RoleOfficer, a2))
	h := f.mustHousehold(t, As(f.officerA1), f.officeA1, "1 River Road")
	p := f.mustPerson(t, As(f.officerA1), resident(h, "최영희", "", "1950"))

	// An officer cannot hand a household to a unit outside their scope.
	h.UnitID = a2.ID
	wantField(t, f.svc.UpdateHousehold(As(f.officerA1), h), "unit_id")
	// The region's supervisor can.
	mustNoErr(t, f.svc.UpdateHousehold(As(f.supA), h), "move household")
	got := f.findPerson(t, p.ID)
	if got.UnitID != a2.ID || got.UnitPath != a2.Path {
		t.Errorf("person's unit %d %s, want %d %s", got.UnitID, got.UnitPath, a2.ID, a2.Path)
	}
	_, err := f.svc.FindPersonByID(As(f.officerA1), p.ID)
	wantCode(t, err, kinbridge.ENOTFOUND)
	_, err = f.svc.FindHouseholdByID(As(f.officerA1), h.ID)
	wantCode(t, err, kinbridge.ENOTFOUND)
	if res := mustSearch(t, f, officerA2, "Choi Yeonghui"); len(res) != 1 || res[0].Person.ID != p.ID {
		t.Errorf("new unit's officer finds %v", names(res))
	}
	if res := mustSearch(t, f, As(f.officerA1), "Choi Yeonghui"); len(res) != 0 {
		t.Errorf("old unit's officer still finds %v", names(res))
	}
	if n := f.count(t, "SELECT COUNT(*) FROM person_terms WHERE person_id = ? AND unit_id <> ?", p.ID, a2.ID); n != 0 {
		t.Errorf("%d search terms left in the old unit", n)
	}
}

func testPersons(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	officer := As(f.officerA1)
	h := f.mustHousehold(t, officer, f.officeA1, "1 River Road")
	p := &kinbridge.Person{Kind: kinbridge.PersonResident, HouseholdID: h.ID, Relationship: "Head",
		Names: kinbridge.PersonNames{Native: " 王小明 ", Second: "ワン・シャオミン", Latin: "Wang Xiaoming"}, BirthDate: "1961-05-04",
		Sex: "M", Nationality: "CN", Phone: "+850 2 381 1234", Notes: "Speaks Korean",
		Documents:    []kinbridge.Document{{Kind: "passport", Number: "E 123-4567"}, {Kind: "id_card", Number: "12-34"}, {Kind: "passport", Number: "e1234567"}},
		ProgrammeIDs: []int64{f.prog.ID, f.prog.ID}}
	flags, err := f.svc.CreatePerson(officer, p)
	mustNoErr(t, err, "create person")
	if len(flags) != 0 {
		t.Errorf("flags %v for the first person", flags)
	}
	if p.ID == 0 || p.UnitID != f.officeA1.ID || p.Status != kinbridge.StatusPresent || !p.Created.Equal(t0) {
		t.Errorf("created person %+v", p)
	}
	if p.Names.Native != "王小明" || p.Sex != "m" || p.Relationship != "head" || len(p.Documents) != 2 || len(p.ProgrammeIDs) != 1 {
		t.Errorf("not normalised: %+v", p)
	}
	rec, err := f.svc.FindPersonByID(officer, p.ID)
	mustNoErr(t, err, "find person")
	diff(t, "person", p, rec.Person, ignorePersonReads)
	if rec.Person.UnitPath != f.officeA1.Path || rec.Household.ID != h.ID || len(rec.Programmes) != 1 || rec.Programmes[0].ID != f.prog.ID {
		t.Errorf("record: path %q household %d programmes %v", rec.Person.UnitPath, rec.Household.ID, rec.Programmes)
	}

	t.Run("edit replaces documents, programmes and terms", func(t *testing.T) {
		f.clock.Add(time.Minute)
		edit := &kinbridge.Person{ID: p.ID, Names: kinbridge.PersonNames{Latin: "Wang Daming"}, BirthDate: "1961",
			Documents: []kinbridge.Document{{Kind: "residence_permit", Number: "R-98765"}}}
		mustNoErr(t, f.svc.UpdatePerson(officer, edit), "update person")
		got := f.findPerson(t, p.ID)
		want := *p
		want.Names, want.BirthDate, want.Sex, want.Nationality, want.Phone, want.Notes, want.Relationship =
			edit.Names, "1961", "", "", "", "", ""
		want.Documents, want.ProgrammeIDs, want.Updated = edit.Documents, nil, f.clock.Now()
		diff(t, "edited person", &want, got, ignorePersonReads)
		if res := mustSearch(t, f, officer, "Wang Xiaoming"); len(res) != 0 {
			t.Errorf("the old name still finds %v", names(res))
		}
		if res := mustSearch(t, f, officer, "Wang Daming"); len(res) != 1 {
			t.Errorf("the new name finds %v", names(res))
		}
		if res := mustSearch(t, f, officer, "r 98765"); len(res) != 1 {
			t.Errorf("the new document finds %v", names(res))
		}
	})
	t.Run("invalid", func(t *testing.T) {
		for _, tt := range []struct {
			p     kinbridge.Person
			field string
		}{
			{kinbridge.Person{HouseholdID: h.ID}, "name_native"},
			{kinbridge.Person{HouseholdID: h.ID, Names: kinbridge.PersonNames{Latin: "X"}, BirthDate: "2030"}, "birth_date"},
			{kinbridge.Person{HouseholdID: h.ID, Names: kinbridge.PersonNames{Latin: "X"}, BirthDate: "1990-02-30"}, "birth_date"},
			{kinbridge.Person{HouseholdID: h.ID, Names: kinbridge.PersonNames{Latin: "X"}, Sex: "q"}, "sex"},
			{kinbridge.Person{HouseholdID: h.ID, Names: kinbridge.PersonNames{Latin: "X"}, Country: "CN"}, "country"},
			{kinbridge.Person{HouseholdID: h.ID, Names: kinbridge.PersonNames{Latin: "X"}, Kind: kinbridge.PersonRelativeAbroad}, "country"},
			{kinbridge.Person{HouseholdID: h.ID, Names: kinbridge.PersonNames{Latin: "X"}, ProgrammeIDs: []int64{999}}, "programme_ids"},
			{kinbridge.Person{HouseholdID: 999, Names: kinbridge.PersonNames{Latin: "X"}}, "household_id"},
			{kinbridge.Person{HouseholdID: h.ID, Names: kinbridge.PersonNames{Latin: "X"}, Documents: []kinbridge.Document{{Kind: "Pass port", Number: "1"}}}, "documents"},
		} {
			before := f.count(t, "SELECT COUNT(*) FROM persons")
			_, err := f.svc.CreatePerson(officer, &tt.p)
			wantField(t, err, tt.field)
			if after := f.count(t, "SELECT COUNT(*) FROM persons"); after != before {
				t.Errorf("a refused person was stored")
			}
		}
		_, err := f.svc.FindPersonByID(officer, 999)
		wantCode(t, err, kinbridge.ENOTFOUND)
	})
}

// testRegistryScope checks who may see and change households and persons,
// against kinbridge.Expect: out of scope is not found, in scope without the
// permission is forbidden.
func testRegistryScope(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	h := f.mustHousehold(t, As(f.officerA1), f.officeA1, "1 River Road")
	p := f.mustPerson(t, As(f.officerA1), resident(h, "", "Kim Ok", "1970"))
	for _, tt := range []struct {
		user *kinbridge.User
		rel  kinbridge.Relation
	}{
		{f.officerA1, kinbridge.RelationOwn},
		{f.coordA1, kinbridge.RelationOwn},
		{f.supA, kinbridge.RelationChild},
		{f.viewerA, kinbridge.RelationChild},
		{f.officerB1, kinbridge.RelationSibling},
	} {
		t.Run(string(tt.user.Role)+" of "+string(tt.rel), func(t *testing.T) {
			ctx := As(tt.user)
			code := func(outcome string) string {
				return map[string]string{"allow": "", "forbidden": kinbridge.EFORBIDDEN, "not found": kinbridge.ENOTFOUND}[outcome]
			}
			view := code(kinbridge.Expect(tt.user.Role, kinbridge.ActionRegistryView, tt.rel))
			edit := code(kinbridge.Expect(tt.user.Role, kinbridge.ActionRegistryEdit, tt.rel))
			_, err := f.svc.FindHouseholdByID(ctx, h.ID)
			wantCode(t, err, view)
			_, err = f.svc.FindPersonByID(ctx, p.ID)
			wantCode(t, err, view)
			edited := *h
			wantCode(t, f.svc.UpdateHousehold(ctx, &edited), edit)
			wantCode(t, f.svc.UpdatePerson(ctx, &kinbridge.Person{ID: p.ID, Names: p.Names, BirthDate: p.BirthDate}), edit)
			_, err = f.svc.AddStatusEvent(ctx, &kinbridge.StatusEvent{PersonID: p.ID, Kind: kinbridge.EventMoved, Date: "2026-01-01", ToAddress: "x"})
			if edit == "" {
				mustNoErr(t, err, "add status event")
				p = f.findPerson(t, p.ID)
			} else {
				wantCode(t, err, edit)
			}
		})
	}
	// A record that does not exist answers exactly like one out of scope.
	_, err := f.svc.FindHouseholdByID(As(f.officerB1), 999)
	wantCode(t, err, kinbridge.ENOTFOUND)
}

// testBulkCreate checks the bulk path at the Tx: ids in the order given,
// across the statements a large batch is split into, and every row's
// documents, programmes and terms under the right person.
func testBulkCreate(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	ctx := context.Background()
	const nh, per = 700, 3 // more rows than one SQLite statement takes
	var hs []*kinbridge.Household
	var ps []*kinbridge.Person
	for i := range nh {
		hs = append(hs, &kinbridge.Household{UnitID: f.officeA1.ID, Address: fmt.Sprintf("%d Bulk Road", i), Languages: []string{"ko"}})
	}
	err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
		if err := tx.CreateHouseholds(ctx, hs); err != nil {
			return err
		}
		for i, h := range hs {
			for j := range per {
				p := &kinbridge.Person{Kind: kinbridge.PersonResident, HouseholdID: h.ID, UnitID: h.UnitID,
					Names: kinbridge.PersonNames{Latin: fmt.Sprintf("Bulk %d %d", i, j)}, BirthDate: "1980", Status: kinbridge.StatusPresent,
					Documents: []kinbridge.Document{{Kind: "passport", Number: fmt.Sprintf("B%d-%d", i, j)}}, ProgrammeIDs: []int64{f.prog.ID}}
				p.Terms = kinbridge.PersonTerms(p)
				ps = append(ps, p)
			}
		}
		return tx.CreatePersons(ctx, ps)
	})
	mustNoErr(t, err, "bulk create")
	for i := 1; i < len(hs); i++ {
		if hs[i].ID <= hs[i-1].ID {
			t.Fatalf("household ids out of order at %d: %d after %d", i, hs[i].ID, hs[i-1].ID)
		}
	}
	for i := 1; i < len(ps); i++ {
		if ps[i].ID <= ps[i-1].ID {
			t.Fatalf("person ids out of order at %d: %d after %d", i, ps[i].ID, ps[i-1].ID)
		}
	}
	// Each id holds the row it was given for.
	for _, i := range []int{0, 1, 1723, 1724, 1725, len(ps) - 1} {
		got := f.findPerson(t, ps[i].ID)
		diff(t, fmt.Sprintf("person %d", i), ps[i], got, ignorePersonReads)
	}
	for _, i := range []int{0, 499, 500, nh - 1} {
		var got *kinbridge.Household
		err := f.store.View(ctx, func(tx kinbridge.Tx) (err error) { got, err = tx.FindHouseholdByID(ctx, hs[i].ID); return err })
		mustNoErr(t, err, "find household")
		if got.Address != hs[i].Address || got.Members != per {
			t.Errorf("household %d: %q with %d members, want %q with %d", i, got.Address, got.Members, hs[i].Address, per)
		}
	}
	var terms int
	for _, p := range ps {
		terms += len(p.Terms)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM person_terms"); n != terms {
		t.Errorf("%d terms stored, want %d", n, terms)
	}
	// A bulk write that refers to a missing household fails as a whole
	// (SQLite checks its foreign keys at commit).
	before := f.count(t, "SELECT COUNT(*) FROM persons")
	err = f.store.Update(ctx, func(tx kinbridge.Tx) error {
		var bad []*kinbridge.Person
		for i := range 300 {
			h := hs[i%nh].ID
			if i == 250 {
				h = 999999
			}
			bad = append(bad, &kinbridge.Person{Kind: kinbridge.PersonResident, HouseholdID: h, UnitID: f.officeA1.ID,
				Names: kinbridge.PersonNames{Latin: fmt.Sprintf("Orphan %d", i)}})
		}
		return tx.CreatePersons(ctx, bad)
	})
	wantCode(t, err, kinbridge.EINVALID)
	if after := f.count(t, "SELECT COUNT(*) FROM persons"); after != before {
		t.Errorf("a failed bulk write left %d persons", after-before)
	}
	// The scan reads every household once, in order, with its members.
	var seen []int64
	err = f.store.View(ctx, func(tx kinbridge.Tx) error {
		return tx.ScanHouseholds(ctx, kinbridge.HouseholdFilter{PathPrefix: f.regionA.Path}, func(r *kinbridge.HouseholdRecord) error {
			seen = append(seen, r.Household.ID)
			if len(r.Members) != per || len(r.Members[0].Documents) != 1 || len(r.Members[0].ProgrammeIDs) != 1 {
				return fmt.Errorf("household %d: %d members", r.Household.ID, len(r.Members))
			}
			return nil
		})
	})
	mustNoErr(t, err, "scan")
	if len(seen) != nh || !slices.IsSorted(seen) {
		t.Errorf("scan saw %d households (sorted %v), want %d", len(seen), slices.IsSorted(seen), nh)
	}
}

// names returns the display names of search results, for messages.
func names(res []*kinbridge.SearchResult) []string {
	var out []string
	for _, r := range res {
		out = append(out, fmt.Sprintf("%d:%s(%d)", r.Person.ID, r.Person.Names.Display(), r.Score))
	}
	return out
}

func mustSearch(t *testing.T, f *registry, ctx context.Context, q string) []*kinbridge.SearchResult {
	t.Helper()
	res, err := f.svc.SearchPersons(ctx, q, 50)
	mustNoErr(t, err, "search "+q)
	return res
}
