package web

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/kinbridge/kinbridge"
)

// BenchmarkDashboardPage measures the server time of a unit's welfare
// dashboard — the counts of its subtree's problems and the chart — in
// process over httptest, on SQLite, with 2,000 problems in the subtree of
// which a quarter are resolved and a tenth referred.
func BenchmarkDashboardPage(b *testing.B) {
	f := newFixture(b)
	cats := kinbridge.DefaultCategories
	for i := range 400 {
		h := f.household(f.c, fmt.Sprintf("%d Bench Road", i))
		for j := range 5 {
			n := i*5 + j
			p := &kinbridge.Problem{HouseholdID: h.ID, Category: cats[n%len(cats)].Code, Description: fmt.Sprintf("Problem %d", n)}
			if err := f.svc.CreateProblem(f.ctx, p); err != nil {
				b.Fatal(err)
			}
			var c *kinbridge.ProblemChange
			switch {
			case n%4 == 0:
				c = &kinbridge.ProblemChange{Action: kinbridge.ProblemResolve}
			case n%10 == 1:
				c = &kinbridge.ProblemChange{Action: kinbridge.ProblemRefer, UnitID: f.d.ID}
			}
			if c != nil {
				if _, err := f.svc.ChangeProblem(f.ctx, p.ID, *c); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	session := f.session(f.user(kinbridge.RoleSupervisor, f.a))
	path := fmt.Sprintf("/units/%d/dashboard", f.a.ID)
	b.ResetTimer()
	for b.Loop() {
		if resp := f.get(path, session); resp.StatusCode != http.StatusOK {
			b.Fatalf("page: %d", resp.StatusCode)
		}
	}
}
