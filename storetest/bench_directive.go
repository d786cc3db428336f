package storetest

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// The directives' benchmarks (PERFORMANCE.md P5 and P6) run on a generated
// tree of 2,000 units by default, and of 100,000 with
// KINBRIDGE_BENCH_LARGE=1 (KINBRIDGE_BENCH_UNITS overrides either):
//
//	KINBRIDGE_BENCH_LARGE=1 go test -run '^$' -bench 'Directive' -benchtime 1x -count 5 ./sqlite/ ./postgres/
func directiveBenchUnits() int {
	def := 2_000
	if os.Getenv("KINBRIDGE_BENCH_LARGE") == "1" {
		def = 100_000
	}
	return benchSize("KINBRIDGE_BENCH_UNITS", def)
}

// directiveBenchBranching is the tree's fan-out: 100,000 units are a root,
// four full levels of 10, 100, 1,000 and 10,000 units, and 88,889 at depth 5.
const directiveBenchBranching = 10

// benchTree writes a tree of n units straight into the units table, in one
// transaction of multi-row INSERTs: the root, then each level filled in
// order, each unit with directiveBenchBranching children until n. It is the
// benchmarks' scaffolding, so it skips the Service (and its audit entry per
// unit); the rows are what Tx.CreateUnit writes. It returns the units in
// tree order of creation (breadth first).
func benchTree(b *testing.B, s *sqlstore.Store, n int) []*kinbridge.Unit {
	b.Helper()
	ctx := context.Background()
	db := s.WriteDB()
	var base int64
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM units").Scan(&base); err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	var stamp any = now
	if s.Engine() == "sqlite" {
		stamp = sqlstore.EncodeTimeText(now)
	}
	units := make([]*kinbridge.Unit, n)
	for i := range n {
		u := &kinbridge.Unit{ID: base + int64(i) + 1, Names: kinbridge.UnitNames{EN: "Unit " + strconv.Itoa(i)}, TimeZone: "UTC", Created: now, Updated: now}
		parentPath := "/"
		if i > 0 {
			p := units[(i-1)/directiveBenchBranching]
			u.ParentID, u.Depth, parentPath = p.ID, p.Depth+1, p.Path
		}
		u.Path = parentPath + strconv.FormatInt(u.ID, 10) + "/"
		units[i] = u
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	const perStmt = 4000 // 8 parameters a row: within both engines' limits
	for start := 0; start < n; start += perStmt {
		end := min(start+perStmt, n)
		q := "INSERT INTO units (id, parent_id, name_en, time_zone, path, depth, created, updated) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?), ", end-start), ", ")
		args := make([]any, 0, (end-start)*8)
		for _, u := range units[start:end] {
			var parent any
			if u.ParentID != 0 {
				parent = u.ParentID
			}
			args = append(args, u.ID, parent, u.Names.EN, u.TimeZone, u.Path, u.Depth, stamp, stamp)
		}
		if s.Engine() == "postgres" {
			q = sqlstore.Rebind(q) // SQLite would take $n for names, and look each one up
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("create units: %v", err)
		}
	}
	if s.Engine() == "postgres" {
		if _, err := tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('units', 'id'), (SELECT MAX(id) FROM units))"); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "ANALYZE units"); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return units
}

// BenchDirectiveIssue measures P6: Service.IssueDirective from the root of
// a 100,000-unit tree to every unit below it, named one by one (99,999
// assignments), and to every unit of the deepest level (88,889); each
// iteration issues a new directive into the same database. It reports
// seconds per directive issued.
func BenchDirectiveIssue(b *testing.B, open Opener) {
	n := directiveBenchUnits()
	for _, mode := range []string{"all_units", "deepest_level"} {
		b.Run(mode, func(b *testing.B) {
			s := open(b)
			units := benchTree(b, s, n)
			root, last := units[0], units[len(units)-1]
			svc := kinbridge.NewService(s, nil, kinbridge.ServiceConfig{})
			ctx := System()
			var ids []int64
			for _, u := range units[1:] {
				ids = append(ids, u.ID)
			}
			var total time.Duration
			assignments := 0
			i := 0
			for b.Loop() {
				i++
				d := &kinbridge.Directive{IssuerUnitID: root.ID, Title: fmt.Sprintf("Directive %d", i), Body: "Report weekly.",
					DueAt: time.Now().AddDate(0, 0, 30)}
				if mode == "all_units" {
					d.Addressees.UnitIDs = slices.Clone(ids)
				} else {
					d.Addressees.Depth = last.Depth
				}
				start := time.Now()
				if err := svc.IssueDirective(ctx, d); err != nil {
					b.Fatalf("issue: %v", err)
				}
				total += time.Since(start)
				assignments = len(d.Addressees.UnitIDs)
				if mode != "all_units" {
					assignments = 0
					for _, u := range units {
						if u.Depth == last.Depth {
							assignments++
						}
					}
				}
			}
			b.ReportMetric(total.Seconds()/float64(i), "s/issue")
			b.ReportMetric(float64(assignments), "assignments")
		})
	}
}

// BenchDirectiveRollup measures P5: Service.FindRollup at the root of a
// 100,000-unit tree, of a directive issued to every unit below the root,
// after one assignment in 40 was taken through the store to acknowledged,
// reported (with evidence), accepted or returned; and, in the same run, a
// plain recursive-CTE query computing the same counts (by state, for the
// root and each child) from the assignments table, which it checks against
// the roll-up; then the roll-up again past the due date, when it also
// lists the first 100 overdue assignments. It reports the p95s in
// milliseconds.
func BenchDirectiveRollup(b *testing.B, open Opener) {
	n := directiveBenchUnits()
	s := open(b)
	units := benchTree(b, s, n)
	root := units[0]
	svc := kinbridge.NewService(s, nil, kinbridge.ServiceConfig{})
	ctx := System()
	d := &kinbridge.Directive{IssuerUnitID: root.ID, Title: "Roll me up", DueAt: time.Now().AddDate(0, 0, 30)}
	for _, u := range units[1:] {
		d.Addressees.UnitIDs = append(d.Addressees.UnitIDs, u.ID)
	}
	if err := svc.IssueDirective(ctx, d); err != nil {
		b.Fatalf("issue: %v", err)
	}
	mixStates(b, s, d)
	if s.Engine() == "postgres" {
		// The mix is written in one transaction, which leaves each counter
		// row near the root a chain of thousands of dead versions that
		// every read walks (some 10 ms a roll-up) until a vacuum clears
		// them. Live, each step is a transaction of its own, which later
		// reads prune, and autovacuum runs: the benchmark measures that
		// steady state.
		if _, err := s.WriteDB().ExecContext(context.Background(), "VACUUM ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	want, err := svc.FindRollup(ctx, d.ID, 0)
	if err != nil {
		b.Fatal(err)
	}
	got := rollupByCTE(b, s, root.ID, d.RootID)
	if fmt.Sprint(states(want.ByState)) != fmt.Sprint(got[0]) || len(want.Children) != len(got)-1 {
		b.Fatalf("the roll-up %v and the recursive CTE %v disagree", want.ByState, got[0])
	}
	for _, c := range want.Children {
		if fmt.Sprint(states(c.ByState)) != fmt.Sprint(got[c.Unit.ID]) {
			b.Fatalf("child %d: roll-up %v, CTE %v", c.Unit.ID, c.ByState, got[c.Unit.ID])
		}
	}

	var rollup, cte []time.Duration
	// Each iteration takes 50 samples of the roll-up and 5 of the CTE,
	// interleaved, so that a run of -benchtime 1x has a p95 of each.
	for b.Loop() {
		for i := range 50 {
			start := time.Now()
			if _, err := svc.FindRollup(ctx, d.ID, 0); err != nil {
				b.Fatal(err)
			}
			rollup = append(rollup, time.Since(start))
			if i%10 == 0 {
				start := time.Now()
				rollupByCTE(b, s, root.ID, d.RootID)
				cte = append(cte, time.Since(start))
			}
		}
	}
	// Past the due date, every assignment not accepted is overdue, and the
	// roll-up lists the first 100 of them too.
	b.StopTimer()
	s.SetClock(NewClock(d.DueAt.Add(time.Hour)))
	defer s.SetClock(kinbridge.SystemClock{})
	var overdue []time.Duration
	for range 50 {
		start := time.Now()
		r, err := svc.FindRollup(ctx, d.ID, 0)
		if err != nil {
			b.Fatal(err)
		}
		overdue = append(overdue, time.Since(start))
		if r.Overdue != want.Total-want.ByState[kinbridge.AssignmentAccepted] || len(r.OverdueAt) != 100 {
			b.Fatalf("overdue %d, listed %d", r.Overdue, len(r.OverdueAt))
		}
	}
	b.ReportMetric(p95ms(rollup), "rollup_p95_ms")
	b.ReportMetric(p95ms(overdue), "rollup_overdue_p95_ms")
	b.ReportMetric(p95ms(cte), "cte_p95_ms")
	b.ReportMetric(float64(want.Total), "assignments")
}

func p95ms(lat []time.Duration) float64 {
	slices.Sort(lat)
	return float64(lat[min(len(lat)-1, int(0.95*float64(len(lat))))].Microseconds()) / 1000
}

// mixStates takes one assignment of the directive in 40 through the store
// to acknowledged, reported, accepted or returned in turn, with a report
// carrying evidence for those reported, in one transaction.
func mixStates(b *testing.B, s *sqlstore.Store, d *kinbridge.Directive) {
	b.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(tx kinbridge.Tx) error {
		as, err := tx.FindAssignments(ctx, kinbridge.AssignmentFilter{DirectiveID: d.ID})
		if err != nil {
			return err
		}
		step := func(a *kinbridge.Assignment, action kinbridge.AssignmentAction) error {
			old := a.State
			if err := a.Step(action, tx.Now()); err != nil {
				return err
			}
			return tx.UpdateAssignment(ctx, a, old)
		}
		for i, a := range as {
			if i%40 != 0 {
				continue
			}
			if err := step(a, kinbridge.AssignmentAcknowledge); err != nil {
				return err
			}
			k := i / 40 % 4
			if k == 0 {
				continue
			}
			r := &kinbridge.Report{AssignmentID: a.ID, DirectiveID: d.ID, UnitID: a.UnitID, Narrative: "Done.", SubmittedAt: tx.Now(),
				Evidence: kinbridge.Evidence{UnitID: a.UnitID, Households: 20, HouseholdsVisited: 15, Visits: 18, ProblemsRaised: 3, ProblemsResolved: 2}}
			if err := tx.CreateReport(ctx, r); err != nil {
				return err
			}
			a.ReportID = r.ID
			if err := step(a, kinbridge.AssignmentReport); err != nil {
				return err
			}
			switch k {
			case 2:
				err = step(a, kinbridge.AssignmentAccept)
			case 3:
				err = step(a, kinbridge.AssignmentReturn)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("mix states: %v", err)
	}
}

// rollupByCTE counts the cascade's live assignments by state below the
// unit (key 0) and below each of its children (keyed by the child), the
// plain way: a recursive CTE walks the tree by parent_id from the unit and
// the assignments of every unit found are grouped.
func rollupByCTE(b *testing.B, s *sqlstore.Store, unitID, rootID int64) map[int64]map[kinbridge.AssignmentState]int {
	b.Helper()
	rows, err := s.WriteDB().QueryContext(context.Background(), sqlstore.Rebind(`
		WITH RECURSIVE sub (id, child) AS (
			SELECT id, id FROM units WHERE parent_id = ?
			UNION ALL
			SELECT u.id, sub.child FROM units u JOIN sub ON u.parent_id = sub.id
		)
		SELECT sub.child, a.state, COUNT(*) FROM sub JOIN assignments a ON a.unit_id = sub.id
		WHERE a.root_id = ? AND a.live
		GROUP BY sub.child, a.state`), unitID, rootID)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]map[kinbridge.AssignmentState]int{0: {}}
	for rows.Next() {
		var child int64
		var st kinbridge.AssignmentState
		var n int
		if err := rows.Scan(&child, &st, &n); err != nil {
			b.Fatal(err)
		}
		if out[child] == nil {
			out[child] = map[kinbridge.AssignmentState]int{}
		}
		out[child][st] += n
		out[0][st] += n
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}
