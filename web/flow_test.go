package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kinbridge/kinbridge"
)

// TestScopedFlow walks the platform's acceptance story over the pages: an
// administrator adds a unit and a user there; that user signs in and sees
// only their unit.
func TestScopedFlow(t *testing.T) {
	f := newFixture(t)
	admin := f.user(kinbridge.RoleAdministrator, f.b)
	sess := f.session(admin)

	resp := f.post("/units", sess, url.Values{"parent_id": {id(f.b.ID)}, "name_en": {"Office G"}, "name_ko": {"G 사무소"}, "time_zone": {"Asia/Seoul"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add unit: %d %s", resp.StatusCode, readBody(t, resp))
	}
	unitPage := resp.Header.Get("Location")
	body := readBody(t, f.get(unitPage, sess))
	if !strings.Contains(body, "<h1>Office G</h1>") || !strings.Contains(body, "The unit was added.") {
		t.Fatalf("new unit page:\n%s", body)
	}
	gID := strings.TrimPrefix(strings.Split(unitPage, "?")[0], "/units/")

	resp = f.post("/users", sess, url.Values{"username": {"gofficer"}, "display_name": {"G Officer"}, "role": {"officer"},
		"unit_id": {gID}, "password": {"g-officer-password"}, "lang": {"ko"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add user: %d %s", resp.StatusCode, readBody(t, resp))
	}

	resp, c := f.login("gofficer", "g-officer-password")
	if c == nil {
		t.Fatalf("sign in as the new user: %d", resp.StatusCode)
	}
	body = readBody(t, f.get("/units", c.Value))
	if !strings.Contains(body, "G 사무소") || strings.Contains(body, "B 사무소") || strings.Contains(body, "C 사무소") {
		t.Errorf("the officer sees more than their unit:\n%s", body)
	}
	if strings.Contains(body, `action="/units"`) {
		t.Error("the officer is offered the add-unit form")
	}
	if resp := f.get(fmt.Sprintf("/units/%d", f.b.ID), c.Value); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the officer opens the parent unit: %d", resp.StatusCode)
	}
	if resp := f.get("/users", c.Value); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the officer lists users: %d", resp.StatusCode)
	}

	// The user's record over the API holds no password hash.
	_, tok := f.apiToken(admin)
	users, _, _ := f.svc.FindUsers(f.actor(admin), kinbridge.UserFilter{})
	for _, u := range users {
		if body := readBody(t, f.api("GET", fmt.Sprintf("/api/v1/users/%d", u.ID), tok, nil)); strings.Contains(body, "argon2") || strings.Contains(body, "password") {
			t.Errorf("user JSON leaks the password: %s", body)
		}
	}
}

func TestStatic(t *testing.T) {
	f := newFixture(t)
	resp := f.get("/static/style.css", "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("style.css: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp := f.get("/static/", ""); resp.StatusCode != 404 {
		t.Errorf("directory listing: %d", resp.StatusCode)
	}
	resp = f.get("/login", "")
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("no CSP on pages: %q", csp)
	}
}
