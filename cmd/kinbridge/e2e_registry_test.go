package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/demo"
	"github.com/kinbridge/kinbridge/sqlite"
)

// registryWorld is what the registry's browser test works on: the demo data
// set, and, made through the service, a household of the demo officer's
// unit whose head's name is written in Chinese characters only, and an
// officer of a sibling unit.
type registryWorld struct {
	db          string
	householdID int64
	personID    int64
	sibling     string // username of the sibling unit's officer
}

// The head's name: a compound family name, written only in Chinese
// characters, so that the Latin search must go through its romanisation.
const (
	registryNative = "欧阳明远"
	registryLatin  = "Ouyang Mingyuan"
)

// newRegistryWorld creates the database of the test through the service.
func newRegistryWorld(t *testing.T) registryWorld {
	t.Helper()
	ctx := context.Background()
	w := registryWorld{db: filepath.Join(t.TempDir(), "kb.db"), sibling: "e2e.sibling"}
	store, err := sqlite.Open(ctx, w.db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := kinbridge.NewService(store, nil, kinbridge.DefaultServiceConfig())
	sys := kinbridge.NewContextWithActor(ctx, kinbridge.SystemActor("e2e"))
	if err := demo.Generate(sys, svc, demo.Options{Size: demo.Sizes["town"], Seed: 1}); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	officer, err := svc.FindUserByUsername(sys, "officer")
	if err != nil {
		t.Fatal(err)
	}
	office, err := svc.FindUnitByID(sys, officer.UnitID)
	if err != nil {
		t.Fatal(err)
	}
	sibling := &kinbridge.Unit{ParentID: office.ParentID, Names: kinbridge.UnitNames{EN: "E2E Sibling Office"}, TimeZone: office.TimeZone}
	if err := svc.CreateUnit(sys, sibling); err != nil {
		t.Fatal(err)
	}
	hash, err := kinbridge.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUsers(sys, []kinbridge.NewUser{{Username: w.sibling, Role: kinbridge.RoleOfficer, UnitID: sibling.ID, PasswordHash: hash, Lang: kinbridge.LangEnglish}}, nil); err != nil {
		t.Fatal(err)
	}
	h := &kinbridge.Household{UnitID: office.ID, Address: "7 E2E Lane", Languages: []string{"zh"}}
	if err := svc.CreateHousehold(sys, h); err != nil {
		t.Fatal(err)
	}
	p := &kinbridge.Person{Kind: kinbridge.PersonResident, HouseholdID: h.ID, Names: kinbridge.PersonNames{Native: registryNative},
		BirthDate: "1957-06-01", Sex: "m", Relationship: "head"}
	if _, err := svc.CreatePerson(sys, p); err != nil {
		t.Fatal(err)
	}
	w.householdID, w.personID = h.ID, p.ID
	return w
}

// startServer runs 'kinbridge serve' in-process on the database, on a free
// port, and returns its base URL; the server stops when the test ends.
func startServer(t *testing.T, db string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	env, _, errb := testEnv(nil)
	env.OnListen = func(addr string) { addrc <- addr }
	done := make(chan error, 1)
	go func() { done <- Run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, env) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	select {
	case addr := <-addrc:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("server did not start: %v\n%s", err, errb.String())
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start within 60 s")
	}
	return ""
}

// responseStatus is the HTTP status of the page the browser shows.
func responseStatus(t *testing.T, ctx context.Context) int {
	t.Helper()
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByType('navigation')[0].responseStatus`))
	if err != nil {
		t.Fatalf("response status: %v", err)
	}
	return status
}

// TestBrowserRegistry drives the registry in headless Chromium: an officer
// searches by the Latin form of a name written in Chinese characters, finds
// the person, opens their household, records that the person left the
// country and sees the new current status; an officer of a sibling unit
// gets "not found" for the same household.
func TestBrowserRegistry(t *testing.T) {
	ctx := newBrowser(t)
	w := newRegistryWorld(t)
	base := startServer(t, w.db)
	personLink := fmt.Sprintf(`a.result[href="/persons/%d"]`, w.personID)
	householdURL := fmt.Sprintf("%s/households/%d", base, w.householdID)

	err := chromedp.Do(ctx,
		signIn(base, "officer", demo.Password),
		chromedp.Navigate(base+"/search"),
		chromedp.WaitVisible(css(`#f-q`)),
		chromedp.SendKeys(css(`#f-q`), registryLatin),
		clickAndLoad(`form[action="/search"] button[type=submit]`),
		chromedp.WaitVisible(css(`#results-heading`)),
	)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	results := textOf(t, ctx, `table.results`)
	if !strings.Contains(results, registryNative) {
		t.Fatalf("searching %q does not find %s:\n%s", registryLatin, registryNative, results)
	}
	if first := textOf(t, ctx, `table.results tbody tr:first-child`); !strings.Contains(first, registryNative) {
		t.Errorf("%s is not the best match for %q: first is %q", registryNative, registryLatin, first)
	}

	// The person, then their household.
	err = chromedp.Do(ctx,
		clickAndLoad(personLink),
		chromedp.WaitVisible(css(`#current-status`)),
		clickAndLoad(`p.crumbs a`),
		chromedp.WaitVisible(css(`#members-heading`)),
	)
	if err != nil {
		t.Fatalf("open the person and their household: %v", err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != householdURL {
		t.Errorf("the household link led to %s, want %s", loc, householdURL)
	}
	if members := textOf(t, ctx, `section[aria-labelledby="members-heading"]`); !strings.Contains(members, registryNative) || !strings.Contains(members, "Living here") {
		t.Errorf("the household's members:\n%s", members)
	}

	// From the household to the member, and a status event there.
	err = chromedp.Do(ctx,
		clickAndLoad(fmt.Sprintf(`#person-%d a`, w.personID)),
		chromedp.WaitVisible(css(`#f-kind`)),
		chromedp.SetValue(css(`#f-kind`), string(kinbridge.EventLeftCountry)),
		chromedp.SendKeys(css(`#f-note`), "Crossed to see his daughter."),
		clickAndLoad(`form[action$="/status"] button[type=submit]`),
		chromedp.WaitVisible(css(`#current-status`)),
	)
	if err != nil {
		t.Fatalf("record a status event: %v", err)
	}
	if status := strings.TrimSpace(textOf(t, ctx, `#current-status`)); status != "Abroad" {
		t.Errorf("current status after leaving the country: %q, want Abroad", status)
	}
	if history := textOf(t, ctx, `ol.timeline`); !strings.Contains(history, "Left the country") || !strings.Contains(history, "Crossed to see his daughter.") {
		t.Errorf("the status history lacks the event:\n%s", history)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(householdURL), chromedp.WaitVisible(css(`#members-heading`))); err != nil {
		t.Fatal(err)
	}
	if row := textOf(t, ctx, fmt.Sprintf(`#person-%d`, w.personID)); !strings.Contains(row, "Abroad") {
		t.Errorf("the household page shows the member as %q", row)
	}

	// An officer of a sibling unit: the household is not found.
	err = chromedp.Do(ctx,
		clickAndLoad(`form[action="/logout"] button`),
		signIn(base, w.sibling, demo.Password),
		chromedp.Navigate(householdURL),
		chromedp.WaitVisible(css(`main`)),
	)
	if err != nil {
		t.Fatalf("sign in as the sibling unit's officer: %v", err)
	}
	if status := responseStatus(t, ctx); status != 404 {
		t.Errorf("the household as an officer of a sibling unit: status %d, want 404", status)
	}
	if body := textOf(t, ctx, `main`); strings.Contains(body, registryNative) || strings.Contains(body, "7 E2E Lane") || !strings.Contains(body, "Not found") {
		t.Errorf("the sibling unit's officer sees:\n%s", body)
	}
}
