package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge/sqlstore"
)

// testDirectiveUsesIndexes checks that the queries of the directives'
// store — every DirectiveFilter and AssignmentFilter the service and the
// jobs use, the roll-up's counters and evidence, the level of a subtree —
// find their rows through an index, never by scanning directives,
// assignments, counters, reports or attachments: each query is the
// store's shape (sqlstore/directive*.go), planned on the engine.
func testDirectiveUsesIndexes(t *testing.T, open Opener) {
	f := newDirectives(t, open)
	d := f.issue(t, f.supHQ, f.hq, 0, 10*24*time.Hour, f.regionA, f.regionB)
	at := func(t time.Time) any {
		if f.store.Engine() == "sqlite" {
			return sqlstore.EncodeTimeText(t)
		}
		return t
	}
	sub := "a.unit_id IN (SELECT id FROM units WHERE path >= ? AND path < ?)"
	joined := "u.path >= ? AND u.path < ?"
	waiting := "a.state IN ('delivered', 'acknowledged', 'reported', 'returned')"
	latest := "d.status <> 'superseded'"
	queries := []struct {
		name  string
		query string
		args  []any
	}{
		{"live assignment", "SELECT a.id FROM assignments a WHERE a.series_id = ? AND a.unit_id = ? AND a.live", []any{d.SeriesID, f.regionA.ID}},
		{"a version's assignments", "SELECT a.id FROM assignments a WHERE a.directive_id = ? ORDER BY a.due_at, a.id", []any{d.ID}},
		{"seen by a subtree", "SELECT a.id FROM assignments a JOIN units u ON u.id = a.unit_id WHERE a.live AND a.series_id = ? AND " + joined +
			" ORDER BY a.due_at, a.id LIMIT 1", []any{d.SeriesID, f.regionA.Path, sqlstore.SubtreeEnd(f.regionA.Path)}},
		{"overdue in a roll-up", "SELECT a.id FROM assignments a JOIN units u ON u.id = a.unit_id WHERE a.live AND a.root_id = ? AND " + joined +
			" AND " + waiting + " AND a.due_at < ? ORDER BY a.due_at, a.id LIMIT 100", []any{d.RootID, f.hq.Path, sqlstore.SubtreeEnd(f.hq.Path), at(t0)}},
		{"weekly digest", "SELECT COUNT(*) FROM assignments a WHERE a.live AND " + sub + " AND " + waiting + " AND a.due_at < ?",
			[]any{f.regionA.Path, sqlstore.SubtreeEnd(f.regionA.Path), at(t0)}},
		{"inbox", "SELECT d.id FROM directives d WHERE " + latest + " AND d.id IN (SELECT a.directive_id FROM assignments a WHERE a.unit_id = ? AND a.live) ORDER BY d.id DESC LIMIT 100",
			[]any{f.regionA.ID}},
		{"outbox", "SELECT d.id FROM directives d WHERE " + latest + " AND d.issuer_unit_id = ? ORDER BY d.id DESC LIMIT 100", []any{f.hq.ID}},
		{"derived", "SELECT d.id FROM directives d WHERE " + latest + " AND d.parent_id = ? ORDER BY d.id DESC", []any{d.SeriesID}},
		{"cascade", "SELECT d.id FROM directives d WHERE " + latest + " AND d.root_id = ? ORDER BY d.id DESC", []any{d.RootID}},
		{"versions", "SELECT d.id FROM directives d WHERE d.series_id = ? ORDER BY d.version", []any{d.SeriesID}},
		{"to remind", "SELECT d.id FROM directives d WHERE " + latest + " AND d.status = 'issued' AND d.reminded_at IS NULL AND d.due_at < ? ORDER BY d.id DESC LIMIT 1000",
			[]any{at(t0)}},
		{"to notice overdue", "SELECT d.id FROM directives d WHERE " + latest + " AND d.status = 'issued' AND d.overdue_notice_at IS NULL AND d.due_at < ? ORDER BY d.id DESC LIMIT 1000",
			[]any{at(t0)}},
		{"roll-up counters", "SELECT unit_id, directive_id, state, n FROM directive_counts WHERE root_id = ? AND unit_id IN (?, ?) AND n <> 0",
			[]any{d.RootID, f.hq.ID, f.regionA.ID}},
		{"evidence totals", "SELECT MIN(u.id), COALESCE(SUM(c.visits), 0) FROM units u LEFT JOIN directive_counts c ON c.root_id = ? AND c.unit_id = u.id WHERE u.path = ?",
			[]any{d.RootID, f.hq.Path}},
		{"reports of an assignment", "SELECT id FROM reports WHERE assignment_id = ? ORDER BY id", []any{int64(1)}},
		{"attachments", "SELECT id FROM attachments WHERE owner_type = ? AND owner_id IN (?, ?) ORDER BY owner_id, id", []any{"report", int64(1), int64(2)}},
		{"a level of a subtree", "SELECT id FROM units WHERE path >= ? AND path < ? AND depth = ? ORDER BY path",
			[]any{f.hq.Path, sqlstore.SubtreeEnd(f.hq.Path), 2}},
	}
	explain := planner(t, f.store)
	// The tables, and the alias the store's queries give them.
	tables := map[string]string{"directives": "d", "assignments": "a", "directive_counts": "c", "reports": "", "attachments": "", "units": "u"}
	for _, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			plan := explain(t, q.query, q.args...)
			got := strings.Join(plan, "\n")
			for _, line := range plan {
				line = strings.TrimLeft(line, "|-` ")
				// SQLite: "SCAN x" reads a whole table or index; only the
				// jobs' partial indexes of unsent notices (a few versions
				// in force) may be read so.
				if strings.Contains(line, "directives_unreminded") || strings.Contains(line, "directives_unnoticed") {
					continue
				}
				for table, alias := range tables {
					if strings.Contains(line, "Seq Scan on "+table) || strings.HasPrefix(line, "SCAN "+table+" ") ||
						line == "SCAN "+table || alias != "" && (strings.HasPrefix(line, "SCAN "+alias+" ") || line == "SCAN "+alias) {
						t.Errorf("%s is scanned:\n%s", table, got)
					}
				}
			}
		})
	}
}
