package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

func testLogin(t *testing.T, open Opener) {
	f := newFixture(t, open)
	bob := f.mustCreateUser(t, "bob", kinbridge.RoleOfficer, f.officeA1)
	ctx := context.Background()

	t.Run("success", func(t *testing.T) {
		token, a, err := f.svc.Login(ctx, " Bob ", testPassword, "192.0.2.7", "Firefox")
		mustNoErr(t, err, "login")
		want := &kinbridge.Actor{UserID: bob.ID, Username: "bob", Role: kinbridge.RoleOfficer, UnitID: f.officeA1.ID,
			UnitPath: f.officeA1.Path, Lang: "en", Addr: "192.0.2.7"}
		diff(t, "actor", want, a)
		got, err := f.svc.AuthenticateSession(ctx, token, "192.0.2.7")
		mustNoErr(t, err, "authenticate")
		diff(t, "session actor", want, got)
		var sess *kinbridge.Session
		err = f.store.View(ctx, func(tx kinbridge.Tx) error {
			sess, err = tx.FindSession(ctx, kinbridge.HashToken(token))
			return err
		})
		mustNoErr(t, err, "find session")
		diff(t, "session", &kinbridge.Session{TokenHash: kinbridge.HashToken(token), UserID: bob.ID, Created: t0, LastSeen: t0,
			Addr: "192.0.2.7", UserAgent: "Firefox"}, sess)
		// The session with its user in one query, outside a transaction,
		// reads what the two finders read.
		var user, joinedUser *kinbridge.User
		var joined *kinbridge.Session
		err = f.store.View(ctx, func(tx kinbridge.Tx) error {
			user, err = tx.FindUserByID(ctx, bob.ID)
			return err
		})
		mustNoErr(t, err, "find user")
		err = f.store.Read(ctx, func(tx kinbridge.Tx) error {
			joined, joinedUser, err = tx.FindSessionUser(ctx, kinbridge.HashToken(token))
			return err
		})
		mustNoErr(t, err, "find session and user")
		diff(t, "session of FindSessionUser", sess, joined)
		diff(t, "user of FindSessionUser", user, joinedUser)
		err = f.store.Read(ctx, func(tx kinbridge.Tx) error {
			if _, err := tx.FindUserByID(ctx, bob.ID); err != nil {
				return err
			}
			_, err := tx.FindSession(ctx, kinbridge.HashToken(token))
			return err
		})
		if err == nil {
			t.Error("a second query in Store.Read ran; want an error")
		}
		mustNoErr(t, f.svc.Logout(kinbridge.NewContextWithActor(ctx, a), token), "logout")
		_, err = f.svc.AuthenticateSession(ctx, token, "192.0.2.7")
		wantCode(t, err, kinbridge.EUNAUTHORIZED)
		mustNoErr(t, f.svc.Logout(ctx, token), "logout twice")
	})
	t.Run("failures", func(t *testing.T) {
		before := f.head(t)
		for _, tt := range []struct{ name, username, password string }{
			{"wrong password", "bob", "not the password at all"},
			{"unknown user", "nobody", testPassword},
			{"empty", "", ""},
		} {
			_, _, err := f.svc.Login(ctx, tt.username, tt.password, "192.0.2.8", "test")
			wantCode(t, err, kinbridge.EUNAUTHORIZED)
		}
		// Each failure is audited, even of an unknown name.
		entries, err := f.svc.FindAuditEntries(System(), kinbridge.AuditFilter{Limit: 3})
		mustNoErr(t, err, "find audit entries")
		for i, e := range entries {
			if e.Action != "login.failed" || e.Seq != before+3-int64(i) {
				t.Errorf("entry %d: seq %d action %q, want login.failed", i, e.Seq, e.Action)
			}
		}
		if entries[2].RecordID != bob.ID || entries[1].RecordID != 0 {
			t.Errorf("failed logins name records %d and %d, want %d and 0", entries[2].RecordID, entries[1].RecordID, bob.ID)
		}
		_, err = f.svc.AuthenticateSession(ctx, "made-up-token", "192.0.2.8")
		wantCode(t, err, kinbridge.EUNAUTHORIZED)
		_, err = f.svc.AuthenticateSession(ctx, "", "192.0.2.8")
		wantCode(t, err, kinbridge.EUNAUTHORIZED)
	})
}

func testLoginRateLimit(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.mustCreateUser(t, "erin", kinbridge.RoleOfficer, f.officeB1)
	ctx := context.Background()
	for i := range 5 {
		_, _, err := f.svc.Login(ctx, "erin", "guess number whatever", "192.0.2.9", "test")
		if kinbridge.ErrorCode(err) != kinbridge.EUNAUTHORIZED {
			t.Fatalf("attempt %d: %v, want unauthorized", i+1, err)
		}
	}
	// The account is blocked now, even with the right password.
	_, _, err := f.svc.Login(ctx, "erin", testPassword, "192.0.2.9", "test")
	wantCode(t, err, kinbridge.ETOOMANY)
	_, _, err = f.svc.Login(ctx, "erin", testPassword, "198.51.100.1", "test")
	wantCode(t, err, kinbridge.ETOOMANY)
	f.clock.Add(time.Minute)
	_, _, err = f.svc.Login(ctx, "erin", testPassword, "192.0.2.9", "test")
	mustNoErr(t, err, "login after waiting")
}

func testSessionIdleTimeout(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.mustCreateUser(t, "bob", kinbridge.RoleOfficer, f.officeA1)
	token := f.mustLogin(t, "bob")
	ctx := context.Background()
	// Used every 29 minutes, the session lives on past the idle timeout.
	for i := range 3 {
		f.clock.Add(29 * time.Minute)
		_, err := f.svc.AuthenticateSession(ctx, token, "192.0.2.1")
		mustNoErr(t, err, "authenticate within the idle timeout")
		var sess *kinbridge.Session
		err = f.store.View(ctx, func(tx kinbridge.Tx) error {
			sess, err = tx.FindSession(ctx, kinbridge.HashToken(token))
			return err
		})
		mustNoErr(t, err, "find session")
		if want := t0.Add(time.Duration(i+1) * 29 * time.Minute); !sess.LastSeen.Equal(want) {
			t.Errorf("last seen %v, want %v", sess.LastSeen, want)
		}
	}
	f.clock.Add(31 * time.Minute)
	_, err := f.svc.AuthenticateSession(ctx, token, "192.0.2.1")
	wantCode(t, err, kinbridge.EUNAUTHORIZED)
	if n := f.count(t, "SELECT COUNT(*) FROM sessions"); n != 0 {
		t.Errorf("%d sessions left after the idle timeout", n)
	}
}

func testSessionAbsoluteTimeout(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.mustCreateUser(t, "bob", kinbridge.RoleOfficer, f.officeA1)
	token := f.mustLogin(t, "bob")
	ctx := context.Background()
	const step = 25 * time.Minute
	var used time.Duration
	for used+step <= 12*time.Hour {
		f.clock.Add(step)
		used += step
		if _, err := f.svc.AuthenticateSession(ctx, token, "192.0.2.1"); err != nil {
			t.Fatalf("after %v: %v", used, err)
		}
	}
	f.clock.Add(step)
	_, err := f.svc.AuthenticateSession(ctx, token, "192.0.2.1")
	wantCode(t, err, kinbridge.EUNAUTHORIZED)
}

func testExpireSessions(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.mustCreateUser(t, "bob", kinbridge.RoleOfficer, f.officeA1)
	f.mustCreateUser(t, "carol", kinbridge.RoleViewer, f.regionB)
	idle := f.mustLogin(t, "bob")
	f.clock.Add(20 * time.Minute)
	active := f.mustLogin(t, "carol")
	f.clock.Add(15 * time.Minute) // idle: 35 minutes; active: 15
	n, err := f.svc.ExpireSessions(context.Background())
	mustNoErr(t, err, "expire sessions")
	if n != 1 {
		t.Errorf("expired %d sessions, want 1", n)
	}
	ctx := context.Background()
	_, err = f.svc.AuthenticateSession(ctx, active, "192.0.2.1")
	mustNoErr(t, err, "the active session lives on")
	_, err = f.svc.AuthenticateSession(ctx, idle, "192.0.2.1")
	wantCode(t, err, kinbridge.EUNAUTHORIZED)
}

func testAPITokens(t *testing.T, open Opener) {
	f := newFixture(t, open)
	alice := f.mustCreateUser(t, "alice", kinbridge.RoleSupervisor, f.regionA)
	bob := f.mustCreateUser(t, "bob", kinbridge.RoleOfficer, f.officeA1)
	ctx := context.Background()

	tok, secret, err := f.svc.CreateAPIToken(As(alice), " exporter ")
	mustNoErr(t, err, "create token")
	want := &kinbridge.APIToken{ID: tok.ID, UserID: alice.ID, Name: "exporter", Hash: kinbridge.HashToken(secret), Created: t0}
	diff(t, "token", want, tok)

	a, err := f.svc.AuthenticateToken(ctx, secret, "192.0.2.5")
	mustNoErr(t, err, "authenticate token")
	wantActor := ActorOf(alice)
	wantActor.Addr = "192.0.2.5"
	diff(t, "actor", wantActor, a)
	var joinedTok *kinbridge.APIToken
	var joinedUser *kinbridge.User
	err = f.store.Read(ctx, func(tx kinbridge.Tx) error {
		joinedTok, joinedUser, err = tx.FindAPITokenUser(ctx, kinbridge.HashToken(secret))
		return err
	})
	mustNoErr(t, err, "find token and user")
	diff(t, "token of FindAPITokenUser", want, joinedTok)
	if joinedUser.ID != alice.ID || joinedUser.Username != "alice" || joinedUser.UnitPath != f.regionA.Path {
		t.Errorf("user of FindAPITokenUser: %+v, want alice in %s", joinedUser, f.regionA.Path)
	}
	_, err = f.svc.AuthenticateToken(ctx, secret+"x", "192.0.2.5")
	wantCode(t, err, kinbridge.EUNAUTHORIZED)
	_, err = f.svc.AuthenticateToken(ctx, "no-prefix", "192.0.2.5")
	wantCode(t, err, kinbridge.EUNAUTHORIZED)

	second, secondSecret, err := f.svc.CreateAPIToken(As(alice), "backup script")
	mustNoErr(t, err, "create second token")
	list, err := f.svc.FindOwnAPITokens(As(alice))
	mustNoErr(t, err, "list tokens")
	diff(t, "tokens, newest first", []*kinbridge.APIToken{second, tok}, list)
	list, err = f.svc.FindOwnAPITokens(As(bob))
	mustNoErr(t, err, "list bob's tokens")
	if len(list) != 0 {
		t.Errorf("bob sees %d tokens", len(list))
	}

	wantCode(t, f.svc.RevokeAPIToken(As(bob), tok.ID), kinbridge.ENOTFOUND)
	wantCode(t, f.svc.RevokeAPIToken(As(alice), 999), kinbridge.ENOTFOUND)
	f.clock.Add(time.Hour)
	mustNoErr(t, f.svc.RevokeAPIToken(As(alice), tok.ID), "revoke")
	mustNoErr(t, f.svc.RevokeAPIToken(As(alice), tok.ID), "revoke twice")
	_, err = f.svc.AuthenticateToken(ctx, secret, "192.0.2.5")
	wantCode(t, err, kinbridge.EUNAUTHORIZED)
	list, err = f.svc.FindOwnAPITokens(As(alice))
	mustNoErr(t, err, "list tokens")
	want.Revoked = t0.Add(time.Hour)
	diff(t, "tokens after revoke", []*kinbridge.APIToken{second, want}, list)

	_, _, err = f.svc.CreateAPIToken(As(alice), "  ")
	wantField(t, err, "name")

	// A disabled user's tokens stop working.
	_, err = f.svc.AuthenticateToken(ctx, secondSecret, "192.0.2.5")
	mustNoErr(t, err, "authenticate with the second token")
	mustNoErr(t, f.svc.DisableUser(System(), alice.ID), "disable")
	_, err = f.svc.AuthenticateToken(ctx, secondSecret, "192.0.2.5")
	wantCode(t, err, kinbridge.EUNAUTHORIZED)
}
