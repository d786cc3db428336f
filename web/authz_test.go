package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kinbridge/kinbridge"
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
	case targetUnit, targetUser, targetParentField, targetUnitField:
		return kinbridge.Relations
	}
	return []kinbridge.Relation{kinbridge.RelationOwn}
}

// expectation is what the policy prescribes for the route.
func expectation(rt route, role kinbridge.Role, rel kinbridge.Relation) string {
	if rt.public {
		return "allow"
	}
	return kinbridge.Expect(role, rt.action, rel)
}

// targetField is the input that names the target of a create route: a unit
// out of scope named there is refused as invalid input at that field.
func targetField(t targetKind) string {
	switch t {
	case targetParentField:
		return "parent_id"
	case targetUnitField:
		return "unit_id"
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
			n := 0
			for _, role := range kinbridge.Roles {
				actor := f.user(role, f.b)
				for _, rel := range relationsOf(rt) {
					n++
					c := &authzCase{f: f, actor: actor, rel: rel, unit: units[rel], target: targets[rel], n: n}
					if rt.target == targetOwnToken {
						c.tokenID, _ = f.apiToken(actor)
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
	}
	path = strings.ReplaceAll(path, "{id}", strconv.FormatInt(id, 10))

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
