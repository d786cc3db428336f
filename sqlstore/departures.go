package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kinbridge/kinbridge"
)

// The departure list's storage: requests and their members, policy
// versions, crossings with their day capacities, residents' codes.

const departureSelect = `SELECT d.id, d.household_id, d.person_id, h.unit_id, u.path, d.destination, d.travel_docs, d.registered_at,
	d.notes, d.status, d.crossing_id, d.day, d.allocation_note, d.allocated_at, d.departed_at, d.reason, d.missed, d.version,
	d.created_by, d.created, d.updated
	FROM departure_requests d JOIN households h ON h.id = d.household_id JOIN units u ON u.id = h.unit_id`

// CreateDepartureRequest stores the request and its members; ECONFLICT
// when the household or a member has a live request (the partial unique
// indexes).
func (tx *Tx) CreateDepartureRequest(ctx context.Context, r *kinbridge.DepartureRequest) error {
	r.Version, r.Created, r.Updated = 1, tx.now, tx.now
	err := tx.queryRow(ctx, `
		INSERT INTO departure_requests (household_id, person_id, destination, travel_docs, registered_at, notes, status,
			crossing_id, day, allocation_note, allocated_at, departed_at, reason, missed, version, created_by, created, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.HouseholdID, nullID(r.PersonID), r.Destination, r.TravelDocs, micro(r.RegisteredAt), r.Notes, string(r.Status),
		nullID(r.CrossingID), nullString(r.Day), r.AllocationNote, nullTime(r.AllocatedAt), nullTime(r.DepartedAt), r.Reason, r.Missed,
		r.Version, nullID(r.CreatedBy), tx.now, tx.now).Scan(&r.ID)
	if err != nil {
		return tx.store.mapError(err, "create departure request", "departure request")
	}
	live := r.Status.Live()
	for i, m := range r.Members {
		if _, err := tx.exec(ctx, `INSERT INTO departure_members (request_id, person_id, position, illness, disability, child_separated, live)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, r.ID, m.PersonID, i, m.Illness, m.Disability, m.ChildSeparated, live); err != nil {
			return tx.store.mapError(err, "create departure member", "departure request")
		}
	}
	return nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// FindDepartureRequestByID returns the request with its members.
func (tx *Tx) FindDepartureRequestByID(ctx context.Context, id int64) (*kinbridge.DepartureRequest, error) {
	rs, err := tx.findDepartures(ctx, departureSelect+" WHERE d.id = ?", id)
	if err != nil {
		return nil, err
	} else if len(rs) == 0 {
		return nil, notFound("departure request")
	}
	return rs[0], nil
}

// departureWhere is the condition of a filter.
func departureWhere(f kinbridge.DepartureFilter) (string, []any) {
	var where []string
	var args []any
	if cond, a := scopeCond("h.unit_id", f.PathPrefix, ""); cond != "" {
		where, args = append(where, cond), append(args, a...)
	}
	if len(f.IDs) > 0 {
		in, a := placeholders(f.IDs)
		where, args = append(where, "d.id IN ("+in+")"), append(args, a...)
	}
	if f.HouseholdID != 0 {
		where, args = append(where, "d.household_id = ?"), append(args, f.HouseholdID)
	}
	if f.PersonID != 0 {
		where, args = append(where, "d.id IN (SELECT request_id FROM departure_members WHERE person_id = ?)"), append(args, f.PersonID)
	}
	if len(f.Statuses) > 0 {
		in, a := placeholders(f.Statuses)
		for i := range a {
			a[i] = string(a[i].(kinbridge.DepartureStatus))
		}
		where, args = append(where, "d.status IN ("+in+")"), append(args, a...)
	}
	if f.CrossingID != 0 {
		where, args = append(where, "d.crossing_id = ?"), append(args, f.CrossingID)
	}
	if f.Day != "" {
		where, args = append(where, "d.day = ?"), append(args, f.Day)
	}
	return whereClause(where), args
}

// FindDepartureRequests returns the requests f selects, by id, and the
// total.
func (tx *Tx) FindDepartureRequests(ctx context.Context, f kinbridge.DepartureFilter) ([]*kinbridge.DepartureRequest, int, error) {
	where, args := departureWhere(f)
	var total int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM departure_requests d JOIN households h ON h.id = d.household_id"+where, args...).
		Scan(&total); err != nil {
		return nil, 0, tx.store.mapError(err, "count departure requests", "departure request")
	}
	q := departureSelect + where + " ORDER BY d.id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, max(f.Offset, 0))
	}
	rs, err := tx.findDepartures(ctx, q, args...)
	return rs, total, err
}

// findDepartures runs a request query and reads the members of the
// requests in a query more per 512 requests.
func (tx *Tx) findDepartures(ctx context.Context, q string, args ...any) ([]*kinbridge.DepartureRequest, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find departure requests", "departure request")
	}
	rs := []*kinbridge.DepartureRequest{}
	byID := map[int64]*kinbridge.DepartureRequest{}
	for rows.Next() {
		var r kinbridge.DepartureRequest
		var person, crossing, createdBy sql.NullInt64
		var day sql.NullString
		var status string
		if err := rows.Scan(&r.ID, &r.HouseholdID, &person, &r.UnitID, &r.UnitPath, &r.Destination, &r.TravelDocs, scanTime{&r.RegisteredAt},
			&r.Notes, &status, &crossing, &day, &r.AllocationNote, scanTime{&r.AllocatedAt}, scanTime{&r.DepartedAt}, &r.Reason, &r.Missed,
			&r.Version, &createdBy, scanTime{&r.Created}, scanTime{&r.Updated}); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find departure requests: %w", err)
		}
		r.PersonID, r.CrossingID, r.CreatedBy, r.Day, r.Status = person.Int64, crossing.Int64, createdBy.Int64, day.String, kinbridge.DepartureStatus(status)
		rs = append(rs, &r)
		byID[r.ID] = &r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find departure requests", "departure request")
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	for start := 0; start < len(ids); start += 512 {
		in, inArgs := placeholders(ids[start:min(start+512, len(ids))])
		rows, err := tx.query(ctx, `SELECT m.request_id, m.person_id, m.illness, m.disability, m.child_separated,
			p.name_native, p.name_latin, p.name_second, p.birth_date
			FROM departure_members m JOIN persons p ON p.id = m.person_id WHERE m.request_id IN (`+in+`) ORDER BY m.request_id, m.position`, inArgs...)
		if err != nil {
			return nil, tx.store.mapError(err, "find departure members", "departure request")
		}
		for rows.Next() {
			var id int64
			var m kinbridge.DepartureMember
			var names kinbridge.PersonNames
			if err := rows.Scan(&id, &m.PersonID, &m.Illness, &m.Disability, &m.ChildSeparated, &names.Native, &names.Latin, &names.Second,
				&m.BirthDate); err != nil {
				rows.Close()
				return nil, fmt.Errorf("find departure members: %w", err)
			}
			m.Name = names.Display()
			byID[id].Members = append(byID[id].Members, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, tx.store.mapError(err, "find departure members", "departure request")
		}
	}
	return rs, nil
}

// UpdateDepartureRequest writes the request's changing fields if the stored
// version is r.Version, and the members' live flags.
func (tx *Tx) UpdateDepartureRequest(ctx context.Context, r *kinbridge.DepartureRequest) error {
	res, err := tx.exec(ctx, `UPDATE departure_requests SET destination = ?, travel_docs = ?, registered_at = ?, notes = ?, status = ?,
		crossing_id = ?, day = ?, allocation_note = ?, allocated_at = ?, departed_at = ?, reason = ?, missed = ?, version = version + 1,
		updated = ? WHERE id = ? AND version = ?`,
		r.Destination, r.TravelDocs, micro(r.RegisteredAt), r.Notes, string(r.Status), nullID(r.CrossingID), nullString(r.Day),
		r.AllocationNote, nullTime(r.AllocatedAt), nullTime(r.DepartedAt), r.Reason, r.Missed, tx.now, r.ID, r.Version)
	if err != nil {
		return tx.store.mapError(err, "update departure request", "departure request")
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update departure request: %w", err)
	} else if n == 0 {
		return &kinbridge.Error{Code: kinbridge.ECONFLICT, Message: "departure request changed meanwhile"}
	}
	if _, err := tx.exec(ctx, "UPDATE departure_members SET live = ? WHERE request_id = ?", r.Status.Live(), r.ID); err != nil {
		return tx.store.mapError(err, "update departure members", "departure request")
	}
	r.Version++
	r.Updated = tx.now
	return nil
}

const departurePolicySelect = `SELECT id, version, status, rules, programme_id, missed_rule, created_by, created, updated, adopted_by, adopted_at
	FROM departure_policies`

// CreateDeparturePolicy stores the policy with the next version.
func (tx *Tx) CreateDeparturePolicy(ctx context.Context, p *kinbridge.DeparturePolicy) error {
	if err := tx.queryRow(ctx, "SELECT COALESCE(MAX(version), 0) + 1 FROM departure_policies").Scan(&p.Version); err != nil {
		return tx.store.mapError(err, "next policy version", "departure policy")
	}
	p.Rules.Version = p.Version
	rules, err := json.Marshal(p.Rules)
	if err != nil {
		return fmt.Errorf("create departure policy: %w", err)
	}
	p.Created, p.Updated = tx.now, tx.now
	err = tx.queryRow(ctx, `INSERT INTO departure_policies (version, status, rules, programme_id, missed_rule, created_by, created, updated,
		adopted_by, adopted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Version, p.Status, string(rules), nullID(p.ProgrammeID), p.MissedRule, nullID(p.CreatedBy), tx.now, tx.now,
		nullID(p.AdoptedBy), nullTime(p.AdoptedAt)).Scan(&p.ID)
	return tx.store.mapError(err, "create departure policy", "departure policy")
}

func (tx *Tx) findDeparturePolicies(ctx context.Context, q string, args ...any) ([]*kinbridge.DeparturePolicy, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find departure policies", "departure policy")
	}
	defer rows.Close()
	ps := []*kinbridge.DeparturePolicy{}
	for rows.Next() {
		var p kinbridge.DeparturePolicy
		var rules string
		var prog, createdBy, adoptedBy sql.NullInt64
		if err := rows.Scan(&p.ID, &p.Version, &p.Status, &rules, &prog, &p.MissedRule, &createdBy, scanTime{&p.Created}, scanTime{&p.Updated},
			&adoptedBy, scanTime{&p.AdoptedAt}); err != nil {
			return nil, fmt.Errorf("find departure policies: %w", err)
		}
		if err := json.Unmarshal([]byte(rules), &p.Rules); err != nil {
			return nil, fmt.Errorf("departure policy %d rules: %w", p.ID, err)
		}
		p.ProgrammeID, p.CreatedBy, p.AdoptedBy = prog.Int64, createdBy.Int64, adoptedBy.Int64
		ps = append(ps, &p)
	}
	return ps, tx.store.mapError(rows.Err(), "find departure policies", "departure policy")
}

// FindDeparturePolicyByID returns one version.
func (tx *Tx) FindDeparturePolicyByID(ctx context.Context, id int64) (*kinbridge.DeparturePolicy, error) {
	ps, err := tx.findDeparturePolicies(ctx, departurePolicySelect+" WHERE id = ?", id)
	if err != nil {
		return nil, err
	} else if len(ps) == 0 {
		return nil, notFound("departure policy")
	}
	return ps[0], nil
}

// FindAdoptedDeparturePolicy returns the adopted version; ENOTFOUND if none.
func (tx *Tx) FindAdoptedDeparturePolicy(ctx context.Context) (*kinbridge.DeparturePolicy, error) {
	ps, err := tx.findDeparturePolicies(ctx, departurePolicySelect+" WHERE status = 'adopted'")
	if err != nil {
		return nil, err
	} else if len(ps) == 0 {
		return nil, notFound("departure policy")
	}
	return ps[0], nil
}

// FindDeparturePolicies returns every version, newest first.
func (tx *Tx) FindDeparturePolicies(ctx context.Context) ([]*kinbridge.DeparturePolicy, error) {
	return tx.findDeparturePolicies(ctx, departurePolicySelect+" ORDER BY version DESC")
}

// UpdateDeparturePolicy writes the rules, programme, missed rule, status and
// adoption.
func (tx *Tx) UpdateDeparturePolicy(ctx context.Context, p *kinbridge.DeparturePolicy) error {
	p.Rules.Version = p.Version
	rules, err := json.Marshal(p.Rules)
	if err != nil {
		return fmt.Errorf("update departure policy: %w", err)
	}
	p.Updated = tx.now
	return tx.execOne(ctx, "departure policy", "update departure policy", `UPDATE departure_policies SET status = ?, rules = ?,
		programme_id = ?, missed_rule = ?, updated = ?, adopted_by = ?, adopted_at = ? WHERE id = ?`,
		p.Status, string(rules), nullID(p.ProgrammeID), p.MissedRule, tx.now, nullID(p.AdoptedBy), nullTime(p.AdoptedAt), p.ID)
}

// CreateCrossing stores a crossing; its name is unique.
func (tx *Tx) CreateCrossing(ctx context.Context, c *kinbridge.Crossing) error {
	c.Created, c.Updated = tx.now, tx.now
	err := tx.queryRow(ctx, `INSERT INTO crossings (name, open, daily_capacity, created, updated) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		c.Name, c.Open, c.DailyCapacity, tx.now, tx.now).Scan(&c.ID)
	return tx.store.mapError(err, "create crossing", "crossing")
}

// UpdateCrossing writes the name, open state and daily capacity.
func (tx *Tx) UpdateCrossing(ctx context.Context, c *kinbridge.Crossing) error {
	c.Updated = tx.now
	return tx.execOne(ctx, "crossing", "update crossing", "UPDATE crossings SET name = ?, open = ?, daily_capacity = ?, updated = ? WHERE id = ?",
		c.Name, c.Open, c.DailyCapacity, tx.now, c.ID)
}

// FindCrossingByID returns the crossing with its day capacities.
func (tx *Tx) FindCrossingByID(ctx context.Context, id int64) (*kinbridge.Crossing, error) {
	cs, err := tx.findCrossings(ctx, " WHERE id = ?", id)
	if err != nil {
		return nil, err
	} else if len(cs) == 0 {
		return nil, notFound("crossing")
	}
	return cs[0], nil
}

// FindCrossings returns the crossings by name.
func (tx *Tx) FindCrossings(ctx context.Context) ([]*kinbridge.Crossing, error) {
	return tx.findCrossings(ctx, " ORDER BY name")
}

func (tx *Tx) findCrossings(ctx context.Context, tail string, args ...any) ([]*kinbridge.Crossing, error) {
	rows, err := tx.query(ctx, "SELECT id, name, open, daily_capacity, created, updated FROM crossings"+tail, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find crossings", "crossing")
	}
	cs := []*kinbridge.Crossing{}
	byID := map[int64]*kinbridge.Crossing{}
	for rows.Next() {
		c := &kinbridge.Crossing{Overrides: map[string]int{}}
		if err := rows.Scan(&c.ID, &c.Name, &c.Open, &c.DailyCapacity, scanTime{&c.Created}, scanTime{&c.Updated}); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find crossings: %w", err)
		}
		cs = append(cs, c)
		byID[c.ID] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find crossings", "crossing")
	}
	if len(cs) == 0 {
		return cs, nil
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	in, inArgs := placeholders(ids)
	rows, err = tx.query(ctx, "SELECT crossing_id, day, capacity FROM crossing_days WHERE crossing_id IN ("+in+")", inArgs...)
	if err != nil {
		return nil, tx.store.mapError(err, "find crossing days", "crossing")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var day string
		var n int
		if err := rows.Scan(&id, &day, &n); err != nil {
			return nil, fmt.Errorf("find crossing days: %w", err)
		}
		byID[id].Overrides[day] = n
	}
	return cs, tx.store.mapError(rows.Err(), "find crossing days", "crossing")
}

// SetCrossingDayCapacity sets or (negative) removes a day's capacity.
func (tx *Tx) SetCrossingDayCapacity(ctx context.Context, crossingID int64, day string, capacity int) error {
	var err error
	if capacity < 0 {
		_, err = tx.exec(ctx, "DELETE FROM crossing_days WHERE crossing_id = ? AND day = ?", crossingID, day)
	} else {
		_, err = tx.exec(ctx, `INSERT INTO crossing_days (crossing_id, day, capacity) VALUES (?, ?, ?)
			ON CONFLICT (crossing_id, day) DO UPDATE SET capacity = excluded.capacity`, crossingID, day, capacity)
	}
	return tx.store.mapError(err, "set crossing day capacity", "crossing")
}

const residentCodeSelect = "SELECT id, request_id, hash, created_by, created, revoked FROM resident_codes"

// CreateResidentCode stores a code's hash.
func (tx *Tx) CreateResidentCode(ctx context.Context, c *kinbridge.ResidentCode) error {
	err := tx.queryRow(ctx, "INSERT INTO resident_codes (request_id, hash, created_by, created) VALUES (?, ?, ?, ?) RETURNING id",
		c.RequestID, c.Hash, nullID(c.CreatedBy), c.Created).Scan(&c.ID)
	return tx.store.mapError(err, "create resident code", "resident code")
}

func (tx *Tx) findResidentCodes(ctx context.Context, tail string, args ...any) ([]*kinbridge.ResidentCode, error) {
	rows, err := tx.query(ctx, residentCodeSelect+tail, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find resident codes", "resident code")
	}
	defer rows.Close()
	cs := []*kinbridge.ResidentCode{}
	for rows.Next() {
		var c kinbridge.ResidentCode
		var by sql.NullInt64
		if err := rows.Scan(&c.ID, &c.RequestID, &c.Hash, &by, scanTime{&c.Created}, scanTime{&c.Revoked}); err != nil {
			return nil, fmt.Errorf("find resident codes: %w", err)
		}
		c.CreatedBy = by.Int64
		cs = append(cs, &c)
	}
	return cs, tx.store.mapError(rows.Err(), "find resident codes", "resident code")
}

// FindResidentCodeByHash returns the code with the hash (revoked or not).
func (tx *Tx) FindResidentCodeByHash(ctx context.Context, hash string) (*kinbridge.ResidentCode, error) {
	cs, err := tx.findResidentCodes(ctx, " WHERE hash = ?", hash)
	if err != nil {
		return nil, err
	} else if len(cs) == 0 {
		return nil, notFound("resident code")
	}
	return cs[0], nil
}

// FindResidentCodeByID returns one code.
func (tx *Tx) FindResidentCodeByID(ctx context.Context, id int64) (*kinbridge.ResidentCode, error) {
	cs, err := tx.findResidentCodes(ctx, " WHERE id = ?", id)
	if err != nil {
		return nil, err
	} else if len(cs) == 0 {
		return nil, notFound("resident code")
	}
	return cs[0], nil
}

// FindResidentCodes returns the request's codes by id.
func (tx *Tx) FindResidentCodes(ctx context.Context, requestID int64) ([]*kinbridge.ResidentCode, error) {
	return tx.findResidentCodes(ctx, " WHERE request_id = ? ORDER BY id", requestID)
}

// RevokeResidentCode ends a code.
func (tx *Tx) RevokeResidentCode(ctx context.Context, id int64, at time.Time) error {
	return tx.execOne(ctx, "resident code", "revoke resident code", "UPDATE resident_codes SET revoked = ? WHERE id = ? AND revoked IS NULL",
		at, id)
}
