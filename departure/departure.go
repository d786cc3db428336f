// Package departure orders the departure list and allocates travel days:
// the priority policy (tiers, vulnerability points, tie-break), the rank of
// every request with the reason for it, the allocation of days at a
// crossing's daily capacity, the forecast of expected dates, and the
// comparison of two policy versions. It is pure: no I/O, no clock, no
// database — the same input gives the same output.
package departure

import (
	"time"
)

// Fact kinds a policy can give points for, or select a tier by.
const (
	FactProgramme      = "programme_member" // the request's person (any member of the party) is in the programme
	FactAgeAtLeast     = "age_at_least"     // a member aged at least Threshold on the policy's reference day
	FactIllness        = "illness"          // a member with a serious illness recorded
	FactChildSeparated = "child_separated"  // a child under 18 whose parent is abroad
	FactDisability     = "disability"       // a member with a disability recorded
	FactAll            = "all"              // every request (the last tier)
)

// Fit rules: what happens when the next household in rank order does not
// fit in what is left of a day's capacity.
const (
	// FitKeepEmpty leaves the rest of the day empty: nobody overtakes.
	FitKeepEmpty = "keep_empty"
	// FitNextThatFits lets the next requests in rank order that fit use
	// the space; each such overtaking is recorded in the allocation.
	FitNextThatFits = "next_that_fits"
)

// Policy is one version of the priority policy.
type Policy struct {
	Version int    `json:"version"`
	Name    string `json:"name"`
	// Tiers in order: a request belongs to the first tier whose condition
	// it meets. The last tier should be FactAll.
	Tiers []Tier `json:"tiers"`
	// Points add up within a tier; more points rank higher.
	Points []PointRule `json:"points"`
	// TieBreak after tier and points: always registration time, then the
	// request id — written here so that the reason can say it.
	FitRule string `json:"fit_rule"`
}

// Tier is one level of the order.
type Tier struct {
	Name string `json:"name"` // e.g. "programme members"
	Fact string `json:"fact"` // FactProgramme, FactAll, or any fact kind: the request has it
}

// PointRule gives points for a fact of a member (per member who has it, up
// to Max per request; Max 0 = no cap).
type PointRule struct {
	Fact      string `json:"fact"`
	Threshold int    `json:"threshold,omitempty"` // for FactAgeAtLeast: the age
	Points    int    `json:"points"`
	Max       int    `json:"max,omitempty"`
}

// Member is a person of a request's party, with the facts the policy reads.
type Member struct {
	PersonID        int64
	BirthYear       int    // 0: unknown; used when BirthDate is empty or bad
	BirthDate       string // YYYY-MM-DD, "" if unknown
	ProgrammeMember bool
	Illness         bool
	Disability      bool
	ChildSeparated  bool
}

// Request is a waiting (or allocated) request: a person alone or a whole
// household, which always travels together on one day.
type Request struct {
	ID           int64
	HouseholdID  int64 // 0: a person alone
	Members      []Member
	RegisteredAt time.Time
	// Allocated, if set, is the day the request already has (YYYY-MM-DD)
	// at the crossing being allocated: it keeps it (see Allocate).
	Allocated string
}

// Size is the number of persons travelling.
func (r *Request) Size() int { return len(r.Members) }

// Ranked is a request with its place on the list and why.
type Ranked struct {
	Request *Request
	Rank    int // 1 is first
	// Tier is an index into Policy.Tiers; len(Policy.Tiers) when the
	// request meets no tier's condition (possible only when the last tier
	// is not FactAll): it then comes after every tier.
	Tier   int
	Points int      // vulnerability points
	Detail []string // what gave the points, e.g. "age 78", "illness"
	// Facts say the same as Detail, item by item, for a translation.
	Facts  []PointFact
	Reason string // e.g. "tier 1: programme member; 3 vulnerability points (age 78, illness); registered 2026-03-02"
}

// PointFact is one item of what gave a request its points: a member's age
// (Fact FactAgeAtLeast, Age set), or a fact and how many members have it.
type PointFact struct {
	Fact  string `json:"fact"`
	Age   int    `json:"age,omitempty"`
	Count int    `json:"count,omitempty"`
}

// Day is one day of a crossing's capacity, in persons.
type Day struct {
	Date     string // YYYY-MM-DD
	Capacity int
}

// Assignment is the day allocated to a request.
type Assignment struct {
	RequestID int64
	Date      string
	Rank      int  // the request's rank, as given to Allocate
	Persons   int  // the party's size
	Kept      bool // the request already had this day (Request.Allocated)
	// Overtook lists the requests ranked higher that did not fit that day
	// and were passed under FitNextThatFits; Note says so in words.
	Overtook []int64
	Note     string
}

// Reasons a request gets no day (Why.Code).
const (
	// ReasonTooLarge: the party is larger than the capacity of every day
	// given, so it can never travel on one of them; it blocks nobody.
	ReasonTooLarge = "too_large"
	// ReasonNoRoom: no day given had room for the party at its turn.
	ReasonNoRoom = "no_room"
)

// Why says why a request got no day: a code for translations and the
// English text.
type Why struct {
	Code string
	Text string
}

// Allocation is the result of allocating days.
type Allocation struct {
	// Rule is the fit rule that applied (the policy's FitRule) and
	// RuleText says it in words, for the allocation and its day sheets.
	Rule        string
	RuleText    string
	Assignments []Assignment // in date order, then rank
	Unallocated []int64      // did not get a day within the days given, in rank order
	// Reasons says why each unallocated request got no day.
	Reasons map[int64]Why
	// Used is the persons allocated on each day (existing allocations
	// included); every day given has an entry.
	Used map[string]int
	// Over is, for each day whose capacity is below what was already
	// allocated on it, the persons over capacity. Nobody is moved off such
	// a day (the service must tell the people concerned); nobody new is
	// put on it.
	Over map[string]int
	// LeftEmpty is, under FitKeepEmpty, the places left empty on each day
	// closed because the next request in rank order did not fit.
	LeftEmpty map[string]int
}

// Move is a request whose rank differs between two policies.
type Move struct {
	RequestID int64
	OldRank   int
	NewRank   int
	OldReason string
	NewReason string
}
