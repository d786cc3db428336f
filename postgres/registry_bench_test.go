package postgres_test

import (
	"testing"

	"github.com/kinbridge/kinbridge/storetest"
)

// The registry's large benchmarks run with KINBRIDGE_BENCH_LARGE=1 only.

func BenchmarkRegistryImport(b *testing.B) { storetest.BenchRegistryImport(b, storetest.OpenPostgres) }

func BenchmarkRegistrySearch(b *testing.B) { storetest.BenchRegistrySearch(b, storetest.OpenPostgres) }

func BenchmarkHouseholdPage(b *testing.B) { storetest.BenchHouseholdPage(b, storetest.OpenPostgres) }
