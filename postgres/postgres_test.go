package postgres_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/postgres"
	"github.com/kinbridge/kinbridge/storetest"
)

// TestSubtreeUsesIndex checks that a subtree query can be one range scan of
// the path index: the path's "C" collation makes the index order bytewise,
// as the range needs. (The table is too small for the planner to prefer the
// index by itself, so sequential scans are turned off for the check.)
func TestSubtreeUsesIndex(t *testing.T) {
	s := storetest.OpenPostgres(t)
	ctx := context.Background()
	tx, err := s.WriteDB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN SELECT id FROM units WHERE path >= $1 AND path < $2", "/1/", "/10")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	got := strings.Join(plan, "\n")
	if !strings.Contains(got, "units_path") || !strings.Contains(got, "Index Cond: ((path >= ") {
		t.Errorf("the subtree query does not use the path index as a range:\n%s", got)
	}
}

func TestBackupRestore(t *testing.T) {
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIPPING PostgreSQL backup test: %s is not installed", tool)
		}
	}
	url := storetest.PostgresSchemaURL(t)
	ctx := context.Background()
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc := kinbridge.NewService(s, nil, kinbridge.ServiceConfig{})
	sys := storetest.System()
	hq := &kinbridge.Unit{Names: kinbridge.UnitNames{EN: "HQ"}}
	if err := svc.CreateUnit(sys, hq); err != nil {
		t.Fatal(err)
	}
	backupPath := filepath.Join(t.TempDir(), "kinbridge.dump")
	if err := s.Backup(ctx, backupPath); err != nil {
		t.Fatalf("backup: %v", err)
	}
	if err := s.Backup(ctx, backupPath); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("second backup to the same file: %v, want a refusal", err)
	}
	later := &kinbridge.Unit{ParentID: hq.ID, Names: kinbridge.UnitNames{EN: "Made after the backup"}}
	if err := svc.CreateUnit(sys, later); err != nil {
		t.Fatal(err)
	}
	s.Close()

	if err := postgres.Restore(ctx, backupPath, url); err != nil {
		t.Fatalf("restore: %v", err)
	}
	s = storetest.MustOpenPostgres(t, url)
	svc = kinbridge.NewService(s, nil, kinbridge.ServiceConfig{})
	units, err := svc.FindUnits(sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 1 || units[0].ID != hq.ID {
		t.Errorf("restored database has %d units, want only the one made before the backup", len(units))
	}
	n, problem, err := svc.VerifyAudit(ctx, nil)
	if err != nil || problem != nil || n != 1 {
		t.Errorf("restored audit log: %d entries, problem %v, error %v; want 1 intact entry", n, problem, err)
	}
	// The identity sequences came back too: new records do not collide.
	again := &kinbridge.Unit{ParentID: hq.ID, Names: kinbridge.UnitNames{EN: "Made after the restore"}}
	if err := svc.CreateUnit(sys, again); err != nil {
		t.Fatalf("create after restore: %v", err)
	}

	if err := postgres.Restore(ctx, filepath.Join(t.TempDir(), "missing.dump"), url); err == nil {
		t.Error("restore of a missing file succeeded")
	}
}

// TestBytewiseColumns checks the columns whose order must be bytewise, as
// in SQLite, whatever the database's default collation: paths (for the
// subtree range) and usernames (for lists).
func TestBytewiseColumns(t *testing.T) {
	s := storetest.OpenPostgres(t)
	for _, col := range [][2]string{{"units", "path"}, {"users", "username"}} {
		var collation string
		err := s.WriteDB().QueryRow(`SELECT COALESCE(collation_name, '') FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`, col[0], col[1]).Scan(&collation)
		if err != nil {
			t.Fatalf("%s.%s: %v", col[0], col[1], err)
		}
		if collation != "C" {
			t.Errorf("%s.%s has collation %q, want C", col[0], col[1], collation)
		}
	}
}
