package sqlstore

import (
	"context"
	"fmt"

	"github.com/kinbridge/kinbridge"
)

const statusEventColumns = `e.id, e.person_id, e.household_id, e.unit_id, e.kind, e.date, COALESCE(e.to_household_id, 0),
	e.to_address, e.note, e.recorded, COALESCE(e.recorded_by, 0), e.recorder_name`

// CreateStatusEvent appends the event and sets its ID. Events are never
// changed afterwards: the schema refuses updates and deletes.
func (tx *Tx) CreateStatusEvent(ctx context.Context, e *kinbridge.StatusEvent) error {
	err := tx.queryRow(ctx, `
		INSERT INTO status_events (person_id, household_id, unit_id, kind, date, to_household_id, to_address, note,
			recorded, recorded_by, recorder_name)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.PersonID, e.HouseholdID, e.UnitID, string(e.Kind), e.Date, nullID(e.ToHouseholdID), e.ToAddress, e.Note,
		e.Recorded, nullID(e.RecordedBy), e.RecorderName,
	).Scan(&e.ID)
	if err != nil {
		return tx.store.mapError(err, "create status event", "status event")
	}
	return nil
}

// FindStatusEvents returns the events f selects, newest first: by date, and
// by the order they were recorded within a day.
func (tx *Tx) FindStatusEvents(ctx context.Context, f kinbridge.StatusEventFilter) ([]*kinbridge.StatusEvent, error) {
	var where []string
	var args []any
	if f.PersonID != 0 {
		where, args = append(where, "e.person_id = ?"), append(args, f.PersonID)
	}
	if f.HouseholdID != 0 {
		// Two indexed conditions: the events of the household's people, and
		// the moves into it.
		where = append(where, "(e.household_id = ? OR e.to_household_id = ?)")
		args = append(args, f.HouseholdID, f.HouseholdID)
	}
	rows, err := tx.query(ctx, "SELECT "+statusEventColumns+" FROM status_events e"+whereClause(where)+
		" ORDER BY e.date DESC, e.id DESC", args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find status events", "status event")
	}
	defer rows.Close()
	events := []*kinbridge.StatusEvent{}
	for rows.Next() {
		var e kinbridge.StatusEvent
		err := rows.Scan(&e.ID, &e.PersonID, &e.HouseholdID, &e.UnitID, &e.Kind, &e.Date, &e.ToHouseholdID,
			&e.ToAddress, &e.Note, scanTime{&e.Recorded}, &e.RecordedBy, &e.RecorderName)
		if err != nil {
			return nil, fmt.Errorf("find status events: %w", err)
		}
		events = append(events, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find status events", "status event")
	}
	return events, nil
}

// CreateRelativeLink stores a link; one that exists is ECONFLICT, and the
// transaction goes on (callers treat it as done already).
func (tx *Tx) CreateRelativeLink(ctx context.Context, l *kinbridge.RelativeLink) error {
	return tx.insertOnce(ctx, "create relative link", "relative link",
		"INSERT INTO relative_links (relative_id, member_id, relationship) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		l.RelativeID, l.MemberID, l.Relationship)
}

// CreateRelativeLinks stores many links in as few statements as the engine
// allows; one that exists is ECONFLICT and nothing is stored.
func (tx *Tx) CreateRelativeLinks(ctx context.Context, ls []*kinbridge.RelativeLink) error {
	n := len(ls)
	rels, members, kinds := make([]int64, n), make([]int64, n), make([]string, n)
	for i, l := range ls {
		rels[i], members[i], kinds[i] = l.RelativeID, l.MemberID, l.Relationship
	}
	return tx.insertRows(ctx, "create relative links", "relative_links", n, []column{
		intColumn("relative_id", rels), intColumn("member_id", members), textColumn("relationship", kinds),
	})
}

// FindRelativeLinks returns the links of the relatives of a household, by
// relative and member.
func (tx *Tx) FindRelativeLinks(ctx context.Context, householdID int64) ([]*kinbridge.RelativeLink, error) {
	links, err := tx.findRelativeLinks(ctx, "r.household_id = ?", []any{householdID})
	if err != nil {
		return nil, err
	}
	out := make([]*kinbridge.RelativeLink, len(links))
	for i, l := range links {
		out[i] = l.RelativeLink
	}
	return out, nil
}

// householdLink is a link with the household of its relative.
type householdLink struct {
	*kinbridge.RelativeLink
	householdID int64
}

// findRelativeLinks returns the links whose relative (alias r) matches
// where.
func (tx *Tx) findRelativeLinks(ctx context.Context, where string, args []any) ([]householdLink, error) {
	rows, err := tx.query(ctx, `SELECT l.relative_id, l.member_id, l.relationship, r.household_id
		FROM relative_links l JOIN persons r ON r.id = l.relative_id
		WHERE `+where+` ORDER BY l.relative_id, l.member_id`, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find relative links", "relative link")
	}
	defer rows.Close()
	links := []householdLink{}
	for rows.Next() {
		l := householdLink{RelativeLink: &kinbridge.RelativeLink{}}
		if err := rows.Scan(&l.RelativeID, &l.MemberID, &l.Relationship, &l.householdID); err != nil {
			return nil, fmt.Errorf("find relative links: %w", err)
		}
		links = append(links, l)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find relative links", "relative link")
	}
	return links, nil
}
