package callplan

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
)

// TestCheckRefusesBrokenPlans proves the validator can fail: each case
// breaks one rule of a valid plan and expects Check to name it.
func TestCheckRefusesBrokenPlans(t *testing.T) {
	in := GenerateWith(GenerateParams{Seed: 11, Offices: 2, Officers: 6, Households: 200, MaxRooms: 2})
	valid := mustSolve(t, in)
	find := func(t *testing.T, p *Plan, ok func(Call) bool) int {
		i := slices.IndexFunc(p.Calls, ok)
		if i < 0 {
			t.Fatal("the instance lacks the call this case needs; change the seed")
		}
		return i
	}
	isOffice := func(c Call) bool { return c.Place == PlaceOffice }
	isHome := func(c Call) bool { return c.Place == PlaceHome }
	household := func(id string) *Household {
		for i := range in.Households {
			if in.Households[i].ID == id {
				return &in.Households[i]
			}
		}
		return nil
	}
	shortWith := func(t *testing.T, p *Plan, reason string) int {
		i := slices.IndexFunc(p.Short, func(s Short) bool { return s.Reason == reason })
		if i < 0 {
			t.Fatalf("no short household with reason %q; change the seed", reason)
		}
		return i
	}
	tests := []struct {
		name    string
		breakIt func(t *testing.T, p *Plan)
		want    string
	}{
		{"call outside its windows", func(t *testing.T, p *Plan) {
			i := find(t, p, isOffice)
			p.Calls[i].Start, p.Calls[i].End = 3*60, 3*60+30
		}, "not inside one of the household's windows"},
		{"double-booked officer", func(t *testing.T, p *Plan) {
			i := find(t, p, isOffice)
			j := find(t, p, func(c Call) bool {
				return c.Place == PlaceOffice && c.Office == p.Calls[i].Office && c.Officer != p.Calls[i].Officer && (c.Day != p.Calls[i].Day || c.Start != p.Calls[i].Start)
			})
			// j moves to i's slot and officer (with its own household)
			p.Calls[j].Day, p.Calls[j].Start, p.Calls[j].End, p.Calls[j].Officer = p.Calls[i].Day, p.Calls[i].Start, p.Calls[i].End, p.Calls[i].Officer
		}, "is used twice"},
		{"home block used twice", func(t *testing.T, p *Plan) {
			i := find(t, p, isHome)
			c := p.Calls[i]
			// another household takes the same block
			c.Household = in.Households[0].ID
			if c.Household == p.Calls[i].Household {
				c.Household = in.Households[1].ID
			}
			p.Calls = append(p.Calls, c)
		}, "is used twice"},
		{"wrong reason", func(t *testing.T, p *Plan) {
			i := shortWith(t, p, ReasonTaken)
			p.Short[i].Reason = ReasonNoOption
		}, "reason"},
		{"unknown reason", func(t *testing.T, p *Plan) { p.Short[0].Reason = "the moon was full" }, "reason"},
		{"short household left out", func(t *testing.T, p *Plan) { p.Short = p.Short[1:] }, "is not listed"},
		{"wrong got", func(t *testing.T, p *Plan) { p.Short[0].Got++ }, "got"},
		{"objective", func(t *testing.T, p *Plan) { p.Objective.Preferred++ }, "objective"},
		{"second call the same day", func(t *testing.T, p *Plan) {
			i := find(t, p, isOffice)
			c := p.Calls[i]
			c.Start, c.End = c.Start+Clock(in.SlotMinutes), c.End+Clock(in.SlotMinutes)
			p.Calls = append(p.Calls, c)
		}, "a second call on day"},
		{"busy day", func(t *testing.T, p *Plan) {
			i := find(t, p, isOffice)
			h := household(p.Calls[i].Household)
			h.BusyDays = append(h.BusyDays, p.Calls[i].Day)
		}, "busy days"},
		{"place not allowed", func(t *testing.T, p *Plan) {
			i := find(t, p, isOffice)
			h := household(p.Calls[i].Household)
			h.Places = []string{PlaceHome}
		}, "is not one of the household's places"},
		{"more than want", func(t *testing.T, p *Plan) {
			i := find(t, p, isOffice)
			household(p.Calls[i].Household).Want = 0
		}, "more than want"},
		{"end is not start + slot", func(t *testing.T, p *Plan) { p.Calls[0].End += 5 }, "is not start + slot_minutes"},
		{"unknown officer", func(t *testing.T, p *Plan) { p.Calls[0].Officer = "nobody" }, `officer "nobody" is not in the instance`},
		{"unknown household", func(t *testing.T, p *Plan) { p.Calls[0].Household = "nobody" }, `household "nobody" is not in the instance`},
		{"office call off the grid", func(t *testing.T, p *Plan) {
			i := find(t, p, isOffice)
			p.Calls[i].Start += 10
			p.Calls[i].End += 10
		}, "has no office duty with a slot starting at"},
		{"home call outside the officer's area", func(t *testing.T, p *Plan) {
			i := find(t, p, isHome)
			household(p.Calls[i].Household).Area = "elsewhere"
		}, "is not the household's area"},
		{"office over capacity", func(t *testing.T, p *Plan) {
			for i := range in.Offices {
				in.Offices[i].Rooms = 0
			}
		}, "more than min(rooms, officers on office duty)"},
		{"wrong format", func(t *testing.T, p *Plan) { p.Format = "plan/0" }, "format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := cloneInstance(in)
			defer func() { *in = *saved }()
			p := clonePlan(valid)
			if err := Check(in, p); err != nil {
				t.Fatalf("the valid plan is refused before breaking it: %v", err)
			}
			tt.breakIt(t, p)
			err := Check(in, p)
			if err == nil {
				t.Fatalf("Check accepted the broken plan")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check: %v\nwant a violation containing %q", err, tt.want)
			}
		})
	}
}

func clonePlan(p *Plan) *Plan {
	q := *p
	q.Calls = slices.Clone(p.Calls)
	q.Short = slices.Clone(p.Short)
	return &q
}

func cloneInstance(in *Instance) *Instance {
	var buf bytes.Buffer
	if err := WriteInstance(&buf, in); err != nil {
		panic(err)
	}
	out, err := ReadInstance(&buf)
	if err != nil {
		panic(err)
	}
	return out
}

// TestShortReasonsAreTrue checks each reason on instances built to show it.
func TestShortReasonsAreTrue(t *testing.T) {
	in := mustRead(t, example)
	// h1: one feasible day, wants 2; h2: home only in an area nobody visits.
	p := mustSolve(t, in)
	got := map[string]string{}
	for _, s := range p.Short {
		got[s.Household] = ReasonCode(s.Reason)
	}
	if got["h1"] != "few_days" || got["h2"] != "no_option" {
		t.Errorf("reasons %v, want h1 few_days and h2 no_option", got)
	}
	// Three households for one room on one day: one is served, two are
	// short because the slot is taken.
	in.Offices[0].Rooms = 1
	in.Officers[0].Duty = []Duty{{Day: 0, Start: 9 * 60, End: 9*60 + 30, Kind: PlaceOffice}}
	in.Households = []Household{
		{ID: "a", Office: "o1", Area: "a1", Want: 1, Places: []string{PlaceOffice}, Windows: []Period{{Day: 0, Start: 0, End: 24 * 60}}},
		{ID: "b", Office: "o1", Area: "a1", Want: 1, Places: []string{PlaceOffice}, Windows: []Period{{Day: 0, Start: 0, End: 24 * 60}}},
		{ID: "c", Office: "o1", Area: "a1", Want: 1, Places: []string{PlaceOffice}, Windows: []Period{{Day: 0, Start: 0, End: 24 * 60}}, Preferred: []Period{{Day: 0, Start: 9 * 60, End: 10 * 60}}},
	}
	p = mustSolve(t, in)
	if len(p.Calls) != 1 || p.Calls[0].Household != "c" || len(p.Short) != 2 || p.Short[0].Reason != ReasonTaken {
		t.Errorf("one slot, three households: %+v", p)
	}
	if _, err := Solve(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}
