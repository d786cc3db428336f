package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlstore"
)

func testSearch(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	officer := As(f.officerA1)
	h := f.mustHousehold(t, officer, f.officeA1, "1 River Road")
	wang := f.mustPerson(t, officer, &kinbridge.Person{HouseholdID: h.ID, Names: kinbridge.PersonNames{Native: "王小明"},
		Phone: "+850 2 381 1234", Documents: []kinbridge.Document{{Kind: "passport", Number: "E 123-4567"}}})
	kim := f.mustPerson(t, officer, resident(h, "김정은", "", "1984-01-08"))
	liNa := f.mustPerson(t, officer, resident(h, "", "Li Na", ""))
	liNaHan := f.mustPerson(t, officer, resident(h, "李娜", "", ""))
	liNana := f.mustPerson(t, officer, resident(h, "", "Li Nana", ""))
	zoe := f.mustPerson(t, officer, resident(h, "", "Zoë Ó Briain-Smith", ""))

	for _, tt := range []struct {
		q    string
		want *kinbridge.Person
	}{
		{"Wang Xiaoming", wang}, // Latin finds Chinese characters
		{"xiaoming wang", wang}, // given name first
		{"Kim Jong Un", kim},    // Latin finds Hangul (North Korean spelling)
		{"Gim Jeongeun", kim},   // Revised Romanization
		{"kim chong-un", kim},   // McCune–Reischauer
		{"김정은", kim},            // as written
		{"02-381-1234", wang},   // a phone in another format
		{"3811234", wang},       // its ending
		{"e1234567", wang},      // a document, spacing and case ignored
		{"zoe o briain", zoe},   // accents, case and spacing ignored
		{"BRIAIN SMITH", zoe},   // later words
	} {
		res := mustSearch(t, f, officer, tt.q)
		if !slices.ContainsFunc(res, func(r *kinbridge.SearchResult) bool { return r.Person.ID == tt.want.ID }) {
			t.Errorf("%q: found %v, want %s", tt.q, names(res), tt.want)
		}
	}
	t.Run("ranking: exact whole name first", func(t *testing.T) {
		res := mustSearch(t, f, officer, "Li Na")
		var got []int64
		for _, r := range res {
			got = append(got, r.Person.ID)
		}
		if want := []int64{liNa.ID, liNaHan.ID, liNana.ID}; !slices.Equal(got, want) {
			t.Errorf("Li Na: %v, want Li Na, 李娜, Li Nana", names(res))
		}
	})
	t.Run("filled like a person read", func(t *testing.T) {
		res := mustSearch(t, f, officer, "e1234567")
		if len(res) != 1 || len(res[0].Person.Documents) != 1 || res[0].Person.UnitPath != f.officeA1.Path {
			t.Errorf("result %v", names(res))
		}
	})
	t.Run("too short", func(t *testing.T) {
		_, err := f.svc.SearchPersons(officer, "a", 10)
		wantField(t, err, "q")
	})
	t.Run("merged and departed", func(t *testing.T) {
		// A merged record is found no more; other statuses are.
		_, err := f.svc.AddStatusEvent(officer, &kinbridge.StatusEvent{PersonID: liNana.ID, Kind: kinbridge.EventDeparted, Date: "2026-01-01"})
		mustNoErr(t, err, "depart")
		if res := mustSearch(t, f, officer, "Li Nana"); len(res) != 1 {
			t.Errorf("departed person: %v", names(res))
		}
	})
}

// testSearchScope checks that a search shows only persons of the caller's
// scope: an officer their unit's, a supervisor their subtree's.
func testSearchScope(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	ha := f.mustHousehold(t, As(f.officerA1), f.officeA1, "1 River Road")
	hb := f.mustHousehold(t, As(f.officerB1), f.officeB1, "9 Far Road")
	hr := f.mustHousehold(t, f.sys, f.regionA, "Region house")
	a := f.mustPerson(t, As(f.officerA1), resident(ha, "王芳", "", "1970"))
	b := f.mustPerson(t, As(f.officerB1), resident(hb, "王芳", "", "1970"))
	r := f.mustPerson(t, f.sys, resident(hr, "", "Wang Fang", "1970"))
	for _, tt := range []struct {
		user *kinbridge.User
		want []int64
	}{
		{f.officerA1, []int64{a.ID}},
		{f.officerB1, []int64{b.ID}},
		{f.supA, []int64{a.ID, r.ID}},
		{f.adminHQ, []int64{a.ID, b.ID, r.ID}},
	} {
		res := mustSearch(t, f, As(tt.user), "wang fang")
		var got []int64
		for _, x := range res {
			got = append(got, x.Person.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s finds %v, want ids %v", tt.user.Username, names(res), tt.want)
		}
	}
	_, err := f.svc.SearchPersons(As(f.viewerA), "wang fang", 10)
	wantCode(t, err, kinbridge.EFORBIDDEN)

	// At the Tx: every hit of a scoped search is of the scope.
	err = f.store.View(context.Background(), func(tx kinbridge.Tx) error {
		hits, err := tx.SearchTerms(context.Background(), kinbridge.SearchFilter{
			Terms: kinbridge.SearchQuery("wang"), PathPrefix: f.officeB1.Path, Subtree: false, Limit: 100})
		if err != nil {
			return err
		}
		if len(hits) == 0 {
			t.Error("no hits in B1")
		}
		for _, h := range hits {
			if h.PersonID != b.ID {
				t.Errorf("hit %+v outside the scope", h)
			}
		}
		return nil
	})
	mustNoErr(t, err, "search terms")
}

// testSearchUsesIndex checks the plan of a scoped prefix search: one range
// of the term index, never a scan of all terms, and no LIKE.
func testSearchUsesIndex(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	var plan []string
	q := `SELECT t.person_id, t.term, t.weight FROM person_terms t WHERE t.term >= ? AND t.term < ?
		AND t.unit_id IN (SELECT id FROM units WHERE path >= ? AND path < ?) ORDER BY t.term LIMIT 200`
	args := []any{"n:wang", sqlstore.PrefixEnd("n:wang"), f.regionA.Path, sqlstore.SubtreeEnd(f.regionA.Path)}
	explain := planner(t, f.store)
	plan = explain(t, q, args...)
	got := strings.Join(plan, "\n")
	switch f.store.Engine() {
	case "sqlite":
		if !strings.Contains(got, "USING PRIMARY KEY (term>? AND term<?)") {
			t.Errorf("the search is not a range of the term index:\n%s", got)
		}
	case "postgres":
		if !strings.Contains(got, "person_terms_term") || !strings.Contains(got, "Index Cond: ((term >= ") {
			t.Errorf("the search is not a range of the term index:\n%s", got)
		}
	}
}

// testSearchAuditChain checks that the entries a search appends in one
// step (one for the search, one for each person shown) are the chain's:
// searches racing each other and a write in between, the log verifies,
// and each search left its entries one after the other.
func testSearchAuditChain(t *testing.T, open Opener) {
	f := newRegistry(t, open)
	officer := As(f.officerA1)
	h := f.mustHousehold(t, officer, f.officeA1, "1 River Road")
	for i := range 5 {
		f.mustPerson(t, officer, resident(h, "", fmt.Sprintf("Chain Person%c", 'a'+i), ""))
	}
	before := f.head(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 8 {
		wg.Go(func() {
			res, err := f.svc.SearchPersons(officer, "chain", 10)
			if err == nil && len(res) != 5 {
				err = fmt.Errorf("found %d, want 5", len(res))
			}
			errs <- err
		})
	}
	wg.Go(func() { errs <- f.svc.UpdateHousehold(officer, h) })
	wg.Wait()
	close(errs)
	for err := range errs {
		mustNoErr(t, err, "search or write")
	}
	if got, want := f.head(t), before+8*6+1; got != want {
		t.Errorf("head at %d, want %d", got, want)
	}
	n, problem, err := f.svc.VerifyAudit(f.sys, nil)
	mustNoErr(t, err, "verify")
	if problem != nil {
		t.Fatalf("audit log broken after %d entries: %+v", n, problem)
	}
	entries, err := f.svc.FindAuditEntries(f.sys, kinbridge.AuditFilter{Limit: 8*6 + 1})
	mustNoErr(t, err, "audit entries")
	slices.Reverse(entries)
	for i := 0; i < len(entries); i++ {
		if entries[i].Action != "person.search" {
			continue
		}
		for k := 1; k <= 5; k++ {
			if i+k >= len(entries) || entries[i+k].Action != "person.search_result" || entries[i+k].ActorName != "officer-a1" {
				t.Fatalf("entry %d after a search: %+v", k, entries[min(i+k, len(entries)-1)])
			}
		}
	}
}
