package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// Run runs the whole behaviour suite against stores that open opens. Each
// case gets a store of its own, so that the cases run in parallel.
func Run(t *testing.T, open Opener) {
	cases := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"Migrate", testMigrate},
		{"Times", testTimes},
		{"TxErrors", testTxErrors},
		{"ViewSnapshot", testViewSnapshot},
		{"Units", testUnits},
		{"UnitSubtreeBounds", testUnitSubtreeBounds},
		{"UnitScope", testUnitScope},
		{"Users", testUsers},
		{"UserScope", testUserScope},
		{"DisableEndsSessions", testDisableEndsSessions},
		{"ResetPassword", testResetPassword},
		{"Login", testLogin},
		{"LoginRateLimit", testLoginRateLimit},
		{"SessionIdleTimeout", testSessionIdleTimeout},
		{"SessionAbsoluteTimeout", testSessionAbsoluteTimeout},
		{"ExpireSessions", testExpireSessions},
		{"APITokens", testAPITokens},
		{"AuditEveryWrite", testAuditEveryWrite},
		{"AuditRollback", testAuditRollback},
		{"AuditStaleHead", testAuditStaleHead},
		{"AuditTimeOrder", testAuditTimeOrder},
		{"AuditFilters", testAuditFilters},
		{"AuditTamper", testAuditTamper},
		{"Concurrency", testConcurrency},
	}
	cases = append(cases, registryCases...)
	cases = append(cases, welfareCases...)
	cases = append(cases, directiveCases...)
	cases = append(cases, callsCases...)
	cases = append(cases, callsServiceCases...)
	cases = append(cases, departuresCases...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, open)
		})
	}
}

// fixture is a store with a clock, a service and a small organisation:
//
//	hq
//	├── regionA
//	│   └── officeA1
//	└── regionB
//	    └── officeB1
type fixture struct {
	store *sqlstore.Store
	clock *Clock
	svc   *kinbridge.Service

	hq, regionA, regionB, officeA1, officeB1 *kinbridge.Unit
}

func newFixture(t *testing.T, open Opener) *fixture {
	t.Helper()
	s := open(t)
	clock := NewClock(t0)
	s.SetClock(clock)
	f := &fixture{store: s, clock: clock, svc: kinbridge.NewService(s, clock, kinbridge.ServiceConfig{})}
	f.hq = f.mustCreateUnit(t, System(), 0, "HQ")
	f.regionA = f.mustCreateUnit(t, System(), f.hq.ID, "Region A")
	f.regionB = f.mustCreateUnit(t, System(), f.hq.ID, "Region B")
	f.officeA1 = f.mustCreateUnit(t, System(), f.regionA.ID, "Office A1")
	f.officeB1 = f.mustCreateUnit(t, System(), f.regionB.ID, "Office B1")
	return f
}

func (f *fixture) mustCreateUnit(t *testing.T, ctx context.Context, parentID int64, name string) *kinbridge.Unit {
	t.Helper()
	u := &kinbridge.Unit{ParentID: parentID, Names: kinbridge.UnitNames{EN: name}, TimeZone: "Asia/Seoul"}
	if err := f.svc.CreateUnit(ctx, u); err != nil {
		t.Fatalf("create unit %s: %v", name, err)
	}
	return u
}

// testPassword is long enough for the domain's rule.
const testPassword = "correct horse battery"

func (f *fixture) mustCreateUser(t *testing.T, username string, role kinbridge.Role, unit *kinbridge.Unit) *kinbridge.User {
	t.Helper()
	u, err := f.svc.CreateUser(System(), kinbridge.NewUser{Username: username, Role: role, UnitID: unit.ID, Password: testPassword})
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return u
}

func (f *fixture) mustLogin(t *testing.T, username string) string {
	t.Helper()
	token, _, err := f.svc.Login(context.Background(), username, testPassword, "192.0.2.1", "test")
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return token
}

// head returns the audit head's sequence number.
func (f *fixture) head(t *testing.T) int64 {
	t.Helper()
	var seq int64
	err := f.store.View(context.Background(), func(tx kinbridge.Tx) error {
		head, err := tx.AuditHead(context.Background())
		seq = head.Seq
		return err
	})
	if err != nil {
		t.Fatalf("audit head: %v", err)
	}
	return seq
}

// exec runs raw SQL, written with ? placeholders, on the store's write pool.
func (f *fixture) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := f.store.WriteDB().ExecContext(context.Background(), sqlstore.Rebind(query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// count runs a raw counting query.
func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.store.WriteDB().QueryRowContext(context.Background(), sqlstore.Rebind(query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// wantCode fails the test unless err has the domain error code want.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := kinbridge.ErrorCode(err); got != want {
		t.Fatalf("error code = %q, want %q (error: %v)", got, want, err)
	}
}

// wantField fails the test unless err is EINVALID about the field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	wantCode(t, err, kinbridge.EINVALID)
	if got := kinbridge.ErrorField(err); got != field {
		t.Fatalf("error field = %q, want %q (error: %v)", got, field, err)
	}
}

func mustNoErr(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func diff(t *testing.T, what string, want, got any, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

var errRollback = errors.New("roll back")

func unitPath(ids ...int64) string {
	p := "/"
	for _, id := range ids {
		p += fmt.Sprintf("%d/", id)
	}
	return p
}
