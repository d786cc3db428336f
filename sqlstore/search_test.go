package sqlstore

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestSortTermRows checks the parallel sort against the plain one, on sizes
// around its parts.
func TestSortTermRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 49999, 50000, 50001, 123457} {
		rows := make([]termRow, n)
		for i := range rows {
			term := fmt.Sprintf("n:%d", rng.IntN(n/3+1))
			if i%3 == 0 {
				term = fmt.Sprintf("l:%0*d", 10+rng.IntN(10), rng.IntN(n/3+1)) // longer than the key
			} else if i%7 == 0 {
				term += "\x00"
			}
			rows[i] = termRow{key: termKey(term), term: term, unit: rng.Int64N(5), id: rng.Int64N(1000), weight: int64(i)}
		}
		want := slices.Clone(rows)
		slices.SortStableFunc(want, func(a, b termRow) int {
			return cmp.Or(strings.Compare(a.term, b.term), cmp.Compare(a.unit, b.unit), cmp.Compare(a.id, b.id))
		})
		sortTermRows(rows)
		for i := range rows {
			if compareTermRows(rows[i], want[i]) != 0 {
				t.Fatalf("n=%d: row %d is %+v, want %+v", n, i, rows[i], want[i])
			}
		}
	}
}
