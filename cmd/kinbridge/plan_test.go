package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlanCommand(t *testing.T) {
	dir := t.TempDir()
	week := filepath.Join(dir, "week.json")
	plan := filepath.Join(dir, "plan.json")
	run := func(stdin string, args ...string) (string, string, error) {
		env, out, errb := testEnv(nil)
		env.Stdin = strings.NewReader(stdin)
		err := Run(context.Background(), append([]string{"plan"}, args...), env)
		return out.String(), errb.String(), err
	}

	if _, _, err := run("", "--generate", "town", "--seed", "3", "--out", week); err != nil {
		t.Fatalf("generate: %v", err)
	}
	_, summary, err := run("", "--instance", week, "--out", plan)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if !strings.Contains(summary, "components") || !strings.Contains(summary, "served") {
		t.Errorf("summary on stderr: %q", summary)
	}
	if _, _, err := run("", "--instance", week, "--check", plan); err != nil {
		t.Errorf("check of the command's own plan: %v", err)
	}

	// The same plan from standard input to standard output.
	b, err := os.ReadFile(week)
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := run(string(b), "--instance", "-")
	if err != nil {
		t.Fatalf("plan from stdin: %v", err)
	}
	want, _ := os.ReadFile(plan)
	if out != string(want) {
		t.Errorf("plan on stdout differs from the plan written to --out")
	}

	// A broken plan is refused with the violations listed.
	var p map[string]any
	if err := json.Unmarshal(want, &p); err != nil {
		t.Fatal(err)
	}
	call := p["calls"].([]any)[0].(map[string]any)
	call["start"] = "03:00"
	call["end"] = "03:30"
	broken, _ := json.Marshal(p)
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run("", "--instance", week, "--check", bad); err == nil || !strings.Contains(err.Error(), "calls[0]") {
		t.Errorf("broken plan: got %v, want a violation naming calls[0]", err)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "--instance is required"},
		{[]string{"--generate", "galaxy"}, "--generate"},
		{[]string{"--instance", filepath.Join(dir, "missing.json")}, "--instance"},
		{[]string{"--instance", plan}, "--instance"},
		{[]string{"--instance", week, "--check", week}, "--check"},
	} {
		if _, _, err := run("", tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("plan %v: got %v, want an error naming %s", tt.args, err, tt.want)
		}
	}
	// A bad field names its path.
	badWeek := filepath.Join(dir, "badweek.json")
	os.WriteFile(badWeek, []byte(strings.Replace(string(b), `"slot_minutes": 30`, `"slot_minutes": -1`, 1)), 0o644)
	if _, _, err := run("", "--instance", badWeek); err == nil || !strings.Contains(err.Error(), "slot_minutes") {
		t.Errorf("bad slot_minutes: got %v", err)
	}
}
