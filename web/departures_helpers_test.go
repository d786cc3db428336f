package web

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/departure"
)

// departureHousehold adds a household of the unit with residents of the
// given birth years, as the system.
func (f *fixture) departureHousehold(u *kinbridge.Unit, address string, births ...string) (*kinbridge.Household, []*kinbridge.Person) {
	f.tb.Helper()
	h := f.household(u, address)
	var ps []*kinbridge.Person
	for i, b := range births {
		ps = append(ps, f.resident(h, "", fmt.Sprintf("%s member %d", address, i+1), b))
	}
	return h, ps
}

// departureRequest puts the household (or, with a person, the person) on
// the list, as the system.
func (f *fixture) departureRequest(h *kinbridge.Household, person *kinbridge.Person, facts ...kinbridge.DepartureMember) *kinbridge.DepartureRequest {
	f.tb.Helper()
	r := &kinbridge.DepartureRequest{HouseholdID: h.ID, Destination: "Seoul", TravelDocs: kinbridge.TravelDocsReady, Members: facts}
	if person != nil {
		r.HouseholdID, r.PersonID = 0, person.ID
	}
	if err := f.svc.CreateDepartureRequest(f.ctx, r); err != nil {
		f.tb.Fatalf("create departure request: %v", err)
	}
	return r
}

// crossing adds a crossing, as the system.
func (f *fixture) crossing(name string, open bool, daily int) *kinbridge.Crossing {
	f.tb.Helper()
	c := &kinbridge.Crossing{Name: name, Open: open, DailyCapacity: daily}
	if err := f.svc.CreateCrossing(f.ctx, c); err != nil {
		f.tb.Fatalf("create crossing: %v", err)
	}
	return c
}

// testPolicy is a policy with two tiers and age and illness points.
func testPolicy(name, fit string) *kinbridge.DeparturePolicy {
	return &kinbridge.DeparturePolicy{MissedRule: kinbridge.MissedKeepPlace, Rules: departure.Policy{Name: name, FitRule: fit,
		Tiers:  []departure.Tier{{Name: "programme members", Fact: departure.FactProgramme}, {Name: "everyone", Fact: departure.FactAll}},
		Points: []departure.PointRule{{Fact: departure.FactAgeAtLeast, Threshold: 70, Points: 2}, {Fact: departure.FactIllness, Points: 1}}}}
}

// draftPolicy stores a draft, as the system.
func (f *fixture) draftPolicy(p *kinbridge.DeparturePolicy) *kinbridge.DeparturePolicy {
	f.tb.Helper()
	if err := f.svc.CreateDeparturePolicy(f.ctx, p); err != nil {
		f.tb.Fatalf("create policy: %v", err)
	}
	return p
}

// allocate allocates the crossing's days from tomorrow (Seoul), as the
// system.
func (f *fixture) allocate(c *kinbridge.Crossing, days int) *kinbridge.CrossingAllocation {
	f.tb.Helper()
	a, err := f.svc.AllocateCrossing(f.ctx, c.ID, addDays(seoulToday(), 1), days)
	if err != nil {
		f.tb.Fatalf("allocate: %v", err)
	}
	return a
}

// departuresRoute reports whether the route is the departure list's,
// whose cases need departure records.
func departuresRoute(rt route) bool {
	for _, s := range []string{"departure", "crossing", "resident"} {
		if strings.Contains(rt.pattern, s) {
			return true
		}
	}
	return false
}

// agencyWideRoute reports whether the service refuses the route to users
// below the top unit, whatever their role: allocation, which writes
// requests of every unit.
func agencyWideRoute(rt route) bool {
	return rt.action == kinbridge.ActionDepartureAllocate && strings.HasSuffix(rt.pattern, "/allocate")
}

// departureRecords gives one case of a departures route its records,
// fresh for the case (a request is withdrawn or departs once, a draft is
// adopted once, a code revoked once): a household of the relation's unit
// and its request (allocated for departed and missed), a resident code
// of it, a draft policy, and an open crossing.
func departureRecords(t *testing.T, c *authzCase, rt route) {
	f := c.f
	h, _ := f.departureHousehold(c.unit, fmt.Sprintf("%d Departure Street", c.n), "1950", "1990")
	c.household = h
	if rt.target == targetHouseholdField {
		return // the case's request is the one the route makes
	}
	cr := f.crossing(fmt.Sprintf("Crossing %d", c.n), true, 100)
	c.crossingID = cr.ID
	c.departure = f.departureRequest(h, nil)
	if strings.HasSuffix(rt.pattern, "/departed") || strings.HasSuffix(rt.pattern, "/missed") {
		f.allocate(cr, 3)
		r, err := f.svc.FindDepartureRequest(f.ctx, c.departure.ID)
		if err != nil || r.Status != kinbridge.DepartureAllocated {
			t.Fatalf("departure request not allocated: %v %+v", err, r)
		}
		c.departure = r
	}
	code, rc, err := f.svc.CreateResidentCode(f.ctx, c.departure.ID)
	if err != nil {
		t.Fatalf("create resident code: %v", err)
	}
	c.residentCode, c.residentCodeID = code, rc.ID
	if rt.target == targetDeparturePolicy {
		c.policyID = f.draftPolicy(testPolicy(fmt.Sprintf("Policy %d", c.n), departure.FitNextThatFits)).ID
	}
}

// policyForm is the editor's form of testPolicy.
func policyForm(name string) url.Values {
	return url.Values{"name": {name}, "fit_rule": {"keep_empty"}, "missed_rule": {"to_end"},
		"tiers[0].name": {"programme members"}, "tiers[0].fact": {"programme_member"},
		"tiers[1].name": {"everyone"}, "tiers[1].fact": {"all"},
		"points[0].fact": {"age_at_least"}, "points[0].threshold": {"70"}, "points[0].points": {"2"},
		"points[1].fact": {"illness"}, "points[1].points": {"1"}, "points[1].max": {"2"}}
}

// policyJSON is testPolicy as the API takes it.
func policyJSON(name string) map[string]any {
	return map[string]any{"missed_rule": "keep_place", "rules": map[string]any{"name": name, "fit_rule": "next_that_fits",
		"tiers":  []map[string]any{{"name": "ill", "fact": "illness"}, {"name": "everyone", "fact": "all"}},
		"points": []map[string]any{{"fact": "age_at_least", "threshold": 75, "points": 3}}}}
}

// departuresAuthzInputs are the departures routes' valid inputs, added to
// authzInputs.
var departuresAuthzInputs = map[string]func(c *authzCase) any{
	"GET /departures":     nil,
	"GET /departures/new": func(c *authzCase) any { return queryInput{"household_id": {id(c.household.ID)}} },
	"POST /departures": func(c *authzCase) any {
		return url.Values{"household_id": {id(c.household.ID)}, "destination": {"Seoul"}, "travel_docs": {"applied"}}
	},
	"GET /departures/requests/{id}": nil,
	"POST /departures/requests/{id}/withdraw": func(c *authzCase) any {
		return url.Values{"version": {fmt.Sprint(c.departure.Version)}, "reason": {"Staying"}}
	},
	"POST /departures/requests/{id}/departed": func(c *authzCase) any {
		return url.Values{"version": {fmt.Sprint(c.departure.Version)}}
	},
	"POST /departures/requests/{id}/missed": func(c *authzCase) any {
		return url.Values{"version": {fmt.Sprint(c.departure.Version)}}
	},
	"POST /departures/requests/{id}/codes": func(c *authzCase) any { return url.Values{} },
	"POST /departures/codes/{id}/revoke": func(c *authzCase) any {
		return url.Values{"request_id": {id(c.departure.ID)}}
	},
	"GET /departures/policies":              nil,
	"POST /departures/policies":             func(c *authzCase) any { return url.Values{"name": {fmt.Sprintf("Draft %d", c.n)}} },
	"GET /departures/policies/{id}":         nil,
	"POST /departures/policies/{id}":        func(c *authzCase) any { return policyForm(fmt.Sprintf("Edited %d", c.n)) },
	"GET /departures/policies/{id}/preview": nil,
	"POST /departures/policies/{id}/adopt":  func(c *authzCase) any { return url.Values{} },
	"GET /departures/crossings":             nil,
	"POST /departures/crossings": func(c *authzCase) any {
		return url.Values{"name": {fmt.Sprintf("New crossing %d", c.n)}, "daily_capacity": {"40"}, "open": {"1"}}
	},
	"GET /departures/crossings/{id}": func(c *authzCase) any { return queryInput{"what_if": {"5"}} },
	"POST /departures/crossings/{id}": func(c *authzCase) any {
		return url.Values{"name": {fmt.Sprintf("Renamed crossing %d", c.n)}, "daily_capacity": {"60"}}
	},
	"POST /departures/crossings/{id}/days": func(c *authzCase) any {
		return url.Values{"day": {addDays(seoulToday(), 2)}, "capacity": {"10"}}
	},
	"POST /departures/crossings/{id}/allocate": func(c *authzCase) any {
		return url.Values{"from": {addDays(seoulToday(), 1)}, "days": {"7"}}
	},
	"GET /departures/crossings/{id}/days/{day}": nil,
	"GET /resident":  func(c *authzCase) any { return queryInput{"lang": {"ko"}} },
	"POST /resident": func(c *authzCase) any { return url.Values{"code": {c.residentCode}, "lang": {"zh"}} },

	"GET /api/v1/departures": func(c *authzCase) any { return queryInput{"status": {"waiting"}} },
	"POST /api/v1/departures": func(c *authzCase) any {
		return map[string]any{"household_id": c.household.ID, "destination": "Busan", "travel_docs": "none"}
	},
	"GET /api/v1/departures/{id}":                 nil,
	"POST /api/v1/departures/{id}/withdraw":       func(c *authzCase) any { return map[string]any{"version": c.departure.Version, "reason": "Staying"} },
	"POST /api/v1/departures/{id}/departed":       func(c *authzCase) any { return map[string]any{"version": c.departure.Version} },
	"POST /api/v1/departures/{id}/missed":         func(c *authzCase) any { return map[string]any{"version": c.departure.Version} },
	"GET /api/v1/departures/{id}/resident-codes":  nil,
	"POST /api/v1/departures/{id}/resident-codes": nil,
	"DELETE /api/v1/resident-codes/{id}":          nil,
	"GET /api/v1/departure-policies":              nil,
	"POST /api/v1/departure-policies":             func(c *authzCase) any { return policyJSON(fmt.Sprintf("API draft %d", c.n)) },
	"GET /api/v1/departure-policies/{id}":         nil,
	"PUT /api/v1/departure-policies/{id}":         func(c *authzCase) any { return policyJSON(fmt.Sprintf("API edited %d", c.n)) },
	"GET /api/v1/departure-policies/{id}/preview": nil,
	"POST /api/v1/departure-policies/{id}/adopt":  nil,
	"GET /api/v1/crossings":                       nil,
	"POST /api/v1/crossings": func(c *authzCase) any {
		return map[string]any{"name": fmt.Sprintf("API crossing %d", c.n), "open": true, "daily_capacity": 30}
	},
	"GET /api/v1/crossings/{id}": nil,
	"PUT /api/v1/crossings/{id}": func(c *authzCase) any {
		return map[string]any{"name": fmt.Sprintf("API renamed %d", c.n), "open": false, "daily_capacity": 0}
	},
	"PUT /api/v1/crossings/{id}/days/{day}": func(c *authzCase) any { return map[string]any{"capacity": 12} },
	"POST /api/v1/crossings/{id}/allocate": func(c *authzCase) any {
		return map[string]any{"from": addDays(seoulToday(), 1), "days": 5}
	},
	"GET /api/v1/crossings/{id}/forecast":   func(c *authzCase) any { return queryInput{"what_if": {"3"}} },
	"GET /api/v1/crossings/{id}/days/{day}": nil,
	"POST /api/v1/resident-lookup":          func(c *authzCase) any { return map[string]any{"code": c.residentCode} },
}

func init() {
	for k, v := range departuresAuthzInputs {
		authzInputs[k] = v
	}
}
