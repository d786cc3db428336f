package kinbridge

import (
	"context"
	"errors"
	"time"
)

// This file is the contract of the family calls services: their request and
// result types and signatures. The bodies are filled in by
// calls_service.go, calls_plan.go and calls_calendar.go.
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

var errCallsTODO = errors.New("family calls: not implemented yet")

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
	Reason      string      `json:"reason,omitempty"` // why there are none, when there are none
}

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

// FreeSlots lists the free slots of a household in [from, to), within the
// policy's horizon and notice.
func (s *Service) FreeSlots(ctx context.Context, householdID int64, from, to time.Time) (*FreeSlots, error) {
	return nil, errCallsTODO
}

// BookCall books one call.
func (s *Service) BookCall(ctx context.Context, req BookCall) (*Call, error) {
	return nil, errCallsTODO
}

// CancelCall cancels a booked call with a reason.
func (s *Service) CancelCall(ctx context.Context, id int64, version int, reason string) (*Call, error) {
	return nil, errCallsTODO
}

// RescheduleCall cancels a booked call and books req instead, in one
// transaction.
func (s *Service) RescheduleCall(ctx context.Context, id int64, version int, req BookCall) (*Call, error) {
	return nil, errCallsTODO
}

// RecordCallOutcome marks a booked call held, no-show or officer missing.
func (s *Service) RecordCallOutcome(ctx context.Context, id int64, version int, status CallStatus, note string) (*Call, error) {
	return nil, errCallsTODO
}

// CancelOfficeCalls cancels every booked call of the office in [from, to).
func (s *Service) CancelOfficeCalls(ctx context.Context, unitID int64, from, to time.Time, reason string) (*OfficeCancellation, error) {
	return nil, errCallsTODO
}

// FindCallByID returns one call.
func (s *Service) FindCallByID(ctx context.Context, id int64) (*Call, error) {
	return nil, errCallsTODO
}

// FindCalls returns the calls in scope f selects.
func (s *Service) FindCalls(ctx context.Context, f CallFilter) ([]*Call, int, error) {
	return nil, 0, errCallsTODO
}

// FindHouseholdCallSettings returns a household's settings (defaults if none).
func (s *Service) FindHouseholdCallSettings(ctx context.Context, householdID int64) (*HouseholdCallSettings, error) {
	return nil, errCallsTODO
}

// SetHouseholdCallSettings writes a household's settings.
func (s *Service) SetHouseholdCallSettings(ctx context.Context, hs *HouseholdCallSettings) error {
	return errCallsTODO
}

// FindRoster returns an office's set-up, roster, areas and exceptions.
func (s *Service) FindRoster(ctx context.Context, unitID int64) (*Roster, error) {
	return nil, errCallsTODO
}

// SetCallOffice writes an office's hours and rooms.
func (s *Service) SetCallOffice(ctx context.Context, o *CallOffice) error { return errCallsTODO }

// SetRoster replaces an office's weekly template and its officers' areas.
func (s *Service) SetRoster(ctx context.Context, unitID int64, entries []RosterEntry, areas map[int64]string) error {
	return errCallsTODO
}

// AddRosterException records a leave or a holiday.
func (s *Service) AddRosterException(ctx context.Context, e *RosterException) error {
	return errCallsTODO
}

// DeleteRosterException removes one.
func (s *Service) DeleteRosterException(ctx context.Context, id int64) error { return errCallsTODO }

// OfficeDay returns an office's day sheet.
func (s *Service) OfficeDay(ctx context.Context, unitID int64, day string) (*OfficeDay, error) {
	return nil, errCallsTODO
}

// OfficerWeek returns an officer's week (weekStart: a local Monday).
func (s *Service) OfficerWeek(ctx context.Context, officerID int64, weekStart string) (*OfficerWeek, error) {
	return nil, errCallsTODO
}

// PlanWeek plans the week starting weekStart (a local Monday) for the
// unit's subtree and keeps the result as a draft for review.
func (s *Service) PlanWeek(ctx context.Context, unitID int64, weekStart string) (*CallPlan, error) {
	return nil, errCallsTODO
}

// FindCallPlan returns one plan.
func (s *Service) FindCallPlan(ctx context.Context, id int64) (*CallPlan, error) {
	return nil, errCallsTODO
}

// FindCallPlans returns the latest plans of the caller's subtree.
func (s *Service) FindCallPlans(ctx context.Context, unitID int64) ([]*CallPlan, error) {
	return nil, errCallsTODO
}

// BookCallPlan books every call of a draft plan in one transaction, or none.
func (s *Service) BookCallPlan(ctx context.Context, id int64) (*CallPlan, []*Call, error) {
	return nil, nil, errCallsTODO
}

// CreateCalendarToken makes a new secret feed URL token for the caller.
func (s *Service) CreateCalendarToken(ctx context.Context) (token string, t *CalendarToken, err error) {
	return "", nil, errCallsTODO
}

// FindCalendarTokens returns the caller's tokens.
func (s *Service) FindCalendarTokens(ctx context.Context) ([]*CalendarToken, error) {
	return nil, errCallsTODO
}

// RevokeCalendarToken ends one of the caller's feed URLs.
func (s *Service) RevokeCalendarToken(ctx context.Context, id int64) error { return errCallsTODO }

// CalendarFeed returns the iCalendar (RFC 5545) feed of the officer whose
// token it is: their calls from four weeks back on. No actor: the token is
// the credential; the read is audited.
func (s *Service) CalendarFeed(ctx context.Context, token string) ([]byte, error) {
	return nil, errCallsTODO
}
