package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

func testMigrate(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	applied, err := s.Migrate(ctx)
	mustNoErr(t, err, "migrate again")
	if len(applied) != 0 {
		t.Errorf("second Migrate applied %v, want nothing", applied)
	}
	if s.Engine() != "sqlite" && s.Engine() != "postgres" {
		t.Errorf("Engine() = %q", s.Engine())
	}
	if len(s.DBs()) == 0 {
		t.Error("DBs() is empty")
	}
	mustNoErr(t, s.Ping(ctx), "ping")
}

// testTimes checks that times keep their microseconds and come back in UTC,
// and that Tx.Now is fixed for the transaction.
func testTimes(t *testing.T, open Opener) {
	s := open(t)
	seoul := time.FixedZone("KST", 9*3600)
	clock := NewClock(time.Date(2026, 1, 2, 3, 4, 5, 987654321, seoul))
	s.SetClock(clock)
	ctx := context.Background()
	var u kinbridge.Unit
	err := s.Update(ctx, func(tx kinbridge.Tx) error {
		now := tx.Now()
		clock.Add(time.Hour)
		if !tx.Now().Equal(now) {
			t.Errorf("Tx.Now moved within the transaction")
		}
		if want := time.Date(2026, 1, 1, 18, 4, 5, 987654000, time.UTC); now != want {
			t.Errorf("Tx.Now = %v, want %v (UTC, microseconds)", now, want)
		}
		u = kinbridge.Unit{Names: kinbridge.UnitNames{EN: "X"}, TimeZone: "UTC"}
		return tx.CreateUnit(ctx, &u)
	})
	mustNoErr(t, err, "create unit")
	err = s.View(ctx, func(tx kinbridge.Tx) error {
		got, err := tx.FindUnitByID(ctx, u.ID)
		if err != nil {
			return err
		}
		diff(t, "unit", &u, got)
		return nil
	})
	mustNoErr(t, err, "find unit")
}

// testViewSnapshot checks that a View reads one snapshot: a write that
// commits while it runs is not seen by it. The audit verifier relies on it
// to compare the log with its head.
func testViewSnapshot(t *testing.T, open Opener) {
	f := newFixture(t, open)
	ctx := context.Background()
	err := f.store.View(ctx, func(tx kinbridge.Tx) error {
		before, err := tx.FindUnits(ctx, kinbridge.UnitFilter{})
		if err != nil {
			return err
		}
		headBefore, err := tx.AuditHead(ctx)
		if err != nil {
			return err
		}
		f.mustCreateUnit(t, System(), f.hq.ID, "Committed meanwhile")
		after, err := tx.FindUnits(ctx, kinbridge.UnitFilter{})
		if err != nil {
			return err
		}
		headAfter, err := tx.AuditHead(ctx)
		if err != nil {
			return err
		}
		if len(after) != len(before) || headAfter.Seq != headBefore.Seq {
			t.Errorf("the view saw a later commit: %d units then %d, head %d then %d", len(before), len(after), headBefore.Seq, headAfter.Seq)
		}
		return nil
	})
	mustNoErr(t, err, "view")
	if got := f.head(t); got != 6 {
		t.Errorf("head %d after the view, want 6", got)
	}
}

// testTxErrors checks the error codes the Tx gives, which the services rely
// on: not found, conflict, invalid.
func testTxErrors(t *testing.T, open Opener) {
	f := newFixture(t, open)
	ctx := context.Background()
	hash, err := kinbridge.HashPassword(testPassword)
	mustNoErr(t, err, "hash")
	newUser := func(name string, role kinbridge.Role, unitID int64) *kinbridge.User {
		return &kinbridge.User{Username: name, DisplayName: name, Role: role, UnitID: unitID, PasswordHash: hash, Lang: "en"}
	}
	tests := []struct {
		name string
		fn   func(tx kinbridge.Tx) error
		want string
	}{
		{"unit not found", func(tx kinbridge.Tx) error { _, err := tx.FindUnitByID(ctx, 999); return err }, kinbridge.ENOTFOUND},
		{"user not found", func(tx kinbridge.Tx) error { _, err := tx.FindUserByID(ctx, 999); return err }, kinbridge.ENOTFOUND},
		{"username not found", func(tx kinbridge.Tx) error { _, err := tx.FindUserByUsername(ctx, "nobody"); return err }, kinbridge.ENOTFOUND},
		{"session not found", func(tx kinbridge.Tx) error { _, err := tx.FindSession(ctx, "nope"); return err }, kinbridge.ENOTFOUND},
		{"token not found", func(tx kinbridge.Tx) error { _, err := tx.FindAPITokenByHash(ctx, "nope"); return err }, kinbridge.ENOTFOUND},
		{"session and user not found", func(tx kinbridge.Tx) error { _, _, err := tx.FindSessionUser(ctx, "nope"); return err }, kinbridge.ENOTFOUND},
		{"token and user not found", func(tx kinbridge.Tx) error { _, _, err := tx.FindAPITokenUser(ctx, "nope"); return err }, kinbridge.ENOTFOUND},
		{"token id not found", func(tx kinbridge.Tx) error { _, err := tx.FindAPITokenByID(ctx, 999); return err }, kinbridge.ENOTFOUND},
		{"update missing unit", func(tx kinbridge.Tx) error {
			return tx.UpdateUnit(ctx, &kinbridge.Unit{ID: 999, Names: kinbridge.UnitNames{EN: "x"}, TimeZone: "UTC"})
		}, kinbridge.ENOTFOUND},
		{"update missing user", func(tx kinbridge.Tx) error {
			u := newUser("ghost", kinbridge.RoleOfficer, f.hq.ID)
			u.ID = 999
			return tx.UpdateUser(ctx, u)
		}, kinbridge.ENOTFOUND},
		{"touch missing session", func(tx kinbridge.Tx) error { return tx.TouchSession(ctx, "nope", tx.Now()) }, kinbridge.ENOTFOUND},
		{"revoke missing token", func(tx kinbridge.Tx) error { return tx.RevokeAPIToken(ctx, 999, tx.Now()) }, kinbridge.ENOTFOUND},
		{"duplicate username", func(tx kinbridge.Tx) error {
			if err := tx.CreateUser(ctx, newUser("twin", kinbridge.RoleOfficer, f.hq.ID)); err != nil {
				return err
			}
			return tx.CreateUser(ctx, newUser("twin", kinbridge.RoleViewer, f.regionA.ID))
		}, kinbridge.ECONFLICT},
		{"duplicate session", func(tx kinbridge.Tx) error {
			u := newUser("sess", kinbridge.RoleOfficer, f.hq.ID)
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			s := &kinbridge.Session{TokenHash: "h", UserID: u.ID, Created: tx.Now(), LastSeen: tx.Now()}
			if err := tx.CreateSession(ctx, s); err != nil {
				return err
			}
			return tx.CreateSession(ctx, s)
		}, kinbridge.ECONFLICT},
		{"unknown role", func(tx kinbridge.Tx) error { return tx.CreateUser(ctx, newUser("king", "king", f.hq.ID)) }, kinbridge.EINVALID},
		{"unknown unit", func(tx kinbridge.Tx) error { return tx.CreateUser(ctx, newUser("lost", kinbridge.RoleOfficer, 999)) }, kinbridge.EINVALID},
		{"unknown parent", func(tx kinbridge.Tx) error {
			return tx.CreateUnit(ctx, &kinbridge.Unit{ParentID: 999, Names: kinbridge.UnitNames{EN: "x"}, TimeZone: "UTC"})
		}, kinbridge.EINVALID},
		{"audit seq taken", func(tx kinbridge.Tx) error {
			return tx.AppendAudit(ctx, &kinbridge.AuditEntry{Seq: 1, At: tx.Now(), Action: "x", Detail: "{}"})
		}, kinbridge.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
				if err := tt.fn(tx); err != nil {
					return err
				}
				return errRollback
			})
			wantCode(t, err, tt.want)
		})
	}
}

func testUnits(t *testing.T, open Opener) {
	f := newFixture(t, open)
	ctx := System()
	hq, a, b, a1, b1 := f.hq, f.regionA, f.regionB, f.officeA1, f.officeB1

	t.Run("create", func(t *testing.T) {
		for _, tt := range []struct {
			unit  *kinbridge.Unit
			path  string
			depth int
		}{
			{hq, unitPath(hq.ID), 0},
			{a, unitPath(hq.ID, a.ID), 1},
			{b, unitPath(hq.ID, b.ID), 1},
			{a1, unitPath(hq.ID, a.ID, a1.ID), 2},
			{b1, unitPath(hq.ID, b.ID, b1.ID), 2},
		} {
			if tt.unit.Path != tt.path || tt.unit.Depth != tt.depth {
				t.Errorf("unit %s: path %q depth %d, want %q %d", tt.unit.Names.EN, tt.unit.Path, tt.unit.Depth, tt.path, tt.depth)
			}
			if !tt.unit.Created.Equal(t0) {
				t.Errorf("unit %s created %v, want %v", tt.unit.Names.EN, tt.unit.Created, t0)
			}
		}
		got, err := f.svc.FindUnits(ctx)
		mustNoErr(t, err, "find units")
		diff(t, "units in tree order", []*kinbridge.Unit{hq, a, a1, b, b1}, got)
		one, err := f.svc.FindUnitByID(ctx, a1.ID)
		mustNoErr(t, err, "find unit")
		diff(t, "unit", a1, one)
	})

	t.Run("root only from the command line", func(t *testing.T) {
		admin := f.mustCreateUser(t, "root-admin", kinbridge.RoleAdministrator, hq)
		err := f.svc.CreateUnit(As(admin), &kinbridge.Unit{Names: kinbridge.UnitNames{EN: "Rogue"}})
		wantField(t, err, "parent_id")
	})

	t.Run("rename", func(t *testing.T) {
		f.clock.Add(time.Minute)
		names := kinbridge.UnitNames{EN: "Office A-1", KO: "사무소 A-1", ZH: "办事处 A-1"}
		got, err := f.svc.UpdateUnit(ctx, a1.ID, names, "Asia/Shanghai")
		mustNoErr(t, err, "update unit")
		want := *a1
		want.Names, want.TimeZone, want.Updated = names, "Asia/Shanghai", t0.Add(time.Minute)
		diff(t, "updated unit", &want, got)
		stored, err := f.svc.FindUnitByID(ctx, a1.ID)
		mustNoErr(t, err, "find unit")
		diff(t, "stored unit", &want, stored)
		_, err = f.svc.UpdateUnit(ctx, a1.ID, names, "Mars/Olympus")
		wantField(t, err, "time_zone")
	})

	t.Run("move rewrites the subtree", func(t *testing.T) {
		a1x := f.mustCreateUnit(t, ctx, a1.ID, "Desk A1x")
		moved, err := f.svc.MoveUnit(ctx, a1.ID, b.ID)
		mustNoErr(t, err, "move unit")
		if want := unitPath(hq.ID, b.ID, a1.ID); moved.Path != want || moved.Depth != 2 || moved.ParentID != b.ID {
			t.Errorf("moved unit: path %q depth %d parent %d, want %q 2 %d", moved.Path, moved.Depth, moved.ParentID, want, b.ID)
		}
		got, err := f.svc.FindUnits(ctx)
		mustNoErr(t, err, "find units")
		type node struct {
			ID, ParentID int64
			Path         string
			Depth        int
		}
		var nodes []node
		for _, u := range got {
			nodes = append(nodes, node{u.ID, u.ParentID, u.Path, u.Depth})
		}
		diff(t, "tree after move", []node{
			{hq.ID, 0, unitPath(hq.ID), 0},
			{a.ID, hq.ID, unitPath(hq.ID, a.ID), 1},
			{b.ID, hq.ID, unitPath(hq.ID, b.ID), 1},
			{a1.ID, b.ID, unitPath(hq.ID, b.ID, a1.ID), 2},
			{a1x.ID, a1.ID, unitPath(hq.ID, b.ID, a1.ID, a1x.ID), 3},
			{b1.ID, b.ID, unitPath(hq.ID, b.ID, b1.ID), 2},
		}, nodes)
		// Users follow their unit: their path is the unit's current one.
		officer := f.mustCreateUser(t, "desk-officer", kinbridge.RoleOfficer, a1x)
		_, err = f.svc.MoveUnit(ctx, a1.ID, a.ID)
		mustNoErr(t, err, "move back")
		u, err := f.svc.FindUserByID(ctx, officer.ID)
		mustNoErr(t, err, "find user")
		if want := unitPath(hq.ID, a.ID, a1.ID, a1x.ID); u.UnitPath != want {
			t.Errorf("user's unit path %q, want %q", u.UnitPath, want)
		}
	})

	t.Run("move refuses cycles", func(t *testing.T) {
		_, err := f.svc.MoveUnit(ctx, a.ID, a1.ID)
		wantField(t, err, "parent_id")
		_, err = f.svc.MoveUnit(ctx, a.ID, a.ID)
		wantField(t, err, "parent_id")
		_, err = f.svc.MoveUnit(ctx, hq.ID, a.ID)
		wantCode(t, err, kinbridge.ECONFLICT)
		_, err = f.svc.MoveUnit(ctx, a.ID, 999)
		wantField(t, err, "parent_id")
		_, err = f.svc.MoveUnit(ctx, 999, a.ID)
		wantCode(t, err, kinbridge.ENOTFOUND)
	})
}

// testUnitSubtreeBounds checks that a subtree's path range does not reach
// units whose ID merely starts with the same digits ("/1/" and "/10/").
func testUnitSubtreeBounds(t *testing.T, open Opener) {
	f := newFixture(t, open)
	ctx := System()
	var roots []*kinbridge.Unit
	for len(roots) == 0 || roots[len(roots)-1].ID < 12 {
		roots = append(roots, f.mustCreateUnit(t, ctx, 0, "Root"))
	}
	child := f.mustCreateUnit(t, ctx, roots[len(roots)-1].ID, "Child of a root with two digits")
	err := f.store.View(context.Background(), func(tx kinbridge.Tx) error {
		got, err := tx.FindUnits(context.Background(), kinbridge.UnitFilter{PathPrefix: f.hq.Path})
		if err != nil {
			return err
		}
		for _, u := range got {
			if !f.hq.IsAncestorOf(u) {
				t.Errorf("subtree of %s holds %s", f.hq.Path, u.Path)
			}
		}
		if len(got) != 5 {
			t.Errorf("subtree of %s has %d units, want 5", f.hq.Path, len(got))
		}
		got, err = tx.FindUnits(context.Background(), kinbridge.UnitFilter{ParentID: roots[len(roots)-1].ID})
		if err != nil {
			return err
		}
		diff(t, "children", []*kinbridge.Unit{child}, got)
		got, err = tx.FindUnits(context.Background(), kinbridge.UnitFilter{Limit: 2})
		if err != nil {
			return err
		}
		if len(got) != 2 {
			t.Errorf("Limit 2 gave %d units", len(got))
		}
		return nil
	})
	mustNoErr(t, err, "view")
}

func testUnitScope(t *testing.T, open Opener) {
	f := newFixture(t, open)
	adminA := As(f.mustCreateUser(t, "admin-a", kinbridge.RoleAdministrator, f.regionA))
	officerA1 := As(f.mustCreateUser(t, "officer-a1", kinbridge.RoleOfficer, f.officeA1))

	t.Run("region admin sees own subtree only", func(t *testing.T) {
		got, err := f.svc.FindUnits(adminA)
		mustNoErr(t, err, "find units")
		diff(t, "units", []*kinbridge.Unit{f.regionA, f.officeA1}, got)
		_, err = f.svc.FindUnitByID(adminA, f.regionB.ID)
		wantCode(t, err, kinbridge.ENOTFOUND)
		_, err = f.svc.FindUnitByID(adminA, f.hq.ID)
		wantCode(t, err, kinbridge.ENOTFOUND)
	})
	t.Run("region admin cannot touch the sibling region", func(t *testing.T) {
		_, err := f.svc.MoveUnit(adminA, f.officeB1.ID, f.regionA.ID)
		wantCode(t, err, kinbridge.ENOTFOUND)
		_, err = f.svc.MoveUnit(adminA, f.regionB.ID, f.officeA1.ID)
		wantCode(t, err, kinbridge.ENOTFOUND)
		_, err = f.svc.UpdateUnit(adminA, f.regionB.ID, kinbridge.UnitNames{EN: "Mine"}, "UTC")
		wantCode(t, err, kinbridge.ENOTFOUND)
		// Moving into the sibling region: the parent is out of scope, so
		// "no such parent".
		_, err = f.svc.MoveUnit(adminA, f.officeA1.ID, f.regionB.ID)
		wantField(t, err, "parent_id")
		err = f.svc.CreateUnit(adminA, &kinbridge.Unit{ParentID: f.regionB.ID, Names: kinbridge.UnitNames{EN: "Spy"}})
		wantField(t, err, "parent_id")
		// Nor move its own unit, whose parent is outside its scope.
		_, err = f.svc.MoveUnit(adminA, f.regionA.ID, f.regionA.ID)
		wantCode(t, err, kinbridge.EFORBIDDEN)
	})
	t.Run("region admin manages own subtree", func(t *testing.T) {
		u := f.mustCreateUnit(t, adminA, f.regionA.ID, "Office A2")
		if want := unitPath(f.hq.ID, f.regionA.ID, u.ID); u.Path != want {
			t.Errorf("path %q, want %q", u.Path, want)
		}
		moved, err := f.svc.MoveUnit(adminA, u.ID, f.officeA1.ID)
		mustNoErr(t, err, "move within own subtree")
		if want := unitPath(f.hq.ID, f.regionA.ID, f.officeA1.ID, u.ID); moved.Path != want {
			t.Errorf("path %q, want %q", moved.Path, want)
		}
	})
	t.Run("officer sees own unit, may not change it", func(t *testing.T) {
		got, err := f.svc.FindUnits(officerA1)
		mustNoErr(t, err, "find units")
		if len(got) != 1 || got[0].ID != f.officeA1.ID {
			t.Errorf("officer sees %d units, want only own unit", len(got))
		}
		_, err = f.svc.UpdateUnit(officerA1, f.officeA1.ID, kinbridge.UnitNames{EN: "Mine"}, "UTC")
		wantCode(t, err, kinbridge.EFORBIDDEN)
		_, err = f.svc.FindUnitByID(officerA1, f.regionA.ID)
		wantCode(t, err, kinbridge.ENOTFOUND)
	})
}
