package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/departure"
	"github.com/kinbridge/kinbridge/sqlite"
)

// departuresWorld is the browser test's agency, set up through the
// services: an administrator of the top unit, an office with a household
// already on the list (registered first) and one to put on it, a policy
// with points for age and illness (next household that fits), and an
// open crossing taking two persons a day.
type departuresWorld struct {
	db, admin, password string
	first, second       int64 // households: on the list, to be put on it
	ill                 int64 // the second household's member to tick ill
	crossingID          int64
	tomorrow            string
}

func newDeparturesWorld(t *testing.T) departuresWorld {
	t.Helper()
	ctx := context.Background()
	w := departuresWorld{db: filepath.Join(t.TempDir(), "kb.db"), admin: "e2e.admin", password: "departures e2e password"}
	store, err := sqlite.Open(ctx, w.db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := kinbridge.NewService(store, nil, kinbridge.DefaultServiceConfig())
	sys := kinbridge.NewContextWithActor(ctx, kinbridge.SystemActor("e2e"))
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	root := &kinbridge.Unit{Names: kinbridge.UnitNames{EN: "E2E Agency"}, TimeZone: "Asia/Seoul"}
	must(svc.CreateUnit(sys, root), "root unit")
	office := &kinbridge.Unit{ParentID: root.ID, Names: kinbridge.UnitNames{EN: "E2E Office"}, TimeZone: "Asia/Seoul"}
	must(svc.CreateUnit(sys, office), "office")
	hash, err := kinbridge.HashPassword(w.password)
	must(err, "hash")
	_, err = svc.CreateUsers(sys, []kinbridge.NewUser{{Username: w.admin, DisplayName: "Admin", Role: kinbridge.RoleAdministrator,
		UnitID: root.ID, PasswordHash: hash, Lang: kinbridge.LangEnglish}}, nil)
	must(err, "users")
	for i, hp := range []*int64{&w.first, &w.second} {
		h := &kinbridge.Household{UnitID: office.ID, Address: fmt.Sprintf("%d Gate Road", i+1)}
		must(svc.CreateHousehold(sys, h), "household")
		*hp = h.ID
		p := &kinbridge.Person{Kind: kinbridge.PersonResident, HouseholdID: h.ID,
			Names: kinbridge.PersonNames{Latin: fmt.Sprintf("Resident %d", i+1)}, BirthDate: "1985"}
		_, err := svc.CreatePerson(sys, p)
		must(err, "resident")
		if i == 1 {
			w.ill = p.ID
		}
	}
	must(svc.CreateDepartureRequest(sys, &kinbridge.DepartureRequest{HouseholdID: w.first, Destination: "Busan"}), "first request")
	pol := &kinbridge.DeparturePolicy{MissedRule: kinbridge.MissedKeepPlace, Rules: departure.Policy{Name: "Ill first",
		FitRule: departure.FitNextThatFits, Tiers: []departure.Tier{{Name: "everyone", Fact: departure.FactAll}},
		Points: []departure.PointRule{{Fact: departure.FactIllness, Points: 3}}}}
	must(svc.CreateDeparturePolicy(sys, pol), "policy")
	_, err = svc.AdoptDeparturePolicy(sys, pol.ID)
	must(err, "adopt")
	c := &kinbridge.Crossing{Name: "North gate", Open: true, DailyCapacity: 1}
	must(svc.CreateCrossing(sys, c), "crossing")
	w.crossingID = c.ID
	loc, _ := time.LoadLocation("Asia/Seoul")
	w.tomorrow = kinbridge.AddDays(kinbridge.LocalDay(time.Now(), loc), 1)
	return w
}

// TestBrowserDepartures drives the departure list in headless Chromium:
// the administrator puts a household on the list with a member's
// illness, and it goes first with the reason saying so; allocation at the
// crossing says which rule applied and gives it tomorrow, its day sheet
// lists the member; a resident code is printed once; the resident, with
// no account, sees their place and day in Korean, and a revoked code gets
// the neutral answer.
func TestBrowserDepartures(t *testing.T) {
	ctx := newBrowser(t)
	w := newDeparturesWorld(t)
	base := startServer(t, w.db)

	err := chromedp.Do(ctx,
		signIn(base, w.admin, w.password),
		chromedp.Navigate(fmt.Sprintf("%s/households/%d", base, w.second)),
		chromedp.WaitVisible(css(`#departure-link`)),
		clickAndLoad(`#departure-link`),
		chromedp.WaitVisible(css(`#departure-form`)),
		chromedp.SendKeys(css(`#f-destination`), "Seoul"),
		chromedp.Click(css(fmt.Sprintf(`#fact-%d-illness`, w.ill))),
		clickAndLoad(`#departure-submit`),
		chromedp.WaitVisible(css(`#departure-facts`)),
	)
	if err != nil {
		t.Fatalf("put the household on the list: %v", err)
	}
	if got := textOf(t, ctx, `#departure-rank`); got != "1" {
		t.Errorf("rank = %q, want 1 (ill, ahead of the household registered before)", got)
	}
	if got := textOf(t, ctx, `#departure-reason`); !strings.Contains(got, "illness") {
		t.Errorf("reason = %q, want it to name the illness", got)
	}
	reqURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}

	// Allocation at the crossing, one person a day from tomorrow.
	err = chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/departures/crossings/%d", base, w.crossingID)),
		chromedp.WaitVisible(css(`#allocate`)),
		chromedp.WaitVisible(css(`#drain-chart`)),
		clickAndLoad(`#allocate`),
		chromedp.WaitVisible(css(`#allocation-rule`)),
	)
	if err != nil {
		t.Fatalf("allocate: %v", err)
	}
	if got := textOf(t, ctx, `#allocation-rule`); !strings.Contains(got, "The next household that fits may use it") {
		t.Errorf("rule = %q", got)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/departures/crossings/%d/days/%s", base, w.crossingID, w.tomorrow)),
		chromedp.WaitVisible(css(`#day-sheet`)),
	)
	if err != nil {
		t.Fatalf("day sheet: %v", err)
	}
	if got := textOf(t, ctx, `#day-sheet tbody`); !strings.Contains(got, "Resident 2") || strings.Contains(got, "Resident 1") {
		t.Errorf("tomorrow's sheet = %q, want the ill resident alone", got)
	}

	// The slip, once.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+reqURL),
		chromedp.WaitVisible(css(`#new-code`)),
		clickAndLoad(`#new-code`),
		chromedp.WaitVisible(css(`#resident-slip`)),
	)
	if err != nil {
		t.Fatalf("print a code: %v", err)
	}
	code := textOf(t, ctx, `#resident-code`)
	if st := responseStatus(t, ctx); st != http.StatusCreated || !strings.HasPrefix(code, "kbr_") {
		t.Fatalf("code %q, status %d", code, st)
	}
	if got := textOf(t, ctx, `#resident-url`); got != base+"/resident" {
		t.Errorf("slip address = %q", got)
	}

	// The resident, signed out, in Korean.
	err = chromedp.Do(ctx,
		clickAndLoad(`form[action="/logout"] button[type=submit]`),
		chromedp.Navigate(base+"/resident?lang=ko"),
		chromedp.WaitVisible(css(`#f-code`)),
		chromedp.SendKeys(css(`#f-code`), code),
		clickAndLoad(`#resident-submit`),
		chromedp.WaitVisible(css(`#resident-answer`)),
	)
	if err != nil {
		t.Fatalf("resident look-up: %v", err)
	}
	if got := textOf(t, ctx, `#resident-status`); got != "배정됨" {
		t.Errorf("status = %q, want 배정됨", got)
	}
	if got := textOf(t, ctx, `#resident-position`); got != "1" {
		t.Errorf("position = %q, want 1", got)
	}
	if got := textOf(t, ctx, `#resident-destination`); got != "Seoul" {
		t.Errorf("destination = %q", got)
	}
	if body := textOf(t, ctx, `main`); strings.Contains(body, "Gate Road") || strings.Contains(body, "Resident 1") || strings.Contains(body, "Busan") {
		t.Errorf("the resident page shows someone else: %q", body)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/resident?lang=en"),
		chromedp.WaitVisible(css(`#f-code`)),
		chromedp.SendKeys(css(`#f-code`), "kbr_wrong"),
		clickAndLoad(`#resident-submit`),
		chromedp.WaitVisible(css(`main .alert`)),
	)
	if err != nil {
		t.Fatalf("wrong code: %v", err)
	}
	if got := textOf(t, ctx, `main .alert`); got != "This code is not known, or no longer valid." {
		t.Errorf("wrong code answer = %q", got)
	}
}
