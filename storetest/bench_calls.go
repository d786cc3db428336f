package storetest

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/demo"
	"github.com/kinbridge/kinbridge/postgres"
	"github.com/kinbridge/kinbridge/sqlite"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// The family calls benchmarks run on the demo's province (demo.Generate,
// size province, seed 1: 60 units, 400 officers, 20,000 households with
// their call settings, rosters and rooms, two weeks of calls booked by the
// weekly plan and a draft of the next), built once per engine and process.
//
//	go test -run '^$' -bench 'CallsFreeSlots' -benchtime 500x ./sqlite/ ./postgres/
//
// KINBRIDGE_BENCH_REUSE=1 reuses the province of an earlier run.

// CallsProvince is the demo's province on one engine, and cases to try it
// with: households with call settings, each with an officer of its office.
type CallsProvince struct {
	Store *sqlstore.Store
	Svc   *kinbridge.Service
	Cases []CallsCase
}

// CallsCase is a household and an officer who may book its calls.
type CallsCase struct {
	Ctx         context.Context
	HouseholdID int64
}

var (
	callsProvincesMu sync.Mutex
	callsProvinces   = map[string]*CallsProvince{}
)

// OpenCallsProvince returns the engine's province, generating it the first
// time in a process (a minute or two).
func OpenCallsProvince(b *testing.B, open Opener) *CallsProvince {
	engine := engineOf(b, open)
	callsProvincesMu.Lock()
	defer callsProvincesMu.Unlock()
	if p := callsProvinces[engine]; p != nil {
		return p
	}
	ctx := context.Background()
	// With KINBRIDGE_BENCH_REUSE=1 the province of an earlier process is
	// used again if its generation finished (the marker file says so);
	// otherwise it is made anew. The booking benchmark adds calls to it.
	dir := filepath.Join(os.TempDir(), "kinbridge-bench-calls")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	marker := filepath.Join(dir, engine+".built")
	_, err := os.Stat(marker)
	reuse := err == nil && os.Getenv("KINBRIDGE_BENCH_REUSE") == "1"
	if !reuse {
		os.Remove(marker)
	}
	var s *sqlstore.Store
	switch engine {
	case "sqlite":
		if !reuse {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(filepath.Join(dir, "province.db"+suffix))
			}
		}
		s, err = sqlite.Open(ctx, filepath.Join(dir, "province.db"))
	case "postgres":
		s, err = postgres.Open(ctx, postgresBenchSchema(b, "kb_bench_calls", !reuse))
	default:
		b.Fatalf("no province for %s", engine)
	}
	if err != nil {
		b.Fatal(err)
	}
	svc := kinbridge.NewService(s, nil, kinbridge.DefaultServiceConfig())
	start := time.Now()
	if reuse {
		b.Logf("reusing the demo province on %s", engine)
	} else {
		b.Logf("generating the demo province on %s …", engine)
		if err := demo.Generate(System(), svc, demo.Options{Size: demo.Sizes["province"], Seed: 1}); err != nil {
			b.Fatalf("demo province: %v", err)
		}
		// Statistics as an installation gathers them. On SQLite only the
		// table statistics (sqlite_stat1) are kept: with the samples of
		// sqlite_stat4, which modernc's build would use, SQLite prepares
		// a statement anew at each use whose bound values might change its
		// plan — every booking query — and the prepared statements are lost.
		analyze := "ANALYZE; DELETE FROM sqlite_stat4; ANALYZE sqlite_schema"
		if engine == "postgres" {
			analyze = "VACUUM ANALYZE"
		}
		if _, err := s.WriteDB().ExecContext(ctx, analyze); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(marker, []byte("province"), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	p := &CallsProvince{Store: s, Svc: svc}
	officers := map[int64][]*kinbridge.User{}
	rng := rand.New(rand.NewPCG(6, 6))
	err = s.View(ctx, func(tx kinbridge.Tx) error {
		return tx.ScanCallHouseholds(ctx, "", func(h *kinbridge.CallHousehold) error {
			if h.Settings.Area == "" {
				return nil // no settings: no officers at its office
			}
			fs, ok := officers[h.UnitID]
			if !ok {
				var err error
				fs, _, err = tx.FindUsers(ctx, kinbridge.UserFilter{UnitID: h.UnitID, Role: kinbridge.RoleOfficer, Limit: 100})
				if err != nil {
					return err
				}
				officers[h.UnitID] = fs
			}
			if len(fs) > 0 {
				p.Cases = append(p.Cases, CallsCase{Ctx: As(fs[rng.IntN(len(fs))]), HouseholdID: h.HouseholdID})
			}
			return nil
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	rng.Shuffle(len(p.Cases), func(i, j int) { p.Cases[i], p.Cases[j] = p.Cases[j], p.Cases[i] })
	if len(p.Cases) == 0 {
		b.Fatal("the province has no household with call settings")
	}
	b.Logf("generated in %v; %d cases", time.Since(start).Round(time.Second), len(p.Cases))
	callsProvinces[engine] = p
	return p
}

// BenchCallsFreeSlots measures P3: the free slots of one household for the
// coming seven days, asked by an officer of its office, at province size.
func BenchCallsFreeSlots(b *testing.B, open Opener) {
	p := OpenCallsProvince(b, open)
	var lat []time.Duration
	slots := 0
	i := 0
	for b.Loop() {
		c := p.Cases[i%len(p.Cases)]
		i++
		from := time.Now()
		start := time.Now()
		fs, err := p.Svc.FreeSlots(c.Ctx, c.HouseholdID, from, from.AddDate(0, 0, 7))
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatalf("household %d: %v", c.HouseholdID, err)
		}
		slots += len(fs.Slots)
	}
	reportLatency(b, lat)
	if i > 0 {
		b.ReportMetric(float64(slots)/float64(i), "slots/query")
	}
}
