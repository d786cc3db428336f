package web

import (
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
