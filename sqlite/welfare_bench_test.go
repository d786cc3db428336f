package sqlite_test

import (
	"testing"

	"github.com/kinbridge/kinbridge/storetest"
)

// The welfare benchmarks run on the nation-sized registry, with
// KINBRIDGE_BENCH_LARGE=1 only.

func BenchmarkWelfareMyWork(b *testing.B) { storetest.BenchWelfareMyWork(b, storetest.OpenSQLite) }

func BenchmarkWelfareDashboard(b *testing.B) {
	storetest.BenchWelfareDashboard(b, storetest.OpenSQLite)
}
