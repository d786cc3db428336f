package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kinbridge/kinbridge"
)

func testUsers(t *testing.T, open Opener) {
	f := newFixture(t, open)
	ctx := System()

	alice := f.mustCreateUser(t, "alice", kinbridge.RoleAdministrator, f.regionA)
	t.Run("create", func(t *testing.T) {
		want := &kinbridge.User{ID: alice.ID, Username: "alice", DisplayName: "alice", Role: kinbridge.RoleAdministrator,
			UnitID: f.regionA.ID, UnitPath: f.regionA.Path, Lang: "en", Created: t0, Updated: t0}
		diff(t, "created user", want, alice, cmpopts.IgnoreFields(kinbridge.User{}, "PasswordHash"))
		got, err := f.svc.FindUserByID(ctx, alice.ID)
		mustNoErr(t, err, "find user")
		diff(t, "stored user", alice, got)
		if alice.PasswordHash == "" || alice.PasswordHash == testPassword {
			t.Errorf("password hash %q", alice.PasswordHash)
		}
	})
	t.Run("duplicate username", func(t *testing.T) {
		for _, name := range []string{"alice", " ALICE "} {
			_, err := f.svc.CreateUser(ctx, kinbridge.NewUser{Username: name, Role: kinbridge.RoleViewer, UnitID: f.regionB.ID, Password: testPassword})
			wantField(t, err, "username")
		}
	})
	t.Run("invalid", func(t *testing.T) {
		for _, tt := range []struct {
			n     kinbridge.NewUser
			field string
		}{
			{kinbridge.NewUser{Username: "x", Role: kinbridge.RoleViewer, UnitID: f.hq.ID, Password: testPassword}, "username"},
			{kinbridge.NewUser{Username: "nobody", Role: "king", UnitID: f.hq.ID, Password: testPassword}, "role"},
			{kinbridge.NewUser{Username: "nobody", Role: kinbridge.RoleViewer, UnitID: 999, Password: testPassword}, "unit_id"},
			{kinbridge.NewUser{Username: "nobody", Role: kinbridge.RoleViewer, UnitID: f.hq.ID, Password: "short"}, "password"},
		} {
			_, err := f.svc.CreateUser(ctx, tt.n)
			wantField(t, err, tt.field)
		}
	})

	bob := f.mustCreateUser(t, "bob", kinbridge.RoleOfficer, f.officeA1)
	carol := f.mustCreateUser(t, "carol", kinbridge.RoleViewer, f.regionB)
	dave := f.mustCreateUser(t, "dave", kinbridge.RoleSupervisor, f.regionA)
	mustNoErr(t, f.svc.DisableUser(ctx, dave.ID), "disable dave")
	dave.Disabled = true

	t.Run("find with paging and total", func(t *testing.T) {
		names := func(users []*kinbridge.User) []string {
			var s []string
			for _, u := range users {
				s = append(s, u.Username)
			}
			return s
		}
		for _, tt := range []struct {
			name      string
			ctx       context.Context
			filter    kinbridge.UserFilter
			want      []string
			wantTotal int
		}{
			{"all active", ctx, kinbridge.UserFilter{}, []string{"alice", "bob", "carol"}, 3},
			{"first page", ctx, kinbridge.UserFilter{Limit: 2}, []string{"alice", "bob"}, 3},
			{"second page", ctx, kinbridge.UserFilter{Limit: 2, Offset: 2}, []string{"carol"}, 3},
			{"past the end", ctx, kinbridge.UserFilter{Limit: 2, Offset: 5}, nil, 3},
			{"with disabled", ctx, kinbridge.UserFilter{IncludeDisabled: true}, []string{"alice", "bob", "carol", "dave"}, 4},
			{"by role", ctx, kinbridge.UserFilter{Role: kinbridge.RoleOfficer}, []string{"bob"}, 1},
			{"by unit", ctx, kinbridge.UserFilter{UnitID: f.regionA.ID, IncludeDisabled: true}, []string{"alice", "dave"}, 2},
			{"region admin's scope", As(alice), kinbridge.UserFilter{IncludeDisabled: true}, []string{"alice", "bob", "dave"}, 3},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := f.svc.FindUsers(tt.ctx, tt.filter)
				mustNoErr(t, err, "find users")
				diff(t, "usernames", tt.want, names(got))
				if total != tt.wantTotal {
					t.Errorf("total %d, want %d", total, tt.wantTotal)
				}
			})
		}
		// Each user comes with its unit's path.
		got, _, err := f.svc.FindUsers(ctx, kinbridge.UserFilter{IncludeDisabled: true})
		mustNoErr(t, err, "find users")
		diff(t, "users", []*kinbridge.User{alice, bob, carol, dave}, got, cmpopts.IgnoreFields(kinbridge.User{}, "Updated"))
		_, _, err = f.svc.FindUsers(As(bob), kinbridge.UserFilter{})
		wantCode(t, err, kinbridge.EFORBIDDEN)
	})

	t.Run("order is bytewise on every engine", func(t *testing.T) {
		for _, name := range []string{"zz.b", "zz_d", "zzb", "zz-a"} {
			f.mustCreateUser(t, name, kinbridge.RoleViewer, f.officeB1)
		}
		got, _, err := f.svc.FindUsers(ctx, kinbridge.UserFilter{UnitID: f.officeB1.ID})
		mustNoErr(t, err, "find users")
		var names []string
		for _, u := range got {
			names = append(names, u.Username)
		}
		diff(t, "usernames", []string{"zz-a", "zz.b", "zz_d", "zzb"}, names)
	})

	t.Run("enable", func(t *testing.T) {
		mustNoErr(t, f.svc.EnableUser(ctx, dave.ID), "enable")
		got, err := f.svc.FindUserByID(ctx, dave.ID)
		mustNoErr(t, err, "find user")
		if got.Disabled {
			t.Error("user still disabled")
		}
	})
	t.Run("set own language", func(t *testing.T) {
		mustNoErr(t, f.svc.SetOwnLanguage(As(bob), "ko"), "set language")
		got, err := f.svc.FindUserByID(ctx, bob.ID)
		mustNoErr(t, err, "find user")
		if got.Lang != "ko" {
			t.Errorf("lang %q, want ko", got.Lang)
		}
	})
}

func testUserScope(t *testing.T, open Opener) {
	f := newFixture(t, open)
	adminA := f.mustCreateUser(t, "admin-a", kinbridge.RoleAdministrator, f.regionA)
	inA1 := f.mustCreateUser(t, "officer-a1", kinbridge.RoleOfficer, f.officeA1)
	inB := f.mustCreateUser(t, "officer-b", kinbridge.RoleOfficer, f.regionB)
	ctx := As(adminA)

	_, err := f.svc.FindUserByID(ctx, inB.ID)
	wantCode(t, err, kinbridge.ENOTFOUND)
	wantCode(t, f.svc.DisableUser(ctx, inB.ID), kinbridge.ENOTFOUND)
	wantCode(t, f.svc.ResetPassword(ctx, inB.ID, "another long password"), kinbridge.ENOTFOUND)
	_, err = f.svc.CreateUser(ctx, kinbridge.NewUser{Username: "mole", Role: kinbridge.RoleOfficer, UnitID: f.regionB.ID, Password: testPassword})
	wantField(t, err, "unit_id")

	got, err := f.svc.FindUserByID(ctx, inA1.ID)
	mustNoErr(t, err, "find user in subtree")
	diff(t, "user", inA1, got)
	wantCode(t, f.svc.DisableUser(ctx, adminA.ID), kinbridge.ECONFLICT)
	wantCode(t, f.svc.DisableUser(As(inA1), inA1.ID), kinbridge.EFORBIDDEN)
}

func testDisableEndsSessions(t *testing.T, open Opener) {
	f := newFixture(t, open)
	admin := f.mustCreateUser(t, "admin", kinbridge.RoleAdministrator, f.hq)
	bob := f.mustCreateUser(t, "bob", kinbridge.RoleOfficer, f.officeA1)
	token1 := f.mustLogin(t, "bob")
	token2 := f.mustLogin(t, "bob")
	keep := f.mustLogin(t, "admin")
	ctx := context.Background()
	for _, tok := range []string{token1, token2} {
		_, err := f.svc.AuthenticateSession(ctx, tok, "192.0.2.1")
		mustNoErr(t, err, "authenticate before disable")
	}

	mustNoErr(t, f.svc.DisableUser(As(admin), bob.ID), "disable")

	if n := f.count(t, "SELECT COUNT(*) FROM sessions WHERE user_id = ?", bob.ID); n != 0 {
		t.Errorf("%d sessions left for the disabled user", n)
	}
	for _, tok := range []string{token1, token2} {
		_, err := f.svc.AuthenticateSession(ctx, tok, "192.0.2.1")
		wantCode(t, err, kinbridge.EUNAUTHORIZED)
	}
	_, _, err := f.svc.Login(ctx, "bob", testPassword, "192.0.2.1", "test")
	wantCode(t, err, kinbridge.EUNAUTHORIZED)
	_, err = f.svc.AuthenticateSession(ctx, keep, "192.0.2.1")
	mustNoErr(t, err, "other users' sessions go on")
}

func testResetPassword(t *testing.T, open Opener) {
	f := newFixture(t, open)
	carol := f.mustCreateUser(t, "carol", kinbridge.RoleViewer, f.regionB)
	token := f.mustLogin(t, "carol")
	ctx := context.Background()
	const newPassword = "a brand new passphrase"

	mustNoErr(t, f.svc.ResetPassword(System(), carol.ID, newPassword), "reset password")

	_, err := f.svc.AuthenticateSession(ctx, token, "192.0.2.1")
	wantCode(t, err, kinbridge.EUNAUTHORIZED)
	_, _, err = f.svc.Login(ctx, "carol", testPassword, "192.0.2.1", "test")
	wantCode(t, err, kinbridge.EUNAUTHORIZED)
	_, _, err = f.svc.Login(ctx, "carol", newPassword, "192.0.2.1", "test")
	mustNoErr(t, err, "login with the new password")

	t.Run("own password", func(t *testing.T) {
		err := f.svc.ChangeOwnPassword(As(carol), "wrong current password", "yet another passphrase")
		wantField(t, err, "current_password")
		mustNoErr(t, f.svc.ChangeOwnPassword(As(carol), newPassword, "yet another passphrase"), "change own password")
		_, _, err = f.svc.Login(ctx, "carol", "yet another passphrase", "192.0.2.1", "test")
		mustNoErr(t, err, "login with own new password")
	})
}
