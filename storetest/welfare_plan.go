package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge/sqlstore"
)

// testWelfareUsesIndexes checks that the welfare queries that run on
// every page and every minute find their rows through an index, never by
// scanning problems, households, persons or notifications: each query is
// the store's shape (sqlstore/problem.go, welfare.go, notify.go), planned
// on the engine.
func testWelfareUsesIndexes(t *testing.T, open Opener) {
	f := newWelfare(t, open)
	now := t0
	at := func(t time.Time) any {
		if f.store.Engine() == "sqlite" {
			return sqlstore.EncodeTimeText(t)
		}
		return t
	}
	const active = "p.status IN ('open', 'in_progress', 'referred')"
	// The dashboard's hint on SQLite (a small scope's).
	hint := ""
	if f.store.Engine() == "sqlite" {
		hint = " INDEXED BY problems_unit_active"
	}
	queries := []struct {
		name  string
		query string
		args  []any
	}{
		{"unit queue", "SELECT p.id FROM problems p WHERE p.unit_id = ? AND " + active + " ORDER BY p.due_at LIMIT 100",
			[]any{f.officeA1.ID}},
		{"incoming", "SELECT p.id FROM problems p WHERE p.referral_unit_id = ? AND p.status IN ('referred')", []any{f.officeA1.ID}},
		{"my problems", "SELECT COUNT(*) FROM problems p WHERE p.assignee_id = ? AND " + active, []any{f.officerA1.ID}},
		{"to escalate", "SELECT p.id FROM problems p WHERE p.next_escalation_at IS NOT NULL AND p.next_escalation_at <= ? AND " +
			active + " ORDER BY p.next_escalation_at, p.id LIMIT 200", []any{at(now)}},
		{"household's problems", "SELECT p.id FROM problems p WHERE p.household_id = ?", []any{f.h1.ID}},
		{"dashboard, active", "SELECT p.category, p.status, COUNT(*) FROM problems p" + hint + " WHERE " + active +
			" AND p.unit_id IN (SELECT id FROM units WHERE path >= ? AND path < ?) GROUP BY p.category, p.status",
			[]any{f.regionA.Path, sqlstore.SubtreeEnd(f.regionA.Path)}},
		{"dashboard, week", "SELECT p.category, COUNT(*) FROM problems p WHERE p.closed_at IS NOT NULL AND p.closed_at >= ?" +
			" AND p.status IN ('resolved', 'cannot_resolve') AND p.unit_id IN (SELECT id FROM units WHERE path >= ? AND path < ?)" +
			" GROUP BY p.category", []any{at(now), f.regionA.Path, sqlstore.SubtreeEnd(f.regionA.Path)}},
		{"open escalations of a unit", "SELECT e.problem_id FROM problem_escalations e WHERE e.unit_id = ? AND e.cleared_at IS NULL ORDER BY e.at",
			[]any{f.regionA.ID}},
		{"unread", "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", []any{f.officerA1.ID}},
		{"inbox", "SELECT id FROM notifications WHERE user_id = ? ORDER BY id DESC LIMIT 50", []any{f.officerA1.ID}},
		{"case officer's households", "SELECT h.id FROM household_officers o JOIN households h ON h.id = o.household_id WHERE o.user_id = ?",
			[]any{f.officerA1.ID}},
		{"unit's unassigned households", `SELECT h.id FROM households h WHERE h.unit_id IN (SELECT id FROM units WHERE path = ?)
			AND NOT EXISTS (SELECT 1 FROM household_officers o2 WHERE o2.household_id = h.id)`, []any{f.officeA1.Path}},
		{"outbox", "SELECT id FROM outbox_mail WHERE claimed_at IS NULL ORDER BY id LIMIT 50", nil},
	}
	explain := planner(t, f.store)
	for _, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			plan := explain(t, q.query, q.args...)
			got := strings.Join(plan, "\n")
			for _, line := range plan {
				line = strings.TrimLeft(line, "|-` ")
				for _, table := range []string{"problems", "households", "persons", "notifications", "problem_escalations", "household_officers"} {
					if strings.Contains(line, "Seq Scan on "+table) {
						t.Errorf("%s is scanned:\n%s", table, got)
					}
				}
				// SQLite: "SCAN x" reads a whole table or index; only the
				// outbox's partial index of unclaimed mail may be read so.
				if strings.HasPrefix(line, "SCAN ") && !strings.Contains(line, "outbox_mail_unclaimed") &&
					!strings.HasPrefix(line, "SCAN units") {
					t.Errorf("a scan:\n%s", got)
				}
			}
		})
	}
}
