package kinbridge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge/callplan"
)

// This file holds the weekly plan: the planner's instance built from the
// records of a unit's subtree, the plan kept as a draft for review, and
// booking it all at once.

// planScene is what the weekly plan reads of a subtree and week.
type planScene struct {
	unit      *Unit
	loc       *time.Location
	weekStart string
	from, to  time.Time // the week's first and last instant, local
	offices   map[int64]*CallOffice
	units     map[int64]*Unit
	boards    map[int64]*CallBoard // by office unit
	officers  map[int64]*User
	houses    []*planHousehold
	calls     []*Call // live calls of the subtree touching the week
	policy    CallPolicy
}

// planHousehold is one household of the plan.
type planHousehold struct {
	CallHousehold
	policy    CallPolicy
	programme int64
	want      int
}

// errWeekChanged is the refusal of a plan booked after the week changed.
var errWeekChanged = &Error{Code: ECONFLICT, Key: "error.calls.plan_stale",
	Message: "The week changed since it was planned: plan again."}

// readPlanScene reads what planning the week of the subtree needs, in a few
// batched queries, and refuses a subtree whose offices are in different time
// zones or whose households' calls are of different lengths.
func readPlanScene(ctx context.Context, tx Tx, unit *Unit, weekStart string) (*planScene, error) {
	sc := &planScene{unit: unit, weekStart: weekStart, offices: map[int64]*CallOffice{}, units: map[int64]*Unit{},
		boards: map[int64]*CallBoard{}, officers: map[int64]*User{}}
	units, err := tx.FindUnits(ctx, UnitFilter{PathPrefix: unit.Path})
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		sc.units[u.ID] = u
	}
	offices, err := tx.FindCallOffices(ctx, unit.Path)
	if err != nil {
		return nil, err
	}
	zones := map[string]bool{}
	for _, o := range offices {
		sc.offices[o.UnitID] = o
		if u := sc.units[o.UnitID]; u != nil {
			zones[u.TimeZone] = true
		}
	}
	// Households, with their settings and the programmes of their members.
	byID := map[int64]*planHousehold{}
	err = tx.ScanCallHouseholds(ctx, unit.Path, func(ch *CallHousehold) error {
		ph := &planHousehold{CallHousehold: *ch}
		if ph.Settings.HouseholdID == 0 {
			ph.Settings.HouseholdID = ch.HouseholdID
		}
		sc.houses = append(sc.houses, ph)
		byID[ch.HouseholdID] = ph
		if u := sc.units[ch.UnitID]; u != nil {
			zones[u.TimeZone] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(zones) > 1 {
		names := slices.Sorted(func(yield func(string) bool) {
			for z := range zones {
				if !yield(z) {
					return
				}
			}
		})
		return nil, FieldError("unit_id", "error.calls.plan_zones",
			"The offices of %s are in different time zones (%s): plan the part of each zone on its own.", unit.Names.EN, strings.Join(names, ", "))
	}
	sc.loc = unit.Location()
	for z := range zones {
		if loc, err := time.LoadLocation(z); err == nil {
			sc.loc = loc
		}
	}
	members := map[int64][][]int64{}
	err = tx.ScanHouseholds(ctx, HouseholdFilter{PathPrefix: unit.Path}, func(rec *HouseholdRecord) error {
		if byID[rec.Household.ID] != nil {
			members[rec.Household.ID] = memberProgrammes(rec.Members, rec.Household.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	programmes, err := tx.FindProgrammes(ctx)
	if err != nil {
		return nil, err
	}
	policies := map[int64]CallPolicy{}
	names := map[int64]string{0: "(no programme)"}
	if policies[0], err = (*Programme)(nil).CallPolicy(); err != nil {
		return nil, err
	}
	for _, p := range programmes {
		names[p.ID] = p.Code
		if policies[p.ID], err = p.CallPolicy(); err != nil {
			return nil, err
		}
	}
	lengths := map[[2]int][]string{}
	for _, ph := range sc.houses {
		ph.programme = CallProgrammeOf(ph.Settings.ProgrammeID, members[ph.HouseholdID])
		if _, ok := policies[ph.programme]; !ok {
			ph.programme = 0
		}
		ph.policy = policies[ph.programme]
		key := [2]int{ph.policy.CallMinutes, ph.policy.HomeBlockMinutes}
		if !slices.Contains(lengths[key], names[ph.programme]) {
			lengths[key] = append(lengths[key], names[ph.programme])
		}
		sc.policy = ph.policy
	}
	if len(lengths) > 1 {
		var parts []string
		for key, progs := range lengths {
			slices.Sort(progs)
			parts = append(parts, fmt.Sprintf("%s: %d-minute calls, %d-minute home blocks", strings.Join(progs, ", "), key[0], key[1]))
		}
		slices.Sort(parts)
		return nil, FieldError("unit_id", "error.calls.plan_lengths",
			"The households of %s have calls of different lengths (%s): one plan needs one length.", unit.Names.EN, strings.Join(parts, "; "))
	}
	if len(sc.houses) == 0 {
		sc.policy, _ = (*Programme)(nil).CallPolicy()
	}
	sc.from, _ = AtDayTime(weekStart, 0, sc.loc)
	sc.to, _ = AtDayTime(AddDays(weekStart, 7), 0, sc.loc)

	// Quota seats held and the calls booked already.
	ids := make([]int64, len(sc.houses))
	for i, ph := range sc.houses {
		ids[i] = ph.HouseholdID
	}
	week := ISOWeekOf(sc.from, sc.loc)
	seats := map[int64]int{}
	for chunk := range slices.Chunk(ids, 500) {
		got, err := tx.CountQuotaSeats(ctx, chunk, week)
		if err != nil {
			return nil, err
		}
		for id, n := range got {
			seats[id] = n
		}
	}
	for _, ph := range sc.houses {
		ph.want = max(ph.policy.Quota-seats[ph.HouseholdID], 0)
	}
	if sc.calls, _, err = tx.FindCalls(ctx, CallFilter{PathPrefix: unit.Path, From: sc.from.Add(-maxBlock), To: sc.to, Statuses: liveCallStatuses,
		Limit: callReadLimit}); err != nil {
		return nil, err
	}

	// Officers, their duties and areas, by office.
	users, _, err := tx.FindUsers(ctx, UserFilter{PathPrefix: unit.Path})
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		sc.officers[u.ID] = u
	}
	roster, err := tx.FindRoster(ctx, unit.Path)
	if err != nil {
		return nil, err
	}
	exc, err := tx.FindRosterExceptions(ctx, unit.Path, weekStart, AddDays(weekStart, 6))
	if err != nil {
		return nil, err
	}
	areas, err := tx.FindOfficerAreas(ctx, unit.Path)
	if err != nil {
		return nil, err
	}
	for id, o := range sc.offices {
		var own []RosterEntry
		for _, e := range roster {
			if u := sc.officers[e.OfficerID]; u != nil && u.UnitID == id {
				own = append(own, e)
			}
		}
		var oexc []*RosterException
		for _, e := range exc {
			if e.UnitID == id && (e.OfficerID == 0 || (sc.officers[e.OfficerID] != nil && sc.officers[e.OfficerID].UnitID == id)) {
				oexc = append(oexc, e)
			}
		}
		duties, err := ResolveDuties(o, sc.loc, weekStart, 7, own, oexc)
		if err != nil {
			return nil, err
		}
		b := &CallBoard{Office: o, Loc: sc.loc, Duties: duties, Areas: areas}
		for _, c := range sc.calls {
			if c.UnitID == id {
				b.Calls = append(b.Calls, c)
			}
		}
		sc.boards[id] = b
	}
	return sc, nil
}

// fingerprint sums up everything of the scene a plan is made from: the
// live calls (ids, statuses, versions), the offices' hours and open rooms,
// the officers' duties and areas (roster, leave), and each household's
// settings, policy and calls wanted. A plan is booked only while it is
// the same: one made before a room closed or an officer took leave would
// book calls that no longer fit, or miss what now does.
func (sc *planScene) fingerprint() string {
	h := sha256.New()
	for _, c := range sc.calls {
		fmt.Fprintf(h, "c%d:%s:%d;", c.ID, c.Status, c.Version)
	}
	for _, id := range slices.Sorted(maps.Keys(sc.offices)) {
		o := sc.offices[id]
		fmt.Fprintf(h, "o%d:%d-%d,%d-%d:", id, o.MorningStart, o.MorningEnd, o.AfternoonStart, o.AfternoonEnd)
		for _, r := range o.ActiveRooms() {
			fmt.Fprintf(h, "%d,", r.ID)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(sc.boards)) {
		b := sc.boards[id]
		fmt.Fprintf(h, "b%d:", id)
		for _, d := range b.Duties {
			fmt.Fprintf(h, "%d:%s:%d-%d,", d.OfficerID, d.Kind, d.Start.Unix(), d.End.Unix())
		}
		for _, officer := range slices.Sorted(maps.Keys(b.Areas)) {
			fmt.Fprintf(h, "a%d:%q,", officer, b.Areas[officer])
		}
	}
	for _, ph := range sc.houses {
		st := ph.Settings
		fmt.Fprintf(h, "h%d:%d:%q:%v:%v:%v:%v:%+v:%d:%d;", ph.HouseholdID, st.ProgrammeID, st.Area, st.Places, st.Windows,
			st.Preferred, st.RelativeIDs, ph.policy, ph.programme, ph.want)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// clockOn returns t's local time of day on the local date day (24:00 for the
// next midnight).
func clockOn(t time.Time, day string, loc *time.Location) callplan.Clock {
	lt := t.In(loc)
	if lt.Format(CallDayLayout) != day {
		return 24 * 60
	}
	return callplan.Clock(lt.Hour()*60 + lt.Minute())
}

// runs groups consecutive steps [t, t+step) into periods.
func runs(starts []time.Time, step time.Duration) [][2]time.Time {
	var out [][2]time.Time
	for _, t := range starts {
		if n := len(out); n > 0 && out[n-1][1].Equal(t) {
			out[n-1][1] = t.Add(step)
		} else {
			out = append(out, [2]time.Time{t, t.Add(step)})
		}
	}
	return out
}

// instance builds the planner's instance. The calls booked already are
// taken out of it: officers' time they hold is cut from their duty (and at
// a slot where fewer rooms than officers are free, the officers beyond the
// rooms are cut too, so that the planner's min(rooms, officers) is what is
// free); the household's days with a call are busy and its want is what
// its quota has left. Windows are cut to the booking notice and horizon
// from now, so that every planned call can be booked.
func (sc *planScene) instance(now time.Time) (*callplan.Instance, map[string]int) {
	p := sc.policy
	in := &callplan.Instance{Format: callplan.InstanceFormat, WeekStart: sc.weekStart, TimeZone: sc.loc.String(),
		SlotMinutes: p.CallMinutes, HomeBlockMinutes: p.HomeBlockMinutes}
	call := time.Duration(p.CallMinutes) * time.Minute
	block := time.Duration(p.HomeBlockMinutes) * time.Minute
	capacity := map[string]int{} // "o<id>" office slots, "o<id>/home" blocks
	officeIDs := slices.Sorted(func(yield func(int64) bool) {
		seen := map[int64]bool{}
		for id := range sc.offices {
			seen[id] = true
		}
		for _, ph := range sc.houses {
			seen[ph.UnitID] = true
		}
		for id := range seen {
			if !yield(id) {
				return
			}
		}
	})
	for _, id := range officeIDs {
		oid := fmt.Sprintf("o%d", id)
		b := sc.boards[id]
		if b == nil {
			in.Offices = append(in.Offices, callplan.Office{ID: oid})
			continue
		}
		in.Offices = append(in.Offices, callplan.Office{ID: oid, Rooms: len(b.Office.ActiveRooms())})
		free := map[int64][]time.Time{}     // officer → office slot starts free
		homeFree := map[int64][]time.Time{} // officer → home block starts free
		for _, t := range b.OfficeSlots(p.CallMinutes) {
			rooms, officers := b.FreeOffice(t, t.Add(call))
			n := min(len(rooms), len(officers))
			for _, f := range officers[:n] {
				free[f] = append(free[f], t)
			}
			capacity[oid] += n
		}
		var officers []int64
		for _, d := range b.Duties {
			if !slices.Contains(officers, d.OfficerID) {
				officers = append(officers, d.OfficerID)
			}
			if d.Kind != DutyHome {
				continue
			}
			for t := d.Start; !t.Add(block).After(d.End); t = t.Add(block) {
				if !b.officerBusy(d.OfficerID, t, t.Add(block)) {
					homeFree[d.OfficerID] = append(homeFree[d.OfficerID], t)
					capacity[oid+"/home"]++
				}
			}
		}
		slices.Sort(officers)
		for _, f := range officers {
			area := b.Areas[f]
			if area == "" {
				area = fmt.Sprintf("none:f%d", f)
			} else {
				area = oid + "/" + area
			}
			o := callplan.Officer{ID: fmt.Sprintf("f%d", f), Office: oid, Area: area, Duty: []callplan.Duty{}}
			for kind, starts := range map[string][]time.Time{callplan.PlaceOffice: free[f], callplan.PlaceHome: homeFree[f]} {
				step := call
				if kind == callplan.PlaceHome {
					step = block
				}
				for _, r := range runs(starts, step) {
					day := LocalDay(r[0], sc.loc)
					d0, _ := ParseCallDay(sc.weekStart)
					dd, _ := ParseCallDay(day)
					o.Duty = append(o.Duty, callplan.Duty{Day: int(dd.Sub(d0).Hours() / 24), Start: clockOn(r[0], day, sc.loc),
						End: clockOn(r[1], day, sc.loc), Kind: kind})
				}
			}
			slices.SortFunc(o.Duty, func(x, y callplan.Duty) int {
				if x.Day != y.Day {
					return x.Day - y.Day
				}
				return int(x.Start - y.Start)
			})
			in.Officers = append(in.Officers, o)
		}
	}
	busy := map[int64][]int{}
	for _, c := range sc.calls {
		d0, _ := ParseCallDay(sc.weekStart)
		dd, err := ParseCallDay(c.Day)
		if day := int(dd.Sub(d0).Hours() / 24); err == nil && day >= 0 && day < 7 && !slices.Contains(busy[c.HouseholdID], day) {
			busy[c.HouseholdID] = append(busy[c.HouseholdID], day)
		}
	}
	slices.SortFunc(sc.houses, func(x, y *planHousehold) int { return cmpInt64(x.HouseholdID, y.HouseholdID) })
	for _, ph := range sc.houses {
		seeker := &CallSeeker{HouseholdID: ph.HouseholdID, Settings: ph.Settings, Policy: ph.policy}
		places := seeker.AllowedPlaces()
		want := ph.want
		if len(places) == 0 {
			places, want = ph.policy.Places, 0
		}
		area := fmt.Sprintf("none:h%d", ph.HouseholdID)
		if ph.Settings.Area != "" {
			area = fmt.Sprintf("o%d/%s", ph.UnitID, ph.Settings.Area)
		}
		h := callplan.Household{ID: fmt.Sprintf("h%d", ph.HouseholdID), Office: fmt.Sprintf("o%d", ph.UnitID), Area: area, Want: want,
			Windows: []callplan.Period{}, Preferred: []callplan.Period{}, BusyDays: busy[ph.HouseholdID]}
		if h.BusyDays == nil {
			h.BusyDays = []int{}
		}
		for _, pl := range places {
			h.Places = append(h.Places, string(pl))
		}
		earliest := now.Add(time.Duration(ph.policy.MinNoticeMinutes) * time.Minute)
		latest := now.AddDate(0, 0, ph.policy.HorizonDays).Add(call)
		windows := ph.Settings.Windows
		if len(windows) == 0 {
			for wd := 1; wd <= 7; wd++ {
				windows = append(windows, WeekPeriod{Weekday: wd, Start: 0, End: 24 * 60})
			}
		}
		for day := range 7 {
			date := AddDays(sc.weekStart, day)
			d, _ := ParseCallDay(date)
			for _, w := range windows {
				if w.Weekday != isoWeekday(d) {
					continue
				}
				from, _ := AtDayTime(date, w.Start, sc.loc)
				to, _ := AtDayTime(date, w.End, sc.loc)
				from, to = later(from, earliest), earlier(to, latest)
				if from.Before(to) {
					// A window cut at the notice starts at the next minute.
					start, end := clockOn(from, date, sc.loc), clockOn(to, date, sc.loc)
					if from.In(sc.loc).Second() != 0 || from.Nanosecond() != 0 {
						start++
					}
					if start < end {
						h.Windows = append(h.Windows, callplan.Period{Day: day, Start: start, End: end})
					}
				}
			}
			for _, w := range ph.Settings.Preferred {
				if w.Weekday == isoWeekday(d) {
					h.Preferred = append(h.Preferred, callplan.Period{Day: day, Start: callplan.Clock(w.Start), End: callplan.Clock(w.End)})
				}
			}
		}
		in.Households = append(in.Households, h)
	}
	if in.Offices == nil {
		in.Offices = []callplan.Office{}
	}
	if in.Officers == nil {
		in.Officers = []callplan.Officer{}
	}
	if in.Households == nil {
		in.Households = []callplan.Household{}
	}
	return in, capacity
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// planID reads an instance id "h12" as 12.
func planID(s string) int64 {
	id, _ := strconv.ParseInt(s[1:], 10, 64)
	return id
}

// PlanWeek plans the week starting weekStart (a local Monday) for the
// unit's subtree: it builds the planner's instance from the records, solves
// it, and keeps the result as a draft with its review — the shortfalls with
// their reasons and each office's load — for BookCallPlan.
func (s *Service) PlanWeek(ctx context.Context, unitID int64, weekStart string) (*CallPlan, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if m, err := WeekMonday(weekStart); err != nil || m != weekStart {
		return nil, FieldError("week_start", "error.calls.week_start", "A week starts on a Monday, YYYY-MM-DD.")
	}
	var sc *planScene
	var in *callplan.Instance
	var capacity map[string]int
	err = s.store.View(ctx, func(tx Tx) error {
		unit, err := findUnitInScope(ctx, tx, a, ActionCallPlan, unitID)
		if err != nil {
			return err
		}
		if sc, err = readPlanScene(ctx, tx, unit, weekStart); err != nil {
			return err
		}
		in, capacity = sc.instance(tx.Now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, FieldError("unit_id", "error.calls.plan_instance", "The week cannot be planned: %v.", err)
	}
	started := time.Now()
	result, err := callplan.Solve(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("plan the week: %w", err)
	}
	if err := callplan.Check(in, result); err != nil {
		return nil, fmt.Errorf("the planner's plan breaks a rule: %w", err)
	}
	p := &CallPlan{UnitID: sc.unit.ID, UnitPath: sc.unit.Path, WeekStart: weekStart, Status: CallPlanDraft, CreatedBy: a.UserID,
		Summary: summarise(in, result, capacity)}
	p.Summary.Millis = time.Since(started).Milliseconds()
	p.Summary.Fingerprint = sc.fingerprint()
	if p.Instance, err = json.Marshal(in); err != nil {
		return nil, err
	}
	if p.Result, err = json.Marshal(result); err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		if err := tx.CreateCallPlan(ctx, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "call_plan.create", RecordType: "call_plan", RecordID: p.ID, UnitID: p.UnitID,
			Detail: map[string]any{"week_start": weekStart, "households": p.Summary.Households, "calls": p.Summary.Calls,
				"short": len(p.Summary.Short)}})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// summarise reviews a plan: the objective, the short households and each
// office's load and capacity.
func summarise(in *callplan.Instance, plan *callplan.Plan, capacity map[string]int) CallPlanSummary {
	sum := CallPlanSummary{Households: len(in.Households), HouseholdsServed: plan.Objective.HouseholdsServed, Calls: plan.Objective.Calls,
		Preferred: plan.Objective.Preferred, HomeCalls: plan.Objective.HomeCalls, Short: []CallShortfall{}, Offices: []CallOfficeLoad{}}
	for _, sh := range plan.Short {
		sum.Short = append(sum.Short, CallShortfall{HouseholdID: planID(sh.Household), Got: sh.Got, Want: sh.Want, Reason: sh.Reason,
			ReasonCode: callplan.ReasonCode(sh.Reason)})
	}
	sum.ShortCount = len(sum.Short)
	loads := map[string]*CallOfficeLoad{}
	for _, o := range in.Offices {
		l := &CallOfficeLoad{UnitID: planID(o.ID), OfficeSlots: capacity[o.ID], HomeBlocks: capacity[o.ID+"/home"]}
		loads[o.ID] = l
	}
	for _, h := range in.Households {
		if l := loads[h.Office]; l != nil {
			l.Households++
		}
	}
	for _, c := range plan.Calls {
		if l := loads[c.Office]; l != nil {
			if c.Place == callplan.PlaceHome {
				l.HomeCalls++
			} else {
				l.OfficeCalls++
			}
		}
	}
	for _, o := range in.Offices {
		sum.Offices = append(sum.Offices, *loads[o.ID])
	}
	return sum
}

// findPlanInScope loads a plan (without its instance and result unless
// data) and authorises the action on it.
func findPlanInScope(ctx context.Context, tx Tx, a *Actor, action Action, id int64, data bool) (*CallPlan, error) {
	find := tx.FindCallPlanReview
	if data {
		find = tx.FindCallPlanByID
	}
	p, err := find(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound("call plan")
	} else if err != nil {
		return nil, err
	}
	if err := authorize(a, action, p.UnitPath, "call plan"); err != nil {
		return nil, err
	}
	return p, nil
}

// FindCallPlan returns one plan of the caller's scope, with the planner's
// instance and result.
func (s *Service) FindCallPlan(ctx context.Context, id int64) (*CallPlan, error) {
	return s.findCallPlan(ctx, id, true)
}

// FindCallPlanReview returns one plan of the caller's scope without the
// planner's instance and result, which a nation's plan holds hundreds of
// megabytes of: what a review of the plan shows.
func (s *Service) FindCallPlanReview(ctx context.Context, id int64) (*CallPlan, error) {
	return s.findCallPlan(ctx, id, false)
}

func (s *Service) findCallPlan(ctx context.Context, id int64, data bool) (*CallPlan, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var p *CallPlan
	err = s.store.View(ctx, func(tx Tx) error {
		p, err = findPlanInScope(ctx, tx, a, ActionCallView, id, data)
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// FindCallPlans returns the latest plans of the unit's subtree, newest
// first.
func (s *Service) FindCallPlans(ctx context.Context, unitID int64) ([]*CallPlan, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var ps []*CallPlan
	err = s.store.View(ctx, func(tx Tx) error {
		unit, err := findUnitInScope(ctx, tx, a, ActionCallView, unitID)
		if err != nil {
			return err
		}
		ps, err = tx.FindCallPlans(ctx, unit.Path, 50)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ps, nil
}

// BookCallPlan books every call of a draft plan in one transaction, through
// the same claims as a single booking, or none: if a call was booked,
// changed or cancelled in the subtree's week since the plan was made, or a
// claim is taken, it refuses with "plan again" and books nothing. The k-th
// call of an office slot gets the k-th room free then. Older drafts of the
// same unit and week are dropped.
func (s *Service) BookCallPlan(ctx context.Context, id int64) (*CallPlan, []*Call, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, err
	}
	var p *CallPlan
	var booked []*Call
	err = s.store.Update(ctx, func(tx Tx) error {
		if p, err = findPlanInScope(ctx, tx, a, ActionCallPlan, id, true); err != nil {
			return err
		}
		if p.Status != CallPlanDraft {
			return &Error{Code: ECONFLICT, Key: "error.calls.plan_status", Message: fmt.Sprintf("The plan is %s: only a draft is booked.", p.Status)}
		}
		unit, err := tx.FindUnitByID(ctx, p.UnitID)
		if err != nil {
			return err
		}
		sc, err := readPlanScene(ctx, tx, unit, p.WeekStart)
		if err != nil {
			return err
		}
		if sc.fingerprint() != p.Summary.Fingerprint {
			return errWeekChanged
		}
		var plan callplan.Plan
		if err := json.Unmarshal(p.Result, &plan); err != nil {
			return fmt.Errorf("call plan %d result: %w", p.ID, err)
		}
		houses := map[int64]*planHousehold{}
		for _, ph := range sc.houses {
			houses[ph.HouseholdID] = ph
		}
		if booked, err = s.bookPlanCalls(ctx, tx, a, sc, p, &plan, houses); err != nil {
			return err
		}
		p.Status, p.BookedAt = CallPlanBooked, tx.Now()
		if err := tx.UpdateCallPlan(ctx, p); err != nil {
			return err
		}
		older, err := tx.FindCallPlans(ctx, unit.Path, 200)
		if err != nil {
			return err
		}
		for _, o := range older {
			if o.ID != p.ID && o.UnitID == p.UnitID && o.WeekStart == p.WeekStart && o.Status == CallPlanDraft {
				o.Status = CallPlanDropped
				if err := tx.UpdateCallPlan(ctx, o); err != nil {
					return err
				}
			}
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "call_plan.book", RecordType: "call_plan", RecordID: p.ID, UnitID: p.UnitID,
			Detail: map[string]any{"week_start": p.WeekStart, "calls": len(booked)}})
	})
	if err != nil {
		return nil, nil, err
	}
	return p, booked, nil
}

// bookPlanCalls books the plan's calls in tx. Each is checked against the
// notice and horizon of now (the plan may be booked a while after it was
// made) and written through CreateCall's claims.
func (s *Service) bookPlanCalls(ctx context.Context, tx Tx, a *Actor, sc *planScene, p *CallPlan, plan *callplan.Plan,
	houses map[int64]*planHousehold) ([]*Call, error) {
	calls := slices.Clone(plan.Calls)
	sort.SliceStable(calls, func(i, j int) bool {
		if calls[i].Day != calls[j].Day {
			return calls[i].Day < calls[j].Day
		}
		return calls[i].Start < calls[j].Start
	})
	taken := map[string]int{} // office and slot → calls given a room so far
	now := tx.Now()
	booked := make([]*Call, 0, len(calls))
	events := make([]AuditEvent, 0, len(calls))
	for _, pc := range calls {
		ph := houses[planID(pc.Household)]
		if ph == nil {
			return nil, errWeekChanged
		}
		pol := ph.policy
		date := AddDays(sc.weekStart, pc.Day)
		start, _ := AtDayTime(date, DayTime(pc.Start), sc.loc)
		if start.Before(now.Add(time.Duration(pol.MinNoticeMinutes)*time.Minute)) || start.After(now.AddDate(0, 0, pol.HorizonDays)) {
			return nil, &Error{Code: ECONFLICT, Key: "error.calls.plan_late",
				Message: "Some of the plan's calls are too soon to book now: plan again."}
		}
		end := start.Add(time.Duration(pol.CallMinutes) * time.Minute)
		c := &Call{HouseholdID: ph.HouseholdID, UnitID: ph.UnitID, UnitPath: ph.UnitPath, OfficerID: planID(pc.Officer), Place: CallPlace(pc.Place),
			Start: start, End: end, BlockEnd: end, Week: ISOWeekOf(start, sc.loc), Day: LocalDay(start, sc.loc),
			RelativeIDs: ph.Settings.RelativeIDs, Status: CallBooked, PlanID: p.ID, CreatedBy: a.UserID}
		if c.Place == CallAtHome {
			c.BlockEnd = start.Add(time.Duration(pol.HomeBlockMinutes) * time.Minute)
		} else {
			office := planID(pc.Office)
			b := sc.boards[office]
			if b == nil {
				return nil, errWeekChanged
			}
			rooms, _ := b.FreeOffice(start, end)
			key := fmt.Sprintf("%d:%d", office, start.Unix())
			k := taken[key]
			if k >= len(rooms) {
				return nil, errWeekChanged
			}
			c.RoomID = rooms[k]
			taken[key] = k + 1
		}
		if err := tx.CreateCall(ctx, c, pol.Quota); ErrorCode(err) == ECONFLICT {
			return nil, errWeekChanged
		} else if err != nil {
			return nil, err
		}
		booked = append(booked, c)
		events = append(events, AuditEvent{Action: "call.book", RecordType: "call", RecordID: c.ID, UnitID: c.UnitID,
			Detail: map[string]any{"household_id": c.HouseholdID, "start": c.Start, "place": c.Place, "officer_id": c.OfficerID,
				"room_id": c.RoomID, "plan_id": p.ID}})
	}
	return booked, s.auditAll(ctx, tx, a, events)
}
