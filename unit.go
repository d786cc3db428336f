package kinbridge

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Unit is a node of the organisation: headquarters, a region, a local office.
// Path is its materialized path ("/1/4/9/"): the subtree of a unit is every
// unit whose path starts with its path, which an index answers in one range.
type Unit struct {
	ID       int64
	ParentID int64 // 0 for a root
	Names    UnitNames
	TimeZone string // IANA name, e.g. "Asia/Seoul"
	Path     string
	Depth    int // 0 for a root
	Created  time.Time
	Updated  time.Time
}

// UnitNames is a unit's name in each UI language.
type UnitNames struct {
	EN, KO, ZH string
}

// In returns the name in the given language, falling back to another
// language's name where that one is missing.
func (n UnitNames) In(lang string) string {
	var first string
	switch lang {
	case LangKorean:
		first = n.KO
	case LangChinese:
		first = n.ZH
	default:
		first = n.EN
	}
	for _, s := range []string{first, n.EN, n.KO, n.ZH} {
		if s != "" {
			return s
		}
	}
	return ""
}

// IsAncestorOf reports whether u is other or one of its ancestors.
func (u *Unit) IsAncestorOf(other *Unit) bool { return strings.HasPrefix(other.Path, u.Path) }

// UnitFilter selects units. Zero fields select everything.
type UnitFilter struct {
	ID         int64
	ParentID   int64
	PathPrefix string // subtree
	Path       string // exactly this unit
	Depth      int    // > 0: only units at this depth (a root is at 0)
	Limit      int
}

func (u *Unit) normalize() {
	u.Names.EN = strings.TrimSpace(u.Names.EN)
	u.Names.KO = strings.TrimSpace(u.Names.KO)
	u.Names.ZH = strings.TrimSpace(u.Names.ZH)
	u.TimeZone = strings.TrimSpace(u.TimeZone)
	if u.TimeZone == "" {
		u.TimeZone = "UTC"
	}
}

// Validate checks the fields a user sets.
func (u *Unit) Validate() error {
	u.normalize()
	if u.Names.EN == "" && u.Names.KO == "" && u.Names.ZH == "" {
		return FieldError("name_en", "error.unit.name_required", "Give the unit a name in at least one language.")
	}
	for field, s := range map[string]string{"name_en": u.Names.EN, "name_ko": u.Names.KO, "name_zh": u.Names.ZH} {
		if len([]rune(s)) > 200 {
			return FieldError(field, "error.too_long", "At most %d characters.", 200)
		}
	}
	if _, err := time.LoadLocation(u.TimeZone); err != nil {
		return FieldError("time_zone", "error.unit.time_zone", "Unknown time zone %q; use a name such as Asia/Seoul.", u.TimeZone)
	}
	return nil
}

// Location returns the unit's time zone.
func (u *Unit) Location() *time.Location {
	if loc, ok := locations.Load(u.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil {
		return time.UTC
	}
	locations.Store(u.TimeZone, loc)
	return loc
}

// locations keeps the time zones loaded: time.LoadLocation reads and
// parses the zone's file each time, and every booking asks.
var locations sync.Map // name → *time.Location

// scopeFilter narrows a unit filter to what the actor may see.
func scopeFilter(a *Actor) UnitFilter {
	prefix, subtree := a.ScopePrefix()
	if subtree {
		return UnitFilter{PathPrefix: prefix}
	}
	return UnitFilter{Path: prefix}
}

// FindUnitByID returns a unit inside the caller's scope.
func (s *Service) FindUnitByID(ctx context.Context, id int64) (*Unit, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var u *Unit
	err = s.store.View(ctx, func(tx Tx) error {
		u, err = findUnitInScope(ctx, tx, a, ActionUnitView, id)
		return err
	})
	return u, err
}

// findUnitInScope loads a unit and authorises the action on it.
func findUnitInScope(ctx context.Context, tx Tx, a *Actor, action Action, id int64) (*Unit, error) {
	u, err := tx.FindUnitByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound("unit")
	} else if err != nil {
		return nil, err
	}
	if err := authorize(a, action, u.Path, "unit"); err != nil {
		return nil, err
	}
	return u, nil
}

// FindUnits returns the units of the caller's scope, in tree order.
func (s *Service) FindUnits(ctx context.Context) ([]*Unit, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorizeAction(a, ActionUnitView); err != nil {
		return nil, err
	}
	var units []*Unit
	err = s.store.View(ctx, func(tx Tx) error {
		units, err = tx.FindUnits(ctx, scopeFilter(a))
		return err
	})
	return units, err
}

// CreateUnit adds a unit under u.ParentID, which must be in the caller's
// scope. Only the command line may create a root.
func (s *Service) CreateUnit(ctx context.Context, u *Unit) error {
	return s.CreateUnits(ctx, []*Unit{u}, nil)
}

// CreateUnits adds several units in one transaction: all or none. Each
// unit's parent must exist before the call. progress, if not nil, is called
// after every 1,000 units with the number done.
func (s *Service) CreateUnits(ctx context.Context, units []*Unit, progress func(done int)) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	for _, u := range units {
		if err := u.Validate(); err != nil {
			return err
		}
	}
	return s.store.Update(ctx, func(tx Tx) error {
		for i, u := range units {
			if err := s.createUnit(ctx, tx, a, u); err != nil {
				return err
			}
			if progress != nil && (i+1)%1000 == 0 {
				progress(i + 1)
			}
		}
		return nil
	})
}

func (s *Service) createUnit(ctx context.Context, tx Tx, a *Actor, u *Unit) error {
	if u.ParentID == 0 {
		if !a.System {
			return FieldError("parent_id", "error.unit.parent_required", "Choose the parent unit.")
		}
	} else if _, err := findUnitInScope(ctx, tx, a, ActionUnitCreate, u.ParentID); ErrorCode(err) == ENOTFOUND {
		return FieldError("parent_id", "error.unit.parent_unknown", "No such parent unit.")
	} else if err != nil {
		return err
	}
	if err := tx.CreateUnit(ctx, u); err != nil {
		return err
	}
	return s.audit(ctx, tx, a, AuditEvent{Action: "unit.create", RecordType: "unit", RecordID: u.ID, UnitID: u.ID,
		Detail: map[string]any{"parent_id": u.ParentID, "name_en": u.Names.EN, "name_ko": u.Names.KO, "name_zh": u.Names.ZH, "time_zone": u.TimeZone}})
}

// UpdateUnit renames a unit or changes its time zone.
func (s *Service) UpdateUnit(ctx context.Context, id int64, names UnitNames, timeZone string) (*Unit, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var u *Unit
	err = s.store.Update(ctx, func(tx Tx) error {
		if u, err = findUnitInScope(ctx, tx, a, ActionUnitRename, id); err != nil {
			return err
		}
		u.Names, u.TimeZone = names, timeZone
		if err := u.Validate(); err != nil {
			return err
		}
		if err := tx.UpdateUnit(ctx, u); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "unit.update", RecordType: "unit", RecordID: u.ID, UnitID: u.ID,
			Detail: map[string]any{"name_en": u.Names.EN, "name_ko": u.Names.KO, "name_zh": u.Names.ZH, "time_zone": u.TimeZone}})
	})
	return u, err
}

// MoveUnit moves a unit and its whole subtree under a new parent. Both must be
// in the caller's scope; a move under the unit's own subtree would make a
// cycle and is refused.
func (s *Service) MoveUnit(ctx context.Context, id, newParentID int64) (*Unit, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var u *Unit
	err = s.store.Update(ctx, func(tx Tx) error {
		if u, err = findUnitInScope(ctx, tx, a, ActionUnitMove, id); err != nil {
			return err
		}
		if u.ParentID == 0 {
			return &Error{Code: ECONFLICT, Message: "A root unit cannot be moved.", Key: "error.unit.move_root"}
		}
		// The actor's own unit cannot be moved: its parent is outside the scope.
		if !a.System && u.Path == a.UnitPath {
			return &Error{Code: EFORBIDDEN, Message: "You cannot move your own unit.", Key: "error.unit.move_own"}
		}
		parent, err := findUnitInScope(ctx, tx, a, ActionUnitMove, newParentID)
		if ErrorCode(err) == ENOTFOUND {
			return FieldError("parent_id", "error.unit.parent_unknown", "No such parent unit.")
		} else if err != nil {
			return err
		}
		if u.IsAncestorOf(parent) {
			return FieldError("parent_id", "error.unit.cycle", "A unit cannot be moved under itself or its own subtree.")
		}
		oldParent := u.ParentID
		if oldParent == parent.ID {
			return nil
		}
		if err := tx.MoveUnit(ctx, u, parent); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "unit.move", RecordType: "unit", RecordID: u.ID, UnitID: u.ID,
			Detail: map[string]any{"from_parent_id": oldParent, "to_parent_id": parent.ID}})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
