// Package callplan plans a week of family calls: which household talks to
// its relatives when, at its office or at home, with which officer. It reads
// and writes the instance and plan files of docs plan-format.md, solves the
// exact lexicographic optimum as a min-cost flow (package mcf), and checks
// any plan against every rule of the format. It does no I/O of its own
// beyond the readers and writers it is given.
package callplan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// File format identifiers.
const (
	InstanceFormat = "kinbridge-plan-instance/1"
	PlanFormat     = "kinbridge-plan/1"
)

// Places and duty kinds.
const (
	PlaceOffice = "office"
	PlaceHome   = "home"
)

// Clock is a local time of day in minutes since midnight, written "HH:MM".
// 24:00 is allowed as the end of a period.
type Clock int

// String returns the clock as HH:MM.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// MarshalJSON writes "HH:MM".
func (c Clock) MarshalJSON() ([]byte, error) {
	if c < 0 || c > 24*60 {
		return nil, fmt.Errorf("clock %d minutes is outside 00:00–24:00", int(c))
	}
	return []byte(`"` + c.String() + `"`), nil
}

// UnmarshalJSON reads "HH:MM", 00:00 to 24:00.
func (c *Clock) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a time must be a string \"HH:MM\", not %s", b)
	}
	v, err := ParseClock(s)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ParseClock parses "HH:MM" (two digits each), 00:00 to 24:00.
func ParseClock(s string) (Clock, error) {
	digit := func(b byte) bool { return b >= '0' && b <= '9' }
	if len(s) != 5 || s[2] != ':' || !digit(s[0]) || !digit(s[1]) || !digit(s[3]) || !digit(s[4]) {
		return 0, fmt.Errorf("time %q is not HH:MM", s)
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time %q is not between 00:00 and 24:00", s)
	}
	return Clock(h*60 + m), nil
}

// Instance is one week to plan (plan-format.md, "Instance").
type Instance struct {
	Format           string      `json:"format"`
	WeekStart        string      `json:"week_start"`
	TimeZone         string      `json:"time_zone"`
	SlotMinutes      int         `json:"slot_minutes"`
	HomeBlockMinutes int         `json:"home_block_minutes"`
	Offices          []Office    `json:"offices"`
	Officers         []Officer   `json:"officers"`
	Households       []Household `json:"households"`
}

// Office is a place with rooms for calls.
type Office struct {
	ID    string `json:"id"`
	Rooms int    `json:"rooms"`
}

// Officer is a member of staff of one office who visits one area.
type Officer struct {
	ID     string `json:"id"`
	Office string `json:"office"`
	Area   string `json:"area"`
	Duty   []Duty `json:"duty"`
}

// Duty is a period in which an officer takes office calls or visits homes.
type Duty struct {
	Day   int    `json:"day"`
	Start Clock  `json:"start"`
	End   Clock  `json:"end"`
	Kind  string `json:"kind"` // PlaceOffice or PlaceHome
}

// Period is a stretch of one day of the week.
type Period struct {
	Day   int   `json:"day"`
	Start Clock `json:"start"`
	End   Clock `json:"end"`
}

// Household is a family waiting for calls.
type Household struct {
	ID        string   `json:"id"`
	Office    string   `json:"office"`
	Area      string   `json:"area"`
	Want      int      `json:"want"`
	Places    []string `json:"places"`
	Windows   []Period `json:"windows"`
	Preferred []Period `json:"preferred"`
	BusyDays  []int    `json:"busy_days"`
}

// Plan is the answer for one week (plan-format.md, "Plan").
type Plan struct {
	Format    string    `json:"format"`
	Calls     []Call    `json:"calls"`
	Objective Objective `json:"objective"`
	Short     []Short   `json:"short"`
}

// Call is one planned call. For a home call, Office is the officer's office.
type Call struct {
	Household string `json:"household"`
	Day       int    `json:"day"`
	Start     Clock  `json:"start"`
	End       Clock  `json:"end"`
	Place     string `json:"place"`
	Office    string `json:"office"`
	Officer   string `json:"officer"`
}

// Objective holds the four levels of the objective, most important first.
type Objective struct {
	HouseholdsServed int `json:"households_served"`
	Calls            int `json:"calls"`
	Preferred        int `json:"preferred"`
	HomeCalls        int `json:"home_calls"`
}

// Short is a household that got fewer calls than it wanted, and why.
type Short struct {
	Household string `json:"household"`
	Got       int    `json:"got"`
	Want      int    `json:"want"`
	Reason    string `json:"reason"`
}

// The reasons a household is short, in order of precedence: the first that
// holds is given. A call option is "feasible" for a household when it obeys
// every rule of the household (day not busy, place, own office, own area for
// home, the whole call inside a window), whatever other households take.
const (
	// ReasonNoOption: no feasible office slot or home block on any day.
	ReasonNoOption = "no office slot or home block inside its windows"
	// ReasonFewDays: fewer days with a feasible option than it wants, so
	// one call a day cannot reach want.
	ReasonFewDays = "fewer days with an office slot or home block inside its windows than it wants (one call a day, none on busy days)"
	// ReasonTaken: on every feasible day without a call of its own, every
	// feasible office slot and home block is taken by other households.
	ReasonTaken = "no free office slot or home block inside its windows: every one on its other days is taken by other households"
)

// ReasonCode returns a short stable code for a reason, for translations:
// "no_option", "few_days", "taken", or "" for an unknown reason.
func ReasonCode(reason string) string {
	switch reason {
	case ReasonNoOption:
		return "no_option"
	case ReasonFewDays:
		return "few_days"
	case ReasonTaken:
		return "taken"
	}
	return ""
}

// ReadInstance reads and validates an instance file. Unknown fields,
// trailing data and a wrong format are errors.
func ReadInstance(r io.Reader) (*Instance, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var in Instance
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("instance: trailing data after the JSON object")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return &in, nil
}

// ReadPlan reads a plan file strictly (unknown fields and trailing data are
// errors). It does not check the plan; Check does.
func ReadPlan(r io.Reader) (*Plan, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("plan: trailing data after the JSON object")
	}
	if p.Format != PlanFormat {
		return nil, fmt.Errorf("plan: format: %q, want %q", p.Format, PlanFormat)
	}
	return &p, nil
}

// WritePlan writes p as indented JSON with the plan format set.
func WritePlan(w io.Writer, p *Plan) error {
	q := *p
	q.Format = PlanFormat
	if q.Calls == nil {
		q.Calls = []Call{}
	}
	if q.Short == nil {
		q.Short = []Short{}
	}
	b, err := json.MarshalIndent(&q, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteInstance writes in as indented JSON.
func WriteInstance(w io.Writer, in *Instance) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	if err := enc.Encode(in); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Validate checks every rule of an instance on its own and names the field
// path of the first bad value, as in "households[3].windows[0]: ...".
func (in *Instance) Validate() error {
	bad := func(path, format string, args ...any) error {
		return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
	}
	if in.Format != InstanceFormat {
		return bad("format", "%q, want %q", in.Format, InstanceFormat)
	}
	if _, err := time.Parse("2006-01-02", in.WeekStart); err != nil {
		return bad("week_start", "%q is not a date YYYY-MM-DD", in.WeekStart)
	}
	if in.TimeZone == "" {
		return bad("time_zone", "missing")
	}
	if _, err := time.LoadLocation(in.TimeZone); err != nil {
		return bad("time_zone", "%q is not a known time zone", in.TimeZone)
	}
	if in.SlotMinutes <= 0 || in.SlotMinutes > 24*60 {
		return bad("slot_minutes", "%d, want 1 to 1440", in.SlotMinutes)
	}
	if in.HomeBlockMinutes < in.SlotMinutes || in.HomeBlockMinutes > 24*60 {
		return bad("home_block_minutes", "%d, want at least slot_minutes (%d) and at most 1440: a home call is the first slot_minutes of a block", in.HomeBlockMinutes, in.SlotMinutes)
	}
	offices := make(map[string]int, len(in.Offices))
	for i, o := range in.Offices {
		p := fmt.Sprintf("offices[%d]", i)
		if o.ID == "" {
			return bad(p+".id", "missing")
		}
		if j, dup := offices[o.ID]; dup {
			return bad(p+".id", "%q is also offices[%d]", o.ID, j)
		}
		offices[o.ID] = i
		if o.Rooms < 0 {
			return bad(p+".rooms", "%d is negative", o.Rooms)
		}
	}
	// An office's office-duty slots form one grid (every office duty of its
	// officers starts at the same minute modulo slot_minutes), so two slots
	// of one office are equal or disjoint and a per-slot count of rooms
	// and officers is exact.
	grid := make(map[string]int, len(in.Offices))
	officers := make(map[string]int, len(in.Officers))
	for i, f := range in.Officers {
		p := fmt.Sprintf("officers[%d]", i)
		if f.ID == "" {
			return bad(p+".id", "missing")
		}
		if j, dup := officers[f.ID]; dup {
			return bad(p+".id", "%q is also officers[%d]", f.ID, j)
		}
		officers[f.ID] = i
		if _, ok := offices[f.Office]; !ok {
			return bad(p+".office", "%q is not an office id", f.Office)
		}
		if f.Area == "" {
			return bad(p+".area", "missing")
		}
		for j, d := range f.Duty {
			q := fmt.Sprintf("%s.duty[%d]", p, j)
			if err := checkPeriod(q, d.Day, d.Start, d.End); err != nil {
				return err
			}
			switch d.Kind {
			case PlaceOffice:
				phase := int(d.Start) % in.SlotMinutes
				if g, ok := grid[f.Office]; !ok {
					grid[f.Office] = phase
				} else if g != phase {
					return bad(q+".start", "%v is off the slot grid of office %q (office duties there start at a multiple of %d minutes from %v)", d.Start, f.Office, in.SlotMinutes, Clock(g))
				}
			case PlaceHome:
			default:
				return bad(q+".kind", "%q, want office or home", d.Kind)
			}
			for k := 0; k < j; k++ {
				e := f.Duty[k]
				if e.Day == d.Day && e.Start < d.End && d.Start < e.End {
					return bad(q, "overlaps duty[%d] (%v–%v on day %d)", k, e.Start, e.End, e.Day)
				}
			}
		}
	}
	households := make(map[string]int, len(in.Households))
	for i, h := range in.Households {
		p := fmt.Sprintf("households[%d]", i)
		if h.ID == "" {
			return bad(p+".id", "missing")
		}
		if j, dup := households[h.ID]; dup {
			return bad(p+".id", "%q is also households[%d]", h.ID, j)
		}
		households[h.ID] = i
		if _, ok := offices[h.Office]; !ok {
			return bad(p+".office", "%q is not an office id", h.Office)
		}
		if h.Area == "" {
			return bad(p+".area", "missing")
		}
		if h.Want < 0 {
			return bad(p+".want", "%d is negative", h.Want)
		}
		if len(h.Places) == 0 {
			return bad(p+".places", "empty; want office, home or both")
		}
		for j, pl := range h.Places {
			if pl != PlaceOffice && pl != PlaceHome {
				return bad(fmt.Sprintf("%s.places[%d]", p, j), "%q, want office or home", pl)
			}
			if slices.Contains(h.Places[:j], pl) {
				return bad(fmt.Sprintf("%s.places[%d]", p, j), "%q is listed twice", pl)
			}
		}
		for j, w := range h.Windows {
			if err := checkPeriod(fmt.Sprintf("%s.windows[%d]", p, j), w.Day, w.Start, w.End); err != nil {
				return err
			}
		}
		for j, w := range h.Preferred {
			if err := checkPeriod(fmt.Sprintf("%s.preferred[%d]", p, j), w.Day, w.Start, w.End); err != nil {
				return err
			}
		}
		for j, d := range h.BusyDays {
			if d < 0 || d > 6 {
				return bad(fmt.Sprintf("%s.busy_days[%d]", p, j), "day %d is outside 0–6", d)
			}
		}
	}
	return nil
}

func checkPeriod(path string, day int, start, end Clock) error {
	if day < 0 || day > 6 {
		return fmt.Errorf("%s.day: %d is outside 0–6", path, day)
	}
	if start < 0 || start > 24*60 || end < 0 || end > 24*60 {
		return fmt.Errorf("%s: time outside 00:00–24:00", path)
	}
	if end <= start {
		return fmt.Errorf("%s: end %v is not after start %v", path, end, start)
	}
	return nil
}
