package callplan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/kinbridge/kinbridge/mcf"
)

// Solve returns a plan that is the exact lexicographic optimum of the four
// levels of the objective (plan-format.md): households served, then calls,
// then calls starting inside a preferred period, then fewest home calls.
//
// A call "starts inside" a preferred period p when p.day is the call's day
// and p.start ≤ call start < p.end.
//
// The week splits into independent components (offices and areas linked by
// households and officers); each is one min-cost flow
//
//	source → household → household-day → office slot or home block → sink
//
// where a household's first unit costs −(W1+W2) and its other want−1 units
// −W2 (convex, so serving a household comes before a second call), a
// household-day has capacity 1, an office slot capacity min(rooms, officers
// on office duty), a home block capacity 1, and the arc to an option costs
// −W3 when it starts in a preferred period and +W4 when it is a home call.
// The weights are chosen per component so that each level strictly
// dominates the ones below. Components are solved concurrently; the output
// does not depend on the scheduling (calls are sorted by household id, day
// and start; short households by id).
func Solve(ctx context.Context, in *Instance) (*Plan, error) {
	p, _, err := SolveWithStats(ctx, in)
	return p, err
}

// Stats describes the flow networks Solve built.
type Stats struct {
	Components int // independent parts solved separately
	Nodes      int // nodes of all the networks
	Arcs       int // arcs of all the networks
	MaxNodes   int // nodes of the largest network
}

// SolveWithStats is Solve, also reporting the size of the problem.
func SolveWithStats(ctx context.Context, in *Instance) (*Plan, Stats, error) {
	m := newModel(in)
	results := make([]componentResult, len(m.comps))
	order := make([]int, len(m.comps)) // biggest first, for balance
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(len(m.comps[b].households), len(m.comps[a].households))
	})
	workers := min(runtime.GOMAXPROCS(0), len(order))
	var (
		mu    sync.Mutex
		next  int
		first error
		wg    sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws := newWorkspace()
			for {
				mu.Lock()
				if next >= len(order) || first != nil {
					mu.Unlock()
					return
				}
				c := order[next]
				next++
				mu.Unlock()
				err := ctx.Err()
				if err == nil {
					results[c], err = m.solveComponent(ws, c)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, Stats{}, first
	}
	st := Stats{Components: len(m.comps)}
	for _, r := range results {
		st.Nodes += r.nodes
		st.Arcs += r.arcs
		st.MaxNodes = max(st.MaxNodes, r.nodes)
	}
	return m.merge(results), st, nil
}

// model is the instance indexed for solving.
type model struct {
	in      *Instance
	slotLen Clock

	hOffice, hArea []int32 // per household
	fOffice, fArea []int32 // per officer
	officersOf     [][]int32

	// Office slots, flat, grouped by office and day: slots[slotRange[o*7+d] :
	// slotRange[o*7+d+1]], sorted by start.
	slots     []officeSlot
	slotRange []int32
	// Home blocks, flat, grouped by area and day, sorted by start, officer.
	blocks     []homeBlock
	blockRange []int32

	comps []component
	// seen stamps supply entries during the enumeration of one
	// household-day (distinct components touch distinct entries).
	slotSeen, blockSeen []int32
	// slotBase[o] + i is the supply index, within the component of office
	// o, of slot i; blockBase likewise per area.
	slotBase, blockBase []int32
}

type officeSlot struct {
	start  Clock
	office int32
	cap    int32
}

type homeBlock struct {
	start   Clock
	officer int32
}

type component struct {
	households []int32
	offices    []int32
	areas      []int32
}

func newModel(in *Instance) *model {
	m := &model{in: in, slotLen: Clock(in.SlotMinutes)}
	officeIdx := make(map[string]int32, len(in.Offices))
	for i, o := range in.Offices {
		officeIdx[o.ID] = int32(i)
	}
	areaIdx := make(map[string]int32)
	area := func(a string) int32 {
		if i, ok := areaIdx[a]; ok {
			return i
		}
		i := int32(len(areaIdx))
		areaIdx[a] = i
		return i
	}
	m.fOffice = make([]int32, len(in.Officers))
	m.fArea = make([]int32, len(in.Officers))
	m.officersOf = make([][]int32, len(in.Offices))
	for i, f := range in.Officers {
		m.fOffice[i] = officeIdx[f.Office]
		m.fArea[i] = area(f.Area)
		m.officersOf[m.fOffice[i]] = append(m.officersOf[m.fOffice[i]], int32(i))
	}
	for _, fs := range m.officersOf {
		slices.SortFunc(fs, func(a, b int32) int { return cmp.Compare(in.Officers[a].ID, in.Officers[b].ID) })
	}
	m.hOffice = make([]int32, len(in.Households))
	m.hArea = make([]int32, len(in.Households))
	for i, h := range in.Households {
		m.hOffice[i] = officeIdx[h.Office]
		m.hArea[i] = area(h.Area)
	}
	nOff, nArea := len(in.Offices), len(areaIdx)

	// Office slots: the slot starts generated by office duties; on one
	// office's grid a duty covers a slot exactly when it generates it, so
	// the number of generating duties is the number of officers on duty.
	m.slotRange = make([]int32, nOff*7+1)
	var starts []Clock
	for o := 0; o < nOff; o++ {
		for d := 0; d < 7; d++ {
			starts = starts[:0]
			for _, f := range m.officersOf[o] {
				for _, du := range in.Officers[f].Duty {
					if du.Kind != PlaceOffice || du.Day != d {
						continue
					}
					for t := du.Start; t+m.slotLen <= du.End; t += m.slotLen {
						starts = append(starts, t)
					}
				}
			}
			slices.Sort(starts)
			for i := 0; i < len(starts); {
				j := i
				for j < len(starts) && starts[j] == starts[i] {
					j++
				}
				if c := min(in.Offices[o].Rooms, j-i); c > 0 {
					m.slots = append(m.slots, officeSlot{start: starts[i], office: int32(o), cap: int32(c)})
				}
				i = j
			}
			m.slotRange[o*7+d+1] = int32(len(m.slots))
		}
	}
	// Home blocks by area and day.
	byArea := make([][]int32, nArea)
	for i := range in.Officers {
		byArea[m.fArea[i]] = append(byArea[m.fArea[i]], int32(i))
	}
	block := Clock(in.HomeBlockMinutes)
	m.blockRange = make([]int32, nArea*7+1)
	for a := 0; a < nArea; a++ {
		for d := 0; d < 7; d++ {
			lo := len(m.blocks)
			for _, f := range byArea[a] {
				for _, du := range in.Officers[f].Duty {
					if du.Kind != PlaceHome || du.Day != d {
						continue
					}
					for t := du.Start; t+block <= du.End; t += block {
						m.blocks = append(m.blocks, homeBlock{start: t, officer: f})
					}
				}
			}
			bs := m.blocks[lo:]
			slices.SortFunc(bs, func(x, y homeBlock) int {
				if c := cmp.Compare(x.start, y.start); c != 0 {
					return c
				}
				return cmp.Compare(in.Officers[x.officer].ID, in.Officers[y.officer].ID)
			})
			m.blockRange[a*7+d+1] = int32(len(m.blocks))
		}
	}
	m.slotSeen = make([]int32, len(m.slots))
	m.blockSeen = make([]int32, len(m.blocks))
	m.slotBase = make([]int32, nOff)
	m.blockBase = make([]int32, nArea)

	// Components: union-find over offices (0..nOff-1) and areas (nOff..).
	parent := make([]int32, nOff+nArea)
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(x int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	union := func(a, b int32) {
		a, b = find(a), find(b)
		if a != b {
			parent[max(a, b)] = min(a, b)
		}
	}
	for i := range in.Officers {
		union(m.fOffice[i], int32(nOff)+m.fArea[i])
	}
	for i := range in.Households {
		union(m.hOffice[i], int32(nOff)+m.hArea[i])
	}
	compOf := make([]int32, nOff+nArea)
	for i := range compOf {
		compOf[i] = -1
	}
	for x := 0; x < nOff+nArea; x++ {
		r := find(int32(x))
		if compOf[r] < 0 {
			compOf[r] = int32(len(m.comps))
			m.comps = append(m.comps, component{})
		}
		c := &m.comps[compOf[r]]
		if x < nOff {
			c.offices = append(c.offices, int32(x))
		} else {
			c.areas = append(c.areas, int32(x-nOff))
		}
	}
	for i := range in.Households {
		c := &m.comps[compOf[find(m.hOffice[i])]]
		c.households = append(c.households, int32(i))
	}
	return m
}

// workspace holds the buffers one worker reuses from component to component.
type workspace struct {
	g *mcf.Graph
	// inspect, if set (tests), sees each network before it is solved.
	inspect func(g *mcf.Graph, s, t int)
	options []option
	hh      []hhInfo
	supply  []supplyRef
	used    []int32
}

func newWorkspace() *workspace { return &workspace{g: mcf.NewGraph(0, 0)} }

// option is one arc household-day → supply.
type option struct {
	hd     int32 // household-day index within the component
	supply int32 // index into workspace.supply
	pref   bool
	home   bool
}

type hhInfo struct {
	household int32
	days      int32 // days with at least one feasible option
	firstHD   int32 // household-days firstHD .. firstHD+days-1
	dayOf     [7]int8
}

// supplyRef is one supply node: an office slot or a home block.
type supplyRef struct {
	index int32 // into model.slots or model.blocks
	home  bool
}

// componentResult is what one component contributes to the plan.
type componentResult struct {
	calls       []hCall
	short       []Short
	nodes, arcs int
	cost        int64 // of the flow, in the component's weights
}

type hCall struct {
	household int32
	call      Call
}

// solveComponent builds and solves the flow of component c.
func (m *model) solveComponent(ws *workspace, c int) (componentResult, error) {
	in := m.in
	comp := &m.comps[c]
	ws.supply = ws.supply[:0]
	// Supply nodes: the slots of the component's offices, then the blocks
	// of its areas. The bases are per office and area, which belong to one
	// component only, so workers write distinct entries.
	for _, o := range comp.offices {
		lo, hi := m.slotRange[int(o)*7], m.slotRange[int(o)*7+7]
		m.slotBase[o] = int32(len(ws.supply)) - lo
		for i := lo; i < hi; i++ {
			ws.supply = append(ws.supply, supplyRef{index: i})
		}
	}
	for _, a := range comp.areas {
		lo, hi := m.blockRange[int(a)*7], m.blockRange[int(a)*7+7]
		m.blockBase[a] = int32(len(ws.supply)) - lo
		for i := lo; i < hi; i++ {
			ws.supply = append(ws.supply, supplyRef{index: i, home: true})
		}
	}

	// Enumerate the feasible options of every household-day.
	ws.options = ws.options[:0]
	ws.hh = ws.hh[:0]
	var nHD int32
	var bound int64 // M: no solution has more calls than this
	for _, h := range comp.households {
		hh := &in.Households[h]
		info := hhInfo{household: h, firstHD: nHD}
		for d := range info.dayOf {
			info.dayOf[d] = -1
		}
		if hh.Want > 0 {
			office := slices.Contains(hh.Places, PlaceOffice)
			home := slices.Contains(hh.Places, PlaceHome)
			ob, ab := m.slotBase[m.hOffice[h]], m.blockBase[m.hArea[h]]
			for d := 0; d < 7; d++ {
				if slices.Contains(hh.BusyDays, d) {
					continue
				}
				stamp := h*7 + int32(d) + 1
				before := len(ws.options)
				for _, w := range hh.Windows {
					if w.Day != d {
						continue
					}
					if office {
						k := int(m.hOffice[h])*7 + d
						for i := m.slotRange[k]; i < m.slotRange[k+1]; i++ {
							s := m.slots[i]
							if s.start < w.Start || s.start+m.slotLen > w.End || m.slotSeen[i] == stamp {
								continue
							}
							m.slotSeen[i] = stamp
							ws.options = append(ws.options, option{hd: nHD, supply: ob + i, pref: preferred(hh, d, s.start)})
						}
					}
					if home {
						k := int(m.hArea[h])*7 + d
						for i := m.blockRange[k]; i < m.blockRange[k+1]; i++ {
							b := m.blocks[i]
							if b.start < w.Start || b.start+m.slotLen > w.End || m.blockSeen[i] == stamp {
								continue
							}
							m.blockSeen[i] = stamp
							ws.options = append(ws.options, option{hd: nHD, supply: ab + i, pref: preferred(hh, d, b.start), home: true})
						}
					}
				}
				if len(ws.options) > before {
					info.dayOf[d] = int8(info.days)
					info.days++
					nHD++
				}
			}
		}
		bound += int64(min(int32(min(hh.Want, 7)), info.days))
		ws.hh = append(ws.hh, info)
	}
	w, err := weights(bound)
	if err != nil {
		return componentResult{}, fmt.Errorf("component of office %q: %w", in.Offices[comp.offices[0]].ID, err)
	}

	// Build the network.
	g := ws.g
	g.Reset()
	s, t := g.AddNode(), g.AddNode()
	supplyFirst := g.AddNodes(len(ws.supply))
	hFirst := g.AddNodes(len(ws.hh))
	hdFirst := g.AddNodes(int(nHD))
	for i, sr := range ws.supply {
		capacity := int64(1)
		if !sr.home {
			capacity = int64(m.slots[sr.index].cap)
		}
		g.AddArc(supplyFirst+i, t, capacity, 0)
	}
	for i, info := range ws.hh {
		n := min(int32(min(in.Households[info.household].Want, 7)), info.days)
		if n == 0 {
			continue
		}
		g.AddArc(s, hFirst+i, 1, -(w.served + w.call))
		if n > 1 {
			g.AddArc(s, hFirst+i, int64(n-1), -w.call)
		}
		for k := int32(0); k < info.days; k++ {
			g.AddArc(hFirst+i, hdFirst+int(info.firstHD+k), 1, 0)
		}
	}
	optFirst := g.NumArcs()
	for _, op := range ws.options {
		var cost int64
		if op.pref {
			cost -= w.pref
		}
		if op.home {
			cost += w.home
		}
		g.AddArc(hdFirst+int(op.hd), supplyFirst+int(op.supply), 1, cost)
	}
	if ws.inspect != nil {
		ws.inspect(g, s, t)
	}
	flow, err := g.Solve(s, t)
	if err != nil {
		if errors.Is(err, mcf.ErrCostOverflow) {
			return componentResult{}, fmt.Errorf("component of office %q: %d calls at most is too many for exact int64 weights: %w", in.Offices[comp.offices[0]].ID, bound, err)
		}
		return componentResult{}, err
	}

	// Read the calls off the flow. Household-days are numbered in household
	// order and days ascending, so the calls come out in that order.
	res := componentResult{nodes: g.NumNodes(), arcs: g.NumArcs(), cost: flow.Cost}
	hdHousehold := make([]int32, nHD)
	hdDay := make([]int8, nHD)
	for i, info := range ws.hh {
		for d, k := range info.dayOf {
			if k >= 0 {
				hdHousehold[info.firstHD+int32(k)] = int32(i)
				hdDay[info.firstHD+int32(k)] = int8(d)
			}
		}
	}
	got := make([]int32, len(ws.hh))
	ws.used = resize(ws.used, len(ws.supply))
	clear(ws.used)
	for i, op := range ws.options {
		if g.Flow(optFirst+i) == 0 {
			continue
		}
		hi := hdHousehold[op.hd]
		h := ws.hh[hi].household
		d := int(hdDay[op.hd])
		sr := ws.supply[op.supply]
		got[hi]++
		call := Call{Household: in.Households[h].ID, Day: d}
		if sr.home {
			b := m.blocks[sr.index]
			f := &in.Officers[b.officer]
			call.Start, call.End = b.start, b.start+m.slotLen
			call.Place, call.Office, call.Officer = PlaceHome, f.Office, f.ID
		} else {
			sl := m.slots[sr.index]
			call.Start, call.End = sl.start, sl.start+m.slotLen
			call.Place, call.Office = PlaceOffice, in.Offices[sl.office].ID
			// The k-th call of the slot (in household order) gets the k-th
			// officer on duty there, by id.
			call.Officer = m.officerOnDuty(sl.office, d, sl.start, int(ws.used[op.supply]))
			ws.used[op.supply]++
		}
		res.calls = append(res.calls, hCall{household: h, call: call})
	}

	// Short households and why.
	for i, info := range ws.hh {
		hh := &in.Households[info.household]
		if int(got[i]) >= hh.Want {
			continue
		}
		sh := Short{Household: hh.ID, Got: int(got[i]), Want: hh.Want}
		switch {
		case info.days == 0:
			sh.Reason = ReasonNoOption
		case int(info.days) < hh.Want:
			sh.Reason = ReasonFewDays
		default:
			sh.Reason = ReasonTaken
		}
		res.short = append(res.short, sh)
	}
	return res, nil
}

// officerOnDuty returns the k-th officer, by id, of office o on office duty
// covering the slot at start on day d.
func (m *model) officerOnDuty(o int32, d int, start Clock, k int) string {
	for _, f := range m.officersOf[o] {
		for _, du := range m.in.Officers[f].Duty {
			if du.Kind == PlaceOffice && du.Day == d && du.Start <= start && start+m.slotLen <= du.End {
				if k == 0 {
					return m.in.Officers[f].ID
				}
				k--
				break
			}
		}
	}
	panic("callplan: more office calls in a slot than officers on duty")
}

func preferred(h *Household, d int, start Clock) bool {
	for _, p := range h.Preferred {
		if p.Day == d && p.Start <= start && start < p.End {
			return true
		}
	}
	return false
}

// weightSet holds the objective weights of one component.
type weightSet struct{ served, call, pref, home int64 }

// weights chooses weights for a component where no solution has more than
// bound calls (so each level's count lies in [0, bound]): home = 1,
// pref > home·M, call > (pref+home)·M, served > (call+pref+home)·M. It
// fails rather than overflow.
func weights(bound int64) (weightSet, error) {
	M := uint64(max(bound, 1))
	mul := func(a, b uint64) (uint64, bool) {
		hi, lo := bits.Mul64(a, b)
		return lo, hi == 0 && lo <= math.MaxInt64/8
	}
	var w weightSet
	w.home = 1
	p, ok1 := mul(1, M)
	pref := p + 1
	c, ok2 := mul(pref+1, M)
	call := c + 1
	sv, ok3 := mul(call+pref+1, M)
	served := sv + 1
	if !ok1 || !ok2 || !ok3 || served > math.MaxInt64/8 {
		return w, fmt.Errorf("%d calls at most is too many for exact int64 weights", bound)
	}
	w.pref, w.call, w.served = int64(pref), int64(call), int64(served)
	return w, nil
}

// merge puts the components' results together in a deterministic order.
func (m *model) merge(results []componentResult) *Plan {
	in := m.in
	p := &Plan{Format: PlanFormat}
	n := 0
	for _, r := range results {
		n += len(r.calls)
	}
	byHousehold := make([][]Call, len(in.Households))
	for _, r := range results {
		for _, hc := range r.calls {
			byHousehold[hc.household] = append(byHousehold[hc.household], hc.call)
		}
		p.Short = append(p.Short, r.short...)
	}
	order := make([]int, len(in.Households))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return in.Households[order[a]].ID < in.Households[order[b]].ID })
	p.Calls = make([]Call, 0, n)
	for _, h := range order {
		cs := byHousehold[h]
		slices.SortFunc(cs, func(a, b Call) int {
			return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Start, b.Start))
		})
		p.Calls = append(p.Calls, cs...)
	}
	slices.SortFunc(p.Short, func(a, b Short) int { return cmp.Compare(a.Household, b.Household) })
	p.Objective = objectiveOf(in, p.Calls)
	return p
}

// objectiveOf counts the four levels of the objective of a list of calls.
func objectiveOf(in *Instance, calls []Call) Objective {
	idx := make(map[string]int, len(in.Households))
	for i, h := range in.Households {
		idx[h.ID] = i
	}
	var o Objective
	served := make(map[string]bool)
	for _, c := range calls {
		o.Calls++
		served[c.Household] = true
		if c.Place == PlaceHome {
			o.HomeCalls++
		}
		if i, ok := idx[c.Household]; ok && preferred(&in.Households[i], c.Day, c.Start) {
			o.Preferred++
		}
	}
	o.HouseholdsServed = len(served)
	return o
}

func resize(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}
