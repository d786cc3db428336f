package web

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// callsWorld is an office (B) set up for calls: one room, an officer on
// duty every day, a call coordinator, and two households with a resident
// each.
type callsWorld struct {
	f           *fixture
	officer     *kinbridge.User
	coord       *kinbridge.User
	room        *kinbridge.CallRoom
	h1, h2      *kinbridge.Household
	coordCookie string
}

func newCallsWorld(t *testing.T) *callsWorld {
	t.Helper()
	f := newFixture(t)
	w := &callsWorld{f: f, officer: f.user(kinbridge.RoleOfficer, f.b), coord: f.user(kinbridge.RoleCallCoordinator, f.b)}
	w.room = f.callOffice(f.b, w.officer).Rooms[0]
	w.h1 = f.household(f.b, "1 Call Street")
	f.resident(w.h1, "金一", "Kim One", "1960")
	w.h2 = f.household(f.b, "2 Call Street")
	f.resident(w.h2, "金二", "Kim Two", "1961")
	w.coordCookie = f.session(w.coord)
	return w
}

// slotsInWeek are the household's free slots in the ISO week of s, on
// other days than s's.
func (w *callsWorld) slotsInWeek(h *kinbridge.Household, s kinbridge.Slot) []kinbridge.Slot {
	loc := w.f.b.Location()
	var out []kinbridge.Slot
	seen := map[string]bool{kinbridge.LocalDay(s.Start, loc): true}
	for _, o := range w.f.freeSlots(h) {
		day := kinbridge.LocalDay(o.Start, loc)
		if kinbridge.ISOWeekOf(o.Start, loc) == kinbridge.ISOWeekOf(s.Start, loc) && !seen[day] {
			seen[day] = true
			out = append(out, o)
		}
	}
	return out
}

// useQuota books, as the system, the household's two calls of the week
// of slot s on other days, and returns the week; it skips the test when
// the week has fewer than three bookable days left (late on a Saturday).
func (w *callsWorld) useQuota(t *testing.T, h *kinbridge.Household, s kinbridge.Slot) string {
	t.Helper()
	others := w.slotsInWeek(h, s)
	if len(others) < 2 {
		t.Fatalf("the week of %v has fewer than three bookable days", s.Start)
	}
	for _, o := range others[:2] {
		if _, err := w.f.svc.BookCall(w.f.ctx, kinbridge.BookCall{HouseholdID: h.ID, Start: o.Start, Place: o.Place, OfficerID: o.OfficerID}); err != nil {
			t.Fatalf("book: %v", err)
		}
	}
	return kinbridge.ISOWeekOf(s.Start, w.f.b.Location())
}

// nextWeekSlot is the household's first free slot of next week: a week
// with seven bookable days whatever today is.
func (w *callsWorld) nextWeekSlot(t *testing.T, h *kinbridge.Household) kinbridge.Slot {
	t.Helper()
	next := nextMonday()
	for _, s := range w.f.freeSlots(h) {
		if kinbridge.LocalDay(s.Start, w.f.b.Location()) >= next {
			return s
		}
	}
	t.Fatal("no free slot next week")
	return kinbridge.Slot{}
}

func TestCallsBookFromHouseholdPage(t *testing.T) {
	w := newCallsWorld(t)
	f := w.f
	page := readBody(t, f.get(householdCallsURL(w.h1.ID), w.coordCookie))
	if !strings.Contains(page, `id="quota"`) || !strings.Contains(page, `form method="post" action="/households/`+id(w.h1.ID)+`/calls" class="inline book"`) {
		t.Fatalf("the page shows no quota or no Book buttons:\n%s", excerpt(page))
	}
	s := w.nextWeekSlot(t, w.h1)
	resp := f.post(householdCallsURL(w.h1.ID), w.coordCookie, url.Values{"slot": {slotValue(s)}, "idempotency_key": {"k1"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=call_booked") {
		t.Fatalf("book: got %d → %s: %s", resp.StatusCode, resp.Header.Get("Location"), excerpt(readBody(t, resp)))
	}
	// The same form sent again (a double click) books nothing more.
	resp = f.post(householdCallsURL(w.h1.ID), w.coordCookie, url.Values{"slot": {slotValue(s)}, "idempotency_key": {"k1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the same form again: got %d: %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	calls, total, err := f.svc.FindCalls(f.ctx, kinbridge.CallFilter{HouseholdID: w.h1.ID})
	if err != nil || total != 1 || !calls[0].Start.Equal(s.Start) || calls[0].Status != kinbridge.CallBooked {
		t.Fatalf("calls of the household = %v (%d), %v; want the one booked at %v", calls, total, err, s.Start)
	}
	page = readBody(t, f.get(householdCallsURL(w.h1.ID), w.coordCookie))
	week := kinbridge.ISOWeekOf(s.Start, f.b.Location())
	if !strings.Contains(page, fmt.Sprintf(`id="call-%d"`, calls[0].ID)) || !regexp.MustCompile(`id="quota-`+week+`"><strong>1 of 2</strong>`).MatchString(page) {
		t.Errorf("the page shows neither the call nor 1 of 2 used in %s:\n%s", week, excerpt(page))
	}
	// The household's page has the call on its timeline.
	page = readBody(t, f.get(householdURL(w.h1.ID), w.coordCookie))
	if !strings.Contains(page, "item-call") || !strings.Contains(page, `id="calls-link"`) {
		t.Error("the household page shows no call on its timeline or no link to its calls")
	}
}

// TestCallsQuotaRefused: a booking beyond the week's quota is refused
// with the service's clear message, above the free slots, in the reader's
// language, with 409.
func TestCallsQuotaRefused(t *testing.T) {
	w := newCallsWorld(t)
	f := w.f
	s := w.nextWeekSlot(t, w.h2)
	week := w.useQuota(t, w.h2, s)
	for lang, want := range map[string]string{
		"en": "This household has used its 2 calls for week " + week + ".",
		"ko": "이 세대는 " + week + " 주의 통화 2회를 모두 사용했습니다.",
		"zh": "该家庭已用完 " + week + " 周的 2 次通话。",
	} {
		t.Run(lang, func(t *testing.T) {
			if err := f.svc.SetOwnLanguage(f.actor(w.coord), lang); err != nil {
				t.Fatal(err)
			}
			resp := f.post(householdCallsURL(w.h2.ID), w.coordCookie, url.Values{"slot": {slotValue(s)}, "idempotency_key": {"q-" + lang}})
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusConflict {
				t.Fatalf("got %d, want 409: %s", resp.StatusCode, excerpt(body))
			}
			m := regexp.MustCompile(`<p class="alert" role="alert" id="book-error">([^<]*)</p>`).FindStringSubmatch(body)
			if m == nil || m[1] != want {
				t.Errorf("book error = %q, want %q", m, want)
			}
		})
	}
	// The API answers the same refusal with 409 at the start.
	_, token := f.apiToken(w.coord)
	resp := f.api("POST", "/api/v1/calls", token, map[string]any{"household_id": w.h2.ID, "start": s.Start, "place": s.Place, "officer_id": s.OfficerID})
	if e := apiErr(t, resp); resp.StatusCode != http.StatusConflict || e.Field != "start" || e.Message != "This household has used its 2 calls for week "+week+"." {
		t.Errorf("API: got %d %+v", resp.StatusCode, e)
	}
}

// TestCallsNoSlotsReason: a household with no free slot is told why, in
// the reader's language, and the API gives the reason's code.
func TestCallsNoSlotsReason(t *testing.T) {
	w := newCallsWorld(t)
	f := w.f
	// Windows in the middle of Sunday night: no office is open then.
	resp := f.post(householdURL(w.h1.ID)+"/call-settings", w.coordCookie, url.Values{"area": {"north"}, "places": {"office"},
		"windows": {"Sun 01:00-02:00"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("settings: got %d: %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	for lang, want := range map[string]string{
		"en": "No free office slot or home block lies inside the household's availability windows.",
		"ko": "가구의 가능 시간대 안에 빈 사무실 시간이나 가정 방문 시간이 없습니다.",
		"zh": "该户的可用时段内没有空闲的办公室时段或上门时段。",
	} {
		t.Run(lang, func(t *testing.T) {
			if err := f.svc.SetOwnLanguage(f.actor(w.coord), lang); err != nil {
				t.Fatal(err)
			}
			page := readBody(t, f.get(householdCallsURL(w.h1.ID), w.coordCookie))
			if !strings.Contains(page, `<p class="empty">`+html.EscapeString(want)+`</p>`) {
				t.Errorf("the page does not say %q:\n%s", want, excerpt(page))
			}
		})
	}
	_, token := f.apiToken(w.coord)
	var fs kinbridge.FreeSlots
	resp = f.api("GET", "/api/v1/households/"+id(w.h1.ID)+"/free-slots", token, nil)
	if err := json.NewDecoder(resp.Body).Decode(&fs); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("API: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if len(fs.Slots) != 0 || fs.ReasonCode != kinbridge.NoSlotsWindows {
		t.Errorf("API: %d slots, reason code %q; want none, %q", len(fs.Slots), fs.ReasonCode, kinbridge.NoSlotsWindows)
	}
}

func TestCallsSettingsErrorAtField(t *testing.T) {
	w := newCallsWorld(t)
	resp := w.f.post(householdURL(w.h1.ID)+"/call-settings", w.coordCookie, url.Values{"area": {"north"}, "places": {"office"},
		"windows": {"Mon 09:00-12:00\nTue 12:00-09:00"}})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-windows-error"`) || !strings.Contains(body, "Tue 12:00-09:00") {
		t.Fatalf("got %d, want 422 with the error at the windows, what was typed kept: %s", resp.StatusCode, excerpt(body))
	}
	resp = w.f.post(householdURL(w.h1.ID)+"/call-settings", w.coordCookie, url.Values{"area": {"north"}, "places": {"office"},
		"windows": {"Mon 09:00-12:00\nwed 13:00-17:00"}, "preferred": {"1 09:00-10:00"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("got %d: %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	hs, err := w.f.svc.FindHouseholdCallSettings(w.f.ctx, w.h1.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []kinbridge.WeekPeriod{{Weekday: 1, Start: 9 * 60, End: 12 * 60}, {Weekday: 3, Start: 13 * 60, End: 17 * 60}}
	if fmt.Sprint(hs.Windows) != fmt.Sprint(want) || hs.Area != "north" || len(hs.Places) != 1 || len(hs.Preferred) != 1 {
		t.Errorf("settings = %+v, want windows %v, area north, office only, one preferred period", hs, want)
	}
}

func TestCallPolicyEditor(t *testing.T) {
	f := newFixture(t)
	admin := f.user(kinbridge.RoleAdministrator, f.root)
	cookie := f.session(admin)
	p := f.programme("CP", "Calls programme")
	form := url.Values{"calls.quota": {"9"}, "calls.call_minutes": {"30"}, "calls.home_block_minutes": {"60"}, "calls.places": {"office"},
		"calls.supervision": {"required"}, "calls.horizon_days": {"14"}, "calls.min_notice_minutes": {"120"},
		"calls.cancel_cutoff_minutes": {"120"}, "calls.no_show": {"free"}}
	resp := f.post(fmt.Sprintf("/programmes/%d/call-policy", p.ID), cookie, form)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-calls.quota-error"`) {
		t.Fatalf("quota 9: got %d, want 422 at the quota: %s", resp.StatusCode, excerpt(body))
	}
	form.Set("calls.quota", "3")
	if resp := f.post(fmt.Sprintf("/programmes/%d/call-policy", p.ID), cookie, form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("got %d: %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	got, err := f.svc.FindProgrammeByID(f.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := got.CallPolicy()
	if err != nil || cp.Quota != 3 || cp.NoShow != "free" || len(cp.Places) != 1 || cp.Places[0] != kinbridge.CallAtOffice {
		t.Errorf("policy = %+v, %v; want quota 3, free no-shows, the office only", cp, err)
	}
}

func TestCallsAPIIdempotentBooking(t *testing.T) {
	w := newCallsWorld(t)
	_, token := w.f.apiToken(w.coord)
	s := w.nextWeekSlot(t, w.h1)
	body := map[string]any{"household_id": w.h1.ID, "start": s.Start, "place": s.Place}
	book := func() (int, int64) {
		r := httptestRequest("POST", "/api/v1/calls", token, body)
		r.Header.Set("Idempotency-Key", "retry-1")
		resp := w.f.do(r)
		var c jsonCall
		decodeInto(t, readBody(t, resp), &c)
		return resp.StatusCode, c.ID
	}
	st1, id1 := book()
	time.Sleep(1100 * time.Millisecond)
	st2, id2 := book()
	if st1 != http.StatusCreated || st2 != http.StatusOK || id1 == 0 || id1 != id2 {
		t.Errorf("first %d #%d, retry %d #%d; want 201 then 200 with the same call", st1, id1, st2, id2)
	}
}

func TestCallsOfficeDayAndCancellation(t *testing.T) {
	w := newCallsWorld(t)
	f := w.f
	c := f.bookFirst(w.h1)
	page := readBody(t, f.get(officeDayURL(f.b.ID, c.Day), w.coordCookie))
	if !strings.Contains(page, fmt.Sprintf(`id="sheet-call-%d"`, c.ID)) || !strings.Contains(page, `id="day-sheet"`) || !strings.Contains(page, ">1 Call Street</a>") {
		t.Fatalf("the day sheet does not show call %d:\n%s", c.ID, excerpt(page))
	}
	resp := f.post(fmt.Sprintf("/calls/office/%d/cancel", f.b.ID), w.coordCookie, url.Values{"day": {c.Day}, "from": {"00:00"}, "to": {"24:00"}, "reason": {"Power cut"}})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, fmt.Sprintf(`href="/households/%d/calls#book"`, w.h1.ID)) {
		t.Fatalf("got %d, want the cancelled call with a rebook link: %s", resp.StatusCode, excerpt(body))
	}
	got, err := f.svc.FindCallByID(f.ctx, c.ID)
	if err != nil || got.Status != kinbridge.CallCancelled {
		t.Errorf("call = %+v, %v; want cancelled", got, err)
	}
	// A missing reason is shown at its field.
	resp = f.post(fmt.Sprintf("/calls/office/%d/cancel", f.b.ID), w.coordCookie, url.Values{"day": {c.Day}, "from": {"09:00"}, "to": {"10:00"}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-reason-error"`) {
		t.Errorf("no reason: got %d: %s", resp.StatusCode, excerpt(body))
	}
}

func TestCallsWeekPlanReviewAndBook(t *testing.T) {
	w := newCallsWorld(t)
	f := w.f
	// A household available only when the office is closed: short, for
	// want of any slot inside its windows.
	h3 := f.household(f.b, "3 Night Street")
	f.resident(h3, "金三", "Kim Three", "1962")
	if err := f.svc.SetHouseholdCallSettings(f.ctx, &kinbridge.HouseholdCallSettings{HouseholdID: h3.ID,
		Windows: []kinbridge.WeekPeriod{{Weekday: 7, Start: 20 * 60, End: 21 * 60}}}); err != nil {
		t.Fatal(err)
	}
	resp := f.post("/calls/plans", w.coordCookie, url.Values{"unit_id": {id(f.b.ID)}, "week_start": {nextMonday()}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/calls/plans/") {
		t.Fatalf("plan: got %d → %s: %s", resp.StatusCode, loc, excerpt(readBody(t, resp)))
	}
	planURL := strings.SplitN(loc, "?", 2)[0]
	page := readBody(t, f.get(planURL, w.coordCookie))
	if !strings.Contains(page, fmt.Sprintf(`id="short-%d" class="short-no_option"`, h3.ID)) ||
		!strings.Contains(page, "No office slot or home block lies inside its availability windows.") {
		t.Errorf("the review does not list household %d short for want of a slot:\n%s", h3.ID, excerpt(page))
	}
	if !strings.Contains(page, fmt.Sprintf(`id="load-%d"`, f.b.ID)) || !strings.Contains(page, `id="book-all"`) {
		t.Errorf("the review shows no office load or no Book all")
	}
	resp = f.post(planURL+"/book", w.coordCookie, url.Values{})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="booked"`) {
		t.Fatalf("book all: got %d: %s", resp.StatusCode, excerpt(body))
	}
	calls, total, err := f.svc.FindCalls(f.ctx, kinbridge.CallFilter{UnitID: f.b.ID, Statuses: []kinbridge.CallStatus{kinbridge.CallBooked}})
	if err != nil || total != 4 {
		t.Fatalf("booked %d calls (%v), want 2 for each of the two households", total, err)
	}
	if n := strings.Count(body, `<tr id="call-`); n != total {
		t.Errorf("the answer lists %d calls, want %d", n, total)
	}
	// The officer sees them in their week, and in their calendar feed.
	cookie := f.session(w.officer)
	week := readBody(t, f.get(officerWeekURL(w.officer.ID, nextMonday()), cookie))
	for _, c := range calls {
		if !strings.Contains(week, fmt.Sprintf(`id="call-%d"`, c.ID)) {
			t.Errorf("the officer's week does not show call %d", c.ID)
		}
	}
	resp = f.post("/calls/calendar-tokens", cookie, url.Values{})
	body = readBody(t, resp)
	m := regexp.MustCompile(`<code id="feed-url">http://[^/]+(/calendar/kbcal_[^<]+\.ics)</code>`).FindStringSubmatch(body)
	if resp.StatusCode != http.StatusCreated || m == nil {
		t.Fatalf("new feed address: got %d: %s", resp.StatusCode, excerpt(body))
	}
	resp = f.get(m[1], "")
	ics := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
		t.Fatalf("feed: got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, c := range calls {
		if !strings.Contains(ics, fmt.Sprintf("UID:call-%d@kinbridge", c.ID)) {
			t.Errorf("the feed has no UID of call %d", c.ID)
		}
	}
}

func TestCalendarFeedRefusesAndLimits(t *testing.T) {
	f := newFixture(t)
	for i := range feedFailures {
		if resp := f.get(fmt.Sprintf("/calendar/kbcal_wrong%d.ics", i), ""); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("wrong token %d: got %d, want 404", i, resp.StatusCode)
		}
	}
	if resp := f.get("/calendar/kbcal_wrong.ics", ""); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after %d wrong tokens: got %d, want 429", feedFailures, resp.StatusCode)
	}
}

// httptestRequest is an API request with a bearer token and a JSON body.
func httptestRequest(method, path, token string, body any) *http.Request {
	b, _ := json.Marshal(body)
	r := httptest.NewRequest(method, path, strings.NewReader(string(b)))
	r.RemoteAddr = "192.0.2.1:1234"
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

func TestCallsRosterEditor(t *testing.T) {
	w := newCallsWorld(t)
	f := w.f
	page := readBody(t, f.get(rosterURL(f.b.ID), w.coordCookie))
	cell := fmt.Sprintf(`id="duty.%d.1.0"`, w.officer.ID)
	if !strings.Contains(page, cell) || !strings.Contains(page, fmt.Sprintf(`id="room-%d"`, w.room.ID)) {
		t.Fatalf("the roster page shows no grid cell or no room:\n%s", excerpt(page))
	}
	// An officer may see calls but not change the roster.
	if resp := f.get(rosterURL(f.b.ID), f.session(w.officer)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("officer: got %d, want 403", resp.StatusCode)
	}
	resp := f.post(rosterURL(f.b.ID)+"/office", w.coordCookie, url.Values{"morning_start": {"09:00"}, "morning_end": {"08:00"},
		"afternoon_start": {"13:00"}, "afternoon_end": {"17:00"}, "room_id": {id(w.room.ID)}, "room_name": {"Room 1"}, "room_active": {id(w.room.ID)}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-morning_end-error"`) {
		t.Fatalf("morning ending before it starts: got %d: %s", resp.StatusCode, excerpt(body))
	}
	resp = f.post(rosterURL(f.b.ID)+"/office", w.coordCookie, url.Values{"morning_start": {"08:00"}, "morning_end": {"12:00"},
		"afternoon_start": {"13:00"}, "afternoon_end": {"17:00"}, "room_id": {id(w.room.ID)}, "room_name": {"Blue room"}, "new_room": {"Green room"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("office: got %d: %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	// Monday morning at home in the south; every other half-day off.
	resp = f.post(rosterURL(f.b.ID)+"/template", w.coordCookie, url.Values{fmt.Sprintf("duty.%d.1.0", w.officer.ID): {"home"},
		fmt.Sprintf("duty.%d.1.1", w.officer.ID): {"off"}, fmt.Sprintf("area.%d", w.officer.ID): {"south"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("template: got %d: %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	ro, err := f.svc.FindRoster(f.actor(w.coord), f.b.ID)
	if err != nil {
		t.Fatal(err)
	}
	var rooms []string
	for _, r := range ro.Office.Rooms {
		rooms = append(rooms, fmt.Sprintf("%s:%v", r.Name, r.Active))
	}
	want := []kinbridge.RosterEntry{{OfficerID: w.officer.ID, Weekday: 1, Half: kinbridge.Morning, Kind: kinbridge.DutyHome}}
	if ro.Office.MorningStart != 8*60 || fmt.Sprint(rooms) != "[Blue room:false Green room:true]" ||
		fmt.Sprint(ro.Entries) != fmt.Sprint(want) || ro.Areas[w.officer.ID] != "south" {
		t.Errorf("roster = hours from %v, rooms %v, entries %v, areas %v", ro.Office.MorningStart, rooms, ro.Entries, ro.Areas)
	}
	// Leave, then deleted.
	day := addDays(seoulToday(), 30)
	resp = f.post(rosterURL(f.b.ID)+"/exceptions", w.coordCookie, url.Values{"officer_id": {id(w.officer.ID)}, "day": {day}, "half": {"1"}, "kind": {"off"}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-reason-error"`) {
		t.Fatalf("leave without a reason: got %d: %s", resp.StatusCode, excerpt(body))
	}
	resp = f.post(rosterURL(f.b.ID)+"/exceptions", w.coordCookie, url.Values{"officer_id": {id(w.officer.ID)}, "day": {day}, "half": {"1"}, "kind": {"off"}, "reason": {"Leave"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("leave: got %d: %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	ro, _ = f.svc.FindRoster(f.actor(w.coord), f.b.ID)
	if len(ro.Exceptions) != 1 || ro.Exceptions[0].Day != day {
		t.Fatalf("exceptions = %v, want the leave on %s", ro.Exceptions, day)
	}
	resp = f.post(fmt.Sprintf("/calls/exceptions/%d/delete", ro.Exceptions[0].ID), w.coordCookie, url.Values{"next": {rosterURL(f.b.ID)}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), rosterURL(f.b.ID)) {
		t.Fatalf("delete: got %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if ro, _ = f.svc.FindRoster(f.actor(w.coord), f.b.ID); len(ro.Exceptions) != 0 {
		t.Errorf("exceptions after delete = %v", ro.Exceptions)
	}
}

// TestCallsPlanPageListsFirstShortfalls: a plan's page lists the first
// planShortShown short households and says how many more there are; the
// list of plans gives their number.
func TestCallsPlanPageListsFirstShortfalls(t *testing.T) {
	w := newCallsWorld(t)
	f := w.f
	short := make([]kinbridge.CallShortfall, planShortShown+7)
	for i := range short {
		short[i] = kinbridge.CallShortfall{HouseholdID: int64(100000 + i), Got: 0, Want: 2, Reason: "no window", ReasonCode: "no_option"}
	}
	p := &kinbridge.CallPlan{UnitID: f.b.ID, WeekStart: nextMonday(), Summary: kinbridge.CallPlanSummary{Households: len(short), Short: short, ShortCount: len(short)}}
	if err := f.store.Update(f.ctx, func(tx kinbridge.Tx) error { return tx.CreateCallPlan(f.ctx, p) }); err != nil {
		t.Fatal(err)
	}
	page := readBody(t, f.get(callPlanURL(p.ID), w.coordCookie))
	if n := strings.Count(page, `<tr id="short-`); n != planShortShown {
		t.Errorf("the page lists %d short households, want %d", n, planShortShown)
	}
	if !strings.Contains(page, `id="short-more"`) || !strings.Contains(page, "the other 7 are in the plan") ||
		!strings.Contains(page, fmt.Sprintf("<strong>%d</strong>", len(short))) {
		t.Errorf("the page does not say how many are short, and how many it leaves out:\n%s", excerpt(page))
	}
	list := readBody(t, f.get("/calls/plans", w.coordCookie))
	if !strings.Contains(list, fmt.Sprintf("<td>%d</td></tr>", len(short))) {
		t.Errorf("the list of plans does not count %d short households:\n%s", len(short), excerpt(list))
	}
}
