package sqlite_test

import (
	"testing"

	"github.com/kinbridge/kinbridge/storetest"
)

// The directives' benchmarks run on a small tree by default and on the
// 100,000-unit tree with KINBRIDGE_BENCH_LARGE=1 (see storetest).

func BenchmarkDirectiveIssue(b *testing.B) { storetest.BenchDirectiveIssue(b, storetest.OpenSQLite) }

func BenchmarkDirectiveRollup(b *testing.B) { storetest.BenchDirectiveRollup(b, storetest.OpenSQLite) }
