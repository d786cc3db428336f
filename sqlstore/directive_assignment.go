package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
)

const assignmentSelect = `SELECT a.id, a.directive_id, a.series_id, a.root_id, a.unit_id, a.state, a.live, a.due_at, a.delivered_at,
		a.acknowledged_at, a.reported_at, a.reviewed_at, COALESCE(a.report_id, 0), a.cascaded, a.version, u.path
	FROM assignments a JOIN units u ON u.id = a.unit_id`

func scanAssignment(row interface{ Scan(...any) error }) (*kinbridge.Assignment, error) {
	var a kinbridge.Assignment
	err := row.Scan(&a.ID, &a.DirectiveID, &a.SeriesID, &a.RootID, &a.UnitID, &a.State, &a.Live, scanTime{&a.DueAt}, scanTime{&a.DeliveredAt},
		scanTime{&a.AcknowledgedAt}, scanTime{&a.ReportedAt}, scanTime{&a.ReviewedAt}, &a.ReportID, &a.Cascaded, &a.Version, &a.UnitPath)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// staleAssignment is the conflict of a write over a version of an
// assignment that is no longer the stored one.
func staleAssignment() error {
	return &kinbridge.Error{Code: kinbridge.ECONFLICT, Key: "error.assignment.stale",
		Message: "Someone changed this assignment meanwhile; reload it and try again."}
}

// timeColumn is a bulk insert's column of times. Both engines take the
// text of TimeLayout: SQLite stores it, PostgreSQL parses it into the
// timestamptz array it unnests.
func timeColumn(name string, v []string) column {
	return column{name: name, pgType: "timestamptz", texts: v}
}

// boolColumn is a bulk insert's column of booleans: 0 and 1 in SQLite's
// integer column, an array of booleans for PostgreSQL.
func (tx *Tx) boolColumn(name string, v []bool) column {
	if tx.postgres() {
		texts := make([]string, len(v))
		for i, b := range v {
			texts[i] = strconv.FormatBool(b)
		}
		return column{name: name, pgType: "boolean", texts: texts}
	}
	ints := make([]int64, len(v))
	for i, b := range v {
		if b {
			ints[i] = 1
		}
	}
	return intColumn(name, ints)
}

// CreateAssignments stores the assignments in as few statements as the
// engine allows (see insertWithIDs), sets their IDs and versions, and adds
// them to the roll-up counters of every unit on their units' paths: the
// counts are summed per unit in Go and written with one bulk upsert. A
// second live assignment of a series and unit breaks assignments_live:
// ECONFLICT.
func (tx *Tx) CreateAssignments(ctx context.Context, as []*kinbridge.Assignment) error {
	n := len(as)
	if n == 0 {
		return nil
	}
	if err := tx.fillUnitPaths(ctx, as); err != nil {
		return err
	}
	if err := tx.bulkCache(ctx, n); err != nil {
		return err
	}
	// A version without live assignments yet — a new one, always, in the
	// service — has no counters yet: they are inserted, not upserted.
	fresh := map[int64]bool{}
	for _, a := range as {
		if _, seen := fresh[a.DirectiveID]; seen {
			continue
		}
		var live int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM assignments a WHERE a.directive_id = ? AND a.live", a.DirectiveID).Scan(&live); err != nil {
			return tx.store.mapError(err, "create assignments", "assignment")
		}
		fresh[a.DirectiveID] = live == 0
	}
	directive, series, root, unit := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	state, due, delivered := make([]string, n), make([]string, n), make([]string, n)
	live, cascaded := make([]bool, n), make([]bool, n)
	for i, a := range as {
		if !a.State.Valid() {
			return kinbridge.FieldError("state", "error.assignment.state", "Unknown state %q.", string(a.State))
		}
		if a.DeliveredAt.IsZero() {
			a.DeliveredAt = tx.now
		}
		a.DueAt, a.DeliveredAt = micro(a.DueAt), micro(a.DeliveredAt)
		directive[i], series[i], root[i], unit[i] = a.DirectiveID, a.SeriesID, a.RootID, a.UnitID
		state[i], live[i], cascaded[i] = string(a.State), a.Live, a.Cascaded
		due[i], delivered[i] = a.DueAt.Format(TimeLayout), a.DeliveredAt.Format(TimeLayout)
	}
	// A version's assignments share their times and flags, as a rule: those
	// go in once, as constants, not as arrays PostgreSQL parses row by row.
	cols := []column{intColumn("directive_id", directive), intColumn("series_id", series), intColumn("root_id", root),
		intColumn("unit_id", unit), textColumn("state", state)}
	if uniform(live) {
		cols = append(cols, constColumn("live", live[0]))
	} else {
		cols = append(cols, tx.boolColumn("live", live))
	}
	if uniform(cascaded) {
		cols = append(cols, constColumn("cascaded", cascaded[0]))
	} else {
		cols = append(cols, tx.boolColumn("cascaded", cascaded))
	}
	if uniform(due) && uniform(delivered) {
		cols = append(cols, constColumn("due_at", as[0].DueAt), constColumn("delivered_at", as[0].DeliveredAt))
	} else {
		cols = append(cols, timeColumn("due_at", due), timeColumn("delivered_at", delivered))
	}
	var ids []int64
	var err error
	if tx.postgres() {
		ids, err = tx.insertReturningIDs(ctx, "create assignments", "assignments", n, cols)
	} else {
		ids, err = tx.insertWithIDs(ctx, "create assignments", "assignments", n, cols)
	}
	if err != nil {
		return err
	}
	var times []*kinbridge.Assignment // with times past delivery, written one by one
	for i, a := range as {
		a.ID, a.Version = ids[i], 1
		if !a.AcknowledgedAt.IsZero() || !a.ReportedAt.IsZero() || !a.ReviewedAt.IsZero() || a.ReportID != 0 {
			times = append(times, a)
		}
	}
	for _, a := range times {
		if err := tx.execOne(ctx, "assignment", "create assignments",
			"UPDATE assignments SET acknowledged_at = ?, reported_at = ?, reviewed_at = ?, report_id = ? WHERE id = ?",
			nullTime(micro(a.AcknowledgedAt)), nullTime(micro(a.ReportedAt)), nullTime(micro(a.ReviewedAt)), nullID(a.ReportID), a.ID); err != nil {
			return err
		}
	}
	evidence, err := tx.reportEvidence(ctx, as)
	if err != nil {
		return err
	}
	type batch struct {
		root  int64
		fresh bool
	}
	byRoot := map[batch]counterDeltas{}
	for _, a := range as {
		if !a.Live {
			continue
		}
		k := batch{a.RootID, fresh[a.DirectiveID]}
		d := byRoot[k]
		if d == nil {
			d = counterDeltas{}
			byRoot[k] = d
		}
		var ev evidenceCounts
		if !a.Cascaded {
			ev = evidence[a.ReportID]
		}
		d.add(a.UnitPath, a.DirectiveID, a.State, 1, ev)
	}
	for k, d := range byRoot {
		if err := tx.addCounts(ctx, k.root, d, k.fresh); err != nil {
			return err
		}
	}
	return nil
}

// insertReturningIDs inserts n rows into table on PostgreSQL in one
// INSERT … SELECT FROM unnest(…), in row order, with ids from the table's
// identity, and returns the ids in row order as one array rather than a
// row each: rows inserted from an ordered SELECT take their ids in that
// order, so the ids sorted are the rows' ids in order. (insertWithIDs
// reserves the ids first, a round trip of n rows.)
func (tx *Tx) insertReturningIDs(ctx context.Context, op, table string, n int, cols []column) ([]int64, error) {
	names := make([]string, len(cols))
	var sel, unnest []string
	var args, arrays []any
	k := 0
	for i, c := range cols {
		names[i] = c.name
		if c.isConst {
			sel, args = append(sel, "?"), append(args, c.constant)
			continue
		}
		k++
		sel = append(sel, fmt.Sprintf("u.c%d", k))
		unnest = append(unnest, "?::"+c.pgType+"[]")
		if c.ints != nil {
			arrays = append(arrays, c.ints)
		} else {
			arrays = append(arrays, c.texts)
		}
	}
	aliases := make([]string, k)
	for i := range aliases {
		aliases[i] = fmt.Sprintf("c%d", i+1)
	}
	q := "WITH ins AS (INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(sel, ", ") +
		" FROM unnest(" + strings.Join(unnest, ", ") + ") WITH ORDINALITY AS u(" + strings.Join(aliases, ", ") + ", ord) ORDER BY u.ord" +
		" RETURNING id) SELECT COALESCE(array_agg(id ORDER BY id)::text, '{}') FROM ins"
	var text string
	if err := tx.queryRow(ctx, q, append(args, arrays...)...).Scan(&text); err != nil {
		return nil, tx.store.mapError(err, op, table)
	}
	ids := make([]int64, 0, n)
	for part := range strings.SplitSeq(strings.Trim(text, "{}"), ",") {
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: ids %q: %w", op, part, err)
		}
		ids = append(ids, id)
	}
	if len(ids) != n {
		return nil, fmt.Errorf("%s: %d ids for %d rows", op, len(ids), n)
	}
	return ids, nil
}

// uniform reports whether every value of v is the same.
func uniform[T comparable](v []T) bool {
	for _, x := range v {
		if x != v[0] {
			return false
		}
	}
	return true
}

// fillUnitPaths reads the paths of the units of the assignments that come
// without one.
func (tx *Tx) fillUnitPaths(ctx context.Context, as []*kinbridge.Assignment) error {
	var missing []int64
	for _, a := range as {
		if a.UnitPath == "" {
			missing = append(missing, a.UnitID)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	paths := map[int64]string{}
	for start := 0; start < len(missing); start += 512 {
		in, args := placeholders(missing[start:min(start+512, len(missing))])
		rows, err := tx.query(ctx, "SELECT id, path FROM units WHERE id IN ("+in+")", args...)
		if err != nil {
			return tx.store.mapError(err, "create assignments: unit paths", "unit")
		}
		for rows.Next() {
			var id int64
			var path string
			if err := rows.Scan(&id, &path); err != nil {
				rows.Close()
				return fmt.Errorf("create assignments: unit paths: %w", err)
			}
			paths[id] = path
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return tx.store.mapError(err, "create assignments: unit paths", "unit")
		}
	}
	for _, a := range as {
		if a.UnitPath == "" {
			if a.UnitPath = paths[a.UnitID]; a.UnitPath == "" {
				return kinbridge.FieldError("unit_id", "error.invalid_reference", "No unit %d.", a.UnitID)
			}
		}
	}
	return nil
}

// evidenceCounts are a report's evidence counts, in the order of
// evidenceColumns.
type evidenceCounts [11]int64

const evidenceColumns = "households, households_visited, visits, problems_raised, problems_resolved, problems_open, problems_escalated, status_events, calls_held, departures_allocated, departures_done"

var evidenceColumnNames = strings.Split(evidenceColumns, ", ")

func countsOf(e *kinbridge.Evidence) evidenceCounts {
	return evidenceCounts{int64(e.Households), int64(e.HouseholdsVisited), int64(e.Visits), int64(e.ProblemsRaised),
		int64(e.ProblemsResolved), int64(e.ProblemsOpen), int64(e.ProblemsEscalated), int64(e.StatusEvents), int64(e.CallsHeld),
		int64(e.DeparturesAllocated), int64(e.DeparturesDone)}
}

func (c evidenceCounts) evidence() kinbridge.Evidence {
	return kinbridge.Evidence{Households: int(c[0]), HouseholdsVisited: int(c[1]), Visits: int(c[2]), ProblemsRaised: int(c[3]),
		ProblemsResolved: int(c[4]), ProblemsOpen: int(c[5]), ProblemsEscalated: int(c[6]), StatusEvents: int(c[7]), CallsHeld: int(c[8]),
		DeparturesAllocated: int(c[9]), DeparturesDone: int(c[10])}
}

// dest is the scan destination of the counts, in the order of
// evidenceColumns.
func (c *evidenceCounts) dest(more ...any) []any {
	d := more
	for i := range c {
		d = append(d, &c[i])
	}
	return d
}

// reportEvidence reads the evidence counts of the reports the assignments
// name, by report ID.
func (tx *Tx) reportEvidence(ctx context.Context, as []*kinbridge.Assignment) (map[int64]evidenceCounts, error) {
	var ids []int64
	for _, a := range as {
		if a.ReportID != 0 {
			ids = append(ids, a.ReportID)
		}
	}
	out := map[int64]evidenceCounts{}
	for start := 0; start < len(ids); start += 512 {
		in, args := placeholders(ids[start:min(start+512, len(ids))])
		rows, err := tx.query(ctx, "SELECT id, "+evidenceColumns+" FROM reports WHERE id IN ("+in+")", args...)
		if err != nil {
			return nil, tx.store.mapError(err, "read report evidence", "report")
		}
		for rows.Next() {
			var id int64
			var c evidenceCounts
			if err := rows.Scan(c.dest(&id)...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read report evidence: %w", err)
			}
			out[id] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, tx.store.mapError(err, "read report evidence", "report")
		}
	}
	return out, nil
}

// evidenceOf reads one report's evidence counts (a statement SQLite keeps
// prepared, unlike reportEvidence's lists).
func (tx *Tx) evidenceOf(ctx context.Context, reportID int64) (evidenceCounts, error) {
	var c evidenceCounts
	err := tx.queryRow(ctx, "SELECT "+evidenceColumns+" FROM reports WHERE id = ?", reportID).
		Scan(c.dest()...)
	return c, tx.store.mapError(err, "read report evidence", "report")
}

// counterKey names a counter row of one cascade.
type counterKey struct {
	unitID, directiveID int64
	state               kinbridge.AssignmentState
}

// counterDelta is what to add to a counter row.
type counterDelta struct {
	n  int64
	ev evidenceCounts
}

// counterDeltas sums what changes in the counters of one cascade.
type counterDeltas map[counterKey]*counterDelta

// add adds n assignments of the state, with the evidence, to the counters
// of every unit on the path (the unit itself and each ancestor).
func (d counterDeltas) add(path string, directiveID int64, st kinbridge.AssignmentState, n int64, ev evidenceCounts) {
	for part := range strings.SplitSeq(strings.Trim(path, "/"), "/") {
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			continue
		}
		k := counterKey{id, directiveID, st}
		c := d[k]
		if c == nil {
			c = &counterDelta{}
			d[k] = c
		}
		c.n += n
		for i := range ev {
			c.ev[i] += n * ev[i]
		}
	}
}

// addCounts adds the deltas to the counters of the cascade in one bulk
// upsert, in key order: on PostgreSQL two transactions that change the
// counters of the same units lock their rows in the same order, and so
// wait for each other rather than deadlock. fresh says none of the rows
// exists yet: they are inserted (no conflict to look for), and the
// evidence columns left to their default when all are zero.
func (tx *Tx) addCounts(ctx context.Context, rootID int64, d counterDeltas, fresh bool) error {
	keys := make([]counterKey, 0, len(d))
	for k, c := range d {
		if c.n != 0 || c.ev != (evidenceCounts{}) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.SortFunc(keys, func(a, b counterKey) int {
		return cmp.Or(cmp.Compare(a.unitID, b.unitID), cmp.Compare(a.directiveID, b.directiveID), cmp.Compare(a.state, b.state))
	})
	n := len(keys)
	units, directives, ns, states := make([]int64, n), make([]int64, n), make([]int64, n), make([]string, n)
	evs := make([][]int64, len(evidenceColumnNames))
	for j := range evs {
		evs[j] = make([]int64, n)
	}
	for i, k := range keys {
		c := d[k]
		units[i], directives[i], states[i], ns[i] = k.unitID, k.directiveID, string(k.state), c.n
		for j := range evs {
			evs[j][i] = c.ev[j]
		}
	}
	cols := []column{constColumn("root_id", rootID), intColumn("unit_id", units), intColumn("directive_id", directives),
		textColumn("state", states), intColumn("n", ns)}
	if fresh {
		noEvidence := true
		for _, k := range keys {
			noEvidence = noEvidence && d[k].ev == (evidenceCounts{})
		}
		if !noEvidence {
			for j, name := range evidenceColumnNames {
				cols = append(cols, intColumn(name, evs[j]))
			}
		}
		return tx.insertRows(ctx, "count assignments", "directive_counts", n, cols)
	}
	set := []string{"n = directive_counts.n + excluded.n"}
	for j, name := range evidenceColumnNames {
		cols = append(cols, intColumn(name, evs[j]))
		set = append(set, name+" = directive_counts."+name+" + excluded."+name)
	}
	return tx.upsertRows(ctx, "count assignments", "directive_counts", n, cols,
		" ON CONFLICT (root_id, unit_id, directive_id, state) DO UPDATE SET "+strings.Join(set, ", "))
}

// upsertRows is insertRows with a conflict clause (see bulkOptions.upsert).
func (tx *Tx) upsertRows(ctx context.Context, op, table string, n int, cols []column, conflict string) error {
	_, err := tx.bulkInsert(ctx, op, table, n, cols, bulkOptions{upsert: conflict})
	return err
}

// current is an assignment as stored, read under a lock for an update.
type current struct {
	version                     int64
	state                       kinbridge.AssignmentState
	live, cascaded              bool
	reportID, rootID, directive int64
	path                        string
}

// UpdateAssignment writes the assignment's state, times, report and
// cascade mark over the stored version a.Version (else ECONFLICT), and
// increments a.Version. The stored row is read first, locked on
// PostgreSQL, so that a concurrent step waits and then finds the version
// moved; SQLite's one writer does the same by taking turns. The lock is FOR
// NO KEY UPDATE, the one an UPDATE of the row takes: it does not wait for
// the key-share locks that inserting a report (its foreign key to the
// assignment) takes, so two reporters of the same assignment queue here
// rather than deadlock.
// What the assignment adds to the counters — one in its state, and its
// latest report's evidence unless it passed the directive on — moves from
// what the stored row added to what the new one does, at every unit on its
// path, in the same transaction.
func (tx *Tx) UpdateAssignment(ctx context.Context, a *kinbridge.Assignment, old kinbridge.AssignmentState) error {
	if !a.State.Valid() {
		return kinbridge.FieldError("state", "error.assignment.state", "Unknown state %q.", string(a.State))
	}
	lock := ""
	if tx.postgres() {
		lock = " FOR NO KEY UPDATE OF a"
	}
	var cur current
	err := tx.queryRow(ctx, `SELECT a.version, a.state, a.live, a.cascaded, COALESCE(a.report_id, 0), a.root_id, a.directive_id, u.path
		FROM assignments a JOIN units u ON u.id = a.unit_id WHERE a.id = ?`+lock, a.ID).
		Scan(&cur.version, &cur.state, &cur.live, &cur.cascaded, &cur.reportID, &cur.rootID, &cur.directive, &cur.path)
	if err != nil {
		return tx.store.mapError(err, "update assignment", "assignment")
	}
	if cur.version != a.Version {
		return staleAssignment()
	}
	err = tx.execOne(ctx, "assignment", "update assignment", `
		UPDATE assignments SET state = ?, acknowledged_at = ?, reported_at = ?, reviewed_at = ?, report_id = ?, cascaded = ?,
			version = version + 1
		WHERE id = ? AND version = ?`,
		string(a.State), nullTime(micro(a.AcknowledgedAt)), nullTime(micro(a.ReportedAt)), nullTime(micro(a.ReviewedAt)),
		nullID(a.ReportID), a.Cascaded, a.ID, a.Version)
	if kinbridge.ErrorCode(err) == kinbridge.ENOTFOUND {
		return staleAssignment()
	} else if err != nil {
		return err
	}
	a.Version++
	if !cur.live {
		return nil
	}
	var oldEv, newEv evidenceCounts
	if !cur.cascaded && cur.reportID != 0 {
		if oldEv, err = tx.evidenceOf(ctx, cur.reportID); err != nil {
			return err
		}
	}
	if !a.Cascaded && a.ReportID != 0 {
		if newEv, err = tx.evidenceOf(ctx, a.ReportID); err != nil {
			return err
		}
	}
	if cur.state == a.State && oldEv == newEv {
		return nil
	}
	d := counterDeltas{}
	d.add(cur.path, cur.directive, cur.state, -1, oldEv)
	d.add(cur.path, cur.directive, a.State, 1, newEv)
	return tx.addCounts(ctx, cur.rootID, d, false)
}

// KillAssignments ends the live assignments of a version. All of them end
// together, so the version's counters, which count only its live ones,
// are deleted rather than counted down.
func (tx *Tx) KillAssignments(ctx context.Context, directiveID int64) error {
	if _, err := tx.exec(ctx, "UPDATE assignments SET live = FALSE, version = version + 1 WHERE directive_id = ? AND live", directiveID); err != nil {
		return tx.store.mapError(err, "kill assignments", "assignment")
	}
	_, err := tx.exec(ctx, "DELETE FROM directive_counts WHERE root_id = (SELECT root_id FROM directives WHERE id = ?) AND directive_id = ?",
		directiveID, directiveID)
	return tx.store.mapError(err, "kill assignments: counters", "assignment")
}

// FindAssignmentByID returns the assignment with its unit's path.
func (tx *Tx) FindAssignmentByID(ctx context.Context, id int64) (*kinbridge.Assignment, error) {
	a, err := scanAssignment(tx.queryRow(ctx, assignmentSelect+" WHERE a.id = ?", id))
	if err != nil {
		return nil, tx.store.mapError(err, "find assignment", "assignment")
	}
	return a, nil
}

// FindLiveAssignment returns the live assignment of a series at a unit,
// from the unique index that keeps it single.
func (tx *Tx) FindLiveAssignment(ctx context.Context, seriesID, unitID int64) (*kinbridge.Assignment, error) {
	a, err := scanAssignment(tx.queryRow(ctx, assignmentSelect+" WHERE a.series_id = ? AND a.unit_id = ? AND a.live", seriesID, unitID))
	if err != nil {
		return nil, tx.store.mapError(err, "find live assignment", "assignment")
	}
	return a, nil
}

// assignmentWhere is the condition of f. joined says the query joins each
// assignment's unit as u (FindAssignments): a subtree is then a range of
// u.path checked on each row the other conditions find — a page of a
// roll-up's overdue list at the root of 100,000 units reads 100 of them in
// due order — instead of a list of the subtree's units made first.
func assignmentWhere(f kinbridge.AssignmentFilter, joined bool) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		if cond != "" {
			where, args = append(where, cond), append(args, a...)
		}
	}
	if !f.IncludeDead {
		add("a.live")
	}
	if f.RootID != 0 {
		add("a.root_id = ?", f.RootID)
	}
	if f.SeriesID != 0 {
		add("a.series_id = ?", f.SeriesID)
	}
	if f.DirectiveID != 0 {
		add("a.directive_id = ?", f.DirectiveID)
	}
	if f.UnitID != 0 {
		add("a.unit_id = ?", f.UnitID)
	}
	if joined && f.PathPrefix != "" && f.PathPrefix != "/" {
		add("u.path >= ? AND u.path < ?", f.PathPrefix, SubtreeEnd(f.PathPrefix))
	} else {
		cond, a := scopeCond("a.unit_id", f.PathPrefix, "")
		add(cond, a...)
	}
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, s := range f.States {
			states[i] = string(s)
		}
		in, inArgs := placeholders(states)
		add("a.state IN ("+in+")", inArgs...)
	}
	if !f.DueBefore.IsZero() {
		add("a.due_at < ?", f.DueBefore)
	}
	if !f.DueAfter.IsZero() {
		add("a.due_at > ?", f.DueAfter)
	}
	return whereClause(where), args
}

// FindAssignments returns the assignments f selects, soonest due first.
func (tx *Tx) FindAssignments(ctx context.Context, f kinbridge.AssignmentFilter) ([]*kinbridge.Assignment, error) {
	where, args := assignmentWhere(f, true)
	q := assignmentSelect + where + " ORDER BY a.due_at, a.id"
	if f.Limit > 0 {
		q, args = q+" LIMIT ?", append(args, f.Limit)
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, tx.store.mapError(err, "find assignments", "assignment")
	}
	defer rows.Close()
	as := []*kinbridge.Assignment{}
	for rows.Next() {
		a, err := scanAssignment(rows)
		if err != nil {
			return nil, fmt.Errorf("find assignments: %w", err)
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, tx.store.mapError(err, "find assignments", "assignment")
	}
	return as, nil
}

// CountAssignments counts the assignments f selects.
func (tx *Tx) CountAssignments(ctx context.Context, f kinbridge.AssignmentFilter) (int, error) {
	where, args := assignmentWhere(f, false)
	var n int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM assignments a"+where, args...).Scan(&n); err != nil {
		return 0, tx.store.mapError(err, "count assignments", "assignment")
	}
	return n, nil
}

// RollupCounts returns the non-zero counters of the cascade at the units:
// one range of the counters' key per unit.
func (tx *Tx) RollupCounts(ctx context.Context, rootID int64, unitIDs []int64) ([]kinbridge.RollupCount, error) {
	out := []kinbridge.RollupCount{}
	for start := 0; start < len(unitIDs); start += 512 {
		in, inArgs := placeholders(unitIDs[start:min(start+512, len(unitIDs))])
		rows, err := tx.query(ctx, "SELECT unit_id, directive_id, state, n FROM directive_counts WHERE root_id = ? AND unit_id IN ("+in+") AND n <> 0",
			append([]any{rootID}, inArgs...)...)
		if err != nil {
			return nil, tx.store.mapError(err, "rollup counts", "directive")
		}
		for rows.Next() {
			var c kinbridge.RollupCount
			if err := rows.Scan(&c.UnitID, &c.DirectiveID, &c.State, &c.N); err != nil {
				rows.Close()
				return nil, fmt.Errorf("rollup counts: %w", err)
			}
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, tx.store.mapError(err, "rollup counts", "directive")
		}
	}
	return out, nil
}
