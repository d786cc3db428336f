package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/departure"
)

// locationID is the id at the end of a redirect's path.
func locationID(t *testing.T, resp *http.Response) string {
	t.Helper()
	loc := resp.Header.Get("Location")
	m := regexp.MustCompile(`/(\d+)(\?|$)`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("no id in Location %q (status %d)", loc, resp.StatusCode)
	}
	return m[1]
}

// TestDepartureRequestFlow: an officer puts a household on the list from
// its page with a member's facts; the request shows its rank and reason,
// the list and the household's timeline show it; a second request for
// the same household is refused at its field; withdrawing needs a
// reason.
func TestDepartureRequestFlow(t *testing.T) {
	f := newFixture(t)
	officer := f.user(kinbridge.RoleOfficer, f.b)
	sess := f.session(officer)
	h, ps := f.departureHousehold(f.b, "5 Harbour Road", "1940", "2012")
	other, _ := f.departureHousehold(f.b, "6 Harbour Road", "1990")
	f.departureRequest(other, nil)

	// The household page offers the form; the form lists its residents.
	body := readBody(t, f.get(householdURL(h.ID), sess))
	if !strings.Contains(body, `href="/departures/new?household_id=`+id(h.ID)+`"`) {
		t.Fatal("household page has no link to the departure form")
	}
	body = readBody(t, f.get("/departures/new?household_id="+id(h.ID), sess))
	for _, p := range ps {
		if !strings.Contains(body, fmt.Sprintf(`name="fact.%d"`, p.ID)) {
			t.Errorf("form lacks the facts of person %d", p.ID)
		}
	}

	resp := f.post("/departures", sess, url.Values{"household_id": {id(h.ID)}, "destination": {"Seoul"}, "travel_docs": {"ready"},
		"fact." + id(ps[0].ID): {"illness"}, "fact." + id(ps[1].ID): {"child_separated"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	reqID := locationID(t, resp)
	body = readBody(t, f.get("/departures/requests/"+reqID, sess))
	for _, want := range []string{`id="departure-rank">`, "registered", "Waiting", "Serious illness", "Child separated"} {
		if !strings.Contains(body, want) {
			t.Errorf("request page lacks %q", want)
		}
	}
	// Registered later than the other request, under the default order: second.
	if !strings.Contains(body, `id="departure-rank">2<`) {
		t.Errorf("want rank 2 on the request page: %s", excerpt(body[strings.Index(body, "departure-facts"):]))
	}
	list := readBody(t, f.get("/departures", sess))
	if !strings.Contains(list, `id="departure-`+reqID+`"`) || !strings.Contains(list, "/households/"+id(h.ID)) {
		t.Error("the list does not show the request")
	}
	if tl := readBody(t, f.get(householdURL(h.ID), sess)); !strings.Contains(tl, "item-departure") || !strings.Contains(tl, "/departures/requests/"+reqID) {
		t.Error("the household timeline does not show the request")
	}

	// A second live request for the household: 409 at its field.
	resp = f.post("/departures", sess, url.Values{"household_id": {id(h.ID)}, "destination": {"Busan"}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusConflict || !strings.Contains(body, `id="f-household_id-error"`) {
		t.Errorf("second request: want 409 at household_id, got %d %s", resp.StatusCode, excerpt(body))
	}
	// A household out of the officer's unit is "not found" at the field.
	far, _ := f.departureHousehold(f.d, "7 Far Road", "1980")
	resp = f.post("/departures", sess, url.Values{"household_id": {id(far.ID)}, "destination": {"Busan"}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-household_id-error"`) {
		t.Errorf("far household: want 422 at household_id, got %d %s", resp.StatusCode, excerpt(body))
	}

	// Withdrawing needs a reason, then takes the request off the list.
	resp = f.post("/departures/requests/"+reqID+"/withdraw", sess, url.Values{"version": {"1"}, "reason": {" "}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-reason-error"`) {
		t.Errorf("withdraw without reason: want 422 at reason, got %d", resp.StatusCode)
	}
	resp = f.post("/departures/requests/"+reqID+"/withdraw", sess, url.Values{"version": {"1"}, "reason": {"Staying"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw: %d %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	if body := readBody(t, f.get("/departures/requests/"+reqID, sess)); !strings.Contains(body, "Withdrawn") || !strings.Contains(body, "Staying") {
		t.Error("request page does not show the withdrawal")
	}
	// A departure of a waiting request is refused (409), on its page.
	resp = f.post("/departures/requests/"+reqID+"/departed", sess, url.Values{})
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("departed after withdrawal: want 409, got %d", resp.StatusCode)
	}
}

// TestDeparturePolicyEditor: the administrator makes a draft, the editor
// shows a bad tier at its field, the preview lists who moves with both
// reasons, and adoption changes the list's reasons.
func TestDeparturePolicyEditor(t *testing.T) {
	f := newFixture(t)
	admin := f.user(kinbridge.RoleAdministrator, f.root)
	sess := f.session(admin)
	young, _ := f.departureHousehold(f.b, "1 Young Street", "1995")
	old, _ := f.departureHousehold(f.b, "2 Old Street", "1940")
	f.departureRequest(young, nil)
	oldReq := f.departureRequest(old, nil)

	resp := f.post("/departures/policies", sess, url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("new draft: %d %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	pid := locationID(t, resp)
	// "Every request" before another tier: refused at that tier's fact.
	bad := policyForm("Elderly first")
	bad.Set("tiers[0].fact", "all")
	resp = f.post("/departures/policies/"+pid, sess, bad)
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-tiers[0].fact-error"`) ||
		!strings.Contains(body, "Only the last tier may take every request.") {
		t.Errorf("bad tier: want 422 at tiers[0].fact, got %d %s", resp.StatusCode, excerpt(body))
	}
	// In Korean, the same refusal is translated.
	kadmin := f.user(kinbridge.RoleAdministrator, f.root)
	if err := f.svc.SetOwnLanguage(f.actor(kadmin), "ko"); err == nil {
		body := readBody(t, f.post("/departures/policies/"+pid, f.session(kadmin), bad))
		if !strings.Contains(body, "모든 신청을 받는 등급은 마지막 등급만 가능합니다.") {
			t.Error("the refusal is not translated into Korean")
		}
	}
	resp = f.post("/departures/policies/"+pid, sess, policyForm("Elderly first"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save draft: %d %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	body := readBody(t, f.get("/departures/policies/"+pid+"/preview", sess))
	if !strings.Contains(body, `id="move-`+id(oldReq.ID)+`" class="up"`) || !strings.Contains(body, "age 8") {
		t.Errorf("preview: want the elderly household moving up with its age in the reason: %s", excerpt(body[strings.Index(body, "<h1"):]))
	}
	// In Korean, both reasons of a move are said in Korean, item by item.
	kbody := readBody(t, f.get("/departures/policies/"+pid+"/preview", f.session(kadmin)))
	if i := strings.Index(kbody, `id="moves"`); i < 0 || !strings.Contains(kbody[i:], "취약 점수") || !regexp.MustCompile(`8\d세`).MatchString(kbody[i:]) ||
		strings.Contains(kbody[i:], "vulnerability") {
		t.Errorf("preview in Korean: want the reasons in Korean with the age: %s", excerpt(kbody))
	}
	resp = f.post("/departures/policies/"+pid+"/adopt", sess, url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("adopt: %d %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	list := readBody(t, f.get("/departures", sess))
	if !strings.Contains(list, "Elderly first") {
		t.Error("the list does not name the adopted policy")
	}
	i, j := strings.Index(list, `id="departure-`+id(oldReq.ID)+`"`), strings.Index(list, `id="departure-`+id(oldReq.ID-1)+`"`)
	if i < 0 || j < 0 || i > j {
		t.Error("the elderly household is not first on the list after adoption")
	}
	// An adopted version is no longer edited; an officer may not edit at all.
	if resp := f.post("/departures/policies/"+pid, sess, policyForm("Again")); resp.StatusCode != http.StatusConflict {
		t.Errorf("edit adopted: want 409, got %d", resp.StatusCode)
	}
	officer := f.user(kinbridge.RoleOfficer, f.b)
	if resp := f.get("/departures/policies/"+pid+"/preview", f.session(officer)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("officer preview: want 403, got %d", resp.StatusCode)
	}
}

// TestCrossingControl: a crossing is made and opened, a day's capacity
// lowered, days allocated by an administrator of the top unit with the
// rule that applied; the day sheet lists the members; the forecast draws
// its chart with a what-if; an administrator below the top may not
// allocate.
func TestCrossingControl(t *testing.T) {
	f := newFixture(t)
	admin := f.user(kinbridge.RoleAdministrator, f.root)
	sess := f.session(admin)
	big, bigPs := f.departureHousehold(f.b, "1 Big Street", "1950", "1952", "1980")
	small, _ := f.departureHousehold(f.b, "2 Small Street", "1985")
	pol := f.draftPolicy(testPolicy("Fit", departure.FitNextThatFits))
	if _, err := f.svc.AdoptDeparturePolicy(f.ctx, pol.ID); err != nil {
		t.Fatal(err)
	}
	bigReq := f.departureRequest(big, nil)
	smallReq := f.departureRequest(small, nil)

	resp := f.post("/departures/crossings", sess, url.Values{"name": {"East gate"}, "daily_capacity": {"x"}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-daily_capacity-error"`) {
		t.Errorf("bad capacity: want 422 at daily_capacity, got %d", resp.StatusCode)
	}
	resp = f.post("/departures/crossings", sess, url.Values{"name": {"East gate"}, "daily_capacity": {"2"}, "open": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create crossing: %d %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	cid := locationID(t, resp)
	day1, day2 := addDays(seoulToday(), 1), addDays(seoulToday(), 2)
	// Day 2 takes four: the household of three fits there.
	if resp := f.post("/departures/crossings/"+cid+"/days", sess, url.Values{"day": {day2}, "capacity": {"4"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("day capacity: %d %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	resp = f.post("/departures/crossings/"+cid+"/allocate", sess, url.Values{"from": {day1}, "days": {"2"}})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "The next household that fits may use it") {
		t.Fatalf("allocate: want the result naming the rule, got %d %s", resp.StatusCode, excerpt(body))
	}
	if !strings.Contains(body, `id="overtakes"`) {
		t.Error("the allocation does not show the overtaking")
	}
	b, err := f.svc.FindDepartureRequest(f.ctx, bigReq.ID)
	if err != nil || b.Day != day2 {
		t.Fatalf("big household's day %q, want %s (%v)", b.Day, day2, err)
	}
	s, _ := f.svc.FindDepartureRequest(f.ctx, smallReq.ID)
	if s.Day != day1 {
		t.Errorf("small household's day %q, want %s", s.Day, day1)
	}
	sheet := readBody(t, f.get("/departures/crossings/"+cid+"/days/"+day2, sess))
	for _, p := range bigPs {
		if !strings.Contains(sheet, p.Names.Display()) {
			t.Errorf("day sheet lacks %s", p.Names.Display())
		}
	}
	if !strings.Contains(sheet, `id="sheet-`+id(bigReq.ID)+`"`) || strings.Contains(sheet, `id="sheet-`+id(smallReq.ID)+`"`) {
		t.Error("day sheet shows the wrong requests")
	}
	// The forecast: a what-if adds a line and a column.
	waiting, _ := f.departureHousehold(f.b, "3 Wait Street", "1990", "1991")
	f.departureRequest(waiting, nil)
	page := readBody(t, f.get("/departures/crossings/"+cid+"?what_if=1", sess))
	if !strings.Contains(page, `id="drain-chart"`) || !strings.Contains(page, `class="line-what-if"`) || !strings.Contains(page, "Expected at 1 a day") {
		t.Error("the forecast lacks the chart or the what-if")
	}
	if resp := f.get("/departures/crossings/"+cid+"?what_if=-3", sess); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("negative what-if: want 422, got %d", resp.StatusCode)
	}
	// Below the top unit, allocation is refused whatever the role.
	regional := f.user(kinbridge.RoleAdministrator, f.a)
	resp = f.post("/departures/crossings/"+cid+"/allocate", f.session(regional), url.Values{"from": {day1}, "days": {"2"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("regional allocate: want 403, got %d", resp.StatusCode)
	}
	// A closed crossing does not allocate: the answer says so.
	if resp := f.post("/departures/crossings/"+cid, sess, url.Values{"name": {"East gate"}, "daily_capacity": {"2"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("close: %d", resp.StatusCode)
	}
	resp = f.post("/departures/crossings/"+cid+"/allocate", sess, url.Values{"from": {day1}, "days": {"2"}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "The crossing is closed.") {
		t.Errorf("closed allocate: want 409 saying it is closed, got %d", resp.StatusCode)
	}
}

// TestResidentPage: the slip shows a new code once with the resident
// page's address; the resident sees their own place, status and
// destination in their language and no one else's; a revoked code and an
// unknown one get the same neutral answer; an address that tries too
// often is held off; every look-up is audited.
func TestResidentPage(t *testing.T) {
	f := newFixture(t)
	officer := f.user(kinbridge.RoleOfficer, f.b)
	sess := f.session(officer)
	first, _ := f.departureHousehold(f.b, "1 First Street", "1950")
	mine, _ := f.departureHousehold(f.b, "2 Mine Street", "1960", "1962")
	f.departureRequest(first, nil)
	req := f.departureRequest(mine, nil)

	resp := f.post("/departures/requests/"+id(req.ID)+"/codes", sess, url.Values{})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("new code: %d %s", resp.StatusCode, excerpt(body))
	}
	m := regexp.MustCompile(`id="resident-code"><code>([^<]+)</code>`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "/resident</strong>") {
		t.Fatalf("the slip lacks the code or the resident page's address: %s", excerpt(body))
	}
	code := m[1]
	if again := readBody(t, f.get("/departures/requests/"+id(req.ID), sess)); strings.Contains(again, code) {
		t.Error("the code is shown again on the request page")
	}

	look := func(code, lang string) (*http.Response, string) {
		r := httptestPost("/resident", url.Values{"code": {code}, "lang": {lang}})
		r.RemoteAddr = "192.0.2.7:1234"
		resp := f.do(r)
		return resp, readBody(t, resp)
	}
	resp, body = look(code, "ko")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="resident-position">2<`) || !strings.Contains(body, "대기") ||
		!strings.Contains(body, "Seoul") || !strings.Contains(body, `lang="ko"`) {
		t.Errorf("look-up in Korean: %d %s", resp.StatusCode, excerpt(body[strings.Index(body, "<main"):]))
	}
	if strings.Contains(body, "First Street") || strings.Contains(body, "Mine Street") {
		t.Error("the resident page shows addresses")
	}
	// Unknown and revoked codes: the same neutral message.
	_, unknown := look("kbr_not-a-code", "en")
	codes, _ := f.svc.FindResidentCodes(f.ctx, req.ID)
	if resp := f.post("/departures/codes/"+id(codes[0].ID)+"/revoke", sess, url.Values{"request_id": {id(req.ID)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	resp, revoked := look(code, "en")
	const neutral = "This code is not known, or no longer valid."
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(revoked, neutral) || !strings.Contains(unknown, neutral) {
		t.Errorf("revoked: %d; want the neutral message for both", resp.StatusCode)
	}
	// Every look-up is audited, the failed ones too.
	entries, err := f.svc.FindAuditEntries(f.ctx, kinbridge.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range entries {
		seen[e.Action]++
	}
	if seen["departure.resident_lookup"] != 1 || seen["departure.resident_lookup_failed"] != 2 {
		t.Errorf("audited look-ups %v", seen)
	}
	// The address has tried 3 times; at 20 it is held off, even with a
	// good code.
	for range feedFailures - 3 {
		look("kbr_wrong", "en")
	}
	if resp, _ := look(code, "en"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after %d look-ups: want 429, got %d", feedFailures, resp.StatusCode)
	}
}

// httptestPost is a form post without a session.
func httptestPost(path string, form url.Values) *http.Request {
	r := newRequest("POST", path)
	r.Body = ioNopCloser(form.Encode())
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// TestDepartureAPI: create, read with rank and reason, list, a code made
// and looked up as JSON (the code only in the answer that made it).
func TestDepartureAPI(t *testing.T) {
	f := newFixture(t)
	officer := f.user(kinbridge.RoleOfficer, f.b)
	_, token := f.apiToken(officer)
	h, ps := f.departureHousehold(f.b, "9 API Street", "1945", "1970")
	resp := f.api("POST", "/api/v1/departures", token, map[string]any{"household_id": h.ID, "destination": "Incheon", "travel_docs": "applied",
		"members": []map[string]any{{"person_id": ps[0].ID, "illness": true}}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, readBody(t, resp))
	}
	var created jsonDeparture
	json.NewDecoder(resp.Body).Decode(&created)
	if len(created.Members) != 2 || !created.Members[0].Illness && !created.Members[1].Illness {
		t.Errorf("members %+v", created.Members)
	}
	resp = f.api("GET", "/api/v1/departures/"+id(created.ID), token, nil)
	var got jsonDeparture
	json.NewDecoder(resp.Body).Decode(&got)
	if got.Rank != 1 || got.RankReason == "" || got.Status != kinbridge.DepartureWaiting {
		t.Errorf("read: rank %d reason %q status %s", got.Rank, got.RankReason, got.Status)
	}
	resp = f.api("POST", "/api/v1/departures", token, map[string]any{"household_id": h.ID, "destination": "Incheon"})
	if e := apiErr(t, resp); resp.StatusCode != http.StatusConflict || e.Field != "household_id" {
		t.Errorf("second: %d %+v", resp.StatusCode, e)
	}
	resp = f.api("POST", "/api/v1/departures/"+id(created.ID)+"/resident-codes", token, nil)
	var rc jsonResidentCode
	json.NewDecoder(resp.Body).Decode(&rc)
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(rc.Code, "kbr_") {
		t.Fatalf("code: %d %+v", resp.StatusCode, rc)
	}
	body := readBody(t, f.api("GET", "/api/v1/departures/"+id(created.ID)+"/resident-codes", token, nil))
	if strings.Contains(body, rc.Code) {
		t.Error("the list of codes holds the secret")
	}
	resp = f.api("POST", "/api/v1/resident-lookup", "", map[string]any{"code": rc.Code})
	var view map[string]any
	json.NewDecoder(resp.Body).Decode(&view)
	if resp.StatusCode != http.StatusOK || view["position"] != float64(1) || view["destination"] != "Incheon" || view["persons"] != float64(2) {
		t.Errorf("look-up: %d %v", resp.StatusCode, view)
	}
	if _, ok := view["request_id"]; ok {
		t.Error("the look-up names the request")
	}
	if resp := f.api("POST", "/api/v1/resident-lookup", "", map[string]any{"code": "kbr_nope"}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown code: %d", resp.StatusCode)
	}
	list := readBody(t, f.api("GET", "/api/v1/departures?status=waiting", token, nil))
	if !strings.Contains(list, `"total":1`) {
		t.Errorf("list: %s", list)
	}
}

// TestDepartureCodesTranslated: every code the pages translate by
// prefix — statuses, travel documents, facts, fit and missed rules, policy
// statuses, reasons without a day, and the pure package's refusals — is
// in every catalog.
func TestDepartureCodesTranslated(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, s := range kinbridge.DepartureStatuses {
		keys = append(keys, "departure.status."+string(s))
	}
	for _, d := range kinbridge.TravelDocsStates {
		keys = append(keys, "departure.docs."+d)
	}
	for _, fc := range []string{departure.FactProgramme, departure.FactAgeAtLeast, departure.FactIllness, departure.FactChildSeparated, departure.FactDisability, departure.FactAll} {
		keys = append(keys, "departure.fact."+fc)
	}
	keys = append(keys, "departure.fit."+departure.FitKeepEmpty, "departure.fit."+departure.FitNextThatFits,
		"departure.missed."+kinbridge.MissedKeepPlace, "departure.missed."+kinbridge.MissedToEnd,
		"departure.tier_name", "departure.tier_fact", "departure.point_fact", "departure.point_threshold", "departure.point_points",
		"departure.point_max", "departure.none_chosen", "nav.departures", "timeline.departure", "timeline.departure_created",
		"timeline.departure_day", "timeline.departure_departed", "timeline.departure_withdrawn",
		"evidence.departures_allocated", "evidence.departures_done", "household.departure_link")
	for _, s := range []string{kinbridge.PolicyDraft, kinbridge.PolicyAdopted, kinbridge.PolicyRetired} {
		keys = append(keys, "departure.policy_status."+s)
	}
	for _, r := range departureReasons {
		keys = append(keys, "departure.why."+r)
	}
	for _, k := range []string{"tiers_empty", "tier_name", "tier_all_last", "tier_age", "tier_twice", "fact_unknown", "points_negative",
		"max_negative", "threshold", "threshold_unused", "fit_rule", "member"} {
		keys = append(keys, "error.departure."+k)
	}
	for _, k := range []string{"withdrawn", "departed", "missed"} {
		keys = append(keys, "notice.departure_"+k)
	}
	keys = append(keys, "notice.crossing_saved", "notice.crossing_day_saved")
	for _, k := range []string{"departure.withdraw", "departure.departed", "departure.missed"} {
		keys = append(keys, "audit.action."+k)
	}
	for _, lang := range kinbridge.Langs {
		for _, k := range keys {
			if _, ok := cats[lang][k]; !ok {
				t.Errorf("%s.json lacks %s", lang, k)
			}
		}
	}
}

// TestDepartureReasonTranslated: a rank's reason is said in the reader's
// language, item by item; in English it is the service's own sentence.
func TestDepartureReasonTranslated(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	p := &departure.Policy{Tiers: []departure.Tier{{Name: "programme members", Fact: departure.FactProgramme}, {Name: "everyone", Fact: departure.FactAll}},
		Points: []departure.PointRule{{Fact: departure.FactAgeAtLeast, Threshold: 70, Points: 2}, {Fact: departure.FactIllness, Points: 1}}}
	reg := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	req := &departure.Request{ID: 1, RegisteredAt: reg, Members: []departure.Member{{ProgrammeMember: true, BirthDate: "1948-01-01", Illness: true}}}
	rk := departure.Rank(p, []*departure.Request{req}, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))[0]
	r := &kinbridge.DepartureRequest{RankReason: rk.Reason, Why: &kinbridge.RankWhy{Tier: rk.Tier + 1, TierName: p.Tiers[rk.Tier].Name,
		Points: rk.Points, Facts: rk.Facts, Registered: "2026-03-02"}}
	for lang, want := range map[string][]string{
		kinbridge.LangEnglish: {"tier 1: programme members; 3 vulnerability points (age 78, illness); registered "},
		kinbridge.LangKorean:  {"1순위: programme members", "취약 점수 3점 (78세, 질병)", "등록 "},
		kinbridge.LangChinese: {"第1级：programme members", "脆弱性分数 3 分（78岁、疾病）", "登记于 "},
	} {
		l := newLocalizer(cats, lang)
		got := l.DepartureReason(r)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: reason %q lacks %q", lang, got, w)
			}
		}
		if !strings.HasSuffix(got, l.Day("2026-03-02")) {
			t.Errorf("%s: reason %q does not end with the registration day %q", lang, got, l.Day("2026-03-02"))
		}
	}
}
