package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// The welfare capability's storage is split like the domain's: this file
// holds visits, visit plans, case officers and the due visits; problem.go
// problems, their history, escalations and the dashboard; notify.go
// notifications, e-mail addresses and the outbox.

// micro keeps what the engines keep of a time: microseconds, in UTC, so
// that a time a caller gave reads back equal.
func micro(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

// addDays is the SQL expression of the time expression t plus the integer
// expression days whole days of 24 hours, in the engine's time encoding:
// on SQLite the text of TimeLayout (strftime keeps seconds; the fraction
// and the Z are the original's), on PostgreSQL an interval of hours, which,
// unlike one of days, ignores the session's time zone.
func (tx *Tx) addDays(t, days string) string {
	if tx.postgres() {
		return "(" + t + " + make_interval(hours => 24 * " + days + "))"
	}
	return "(strftime('%Y-%m-%dT%H:%M:%S', " + t + ", '+' || " + days + " || ' days') || substr(" + t + ", 20))"
}

// ids reads a one-column result of ids.
func (tx *Tx) ids(ctx context.Context, op, query string, args ...any) ([]int64, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, tx.store.mapError(err, op, "record")
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, op, "record")
	}
	return out, nil
}

// pairs reads a two-column result of ids into a map of lists by the first.
func (tx *Tx) pairs(ctx context.Context, op, query string, args ...any) (map[int64][]int64, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, tx.store.mapError(err, op, "record")
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out[a] = append(out[a], b)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, op, "record")
	}
	return out, nil
}

const visitSelect = `SELECT v.id, v.household_id, v.unit_id, u.path, v.at, v.purpose, v.notes, COALESCE(v.recorded_by, 0), v.created
	FROM visits v JOIN units u ON u.id = v.unit_id`

// CreateVisit stores the visit with its officers and the persons met, and
// moves the household's last visit forward to it (never back: a visit
// written down late does not hide a later one).
func (tx *Tx) CreateVisit(ctx context.Context, v *kinbridge.Visit) error {
	v.At = micro(v.At)
	err := tx.queryRow(ctx, `
		INSERT INTO visits (household_id, unit_id, at, purpose, notes, recorded_by, created)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		v.HouseholdID, v.UnitID, v.At, v.Purpose, v.Notes, nullID(v.RecordedBy), tx.now,
	).Scan(&v.ID)
	if err != nil {
		return tx.store.mapError(err, "create visit", "visit")
	}
	for _, id := range v.OfficerIDs {
		if _, err := tx.exec(ctx, "INSERT INTO visit_officers (visit_id, user_id) VALUES (?, ?)", v.ID, id); err != nil {
			return tx.store.mapError(err, "create visit: officers", "user")
		}
	}
	for _, id := range v.PersonIDs {
		if _, err := tx.exec(ctx, "INSERT INTO visit_persons (visit_id, person_id) VALUES (?, ?)", v.ID, id); err != nil {
			return tx.store.mapError(err, "create visit: persons", "person")
		}
	}
	_, err = tx.exec(ctx, `
		INSERT INTO household_last_visit (household_id, at) VALUES (?, ?)
		ON CONFLICT (household_id) DO UPDATE SET at = excluded.at WHERE household_last_visit.at < excluded.at`,
		v.HouseholdID, v.At)
	if err != nil {
		return tx.store.mapError(err, "create visit: last visit", "household")
	}
	v.Created = tx.now
	return nil
}

// FindVisitByID returns the visit with its officers, persons met and the
// problems raised at it.
func (tx *Tx) FindVisitByID(ctx context.Context, id int64) (*kinbridge.Visit, error) {
	vs, err := tx.findVisits(ctx, visitSelect+" WHERE v.id = ?", id)
	if err != nil {
		return nil, err
	} else if len(vs) == 0 {
		return nil, notFound("visit")
	}
	return vs[0], nil
}

// FindVisits returns the visits f selects, newest first.
func (tx *Tx) FindVisits(ctx context.Context, f kinbridge.VisitFilter) ([]*kinbridge.Visit, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		if cond != "" {
			where, args = append(where, cond), append(args, a...)
		}
	}
	cond, a := scopeCond("v.unit_id", f.PathPrefix, f.Path)
	add(cond, a...)
	if f.HouseholdID != 0 {
		add("v.household_id = ?", f.HouseholdID)
	}
	if f.OfficerID != 0 {
		add("v.id IN (SELECT o.visit_id FROM visit_officers o WHERE o.user_id = ?)", f.OfficerID)
	}
	if !f.From.IsZero() {
		add("v.at >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("v.at < ?", f.To)
	}
	q := visitSelect + whereClause(where) + " ORDER BY v.at DESC, v.id DESC"
	if f.Limit > 0 {
		q, args = q+" LIMIT ?", append(args, f.Limit)
	}
	return tx.findVisits(ctx, q, args...)
}

// findVisits runs a visit query and fills the visits' officers, persons
// and problems with one query each.
func (tx *Tx) findVisits(ctx context.Context, q string, args ...any) ([]*kinbridge.Visit, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find visits", "visit")
	}
	vs := []*kinbridge.Visit{}
	for rows.Next() {
		var v kinbridge.Visit
		if err := rows.Scan(&v.ID, &v.HouseholdID, &v.UnitID, &v.UnitPath, scanTime{&v.At}, &v.Purpose, &v.Notes,
			&v.RecordedBy, scanTime{&v.Created}); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find visits: %w", err)
		}
		vs = append(vs, &v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find visits", "visit")
	}
	if len(vs) == 0 {
		return vs, nil
	}
	ids := make([]int64, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	in, inArgs := placeholders(ids)
	officers, err := tx.pairs(ctx, "find visit officers",
		"SELECT visit_id, user_id FROM visit_officers WHERE visit_id IN ("+in+") ORDER BY visit_id, user_id", inArgs...)
	if err != nil {
		return nil, err
	}
	persons, err := tx.pairs(ctx, "find visit persons",
		"SELECT visit_id, person_id FROM visit_persons WHERE visit_id IN ("+in+") ORDER BY visit_id, person_id", inArgs...)
	if err != nil {
		return nil, err
	}
	problems, err := tx.pairs(ctx, "find visit problems",
		"SELECT visit_id, id FROM problems WHERE visit_id IN ("+in+") ORDER BY visit_id, id", inArgs...)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		v.OfficerIDs, v.PersonIDs, v.ProblemIDs = officers[v.ID], persons[v.ID], problems[v.ID]
	}
	return vs, nil
}

const visitPlanSelect = `SELECT pl.id, pl.unit_id, u.path, pl.programme_id, pl.every_days, pl.active, pl.created, pl.updated
	FROM visit_plans pl JOIN units u ON u.id = pl.unit_id`

func scanVisitPlan(row interface{ Scan(...any) error }) (*kinbridge.VisitPlan, error) {
	var p kinbridge.VisitPlan
	err := row.Scan(&p.ID, &p.UnitID, &p.UnitPath, &p.ProgrammeID, &p.EveryDays, &p.Active, scanTime{&p.Created}, scanTime{&p.Updated})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// CreateVisitPlan stores the plan and sets its ID and times; a second plan
// of the same unit and programme is ECONFLICT (without aborting the
// transaction: the insert does nothing on the key).
func (tx *Tx) CreateVisitPlan(ctx context.Context, p *kinbridge.VisitPlan) error {
	err := tx.queryRow(ctx, `
		INSERT INTO visit_plans (unit_id, programme_id, every_days, active, created, updated)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, programme_id) DO NOTHING RETURNING id`,
		p.UnitID, p.ProgrammeID, p.EveryDays, p.Active, tx.now, tx.now).Scan(&p.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return &kinbridge.Error{Code: kinbridge.ECONFLICT, Message: "The unit has a plan for this programme already.", Key: "error.conflict"}
	} else if err != nil {
		return tx.store.mapError(err, "create visit plan", "visit plan")
	}
	p.Created, p.Updated = tx.now, tx.now
	return nil
}

// UpdateVisitPlan stores the plan's period and whether it is active.
func (tx *Tx) UpdateVisitPlan(ctx context.Context, p *kinbridge.VisitPlan) error {
	if err := tx.execOne(ctx, "visit plan", "update visit plan",
		"UPDATE visit_plans SET every_days = ?, active = ?, updated = ? WHERE id = ?",
		p.EveryDays, p.Active, tx.now, p.ID); err != nil {
		return err
	}
	p.Updated = tx.now
	return nil
}

// FindVisitPlanByID returns the plan with its unit's path.
func (tx *Tx) FindVisitPlanByID(ctx context.Context, id int64) (*kinbridge.VisitPlan, error) {
	p, err := scanVisitPlan(tx.queryRow(ctx, visitPlanSelect+" WHERE pl.id = ?", id))
	if err != nil {
		return nil, tx.store.mapError(err, "find visit plan", "visit plan")
	}
	return p, nil
}

// FindVisitPlans returns the plans of the units of the subtree, in tree
// order, then by programme.
func (tx *Tx) FindVisitPlans(ctx context.Context, pathPrefix string) ([]*kinbridge.VisitPlan, error) {
	var where []string
	var args []any
	if pathPrefix != "" && pathPrefix != "/" {
		where, args = append(where, "u.path >= ? AND u.path < ?"), append(args, pathPrefix, SubtreeEnd(pathPrefix))
	}
	rows, err := tx.query(ctx, visitPlanSelect+whereClause(where)+" ORDER BY u.path, pl.programme_id", args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find visit plans", "visit plan")
	}
	defer rows.Close()
	ps := []*kinbridge.VisitPlan{}
	for rows.Next() {
		p, err := scanVisitPlan(rows)
		if err != nil {
			return nil, fmt.Errorf("find visit plans: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find visit plans", "visit plan")
	}
	return ps, nil
}

// SetCaseOfficer makes the user the household's case officer; 0 removes
// the household's case officer.
func (tx *Tx) SetCaseOfficer(ctx context.Context, householdID, userID int64) error {
	var err error
	if userID == 0 {
		_, err = tx.exec(ctx, "DELETE FROM household_officers WHERE household_id = ?", householdID)
	} else {
		_, err = tx.exec(ctx, `INSERT INTO household_officers (household_id, user_id) VALUES (?, ?)
			ON CONFLICT (household_id) DO UPDATE SET user_id = excluded.user_id`, householdID, userID)
	}
	return tx.store.mapError(err, "set case officer", "household")
}

// FindCaseOfficer returns the household's case officer, 0 if it has none.
func (tx *Tx) FindCaseOfficer(ctx context.Context, householdID int64) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, "SELECT user_id FROM household_officers WHERE household_id = ?", householdID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, tx.store.mapError(err, "find case officer", "household")
	}
	return id, nil
}

// FindDueVisits returns the due visits f selects, soonest first, and their
// total. The households are selected first — by scope, and by case
// officer as a union of two index lookups (the officer's households; the
// unit's households that have none) rather than an OR no index serves —
// then paired with the active plans whose unit's subtree holds them (plans
// are few: a handful per programme and level) and kept if a current
// member, a resident who lives here, is in the plan's programme. Each
// household's due date is its last visit plus the plan's period, or the
// plan's start if it was never visited, and the plan that wants it
// soonest is its plan. The last visit, the case officer and the
// membership are scalar subqueries on purpose: each is one index lookup
// per household selected, which no planner can turn into a scan of every
// person or every visit, as PostgreSQL did with joins when it misjudged
// how few households there are.
func (tx *Tx) FindDueVisits(ctx context.Context, f kinbridge.DueVisitFilter) ([]*kinbridge.DueVisit, int, error) {
	var where []string
	var args []any
	cond, a := scopeCond("h.unit_id", f.PathPrefix, f.Path)
	if cond != "" {
		where, args = append(where, cond), append(args, a...)
	}
	const cols = `SELECT h.id, h.unit_id, h.address, hu.path AS upath FROM `
	var hh string
	switch {
	case f.OfficerID == 0:
		hh = cols + "households h JOIN units hu ON hu.id = h.unit_id" + whereClause(where)
	default:
		hh = cols + "household_officers o JOIN households h ON h.id = o.household_id JOIN units hu ON hu.id = h.unit_id" +
			whereClause(append([]string{"o.user_id = ?"}, where...))
		all := append([]any{f.OfficerID}, args...)
		if f.UnassignedPath != "" {
			hh += " UNION ALL " + cols + "households h JOIN units hu ON hu.id = h.unit_id" + whereClause(append([]string{
				"h.unit_id IN (SELECT id FROM units WHERE path = ?)",
				"NOT EXISTS (SELECT 1 FROM household_officers o2 WHERE o2.household_id = h.id)"}, where...))
			all = append(append(all, f.UnassignedPath), args...)
		}
		args = all
	}
	due := "COALESCE(" + tx.addDays("hh.last_at", "pl.every_days") + ", pl.created)"
	// The due date is compared before the membership is looked up, so that
	// only households due in time cost the lookup. Dropping a plan that
	// is not due in time before the soonest is chosen changes nothing: if
	// the soonest is due in time it is kept, and if it is not, no plan is.
	dueBefore := ""
	if !f.DueBefore.IsZero() {
		dueBefore = due + " < ? AND "
	}
	// The active plans, with their units' paths, are read first: they are
	// few, and each household is matched against them. (Matching the other
	// way round, an index range "path <= the household's path" per
	// household, read every unit before the household's in path order.)
	q := `WITH pl AS MATERIALIZED (
		SELECT vp.id, vp.programme_id, vp.every_days, vp.created, pu.path AS ppath,
			substr(pu.path, 1, length(pu.path) - 1) || '0' AS pend
		FROM visit_plans vp JOIN units pu ON pu.id = vp.unit_id WHERE vp.active = ?
	), sel AS (` + hh + `), hh AS (
		SELECT sel.*, (SELECT lv.at FROM household_last_visit lv WHERE lv.household_id = sel.id) AS last_at FROM sel
	), due AS (
		SELECT hh.id, hh.address, hh.unit_id, pl.id AS plan_id, pl.every_days, hh.last_at, ` + due + ` AS due_at,
			ROW_NUMBER() OVER (PARTITION BY hh.id ORDER BY ` + due + `, pl.id) AS rn
		FROM hh
		JOIN pl ON hh.upath >= pl.ppath AND hh.upath < pl.pend
		WHERE ` + dueBefore + `(SELECT 1 FROM persons p JOIN person_programmes pp ON pp.person_id = p.id
			WHERE p.household_id = hh.id AND p.kind = 'resident' AND p.status = 'present' AND pp.programme_id = pl.programme_id
			LIMIT 1) = 1
	)
	SELECT d.id, d.address, d.unit_id, COALESCE((SELECT o.user_id FROM household_officers o WHERE o.household_id = d.id), 0),
		d.plan_id, d.every_days, d.last_at, d.due_at, COUNT(*) OVER ()
	FROM due d
	WHERE d.rn = 1`
	args = append([]any{true}, args...)
	if !f.DueBefore.IsZero() {
		args = append(args, f.DueBefore)
	}
	q += " ORDER BY d.due_at, d.id"
	limit := f.Limit
	if limit <= 0 {
		limit = math.MaxInt32
	}
	pageArgs := append(args[:len(args):len(args)], limit, max(f.Offset, 0))
	rows, err := tx.query(ctx, q+" LIMIT ? OFFSET ?", pageArgs...)
	if err != nil {
		return nil, 0, tx.store.mapError(err, "find due visits", "visit")
	}
	defer rows.Close()
	out := []*kinbridge.DueVisit{}
	total := 0
	for rows.Next() {
		var d kinbridge.DueVisit
		if err := rows.Scan(&d.HouseholdID, &d.Address, &d.UnitID, &d.OfficerID, &d.PlanID, &d.EveryDays,
			scanTime{&d.LastVisitAt}, scanTime{&d.DueAt}, &total); err != nil {
			return nil, 0, fmt.Errorf("find due visits: %w", err)
		}
		out = append(out, &d)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, tx.store.mapError(err, "find due visits", "visit")
	}
	rows.Close()
	if len(out) == 0 && f.Offset > 0 {
		// A page past the end has no row to carry the total.
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM ("+strings.Replace(q, "COUNT(*) OVER ()", "0", 1)+") c", args...).Scan(&total); err != nil {
			return nil, 0, tx.store.mapError(err, "count due visits", "visit")
		}
	}
	return out, total, nil
}
