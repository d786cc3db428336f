package storetest

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// testAuditEveryWrite checks that each write of the service appends exactly
// one entry, in the write's transaction, and that a failed write appends
// none.
func testAuditEveryWrite(t *testing.T, open Opener) {
	f := newFixture(t, open)
	sys := System()
	ctx := context.Background()
	admin := f.mustCreateUser(t, "admin", kinbridge.RoleAdministrator, f.hq)
	bob := f.mustCreateUser(t, "bob", kinbridge.RoleOfficer, f.officeA1)
	var token string
	var tokenID int64

	for _, tt := range []struct {
		action string
		do     func() error
		unitID int64
	}{
		{"unit.create", func() error {
			return f.svc.CreateUnit(As(admin), &kinbridge.Unit{ParentID: f.regionB.ID, Names: kinbridge.UnitNames{EN: "Office B2"}})
		}, 0},
		{"unit.update", func() error {
			_, err := f.svc.UpdateUnit(sys, f.officeB1.ID, kinbridge.UnitNames{EN: "Office B-1"}, "UTC")
			return err
		}, f.officeB1.ID},
		{"unit.move", func() error { _, err := f.svc.MoveUnit(sys, f.officeB1.ID, f.regionA.ID); return err }, f.officeB1.ID},
		{"user.create", func() error {
			_, err := f.svc.CreateUser(sys, kinbridge.NewUser{Username: "carol", Role: kinbridge.RoleViewer, UnitID: f.regionB.ID, Password: testPassword})
			return err
		}, f.regionB.ID},
		{"user.view", func() error { _, err := f.svc.FindUserByID(As(admin), bob.ID); return err }, f.officeA1.ID},
		{"user.disable", func() error { return f.svc.DisableUser(As(admin), bob.ID) }, f.officeA1.ID},
		{"user.enable", func() error { return f.svc.EnableUser(As(admin), bob.ID) }, f.officeA1.ID},
		{"user.reset_password", func() error { return f.svc.ResetPassword(As(admin), bob.ID, "a reset passphrase") }, f.officeA1.ID},
		{"login", func() error {
			var err error
			token, _, err = f.svc.Login(ctx, "bob", "a reset passphrase", "192.0.2.1", "test")
			return err
		}, f.officeA1.ID},
		{"user.set_language", func() error { return f.svc.SetOwnLanguage(As(bob), "zh") }, f.officeA1.ID},
		{"token.create", func() error {
			tok, _, err := f.svc.CreateAPIToken(As(bob), "script")
			if tok != nil {
				tokenID = tok.ID
			}
			return err
		}, f.officeA1.ID},
		{"token.revoke", func() error { return f.svc.RevokeAPIToken(As(bob), tokenID) }, f.officeA1.ID},
		{"logout", func() error { return f.svc.Logout(As(bob), token) }, f.officeA1.ID},
		{"login.failed", func() error {
			_, _, err := f.svc.Login(ctx, "bob", "not the passphrase", "192.0.2.1", "test")
			if kinbridge.ErrorCode(err) == kinbridge.EUNAUTHORIZED {
				return nil
			}
			return fmt.Errorf("login: %v, want unauthorized", err)
		}, f.officeA1.ID},
	} {
		t.Run(tt.action, func(t *testing.T) {
			before := f.head(t)
			f.clock.Add(time.Second)
			mustNoErr(t, tt.do(), tt.action)
			if got := f.head(t); got != before+1 {
				t.Fatalf("head moved from %d to %d, want one entry", before, got)
			}
			entries, err := f.svc.FindAuditEntries(sys, kinbridge.AuditFilter{Limit: 1})
			mustNoErr(t, err, "find audit entries")
			e := entries[0]
			if e.Action != tt.action || e.Seq != before+1 || !e.At.Equal(f.clock.Now()) {
				t.Errorf("entry: seq %d action %q at %v, want %d %q %v", e.Seq, e.Action, e.At, before+1, tt.action, f.clock.Now())
			}
			if tt.unitID != 0 && e.UnitID != tt.unitID {
				t.Errorf("entry unit %d, want %d", e.UnitID, tt.unitID)
			}
			if strings.Contains(strings.ToLower(e.Detail), "passphrase") {
				t.Errorf("entry detail holds a password: %s", e.Detail)
			}
		})
	}

	t.Run("failed writes append nothing", func(t *testing.T) {
		before := f.head(t)
		_, err := f.svc.CreateUser(sys, kinbridge.NewUser{Username: "bob", Role: kinbridge.RoleViewer, UnitID: f.hq.ID, Password: testPassword})
		wantField(t, err, "username")
		_, err = f.svc.MoveUnit(sys, f.regionA.ID, f.officeA1.ID)
		wantField(t, err, "parent_id")
		_, err = f.svc.UpdateUnit(sys, f.regionA.ID, kinbridge.UnitNames{EN: "A"}, "Nowhere/Never")
		wantField(t, err, "time_zone")
		if got := f.head(t); got != before {
			t.Errorf("failed writes moved the head from %d to %d", before, got)
		}
	})

	t.Run("chain verifies", func(t *testing.T) {
		n, problem, err := f.svc.VerifyAudit(ctx, nil)
		mustNoErr(t, err, "verify")
		if problem != nil {
			t.Fatalf("intact log reported broken: %v", problem)
		}
		if head := f.head(t); n != head {
			t.Errorf("verified %d entries, head is %d", n, head)
		}
	})
}

// testAuditRollback checks that an entry appended in a transaction that
// rolls back is gone with the rest of the transaction.
func testAuditRollback(t *testing.T, open Opener) {
	f := newFixture(t, open)
	ctx := context.Background()
	before := f.head(t)
	var unitID int64
	err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
		u := &kinbridge.Unit{ParentID: f.hq.ID, Names: kinbridge.UnitNames{EN: "Doomed"}, TimeZone: "UTC"}
		if err := tx.CreateUnit(ctx, u); err != nil {
			return err
		}
		unitID = u.ID
		if err := appendEntry(ctx, tx, "unit.create", u.ID); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	if got := f.head(t); got != before {
		t.Errorf("head moved from %d to %d", before, got)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM audit_log WHERE seq > ?", before); n != 0 {
		t.Errorf("%d entries after the head", n)
	}
	err = f.store.View(ctx, func(tx kinbridge.Tx) error { _, err := tx.FindUnitByID(ctx, unitID); return err })
	wantCode(t, err, kinbridge.ENOTFOUND)

	// A panic rolls back too, and the store stays usable.
	func() {
		defer func() { recover() }()
		f.store.Update(ctx, func(tx kinbridge.Tx) error {
			if err := appendEntry(ctx, tx, "doomed", 0); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	if got := f.head(t); got != before {
		t.Errorf("head moved from %d to %d after a panic", before, got)
	}
	f.mustCreateUnit(t, System(), f.hq.ID, "After the panic")
}

// appendEntry appends an entry the way the service does.
func appendEntry(ctx context.Context, tx kinbridge.Tx, action string, unitID int64) error {
	return kinbridge.AppendAudit(ctx, tx, &kinbridge.AuditEntry{ActorName: "system:bench", UnitID: unitID, Action: action,
		RecordType: "unit", RecordID: unitID, Addr: "local", Detail: `{"k":"v"}`})
}

// testAuditStaleHead moves the head behind the store's back, as another
// process writing to the same database does, and checks that the next write
// finds out that the head it remembered is stale, builds on the real one
// and keeps the chain whole: a write whose entry is the last thing it does
// (on PostgreSQL the entry then goes with the COMMIT, and the stale head is
// found there), one that goes on after its entry (the entry goes before the
// next statement), one with two entries, and writers racing each other.
func testAuditStaleHead(t *testing.T, open Opener) {
	ctx := context.Background()
	// moveHead appends an entry as another writer, with raw SQL, and
	// returns it.
	moveHead := func(t *testing.T, f *fixture) *kinbridge.AuditEntry {
		t.Helper()
		prev := f.entry(t, f.head(t))
		other := &kinbridge.AuditEntry{ActorName: "system:other", Action: "unit.update", Detail: "{}"}
		other.Link(kinbridge.AuditHead{Seq: prev.Seq, Hash: prev.Hash, At: prev.At}, f.clock.Now())
		f.insertEntry(t, other)
		f.exec(t, "UPDATE audit_head SET seq = ?, hash = ?, at = ? WHERE id = 1", other.Seq, other.Hash, f.encodeTime(other.At))
		f.clock.Add(time.Second)
		return other
	}
	// verify checks that the chain verifies and ends at entry n.
	verify := func(t *testing.T, f *fixture, n int64) {
		t.Helper()
		got, problem, err := f.svc.VerifyAudit(ctx, nil)
		mustNoErr(t, err, "verify")
		if problem != nil || got != n || f.head(t) != n {
			t.Errorf("%d entries, head %d, problem %v; want %d, %d and none", got, f.head(t), problem, n, n)
		}
	}
	// wantAfter checks that entry seq is action, linked to the entry prev.
	wantAfter := func(t *testing.T, f *fixture, seq int64, action string, prev *kinbridge.AuditEntry) {
		t.Helper()
		if got := f.entry(t, seq); got.Action != action || got.PrevHash != prev.Hash {
			t.Errorf("entry %d: %s after %s, want %s after %s", seq, got.Action, got.PrevHash, action, prev.Hash)
		}
	}

	t.Run("entry last", func(t *testing.T) {
		f := newFixture(t, open)
		other := moveHead(t, f)
		f.mustCreateUnit(t, System(), f.hq.ID, "After the other writer")
		wantAfter(t, f, other.Seq+1, "unit.create", other)
		verify(t, f, other.Seq+1)
	})

	t.Run("statements after the entry", func(t *testing.T) {
		f := newFixture(t, open)
		other := moveHead(t, f)
		err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
			if err := appendEntry(ctx, tx, "first", f.hq.ID); err != nil {
				return err
			}
			// The transaction sees its own entry, linked to the real head.
			entries, err := tx.FindAuditEntries(ctx, kinbridge.AuditFilter{Limit: 2})
			if err != nil {
				return err
			}
			if len(entries) != 2 || entries[0].Action != "first" || entries[0].PrevHash != other.Hash {
				t.Errorf("the transaction's own entries: %d, want its entry after the other writer's", len(entries))
			}
			u := &kinbridge.Unit{ParentID: f.hq.ID, Names: kinbridge.UnitNames{EN: "After the entry"}, TimeZone: "UTC"}
			return tx.CreateUnit(ctx, u)
		})
		mustNoErr(t, err, "update")
		wantAfter(t, f, other.Seq+1, "first", other)
		verify(t, f, other.Seq+1)
	})

	t.Run("two entries", func(t *testing.T) {
		f := newFixture(t, open)
		other := moveHead(t, f)
		err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
			if err := appendEntry(ctx, tx, "first", f.hq.ID); err != nil {
				return err
			}
			return appendEntry(ctx, tx, "second", f.hq.ID)
		})
		mustNoErr(t, err, "update")
		first := f.entry(t, other.Seq+1)
		wantAfter(t, f, other.Seq+1, "first", other)
		wantAfter(t, f, other.Seq+2, "second", first)
		verify(t, f, other.Seq+2)
	})

	t.Run("rolled back", func(t *testing.T) {
		f := newFixture(t, open)
		other := moveHead(t, f)
		err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
			if err := appendEntry(ctx, tx, "doomed", f.hq.ID); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Update returned %v, want fn's error", err)
		}
		verify(t, f, other.Seq)
		// The store still builds on the real head.
		f.mustCreateUnit(t, System(), f.hq.ID, "After the rollback")
		wantAfter(t, f, other.Seq+1, "unit.create", other)
		verify(t, f, other.Seq+1)
	})

	t.Run("racing writers", func(t *testing.T) { auditRaces(t, open) })
}

// auditRaces runs writers that each append to the head they remember, at
// once, so that many of them find, at their commit on PostgreSQL, that
// another came first; and checks that every write committed its entry once,
// in one whole chain.
func auditRaces(t *testing.T, open Opener) {
	f := newFixture(t, open)
	ctx := context.Background()
	start := f.head(t)
	const workers, perWorker = 6, 8
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
					if _, err := tx.FindUnitByID(ctx, f.hq.ID); err != nil {
						return err
					}
					return appendEntry(ctx, tx, fmt.Sprintf("race.%d.%d", w, i), f.hq.ID)
				})
				if err != nil {
					errs <- fmt.Errorf("worker %d write %d: %w", w, i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n, problem, err := f.svc.VerifyAudit(ctx, nil)
	mustNoErr(t, err, "verify")
	if want := start + workers*perWorker; problem != nil || n != want || f.head(t) != want {
		t.Errorf("%d entries, head %d, problem %v; want %d, %d and none", n, f.head(t), problem, want, want)
	}
	if got := f.count(t, "SELECT COUNT(DISTINCT action) FROM audit_log WHERE action LIKE 'race.%'"); got != workers*perWorker {
		t.Errorf("%d writes with their entry, want %d", got, workers*perWorker)
	}
}

// testAuditTimeOrder checks that entries stay in time order when the clock
// steps back, and that time ranges, which rely on it, select right.
func testAuditTimeOrder(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.clock.Add(time.Minute) // later than the fixture's entries
	f.mustCreateUnit(t, System(), f.hq.ID, "Made a minute on")
	n := f.head(t)
	before := f.entry(t, n)
	f.clock.Add(-time.Hour)
	f.mustCreateUnit(t, System(), f.hq.ID, "Made after the clock stepped back")
	if e := f.entry(t, n+1); !e.At.Equal(before.At) {
		t.Errorf("entry after the clock stepped back at %v, want %v (the entry before's)", e.At, before.At)
	}
	f.clock.Add(2 * time.Hour)
	f.mustCreateUnit(t, System(), f.hq.ID, "Made later")
	later := f.clock.Now()
	seqs := func(filter kinbridge.AuditFilter) []int64 {
		t.Helper()
		filter.Limit = 1000
		entries, err := f.svc.FindAuditEntries(System(), filter)
		mustNoErr(t, err, "find audit entries")
		s := []int64{}
		for _, e := range entries {
			s = append(s, e.Seq)
		}
		return s
	}
	diff(t, "from the entry before", []int64{n + 2, n + 1, n}, seqs(kinbridge.AuditFilter{From: before.At}))
	diff(t, "before the latest", []int64{n + 1, n}, seqs(kinbridge.AuditFilter{From: before.At, To: later}))
	diff(t, "after all", []int64{}, seqs(kinbridge.AuditFilter{From: later.Add(time.Microsecond)}))
	diff(t, "before all", []int64{}, seqs(kinbridge.AuditFilter{To: t0}))
	_, problem, err := f.svc.VerifyAudit(context.Background(), nil)
	mustNoErr(t, err, "verify")
	if problem != nil {
		t.Errorf("problem %v", problem)
	}
}

func testAuditFilters(t *testing.T, open Opener) {
	f := newFixture(t, open)
	ctx := context.Background()
	adminHQ := f.mustCreateUser(t, "admin-hq", kinbridge.RoleAdministrator, f.hq)
	adminA := f.mustCreateUser(t, "admin-a", kinbridge.RoleAdministrator, f.regionA)
	supB := f.mustCreateUser(t, "sup-b", kinbridge.RoleSupervisor, f.regionB)
	f.clock.Add(time.Hour)
	t1 := f.clock.Now()
	a2 := f.mustCreateUnit(t, As(adminA), f.regionA.ID, "Office A2")
	_, err := f.svc.CreateUser(As(adminA), kinbridge.NewUser{Username: "officer-a2", Role: kinbridge.RoleOfficer, UnitID: a2.ID, Password: testPassword})
	mustNoErr(t, err, "create user")
	f.mustCreateUnit(t, System(), f.regionB.ID, "Office B2")
	f.clock.Add(time.Hour)
	t2 := f.clock.Now()
	_, _, err = f.svc.Login(ctx, "stranger", "whatever it is", "203.0.113.9", "test") // unit 0
	wantCode(t, err, kinbridge.EUNAUTHORIZED)
	_, _, err = f.svc.Login(ctx, "admin-a", "not the password", "203.0.113.9", "test") // no actor, the user its record
	wantCode(t, err, kinbridge.EUNAUTHORIZED)

	// Each case runs on the log as the service made it, and again once it
	// has grown by more than a batch of the store's audit index tables
	// (SQLite), so that its entries are found through them and, the newest,
	// in the log itself.
	check := func(t *testing.T) {
		all, err := f.svc.FindAuditEntries(System(), kinbridge.AuditFilter{Limit: 1000})
		mustNoErr(t, err, "find all")
		head := f.head(t)
		if int64(len(all)) != head {
			t.Fatalf("found %d entries, head is %d", len(all), head)
		}
		for i, e := range all {
			if e.Seq != head-int64(i) {
				t.Fatalf("entry %d has seq %d: not newest first", i, e.Seq)
			}
		}
		seqs := func(entries []*kinbridge.AuditEntry) []int64 {
			s := []int64{}
			for _, e := range entries {
				s = append(s, e.Seq)
			}
			return s
		}
		where := func(keep func(e *kinbridge.AuditEntry) bool) []int64 {
			s := []int64{}
			for _, e := range all {
				if keep(e) {
					s = append(s, e.Seq)
				}
			}
			return s
		}
		inSubtree := func(u *kinbridge.Unit) func(e *kinbridge.AuditEntry) bool {
			ids := map[int64]bool{}
			units, err := f.svc.FindUnits(System())
			mustNoErr(t, err, "find units")
			for _, x := range units {
				if u.IsAncestorOf(x) {
					ids[x.ID] = true
				}
			}
			return func(e *kinbridge.AuditEntry) bool { return ids[e.UnitID] }
		}

		for _, tt := range []struct {
			name   string
			ctx    context.Context
			filter kinbridge.AuditFilter
			want   []int64
		}{
			{"by record", System(), kinbridge.AuditFilter{RecordType: "unit", RecordID: a2.ID, Limit: 1000},
				where(func(e *kinbridge.AuditEntry) bool { return e.RecordType == "unit" && e.RecordID == a2.ID })},
			{"by records, in a region", As(adminA), kinbridge.AuditFilter{Records: []kinbridge.AuditRecord{{Type: "unit", ID: a2.ID}, {Type: "unit", ID: f.regionB.ID}, {Type: "user", ID: adminA.ID}}, Limit: 1000},
				where(func(e *kinbridge.AuditEntry) bool {
					return inSubtree(f.regionA)(e) && (e.RecordType == "unit" && (e.RecordID == a2.ID || e.RecordID == f.regionB.ID) ||
						e.RecordType == "user" && e.RecordID == adminA.ID)
				})},
			{"by actor in a region", As(adminA), kinbridge.AuditFilter{ActorID: adminA.ID, Limit: 1000},
				where(func(e *kinbridge.AuditEntry) bool { return inSubtree(f.regionA)(e) && e.ActorID == adminA.ID })},
			{"by actor", System(), kinbridge.AuditFilter{ActorID: adminA.ID, Limit: 1000},
				where(func(e *kinbridge.AuditEntry) bool { return e.ActorID == adminA.ID })},
			{"by a user's name", System(), kinbridge.AuditFilter{ActorName: "admin-a", Limit: 1000},
				where(func(e *kinbridge.AuditEntry) bool { return e.ActorName == "admin-a" })},
			{"by a user's name in a region", As(adminA), kinbridge.AuditFilter{ActorName: "admin-a", Limit: 1000},
				where(func(e *kinbridge.AuditEntry) bool { return inSubtree(f.regionA)(e) && e.ActorName == "admin-a" })},
			{"by actor name", System(), kinbridge.AuditFilter{ActorName: "stranger"},
				where(func(e *kinbridge.AuditEntry) bool { return e.ActorName == "stranger" })},
			{"time range", System(), kinbridge.AuditFilter{From: t1, To: t2},
				where(func(e *kinbridge.AuditEntry) bool { return !e.At.Before(t1) && e.At.Before(t2) })},
			{"page", System(), kinbridge.AuditFilter{BeforeSeq: head - 2, Limit: 3}, seqs(all[3:6])},
			{"top admin sees all, entries without unit too", As(adminHQ), kinbridge.AuditFilter{Limit: 1000}, seqs(all)},
			{"region admin sees own region only", As(adminA), kinbridge.AuditFilter{Limit: 1000}, where(inSubtree(f.regionA))},
			{"region supervisor sees own region only", As(supB), kinbridge.AuditFilter{Limit: 1000}, where(inSubtree(f.regionB))},
			{"the newest of a region", As(adminA), kinbridge.AuditFilter{Limit: 5}, where(inSubtree(f.regionA))[:5]},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, err := f.svc.FindAuditEntries(tt.ctx, tt.filter)
				mustNoErr(t, err, "find audit entries")
				if len(tt.want) == 0 {
					t.Fatal("the case selects nothing: a bad test")
				}
				diff(t, "seqs", tt.want, seqs(got))
			})
		}
	}
	t.Run("as made", check)
	// Entries of the units above, of their actors and records, and of no
	// unit, in commits of 100.
	units := []int64{a2.ID, f.regionA.ID, f.officeA1.ID, 0, f.regionB.ID, f.hq.ID}
	for c := range 7 {
		err := f.store.Update(ctx, func(tx kinbridge.Tx) error {
			for i := range 100 {
				k := c*100 + i
				e := &kinbridge.AuditEntry{ActorID: []int64{adminA.ID, supB.ID, 0}[k%3], ActorName: "grown", UnitID: units[k%len(units)],
					Action: "unit.view", RecordType: "unit", RecordID: units[k%len(units)], Addr: "local", Detail: "{}"}
				if err := kinbridge.AppendAudit(ctx, tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		mustNoErr(t, err, "append entries")
	}
	if s := f.store; s.Engine() == "sqlite" {
		var indexed int64
		mustNoErr(t, s.WriteDB().QueryRow("SELECT indexed FROM audit_head").Scan(&indexed), "read indexed")
		if head := f.head(t); indexed == 0 || indexed >= head {
			t.Fatalf("the index tables hold the entries up to %d of %d: want some, not all", indexed, head)
		}
	}
	t.Run("grown", check)
	t.Run("officer may not", func(t *testing.T) {
		officer := f.mustCreateUser(t, "officer", kinbridge.RoleOfficer, f.officeA1)
		_, err := f.svc.FindAuditEntries(As(officer), kinbridge.AuditFilter{})
		wantCode(t, err, kinbridge.EFORBIDDEN)
	})
}

// testAuditTamper changes the log behind the service's back, through raw
// SQL, in each way the chain must catch, and checks that VerifyAudit names
// the first entry that is wrong.
func testAuditTamper(t *testing.T, open Opener) {
	for _, tt := range []struct {
		name    string
		tamper  func(t *testing.T, f *fixture, n int64)
		wantSeq func(n int64) int64
		reason  string
	}{
		{"edit a field", func(t *testing.T, f *fixture, n int64) {
			f.exec(t, "UPDATE audit_log SET actor_name = 'mallory' WHERE seq = 3")
		}, func(int64) int64 { return 3 }, "edited"},
		{"edit the detail", func(t *testing.T, f *fixture, n int64) {
			f.exec(t, `UPDATE audit_log SET detail = '{"name_en":"Forged"}' WHERE seq = 4`)
		}, func(int64) int64 { return 4 }, "edited"},
		{"delete a middle entry", func(t *testing.T, f *fixture, n int64) {
			f.exec(t, "DELETE FROM audit_log WHERE seq = 3")
		}, func(int64) int64 { return 3 }, "missing"},
		{"delete the newest entry", func(t *testing.T, f *fixture, n int64) {
			f.exec(t, "DELETE FROM audit_log WHERE seq = ?", n)
		}, func(n int64) int64 { return n }, "missing"},
		{"delete the newest entries", func(t *testing.T, f *fixture, n int64) {
			f.exec(t, "DELETE FROM audit_log WHERE seq > ?", n-3)
		}, func(n int64) int64 { return n - 2 }, "missing"},
		{"delete every entry", func(t *testing.T, f *fixture, n int64) {
			f.exec(t, "DELETE FROM audit_log")
		}, func(int64) int64 { return 1 }, "missing"},
		{"replace the newest entry", func(t *testing.T, f *fixture, n int64) {
			// A well-forged entry in its place: it links to the entry before
			// and its hash is right; only the head still names the original.
			prev := f.entry(t, n-1)
			forged := &kinbridge.AuditEntry{ActorName: "mallory", Action: "user.create", Detail: "{}"}
			forged.Link(kinbridge.AuditHead{Seq: prev.Seq, Hash: prev.Hash, At: prev.At}, prev.At)
			f.exec(t, "DELETE FROM audit_log WHERE seq = ?", n)
			f.insertEntry(t, forged)
		}, func(n int64) int64 { return n }, "replaced"},
		{"insert an entry", func(t *testing.T, f *fixture, n int64) {
			// A well-forged entry: it links to entry 2 and its hash is right.
			// Room is made for it by renumbering the entries after it.
			prev := f.entry(t, 2)
			forged := &kinbridge.AuditEntry{Seq: 3, At: prev.At, ActorName: "mallory", Action: "user.create",
				RecordType: "user", RecordID: 99, Detail: "{}", PrevHash: prev.Hash}
			forged.Hash = hex.EncodeToString(forged.ComputeHash())
			f.exec(t, "UPDATE audit_log SET seq = -seq WHERE seq >= 3")
			f.exec(t, "UPDATE audit_log SET seq = 1 - seq WHERE seq < 0")
			f.insertEntry(t, forged)
		}, func(int64) int64 { return 4 }, "does not link"},
		{"append an entry", func(t *testing.T, f *fixture, n int64) {
			prev := f.entry(t, n)
			forged := &kinbridge.AuditEntry{Seq: n + 1, At: prev.At, ActorName: "mallory", Action: "user.create",
				Detail: "{}", PrevHash: prev.Hash}
			forged.Hash = hex.EncodeToString(forged.ComputeHash())
			f.insertEntry(t, forged)
		}, func(n int64) int64 { return n + 1 }, "not in the chain"},
		{"swap two entries", func(t *testing.T, f *fixture, n int64) {
			f.exec(t, "UPDATE audit_log SET seq = -1 WHERE seq = 3")
			f.exec(t, "UPDATE audit_log SET seq = 3 WHERE seq = 4")
			f.exec(t, "UPDATE audit_log SET seq = 4 WHERE seq = -1")
		}, func(int64) int64 { return 3 }, "does not link"},
		{"backdate an entry and rehash the rest", func(t *testing.T, f *fixture, n int64) {
			// A rewrite with every hash and the head recomputed: only the
			// time order, which time ranges of the log rely on, gives it away.
			f.rewriteFrom(t, 4, n, func(e *kinbridge.AuditEntry) { e.At = e.At.Add(-time.Hour) })
		}, func(int64) int64 { return 4 }, "earlier"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, open)
			f.mustCreateUser(t, "bob", kinbridge.RoleOfficer, f.officeA1)
			f.mustCreateUser(t, "carol", kinbridge.RoleViewer, f.regionB)
			ctx := context.Background()
			n, problem, err := f.svc.VerifyAudit(ctx, nil)
			mustNoErr(t, err, "verify before")
			if problem != nil || n != 7 {
				t.Fatalf("before tampering: %d entries, problem %v; want 7 and none", n, problem)
			}

			tt.tamper(t, f, n)

			_, problem, err = f.svc.VerifyAudit(ctx, nil)
			mustNoErr(t, err, "verify after")
			if problem == nil {
				t.Fatal("tampering not detected")
			}
			if want := tt.wantSeq(n); problem.Seq != want || !strings.Contains(problem.Reason, tt.reason) {
				t.Errorf("problem %v; want entry %d, %q", problem, want, tt.reason)
			}
		})
	}
}

// entry returns the audit entry with the given seq.
func (f *fixture) entry(t *testing.T, seq int64) *kinbridge.AuditEntry {
	t.Helper()
	entries, err := f.svc.FindAuditEntries(System(), kinbridge.AuditFilter{BeforeSeq: seq + 1, Limit: 1})
	mustNoErr(t, err, "find entry")
	if len(entries) != 1 || entries[0].Seq != seq {
		t.Fatalf("no entry %d", seq)
	}
	return entries[0]
}

// rewriteFrom edits entry from with raw SQL, as someone who knows how the
// chain is made would: edit changes it, and the hashes of it and of every
// entry after it up to the newest, n, are recomputed, and the head moved.
func (f *fixture) rewriteFrom(t *testing.T, from, n int64, edit func(e *kinbridge.AuditEntry)) {
	t.Helper()
	prev := f.entry(t, from-1)
	for seq := from; seq <= n; seq++ {
		e := f.entry(t, seq)
		if seq == from {
			edit(e)
		}
		e.PrevHash = prev.Hash
		e.Hash = hex.EncodeToString(e.ComputeHash())
		f.exec(t, "UPDATE audit_log SET at = ?, prev_hash = ?, hash = ? WHERE seq = ?", f.encodeTime(e.At), e.PrevHash, e.Hash, seq)
		prev = e
	}
	f.exec(t, "UPDATE audit_head SET seq = ?, hash = ?, at = ? WHERE id = 1", prev.Seq, prev.Hash, f.encodeTime(prev.At))
}

// encodeTime is the time as raw SQL must give it to the store's engine.
func (f *fixture) encodeTime(at time.Time) any {
	if f.store.Engine() == "sqlite" {
		return sqlstore.EncodeTimeText(at)
	}
	return at
}

// insertEntry writes an entry with raw SQL, leaving the head alone.
func (f *fixture) insertEntry(t *testing.T, e *kinbridge.AuditEntry) {
	t.Helper()
	f.exec(t, `INSERT INTO audit_log (seq, at, actor_id, actor_name, unit_id, action, record_type, record_id, addr, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, f.encodeTime(e.At), e.ActorID, e.ActorName, e.UnitID, e.Action, e.RecordType, e.RecordID, e.Addr, e.Detail, e.PrevHash, e.Hash)
}

// testConcurrency runs writers at once — units created and moved, users
// created — and checks that the audit chain stays whole, with contiguous
// sequence numbers, and that the unit tree stays consistent.
func testConcurrency(t *testing.T, open Opener) {
	f := newFixture(t, open)
	const workers, perWorker = 8, 6
	mover := f.mustCreateUnit(t, System(), f.regionA.ID, "Mover")
	// Each move goes to a unit of its own, so that every move is a write
	// (a move to the current parent would not be).
	targets := map[[2]int]int64{}
	for w := range workers {
		for i := range perWorker {
			if (w+i)%4 == 3 {
				region := f.regionA
				if i%2 == 0 {
					region = f.regionB
				}
				targets[[2]int{w, i}] = f.mustCreateUnit(t, System(), region.ID, fmt.Sprintf("Target %d-%d", w, i)).ID
			}
		}
	}
	start := f.head(t)

	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := System()
			for i := range perWorker {
				var err error
				switch (w + i) % 4 {
				case 0:
					_, err = f.svc.CreateUser(ctx, kinbridge.NewUser{Username: fmt.Sprintf("user-%d-%d", w, i),
						Role: kinbridge.RoleOfficer, UnitID: f.officeB1.ID, Password: testPassword})
				case 1:
					err = f.svc.CreateUnit(ctx, &kinbridge.Unit{ParentID: f.regionB.ID, Names: kinbridge.UnitNames{EN: fmt.Sprintf("Unit %d-%d", w, i)}})
				case 2:
					// Children of a unit that moves at the same time.
					err = f.svc.CreateUnit(ctx, &kinbridge.Unit{ParentID: mover.ID, Names: kinbridge.UnitNames{EN: fmt.Sprintf("Child %d-%d", w, i)}})
				case 3:
					_, err = f.svc.MoveUnit(ctx, mover.ID, targets[[2]int{w, i}])
				}
				if err != nil {
					errs <- fmt.Errorf("worker %d op %d: %w", w, i, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	ctx := context.Background()
	n, problem, err := f.svc.VerifyAudit(ctx, nil)
	mustNoErr(t, err, "verify")
	if problem != nil {
		t.Fatalf("audit chain broken: %v", problem)
	}
	head := f.head(t)
	if want := start + workers*perWorker; head != want || n != head {
		t.Errorf("head %d, %d entries verified; want %d", head, n, want)
	}
	var count, lo, hi int64
	err = f.store.WriteDB().QueryRowContext(ctx, "SELECT COUNT(*), MIN(seq), MAX(seq) FROM audit_log").Scan(&count, &lo, &hi)
	mustNoErr(t, err, "count entries")
	if lo != 1 || hi != head || count != head {
		t.Errorf("seqs %d..%d, %d entries; want 1..%d contiguous", lo, hi, count, head)
	}

	units, err := f.svc.FindUnits(System())
	mustNoErr(t, err, "find units")
	byID := map[int64]*kinbridge.Unit{}
	for _, u := range units {
		byID[u.ID] = u
	}
	for _, u := range units {
		if u.ParentID == 0 {
			continue
		}
		p := byID[u.ParentID]
		if want := p.Path + fmt.Sprint(u.ID) + "/"; u.Path != want || u.Depth != p.Depth+1 {
			t.Errorf("unit %d: path %q depth %d, want %q %d", u.ID, u.Path, u.Depth, want, p.Depth+1)
		}
	}
}
