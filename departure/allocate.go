package departure

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// normalDays returns the days in date order, a date given twice once with
// the smaller capacity (never more than any stated capacity), and negative
// capacities as 0.
func normalDays(days []Day) []Day {
	ds := slices.Clone(days)
	for i := range ds {
		ds[i].Capacity = max(ds[i].Capacity, 0)
	}
	slices.SortFunc(ds, func(a, b Day) int {
		return cmp.Or(strings.Compare(a.Date, b.Date), cmp.Compare(a.Capacity, b.Capacity))
	})
	return slices.CompactFunc(ds, func(a, b Day) bool { return a.Date == b.Date })
}

// byRank returns ranked ordered by rank, then request id, whatever the
// order given.
func byRank(ranked []Ranked) []Ranked {
	out := slices.Clone(ranked)
	slices.SortStableFunc(out, func(a, b Ranked) int {
		return cmp.Or(cmp.Compare(a.Rank, b.Rank), cmp.Compare(a.Request.ID, b.Request.ID))
	})
	return out
}

func persons(n int) string {
	if n == 1 {
		return "1 person"
	}
	return fmt.Sprintf("%d persons", n)
}

// Allocate gives travel days in rank order over the days: a request's whole
// party on one day, never over a day's capacity; requests that already have
// a day keep it (they take its capacity first) and are never moved to
// another; when a request does not fit the rest of a day, the policy's fit
// rule decides, and every overtaking is recorded.
//
// In detail: days are taken in date order (a date given twice counts once,
// with the smaller capacity). A request with Request.Allocated set keeps
// that day; if it is among the days it uses that day's capacity, and a day
// whose capacity is now below what it already holds is reported in Over
// and takes nobody new. Then every other request, in rank order:
//   - a party larger than the capacity of every day gets no day
//     (ReasonTooLarge) and holds nobody back, since it could never go;
//   - under FitKeepEmpty (and any unknown rule), requests are placed
//     strictly in rank order: the current day is closed as soon as the
//     next request does not fit what is left of it (the rest stays empty,
//     see LeftEmpty), so no request gets an earlier day than one ranked
//     higher;
//   - under FitNextThatFits, a request gets the earliest day with room for
//     its party; when that is earlier than the day of a higher-ranked
//     request (or that request got no day), it used space the other could
//     not fit: Overtook names them and Note says so under the rule.
//
// A request that finds no room gets no day (ReasonNoRoom). The result
// depends only on the requests, ranks and days, not on their order.
func Allocate(p *Policy, ranked []Ranked, days []Day) Allocation {
	a := Allocation{Rule: p.FitRule, RuleText: RuleText(p.FitRule),
		Reasons: map[int64]Why{}, Used: map[string]int{}, Over: map[string]int{}, LeftEmpty: map[string]int{}}
	ds := normalDays(days)
	index := make(map[string]int, len(ds))
	left := make([]int, len(ds)) // capacity left on each day
	largest := 0
	for i, d := range ds {
		index[d.Date] = i
		left[i] = d.Capacity
		a.Used[d.Date] = 0
		largest = max(largest, d.Capacity)
	}
	order := byRank(ranked)

	// Existing allocations first: they keep their day, whatever it holds.
	var kept []int // indexes into a.Assignments
	for _, r := range order {
		if r.Request.Allocated == "" {
			continue
		}
		date, size := r.Request.Allocated, r.Request.Size()
		if i, ok := index[date]; ok {
			left[i] -= size
			a.Used[date] += size
			kept = append(kept, len(a.Assignments))
		}
		a.Assignments = append(a.Assignments, Assignment{RequestID: r.Request.ID, Date: date, Rank: r.Rank, Persons: size, Kept: true})
	}
	for i, d := range ds {
		if left[i] < 0 {
			a.Over[d.Date] = -left[i]
			left[i] = 0
		}
	}
	for _, k := range kept {
		if over := a.Over[a.Assignments[k].Date]; over > 0 {
			a.Assignments[k].Note = fmt.Sprintf("kept on its day, although the day's capacity is now %s below what was allocated on it", persons(over))
		}
	}

	// pending are the requests allocated here, in rank order, with their
	// day's index (-1: no room), that a later request could still
	// overtake: those with no day or a day after open, the first day with
	// room left (a later request goes on open or after it).
	type placed struct {
		r   Ranked
		day int
	}
	var pending []placed
	open := 0
	noRoom := func(r Ranked) {
		a.Unallocated = append(a.Unallocated, r.Request.ID)
		a.Reasons[r.Request.ID] = Why{Code: ReasonNoRoom,
			Text: fmt.Sprintf("no day had room for the party of %s at its turn, under the rule: %s", persons(r.Request.Size()), a.RuleText)}
		pending = append(pending, placed{r, -1})
	}
	assign := func(r Ranked, day int, overtook []placed) {
		left[day] -= r.Request.Size()
		a.Used[ds[day].Date] += r.Request.Size()
		as := Assignment{RequestID: r.Request.ID, Date: ds[day].Date, Rank: r.Rank, Persons: r.Request.Size()}
		if len(overtook) > 0 {
			passed := make([]Ranked, len(overtook))
			for i, o := range overtook {
				passed[i] = o.r
				as.Overtook = append(as.Overtook, o.r.Request.ID)
			}
			as.Note = overtakeNote(passed, a.RuleText)
		}
		a.Assignments = append(a.Assignments, as)
		pending = append(pending, placed{r, day})
	}
	cursor := 0 // FitKeepEmpty: the day being filled
	for _, r := range order {
		if r.Request.Allocated != "" {
			continue
		}
		size := r.Request.Size()
		if largest > 0 && size > largest {
			a.Unallocated = append(a.Unallocated, r.Request.ID)
			a.Reasons[r.Request.ID] = Why{Code: ReasonTooLarge,
				Text: fmt.Sprintf("the party of %s is larger than the capacity of every day (at most %d)", persons(size), largest)}
			continue
		}
		if p.FitRule != FitNextThatFits {
			for cursor < len(ds) && left[cursor] < size {
				if left[cursor] > 0 {
					a.LeftEmpty[ds[cursor].Date] = left[cursor]
				}
				cursor++
			}
			if cursor == len(ds) {
				noRoom(r)
			} else {
				assign(r, cursor, nil)
			}
			continue
		}
		if open < len(left) && left[open] == 0 {
			for open < len(left) && left[open] == 0 {
				open++
			}
			pending = slices.DeleteFunc(pending, func(o placed) bool { return o.day >= 0 && o.day <= open })
		}
		day := slices.IndexFunc(left[open:], func(n int) bool { return n >= size })
		if day >= 0 {
			day += open
		}
		if day < 0 {
			noRoom(r)
			continue
		}
		var overtook []placed
		for _, o := range pending {
			if o.day < 0 || o.day > day {
				overtook = append(overtook, o)
			}
		}
		assign(r, day, overtook)
	}
	slices.SortStableFunc(a.Assignments, func(x, y Assignment) int {
		return cmp.Or(strings.Compare(x.Date, y.Date), cmp.Compare(x.Rank, y.Rank), cmp.Compare(x.RequestID, y.RequestID))
	})
	return a
}

// overtakeNote says which higher-ranked households a request passed:
// "used space the household of rank 12 (5 persons) could not fit, under
// the rule: the next household that fits may use it"; several are listed
// up to three, then counted.
func overtakeNote(passed []Ranked, rule string) string {
	n := len(passed)
	var parts []string
	for _, r := range passed[:min(n, 3)] {
		parts = append(parts, fmt.Sprintf("rank %d (%s)", r.Rank, persons(r.Request.Size())))
	}
	var list string
	switch {
	case n == 1:
		list = "the household of " + parts[0]
	case n <= 3:
		list = "the households of " + strings.Join(parts[:n-1], ", ") + " and " + parts[n-1]
	default:
		list = fmt.Sprintf("the households of %s and %d more", strings.Join(parts, ", "), n-3)
	}
	return fmt.Sprintf("used space %s could not fit, under the rule: %s", list, rule)
}
