package callplan

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// BenchmarkSolve measures Solve on the province instance (and the nation
// one with KINBRIDGE_BENCH_LARGE=1), reporting the peak heap and, in the
// same run, the wall times of LEMON (network simplex on the same networks,
// file parsing included) and CBC (the integer program's first level only,
// with a time limit of KINBRIDGE_BENCH_CBC_SECONDS, default 20; -N means it
// did not finish in N seconds) for comparison.
func BenchmarkSolve(b *testing.B) {
	sizes := []string{"province"}
	if os.Getenv("KINBRIDGE_BENCH_LARGE") == "1" {
		sizes = append(sizes, "nation")
	}
	for _, size := range sizes {
		b.Run(size, func(b *testing.B) {
			in := Generate(size, 1)
			runtime.GC()
			var st Stats
			peak := newPeakHeap()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var err error
				if _, st, err = SolveWithStats(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(peak.stop())/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(st.Nodes), "nodes")
			b.ReportMetric(float64(st.Arcs), "arcs")
			if size != "province" {
				return
			}
			for name, v := range externalTimes(b, in) {
				b.ReportMetric(v, name)
			}
		})
	}
}

var external = map[string]map[string]float64{}

// externalTimes measures LEMON and CBC on in once per process (they take
// seconds to minutes) and returns their metrics for every report.
func externalTimes(b *testing.B, in *Instance) map[string]float64 {
	key := fmt.Sprint(len(in.Households))
	if m, ok := external[key]; ok {
		return m
	}
	m := map[string]float64{}
	external[key] = m
	if lemon, err := exec.LookPath("dimacs-solver"); err == nil {
		file := filepath.Join(b.TempDir(), "week.min")
		f, err := os.Create(file)
		if err != nil {
			b.Fatal(err)
		}
		_, err = writeDIMACS(f, in)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := solveLEMON(lemon, file); err != nil {
			b.Fatal(err)
		}
		m["lemon-s"] = time.Since(start).Seconds()
	} else {
		b.Log("dimacs-solver (liblemon-utils) is not installed: no LEMON time")
	}
	if cbc, err := exec.LookPath("cbc"); err == nil {
		limit := 20
		if s := os.Getenv("KINBRIDGE_BENCH_CBC_SECONDS"); s != "" {
			fmt.Sscan(s, &limit)
		}
		start := time.Now()
		// Only the first level (households served): the four levels
		// need weights beyond double precision at this size.
		_, finished, err := solveCBC(b, cbc, in, limit, true)
		if err != nil {
			b.Fatal(err)
		}
		if finished {
			m["cbc-s"] = time.Since(start).Seconds()
		} else {
			b.Logf("CBC did not finish in %d s", limit)
			m["cbc-s"] = -float64(limit)
		}
	} else {
		b.Log("cbc (coinor-cbc) is not installed: no CBC time")
	}
	return m
}

// peakHeap samples the heap in use every few milliseconds until stopped.
type peakHeap struct {
	done chan struct{}
	max  chan uint64
}

func newPeakHeap() *peakHeap {
	p := &peakHeap{done: make(chan struct{}), max: make(chan uint64)}
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
		var peak uint64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64()+sample[1].Value.Uint64())
			select {
			case <-p.done:
				p.max <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

func (p *peakHeap) stop() uint64 {
	close(p.done)
	return <-p.max
}
