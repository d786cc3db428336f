package demo_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/demo"
	"github.com/kinbridge/kinbridge/files"
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
	fs, err := files.Open(filepath.Join(t.TempDir(), "demo.db.files"))
	if err != nil {
		t.Fatal(err)
	}
	svc.SetAttachmentStore(fs)
	err = demo.Generate(sys, svc, demo.Options{Size: size, Seed: seed, Files: fs, Progress: func(stage string, done, total int) {
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
	summary = append(summary, registrySummary(t, svc, size)...)
	summary = append(summary, welfareSummary(t, svc, size)...)
	summary = append(summary, directiveSummary(t, svc, size)...)
	summary = append(summary, departureSummary(t, svc, size)...)

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

// registrySummary lists the demo registry — programmes, every row of an
// export (households, residents, relatives abroad and their links), and
// every status event — and checks its size and variety.
func registrySummary(t *testing.T, svc *kinbridge.Service, size demo.Size) []string {
	t.Helper()
	sys := kinbridge.NewContextWithActor(context.Background(), kinbridge.SystemActor("demo"))
	var summary []string
	ps, err := svc.FindProgrammes(sys)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		summary = append(summary, fmt.Sprintf("programme %d %s %s %s %s", p.ID, p.Code, p.Names.EN, p.Names.KO, p.Names.ZH))
	}
	if len(ps) != len(demo.Programmes) {
		t.Errorf("%d programmes, want %d", len(ps), len(demo.Programmes))
	}
	col := map[string]int{}
	for i, c := range kinbridge.ImportColumns {
		col[c] = i
	}
	households := map[string]bool{}
	kinds := map[string]int{}
	scripts := map[string]int{}
	_, err = svc.ExportRegistry(sys, kinbridge.HouseholdFilter{}, func(row []string) error {
		if row[0] == "household" {
			return nil // the header
		}
		summary = append(summary, "row "+strings.Join(row, "|"))
		households[row[col["household"]]] = true
		kinds[row[col["kind"]]]++
		if row[col["kind"]] == string(kinbridge.PersonRelativeAbroad) && row[col["related_to"]] == "" {
			t.Errorf("relative abroad not linked to a member: %v", row)
		}
		for _, r := range row[col["name_native"]] {
			switch {
			case unicode.Is(unicode.Han, r):
				scripts["han"]++
			case unicode.Is(unicode.Hangul, r):
				scripts["hangul"]++
			}
			break
		}
		if row[col["name_latin"]] != "" {
			scripts["latin"]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(households); got != size.Households {
		t.Errorf("%d households, want %d", got, size.Households)
	}
	// Residents who moved to another household are counted there; all are
	// still in the export.
	if got, want := kinds[string(kinbridge.PersonResident)], size.Persons; got != want {
		t.Errorf("%d residents, want %d", got, want)
	}
	if got, want := kinds[string(kinbridge.PersonRelativeAbroad)], size.Relatives; got != want {
		t.Errorf("%d relatives abroad, want %d", got, want)
	}
	for _, s := range []string{"han", "hangul", "latin"} {
		if scripts[s] < size.Persons/10 {
			t.Errorf("only %d persons have a %s name (%v)", scripts[s], s, scripts)
		}
	}

	// Status histories: every kind of event, for a few percent of the residents.
	events := map[kinbridge.StatusKind]int{}
	err = svc.Store().View(sys, func(tx kinbridge.Tx) error {
		for id := int64(1); id <= int64(size.Households); id++ {
			es, err := tx.FindStatusEvents(sys, kinbridge.StatusEventFilter{HouseholdID: id})
			if err != nil {
				return err
			}
			for _, e := range es {
				events[e.Kind]++
				summary = append(summary, fmt.Sprintf("event %d person %d household %d %s %s to %d %q %q", e.ID, e.PersonID, e.HouseholdID, e.Kind, e.Date, e.ToHouseholdID, e.ToAddress, e.Note))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, k := range kinbridge.StatusKinds {
		if events[k] == 0 {
			t.Errorf("no %s events: %v", k, events)
		}
		total += events[k]
	}
	if total < size.Persons/100 || total > size.Persons/10 {
		t.Errorf("%d status events for %d residents: want a few percent", total, size.Persons)
	}
	return summary
}
