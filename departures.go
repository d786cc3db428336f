package kinbridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge/departure"
)

// This file holds the departure list's types and rules: departure requests
// and their status machine, the versioned priority policy, crossings and
// their capacities, and residents' codes. The ordering and the allocation
// themselves are the pure package departure; the services are in
// departures_service.go.

// DepartureStatus is where a departure request stands.
type DepartureStatus string

// Departure statuses: waiting on the list, allocated a travel day at a
// crossing, then departed; withdrawn at any time before; missed (the day
// passed without them) puts the request back on the list, as waiting, under
// the adopted policy's MissedRule.
const (
	DepartureWaiting   DepartureStatus = "waiting"
	DepartureAllocated DepartureStatus = "allocated"
	DepartureDeparted  DepartureStatus = "departed"
	DepartureWithdrawn DepartureStatus = "withdrawn"
	DepartureMissed    DepartureStatus = "missed"
)

// DepartureStatuses lists the statuses.
var DepartureStatuses = []DepartureStatus{DepartureWaiting, DepartureAllocated, DepartureDeparted, DepartureWithdrawn, DepartureMissed}

// LiveDepartureStatuses are the statuses of a request on the list: a person
// or household has at most one such request.
var LiveDepartureStatuses = []DepartureStatus{DepartureWaiting, DepartureAllocated}

// Valid reports whether s is a known status.
func (s DepartureStatus) Valid() bool { return slices.Contains(DepartureStatuses, s) }

// Live reports whether a request of status s is on the list.
func (s DepartureStatus) Live() bool { return slices.Contains(LiveDepartureStatuses, s) }

// departureTransitions are the allowed changes of status. Missed is a step
// on the way back to waiting: a request is never stored as missed.
var departureTransitions = map[DepartureStatus][]DepartureStatus{
	DepartureWaiting:   {DepartureAllocated, DepartureWithdrawn},
	DepartureAllocated: {DepartureDeparted, DepartureWithdrawn, DepartureMissed},
	DepartureMissed:    {DepartureWaiting},
}

// CanBecome reports whether a request of status s may move to next.
func (s DepartureStatus) CanBecome(next DepartureStatus) bool {
	return slices.Contains(departureTransitions[s], next)
}

// CheckTransition returns the refusal of a change from s to next, naming
// the status field, or nil when it is allowed.
func (s DepartureStatus) CheckTransition(next DepartureStatus) error {
	if s.CanBecome(next) {
		return nil
	}
	return &Error{Code: ECONFLICT, Field: "status", Key: "error.departure.status", Args: []any{s, next},
		Message: fmt.Sprintf("A %s request cannot become %s.", s, next)}
}

// Travel document states of a request.
const (
	TravelDocsNone    = "none"
	TravelDocsApplied = "applied"
	TravelDocsReady   = "ready"
)

// TravelDocsStates lists them.
var TravelDocsStates = []string{TravelDocsNone, TravelDocsApplied, TravelDocsReady}

// DepartureMember is a person of a request's party, with the facts the
// registry lacks, recorded on the request.
type DepartureMember struct {
	PersonID       int64 `json:"person_id"`
	Illness        bool  `json:"illness"`
	Disability     bool  `json:"disability"`
	ChildSeparated bool  `json:"child_separated"`

	// Filled on reads from the person's record.
	Name      string `json:"name,omitempty"`
	BirthDate string `json:"birth_date,omitempty"`
}

// DepartureRequest is a request to leave: a person alone or a whole
// household, which always travels together.
type DepartureRequest struct {
	ID int64
	// HouseholdID is the household of a household request, or the
	// household of the person of a person's request (its unit is the
	// request's scope).
	HouseholdID int64
	PersonID    int64 // a person's request; 0 for a whole household
	UnitID      int64 // filled by the store: the household's unit
	UnitPath    string
	Members     []DepartureMember // the party: the household's current residents, or the person
	Destination string
	TravelDocs  string // TravelDocsNone, TravelDocsApplied, TravelDocsReady
	// RegisteredAt orders the request among equals; now unless an
	// administrator gives it. A missed day under the "to_end" rule
	// registers the request anew.
	RegisteredAt time.Time
	Notes        string
	Status       DepartureStatus
	// The allocation: the crossing and local day, and the note saying the
	// rule that applied.
	CrossingID     int64
	Day            string // YYYY-MM-DD
	AllocationNote string
	AllocatedAt    time.Time
	DepartedAt     time.Time
	Reason         string // why it was withdrawn
	Missed         int    // days missed
	Version        int
	CreatedBy      int64
	Created        time.Time
	Updated        time.Time

	// Filled by the services from the adopted policy: the place on the
	// agency-wide list (0: not on it), the reason in words, and the
	// expected travel day ("" when none within the forecast horizon).
	Rank       int
	RankReason string // e.g. "tier 1: programme member; 3 vulnerability points (age 78, illness); registered 2026-03-02"
	Expected   string
	// Why is the reason item by item, for pages in other languages.
	Why *RankWhy
}

// RankWhy is the reason of a rank, item by item: the tier (its number from
// 1, 0 for none, and its name as the policy gives it), the points and what
// gave them, and the registration day (UTC).
type RankWhy struct {
	Tier       int
	TierName   string
	Points     int
	Facts      []departure.PointFact
	Registered string
}

// Size is the number of persons travelling.
func (r *DepartureRequest) Size() int { return len(r.Members) }

// Validate checks the fields a user sets, naming the field at fault.
func (r *DepartureRequest) Validate() error {
	r.Destination = strings.TrimSpace(r.Destination)
	r.Notes = strings.TrimSpace(r.Notes)
	if r.TravelDocs == "" {
		r.TravelDocs = TravelDocsNone
	}
	switch {
	case r.HouseholdID == 0 && r.PersonID == 0:
		return FieldError("household_id", "error.departure.party", "Choose a household or a person.")
	case r.Destination == "":
		return FieldError("destination", "error.departure.destination", "Say where they are going.")
	case len([]rune(r.Destination)) > 200:
		return FieldError("destination", "error.too_long", "At most %d characters.", 200)
	case !slices.Contains(TravelDocsStates, r.TravelDocs):
		return FieldError("travel_docs", "error.departure.travel_docs", "Travel documents are none, applied or ready.")
	case len([]rune(r.Notes)) > 2000:
		return FieldError("notes", "error.too_long", "At most %d characters.", 2000)
	}
	for i, m := range r.Members {
		if m.PersonID == 0 || slices.IndexFunc(r.Members, func(o DepartureMember) bool { return o.PersonID == m.PersonID }) != i {
			return FieldError(fmt.Sprintf("members[%d].person_id", i), "error.departure.member_twice", "Each member once.")
		}
	}
	return nil
}

// DepartureFilter selects requests. Zero fields select everything in scope.
type DepartureFilter struct {
	PathPrefix  string // set by the service: requests of households of this subtree
	IDs         []int64
	HouseholdID int64 // the household's requests (whole, or of one of its persons)
	PersonID    int64 // requests whose party includes the person
	Statuses    []DepartureStatus
	CrossingID  int64
	Day         string
	Limit       int
	Offset      int
}

// Policy statuses: a draft is edited and previewed, then adopted; adopting
// another retires it.
const (
	PolicyDraft   = "draft"
	PolicyAdopted = "adopted"
	PolicyRetired = "retired"
)

// Missed rules: where a request goes back on the list when its day is
// missed.
const (
	MissedKeepPlace = "keep_place" // back to waiting with its registration
	MissedToEnd     = "to_end"     // registered anew, now
)

// DeparturePolicy is one version of the priority policy, as the agency
// keeps it: the rules (departure.Policy), whose programme's members count
// as "programme member", what a missed day does, and where it stands.
type DeparturePolicy struct {
	ID          int64
	Version     int // 1, 2, … in creation order; Rules.Version is kept equal
	Status      string
	Rules       departure.Policy
	ProgrammeID int64  // 0: a member of any programme counts
	MissedRule  string // MissedKeepPlace or MissedToEnd
	CreatedBy   int64
	Created     time.Time
	Updated     time.Time
	AdoptedBy   int64
	AdoptedAt   time.Time
}

// Validate checks the policy, naming the field at fault.
func (p *DeparturePolicy) Validate() error {
	p.Rules.Name = strings.TrimSpace(p.Rules.Name)
	if p.MissedRule == "" {
		p.MissedRule = MissedKeepPlace
	}
	if p.Rules.FitRule == "" {
		p.Rules.FitRule = departure.FitKeepEmpty
	}
	switch {
	case p.Rules.Name == "":
		return FieldError("name", "error.departure.policy_name", "Name the policy.")
	case len([]rune(p.Rules.Name)) > 200:
		return FieldError("name", "error.too_long", "At most %d characters.", 200)
	case p.MissedRule != MissedKeepPlace && p.MissedRule != MissedToEnd:
		return FieldError("missed_rule", "error.departure.missed_rule", "A missed day keeps the place or goes to the end.")
	}
	if err := p.Rules.Validate(); err != nil {
		var fe *departure.FieldError
		if errors.As(err, &fe) {
			return &Error{Code: EINVALID, Field: fe.Field, Key: "error.departure." + fe.Key, Message: fe.Message}
		}
		return FieldError("rules", "error.departure.policy", "%s", err.Error())
	}
	return nil
}

// DefaultDeparturePolicy is the order when no policy was ever adopted:
// registration time alone, nobody overtaking.
var DefaultDeparturePolicy = DeparturePolicy{Status: PolicyAdopted, MissedRule: MissedKeepPlace,
	Rules: departure.Policy{Name: "registration order", Tiers: []departure.Tier{{Name: "everyone", Fact: departure.FactAll}},
		FitRule: departure.FitKeepEmpty}}

// Crossing is a border crossing point: open or closed, with a daily
// capacity in persons that single days may override.
type Crossing struct {
	ID            int64
	Name          string
	Open          bool
	DailyCapacity int
	Overrides     map[string]int // local day YYYY-MM-DD → capacity; filled on reads
	Created       time.Time
	Updated       time.Time
}

// Validate checks the fields a user sets.
func (c *Crossing) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	switch {
	case c.Name == "":
		return FieldError("name", "error.crossing.name", "Name the crossing.")
	case len([]rune(c.Name)) > 200:
		return FieldError("name", "error.too_long", "At most %d characters.", 200)
	case c.DailyCapacity < 0 || c.DailyCapacity > 100000:
		return FieldError("daily_capacity", "error.crossing.capacity", "A capacity is 0 to 100000 persons a day.")
	}
	return nil
}

// CapacityOn returns the crossing's capacity on the day: its override, or
// the daily capacity; a closed crossing has none.
func (c *Crossing) CapacityOn(day string) int {
	if !c.Open {
		return 0
	}
	if n, ok := c.Overrides[day]; ok {
		return n
	}
	return c.DailyCapacity
}

// Days returns the crossing's days fromDay … fromDay+days-1 with their
// capacities (whatIfDaily > 0 replaces every day's capacity).
func (c *Crossing) Days(fromDay string, days, whatIfDaily int) []departure.Day {
	out := make([]departure.Day, days)
	for i := range days {
		d := AddDays(fromDay, i)
		out[i] = departure.Day{Date: d, Capacity: c.CapacityOn(d)}
		if whatIfDaily > 0 {
			out[i].Capacity = whatIfDaily
		}
	}
	return out
}

// ResidentCode is the secret printed on a resident's slip, stored hashed
// like API tokens; revoking it ends the look-ups.
type ResidentCode struct {
	ID        int64
	RequestID int64
	Hash      string
	CreatedBy int64
	Created   time.Time
	Revoked   time.Time
}

// ResidentView is all a resident's code shows: their own request's place
// and status, nothing of anyone else.
type ResidentView struct {
	RequestID   int64           `json:"-"`
	Status      DepartureStatus `json:"status"`
	Position    int             `json:"position"` // rank among the waiting and allocated requests; 0 when not on the list
	Expected    string          `json:"expected,omitempty"`
	Day         string          `json:"day,omitempty"` // the allocated travel day
	Crossing    string          `json:"crossing,omitempty"`
	Destination string          `json:"destination"`
	Persons     int             `json:"persons"`
}

// DepartureList is one page of the agency-wide list as the caller may see
// it: requests of their scope, with rank, reason and expected day.
type DepartureList struct {
	Policy   *DeparturePolicy // the adopted policy (the default if none)
	Requests []*DepartureRequest
	Total    int // requests in scope the filter selects
}

// CrossingAllocation is the result of allocating a crossing's days: the
// pure allocation (rule, assignments — those kept marked Kept —,
// unallocated with reasons, persons per day, days over capacity) and the
// days over capacity with the requests on them, whose officers were told.
type CrossingAllocation struct {
	CrossingID int64
	FromDay    string
	Days       int
	departure.Allocation
	New      int       // assignments written by this allocation
	OverDays []OverDay // days whose allocations exceed the capacity now
}

// OverDay is a day holding more persons than its capacity: allocations
// made under a higher capacity stay (nobody is moved without being told),
// and the requests' officers are told.
type OverDay struct {
	Day        string
	Capacity   int
	Used       int
	RequestIDs []int64
}

// DepartureForecast is the expected day of every live request in scope at
// a crossing, and the whole queue draining day by day.
type DepartureForecast struct {
	CrossingID  int64
	WhatIfDaily int
	FromDay     string
	Days        int
	Expected    []departure.Expected // requests of the caller's scope, in rank order
	Series      []departure.Drain
}

// DepartureDaySheet is the printable list of a crossing's day.
type DepartureDaySheet struct {
	Crossing *Crossing
	Day      string
	Capacity int
	Persons  int
	Requests []*DepartureRequest // in rank order, members with names
}

// Notification kinds of the departure list.
const (
	NotifyDepartureAllocated = "departure_allocated" // a request of a household you look after got a travel day
	NotifyDepartureOver      = "departure_over"      // a day of a request you look after is now over capacity: tell them
)

// DeparturesTx is the departure list's part of a transaction.
type DeparturesTx interface {
	// CreateDepartureRequest stores the request and its members; sets ID,
	// Version 1, Created, Updated. ECONFLICT when the household (for a
	// whole household) or any member has a live request already.
	CreateDepartureRequest(ctx context.Context, r *DepartureRequest) error
	// FindDepartureRequestByID fills UnitID, UnitPath and the members with
	// their names and birth dates.
	FindDepartureRequestByID(ctx context.Context, id int64) (*DepartureRequest, error)
	// FindDepartureRequests returns the requests f selects, filled like
	// FindDepartureRequestByID, by id, and the total.
	FindDepartureRequests(ctx context.Context, f DepartureFilter) ([]*DepartureRequest, int, error)
	// UpdateDepartureRequest writes status, allocation, registration, notes,
	// reason, missed and times if the stored version is r.Version, and
	// increments r.Version; else ECONFLICT. The members' live flags follow
	// the status.
	UpdateDepartureRequest(ctx context.Context, r *DepartureRequest) error

	CreateDeparturePolicy(ctx context.Context, p *DeparturePolicy) error // sets ID, Version (next), Created
	FindDeparturePolicyByID(ctx context.Context, id int64) (*DeparturePolicy, error)
	// FindAdoptedDeparturePolicy returns ENOTFOUND when none was adopted.
	FindAdoptedDeparturePolicy(ctx context.Context) (*DeparturePolicy, error)
	FindDeparturePolicies(ctx context.Context) ([]*DeparturePolicy, error) // newest version first
	UpdateDeparturePolicy(ctx context.Context, p *DeparturePolicy) error   // rules, programme, missed rule, status, adoption

	CreateCrossing(ctx context.Context, c *Crossing) error // sets ID; name unique (ECONFLICT)
	UpdateCrossing(ctx context.Context, c *Crossing) error // name, open, daily capacity
	FindCrossingByID(ctx context.Context, id int64) (*Crossing, error)
	FindCrossings(ctx context.Context) ([]*Crossing, error) // by name
	// SetCrossingDayCapacity sets the capacity of one day; a negative
	// capacity removes the override.
	SetCrossingDayCapacity(ctx context.Context, crossingID int64, day string, capacity int) error

	CreateResidentCode(ctx context.Context, c *ResidentCode) error // sets ID
	FindResidentCodeByHash(ctx context.Context, hash string) (*ResidentCode, error)
	FindResidentCodeByID(ctx context.Context, id int64) (*ResidentCode, error)
	FindResidentCodes(ctx context.Context, requestID int64) ([]*ResidentCode, error)
	RevokeResidentCode(ctx context.Context, id int64, at time.Time) error
}
