package callplan

import (
	"errors"
	"fmt"
	"slices"
)

// Check validates a plan against an instance, rule by rule, independently
// of Solve: every id exists, every call lies inside a window of its
// household on an allowed day and place, is aligned with a duty period of
// the right kind of its officer, respects the household's office, area,
// want and one call a day, no office slot holds more calls than min(rooms,
// officers on office duty), no officer or home block is used twice (an
// officer's calls never overlap in time), the objective numbers are those
// of the calls, and short lists exactly the households below want, with the
// right counts and a reason that is true and first in precedence. It
// returns every violation, joined; nil means the plan is valid.
func Check(in *Instance, p *Plan) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.Format != PlanFormat {
		bad("format: %q, want %q", p.Format, PlanFormat)
	}
	S := Clock(in.SlotMinutes)
	B := Clock(in.HomeBlockMinutes)
	offices := map[string]*Office{}
	for i := range in.Offices {
		offices[in.Offices[i].ID] = &in.Offices[i]
	}
	officers := map[string]*Officer{}
	for i := range in.Officers {
		officers[in.Officers[i].ID] = &in.Officers[i]
	}
	households := map[string]*Household{}
	for i := range in.Households {
		households[in.Households[i].ID] = &in.Households[i]
	}
	ix := &checkIndex{in: in, offices: offices, byOffice: map[string][]*Officer{}, byArea: map[string][]*Officer{}, capacity: map[slotKey]int{}}
	for i := range in.Officers {
		f := &in.Officers[i]
		ix.byOffice[f.Office] = append(ix.byOffice[f.Office], f)
		ix.byArea[f.Area] = append(ix.byArea[f.Area], f)
	}

	perDay := map[dayKey]int{}       // household-day → call index
	perHousehold := map[string]int{} // calls per household
	perSlot := map[slotKey][]int{}   // office slot → call indexes
	busy := map[dayKey][]interval{}  // officer-day → time taken
	for i, c := range p.Calls {
		at := fmt.Sprintf("calls[%d] (household %q, day %d, %v)", i, c.Household, c.Day, c.Start)
		h := households[c.Household]
		if h == nil {
			bad("%s: household %q is not in the instance", at, c.Household)
			continue
		}
		if c.Day < 0 || c.Day > 6 {
			bad("%s: day %d is outside 0–6", at, c.Day)
			continue
		}
		if c.End != c.Start+S {
			bad("%s: end %v is not start + slot_minutes (%v)", at, c.End, c.Start+S)
		}
		if !slices.Contains(h.Places, c.Place) {
			bad("%s: place %q is not one of the household's places %v", at, c.Place, h.Places)
		}
		if slices.Contains(h.BusyDays, c.Day) {
			bad("%s: day %d is one of the household's busy days", at, c.Day)
		}
		inWindow := false
		for _, w := range h.Windows {
			if w.Day == c.Day && w.Start <= c.Start && c.Start+S <= w.End {
				inWindow = true
			}
		}
		if !inWindow {
			bad("%s: the call %v–%v is not inside one of the household's windows", at, c.Start, c.Start+S)
		}
		k := dayKey{c.Household, c.Day}
		if j, twice := perDay[k]; twice {
			bad("%s: a second call on day %d (calls[%d] is the first)", at, c.Day, j)
		} else {
			perDay[k] = i
		}
		perHousehold[c.Household]++
		f := officers[c.Officer]
		if f == nil {
			bad("%s: officer %q is not in the instance", at, c.Officer)
			continue
		}
		if c.Office != f.Office {
			bad("%s: office %q is not officer %q's office %q", at, c.Office, f.ID, f.Office)
		}
		switch c.Place {
		case PlaceOffice:
			if c.Office != h.Office {
				bad("%s: office %q is not the household's office %q", at, c.Office, h.Office)
			}
			if !generates(f, PlaceOffice, c.Day, c.Start, S) {
				bad("%s: officer %q has no office duty with a slot starting at %v on day %d", at, f.ID, c.Start, c.Day)
			}
			sk := slotKey{c.Office, c.Day, c.Start}
			perSlot[sk] = append(perSlot[sk], i)
			busy[dayKey{f.ID, c.Day}] = append(busy[dayKey{f.ID, c.Day}], interval{c.Start, c.Start + S, i})
		case PlaceHome:
			if f.Area != h.Area {
				bad("%s: officer %q's area %q is not the household's area %q", at, f.ID, f.Area, h.Area)
			}
			if !generates(f, PlaceHome, c.Day, c.Start, B) {
				bad("%s: officer %q has no home duty with a block starting at %v on day %d", at, f.ID, c.Start, c.Day)
			}
			busy[dayKey{f.ID, c.Day}] = append(busy[dayKey{f.ID, c.Day}], interval{c.Start, c.Start + B, i})
		default:
			bad("%s: place %q is not office or home", at, c.Place)
		}
	}
	for id, n := range perHousehold {
		if h := households[id]; n > h.Want {
			bad("household %q: %d calls, more than want %d", id, n, h.Want)
		}
	}
	for sk, calls := range perSlot {
		capacity := ix.slotCapacity(sk.office, sk.day, sk.start)
		if len(calls) > capacity {
			bad("calls%v: %d calls at office %q on day %d at %v, more than min(rooms, officers on office duty) = %d", calls, len(calls), sk.office, sk.day, sk.start, capacity)
		}
	}
	for k, ivs := range busy {
		slices.SortFunc(ivs, func(a, b interval) int { return int(a.start - b.start) })
		for j := 1; j < len(ivs); j++ {
			if ivs[j].start < ivs[j-1].end {
				bad("calls[%d] and calls[%d]: officer %q is used twice on day %d (%v–%v and %v–%v)", ivs[j-1].call, ivs[j].call, k.who, k.day, ivs[j-1].start, ivs[j-1].end, ivs[j].start, ivs[j].end)
			}
		}
	}

	// The objective, recomputed.
	var want Objective
	served := map[string]bool{}
	for _, c := range p.Calls {
		want.Calls++
		served[c.Household] = true
		if c.Place == PlaceHome {
			want.HomeCalls++
		}
		if h := households[c.Household]; h != nil {
			for _, pr := range h.Preferred {
				if pr.Day == c.Day && pr.Start <= c.Start && c.Start < pr.End {
					want.Preferred++
					break
				}
			}
		}
	}
	want.HouseholdsServed = len(served)
	if p.Objective != want {
		bad("objective: %+v, the calls give %+v", p.Objective, want)
	}

	// Short: exactly the households below want, each with its true reason.
	listed := map[string]int{}
	for i, s := range p.Short {
		at := fmt.Sprintf("short[%d] (household %q)", i, s.Household)
		h := households[s.Household]
		if h == nil {
			bad("%s: not a household of the instance", at)
			continue
		}
		if j, dup := listed[s.Household]; dup {
			bad("%s: listed twice (short[%d])", at, j)
			continue
		}
		listed[s.Household] = i
		got := perHousehold[s.Household]
		if s.Got != got || s.Want != h.Want {
			bad("%s: got %d want %d, the plan gives got %d want %d", at, s.Got, s.Want, got, h.Want)
		}
		if got >= h.Want {
			bad("%s: not short (%d of %d calls)", at, got, h.Want)
			continue
		}
		if err := ix.checkReason(h, s.Reason, perDay, perSlot, busy); err != nil {
			bad("%s: %v", at, err)
		}
	}
	for _, h := range in.Households {
		if perHousehold[h.ID] < h.Want {
			if _, ok := listed[h.ID]; !ok {
				bad("short: household %q got %d of %d calls and is not listed", h.ID, perHousehold[h.ID], h.Want)
			}
		}
	}
	return errors.Join(errs...)
}

// generates reports whether officer f has a duty of the kind on day d that
// generates a slot or block of length n starting at start.
func generates(f *Officer, kind string, d int, start, n Clock) bool {
	for _, du := range f.Duty {
		if du.Kind == kind && du.Day == d && du.Start <= start && start+n <= du.End && (start-du.Start)%n == 0 {
			return true
		}
	}
	return false
}

// checkIndex holds what Check looks up often, built straight from the
// instance.
type checkIndex struct {
	in       *Instance
	offices  map[string]*Office
	byOffice map[string][]*Officer
	byArea   map[string][]*Officer
	capacity map[slotKey]int
}

// slotCapacity is min(rooms, officers of the office on office duty covering
// the slot [start, start+slot_minutes) on day d).
func (ix *checkIndex) slotCapacity(office string, d int, start Clock) int {
	k := slotKey{office, d, start}
	if c, ok := ix.capacity[k]; ok {
		return c
	}
	o := ix.offices[office]
	if o == nil {
		return 0
	}
	S := Clock(ix.in.SlotMinutes)
	n := 0
	for _, f := range ix.byOffice[office] {
		for _, du := range f.Duty {
			if du.Kind == PlaceOffice && du.Day == d && du.Start <= start && start+S <= du.End {
				n++
				break
			}
		}
	}
	c := min(n, o.Rooms)
	ix.capacity[k] = c
	return c
}

type dayKey struct {
	who string
	day int
}

type slotKey struct {
	office string
	day    int
	start  Clock
}

type interval struct {
	start, end Clock
	call       int
}

// checkReason verifies that reason is the first true reason, in order of
// precedence, for household h being short in the plan whose usage the maps
// describe (perDay: household-days with a call; perSlot: calls per office
// slot; busy: officers' taken times).
func (ix *checkIndex) checkReason(h *Household, reason string, perDay map[dayKey]int, perSlot map[slotKey][]int, busy map[dayKey][]interval) error {
	// The household's feasible options, straight from the rules.
	in := ix.in
	S := Clock(in.SlotMinutes)
	B := Clock(in.HomeBlockMinutes)
	type opt struct {
		day     int
		start   Clock
		officer string // the home block's officer; "" for an office slot
	}
	var opts []opt
	inWindow := func(d int, t Clock) bool {
		for _, w := range h.Windows {
			if w.Day == d && w.Start <= t && t+S <= w.End {
				return true
			}
		}
		return false
	}
	for d := 0; d < 7; d++ {
		if slices.Contains(h.BusyDays, d) {
			continue
		}
		candidates := append(slices.Clip(ix.byOffice[h.Office]), ix.byArea[h.Area]...)
		for i, f := range candidates {
			if slices.Contains(candidates[:i], f) {
				continue // in both lists
			}
			for _, du := range f.Duty {
				if du.Day != d {
					continue
				}
				switch {
				case du.Kind == PlaceOffice && f.Office == h.Office && slices.Contains(h.Places, PlaceOffice):
					for t := du.Start; t+S <= du.End; t += S {
						if inWindow(d, t) && ix.slotCapacity(h.Office, d, t) > 0 {
							opts = append(opts, opt{d, t, ""})
						}
					}
				case du.Kind == PlaceHome && f.Area == h.Area && slices.Contains(h.Places, PlaceHome):
					for t := du.Start; t+B <= du.End; t += B {
						if inWindow(d, t) {
							opts = append(opts, opt{d, t, f.ID})
						}
					}
				}
			}
		}
	}
	days := map[int]bool{}
	for _, o := range opts {
		days[o.day] = true
	}
	var first string
	switch {
	case len(opts) == 0:
		first = ReasonNoOption
	case len(days) < h.Want:
		first = ReasonFewDays
	default:
		first = ReasonTaken
	}
	if reason != first {
		return fmt.Errorf("reason %q, want %q", reason, first)
	}
	if first != ReasonTaken {
		return nil
	}
	// Taken: on every feasible day without a call of its own, every
	// option is full — an office slot at capacity, a home block's officer
	// busy at that time.
	for _, o := range opts {
		if _, has := perDay[dayKey{h.ID, o.day}]; has {
			continue
		}
		if o.officer == "" {
			if n, c := len(perSlot[slotKey{h.Office, o.day, o.start}]), ix.slotCapacity(h.Office, o.day, o.start); n < c {
				return fmt.Errorf("reason %q is false: the office slot on day %d at %v has %d of %d places taken", reason, o.day, o.start, n, c)
			}
			continue
		}
		taken := false
		for _, iv := range busy[dayKey{o.officer, o.day}] {
			if iv.start < o.start+B && o.start < iv.end {
				taken = true
			}
		}
		if !taken {
			return fmt.Errorf("reason %q is false: officer %q's home block on day %d at %v is free", reason, o.officer, o.day, o.start)
		}
	}
	return nil
}
