package kinbridge

import (
	"context"
	"strings"
)

// Role is what a user may do; where they may do it is their unit's subtree
// (or only their own unit, for the roles that work at one office).
type Role string

// Roles, as in DESIGN.md.
const (
	RoleAdministrator   Role = "administrator"
	RoleSupervisor      Role = "supervisor"
	RoleOfficer         Role = "officer"
	RoleCallCoordinator Role = "call_coordinator"
	RoleViewer          Role = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdministrator, RoleSupervisor, RoleOfficer, RoleCallCoordinator, RoleViewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// SubtreeScope reports whether the role reaches the whole subtree of the
// user's unit; the other roles reach only the unit itself.
func (r Role) SubtreeScope() bool {
	switch r {
	case RoleAdministrator, RoleSupervisor, RoleViewer:
		return true
	}
	return false
}

// Actor is who performs an operation: a signed-in user, an API token's owner,
// or the system itself (the command line working on its own database).
type Actor struct {
	UserID   int64
	Username string
	Role     Role
	UnitID   int64
	UnitPath string // materialized path of the user's unit, e.g. "/1/4/"
	Lang     string
	Addr     string // remote address, for the audit log
	System   bool   // the command line: every unit is in scope
}

// SystemActor is the actor for command-line operations run by whoever holds
// the database itself; name says which command.
func SystemActor(name string) *Actor {
	return &Actor{Username: "system:" + name, Role: RoleAdministrator, UnitPath: "/", System: true, Addr: "local"}
}

// InScope reports whether a record of the unit with the given path is inside
// the actor's scope.
func (a *Actor) InScope(unitPath string) bool {
	if a == nil {
		return false
	} else if a.System {
		return true
	} else if a.Role.SubtreeScope() {
		return strings.HasPrefix(unitPath, a.UnitPath)
	}
	return unitPath == a.UnitPath
}

// ScopePrefix returns the path prefix that selects the actor's scope, and
// whether the scope is the whole subtree (false: that one unit only).
func (a *Actor) ScopePrefix() (prefix string, subtree bool) {
	if a.System {
		return "/", true
	}
	return a.UnitPath, a.Role.SubtreeScope()
}

type actorKey struct{}

// NewContextWithActor returns a context that carries the actor.
func NewContextWithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor of the context, or nil.
func ActorFromContext(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// actor returns the context's actor or an EUNAUTHORIZED error.
func actor(ctx context.Context) (*Actor, error) {
	a := ActorFromContext(ctx)
	if a == nil {
		return nil, &Error{Code: EUNAUTHORIZED, Message: "Sign in first.", Key: "error.unauthorized"}
	}
	return a, nil
}
