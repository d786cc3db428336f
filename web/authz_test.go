package web

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sheet"
)

// authzCase is one cell of the authorisation test: an actor of a role in
// unit B, acting on a record placed in the relation's unit.
type authzCase struct {
	f       *fixture
	actor   *kinbridge.User
	rel     kinbridge.Relation
	unit    *kinbridge.Unit // the relation's unit
	target  *kinbridge.User // a user of that unit (never the actor)
	tokenID int64           // one of the actor's own API tokens
	n       int             // unique per case, for names that must differ

	// The registry's records of the relation's unit: a household, a
	// resident of it, and a relative abroad linked to the resident.
	household *kinbridge.Household
	person    *kinbridge.Person
	relative  *kinbridge.Person
	programme *kinbridge.Programme
	importID  string // one of the actor's imports

	// Welfare's records of the relation's unit: a problem of its
	// household, a visit to it, and a visit plan of the unit.
	problem *kinbridge.Problem
	visit   *kinbridge.Visit
	plan    *kinbridge.VisitPlan

	// Directives' records, fresh for each case (a step or an amendment
	// changes them): a directive, an assignment, an attachment, and the
	// unit below the relation's unit that a directive of it goes to.
	directive    *kinbridge.Directive
	assignment   *kinbridge.Assignment
	attachmentID int64
	below        *kinbridge.Unit

	// Family calls' records, fresh for each case of a calls route: see
	// callRecords.
	call            *kinbridge.Call
	callPlan        *kinbridge.CallPlan
	exceptionID     int64
	calendarTokenID int64
	feedToken       string

	// The departure list's records, fresh for each case of a departures
	// route: see departureRecords.
	departure      *kinbridge.DepartureRequest
	residentCodeID int64
	residentCode   string
	policyID       int64
	crossingID     int64
}

// queryInput is the query of a GET (the path has none).
type queryInput url.Values

// uploadInput is a multipart form with one file.
type uploadInput struct {
	fields url.Values
	file   string // the content of the "file" part
}

// rawInput is a body of its own content type.
type rawInput struct {
	contentType, body string
}

// importCSV is a small valid import file of one household in the unit.
func importCSV(c *authzCase) string {
	return "household,unit_id,address,kind,name_latin\n" +
		fmt.Sprintf("H1,%d,%d Import Street,resident,Imported Person %d\n", c.unit.ID, c.n, c.n)
}

// authzInputs gives, for every route of the table, a valid request body:
// form values for pages, a JSON document for the API, nil for none. Input is
// valid so that the outcome is the authorisation's, never a validation
// error's. A route missing here fails the test: a new route must say how to
// call it.
var authzInputs = map[string]func(c *authzCase) any{
	"GET /healthz":    nil,
	"GET /metrics":    nil,
	"GET /static/":    nil,
	"GET /login":      nil,
	"POST /login":     func(c *authzCase) any { return url.Values{"username": {c.actor.Username}, "password": {testPassword}} },
	"POST /language":  func(c *authzCase) any { return url.Values{"lang": {"ko"}, "next": {"/login"}} },
	"POST /logout":    func(c *authzCase) any { return url.Values{} },
	"GET /{$}":        nil,
	"GET /units":      nil,
	"POST /units":     func(c *authzCase) any { return unitForm(c) },
	"GET /units/{id}": nil,
	"POST /units/{id}/rename": func(c *authzCase) any {
		return url.Values{"name_en": {fmt.Sprintf("Renamed %d", c.n)}, "time_zone": {"UTC"}}
	},
	"POST /units/{id}/move":    func(c *authzCase) any { return url.Values{"parent_id": {id(c.f.e.ID)}} },
	"GET /users":               nil,
	"POST /users":              func(c *authzCase) any { return userForm(c) },
	"GET /users/{id}":          nil,
	"POST /users/{id}/disable": func(c *authzCase) any { return url.Values{} },
	"POST /users/{id}/enable":  func(c *authzCase) any { return url.Values{} },
	"POST /users/{id}/password": func(c *authzCase) any {
		return url.Values{"password": {testPassword}}
	},
	"GET /account": nil,
	"POST /account/password": func(c *authzCase) any {
		return url.Values{"current_password": {testPassword}, "new_password": {testPassword}, "new_password_confirm": {testPassword}}
	},
	"POST /account/language":           func(c *authzCase) any { return url.Values{"lang": {"en"}} },
	"POST /account/tokens":             func(c *authzCase) any { return url.Values{"name": {"script"}} },
	"POST /account/tokens/{id}/revoke": func(c *authzCase) any { return url.Values{} },
	"GET /audit":                       nil,

	"GET /api/v1/openapi.json": nil,
	"GET /api/v1/me":           nil,
	"GET /api/v1/units":        nil,
	"POST /api/v1/units": func(c *authzCase) any {
		return map[string]any{"parent_id": c.unit.ID, "name_en": fmt.Sprintf("New %d", c.n), "time_zone": "Asia/Seoul"}
	},
	"GET /api/v1/units/{id}": nil,
	"PATCH /api/v1/units/{id}": func(c *authzCase) any {
		return map[string]any{"name_en": fmt.Sprintf("Renamed %d", c.n)}
	},
	"POST /api/v1/units/{id}/move": func(c *authzCase) any { return map[string]any{"parent_id": c.f.e.ID} },
	"GET /api/v1/users":            nil,
	"POST /api/v1/users": func(c *authzCase) any {
		return map[string]any{"username": fmt.Sprintf("new%d", c.n), "role": "officer", "unit_id": c.unit.ID, "password": testPassword}
	},
	"GET /api/v1/users/{id}":           nil,
	"POST /api/v1/users/{id}/disable":  nil,
	"POST /api/v1/users/{id}/enable":   nil,
	"POST /api/v1/users/{id}/password": func(c *authzCase) any { return map[string]any{"password": testPassword} },
	"GET /api/v1/audit":                nil,
	"GET /api/v1/tokens":               nil,
	"POST /api/v1/tokens":              func(c *authzCase) any { return map[string]any{"name": "script"} },
	"DELETE /api/v1/tokens/{id}":       nil,

	// The registry.
	"GET /programmes":      nil,
	"POST /programmes":     func(c *authzCase) any { return url.Values{"code": {fmt.Sprintf("N%d", c.n)}, "name_en": {"New"}} },
	"GET /programmes/{id}": nil,
	"POST /programmes/{id}": func(c *authzCase) any {
		return url.Values{"code": {fmt.Sprintf("R%d", c.n)}, "name_en": {"Renamed"}}
	},
	"GET /households": nil,
	"POST /households": func(c *authzCase) any {
		return url.Values{"unit_id": {id(c.unit.ID)}, "address": {fmt.Sprintf("%d New Street", c.n)}}
	},
	"GET /households/{id}":      nil,
	"GET /households/{id}/edit": nil,
	"POST /households/{id}": func(c *authzCase) any {
		return url.Values{"unit_id": {id(c.unit.ID)}, "address": {fmt.Sprintf("%d Changed Street", c.n)}}
	},
	"GET /households/{id}/persons/new": nil,
	"POST /persons": func(c *authzCase) any {
		return url.Values{"household_id": {id(c.household.ID)}, "kind": {"resident"}, "name_latin": {fmt.Sprintf("New Person %d", c.n)}}
	},
	"GET /persons/{id}":      nil,
	"GET /persons/{id}/edit": nil,
	"POST /persons/{id}":     func(c *authzCase) any { return url.Values{"name_latin": {fmt.Sprintf("Renamed %d", c.n)}} },
	"POST /persons/{id}/status": func(c *authzCase) any {
		return url.Values{"kind": {"moved"}, "date": {"2020-01-01"}, "to_address": {fmt.Sprintf("Flat %d", c.n)}}
	},
	"POST /persons/{id}/links": func(c *authzCase) any {
		return url.Values{"member_id": {id(c.person.ID)}, "relationship": {"child"}}
	},
	"POST /persons/{id}/merge":   func(c *authzCase) any { return url.Values{"other_id": {id(duplicateOf(c).ID)}} },
	"POST /persons/{id}/dismiss": func(c *authzCase) any { return url.Values{"other_id": {id(c.relative.ID)}} },
	"GET /persons/{id}/audit":    nil,
	"GET /search":                func(c *authzCase) any { return queryInput{"q": {"Kim"}} },
	"GET /duplicates":            nil,
	"GET /import":                nil,
	"POST /import": func(c *authzCase) any {
		return uploadInput{fields: url.Values{"skip_invalid": {"1"}}, file: importCSV(c)}
	},
	"GET /import/{id}":               nil,
	"POST /import/{id}/skip-invalid": func(c *authzCase) any { return url.Values{} },
	"GET /import/{id}/rejected":      nil,
	"GET /export":                    nil,

	"GET /api/v1/programmes": nil,
	"POST /api/v1/programmes": func(c *authzCase) any {
		return map[string]any{"code": fmt.Sprintf("A%d", c.n), "name_en": "New"}
	},
	"GET /api/v1/programmes/{id}":   nil,
	"PATCH /api/v1/programmes/{id}": func(c *authzCase) any { return map[string]any{"description": fmt.Sprintf("Changed %d", c.n)} },
	"GET /api/v1/households":        nil,
	"POST /api/v1/households": func(c *authzCase) any {
		return map[string]any{"unit_id": c.unit.ID, "address": fmt.Sprintf("%d API Street", c.n)}
	},
	"GET /api/v1/households/{id}":   nil,
	"PATCH /api/v1/households/{id}": func(c *authzCase) any { return map[string]any{"notes": fmt.Sprintf("Changed %d", c.n)} },
	"POST /api/v1/persons": func(c *authzCase) any {
		return map[string]any{"household_id": c.household.ID, "name_latin": fmt.Sprintf("API Person %d", c.n)}
	},
	"GET /api/v1/persons/{id}":   nil,
	"PATCH /api/v1/persons/{id}": func(c *authzCase) any { return map[string]any{"notes": fmt.Sprintf("Changed %d", c.n)} },
	"POST /api/v1/persons/{id}/status-events": func(c *authzCase) any {
		return map[string]any{"kind": "moved", "date": "2020-01-01", "to_address": fmt.Sprintf("Flat %d", c.n)}
	},
	"POST /api/v1/persons/{id}/links": func(c *authzCase) any {
		return map[string]any{"member_id": c.person.ID, "relationship": "child"}
	},
	"POST /api/v1/persons/{id}/merge":   func(c *authzCase) any { return map[string]any{"other_id": duplicateOf(c).ID} },
	"POST /api/v1/persons/{id}/dismiss": func(c *authzCase) any { return map[string]any{"other_id": c.relative.ID} },
	"GET /api/v1/persons/{id}/who-saw":  nil,
	"GET /api/v1/search":                func(c *authzCase) any { return queryInput{"q": {"Kim"}} },
	"GET /api/v1/duplicates":            nil,
	"POST /api/v1/import":               func(c *authzCase) any { return rawInput{"text/csv", importCSV(c)} },
	"GET /api/v1/export":                nil,

	// Welfare.
	"GET /work":                 nil,
	"GET /units/{id}/queue":     nil,
	"GET /units/{id}/dashboard": nil,
	"POST /households/{id}/visits": func(c *authzCase) any {
		return url.Values{"at": {"2020-01-01T10:00"}, "officer_ids": {id(c.target.ID)}, "purpose": {"check"},
			"problems[0].category": {"health"}, "problems[0].description": {fmt.Sprintf("Problem %d", c.n)}, "problems[0].priority": {"high"}}
	},
	"POST /households/{id}/case-officer": func(c *authzCase) any { return url.Values{"officer_id": {id(c.target.ID)}} },
	"GET /visits/{id}":                   nil,
	"GET /problems/{id}":                 nil,
	"POST /problems/{id}/actions": func(c *authzCase) any {
		return url.Values{"action": {"comment"}, "note": {fmt.Sprintf("Comment %d", c.n)}}
	},
	"GET /visit-plans": nil,
	"POST /visit-plans": func(c *authzCase) any {
		return url.Values{"unit_id": {id(c.unit.ID)}, "programme_id": {id(planProgramme(c).ID)}, "every_days": {"30"}, "active": {"1"}}
	},
	"POST /visit-plans/{id}": func(c *authzCase) any { return url.Values{"every_days": {"14"}, "active": {"1"}} },
	"GET /inbox":             nil,
	"POST /inbox/read":       func(c *authzCase) any { return url.Values{} },
	"POST /account/email":    func(c *authzCase) any { return url.Values{"email": {fmt.Sprintf("user%d@example.org", c.n)}} },

	"GET /api/v1/visits":      nil,
	"GET /api/v1/visits/{id}": nil,
	"POST /api/v1/households/{id}/visits": func(c *authzCase) any {
		return map[string]any{"at": "2020-01-01T10:00:00Z", "officer_ids": []int64{c.target.ID},
			"problems": []map[string]any{{"category": "food", "description": fmt.Sprintf("API problem %d", c.n)}}}
	},
	"POST /api/v1/households/{id}/problems": func(c *authzCase) any {
		return map[string]any{"category": "housing", "description": fmt.Sprintf("Roof %d", c.n)}
	},
	"GET /api/v1/households/{id}/case-officer": nil,
	"PUT /api/v1/households/{id}/case-officer": func(c *authzCase) any { return map[string]any{"officer_id": c.target.ID} },
	"GET /api/v1/problems":                     nil,
	"GET /api/v1/problems/{id}":                nil,
	"POST /api/v1/problems/{id}/actions": func(c *authzCase) any {
		return map[string]any{"action": "comment", "note": fmt.Sprintf("API comment %d", c.n)}
	},
	"GET /api/v1/my-work":              nil,
	"GET /api/v1/units/{id}/queue":     nil,
	"GET /api/v1/units/{id}/dashboard": nil,
	"GET /api/v1/visit-plans":          nil,
	"POST /api/v1/visit-plans": func(c *authzCase) any {
		return map[string]any{"unit_id": c.unit.ID, "programme_id": planProgramme(c).ID, "every_days": 30}
	},
	"PATCH /api/v1/visit-plans/{id}":  func(c *authzCase) any { return map[string]any{"every_days": 21} },
	"GET /api/v1/notifications":       nil,
	"POST /api/v1/notifications/read": nil,
	"GET /api/v1/me/email":            nil,
	"PUT /api/v1/me/email":            func(c *authzCase) any { return map[string]any{"email": fmt.Sprintf("api%d@example.org", c.n)} },

	// Directives.
	"GET /directives":        nil,
	"GET /directives/issued": nil,
	"GET /directives/new":    nil,
	"POST /directives": func(c *authzCase) any {
		return url.Values{"issuer_unit_id": {id(c.unit.ID)}, "title": {fmt.Sprintf("Directive %d", c.n)}, "body": {"Do it."},
			"due_at": {dueDate()}, "to": {"units"}, "addressees": {id(c.below.ID)}}
	},
	"GET /directives/{id}":         nil,
	"GET /directives/{id}/pass-on": nil,
	"POST /directives/{id}/amend": func(c *authzCase) any {
		return url.Values{"title": {fmt.Sprintf("Amended %d", c.n)}, "due_at": {dueDate()}, "note": {"Changed"}}
	},
	"POST /directives/{id}/withdraw":     func(c *authzCase) any { return url.Values{"reason": {"No longer needed"}} },
	"GET /directives/{id}/reports":       nil,
	"GET /directives/{id}/rollup":        nil,
	"GET /directives/{id}/print":         nil,
	"GET /directives/{id}/rollup.xlsx":   nil,
	"GET /directives/{id}/reports.xlsx":  nil,
	"POST /assignments/{id}/acknowledge": func(c *authzCase) any { return url.Values{} },
	"GET /assignments/{id}/report":       nil,
	"POST /assignments/{id}/report": func(c *authzCase) any {
		c.f.acknowledge(c.assignment)
		return uploadInput{fields: url.Values{"narrative": {fmt.Sprintf("Report %d", c.n)}}, file: "plain text evidence"}
	},
	"POST /assignments/{id}/review": func(c *authzCase) any { return url.Values{"action": {"accept"}} },
	"GET /attachments/{id}":         nil,

	"GET /api/v1/directives": nil,
	"POST /api/v1/directives": func(c *authzCase) any {
		return map[string]any{"issuer_unit_id": c.unit.ID, "title": fmt.Sprintf("API directive %d", c.n),
			"due_at": time.Now().Add(20 * 24 * time.Hour), "addressees": map[string]any{"unit_ids": []int64{c.below.ID}}}
	},
	"GET /api/v1/directives/{id}": nil,
	"POST /api/v1/directives/{id}/amend": func(c *authzCase) any {
		return map[string]any{"title": fmt.Sprintf("API amended %d", c.n), "due_at": time.Now().Add(20 * 24 * time.Hour), "note": "Changed"}
	},
	"POST /api/v1/directives/{id}/withdraw":     func(c *authzCase) any { return map[string]any{"reason": "No longer needed"} },
	"GET /api/v1/directives/{id}/rollup":        nil,
	"GET /api/v1/directives/{id}/reports":       nil,
	"GET /api/v1/assignments/{id}/evidence":     nil,
	"POST /api/v1/assignments/{id}/acknowledge": nil,
	"POST /api/v1/assignments/{id}/reports": func(c *authzCase) any {
		c.f.acknowledge(c.assignment)
		return map[string]any{"narrative": fmt.Sprintf("API report %d", c.n)}
	},
	"POST /api/v1/assignments/{id}/review": func(c *authzCase) any { return map[string]any{"action": "accept"} },
	"GET /api/v1/attachments/{id}":         nil,
}

// dueDate is a due date of the issue and amend forms, 20 days ahead.
func dueDate() string { return time.Now().Add(20 * 24 * time.Hour).Format(time.DateOnly) }

// directiveTarget reports whether the target's routes need directives'
// records; directiveRecords makes them for one case.
func directiveTarget(t targetKind) bool {
	switch t {
	case targetDirective, targetReceived, targetAssignment, targetReview, targetAttachment, targetIssuerField:
		return true
	}
	return false
}

// directiveRecords gives the case its directive records: a directive
// issued by the relation's unit to the unit below it (targetDirective),
// reported on there (targetReview); or one the root issued to the
// relation's unit (targetReceived), its assignment there
// (targetAssignment), and an attachment of its report (targetAttachment).
func directiveRecords(c *authzCase, t targetKind) {
	f := c.f
	switch t {
	case targetDirective, targetReview:
		c.directive = f.issue(c.unit, fmt.Sprintf("Issued %d", c.n), c.below)
		if t == targetReview {
			c.assignment = f.assignmentOf(c.directive, c.below)
			f.report(c.assignment, false)
		}
	case targetReceived, targetAssignment, targetAttachment:
		c.directive = f.issue(f.root, fmt.Sprintf("Received %d", c.n), c.unit)
		c.assignment = f.assignmentOf(c.directive, c.unit)
		if t == targetAttachment {
			r := f.report(c.assignment, true)
			c.attachmentID = r.Attachments[0].ID
		}
	}
}

// planProgramme adds a programme for the case's new visit plan: a unit has
// one plan per programme, and each case adds its own.
func planProgramme(c *authzCase) *kinbridge.Programme {
	return c.f.programme(fmt.Sprintf("VP%d", c.n), fmt.Sprintf("Plan programme %d", c.n))
}

// welfareTarget reports whether the target's routes need welfare's records
// in each relation's unit.
func welfareTarget(t targetKind) bool {
	return t == targetProblem || t == targetVisit || t == targetVisitPlan
}

// duplicateOf adds another resident to the case's household, to be merged
// into the case's person.
func duplicateOf(c *authzCase) *kinbridge.Person {
	return c.f.resident(c.household, "", fmt.Sprintf("Duplicate %d", c.n), "")
}

// registryTargets are the targets whose routes need the registry's records
// in each relation's unit.
func registryTarget(t targetKind) bool {
	switch t {
	case targetHousehold, targetPerson, targetRelative, targetHouseholdField, targetProblem, targetVisit:
		return true
	}
	return false
}

// ownImport starts an import for the actor that is refused for one bad row
// (a unit outside everyone's scope), so that its page, its rejected rows
// and its skip-invalid action are there to be tried.
func ownImport(t *testing.T, c *authzCase) string {
	t.Helper()
	csv := importCSV(c) + "H2,999999,Nowhere,resident,Rejected Person\n"
	imp, err := sheet.ReadImport(strings.NewReader(csv), int64(len(csv)), sheet.CSV, nil)
	if err != nil {
		t.Fatal(err)
	}
	j := &importJob{ID: newImportID(), UserID: c.actor.ID, FileName: "households.csv", Started: time.Now(), imp: imp, finished: time.Now()}
	j.result, j.err = c.f.svc.ImportRegistry(c.f.actor(c.actor), imp.Rows, kinbridge.ImportOptions{})
	if j.result == nil {
		// A role that may not import: its page answers 403 before the job
		// matters; the job is there all the same.
		j.result = &kinbridge.ImportResult{}
	}
	c.f.srv.imports.add(j)
	return j.ID
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func unitForm(c *authzCase) url.Values {
	return url.Values{"parent_id": {id(c.unit.ID)}, "name_en": {fmt.Sprintf("New %d", c.n)}, "time_zone": {"Asia/Seoul"}}
}

func userForm(c *authzCase) url.Values {
	return url.Values{"username": {fmt.Sprintf("new%d", c.n)}, "role": {"officer"}, "unit_id": {id(c.unit.ID)},
		"password": {testPassword}, "lang": {"en"}}
}

// relationsOf lists the relations a route is tried in: all four for a route
// whose target is a unit or a unit's user; just "own" for one that names no
// record of a unit (lists, the caller's own account and tokens).
func relationsOf(rt route) []kinbridge.Relation {
	switch rt.target {
	case targetUnit, targetUser, targetParentField, targetUnitField,
		targetHousehold, targetPerson, targetRelative, targetHouseholdField,
		targetProblem, targetVisit, targetVisitPlan,
		targetDirective, targetReceived, targetAssignment, targetReview, targetAttachment, targetIssuerField,
		targetCall, targetCallPlan, targetRosterException,
		targetDeparture, targetResidentCode:
		return kinbridge.Relations
	}
	// Programmes are agency-wide; imports and tokens are the caller's own.
	return []kinbridge.Relation{kinbridge.RelationOwn}
}

// expectation is what the policy prescribes for the route.
func expectation(rt route, role kinbridge.Role, rel kinbridge.Relation) string {
	if rt.public {
		return "allow"
	}
	want := kinbridge.Expect(role, rt.action, rel)
	if want == "allow" && agencyWideRoute(rt) {
		// Allocation writes requests of every unit: only users of the top
		// unit allocate, and the actor works in a unit below it.
		return "forbidden"
	}
	return want
}

// targetField is the input that names the target of a create route: a unit
// out of scope named there is refused as invalid input at that field.
func targetField(t targetKind) string {
	switch t {
	case targetParentField:
		return "parent_id"
	case targetUnitField:
		return "unit_id"
	case targetHouseholdField:
		return "household_id"
	case targetIssuerField:
		return "issuer_unit_id"
	}
	return ""
}

// TestAuthorization calls every route of the table as every role, on a
// record in the actor's own unit, a child, a sibling and the parent unit, and
// checks the outcome against kinbridge.Expect: allow → 2xx or 3xx; forbidden
// → 403; not found → 404, or, where the record is named by a form field of a
// create route, 422 with the error at that field.
func TestAuthorization(t *testing.T) {
	routes := NewServer(nil, Options{}).routeTable()
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.method + " " + rt.pattern
		seen[key] = true
		if _, ok := authzInputs[key]; !ok {
			t.Errorf("route %s has no entry in authzInputs: say how to call it validly", key)
		}
	}
	for key := range authzInputs {
		if !seen[key] {
			t.Errorf("authzInputs has %s, which is not a route", key)
		}
	}
	if t.Failed() {
		return
	}
	for _, rt := range routes {
		t.Run(rt.method+" "+rt.pattern, func(t *testing.T) {
			t.Parallel()
			// One database per route: the roles and relations of one route
			// do not disturb each other's records (each case names its new
			// records uniquely, and each target is another user than the
			// actor).
			f := newFixture(t)
			targets := map[kinbridge.Relation]*kinbridge.User{}
			units := map[kinbridge.Relation]*kinbridge.Unit{
				kinbridge.RelationOwn: f.b, kinbridge.RelationChild: f.c, kinbridge.RelationSibling: f.d, kinbridge.RelationParent: f.a,
			}
			for rel, u := range units {
				targets[rel] = f.user(kinbridge.RoleOfficer, u)
			}
			type records struct {
				household        *kinbridge.Household
				person, relative *kinbridge.Person
			}
			registry := map[kinbridge.Relation]records{}
			if registryTarget(rt.target) {
				for rel, u := range units {
					h := f.household(u, "1 "+string(rel)+" Street")
					p := f.resident(h, "金明", "Kim Myong", "1970")
					registry[rel] = records{h, p, f.relative(h, p, "Kim Son", "China")}
				}
			}
			var prog *kinbridge.Programme
			if rt.target == targetProgramme {
				prog = f.programme("P1", "Programme one")
			}
			type welfareRecords struct {
				problem *kinbridge.Problem
				visit   *kinbridge.Visit
				plan    *kinbridge.VisitPlan
			}
			welfare := map[kinbridge.Relation]welfareRecords{}
			if welfareTarget(rt.target) {
				planProg := f.programme("WP", "Welfare plans")
				for rel, u := range units {
					var wr welfareRecords
					if rt.target == targetVisitPlan {
						wr.plan = f.visitPlan(u, planProg, 30)
					} else {
						wr.visit, wr.problem = f.visit(registry[rel].household, targets[rel], "health")
					}
					welfare[rel] = wr
				}
			}
			// Directives: a unit below each relation's unit for its
			// directives to go to (the parent's goes to the sibling, out
			// of the actor's reach), and a store for attachments.
			below := map[kinbridge.Relation]*kinbridge.Unit{}
			if directiveTarget(rt.target) {
				f.svc.SetAttachmentStore(testFiles(t))
				below = map[kinbridge.Relation]*kinbridge.Unit{
					kinbridge.RelationOwn:     f.c,
					kinbridge.RelationChild:   f.unit(f.c.ID, "Office C1", "C1 사무소", "C1 办事处"),
					kinbridge.RelationSibling: f.unit(f.d.ID, "Office D1", "D1 사무소", "D1 办事处"),
					kinbridge.RelationParent:  f.d,
				}
			}
			// Calls: each relation's unit is an office with a room and
			// its officer on duty every day.
			rooms := map[kinbridge.Relation]*kinbridge.CallRoom{}
			if callsRoute(rt) {
				for rel, u := range units {
					rooms[rel] = callsSetup(f, u, targets[rel])
				}
			}
			n := 0
			for _, role := range kinbridge.Roles {
				actor := f.user(role, f.b)
				for _, rel := range relationsOf(rt) {
					n++
					c := &authzCase{f: f, actor: actor, rel: rel, unit: units[rel], target: targets[rel], n: n,
						household: registry[rel].household, person: registry[rel].person, relative: registry[rel].relative, programme: prog,
						problem: welfare[rel].problem, visit: welfare[rel].visit, plan: welfare[rel].plan, below: below[rel]}
					if directiveTarget(rt.target) {
						directiveRecords(c, rt.target)
					}
					if callsRoute(rt) {
						callRecords(t, c, rt, rooms[rel])
					}
					if departuresRoute(rt) {
						departureRecords(t, c, rt)
					}
					switch rt.target {
					case targetOwnToken:
						c.tokenID, _ = f.apiToken(actor)
					case targetOwnImport:
						c.importID = ownImport(t, c)
					}
					want := expectation(rt, role, rel)
					resp, body := authzRequest(t, rt, c)
					if msg := checkOutcome(rt, want, resp, body); msg != "" {
						t.Errorf("%s as %s on %s: %s", key(rt), role, rel, msg)
					}
				}
			}
		})
	}
}

func key(rt route) string { return rt.method + " " + rt.pattern }

// authzRequest sends the case's request, signed in as the actor.
func authzRequest(t *testing.T, rt route, c *authzCase) (*http.Response, string) {
	t.Helper()
	path := strings.ReplaceAll(rt.pattern, "{$}", "")
	if path == "/static/" {
		path = "/static/style.css"
	}
	var id int64
	switch rt.target {
	case targetUnit:
		id = c.unit.ID
	case targetUser:
		id = c.target.ID
	case targetOwnToken:
		id = c.tokenID
	case targetProgramme:
		id = c.programme.ID
	case targetHousehold:
		id = c.household.ID
	case targetPerson:
		id = c.person.ID
	case targetRelative:
		id = c.relative.ID
	case targetProblem:
		id = c.problem.ID
	case targetVisit:
		id = c.visit.ID
	case targetVisitPlan:
		id = c.plan.ID
	case targetDirective, targetReceived:
		id = c.directive.ID
	case targetAssignment, targetReview:
		id = c.assignment.ID
	case targetAttachment:
		id = c.attachmentID
	case targetCall:
		id = c.call.ID
	case targetCallPlan:
		id = c.callPlan.ID
	case targetRosterException:
		id = c.exceptionID
	case targetOwnCalendarToken:
		id = c.calendarTokenID
	case targetDeparture:
		id = c.departure.ID
	case targetResidentCode:
		id = c.residentCodeID
	case targetDeparturePolicy:
		id = c.policyID
	case targetCrossing:
		id = c.crossingID
	}
	path = strings.NewReplacer("{day}", seoulToday(), "{week}", thisMonday(time.Now(), c.unit.Location()), "{file}", c.feedToken+".ics").Replace(path)
	if rt.target == targetOwnImport {
		path = strings.ReplaceAll(path, "{id}", c.importID)
	} else {
		path = strings.ReplaceAll(path, "{id}", strconv.FormatInt(id, 10))
	}

	var input any
	if fn := authzInputs[key(rt)]; fn != nil {
		input = fn(c)
	}
	var r *http.Request
	switch in := input.(type) {
	case url.Values:
		r = httptest.NewRequest(rt.method, path, strings.NewReader(in.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case nil:
		r = httptest.NewRequest(rt.method, path, nil)
	case queryInput:
		r = httptest.NewRequest(rt.method, path+"?"+url.Values(in).Encode(), nil)
	case uploadInput:
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, vs := range in.fields {
			for _, v := range vs {
				mw.WriteField(k, v)
			}
		}
		fw, _ := mw.CreateFormFile("file", "households.csv")
		io.WriteString(fw, in.file)
		mw.Close()
		r = httptest.NewRequest(rt.method, path, &body)
		r.Header.Set("Content-Type", mw.FormDataContentType())
	case rawInput:
		r = httptest.NewRequest(rt.method, path, strings.NewReader(in.body))
		r.Header.Set("Content-Type", in.contentType)
	default:
		r = httptest.NewRequest(rt.method, path, strings.NewReader(mustJSON(t, in)))
		r.Header.Set("Content-Type", "application/json")
	}
	if rt.api {
		_, secret := c.f.apiToken(c.actor)
		r.Header.Set("Authorization", "Bearer "+secret)
	} else {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.f.session(c.actor)})
	}
	resp := c.f.do(r)
	return resp, readBody(t, resp)
}

// checkOutcome returns what is wrong with the response, or "".
func checkOutcome(rt route, want string, resp *http.Response, body string) string {
	got := fmt.Sprintf("got %d", resp.StatusCode)
	if loc := resp.Header.Get("Location"); loc != "" {
		got += " → " + loc
	}
	if len(body) > 0 && resp.StatusCode >= 400 {
		got += ": " + excerpt(body)
	}
	switch want {
	case "allow":
		if resp.StatusCode >= 400 {
			return "want allowed, " + got
		}
		// A page that sends a visitor to sign in answers 303 as well: that
		// is not "allowed" (except for signing out, which goes there).
		if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, "/login") && rt.pattern != "/logout" && !rt.public {
			return "want allowed, was sent to sign in: " + got
		}
	case "forbidden":
		if resp.StatusCode != http.StatusForbidden {
			return "want 403 forbidden, " + got
		}
	case "not found":
		if field := targetField(rt.target); field != "" {
			if resp.StatusCode != http.StatusUnprocessableEntity {
				return fmt.Sprintf("want 422 at field %s (its unit is not found), %s", field, got)
			}
			if rt.api && !strings.Contains(body, `"field":"`+field+`"`) {
				return "want the error at field " + field + ", " + got
			}
			if !rt.api && !strings.Contains(body, `id="f-`+field+`-error"`) {
				return "want the error shown at field " + field + ", " + got
			}
			return ""
		}
		if resp.StatusCode != http.StatusNotFound {
			return "want 404 not found, " + got
		}
	default:
		return "unknown expectation " + want
	}
	return ""
}

func excerpt(body string) string {
	if i := strings.Index(body, `class="alert"`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 200 {
		body = body[:200]
	}
	return strings.Join(strings.Fields(body), " ")
}
