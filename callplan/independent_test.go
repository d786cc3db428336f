package callplan

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge/mcf"
)

// smallInstances returns varied small instances: tight and loose capacity,
// adversarial windows, shared areas across offices.
func smallInstances(n int, maxHouseholds int) []*Instance {
	var out []*Instance
	for i := 0; i < n; i++ {
		gp := GenerateParams{
			Seed:        int64(100 + i),
			Offices:     1 + i%3,
			Officers:    2 + (i*7)%7,
			Households:  5 + (i*13)%(maxHouseholds-4),
			MaxRooms:    1 + i%3,
			Adversarial: i%2 == 1,
		}
		if i%5 == 4 {
			gp.DutiesMin, gp.DutiesMax = 1, 3 // very tight
		}
		if i%7 == 6 {
			gp.SlotMinutes, gp.HomeBlockMinutes = 20, 50
		}
		out = append(out, GenerateWith(gp))
	}
	return out
}

// ilpOption is one way to give a household one call, enumerated straight
// from the rules of plan-format.md.
type ilpOption struct {
	household int
	day       int
	start     Clock
	home      bool
	resource  string // the office slot or home block it takes
	preferred bool
}

// writeILP writes the integer program of the week in CPLEX LP format: a
// binary x per household and feasible option, a binary y per household
// (served), at most one call a household-day, at most want a household, at
// most min(rooms, officers on duty) an office slot, one a home block, and
// y ≤ Σx. The objective weights make the levels lexicographic; with
// servedOnly, the objective is the first level alone (for timing CBC on
// instances too big for exact weights in double precision).
func writeILP(w io.Writer, in *Instance, servedOnly bool) ([]ilpOption, error) {
	S, B := Clock(in.SlotMinutes), Clock(in.HomeBlockMinutes)
	capacity := map[string]int{}
	var opts []ilpOption
	for hi, h := range in.Households {
		if h.Want == 0 {
			continue
		}
		seen := map[string]bool{}
		for _, f := range in.Officers {
			for _, du := range f.Duty {
				if slices.Contains(h.BusyDays, du.Day) {
					continue
				}
				isOffice := du.Kind == PlaceOffice && f.Office == h.Office && slices.Contains(h.Places, PlaceOffice)
				isHome := du.Kind == PlaceHome && f.Area == h.Area && slices.Contains(h.Places, PlaceHome)
				if !isOffice && !isHome {
					continue
				}
				step := S
				if isHome {
					step = B
				}
				for t := du.Start; t+step <= du.End; t += step {
					inside := false
					for _, win := range h.Windows {
						if win.Day == du.Day && win.Start <= t && t+S <= win.End {
							inside = true
						}
					}
					if !inside {
						continue
					}
					o := ilpOption{household: hi, day: du.Day, start: t, home: isHome}
					if isHome {
						o.resource = fmt.Sprintf("b_%s_%d_%d", f.ID, du.Day, t)
						capacity[o.resource] = 1
					} else {
						o.resource = fmt.Sprintf("s_%s_%d_%d", f.Office, du.Day, t)
						if _, ok := capacity[o.resource]; !ok {
							n := 0
							for _, g := range in.Officers {
								for _, e := range g.Duty {
									if g.Office == f.Office && e.Kind == PlaceOffice && e.Day == du.Day && e.Start <= t && t+S <= e.End {
										n++
									}
								}
							}
							rooms := 0
							for _, of := range in.Offices {
								if of.ID == f.Office {
									rooms = of.Rooms
								}
							}
							capacity[o.resource] = min(n, rooms)
						}
					}
					if seen[o.resource] {
						continue
					}
					seen[o.resource] = true
					for _, p := range h.Preferred {
						if p.Day == o.day && p.Start <= t && t < p.End {
							o.preferred = true
						}
					}
					opts = append(opts, o)
				}
			}
		}
	}
	M := int64(len(opts) + 1)
	w4 := int64(1)
	w3 := w4*M + 1
	w2 := (w3+w4)*M + 1
	w1 := (w2+w3+w4)*M + 1
	if servedOnly {
		w1, w2, w3, w4 = 1, 0, 0, 0
	}
	if float64(w1)*float64(M) > 1<<50 {
		return nil, fmt.Errorf("instance too big for exact weights in double precision")
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "Maximize")
	fmt.Fprint(bw, " obj:")
	hs := map[int]bool{}
	for i, o := range opts {
		c := w2
		if o.preferred {
			c += w3
		}
		if o.home {
			c -= w4
		}
		if c != 0 {
			fmt.Fprintf(bw, " + %d x%d", c, i)
		}
		if !hs[o.household] {
			hs[o.household] = true
			fmt.Fprintf(bw, " + %d y%d", w1, o.household)
		}
		if i%8 == 7 {
			fmt.Fprint(bw, "\n")
		}
	}
	if len(opts) == 0 {
		fmt.Fprint(bw, " 0 dummy")
	}
	fmt.Fprintln(bw, "\nSubject To")
	group := func(name string, key func(ilpOption) string, limit func(string) int) {
		rows := map[string][]int{}
		var keys []string
		for i, o := range opts {
			k := key(o)
			if _, ok := rows[k]; !ok {
				keys = append(keys, k)
			}
			rows[k] = append(rows[k], i)
		}
		for n, k := range keys {
			fmt.Fprintf(bw, " %s%d:", name, n)
			for _, i := range rows[k] {
				fmt.Fprintf(bw, " + x%d", i)
			}
			fmt.Fprintf(bw, " <= %d\n", limit(k))
		}
	}
	group("day", func(o ilpOption) string { return fmt.Sprint(o.household, "/", o.day) }, func(string) int { return 1 })
	group("want", func(o ilpOption) string { return fmt.Sprint(o.household) }, func(k string) int {
		h, _ := strconv.Atoi(k)
		return in.Households[h].Want
	})
	group("cap", func(o ilpOption) string { return o.resource }, func(k string) int { return capacity[k] })
	byHousehold := map[int][]int{}
	for i, o := range opts {
		byHousehold[o.household] = append(byHousehold[o.household], i)
	}
	for h := range hs {
		fmt.Fprintf(bw, " served%d: y%d", h, h)
		for _, i := range byHousehold[h] {
			fmt.Fprintf(bw, " - x%d", i)
		}
		fmt.Fprintln(bw, " <= 0")
	}
	fmt.Fprintln(bw, "Binaries")
	for i := range opts {
		fmt.Fprintf(bw, " x%d\n", i)
	}
	for h := range hs {
		fmt.Fprintf(bw, " y%d\n", h)
	}
	fmt.Fprintln(bw, "End")
	return opts, bw.Flush()
}

// solveCBC solves the integer program with CBC and returns the objective
// levels of its optimum, recounted from its x values. seconds > 0 limits
// the time; then finished reports whether CBC proved optimality.
func solveCBC(tb testing.TB, cbc string, in *Instance, seconds int, servedOnly bool) (obj Objective, finished bool, err error) {
	dir := tb.TempDir()
	lp := filepath.Join(dir, "week.lp")
	f, err := os.Create(lp)
	if err != nil {
		return obj, false, err
	}
	opts, err := writeILP(f, in, servedOnly)
	f.Close()
	if err != nil {
		return obj, false, err
	}
	sol := filepath.Join(dir, "solution.txt")
	args := []string{lp}
	if seconds > 0 {
		args = append(args, "sec", strconv.Itoa(seconds))
	}
	args = append(args, "solve", "solu", sol)
	if out, err := exec.Command(cbc, args...).CombinedOutput(); err != nil {
		return obj, false, fmt.Errorf("cbc: %v\n%s", err, out)
	}
	b, err := os.ReadFile(sol)
	if err != nil {
		return obj, false, err
	}
	lines := strings.Split(string(b), "\n")
	finished = strings.HasPrefix(lines[0], "Optimal")
	served := map[int]bool{}
	for _, line := range lines[1:] {
		fs := strings.Fields(line)
		if len(fs) < 3 || !strings.HasPrefix(fs[1], "x") {
			continue
		}
		v, err := strconv.ParseFloat(fs[2], 64)
		if err != nil {
			return obj, false, fmt.Errorf("cbc solution line %q: %v", line, err)
		}
		if v < 0.5 {
			continue
		}
		i, _ := strconv.Atoi(fs[1][1:])
		o := opts[i]
		obj.Calls++
		served[o.household] = true
		if o.preferred {
			obj.Preferred++
		}
		if o.home {
			obj.HomeCalls++
		}
	}
	obj.HouseholdsServed = len(served)
	return obj, finished, nil
}

func TestSolveMatchesCBC(t *testing.T) {
	cbc := requireSolver(t, "cbc", "coinor-cbc")
	start := time.Now()
	for i, in := range smallInstances(40, 40) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			p := mustSolve(t, in)
			want, finished, err := solveCBC(t, cbc, in, 0, false)
			if err != nil {
				t.Fatal(err)
			}
			if !finished {
				t.Fatal("CBC did not prove optimality")
			}
			t.Logf("%d households: %+v, %d short", len(in.Households), p.Objective, len(p.Short))
			if p.Objective != want {
				t.Errorf("Solve %+v, CBC %+v (%d households, %d officers)", p.Objective, want, len(in.Households), len(in.Officers))
			}
		})
	}
	t.Logf("40 instances in %v", time.Since(start))
}

// writeDIMACS writes the networks Solve builds for in, all components
// sharing one source (node 1) and one sink (node 2), as a DIMACS min-cost
// flow problem whose optimal cost is the sum of the components' optimal
// costs; a bypass arc source → sink of cost 0 makes "any amount" a
// feasible flow of a fixed amount. It returns the total cost of Solve's
// flows.
func writeDIMACS(w io.Writer, in *Instance) (int64, error) {
	m := newModel(in)
	type arc struct {
		u, v       int
		capa, cost int64
	}
	var arcs []arc
	nodes := 2
	var supply int64
	ws := newWorkspace()
	ws.inspect = func(g *mcf.Graph, s, t int) {
		id := func(v int) int {
			switch v {
			case s:
				return 1
			case t:
				return 2
			}
			return nodes + 1 + v
		}
		for a := 0; a < g.NumArcs(); a++ {
			u, v, c, cost := g.Arc(a)
			arcs = append(arcs, arc{id(u), id(v), c, cost})
			if u == s {
				supply += c
			}
		}
		nodes += g.NumNodes()
	}
	var total int64
	for c := range m.comps {
		r, err := m.solveComponent(ws, c)
		if err != nil {
			return 0, err
		}
		total += r.cost
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "p min %d %d\n", nodes, len(arcs)+1)
	fmt.Fprintf(bw, "n 1 %d\nn 2 %d\n", supply, -supply)
	for _, a := range arcs {
		fmt.Fprintf(bw, "a %d %d 0 %d %d\n", a.u, a.v, a.capa, a.cost)
	}
	fmt.Fprintf(bw, "a 1 2 0 %d 0\n", supply)
	return total, bw.Flush()
}

// solveLEMON runs LEMON's dimacs-solver (network simplex) on a DIMACS file
// and returns the minimum cost.
func solveLEMON(lemon, file string) (int64, error) {
	out, err := exec.Command(lemon, "-long", file).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("dimacs-solver: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "Min flow cost: "); ok {
			return strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
		}
	}
	return 0, fmt.Errorf("dimacs-solver printed no cost:\n%s", out)
}

func TestSolveMatchesLEMON(t *testing.T) {
	lemon := requireSolver(t, "dimacs-solver", "liblemon-utils")
	ins := smallInstances(30, 60)
	ins = append(ins, Generate("town", 1), GenerateWith(GenerateParams{Seed: 9, Offices: 6, Officers: 30, Households: 1500, Adversarial: true}))
	for i, in := range ins {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			mustSolve(t, in)
			file := filepath.Join(t.TempDir(), "week.min")
			f, err := os.Create(file)
			if err != nil {
				t.Fatal(err)
			}
			ours, err := writeDIMACS(f, in)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := solveLEMON(lemon, file)
			if err != nil {
				t.Fatal(err)
			}
			if ours != theirs {
				t.Errorf("min cost: ours %d, LEMON %d", ours, theirs)
			}
		})
	}
}
