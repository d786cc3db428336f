package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sheet"
)

// location returns the path a response redirects to, failing unless it is a
// 303.
func location(t *testing.T, resp *http.Response) string {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("want 303, got %d: %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	return resp.Header.Get("Location")
}

// mustContain fails for each want the body lacks.
func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	failed := false
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
			failed = true
		}
	}
	if failed {
		t.Logf("%s:\n%s", what, body)
		t.FailNow()
	}
}

// TestRegistryPages walks the registry over its pages: a programme, a
// household with field errors first, a resident whose name is in Chinese
// characters, the household and person pages, a search by the Latin form of
// the name, and status events that change the current status.
func TestRegistryPages(t *testing.T) {
	f := newFixture(t)
	admin := f.user(kinbridge.RoleAdministrator, f.b)
	sess := f.session(admin)

	loc := location(t, f.post("/programmes", sess, url.Values{"code": {"P1"}, "name_en": {"Separated families"}, "name_ko": {"이산가족"}}))
	body := readBody(t, f.get(loc, sess))
	mustContain(t, "programme page", body, "<h1>Separated families</h1>", "The programme was added.")
	resp := f.post("/programmes", sess, url.Values{"code": {"P1"}, "name_en": {"Again"}})
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate programme code: %d", resp.StatusCode)
	}
	mustContain(t, "duplicate code", body, `id="f-code-error"`, "Another programme has this code.", `value="Again"`)
	progs, _ := f.svc.FindProgrammes(f.ctx)

	// A household: the address is required, the phone must be one.
	resp = f.post("/households", sess, url.Values{"unit_id": {id(f.c.ID)}, "address": {" "}, "phone": {"call me"}})
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("household without address: %d", resp.StatusCode)
	}
	mustContain(t, "household form", body, `id="f-address-error"`, "Give the household&#39;s address.", `aria-invalid="true"`)
	resp = f.post("/households", sess, url.Values{"unit_id": {id(f.c.ID)}, "address": {"12 Harbour Road"}, "phone": {"call me"}})
	mustContain(t, "household form", readBody(t, resp), `id="f-phone-error"`, `value="12 Harbour Road"`)
	loc = location(t, f.post("/households", sess, url.Values{"unit_id": {id(f.c.ID)}, "address": {"12 Harbour Road"},
		"phone": {"+82 2 555 0199"}, "languages": {"ko, zh"}}))
	hhURL := strings.Split(loc, "?")[0]
	var hhID int64
	fmt.Sscanf(hhURL, "/households/%d", &hhID)

	// A resident: a name is required; then one in Chinese characters.
	newPerson := "/households/" + id(hhID) + "/persons/new?kind=resident"
	mustContain(t, "new person form", readBody(t, f.get(newPerson, sess)), `name="household_id" value="`+id(hhID)+`"`, `id="f-name_native"`, "Separated families (P1)")
	resp = f.post("/persons", sess, url.Values{"household_id": {id(hhID)}, "kind": {"resident"}, "birth_date": {"1961-13-01"}})
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("person without a name: %d", resp.StatusCode)
	}
	mustContain(t, "person form", body, `id="f-name_native-error"`, "Give at least one of the names.", `value="1961-13-01"`)
	resp = f.post("/persons", sess, url.Values{"household_id": {id(hhID)}, "kind": {"resident"}, "name_native": {"王小明"}, "birth_date": {"1961-13-01"}})
	mustContain(t, "person form", readBody(t, resp), `id="f-birth_date-error"`)
	resp = f.post("/persons", sess, url.Values{"household_id": {id(hhID)}, "kind": {"resident"}, "name_native": {"王小明"}, "documents": {"a passport"}})
	mustContain(t, "person form", readBody(t, resp), `id="f-documents-error"`)
	loc = location(t, f.post("/persons", sess, url.Values{"household_id": {id(hhID)}, "kind": {"resident"}, "name_native": {"王小明"},
		"birth_date": {"1961-04-15"}, "sex": {"m"}, "relationship": {"head"}, "documents": {"passport: G1234567"},
		"programme_ids": {id(progs[0].ID)}}))
	personURL := strings.Split(loc, "?")[0]
	var personID int64
	fmt.Sscanf(personURL, "/persons/%d", &personID)

	// A relative abroad, linked to the head as their child.
	loc = location(t, f.post("/persons", sess, url.Values{"household_id": {id(hhID)}, "kind": {"relative_abroad"}, "name_latin": {"Wang Lei"},
		"country": {"China"}, "city": {"Shenyang"}, "member_id": {id(personID)}, "relationship": {"child"}}))
	if !strings.Contains(loc, "done=person_created") || strings.Contains(loc, "unlinked") {
		t.Errorf("relative added: → %s", loc)
	}

	body = readBody(t, f.get(hhURL, sess))
	mustContain(t, "household page", body, "<h1>Household "+id(hhID)+"</h1>", "12 Harbour Road", "王小明", "Head of household",
		"Living here", "Wang Lei", "Shenyang, China", "(Child)", "Office C", "Nothing recorded yet.")
	body = readBody(t, f.get(personURL, sess))
	mustContain(t, "person page", body, "王小明", "1961-04-15", "Male", "passport: <span class=\"mono\">G1234567</span>",
		"Separated families", `id="current-status"`, "Living here", "Wang Lei", "their Child", `action="/persons/`+id(personID)+`/status"`)

	// Search by the Latin form of the name, in any order and case.
	for _, q := range []string{"Wang Xiaoming", "xiaoming wang", "王小明", "G1234567"} {
		body = readBody(t, f.get("/search?q="+url.QueryEscape(q), sess))
		mustContain(t, "search "+q, body, "Found: 1", `href="/persons/`+id(personID)+`"`, "Household "+id(hhID), "Office C")
	}
	resp = f.get("/search?q=x", sess)
	mustContain(t, "short search", readBody(t, resp), `id="f-q-error"`, "Type at least two letters")

	// A status event changes the current status; a wrong one is refused
	// at its field.
	resp = f.post(personURL+"/status", sess, url.Values{"kind": {"returned"}, "date": {"2024-01-02"}})
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("returned while present: %d", resp.StatusCode)
	}
	mustContain(t, "status form", body, `id="f-kind-error"`, "This cannot follow the person&#39;s current status (Living here).")
	resp = f.post(personURL+"/status", sess, url.Values{"kind": {"left_country"}, "date": {"2999-01-01"}})
	mustContain(t, "status form", readBody(t, resp), `id="f-date-error"`, "The date is in the future.")
	loc = location(t, f.post(personURL+"/status", sess, url.Values{"kind": {"left_country"}, "date": {"2024-01-02"}, "note": {"Crossed to visit his son."}}))
	if loc != personURL+"?done=status_added#current-status" {
		t.Errorf("status event → %s", loc)
	}
	body = readBody(t, f.get(strings.Split(loc, "#")[0], sess)) // browsers keep the fragment
	status := regexp.MustCompile(`(?s)<dd id="current-status">(.*?)</dd>`).FindStringSubmatch(body)
	if status == nil || !strings.Contains(status[1], "Abroad") {
		t.Errorf("current status after leaving: %v", status)
	}
	mustContain(t, "person page after the event", body, "The event was recorded", "Left the country", "Crossed to visit his son.", "2024-01-02",
		`<option value="returned"`)
	if strings.Contains(body, `<option value="left_country"`) {
		t.Error("the status form offers leaving again to someone abroad")
	}
	mustContain(t, "household timeline", readBody(t, f.get(hhURL, sess)), "Left the country", "Abroad", "recorded by "+admin.Username)

	// Moved into another household: the person's household changes, and
	// the old household keeps them as a former member.
	other := f.household(f.c, "3 Hill Lane")
	location(t, f.post(personURL+"/status", sess, url.Values{"kind": {"returned"}, "date": {"2024-03-01"}}))
	location(t, f.post(personURL+"/status", sess, url.Values{"kind": {"moved"}, "date": {"2024-03-05"}, "to_household_id": {id(other.ID)}}))
	mustContain(t, "old household", readBody(t, f.get(hhURL, sess)), "Former members", "Household "+id(other.ID))
	mustContain(t, "new household", readBody(t, f.get(fmt.Sprintf("/households/%d", other.ID), sess)), "王小明", "(from household "+id(hhID)+")")

	// Editing: the form is filled in; a bad field is shown next to it.
	body = readBody(t, f.get(personURL+"/edit", sess))
	mustContain(t, "edit form", body, `value="王小明"`, "passport: G1234567", `checked`)
	resp = f.post(personURL, sess, url.Values{"name_native": {"王小明"}, "sex": {"q"}})
	mustContain(t, "edit form", readBody(t, resp), `id="f-sex-error"`)
	location(t, f.post(personURL, sess, url.Values{"name_native": {"王小明"}, "name_latin": {"Wang Xiaoming"}, "sex": {"m"}, "phone": {"010-5555-0101"},
		"relationship": {"head"}, "programme_ids": {id(progs[0].ID)}}))
	mustContain(t, "person page after edit", readBody(t, f.get(personURL, sess)), "Wang Xiaoming", "010-5555-0101")
	location(t, f.post(hhURL, sess, url.Values{"unit_id": {id(f.c.ID)}, "address": {"14 Harbour Road"}}))
	mustContain(t, "household after edit", readBody(t, f.get(hhURL, sess)), "14 Harbour Road")

	// The list, filtered.
	body = readBody(t, f.get("/households?status=present", sess))
	mustContain(t, "household list", body, "Households (1)", "3 Hill Lane")
	body = readBody(t, f.get("/households?unit_id="+id(f.e.ID), sess))
	mustContain(t, "household list of E", body, "Households (0)", "No households match.")
	body = readBody(t, f.get("/households?programme_id="+id(progs[0].ID), sess))
	mustContain(t, "household list of P1", body, "Households (1)", "3 Hill Lane")
}

// TestRegistryScope: records outside the caller's scope answer 404, like
// records that do not exist, on the pages and in the API, and a search does
// not find them.
func TestRegistryScope(t *testing.T) {
	f := newFixture(t)
	h := f.household(f.b, "1 Office B Street")
	p := f.resident(h, "李明", "Li Ming", "1980")
	sibling := f.user(kinbridge.RoleOfficer, f.d)
	sess := f.session(sibling)
	for _, path := range []string{fmt.Sprintf("/households/%d", h.ID), fmt.Sprintf("/persons/%d", p.ID), fmt.Sprintf("/households/%d/edit", h.ID),
		"/households/99999", "/persons/abc"} {
		if resp := f.get(path, sess); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s as an officer of a sibling unit: %d, want 404", path, resp.StatusCode)
		}
	}
	resp := f.post(fmt.Sprintf("/persons/%d/status", p.ID), sess, url.Values{"kind": {"died"}, "date": {"2024-01-01"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status event out of scope: %d", resp.StatusCode)
	}
	if body := readBody(t, f.get("/search?q=Li+Ming", sess)); !strings.Contains(body, "Found: 0") {
		t.Errorf("search out of scope finds someone:\n%s", body)
	}
	_, tok := f.apiToken(sibling)
	if resp := f.api("GET", fmt.Sprintf("/api/v1/households/%d", h.ID), tok, nil); resp.StatusCode != 404 || apiErr(t, resp).Code != "not_found" {
		t.Errorf("API household out of scope: %d", resp.StatusCode)
	}
	if resp := f.api("GET", fmt.Sprintf("/api/v1/persons/%d", p.ID), tok, nil); resp.StatusCode != 404 {
		t.Errorf("API person out of scope: %d", resp.StatusCode)
	}
	// A person added to a household out of scope: refused at the field.
	resp = f.api("POST", "/api/v1/persons", tok, map[string]any{"household_id": h.ID, "name_latin": "Intruder"})
	if e := apiErr(t, resp); resp.StatusCode != 422 || e.Field != "household_id" {
		t.Errorf("person into a household out of scope: %d %+v", resp.StatusCode, e)
	}
	// The officer of the unit itself sees them.
	own := f.session(f.user(kinbridge.RoleOfficer, f.b))
	if resp := f.get(fmt.Sprintf("/households/%d", h.ID), own); resp.StatusCode != 200 {
		t.Errorf("own officer: %d", resp.StatusCode)
	}
}

// TestRegistryLanguages: codes of the registry — statuses, kinds,
// relationships, event kinds — and dates are shown in the reader's
// language, and the domain's errors are translated with their arguments.
func TestRegistryLanguages(t *testing.T) {
	f := newFixture(t)
	h := f.household(f.b, "1 Office B Street")
	p := f.person(&kinbridge.Person{Kind: kinbridge.PersonResident, HouseholdID: h.ID, Names: kinbridge.PersonNames{Native: "김옥순"},
		BirthDate: "1950-02-03", Sex: "f", Relationship: "head"})
	officer := f.user(kinbridge.RoleOfficer, f.b)
	if _, err := f.svc.AddStatusEvent(f.actor(officer), &kinbridge.StatusEvent{PersonID: p.ID, Kind: kinbridge.EventLeftCountry, Date: "2024-05-06"}); err != nil {
		t.Fatal(err)
	}
	sess := f.session(officer)
	for lang, wants := range map[string][]string{
		"ko": {"해외 체류", "1950년 2월 3일", "여성", "가구주", "출국", "2024년 5월 6일"},
		"zh": {"在境外", "1950年2月3日", "女", "户主", "出境", "2024年5月6日"},
	} {
		if err := f.svc.SetOwnLanguage(f.actor(officer), lang); err != nil {
			t.Fatal(err)
		}
		mustContain(t, lang+" person page", readBody(t, f.get(fmt.Sprintf("/persons/%d", p.ID), sess)), wants...)
	}
	if err := f.svc.SetOwnLanguage(f.actor(officer), "zh"); err != nil {
		t.Fatal(err)
	}
	resp := f.post(fmt.Sprintf("/persons/%d/status", p.ID), sess, url.Values{"kind": {"moved"}, "date": {"2024-06-01"}, "to_address": {"x"}})
	mustContain(t, "zh transition error", readBody(t, resp), "在当前状态（在境外）下不能记录此事。")
}

// TestRegistryAPI drives the registry over the JSON API: create, read,
// change, status events, search, field errors.
func TestRegistryAPI(t *testing.T) {
	f := newFixture(t)
	officer := f.user(kinbridge.RoleOfficer, f.b)
	_, tok := f.apiToken(officer)
	decode := func(resp *http.Response, v any) {
		t.Helper()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("decode (status %d): %v", resp.StatusCode, err)
		}
	}

	resp := f.api("POST", "/api/v1/households", tok, map[string]any{"unit_id": f.b.ID, "address": ""})
	if e := apiErr(t, resp); resp.StatusCode != 422 || e.Field != "address" {
		t.Fatalf("household without address: %d %+v", resp.StatusCode, e)
	}
	resp = f.api("POST", "/api/v1/households", tok, map[string]any{"unit_id": f.b.ID, "address": "5 River Street", "languages": []string{"ko"}})
	var h jsonHousehold
	decode(resp, &h)
	if resp.StatusCode != 201 || h.ID == 0 || h.Address != "5 River Street" {
		t.Fatalf("create household: %d %+v", resp.StatusCode, h)
	}
	resp = f.api("POST", "/api/v1/persons", tok, map[string]any{"household_id": h.ID})
	if e := apiErr(t, resp); resp.StatusCode != 422 || e.Field != "name_native" {
		t.Fatalf("person without a name: %d %+v", resp.StatusCode, e)
	}
	resp = f.api("POST", "/api/v1/persons", tok, map[string]any{"household_id": h.ID, "name_native": "박철", "birth_date": "1975",
		"documents": []map[string]string{{"kind": "passport", "number": "P7654321"}}})
	var created struct {
		Person             jsonPerson      `json:"person"`
		PossibleDuplicates []jsonDuplicate `json:"possible_duplicates"`
	}
	decode(resp, &created)
	if resp.StatusCode != 201 || created.Person.Status != "present" || created.Person.UnitID != f.b.ID || len(created.Person.Documents) != 1 {
		t.Fatalf("create person: %d %+v", resp.StatusCode, created)
	}
	pid := created.Person.ID
	// The same name and birth year again: a possible duplicate.
	resp = f.api("POST", "/api/v1/persons", tok, map[string]any{"household_id": h.ID, "name_latin": "Pak Chol", "birth_date": "1975-03-04"})
	decode(resp, &created)
	if len(created.PossibleDuplicates) == 0 {
		t.Errorf("no duplicate flagged for the same name in another script and birth year: %+v", created)
	}

	resp = f.api("POST", fmt.Sprintf("/api/v1/persons/%d/status-events", pid), tok, map[string]any{"kind": "departed", "date": "2024-02-03", "note": "via the list"})
	var ev struct {
		Event  jsonStatusEvent `json:"event"`
		Person jsonPerson      `json:"person"`
	}
	decode(resp, &ev)
	if resp.StatusCode != 201 || ev.Person.Status != "departed" || ev.Event.Kind != "departed" || ev.Event.RecorderName != officer.Username {
		t.Fatalf("status event: %d %+v", resp.StatusCode, ev)
	}
	resp = f.api("POST", fmt.Sprintf("/api/v1/persons/%d/status-events", pid), tok, map[string]any{"kind": "moved", "date": "2024-02-04", "to_address": "x"})
	if e := apiErr(t, resp); resp.StatusCode != 422 || e.Field != "kind" {
		t.Errorf("move after departure: %d %+v", resp.StatusCode, e)
	}

	resp = f.api("GET", fmt.Sprintf("/api/v1/households/%d", h.ID), tok, nil)
	var rec jsonHouseholdRecord
	decode(resp, &rec)
	if resp.StatusCode != 200 || len(rec.Members) != 2 || len(rec.Events) != 1 || rec.Unit.ID != f.b.ID {
		t.Fatalf("household record: %d %+v", resp.StatusCode, rec)
	}
	resp = f.api("PATCH", fmt.Sprintf("/api/v1/persons/%d", pid), tok, map[string]any{"phone": "+82 10 5555 0123"})
	var p jsonPerson
	decode(resp, &p)
	if resp.StatusCode != 200 || p.Phone != "+82 10 5555 0123" || p.NameNative != "박철" || len(p.Documents) != 1 {
		t.Fatalf("patch person: %d %+v", resp.StatusCode, p)
	}
	resp = f.api("PATCH", fmt.Sprintf("/api/v1/persons/%d", pid), tok, map[string]any{"household_id": 1})
	if e := apiErr(t, resp); resp.StatusCode != 422 || e.Field != "household_id" {
		t.Errorf("patch household_id: %d %+v", resp.StatusCode, e)
	}
	resp = f.api("PATCH", fmt.Sprintf("/api/v1/households/%d", h.ID), tok, map[string]any{"notes": "second floor"})
	decode(resp, &h)
	if h.Notes != "second floor" || h.Address != "5 River Street" {
		t.Errorf("patch household: %+v", h)
	}

	for _, q := range []string{"Park Cheol", "bak cheol", "5555 0123", "P7654321"} {
		resp = f.api("GET", "/api/v1/search?q="+url.QueryEscape(q), tok, nil)
		var found struct {
			Results []struct {
				Person jsonPerson `json:"person"`
				Score  int        `json:"score"`
			} `json:"results"`
		}
		decode(resp, &found)
		if len(found.Results) == 0 || found.Results[0].Person.ID != pid {
			t.Errorf("search %q: %+v", q, found.Results)
		}
	}
	if resp := f.api("GET", "/api/v1/search?q=", tok, nil); resp.StatusCode != 422 || apiErr(t, resp).Field != "q" {
		t.Errorf("empty search: %d", resp.StatusCode)
	}
	// Officers may not merge, see duplicates or who saw a person.
	if resp := f.api("GET", "/api/v1/duplicates", tok, nil); resp.StatusCode != 403 {
		t.Errorf("officer lists duplicates: %d", resp.StatusCode)
	}
	if resp := f.api("GET", fmt.Sprintf("/api/v1/persons/%d/who-saw", pid), tok, nil); resp.StatusCode != 403 {
		t.Errorf("officer asks who saw: %d", resp.StatusCode)
	}
}

// TestDuplicatesAndWhoSaw: a supervisor sees the possible duplicates, merges
// one pair and dismisses another, and sees who saw a person.
func TestDuplicatesAndWhoSaw(t *testing.T) {
	f := newFixture(t)
	h := f.household(f.c, "9 Pine Valley")
	a := f.resident(h, "王建国", "", "1958")
	b := f.resident(h, "", "Wang Jianguo", "1958-07-01")
	c := f.resident(h, "최영희", "", "1990")
	d := f.resident(h, "", "Choe Yonghui", "1990")
	officer := f.user(kinbridge.RoleOfficer, f.c)
	f.get(fmt.Sprintf("/persons/%d", a.ID), f.session(officer))

	sup := f.user(kinbridge.RoleSupervisor, f.b)
	sess := f.session(sup)
	body := readBody(t, f.get("/duplicates", sess))
	mustContain(t, "duplicates page", body, "王建国", "Wang Jianguo", "최영희", "Choe Yonghui", "same name and birth year",
		fmt.Sprintf(`action="/persons/%d/merge"`, a.ID))

	loc := location(t, f.post(fmt.Sprintf("/persons/%d/merge", a.ID), sess, url.Values{"other_id": {id(b.ID)}, "next": {"/duplicates"}}))
	if loc != "/duplicates?done=persons_merged" {
		t.Errorf("merge → %s", loc)
	}
	body = readBody(t, f.get(fmt.Sprintf("/persons/%d", a.ID), sess))
	mustContain(t, "kept person", body, "王建国", "Wang Jianguo", "1958")
	mustContain(t, "merged person", readBody(t, f.get(fmt.Sprintf("/persons/%d", b.ID), sess)), "This record was merged into another:", fmt.Sprintf(`href="/persons/%d"`, a.ID))
	resp := f.post(fmt.Sprintf("/persons/%d/merge", a.ID), sess, url.Values{"other_id": {id(b.ID)}})
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("merge again: %d", resp.StatusCode)
	}
	location(t, f.post(fmt.Sprintf("/persons/%d/dismiss", c.ID), sess, url.Values{"other_id": {id(d.ID)}}))
	if body := readBody(t, f.get("/duplicates", sess)); !strings.Contains(body, "No possible duplicates.") {
		t.Errorf("duplicates left after merge and dismiss:\n%s", body)
	}

	body = readBody(t, f.get(fmt.Sprintf("/persons/%d/audit", a.ID), sess))
	mustContain(t, "who saw", body, "Who saw person "+id(a.ID), officer.Username, "Viewed person", "Merged records", sup.Username)
	if resp := f.get(fmt.Sprintf("/persons/%d/audit", a.ID), f.session(officer)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("officer asks who saw: %d", resp.StatusCode)
	}
}

// upload posts a multipart form with a file.
func (f *fixture) upload(path, session, name, content string, fields url.Values) *http.Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", name)
	io.WriteString(fw, content)
	mw.Close()
	r := httptest.NewRequest("POST", path, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	return f.do(r)
}

// importFile is an import file of n households of two residents each in
// the unit, with bad rows at the given data rows (1-based), each bad in
// another way.
func importFile(unit int64, n int, bad ...int) string {
	var b strings.Builder
	b.WriteString("household,unit_id,address,kind,name_native,name_latin,birth_date,person,related_to,relationship,country\n")
	row := 0
	isBad := func() int {
		row++
		for i, x := range bad {
			if x == row {
				return i + 1
			}
		}
		return 0
	}
	for i := 1; i <= n; i++ {
		for j := 1; j <= 2; j++ {
			birth := fmt.Sprintf("19%02d", 40+j*10)
			u := fmt.Sprint(unit)
			switch isBad() {
			case 1:
				birth = "19xx"
			case 2:
				u = "999999"
			case 3:
				birth = "2999-01-01"
			}
			fmt.Fprintf(&b, "H%d,%s,%d Import Street,resident,,Person %d-%d,%s,,,,\n", i, u, i, i, j, birth)
		}
	}
	return b.String()
}

// TestImportPage: a file with bad rows is refused as a whole, and its page
// lists each bad row with its line, column and reason; the rejected rows
// download; then the valid rows alone are imported.
func TestImportPage(t *testing.T) {
	f := newFixture(t)
	sup := f.user(kinbridge.RoleSupervisor, f.b)
	sess := f.session(sup)
	mustContain(t, "import page", readBody(t, f.get("/import", sess)), `enctype="multipart/form-data"`, `name="skip_invalid"`)
	if resp := f.get("/import", f.session(f.user(kinbridge.RoleOfficer, f.b))); resp.StatusCode != http.StatusForbidden {
		t.Errorf("officer opens the import page: %d", resp.StatusCode)
	}
	resp := f.upload("/import", sess, "empty.csv", "", nil)
	mustContain(t, "empty upload", readBody(t, resp), `id="f-file-error"`, "Choose a CSV or XLSX file.")

	loc := location(t, f.upload("/import", sess, "households.csv", importFile(f.c.ID, 10, 3, 7, 15), nil))
	f.srv.imports.wait()
	body := readBody(t, f.get(loc, sess))
	mustContain(t, "rejected import", body, "Nothing was imported", "Rejected rows: 3 of 20",
		"<tr><td>4</td><td><code>birth_date</code></td>", "<tr><td>8</td><td><code>unit_id</code></td>", "<tr><td>16</td><td><code>birth_date</code></td>",
		"The birth date is in the future.", "Import the 17 valid rows", "rejected?format=csv")
	if strings.Contains(body, `http-equiv="refresh"`) {
		t.Error("a finished import reloads itself")
	}
	if hs, total, _ := f.svc.FindHouseholds(f.actor(sup), kinbridge.HouseholdFilter{}); total != 0 {
		t.Fatalf("a refused import wrote %d households: %v", total, hs)
	}
	resp = f.get(loc+"/rejected?format=csv", sess)
	body = readBody(t, resp)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("rejected rows download: %d %v", resp.StatusCode, resp.Header)
	}
	if lines := strings.Split(strings.TrimSpace(body), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[1], "4,\"birth_date: ") || !strings.Contains(lines[2], "Person 4-1") {
		t.Errorf("rejected rows file:\n%s", body)
	}
	// Another user does not see the import.
	if resp := f.get(loc, f.session(f.user(kinbridge.RoleSupervisor, f.b))); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another supervisor opens the import: %d", resp.StatusCode)
	}

	loc2 := location(t, f.post(loc+"/skip-invalid", sess, url.Values{}))
	if loc2 != loc {
		t.Errorf("skip-invalid → %s", loc2)
	}
	f.srv.imports.wait()
	body = readBody(t, f.get(loc, sess))
	mustContain(t, "import of the valid rows", body, "Imported 10 households with 17 persons.", "Rejected rows: 3 of 20")
	if _, total, _ := f.svc.FindHouseholds(f.actor(sup), kinbridge.HouseholdFilter{}); total != 10 {
		t.Errorf("households after skipping invalid rows: %d", total)
	}
	if resp := f.post(loc+"/skip-invalid", sess, url.Values{}); resp.StatusCode != http.StatusConflict {
		t.Errorf("skip-invalid twice: %d", resp.StatusCode)
	}

	// A file whose header is wrong names the column.
	loc = location(t, f.upload("/import", sess, "bad.csv", "household,unit_id,adress\nH1,1,x\n", nil))
	f.srv.imports.wait()
	mustContain(t, "bad header", readBody(t, f.get(loc, sess)), `id="import-error"`, "Unknown column &#34;adress&#34;")
}

// TestImportExportAPI: the API's import names every bad row and writes
// nothing, or imports the valid rows with skip_invalid; the export is CSV
// in the import's columns, with formula-like cells escaped.
func TestImportExportAPI(t *testing.T) {
	f := newFixture(t)
	sup := f.user(kinbridge.RoleSupervisor, f.b)
	_, tok := f.apiToken(sup)
	post := func(query, body string) *http.Response {
		r := httptest.NewRequest("POST", "/api/v1/import"+query, strings.NewReader(body))
		r.Header.Set("Content-Type", "text/csv")
		r.Header.Set("Authorization", "Bearer "+tok)
		return f.do(r)
	}
	var out struct {
		Error  apiErrorDetail   `json:"error"`
		Result jsonImportResult `json:"result"`
	}
	resp := post("", importFile(f.c.ID, 5, 2, 7))
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 422 || out.Error.Code != "invalid" || out.Result.Imported || len(out.Result.Rejected) != 2 ||
		out.Result.Rejected[0].Line != 3 || out.Result.Rejected[0].Field != "birth_date" || out.Result.Rejected[1].Field != "unit_id" {
		t.Fatalf("import with bad rows: %d %+v", resp.StatusCode, out)
	}
	var res jsonImportResult
	resp = post("?skip_invalid=true", importFile(f.c.ID, 5, 2, 7))
	json.NewDecoder(resp.Body).Decode(&res)
	if resp.StatusCode != 200 || !res.Imported || res.Households != 5 || res.Persons != 8 || len(res.Rejected) != 2 {
		t.Fatalf("import skipping invalid rows: %d %+v", resp.StatusCode, res)
	}
	resp = post("", "name,address\nx,y\n")
	if e := apiErr(t, resp); resp.StatusCode != 422 || e.Field == "" {
		t.Errorf("bad header: %d %+v", resp.StatusCode, e)
	}

	h := f.household(f.c, "=HYPERLINK(\"http://evil.example\")")
	f.resident(h, "", "Formula Person", "")
	resp = f.api("GET", "/api/v1/export", tok, nil)
	body := readBody(t, resp)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(body, "\ufeff")), "\n")
	if !strings.HasPrefix(lines[0], strings.Join(kinbridge.ImportColumns[:3], ",")) || len(lines) != 1+8+1 {
		t.Errorf("export has %d lines:\n%s", len(lines), body)
	}
	if !strings.Contains(body, `"'=HYPERLINK(""http://evil.example"")"`) {
		t.Errorf("a formula cell is not escaped:\n%s", body)
	}
	resp = f.get("/export?format=xlsx", f.session(sup))
	if b := readBody(t, resp); resp.StatusCode != 200 || !strings.HasPrefix(b, "PK") {
		t.Errorf("XLSX export: %d %q", resp.StatusCode, b[:min(len(b), 20)])
	}
	if resp := f.get("/export?format=ods", f.session(sup)); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("export in an unknown format: %d", resp.StatusCode)
	}
	officer := f.user(kinbridge.RoleOfficer, f.c)
	if resp := f.get("/export", f.session(officer)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("officer exports: %d", resp.StatusCode)
	}
}

// TestImportProgressAndXLSX: an import in progress shows its stage and
// reloads itself; an XLSX workbook imports like CSV.
func TestImportProgressAndXLSX(t *testing.T) {
	f := newFixture(t)
	sup := f.user(kinbridge.RoleSupervisor, f.b)
	sess := f.session(sup)
	j := &importJob{ID: newImportID(), UserID: sup.ID, FileName: "big.csv", Started: time.Now(), running: true, stage: "validate", done: 50000, total: 200000}
	f.srv.imports.add(j)
	body := readBody(t, f.get("/import/"+j.ID, sess))
	mustContain(t, "import in progress", body, `<meta http-equiv="refresh" content="1">`, "Checking the rows: 50,000 of 200,000", `<progress max="100" value="25">`)
	if err := f.svc.SetOwnLanguage(f.actor(sup), "ko"); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "Korean progress", readBody(t, f.get("/import/"+j.ID, sess)), "행 검사 중: 50,000 / 200,000")
	// The page lists the caller's imports.
	mustContain(t, "import page", readBody(t, f.get("/import", sess)), "big.csv", "/import/"+j.ID)

	var buf bytes.Buffer
	w, err := sheet.NewWriter(&buf, sheet.XLSX)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]string{"household", "unit_id", "address", "name_native", "birth_date"})
	w.Write([]string{"H1", id(f.c.ID), "1 Workbook Way", "김영수", "1960"})
	w.Write([]string{"H1", id(f.c.ID), "1 Workbook Way", "이순자", "1962-01-30"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	loc := location(t, f.upload("/import", sess, "households.xlsx", buf.String(), nil))
	f.srv.imports.wait()
	mustContain(t, "XLSX import", readBody(t, f.get(loc, sess)), `id="import-done"`, "1가구, 2명을 가져왔습니다.")
	results, err := f.svc.SearchPersons(f.actor(sup), "Kim Yongsu", 10)
	if err != nil || len(results) != 1 || results[0].Person.Names.Native != "김영수" {
		t.Errorf("the imported person is not found: %v %v", results, err)
	}
}
