package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlite"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// testPassword is every fixture user's password.
const testPassword = "correct horse battery"

var (
	testHashOnce sync.Once
	testHash     string
)

// testPasswordHash hashes testPassword once per test binary: argon2id costs
// tens of milliseconds, and fixtures make many users.
func testPasswordHash(tb testing.TB) string {
	tb.Helper()
	testHashOnce.Do(func() {
		var err error
		if testHash, err = kinbridge.HashPassword(testPassword); err != nil {
			panic(err)
		}
	})
	return testHash
}

// fixture is a server over a fresh SQLite database holding the unit tree the
// authorisation matrix is written against:
//
//	root → A → B (the actors' unit) → C (child) and E (a second child)
//	       A → D (sibling)
//
// A is B's parent.
type fixture struct {
	tb    testing.TB
	store *sqlstore.Store
	svc   *kinbridge.Service
	srv   *Server
	h     http.Handler
	ctx   context.Context // acts as the system

	root, a, b, c, d, e *kinbridge.Unit
	boss                *kinbridge.User // acts for directive fixtures; see directiveBoss
}

var fixtureSeq atomic.Int64

// newFixture returns a fixture with an empty database but for the tree.
func newFixture(tb testing.TB, opts ...func(*Options)) *fixture {
	tb.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "kinbridge.db"))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { store.Close() })
	svc := kinbridge.NewService(store, nil, kinbridge.DefaultServiceConfig())
	o := Options{DBs: store.DBs()}
	for _, fn := range opts {
		fn(&o)
	}
	srv := NewServer(svc, o)
	// Imports run in the background: they end before the store closes.
	tb.Cleanup(srv.imports.wait)
	f := &fixture{tb: tb, store: store, svc: svc, srv: srv, h: srv.Handler(),
		ctx: kinbridge.NewContextWithActor(ctx, kinbridge.SystemActor("test"))}
	f.root = f.unit(0, "HQ", "본부", "总部")
	f.a = f.unit(f.root.ID, "Region A", "A 지역", "A 区")
	f.b = f.unit(f.a.ID, "Office B", "B 사무소", "B 办事处")
	f.c = f.unit(f.b.ID, "Office C", "C 사무소", "C 办事处")
	f.d = f.unit(f.a.ID, "Office D", "D 사무소", "D 办事处")
	f.e = f.unit(f.b.ID, "Office E", "E 사무소", "E 办事处")
	return f
}

// unit adds a unit as the system.
func (f *fixture) unit(parent int64, en, ko, zh string) *kinbridge.Unit {
	f.tb.Helper()
	u := &kinbridge.Unit{ParentID: parent, Names: kinbridge.UnitNames{EN: en, KO: ko, ZH: zh}, TimeZone: "Asia/Seoul"}
	if err := f.svc.CreateUnit(f.ctx, u); err != nil {
		f.tb.Fatalf("create unit %s: %v", en, err)
	}
	return u
}

// user adds a user of the role to the unit, with testPassword.
func (f *fixture) user(role kinbridge.Role, unit *kinbridge.Unit) *kinbridge.User {
	f.tb.Helper()
	name := fmt.Sprintf("%s%d", strings.ReplaceAll(string(role), "_", ""), fixtureSeq.Add(1))
	users, err := f.svc.CreateUsers(f.ctx, []kinbridge.NewUser{{
		Username: name, DisplayName: "Test " + name, Role: role, UnitID: unit.ID, PasswordHash: testPasswordHash(f.tb), Lang: kinbridge.LangEnglish,
	}}, nil)
	if err != nil {
		f.tb.Fatalf("create user: %v", err)
	}
	return users[0]
}

// actor is the actor of u, for calling the service as u.
func (f *fixture) actor(u *kinbridge.User) context.Context {
	return kinbridge.NewContextWithActor(context.Background(), &kinbridge.Actor{
		UserID: u.ID, Username: u.Username, Role: u.Role, UnitID: u.UnitID, UnitPath: u.UnitPath, Lang: u.Lang, Addr: "test",
	})
}

// household adds a household to the unit, as the system.
func (f *fixture) household(unit *kinbridge.Unit, address string) *kinbridge.Household {
	f.tb.Helper()
	h := &kinbridge.Household{UnitID: unit.ID, Address: address, Phone: "+82 2 555 0100", Languages: []string{"ko", "zh"}}
	if err := f.svc.CreateHousehold(f.ctx, h); err != nil {
		f.tb.Fatalf("create household: %v", err)
	}
	return h
}

// resident adds a resident to the household, as the system.
func (f *fixture) resident(h *kinbridge.Household, native, latin, birth string) *kinbridge.Person {
	f.tb.Helper()
	return f.person(&kinbridge.Person{Kind: kinbridge.PersonResident, HouseholdID: h.ID, Names: kinbridge.PersonNames{Native: native, Latin: latin}, BirthDate: birth})
}

// relative adds a relative abroad to the household, linked to member as
// their child, as the system.
func (f *fixture) relative(h *kinbridge.Household, member *kinbridge.Person, latin, country string) *kinbridge.Person {
	f.tb.Helper()
	p := f.person(&kinbridge.Person{Kind: kinbridge.PersonRelativeAbroad, HouseholdID: h.ID, Names: kinbridge.PersonNames{Latin: latin}, Country: country})
	if err := f.svc.LinkRelative(f.ctx, kinbridge.RelativeLink{RelativeID: p.ID, MemberID: member.ID, Relationship: "child"}); err != nil {
		f.tb.Fatalf("link relative: %v", err)
	}
	return p
}

// person adds a person as the system.
func (f *fixture) person(p *kinbridge.Person) *kinbridge.Person {
	f.tb.Helper()
	if _, err := f.svc.CreatePerson(f.ctx, p); err != nil {
		f.tb.Fatalf("create person %v: %v", p.Names, err)
	}
	return p
}

// programme adds a programme as the system.
func (f *fixture) programme(code, en string) *kinbridge.Programme {
	f.tb.Helper()
	p := &kinbridge.Programme{Code: code, Names: kinbridge.UnitNames{EN: en, KO: en + " (ko)", ZH: en + " (zh)"}}
	if err := f.svc.CreateProgramme(f.ctx, p); err != nil {
		f.tb.Fatalf("create programme: %v", err)
	}
	return p
}

// session opens a session for u straight in the store, skipping the
// password check that Login's tests cover, and returns its cookie value.
func (f *fixture) session(u *kinbridge.User) string {
	f.tb.Helper()
	token := fmt.Sprintf("test-session-%d-%d", u.ID, fixtureSeq.Add(1))
	err := f.store.Update(context.Background(), func(tx kinbridge.Tx) error {
		return tx.CreateSession(context.Background(), &kinbridge.Session{
			TokenHash: kinbridge.HashToken(token), UserID: u.ID, Created: tx.Now(), LastSeen: tx.Now(), Addr: "test",
		})
	})
	if err != nil {
		f.tb.Fatalf("create session: %v", err)
	}
	return token
}

// apiToken creates an API token for u and returns its id and secret.
func (f *fixture) apiToken(u *kinbridge.User) (int64, string) {
	f.tb.Helper()
	t, secret, err := f.svc.CreateAPIToken(f.actor(u), "test")
	if err != nil {
		f.tb.Fatalf("create API token: %v", err)
	}
	return t.ID, secret
}

// do serves one request in-process and returns the response.
func (f *fixture) do(r *http.Request) *http.Response {
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w.Result()
}

// get requests a page with the session cookie (none if "").
func (f *fixture) get(path, session string) *http.Response {
	r := httptest.NewRequest("GET", path, nil)
	if session != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	}
	return f.do(r)
}

// post posts a form with the session cookie (none if "").
func (f *fixture) post(path, session string, form url.Values) *http.Response {
	r := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if session != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	}
	return f.do(r)
}

// api calls the JSON API with a bearer token; body, if not nil, is sent as
// JSON.
func (f *fixture) api(method, path, token string, body any) *http.Response {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			f.tb.Fatal(err)
		}
		rd = strings.NewReader(string(b))
	}
	r := httptest.NewRequest(method, path, rd)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return f.do(r)
}

// readBody returns the body of a response as a string.
func readBody(tb testing.TB, resp *http.Response) string {
	tb.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// apiErr decodes an API error body.
func apiErr(tb testing.TB, resp *http.Response) apiErrorDetail {
	tb.Helper()
	var body apiErrorBody
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		tb.Fatalf("decode API error (status %d): %v", resp.StatusCode, err)
	}
	return body.Error
}

// mustJSON encodes v.
func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func newRequest(method, path string) *http.Request { return httptest.NewRequest(method, path, nil) }

func cookie(name, value string) *http.Cookie { return &http.Cookie{Name: name, Value: value} }

func ioNopCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }
