package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kinbridge/kinbridge"
)

// GroupCommit fires many concurrent writes at a store, so that on an engine
// that groups its writes (Dialect.GroupCommit) they run in groups sharing a
// COMMIT, and checks that each is all or
// nothing on its own: the writes whose function failed or panicked are
// gone, every other write is there, and the audit chain the successful ones
// appended to is whole.
func GroupCommit(t *testing.T, open Opener) {
	st := open(t)
	svc := kinbridge.NewService(st, nil, kinbridge.DefaultServiceConfig())
	ctx := kinbridge.NewContextWithActor(context.Background(), kinbridge.SystemActor("test"))
	errRefused := errors.New("refused on purpose")

	const n = 200
	var wg sync.WaitGroup
	results := make([]error, n)
	panics := make([]any, n)
	for i := range n {
		wg.Go(func() {
			defer func() { panics[i] = recover() }()
			name := fmt.Sprintf("unit %03d", i)
			switch i % 5 {
			case 0: // a service write: the unit and its audit entry
				results[i] = svc.CreateUnit(ctx, &kinbridge.Unit{Names: kinbridge.UnitNames{EN: name}, TimeZone: "UTC"})
			case 1: // audits, then reads the log in the same transaction: it sees its entry
				results[i] = st.Update(ctx, func(tx kinbridge.Tx) error {
					if err := createAudited(ctx, tx, name, "test.read_back"); err != nil {
						return err
					}
					es, err := tx.FindAuditEntries(ctx, kinbridge.AuditFilter{Limit: 1})
					if err != nil {
						return err
					}
					if len(es) != 1 || es[0].Action != "test.read_back" || es[0].Detail != `{"name":"`+name+`"}` {
						return fmt.Errorf("the newest entry in the transaction is %+v, want its own", es)
					}
					return nil
				})
			case 2: // writes and audits, then fails: nothing of it may stay
				results[i] = st.Update(ctx, func(tx kinbridge.Tx) error {
					if err := createAudited(ctx, tx, name, "test.refused"); err != nil {
						return err
					}
					return errRefused
				})
			case 3: // writes and audits, then panics: the panic reaches this caller only
				results[i] = st.Update(ctx, func(tx kinbridge.Tx) error {
					if err := createAudited(ctx, tx, name, "test.panicked"); err != nil {
						return err
					}
					panic(name)
				})
			case 4: // a caller that gave up before it ran writes nothing
				cctx, cancel := context.WithCancel(ctx)
				cancel()
				results[i] = st.Update(cctx, func(tx kinbridge.Tx) error {
					return tx.CreateUnit(ctx, &kinbridge.Unit{Names: kinbridge.UnitNames{EN: name}, TimeZone: "UTC"})
				})
			}
		})
	}
	wg.Wait()

	var units []*kinbridge.Unit
	if err := st.View(ctx, func(tx kinbridge.Tx) error {
		var err error
		units, err = tx.FindUnits(ctx, kinbridge.UnitFilter{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, u := range units {
		have[u.Names.EN] = true
	}
	for i := range n {
		name := fmt.Sprintf("unit %03d", i)
		switch i % 5 {
		case 0, 1:
			if results[i] != nil || panics[i] != nil || !have[name] {
				t.Errorf("%s: err %v, panic %v, stored %v; want stored", name, results[i], panics[i], have[name])
			}
		case 2:
			if !errors.Is(results[i], errRefused) || have[name] {
				t.Errorf("%s: err %v, stored %v; want the function's error and nothing stored", name, results[i], have[name])
			}
		case 3:
			if panics[i] != name || have[name] {
				t.Errorf("%s: panic %v, stored %v; want its own panic and nothing stored", name, panics[i], have[name])
			}
		case 4:
			if !errors.Is(results[i], context.Canceled) || have[name] {
				t.Errorf("%s: err %v, stored %v; want context.Canceled and nothing stored", name, results[i], have[name])
			}
		}
	}
	var entries []*kinbridge.AuditEntry
	if err := st.View(ctx, func(tx kinbridge.Tx) error {
		var err error
		entries, err = tx.FindAuditEntries(ctx, kinbridge.AuditFilter{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Action == "test.refused" || e.Action == "test.panicked" {
			t.Errorf("entry %d (%s %s) of a write that failed is in the log", e.Seq, e.Action, e.Detail)
		}
	}
	checked, problem, err := svc.VerifyAudit(ctx, nil)
	if err != nil || problem != nil {
		t.Fatalf("audit verify: %v, %+v", err, problem)
	}
	if want := int64(2 * n / 5); checked < want {
		t.Errorf("audit holds %d entries, want at least the %d units created", checked, want)
	}
}

// createAudited creates a unit named name in tx and appends an entry of
// the action for it, as a service write does.
func createAudited(ctx context.Context, tx kinbridge.Tx, name, action string) error {
	u := &kinbridge.Unit{Names: kinbridge.UnitNames{EN: name}, TimeZone: "UTC"}
	if err := tx.CreateUnit(ctx, u); err != nil {
		return err
	}
	return kinbridge.AppendAudit(ctx, tx, &kinbridge.AuditEntry{ActorName: "system:test", UnitID: u.ID, Action: action,
		RecordType: "unit", RecordID: u.ID, Detail: `{"name":"` + name + `"}`})
}
