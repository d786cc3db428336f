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
			case 0, 1: // a service write: the unit and its audit entry
				results[i] = svc.CreateUnit(ctx, &kinbridge.Unit{Names: kinbridge.UnitNames{EN: name}, TimeZone: "UTC"})
			case 2: // writes, then fails: nothing of it may stay
				results[i] = st.Update(ctx, func(tx kinbridge.Tx) error {
					if err := tx.CreateUnit(ctx, &kinbridge.Unit{Names: kinbridge.UnitNames{EN: name}, TimeZone: "UTC"}); err != nil {
						return err
					}
					return errRefused
				})
			case 3: // writes, then panics: the panic reaches this caller only
				results[i] = st.Update(ctx, func(tx kinbridge.Tx) error {
					if err := tx.CreateUnit(ctx, &kinbridge.Unit{Names: kinbridge.UnitNames{EN: name}, TimeZone: "UTC"}); err != nil {
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
	checked, problem, err := svc.VerifyAudit(ctx, nil)
	if err != nil || problem != nil {
		t.Fatalf("audit verify: %v, %+v", err, problem)
	}
	if want := int64(2 * n / 5); checked < want {
		t.Errorf("audit holds %d entries, want at least the %d units created", checked, want)
	}
}
