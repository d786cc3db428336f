package postgres_test

import (
	"testing"

	"github.com/kinbridge/kinbridge/storetest"
)

// TestGroupCommit: concurrent writes, some failing or panicking, each all
// or nothing on its own (storetest.GroupCommit).
func TestGroupCommit(t *testing.T) { storetest.GroupCommit(t, storetest.OpenPostgres) }
