package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// householdCallsPage is a household's calls: its quota this week and the
// next, its calls with what can be done to each, the free slots it may
// book, and its call settings.
type householdCallsPage struct {
	Household     *kinbridge.Household
	UnitName      string
	Policy        kinbridge.CallPolicy
	Weeks         []kinbridge.QuotaWeek
	Calls         []callRow
	Days          []slotDay
	NoSlotsReason string
	// BookError is why a booking was refused, shown above the free slots
	// that the booking was made from.
	BookError      string
	IdempotencyKey string
	// Reschedule are the free slots as choices of a reschedule form.
	Reschedule []option
	Programmes []option
	Places     []option
	Relatives  []option
	Outcomes   []option
}

// callRow is a call in a list, with the names it mentions.
type callRow struct {
	*kinbridge.Call
	OfficerName   string
	HouseholdName string
	RoomName      string
	Future        bool // not started yet: it may be cancelled or moved
}

// slotDay is one day's free slots.
type slotDay struct {
	Day   string
	Slots []slotRow
}

// slotRow is a free slot with what its booking form sends.
type slotRow struct {
	kinbridge.Slot
	OfficerName string
	Value       string // start|place|officer, the slot's booking
}

// slotValue encodes a slot as one form value.
func slotValue(s kinbridge.Slot) string {
	return s.Start.UTC().Format(time.RFC3339) + "|" + string(s.Place) + "|" + strconv.FormatInt(s.OfficerID, 10)
}

// parseSlotValue reads a slot sent by a booking or reschedule form.
func parseSlotValue(v string) (start time.Time, place kinbridge.CallPlace, officer int64, err error) {
	parts := strings.Split(v, "|")
	bad := kinbridge.FieldError("slot", "error.calls.slot", "Choose one of the free slots.")
	if len(parts) != 3 {
		return start, place, 0, bad
	}
	if start, err = time.Parse(time.RFC3339, parts[0]); err != nil {
		return start, place, 0, bad
	}
	if officer, err = strconv.ParseInt(parts[2], 10, 64); err != nil {
		return start, place, 0, bad
	}
	return start, kinbridge.CallPlace(parts[1]), officer, nil
}

// Fields of the settings form, for showing an error at its field.
var callSettingsFields = []string{"programme_id", "area", "places", "windows", "preferred", "relative_ids"}

// showHouseholdCalls is GET /households/{id}/calls.
func (s *Server) showHouseholdCalls(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.renderHouseholdCalls(w, r, id, http.StatusOK, nil, nil, "")
}

// renderHouseholdCalls shows the household's calls page; form and formErr,
// when set, are a failed post of one of its forms, named by which: "book",
// "settings", or "call" (cancel, reschedule, outcome).
func (s *Server) renderHouseholdCalls(w http.ResponseWriter, r *http.Request, id int64, status int, form url.Values, formErr error, which string) {
	ctx := r.Context()
	rec, err := s.svc.FindHouseholdByID(ctx, id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	now := s.now()
	free, err := s.svc.FreeSlots(ctx, id, now, now.AddDate(0, 0, 15))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	calls, _, err := s.svc.FindCalls(ctx, kinbridge.CallFilter{HouseholdID: id, From: now.AddDate(0, 0, -14), Limit: 100})
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	settings, err := s.svc.FindHouseholdCallSettings(ctx, id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	progs, err := s.svc.FindProgrammes(ctx)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	names := s.officerNames(r, rec.Household.UnitID)

	v := s.newView(r, "")
	v.Title = v.No("calls.household_title", id)
	v.Path = householdCallsURL(id)
	v.Loc = rec.Unit.Location()
	page := householdCallsPage{Household: rec.Household, UnitName: rec.Unit.Names.In(v.lang), Policy: free.Policy,
		Weeks: free.Weeks, NoSlotsReason: v.NoSlots(free), IdempotencyKey: newIdempotencyKey()}
	for _, c := range calls {
		page.Calls = append(page.Calls, callRow{Call: c, OfficerName: userName(names, c.OfficerID), Future: c.Start.After(now)})
	}
	for _, sl := range free.Slots {
		row := slotRow{Slot: sl, Value: slotValue(sl)}
		if sl.OfficerID != 0 {
			row.OfficerName = userName(names, sl.OfficerID)
		}
		day := v.LocalDay(sl.Start)
		if n := len(page.Days); n == 0 || page.Days[n-1].Day != day {
			page.Days = append(page.Days, slotDay{Day: day})
		}
		page.Days[len(page.Days)-1].Slots = append(page.Days[len(page.Days)-1].Slots, row)
		label := v.Date(sl.Start) + " · " + v.CallPlace(sl.Place)
		if row.OfficerName != "" {
			label += " · " + row.OfficerName
		}
		page.Reschedule = append(page.Reschedule, option{Value: row.Value, Label: label})
	}
	page.Programmes = []option{{Value: "", Label: v.T("calls.settings.default_policy")}}
	for _, p := range progs {
		page.Programmes = append(page.Programmes, option{Value: strconv.FormatInt(p.ID, 10), Label: p.Names.In(v.lang)})
	}
	for _, pl := range kinbridge.CallPlaces {
		page.Places = append(page.Places, option{Value: string(pl), Label: v.CallPlace(pl)})
	}
	for _, p := range rec.Relatives {
		label := p.Names.Latin
		if p.Names.Native != "" {
			label = p.Names.Native + " " + label
		}
		if p.Country != "" {
			label += " (" + p.Country + ")"
		}
		page.Relatives = append(page.Relatives, option{Value: strconv.FormatInt(p.ID, 10), Label: strings.TrimSpace(label)})
	}
	for _, st := range []kinbridge.CallStatus{kinbridge.CallHeld, kinbridge.CallNoShow, kinbridge.CallOfficerMissing} {
		page.Outcomes = append(page.Outcomes, option{Value: string(st), Label: v.CallStatus(st)})
	}

	// The settings form shows the stored settings, or what was sent.
	if settings.ProgrammeID != 0 {
		v.form.Set("programme_id", strconv.FormatInt(settings.ProgrammeID, 10))
	}
	v.form.Set("area", settings.Area)
	for _, pl := range settings.Places {
		v.form.Add("places", string(pl))
	}
	v.form.Set("windows", formatPeriods(settings.Windows))
	v.form.Set("preferred", formatPeriods(settings.Preferred))
	for _, rid := range settings.RelativeIDs {
		v.form.Add("relative_ids", strconv.FormatInt(rid, 10))
	}
	if which == "settings" {
		for _, k := range []string{"places", "relative_ids"} {
			v.form.Del(k)
		}
		for k, vals := range form {
			v.form[k] = vals
		}
	}
	v.Data = &page
	if formErr != nil {
		switch which {
		case "settings":
			s.formError(r, v, callErrorField(formErr), callSettingsFields...)
		case "book":
			s.formError(r, v, formErr)
			page.BookError, v.Error = v.Error, ""
		default:
			s.formError(r, v, formErr)
		}
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "household_calls", v)
}

// officerNames names the officers of the unit's office for the calls
// pages. A role that may not read the roster sees officers by number.
func (s *Server) officerNames(r *http.Request, unitID int64) map[int64]string {
	names := map[int64]string{}
	if ro, err := s.svc.FindRoster(r.Context(), unitID); err == nil {
		for _, u := range ro.Officers {
			names[u.ID] = userLabel(u)
		}
	}
	if a := kinbridge.ActorFromContext(r.Context()); a != nil {
		if _, ok := names[a.UserID]; !ok {
			names[a.UserID] = a.Username
		}
	}
	return names
}

// bookCall is POST /households/{id}/calls: one free slot's Book button.
// A refused booking (the quota used, the slot taken meanwhile) shows the
// page again with the reason above the free slots.
func (s *Server) bookCall(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	start, place, officer, err := parseSlotValue(r.PostForm.Get("slot"))
	var c *kinbridge.Call
	if err == nil {
		c, err = s.svc.BookCall(r.Context(), kinbridge.BookCall{HouseholdID: id, Start: start, Place: place, OfficerID: officer,
			Note: r.PostForm.Get("note"), IdempotencyKey: r.PostForm.Get("idempotency_key")})
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderHouseholdCalls(w, r, id, statusOf(err), r.PostForm, err, "book")
		return
	}
	redirect(w, r, householdCallsURL(id)+"?done=call_booked#call-"+strconv.FormatInt(c.ID, 10))
}

// setHouseholdCallSettings is POST /households/{id}/call-settings.
func (s *Server) setHouseholdCallSettings(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	hs := &kinbridge.HouseholdCallSettings{HouseholdID: id, ProgrammeID: formInt(r, "programme_id"), Area: strings.TrimSpace(r.PostForm.Get("area"))}
	for _, pl := range r.PostForm["places"] {
		hs.Places = append(hs.Places, kinbridge.CallPlace(pl))
	}
	for _, rid := range r.PostForm["relative_ids"] {
		if n, err := strconv.ParseInt(rid, 10, 64); err == nil {
			hs.RelativeIDs = append(hs.RelativeIDs, n)
		}
	}
	hs.Windows, err = parsePeriods(r.PostForm.Get("windows"), "windows")
	if err == nil {
		hs.Preferred, err = parsePeriods(r.PostForm.Get("preferred"), "preferred")
	}
	if err == nil {
		err = s.svc.SetHouseholdCallSettings(r.Context(), hs)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderHouseholdCalls(w, r, id, statusOf(err), r.PostForm, err, "settings")
		return
	}
	redirect(w, r, householdCallsURL(id)+"?done=call_settings_saved#settings")
}

// callAction runs one action of a call's forms (cancel, reschedule,
// outcome) and goes back to the page the form was on (next), or to the
// household's calls. A refusal shows the household's calls page again
// with the reason.
func (s *Server) callAction(w http.ResponseWriter, r *http.Request, done string, act func(id int64, version int) (*kinbridge.Call, error)) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	var c *kinbridge.Call
	if err == nil {
		c, err = s.svc.FindCallByID(r.Context(), id)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	got, err := act(id, int(formInt(r, "version")))
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderHouseholdCalls(w, r, c.HouseholdID, statusOf(err), r.PostForm, err, "call")
		return
	}
	next := householdCallsURL(c.HouseholdID)
	if n := r.PostForm.Get("next"); n != "" {
		next = localPath(n)
	}
	sep := "?"
	if strings.Contains(next, "?") {
		sep = "&"
	}
	redirect(w, r, next+sep+"done="+done+"#call-"+strconv.FormatInt(got.ID, 10))
}

// cancelCall is POST /calls/{id}/cancel, with a reason.
func (s *Server) cancelCall(w http.ResponseWriter, r *http.Request) {
	s.callAction(w, r, "call_cancelled", func(id int64, version int) (*kinbridge.Call, error) {
		return s.svc.CancelCall(r.Context(), id, version, r.PostForm.Get("reason"))
	})
}

// rescheduleCall is POST /calls/{id}/reschedule, to one of the free slots.
func (s *Server) rescheduleCall(w http.ResponseWriter, r *http.Request) {
	s.callAction(w, r, "call_rescheduled", func(id int64, version int) (*kinbridge.Call, error) {
		c, err := s.svc.FindCallByID(r.Context(), id)
		if err != nil {
			return nil, err
		}
		start, place, officer, err := parseSlotValue(r.PostForm.Get("slot"))
		if err != nil {
			return nil, err
		}
		return s.svc.RescheduleCall(r.Context(), id, version, kinbridge.BookCall{HouseholdID: c.HouseholdID, Start: start, Place: place,
			OfficerID: officer, RelativeIDs: c.RelativeIDs, Note: r.PostForm.Get("note"), IdempotencyKey: r.PostForm.Get("idempotency_key")})
	})
}

// recordCallOutcome is POST /calls/{id}/outcome: held, no-show or officer
// missing, with a note.
func (s *Server) recordCallOutcome(w http.ResponseWriter, r *http.Request) {
	s.callAction(w, r, "call_outcome", func(id int64, version int) (*kinbridge.Call, error) {
		return s.svc.RecordCallOutcome(r.Context(), id, version, kinbridge.CallStatus(r.PostForm.Get("status")), r.PostForm.Get("note"))
	})
}

// callRows names the officers and households of calls for a list.
func callRows(calls []*kinbridge.Call, officers, households map[int64]string, rooms map[int64]string, now time.Time) []callRow {
	rows := make([]callRow, 0, len(calls))
	for _, c := range calls {
		row := callRow{Call: c, OfficerName: userName(officers, c.OfficerID), Future: c.Start.After(now)}
		if households != nil {
			row.HouseholdName = households[c.HouseholdID]
		}
		if c.RoomID != 0 {
			row.RoomName = rooms[c.RoomID]
		}
		rows = append(rows, row)
	}
	return rows
}

// roomNames maps an office's rooms to their names.
func roomNames(o *kinbridge.CallOffice) map[int64]string {
	m := map[int64]string{}
	if o != nil {
		for _, rm := range o.Rooms {
			m[rm.ID] = rm.Name
		}
	}
	return m
}

// callItem is a call on a household's timeline.
type callItem struct {
	Call        *kinbridge.Call
	OfficerName string
}

// callTimeline turns the household's calls (not the cancelled ones) into
// timeline items, on the days of the page's time zone.
func (s *Server) callTimeline(r *http.Request, v *view, householdID, unitID int64) ([]timelineItem, error) {
	calls, _, err := s.svc.FindCalls(r.Context(), kinbridge.CallFilter{HouseholdID: householdID, Limit: 200,
		Statuses: []kinbridge.CallStatus{kinbridge.CallBooked, kinbridge.CallHeld, kinbridge.CallNoShow, kinbridge.CallOfficerMissing}})
	if err != nil {
		return nil, err
	}
	var items []timelineItem
	var names map[int64]string
	if len(calls) > 0 {
		names = s.officerNames(r, unitID)
	}
	for _, c := range calls {
		it := &callItem{Call: c}
		if c.OfficerID != 0 {
			it.OfficerName = userName(names, c.OfficerID)
		}
		items = append(items, timelineItem{Type: "call", Date: v.LocalDay(c.Start), At: c.Start, Call: it})
	}
	return items, nil
}
