package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kinbridge/kinbridge/files"
)

func TestFilesSetting(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"next to sqlite", nil, []string{"--db", "/var/lib/kb/kb.db"}, "/var/lib/kb/kb.db.files"},
		{"env", map[string]string{"KINBRIDGE_FILES": "/srv/attachments"}, []string{"--db", "kb.db"}, "/srv/attachments"},
		{"flag wins", map[string]string{"KINBRIDGE_FILES": "/srv/a"}, []string{"--files", "/srv/b"}, "/srv/b"},
		{"postgres without setting: off", nil, []string{"--db", "postgres://u@h/d"}, ""},
		{"postgres with setting", nil, []string{"--db", "postgres://u@h/d", "--files", "/srv/kb"}, "/srv/kb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, _ := testEnv(tt.vars)
			cfg, err := loadConfig(env, newFlagSet(env, "serve", "", ""), tt.args, func(c *Config, fs *flag.FlagSet) { c.addServeFlags(fs) })
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.filesDir(); got != tt.want {
				t.Errorf("files directory %q, want %q", got, tt.want)
			}
		})
	}
	env, _, _ := testEnv(map[string]string{"KINBRIDGE_FILES": "s3://bucket/kb"})
	if err := Run(context.Background(), []string{"serve"}, env); err == nil || !strings.Contains(err.Error(), "KINBRIDGE_FILES (--files)") {
		t.Errorf("a URL as the files directory: %v, want an error naming KINBRIDGE_FILES (--files)", err)
	}
}

// TestBackupCopiesAttachments: 'backup' copies the attachments beside the
// database copy, and 'restore' brings back those missing.
func TestBackupCopiesAttachments(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "kb.db")
	mustCLI(t, db, "", "migrate")
	fs, err := files.Open(db + ".files")
	if err != nil {
		t.Fatal(err)
	}
	key, _, _, _, err := fs.Put(ctx, strings.NewReader("the report's photo"), 100)
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	if out := mustCLI(t, db, "", "backup", backup); !strings.Contains(out, "1 attachments copied") {
		t.Errorf("backup said %q", out)
	}
	if b, err := os.ReadFile(filepath.Join(backup+".files", key)); err != nil || string(b) != "the report's photo" {
		t.Fatalf("the backup's copy of the attachment: %q, %v", b, err)
	}
	if err := fs.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if out := mustCLI(t, db, "", "restore", backup); !strings.Contains(out, "1 attachments restored") {
		t.Errorf("restore said %q", out)
	}
	if b, err := os.ReadFile(filepath.Join(db+".files", key)); err != nil || string(b) != "the report's photo" {
		t.Errorf("the restored attachment: %q, %v", b, err)
	}
}
