package storetest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

func testDuplicates(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	officer := As(f.officerA1)
	h := f.mustHousehold(t, officer, f.officeA1, "1 River Road")
	kim := f.mustPerson(t, officer, &kinbridge.Person{HouseholdID: h.ID, Names: kinbridge.PersonNames{Native: "김정은"}, BirthDate: "1984-01-08",
		Phone: "010 1234 5678", Documents: []kinbridge.Document{{Kind: "passport", Number: "KP 1234"}}})
	twin := &kinbridge.Person{HouseholdID: h.ID, Names: kinbridge.PersonNames{Latin: "Kim Jong Un"}, BirthDate: "1984",
		Phone: "+82 10-1234-5678", Documents: []kinbridge.Document{{Kind: "passport", Number: "kp-1234"}}}
	flags, err := f.svc.CreatePerson(officer, twin)
	mustNoErr(t, err, "create twin")
	var reasons []string
	for _, fl := range flags {
		if fl.PersonID != kim.ID || fl.OtherID != twin.ID {
			t.Errorf("flag %+v, want the pair %d, %d", fl, kim.ID, twin.ID)
		}
		reasons = append(reasons, fl.Reason)
	}
	slices.Sort(reasons)
	diff(t, "reasons", []string{"document", "name_birth_year", "phone"}, reasons)
	f.mustPerson(t, officer, resident(h, "", "Kim Jong Un", "1985")) // another year: no flag

	stored, err := f.svc.FindDuplicateFlags(As(f.supA), 0)
	mustNoErr(t, err, "find flags")
	if len(stored) != 3 || stored[0].PersonName != "김정은" || stored[0].OtherName != "Kim Jong Un" ||
		stored[0].PersonUnitPath != f.officeA1.Path || !stored[0].Created.Equal(t0) {
		t.Errorf("stored flags %+v", stored)
	}
	_, err = f.svc.FindDuplicateFlags(officer, 0)
	wantCode(t, err, kinbridge.EFORBIDDEN)
	if got, err := f.svc.FindDuplicateFlags(As(f.adminHQ), 0); err != nil || len(got) != 3 {
		t.Errorf("HQ sees %d flags (%v)", len(got), err)
	}
	rec, err := f.svc.FindPersonByID(officer, twin.ID)
	mustNoErr(t, err, "person page")
	if len(rec.Duplicates) != 3 {
		t.Errorf("person page shows %d possible duplicates", len(rec.Duplicates))
	}

	t.Run("imported duplicates are flagged, once per pair and reason", func(t *testing.T) {
		unit := strconv.FormatInt(f.officeA1.ID, 10)
		rows := []kinbridge.ImportRow{
			importRow(2, "household=X|unit_id="+unit+"|address=5 Hill|person=x1|name_native=김정은|birth_date=1984"),
			importRow(3, "household=X|unit_id="+unit+"|address=5 Hill|person=x2|name_latin=Kim Jong Un|birth_date=1984-02-02"),
		}
		res, err := f.svc.ImportRegistry(f.sys, rows, kinbridge.ImportOptions{})
		mustNoErr(t, err, "import")
		// Each new person with kim and twin (2 × 2), and with each other.
		if res.DuplicateFlags != 5 {
			t.Errorf("%d flags made, want 5", res.DuplicateFlags)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM duplicate_flags WHERE reason = 'name_birth_year'"); n != 6 {
			t.Errorf("%d name flags stored, want 6", n)
		}
		err = f.store.Update(context.Background(), func(tx kinbridge.Tx) error {
			n, err := tx.FlagDuplicatesOf(context.Background(), kim.ID, twin.ID+100)
			if n != 0 {
				t.Errorf("flagging again made %d flags", n)
			}
			return err
		})
		mustNoErr(t, err, "flag again")
	})
	t.Run("dismiss", func(t *testing.T) {
		mustNoErr(t, f.svc.DismissDuplicate(As(f.supA), twin.ID, kim.ID), "dismiss")
		if n := f.count(t, "SELECT COUNT(*) FROM duplicate_flags WHERE person_id = ? AND other_id = ?", kim.ID, twin.ID); n != 0 {
			t.Errorf("%d flags left", n)
		}
		wantCode(t, f.svc.DismissDuplicate(officer, twin.ID, kim.ID), kinbridge.EFORBIDDEN)
	})
}

func testMerge(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	officer, sup := As(f.officerA1), As(f.supA)
	h := f.mustHousehold(t, officer, f.officeA1, "1 River Road")
	keep := f.mustPerson(t, officer, &kinbridge.Person{HouseholdID: h.ID, Names: kinbridge.PersonNames{Native: "김정은"}, BirthDate: "1984-01-08"})
	dup := f.mustPerson(t, officer, &kinbridge.Person{HouseholdID: h.ID, Names: kinbridge.PersonNames{Latin: "Kim Jong Un"}, BirthDate: "1984",
		Documents: []kinbridge.Document{{Kind: "passport", Number: "KP1"}}, ProgrammeIDs: []int64{f.prog.ID}})
	rel := f.mustPerson(t, officer, &kinbridge.Person{Kind: kinbridge.PersonRelativeAbroad, HouseholdID: h.ID,
		Names: kinbridge.PersonNames{Latin: "Kim Il"}, Country: "KP"})
	mustNoErr(t, f.svc.LinkRelative(officer, kinbridge.RelativeLink{RelativeID: rel.ID, MemberID: dup.ID, Relationship: "sibling"}), "link")
	_, err := f.svc.AddStatusEvent(officer, &kinbridge.StatusEvent{PersonID: dup.ID, Kind: kinbridge.EventMoved, Date: "2025-06-01", ToAddress: "Shelter"})
	mustNoErr(t, err, "event of dup")

	_, err = f.svc.MergePersons(officer, keep.ID, dup.ID)
	wantCode(t, err, kinbridge.EFORBIDDEN)
	_, err = f.svc.MergePersons(sup, keep.ID, keep.ID)
	wantField(t, err, "other_id")
	_, err = f.svc.MergePersons(sup, keep.ID, rel.ID)
	wantCode(t, err, kinbridge.ECONFLICT)

	f.clock.Add(time.Minute)
	before := f.head(t)
	got, err := f.svc.MergePersons(sup, keep.ID, dup.ID)
	mustNoErr(t, err, "merge")
	if got := f.head(t); got != before+1 {
		t.Errorf("the merge wrote %d audit entries, want 1", got-before)
	}
	entries, err := f.svc.FindAuditEntries(f.sys, kinbridge.AuditFilter{Limit: 1})
	mustNoErr(t, err, "audit")
	if e := entries[0]; e.Action != "person.merge" || e.RecordID != keep.ID || !strings.Contains(e.Detail, fmt.Sprintf(`"merged_id":%d`, dup.ID)) {
		t.Errorf("audit entry %+v", e)
	}
	if got.Names.Latin != "Kim Jong Un" || got.Names.Native != "김정은" || len(got.Documents) != 1 || !slices.Equal(got.ProgrammeIDs, []int64{f.prog.ID}) {
		t.Errorf("kept record %+v", got)
	}
	merged := f.findPerson(t, dup.ID)
	if merged.Status != kinbridge.StatusMerged || merged.MergedInto != keep.ID || merged.Address != "Shelter" {
		t.Errorf("merged record: status %s into %d address %q", merged.Status, merged.MergedInto, merged.Address)
	}
	rec, err := f.svc.FindPersonByID(sup, dup.ID)
	mustNoErr(t, err, "merged record is still found by id")
	if len(rec.Events) != 1 {
		t.Errorf("the merged record's history: %d events, want 1", len(rec.Events))
	}
	hrec, err := f.svc.FindHouseholdByID(sup, h.ID)
	mustNoErr(t, err, "household")
	diff(t, "links", []*kinbridge.RelativeLink{{RelativeID: rel.ID, MemberID: keep.ID, Relationship: "sibling"}}, hrec.Links)
	if len(hrec.Members) != 1 || hrec.Members[0].ID != keep.ID {
		t.Errorf("members after the merge: %v", hrec.Members)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM duplicate_flags WHERE (person_id = ? AND other_id = ?)", keep.ID, dup.ID); n != 0 {
		t.Errorf("%d flags left between the two", n)
	}
	if res := mustSearch(t, f, sup, "Kim Jong Un"); len(res) != 1 || res[0].Person.ID != keep.ID {
		t.Errorf("search after the merge: %v", names(res))
	}
	_, err = f.svc.MergePersons(sup, keep.ID, dup.ID)
	wantCode(t, err, kinbridge.ECONFLICT)
	wantCode(t, f.svc.UpdatePerson(sup, &kinbridge.Person{ID: dup.ID, Names: dup.Names}), kinbridge.ECONFLICT)
	_, err = f.svc.AddStatusEvent(sup, &kinbridge.StatusEvent{PersonID: dup.ID, Kind: kinbridge.EventDied, Date: "2026-01-01"})
	wantCode(t, err, kinbridge.ECONFLICT)
}

// importRow builds a row from "column=value|column=value".
func importRow(line int, cells string) kinbridge.ImportRow {
	r := kinbridge.ImportRow{Line: line, Cells: map[string]string{}}
	for _, kv := range strings.Split(cells, "|") {
		k, v, _ := strings.Cut(kv, "=")
		r.Cells[k] = v
	}
	return r
}

// importRows makes n rows of households of three (a head, a child and a
// relative abroad linked to the head) in the unit; bad names lines to spoil.
func importRows(unitID int64, n int, bad ...int) []kinbridge.ImportRow {
	unit := strconv.FormatInt(unitID, 10)
	var rows []kinbridge.ImportRow
	for i := range n {
		line := i + 2
		h := fmt.Sprintf("H%d", i/3)
		base := "household=" + h + "|unit_id=" + unit + "|address=" + h + " Import Road|languages=ko; zh|household_phone=02 555 01" + fmt.Sprint(i/3%100)
		var cells string
		switch i % 3 {
		case 0:
			cells = fmt.Sprintf("%s|person=p1|kind=resident|name_native=김%s|name_latin=Kim Test%d|birth_date=19%02d-01-0%d|relationship=head|sex=f|programmes=P1|documents=passport:KP%d",
				base, string(rune('가'+i)), i, i%100, 1+i%9, i)
		case 1:
			cells = fmt.Sprintf("%s|person=p2|kind=resident|name_native=王%s|birth_date=2001|relationship=child|phone=010 9%07d", base, string(rune('一'+i)), i)
		default:
			cells = fmt.Sprintf("%s|kind=relative_abroad|name_latin=Relative %d|country=CN|city=Dandong|contact_channel=WeChat: r%d|related_to=p1|relationship=child", base, i, i)
		}
		if slices.Contains(bad, line) {
			cells += "|birth_date=19xx"
		}
		rows = append(rows, importRow(line, cells))
	}
	return rows
}

func (f *registry) registryCounts(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"households", "persons", "person_terms", "person_documents", "person_programmes", "relative_links"} {
		out[table] = f.count(t, "SELECT COUNT(*) FROM "+table)
	}
	return out
}

func testImport(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	rows := importRows(f.officeA1.ID, 30, 5, 12, 22)
	before := f.registryCounts(t)
	head := f.head(t)

	t.Run("one bad row rejects the file", func(t *testing.T) {
		res, err := f.svc.ImportRegistry(As(f.supA), rows, kinbridge.ImportOptions{})
		wantCode(t, err, kinbridge.EINVALID)
		var lines []int
		for _, r := range res.Rejected {
			lines = append(lines, r.Line)
			if r.Field != "birth_date" && r.Field != "related_to" {
				t.Errorf("rejected %v", r)
			}
		}
		// Line 5 is a household's head: its relative abroad (line 7) is
		// rejected with it.
		if want := []int{5, 7, 12, 22}; !slices.Equal(lines, want) {
			t.Errorf("rejected lines %v, want %v (%v)", lines, want, res.Rejected)
		}
		diff(t, "counts after a rejected import", before, f.registryCounts(t))
		if got := f.head(t); got != head {
			t.Errorf("a rejected import wrote %d audit entries", got-head)
		}
	})
	t.Run("out of scope", func(t *testing.T) {
		_, err := f.svc.ImportRegistry(As(f.officerA1), rows, kinbridge.ImportOptions{SkipInvalid: true})
		wantCode(t, err, kinbridge.EFORBIDDEN)
		res, err := f.svc.ImportRegistry(As(f.supA), importRows(f.officeB1.ID, 3), kinbridge.ImportOptions{})
		wantCode(t, err, kinbridge.EINVALID)
		if len(res.Rejected) != 3 || res.Rejected[0].Field != "unit_id" {
			t.Errorf("rejected %v", res.Rejected)
		}
	})
	t.Run("skip invalid imports the rest", func(t *testing.T) {
		res, err := f.svc.ImportRegistry(As(f.supA), rows, kinbridge.ImportOptions{SkipInvalid: true})
		mustNoErr(t, err, "import")
		if res.Persons != 26 || res.Households != 10 || len(res.Rejected) != 4 {
			t.Errorf("result %+v", res)
		}
		after := f.registryCounts(t)
		if after["households"]-before["households"] != 10 || after["persons"]-before["persons"] != 26 ||
			after["relative_links"]-before["relative_links"] != 8 || after["person_documents"]-before["person_documents"] != 9 ||
			after["person_programmes"]-before["person_programmes"] != 9 {
			t.Errorf("counts %v, before %v", after, before)
		}
		hs, total, err := f.svc.FindHouseholds(As(f.officerA1), kinbridge.HouseholdFilter{})
		mustNoErr(t, err, "list")
		if total != 10 || hs[0].ID != res.FirstHouseholdID || hs[0].Members != 2 || len(hs[0].Languages) != 2 {
			t.Errorf("households %d, first %+v", total, hs[0])
		}
		rec, err := f.svc.FindHouseholdByID(As(f.officerA1), res.FirstHouseholdID)
		mustNoErr(t, err, "household")
		if len(rec.Members) != 2 || len(rec.Relatives) != 1 || len(rec.Links) != 1 || rec.Links[0].MemberID != rec.Members[0].ID ||
			rec.Members[0].Relationship != "head" || rec.Links[0].Relationship != "child" {
			t.Errorf("imported household %+v links %v", rec.Members, rec.Links)
		}
		if res := mustSearch(t, f, As(f.officerA1), "Kim Test0"); len(res) != 1 {
			t.Errorf("imported person not found: %v", names(res))
		}
	})
}

func testExportRoundTrip(t *testing.T, open Opener) {
	export := func(f *registry) [][]string {
		t.Helper()
		var rows [][]string
		n, err := f.svc.ExportRegistry(As(f.supA), kinbridge.HouseholdFilter{}, func(row []string) error {
			rows = append(rows, slices.Clone(row))
			return nil
		})
		mustNoErr(t, err, "export")
		if n != len(rows)-1 {
			t.Errorf("export says %d rows, wrote %d", n, len(rows)-1)
		}
		return rows
	}
	src := newRegistry(t, open)
	res, err := src.svc.ImportRegistry(src.sys, importRows(src.officeA1.ID, 30), kinbridge.ImportOptions{})
	mustNoErr(t, err, "import")
	// A person added by hand, with a second document and a merged twin
	// (not exported), and a household elsewhere (out of the scope).
	h := src.mustHousehold(t, src.sys, src.officeA1, "Hand Road")
	p := src.mustPerson(t, src.sys, &kinbridge.Person{HouseholdID: h.ID, Names: kinbridge.PersonNames{Native: "최영희", Latin: "Choi Yeonghui", Second: "崔英姬"},
		BirthDate: "1950-12-31", Sex: "x", Nationality: "KP", Phone: "010-1111-2222", Notes: "=cmd|' /C calc'!A0",
		Documents: []kinbridge.Document{{Kind: "passport", Number: "P1"}, {Kind: "id_card", Number: "I-2"}}, ProgrammeIDs: []int64{src.prog.ID}})
	twin := src.mustPerson(t, src.sys, resident(h, "", "Choi Yeonghui", "1950"))
	_, err = src.svc.MergePersons(src.sys, p.ID, twin.ID)
	mustNoErr(t, err, "merge")
	src.mustHousehold(t, src.sys, src.officeB1, "Elsewhere")
	first := export(src)
	if len(first) != 1+30+1 {
		t.Fatalf("exported %d rows, want the header and 31", len(first))
	}

	dst := newRegistry(t, open)
	var rows []kinbridge.ImportRow
	for i, cells := range first[1:] {
		row := kinbridge.ImportRow{Line: i + 2, Cells: map[string]string{}}
		for j, c := range cells {
			row.Cells[first[0][j]] = c
		}
		rows = append(rows, row)
	}
	res2, err := dst.svc.ImportRegistry(dst.sys, rows, kinbridge.ImportOptions{})
	mustNoErr(t, err, "re-import")
	if res2.Persons != res.Persons+1 {
		t.Errorf("re-imported %d persons, want %d", res2.Persons, res.Persons+1)
	}
	second := export(dst)
	// The same persons: equal rows once each file's own references are
	// replaced by their order of appearance.
	diff(t, "export after re-import", canonicalRefs(first), canonicalRefs(second))
}

// canonicalRefs replaces the household, person and related_to references
// of exported rows by the order they first appear in.
func canonicalRefs(rows [][]string) [][]string {
	header := rows[0]
	col := func(name string) int { return slices.Index(header, name) }
	hc, pc, rc := col("household"), col("person"), col("related_to")
	seen := map[string]string{}
	ref := func(s string) string {
		if s == "" {
			return ""
		}
		if _, ok := seen[s]; !ok {
			seen[s] = fmt.Sprintf("#%d", len(seen))
		}
		return seen[s]
	}
	var out [][]string
	for _, r := range rows[1:] {
		r = slices.Clone(r)
		r[hc], r[pc], r[rc] = ref(r[hc]), ref(r[pc]), ref(r[rc])
		out = append(out, r)
	}
	return out
}

// testRegistryAudit checks that every read and write of the registry is
// audited, with the record and its unit, and that WhoSawPerson finds the
// reads of a person.
func testRegistryAudit(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	officer := As(f.officerA1)
	var h *kinbridge.Household
	var p, q *kinbridge.Person
	last := func(t *testing.T, n int) []*kinbridge.AuditEntry {
		t.Helper()
		entries, err := f.svc.FindAuditEntries(f.sys, kinbridge.AuditFilter{Limit: n})
		mustNoErr(t, err, "audit entries")
		slices.Reverse(entries)
		return entries
	}
	for _, tt := range []struct {
		actions []string
		do      func() error
	}{
		{[]string{"household.create"}, func() error {
			h = &kinbridge.Household{UnitID: f.officeA1.ID, Address: "1 River Road"}
			return f.svc.CreateHousehold(officer, h)
		}},
		{[]string{"household.update"}, func() error { h.Notes = "n"; return f.svc.UpdateHousehold(officer, h) }},
		{[]string{"person.create"}, func() error {
			p = resident(h, "王小明", "", "1961")
			_, err := f.svc.CreatePerson(officer, p)
			return err
		}},
		{[]string{"person.create"}, func() error {
			q = resident(h, "", "Wang Xiaoming", "1961")
			_, err := f.svc.CreatePerson(officer, q)
			return err
		}},
		{[]string{"person.update"}, func() error { p.Notes = "x"; return f.svc.UpdatePerson(officer, p) }},
		{[]string{"person.status"}, func() error {
			_, err := f.svc.AddStatusEvent(officer, &kinbridge.StatusEvent{PersonID: p.ID, Kind: kinbridge.EventLeftCountry, Date: "2026-01-01"})
			return err
		}},
		{[]string{"household.view"}, func() error { _, err := f.svc.FindHouseholdByID(officer, h.ID); return err }},
		{[]string{"household.list"}, func() error { _, _, err := f.svc.FindHouseholds(officer, kinbridge.HouseholdFilter{}); return err }},
		{[]string{"person.view"}, func() error { _, err := f.svc.FindPersonByID(officer, p.ID); return err }},
		{[]string{"person.search", "person.search_result", "person.search_result"}, func() error {
			_, err := f.svc.SearchPersons(officer, "Wang Xiaoming", 10)
			return err
		}},
		{[]string{"person.merge"}, func() error { _, err := f.svc.MergePersons(As(f.supA), p.ID, q.ID); return err }},
		{[]string{"registry.import"}, func() error {
			_, err := f.svc.ImportRegistry(As(f.supA), importRows(f.officeA1.ID, 3), kinbridge.ImportOptions{})
			return err
		}},
		{[]string{"registry.export"}, func() error {
			_, err := f.svc.ExportRegistry(As(f.supA), kinbridge.HouseholdFilter{}, func([]string) error { return nil })
			return err
		}},
	} {
		t.Run(strings.Join(tt.actions, "+"), func(t *testing.T) {
			before := f.head(t)
			f.clock.Add(time.Second)
			mustNoErr(t, tt.do(), tt.actions[0])
			if got := f.head(t); got != before+int64(len(tt.actions)) {
				t.Fatalf("head moved from %d to %d, want %d entries", before, got, len(tt.actions))
			}
			for i, e := range last(t, len(tt.actions)) {
				if e.Action != tt.actions[i] || !e.At.Equal(f.clock.Now()) {
					t.Errorf("entry %d: %q at %v, want %q", i, e.Action, e.At, tt.actions[i])
				}
				if strings.HasPrefix(e.Action, "person.") && e.Action != "person.search" && (e.RecordType != "person" || e.RecordID == 0 || e.UnitID != f.officeA1.ID) {
					t.Errorf("entry %d: record %s %d unit %d", i, e.RecordType, e.RecordID, e.UnitID)
				}
			}
		})
	}

	t.Run("who saw this person", func(t *testing.T) {
		_, err := f.svc.WhoSawPerson(officer, p.ID, 0)
		wantCode(t, err, kinbridge.EFORBIDDEN)
		_, err = f.svc.WhoSawPerson(As(f.supA), 999, 0)
		wantCode(t, err, kinbridge.ENOTFOUND)
		entries, err := f.svc.WhoSawPerson(As(f.supA), p.ID, 0)
		mustNoErr(t, err, "who saw")
		saw := map[string]bool{}
		var others []string
		for _, e := range entries {
			switch {
			case e.RecordType == "person" && e.RecordID == p.ID, e.RecordType == "household" && e.RecordID == h.ID:
				saw[e.Action+" by "+e.ActorName] = true
			default:
				others = append(others, fmt.Sprintf("%s %s %d", e.Action, e.RecordType, e.RecordID))
			}
		}
		for _, want := range []string{"person.view by officer-a1", "person.search_result by officer-a1", "household.view by officer-a1", "person.create by officer-a1"} {
			if !saw[want] {
				t.Errorf("who saw %d: no %q in %v", p.ID, want, saw)
			}
		}
		if len(others) > 0 {
			t.Errorf("who saw %d lists entries of other records: %v", p.ID, others)
		}
	})
}
