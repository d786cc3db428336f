package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// The family calls API: free slots, booking and the changes of a call,
// office cancellations, day sheets and officers' weeks, weekly plans,
// household settings, office set-ups and rosters, calendar feed tokens.
// The shapes are documented in openapi.json.

type jsonCall struct {
	ID          int64                `json:"id"`
	HouseholdID int64                `json:"household_id"`
	UnitID      int64                `json:"unit_id"`
	OfficerID   *int64               `json:"officer_id"`
	RoomID      *int64               `json:"room_id"`
	Place       kinbridge.CallPlace  `json:"place"`
	Start       time.Time            `json:"start"`
	End         time.Time            `json:"end"`
	BlockEnd    time.Time            `json:"block_end"`
	Week        string               `json:"week"`
	Day         string               `json:"day"`
	RelativeIDs []int64              `json:"relative_ids"`
	Status      kinbridge.CallStatus `json:"status"`
	Note        string               `json:"note"`
	Reason      string               `json:"reason"`
	PlanID      *int64               `json:"plan_id"`
	Sequence    int                  `json:"sequence"`
	Version     int                  `json:"version"`
	CreatedBy   int64                `json:"created_by"`
	Created     time.Time            `json:"created"`
	Updated     time.Time            `json:"updated"`
}

func toJSONCall(c *kinbridge.Call) jsonCall {
	return jsonCall{ID: c.ID, HouseholdID: c.HouseholdID, UnitID: c.UnitID, OfficerID: idOrNull(c.OfficerID), RoomID: idOrNull(c.RoomID),
		Place: c.Place, Start: c.Start, End: c.End, BlockEnd: c.BlockEnd, Week: c.Week, Day: c.Day, RelativeIDs: orEmpty(c.RelativeIDs),
		Status: c.Status, Note: c.Note, Reason: c.Reason, PlanID: idOrNull(c.PlanID), Sequence: c.Sequence, Version: c.Version,
		CreatedBy: c.CreatedBy, Created: c.Created, Updated: c.Updated}
}

func toJSONCalls(cs []*kinbridge.Call) []jsonCall {
	out := make([]jsonCall, len(cs))
	for i, c := range cs {
		out[i] = toJSONCall(c)
	}
	return out
}

type jsonCallList struct {
	Calls  []jsonCall `json:"calls"`
	Total  int        `json:"total"`
	Limit  int        `json:"limit"`
	Offset int        `json:"offset"`
}

// callListLimit bounds a page of the calls list.
const (
	callListDefault = 100
	callListMax     = 1000
)

// apiCallFilter reads the calls list's query: unit_id, officer_id,
// household_id, plan_id, from, to, status (repeatable), limit, offset.
func apiCallFilter(r *http.Request) (kinbridge.CallFilter, error) {
	var f kinbridge.CallFilter
	var err error
	ints := []struct {
		name string
		to   *int64
	}{{"unit_id", &f.UnitID}, {"officer_id", &f.OfficerID}, {"household_id", &f.HouseholdID}, {"plan_id", &f.PlanID}}
	for _, n := range ints {
		if *n.to, err = queryInt(r, n.name); err != nil {
			return f, err
		}
	}
	if f.From, err = queryTime(r, "from"); err != nil {
		return f, err
	}
	if f.To, err = queryTime(r, "to"); err != nil {
		return f, err
	}
	for _, st := range r.URL.Query()["status"] {
		cs := kinbridge.CallStatus(st)
		if !cs.Valid() {
			return f, &kinbridge.Error{Code: kinbridge.EINVALID, Field: "status", Message: "status is one of booked, held, no_show, officer_missing, cancelled."}
		}
		f.Statuses = append(f.Statuses, cs)
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return f, err
	}
	offset, err := queryInt(r, "offset")
	if err != nil {
		return f, err
	}
	f.Limit, f.Offset = int(limit), int(offset)
	if f.Limit == 0 {
		f.Limit = callListDefault
	}
	f.Limit = min(f.Limit, callListMax)
	return f, nil
}

// apiListCalls is GET /api/v1/calls.
func (s *Server) apiListCalls(w http.ResponseWriter, r *http.Request) {
	f, err := apiCallFilter(r)
	var calls []*kinbridge.Call
	var total int
	if err == nil {
		calls, total, err = s.svc.FindCalls(r.Context(), f)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, jsonCallList{Calls: toJSONCalls(calls), Total: total, Limit: f.Limit, Offset: f.Offset})
}

// apiHouseholdCalls is GET /api/v1/households/{id}/calls: the calls list
// of one household.
func (s *Server) apiHouseholdCalls(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var f kinbridge.CallFilter
	if err == nil {
		f, err = apiCallFilter(r)
	}
	var calls []*kinbridge.Call
	var total int
	if err == nil {
		if _, err = s.svc.FindHouseholdCallSettings(r.Context(), id); err == nil {
			f.HouseholdID = id
			calls, total, err = s.svc.FindCalls(r.Context(), f)
		}
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, jsonCallList{Calls: toJSONCalls(calls), Total: total, Limit: f.Limit, Offset: f.Offset})
}

// apiFreeSlots is GET /api/v1/households/{id}/free-slots?from=&to=: the
// free slots in [from, to) (default: from now over the booking horizon).
func (s *Server) apiFreeSlots(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var from, to time.Time
	if err == nil {
		from, err = queryTime(r, "from")
	}
	if err == nil {
		to, err = queryTime(r, "to")
	}
	var fs *kinbridge.FreeSlots
	if err == nil {
		if from.IsZero() {
			from = s.now()
		}
		if to.IsZero() {
			to = from.AddDate(0, 0, 15)
		}
		fs, err = s.svc.FreeSlots(r.Context(), id, from, to)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if fs.Slots == nil {
		fs.Slots = []kinbridge.Slot{}
	}
	if fs.Weeks == nil {
		fs.Weeks = []kinbridge.QuotaWeek{}
	}
	s.writeJSON(w, r, http.StatusOK, fs)
}

// bookHouseholdError turns "not found" from BookCall, when it names no
// field, into an error at household_id: a household named in the body is
// input, refused like one that does not exist.
func bookHouseholdError(err error) error {
	if kinbridge.ErrorCode(err) == kinbridge.ENOTFOUND && kinbridge.ErrorField(err) == "" {
		return kinbridge.FieldError("household_id", "error.calls.household", "Choose the household.")
	}
	return err
}

// apiBookCall is POST /api/v1/calls. An Idempotency-Key header (or the
// idempotency_key field) makes a retry safe: the call booked the first
// time is answered again, with 200 instead of 201.
func (s *Server) apiBookCall(w http.ResponseWriter, r *http.Request) {
	started := s.now()
	var req kinbridge.BookCall
	if err := decodeJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	if k := strings.TrimSpace(r.Header.Get("Idempotency-Key")); k != "" {
		req.IdempotencyKey = k
	}
	c, err := s.svc.BookCall(r.Context(), req)
	if err != nil {
		s.apiError(w, r, bookHouseholdError(err))
		return
	}
	status := http.StatusCreated
	if req.IdempotencyKey != "" && c.Created.Before(started.Add(-time.Second)) {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/calls/"+strconv.FormatInt(c.ID, 10))
	s.writeJSON(w, r, status, toJSONCall(c))
}

// apiGetCall is GET /api/v1/calls/{id}.
func (s *Server) apiGetCall(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var c *kinbridge.Call
	if err == nil {
		c, err = s.svc.FindCallByID(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONCall(c))
}

// apiCallChange runs one change of a call and answers the call as it is.
func (s *Server) apiCallChange(w http.ResponseWriter, r *http.Request, body any, act func(id int64) (*kinbridge.Call, error)) {
	id, err := pathID(r)
	if err == nil {
		err = decodeJSON(w, r, body)
	}
	var c *kinbridge.Call
	if err == nil {
		c, err = act(id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONCall(c))
}

// apiCancelCall is POST /api/v1/calls/{id}/cancel: {version, reason}.
func (s *Server) apiCancelCall(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Version int    `json:"version"`
		Reason  string `json:"reason"`
	}
	s.apiCallChange(w, r, &body, func(id int64) (*kinbridge.Call, error) {
		return s.svc.CancelCall(r.Context(), id, body.Version, body.Reason)
	})
}

// apiRescheduleCall is POST /api/v1/calls/{id}/reschedule: the version and
// the new booking (household_id may be left out: the call's).
func (s *Server) apiRescheduleCall(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Version int `json:"version"`
		kinbridge.BookCall
	}
	s.apiCallChange(w, r, &body, func(id int64) (*kinbridge.Call, error) {
		if body.HouseholdID == 0 {
			c, err := s.svc.FindCallByID(r.Context(), id)
			if err != nil {
				return nil, err
			}
			body.HouseholdID = c.HouseholdID
		}
		if k := strings.TrimSpace(r.Header.Get("Idempotency-Key")); k != "" {
			body.IdempotencyKey = k
		}
		return s.svc.RescheduleCall(r.Context(), id, body.Version, body.BookCall)
	})
}

// apiCallOutcome is POST /api/v1/calls/{id}/outcome: {version, status, note}.
func (s *Server) apiCallOutcome(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Version int                  `json:"version"`
		Status  kinbridge.CallStatus `json:"status"`
		Note    string               `json:"note"`
	}
	s.apiCallChange(w, r, &body, func(id int64) (*kinbridge.Call, error) {
		return s.svc.RecordCallOutcome(r.Context(), id, body.Version, body.Status, body.Note)
	})
}

// apiCancelOfficeCalls is POST /api/v1/units/{id}/call-cancellations:
// {from, to, reason}; the answer lists the calls cancelled.
func (s *Server) apiCancelOfficeCalls(w http.ResponseWriter, r *http.Request) {
	var body struct {
		From   time.Time `json:"from"`
		To     time.Time `json:"to"`
		Reason string    `json:"reason"`
	}
	id, err := pathID(r)
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	var res *kinbridge.OfficeCancellation
	if err == nil {
		res, err = s.svc.CancelOfficeCalls(r.Context(), id, body.From, body.To, body.Reason)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"unit_id": res.UnitID, "reason": res.Reason, "calls": toJSONCalls(res.Calls)})
}

type jsonRoom struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

type jsonCallOffice struct {
	MorningStart   kinbridge.DayTime `json:"morning_start"`
	MorningEnd     kinbridge.DayTime `json:"morning_end"`
	AfternoonStart kinbridge.DayTime `json:"afternoon_start"`
	AfternoonEnd   kinbridge.DayTime `json:"afternoon_end"`
	Rooms          []jsonRoom        `json:"rooms"`
}

func toJSONCallOffice(o *kinbridge.CallOffice) *jsonCallOffice {
	if o == nil {
		return nil
	}
	j := &jsonCallOffice{MorningStart: o.MorningStart, MorningEnd: o.MorningEnd, AfternoonStart: o.AfternoonStart, AfternoonEnd: o.AfternoonEnd, Rooms: []jsonRoom{}}
	for _, rm := range o.Rooms {
		j.Rooms = append(j.Rooms, jsonRoom{ID: rm.ID, Name: rm.Name, Active: rm.Active})
	}
	return j
}

type jsonDuty struct {
	OfficerID int64              `json:"officer_id"`
	Kind      kinbridge.DutyKind `json:"kind"`
	Start     time.Time          `json:"start"`
	End       time.Time          `json:"end"`
}

func toJSONDuties(ds []kinbridge.Duty) []jsonDuty {
	out := make([]jsonDuty, len(ds))
	for i, d := range ds {
		out[i] = jsonDuty{OfficerID: d.OfficerID, Kind: d.Kind, Start: d.Start, End: d.End}
	}
	return out
}

// idNames turns a map of names by id into one keyed by the id's decimal
// string, as JSON object keys are.
func idNames(m map[int64]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strconv.FormatInt(k, 10)] = v
	}
	return out
}

// apiOfficeDay is GET /api/v1/units/{id}/call-days/{day}: the day sheet.
func (s *Server) apiOfficeDay(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var day string
	if err == nil {
		day, err = pathDay(r, "day")
	}
	var od *kinbridge.OfficeDay
	if err == nil {
		od, err = s.svc.OfficeDay(r.Context(), id, day)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	slots := make([]time.Time, len(od.Slots))
	copy(slots, od.Slots)
	s.writeJSON(w, r, http.StatusOK, map[string]any{
		"unit_id": od.Unit.ID, "day": od.Day, "office": toJSONCallOffice(od.Office), "slots": slots,
		"calls": toJSONCalls(od.Calls), "duties": toJSONDuties(od.Duties), "officers": idNames(od.Officers),
		"households": idNames(od.Households),
	})
}

// apiOfficerWeek is GET /api/v1/users/{id}/call-weeks/{week}: the
// officer's duties and calls of the week starting on that Monday.
func (s *Server) apiOfficerWeek(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var week string
	if err == nil {
		week, err = pathDay(r, "week")
	}
	var ow *kinbridge.OfficerWeek
	if err == nil {
		ow, err = s.svc.OfficerWeek(r.Context(), id, mondayOf(week))
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{
		"officer": toJSONUser(ow.Officer), "week_start": ow.WeekStart, "duties": toJSONDuties(ow.Duties),
		"calls": toJSONCalls(ow.Calls), "households": idNames(ow.Households),
	})
}

type jsonCallPlan struct {
	ID        int64                     `json:"id"`
	UnitID    int64                     `json:"unit_id"`
	WeekStart string                    `json:"week_start"`
	Status    kinbridge.CallPlanStatus  `json:"status"`
	Summary   kinbridge.CallPlanSummary `json:"summary"`
	CreatedBy int64                     `json:"created_by"`
	Created   time.Time                 `json:"created"`
	BookedAt  *time.Time                `json:"booked_at"`
}

func toJSONCallPlan(p *kinbridge.CallPlan) jsonCallPlan {
	sum := p.Summary
	if sum.Short == nil {
		sum.Short = []kinbridge.CallShortfall{}
	}
	if sum.Offices == nil {
		sum.Offices = []kinbridge.CallOfficeLoad{}
	}
	return jsonCallPlan{ID: p.ID, UnitID: p.UnitID, WeekStart: p.WeekStart, Status: p.Status, Summary: sum,
		CreatedBy: p.CreatedBy, Created: p.Created, BookedAt: timeOrNull(p.BookedAt)}
}

// apiListCallPlans is GET /api/v1/call-plans: the latest plans of the
// caller's subtree (or of unit_id's).
func (s *Server) apiListCallPlans(w http.ResponseWriter, r *http.Request) {
	unit, err := queryInt(r, "unit_id")
	var plans []*kinbridge.CallPlan
	if err == nil {
		if unit == 0 {
			unit = kinbridge.ActorFromContext(r.Context()).UnitID
		}
		plans, err = s.svc.FindCallPlans(r.Context(), unit)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonCallPlan, len(plans))
	for i, p := range plans {
		out[i] = toJSONCallPlan(p)
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"plans": out})
}

// apiPlanCallWeek is POST /api/v1/call-plans: {unit_id, week_start}.
func (s *Server) apiPlanCallWeek(w http.ResponseWriter, r *http.Request) {
	var body struct {
		UnitID    int64  `json:"unit_id"`
		WeekStart string `json:"week_start"`
	}
	err := decodeJSON(w, r, &body)
	if err == nil {
		_, err = parseDay(body.WeekStart, "week_start")
	}
	var p *kinbridge.CallPlan
	if err == nil {
		p, err = s.svc.PlanWeek(r.Context(), body.UnitID, body.WeekStart)
		err = planUnitError(err)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/call-plans/"+strconv.FormatInt(p.ID, 10))
	s.writeJSON(w, r, http.StatusCreated, toJSONCallPlan(p))
}

// apiGetCallPlan is GET /api/v1/call-plans/{id}; ?full=1 adds the
// planner's instance and result documents.
func (s *Server) apiGetCallPlan(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var p *kinbridge.CallPlan
	full := r.URL.Query().Get("full") != ""
	if err == nil && full {
		p, err = s.svc.FindCallPlan(r.Context(), id)
	} else if err == nil {
		p, err = s.svc.FindCallPlanReview(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if full {
		s.writeJSON(w, r, http.StatusOK, map[string]any{"plan": toJSONCallPlan(p), "instance": p.Instance, "result": p.Result})
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONCallPlan(p))
}

// apiBookCallPlan is POST /api/v1/call-plans/{id}/book: every call of the
// draft, in one transaction.
func (s *Server) apiBookCallPlan(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var p *kinbridge.CallPlan
	var calls []*kinbridge.Call
	if err == nil {
		p, calls, err = s.svc.BookCallPlan(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"plan": toJSONCallPlan(p), "calls": toJSONCalls(calls)})
}

type jsonCallSettings struct {
	ProgrammeID int64                  `json:"programme_id"`
	Area        string                 `json:"area"`
	Places      []kinbridge.CallPlace  `json:"places"`
	Windows     []kinbridge.WeekPeriod `json:"windows"`
	Preferred   []kinbridge.WeekPeriod `json:"preferred"`
	RelativeIDs []int64                `json:"relative_ids"`
}

func toJSONCallSettings(hs *kinbridge.HouseholdCallSettings) jsonCallSettings {
	j := jsonCallSettings{ProgrammeID: hs.ProgrammeID, Area: hs.Area, Places: hs.Places, Windows: hs.Windows, Preferred: hs.Preferred, RelativeIDs: orEmpty(hs.RelativeIDs)}
	if j.Places == nil {
		j.Places = []kinbridge.CallPlace{}
	}
	if j.Windows == nil {
		j.Windows = []kinbridge.WeekPeriod{}
	}
	if j.Preferred == nil {
		j.Preferred = []kinbridge.WeekPeriod{}
	}
	return j
}

// apiGetCallSettings is GET /api/v1/households/{id}/call-settings.
func (s *Server) apiGetCallSettings(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var hs *kinbridge.HouseholdCallSettings
	if err == nil {
		hs, err = s.svc.FindHouseholdCallSettings(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONCallSettings(hs))
}

// apiSetCallSettings is PUT /api/v1/households/{id}/call-settings: the
// whole settings.
func (s *Server) apiSetCallSettings(w http.ResponseWriter, r *http.Request) {
	var body jsonCallSettings
	id, err := pathID(r)
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	hs := &kinbridge.HouseholdCallSettings{HouseholdID: id, ProgrammeID: body.ProgrammeID, Area: body.Area, Places: body.Places,
		Windows: body.Windows, Preferred: body.Preferred, RelativeIDs: body.RelativeIDs}
	if err == nil {
		err = s.svc.SetHouseholdCallSettings(r.Context(), hs)
	}
	if err == nil {
		hs, err = s.svc.FindHouseholdCallSettings(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONCallSettings(hs))
}

type jsonRosterEntry struct {
	OfficerID int64              `json:"officer_id"`
	Weekday   int                `json:"weekday"`
	Half      kinbridge.Half     `json:"half"`
	Kind      kinbridge.DutyKind `json:"kind"`
}

type jsonRosterException struct {
	ID        int64              `json:"id"`
	OfficerID int64              `json:"officer_id"`
	Day       string             `json:"day"`
	Half      kinbridge.Half     `json:"half"`
	Kind      kinbridge.DutyKind `json:"kind"`
	Reason    string             `json:"reason"`
	CreatedBy int64              `json:"created_by,omitempty"`
	Created   *time.Time         `json:"created,omitempty"`
}

func toJSONRosterException(e *kinbridge.RosterException) jsonRosterException {
	return jsonRosterException{ID: e.ID, OfficerID: e.OfficerID, Day: e.Day, Half: e.Half, Kind: e.Kind, Reason: e.Reason,
		CreatedBy: e.CreatedBy, Created: timeOrNull(e.Created)}
}

// apiGetRoster is GET /api/v1/units/{id}/call-roster: the office's set-up,
// officers, weekly template, areas and exceptions from today on.
func (s *Server) apiGetRoster(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var ro *kinbridge.Roster
	if err == nil {
		ro, err = s.svc.FindRoster(r.Context(), id)
	}
	if err == nil {
		err = offer(r, kinbridge.ActionCallConfigure)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	officers := make([]jsonUser, len(ro.Officers))
	for i, u := range ro.Officers {
		officers[i] = toJSONUser(u)
	}
	entries := make([]jsonRosterEntry, len(ro.Entries))
	for i, e := range ro.Entries {
		entries[i] = jsonRosterEntry{OfficerID: e.OfficerID, Weekday: e.Weekday, Half: e.Half, Kind: e.Kind}
	}
	exceptions := make([]jsonRosterException, len(ro.Exceptions))
	for i, e := range ro.Exceptions {
		exceptions[i] = toJSONRosterException(e)
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"unit_id": ro.Unit.ID, "office": toJSONCallOffice(ro.Office), "officers": officers,
		"entries": entries, "areas": idNames(ro.Areas), "exceptions": exceptions})
}

// apiSetCallOffice is PUT /api/v1/units/{id}/call-office: hours and rooms;
// a room without an id is added.
func (s *Server) apiSetCallOffice(w http.ResponseWriter, r *http.Request) {
	var body jsonCallOffice
	id, err := pathID(r)
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	if err == nil {
		o := &kinbridge.CallOffice{UnitID: id, MorningStart: body.MorningStart, MorningEnd: body.MorningEnd,
			AfternoonStart: body.AfternoonStart, AfternoonEnd: body.AfternoonEnd}
		for _, rm := range body.Rooms {
			o.Rooms = append(o.Rooms, &kinbridge.CallRoom{ID: rm.ID, UnitID: id, Name: rm.Name, Active: rm.Active})
		}
		err = s.svc.SetCallOffice(r.Context(), o)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiGetRoster(w, r)
}

// apiSetRoster is PUT /api/v1/units/{id}/call-roster: {entries, areas}.
func (s *Server) apiSetRoster(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Entries []jsonRosterEntry `json:"entries"`
		Areas   map[string]string `json:"areas"`
	}
	id, err := pathID(r)
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	if err == nil {
		entries := make([]kinbridge.RosterEntry, len(body.Entries))
		for i, e := range body.Entries {
			entries[i] = kinbridge.RosterEntry{OfficerID: e.OfficerID, Weekday: e.Weekday, Half: e.Half, Kind: e.Kind}
		}
		areas := map[int64]string{}
		for k, v := range body.Areas {
			n, perr := strconv.ParseInt(k, 10, 64)
			if perr != nil {
				err = &kinbridge.Error{Code: kinbridge.EINVALID, Field: "areas", Message: "areas are keyed by officer id."}
				break
			}
			areas[n] = v
		}
		if err == nil {
			err = s.svc.SetRoster(r.Context(), id, entries, areas)
		}
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiGetRoster(w, r)
}

// apiAddRosterException is POST /api/v1/units/{id}/roster-exceptions.
func (s *Server) apiAddRosterException(w http.ResponseWriter, r *http.Request) {
	var body jsonRosterException
	id, err := pathID(r)
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	e := &kinbridge.RosterException{UnitID: id, OfficerID: body.OfficerID, Day: body.Day, Half: body.Half, Kind: body.Kind, Reason: body.Reason}
	if err == nil {
		err = s.svc.AddRosterException(r.Context(), e)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, toJSONRosterException(e))
}

// apiDeleteRosterException is DELETE /api/v1/roster-exceptions/{id}.
func (s *Server) apiDeleteRosterException(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.svc.DeleteRosterException(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type jsonCalendarToken struct {
	ID      int64      `json:"id"`
	Created time.Time  `json:"created"`
	Revoked *time.Time `json:"revoked"`
}

// apiListCalendarTokens is GET /api/v1/calendar-tokens: the caller's feed
// tokens (never their secrets).
func (s *Server) apiListCalendarTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.svc.FindCalendarTokens(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonCalendarToken, len(ts))
	for i, t := range ts {
		out[i] = jsonCalendarToken{ID: t.ID, Created: t.Created, Revoked: timeOrNull(t.Revoked)}
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"tokens": out})
}

// apiCreateCalendarToken is POST /api/v1/calendar-tokens: a new feed URL;
// its secret is in this answer only.
func (s *Server) apiCreateCalendarToken(w http.ResponseWriter, r *http.Request) {
	token, t, err := s.svc.CreateCalendarToken(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, map[string]any{"id": t.ID, "created": t.Created, "token": token, "url": s.feedURL(r, token)})
}

// apiRevokeCalendarToken is DELETE /api/v1/calendar-tokens/{id}.
func (s *Server) apiRevokeCalendarToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.svc.RevokeCalendarToken(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
