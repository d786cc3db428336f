package storetest_test

import (
	"testing"

	"github.com/kinbridge/kinbridge/postgres"
	"github.com/kinbridge/kinbridge/sqlite"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// TestMigrationNamesMatch keeps the two engines' migrations in step: the
// same numbered files, so that a schema change is made on both.
func TestMigrationNamesMatch(t *testing.T) {
	lite, err := sqlstore.MigrationNames(sqlite.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	pg, err := sqlstore.MigrationNames(postgres.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 {
		t.Fatal("no migrations")
	}
	if len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations %v, postgres %d %v", len(lite), lite, len(pg), pg)
	}
	for i := range lite {
		if lite[i] != pg[i] {
			t.Errorf("migration %d: sqlite %s, postgres %s", i, lite[i], pg[i])
		}
	}
}
