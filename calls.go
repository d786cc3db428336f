package kinbridge

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file holds the family calls capability's types and rules: the call
// policy of a programme, an office's rooms and hours, duty rosters, a
// household's call settings, calls and the claims that keep them from
// clashing. The services are in calls_service.go (booking, free slots),
// calls_plan.go (the weekly plan) and calls_calendar.go (feeds and sheets).

// CallPlace is where a call takes place.
type CallPlace string

// Call places: a room of the office, or the home with an officer present.
const (
	CallAtOffice CallPlace = "office"
	CallAtHome   CallPlace = "home"
)

// CallPlaces lists the places.
var CallPlaces = []CallPlace{CallAtOffice, CallAtHome}

// Valid reports whether p is a known place.
func (p CallPlace) Valid() bool { return slices.Contains(CallPlaces, p) }

// CallGranule is the grain of the claims that keep officers and rooms from
// being booked twice: call lengths and home blocks are multiples of it.
const CallGranule = 15 * time.Minute

// CallPolicy is a programme's rule for family calls, kept in
// Programme.Settings under "calls". Zero fields take the defaults.
type CallPolicy struct {
	Quota            int         `json:"quota"`              // calls per household per ISO week (unit's time zone); default 2
	CallMinutes      int         `json:"call_minutes"`       // default 30, a multiple of 15
	HomeBlockMinutes int         `json:"home_block_minutes"` // officer's time for a home call, call and travel; default 60
	Places           []CallPlace `json:"places"`             // default office and home
	// Supervision is "required" (default): an officer is scheduled at every
	// call; or "none": home calls need no officer (the plan still books one).
	Supervision         string `json:"supervision"`
	HorizonDays         int    `json:"horizon_days"`          // booking allowed up to this many days ahead; default 14
	MinNoticeMinutes    int    `json:"min_notice_minutes"`    // no booking closer to the start; default 120
	CancelCutoffMinutes int    `json:"cancel_cutoff_minutes"` // no cancelling by the household closer to the start; default 120
	// NoShow is "counts" (default): a no-show uses the quota; or "free".
	NoShow string `json:"no_show"`
}

// DefaultCallPolicy is the policy of a programme that sets none: the seed's
// two calls a week.
var DefaultCallPolicy = CallPolicy{
	Quota: 2, CallMinutes: 30, HomeBlockMinutes: 60,
	Places:      []CallPlace{CallAtOffice, CallAtHome},
	Supervision: "required", HorizonDays: 14, MinNoticeMinutes: 120, CancelCutoffMinutes: 120,
	NoShow: "counts",
}

// CallPolicy returns the programme's call policy with defaults filled in. A
// nil programme has the default policy.
func (p *Programme) CallPolicy() (CallPolicy, error) {
	var cp CallPolicy
	if p != nil && p.Settings != "" {
		var all struct {
			Calls *CallPolicy `json:"calls"`
		}
		if err := json.Unmarshal([]byte(p.Settings), &all); err != nil {
			return cp, FieldError("settings", "error.programme.settings", "The programme's settings are not valid JSON: %v", err)
		}
		if all.Calls != nil {
			cp = *all.Calls
		}
	}
	d := DefaultCallPolicy
	if cp.Quota == 0 {
		cp.Quota = d.Quota
	}
	if cp.CallMinutes == 0 {
		cp.CallMinutes = d.CallMinutes
	}
	if cp.HomeBlockMinutes == 0 {
		cp.HomeBlockMinutes = max(d.HomeBlockMinutes, cp.CallMinutes)
	}
	if len(cp.Places) == 0 {
		cp.Places = slices.Clone(d.Places)
	}
	if cp.Supervision == "" {
		cp.Supervision = d.Supervision
	}
	if cp.HorizonDays == 0 {
		cp.HorizonDays = d.HorizonDays
	}
	if cp.MinNoticeMinutes == 0 {
		cp.MinNoticeMinutes = d.MinNoticeMinutes
	}
	if cp.CancelCutoffMinutes == 0 {
		cp.CancelCutoffMinutes = d.CancelCutoffMinutes
	}
	if cp.NoShow == "" {
		cp.NoShow = d.NoShow
	}
	return cp, cp.Validate()
}

// Validate checks a call policy, naming the field at fault.
func (cp *CallPolicy) Validate() error {
	g := int(CallGranule / time.Minute)
	switch {
	case cp.Quota < 1 || cp.Quota > 7:
		return FieldError("calls.quota", "error.calls.quota", "A quota is 1 to 7 calls a week.")
	case cp.CallMinutes < g || cp.CallMinutes > 240 || cp.CallMinutes%g != 0:
		return FieldError("calls.call_minutes", "error.calls.minutes", "A call lasts 15 to 240 minutes, in steps of 15.")
	case cp.HomeBlockMinutes < cp.CallMinutes || cp.HomeBlockMinutes > 480 || cp.HomeBlockMinutes%g != 0:
		return FieldError("calls.home_block_minutes", "error.calls.block", "A home block is at least the call, at most 480 minutes, in steps of 15.")
	case cp.Supervision != "required" && cp.Supervision != "none":
		return FieldError("calls.supervision", "error.calls.supervision", "Supervision is required or none.")
	case cp.HorizonDays < 1 || cp.HorizonDays > 90:
		return FieldError("calls.horizon_days", "error.calls.horizon", "The booking horizon is 1 to 90 days.")
	case cp.MinNoticeMinutes < 0 || cp.MinNoticeMinutes > 7*24*60:
		return FieldError("calls.min_notice_minutes", "error.calls.notice", "The minimum notice is 0 to 7 days.")
	case cp.CancelCutoffMinutes < 0 || cp.CancelCutoffMinutes > 7*24*60:
		return FieldError("calls.cancel_cutoff_minutes", "error.calls.cutoff", "The cancellation cut-off is 0 to 7 days.")
	case cp.NoShow != "counts" && cp.NoShow != "free":
		return FieldError("calls.no_show", "error.calls.no_show", "A no-show counts or is free.")
	}
	for i, pl := range cp.Places {
		if !pl.Valid() || slices.Index(cp.Places, pl) != i {
			return FieldError(fmt.Sprintf("calls.places[%d]", i), "error.calls.place", "Places are office and home, each once.")
		}
	}
	return nil
}

// DayTime is a local time of day in minutes after midnight, written "HH:MM".
type DayTime int

// ParseDayTime reads "HH:MM" (00:00 to 24:00).
func ParseDayTime(s string) (DayTime, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || len(h) != 2 || len(m) != 2 || err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
	}
	return DayTime(hh*60 + mm), nil
}

func (t DayTime) String() string { return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60) }

// MarshalText writes "HH:MM".
func (t DayTime) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads "HH:MM".
func (t *DayTime) UnmarshalText(b []byte) error {
	v, err := ParseDayTime(string(b))
	*t = v
	return err
}

// WeekPeriod is a period of a weekday: Weekday 1 is Monday … 7 Sunday (ISO).
type WeekPeriod struct {
	Weekday int     `json:"weekday"`
	Start   DayTime `json:"start"`
	End     DayTime `json:"end"`
}

// Validate checks the period, naming field (e.g. "windows[2]").
func (p WeekPeriod) Validate(field string) error {
	switch {
	case p.Weekday < 1 || p.Weekday > 7:
		return FieldError(field+".weekday", "error.calls.weekday", "A weekday is 1 (Monday) to 7 (Sunday).")
	case p.End <= p.Start:
		return FieldError(field+".end", "error.calls.period", "The end must be after the start.")
	}
	return nil
}

// Half is a half-day of the duty roster.
type Half int

// Halves of a day.
const (
	Morning   Half = 0
	Afternoon Half = 1
)

// DutyKind is what an officer does in a half-day.
type DutyKind string

// Duty kinds: office duty supplies office call slots, home duty supplies
// home blocks in the officer's area.
const (
	DutyOffice DutyKind = "office"
	DutyHome   DutyKind = "home"
	DutyOff    DutyKind = "off"
)

// Valid reports whether k is a known kind.
func (k DutyKind) Valid() bool { return k == DutyOffice || k == DutyHome || k == DutyOff }

// CallOffice is an office's set-up for calls: its hours per half-day and its
// call rooms. An office without one holds no calls.
type CallOffice struct {
	UnitID         int64
	MorningStart   DayTime // default 09:00
	MorningEnd     DayTime // default 12:00
	AfternoonStart DayTime // default 13:00
	AfternoonEnd   DayTime // default 17:00
	Rooms          []*CallRoom
	Updated        time.Time
}

// Hours returns the start and end of a half-day.
func (o *CallOffice) Hours(h Half) (DayTime, DayTime) {
	if h == Afternoon {
		return o.AfternoonStart, o.AfternoonEnd
	}
	return o.MorningStart, o.MorningEnd
}

// CallRoom is a room with the call equipment.
type CallRoom struct {
	ID     int64
	UnitID int64
	Name   string
	Active bool
}

// RosterEntry is one half-day of an officer's weekly template.
type RosterEntry struct {
	OfficerID int64
	Weekday   int // 1 Monday … 7 Sunday
	Half      Half
	Kind      DutyKind
}

// RosterException overrides the template on one date: an officer's leave,
// or (OfficerID 0) a holiday of the whole office.
type RosterException struct {
	ID        int64
	UnitID    int64
	OfficerID int64  // 0: every officer of the office
	Day       string // local date YYYY-MM-DD
	Half      Half
	Kind      DutyKind
	Reason    string
	CreatedBy int64
	Created   time.Time
}

// Duty is an officer's resolved duty over a concrete period.
type Duty struct {
	OfficerID int64
	Kind      DutyKind // office or home (off is not listed)
	Start     time.Time
	End       time.Time
}

// HouseholdCallSettings is how a household takes its calls. A household
// without settings has the policy's places, no preferred times, and is
// available whenever its office holds calls.
type HouseholdCallSettings struct {
	HouseholdID int64
	ProgrammeID int64       // whose call policy applies; 0: the default policy
	Area        string      // the home-call area it lies in (matches officers' areas)
	Places      []CallPlace // within the policy's; empty: the policy's
	Windows     []WeekPeriod
	Preferred   []WeekPeriod
	RelativeIDs []int64 // the relatives abroad the calls are with
	Updated     time.Time
}

// CallStatus is where a call stands.
type CallStatus string

// Call statuses: booked, then held, no-show, officer missing, or cancelled.
const (
	CallBooked         CallStatus = "booked"
	CallHeld           CallStatus = "held"
	CallNoShow         CallStatus = "no_show"
	CallOfficerMissing CallStatus = "officer_missing"
	CallCancelled      CallStatus = "cancelled"
)

// CallStatuses lists the statuses.
var CallStatuses = []CallStatus{CallBooked, CallHeld, CallNoShow, CallOfficerMissing, CallCancelled}

// Valid reports whether s is a known status.
func (s CallStatus) Valid() bool { return slices.Contains(CallStatuses, s) }

// CanBecome reports whether a call of status s may move to next: only a
// booked call changes, to any other status.
func (s CallStatus) CanBecome(next CallStatus) bool {
	return s == CallBooked && next != CallBooked && next.Valid()
}

// Call is a video call of a household with its relatives abroad, at a set
// time, at the office or at home, with an officer scheduled to be present.
type Call struct {
	ID          int64
	HouseholdID int64
	UnitID      int64 // the office that holds it (the household's unit when booked)
	UnitPath    string
	OfficerID   int64 // 0 only for a home call of a policy without supervision
	RoomID      int64 // office calls
	Place       CallPlace
	Start       time.Time
	End         time.Time // of the call
	BlockEnd    time.Time // of the officer's time: End for office calls, the home block's end
	Week        string    // ISO week in the office's time zone, "2026-W49"
	Day         string    // local date YYYY-MM-DD
	RelativeIDs []int64
	Status      CallStatus
	Note        string
	Reason      string // why it was cancelled
	PlanID      int64  // the weekly plan that booked it, if any
	// IdempotencyKey, when set, makes a retried booking by the same user
	// return the call it booked the first time.
	IdempotencyKey string
	Sequence       int // iCalendar SEQUENCE: raised on each change of time, place or status
	Version        int
	CreatedBy      int64
	Created        time.Time
	Updated        time.Time
}

// Claim keys: a booked call holds one unique key per thing it uses, written
// in the booking's transaction, so that the database refuses a second call
// that would use the same officer, room, household day or quota seat.
//
//	o:<officer>:<granule>   the officer, per 15 minutes of Start..BlockEnd
//	r:<room>:<granule>      the room, per 15 minutes of Start..End
//	d:<household>:<day>     one call per household per day
//	q:<household>:<week>:<n> quota seat n of 1..Quota
//
// A granule is the Unix time in minutes divided by 15.
func CallClaimKeys(c *Call) []string {
	var keys []string
	g := int64(CallGranule / time.Minute)
	if c.OfficerID != 0 {
		for t := c.Start; t.Before(c.BlockEnd); t = t.Add(CallGranule) {
			keys = append(keys, fmt.Sprintf("o:%d:%d", c.OfficerID, t.Unix()/60/g))
		}
	}
	if c.RoomID != 0 {
		for t := c.Start; t.Before(c.End); t = t.Add(CallGranule) {
			keys = append(keys, fmt.Sprintf("r:%d:%d", c.RoomID, t.Unix()/60/g))
		}
	}
	return append(keys, fmt.Sprintf("d:%d:%s", c.HouseholdID, c.Day))
}

// CallQuotaPrefix is the prefix of a household's quota seats in a week.
func CallQuotaPrefix(householdID int64, week string) string {
	return fmt.Sprintf("q:%d:%s:", householdID, week)
}

// CallFilter selects calls. Zero fields select everything in scope.
type CallFilter struct {
	PathPrefix  string // set by the service: calls of offices in this subtree
	UnitID      int64
	HouseholdID int64
	OfficerID   int64
	PlanID      int64
	From, To    time.Time // Start in [From, To)
	EndsAfter   time.Time // BlockEnd after it: the calls still holding someone then
	Statuses    []CallStatus
	Limit       int
	Offset      int
}

// CallPlanStatus is where a weekly plan stands.
type CallPlanStatus string

// Weekly plan statuses: a draft to review, booked, or dropped (stale or
// replaced).
const (
	CallPlanDraft   CallPlanStatus = "draft"
	CallPlanBooked  CallPlanStatus = "booked"
	CallPlanDropped CallPlanStatus = "dropped"
)

// CallPlan is a weekly plan of a unit's subtree: the instance built from the
// records, the planner's result, and the review figures.
type CallPlan struct {
	ID        int64
	UnitID    int64
	UnitPath  string
	WeekStart string // local Monday YYYY-MM-DD
	Status    CallPlanStatus
	Instance  json.RawMessage // plan-format instance, ids "h<household>", "f<officer>", "o<unit>"
	Result    json.RawMessage // plan-format plan
	Summary   CallPlanSummary
	CreatedBy int64
	Created   time.Time
	BookedAt  time.Time
}

// CallPlanSummary is the review of a plan: the objective, the shortfalls
// and each office's load.
type CallPlanSummary struct {
	Households       int `json:"households"`
	HouseholdsServed int `json:"households_served"`
	Calls            int `json:"calls"`
	Preferred        int `json:"preferred"`
	HomeCalls        int `json:"home_calls"`
	// Short lists the households that got fewer calls than they may have;
	// a list of plans leaves it empty (a nation's holds tens of thousands)
	// and gives only ShortCount, their number.
	Short      []CallShortfall  `json:"short"`
	ShortCount int              `json:"short_count"`
	Offices    []CallOfficeLoad `json:"offices"`
	Millis     int64            `json:"millis"` // planner time
	// Fingerprint sums up the week of the subtree when the plan was made —
	// its calls, rooms, duties, areas and households' settings: booking the
	// plan refuses if it changed since.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// CallShortfall is a household that got fewer calls than it may have, with
// the planner's true reason.
type CallShortfall struct {
	HouseholdID int64  `json:"household_id"`
	Got         int    `json:"got"`
	Want        int    `json:"want"`
	Reason      string `json:"reason"`      // English, from the planner
	ReasonCode  string `json:"reason_code"` // for translation
}

// CallOfficeLoad is one office's share of a plan.
type CallOfficeLoad struct {
	UnitID      int64 `json:"unit_id"`
	Households  int   `json:"households"`
	OfficeCalls int   `json:"office_calls"`
	HomeCalls   int   `json:"home_calls"`
	OfficeSlots int   `json:"office_slots"` // capacity: calls the office's slots could hold
	HomeBlocks  int   `json:"home_blocks"`
}

// CalendarToken is the secret of an officer's calendar feed URL, stored
// hashed; revoking it ends the URL.
type CalendarToken struct {
	ID      int64
	UserID  int64
	Hash    string
	Created time.Time
	Revoked time.Time
}

// CallHousehold is what the weekly plan and the free-slot search need of one
// household: its unit, settings (defaults when it has none), policy, and the
// calls it has already booked in the period.
type CallHousehold struct {
	HouseholdID int64
	UnitID      int64
	UnitPath    string
	Settings    HouseholdCallSettings
}

// CallsTx is the family calls' part of a transaction.
type CallsTx interface {
	// CallSetupVersion returns the version of the call set-up: the units,
	// users, programmes, call offices and rooms, rosters, roster exceptions
	// and officer areas. The database moves it on with every change to any
	// of them, in the change's transaction.
	CallSetupVersion(ctx context.Context) (int64, error)
	// FindCallOffice returns the office's set-up with all its rooms
	// (active or not); ENOTFOUND if it has none.
	FindCallOffice(ctx context.Context, unitID int64) (*CallOffice, error)
	// FindCallOffices returns the set-ups of the offices in the subtree.
	FindCallOffices(ctx context.Context, pathPrefix string) ([]*CallOffice, error)
	// PutCallOffice writes the office's hours, creates its rooms without an
	// ID (setting it) and updates the others; rooms are never deleted, only
	// made inactive.
	PutCallOffice(ctx context.Context, o *CallOffice) error

	// ReplaceRoster replaces the weekly template of the officers of the unit.
	ReplaceRoster(ctx context.Context, unitID int64, entries []RosterEntry) error
	// FindRoster returns the templates of the units' officers in the
	// subtree, by officer, weekday, half.
	FindRoster(ctx context.Context, pathPrefix string) ([]RosterEntry, error)
	CreateRosterException(ctx context.Context, e *RosterException) error // sets ID; ECONFLICT for a second one of the same officer, day and half
	DeleteRosterException(ctx context.Context, id int64) error
	FindRosterExceptionByID(ctx context.Context, id int64) (*RosterException, error)
	// FindRosterExceptions returns the exceptions of units in the subtree
	// with Day in [fromDay, toDay].
	FindRosterExceptions(ctx context.Context, pathPrefix, fromDay, toDay string) ([]*RosterException, error)
	// SetOfficerArea records the home-call area an officer covers ("" none).
	SetOfficerArea(ctx context.Context, userID int64, area string) error
	// FindOfficerAreas returns the areas of the officers of the subtree.
	FindOfficerAreas(ctx context.Context, pathPrefix string) (map[int64]string, error)

	PutHouseholdCallSettings(ctx context.Context, s *HouseholdCallSettings) error
	// FindHouseholdCallSettings returns ENOTFOUND when the household has none.
	FindHouseholdCallSettings(ctx context.Context, householdID int64) (*HouseholdCallSettings, error)
	// ScanCallHouseholds calls fn for every household of the subtree with a
	// current member, by id, with its settings (HouseholdID only set when it
	// has none), reading in batches.
	ScanCallHouseholds(ctx context.Context, pathPrefix string, fn func(*CallHousehold) error) error

	// FindResidentProgrammes returns the programme ids of each current
	// resident of the household (not departed, deceased or merged), by
	// person: what decides whose call policy applies.
	FindResidentProgrammes(ctx context.Context, householdID int64) ([][]int64, error)

	// CreateCall stores a booked call and its claims: every key of
	// CallClaimKeys(c), and the first free quota seat of
	// CallQuotaPrefix+"1" … +quota. If a key is taken, or no seat is free,
	// it returns an ECONFLICT *Error whose Field is the key taken (the
	// prefix for the quota) — without aborting the transaction on either
	// engine — and the caller rolls back. Sets ID, Version 1, Created.
	CreateCall(ctx context.Context, c *Call, quota int) error
	// UpdateCall writes status, note, reason, sequence if the stored
	// version is c.Version, and increments c.Version; else ECONFLICT.
	UpdateCall(ctx context.Context, c *Call) error
	// ReleaseCallClaims deletes the call's claims: all of them, or only its
	// quota seat (a free no-show).
	ReleaseCallClaims(ctx context.Context, callID int64, quotaOnly bool) error
	FindCallByID(ctx context.Context, id int64) (*Call, error)
	// FindCallByIdempotencyKey returns ENOTFOUND if the user booked none
	// with the key.
	FindCallByIdempotencyKey(ctx context.Context, userID int64, key string) (*Call, error)
	// FindCalls returns the calls f selects, by start then id, and the total.
	FindCalls(ctx context.Context, f CallFilter) ([]*Call, int, error)
	// CountHouseholdCalls returns, per household of the list, how many
	// quota seats it holds in the week.
	CountQuotaSeats(ctx context.Context, householdIDs []int64, week string) (map[int64]int, error)
	// CountWeeksQuotaSeats returns how many quota seats the household holds
	// in each ISO week from fromWeek to toWeek, both included, in one read;
	// weeks without a seat are left out.
	CountWeeksQuotaSeats(ctx context.Context, householdID int64, fromWeek, toWeek string) (map[string]int, error)

	CreateCallPlan(ctx context.Context, p *CallPlan) error // sets ID, Created
	FindCallPlanByID(ctx context.Context, id int64) (*CallPlan, error)
	// FindCallPlanReview returns the plan without its Instance and Result:
	// what a review of it shows.
	FindCallPlanReview(ctx context.Context, id int64) (*CallPlan, error)
	// FindCallPlans returns the plans of the subtree, newest first,
	// without their Instance and Result (FindCallPlanByID reads them).
	FindCallPlans(ctx context.Context, pathPrefix string, limit int) ([]*CallPlan, error)
	UpdateCallPlan(ctx context.Context, p *CallPlan) error // status, booked at

	CreateCalendarToken(ctx context.Context, t *CalendarToken) error // sets ID
	FindCalendarTokenByHash(ctx context.Context, hash string) (*CalendarToken, error)
	FindCalendarTokens(ctx context.Context, userID int64) ([]*CalendarToken, error)
	RevokeCalendarToken(ctx context.Context, id int64, at time.Time) error
}

// The rules below are pure: they work on what the services read, so that
// the free-slot search, booking and the weekly plan apply the same ones.

// CallDayLayout is the layout of a local date.
const CallDayLayout = "2006-01-02"

// LocalDay returns t's date in loc, "YYYY-MM-DD".
func LocalDay(t time.Time, loc *time.Location) string { return t.In(loc).Format(CallDayLayout) }

// ISOWeekOf returns t's ISO week in loc, "2026-W49": the week of the
// quota. Days at the turn of the year belong to the week's year, so
// 2027-01-01 (a Friday) is in 2026-W53.
func ISOWeekOf(t time.Time, loc *time.Location) string {
	y, w := t.In(loc).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// ParseCallDay reads a local date "YYYY-MM-DD" (as a date, in UTC).
func ParseCallDay(day string) (time.Time, error) {
	d, err := time.Parse(CallDayLayout, day)
	if err != nil {
		return d, fmt.Errorf("%q is not a date YYYY-MM-DD", day)
	}
	return d, nil
}

// AddDays returns the date n days after day.
func AddDays(day string, n int) string {
	d, err := ParseCallDay(day)
	if err != nil {
		return day
	}
	return d.AddDate(0, 0, n).Format(CallDayLayout)
}

// WeekMonday returns the Monday of day's ISO week.
func WeekMonday(day string) (string, error) {
	d, err := ParseCallDay(day)
	if err != nil {
		return "", err
	}
	wd := int(d.Weekday()+6) % 7 // Monday 0
	return d.AddDate(0, 0, -wd).Format(CallDayLayout), nil
}

// isoWeekday returns 1 (Monday) … 7 (Sunday) of a date.
func isoWeekday(d time.Time) int { return int(d.Weekday()+6)%7 + 1 }

// AtDayTime returns the instant of a local date and time of day in loc;
// 24:00 is the next midnight. On a day that changes the clocks, a time
// that does not exist is moved as time.Date moves it, and the duty, slot or
// window is as long as the clock says, not as the wall says.
func AtDayTime(day string, t DayTime, loc *time.Location) (time.Time, error) {
	d, err := ParseCallDay(day)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(d.Year(), d.Month(), d.Day(), int(t)/60, int(t)%60, 0, 0, loc), nil
}

// DefaultCallOffice returns an office's set-up with the default hours.
func DefaultCallOffice(unitID int64) *CallOffice {
	return &CallOffice{UnitID: unitID, MorningStart: 9 * 60, MorningEnd: 12 * 60, AfternoonStart: 13 * 60, AfternoonEnd: 17 * 60}
}

// Validate checks the office's hours (inside the day, the morning before
// the afternoon) and its rooms' names (set, unique in any case).
func (o *CallOffice) Validate() error {
	switch {
	case o.MorningStart < 0 || o.MorningEnd <= o.MorningStart:
		return FieldError("morning_end", "error.calls.hours", "The morning must end after it starts.")
	case o.AfternoonStart < o.MorningEnd:
		return FieldError("afternoon_start", "error.calls.hours_order", "The afternoon starts when the morning has ended.")
	case o.AfternoonEnd <= o.AfternoonStart || o.AfternoonEnd > 24*60:
		return FieldError("afternoon_end", "error.calls.hours", "The afternoon must end after it starts, by 24:00.")
	}
	seen := make(map[string]bool, len(o.Rooms))
	for i, r := range o.Rooms {
		r.Name = strings.TrimSpace(r.Name)
		key := strings.ToLower(r.Name)
		switch {
		case r.Name == "" || len(r.Name) > 100:
			return FieldError(fmt.Sprintf("rooms[%d].name", i), "error.calls.room_name", "Name the room (up to 100 characters).")
		case seen[key]:
			return FieldError(fmt.Sprintf("rooms[%d].name", i), "error.calls.room_unique", "The office has a room named %s already.", r.Name)
		}
		seen[key] = true
	}
	return nil
}

// ActiveRooms returns the office's active rooms by id.
func (o *CallOffice) ActiveRooms() []*CallRoom {
	var rs []*CallRoom
	for _, r := range o.Rooms {
		if r.Active {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(a, b *CallRoom) int { return cmpInt64(a.ID, b.ID) })
	return rs
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ValidateRoster checks a weekly template: weekdays, halves and kinds
// known, and one entry per officer, weekday and half.
func ValidateRoster(entries []RosterEntry) error {
	type key struct {
		officer int64
		day     int
		half    Half
	}
	seen := make(map[key]bool, len(entries))
	for i, e := range entries {
		field := fmt.Sprintf("entries[%d]", i)
		switch {
		case e.OfficerID == 0:
			return FieldError(field+".officer_id", "error.calls.officer_required", "Choose the officer.")
		case e.Weekday < 1 || e.Weekday > 7:
			return FieldError(field+".weekday", "error.calls.weekday", "A weekday is 1 (Monday) to 7 (Sunday).")
		case e.Half != Morning && e.Half != Afternoon:
			return FieldError(field+".half", "error.calls.half", "A half-day is the morning or the afternoon.")
		case !e.Kind.Valid():
			return FieldError(field+".kind", "error.calls.duty", "A duty is office, home or off.")
		case seen[key{e.OfficerID, e.Weekday, e.Half}]:
			return FieldError(field, "error.calls.roster_overlap", "The officer has a duty for that half-day already.")
		}
		seen[key{e.OfficerID, e.Weekday, e.Half}] = true
	}
	return nil
}

// ValidatePeriods checks a household's windows or preferred times (field
// "windows" or "preferred"): each valid, inside the day, none overlapping
// another of the same weekday.
func ValidatePeriods(field string, ps []WeekPeriod) error {
	for i, p := range ps {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := p.Validate(f); err != nil {
			return err
		}
		if p.Start < 0 || p.End > 24*60 {
			return FieldError(f+".end", "error.calls.period_day", "A period lies inside the day, 00:00 to 24:00.")
		}
		for j, q := range ps[:i] {
			if q.Weekday == p.Weekday && q.Start < p.End && p.Start < q.End {
				return FieldError(f, "error.calls.period_overlap", "The period overlaps %s[%d].", field, j)
			}
		}
	}
	return nil
}

// ResolveDuties returns the duties of an office's officers on the days
// fromDay … fromDay+days-1, in the office's time zone, by start then
// officer: each officer's template entry for the weekday and half-day,
// unless an exception of the office for that date and half says otherwise
// — the officer's own first, then one of the whole office (OfficerID 0),
// which applies to every officer of the template. Off is not listed.
// roster and exceptions must be the office's only.
func ResolveDuties(o *CallOffice, loc *time.Location, fromDay string, days int, roster []RosterEntry, exceptions []*RosterException) ([]Duty, error) {
	first, err := ParseCallDay(fromDay)
	if err != nil {
		return nil, err
	}
	type slot struct {
		officer int64
		weekday int
		half    Half
	}
	template := make(map[slot]DutyKind, len(roster))
	var officers []int64
	for _, e := range roster {
		template[slot{e.OfficerID, e.Weekday, e.Half}] = e.Kind
		if !slices.Contains(officers, e.OfficerID) {
			officers = append(officers, e.OfficerID)
		}
	}
	type dated struct {
		officer int64
		day     string
		half    Half
	}
	except := make(map[dated]DutyKind, len(exceptions))
	for _, e := range exceptions {
		except[dated{e.OfficerID, e.Day, e.Half}] = e.Kind
		if e.OfficerID != 0 && !slices.Contains(officers, e.OfficerID) {
			officers = append(officers, e.OfficerID)
		}
	}
	slices.Sort(officers)
	var duties []Duty
	for i := range days {
		d := first.AddDate(0, 0, i)
		day := d.Format(CallDayLayout)
		for _, half := range []Half{Morning, Afternoon} {
			start, end := o.Hours(half)
			from, _ := AtDayTime(day, start, loc)
			to, _ := AtDayTime(day, end, loc)
			for _, id := range officers {
				kind, ok := except[dated{id, day, half}]
				if !ok {
					kind, ok = except[dated{0, day, half}]
				}
				if !ok {
					kind = template[slot{id, isoWeekday(d), half}]
				}
				if kind == DutyOffice || kind == DutyHome {
					duties = append(duties, Duty{OfficerID: id, Kind: kind, Start: from, End: to})
				}
			}
		}
	}
	return duties, nil
}

// CallBoard is what the booking rules know of one office over a period:
// its set-up and time zone, its officers' duties and home-call areas, and
// the calls that hold its officers and rooms (every call not cancelled).
type CallBoard struct {
	Office *CallOffice
	Loc    *time.Location
	Duties []Duty
	Areas  map[int64]string
	Calls  []*Call
}

// officerBusy reports whether a call of the board holds the officer at
// any time of [start, end).
func (b *CallBoard) officerBusy(id int64, start, end time.Time) bool {
	for _, c := range b.Calls {
		if c.OfficerID == id && c.Status != CallCancelled && c.Start.Before(end) && start.Before(c.BlockEnd) {
			return true
		}
	}
	return false
}

// roomBusy reports whether a call of the board holds the room in [start, end).
func (b *CallBoard) roomBusy(id int64, start, end time.Time) bool {
	for _, c := range b.Calls {
		if c.RoomID == id && c.Status != CallCancelled && c.Start.Before(end) && start.Before(c.End) {
			return true
		}
	}
	return false
}

// OfficeSlots returns the starts of the office's call slots: every
// callMinutes step from the start of an office duty, while the call ends
// by the duty's end; by time, each once.
func (b *CallBoard) OfficeSlots(callMinutes int) []time.Time {
	var starts []time.Time
	step := time.Duration(callMinutes) * time.Minute
	for _, d := range b.Duties {
		if d.Kind != DutyOffice {
			continue
		}
		for t := d.Start; !t.Add(step).After(d.End); t = t.Add(step) {
			starts = append(starts, t)
		}
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(starts, func(a, b time.Time) bool { return a.Equal(b) })
}

// FreeOffice returns the rooms (active, by id) and the officers on office
// duty (by id) that are free for an office call in [start, end).
func (b *CallBoard) FreeOffice(start, end time.Time) (rooms, officers []int64) {
	for _, r := range b.Office.ActiveRooms() {
		if !b.roomBusy(r.ID, start, end) {
			rooms = append(rooms, r.ID)
		}
	}
	for _, d := range b.Duties {
		if d.Kind == DutyOffice && !d.Start.After(start) && !end.After(d.End) && !slices.Contains(officers, d.OfficerID) &&
			!b.officerBusy(d.OfficerID, start, end) {
			officers = append(officers, d.OfficerID)
		}
	}
	slices.Sort(officers)
	return rooms, officers
}

// HomeBlock is an officer's block of home duty: one home call, with travel.
type HomeBlock struct {
	OfficerID  int64
	Start, End time.Time
}

// HomeBlocks returns the blocks of the officers' home duties in the area:
// every blockMinutes step from the duty's start while the block ends by the
// duty's end; by start, then officer. An empty area has none.
func (b *CallBoard) HomeBlocks(area string, blockMinutes int) []HomeBlock {
	var bs []HomeBlock
	if area == "" {
		return nil
	}
	step := time.Duration(blockMinutes) * time.Minute
	for _, d := range b.Duties {
		if d.Kind != DutyHome || b.Areas[d.OfficerID] != area {
			continue
		}
		for t := d.Start; !t.Add(step).After(d.End); t = t.Add(step) {
			bs = append(bs, HomeBlock{OfficerID: d.OfficerID, Start: t, End: t.Add(step)})
		}
	}
	slices.SortFunc(bs, func(x, y HomeBlock) int {
		if c := x.Start.Compare(y.Start); c != 0 {
			return c
		}
		return cmpInt64(x.OfficerID, y.OfficerID)
	})
	return bs
}

// CallSeeker is a household as the booking rules see it: its settings,
// policy and allowed places, the local days it has a call already, and the
// quota seats it holds per ISO week.
type CallSeeker struct {
	HouseholdID int64
	Settings    HouseholdCallSettings
	Policy      CallPolicy
	Days        map[string]bool
	Used        map[string]int
}

// AllowedPlaces returns the places the policy allows that the settings
// allow too (all the policy's when the settings name none).
func (h *CallSeeker) AllowedPlaces() []CallPlace {
	if len(h.Settings.Places) == 0 {
		return slices.Clone(h.Policy.Places)
	}
	var ps []CallPlace
	for _, p := range h.Policy.Places {
		if slices.Contains(h.Settings.Places, p) {
			ps = append(ps, p)
		}
	}
	return ps
}

// periodsAt returns the concrete intervals of weekly periods on t's local
// day.
func periodsAt(ps []WeekPeriod, t time.Time, loc *time.Location) [][2]time.Time {
	day := LocalDay(t, loc)
	d, _ := ParseCallDay(day)
	var out [][2]time.Time
	for _, p := range ps {
		if p.Weekday != isoWeekday(d) {
			continue
		}
		from, _ := AtDayTime(day, p.Start, loc)
		to, _ := AtDayTime(day, p.End, loc)
		out = append(out, [2]time.Time{from, to})
	}
	return out
}

// Available reports whether the call [start, end) lies inside one of the
// household's windows; a household without windows is always available.
func (h *CallSeeker) Available(start, end time.Time, loc *time.Location) bool {
	if len(h.Settings.Windows) == 0 {
		return true
	}
	for _, w := range periodsAt(h.Settings.Windows, start, loc) {
		if !start.Before(w[0]) && !end.After(w[1]) {
			return true
		}
	}
	return false
}

// Prefers reports whether the call starts inside a preferred period.
func (h *CallSeeker) Prefers(start time.Time, loc *time.Location) bool {
	for _, p := range periodsAt(h.Settings.Preferred, start, loc) {
		if !start.Before(p[0]) && start.Before(p[1]) {
			return true
		}
	}
	return false
}

// callConflict is the error for a booking the current state refuses.
func callConflict(field, key, message string, args ...any) *Error {
	return &Error{Code: ECONFLICT, Field: field, Key: key, Message: fmt.Sprintf(message, args...), Args: args}
}

// QuotaUsedError is the refusal of a call beyond the week's quota.
func QuotaUsedError(quota int, week string) *Error {
	return callConflict("start", "error.calls.quota_used", "This household has used its %d calls for week %s.", quota, week)
}

// CheckTime checks the rules of a call's time that do not depend on the
// office: notice and horizon from now, the household's windows, one call a
// day and the week's quota.
func (b *CallBoard) CheckTime(h *CallSeeker, start time.Time, now time.Time) error {
	p := h.Policy
	end := start.Add(time.Duration(p.CallMinutes) * time.Minute)
	switch {
	case start.Before(now.Add(time.Duration(p.MinNoticeMinutes) * time.Minute)):
		return FieldError("start", "error.calls.notice_short", "Book at least %d minutes ahead.", p.MinNoticeMinutes)
	case start.After(now.AddDate(0, 0, p.HorizonDays)):
		return FieldError("start", "error.calls.horizon_far", "Book at most %d days ahead.", p.HorizonDays)
	case !h.Available(start, end, b.Loc):
		return FieldError("start", "error.calls.window", "The household is not available then.")
	}
	if day := LocalDay(start, b.Loc); h.Days[day] {
		return callConflict("start", "error.calls.day_taken", "This household has a call on %s already.", day)
	}
	if week := ISOWeekOf(start, b.Loc); h.Used[week] >= p.Quota {
		return QuotaUsedError(p.Quota, week)
	}
	return nil
}

// Place builds the call a request asks for, checked against every rule: the
// time's (CheckTime), the place's, and a free room and officer for an
// office call (the first free room; the first free officer on office duty
// unless the request names one), or the named officer's free home block in
// the household's area. The error names the field at fault.
func (b *CallBoard) Place(h *CallSeeker, req BookCall, now time.Time) (*Call, error) {
	p := h.Policy
	if !req.Place.Valid() {
		return nil, FieldError("place", "error.calls.place_unknown", "Choose the office or the home.")
	}
	if !slices.Contains(h.AllowedPlaces(), req.Place) {
		return nil, FieldError("place", "error.calls.place_not_allowed", "This household may not have calls at the %s.", req.Place)
	}
	start := req.Start
	if err := b.CheckTime(h, start, now); err != nil {
		return nil, err
	}
	end := start.Add(time.Duration(p.CallMinutes) * time.Minute)
	c := &Call{HouseholdID: h.HouseholdID, UnitID: b.Office.UnitID, Place: req.Place, Start: start, End: end, BlockEnd: end,
		Week: ISOWeekOf(start, b.Loc), Day: LocalDay(start, b.Loc), RelativeIDs: req.RelativeIDs, Status: CallBooked, Note: req.Note,
		IdempotencyKey: req.IdempotencyKey}
	if req.Place == CallAtOffice {
		if !slices.ContainsFunc(b.OfficeSlots(p.CallMinutes), start.Equal) {
			return nil, FieldError("start", "error.calls.no_slot", "No office call slot starts then.")
		}
		rooms, officers := b.FreeOffice(start, end)
		if len(rooms) == 0 {
			return nil, callConflict("start", "error.calls.room_taken", "No call room is free then.")
		}
		c.RoomID = rooms[0]
		switch {
		case req.OfficerID != 0 && !slices.Contains(officers, req.OfficerID):
			return nil, callConflict("officer_id", "error.calls.officer_busy", "The officer is not free for a call then.")
		case req.OfficerID != 0:
			c.OfficerID = req.OfficerID
		case len(officers) == 0:
			return nil, callConflict("start", "error.calls.officer_busy", "No officer is free for a call then.")
		default:
			c.OfficerID = officers[0]
		}
		return c, nil
	}
	if req.OfficerID == 0 {
		return nil, FieldError("officer_id", "error.calls.home_officer", "Choose the home block's officer.")
	}
	for _, bl := range b.HomeBlocks(h.Settings.Area, p.HomeBlockMinutes) {
		if bl.OfficerID == req.OfficerID && bl.Start.Equal(start) {
			if b.officerBusy(bl.OfficerID, bl.Start, bl.End) {
				return nil, callConflict("officer_id", "error.calls.officer_busy", "The officer is not free for a call then.")
			}
			c.OfficerID, c.BlockEnd = bl.OfficerID, bl.End
			return c, nil
		}
	}
	return nil, FieldError("start", "error.calls.no_block", "The officer has no home block in the household's area then.")
}

// FreeSlots returns the slots of [from, to) the household may book: the
// office's slots with a free room and a free officer, and the home blocks
// of free officers in its area, at its allowed places, that pass CheckTime;
// by start, office before home.
func (b *CallBoard) FreeSlots(h *CallSeeker, from, to, now time.Time) []Slot {
	var slots []Slot
	p := h.Policy
	call := time.Duration(p.CallMinutes) * time.Minute
	places := h.AllowedPlaces()
	inRange := func(t time.Time) bool {
		return !t.Before(from) && t.Before(to) && b.CheckTime(h, t, now) == nil
	}
	if slices.Contains(places, CallAtOffice) {
		for _, t := range b.OfficeSlots(p.CallMinutes) {
			if !inRange(t) {
				continue
			}
			rooms, officers := b.FreeOffice(t, t.Add(call))
			if n := min(len(rooms), len(officers)); n > 0 {
				slots = append(slots, Slot{Start: t, End: t.Add(call), Place: CallAtOffice, UnitID: b.Office.UnitID, Free: n,
					Preferred: h.Prefers(t, b.Loc)})
			}
		}
	}
	if slices.Contains(places, CallAtHome) {
		for _, bl := range b.HomeBlocks(h.Settings.Area, p.HomeBlockMinutes) {
			if inRange(bl.Start) && !b.officerBusy(bl.OfficerID, bl.Start, bl.End) {
				slots = append(slots, Slot{Start: bl.Start, End: bl.Start.Add(call), Place: CallAtHome, UnitID: b.Office.UnitID,
					OfficerID: bl.OfficerID, Free: 1, Preferred: h.Prefers(bl.Start, b.Loc)})
			}
		}
	}
	slices.SortStableFunc(slots, func(x, y Slot) int {
		if c := x.Start.Compare(y.Start); c != 0 {
			return c
		}
		if x.Place != y.Place {
			if x.Place == CallAtOffice {
				return -1
			}
			return 1
		}
		return cmpInt64(x.OfficerID, y.OfficerID)
	})
	return slots
}

// CallProgrammeOf returns the programme whose call policy applies to a
// household: the one its settings name, else the one most of its current
// members belong to (the lowest id on a tie), else 0 (the default policy).
// members holds each current member's programmes.
func CallProgrammeOf(settingsProgrammeID int64, members [][]int64) int64 {
	if settingsProgrammeID != 0 {
		return settingsProgrammeID
	}
	count := map[int64]int{}
	for _, ps := range members {
		for _, p := range slices.Compact(slices.Sorted(slices.Values(ps))) {
			count[p]++
		}
	}
	var best int64
	for p, n := range count {
		if n > count[best] || (n == count[best] && (best == 0 || p < best)) {
			best = p
		}
	}
	return best
}

// ClaimConflictError turns the key CreateCall found taken into the
// refusal a user understands.
func ClaimConflictError(key string, quota int, week string) *Error {
	switch {
	case strings.HasPrefix(key, "o:"):
		return callConflict("officer_id", "error.calls.officer_busy", "The officer is not free for a call then.")
	case strings.HasPrefix(key, "r:"):
		return callConflict("start", "error.calls.room_taken", "No call room is free then.")
	case strings.HasPrefix(key, "d:"):
		return callConflict("start", "error.calls.day_taken", "This household has a call on %s already.", key[strings.LastIndex(key, ":")+1:])
	case strings.HasPrefix(key, "q:"):
		return QuotaUsedError(quota, week)
	}
	return callConflict("", "error.retry", "Someone else changed the same records at the same time; try again.")
}
