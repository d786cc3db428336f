package main

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"
	"time"
)

func testEnv(vars map[string]string) (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}, &out, &errb
}

func TestConfigPrecedence(t *testing.T) {
	env, _, _ := testEnv(map[string]string{"KINBRIDGE_ADDR": "127.0.0.1:9000", "KINBRIDGE_DB": "from-env.db", "KINBRIDGE_SESSION_IDLE": "45m"})
	fs := newFlagSet(env, "serve", "", "")
	cfg, err := loadConfig(env, fs, []string{"--db", "from-flag.db"}, func(c *Config, fs *flag.FlagSet) { c.addServeFlags(fs) })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9000" || cfg.DB != "from-flag.db" || cfg.SessionIdle != 45*time.Minute || cfg.SessionMax != 12*time.Hour {
		t.Errorf("got %+v", cfg)
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"bad addr env", map[string]string{"KINBRIDGE_ADDR": "nonsense"}, nil, "KINBRIDGE_ADDR (--addr)"},
		{"bad addr flag", nil, []string{"--addr", "localhost"}, "KINBRIDGE_ADDR (--addr)"},
		{"db scheme", map[string]string{"KINBRIDGE_DB": "mysql://x/y"}, nil, "KINBRIDGE_DB (--db)"},
		{"empty db", nil, []string{"--db", ""}, "KINBRIDGE_DB (--db)"},
		{"idle", map[string]string{"KINBRIDGE_SESSION_IDLE": "soon"}, nil, "KINBRIDGE_SESSION_IDLE"},
		{"max below idle", nil, []string{"--session-idle", "2h", "--session-max", "1h"}, "KINBRIDGE_SESSION_MAX"},
		{"cookies", map[string]string{"KINBRIDGE_SECURE_COOKIES": "perhaps"}, nil, "KINBRIDGE_SECURE_COOKIES"},
		{"log format", nil, []string{"--log-format", "xml"}, "KINBRIDGE_LOG_FORMAT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, _ := testEnv(tt.vars)
			err := Run(context.Background(), append([]string{"serve"}, tt.args...), env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error naming %s", err, tt.want)
			}
		})
	}
}

func TestEngineFromURL(t *testing.T) {
	for db, want := range map[string]string{"kinbridge.db": "sqlite", "/var/lib/kb/data.db": "sqlite",
		"postgres://u@h:5432/d": "postgres", "postgresql://u@h/d": "postgres"} {
		c := Config{DB: db}
		if got, err := c.engine(); err != nil || got != want {
			t.Errorf("engine(%q) = %q, %v; want %q", db, got, err, want)
		}
	}
}

func TestHelp(t *testing.T) {
	env, out, errb := testEnv(nil)
	if err := Run(context.Background(), []string{"help"}, env); err != nil {
		t.Fatal(err)
	}
	for _, c := range commands() {
		if !strings.Contains(out.String(), c.name) {
			t.Errorf("help does not list %s", c.name)
		}
	}
	env, _, errb = testEnv(nil)
	err := Run(context.Background(), []string{"serve", "-h"}, env)
	if err == nil || !strings.Contains(errb.String(), "--addr") && !strings.Contains(errb.String(), "-addr") {
		t.Errorf("serve -h: err=%v, output %q", err, errb.String())
	}
	if err := Run(context.Background(), []string{"frobnicate"}, env); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("unknown command: %v", err)
	}
}
