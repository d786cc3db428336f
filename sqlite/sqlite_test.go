package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlite"
	"github.com/kinbridge/kinbridge/storetest"
)

// TestPragmas checks that the connections are set up as durability and
// concurrency need: WAL, synchronous FULL, foreign keys, one writer, and
// readers that cannot write.
func TestPragmas(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	dbs := s.DBs()
	for _, tt := range []struct {
		pool, pragma, want string
	}{
		{"write", "journal_mode", "wal"},
		{"write", "synchronous", "2"},
		{"write", "foreign_keys", "1"},
		{"write", "busy_timeout", "10000"},
		{"read", "query_only", "1"},
		{"read", "foreign_keys", "1"},
		{"read", "busy_timeout", "10000"},
	} {
		var got string
		if err := dbs[tt.pool].QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatalf("%s pool: PRAGMA %s: %v", tt.pool, tt.pragma, err)
		}
		if got != tt.want {
			t.Errorf("%s pool: PRAGMA %s = %s, want %s", tt.pool, tt.pragma, got, tt.want)
		}
	}
	if got := dbs["write"].Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer pool allows %d connections, want 1", got)
	}
	if _, err := dbs["read"].ExecContext(ctx, "DELETE FROM units"); err == nil {
		t.Error("the read pool could write")
	}
	// A View is read-only too.
	err := s.View(ctx, func(tx kinbridge.Tx) error {
		return tx.CreateUnit(ctx, &kinbridge.Unit{Names: kinbridge.UnitNames{EN: "x"}, TimeZone: "UTC"})
	})
	if err == nil {
		t.Error("a write succeeded in View")
	}
}

// TestSubtreeUsesIndex checks that a subtree query is one range scan of the
// path index, not a scan of the table.
func TestSubtreeUsesIndex(t *testing.T) {
	s := storetest.OpenSQLite(t)
	rows, err := s.WriteDB().Query("EXPLAIN QUERY PLAN SELECT id FROM units WHERE path >= ? AND path < ?", "/1/", "/10")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if got := strings.Join(plan, "; "); !strings.Contains(got, "USING COVERING INDEX units_path (path>? AND path<?)") &&
		!strings.Contains(got, "USING INDEX units_path (path>? AND path<?)") {
		t.Errorf("plan %q does not use the path index for the range", got)
	}
}

func TestOpenRefusesMemory(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		if s, err := sqlite.Open(context.Background(), path); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", path)
		}
	}
}

func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "live.db")
	backupPath := filepath.Join(dir, "backup.db")

	s, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	svc := kinbridge.NewService(s, nil, kinbridge.ServiceConfig{})
	sys := storetest.System()
	hq := &kinbridge.Unit{Names: kinbridge.UnitNames{EN: "HQ"}}
	if err := svc.CreateUnit(sys, hq); err != nil {
		t.Fatal(err)
	}
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
	if err := sqlite.Restore(ctx, backupPath, dbPath); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("restore under an open store: %v, want a refusal", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if err := sqlite.Restore(ctx, backupPath, dbPath); err != nil {
		t.Fatalf("restore: %v", err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(dbPath + suffix); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left behind: %v", suffix, err)
		}
	}
	s = storetest.MustOpenSQLite(t, dbPath)
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
}

func TestRestoreRefusesBadBackups(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "live.db")
	storetest.MustOpenSQLite(t, dbPath)
	before, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}

	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE notes (body TEXT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	for _, tt := range []struct{ name, path, want string }{
		{"missing", filepath.Join(dir, "nope.db"), "no such file"},
		{"not a database", garbage, "not a readable SQLite database"},
		{"not kinbridge", other, "not a kinbridge database"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := sqlite.Restore(ctx, tt.path, dbPath)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Restore: %v, want an error saying %q", err, tt.want)
			}
			after, err := os.ReadFile(dbPath)
			if err != nil || string(after) != string(before) {
				t.Errorf("the database changed after a refused restore (%v)", err)
			}
			if _, err := os.Stat(tt.path); tt.name == "missing" && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("checking a missing backup created it")
			}
		})
	}
}
