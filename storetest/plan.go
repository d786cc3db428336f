package storetest

import (
	"context"
	"testing"

	"github.com/kinbridge/kinbridge/sqlstore"
)

// planner returns a function that gives the plan of a query on the store's
// engine, a line a step: EXPLAIN QUERY PLAN on SQLite, EXPLAIN on
// PostgreSQL with sequential scans discouraged (the suite's tables are too
// small for the planner to prefer an index by itself). Its connection is
// closed when the test ends.
func planner(t *testing.T, s *sqlstore.Store) func(t *testing.T, query string, args ...any) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := s.WriteDB().Conn(ctx)
	mustNoErr(t, err, "conn")
	t.Cleanup(func() { conn.Close() })
	explain := "EXPLAIN QUERY PLAN "
	if s.Engine() == "postgres" {
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.ExecContext(ctx, "RESET enable_seqscan") })
		explain = "EXPLAIN "
	}
	return func(t *testing.T, query string, args ...any) []string {
		t.Helper()
		rows, err := conn.QueryContext(ctx, explain+sqlstore.Rebind(query), args...)
		mustNoErr(t, err, "explain")
		defer rows.Close()
		var plan []string
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			mustNoErr(t, rows.Scan(ptrs...), "scan plan")
			line := vals[len(vals)-1]
			if b, ok := line.([]byte); ok {
				line = string(b)
			}
			plan = append(plan, line.(string))
		}
		mustNoErr(t, rows.Err(), "read plan")
		return plan
	}
}
