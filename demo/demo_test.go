package demo_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/demo"
	"github.com/kinbridge/kinbridge/sqlite"
)

// generate makes a demo database and returns a summary of its content that
// leaves out ids' order-independent parts and times.
func generate(t *testing.T, size demo.Size, seed uint64) []string {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := kinbridge.NewService(store, nil, kinbridge.DefaultServiceConfig())
	sys := kinbridge.NewContextWithActor(ctx, kinbridge.SystemActor("demo"))
	var stages []string
	err = demo.Generate(sys, svc, demo.Options{Size: size, Seed: seed, Progress: func(stage string, done, total int) {
		if done == total {
			stages = append(stages, fmt.Sprintf("%s %d", stage, total))
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	units, err := svc.FindUnits(sys)
	if err != nil {
		t.Fatal(err)
	}
	var summary []string
	for _, u := range units {
		summary = append(summary, fmt.Sprintf("unit %d %s %s %s %s", u.ID, u.Path, u.Names.EN, u.Names.KO, u.Names.ZH))
	}
	users, total, err := svc.FindUsers(sys, kinbridge.UserFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		summary = append(summary, fmt.Sprintf("user %s %s %s %d %s", u.Username, u.DisplayName, u.Role, u.UnitID, u.Lang))
	}
	if got, want := len(units), size.Units; got != want {
		t.Errorf("%d units, want %d", got, want)
	}
	officers := 0
	for _, u := range users {
		if u.Role == kinbridge.RoleOfficer {
			officers++
		}
	}
	if officers < size.Officers {
		t.Errorf("%d officers, want at least %d", officers, size.Officers)
	}
	if total != len(users) {
		t.Errorf("FindUsers total %d, listed %d", total, len(users))
	}
	if len(stages) == 0 {
		t.Error("no progress was reported")
	}
	// Every demo login can sign in with the printed password.
	for _, l := range demo.Logins {
		if _, a, err := svc.Login(ctx, l.Username, demo.Password, "127.0.0.1", "test"); err != nil {
			t.Errorf("login %s: %v", l.Username, err)
		} else if a.Role != l.Role {
			t.Errorf("login %s has role %s, want %s", l.Username, a.Role, l.Role)
		}
	}
	return summary
}

func TestGenerateIsDeterministic(t *testing.T) {
	town := demo.Sizes["town"]
	a := generate(t, town, 1)
	b := generate(t, town, 1)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different data (-first +second):\n%s", diff)
	}
	c := generate(t, town, 2)
	if cmp.Equal(a, c) {
		t.Error("another seed gave the same data")
	}
}
