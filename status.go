package kinbridge

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// StatusKind is what a status event records.
type StatusKind string

// Status event kinds.
const (
	EventMoved       StatusKind = "moved"        // to another household or address, still here
	EventLeftCountry StatusKind = "left_country" // abroad, may come back
	EventReturned    StatusKind = "returned"     // back from abroad
	EventDeparted    StatusKind = "departed"     // left through the departure list
	EventDied        StatusKind = "died"
)

// StatusKinds lists the event kinds in the order forms offer them.
var StatusKinds = []StatusKind{EventMoved, EventLeftCountry, EventReturned, EventDeparted, EventDied}

// StatusEvent is one dated change of a person's status. Events are only ever
// added: the history is never overwritten, and the current status and
// address are derived from it (Apply).
type StatusEvent struct {
	ID            int64
	PersonID      int64
	HouseholdID   int64 // the person's household when the event happened
	UnitID        int64 // of that household, for the audit and scope
	Kind          StatusKind
	Date          string // YYYY-MM-DD, the day it happened
	ToHouseholdID int64  // moved: into this household of the registry
	ToAddress     string // moved: to this address outside the registry
	Note          string
	Recorded      time.Time
	RecordedBy    int64
	RecorderName  string
}

// StatusEventFilter selects status events, newest first.
type StatusEventFilter struct {
	PersonID    int64
	HouseholdID int64 // events that happened in, or moved someone into, the household
}

// PersonState is the derived part of a person: where they live and their
// status.
type PersonState struct {
	Status      PersonStatus
	HouseholdID int64
	Address     string // set when moved to an address outside the registry
}

// Apply returns the state after the event, or an EINVALID error when the
// event cannot follow the state (one cannot return without having left, and
// nothing follows death).
func (st PersonState) Apply(e *StatusEvent) (PersonState, error) {
	bad := func() (PersonState, error) {
		return st, FieldError("kind", "error.status.transition", "This cannot follow the person's current status (%s).", st.Status)
	}
	switch e.Kind {
	case EventMoved:
		if st.Status != StatusPresent {
			return bad()
		}
		if e.ToHouseholdID != 0 {
			st.HouseholdID, st.Address = e.ToHouseholdID, ""
		} else {
			st.Address = e.ToAddress
		}
	case EventLeftCountry:
		if st.Status != StatusPresent {
			return bad()
		}
		st.Status = StatusAbroad
	case EventReturned:
		if st.Status != StatusAbroad && st.Status != StatusDeparted {
			return bad()
		}
		st.Status = StatusPresent
	case EventDeparted:
		if st.Status != StatusPresent {
			return bad()
		}
		st.Status = StatusDeparted
	case EventDied:
		if st.Status == StatusDeceased {
			return bad()
		}
		st.Status = StatusDeceased
	default:
		return st, FieldError("kind", "error.status.kind", "Choose what happened.")
	}
	return st, nil
}

// DeriveState replays events (oldest first) from a person's first household
// and returns their current state.
func DeriveState(firstHousehold int64, events []*StatusEvent) (PersonState, error) {
	st := PersonState{Status: StatusPresent, HouseholdID: firstHousehold}
	for _, e := range events {
		var err error
		if st, err = st.Apply(e); err != nil {
			return st, err
		}
	}
	return st, nil
}

// validate checks the fields a user sets.
func (e *StatusEvent) validate(today, last string) error {
	e.Date = strings.TrimSpace(e.Date)
	e.ToAddress = strings.TrimSpace(e.ToAddress)
	e.Note = strings.TrimSpace(e.Note)
	if !slices.Contains(StatusKinds, e.Kind) {
		return FieldError("kind", "error.status.kind", "Choose what happened.")
	}
	if _, err := time.Parse("2006-01-02", e.Date); err != nil {
		return FieldError("date", "error.status.date", "Write the date as YYYY-MM-DD.")
	}
	if e.Date > today {
		return FieldError("date", "error.status.future", "The date is in the future.")
	}
	if last != "" && e.Date < last {
		return FieldError("date", "error.status.order", "The date is before the person's latest event (%s): events are recorded in the order they happened.", last)
	}
	if e.Kind == EventMoved {
		if (e.ToHouseholdID == 0) == (e.ToAddress == "") {
			return FieldError("to_household_id", "error.status.moved_to", "Give either the household or the address the person moved to.")
		}
	} else if e.ToHouseholdID != 0 || e.ToAddress != "" {
		return FieldError("to_household_id", "error.status.moved_only", "Only a move has a destination.")
	}
	if len([]rune(e.Note)) > 4000 || len([]rune(e.ToAddress)) > 500 {
		return FieldError("note", "error.too_long", "At most %d characters.", 4000)
	}
	return nil
}

// AddStatusEvent records a status event of a person in the caller's scope
// and updates their derived status, household and address. A move into
// another household needs that household in scope too.
func (s *Service) AddStatusEvent(ctx context.Context, e *StatusEvent) (*Person, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var p *Person
	err = s.store.Update(ctx, func(tx Tx) error {
		if p, err = addStatusEvent(ctx, tx, a, e); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "person.status", RecordType: "person", RecordID: p.ID, UnitID: e.UnitID,
			Detail: map[string]any{"kind": string(e.Kind), "date": e.Date, "to_household_id": e.ToHouseholdID, "status": string(p.Status)}})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// AddStatusEvents records many status events in one transaction, in the
// order given, each checked as AddStatusEvent checks it (so a person's
// events must come oldest first); one bad event rolls back all of them, and
// the error says which (its index). It is the bulk path of imports and of
// the demo data set: one audit entry records the batch, with the range of
// event ids it made.
func (s *Service) AddStatusEvents(ctx context.Context, events []*StatusEvent) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		return nil
	}
	return s.store.Update(ctx, func(tx Tx) error {
		for i, e := range events {
			if _, err := addStatusEvent(ctx, tx, a, e); err != nil {
				return fmt.Errorf("status event %d (person %d): %w", i, e.PersonID, err)
			}
		}
		first, last := events[0], events[len(events)-1]
		return s.audit(ctx, tx, a, AuditEvent{Action: "person.status.bulk", RecordType: "person", RecordID: first.PersonID, UnitID: a.UnitID,
			Detail: map[string]any{"events": len(events), "first_event_id": first.ID, "last_event_id": last.ID}})
	})
}

// addStatusEvent checks and records one status event in tx, and returns
// the person with their new state. It does not audit.
func addStatusEvent(ctx context.Context, tx Tx, a *Actor, e *StatusEvent) (*Person, error) {
	p, err := findPersonInScope(ctx, tx, a, ActionRegistryEdit, e.PersonID)
	if err != nil {
		return nil, err
	}
	if p.MergedInto != 0 {
		return nil, &Error{Code: ECONFLICT, Message: "This record was merged into another; edit that one.", Key: "error.person.merged"}
	}
	if p.Kind != PersonResident {
		return nil, FieldError("kind", "error.status.resident_only", "Status events are recorded for residents.")
	}
	events, err := tx.FindStatusEvents(ctx, StatusEventFilter{PersonID: p.ID})
	if err != nil {
		return nil, err
	}
	last := ""
	if len(events) > 0 {
		last = events[0].Date // newest first
	}
	now := tx.Now()
	today := now.In(unitLocation(ctx, tx, p.UnitID)).Format("2006-01-02")
	if err := e.validate(today, last); err != nil {
		return nil, err
	}
	st := PersonState{Status: p.Status, HouseholdID: p.HouseholdID, Address: p.Address}
	next, err := st.Apply(e)
	if err != nil {
		return nil, err
	}
	unitID := p.UnitID
	if e.ToHouseholdID != 0 {
		if e.ToHouseholdID == p.HouseholdID {
			return nil, FieldError("to_household_id", "error.status.same_household", "The person already lives in this household.")
		}
		to, err := findHouseholdInScope(ctx, tx, a, ActionRegistryEdit, e.ToHouseholdID)
		if ErrorCode(err) == ENOTFOUND {
			return nil, FieldError("to_household_id", "error.status.moved_to", "Give either the household or the address the person moved to.")
		} else if err != nil {
			return nil, err
		}
		unitID = to.UnitID
	}
	e.HouseholdID, e.UnitID = p.HouseholdID, p.UnitID
	e.Recorded, e.RecordedBy, e.RecorderName = now, a.UserID, a.Username
	if err := tx.CreateStatusEvent(ctx, e); err != nil {
		return nil, err
	}
	if err := tx.UpdatePersonState(ctx, p.ID, next); err != nil {
		return nil, err
	}
	p.Status, p.HouseholdID, p.Address, p.UnitID = next.Status, next.HouseholdID, next.Address, unitID
	return p, nil
}

// unitLocation returns the time zone of a unit, for "today" there.
func unitLocation(ctx context.Context, tx Tx, unitID int64) *time.Location {
	u, err := tx.FindUnitByID(ctx, unitID)
	if err != nil {
		return time.UTC
	}
	return u.Location()
}
