package departure

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// instance is a random allocation problem.
type instance struct {
	p      *Policy
	ranked []Ranked
	days   []Day
}

// randomInstance draws households of 1–8 members, a random policy, a few
// days with capacities from 0 up (tiny ones often), and some requests
// already allocated to a day (now and then one outside the days, or on a
// day now too small for them).
func randomInstance(rng *rand.Rand) instance {
	p := randomPolicy(rng)
	reqs := randomRequests(rng, rng.IntN(50), 0)
	start := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	var days []Day
	for i := range rng.IntN(10) {
		c := 0
		switch rng.IntN(5) {
		case 0:
		case 1:
			c = 1 + rng.IntN(3)
		default:
			c = rng.IntN(25)
		}
		days = append(days, Day{Date: start.AddDate(0, 0, i+rng.IntN(2)).Format(time.DateOnly), Capacity: c})
	}
	for _, r := range reqs {
		if rng.IntN(7) == 0 {
			if len(days) > 0 && rng.IntN(6) != 0 {
				r.Allocated = days[rng.IntN(len(days))].Date
			} else {
				r.Allocated = "2026-06-30"
			}
		}
	}
	rng.Shuffle(len(days), func(i, j int) { days[i], days[j] = days[j], days[i] })
	return instance{p, Rank(p, reqs, on), days}
}

// check verifies an allocation against its instance rule by rule, without
// replaying Allocate: it returns every violation found.
func check(in instance, a Allocation) []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	next := in.p.FitRule == FitNextThatFits
	capacity := map[string]int{}
	for _, d := range in.days {
		c, seen := capacity[d.Date]
		if !seen || d.Capacity < c {
			capacity[d.Date] = max(d.Capacity, 0)
		}
	}
	dates := make([]string, 0, len(capacity))
	largest := 0
	for d, c := range capacity {
		dates = append(dates, d)
		largest = max(largest, c)
	}
	slices.Sort(dates)
	byID := map[int64]Ranked{}
	for _, r := range in.ranked {
		byID[r.Request.ID] = r
	}
	if a.Rule != in.p.FitRule || a.RuleText != RuleText(in.p.FitRule) {
		fail("rule %q %q", a.Rule, a.RuleText)
	}

	// Every request once: a day or none, never both, never two days.
	got := map[int64]Assignment{}
	used := map[string]int{}
	for _, d := range dates {
		used[d] = 0
	}
	for i, as := range a.Assignments {
		r, ok := byID[as.RequestID]
		if !ok {
			fail("assignment to unknown request %d", as.RequestID)
			continue
		}
		if _, twice := got[as.RequestID]; twice {
			fail("request %d split over two assignments", as.RequestID)
		}
		got[as.RequestID] = as
		if as.Persons != r.Request.Size() || as.Rank != r.Rank {
			fail("request %d: persons %d rank %d, want %d %d", as.RequestID, as.Persons, as.Rank, r.Request.Size(), r.Rank)
		}
		if as.Kept != (r.Request.Allocated != "") || as.Kept && as.Date != r.Request.Allocated {
			fail("request %d allocated %q: assigned %s kept %v", as.RequestID, r.Request.Allocated, as.Date, as.Kept)
		}
		if _, isDay := capacity[as.Date]; isDay {
			used[as.Date] += as.Persons
		} else if !as.Kept {
			fail("request %d on %s, not a day given", as.RequestID, as.Date)
		}
		if i > 0 {
			p := a.Assignments[i-1]
			if p.Date > as.Date || p.Date == as.Date && p.Rank > as.Rank {
				fail("assignments out of order at %d", i)
			}
		}
	}
	for _, id := range a.Unallocated {
		if _, ok := got[id]; ok {
			fail("request %d both allocated and not", id)
		}
		got[id] = Assignment{RequestID: id}
		r := byID[id]
		why := a.Reasons[id]
		wantCode := ReasonNoRoom
		if largest > 0 && r.Request.Size() > largest {
			wantCode = ReasonTooLarge
		}
		if why.Code != wantCode || why.Text == "" {
			fail("request %d (%d persons, largest day %d) unallocated for %+v, want %s", id, r.Request.Size(), largest, why, wantCode)
		}
	}
	if len(a.Reasons) != len(a.Unallocated) {
		fail("%d reasons for %d unallocated", len(a.Reasons), len(a.Unallocated))
	}
	for id := range byID {
		if _, ok := got[id]; !ok {
			fail("request %d neither allocated nor unallocated", id)
		}
	}

	// Capacity: never over, except days already over with kept requests
	// only, reported in Over.
	if diff := cmp.Diff(used, a.Used); diff != "" {
		fail("Used (-counted +reported):\n%s", diff)
	}
	for _, d := range dates {
		over := used[d] - capacity[d]
		if over > 0 {
			if a.Over[d] != over {
				fail("day %s: %d over capacity %d, Over says %d", d, used[d], capacity[d], a.Over[d])
			}
			for _, as := range a.Assignments {
				if as.Date == d && !as.Kept {
					fail("request %d put on %s, a day already over capacity", as.RequestID, d)
				}
			}
		} else if _, ok := a.Over[d]; ok {
			fail("day %s in Over but holds %d of %d", d, used[d], capacity[d])
		}
	}

	// Order: among the requests allocated here (not kept, not too large),
	// a lower-ranked one may leave before a higher-ranked one only under
	// FitNextThatFits, and it then names exactly those it passed.
	type entry struct {
		r   Ranked
		day int // index in dates; len(dates): no day
	}
	var order []entry
	for _, r := range byRank(in.ranked) {
		as := got[r.Request.ID]
		if as.Kept || a.Reasons[r.Request.ID].Code == ReasonTooLarge {
			continue
		}
		d := len(dates)
		if as.Date != "" {
			d = slices.Index(dates, as.Date)
		}
		order = append(order, entry{r, d})
	}
	left := func(d int) int { return capacity[dates[d]] - used[dates[d]] }
	prev := 0
	for j, e := range order {
		as := got[e.r.Request.ID]
		var passed []int64
		for _, h := range order[:j] {
			if e.day < len(dates) && h.day > e.day {
				passed = append(passed, h.r.Request.ID)
			}
		}
		switch {
		case !next && len(passed) > 0:
			fail("rank %d leaves on %s before higher-ranked %v under %s", e.r.Rank, as.Date, passed, in.p.FitRule)
		case !slices.Equal(passed, as.Overtook):
			fail("rank %d on %s: Overtook %v, want %v", e.r.Rank, as.Date, as.Overtook, passed)
		case len(passed) > 0 && (!strings.HasPrefix(as.Note, "used space the household") ||
			!strings.HasSuffix(as.Note, "could not fit, under the rule: the next household that fits may use it") ||
			!strings.Contains(as.Note, fmt.Sprintf("rank %d (", byID[passed[0]].Rank))):
			fail("rank %d: note %q", e.r.Rank, as.Note)
		case len(passed) == 0 && as.Note != "":
			fail("rank %d passed nobody, yet note %q", e.r.Rank, as.Note)
		}
		// Earliest day: no day it skipped had room for it, even at the end.
		from := 0
		if !next {
			from = prev
		}
		for d := from; d < e.day; d++ {
			if left(d) >= e.r.Request.Size() && a.Over[dates[d]] == 0 {
				fail("rank %d (%d persons) on day %d, but day %s still has %d left", e.r.Rank, e.r.Request.Size(), e.day, dates[d], left(d))
			}
		}
		prev = e.day // under FitKeepEmpty, days before it are closed for good
	}
	for d, n := range a.LeftEmpty {
		i := slices.Index(dates, d)
		if next || i < 0 || n <= 0 || n != left(i) {
			fail("LeftEmpty[%s] = %d under %s", d, n, in.p.FitRule)
		}
	}
	return bad
}

// checkInstance allocates in, checks the result, and allocates again with
// the same input and with the ranks and days shuffled: all identical.
func checkInstance(t *testing.T, rng *rand.Rand, in instance) {
	t.Helper()
	a := Allocate(in.p, in.ranked, in.days)
	if bad := check(in, a); len(bad) > 0 {
		t.Fatalf("%d violations under %s:\n%s\ninstance: %s", len(bad), in.p.FitRule, strings.Join(bad, "\n"), describe(in))
	}
	if diff := cmp.Diff(a, Allocate(in.p, in.ranked, in.days)); diff != "" {
		t.Fatalf("Allocate twice differs:\n%s", diff)
	}
	shuffled := instance{in.p, slices.Clone(in.ranked), slices.Clone(in.days)}
	rng.Shuffle(len(shuffled.ranked), func(i, j int) {
		shuffled.ranked[i], shuffled.ranked[j] = shuffled.ranked[j], shuffled.ranked[i]
	})
	rng.Shuffle(len(shuffled.days), func(i, j int) { shuffled.days[i], shuffled.days[j] = shuffled.days[j], shuffled.days[i] })
	if diff := cmp.Diff(a, Allocate(in.p, shuffled.ranked, shuffled.days)); diff != "" {
		t.Fatalf("Allocate depends on the input order:\n%s", diff)
	}
}

func describe(in instance) string {
	var b strings.Builder
	fmt.Fprintf(&b, "days %v\n", in.days)
	for _, r := range in.ranked {
		fmt.Fprintf(&b, "  rank %d id %d size %d allocated %q\n", r.Rank, r.Request.ID, r.Request.Size(), r.Request.Allocated)
	}
	return b.String()
}

func TestAllocateProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	rules := map[string]int{}
	for range 3000 {
		in := randomInstance(rng)
		rules[in.p.FitRule]++
		checkInstance(t, rng, in)
	}
	if rules[FitKeepEmpty] == 0 || rules[FitNextThatFits] == 0 {
		t.Errorf("rules drawn: %v", rules)
	}
}

func FuzzAllocate(f *testing.F) {
	for _, seed := range []uint64{0, 1, 2, 3, 42, 1 << 40, 0xdeadbeef} {
		f.Add(seed, seed%3 == 0)
	}
	f.Fuzz(func(t *testing.T, seed uint64, next bool) {
		rng := rand.New(rand.NewPCG(seed, seed>>7))
		in := randomInstance(rng)
		in.p.FitRule = FitKeepEmpty
		if next {
			in.p.FitRule = FitNextThatFits
		}
		checkInstance(t, rng, in)
	})
}

// party returns a ranked request of n persons.
func party(rank int, n int, allocated string) Ranked {
	r := &Request{ID: int64(100 + rank), HouseholdID: int64(rank), Allocated: allocated}
	for range n {
		r.Members = append(r.Members, Member{})
	}
	return Ranked{Request: r, Rank: rank}
}

func TestAllocateRules(t *testing.T) {
	days := []Day{{"2026-07-02", 6}, {"2026-07-01", 6}, {"2026-07-03", 4}}
	ranked := []Ranked{party(1, 4, ""), party(2, 5, ""), party(3, 1, ""), party(4, 2, ""), party(5, 9, ""), party(6, 1, "")}
	t.Run("keep empty", func(t *testing.T) {
		a := Allocate(&Policy{FitRule: FitKeepEmpty}, ranked, days)
		want := Allocation{Rule: FitKeepEmpty, RuleText: "the space stays empty",
			Assignments: []Assignment{
				{RequestID: 101, Date: "2026-07-01", Rank: 1, Persons: 4},
				{RequestID: 102, Date: "2026-07-02", Rank: 2, Persons: 5},
				{RequestID: 103, Date: "2026-07-02", Rank: 3, Persons: 1},
				{RequestID: 104, Date: "2026-07-03", Rank: 4, Persons: 2},
				{RequestID: 106, Date: "2026-07-03", Rank: 6, Persons: 1},
			},
			Unallocated: []int64{105},
			Reasons:     map[int64]Why{105: {ReasonTooLarge, "the party of 9 persons is larger than the capacity of every day (at most 6)"}},
			Used:        map[string]int{"2026-07-01": 4, "2026-07-02": 6, "2026-07-03": 3},
			Over:        map[string]int{},
			LeftEmpty:   map[string]int{"2026-07-01": 2},
		}
		if diff := cmp.Diff(want, a); diff != "" {
			t.Errorf("Allocate (-want +got):\n%s", diff)
		}
	})
	t.Run("next that fits", func(t *testing.T) {
		a := Allocate(&Policy{FitRule: FitNextThatFits}, ranked, days)
		note := "used space the household of rank 2 (5 persons) could not fit, under the rule: the next household that fits may use it"
		want := Allocation{Rule: FitNextThatFits, RuleText: "the next household that fits may use it",
			Assignments: []Assignment{
				{RequestID: 101, Date: "2026-07-01", Rank: 1, Persons: 4},
				{RequestID: 103, Date: "2026-07-01", Rank: 3, Persons: 1, Overtook: []int64{102}, Note: note},
				{RequestID: 106, Date: "2026-07-01", Rank: 6, Persons: 1, Overtook: []int64{102, 104},
					Note: "used space the households of rank 2 (5 persons) and rank 4 (2 persons) could not fit, under the rule: the next household that fits may use it"},
				{RequestID: 102, Date: "2026-07-02", Rank: 2, Persons: 5},
				{RequestID: 104, Date: "2026-07-03", Rank: 4, Persons: 2},
			},
			Unallocated: []int64{105},
			Reasons:     map[int64]Why{105: {ReasonTooLarge, "the party of 9 persons is larger than the capacity of every day (at most 6)"}},
			Used:        map[string]int{"2026-07-01": 6, "2026-07-02": 5, "2026-07-03": 2},
			Over:        map[string]int{},
			LeftEmpty:   map[string]int{},
		}
		if diff := cmp.Diff(want, a); diff != "" {
			t.Errorf("Allocate (-want +got):\n%s", diff)
		}
	})
	t.Run("several passed", func(t *testing.T) {
		ranked := []Ranked{party(1, 3, ""), party(2, 3, ""), party(3, 3, ""), party(4, 3, ""), party(5, 3, ""), party(6, 1, "")}
		days := []Day{{"2026-07-01", 4}, {"2026-07-02", 4}, {"2026-07-03", 4}, {"2026-07-04", 4}}
		a := Allocate(&Policy{FitRule: FitNextThatFits}, ranked, days)
		got := a.Assignments[1]
		want := Assignment{RequestID: 106, Date: "2026-07-01", Rank: 6, Persons: 1, Overtook: []int64{102, 103, 104, 105},
			Note: "used space the households of rank 2 (3 persons), rank 3 (3 persons), rank 4 (3 persons) and 1 more could not fit, under the rule: the next household that fits may use it"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("assignment (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]int64{105}, a.Unallocated); diff != "" {
			t.Errorf("unallocated (-want +got):\n%s", diff)
		}
		if w := "no day had room for the party of 3 persons at its turn, under the rule: the next household that fits may use it"; a.Reasons[105].Text != w {
			t.Errorf("reason %q, want %q", a.Reasons[105].Text, w)
		}
	})
	t.Run("kept on a day now too small", func(t *testing.T) {
		ranked := []Ranked{party(1, 2, ""), party(2, 3, "2026-07-01"), party(3, 3, "2026-07-01"), party(4, 1, "2026-06-20")}
		days := []Day{{"2026-07-01", 4}, {"2026-07-02", 4}}
		a := Allocate(&Policy{FitRule: FitNextThatFits}, ranked, days)
		note := "kept on its day, although the day's capacity is now 2 persons below what was allocated on it"
		want := Allocation{Rule: FitNextThatFits, RuleText: "the next household that fits may use it",
			Assignments: []Assignment{
				{RequestID: 104, Date: "2026-06-20", Rank: 4, Persons: 1, Kept: true},
				{RequestID: 102, Date: "2026-07-01", Rank: 2, Persons: 3, Kept: true, Note: note},
				{RequestID: 103, Date: "2026-07-01", Rank: 3, Persons: 3, Kept: true, Note: note},
				{RequestID: 101, Date: "2026-07-02", Rank: 1, Persons: 2},
			},
			Reasons:   map[int64]Why{},
			Used:      map[string]int{"2026-07-01": 6, "2026-07-02": 2},
			Over:      map[string]int{"2026-07-01": 2},
			LeftEmpty: map[string]int{},
		}
		if diff := cmp.Diff(want, a); diff != "" {
			t.Errorf("Allocate (-want +got):\n%s", diff)
		}
	})
}
