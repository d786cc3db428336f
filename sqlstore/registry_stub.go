package sqlstore

import (
	"context"

	"github.com/kinbridge/kinbridge"
)

// The registry's storage is being written; until then these answer that it
// is not implemented, so that the rest builds and runs.

var errRegistryTODO = kinbridge.Errorf(kinbridge.EINTERNAL, "registry storage not implemented yet")

func (tx *Tx) FindProgrammes(ctx context.Context) ([]*kinbridge.Programme, error) {
	return nil, errRegistryTODO
}
func (tx *Tx) FindProgrammeByID(ctx context.Context, id int64) (*kinbridge.Programme, error) {
	return nil, errRegistryTODO
}
func (tx *Tx) CreateProgramme(ctx context.Context, p *kinbridge.Programme) error {
	return errRegistryTODO
}
func (tx *Tx) UpdateProgramme(ctx context.Context, p *kinbridge.Programme) error {
	return errRegistryTODO
}
func (tx *Tx) FindHouseholdByID(ctx context.Context, id int64) (*kinbridge.Household, error) {
	return nil, errRegistryTODO
}
func (tx *Tx) FindHouseholds(ctx context.Context, f kinbridge.HouseholdFilter) ([]*kinbridge.Household, int, error) {
	return nil, 0, errRegistryTODO
}
func (tx *Tx) CreateHousehold(ctx context.Context, h *kinbridge.Household) error {
	return errRegistryTODO
}
func (tx *Tx) CreateHouseholds(ctx context.Context, hs []*kinbridge.Household) error {
	return errRegistryTODO
}
func (tx *Tx) UpdateHousehold(ctx context.Context, h *kinbridge.Household) error {
	return errRegistryTODO
}
func (tx *Tx) ScanHouseholds(ctx context.Context, f kinbridge.HouseholdFilter, fn func(*kinbridge.HouseholdRecord) error) error {
	return errRegistryTODO
}
func (tx *Tx) FindPersonByID(ctx context.Context, id int64) (*kinbridge.Person, error) {
	return nil, errRegistryTODO
}
func (tx *Tx) FindPersons(ctx context.Context, f kinbridge.PersonFilter) ([]*kinbridge.Person, error) {
	return nil, errRegistryTODO
}
func (tx *Tx) CreatePerson(ctx context.Context, p *kinbridge.Person) error { return errRegistryTODO }
func (tx *Tx) CreatePersons(ctx context.Context, ps []*kinbridge.Person) error {
	return errRegistryTODO
}
func (tx *Tx) UpdatePerson(ctx context.Context, p *kinbridge.Person) error { return errRegistryTODO }
func (tx *Tx) UpdatePersonState(ctx context.Context, id int64, st kinbridge.PersonState) error {
	return errRegistryTODO
}
func (tx *Tx) MergePerson(ctx context.Context, keep, dup *kinbridge.Person) error {
	return errRegistryTODO
}
func (tx *Tx) CreateStatusEvent(ctx context.Context, e *kinbridge.StatusEvent) error {
	return errRegistryTODO
}
func (tx *Tx) FindStatusEvents(ctx context.Context, f kinbridge.StatusEventFilter) ([]*kinbridge.StatusEvent, error) {
	return nil, errRegistryTODO
}
func (tx *Tx) CreateRelativeLink(ctx context.Context, l *kinbridge.RelativeLink) error {
	return errRegistryTODO
}
func (tx *Tx) CreateRelativeLinks(ctx context.Context, ls []*kinbridge.RelativeLink) error {
	return errRegistryTODO
}
func (tx *Tx) FindRelativeLinks(ctx context.Context, householdID int64) ([]*kinbridge.RelativeLink, error) {
	return nil, errRegistryTODO
}
func (tx *Tx) SearchTerms(ctx context.Context, f kinbridge.SearchFilter) ([]kinbridge.SearchHit, error) {
	return nil, errRegistryTODO
}
func (tx *Tx) FindTermMatches(ctx context.Context, terms []string, excludeID int64) ([]kinbridge.TermMatch, error) {
	return nil, errRegistryTODO
}
func (tx *Tx) CreateDuplicateFlag(ctx context.Context, f *kinbridge.DuplicateFlag) error {
	return errRegistryTODO
}
func (tx *Tx) FlagDuplicatesOf(ctx context.Context, firstID, lastID int64) (int, error) {
	return 0, errRegistryTODO
}
func (tx *Tx) FindDuplicateFlags(ctx context.Context, f kinbridge.DuplicateFilter) ([]*kinbridge.DuplicateFlag, error) {
	return nil, errRegistryTODO
}
func (tx *Tx) DeleteDuplicateFlags(ctx context.Context, personID, otherID int64) error {
	return errRegistryTODO
}
