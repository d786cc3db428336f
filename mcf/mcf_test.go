package mcf

import (
	"errors"
	"math/rand/v2"
	"testing"
)

type testArc struct {
	from, to   int
	capa, cost int64
}

// randomGraph returns a random graph on n nodes; with dag set, arcs go from
// lower to higher ids only, so negative costs cannot form a cycle.
func randomGraph(r *rand.Rand, n, m int, maxCap, maxCost int64, dag bool) []testArc {
	var arcs []testArc
	for len(arcs) < m {
		u, v := r.IntN(n), r.IntN(n)
		if u == v {
			continue
		}
		if dag && u > v {
			u, v = v, u
		}
		arcs = append(arcs, testArc{u, v, r.Int64N(maxCap + 1), r.Int64N(2*maxCost+1) - maxCost})
	}
	return arcs
}

func solveArcs(t *testing.T, n int, arcs []testArc, s, tt int) (*Graph, Result) {
	t.Helper()
	g := NewGraph(n, len(arcs))
	g.AddNodes(n)
	for i, a := range arcs {
		if id := g.AddArc(a.from, a.to, a.capa, a.cost); id != i {
			t.Fatalf("AddArc returned %d, want %d", id, i)
		}
	}
	res, err := g.Solve(s, tt)
	if err != nil {
		t.Fatalf("Solve: %v", err)
	}
	return g, res
}

// bruteForce enumerates every integral flow and returns the least cost of a
// flow of any amount from s to t.
func bruteForce(n int, arcs []testArc, s, t int) int64 {
	flow := make([]int64, len(arcs))
	best := int64(0) // zero flow
	var rec func(i int)
	rec = func(i int) {
		if i == len(arcs) {
			bal := make([]int64, n)
			var cost int64
			for j, a := range arcs {
				bal[a.from] -= flow[j]
				bal[a.to] += flow[j]
				cost += flow[j] * a.cost
			}
			for v := range bal {
				if v != s && v != t && bal[v] != 0 {
					return
				}
			}
			if bal[t] < 0 {
				return // the amount is sent from s to t, never back
			}
			best = min(best, cost)
			return
		}
		for f := int64(0); f <= arcs[i].capa; f++ {
			flow[i] = f
			rec(i + 1)
		}
	}
	rec(0)
	return best
}

// cycleCanceling is an independent reference: with a bypass arc t → s of
// unbounded capacity and zero cost, a min-cost flow of any amount is a
// min-cost circulation, found by cancelling negative cycles (Bellman-Ford)
// from the zero flow.
func cycleCanceling(n int, arcs []testArc, s, t int) int64 {
	type edge struct {
		to   int
		capa int64
		cost int64
		rev  int
	}
	adj := make([][]edge, n)
	add := func(u, v int, c, w int64) {
		adj[u] = append(adj[u], edge{v, c, w, len(adj[v])})
		adj[v] = append(adj[v], edge{u, 0, -w, len(adj[u]) - 1})
	}
	var total int64
	for _, a := range arcs {
		add(a.from, a.to, a.capa, a.cost)
		total += a.capa
	}
	add(t, s, total, 0)
	var cost int64
	for {
		dist := make([]int64, n)
		pred := make([][2]int, n)
		for v := range pred {
			pred[v] = [2]int{-1, -1}
		}
		x := -1
		for iter := 0; iter < n; iter++ {
			x = -1
			for u := 0; u < n; u++ {
				for i, e := range adj[u] {
					if e.capa > 0 && dist[u]+e.cost < dist[e.to] {
						dist[e.to] = dist[u] + e.cost
						pred[e.to] = [2]int{u, i}
						x = e.to
					}
				}
			}
		}
		if x < 0 {
			return cost
		}
		for i := 0; i < n; i++ {
			x = pred[x][0]
		}
		push := int64(1 << 62)
		for v := x; ; {
			p := pred[v]
			push = min(push, adj[p[0]][p[1]].capa)
			v = p[0]
			if v == x {
				break
			}
		}
		for v := x; ; {
			p := pred[v]
			e := &adj[p[0]][p[1]]
			e.capa -= push
			adj[v][e.rev].capa += push
			cost += push * e.cost
			v = p[0]
			if v == x {
				break
			}
		}
	}
}

// checkProperties verifies the flow is feasible, its cost is the reported
// one, and the residual network with the bypass arc has no negative cycle
// (the optimality certificate of a min-cost flow of any amount).
func checkProperties(t *testing.T, g *Graph, res Result, n int, arcs []testArc, s, tt int) {
	t.Helper()
	bal := make([]int64, n)
	var cost int64
	for i, a := range arcs {
		f := g.Flow(i)
		if f < 0 || f > a.capa {
			t.Fatalf("arc %d: flow %d outside [0, %d]", i, f, a.capa)
		}
		bal[a.from] -= f
		bal[a.to] += f
		cost += f * a.cost
	}
	for v := range bal {
		if v != s && v != tt && bal[v] != 0 {
			t.Fatalf("node %d: imbalance %d", v, bal[v])
		}
	}
	if bal[tt] != res.Flow || bal[s] != -res.Flow {
		t.Fatalf("flow value %d, balances s %d t %d", res.Flow, bal[s], bal[tt])
	}
	if cost != res.Cost {
		t.Fatalf("cost of the flows %d, reported %d", cost, res.Cost)
	}
	type redge struct {
		u, v int
		w    int64
	}
	var res2 []redge
	for i, a := range arcs {
		f := g.Flow(i)
		if f < a.capa {
			res2 = append(res2, redge{a.from, a.to, a.cost})
		}
		if f > 0 {
			res2 = append(res2, redge{a.to, a.from, -a.cost})
		}
	}
	res2 = append(res2, redge{tt, s, 0})
	if res.Flow > 0 {
		res2 = append(res2, redge{s, tt, 0})
	}
	dist := make([]int64, n)
	for iter := 0; iter <= n; iter++ {
		changed := false
		for _, e := range res2 {
			if dist[e.u]+e.w < dist[e.v] {
				dist[e.v] = dist[e.u] + e.w
				changed = true
			}
		}
		if !changed {
			return
		}
	}
	t.Fatalf("the residual network has a negative cycle: the flow is not optimal")
}

func TestSolveBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 400; i++ {
		n := 2 + r.IntN(4)
		arcs := randomGraph(r, n, 1+r.IntN(5), 2, 5, i%2 == 0)
		want := bruteForce(n, arcs, 0, n-1)
		g := NewGraph(n, len(arcs))
		g.AddNodes(n)
		for _, a := range arcs {
			g.AddArc(a.from, a.to, a.capa, a.cost)
		}
		res, err := g.Solve(0, n-1)
		if errors.Is(err, ErrNegativeCycle) {
			continue // outside the model; TestSolveErrors covers the error
		}
		if err != nil {
			t.Fatal(err)
		}
		if res.Cost != want {
			t.Fatalf("case %d %v: cost %d, brute force %d", i, arcs, res.Cost, want)
		}
		checkProperties(t, g, res, n, arcs, 0, n-1)
	}
}

func TestSolveCycleCanceling(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 300; i++ {
		n := 3 + r.IntN(25)
		arcs := randomGraph(r, n, n+r.IntN(5*n), 6, 40, i%3 != 0)
		g := NewGraph(n, len(arcs))
		g.AddNodes(n)
		for _, a := range arcs {
			g.AddArc(a.from, a.to, a.capa, a.cost)
		}
		res, err := g.Solve(0, n-1)
		if errors.Is(err, ErrNegativeCycle) {
			continue // cyclic graphs with negative cycles are outside the model
		}
		if err != nil {
			t.Fatal(err)
		}
		if want := cycleCanceling(n, arcs, 0, n-1); res.Cost != want {
			t.Fatalf("case %d: cost %d, cycle canceling %d", i, res.Cost, want)
		}
		checkProperties(t, g, res, n, arcs, 0, n-1)
	}
}

func TestSolveLayered(t *testing.T) {
	// The shape callplan builds: source → left → right → sink, wide and
	// with many equal costs, where the blocking flow does most of the work.
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 50; i++ {
		left, right := 5+r.IntN(40), 3+r.IntN(20)
		n := left + right + 2
		s, tt := 0, n-1
		var arcs []testArc
		for a := 0; a < left; a++ {
			arcs = append(arcs, testArc{s, 1 + a, 1, -100}, testArc{s, 1 + a, int64(r.IntN(3)), -10})
			for k := 0; k < 4; k++ {
				arcs = append(arcs, testArc{1 + a, 1 + left + r.IntN(right), 1, int64(r.IntN(3) - 1)})
			}
		}
		for b := 0; b < right; b++ {
			arcs = append(arcs, testArc{1 + left + b, tt, int64(r.IntN(4)), 0})
		}
		g, res := solveArcs(t, n, arcs, s, tt)
		if want := cycleCanceling(n, arcs, s, tt); res.Cost != want {
			t.Fatalf("case %d: cost %d, cycle canceling %d", i, res.Cost, want)
		}
		checkProperties(t, g, res, n, arcs, s, tt)
	}
}

func TestSolveDeterministicAndReusable(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	arcs := randomGraph(r, 30, 150, 5, 20, true)
	g := NewGraph(0, 0)
	var first []int64
	for round := 0; round < 3; round++ {
		g.Reset()
		g.AddNodes(30)
		for _, a := range arcs {
			g.AddArc(a.from, a.to, a.capa, a.cost)
		}
		if _, err := g.Solve(0, 29); err != nil {
			t.Fatal(err)
		}
		var flows []int64
		for i := range arcs {
			flows = append(flows, g.Flow(i))
		}
		if round == 0 {
			first = flows
			continue
		}
		for i := range flows {
			if flows[i] != first[i] {
				t.Fatalf("round %d: arc %d flow %d, first round %d", round, i, flows[i], first[i])
			}
		}
	}
}

func TestSolveErrors(t *testing.T) {
	g := NewGraph(0, 0)
	g.AddNodes(3)
	g.AddArc(0, 1, 1, -5)
	g.AddArc(1, 2, 1, -5)
	g.AddArc(2, 1, 1, -5)
	if _, err := g.Solve(0, 2); !errors.Is(err, ErrNegativeCycle) {
		t.Errorf("negative cycle: got %v", err)
	}
	g.Reset()
	g.AddNodes(2)
	g.AddArc(0, 1, 1, -(1 << 61))
	if _, err := g.Solve(0, 1); !errors.Is(err, ErrCostOverflow) {
		t.Errorf("huge cost: got %v", err)
	}
	if _, err := g.Solve(0, 0); err == nil {
		t.Errorf("s == t: no error")
	}
}
