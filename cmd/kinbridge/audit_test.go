package main

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the driver, to tamper with the file as an intruder would
)

// TestAuditVerifyDetectsTampering edits, deletes, inserts and reorders audit
// entries behind kinbridge's back, straight in the SQLite file, and checks
// that 'kinbridge audit verify' fails and names the first bad entry.
func TestAuditVerifyDetectsTampering(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.db")
	mustCLI(t, clean, "", "unit", "add", "--name-en", "HQ")
	for _, name := range []string{"A", "B", "C", "D", "E"} {
		mustCLI(t, clean, "", "unit", "add", "--parent", "1", "--name-en", name)
	}
	if out := mustCLI(t, clean, "", "audit", "verify"); !strings.Contains(out, "6 entries") {
		t.Fatalf("clean log: %q, want 6 entries verified", out)
	}
	tests := []struct {
		name   string
		sql    string
		wantAt string
	}{
		{"edited", `UPDATE audit_log SET actor_name = 'mallory' WHERE seq = 3`, "entry 3:"},
		{"deleted", `DELETE FROM audit_log WHERE seq = 3`, "entry 3:"},
		{"deleted newest", `DELETE FROM audit_log WHERE seq = 6`, "entry 6:"},
		{"inserted", `CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE seq = 2;
			UPDATE t SET seq = (SELECT max(seq) + 1 FROM audit_log);
			INSERT INTO audit_log SELECT * FROM t`, "entry 7:"},
		{"reordered", `UPDATE audit_log SET seq = -3 WHERE seq = 3;
			UPDATE audit_log SET seq = 3 WHERE seq = 4;
			UPDATE audit_log SET seq = 4 WHERE seq = -3`, "entry 3:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "kb.db")
			copyFile(t, clean, db)
			tamper(t, db, tt.sql)
			out, err := runCLI(t, db, "", "audit", "verify")
			if !errors.Is(err, errAuditBroken) {
				t.Fatalf("audit verify after the log was %s: err %v, output %q; want it to fail", tt.name, err, out)
			}
			if !strings.Contains(out, "FIRST BAD ENTRY: "+tt.wantAt) {
				t.Errorf("audit verify after the log was %s: %q, want it to name %s", tt.name, out, tt.wantAt)
			}
		})
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func tamper(t *testing.T, path, script string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range strings.Split(script, ";") {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("tamper: %s: %v", stmt, err)
		}
	}
}
