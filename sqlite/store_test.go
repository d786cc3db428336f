package sqlite_test

import (
	"testing"

	"github.com/kinbridge/kinbridge/storetest"
)

// TestStore runs the behaviour suite every store must pass.
func TestStore(t *testing.T) {
	storetest.Run(t, storetest.OpenSQLite)
}

func BenchmarkAuditShare(b *testing.B) { storetest.BenchAuditShare(b, storetest.OpenSQLite) }

func BenchmarkAuditVerify(b *testing.B) { storetest.BenchAuditVerify(b, storetest.OpenSQLite) }
