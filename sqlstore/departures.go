package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/kinbridge/kinbridge"
)

// The departure list's storage: requests and their members, policy
// versions, crossings with their day capacities, residents' codes.

var errDeparturesTODO = errors.New("departures store: not written yet")

func (tx *Tx) CreateDepartureRequest(ctx context.Context, r *kinbridge.DepartureRequest) error {
	return errDeparturesTODO
}

func (tx *Tx) FindDepartureRequestByID(ctx context.Context, id int64) (*kinbridge.DepartureRequest, error) {
	return nil, errDeparturesTODO
}

func (tx *Tx) FindDepartureRequests(ctx context.Context, f kinbridge.DepartureFilter) ([]*kinbridge.DepartureRequest, int, error) {
	return nil, 0, errDeparturesTODO
}

func (tx *Tx) UpdateDepartureRequest(ctx context.Context, r *kinbridge.DepartureRequest) error {
	return errDeparturesTODO
}

func (tx *Tx) CreateDeparturePolicy(ctx context.Context, p *kinbridge.DeparturePolicy) error {
	return errDeparturesTODO
}

func (tx *Tx) FindDeparturePolicyByID(ctx context.Context, id int64) (*kinbridge.DeparturePolicy, error) {
	return nil, errDeparturesTODO
}

func (tx *Tx) FindAdoptedDeparturePolicy(ctx context.Context) (*kinbridge.DeparturePolicy, error) {
	return nil, errDeparturesTODO
}

func (tx *Tx) FindDeparturePolicies(ctx context.Context) ([]*kinbridge.DeparturePolicy, error) {
	return nil, errDeparturesTODO
}

func (tx *Tx) UpdateDeparturePolicy(ctx context.Context, p *kinbridge.DeparturePolicy) error {
	return errDeparturesTODO
}

func (tx *Tx) CreateCrossing(ctx context.Context, c *kinbridge.Crossing) error {
	return errDeparturesTODO
}

func (tx *Tx) UpdateCrossing(ctx context.Context, c *kinbridge.Crossing) error {
	return errDeparturesTODO
}

func (tx *Tx) FindCrossingByID(ctx context.Context, id int64) (*kinbridge.Crossing, error) {
	return nil, errDeparturesTODO
}

func (tx *Tx) FindCrossings(ctx context.Context) ([]*kinbridge.Crossing, error) {
	return nil, errDeparturesTODO
}

func (tx *Tx) SetCrossingDayCapacity(ctx context.Context, crossingID int64, day string, capacity int) error {
	return errDeparturesTODO
}

func (tx *Tx) CreateResidentCode(ctx context.Context, c *kinbridge.ResidentCode) error {
	return errDeparturesTODO
}

func (tx *Tx) FindResidentCodeByHash(ctx context.Context, hash string) (*kinbridge.ResidentCode, error) {
	return nil, errDeparturesTODO
}

func (tx *Tx) FindResidentCodeByID(ctx context.Context, id int64) (*kinbridge.ResidentCode, error) {
	return nil, errDeparturesTODO
}

func (tx *Tx) FindResidentCodes(ctx context.Context, requestID int64) ([]*kinbridge.ResidentCode, error) {
	return nil, errDeparturesTODO
}

func (tx *Tx) RevokeResidentCode(ctx context.Context, id int64, at time.Time) error {
	return errDeparturesTODO
}
