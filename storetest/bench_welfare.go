package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// The welfare benchmarks run on the nation of the registry benchmarks
// (bench_registry.go), built once per engine and process, to which the
// first of them adds welfare records, deterministically:
//
//   - one problem for every fifth household (100,000 at nation size), in
//     mixed states — 20% open, 10% in progress, 10% referred to a
//     sibling office, 50% resolved, 10% given up — raised over the last
//     120 days, two weeks to resolve; the active ones past due escalated
//     as the job would have (open escalations at the region and HQ);
//   - a visit to every second household, in the last 200 days (250,000
//     visits and last-visit rows);
//   - a visit plan at HQ for programme P1, every 90 days;
//   - an officer in each of benchWelfareOffices offices, assigned half of
//     their office's problems and case officer of a third of its
//     households.
//
//	KINBRIDGE_BENCH_LARGE=1 go test -run '^$' -bench 'Welfare' -benchtime 200x ./sqlite/ ./postgres/
//
// With KINBRIDGE_BENCH_REUSE=1, a nation kept from an earlier run keeps
// the welfare records that run added, as they were (their times do not
// move with the clock).

// benchWelfareOffices is how many offices get an officer.
const benchWelfareOffices = 40

// welfareNation is the nation with its welfare records and the actors the
// benchmarks use.
type welfareNation struct {
	*nation
	officers   []context.Context // one per office with an officer
	offices    []*kinbridge.Unit // the offices of the officers
	regions    []*kinbridge.Unit
	hq         *kinbridge.Unit
	regionSups []context.Context // one per region
	hqSup      context.Context
}

var (
	welfareNationsMu sync.Mutex
	welfareNations   = map[string]*welfareNation{}
)

// openWelfareNation returns the engine's nation with welfare records,
// adding them the first time in a process.
func openWelfareNation(b *testing.B, open Opener) *welfareNation {
	engine := engineOf(b, open)
	n := openNation(b, engine, open)
	welfareNationsMu.Lock()
	defer welfareNationsMu.Unlock()
	if w := welfareNations[engine]; w != nil {
		return w
	}
	start := time.Now()
	w := &welfareNation{nation: n}
	ctx := context.Background()
	var units []*kinbridge.Unit
	err := n.store.View(ctx, func(tx kinbridge.Tx) (err error) {
		units, err = tx.FindUnits(ctx, kinbridge.UnitFilter{})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	var offices []*kinbridge.Unit
	for _, u := range units {
		switch u.Depth {
		case 0:
			w.hq = u
		case 1:
			w.regions = append(w.regions, u)
		case 2:
			offices = append(offices, u)
		}
	}
	// Officers and supervisors, created in one batch (each password is an
	// argon2id hash).
	var news []kinbridge.NewUser
	step := max(1, len(offices)/benchWelfareOffices)
	for i := 0; i < len(offices) && len(w.offices) < benchWelfareOffices; i += step {
		w.offices = append(w.offices, offices[i])
		news = append(news, kinbridge.NewUser{Username: fmt.Sprintf("welfare-officer-%d", offices[i].ID), Role: kinbridge.RoleOfficer,
			UnitID: offices[i].ID, Password: testPassword})
	}
	for _, r := range w.regions {
		news = append(news, kinbridge.NewUser{Username: fmt.Sprintf("welfare-supervisor-%d", r.ID), Role: kinbridge.RoleSupervisor,
			UnitID: r.ID, Password: testPassword})
	}
	news = append(news, kinbridge.NewUser{Username: "welfare-supervisor-hq", Role: kinbridge.RoleSupervisor, UnitID: w.hq.ID, Password: testPassword})
	// A reused nation (KINBRIDGE_BENCH_REUSE=1) that had its welfare
	// records added by an earlier run keeps them: its users are those
	// above, and the records are as that run made them (their times as
	// they were then).
	users := make([]*kinbridge.User, 0, len(news))
	err = n.store.View(ctx, func(tx kinbridge.Tx) error {
		for _, nu := range news {
			u, err := tx.FindUserByUsername(ctx, nu.Username)
			if err != nil {
				return err
			}
			users = append(users, u)
		}
		return nil
	})
	reuse := err == nil
	if err != nil && kinbridge.ErrorCode(err) != kinbridge.ENOTFOUND {
		b.Fatal(err)
	} else if !reuse && len(users) > 0 {
		b.Fatalf("the reused nation has %d of the %d welfare users of an earlier run; build it again without KINBRIDGE_BENCH_REUSE", len(users), len(news))
	}
	if reuse {
		b.Logf("reusing the welfare records of an earlier run on %s", engine)
		w.setActors(users)
		welfareNations[engine] = w
		return w
	}
	users, err = n.svc.CreateUsers(System(), news, nil)
	if err != nil {
		b.Fatal(err)
	}
	officerOf := w.setActors(users)
	visitor := users[0].ID

	gen := &welfareGen{b: b, s: n.store, now: time.Now().UTC().Truncate(time.Second)}
	gen.write(w, units, officerOf, visitor)
	if engine == "postgres" {
		if _, err := n.store.WriteDB().ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			b.Fatal(err)
		}
	} else if _, err := n.store.WriteDB().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("welfare records added in %v: %d problems (%d active), %d escalations, %d visits",
		time.Since(start).Round(time.Second), gen.problems, gen.active, gen.escalations, gen.visits)
	welfareNations[engine] = w
	return w
}

// welfareGen writes the welfare records with multi-row INSERTs on the
// write pool, in one transaction: the Service's way, a transaction and an
// audit entry each, would take as long as the benchmarks many times over.
type welfareGen struct {
	b   *testing.B
	s   *sqlstore.Store
	now time.Time

	problems, active, escalations, visits int
}

// t encodes a time for raw SQL on the engine.
func (g *welfareGen) t(t time.Time) any {
	if g.s.Engine() == "sqlite" {
		return sqlstore.EncodeTimeText(t)
	}
	return t
}

// rows collects the rows of one table and inserts them a batch at a time.
type rows struct {
	before *rows // flushed first: the rows these refer to
	head   string
	cols   int
	args   []any
	exec   func(q string, args []any)
	count  int
}

func (r *rows) add(vals ...any) {
	r.args = append(r.args, vals...)
	r.count++
	if len(r.args) >= 900*r.cols {
		r.flush()
	}
}

func (r *rows) flush() {
	if len(r.args) == 0 {
		return
	}
	if r.before != nil {
		r.before.flush()
	}
	n := len(r.args) / r.cols
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", r.cols), ", ") + ")"
	q := r.head + " VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
	r.exec(q, r.args)
	r.args = r.args[:0]
}

func (g *welfareGen) write(w *welfareNation, units []*kinbridge.Unit, officerOf map[int64]int64, visitor int64) {
	b, ctx := g.b, context.Background()
	tx, err := g.s.WriteDB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	exec := func(q string, args []any) {
		if g.s.Engine() == "postgres" {
			q = sqlstore.Rebind(q)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%.80s…: %v", q, err)
		}
	}
	table := func(head string, cols int) *rows {
		return &rows{head: head, cols: cols, exec: exec}
	}
	byID := map[int64]*kinbridge.Unit{}
	siblings := map[int64][]int64{} // region → offices
	for _, u := range units {
		byID[u.ID] = u
		if u.Depth == 2 {
			siblings[u.ParentID] = append(siblings[u.ParentID], u.ID)
		}
	}
	var prog int64
	if err := tx.QueryRowContext(ctx, "SELECT id FROM programmes WHERE code = 'P1'").Scan(&prog); err != nil {
		b.Fatal(err)
	}
	exec(("INSERT INTO visit_plans (unit_id, programme_id, every_days, active, created, updated) VALUES (?, ?, 90, ?, ?, ?)"),
		[]any{w.hq.ID, prog, true, g.t(g.now.AddDate(-1, 0, 0)), g.t(g.now.AddDate(-1, 0, 0))})

	hrows, err := tx.QueryContext(ctx, "SELECT id, unit_id FROM households ORDER BY id")
	if err != nil {
		b.Fatal(err)
	}
	type hh struct{ id, unit int64 }
	var households []hh
	for hrows.Next() {
		var h hh
		if err := hrows.Scan(&h.id, &h.unit); err != nil {
			b.Fatal(err)
		}
		households = append(households, h)
	}
	hrows.Close()

	problems := table(`INSERT INTO problems (id, household_id, unit_id, category, description, priority, status, assignee_id, due_at,
		referral_unit_id, referral_from, reason, escalation_level, next_escalation_at, closed_at, created, updated, version)`, 18)
	escalations := table("INSERT INTO problem_escalations (problem_id, level, unit_id, at)", 4)
	visits := table("INSERT INTO visits (id, household_id, unit_id, at, purpose, notes, recorded_by, created)", 8)
	officers := table("INSERT INTO visit_officers (visit_id, user_id)", 2)
	last := table("INSERT INTO household_last_visit (household_id, at)", 2)
	cases := table("INSERT INTO household_officers (household_id, user_id)", 2)
	escalations.before, officers.before = problems, visits
	cats := []string{"health", "food", "housing", "documents", "money", "family_contact", "work", "other"}
	prios := []string{"low", "normal", "normal", "high", "urgent"}
	const deadline = 14
	day := 24 * time.Hour
	var pid, vid int64
	// The households are dealt round the offices, so the decisions go by a
	// household's place in its office, not in the nation: every office
	// gets its share of each kind.
	seq := map[int64]int{}
	for _, h := range households {
		office := byID[h.unit]
		officer := officerOf[h.unit]
		i := seq[h.unit]
		seq[h.unit]++
		if officer != 0 && i%3 == 0 {
			cases.add(h.id, officer)
		}
		if i%2 == 0 {
			vid++
			at := g.now.Add(-time.Duration(int(vid)%200)*day - time.Duration(int(vid)%1440)*time.Minute)
			visits.add(vid, h.id, h.unit, g.t(at), "routine", "", visitor, g.t(at))
			officers.add(vid, visitor)
			last.add(h.id, g.t(at))
		}
		if i%5 != 0 {
			continue
		}
		k := int(pid)
		pid++
		created := g.now.Add(-time.Duration(k%120)*day - time.Duration(k%600)*time.Minute)
		due := created.AddDate(0, 0, deadline)
		var assignee any
		if officer != 0 && (k/10)%2 == 0 {
			assignee = officer
		}
		status, from := "open", ""
		var referral, next, closed any
		level := 0
		var esc [][]any
		switch k % 10 {
		case 2:
			status = "in_progress"
		case 3:
			status, from = "referred", "open"
			sib := siblings[office.ParentID]
			referral = sib[(k/10)%len(sib)]
			if referral == h.unit {
				referral = sib[((k/10)+1)%len(sib)]
			}
		case 4, 5, 6, 7, 8:
			status = "resolved"
		case 9:
			status = "cannot_resolve"
		}
		if status == "resolved" || status == "cannot_resolve" {
			c := created.Add(time.Duration(k%30)*day + time.Duration(k%17)*time.Hour)
			if c.After(g.now) {
				c = g.now
			}
			closed = g.t(c)
		} else {
			g.active++
			// Escalated as the job would have: one level per deadline
			// period past due, up to HQ (two levels above an office).
			for g.now.After(due.AddDate(0, 0, deadline*level)) && level < office.Depth {
				level++
				up, _ := kinbridge.AncestorAt(office.Path, level)
				esc = append(esc, []any{pid, level, up, g.t(due.AddDate(0, 0, deadline*(level-1)))})
			}
			if level < office.Depth {
				next = g.t(due.AddDate(0, 0, deadline*level))
			}
		}
		problems.add(pid, h.id, h.unit, cats[k%len(cats)], "benchmark problem", prios[k%len(prios)], status, assignee, g.t(due),
			referral, from, "", level, next, closed, g.t(created), g.t(created), 1)
		for _, e := range esc {
			escalations.add(e...)
		}
	}
	for _, r := range []*rows{visits, officers, last, cases, problems, escalations} {
		r.flush()
	}
	if g.s.Engine() == "postgres" {
		// The rows were given their ids: move the identities past them.
		for _, t := range []string{"problems", "visits"} {
			exec(fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))", t, t), nil)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	g.problems, g.escalations, g.visits = problems.count, escalations.count, visits.count
}

// BenchWelfareMyWork measures Service.FindMyWork (an officer's active
// problems and the visits due within the week of their households and of
// their office's unassigned ones) at nation size, by officers of 40
// offices in turn; it reports p50 and p95.
func BenchWelfareMyWork(b *testing.B, open Opener) {
	skipUnlessLarge(b)
	w := openWelfareNation(b, open)
	var lat []time.Duration
	items := 0
	i := 0
	for b.Loop() {
		ctx := w.officers[i%len(w.officers)]
		i++
		start := time.Now()
		work, err := w.svc.FindMyWork(ctx, 0)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		items += len(work.Problems) + len(work.DueVisits)
	}
	reportLatency(b, lat)
	b.ReportMetric(float64(items)/float64(len(lat)), "items/op")
}

// BenchWelfareDashboard measures Service.FindDashboard at nation size for
// an office (by its officer), a region (by its supervisor) and the top
// unit (by a supervisor there), in turn over the units of the level; it
// reports p50 and p95 for each.
func BenchWelfareDashboard(b *testing.B, open Opener) {
	skipUnlessLarge(b)
	w := openWelfareNation(b, open)
	type target struct {
		ctx  context.Context
		unit int64
	}
	levels := []struct {
		name    string
		targets []target
	}{{name: "office"}, {name: "region"}, {name: "hq", targets: []target{{w.hqSup, w.hq.ID}}}}
	for i, o := range w.offices {
		levels[0].targets = append(levels[0].targets, target{w.officers[i], o.ID})
	}
	for i, r := range w.regions {
		levels[1].targets = append(levels[1].targets, target{w.regionSups[i], r.ID})
	}
	for _, l := range levels {
		b.Run(l.name, func(b *testing.B) {
			var lat []time.Duration
			i := 0
			for b.Loop() {
				t := l.targets[i%len(l.targets)]
				i++
				start := time.Now()
				d, err := w.svc.FindDashboard(t.ctx, t.unit)
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if l.name == "hq" && i == 1 {
					b.Logf("HQ dashboard: %+v", *d.Stats)
				}
			}
			reportLatency(b, lat)
		})
	}
}

// setActors sets the benchmark's actors from its users, made from the list
// openWelfareNation builds (an officer per office, a supervisor per region,
// one at HQ, in that order), and returns each office's officer.
func (w *welfareNation) setActors(users []*kinbridge.User) (officerOf map[int64]int64) {
	officerOf = map[int64]int64{}
	for i := range w.offices {
		w.officers = append(w.officers, As(users[i]))
		officerOf[w.offices[i].ID] = users[i].ID
	}
	for i := range w.regions {
		w.regionSups = append(w.regionSups, As(users[len(w.offices)+i]))
	}
	w.hqSup = As(users[len(users)-1])
	return officerOf
}
