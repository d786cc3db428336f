package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kinbridge/kinbridge"
)

// TestWelfareFlow walks a problem's life over the pages and the API on
// SQLite: an officer records a visit with two problems (after field errors,
// one of them at a problem's field), resolves one and refers the other to a
// sibling unit, whose officer accepts it from the queue; the referrer's
// inbox shows the acceptance and the badge counts it. A refused transition
// answers 409 with what to do; a problem out of scope answers 404.
func TestWelfareFlow(t *testing.T) {
	f := newFixture(t)
	h := f.household(f.b, "7 Riverside Road")
	member := f.resident(h, "김영희", "Kim Yonghui", "1948")
	officer := f.user(kinbridge.RoleOfficer, f.b)
	other := f.user(kinbridge.RoleOfficer, f.d) // of the sibling unit the problem goes to
	sess, otherSess := f.session(officer), f.session(other)
	hhURL := householdURL(h.ID)

	body := readBody(t, f.get(hhURL, sess))
	mustContain(t, "household page", body, `id="visit-form"`, `name="problems[2].description"`, `<option value="family_contact">Contact with family</option>`,
		`name="officer_ids" value="`+id(officer.ID)+`" checked`, "Nothing recorded yet.")

	// The visit form: an error in a problem is shown at its slot (the
	// blank slot before it is skipped, not miscounted).
	form := url.Values{"at": {"2026-01-05T10:30"}, "officer_ids": {id(officer.ID)}, "person_ids": {id(member.ID)}, "purpose": {"Monthly visit"},
		"problems[0].category": {""}, "problems[0].description": {""},
		"problems[1].category": {"health"}, "problems[1].description": {" "}, "problems[1].priority": {"high"},
		"problems[2].category": {"food"}, "problems[2].description": {"No rice left"}, "problems[2].priority": {"normal"}}
	resp := f.post(hhURL+"/visits", sess, form)
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("visit with an empty problem description: %d", resp.StatusCode)
	}
	mustContain(t, "visit form again", body, `id="f-problems[1].description-error"`, "Describe the problem.", `value="Monthly visit"`,
		`<option value="food" selected>`)
	bad := cloneValues(form)
	bad.Set("at", "yesterday")
	mustContain(t, "bad date", readBody(t, f.post(hhURL+"/visits", sess, bad)), `id="f-at-error"`)
	bad = cloneValues(form)
	bad.Del("officer_ids")
	mustContain(t, "no officer", readBody(t, f.post(hhURL+"/visits", sess, bad)), `id="f-officer_ids-error"`, "Name at least one officer")
	if ps, _, _ := f.svc.FindProblems(f.actor(officer), kinbridge.ProblemFilter{HouseholdID: h.ID}); len(ps) != 0 {
		t.Fatalf("a refused visit left %d problems", len(ps))
	}

	form.Set("problems[1].description", "Needs her heart medicine")
	form.Set("problems[1].person_id", id(member.ID))
	form.Set("problems[1].assignee_id", id(officer.ID))
	loc := location(t, f.post(hhURL+"/visits", sess, form))
	if !strings.HasPrefix(loc, "/visits/") {
		t.Fatalf("visit recorded → %s", loc)
	}
	body = readBody(t, f.get(strings.Split(loc, "#")[0], sess)) // browsers keep the fragment
	mustContain(t, "visit page", body, "The visit was recorded.", "Monthly visit", "김영희", "Health", "Food", "Problems raised at this visit (2)")

	ps, _, err := f.svc.FindProblems(f.actor(officer), kinbridge.ProblemFilter{HouseholdID: h.ID})
	if err != nil || len(ps) != 2 {
		t.Fatalf("problems after the visit: %v %v", ps, err)
	}
	var health, food *kinbridge.Problem
	for _, p := range ps {
		switch p.Category {
		case "health":
			health = p
		case "food":
			food = p
		}
	}
	if health == nil || food == nil || health.PersonID != member.ID || health.Priority != kinbridge.PriorityHigh || health.AssigneeID != officer.ID {
		t.Fatalf("problems: %+v %+v", health, food)
	}
	mustContain(t, "my work", readBody(t, f.get("/work", sess)), "My open problems (1)", problemURL(health.ID))
	mustContain(t, "household timeline", readBody(t, f.get(hhURL, sess)), "Problem raised", "Monthly visit", "Needs her heart medicine", "Problems (2)")

	// Resolve the first; resolving it again is refused with what to do.
	healthURL := problemURL(health.ID)
	body = readBody(t, f.get(healthURL, sess))
	mustContain(t, "problem page", body, `id="action-resolve"`, `id="action-refer"`, `id="action-start"`, "Raised", "Needs her heart medicine")
	if strings.Contains(body, `id="action-accept"`) || strings.Contains(body, `id="action-reopen"`) {
		t.Error("an open problem offers accept or reopen")
	}
	loc = location(t, f.post(healthURL+"/actions", sess, url.Values{"action": {"resolve"}, "version": {fmt.Sprint(health.Version)}, "note": {"Clinic gave a month's supply"}}))
	body = readBody(t, f.get(loc, sess))
	mustContain(t, "resolved problem", body, "The problem was resolved.", `id="action-reopen"`, "Clinic gave a month&#39;s supply")
	if strings.Contains(body, `id="action-resolve"`) {
		t.Error("a resolved problem offers to resolve it")
	}
	resp = f.post(healthURL+"/actions", sess, url.Values{"action": {"resolve"}})
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("resolve twice: %d", resp.StatusCode)
	}
	mustContain(t, "refused transition", body, "A problem that is Resolved cannot be given the action “Resolve”. Reopen it first.")
	_, tok := f.apiToken(officer)
	resp = f.api("POST", "/api/v1"+healthURL+"/actions", tok, map[string]any{"action": "start"})
	if e := apiErr(t, resp); resp.StatusCode != 409 || e.Code != "conflict" || !strings.Contains(e.Message, "reopen it first") {
		t.Errorf("API start of a resolved problem: %d %+v", resp.StatusCode, e)
	}
	// A stale version is a conflict too.
	resp = f.api("POST", "/api/v1"+problemURL(food.ID)+"/actions", tok, map[string]any{"action": "start", "version": food.Version + 5})
	if e := apiErr(t, resp); resp.StatusCode != 409 || !strings.Contains(e.Message, "reload") {
		t.Errorf("stale version: %d %+v", resp.StatusCode, e)
	}

	// Refer the second to the sibling unit, which accepts it from its
	// queue.
	foodURL := problemURL(food.ID)
	resp = f.post(foodURL+"/actions", sess, url.Values{"action": {"refer"}})
	mustContain(t, "refer without a unit", readBody(t, resp), `id="f-refer-unit_id-error"`)
	location(t, f.post(foodURL+"/actions", sess, url.Values{"action": {"refer"}, "unit_id": {id(f.d.ID)}, "note": {"Their food bank"}}))
	body = readBody(t, f.get(foodURL, sess))
	mustContain(t, "referred problem", body, "Referred", "Office D")
	if strings.Contains(body, `id="action-accept"`) {
		t.Error("the referring unit is offered to accept its own referral")
	}
	body = readBody(t, f.get(unitQueueURL(f.d.ID), otherSess))
	mustContain(t, "queue of D", body, "Referrals waiting for your answer (1)", "No rice left", `name="action" value="accept"`, `name="action" value="send_back"`)
	mustContain(t, "inbox of D", readBody(t, f.get("/inbox", otherSess)), fmt.Sprintf("Problem %d (Food) was referred to your unit.", food.ID))
	loc = location(t, f.post(foodURL+"/actions", otherSess, url.Values{"action": {"accept"}, "next": {unitQueueURL(f.d.ID)}}))
	if loc != unitQueueURL(f.d.ID)+"?done=problem_accept" {
		t.Errorf("accept → %s", loc)
	}
	mustContain(t, "queue after accepting", readBody(t, f.get(loc, otherSess)), "accepted", "No referrals waiting.", "Problems the unit holds (1)")
	mustContain(t, "other's work", readBody(t, f.get("/work", otherSess)), "My open problems (1)", foodURL)

	// The referrer is told, and the badge counts it; mark all read.
	body = readBody(t, f.get("/work", sess))
	if m := regexp.MustCompile(`id="unread-count">(\d+)<`).FindStringSubmatch(body); m == nil || m[1] != "1" {
		t.Errorf("unread badge: %v", m)
	}
	body = readBody(t, f.get("/inbox", sess))
	mustContain(t, "referrer's inbox", body, fmt.Sprintf("Problem %d (Food) you referred was accepted.", food.ID), `class="unread"`, "Unread: 1")
	var notes struct {
		Notifications []jsonNotification `json:"notifications"`
		Unread        int                `json:"unread"`
	}
	resp = f.api("GET", "/api/v1/notifications", tok, nil)
	if err := json.NewDecoder(resp.Body).Decode(&notes); err != nil || notes.Unread != 1 || len(notes.Notifications) != 1 ||
		notes.Notifications[0].Kind != kinbridge.NotifyReferralAccepted {
		t.Errorf("API notifications: %v %+v", err, notes)
	}
	location(t, f.post("/inbox/read", sess, url.Values{}))
	if body := readBody(t, f.get("/work", sess)); strings.Contains(body, `id="unread-count"`) {
		t.Error("the badge stays after marking all read")
	}

	// Out of scope: the problem now held by D is gone for B's officer, and
	// C's officer never saw either.
	if resp := f.get(foodURL, sess); resp.StatusCode != http.StatusNotFound {
		t.Errorf("problem accepted by another unit, as the referrer: %d", resp.StatusCode)
	}
	outsider := f.user(kinbridge.RoleOfficer, f.c)
	if resp := f.get(healthURL, f.session(outsider)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("problem out of scope: %d", resp.StatusCode)
	}
	_, outTok := f.apiToken(outsider)
	if resp := f.api("GET", "/api/v1"+healthURL, outTok, nil); resp.StatusCode != http.StatusNotFound || apiErr(t, resp).Code != "not_found" {
		t.Errorf("API problem out of scope: %d", resp.StatusCode)
	}
	if resp := f.post(healthURL+"/actions", f.session(outsider), url.Values{"action": {"comment"}, "note": {"x"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("action on a problem out of scope: %d", resp.StatusCode)
	}

	// The region's dashboard counts its subtree (both offices) and draws
	// the chart of the active problems by category.
	sup := f.user(kinbridge.RoleSupervisor, f.a)
	body = readBody(t, f.get(fmt.Sprintf("/units/%d/dashboard", f.a.ID), f.session(sup)))
	mustContain(t, "dashboard", body, `<svg class="chart"`, `id="stat-resolved-week"><strong>1</strong>`, `id="stat-open"><strong>1</strong>`,
		`<text x="0" y="22">Food</text>`)
}

// TestWelfareAPI records a visit with two problems over the API, names a
// problem's field in its error, and acts on the problems.
func TestWelfareAPI(t *testing.T) {
	f := newFixture(t)
	h := f.household(f.b, "3 Mill Lane")
	officer := f.user(kinbridge.RoleOfficer, f.b)
	_, tok := f.apiToken(officer)
	visit := map[string]any{"at": "2026-01-05T01:00:00Z", "officer_ids": []int64{officer.ID}, "purpose": "check",
		"problems": []map[string]any{{"category": "housing", "description": "Leaking roof"}, {"category": "nope", "description": "x"}}}
	resp := f.api("POST", fmt.Sprintf("/api/v1/households/%d/visits", h.ID), tok, visit)
	if e := apiErr(t, resp); resp.StatusCode != 422 || e.Field != "problems[1].category" {
		t.Fatalf("bad category: %d %+v", resp.StatusCode, e)
	}
	visit["problems"] = []map[string]any{{"category": "housing", "description": "Leaking roof", "priority": "urgent"}, {"category": "documents", "description": "Passport expired"}}
	resp = f.api("POST", fmt.Sprintf("/api/v1/households/%d/visits", h.ID), tok, visit)
	var rec struct {
		Visit    jsonVisit     `json:"visit"`
		Problems []jsonProblem `json:"problems"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rec); err != nil || resp.StatusCode != 201 || len(rec.Problems) != 2 || len(rec.Visit.ProblemIDs) != 2 {
		t.Fatalf("record visit: %d %v %+v", resp.StatusCode, err, rec)
	}
	p := rec.Problems[0]
	resp = f.api("POST", fmt.Sprintf("/api/v1/problems/%d/actions", p.ID), tok, map[string]any{"action": "assign", "assignee_id": officer.ID, "version": p.Version})
	var got jsonProblem
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 || got.AssigneeID == nil || *got.AssigneeID != officer.ID {
		t.Fatalf("assign: %d %v %+v", resp.StatusCode, err, got)
	}
	resp = f.api("GET", fmt.Sprintf("/api/v1/problems/%d", p.ID), tok, nil)
	var full jsonProblemRecord
	if err := json.NewDecoder(resp.Body).Decode(&full); err != nil || len(full.Events) != 2 || full.Events[1].Kind != "assign" || !full.HouseholdVisible {
		t.Errorf("problem record: %v %+v", err, full)
	}
	resp = f.api("GET", "/api/v1/my-work", tok, nil)
	var work struct {
		Problems []jsonProblem `json:"problems"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&work); err != nil || len(work.Problems) != 1 || work.Problems[0].ID != p.ID {
		t.Errorf("my work: %v %+v", err, work)
	}
	resp = f.api("GET", fmt.Sprintf("/api/v1/problems?household_id=%d&status=open", h.ID), tok, nil)
	var list struct {
		Total int `json:"total"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || list.Total != 2 {
		t.Errorf("problem list: %v %+v", err, list)
	}
	for _, path := range []string{fmt.Sprintf("/api/v1/units/%d/queue", f.b.ID), fmt.Sprintf("/api/v1/units/%d/dashboard", f.b.ID),
		"/api/v1/visits?household_id=" + id(h.ID), fmt.Sprintf("/api/v1/visits/%d", rec.Visit.ID)} {
		if resp := f.api("GET", path, tok, nil); resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", path, resp.StatusCode, readBody(t, resp))
		}
	}
	if resp := f.api("PUT", "/api/v1/me/email", tok, map[string]any{"email": "not an address"}); resp.StatusCode != 422 || apiErr(t, resp).Field != "email" {
		t.Errorf("bad e-mail: %d", resp.StatusCode)
	}
}

// TestWelfarePlansAndSettings: a supervisor adds and changes a visit plan
// and names a household's case officer, whose work list then shows the
// household due for a visit, in the officer's language; the digest address
// is set on My account.
func TestWelfarePlansAndSettings(t *testing.T) {
	f := newFixture(t)
	prog := f.programme("SF", "Separated families")
	h := f.household(f.b, "7 Riverside Road")
	f.person(&kinbridge.Person{Kind: kinbridge.PersonResident, HouseholdID: h.ID, Names: kinbridge.PersonNames{Latin: "Pak Sun"}, ProgrammeIDs: []int64{prog.ID}})
	sup := f.user(kinbridge.RoleSupervisor, f.b)
	officer := f.user(kinbridge.RoleOfficer, f.b)
	sess, osess := f.session(sup), f.session(officer)

	loc := location(t, f.post("/visit-plans", sess, url.Values{"unit_id": {id(f.b.ID)}, "programme_id": {id(prog.ID)}, "every_days": {"30"}, "active": {"1"}}))
	body := readBody(t, f.get(strings.Split(loc, "#")[0], sess))
	mustContain(t, "plans page", body, "The visit plan was saved.", "Separated families", `value="30"`)
	resp := f.post("/visit-plans", sess, url.Values{"unit_id": {id(f.b.ID)}, "programme_id": {id(prog.ID)}, "every_days": {"7"}})
	mustContain(t, "second plan", readBody(t, resp), `id="f-programme_id-error"`, "already")
	plans, err := f.svc.FindVisitPlans(f.actor(sup))
	if err != nil || len(plans) != 1 {
		t.Fatalf("plans: %v %v", plans, err)
	}
	location(t, f.post(fmt.Sprintf("/visit-plans/%d", plans[0].ID), sess, url.Values{"every_days": {"14"}, "active": {"1"}}))
	if plans, _ := f.svc.FindVisitPlans(f.actor(sup)); plans[0].EveryDays != 14 || !plans[0].Active {
		t.Errorf("changed plan: %+v", plans[0])
	}
	if resp := f.post(fmt.Sprintf("/visit-plans/%d", plans[0].ID), osess, url.Values{"every_days": {"3"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("officer changes a plan: %d", resp.StatusCode)
	}

	location(t, f.post(householdURL(h.ID)+"/case-officer", sess, url.Values{"officer_id": {id(officer.ID)}}))
	mustContain(t, "household page", readBody(t, f.get(householdURL(h.ID), sess)), `<dd id="case-officer">Test `+officer.Username)
	resp = f.post(householdURL(h.ID)+"/case-officer", sess, url.Values{"officer_id": {id(f.user(kinbridge.RoleViewer, f.b).ID)}})
	mustContain(t, "viewer as case officer", readBody(t, resp), `id="f-officer_id-error"`)

	if err := f.svc.SetOwnLanguage(f.actor(officer), "ko"); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "Korean work list", readBody(t, f.get("/work", osess)), "내 업무", "7 Riverside Road", "방문 기록 없음", "14일마다")

	resp = f.post("/account/email", osess, url.Values{"email": {"not an address"}})
	mustContain(t, "bad address", readBody(t, resp), `id="f-email-error"`, "이메일 주소가 아닙니다.")
	location(t, f.post("/account/email", osess, url.Values{"email": {"officer@example.org"}}))
	mustContain(t, "account page", readBody(t, f.get("/account", osess)), "officer@example.org", "일일 업무 요약 메일")
	if email, err := f.svc.Email(f.actor(officer)); err != nil || email != "officer@example.org" {
		t.Errorf("email = %q, %v", email, err)
	}
}

// TestWelfareSendBack: the unit a problem is referred to sends it back from
// its queue with a reason; the problem is the referrer's again, its history
// keeps the reason, and the referrer is told. A send-back without a reason
// is refused at its field.
func TestWelfareSendBack(t *testing.T) {
	f := newFixture(t)
	h := f.household(f.b, "2 Quay Street")
	officer := f.user(kinbridge.RoleOfficer, f.b)
	other := f.user(kinbridge.RoleOfficer, f.d)
	_, p := f.visit(h, officer, "documents")
	if _, err := f.svc.ChangeProblem(f.actor(officer), p.ID, kinbridge.ProblemChange{Action: kinbridge.ProblemRefer, UnitID: f.d.ID}); err != nil {
		t.Fatal(err)
	}
	osess := f.session(other)
	body := readBody(t, f.get(problemURL(p.ID), osess))
	mustContain(t, "referred problem, as the other unit", body, `id="action-accept"`, `id="action-send_back"`, `id="action-comment"`)
	if strings.Contains(body, `id="action-resolve"`) || strings.Contains(body, `href="/households/`) {
		t.Error("the unit a problem is referred to may resolve it or open the household")
	}
	resp := f.post(problemURL(p.ID)+"/actions", osess, url.Values{"action": {"send_back"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("send back without a reason: %d", resp.StatusCode)
	}
	mustContain(t, "send back without a reason", readBody(t, resp), `id="f-send_back-note-error"`, "Say why the problem is sent back.")
	loc := location(t, f.post(problemURL(p.ID)+"/actions", osess, url.Values{"action": {"send_back"}, "note": {"Documents are the region's"},
		"next": {unitQueueURL(f.d.ID)}}))
	if !strings.HasPrefix(loc, unitQueueURL(f.d.ID)) {
		t.Errorf("send back → %s", loc)
	}
	if resp := f.get(problemURL(p.ID), osess); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the problem sent back, as the other unit: %d", resp.StatusCode)
	}
	sess := f.session(officer)
	mustContain(t, "problem sent back", readBody(t, f.get(problemURL(p.ID), sess)), `<span class="badge pstatus-open">Open</span>`,
		"Sent back", "Documents are the region&#39;s", `id="action-refer"`)
	mustContain(t, "referrer's inbox", readBody(t, f.get("/inbox", sess)), fmt.Sprintf("Problem %d (Documents) you referred was sent back. Reason: Documents are the region&#39;s", p.ID))
}
