// Package mcf computes minimum-cost flows on directed graphs with integer
// capacities and int64 costs. It is pure computation: no I/O, no globals,
// deterministic for a given sequence of AddNode and AddArc calls.
//
// The solver is primal-dual successive shortest paths: Dijkstra on reduced
// costs finds the cost of the cheapest augmenting path, and a blocking flow
// (Dinic) over the arcs of zero reduced cost then pushes every augmenting
// path of that cost at once. The number of Dijkstra runs is therefore the
// number of distinct shortest-path costs, not the amount of flow.
package mcf

import (
	"errors"
	"fmt"
	"math"
)

// ErrNegativeCycle is returned when the graph has a cycle of negative cost
// and positive capacity, for which the minimum is unbounded below in the
// model this package solves (it starts from zero flow).
var ErrNegativeCycle = errors.New("mcf: the graph has a negative-cost cycle")

// ErrCostOverflow is returned when the costs are so large that path costs
// could overflow int64; the sum of the absolute arc costs must stay below
// MaxCostSum.
var ErrCostOverflow = errors.New("mcf: the sum of absolute arc costs is too large for int64 path costs")

// MaxCostSum bounds the sum of |cost| over all arcs. Every potential and
// distance the solver keeps is bounded by a small multiple of it.
const MaxCostSum = 1 << 60

const inf = math.MaxInt64 / 2

// Graph is a flow network under construction, then solved. Node and arc ids
// are dense ints starting at 0, in the order they were added.
type Graph struct {
	// arcs as added
	from, to []int32
	capa     []int64
	cost     []int64

	// residual network in CSR order, built by Solve: the edges leaving
	// node v are first[v]..first[v+1]-1. Each arc has a forward and a
	// reverse edge; rev links them.
	first  []int32
	head   []int32
	rescap []int64
	rcost  []int64
	rev    []int32
	arcPos []int32 // arc id → position of its forward edge

	// scratch, reused between solves
	pot, dist []int64
	done      []uint32
	epoch     uint32
	level     []int32
	iter      []int32
	queue     []int32
	heap      distHeap
	indeg     []int32

	solved bool
	nodes  int
}

// NewGraph returns an empty graph with room for about nodes nodes and arcs arcs.
func NewGraph(nodes, arcs int) *Graph {
	g := &Graph{}
	g.from = make([]int32, 0, arcs)
	g.to = make([]int32, 0, arcs)
	g.capa = make([]int64, 0, arcs)
	g.cost = make([]int64, 0, arcs)
	return g
}

// Reset empties the graph, keeping its memory for the next one.
func (g *Graph) Reset() {
	g.from, g.to, g.capa, g.cost = g.from[:0], g.to[:0], g.capa[:0], g.cost[:0]
	g.nodes = 0
	g.solved = false
}

// AddNode adds a node and returns its id.
func (g *Graph) AddNode() int {
	g.nodes++
	return g.nodes - 1
}

// AddNodes adds n nodes and returns the id of the first; they are numbered
// consecutively.
func (g *Graph) AddNodes(n int) int {
	first := g.nodes
	g.nodes += n
	return first
}

// NumNodes reports the number of nodes.
func (g *Graph) NumNodes() int { return g.nodes }

// NumArcs reports the number of arcs.
func (g *Graph) NumArcs() int { return len(g.from) }

// AddArc adds an arc from → to with the given capacity (≥ 0) and cost per
// unit of flow, and returns its id. It panics on a bad node id or a negative
// capacity, as those are programming errors.
func (g *Graph) AddArc(from, to int, capacity, cost int64) int {
	if from < 0 || from >= g.nodes || to < 0 || to >= g.nodes {
		panic(fmt.Sprintf("mcf: AddArc(%d, %d): node out of range [0, %d)", from, to, g.nodes))
	}
	if capacity < 0 {
		panic(fmt.Sprintf("mcf: AddArc(%d, %d): negative capacity %d", from, to, capacity))
	}
	if len(g.from) >= math.MaxInt32/2 {
		panic("mcf: too many arcs")
	}
	g.from = append(g.from, int32(from))
	g.to = append(g.to, int32(to))
	g.capa = append(g.capa, capacity)
	g.cost = append(g.cost, cost)
	g.solved = false
	return len(g.from) - 1
}

// Arc returns an arc as it was added.
func (g *Graph) Arc(arc int) (from, to int, capacity, cost int64) {
	return int(g.from[arc]), int(g.to[arc]), g.capa[arc], g.cost[arc]
}

// Flow returns the flow on an arc after Solve.
func (g *Graph) Flow(arc int) int64 {
	if !g.solved {
		return 0
	}
	return g.rescap[g.rev[g.arcPos[arc]]]
}

// Result is the outcome of Solve.
type Result struct {
	Flow int64 // units sent from s to t
	Cost int64 // total cost of the flow
}

// Solve finds a flow from s to t of any amount whose cost is minimal: it
// keeps augmenting along cheapest paths while their cost is negative. Among
// flows of minimal cost it returns one; which one is deterministic.
// Arc capacities must make the cheapest-path costs finite: the graph must
// have no negative-cost cycle of positive capacity (ErrNegativeCycle).
func (g *Graph) Solve(s, t int) (Result, error) {
	if s < 0 || s >= g.nodes || t < 0 || t >= g.nodes || s == t {
		return Result{}, fmt.Errorf("mcf: Solve(%d, %d): bad source or sink for %d nodes", s, t, g.nodes)
	}
	var sum uint64
	for _, c := range g.cost {
		if c < 0 {
			if c == math.MinInt64 {
				return Result{}, ErrCostOverflow
			}
			c = -c
		}
		sum += uint64(c)
		if sum > MaxCostSum {
			return Result{}, ErrCostOverflow
		}
	}
	g.build()
	g.solved = true
	if err := g.initPotentials(); err != nil {
		return Result{}, err
	}
	var res Result
	for {
		if !g.dijkstra(s, t) {
			break
		}
		if g.pot[t]-g.pot[s] >= 0 {
			break // the cheapest augmenting path no longer lowers the cost
		}
		unit := g.pot[t] - g.pot[s]
		for g.bfsAdmissible(s, t) {
			copy(g.iter, g.first[:g.nodes])
			for {
				f := g.augment(s, t, inf)
				if f == 0 {
					break
				}
				res.Flow += f
				res.Cost += f * unit
			}
		}
	}
	return res, nil
}

// build lays the residual network out in CSR order.
func (g *Graph) build() {
	n, m := g.nodes, len(g.from)
	g.first = resize32(g.first, n+1)
	clear(g.first)
	for i := 0; i < m; i++ {
		g.first[g.from[i]+1]++
		g.first[g.to[i]+1]++
	}
	for v := 0; v < n; v++ {
		g.first[v+1] += g.first[v]
	}
	g.head = resize32(g.head, 2*m)
	g.rev = resize32(g.rev, 2*m)
	g.rescap = resize64(g.rescap, 2*m)
	g.rcost = resize64(g.rcost, 2*m)
	g.arcPos = resize32(g.arcPos, m)
	g.iter = resize32(g.iter, n+1)
	next := g.iter
	copy(next, g.first)
	for i := 0; i < m; i++ {
		u, v := g.from[i], g.to[i]
		pf := next[u]
		next[u]++
		pr := next[v]
		next[v]++
		g.head[pf], g.rescap[pf], g.rcost[pf], g.rev[pf] = v, g.capa[i], g.cost[i], pr
		g.head[pr], g.rescap[pr], g.rcost[pr], g.rev[pr] = u, 0, -g.cost[i], pf
		g.arcPos[i] = pf
	}
	g.pot = resize64(g.pot, n)
	g.dist = resize64(g.dist, n)
	g.level = resize32(g.level, n)
	if len(g.done) < n {
		g.done = make([]uint32, n)
		g.epoch = 0
	}
}

// initPotentials sets potentials that make the reduced cost of every arc
// with capacity non-negative: shortest distances from a virtual node with a
// zero-cost arc to every node, by topological order when the graph of such
// arcs is acyclic, and by Bellman-Ford (queue-based) otherwise, which also
// finds a negative cycle anywhere in the graph.
func (g *Graph) initPotentials() error {
	n := g.nodes
	clear(g.pot)
	negative := false
	for _, c := range g.cost {
		if c < 0 {
			negative = true
			break
		}
	}
	if !negative {
		return nil // zero potentials already give non-negative reduced costs
	}
	dist := g.dist
	clear(dist)
	// Topological order (Kahn) over forward edges with capacity.
	g.indeg = resize32(g.indeg, n)
	clear(g.indeg)
	for e := range g.head {
		if g.rescap[e] > 0 {
			g.indeg[g.head[e]]++
		}
	}
	g.queue = g.queue[:0]
	for v := 0; v < n; v++ {
		if g.indeg[v] == 0 {
			g.queue = append(g.queue, int32(v))
		}
	}
	for i := 0; i < len(g.queue); i++ {
		u := g.queue[i]
		for e := g.first[u]; e < g.first[u+1]; e++ {
			if g.rescap[e] <= 0 {
				continue
			}
			v := g.head[e]
			if dist[u]+g.rcost[e] < dist[v] {
				dist[v] = dist[u] + g.rcost[e]
			}
			g.indeg[v]--
			if g.indeg[v] == 0 {
				g.queue = append(g.queue, v)
			}
		}
	}
	if len(g.queue) < n {
		if err := g.bellmanFord(); err != nil {
			return err
		}
	}
	copy(g.pot, dist)
	return nil
}

// bellmanFord computes g.dist from the virtual node over edges with
// capacity, with the queue-based variant; a node relaxed more than n times
// proves a negative cycle.
func (g *Graph) bellmanFord() error {
	n := g.nodes
	dist := g.dist
	clear(dist)
	count := make([]int32, n)
	inQueue := make([]bool, n)
	q := g.queue[:0]
	for v := 0; v < n; v++ {
		q = append(q, int32(v))
		inQueue[v] = true
	}
	for i := 0; i < len(q); i++ {
		u := q[i]
		inQueue[u] = false
		for e := g.first[u]; e < g.first[u+1]; e++ {
			if g.rescap[e] <= 0 {
				continue
			}
			v := g.head[e]
			if d := dist[u] + g.rcost[e]; d < dist[v] {
				dist[v] = d
				if !inQueue[v] {
					count[v]++
					if int(count[v]) > n {
						return ErrNegativeCycle
					}
					inQueue[v] = true
					q = append(q, v)
				}
			}
		}
		if i > 1<<20 && i > 4*len(q)/3 { // compact the queue now and then
			q = append(q[:0], q[i+1:]...)
			i = -1
		}
	}
	g.queue = q
	return nil
}

// dijkstra computes shortest reduced distances from s, stopping once t is
// settled, and moves the potentials: settled nodes by their distance, all
// others by the distance of t. It reports whether t is reachable.
func (g *Graph) dijkstra(s, t int) bool {
	g.epoch++
	if g.epoch == 0 {
		clear(g.done)
		g.epoch = 1
	}
	ep := g.epoch
	dist, pot, done := g.dist, g.pot, g.done
	for v := range dist {
		dist[v] = inf
	}
	h := &g.heap
	h.reset()
	dist[s] = 0
	h.push(int32(s), 0)
	dt := int64(-1)
	for h.len() > 0 {
		u, d := h.pop()
		if done[u] == ep || d > dist[u] {
			continue
		}
		done[u] = ep
		if int(u) == t {
			dt = d
			break
		}
		pu := pot[u]
		for e := g.first[u]; e < g.first[u+1]; e++ {
			if g.rescap[e] <= 0 {
				continue
			}
			v := g.head[e]
			if done[v] == ep {
				continue
			}
			nd := d + g.rcost[e] + pu - pot[v]
			if nd < dist[v] {
				dist[v] = nd
				h.push(v, nd)
			}
		}
	}
	if dt < 0 {
		return false
	}
	for v := range pot {
		if done[v] == ep {
			pot[v] += dist[v]
		} else {
			pot[v] += dt
		}
	}
	return true
}

// bfsAdmissible labels levels from s over residual edges of zero reduced
// cost and reports whether t is reached.
func (g *Graph) bfsAdmissible(s, t int) bool {
	lv := g.level
	for v := range lv {
		lv[v] = -1
	}
	lv[s] = 0
	q := append(g.queue[:0], int32(s))
	for i := 0; i < len(q); i++ {
		u := q[i]
		if int(u) == t {
			continue
		}
		pu := g.pot[u]
		for e := g.first[u]; e < g.first[u+1]; e++ {
			v := g.head[e]
			if g.rescap[e] > 0 && lv[v] < 0 && g.rcost[e]+pu-g.pot[v] == 0 {
				lv[v] = lv[u] + 1
				q = append(q, v)
			}
		}
	}
	g.queue = q
	return lv[t] >= 0
}

// augment pushes up to limit units along level-increasing admissible edges
// from u to t (one path of Dinic's blocking flow) and returns the amount.
func (g *Graph) augment(u, t int, limit int64) int64 {
	if u == t {
		return limit
	}
	pu := g.pot[u]
	for ; g.iter[u] < g.first[u+1]; g.iter[u]++ {
		e := g.iter[u]
		v := g.head[e]
		if g.rescap[e] <= 0 || g.level[v] != g.level[u]+1 || g.rcost[e]+pu-g.pot[v] != 0 {
			continue
		}
		f := g.augment(int(v), t, min(limit, g.rescap[e]))
		if f > 0 {
			g.rescap[e] -= f
			g.rescap[g.rev[e]] += f
			return f
		}
	}
	return 0
}

func resize32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

func resize64(s []int64, n int) []int64 {
	if cap(s) < n {
		return make([]int64, n)
	}
	return s[:n]
}

// distHeap is a binary min-heap of (node, distance) with lazy deletion.
type distHeap struct {
	node []int32
	key  []int64
}

func (h *distHeap) reset()   { h.node, h.key = h.node[:0], h.key[:0] }
func (h *distHeap) len() int { return len(h.node) }

func (h *distHeap) push(v int32, k int64) {
	h.node = append(h.node, v)
	h.key = append(h.key, k)
	i := len(h.node) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h.key[p] <= k {
			break
		}
		h.node[i], h.key[i] = h.node[p], h.key[p]
		i = p
	}
	h.node[i], h.key[i] = v, k
}

func (h *distHeap) pop() (int32, int64) {
	v, k := h.node[0], h.key[0]
	last := len(h.node) - 1
	lv, lk := h.node[last], h.key[last]
	h.node, h.key = h.node[:last], h.key[:last]
	if last > 0 {
		i := 0
		for {
			c := 2*i + 1
			if c >= last {
				break
			}
			if c+1 < last && h.key[c+1] < h.key[c] {
				c++
			}
			if h.key[c] >= lk {
				break
			}
			h.node[i], h.key[i] = h.node[c], h.key[c]
			i = c
		}
		h.node[i], h.key[i] = lv, lk
	}
	return v, k
}
