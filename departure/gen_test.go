package departure

import (
	"math/rand/v2"
	"time"
)

var facts = []string{FactProgramme, FactIllness, FactChildSeparated, FactDisability}

// randomPolicy returns a valid random policy.
func randomPolicy(rng *rand.Rand) *Policy {
	p := &Policy{Version: 1, Name: "random", FitRule: FitKeepEmpty}
	if rng.IntN(2) == 0 {
		p.FitRule = FitNextThatFits
	}
	perm := rng.Perm(len(facts))
	for _, i := range perm[:rng.IntN(len(facts)+1)] {
		p.Tiers = append(p.Tiers, Tier{Name: facts[i], Fact: facts[i]})
	}
	if len(p.Tiers) == 0 || rng.IntN(4) != 0 {
		p.Tiers = append(p.Tiers, Tier{Name: "everyone", Fact: FactAll})
	}
	for range rng.IntN(4) {
		if rng.IntN(2) == 0 {
			p.Points = append(p.Points, PointRule{Fact: FactAgeAtLeast, Threshold: 50 + rng.IntN(40), Points: rng.IntN(4), Max: rng.IntN(5)})
		} else {
			p.Points = append(p.Points, PointRule{Fact: facts[rng.IntN(len(facts))], Points: rng.IntN(4), Max: rng.IntN(5)})
		}
	}
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return p
}

// randomRequests returns n requests of 1 to maxSize (8 if 0) members,
// registered on few distinct times so that ties are common, with ids
// 1..n.
func randomRequests(rng *rand.Rand, n, maxSize int) []*Request {
	if maxSize <= 0 {
		maxSize = 8
	}
	reqs := make([]*Request, n)
	for i := range reqs {
		size := 1 + rng.IntN(maxSize)
		r := &Request{ID: int64(i + 1), RegisteredAt: time.Date(2026, 3, 1+rng.IntN(5), rng.IntN(3), 0, 0, 0, time.UTC)}
		if size > 1 || rng.IntN(3) == 0 {
			r.HouseholdID = int64(100 + i)
		}
		for j := range size {
			m := Member{PersonID: int64(1000*i + j),
				ProgrammeMember: rng.IntN(8) == 0, Illness: rng.IntN(6) == 0,
				Disability: rng.IntN(8) == 0, ChildSeparated: rng.IntN(10) == 0}
			switch rng.IntN(3) {
			case 0:
				m.BirthYear = 1930 + rng.IntN(90)
			case 1:
				m.BirthDate = time.Date(1930+rng.IntN(90), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			}
			r.Members = append(r.Members, m)
		}
		reqs[i] = r
	}
	return reqs
}
