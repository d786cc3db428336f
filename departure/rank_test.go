package departure

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var on = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// basePolicy: programme members first, then everyone; age and illness
// worth points.
func basePolicy() *Policy {
	return &Policy{Version: 1, Name: "base",
		Tiers: []Tier{{Name: "programme member", Fact: FactProgramme}, {Name: "everyone", Fact: FactAll}},
		Points: []PointRule{
			{Fact: FactAgeAtLeast, Threshold: 75, Points: 2},
			{Fact: FactIllness, Points: 1},
		},
		FitRule: FitKeepEmpty}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(p *Policy)
		field string
	}{
		{"valid", func(p *Policy) {}, ""},
		{"no tiers", func(p *Policy) { p.Tiers = nil }, "tiers"},
		{"tier without name", func(p *Policy) { p.Tiers[1].Name = "" }, "tiers[1].name"},
		{"unknown tier fact", func(p *Policy) { p.Tiers[0].Fact = "rich" }, "tiers[0].fact"},
		{"all not last", func(p *Policy) { p.Tiers[0].Fact = FactAll }, "tiers[0].fact"},
		{"age tier", func(p *Policy) { p.Tiers[0].Fact = FactAgeAtLeast }, "tiers[0].fact"},
		{"same fact twice", func(p *Policy) {
			p.Tiers = []Tier{{"a", FactIllness}, {"b", FactIllness}, {"c", FactAll}}
		}, "tiers[1].fact"},
		{"last tier need not be all", func(p *Policy) { p.Tiers = p.Tiers[:1] }, ""},
		{"unknown point fact", func(p *Policy) { p.Points[1].Fact = FactAll }, "points[1].fact"},
		{"negative points", func(p *Policy) { p.Points[1].Points = -1 }, "points[1].points"},
		{"zero points", func(p *Policy) { p.Points[1].Points = 0 }, ""},
		{"negative max", func(p *Policy) { p.Points[0].Max = -2 }, "points[0].max"},
		{"age 0", func(p *Policy) { p.Points[0].Threshold = 0 }, "points[0].threshold"},
		{"age 131", func(p *Policy) { p.Points[0].Threshold = 131 }, "points[0].threshold"},
		{"age 130", func(p *Policy) { p.Points[0].Threshold = 130 }, ""},
		{"age 1", func(p *Policy) { p.Points[0].Threshold = 1 }, ""},
		{"threshold on illness", func(p *Policy) { p.Points[1].Threshold = 3 }, "points[1].threshold"},
		{"fit rule", func(p *Policy) { p.FitRule = "" }, "fit_rule"},
		{"next that fits", func(p *Policy) { p.FitRule = FitNextThatFits }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := basePolicy()
			tt.edit(p)
			err := p.Validate()
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("Validate: %v, want nil", err)
			case tt.field == "":
			case !errors.As(err, &fe):
				t.Fatalf("Validate: %v, want a *FieldError at %s", err, tt.field)
			case fe.Field != tt.field || fe.Key == "" || fe.Message == "":
				t.Errorf("Validate: field %q key %q message %q, want field %q with key and message", fe.Field, fe.Key, fe.Message, tt.field)
			}
		})
	}
}

func TestReasons(t *testing.T) {
	twoAges := basePolicy()
	twoAges.Points = []PointRule{{Fact: FactAgeAtLeast, Threshold: 65, Points: 1}, {Fact: FactAgeAtLeast, Threshold: 80, Points: 1}}
	capped := basePolicy()
	capped.Points = []PointRule{{Fact: FactIllness, Points: 1, Max: 2}, {Fact: FactChildSeparated, Points: 2}, {Fact: FactDisability, Points: 1}}
	only := basePolicy()
	only.Tiers = only.Tiers[:1]
	tests := []struct {
		name    string
		p       *Policy
		members []Member
		reg     string
		tier    int
		points  int
		reason  string
	}{
		{"the issue's example", basePolicy(),
			[]Member{{ProgrammeMember: true, BirthDate: "1948-01-01", Illness: true}}, "2026-03-02T09:00:00Z",
			0, 3, "tier 1: programme member; 3 vulnerability points (age 78, illness); registered 2026-03-02"},
		{"no points", basePolicy(),
			[]Member{{BirthDate: "1990-05-05"}}, "2026-01-15T10:00:00Z",
			1, 0, "tier 2: everyone; no vulnerability points; registered 2026-01-15"},
		{"one point", basePolicy(),
			[]Member{{Illness: true}, {}}, "2026-01-15T10:00:00Z",
			1, 1, "tier 2: everyone; 1 vulnerability point (illness); registered 2026-01-15"},
		{"registered day in UTC", basePolicy(),
			[]Member{{}}, "2026-03-03T01:00:00+09:00",
			1, 0, "tier 2: everyone; no vulnerability points; registered 2026-03-02"},
		{"any member makes the tier, points per member", basePolicy(),
			[]Member{{BirthYear: 1950}, {ProgrammeMember: true, Illness: true}, {Illness: true, BirthDate: "1940-06-01"}}, "2026-02-01T00:00:00Z",
			0, 6, "tier 1: programme member; 6 vulnerability points (age 76, age 86, illness ×2); registered 2026-02-01"},
		{"birthday not yet this year", basePolicy(),
			[]Member{{BirthDate: "1951-06-02"}}, "2026-02-01T00:00:00Z",
			1, 0, "tier 2: everyone; no vulnerability points; registered 2026-02-01"},
		{"birthday today", basePolicy(),
			[]Member{{BirthDate: "1951-06-01"}}, "2026-02-01T00:00:00Z",
			1, 2, "tier 2: everyone; 2 vulnerability points (age 75); registered 2026-02-01"},
		{"bad birth date falls back to the year", basePolicy(),
			[]Member{{BirthDate: "1951-13-40", BirthYear: 1951}}, "2026-02-01T00:00:00Z",
			1, 2, "tier 2: everyone; 2 vulnerability points (age 75); registered 2026-02-01"},
		{"unknown age", basePolicy(),
			[]Member{{}}, "2026-02-01T00:00:00Z",
			1, 0, "tier 2: everyone; no vulnerability points; registered 2026-02-01"},
		{"two age rules, one member", twoAges,
			[]Member{{BirthYear: 1944}, {BirthYear: 1956}}, "2026-02-01T00:00:00Z",
			1, 3, "tier 2: everyone; 3 vulnerability points (age 82, age 70); registered 2026-02-01"},
		{"capped rule", capped,
			[]Member{{Illness: true}, {Illness: true}, {Illness: true, ChildSeparated: true}, {Disability: true}}, "2026-02-01T00:00:00Z",
			1, 5, "tier 2: everyone; 5 vulnerability points (illness ×3, child separated, disability); registered 2026-02-01"},
		{"no tier", only,
			[]Member{{}}, "2026-02-01T00:00:00Z",
			1, 0, "no tier; no vulnerability points; registered 2026-02-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Request{ID: 7, Members: tt.members, RegisteredAt: day(tt.reg)}
			got := Rank(tt.p, []*Request{r}, on)[0]
			if got.Rank != 1 || got.Tier != tt.tier || got.Points != tt.points || got.Reason != tt.reason {
				t.Errorf("Rank = rank %d tier %d points %d %q\nwant rank 1 tier %d points %d %q",
					got.Rank, got.Tier, got.Points, got.Reason, tt.tier, tt.points, tt.reason)
			}
			// The facts say what the detail says, item by item.
			var said []string
			for _, f := range got.Facts {
				switch {
				case f.Fact == FactAgeAtLeast:
					said = append(said, fmt.Sprintf("age %d", f.Age))
				case f.Count > 1:
					said = append(said, fmt.Sprintf("%s ×%d", factLabel[f.Fact], f.Count))
				default:
					said = append(said, factLabel[f.Fact])
				}
			}
			if !slices.Equal(said, got.Detail) {
				t.Errorf("facts %+v say %q, detail says %q", got.Facts, said, got.Detail)
			}
		})
	}
}

func TestRankOrder(t *testing.T) {
	p := basePolicy()
	reg := day("2026-03-01T08:00:00Z")
	reqs := []*Request{
		{ID: 1, Members: []Member{{}}, RegisteredAt: reg},                                     // tier 2, 0
		{ID: 2, Members: []Member{{Illness: true}}, RegisteredAt: reg.Add(time.Hour)},         // tier 2, 1
		{ID: 3, Members: []Member{{ProgrammeMember: true}}, RegisteredAt: reg.Add(time.Hour)}, // tier 1, 0
		{ID: 4, Members: []Member{{Illness: true}}, RegisteredAt: reg},                        // tier 2, 1, earlier
		{ID: 5, Members: []Member{{Illness: true}}, RegisteredAt: reg},                        // tier 2, 1, same time: id
		{ID: 6, Members: []Member{{}, {}}, RegisteredAt: reg.Add(-time.Hour)},                 // tier 2, 0, earliest
		{ID: 0, Members: []Member{{BirthYear: 1900}}, RegisteredAt: reg.Add(time.Hour)},       // tier 2, 2
	}
	var got []int64
	for _, r := range Rank(p, reqs, on) {
		got = append(got, r.Request.ID)
	}
	want := []int64{3, 0, 4, 5, 2, 6, 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestRankDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		p := randomPolicy(rng)
		reqs := randomRequests(rng, 1+rng.IntN(40), 0)
		a := Rank(p, reqs, on)
		shuffled := append([]*Request(nil), reqs...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		b := Rank(p, shuffled, on)
		if diff := cmp.Diff(a, b); diff != "" {
			t.Fatalf("Rank depends on the input order (-first +shuffled):\n%s", diff)
		}
		for i := 1; i < len(a); i++ {
			x, y := a[i-1], a[i]
			if x.Tier > y.Tier || x.Tier == y.Tier && x.Points < y.Points {
				t.Fatalf("rank %d (tier %d, %d points) before rank %d (tier %d, %d points)", x.Rank, x.Tier, x.Points, y.Rank, y.Tier, y.Points)
			}
		}
	}
}

func TestCompare(t *testing.T) {
	reqs := []*Request{
		{ID: 1, Members: []Member{{BirthDate: "1946-01-10"}}, RegisteredAt: day("2026-03-01T10:00:00Z")},
		{ID: 2, Members: []Member{{Illness: true}, {}}, RegisteredAt: day("2026-03-02T10:00:00Z")},
		{ID: 3, Members: []Member{{ProgrammeMember: true}}, RegisteredAt: day("2026-03-05T10:00:00Z")},
		{ID: 4, Members: []Member{{}}, RegisteredAt: day("2026-02-01T10:00:00Z")},
		{ID: 5, Members: []Member{{ChildSeparated: true}, {}}, RegisteredAt: day("2026-03-03T10:00:00Z")},
	}
	old := &Policy{Version: 1, Name: "v1",
		Tiers:   []Tier{{Name: "programme member", Fact: FactProgramme}, {Name: "everyone", Fact: FactAll}},
		Points:  []PointRule{{Fact: FactAgeAtLeast, Threshold: 75, Points: 1}, {Fact: FactChildSeparated, Points: 2}},
		FitRule: FitKeepEmpty}
	// old order: 3 (tier 1), 5 (2 points), 1 (1 point), 4 (Feb), 2 (Mar 2).
	t.Run("illness worth points", func(t *testing.T) {
		new := *old
		new.Version = 2
		new.Points = append(append([]PointRule(nil), old.Points...), PointRule{Fact: FactIllness, Points: 2})
		got := Compare(old, &new, reqs, on)
		want := []Move{
			{RequestID: 2, OldRank: 5, NewRank: 2,
				OldReason: "tier 2: everyone; no vulnerability points; registered 2026-03-02",
				NewReason: "tier 2: everyone; 2 vulnerability points (illness); registered 2026-03-02"},
			{RequestID: 5, OldRank: 2, NewRank: 3,
				OldReason: "tier 2: everyone; 2 vulnerability points (child separated); registered 2026-03-03",
				NewReason: "tier 2: everyone; 2 vulnerability points (child separated); registered 2026-03-03"},
			{RequestID: 1, OldRank: 3, NewRank: 4,
				OldReason: "tier 2: everyone; 1 vulnerability point (age 80); registered 2026-03-01",
				NewReason: "tier 2: everyone; 1 vulnerability point (age 80); registered 2026-03-01"},
			{RequestID: 4, OldRank: 4, NewRank: 5,
				OldReason: "tier 2: everyone; no vulnerability points; registered 2026-02-01",
				NewReason: "tier 2: everyone; no vulnerability points; registered 2026-02-01"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Compare (-want +got):\n%s", diff)
		}
		ups := map[int64]int{}
		for _, m := range got {
			ups[m.RequestID] = m.Up()
		}
		if diff := cmp.Diff(map[int64]int{2: 3, 5: -1, 1: -1, 4: -1}, ups); diff != "" {
			t.Errorf("Up (-want +got):\n%s", diff)
		}
	})
	t.Run("children separated first", func(t *testing.T) {
		new := *old
		new.Version = 2
		new.Tiers = []Tier{{Name: "child separated", Fact: FactChildSeparated}, {Name: "programme member", Fact: FactProgramme}, {Name: "everyone", Fact: FactAll}}
		got := Compare(old, &new, reqs, on)
		want := []Move{
			{RequestID: 5, OldRank: 2, NewRank: 1,
				OldReason: "tier 2: everyone; 2 vulnerability points (child separated); registered 2026-03-03",
				NewReason: "tier 1: child separated; 2 vulnerability points (child separated); registered 2026-03-03"},
			{RequestID: 3, OldRank: 1, NewRank: 2,
				OldReason: "tier 1: programme member; no vulnerability points; registered 2026-03-05",
				NewReason: "tier 2: programme member; no vulnerability points; registered 2026-03-05"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Compare (-want +got):\n%s", diff)
		}
	})
	t.Run("same policy", func(t *testing.T) {
		if got := Compare(old, old, reqs, on); len(got) != 0 {
			t.Errorf("Compare(p, p) = %v, want no moves", got)
		}
	})
}
