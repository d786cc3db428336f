package departure

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDays(t *testing.T) {
	got := Days("2026-06-29", 4, 10, map[string]int{"2026-07-01": 0, "2026-07-02": 25, "2026-08-01": 3})
	want := []Day{{"2026-06-29", 10}, {"2026-06-30", 10}, {"2026-07-01", 0}, {"2026-07-02", 25}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Days (-want +got):\n%s", diff)
	}
	if got := Days("2026-02-30", 3, 10, nil); got != nil {
		t.Errorf("Days from a bad date = %v, want nil", got)
	}
	if got := Days("2026-02-01", 0, 10, nil); got != nil {
		t.Errorf("Days(0) = %v, want nil", got)
	}
}

func TestForecast(t *testing.T) {
	ranked := []Ranked{party(1, 4, ""), party(2, 5, ""), party(3, 1, "2026-06-30"), party(4, 2, ""), party(5, 9, ""), party(6, 1, "2026-07-02")}
	p := &Policy{FitRule: FitKeepEmpty}
	days := Days("2026-07-01", 4, 6, map[string]int{"2026-07-03": 0})
	expected, drain := Forecast(p, ranked, days)
	wantExpected := []Expected{
		{RequestID: 101, Rank: 1, Persons: 4, Date: "2026-07-01"},
		{RequestID: 102, Rank: 2, Persons: 5, Date: "2026-07-02"},
		{RequestID: 103, Rank: 3, Persons: 1, Date: "2026-06-30", Kept: true},
		{RequestID: 104, Rank: 4, Persons: 2, Date: "2026-07-04"},
		{RequestID: 105, Rank: 5, Persons: 9, Reason: ReasonTooLarge,
			Note: "the party of 9 persons is larger than the capacity of every day (at most 6)"},
		{RequestID: 106, Rank: 6, Persons: 1, Date: "2026-07-02", Kept: true},
	}
	if diff := cmp.Diff(wantExpected, expected); diff != "" {
		t.Errorf("expected (-want +got):\n%s", diff)
	}
	// 22 persons in 6 requests; 103 left before the first day.
	wantDrain := []Drain{{"2026-07-01", 4, 17}, {"2026-07-02", 2, 11}, {"2026-07-03", 2, 11}, {"2026-07-04", 1, 9}}
	if diff := cmp.Diff(wantDrain, drain); diff != "" {
		t.Errorf("drain (-want +got):\n%s", diff)
	}

	// What if: more capacity drains sooner; a day's capacity of 10 lets
	// the party of 9 go too (on the third day: under keep_empty it closes
	// the second, where 7 places were left).
	_, more := Forecast(p, ranked, Days("2026-07-01", 4, 10, nil))
	wantMore := []Drain{{"2026-07-01", 3, 12}, {"2026-07-02", 1, 9}, {"2026-07-03", 0, 0}, {"2026-07-04", 0, 0}}
	if diff := cmp.Diff(wantMore, more); diff != "" {
		t.Errorf("what-if drain (-want +got):\n%s", diff)
	}
}

func TestForecastProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for range 1000 {
		in := randomInstance(rng)
		a := Allocate(in.p, in.ranked, in.days)
		expected, drain := Forecast(in.p, in.ranked, in.days)
		if len(expected) != len(in.ranked) {
			t.Fatalf("%d expected for %d requests", len(expected), len(in.ranked))
		}
		dates := map[int64]string{}
		for _, as := range a.Assignments {
			dates[as.RequestID] = as.Date
		}
		total := 0
		for i, e := range expected {
			total += e.Persons
			if e.Rank != i+1 || e.Date != dates[e.RequestID] || (e.Date == "") != (e.Reason != "") {
				t.Fatalf("expected %+v, allocation says %q", e, dates[e.RequestID])
			}
		}
		prev := total
		for _, d := range drain {
			if d.Persons > prev || d.Persons < 0 || d.Requests < 0 {
				t.Fatalf("drain not falling: %v", drain)
			}
			prev = d.Persons
		}
		if len(drain) > 0 {
			left := 0
			for _, e := range expected {
				if e.Date == "" || e.Date > drain[len(drain)-1].Date {
					left += e.Persons
				}
			}
			if last := drain[len(drain)-1]; last.Persons != left {
				t.Fatalf("drain ends at %d persons, %d have no day within it", last.Persons, left)
			}
		}
	}
}
