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
	Households       int              `json:"households"`
	HouseholdsServed int              `json:"households_served"`
	Calls            int              `json:"calls"`
	Preferred        int              `json:"preferred"`
	HomeCalls        int              `json:"home_calls"`
	Short            []CallShortfall  `json:"short"`
	Offices          []CallOfficeLoad `json:"offices"`
	Millis           int64            `json:"millis"` // planner time
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

	CreateCallPlan(ctx context.Context, p *CallPlan) error // sets ID, Created
	FindCallPlanByID(ctx context.Context, id int64) (*CallPlan, error)
	FindCallPlans(ctx context.Context, pathPrefix string, limit int) ([]*CallPlan, error) // newest first
	UpdateCallPlan(ctx context.Context, p *CallPlan) error                                // status, booked at

	CreateCalendarToken(ctx context.Context, t *CalendarToken) error // sets ID
	FindCalendarTokenByHash(ctx context.Context, hash string) (*CalendarToken, error)
	FindCalendarTokens(ctx context.Context, userID int64) ([]*CalendarToken, error)
	RevokeCalendarToken(ctx context.Context, id int64, at time.Time) error
}
