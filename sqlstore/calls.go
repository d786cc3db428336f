package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kinbridge/kinbridge"
)

// The family calls capability's storage: this file holds offices and their
// rooms, duty rosters and their exceptions, officers' areas and households'
// settings; calls_booking.go the calls and their claims; calls_plan.go
// weekly plans and calendar tokens.

// subtreeCond is the condition on the units' path column col that keeps a
// subtree ("" and "/" keep everything).
func subtreeCond(col, pathPrefix string) (string, []any) {
	if pathPrefix == "" || pathPrefix == "/" {
		return "", nil
	}
	return col + " >= ? AND " + col + " < ?", []any{pathPrefix, SubtreeEnd(pathPrefix)}
}

// jsonValue encodes v as the text of a JSON column; a nil slice is [].
func jsonValue[T any](v []T) (string, error) {
	if v == nil {
		return "[]", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// jsonList decodes a JSON column into a list, nil when empty.
func jsonList[T any](s string) ([]T, error) {
	var v []T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, err
	}
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

// CallSetupVersion returns the version of the call set-up, which the
// triggers of 0010_call_setup_version move on.
func (tx *Tx) CallSetupVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := tx.queryRow(ctx, "SELECT version FROM call_setup_version WHERE id = 1").Scan(&v); err != nil {
		return 0, tx.store.mapError(err, "call set-up version", "call set-up")
	}
	return v, nil
}

// callOfficeSelect reads offices with their rooms, a row per room (or one
// with no room, for an office that has none yet): one query for both.
const callOfficeSelect = `SELECT o.unit_id, o.morning_start, o.morning_end, o.afternoon_start, o.afternoon_end, o.updated,
		r.id, r.name, r.active
	FROM call_offices o JOIN units u ON u.id = o.unit_id LEFT JOIN call_rooms r ON r.unit_id = o.unit_id`

// FindCallOffice returns the office's set-up with all its rooms; ENOTFOUND
// if it has none.
func (tx *Tx) FindCallOffice(ctx context.Context, unitID int64) (*kinbridge.CallOffice, error) {
	os, err := tx.findCallOffices(ctx, callOfficeSelect+" WHERE o.unit_id = ? ORDER BY r.id", unitID)
	if err != nil {
		return nil, err
	} else if len(os) == 0 {
		return nil, notFound("call office")
	}
	return os[0], nil
}

// FindCallOffices returns the set-ups of the offices in the subtree, in
// tree order.
func (tx *Tx) FindCallOffices(ctx context.Context, pathPrefix string) ([]*kinbridge.CallOffice, error) {
	cond, args := subtreeCond("u.path", pathPrefix)
	var where []string
	if cond != "" {
		where = append(where, cond)
	}
	return tx.findCallOffices(ctx, callOfficeSelect+whereClause(where)+" ORDER BY u.path, r.id", args...)
}

// findCallOffices runs an office query (callOfficeSelect: rows of an
// office in a run, by room).
func (tx *Tx) findCallOffices(ctx context.Context, q string, args ...any) ([]*kinbridge.CallOffice, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find call offices", "call office")
	}
	defer rows.Close()
	os := []*kinbridge.CallOffice{}
	for rows.Next() {
		var o kinbridge.CallOffice
		var roomID sql.NullInt64
		var roomName sql.NullString
		var roomActive sql.NullBool
		if err := rows.Scan(&o.UnitID, &o.MorningStart, &o.MorningEnd, &o.AfternoonStart, &o.AfternoonEnd, scanTime{&o.Updated},
			&roomID, &roomName, &roomActive); err != nil {
			return nil, fmt.Errorf("find call offices: %w", err)
		}
		if n := len(os); n == 0 || os[n-1].UnitID != o.UnitID {
			os = append(os, &o)
		}
		if roomID.Valid {
			last := os[len(os)-1]
			last.Rooms = append(last.Rooms, &kinbridge.CallRoom{ID: roomID.Int64, UnitID: o.UnitID, Name: roomName.String, Active: roomActive.Bool})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find call offices", "call office")
	}
	return os, nil
}

// PutCallOffice writes the office's hours, creates its rooms without an ID
// and updates the others (a room of another office is not found). Rooms
// are never deleted.
func (tx *Tx) PutCallOffice(ctx context.Context, o *kinbridge.CallOffice) error {
	_, err := tx.exec(ctx, `
		INSERT INTO call_offices (unit_id, morning_start, morning_end, afternoon_start, afternoon_end, updated)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (unit_id) DO UPDATE SET morning_start = excluded.morning_start, morning_end = excluded.morning_end,
			afternoon_start = excluded.afternoon_start, afternoon_end = excluded.afternoon_end, updated = excluded.updated`,
		o.UnitID, int(o.MorningStart), int(o.MorningEnd), int(o.AfternoonStart), int(o.AfternoonEnd), tx.now)
	if err != nil {
		return tx.store.mapError(err, "put call office", "unit")
	}
	for _, r := range o.Rooms {
		r.UnitID = o.UnitID
		if r.ID == 0 {
			err := tx.queryRow(ctx, "INSERT INTO call_rooms (unit_id, name, active) VALUES (?, ?, ?) RETURNING id",
				r.UnitID, r.Name, r.Active).Scan(&r.ID)
			if err != nil {
				return tx.store.mapError(err, "create call room", "call room")
			}
			continue
		}
		if err := tx.execOne(ctx, "call room", "update call room",
			"UPDATE call_rooms SET name = ?, active = ? WHERE id = ? AND unit_id = ?", r.Name, r.Active, r.ID, r.UnitID); err != nil {
			return err
		}
	}
	o.Updated = tx.now
	return nil
}

// ReplaceRoster replaces the weekly templates of the unit's officers: the
// unit's rows, and any row of the entries' officers at another unit (an
// officer who moved), go; the entries come in their place.
func (tx *Tx) ReplaceRoster(ctx context.Context, unitID int64, entries []kinbridge.RosterEntry) error {
	n := len(entries)
	officers, weekdays, halves, kinds := make([]int64, n), make([]int64, n), make([]int64, n), make([]string, n)
	for i, e := range entries {
		officers[i], weekdays[i], halves[i], kinds[i] = e.OfficerID, int64(e.Weekday), int64(e.Half), string(e.Kind)
	}
	if _, err := tx.exec(ctx, "DELETE FROM call_roster WHERE unit_id = ?", unitID); err != nil {
		return tx.store.mapError(err, "replace roster", "roster")
	}
	if n > 0 {
		in, args := placeholders(officers)
		if _, err := tx.exec(ctx, "DELETE FROM call_roster WHERE officer_id IN ("+in+")", args...); err != nil {
			return tx.store.mapError(err, "replace roster", "roster")
		}
	}
	return tx.insertRows(ctx, "replace roster", "call_roster", n, []column{
		intColumn("officer_id", officers), constColumn("unit_id", unitID), intColumn("weekday", weekdays),
		intColumn("half", halves), textColumn("kind", kinds)})
}

// FindRoster returns the templates of the subtree's units, by officer,
// weekday and half.
func (tx *Tx) FindRoster(ctx context.Context, pathPrefix string) ([]kinbridge.RosterEntry, error) {
	cond, args := scopeCond("r.unit_id", pathPrefix, "")
	var where []string
	if cond != "" {
		where = append(where, cond)
	}
	rows, err := tx.query(ctx, "SELECT r.officer_id, r.weekday, r.half, r.kind FROM call_roster r"+whereClause(where)+
		" ORDER BY r.officer_id, r.weekday, r.half", args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find roster", "roster")
	}
	defer rows.Close()
	out := []kinbridge.RosterEntry{}
	for rows.Next() {
		var e kinbridge.RosterEntry
		if err := rows.Scan(&e.OfficerID, &e.Weekday, &e.Half, &e.Kind); err != nil {
			return nil, fmt.Errorf("find roster: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find roster", "roster")
	}
	return out, nil
}

const rosterExceptionSelect = `SELECT id, unit_id, officer_id, day, half, kind, reason, COALESCE(created_by, 0), created
	FROM call_roster_exceptions`

func scanRosterException(row interface{ Scan(...any) error }) (*kinbridge.RosterException, error) {
	var e kinbridge.RosterException
	err := row.Scan(&e.ID, &e.UnitID, &e.OfficerID, &e.Day, &e.Half, &e.Kind, &e.Reason, &e.CreatedBy, scanTime{&e.Created})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// CreateRosterException stores the exception and sets its ID and time; a
// second one of the same office, officer, day and half is ECONFLICT,
// without aborting the transaction.
func (tx *Tx) CreateRosterException(ctx context.Context, e *kinbridge.RosterException) error {
	err := tx.queryRow(ctx, `
		INSERT INTO call_roster_exceptions (unit_id, officer_id, day, half, kind, reason, created_by, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, officer_id, day, half) DO NOTHING RETURNING id`,
		e.UnitID, e.OfficerID, e.Day, int(e.Half), string(e.Kind), e.Reason, nullID(e.CreatedBy), tx.now).Scan(&e.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return &kinbridge.Error{Code: kinbridge.ECONFLICT, Field: "day", Key: "error.calls.exception_exists",
			Message: "There is an exception for that officer, day and half-day already."}
	} else if err != nil {
		return tx.store.mapError(err, "create roster exception", "roster exception")
	}
	e.Created = tx.now
	return nil
}

// DeleteRosterException deletes the exception.
func (tx *Tx) DeleteRosterException(ctx context.Context, id int64) error {
	return tx.execOne(ctx, "roster exception", "delete roster exception", "DELETE FROM call_roster_exceptions WHERE id = ?", id)
}

// FindRosterExceptionByID returns the exception.
func (tx *Tx) FindRosterExceptionByID(ctx context.Context, id int64) (*kinbridge.RosterException, error) {
	e, err := scanRosterException(tx.queryRow(ctx, rosterExceptionSelect+" WHERE id = ?", id))
	if err != nil {
		return nil, tx.store.mapError(err, "find roster exception", "roster exception")
	}
	return e, nil
}

// FindRosterExceptions returns the exceptions of the subtree's units with
// Day in [fromDay, toDay], by day, half, unit and officer.
func (tx *Tx) FindRosterExceptions(ctx context.Context, pathPrefix, fromDay, toDay string) ([]*kinbridge.RosterException, error) {
	where := []string{"day >= ?", "day <= ?"}
	args := []any{fromDay, toDay}
	if cond, a := scopeCond("unit_id", pathPrefix, ""); cond != "" {
		where, args = append(where, cond), append(args, a...)
	}
	rows, err := tx.query(ctx, rosterExceptionSelect+whereClause(where)+" ORDER BY day, half, unit_id, officer_id", args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find roster exceptions", "roster exception")
	}
	defer rows.Close()
	out := []*kinbridge.RosterException{}
	for rows.Next() {
		e, err := scanRosterException(rows)
		if err != nil {
			return nil, fmt.Errorf("find roster exceptions: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find roster exceptions", "roster exception")
	}
	return out, nil
}

// SetOfficerArea records the home-call area the officer covers; "" removes
// it.
func (tx *Tx) SetOfficerArea(ctx context.Context, userID int64, area string) error {
	var err error
	if area == "" {
		_, err = tx.exec(ctx, "DELETE FROM call_officer_areas WHERE user_id = ?", userID)
	} else {
		_, err = tx.exec(ctx, `INSERT INTO call_officer_areas (user_id, area) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET area = excluded.area`, userID, area)
	}
	return tx.store.mapError(err, "set officer area", "user")
}

// FindOfficerAreas returns the areas of the officers of the subtree's
// units.
func (tx *Tx) FindOfficerAreas(ctx context.Context, pathPrefix string) (map[int64]string, error) {
	var where []string
	cond, args := scopeCond("us.unit_id", pathPrefix, "")
	if cond != "" {
		where = append(where, cond)
	}
	rows, err := tx.query(ctx, "SELECT a.user_id, a.area FROM call_officer_areas a JOIN users us ON us.id = a.user_id"+whereClause(where), args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find officer areas", "user")
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var area string
		if err := rows.Scan(&id, &area); err != nil {
			return nil, fmt.Errorf("find officer areas: %w", err)
		}
		out[id] = area
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find officer areas", "user")
	}
	return out, nil
}

// PutHouseholdCallSettings writes the household's settings and sets their
// time.
func (tx *Tx) PutHouseholdCallSettings(ctx context.Context, s *kinbridge.HouseholdCallSettings) error {
	var vals [4]string
	var err error
	if vals[0], err = jsonValue(s.Places); err == nil {
		if vals[1], err = jsonValue(s.Windows); err == nil {
			if vals[2], err = jsonValue(s.Preferred); err == nil {
				vals[3], err = jsonValue(s.RelativeIDs)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("put household call settings: %w", err)
	}
	_, err = tx.exec(ctx, `
		INSERT INTO household_call_settings (household_id, programme_id, area, places, windows, preferred, relative_ids, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (household_id) DO UPDATE SET programme_id = excluded.programme_id, area = excluded.area,
			places = excluded.places, windows = excluded.windows, preferred = excluded.preferred,
			relative_ids = excluded.relative_ids, updated = excluded.updated`,
		s.HouseholdID, nullID(s.ProgrammeID), s.Area, vals[0], vals[1], vals[2], vals[3], tx.now)
	if err != nil {
		return tx.store.mapError(err, "put household call settings", "household")
	}
	s.Updated = tx.now
	return nil
}

// settingsColumns are the settings' columns after the household's id, on
// the alias s (NULLs when a LEFT JOIN found none).
func (tx *Tx) settingsColumns() string {
	return "s.household_id, COALESCE(s.programme_id, 0), COALESCE(s.area, ''), COALESCE(" + tx.jsonText("s.places") + ", '[]'), COALESCE(" +
		tx.jsonText("s.windows") + ", '[]'), COALESCE(" + tx.jsonText("s.preferred") + ", '[]'), COALESCE(" +
		tx.jsonText("s.relative_ids") + ", '[]'), s.updated"
}

// settingsRow scans settingsColumns.
type settingsRow struct {
	householdID                         sql.NullInt64
	programmeID                         int64
	area, places, windows, pref, relIDs string
	s                                   kinbridge.HouseholdCallSettings
}

func (r *settingsRow) dest() []any {
	return []any{&r.householdID, &r.programmeID, &r.area, &r.places, &r.windows, &r.pref, &r.relIDs, scanTime{&r.s.Updated}}
}

// settings decodes the row; ok is false when the household has none.
func (r *settingsRow) settings() (s kinbridge.HouseholdCallSettings, ok bool, err error) {
	if !r.householdID.Valid {
		return s, false, nil
	}
	s = r.s
	s.HouseholdID, s.ProgrammeID, s.Area = r.householdID.Int64, r.programmeID, r.area
	if s.Places, err = jsonList[kinbridge.CallPlace](r.places); err != nil {
		return s, false, fmt.Errorf("household %d call places: %w", s.HouseholdID, err)
	}
	if s.Windows, err = jsonList[kinbridge.WeekPeriod](r.windows); err != nil {
		return s, false, fmt.Errorf("household %d call windows: %w", s.HouseholdID, err)
	}
	if s.Preferred, err = jsonList[kinbridge.WeekPeriod](r.pref); err != nil {
		return s, false, fmt.Errorf("household %d preferred call times: %w", s.HouseholdID, err)
	}
	if s.RelativeIDs, err = jsonList[int64](r.relIDs); err != nil {
		return s, false, fmt.Errorf("household %d call relatives: %w", s.HouseholdID, err)
	}
	return s, true, nil
}

// FindHouseholdCallSettings returns the household's settings; ENOTFOUND
// when it has none.
func (tx *Tx) FindHouseholdCallSettings(ctx context.Context, householdID int64) (*kinbridge.HouseholdCallSettings, error) {
	var r settingsRow
	err := tx.queryRow(ctx, "SELECT "+tx.settingsColumns()+" FROM household_call_settings s WHERE s.household_id = ?", householdID).
		Scan(r.dest()...)
	if err != nil {
		return nil, tx.store.mapError(err, "find household call settings", "household call settings")
	}
	s, _, err := r.settings()
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// ScanCallHouseholds calls fn for every household of the subtree with a
// current member (a resident present), by id, with its settings, reading
// scanBatch households a query (keyset on the id). fn runs between
// queries, so it may use the transaction.
func (tx *Tx) ScanCallHouseholds(ctx context.Context, pathPrefix string, fn func(*kinbridge.CallHousehold) error) error {
	where := []string{"h.id > ?", `EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id AND p.kind = 'resident' AND p.status = 'present')`}
	scope, scopeArgs, err := tx.tableScope(ctx, pathPrefix, "", "h.unit_id")
	if err != nil {
		return err
	}
	where = append(where, scope...)
	q := "SELECT h.id, h.unit_id, u.path, " + tx.settingsColumns() + ` FROM households h JOIN units u ON u.id = h.unit_id
		LEFT JOIN household_call_settings s ON s.household_id = h.id` + whereClause(where) + " ORDER BY h.id LIMIT ?"
	var after int64
	for {
		rows, err := tx.query(ctx, q, append(append([]any{after}, scopeArgs...), scanBatch)...)
		if err != nil {
			return tx.store.mapError(err, "scan call households", "household")
		}
		batch := make([]*kinbridge.CallHousehold, 0, scanBatch)
		for rows.Next() {
			var h kinbridge.CallHousehold
			var r settingsRow
			if err := rows.Scan(append([]any{&h.HouseholdID, &h.UnitID, &h.UnitPath}, r.dest()...)...); err != nil {
				rows.Close()
				return fmt.Errorf("scan call households: %w", err)
			}
			s, ok, err := r.settings()
			if err != nil {
				rows.Close()
				return err
			}
			if !ok {
				s = kinbridge.HouseholdCallSettings{HouseholdID: h.HouseholdID}
			}
			h.Settings = s
			batch = append(batch, &h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return tx.store.mapError(err, "scan call households", "household")
		}
		for _, h := range batch {
			if err := fn(h); err != nil {
				return err
			}
		}
		if len(batch) < scanBatch {
			return nil
		}
		after = batch[len(batch)-1].HouseholdID
	}
}

// FindResidentProgrammes implements kinbridge.CallsTx: one query over the
// household's residents and their programmes.
func (tx *Tx) FindResidentProgrammes(ctx context.Context, householdID int64) ([][]int64, error) {
	rows, err := tx.query(ctx, `SELECT p.id, pp.programme_id FROM persons p
		LEFT JOIN person_programmes pp ON pp.person_id = p.id
		WHERE p.household_id = ? AND p.kind = 'resident' AND p.status NOT IN ('departed', 'deceased', 'merged')
		ORDER BY p.id, pp.programme_id`, householdID)
	if err != nil {
		return nil, tx.store.mapError(err, "find resident programmes", "person")
	}
	defer rows.Close()
	var out [][]int64
	last := int64(0)
	for rows.Next() {
		var person int64
		var programme sql.NullInt64
		if err := rows.Scan(&person, &programme); err != nil {
			return nil, fmt.Errorf("find resident programmes: %w", err)
		}
		if person != last || len(out) == 0 {
			out = append(out, []int64{})
			last = person
		}
		if programme.Valid {
			out[len(out)-1] = append(out[len(out)-1], programme.Int64)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find resident programmes", "person")
	}
	return out, nil
}
