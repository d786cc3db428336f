package callplan

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Sizes lists the sizes Generate knows, smallest first.
var Sizes = []string{"town", "province", "nation"}

// GenerateParams describes a generated instance. The zero values of the
// optional fields take the defaults of the realistic sizes.
type GenerateParams struct {
	Seed       int64
	Offices    int
	Officers   int // spread round-robin over the offices
	Households int

	SlotMinutes      int // default 30
	HomeBlockMinutes int // default 60
	MaxRooms         int // rooms are 1..MaxRooms; default 3
	// Each officer has DutiesMin..DutiesMax half-day duties (default 6..10)
	// of which a share HomeShare (default 0.35) are home visits.
	DutiesMin, DutiesMax int
	HomeShare            float64
	// Adversarial adds windows that just miss the slot grid, windows
	// shorter than a call, everyone preferring the same slot, more busy
	// days, households with a single day, and officers visiting an area of
	// another office (which joins offices into one component).
	Adversarial bool
}

// Generate returns a deterministic instance of a named size (see Sizes):
// town (3 offices, 10 officers, 500 households), province (50 offices, 400
// officers, 20,000 households) or nation (1,000 offices, 10,000 officers,
// 500,000 households). It returns nil for an unknown size.
func Generate(size string, seed int64) *Instance {
	switch size {
	case "town":
		return GenerateWith(GenerateParams{Seed: seed, Offices: 3, Officers: 10, Households: 500})
	case "province":
		return GenerateWith(GenerateParams{Seed: seed, Offices: 50, Officers: 400, Households: 20000})
	case "nation":
		return GenerateWith(GenerateParams{Seed: seed, Offices: 1000, Officers: 10000, Households: 500000})
	}
	return nil
}

// GenerateWith returns a deterministic instance for p: the same p gives the
// same instance.
func GenerateWith(p GenerateParams) *Instance {
	if p.SlotMinutes == 0 {
		p.SlotMinutes = 30
	}
	if p.HomeBlockMinutes == 0 {
		p.HomeBlockMinutes = 60
	}
	if p.MaxRooms == 0 {
		p.MaxRooms = 3
	}
	if p.DutiesMax == 0 {
		p.DutiesMin, p.DutiesMax = 6, 10
	}
	if p.HomeShare == 0 {
		p.HomeShare = 0.35
	}
	p.Offices = max(p.Offices, 1)
	r := rand.New(rand.NewPCG(uint64(p.Seed), 0x6b696e627269))
	in := &Instance{
		Format:           InstanceFormat,
		WeekStart:        "2026-11-30",
		TimeZone:         "Asia/Pyongyang",
		SlotMinutes:      p.SlotMinutes,
		HomeBlockMinutes: p.HomeBlockMinutes,
	}
	areas := make([][]string, p.Offices)
	for o := 0; o < p.Offices; o++ {
		id := fmt.Sprintf("o%04d", o+1)
		in.Offices = append(in.Offices, Office{ID: id, Rooms: 1 + r.IntN(p.MaxRooms)})
		for a := 0; a < 2+r.IntN(3); a++ {
			areas[o] = append(areas[o], fmt.Sprintf("%s-a%d", id, a+1))
		}
	}
	// Half-day duties: mornings 08:00–12:00 and afternoons 13:00–18:00,
	// every day of the week; on the grid of the slot length from midnight.
	S := Clock(p.SlotMinutes)
	grid := func(c Clock) Clock { return c / S * S }
	halves := [2][2]Clock{{grid(8 * 60), grid(12 * 60)}, {grid(13 * 60), grid(18 * 60)}}
	perOffice := make([]int, p.Offices)
	for i := 0; i < p.Officers; i++ {
		o := i % p.Offices
		f := Officer{ID: fmt.Sprintf("f%05d", i+1), Office: in.Offices[o].ID, Area: areas[o][perOffice[o]%len(areas[o])]}
		perOffice[o]++
		if p.Adversarial && p.Offices > 1 && r.IntN(4) == 0 {
			// visits homes of another office's area, linking the two
			// offices into one component
			other := (o + 1 + r.IntN(p.Offices-1)) % p.Offices
			f.Area = areas[other][r.IntN(len(areas[other]))]
		}
		n := p.DutiesMin + r.IntN(p.DutiesMax-p.DutiesMin+1)
		picks := r.Perm(14)[:min(n, 14)]
		slices.Sort(picks)
		for _, k := range picks {
			kind := PlaceOffice
			if r.Float64() < p.HomeShare {
				kind = PlaceHome
			}
			h := halves[k%2]
			f.Duty = append(f.Duty, Duty{Day: k / 2, Start: h[0], End: h[1], Kind: kind})
		}
		in.Officers = append(in.Officers, f)
	}
	for i := 0; i < p.Households; i++ {
		o := r.IntN(p.Offices)
		h := Household{ID: fmt.Sprintf("h%06d", i+1), Office: in.Offices[o].ID, Area: areas[o][r.IntN(len(areas[o]))]}
		// want is the week's quota minus calls already booked: a quarter
		// of the households have had theirs.
		switch x := r.IntN(20); {
		case x < 5:
			h.Want = 0
		case x < 14:
			h.Want = 2
		case x < 18:
			h.Want = 1
		default:
			h.Want = 3
		}
		switch x := r.IntN(20); {
		case x < 11:
			h.Places = []string{PlaceOffice}
		case x < 18:
			h.Places = []string{PlaceOffice, PlaceHome}
		default:
			h.Places = []string{PlaceHome}
		}
		nDays := 3 + r.IntN(5)
		if p.Adversarial && r.IntN(4) == 0 {
			nDays = 1
		}
		days := r.Perm(7)[:nDays]
		slices.Sort(days)
		for _, d := range days {
			start := Clock(8*60 + 15*r.IntN(40))
			length := Clock(180 + 15*r.IntN(17))
			if p.Adversarial {
				switch r.IntN(4) {
				case 0:
					start += 5 // just off the grid
				case 1:
					length = S - 5 // shorter than a call
				}
			}
			end := min(start+max(length, 5), 22*60)
			h.Windows = append(h.Windows, Period{Day: d, Start: start, End: end})
			if r.IntN(3) == 0 {
				ps := start + Clock(15*r.IntN(4))
				if ps < end {
					h.Preferred = append(h.Preferred, Period{Day: d, Start: ps, End: min(ps+Clock(30+15*r.IntN(5)), end)})
				}
			}
		}
		if p.Adversarial && r.IntN(2) == 0 {
			h.Preferred = append(h.Preferred, Period{Day: 0, Start: 10 * 60, End: 10*60 + S})
		}
		busy := 5
		if p.Adversarial {
			busy = 2
		}
		if r.IntN(busy) == 0 {
			h.BusyDays = []int{days[r.IntN(len(days))]}
		}
		in.Households = append(in.Households, h)
	}
	return in
}
