package postgres_test

import (
	"testing"

	"github.com/kinbridge/kinbridge/storetest"
)

// TestStore runs the behaviour suite every store must pass.
func TestStore(t *testing.T) {
	storetest.Run(t, storetest.OpenPostgres)
}

func BenchmarkAuditShare(b *testing.B) { storetest.BenchAuditShare(b, storetest.OpenPostgres) }

func BenchmarkAuditVerify(b *testing.B) { storetest.BenchAuditVerify(b, storetest.OpenPostgres) }
