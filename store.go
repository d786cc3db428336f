package kinbridge

import (
	"context"
	"time"
)

// Store is the storage the services run on. The sqlite and postgres packages
// implement it with the same behaviour, proven by one test suite (storetest).
type Store interface {
	// Update runs fn in a read-write transaction; an error from fn rolls it back.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Read runs fn, which reads with one query, outside a transaction: one
	// statement sees one snapshot by itself, and a transaction around it
	// would cost two more statements (every request's authentication
	// reads so). A second query fails.
	Read(ctx context.Context, fn func(Tx) error) error
	Ping(ctx context.Context) error
	Close() error
}

// Tx is one transaction's access to the records. Its methods do no
// authorisation and no audit: the services do both.
// Finders return an ENOTFOUND *Error for a missing record; unique keys
// violated give ECONFLICT.
type Tx interface {
	// Now is the transaction's clock reading, fixed when it began.
	Now() time.Time

	FindUnitByID(ctx context.Context, id int64) (*Unit, error)
	FindUnits(ctx context.Context, f UnitFilter) ([]*Unit, error)
	CreateUnit(ctx context.Context, u *Unit) error // sets ID, Path, Depth
	UpdateUnit(ctx context.Context, u *Unit) error // names and time zone
	// MoveUnit puts the unit under newParent and rewrites the paths and
	// depths of its whole subtree in one statement; it updates u's ParentID,
	// Path and Depth. The caller has refused cycles.
	MoveUnit(ctx context.Context, u *Unit, newParent *Unit) error

	FindUserByID(ctx context.Context, id int64) (*User, error)
	FindUserByUsername(ctx context.Context, username string) (*User, error)
	FindUsers(ctx context.Context, f UserFilter) ([]*User, int, error)
	CreateUser(ctx context.Context, u *User) error // sets ID
	UpdateUser(ctx context.Context, u *User) error

	CreateSession(ctx context.Context, s *Session) error
	FindSession(ctx context.Context, tokenHash string) (*Session, error)
	// FindSessionUser returns the session and its user, in one query.
	FindSessionUser(ctx context.Context, tokenHash string) (*Session, *User, error)
	TouchSession(ctx context.Context, tokenHash string, at time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteUserSessions(ctx context.Context, userID int64) error
	DeleteExpiredSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error)

	CreateAPIToken(ctx context.Context, t *APIToken) error // sets ID
	FindAPITokenByHash(ctx context.Context, hash string) (*APIToken, error)
	// FindAPITokenUser returns the API token and its user, in one query.
	FindAPITokenUser(ctx context.Context, hash string) (*APIToken, *User, error)
	FindAPITokenByID(ctx context.Context, id int64) (*APIToken, error)
	FindAPITokens(ctx context.Context, userID int64) ([]*APIToken, error)
	RevokeAPIToken(ctx context.Context, id int64, at time.Time) error

	// AuditHead returns the head of the audit log as the audit head record
	// keeps it. In a read-write transaction it may instead return, without
	// reading, the head as the store last committed it: a guess, which
	// AppendAudit checks. Once AppendAudit has said the head moved, AuditHead
	// reads the head and locks it until the transaction ends.
	AuditHead(ctx context.Context) (AuditHead, error)
	// AppendAudit stores the entry and makes it the head, if the head is
	// still the entry's predecessor (e.Seq-1 and e.PrevHash); otherwise it
	// stores nothing and returns ErrAuditHeadMoved. It checks and moves the
	// head and stores the entry in one round trip to the database; moving
	// the head locks it until the transaction ends, so that appends are
	// serialised.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	FindAuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
	// ScanAudit calls fn for every entry in sequence order.
	ScanAudit(ctx context.Context, fn func(*AuditEntry) error) error

	RegistryTx
	WelfareTx
	DirectiveTx
	CallsTx
	DeparturesTx
}

// RegistryTx is the registry's part of a transaction: programmes,
// households, persons, status events, relatives' links, search terms and
// duplicate flags.
type RegistryTx interface {
	FindProgrammes(ctx context.Context) ([]*Programme, error) // by code
	FindProgrammeByID(ctx context.Context, id int64) (*Programme, error)
	CreateProgramme(ctx context.Context, p *Programme) error // sets ID; code unique (ECONFLICT)
	UpdateProgramme(ctx context.Context, p *Programme) error

	// FindHouseholdByID fills UnitPath and Members (the count of current
	// residents).
	FindHouseholdByID(ctx context.Context, id int64) (*Household, error)
	// FindHouseholds returns one page of the households f selects, by id,
	// and the total count.
	FindHouseholds(ctx context.Context, f HouseholdFilter) ([]*Household, int, error)
	CreateHousehold(ctx context.Context, h *Household) error // sets ID, Created, Updated
	// CreateHouseholds creates many households in as few statements as the
	// engine allows, setting their IDs in order.
	CreateHouseholds(ctx context.Context, hs []*Household) error
	// UpdateHousehold writes the household's fields; when its unit changed,
	// it moves its persons (and their search terms) to the new unit.
	UpdateHousehold(ctx context.Context, h *Household) error
	// ScanHouseholds calls fn for each household f selects (paging fields
	// ignored), by id, with its Members, Relatives and Links filled, reading
	// in batches so that no household costs a query of its own.
	ScanHouseholds(ctx context.Context, f HouseholdFilter, fn func(*HouseholdRecord) error) error

	// FindPersonByID fills UnitID, UnitPath, Documents and ProgrammeIDs
	// (not Terms); merged records are found too.
	FindPersonByID(ctx context.Context, id int64) (*Person, error)
	// FindPersons returns the persons f selects, by id, filled like
	// FindPersonByID; merged records only with IncludeMerged.
	FindPersons(ctx context.Context, f PersonFilter) ([]*Person, error)
	// CreatePerson stores the person with their documents, programmes and
	// Terms; sets ID, Created, Updated.
	CreatePerson(ctx context.Context, p *Person) error
	// CreatePersons creates many persons (with documents, programmes and
	// terms) in as few statements as the engine allows, setting IDs in order.
	CreatePersons(ctx context.Context, ps []*Person) error
	// UpdatePerson writes the person's own fields and replaces their
	// documents, programmes and Terms (not the derived state).
	UpdatePerson(ctx context.Context, p *Person) error
	// UpdatePersonState writes the derived status, household and address;
	// a new household may mean a new unit for the person and their terms.
	UpdatePersonState(ctx context.Context, id int64, st PersonState) error
	// MergePerson writes keep (as UpdatePerson), marks dup as merged into
	// keep (status merged, its terms removed), moves dup's relative links to
	// keep, and deletes the duplicate flags between the two.
	MergePerson(ctx context.Context, keep, dup *Person) error

	CreateStatusEvent(ctx context.Context, e *StatusEvent) error // sets ID
	FindStatusEvents(ctx context.Context, f StatusEventFilter) ([]*StatusEvent, error)

	CreateRelativeLink(ctx context.Context, l *RelativeLink) error // ECONFLICT if it exists
	CreateRelativeLinks(ctx context.Context, ls []*RelativeLink) error
	// FindRelativeLinks returns the links of the relatives of a household.
	FindRelativeLinks(ctx context.Context, householdID int64) ([]*RelativeLink, error)

	// SearchTerms returns, for each query term, up to f.Limit stored terms
	// of persons in scope that equal it (or start with it, for a prefix
	// term). Index-backed: never a scan of all terms.
	SearchTerms(ctx context.Context, f SearchFilter) ([]SearchHit, error)
	// FindTermMatches returns the persons other than excludeID (and not
	// merged) that have any of the terms exactly.
	FindTermMatches(ctx context.Context, terms []string, excludeID int64) ([]TermMatch, error)
	CreateDuplicateFlag(ctx context.Context, f *DuplicateFlag) error // ECONFLICT if it exists
	// FlagDuplicatesOf flags, in one statement per key kind, every pair of a
	// person with id in [firstID, lastID] and another person sharing a
	// duplicate key ("k:", "d:", "q:" terms), and returns the flags made.
	FlagDuplicatesOf(ctx context.Context, firstID, lastID int64) (int, error)
	FindDuplicateFlags(ctx context.Context, f DuplicateFilter) ([]*DuplicateFlag, error)
	DeleteDuplicateFlags(ctx context.Context, personID, otherID int64) error
}
