package sqlite_test

import (
	"testing"

	"github.com/kinbridge/kinbridge/storetest"
)

// BenchmarkCallsFreeSlots runs on the demo's province (P3): see
// storetest/bench_calls.go.
func BenchmarkCallsFreeSlots(b *testing.B) { storetest.BenchCallsFreeSlots(b, storetest.OpenSQLite) }
