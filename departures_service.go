package kinbridge

import (
	"context"
	"time"

	"github.com/kinbridge/kinbridge/departure"
)

// This file holds the departure list's services: requests and their
// status, the list ranked under the adopted policy, policy versions with
// their preview and adoption, crossings and their capacities, allocation,
// the forecast, day sheets and residents' codes.

// errDeparturesTODO is the answer of a service not written yet.
var errDeparturesTODO = &Error{Code: EINTERNAL, Message: "departures: not written yet"}

// CreateDepartureRequest puts a person, or a whole household (its current
// residents), on the list. r.Members may carry the facts of members
// (illness, disability, child separated) by person id; the party itself is
// read from the registry. RegisteredAt is now unless an administrator gives
// it. A second live request of the same person or household is refused
// (ECONFLICT). Sets ID and the stored fields.
func (s *Service) CreateDepartureRequest(ctx context.Context, r *DepartureRequest) error {
	return errDeparturesTODO
}

// FindDepartureRequest returns one request of the caller's scope with its
// rank, reason and expected day. Audited.
func (s *Service) FindDepartureRequest(ctx context.Context, id int64) (*DepartureRequest, error) {
	return nil, errDeparturesTODO
}

// FindDepartureRequests returns the requests of the caller's scope that f
// selects (e.g. a household's, for its timeline), by id, with ranks, and
// the total.
func (s *Service) FindDepartureRequests(ctx context.Context, f DepartureFilter) ([]*DepartureRequest, int, error) {
	return nil, 0, errDeparturesTODO
}

// FindDepartureList returns a page of the agency-wide list ranked under the
// adopted policy, as the caller's scope shows it, in rank order (requests
// not on the list after them, by id); f filters by status, crossing and day.
func (s *Service) FindDepartureList(ctx context.Context, f DepartureFilter) (*DepartureList, error) {
	return nil, errDeparturesTODO
}

// WithdrawDepartureRequest takes a live request off the list for a reason.
// version 0 skips the check of the version.
func (s *Service) WithdrawDepartureRequest(ctx context.Context, id int64, version int, reason string) (*DepartureRequest, error) {
	return nil, errDeparturesTODO
}

// MarkDeparted records that an allocated request's party left; their
// persons' status becomes departed.
func (s *Service) MarkDeparted(ctx context.Context, id int64, version int) (*DepartureRequest, error) {
	return nil, errDeparturesTODO
}

// MarkMissed records that an allocated request missed its day: it goes
// back on the list, waiting, under the adopted policy's missed rule.
func (s *Service) MarkMissed(ctx context.Context, id int64, version int) (*DepartureRequest, error) {
	return nil, errDeparturesTODO
}

// CreateDeparturePolicy stores a new draft with the next version.
func (s *Service) CreateDeparturePolicy(ctx context.Context, p *DeparturePolicy) error {
	return errDeparturesTODO
}

// UpdateDeparturePolicy changes a draft's rules, programme and missed rule;
// adopted and retired versions do not change.
func (s *Service) UpdateDeparturePolicy(ctx context.Context, p *DeparturePolicy) error {
	return errDeparturesTODO
}

// FindDeparturePolicy returns one version.
func (s *Service) FindDeparturePolicy(ctx context.Context, id int64) (*DeparturePolicy, error) {
	return nil, errDeparturesTODO
}

// FindDeparturePolicies returns every version, newest first.
func (s *Service) FindDeparturePolicies(ctx context.Context) ([]*DeparturePolicy, error) {
	return nil, errDeparturesTODO
}

// PreviewDeparturePolicy ranks the live requests under the version and
// under the adopted one (the default order if none) and returns those of
// the caller's scope whose rank differs, with both reasons, by new rank.
func (s *Service) PreviewDeparturePolicy(ctx context.Context, id int64) ([]departure.Move, error) {
	return nil, errDeparturesTODO
}

// AdoptDeparturePolicy makes a draft the adopted policy and retires the
// previous one. Audited.
func (s *Service) AdoptDeparturePolicy(ctx context.Context, id int64) (*DeparturePolicy, error) {
	return nil, errDeparturesTODO
}

// CreateCrossing adds a crossing.
func (s *Service) CreateCrossing(ctx context.Context, c *Crossing) error {
	return errDeparturesTODO
}

// UpdateCrossing changes a crossing's name, open state and daily capacity.
func (s *Service) UpdateCrossing(ctx context.Context, c *Crossing) error {
	return errDeparturesTODO
}

// SetCrossingDayCapacity sets one day's capacity (negative: back to the
// daily capacity).
func (s *Service) SetCrossingDayCapacity(ctx context.Context, crossingID int64, day string, capacity int) error {
	return errDeparturesTODO
}

// FindCrossing returns one crossing with its overrides.
func (s *Service) FindCrossing(ctx context.Context, id int64) (*Crossing, error) {
	return nil, errDeparturesTODO
}

// FindCrossings returns the crossings by name.
func (s *Service) FindCrossings(ctx context.Context) ([]*Crossing, error) {
	return nil, errDeparturesTODO
}

// AllocateCrossing gives travel days at the crossing over fromDay …
// fromDay+days-1 to the list in rank order (departure.Allocate), keeping
// the allocations made before, in one transaction; audited; the case
// officers of the households are told of new days and of days now over
// capacity.
func (s *Service) AllocateCrossing(ctx context.Context, crossingID int64, fromDay string, days int) (*CrossingAllocation, error) {
	return nil, errDeparturesTODO
}

// Forecast returns the expected day of the waiting requests of the
// caller's scope at the crossing under its capacities, or under whatIfDaily
// persons a day (> 0), and the queue draining day by day.
func (s *Service) Forecast(ctx context.Context, crossingID int64, whatIfDaily int) (*DepartureForecast, error) {
	return nil, errDeparturesTODO
}

// DaySheet returns the requests of the caller's scope allocated to the
// crossing's day, with their members, for printing. Audited.
func (s *Service) DaySheet(ctx context.Context, crossingID int64, day string) (*DepartureDaySheet, error) {
	return nil, errDeparturesTODO
}

// CreateResidentCode makes a new code for the request's slip; the code is
// returned once and stored hashed.
func (s *Service) CreateResidentCode(ctx context.Context, requestID int64) (string, *ResidentCode, error) {
	return "", nil, errDeparturesTODO
}

// FindResidentCodes returns the codes of a request (hashes only).
func (s *Service) FindResidentCodes(ctx context.Context, requestID int64) ([]*ResidentCode, error) {
	return nil, errDeparturesTODO
}

// RevokeResidentCode ends a code.
func (s *Service) RevokeResidentCode(ctx context.Context, id int64) error {
	return errDeparturesTODO
}

// ResidentLookup shows what a resident's code shows: its own request's
// position, expected day, status and destination. No actor: audited as a
// system read naming the request, from addr. Unknown and revoked codes
// are not found.
func (s *Service) ResidentLookup(ctx context.Context, code, addr string) (*ResidentView, error) {
	return nil, errDeparturesTODO
}

var _ = time.Now
