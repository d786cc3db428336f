package sqlstore

// Placeholders: the family calls store is being written; each method says so.

import (
	"context"
	"time"

	"github.com/kinbridge/kinbridge"
)

func callsTODO() error {
	return kinbridge.Errorf(kinbridge.EINTERNAL, "family calls store: not implemented yet")
}

func (tx *Tx) FindCallOffice(ctx context.Context, unitID int64) (*kinbridge.CallOffice, error) {
	return nil, callsTODO()
}
func (tx *Tx) FindCallOffices(ctx context.Context, pathPrefix string) ([]*kinbridge.CallOffice, error) {
	return nil, callsTODO()
}
func (tx *Tx) PutCallOffice(ctx context.Context, o *kinbridge.CallOffice) error { return callsTODO() }
func (tx *Tx) ReplaceRoster(ctx context.Context, unitID int64, entries []kinbridge.RosterEntry) error {
	return callsTODO()
}
func (tx *Tx) FindRoster(ctx context.Context, pathPrefix string) ([]kinbridge.RosterEntry, error) {
	return nil, callsTODO()
}
func (tx *Tx) CreateRosterException(ctx context.Context, e *kinbridge.RosterException) error {
	return callsTODO()
}
func (tx *Tx) DeleteRosterException(ctx context.Context, id int64) error { return callsTODO() }
func (tx *Tx) FindRosterExceptionByID(ctx context.Context, id int64) (*kinbridge.RosterException, error) {
	return nil, callsTODO()
}
func (tx *Tx) FindRosterExceptions(ctx context.Context, pathPrefix, fromDay, toDay string) ([]*kinbridge.RosterException, error) {
	return nil, callsTODO()
}
func (tx *Tx) SetOfficerArea(ctx context.Context, userID int64, area string) error {
	return callsTODO()
}
func (tx *Tx) FindOfficerAreas(ctx context.Context, pathPrefix string) (map[int64]string, error) {
	return nil, callsTODO()
}
func (tx *Tx) PutHouseholdCallSettings(ctx context.Context, s *kinbridge.HouseholdCallSettings) error {
	return callsTODO()
}
func (tx *Tx) FindHouseholdCallSettings(ctx context.Context, householdID int64) (*kinbridge.HouseholdCallSettings, error) {
	return nil, callsTODO()
}
func (tx *Tx) ScanCallHouseholds(ctx context.Context, pathPrefix string, fn func(*kinbridge.CallHousehold) error) error {
	return callsTODO()
}
func (tx *Tx) CreateCall(ctx context.Context, c *kinbridge.Call, quota int) error { return callsTODO() }
func (tx *Tx) UpdateCall(ctx context.Context, c *kinbridge.Call) error            { return callsTODO() }
func (tx *Tx) ReleaseCallClaims(ctx context.Context, callID int64, quotaOnly bool) error {
	return callsTODO()
}
func (tx *Tx) FindCallByID(ctx context.Context, id int64) (*kinbridge.Call, error) {
	return nil, callsTODO()
}
func (tx *Tx) FindCallByIdempotencyKey(ctx context.Context, userID int64, key string) (*kinbridge.Call, error) {
	return nil, callsTODO()
}
func (tx *Tx) FindCalls(ctx context.Context, f kinbridge.CallFilter) ([]*kinbridge.Call, int, error) {
	return nil, 0, callsTODO()
}
func (tx *Tx) CountQuotaSeats(ctx context.Context, householdIDs []int64, week string) (map[int64]int, error) {
	return nil, callsTODO()
}
func (tx *Tx) CreateCallPlan(ctx context.Context, p *kinbridge.CallPlan) error { return callsTODO() }
func (tx *Tx) FindCallPlanByID(ctx context.Context, id int64) (*kinbridge.CallPlan, error) {
	return nil, callsTODO()
}
func (tx *Tx) FindCallPlans(ctx context.Context, pathPrefix string, limit int) ([]*kinbridge.CallPlan, error) {
	return nil, callsTODO()
}
func (tx *Tx) UpdateCallPlan(ctx context.Context, p *kinbridge.CallPlan) error { return callsTODO() }
func (tx *Tx) CreateCalendarToken(ctx context.Context, t *kinbridge.CalendarToken) error {
	return callsTODO()
}
func (tx *Tx) FindCalendarTokenByHash(ctx context.Context, hash string) (*kinbridge.CalendarToken, error) {
	return nil, callsTODO()
}
func (tx *Tx) FindCalendarTokens(ctx context.Context, userID int64) ([]*kinbridge.CalendarToken, error) {
	return nil, callsTODO()
}
func (tx *Tx) RevokeCalendarToken(ctx context.Context, id int64, at time.Time) error {
	return callsTODO()
}
