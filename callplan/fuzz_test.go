package callplan

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// byteSource hands out small numbers from fuzz input, then zeros.
type byteSource struct {
	b []byte
	i int
}

func (s *byteSource) n(k int) int {
	if s.i >= len(s.b) {
		return 0
	}
	v := int(s.b[s.i])
	s.i++
	return v % k
}

// decodeInstance turns bytes into a small valid instance deterministically:
// 1–2 offices, 1–4 officers, 1–6 households, 30-minute slots and 60-minute
// blocks, times on a 15-minute grid (so windows can miss the slot grid).
func decodeInstance(data []byte) *Instance {
	s := &byteSource{b: data}
	in := &Instance{Format: InstanceFormat, WeekStart: "2026-11-30", TimeZone: "UTC", SlotMinutes: 30, HomeBlockMinutes: 60}
	nOff := 1 + s.n(2)
	for o := 0; o < nOff; o++ {
		in.Offices = append(in.Offices, Office{ID: fmt.Sprintf("o%d", o), Rooms: s.n(3)})
	}
	area := func() string { return fmt.Sprintf("a%d", s.n(3)) }
	for f, nf := 0, 1+s.n(4); f < nf; f++ {
		of := Officer{ID: fmt.Sprintf("f%d", f), Office: fmt.Sprintf("o%d", s.n(nOff)), Area: area()}
		for d := 0; d < 3; d++ {
			if s.n(3) == 0 {
				continue
			}
			start := Clock(8*60 + 30*s.n(8))
			kind := PlaceOffice
			if s.n(2) == 1 {
				kind = PlaceHome
			}
			of.Duty = append(of.Duty, Duty{Day: d, Start: start, End: start + Clock(30*(1+s.n(6))), Kind: kind})
		}
		in.Officers = append(in.Officers, of)
	}
	for h, nh := 0, 1+s.n(6); h < nh; h++ {
		hh := Household{ID: fmt.Sprintf("h%d", h), Office: fmt.Sprintf("o%d", s.n(nOff)), Area: area(), Want: s.n(4)}
		switch s.n(3) {
		case 0:
			hh.Places = []string{PlaceOffice}
		case 1:
			hh.Places = []string{PlaceHome}
		default:
			hh.Places = []string{PlaceHome, PlaceOffice}
		}
		for w, nw := 0, 1+s.n(3); w < nw; w++ {
			start := Clock(8*60 + 15*s.n(24))
			p := Period{Day: s.n(3), Start: start, End: start + Clock(15*(1+s.n(12)))}
			hh.Windows = append(hh.Windows, p)
			if s.n(2) == 0 {
				hh.Preferred = append(hh.Preferred, Period{Day: p.Day, Start: p.Start, End: p.Start + 30})
			}
		}
		if s.n(4) == 0 {
			hh.BusyDays = []int{s.n(3)}
		}
		in.Households = append(in.Households, hh)
	}
	return in
}

func FuzzSolve(f *testing.F) {
	for _, seed := range [][]byte{
		{},
		{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
		bytes.Repeat([]byte{7}, 64),
		bytes.Repeat([]byte{1, 2, 0, 255, 3}, 30),
		bytes.Repeat([]byte{2, 1}, 80),
		[]byte("kinbridge weekly call plan fuzz seed with some length to it"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := decodeInstance(data)
		if err := in.Validate(); err != nil {
			t.Skip("decoded instance is invalid:", err) // e.g. overlapping duties of one officer
		}
		p, err := Solve(context.Background(), in)
		if err != nil {
			t.Fatalf("Solve: %v", err)
		}
		if err := Check(in, p); err != nil {
			t.Fatalf("Check refuses Solve's plan: %v", err)
		}
		// The rules the plan must keep, counted directly.
		perHousehold := map[string]int{}
		perDay := map[string]bool{}
		for _, c := range p.Calls {
			perHousehold[c.Household]++
			k := fmt.Sprint(c.Household, "/", c.Day)
			if perDay[k] {
				t.Fatalf("two calls for %s", k)
			}
			perDay[k] = true
		}
		for _, h := range in.Households {
			if perHousehold[h.ID] > h.Want {
				t.Fatalf("household %s: %d calls, want %d", h.ID, perHousehold[h.ID], h.Want)
			}
		}
		var a, b bytes.Buffer
		if err := WritePlan(&a, p); err != nil {
			t.Fatal(err)
		}
		q, err := Solve(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if err := WritePlan(&b, q); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("two solves differ:\n%s\n%s", a.Bytes(), b.Bytes())
		}
	})
}
