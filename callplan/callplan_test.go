package callplan

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// example is the instance of plan-format.md, with a second household.
const example = `{
  "format": "kinbridge-plan-instance/1",
  "week_start": "2026-11-30",
  "time_zone": "Asia/Pyongyang",
  "slot_minutes": 30,
  "home_block_minutes": 60,
  "offices":  [{"id": "o1", "rooms": 2}],
  "officers": [{"id": "f1", "office": "o1", "area": "a1",
                "duty": [{"day": 0, "start": "09:00", "end": "12:00", "kind": "office"},
                         {"day": 1, "start": "13:00", "end": "17:00", "kind": "home"}]}],
  "households": [{"id": "h1", "office": "o1", "area": "a1", "want": 2,
                  "places": ["office", "home"],
                  "windows":   [{"day": 0, "start": "09:00", "end": "20:00"}],
                  "preferred": [{"day": 0, "start": "10:00", "end": "11:00"}],
                  "busy_days": [3]},
                 {"id": "h2", "office": "o1", "area": "a2", "want": 1,
                  "places": ["home"],
                  "windows":   [{"day": 1, "start": "09:00", "end": "20:00"}]}]
}`

// mustSolve solves in and fails the test unless the plan passes Check.
func mustSolve(tb testing.TB, in *Instance) *Plan {
	tb.Helper()
	p, err := Solve(context.Background(), in)
	if err != nil {
		tb.Fatalf("Solve: %v", err)
	}
	if err := Check(in, p); err != nil {
		tb.Fatalf("Check refuses Solve's plan:\n%v", err)
	}
	return p
}

func mustRead(tb testing.TB, s string) *Instance {
	tb.Helper()
	in, err := ReadInstance(strings.NewReader(s))
	if err != nil {
		tb.Fatalf("ReadInstance: %v", err)
	}
	return in
}

func TestSolveExample(t *testing.T) {
	in := mustRead(t, example)
	p := mustSolve(t, in)
	want := &Plan{
		Format: PlanFormat,
		Calls: []Call{
			{Household: "h1", Day: 0, Start: 10 * 60, End: 10*60 + 30, Place: PlaceOffice, Office: "o1", Officer: "f1"},
		},
		Objective: Objective{HouseholdsServed: 1, Calls: 1, Preferred: 1},
		Short: []Short{
			{Household: "h1", Got: 1, Want: 2, Reason: ReasonFewDays},
			{Household: "h2", Got: 0, Want: 1, Reason: ReasonNoOption},
		},
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	var buf bytes.Buffer
	if err := WritePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	back, err := ReadPlan(&buf)
	if err != nil {
		t.Fatalf("ReadPlan(WritePlan): %v", err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("round trip (-wrote +read):\n%s", diff)
	}
}

func TestReadInstanceErrors(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown field", `"slot_minutes": 30,`, `"slot_minutes": 30, "colour": 1,`, `unknown field "colour"`},
		{"trailing data", `"time_zone"`, `"time_zone"`, "trailing data"},
		{"format", `kinbridge-plan-instance/1`, `kinbridge-plan-instance/2`, "format:"},
		{"window backwards", `"windows":   [{"day": 0, "start": "09:00", "end": "20:00"}]`, `"windows":   [{"day": 0, "start": "10:00", "end": "09:00"}]`, "households[0].windows[0]: end 09:00 is not after start 10:00"},
		{"unknown office", `"id": "h2", "office": "o1"`, `"id": "h2", "office": "o9"`, `households[1].office: "o9" is not an office id`},
		{"duplicate household", `"id": "h2"`, `"id": "h1"`, `households[1].id: "h1" is also households[0]`},
		{"overlapping duty", `{"day": 1, "start": "13:00", "end": "17:00", "kind": "home"}`, `{"day": 0, "start": "11:00", "end": "17:00", "kind": "home"}`, "officers[0].duty[1]: overlaps duty[0]"},
		{"day outside the week", `"busy_days": [3]`, `"busy_days": [7]`, "households[0].busy_days[0]: day 7 is outside 0–6"},
		{"duty day", `{"day": 1, "start": "13:00"`, `{"day": -1, "start": "13:00"`, "officers[0].duty[1].day: -1 is outside 0–6"},
		{"time zone", `Asia/Pyongyang`, `Asia/Nowhere`, `time_zone: "Asia/Nowhere" is not a known time zone`},
		{"slot minutes", `"slot_minutes": 30`, `"slot_minutes": 0`, "slot_minutes: 0"},
		{"block minutes", `"home_block_minutes": 60`, `"home_block_minutes": -5`, "home_block_minutes: -5"},
		{"place", `"places": ["home"]`, `"places": ["park"]`, `households[1].places[0]: "park"`},
		{"want", `"want": 1`, `"want": -1`, "households[1].want: -1 is negative"},
		{"time", `"start": "09:00", "end": "12:00"`, `"start": "9:00", "end": "12:00"`, `time "9:00" is not HH:MM`},
		{"kind", `"kind": "office"`, `"kind": "phone"`, `officers[0].duty[0].kind: "phone"`},
		{"a second office is fine", `"rooms": 2}]`, `"rooms": 2}, {"id": "o2", "rooms": 1}]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := strings.Replace(example, tt.old, tt.new, 1)
			if tt.name == "trailing data" {
				s += " {}"
			}
			if s == example && tt.old != tt.new {
				t.Fatalf("the test's replacement %q does not apply", tt.old)
			}
			_, err := ReadInstance(strings.NewReader(s))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("valid instance refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	t.Run("office grid", func(t *testing.T) {
		s := strings.Replace(example, `"offices":  [{"id": "o1", "rooms": 2}],
  "officers": [`, `"offices":  [{"id": "o1", "rooms": 2}],
  "officers": [{"id": "f2", "office": "o1", "area": "a1", "duty": [{"day": 2, "start": "09:15", "end": "12:00", "kind": "office"}]},`, 1)
		_, err := ReadInstance(strings.NewReader(s))
		if err == nil || !strings.Contains(err.Error(), "officers[1].duty[0].start: 09:00 is off the slot grid") && !strings.Contains(err.Error(), "off the slot grid") {
			t.Errorf("got %v, want an error about the slot grid", err)
		}
	})
}

func TestSolveGenerated(t *testing.T) {
	cases := map[string]GenerateParams{
		"town":        {Seed: 1, Offices: 3, Officers: 10, Households: 500},
		"tight":       {Seed: 2, Offices: 2, Officers: 3, Households: 200, MaxRooms: 1},
		"loose":       {Seed: 3, Offices: 2, Officers: 20, Households: 40, DutiesMin: 10, DutiesMax: 14},
		"adversarial": {Seed: 4, Offices: 3, Officers: 8, Households: 150, Adversarial: true},
		"blocks 45":   {Seed: 5, Offices: 2, Officers: 8, Households: 100, SlotMinutes: 20, HomeBlockMinutes: 45},
	}
	for name, gp := range cases {
		t.Run(name, func(t *testing.T) {
			in := GenerateWith(gp)
			if err := in.Validate(); err != nil {
				t.Fatalf("generated instance invalid: %v", err)
			}
			p := mustSolve(t, in)
			if p.Objective.Calls == 0 {
				t.Errorf("no calls at all")
			}
			again := mustSolve(t, in)
			if diff := cmp.Diff(p, again); diff != "" {
				t.Errorf("two solves differ:\n%s", diff)
			}
		})
	}
}

func TestGenerateDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := WriteInstance(&a, Generate("town", 7)); err != nil {
		t.Fatal(err)
	}
	if err := WriteInstance(&b, Generate("town", 7)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the same seed gives two instances")
	}
	in, err := ReadInstance(&a)
	if err != nil {
		t.Fatalf("a generated instance does not read back: %v", err)
	}
	if len(in.Households) != 500 || len(in.Officers) != 10 {
		t.Errorf("town: %d households, %d officers", len(in.Households), len(in.Officers))
	}
	if Generate("galaxy", 1) != nil {
		t.Error("unknown size: not nil")
	}
}

// requireSolver returns the path of an external solver, skipping loudly
// when it is missing, and failing under CI, where no test may skip.
func requireSolver(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := "!!! " + name + " is not installed (Debian package " + pkg + "): the independent cross-check is SKIPPED !!!"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: no skips)")
	}
	t.Skip(msg)
	return ""
}
