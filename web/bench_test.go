package web

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/kinbridge/kinbridge"
)

// BenchmarkLoginAndPage measures the server time of signing in (argon2id
// dominates) and then viewing an authorised page with the new session, in
// process over httptest, on SQLite.
func BenchmarkLoginAndPage(b *testing.B) {
	f := newFixture(b)
	admin := f.user(kinbridge.RoleAdministrator, f.b)
	form := url.Values{"username": {admin.Username}, "password": {testPassword}}
	b.ResetTimer()
	for b.Loop() {
		resp := f.post("/login", "", form)
		var session string
		for _, c := range resp.Cookies() {
			if c.Name == sessionCookie {
				session = c.Value
			}
		}
		if resp.StatusCode != http.StatusSeeOther || session == "" {
			b.Fatalf("login: %d", resp.StatusCode)
		}
		if resp := f.get("/units", session); resp.StatusCode != http.StatusOK {
			b.Fatalf("page: %d", resp.StatusCode)
		}
	}
}

// BenchmarkAuthorisedPage measures one page view with an existing session:
// session lookup, the service's scoped query, and rendering.
func BenchmarkAuthorisedPage(b *testing.B) {
	f := newFixture(b)
	admin := f.user(kinbridge.RoleAdministrator, f.b)
	session := f.session(admin)
	b.ResetTimer()
	for b.Loop() {
		if resp := f.get("/units", session); resp.StatusCode != http.StatusOK {
			b.Fatalf("page: %d", resp.StatusCode)
		}
	}
}

// benchRegistry fills the fixture's unit C with n households imported the
// way real data arrives (four residents and two relatives abroad each) and
// returns one of them with a status history of its own: the household page
// of a typical family in a registry that is not empty.
func benchRegistry(b *testing.B, f *fixture, n int) *kinbridge.Household {
	b.Helper()
	var rows []kinbridge.ImportRow
	line := 1
	row := func(cells map[string]string) {
		line++
		rows = append(rows, kinbridge.ImportRow{Line: line, Cells: cells})
	}
	for i := range n {
		h := fmt.Sprintf("H%d", i)
		base := map[string]string{"household": h, "unit_id": id(f.c.ID), "address": fmt.Sprintf("%d River Road", i), "languages": "ko; zh"}
		with := func(kv ...string) map[string]string {
			m := map[string]string{}
			for k, v := range base {
				m[k] = v
			}
			for j := 0; j < len(kv); j += 2 {
				m[kv[j]] = kv[j+1]
			}
			return m
		}
		// Names and birth years differ from household to household, so
		// that the possible duplicates are as rare as in real data.
		name := func(k int) string {
			return string(benchFamily[(i+k)%len(benchFamily)]) + string(benchGiven[(i/10+k)%len(benchGiven)]) + string(benchGiven[(i/200+3*k)%len(benchGiven)])
		}
		year := func(base int) string { return fmt.Sprint(base + i%40) }
		row(with("person", "p1", "name_native", name(0), "birth_date", year(1930)+"-03-04", "relationship", "head", "documents", fmt.Sprintf("passport:G%08d", i)))
		row(with("person", "p2", "name_native", name(1), "birth_date", year(1933), "relationship", "spouse"))
		row(with("person", "p3", "name_native", name(2), "birth_date", year(1960)+"-07-08", "relationship", "child"))
		row(with("person", "p4", "name_native", name(3), "birth_date", year(1964), "relationship", "child"))
		row(with("kind", "relative_abroad", "name_native", name(4), "country", "CN", "city", "Shenyang", "related_to", "p1", "relationship", "sibling"))
		row(with("kind", "relative_abroad", "name_native", name(5), "country", "KR", "related_to", "p3", "relationship", "child"))
	}
	res, err := f.svc.ImportRegistry(f.ctx, rows, kinbridge.ImportOptions{})
	if err != nil {
		b.Fatalf("import: %v %v", err, res.Rejected)
	}
	hid := res.HouseholdIDs[n/2]
	rec, err := f.svc.FindHouseholdByID(f.ctx, hid)
	if err != nil {
		b.Fatal(err)
	}
	var events []*kinbridge.StatusEvent
	for _, p := range rec.Members[2:] {
		events = append(events,
			&kinbridge.StatusEvent{PersonID: p.ID, Kind: kinbridge.EventLeftCountry, Date: "2023-05-01", Note: "Went to work abroad."},
			&kinbridge.StatusEvent{PersonID: p.ID, Kind: kinbridge.EventReturned, Date: "2024-02-01"},
			&kinbridge.StatusEvent{PersonID: p.ID, Kind: kinbridge.EventMoved, Date: "2024-03-01", ToAddress: "Dormitory 3"})
	}
	if err := f.svc.AddStatusEvents(f.ctx, events); err != nil {
		b.Fatal(err)
	}
	return rec.Household
}

var (
	benchFamily = []rune("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗")
	benchGiven  = []rune("建国秀英小明红伟芳娜敏静丽强磊军洋勇艳杰涛超")
)

// BenchmarkHouseholdPage measures the server time of a household's page —
// session, the service's scoped and audited read of the household with its
// members, relatives, links and history, and rendering — in process over
// httptest, on SQLite, among 2,000 households of the officer's unit.
func BenchmarkHouseholdPage(b *testing.B) {
	f := newFixture(b)
	h := benchRegistry(b, f, 2000)
	officer := f.user(kinbridge.RoleOfficer, f.c)
	session := f.session(officer)
	path := fmt.Sprintf("/households/%d", h.ID)
	b.ResetTimer()
	for b.Loop() {
		if resp := f.get(path, session); resp.StatusCode != http.StatusOK {
			b.Fatalf("page: %d", resp.StatusCode)
		}
	}
}

// BenchmarkPersonPage measures a person's page the same way.
func BenchmarkPersonPage(b *testing.B) {
	f := newFixture(b)
	h := benchRegistry(b, f, 2000)
	rec, err := f.svc.FindHouseholdByID(f.ctx, h.ID)
	if err != nil {
		b.Fatal(err)
	}
	session := f.session(f.user(kinbridge.RoleOfficer, f.c))
	path := fmt.Sprintf("/persons/%d", rec.Members[2].ID)
	b.ResetTimer()
	for b.Loop() {
		if resp := f.get(path, session); resp.StatusCode != http.StatusOK {
			b.Fatalf("page: %d", resp.StatusCode)
		}
	}
}
