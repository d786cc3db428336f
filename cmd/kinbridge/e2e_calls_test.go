package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlite"
)

// callsWorld is the browser test's office, set up through the services:
// one call room; an officer on office duty every morning and on home duty
// in the north every afternoon; a call coordinator (with an API token, to
// book as a colleague would meanwhile); households h1 and h2 that take
// calls whenever the office holds them, h3 available only on Sunday
// evenings (short in any plan, for want of a slot), and h4 for the quota.
type callsWorld struct {
	db             string
	coord, officer string
	coordToken     string
	h1, h2, h3, h4 int64
	officeID       int64
	officerID      int64
	loc            *time.Location
	nextMonday     string
	password       string
}

func newCallsWorld(t *testing.T) callsWorld {
	t.Helper()
	ctx := context.Background()
	w := callsWorld{db: filepath.Join(t.TempDir(), "kb.db"), coord: "e2e.coord", officer: "e2e.officer", password: "calls e2e password"}
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
	office := &kinbridge.Unit{ParentID: root.ID, Names: kinbridge.UnitNames{EN: "E2E Call Office", KO: "통화 사무소", ZH: "通话办事处"}, TimeZone: "Asia/Seoul"}
	must(svc.CreateUnit(sys, office), "office")
	w.officeID, w.loc = office.ID, office.Location()
	w.nextMonday = kinbridge.AddDays(kinbridge.LocalDay(kinbridge.WeekStart(time.Now(), w.loc), w.loc), 7)
	hash, err := kinbridge.HashPassword(w.password)
	must(err, "hash")
	users, err := svc.CreateUsers(sys, []kinbridge.NewUser{
		{Username: w.coord, DisplayName: "Coordinator", Role: kinbridge.RoleCallCoordinator, UnitID: office.ID, PasswordHash: hash, Lang: kinbridge.LangEnglish},
		{Username: w.officer, DisplayName: "Officer Park", Role: kinbridge.RoleOfficer, UnitID: office.ID, PasswordHash: hash, Lang: kinbridge.LangEnglish},
	}, nil)
	must(err, "users")
	coord := kinbridge.NewContextWithActor(ctx, &kinbridge.Actor{UserID: users[0].ID, Username: w.coord, Role: users[0].Role,
		UnitID: office.ID, UnitPath: users[0].UnitPath, Lang: kinbridge.LangEnglish, Addr: "e2e"})
	w.officerID = users[1].ID
	_, w.coordToken, err = svc.CreateAPIToken(coord, "e2e")
	must(err, "API token")

	must(svc.SetCallOffice(coord, &kinbridge.CallOffice{UnitID: office.ID, MorningStart: 9 * 60, MorningEnd: 12 * 60,
		AfternoonStart: 13 * 60, AfternoonEnd: 17 * 60, Rooms: []*kinbridge.CallRoom{{Name: "Room 1", Active: true}}}), "call office")
	var entries []kinbridge.RosterEntry
	for d := 1; d <= 7; d++ {
		entries = append(entries, kinbridge.RosterEntry{OfficerID: w.officerID, Weekday: d, Half: kinbridge.Morning, Kind: kinbridge.DutyOffice},
			kinbridge.RosterEntry{OfficerID: w.officerID, Weekday: d, Half: kinbridge.Afternoon, Kind: kinbridge.DutyHome})
	}
	must(svc.SetRoster(coord, office.ID, entries, map[int64]string{w.officerID: "north"}), "roster")
	for i, hp := range []*int64{&w.h1, &w.h2, &w.h3, &w.h4} {
		h := &kinbridge.Household{UnitID: office.ID, Address: fmt.Sprintf("%d Bridge Road", i+1), Languages: []string{"ko"}}
		must(svc.CreateHousehold(sys, h), "household")
		_, err := svc.CreatePerson(sys, &kinbridge.Person{Kind: kinbridge.PersonResident, HouseholdID: h.ID,
			Names: kinbridge.PersonNames{Native: fmt.Sprintf("박%d", i+1), Latin: fmt.Sprintf("Park %d", i+1)}, BirthDate: "1950"})
		must(err, "resident")
		*hp = h.ID
		hs := &kinbridge.HouseholdCallSettings{HouseholdID: h.ID, Area: "north"}
		if h.ID == w.h3 {
			hs.Windows = []kinbridge.WeekPeriod{{Weekday: 7, Start: 20 * 60, End: 21 * 60}}
		}
		must(svc.SetHouseholdCallSettings(coord, hs), "household call settings")
	}
	return w
}

// callsAPI calls the JSON API as the coordinator and decodes the answer
// into out (if not nil); it returns the status.
func (w callsWorld) callsAPI(t *testing.T, base, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, base+"/api/v1"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.coordToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %d, %v", method, path, resp.StatusCode, err)
		}
	}
	return resp.StatusCode
}

// TestBrowserCalls drives the family calls in headless Chromium: a booking
// beyond a household's quota is refused with the clear message; the call
// coordinator plans next week, reviews the shortfalls with their reasons,
// and books all; the officer sees the calls in their week view, makes a
// calendar feed address, and the .ics feed holds every call's UID.
func TestBrowserCalls(t *testing.T) {
	ctx := newBrowser(t)
	w := newCallsWorld(t)
	base := startServer(t, w.db)

	// The quota. The coordinator opens h4's calls; meanwhile a colleague
	// books h4's two calls of next week; the coordinator's Book of a slot
	// of that week is refused, and says why.
	err := chromedp.Do(ctx,
		signIn(base, w.coord, w.password),
		chromedp.Navigate(fmt.Sprintf("%s/households/%d/calls", base, w.h4)),
		chromedp.WaitVisible(css(`#slots-heading`)),
	)
	if err != nil {
		t.Fatalf("open the household's calls: %v", err)
	}
	values, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('form.book input[name=slot]')].map(i => i.value)`))
	if err != nil {
		t.Fatal(err)
	}
	var target string
	var targetStart time.Time
	for _, v := range values {
		start, err := time.Parse(time.RFC3339, strings.Split(v, "|")[0])
		if err == nil && kinbridge.LocalDay(start, w.loc) >= w.nextMonday {
			target, targetStart = v, start
			break
		}
	}
	if target == "" {
		t.Fatalf("the page offers no slot next week: %d slots", len(values))
	}
	week := kinbridge.ISOWeekOf(targetStart, w.loc)
	var fs kinbridge.FreeSlots
	if st := w.callsAPI(t, base, "GET", fmt.Sprintf("/households/%d/free-slots", w.h4), nil, &fs); st != http.StatusOK {
		t.Fatalf("free slots: %d", st)
	}
	days := map[string]bool{kinbridge.LocalDay(targetStart, w.loc): true}
	booked := 0
	for _, s := range fs.Slots {
		day := kinbridge.LocalDay(s.Start, w.loc)
		if booked == 2 || days[day] || kinbridge.ISOWeekOf(s.Start, w.loc) != week {
			continue
		}
		var c struct{ ID int64 }
		st := w.callsAPI(t, base, "POST", "/calls", map[string]any{"household_id": w.h4, "start": s.Start, "place": s.Place, "officer_id": s.OfficerID}, &c)
		if st != http.StatusCreated {
			t.Fatalf("book h4's call at %v: %d", s.Start, st)
		}
		days[day] = true
		booked++
	}
	if booked != 2 {
		t.Fatalf("booked %d of h4's calls in %s, want 2", booked, week)
	}
	err = chromedp.Do(ctx,
		clickAndLoad(fmt.Sprintf(`form.book:has(input[value=%q]) button`, target)),
		chromedp.WaitVisible(css(`#book-error`)),
	)
	if err != nil {
		t.Fatalf("book beyond the quota: %v", err)
	}
	if got, want := textOf(t, ctx, `#book-error`), "This household has used its 2 calls for week "+week+"."; got != want {
		t.Errorf("refusal = %q, want %q", got, want)
	}
	if st := responseStatus(t, ctx); st != http.StatusConflict {
		t.Errorf("refusal status = %d, want 409", st)
	}

	// The plan: next week, reviewed, booked.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/calls/plans"),
		chromedp.WaitVisible(css(`#plan-submit`)),
		clickAndLoad(`#plan-submit`),
		chromedp.WaitVisible(css(`#shortfalls`)),
	)
	if err != nil {
		t.Fatalf("plan next week: %v", err)
	}
	if got := textOf(t, ctx, fmt.Sprintf(`#short-%d .reason`, w.h3)); got != "No office slot or home block lies inside its availability windows." {
		t.Errorf("h3's shortfall reason = %q", got)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#shortfalls tbody tr').length`)); err != nil || n != 1 {
		t.Errorf("shortfalls listed = %d (%v), want h3 alone", n, err)
	}
	err = chromedp.Do(ctx,
		clickAndLoad(`#book-all`),
		chromedp.WaitVisible(css(`#booked`)),
	)
	if err != nil {
		t.Fatalf("book all: %v", err)
	}
	nBooked, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#booked tbody tr').length`))
	if err != nil || nBooked != 4 {
		t.Errorf("booked %d calls (%v), want two each for h1 and h2", nBooked, err)
	}
	if got := textOf(t, ctx, `#plan-status`); got != "Booked" {
		t.Errorf("plan status = %q, want Booked", got)
	}

	// The officer's week and feed.
	var list struct {
		Calls []struct {
			ID int64 `json:"id"`
		} `json:"calls"`
	}
	from, _ := kinbridge.AtDayTime(w.nextMonday, 0, w.loc)
	if st := w.callsAPI(t, base, "GET", fmt.Sprintf("/calls?officer_id=%d&status=booked&from=%s&to=%s", w.officerID,
		from.UTC().Format(time.RFC3339), from.AddDate(0, 0, 7).UTC().Format(time.RFC3339)), nil, &list); st != http.StatusOK {
		t.Fatalf("list the officer's calls: %d", st)
	}
	if len(list.Calls) != 6 {
		t.Fatalf("the officer has %d calls next week, want 6 (h4's two and the plan's four)", len(list.Calls))
	}
	err = chromedp.Do(ctx,
		clickAndLoad(`form[action="/logout"] button[type=submit]`),
		signIn(base, w.officer, w.password),
		chromedp.Navigate(base+"/calls/me"),
		chromedp.WaitVisible(css(`#week`)),
		clickAndLoad(`a[rel=next]`),
		chromedp.WaitVisible(css(`#week`)),
	)
	if err != nil {
		t.Fatalf("the officer's next week: %v", err)
	}
	for _, c := range list.Calls {
		shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector('#week #call-%d') !== null`, c.ID)))
		if err != nil || !shown {
			t.Errorf("the week view does not show call %d (%v)", c.ID, err)
		}
	}
	err = chromedp.Do(ctx,
		clickAndLoad(`form[action="/calls/calendar-tokens"] button[type=submit]`),
		chromedp.WaitVisible(css(`#feed-url`)),
	)
	if err != nil {
		t.Fatalf("make a feed address: %v", err)
	}
	feed := textOf(t, ctx, `#feed-url`)
	resp, err := http.Get(feed)
	if err != nil {
		t.Fatalf("fetch the feed %s: %v", feed, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/calendar; charset=utf-8" || !strings.HasPrefix(string(body), "BEGIN:VCALENDAR") {
		t.Fatalf("feed: %d %s\n%.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	for _, c := range list.Calls {
		if !strings.Contains(string(body), fmt.Sprintf("UID:call-%d@kinbridge", c.ID)) {
			t.Errorf("the feed has no UID of call %d", c.ID)
		}
	}
}
