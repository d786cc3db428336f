package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs one command line against db and returns its standard output.
func runCLI(t *testing.T, db, stdin string, args ...string) (string, error) {
	t.Helper()
	env, out, errb := testEnv(map[string]string{"KINBRIDGE_DB": db})
	env.Stdin = strings.NewReader(stdin)
	err := Run(context.Background(), args, env)
	if testing.Verbose() && errb.Len() > 0 {
		t.Logf("%v: stderr: %s", args, errb.String())
	}
	return out.String(), err
}

func mustCLI(t *testing.T, db, stdin string, args ...string) string {
	t.Helper()
	out, err := runCLI(t, db, stdin, args...)
	if err != nil {
		t.Fatalf("kinbridge %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func TestCommandLineAdministration(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "kb.db")

	mustCLI(t, db, "", "migrate")
	mustCLI(t, db, "", "unit", "add", "--name-en", "HQ", "--name-ko", "본부", "--tz", "Asia/Seoul")
	mustCLI(t, db, "", "unit", "add", "--parent", "1", "--name-en", "North")
	mustCLI(t, db, "", "unit", "add", "--parent", "2", "--name-en", "Office")
	mustCLI(t, db, "", "unit", "add", "--parent", "1", "--name-en", "South")

	if _, err := runCLI(t, db, "", "unit", "add", "--parent", "1", "--name-en", "X", "--tz", "Mars/Base"); err == nil || !strings.Contains(err.Error(), "--tz") {
		t.Errorf("bad time zone: got %v, want an error naming --tz", err)
	}
	if _, err := runCLI(t, db, "", "unit", "move", "2", "--parent", "3"); err == nil || !strings.Contains(err.Error(), "--parent") {
		t.Errorf("move under own child: got %v, want a cycle error naming --parent", err)
	}
	if out := mustCLI(t, db, "", "unit", "move", "3", "--parent", "4"); !strings.Contains(out, "/1/4/3/") {
		t.Errorf("move: %q, want the new path /1/4/3/", out)
	}
	list := mustCLI(t, db, "", "unit", "list", "--lang", "ko")
	if !strings.Contains(list, "본부") || !strings.Contains(list, "    Office") {
		t.Errorf("unit list:\n%s", list)
	}

	mustCLI(t, db, "a long password\n", "user", "add", "--username", "Kim", "--role", "officer", "--unit", "3")
	if _, err := runCLI(t, db, "a long password\n", "user", "add", "--username", "kim", "--role", "officer", "--unit", "3"); err == nil || !strings.Contains(err.Error(), "--username") {
		t.Errorf("duplicate user: got %v", err)
	}
	if _, err := runCLI(t, db, "short\n", "user", "add", "--username", "lee", "--role", "officer", "--unit", "3"); err == nil || !strings.Contains(err.Error(), "password") {
		t.Errorf("short password: got %v", err)
	}
	if _, err := runCLI(t, db, "a long password\n", "user", "add", "--username", "lee", "--role", "boss", "--unit", "3"); err == nil || !strings.Contains(err.Error(), "--role") {
		t.Errorf("bad role: got %v", err)
	}
	mustCLI(t, db, "another long password\n", "user", "passwd", "kim")
	mustCLI(t, db, "", "user", "disable", "kim")
	if out := mustCLI(t, db, "", "user", "list"); strings.Contains(out, "kim") {
		t.Errorf("a disabled user is listed without --all:\n%s", out)
	}
	if out := mustCLI(t, db, "", "user", "list", "--all"); !strings.Contains(out, "disabled") {
		t.Errorf("user list --all:\n%s", out)
	}

	if out := mustCLI(t, db, "", "audit", "verify"); !strings.Contains(out, "intact") {
		t.Errorf("audit verify: %q", out)
	}

	// Backup, change, restore: the change is gone, the audit log intact.
	backup := filepath.Join(dir, "backup.db")
	mustCLI(t, db, "", "backup", backup)
	if _, err := runCLI(t, db, "", "backup", backup); err == nil {
		t.Error("backup over an existing file must be refused")
	}
	mustCLI(t, db, "", "unit", "add", "--parent", "1", "--name-en", "After the backup")
	mustCLI(t, db, "", "restore", backup)
	if out := mustCLI(t, db, "", "unit", "list"); strings.Contains(out, "After the backup") || !strings.Contains(out, "South") {
		t.Errorf("after restore:\n%s", out)
	}
	mustCLI(t, db, "", "audit", "verify")
}
