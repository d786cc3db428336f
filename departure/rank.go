package departure

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// factLabel is how a reason names a fact.
var factLabel = map[string]string{
	FactProgramme:      "programme member",
	FactIllness:        "illness",
	FactChildSeparated: "child separated",
	FactDisability:     "disability",
}

// has reports whether m has a fact that needs no threshold.
func (m *Member) has(fact string) bool {
	switch fact {
	case FactProgramme:
		return m.ProgrammeMember
	case FactIllness:
		return m.Illness
	case FactChildSeparated:
		return m.ChildSeparated
	case FactDisability:
		return m.Disability
	}
	return false
}

// AgeOn returns a member's age on the calendar day of on (in on's own
// location) and whether it is known. A full BirthDate gives the exact
// age; a BirthYear alone counts the birthday of that year as passed (the
// age the member reaches during the year), so that nobody loses an age
// point for a missing day.
func (m *Member) AgeOn(on time.Time) (int, bool) {
	if m.BirthDate != "" {
		if b, err := time.Parse(time.DateOnly, m.BirthDate); err == nil {
			age := on.Year() - b.Year()
			if on.Month() < b.Month() || on.Month() == b.Month() && on.Day() < b.Day() {
				age--
			}
			return age, age >= 0
		}
	}
	if m.BirthYear > 0 && m.BirthYear <= on.Year() {
		return on.Year() - m.BirthYear, true
	}
	return 0, false
}

// tierOf returns the index of the first tier whose condition r meets, or
// len(p.Tiers) if none.
func tierOf(p *Policy, r *Request) int {
	for i, t := range p.Tiers {
		if t.Fact == FactAll {
			return i
		}
		for j := range r.Members {
			if r.Members[j].has(t.Fact) {
				return i
			}
		}
	}
	return len(p.Tiers)
}

// pointsOf adds up the point rules over r's members, each rule capped at
// its Max, and says what gave the points: "age 78" for each member whose
// age earned points (once, however many age rules), the fact's label for
// the others, with "×n" when n members have it. Rules worth 0 give no
// detail.
func pointsOf(p *Policy, r *Request, on time.Time) (int, []string, []PointFact) {
	total := 0
	var detail []string
	var facts []PointFact
	aged := map[int]bool{}      // member index → labelled
	counted := map[string]int{} // fact → index in detail
	for _, rule := range p.Points {
		if rule.Points <= 0 {
			continue
		}
		n := 0
		for j := range r.Members {
			m := &r.Members[j]
			if rule.Fact == FactAgeAtLeast {
				age, ok := m.AgeOn(on)
				if !ok || age < rule.Threshold {
					continue
				}
				n++
				if !aged[j] {
					aged[j] = true
					detail = append(detail, "age "+strconv.Itoa(age))
					facts = append(facts, PointFact{Fact: FactAgeAtLeast, Age: age})
				}
			} else if m.has(rule.Fact) {
				n++
			}
		}
		if n == 0 {
			continue
		}
		pts := n * rule.Points
		if rule.Max > 0 && pts > rule.Max {
			pts = rule.Max
		}
		total += pts
		if rule.Fact != FactAgeAtLeast {
			label := factLabel[rule.Fact]
			if n > 1 {
				label += " ×" + strconv.Itoa(n)
			}
			if i, ok := counted[rule.Fact]; ok {
				detail[i] = label // the same fact in two rules: one label
				facts[i] = PointFact{Fact: rule.Fact, Count: n}
			} else {
				counted[rule.Fact] = len(detail)
				detail = append(detail, label)
				facts = append(facts, PointFact{Fact: rule.Fact, Count: n})
			}
		}
	}
	return total, detail, facts
}

// reason writes the explanation of a rank, e.g. "tier 1: programme
// member; 3 vulnerability points (age 78, illness); registered
// 2026-03-02" (the registration day in UTC).
func reason(p *Policy, tier, points int, detail []string, registered time.Time) string {
	var b strings.Builder
	if tier < len(p.Tiers) {
		fmt.Fprintf(&b, "tier %d: %s; ", tier+1, p.Tiers[tier].Name)
	} else {
		b.WriteString("no tier; ")
	}
	switch points {
	case 0:
		b.WriteString("no vulnerability points")
	case 1:
		b.WriteString("1 vulnerability point")
	default:
		fmt.Fprintf(&b, "%d vulnerability points", points)
	}
	if points > 0 && len(detail) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(detail, ", "))
	}
	fmt.Fprintf(&b, "; registered %s", registered.UTC().Format(time.DateOnly))
	return b.String()
}

// Rank orders the requests under the policy, as of the reference day (ages
// are computed on it): tier, then points (more first), then registration
// time, then id. Deterministic; the reason says each of these.
//
// A request's tier is the first tier whose fact any member of its party
// has (FactAll: every request). Points are the sum of the point rules over
// the party's members (see PointRule). The order of reqs does not matter.
func Rank(p *Policy, reqs []*Request, on time.Time) []Ranked {
	out := make([]Ranked, len(reqs))
	for i, r := range reqs {
		tier := tierOf(p, r)
		points, detail, facts := pointsOf(p, r, on)
		out[i] = Ranked{Request: r, Tier: tier, Points: points, Detail: detail, Facts: facts,
			Reason: reason(p, tier, points, detail, r.RegisteredAt)}
	}
	slices.SortStableFunc(out, func(a, b Ranked) int {
		return cmp.Or(
			cmp.Compare(a.Tier, b.Tier),
			cmp.Compare(b.Points, a.Points),
			a.Request.RegisteredAt.Compare(b.Request.RegisteredAt),
			cmp.Compare(a.Request.ID, b.Request.ID))
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}

// Compare ranks the requests under both policies and lists those whose rank
// differs, with both reasons, by new rank.
func Compare(old, new *Policy, reqs []*Request, on time.Time) []Move {
	before := map[int64]Ranked{}
	for _, r := range Rank(old, reqs, on) {
		before[r.Request.ID] = r
	}
	var moves []Move
	for _, r := range Rank(new, reqs, on) {
		o := before[r.Request.ID]
		if o.Rank != r.Rank {
			moves = append(moves, Move{RequestID: r.Request.ID, OldRank: o.Rank, NewRank: r.Rank,
				OldReason: o.Reason, NewReason: r.Reason})
		}
	}
	return moves
}

// Up is how many places the request moves up (negative: down).
func (m Move) Up() int { return m.OldRank - m.NewRank }
