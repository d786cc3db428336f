package kinbridge

import "time"

// This file is the contract of the family calls services: their actions and
// request and result types. The services are in calls_service.go (booking,
// free slots, settings, rosters), calls_plan.go (the weekly plan) and
// calls_calendar.go (feeds and sheets).
//
// Authorisation: every method decides in the service, for every record id,
// with the actions below; a record outside the caller's scope is "not
// found". Every write, and every read that shows a household's calls, is
// audited in the same transaction.

// Actions of the family calls capability (added to Policy).
const (
	ActionCallView      Action = "call.view"      // see calls, free slots, day sheets, week views, plans
	ActionCallBook      Action = "call.book"      // book, cancel, reschedule, record outcomes, household call settings
	ActionCallPlan      Action = "call.plan"      // weekly plan (plan, book), office-wide cancellation
	ActionCallConfigure Action = "call.configure" // rooms, office hours, rosters, exceptions, officers' areas
)

// Slot is a free time a household may book: an office slot (with how many
// rooms and officers are free) or an officer's home block.
type Slot struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"` // of the call
	Place     CallPlace `json:"place"`
	UnitID    int64     `json:"unit_id"`
	OfficerID int64     `json:"officer_id,omitempty"` // home block's officer
	Free      int       `json:"free"`                 // office: calls the slot can still take; home: 1
	Preferred bool      `json:"preferred"`
}

// FreeSlots is the answer to "when can this household call": the week's
// quota and what is left of it, and the free slots in the period.
type FreeSlots struct {
	HouseholdID int64       `json:"household_id"`
	Policy      CallPolicy  `json:"policy"`
	Weeks       []QuotaWeek `json:"weeks"` // each ISO week the period touches
	Slots       []Slot      `json:"slots"`
	Reason      string      `json:"reason,omitempty"`      // why there are none, when there are none (English)
	ReasonCode  string      `json:"reason_code,omitempty"` // the same, for translation: one of the NoSlots… codes
}

// Why a household has no free slot (FreeSlots.ReasonCode).
const (
	NoSlotsQuotaUsed = "quota_used" // its quota is used in every week of the period
	NoSlotsNoPlace   = "no_place"   // its settings allow no place the policy allows
	NoSlotsWindows   = "windows"    // none lies inside its windows
	NoSlotsNone      = "none"       // none in the period
	NoSlotsPast      = "past"       // the period is past, or beyond the booking horizon
	NoSlotsNoOffice  = "no_office"  // the household's office is not set up for calls
)

// QuotaWeek is a household's quota use in one ISO week.
type QuotaWeek struct {
	Week  string `json:"week"`
	Used  int    `json:"used"`
	Quota int    `json:"quota"`
}

// BookCall is a request to book one call.
type BookCall struct {
	HouseholdID    int64     `json:"household_id"`
	Start          time.Time `json:"start"`
	Place          CallPlace `json:"place"`
	OfficerID      int64     `json:"officer_id,omitempty"` // home: the block's officer; office: optional
	RelativeIDs    []int64   `json:"relative_ids,omitempty"`
	Note           string    `json:"note,omitempty"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
}

// OfficeCancellation is the result of cancelling an office's calls for a
// reason: the calls cancelled, whose households' officers were notified,
// and free slots offered for rebooking.
type OfficeCancellation struct {
	UnitID int64   `json:"unit_id"`
	Reason string  `json:"reason"`
	Calls  []*Call `json:"calls"`
}

// OfficeDay is the printable day sheet of an office: its rooms by slots,
// and its officers' duties and calls.
type OfficeDay struct {
	Unit       *Unit
	Day        string
	Office     *CallOffice
	Slots      []time.Time // starts of the day's office slots
	Calls      []*Call     // booked, held, no-show… (not cancelled), by start
	Duties     []Duty
	Officers   map[int64]string // names
	Households map[int64]string // call id's household → address, for the sheet
}

// OfficerWeek is one officer's week: duties and calls.
type OfficerWeek struct {
	Officer    *User
	WeekStart  string
	Duties     []Duty
	Calls      []*Call
	Households map[int64]string
}

// Roster is an office's duty set-up for the editors.
type Roster struct {
	Unit       *Unit
	Office     *CallOffice // nil: not set up
	Officers   []*User     // the office's officers (and supervisors), by name
	Entries    []RosterEntry
	Areas      map[int64]string
	Exceptions []*RosterException // from today on
}

// The services. Each is described where it is implemented.
var (
	_ = (*Service).FreeSlots
	_ = (*Service).BookCall
)
