package kinbridge

import (
	"context"
	"strings"
	"time"
)

// Household is a home of the population of concern: its address, its phone,
// the languages spoken there, and the unit responsible for it. A person's
// record is in a user's scope when their household's unit is.
type Household struct {
	ID        int64
	UnitID    int64
	UnitPath  string // of UnitID; filled by the store on reads
	Address   string
	Phone     string
	Languages []string // e.g. ["ko", "zh"]; free codes or names
	Notes     string
	Created   time.Time
	Updated   time.Time

	// Filled by the store on reads.
	Members int // residents whose current household this is
}

// Validate checks the fields a user sets.
func (h *Household) Validate() error {
	h.Address = strings.TrimSpace(h.Address)
	h.Phone = strings.TrimSpace(h.Phone)
	h.Notes = strings.TrimSpace(h.Notes)
	langs := h.Languages[:0]
	for _, l := range h.Languages {
		if l = strings.TrimSpace(l); l != "" {
			langs = append(langs, l)
		}
	}
	h.Languages = langs
	switch {
	case h.UnitID == 0:
		return FieldError("unit_id", "error.household.unit", "Choose the unit responsible for the household.")
	case h.Address == "":
		return FieldError("address", "error.household.address", "Give the household's address.")
	case len([]rune(h.Address)) > 500:
		return FieldError("address", "error.too_long", "At most %d characters.", 500)
	case h.Phone != "" && !ValidPhone(h.Phone):
		return FieldError("phone", "error.phone", "Not a phone number: use digits, spaces, +, -, ( and ).")
	case len(h.Languages) > 10:
		return FieldError("languages", "error.household.languages", "At most 10 languages.")
	case len([]rune(h.Notes)) > 10000:
		return FieldError("notes", "error.too_long", "At most %d characters.", 10000)
	}
	for _, l := range h.Languages {
		if len([]rune(l)) > 40 {
			return FieldError("languages", "error.too_long", "At most %d characters.", 40)
		}
	}
	return nil
}

// ValidPhone reports whether s looks like a phone number in any usual
// format: digits with spaces, dots, dashes, parentheses and a leading +.
func ValidPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/':
		case r == '+' && i == 0:
		default:
			return false
		}
	}
	return digits >= 3 && digits <= 20
}

// HouseholdFilter selects households. Zero fields select everything in
// scope.
type HouseholdFilter struct {
	UnitID      int64        // households of this unit's subtree
	ProgrammeID int64        // with a current member in this programme
	Status      PersonStatus // with a current member of this status
	Limit       int
	Offset      int

	// Set by the service from the caller's scope.
	PathPrefix string
	Path       string
}

// HouseholdRecord is a household with everything its page shows.
type HouseholdRecord struct {
	Household *Household
	Unit      *Unit
	Members   []*Person // residents, head first
	Relatives []*Person // relatives abroad, with their links
	Links     []*RelativeLink
	Events    []*StatusEvent // of every member, newest first
	Former    []*Person      // former members who moved away (their history stays here)
}

// findHouseholdInScope loads a household and authorises the action on it.
func findHouseholdInScope(ctx context.Context, tx Tx, a *Actor, action Action, id int64) (*Household, error) {
	h, err := tx.FindHouseholdByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound("household")
	} else if err != nil {
		return nil, err
	}
	if err := authorize(a, action, h.UnitPath, "household"); err != nil {
		return nil, err
	}
	return h, nil
}

// CreateHousehold adds a household to a unit in the caller's scope.
func (s *Service) CreateHousehold(ctx context.Context, h *Household) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := h.Validate(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		unit, err := findUnitInScope(ctx, tx, a, ActionRegistryEdit, h.UnitID)
		if ErrorCode(err) == ENOTFOUND {
			return FieldError("unit_id", "error.household.unit", "Choose the unit responsible for the household.")
		} else if err != nil {
			return err
		}
		h.UnitPath = unit.Path
		if err := tx.CreateHousehold(ctx, h); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "household.create", RecordType: "household", RecordID: h.ID, UnitID: h.UnitID})
	})
}

// UpdateHousehold changes a household's address, phone, languages, notes or
// responsible unit; both the old and the new unit must be in scope.
func (s *Service) UpdateHousehold(ctx context.Context, h *Household) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := h.Validate(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		old, err := findHouseholdInScope(ctx, tx, a, ActionRegistryEdit, h.ID)
		if err != nil {
			return err
		}
		if h.UnitID != old.UnitID {
			unit, err := findUnitInScope(ctx, tx, a, ActionRegistryEdit, h.UnitID)
			if ErrorCode(err) == ENOTFOUND {
				return FieldError("unit_id", "error.household.unit", "Choose the unit responsible for the household.")
			} else if err != nil {
				return err
			}
			h.UnitPath = unit.Path
		}
		if err := tx.UpdateHousehold(ctx, h); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "household.update", RecordType: "household", RecordID: h.ID, UnitID: h.UnitID,
			Detail: map[string]any{"from_unit_id": old.UnitID}})
	})
}

// FindHouseholdByID returns a household with its members, relatives abroad
// and status history. The read is audited.
func (s *Service) FindHouseholdByID(ctx context.Context, id int64) (*HouseholdRecord, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	rec := &HouseholdRecord{}
	err = s.store.Update(ctx, func(tx Tx) error {
		if rec.Household, err = findHouseholdInScope(ctx, tx, a, ActionRegistryView, id); err != nil {
			return err
		}
		if rec.Unit, err = tx.FindUnitByID(ctx, rec.Household.UnitID); err != nil {
			return err
		}
		persons, err := tx.FindPersons(ctx, PersonFilter{HouseholdID: id})
		if err != nil {
			return err
		}
		for _, p := range persons {
			switch {
			case p.Kind == PersonRelativeAbroad:
				rec.Relatives = append(rec.Relatives, p)
			default:
				rec.Members = append(rec.Members, p)
			}
		}
		sortMembers(rec.Members)
		if rec.Links, err = tx.FindRelativeLinks(ctx, id); err != nil {
			return err
		}
		if rec.Events, err = tx.FindStatusEvents(ctx, StatusEventFilter{HouseholdID: id}); err != nil {
			return err
		}
		// Members who moved away keep their history on this household's page.
		if rec.Former, err = tx.FindPersons(ctx, PersonFilter{FormerHouseholdID: id}); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "household.view", RecordType: "household", RecordID: id, UnitID: rec.Household.UnitID})
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// FindHouseholds lists the households of the caller's scope, narrowed by f.
// A list shows addresses, so it is audited too (one entry per list).
func (s *Service) FindHouseholds(ctx context.Context, f HouseholdFilter) ([]*Household, int, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := authorizeAction(a, ActionRegistryView); err != nil {
		return nil, 0, err
	}
	if f.Status != "" && !f.Status.Valid() {
		return nil, 0, FieldError("status", "error.person.status", "Unknown status.")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var hs []*Household
	var total int
	err = s.store.Update(ctx, func(tx Tx) error {
		scope := scopeFilter(a)
		f.PathPrefix, f.Path = scope.PathPrefix, scope.Path
		if f.UnitID != 0 {
			unit, err := findUnitInScope(ctx, tx, a, ActionRegistryView, f.UnitID)
			if err != nil {
				return err
			}
			// The unit's subtree, within the caller's scope.
			if a.Role.SubtreeScope() || a.System {
				f.PathPrefix, f.Path = unit.Path, ""
			}
		}
		if hs, total, err = tx.FindHouseholds(ctx, f); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "household.list", RecordType: "household", UnitID: a.UnitID,
			Detail: map[string]any{"unit_id": f.UnitID, "programme_id": f.ProgrammeID, "status": string(f.Status), "offset": f.Offset, "shown": len(hs)}})
	})
	return hs, total, err
}
