package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// Programmes are the demo's programmes. The first is modelled on the
// scenario kinbridge was first described from: residents of foreign
// nationality whom a closed border cuts off from their home country. The
// second holds the households with relatives abroad.
var Programmes = []kinbridge.Programme{
	{Code: "P1", Names: kinbridge.UnitNames{
		EN: "Residents cut off by the border closure",
		KO: "국경 폐쇄로 고향에 가지 못하는 주민",
		ZH: "因边境关闭无法回乡的居民",
	}, Description: "Foreign-national residents who have not been able to visit their home country since the border closed, and their households."},
	{Code: "P2", Names: kinbridge.UnitNames{
		EN: "Families separated by the border",
		KO: "국경으로 헤어진 가족",
		ZH: "因边境分离的家庭",
	}, Description: "Households with members on the other side of the border: family calls and, when the border reopens, departures together."},
}

// chunkRows is about how many rows one import of the demo holds, so that
// progress shows and memory stays bounded; households are never split.
const chunkRows = 50000

// Dates of the demo are fixed, not taken from the clock, so that the same
// seed gives the same data on any day: ages are reckoned in refYear, and
// status events happen between eventsFrom and eventsTo.
const refYear = 2025

var (
	eventsFrom = time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	eventsTo   = time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
)

// household is a household planned before its rows are made.
type household struct {
	residents, relatives int
}

// planHouseholds spreads the residents and relatives of the size over its
// households: every household has at least one resident (at most nine);
// relatives go to households at random.
func planHouseholds(rng *rand.Rand, size Size) []household {
	hs := make([]household, size.Households)
	for i := range hs {
		hs[i].residents = 1
	}
	for extra := size.Persons - size.Households; extra > 0; {
		if h := &hs[rng.IntN(len(hs))]; h.residents < 9 {
			h.residents++
			extra--
		}
	}
	for range size.Relatives {
		hs[rng.IntN(len(hs))].relatives++
	}
	return hs
}

// member is a resident as made into a row, remembered for status events.
type member struct {
	birthYear int
	resident  bool
}

// registryGen makes the rows of the demo registry.
type registryGen struct {
	rng     *rand.Rand
	offices []*kinbridge.Unit
	serial  int // persons made so far: keeps phone and document numbers unique
	seed    uint64
	units   []int64 // the unit of each household made so far
}

// unique returns a number below 10^digits that no other person of the demo
// gets: a multiplication by a number prime to 10 permutes the numbers.
func (g *registryGen) unique(digits int, mult int) int {
	mod := 1
	for range digits {
		mod *= 10
	}
	return (g.serial*mult + int(g.seed%uint64(mod))) % mod
}

func (g *registryGen) birth(year int) string {
	year = min(max(year, 1900), refYear)
	if g.rng.IntN(100) < 15 {
		return strconv.Itoa(year) // only the year is known
	}
	d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.rng.IntN(365))
	return d.Format("2006-01-02")
}

func sexOf(rng *rand.Rand) string {
	switch r := rng.IntN(100); {
	case r < 49:
		return "f"
	case r < 98:
		return "m"
	case r < 99:
		return "x"
	}
	return ""
}

// rows makes the rows of household i (its reference "H<i>") and the
// members they describe, in the same order.
func (g *registryGen) rows(i int, plan household, line int) ([]kinbridge.ImportRow, []member) {
	rng := g.rng
	style := styleHan
	if rng.IntN(4) == 0 {
		style = styleHangul
	}
	family := rng.IntN(len(hanFamilies) * len(hangulFamilies))
	unit := g.offices[rng.IntN(len(g.offices))]
	g.units = append(g.units, unit.ID)
	address := fmt.Sprintf("%d %s, %s", 1+rng.IntN(240), streets[rng.IntN(len(streets))], places[rng.IntN(len(places))].en)
	if rng.IntN(5) < 2 {
		address += fmt.Sprintf(", flat %d", 1+rng.IntN(60))
	}
	hh := map[string]string{"household": "H" + strconv.Itoa(i), "unit_id": strconv.FormatInt(unit.ID, 10), "address": address}
	if rng.IntN(10) < 6 {
		hh["household_phone"] = fmt.Sprintf("02 %03d %04d", 300+rng.IntN(200), rng.IntN(10000))
	}
	if style == styleHan {
		hh["languages"] = "zh; ko"
	} else {
		hh["languages"] = "ko"
	}
	if rng.IntN(20) == 0 {
		hh["household_notes"] = []string{"Ground floor; the bell does not work.", "Call before visiting.", "Dog in the yard.", "Interpreter needed for the head."}[rng.IntN(4)]
	}
	programmes := "P1"
	if plan.relatives > 0 {
		programmes = "P1; P2"
	}

	var rows []kinbridge.ImportRow
	var members []member
	add := func(cells map[string]string, m member) {
		for k, v := range hh {
			cells[k] = v
		}
		rows = append(rows, kinbridge.ImportRow{Line: line + len(rows), Cells: cells})
		members = append(members, m)
		g.serial++
	}
	headYear := refYear - 25 - rng.IntN(60)
	var refs []string
	var years []int
	for j := range plan.residents {
		rel, year, fam, st := "child", headYear+20+rng.IntN(20), family, style
		switch {
		case j == 0:
			rel, year = "head", headYear
		case j == 1 && rng.IntN(100) < 85:
			rel, year, fam = "spouse", headYear-6+rng.IntN(13), rng.IntN(1000)
			if rng.IntN(5) == 0 {
				st = 1 - style
			}
		case headYear < refYear-60 && rng.IntN(3) == 0:
			rel, year = "grandchild", headYear+45+rng.IntN(20)
		default:
			switch r := rng.IntN(100); {
			case r < 5:
				rel, year = "parent", headYear-20-rng.IntN(15)
			case r < 9:
				rel, year = "sibling", headYear-8+rng.IntN(17)
			case r < 11:
				rel, year, fam = "other", headYear-30+rng.IntN(60), rng.IntN(1000)
			}
		}
		year = min(year, refYear)
		native, second, latin := personName(rng, st, fam)
		ref := "m" + strconv.Itoa(j+1)
		cells := map[string]string{"person": ref, "kind": "resident", "name_native": native, "name_second": second, "name_latin": latin,
			"birth_date": g.birth(year), "sex": sexOf(rng), "relationship": rel, "programmes": programmes}
		if refYear-year >= 16 {
			var docs []string
			if rng.IntN(100) < 85 {
				docs = append(docs, fmt.Sprintf("residence_permit:RP-%07d", g.unique(7, 7919)))
			}
			if rng.IntN(100) < 60 {
				docs = append(docs, fmt.Sprintf("passport:G%08d", g.unique(8, 104729)))
			}
			cells["documents"] = strings.Join(docs, "; ")
			if rng.IntN(100) < 35 {
				n := g.unique(8, 15485863)
				cells["phone"] = fmt.Sprintf("0191 %04d %04d", n/10000, n%10000)
			}
		}
		add(cells, member{birthYear: year, resident: true})
		refs, years = append(refs, ref), append(years, year)
	}
	for range plan.relatives {
		k := rng.IntN(len(refs))
		rel, year, fam := "sibling", years[k]-8+rng.IntN(17), family
		switch r := rng.IntN(100); {
		case r < 40:
			rel, year = "child", years[k]+20+rng.IntN(15)
		case r < 55:
			rel, year = "parent", years[k]-20-rng.IntN(15)
		case r < 62:
			rel, fam = "spouse", rng.IntN(1000)
		case r < 67:
			rel, year = "grandchild", years[k]+45+rng.IntN(15)
		case r < 72:
			rel, fam = "other", rng.IntN(1000)
		}
		year = min(year, refYear)
		native, second, latin := personName(rng, style, fam)
		place := abroad[rng.IntN(len(abroad))]
		cells := map[string]string{"kind": "relative_abroad", "name_native": native, "name_second": second, "name_latin": latin,
			"birth_date": g.birth(year), "sex": sexOf(rng), "relationship": rel, "related_to": refs[k],
			"country": place.country, "city": place.city}
		switch r := rng.IntN(10); {
		case r < 5:
			cells["contact_channel"] = fmt.Sprintf("WeChat: %s%d", strings.ToLower(strings.ReplaceAll(strings.Fields(latin + " x")[0], "-", "")), g.unique(4, 7))
		case r < 8:
			n := g.unique(8, 15485863)
			cells["contact_channel"] = fmt.Sprintf("phone +%s %04d %04d", place.dial, n/10000, n%10000)
		}
		add(cells, member{birthYear: year})
	}
	return rows, members
}

// statusEvents makes the status histories of a few percent of the
// residents just imported: moves (to another demo household, or to an
// address outside the registry), departures from the country and returns,
// departures through the departure list, and deaths, oldest first.
func (g *registryGen) statusEvents(members []member, personIDs, householdIDs []int64, householdOf []int) []*kinbridge.StatusEvent {
	rng := g.rng
	span := int(eventsTo.Sub(eventsFrom).Hours() / 24)
	var events []*kinbridge.StatusEvent
	for i, m := range members {
		if !m.resident || m.birthYear > eventsFrom.Year()-1 {
			continue
		}
		r := rng.IntN(1000)
		age := refYear - m.birthYear
		var kinds []kinbridge.StatusKind
		switch {
		case r < 12:
			kinds = []kinbridge.StatusKind{kinbridge.EventMoved}
		case r < 18:
			kinds = []kinbridge.StatusKind{kinbridge.EventLeftCountry}
		case r < 22:
			kinds = []kinbridge.StatusKind{kinbridge.EventLeftCountry, kinbridge.EventReturned}
		case r < 26:
			kinds = []kinbridge.StatusKind{kinbridge.EventDeparted}
		case r < 28:
			kinds = []kinbridge.StatusKind{kinbridge.EventMoved, kinbridge.EventDied}
		case r < 34 || age >= 75 && r < 60:
			kinds = []kinbridge.StatusKind{kinbridge.EventDied}
		default:
			continue
		}
		day := rng.IntN(span / 2)
		for _, k := range kinds {
			e := &kinbridge.StatusEvent{PersonID: personIDs[i], Kind: k, Date: eventsFrom.AddDate(0, 0, day).Format("2006-01-02")}
			notes := eventNotes[string(k)]
			e.Note = notes[rng.IntN(len(notes))]
			if k == kinbridge.EventMoved {
				if to := rng.IntN(len(householdIDs)); rng.IntN(2) == 0 && to != householdOf[i] {
					e.ToHouseholdID = householdIDs[to]
				} else {
					e.ToAddress = fmt.Sprintf("%d %s, %s", 1+rng.IntN(240), streets[rng.IntN(len(streets))], places[rng.IntN(len(places))].en)
				}
			}
			events = append(events, e)
			day = min(day+30+rng.IntN(span/3), span)
		}
	}
	return events
}

// generateRegistry makes the demo's programmes and registry: households
// with their residents and relatives abroad, imported in chunks through
// Service.ImportRegistry, each followed by the status histories of its
// residents through Service.AddStatusEvents.
// It returns what the welfare data needs of the registry.
func generateRegistry(ctx context.Context, svc *kinbridge.Service, rng *rand.Rand, seed uint64, size Size, offices []*kinbridge.Unit, progress func(string, int, int)) (*registry, error) {
	reg := &registry{households: make([]demoHousehold, 0, size.Households)}
	for i := range Programmes {
		p := Programmes[i]
		if err := svc.CreateProgramme(ctx, &p); err != nil {
			return nil, fmt.Errorf("demo: programme %s: %w", p.Code, err)
		}
		reg.programmeIDs = append(reg.programmeIDs, p.ID)
	}
	plan := planHouseholds(rng, size)
	g := &registryGen{rng: rng, offices: offices, seed: seed}
	progress("registry", 0, len(plan))
	for start := 0; start < len(plan); {
		var rows []kinbridge.ImportRow
		var members []member
		var householdOf []int // per member: index of its household in the chunk
		end := start
		for ; end < len(plan) && len(rows) < chunkRows; end++ {
			r, m := g.rows(end+1, plan[end], len(rows)+2)
			rows, members = append(rows, r...), append(members, m...)
			for range m {
				householdOf = append(householdOf, end-start)
			}
		}
		res, err := svc.ImportRegistry(ctx, rows, kinbridge.ImportOptions{})
		if err != nil {
			if res != nil && len(res.Rejected) > 0 {
				return nil, fmt.Errorf("demo: households %d to %d: %s (and %d more)", start+1, end, res.Rejected[0], len(res.Rejected)-1)
			}
			return nil, fmt.Errorf("demo: households %d to %d: %w", start+1, end, err)
		}
		if len(res.PersonIDs) != len(members) || len(res.HouseholdIDs) != end-start {
			return nil, fmt.Errorf("demo: import made %d persons in %d households, want %d in %d", len(res.PersonIDs), len(res.HouseholdIDs), len(members), end-start)
		}
		events := g.statusEvents(members, res.PersonIDs, res.HouseholdIDs, householdOf)
		if err := svc.AddStatusEvents(ctx, events); err != nil {
			return nil, fmt.Errorf("demo: status events of households %d to %d: %w", start+1, end, err)
		}
		for k, id := range res.HouseholdIDs {
			reg.households = append(reg.households, demoHousehold{ID: id, UnitID: g.units[start+k]})
		}
		// The first resident is the head; one who moved, left or died is
		// not met on a visit.
		gone := make(map[int64]bool, len(events))
		for _, e := range events {
			gone[e.PersonID] = true
		}
		seen := make(map[int]bool, end-start)
		for k, m := range members {
			if h := householdOf[k]; m.resident && !seen[h] {
				seen[h] = true
				if !gone[res.PersonIDs[k]] {
					reg.households[start+h].HeadID = res.PersonIDs[k]
				}
			}
		}
		start = end
		progress("registry", start, len(plan))
	}
	return reg, nil
}

// registry is what the welfare data needs of the demo registry.
type registry struct {
	programmeIDs []int64 // of Programmes, in order
	households   []demoHousehold
}

// demoHousehold is a household of the demo registry.
type demoHousehold struct {
	ID, UnitID int64
	HeadID     int64 // its first resident; 0 if they moved, left or died
}
