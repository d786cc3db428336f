package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/kinbridge/kinbridge"
)

// activeCond is the condition of the partial indexes over active problems
// (0004_welfare), written with the same text so that SQLite uses them.
const activeCond = "p.status IN ('open', 'in_progress', 'referred')"

// problemColumns reads a problem with the paths of its unit, of the unit it
// is referred to, and of its household's unit, and the household's address.
const problemColumns = `p.id, p.household_id, COALESCE(p.person_id, 0), COALESCE(p.programme_id, 0), COALESCE(p.visit_id, 0),
	p.unit_id, p.category, p.description, p.priority, p.status, COALESCE(p.assignee_id, 0), p.due_at,
	COALESCE(p.referral_unit_id, 0), p.referral_from, p.reason, p.escalation_level, p.next_escalation_at, p.closed_at,
	p.created, p.updated, p.version, u.path, COALESCE(ru.path, ''), h.address, h.unit_id, hu.path`

const problemJoins = ` JOIN units u ON u.id = p.unit_id
	LEFT JOIN units ru ON ru.id = p.referral_unit_id
	JOIN households h ON h.id = p.household_id
	JOIN units hu ON hu.id = h.unit_id`

const problemSelect = "SELECT " + problemColumns + " FROM problems p" + problemJoins

// problemOrder is the order of problem lists: soonest due, then the most
// urgent, then the oldest.
const problemOrder = `p.due_at, CASE p.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, p.id`

func scanProblem(row interface{ Scan(...any) error }) (*kinbridge.Problem, error) {
	var p kinbridge.Problem
	var priority, status, from string
	err := row.Scan(&p.ID, &p.HouseholdID, &p.PersonID, &p.ProgrammeID, &p.VisitID, &p.UnitID, &p.Category, &p.Description,
		&priority, &status, &p.AssigneeID, scanTime{&p.DueAt}, &p.ReferralUnitID, &from, &p.Reason, &p.EscalationLevel,
		scanTime{&p.NextEscalationAt}, scanTime{&p.ClosedAt}, scanTime{&p.Created}, scanTime{&p.Updated}, &p.Version,
		&p.UnitPath, &p.ReferralUnitPath, &p.HouseholdAddress, &p.HouseholdUnitID, &p.HouseholdPath)
	if err != nil {
		return nil, err
	}
	p.Priority, p.Status, p.ReferralFrom = kinbridge.Priority(priority), kinbridge.ProblemStatus(status), kinbridge.ProblemStatus(from)
	return &p, nil
}

func (tx *Tx) findProblems(ctx context.Context, q string, args ...any) ([]*kinbridge.Problem, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find problems", "problem")
	}
	defer rows.Close()
	ps := []*kinbridge.Problem{}
	for rows.Next() {
		p, err := scanProblem(rows)
		if err != nil {
			return nil, fmt.Errorf("find problems: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find problems", "problem")
	}
	return ps, nil
}

// CreateProblem stores the problem as version 1 and sets its ID and times.
func (tx *Tx) CreateProblem(ctx context.Context, p *kinbridge.Problem) error {
	p.DueAt, p.NextEscalationAt, p.ClosedAt = micro(p.DueAt), micro(p.NextEscalationAt), micro(p.ClosedAt)
	err := tx.queryRow(ctx, `
		INSERT INTO problems (household_id, person_id, programme_id, visit_id, unit_id, category, description, priority,
			status, assignee_id, due_at, referral_unit_id, referral_from, reason, escalation_level, next_escalation_at,
			closed_at, created, updated, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`,
		p.HouseholdID, nullID(p.PersonID), nullID(p.ProgrammeID), nullID(p.VisitID), p.UnitID, p.Category, p.Description,
		string(p.Priority), string(p.Status), nullID(p.AssigneeID), p.DueAt, nullID(p.ReferralUnitID), string(p.ReferralFrom),
		p.Reason, p.EscalationLevel, nullTime(p.NextEscalationAt), nullTime(p.ClosedAt), tx.now, tx.now,
	).Scan(&p.ID)
	if err != nil {
		return tx.store.mapError(err, "create problem", "problem")
	}
	p.Created, p.Updated, p.Version = tx.now, tx.now, 1
	return nil
}

// UpdateProblem writes the problem's changing fields over the version it
// was read at, and moves p to the next version. A problem changed since
// (another version) is ECONFLICT: the UPDATE matches no row, which costs
// nothing to find out and locks nothing that was not going to change.
func (tx *Tx) UpdateProblem(ctx context.Context, p *kinbridge.Problem) error {
	p.DueAt, p.NextEscalationAt, p.ClosedAt = micro(p.DueAt), micro(p.NextEscalationAt), micro(p.ClosedAt)
	res, err := tx.exec(ctx, `
		UPDATE problems SET unit_id = ?, category = ?, description = ?, priority = ?, status = ?, assignee_id = ?,
			due_at = ?, referral_unit_id = ?, referral_from = ?, reason = ?, escalation_level = ?, next_escalation_at = ?,
			closed_at = ?, updated = ?, version = version + 1
		WHERE id = ? AND version = ?`,
		p.UnitID, p.Category, p.Description, string(p.Priority), string(p.Status), nullID(p.AssigneeID),
		p.DueAt, nullID(p.ReferralUnitID), string(p.ReferralFrom), p.Reason, p.EscalationLevel, nullTime(p.NextEscalationAt),
		nullTime(p.ClosedAt), tx.now, p.ID, p.Version)
	if err != nil {
		return tx.store.mapError(err, "update problem", "problem")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update problem: %w", err)
	}
	if n == 0 {
		var one int
		if err := tx.queryRow(ctx, "SELECT 1 FROM problems WHERE id = ?", p.ID).Scan(&one); err != nil {
			return tx.store.mapError(err, "update problem", "problem")
		}
		return &kinbridge.Error{Code: kinbridge.ECONFLICT, Key: "error.problem.stale",
			Message: "Someone changed the problem meanwhile; reload it and try again."}
	}
	p.Version++
	p.Updated = tx.now
	return nil
}

// FindProblemByID returns the problem with its units' paths and its
// household's address, unit and path.
func (tx *Tx) FindProblemByID(ctx context.Context, id int64) (*kinbridge.Problem, error) {
	p, err := scanProblem(tx.queryRow(ctx, problemSelect+" WHERE p.id = ?", id))
	if err != nil {
		return nil, tx.store.mapError(err, "find problem", "problem")
	}
	return p, nil
}

// problemWhere returns the conditions of a problem filter, paging aside,
// on the alias p.
func problemWhere(f kinbridge.ProblemFilter) ([]string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		if cond != "" {
			where, args = append(where, cond), append(args, a...)
		}
	}
	// The scope holds the problems its units hold, and those referred to
	// them while they wait for an answer.
	if held, a := scopeCond("p.unit_id", f.PathPrefix, f.Path); held != "" {
		referred, b := scopeCond("p.referral_unit_id", f.PathPrefix, f.Path)
		add("("+held+" OR (p.status = 'referred' AND "+referred+"))", append(a, b...)...)
	}
	if len(f.IDs) > 0 {
		in, a := placeholders(f.IDs)
		add("p.id IN ("+in+")", a...)
	}
	if f.UnitID != 0 {
		add("p.unit_id = ?", f.UnitID)
	}
	if f.ReferralUnitID != 0 {
		add("p.referral_unit_id = ?", f.ReferralUnitID)
	}
	if f.AssigneeID != 0 {
		add("p.assignee_id = ?", f.AssigneeID)
	}
	if f.HouseholdID != 0 {
		add("p.household_id = ?", f.HouseholdID)
	}
	if f.PersonID != 0 {
		add("p.person_id = ?", f.PersonID)
	}
	if f.Category != "" {
		add("p.category = ?", f.Category)
	}
	if len(f.Statuses) > 0 {
		in, a := placeholders(f.Statuses)
		for i := range a {
			a[i] = string(a[i].(kinbridge.ProblemStatus))
		}
		add("p.status IN ("+in+")", a...)
	}
	if f.Active {
		add(activeCond)
	}
	if !f.DueBefore.IsZero() {
		add("p.due_at < ?", f.DueBefore)
	}
	return where, args
}

// FindProblems returns one page of the problems f selects, soonest due
// first, and how many it selects in all. The page's ids are found first,
// on the problems table and its indexes alone; only the page's rows are
// joined to their units and households.
func (tx *Tx) FindProblems(ctx context.Context, f kinbridge.ProblemFilter) ([]*kinbridge.Problem, int, error) {
	where, args := problemWhere(f)
	var total int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM problems p"+whereClause(where), args...).Scan(&total); err != nil {
		return nil, 0, tx.store.mapError(err, "count problems", "problem")
	}
	if total == 0 {
		return []*kinbridge.Problem{}, 0, nil
	}
	limit := f.Limit
	if limit <= 0 {
		limit = math.MaxInt32
	}
	q := "SELECT " + problemColumns + " FROM (SELECT p.id FROM problems p" + whereClause(where) + " ORDER BY " + problemOrder +
		" LIMIT ? OFFSET ?) pg JOIN problems p ON p.id = pg.id" + problemJoins + " ORDER BY " + problemOrder
	ps, err := tx.findProblems(ctx, q, append(args[:len(args):len(args)], limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	return ps, total, nil
}

// FindProblemsToEscalate returns up to limit active problems whose next
// escalation is due at now, the longest due first.
func (tx *Tx) FindProblemsToEscalate(ctx context.Context, now time.Time, limit int) ([]*kinbridge.Problem, error) {
	return tx.findProblems(ctx, problemSelect+` WHERE p.next_escalation_at IS NOT NULL AND p.next_escalation_at <= ? AND `+
		activeCond+` ORDER BY p.next_escalation_at, p.id LIMIT ?`, now, limit)
}

// CreateProblemEvent appends a line to the problem's history and sets its
// ID. The schema refuses to change or remove it afterwards.
func (tx *Tx) CreateProblemEvent(ctx context.Context, e *kinbridge.ProblemEvent) error {
	e.At = micro(e.At)
	err := tx.queryRow(ctx, `
		INSERT INTO problem_events (problem_id, at, actor_id, actor_name, kind, from_status, to_status, unit_id, assignee_id, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.ProblemID, e.At, nullID(e.ActorID), e.ActorName, e.Kind, string(e.FromStatus), string(e.ToStatus),
		nullID(e.UnitID), nullID(e.AssigneeID), e.Note,
	).Scan(&e.ID)
	if err != nil {
		return tx.store.mapError(err, "create problem event", "problem")
	}
	return nil
}

// FindProblemEvents returns the problem's history, oldest first.
func (tx *Tx) FindProblemEvents(ctx context.Context, problemID int64) ([]*kinbridge.ProblemEvent, error) {
	rows, err := tx.query(ctx, `SELECT id, problem_id, at, COALESCE(actor_id, 0), actor_name, kind, from_status, to_status,
		COALESCE(unit_id, 0), COALESCE(assignee_id, 0), note FROM problem_events WHERE problem_id = ? ORDER BY id`, problemID)
	if err != nil {
		return nil, tx.store.mapError(err, "find problem events", "problem")
	}
	defer rows.Close()
	events := []*kinbridge.ProblemEvent{}
	for rows.Next() {
		var e kinbridge.ProblemEvent
		var from, to string
		if err := rows.Scan(&e.ID, &e.ProblemID, scanTime{&e.At}, &e.ActorID, &e.ActorName, &e.Kind, &from, &to,
			&e.UnitID, &e.AssigneeID, &e.Note); err != nil {
			return nil, fmt.Errorf("find problem events: %w", err)
		}
		e.FromStatus, e.ToStatus = kinbridge.ProblemStatus(from), kinbridge.ProblemStatus(to)
		events = append(events, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find problem events", "problem")
	}
	return events, nil
}

// CreateEscalation records that the problem reached a level; ECONFLICT if
// it has an open escalation of that level already. The insert does
// nothing on the key rather than fail, so that a job runner that lost the
// race goes on in a transaction that is still good.
func (tx *Tx) CreateEscalation(ctx context.Context, e *kinbridge.Escalation) error {
	e.At = micro(e.At)
	return tx.insertOnce(ctx, "create escalation", "escalation", `
		INSERT INTO problem_escalations (problem_id, level, unit_id, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		e.ProblemID, e.Level, e.UnitID, e.At)
}

// ClearEscalations ends the problem's open escalations at the time.
func (tx *Tx) ClearEscalations(ctx context.Context, problemID int64, at time.Time) error {
	_, err := tx.exec(ctx, "UPDATE problem_escalations SET cleared_at = ? WHERE problem_id = ? AND cleared_at IS NULL",
		micro(at), problemID)
	return tx.store.mapError(err, "clear escalations", "escalation")
}

// FindEscalations returns the escalations f selects, oldest first.
func (tx *Tx) FindEscalations(ctx context.Context, f kinbridge.EscalationFilter) ([]*kinbridge.Escalation, error) {
	var where []string
	var args []any
	if f.UnitID != 0 {
		where, args = append(where, "e.unit_id = ?"), append(args, f.UnitID)
	}
	if f.ProblemID != 0 {
		where, args = append(where, "e.problem_id = ?"), append(args, f.ProblemID)
	}
	if f.Open {
		where = append(where, "e.cleared_at IS NULL")
	}
	q := `SELECT e.problem_id, e.level, e.unit_id, u.path, e.at, e.cleared_at
		FROM problem_escalations e JOIN units u ON u.id = e.unit_id` + whereClause(where) + " ORDER BY e.at, e.id"
	if f.Limit > 0 {
		q, args = q+" LIMIT ?", append(args, f.Limit)
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find escalations", "escalation")
	}
	defer rows.Close()
	es := []*kinbridge.Escalation{}
	for rows.Next() {
		var e kinbridge.Escalation
		if err := rows.Scan(&e.ProblemID, &e.Level, &e.UnitID, &e.UnitPath, scanTime{&e.At}, scanTime{&e.ClearedAt}); err != nil {
			return nil, fmt.Errorf("find escalations: %w", err)
		}
		es = append(es, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find escalations", "escalation")
	}
	return es, nil
}

// ProblemStats counts the dashboard of the problems held by the units of
// a subtree, in three queries, each answered from one partial index: the
// active problems by category and status (with how many are overdue and
// how many escalated), the problems closed this week by category, and the
// median time to resolve over 90 days.
//
// A problem has an open escalation exactly while it is active at an
// escalation level above 0 — the service clears a problem's escalations
// whenever it ends, is accepted elsewhere or is reopened, and resets its
// level in the last two cases — so the escalated count comes from the
// active index, with no look at the escalations.
func (tx *Tx) ProblemStats(ctx context.Context, f kinbridge.ProblemStatsFilter) (*kinbridge.ProblemStats, error) {
	// A scope of every unit (the top unit's) needs no condition: each
	// query then reads its index alone, without probing the scope's units.
	scope, scopeArgs, big, err := tx.scopeOf(ctx, "p.unit_id", f.PathPrefix)
	if err != nil {
		return nil, tx.store.mapError(err, "problem stats: scope", "unit")
	}
	// On SQLite, a scope of many units reads the indexes made for it
	// (0004_welfare): in GROUP BY order, and in order of time to resolve.
	activeIndex := ""
	if !tx.postgres() {
		// A small scope is a few seeks into the unit's range; without the
		// hint, SQLite may prefer to scan the GROUP BY index to save a sort.
		activeIndex = " INDEXED BY problems_unit_active"
		if big {
			activeIndex = " INDEXED BY problems_active_category"
		}
	}
	and := func(conds ...string) string {
		var where []string
		for _, c := range conds {
			if c != "" {
				where = append(where, c)
			}
		}
		return whereClause(where)
	}
	st := &kinbridge.ProblemStats{}
	cats := map[string]*kinbridge.CategoryStats{}
	cat := func(code string) *kinbridge.CategoryStats {
		c := cats[code]
		if c == nil {
			c = &kinbridge.CategoryStats{Category: code}
			cats[code] = c
		}
		return c
	}
	// FILTER rather than SUM(CASE …): both engines count a filtered
	// aggregate faster, and at the top of the tree this reads every
	// active problem.
	rows, err := tx.query(ctx, `SELECT p.category, p.status, COUNT(*),
			COUNT(*) FILTER (WHERE p.due_at < ?), COUNT(*) FILTER (WHERE p.escalation_level > 0)
		FROM problems p`+activeIndex+and(activeCond, scope)+` GROUP BY p.category, p.status`,
		append([]any{f.Now}, scopeArgs...)...)
	if err != nil {
		return nil, tx.store.mapError(err, "problem stats", "problem")
	}
	for rows.Next() {
		var code, status string
		var n, overdue, escalated int
		if err := rows.Scan(&code, &status, &n, &overdue, &escalated); err != nil {
			rows.Close()
			return nil, fmt.Errorf("problem stats: %w", err)
		}
		switch kinbridge.ProblemStatus(status) {
		case kinbridge.ProblemOpen:
			st.Open += n
		case kinbridge.ProblemInProgress:
			st.InProgress += n
		case kinbridge.ProblemReferred:
			st.Referred += n
		}
		st.Overdue += overdue
		st.Escalated += escalated
		c := cat(code)
		c.Active += n
		c.Overdue += overdue
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "problem stats", "problem")
	}

	// Of every unit, the week's closed problems are a range of
	// problems_closed_at; SQLite would rather read problems_closed whole.
	closedIndex := ""
	if scope == "" && !tx.postgres() {
		closedIndex = " INDEXED BY problems_closed_at"
	}
	rows, err = tx.query(ctx, `SELECT p.category, COUNT(*) FROM problems p`+closedIndex+
		and("p.closed_at IS NOT NULL", "p.closed_at >= ?", "p.status IN ('resolved', 'cannot_resolve')", scope)+
		` GROUP BY p.category`, append([]any{f.WeekStart}, scopeArgs...)...)
	if err != nil {
		return nil, tx.store.mapError(err, "problem stats: week", "problem")
	}
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("problem stats: week: %w", err)
		}
		st.ResolvedThisWeek += n
		cat(code).ResolvedWeek += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "problem stats: week", "problem")
	}

	if err := tx.medianDaysToResolve(ctx, st, f.Now.AddDate(0, 0, -90), scope, scopeArgs, big); err != nil {
		return nil, err
	}
	st.ByCategory = make([]kinbridge.CategoryStats, 0, len(cats))
	for _, c := range cats {
		st.ByCategory = append(st.ByCategory, *c)
	}
	slices.SortFunc(st.ByCategory, func(a, b kinbridge.CategoryStats) int {
		switch {
		case a.Category < b.Category:
			return -1
		case a.Category > b.Category:
			return 1
		}
		return 0
	})
	return st, nil
}

// medianDaysToResolve fills the median time, in days, from raising to
// resolving, of the problems resolved since since (given up ones are not
// resolutions), and their count. PostgreSQL has percentile_cont, over
// date_part's double (EXTRACT's numeric costs three times as much); SQLite
// has no ordered-set aggregate, so it counts, then reads the middle one or
// two of the sorted times (a sort of the 90 days' resolutions of the
// scope, in the engine, rather than sending them all here).
func (tx *Tx) medianDaysToResolve(ctx context.Context, st *kinbridge.ProblemStats, since time.Time, scope string, scopeArgs []any, big bool) error {
	where := []string{"p.closed_at IS NOT NULL", "p.closed_at >= ?", "p.status = 'resolved'"}
	if scope != "" {
		where = append(where, scope)
	}
	args := append([]any{since}, scopeArgs...)
	if tx.postgres() {
		var median sql.NullFloat64
		err := tx.queryRow(ctx, `SELECT COUNT(*), percentile_cont(0.5) WITHIN GROUP
			(ORDER BY date_part('epoch', p.closed_at - p.created) / 86400) FROM problems p`+whereClause(where), args...).
			Scan(&st.Resolved90Days, &median)
		if err != nil {
			return tx.store.mapError(err, "problem stats: median", "problem")
		}
		st.MedianDaysToResolve = median.Float64
		return nil
	}
	count := "SELECT COUNT(*) FROM problems p"
	if scope == "" {
		// Of every unit, a range of time (see ProblemStats).
		count += " INDEXED BY problems_closed_at"
	}
	if err := tx.queryRow(ctx, count+whereClause(where), args...).Scan(&st.Resolved90Days); err != nil {
		return tx.store.mapError(err, "problem stats: median", "problem")
	}
	n := st.Resolved90Days
	if n == 0 {
		return nil
	}
	// The expression is the index's, word for word, so that a big scope
	// reads problems_resolve_days in order; a small one sorts its few.
	from := " FROM problems p INDEXED BY problems_closed"
	if big {
		from = " FROM problems p INDEXED BY problems_resolve_days"
	}
	var median float64
	err := tx.queryRow(ctx, `SELECT AVG(d) FROM (SELECT julianday(p.closed_at) - julianday(p.created) AS d`+from+
		whereClause(where)+` ORDER BY julianday(p.closed_at) - julianday(p.created) LIMIT ? OFFSET ?) m`,
		append(args, 2-n%2, (n-1)/2)...).Scan(&median)
	if err != nil {
		return tx.store.mapError(err, "problem stats: median", "problem")
	}
	st.MedianDaysToResolve = median
	return nil
}

// FindDigestUsers returns the active users assigned active problems due
// before dueBefore, by user, with how many are overdue at now and how many
// are only due soon.
func (tx *Tx) FindDigestUsers(ctx context.Context, now, dueBefore time.Time) ([]kinbridge.DigestLine, error) {
	rows, err := tx.query(ctx, `SELECT p.assignee_id, us.unit_id,
			SUM(CASE WHEN p.due_at < ? THEN 1 ELSE 0 END), SUM(CASE WHEN p.due_at >= ? THEN 1 ELSE 0 END)
		FROM problems p JOIN users us ON us.id = p.assignee_id
		WHERE `+activeCond+` AND p.assignee_id IS NOT NULL AND p.due_at < ? AND us.disabled = ?
		GROUP BY p.assignee_id, us.unit_id ORDER BY p.assignee_id`, now, now, dueBefore, false)
	if err != nil {
		return nil, tx.store.mapError(err, "find digest users", "user")
	}
	defer rows.Close()
	lines := []kinbridge.DigestLine{}
	for rows.Next() {
		var l kinbridge.DigestLine
		if err := rows.Scan(&l.UserID, &l.UnitID, &l.Overdue, &l.DueSoon); err != nil {
			return nil, fmt.Errorf("find digest users: %w", err)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find digest users", "user")
	}
	return lines, nil
}
