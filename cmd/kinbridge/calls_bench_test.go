package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/demo"
	"github.com/kinbridge/kinbridge/storetest"
	"github.com/kinbridge/kinbridge/web"
)

// BenchmarkBookingHTTP measures P4: bookings over HTTP by 32 concurrent
// clients against the real server on loopback, on the demo's province
// (storetest.OpenCallsProvince), on each engine. Before the clock starts,
// each client asks the free slots of its households (GET
// /api/v1/households/{id}/free-slots), and each household is given one of
// them so that together they fit every slot's capacity; timed, the clients
// book (POST /api/v1/calls), every tenth household first at a slot that the
// others fill (409 expected, unless it wins the race), then at its own.
// b.N is the number of households to book for. Afterwards every
// rule is checked on what the database holds, independently of the
// service: no officer, room or household booked twice at once, at most one
// call a household a day and its quota a week, and every booking answered
// 201 is there.
//
//	go test -run '^$' -bench BookingHTTP -benchtime 4000x ./cmd/kinbridge
func BenchmarkBookingHTTP(b *testing.B) {
	for _, e := range []struct {
		name string
		open storetest.Opener
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		b.Run(e.name, func(b *testing.B) { benchBooking(b, e.open) })
	}
}

const bookingClients = 32

func benchBooking(b *testing.B, open storetest.Opener) {
	p := storetest.OpenCallsProvince(b, open)
	ctx := context.Background()
	// A province kept from an earlier run (KINBRIDGE_BENCH_REUSE=1) still
	// holds that run's bookings: they go first (their claims with them), so
	// that every run books into the same week.
	if _, err := p.Store.WriteDB().ExecContext(ctx,
		"DELETE FROM calls WHERE created_by IN (SELECT id FROM users WHERE username LIKE 'bench-%')"); err != nil {
		b.Fatal(err)
	}
	admin, err := p.Svc.CreateUser(storetest.System(), kinbridge.NewUser{
		Username: fmt.Sprintf("bench-%d", time.Now().UnixNano()), Role: kinbridge.RoleAdministrator,
		UnitID: rootUnit(b, p), Password: "bench-password-long-enough",
	})
	if err != nil {
		b.Fatal(err)
	}
	_, token, err := p.Svc.CreateAPIToken(storetest.As(admin), "bench")
	if err != nil {
		b.Fatal(err)
	}
	srv := web.NewServer(p.Svc, web.Options{Logger: slog.New(slog.DiscardHandler), DBs: p.Store.DBs()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	defer hs.Shutdown(ctx)
	base := "http://" + ln.Addr().String() + "/api/v1"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: bookingClients}}
	call := func(method, path string, body any, out any) (int, error) {
		var rd io.Reader
		if body != nil {
			buf, err := json.Marshal(body)
			if err != nil {
				return 0, err
			}
			rd = bytes.NewReader(buf)
		}
		req, err := http.NewRequest(method, base+path, rd)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		if out != nil && resp.StatusCode < 300 {
			return resp.StatusCode, json.NewDecoder(resp.Body).Decode(out)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, err
	}

	// Untimed: the households and their free slots, fetched by the clients.
	type job struct {
		household int64
		slots     []kinbridge.Slot
	}
	n := min(b.N, len(p.Cases))
	jobs := make([]job, 0, n)
	seen := map[int64]bool{}
	for _, c := range p.Cases {
		if len(jobs) == n {
			break
		}
		if !seen[c.HouseholdID] {
			seen[c.HouseholdID] = true
			jobs = append(jobs, job{household: c.HouseholdID})
		}
	}
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range bookingClients {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(jobs)); i = next.Add(1) - 1 {
				var fs kinbridge.FreeSlots
				if code, err := call("GET", fmt.Sprintf("/households/%d/free-slots", jobs[i].household), nil, &fs); err != nil || code != 200 {
					b.Errorf("free slots of %d: %d %v", jobs[i].household, code, err)
					return
				}
				jobs[i].slots = fs.Slots
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		return
	}

	// Still untimed: each household is given one of its free slots so that
	// together they stay within every slot's capacity, as a coordinator
	// working through a list would; every tenth first tries a slot that
	// others fill (a 409 expected), to keep the race for scarce slots in
	// the measure.
	type target struct {
		slot    kinbridge.Slot
		contest *kinbridge.Slot
	}
	left := map[string]int{}
	keyOf := func(sl kinbridge.Slot) string {
		if sl.Place == kinbridge.CallAtHome {
			return fmt.Sprintf("f%d@%d", sl.OfficerID, sl.Start.Unix())
		}
		return fmt.Sprintf("o%d@%d", sl.UnitID, sl.Start.Unix())
	}
	targets := make([]*target, len(jobs))
	for i, j := range jobs {
		for _, sl := range j.slots {
			k := keyOf(sl)
			if _, ok := left[k]; !ok {
				left[k] = sl.Free
			}
			if left[k] > 0 {
				left[k]--
				targets[i] = &target{slot: sl}
				break
			}
		}
	}
	for i, t := range targets {
		if t == nil || i%10 != 0 {
			continue
		}
		for _, sl := range jobs[i].slots {
			if left[keyOf(sl)] == 0 && keyOf(sl) != keyOf(t.slot) && sl.Start.YearDay() != t.slot.Start.YearDay() {
				t.contest = &sl
				break
			}
		}
	}

	// Timed: the bookings.
	var booked, conflicts, attempts atomic.Int64
	var mu sync.Mutex
	acked := map[int64]int64{} // call → household
	next.Store(0)
	b.ResetTimer()
	start := time.Now()
	for range bookingClients {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(jobs)); i = next.Add(1) - 1 {
				t := targets[i]
				if t == nil {
					continue // no free slot left for it
				}
				try := []kinbridge.Slot{t.slot}
				if t.contest != nil {
					try = []kinbridge.Slot{*t.contest, t.slot}
				}
				for k, sl := range try {
					attempts.Add(1)
					var c struct {
						ID int64 `json:"id"`
					}
					code, err := call("POST", "/calls", kinbridge.BookCall{
						HouseholdID: jobs[i].household, Start: sl.Start, Place: sl.Place, OfficerID: sl.OfficerID,
						IdempotencyKey: fmt.Sprintf("bench-%d-%d", jobs[i].household, k),
					}, &c)
					if err != nil {
						b.Errorf("book for %d: %v", jobs[i].household, err)
						return
					}
					if code == http.StatusCreated {
						booked.Add(1)
						mu.Lock()
						acked[c.ID] = jobs[i].household
						mu.Unlock()
						break
					}
					if code != http.StatusConflict {
						b.Errorf("book for %d at %s: HTTP %d", jobs[i].household, sl.Start, code)
						return
					}
					conflicts.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(booked.Load())/elapsed.Seconds(), "bookings/s")
	b.ReportMetric(float64(attempts.Load())/elapsed.Seconds(), "requests/s")
	b.ReportMetric(float64(conflicts.Load()), "conflicts")
	b.ReportMetric(float64(booked.Load()), "booked")
	if v := checkCallRules(b, p, acked); v > 0 {
		b.Fatalf("%d rule violations", v)
	}
	b.ReportMetric(0, "violations")
}

// rootUnit returns the id of the province's root unit.
func rootUnit(b *testing.B, p *storetest.CallsProvince) int64 {
	var id int64
	err := p.Store.View(context.Background(), func(tx kinbridge.Tx) error {
		us, err := tx.FindUnits(context.Background(), kinbridge.UnitFilter{})
		for _, u := range us {
			if u.ParentID == 0 {
				id = u.ID
			}
		}
		return err
	})
	if err != nil || id == 0 {
		b.Fatalf("root unit: %v", err)
	}
	return id
}

// checkCallRules reads every call and counts the broken rules
// (storetest.CallRuleViolations), and the acknowledged bookings that are
// missing.
func checkCallRules(b *testing.B, p *storetest.CallsProvince, acked map[int64]int64) int {
	ctx := context.Background()
	var calls []*kinbridge.Call
	err := p.Store.View(ctx, func(tx kinbridge.Tx) error {
		var err error
		calls, _, err = tx.FindCalls(ctx, kinbridge.CallFilter{Limit: 10_000_000})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	loc, err := time.LoadLocation(demo.TimeZone)
	if err != nil {
		b.Fatal(err)
	}
	violations := storetest.CallRuleViolations(calls, loc, kinbridge.DefaultCallPolicy.Quota)
	for _, v := range violations {
		b.Error(v)
	}
	live := map[int64]bool{}
	for _, c := range calls {
		live[c.ID] = c.Status != kinbridge.CallCancelled
	}
	missing := 0
	for id, h := range acked {
		if !live[id] {
			b.Errorf("call %d of household %d was acknowledged but is not there", id, h)
			missing++
		}
	}
	return len(violations) + missing
}
