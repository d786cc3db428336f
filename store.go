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
	TouchSession(ctx context.Context, tokenHash string, at time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteUserSessions(ctx context.Context, userID int64) error
	DeleteExpiredSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error)

	CreateAPIToken(ctx context.Context, t *APIToken) error // sets ID
	FindAPITokenByHash(ctx context.Context, hash string) (*APIToken, error)
	FindAPITokenByID(ctx context.Context, id int64) (*APIToken, error)
	FindAPITokens(ctx context.Context, userID int64) ([]*APIToken, error)
	RevokeAPIToken(ctx context.Context, id int64, at time.Time) error

	// AuditHead returns the sequence number and hash of the newest audit
	// entry (0 and nil when there is none), as kept in the audit head record.
	// In a read-write transaction it locks the head until the transaction
	// ends, so that appends are serialised.
	AuditHead(ctx context.Context) (seq int64, hash []byte, err error)
	// AppendAudit stores the entry and makes it the head.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	FindAuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
	// ScanAudit calls fn for every entry in sequence order.
	ScanAudit(ctx context.Context, fn func(*AuditEntry) error) error
}
