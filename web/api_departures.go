package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/departure"
)

// The departure list's API: requests and their changes, the ranked list,
// policy versions with preview and adoption, crossings with their
// capacities, allocation, forecast and day sheets, residents' codes and
// the resident look-up. The shapes are documented in openapi.json.

type jsonDeparture struct {
	ID             int64                       `json:"id"`
	HouseholdID    int64                       `json:"household_id"`
	PersonID       *int64                      `json:"person_id"`
	UnitID         int64                       `json:"unit_id"`
	Members        []kinbridge.DepartureMember `json:"members"`
	Destination    string                      `json:"destination"`
	TravelDocs     string                      `json:"travel_docs"`
	RegisteredAt   time.Time                   `json:"registered_at"`
	Notes          string                      `json:"notes"`
	Status         kinbridge.DepartureStatus   `json:"status"`
	CrossingID     *int64                      `json:"crossing_id"`
	Day            string                      `json:"day"`
	AllocationNote string                      `json:"allocation_note"`
	AllocatedAt    *time.Time                  `json:"allocated_at"`
	DepartedAt     *time.Time                  `json:"departed_at"`
	Reason         string                      `json:"reason"`
	Missed         int                         `json:"missed"`
	Rank           int                         `json:"rank"`
	RankReason     string                      `json:"rank_reason"`
	Expected       string                      `json:"expected"`
	Version        int                         `json:"version"`
	Created        time.Time                   `json:"created"`
	Updated        time.Time                   `json:"updated"`
}

func toJSONDeparture(r *kinbridge.DepartureRequest) jsonDeparture {
	members := r.Members
	if members == nil {
		members = []kinbridge.DepartureMember{}
	}
	return jsonDeparture{ID: r.ID, HouseholdID: r.HouseholdID, PersonID: idOrNull(r.PersonID), UnitID: r.UnitID, Members: members,
		Destination: r.Destination, TravelDocs: r.TravelDocs, RegisteredAt: r.RegisteredAt, Notes: r.Notes, Status: r.Status,
		CrossingID: idOrNull(r.CrossingID), Day: r.Day, AllocationNote: r.AllocationNote, AllocatedAt: timeOrNull(r.AllocatedAt),
		DepartedAt: timeOrNull(r.DepartedAt), Reason: r.Reason, Missed: r.Missed, Rank: r.Rank, RankReason: r.RankReason,
		Expected: r.Expected, Version: r.Version, Created: r.Created, Updated: r.Updated}
}

func toJSONDepartures(rs []*kinbridge.DepartureRequest) []jsonDeparture {
	out := make([]jsonDeparture, len(rs))
	for i, r := range rs {
		out[i] = toJSONDeparture(r)
	}
	return out
}

type jsonPolicy struct {
	ID          int64            `json:"id"`
	Version     int              `json:"version"`
	Status      string           `json:"status"`
	Rules       departure.Policy `json:"rules"`
	ProgrammeID *int64           `json:"programme_id"`
	MissedRule  string           `json:"missed_rule"`
	Created     time.Time        `json:"created"`
	AdoptedAt   *time.Time       `json:"adopted_at"`
}

func toJSONPolicy(p *kinbridge.DeparturePolicy) jsonPolicy {
	rules := p.Rules
	if rules.Tiers == nil {
		rules.Tiers = []departure.Tier{}
	}
	if rules.Points == nil {
		rules.Points = []departure.PointRule{}
	}
	return jsonPolicy{ID: p.ID, Version: p.Version, Status: p.Status, Rules: rules, ProgrammeID: idOrNull(p.ProgrammeID),
		MissedRule: p.MissedRule, Created: p.Created, AdoptedAt: timeOrNull(p.AdoptedAt)}
}

type jsonCrossing struct {
	ID            int64          `json:"id"`
	Name          string         `json:"name"`
	Open          bool           `json:"open"`
	DailyCapacity int            `json:"daily_capacity"`
	Overrides     map[string]int `json:"overrides"`
}

func toJSONCrossing(c *kinbridge.Crossing) jsonCrossing {
	o := c.Overrides
	if o == nil {
		o = map[string]int{}
	}
	return jsonCrossing{ID: c.ID, Name: c.Name, Open: c.Open, DailyCapacity: c.DailyCapacity, Overrides: o}
}

// apiListDepartures is GET /api/v1/departures: the list in rank order as
// the caller's scope shows it; status (repeatable; default waiting and
// allocated), crossing_id, day, household_id, limit, offset.
func (s *Server) apiListDepartures(w http.ResponseWriter, r *http.Request) {
	var f kinbridge.DepartureFilter
	var err error
	for _, st := range r.URL.Query()["status"] {
		if ds := kinbridge.DepartureStatus(st); ds.Valid() {
			f.Statuses = append(f.Statuses, ds)
		} else {
			s.apiError(w, r, &kinbridge.Error{Code: kinbridge.EINVALID, Field: "status", Message: "Unknown status " + strconv.Quote(st) + "."})
			return
		}
	}
	var n int64
	for _, q := range []struct {
		name string
		to   *int64
	}{{"crossing_id", &f.CrossingID}, {"household_id", &f.HouseholdID}} {
		if *q.to, err = queryInt(r, q.name); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	if n, err = queryInt(r, "limit"); err == nil {
		f.Limit = int(n)
		n, err = queryInt(r, "offset")
		f.Offset = int(n)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if d := strings.TrimSpace(r.URL.Query().Get("day")); d != "" {
		if _, err := parseDay(d, "day"); err != nil {
			s.apiError(w, r, err)
			return
		}
		f.Day = d
	}
	list, err := s.svc.FindDepartureList(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"policy": toJSONPolicy(list.Policy), "requests": toJSONDepartures(list.Requests),
		"total": list.Total})
}

// apiCreateDeparture is POST /api/v1/departures: {household_id or
// person_id, destination, travel_docs, notes, registered_at, members:
// [{person_id, illness, disability, child_separated}]}.
func (s *Server) apiCreateDeparture(w http.ResponseWriter, r *http.Request) {
	var body struct {
		HouseholdID  int64                       `json:"household_id"`
		PersonID     int64                       `json:"person_id"`
		Destination  string                      `json:"destination"`
		TravelDocs   string                      `json:"travel_docs"`
		Notes        string                      `json:"notes"`
		RegisteredAt time.Time                   `json:"registered_at"`
		Members      []kinbridge.DepartureMember `json:"members"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	req := &kinbridge.DepartureRequest{HouseholdID: body.HouseholdID, PersonID: body.PersonID, Destination: body.Destination,
		TravelDocs: body.TravelDocs, Notes: body.Notes, RegisteredAt: body.RegisteredAt, Members: body.Members}
	if req.PersonID != 0 {
		req.HouseholdID = 0
	}
	if err := s.svc.CreateDepartureRequest(r.Context(), req); err != nil {
		s.apiError(w, r, householdFieldError(err, req.PersonID))
		return
	}
	w.Header().Set("Location", "/api/v1/departures/"+strconv.FormatInt(req.ID, 10))
	s.writeJSON(w, r, http.StatusCreated, toJSONDeparture(req))
}

// apiGetDeparture is GET /api/v1/departures/{id}.
func (s *Server) apiGetDeparture(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var req *kinbridge.DepartureRequest
	if err == nil {
		req, err = s.svc.FindDepartureRequest(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONDeparture(req))
}

// apiDepartureChange runs one change of a request: {version, reason}.
func (s *Server) apiDepartureChange(w http.ResponseWriter, r *http.Request, act func(id int64, version int, reason string) (*kinbridge.DepartureRequest, error)) {
	var body struct {
		Version int    `json:"version"`
		Reason  string `json:"reason"`
	}
	id, err := pathID(r)
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	var req *kinbridge.DepartureRequest
	if err == nil {
		req, err = act(id, body.Version, body.Reason)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONDeparture(req))
}

// apiWithdrawDeparture is POST /api/v1/departures/{id}/withdraw.
func (s *Server) apiWithdrawDeparture(w http.ResponseWriter, r *http.Request) {
	s.apiDepartureChange(w, r, func(id int64, version int, reason string) (*kinbridge.DepartureRequest, error) {
		return s.svc.WithdrawDepartureRequest(r.Context(), id, version, reason)
	})
}

// apiMarkDeparted is POST /api/v1/departures/{id}/departed.
func (s *Server) apiMarkDeparted(w http.ResponseWriter, r *http.Request) {
	s.apiDepartureChange(w, r, func(id int64, version int, _ string) (*kinbridge.DepartureRequest, error) {
		return s.svc.MarkDeparted(r.Context(), id, version)
	})
}

// apiMarkMissed is POST /api/v1/departures/{id}/missed.
func (s *Server) apiMarkMissed(w http.ResponseWriter, r *http.Request) {
	s.apiDepartureChange(w, r, func(id int64, version int, _ string) (*kinbridge.DepartureRequest, error) {
		return s.svc.MarkMissed(r.Context(), id, version)
	})
}

type jsonResidentCode struct {
	ID        int64      `json:"id"`
	RequestID int64      `json:"request_id"`
	Created   time.Time  `json:"created"`
	Revoked   *time.Time `json:"revoked"`
	Code      string     `json:"code,omitempty"` // only when made
}

func toJSONResidentCode(c *kinbridge.ResidentCode) jsonResidentCode {
	return jsonResidentCode{ID: c.ID, RequestID: c.RequestID, Created: c.Created, Revoked: timeOrNull(c.Revoked)}
}

// apiListResidentCodes is GET /api/v1/departures/{id}/resident-codes.
func (s *Server) apiListResidentCodes(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var cs []*kinbridge.ResidentCode
	if err == nil {
		cs, err = s.svc.FindResidentCodes(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonResidentCode, len(cs))
	for i, c := range cs {
		out[i] = toJSONResidentCode(c)
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// apiCreateResidentCode is POST /api/v1/departures/{id}/resident-codes:
// the code is in the answer, once.
func (s *Server) apiCreateResidentCode(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var code string
	var c *kinbridge.ResidentCode
	if err == nil {
		code, c, err = s.svc.CreateResidentCode(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := toJSONResidentCode(c)
	out.Code = code
	s.writeJSON(w, r, http.StatusCreated, out)
}

// apiRevokeResidentCode is DELETE /api/v1/resident-codes/{id}.
func (s *Server) apiRevokeResidentCode(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.svc.RevokeResidentCode(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiListPolicies is GET /api/v1/departure-policies: newest first.
func (s *Server) apiListPolicies(w http.ResponseWriter, r *http.Request) {
	ps, err := s.svc.FindDeparturePolicies(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonPolicy, len(ps))
	for i, p := range ps {
		out[i] = toJSONPolicy(p)
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// policyBody is a policy as the API takes it.
type policyBody struct {
	Rules       departure.Policy `json:"rules"`
	ProgrammeID int64            `json:"programme_id"`
	MissedRule  string           `json:"missed_rule"`
}

func (b policyBody) policy() *kinbridge.DeparturePolicy {
	return &kinbridge.DeparturePolicy{Rules: b.Rules, ProgrammeID: b.ProgrammeID, MissedRule: b.MissedRule}
}

// apiCreatePolicy is POST /api/v1/departure-policies: a new draft.
func (s *Server) apiCreatePolicy(w http.ResponseWriter, r *http.Request) {
	var body policyBody
	if err := decodeJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	p := body.policy()
	if err := s.svc.CreateDeparturePolicy(r.Context(), p); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/departure-policies/"+strconv.FormatInt(p.ID, 10))
	s.writeJSON(w, r, http.StatusCreated, toJSONPolicy(p))
}

// apiGetPolicy is GET /api/v1/departure-policies/{id}.
func (s *Server) apiGetPolicy(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var p *kinbridge.DeparturePolicy
	if err == nil {
		p, err = s.svc.FindDeparturePolicy(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONPolicy(p))
}

// apiUpdatePolicy is PUT /api/v1/departure-policies/{id}: a draft's rules.
func (s *Server) apiUpdatePolicy(w http.ResponseWriter, r *http.Request) {
	var body policyBody
	id, err := pathID(r)
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	p := body.policy()
	p.ID = id
	if err == nil {
		err = s.svc.UpdateDeparturePolicy(r.Context(), p)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONPolicy(p))
}

type jsonMove struct {
	RequestID int64  `json:"request_id"`
	OldRank   int    `json:"old_rank"`
	NewRank   int    `json:"new_rank"`
	OldReason string `json:"old_reason"`
	NewReason string `json:"new_reason"`
}

// apiPreviewPolicy is GET /api/v1/departure-policies/{id}/preview: the
// requests whose rank the version changes, with both reasons.
func (s *Server) apiPreviewPolicy(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var moves []kinbridge.DepartureMove
	if err == nil {
		moves, err = s.svc.PreviewDeparturePolicy(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonMove, len(moves))
	for i, m := range moves {
		out[i] = jsonMove{RequestID: m.RequestID, OldRank: m.OldRank, NewRank: m.NewRank, OldReason: m.OldReason, NewReason: m.NewReason}
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"moves": out})
}

// apiAdoptPolicy is POST /api/v1/departure-policies/{id}/adopt.
func (s *Server) apiAdoptPolicy(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var p *kinbridge.DeparturePolicy
	if err == nil {
		p, err = s.svc.AdoptDeparturePolicy(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONPolicy(p))
}

// apiListCrossings is GET /api/v1/crossings.
func (s *Server) apiListCrossings(w http.ResponseWriter, r *http.Request) {
	cs, err := s.svc.FindCrossings(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonCrossing, len(cs))
	for i, c := range cs {
		out[i] = toJSONCrossing(c)
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

type crossingBody struct {
	Name          string `json:"name"`
	Open          bool   `json:"open"`
	DailyCapacity int    `json:"daily_capacity"`
}

// apiCreateCrossing is POST /api/v1/crossings.
func (s *Server) apiCreateCrossing(w http.ResponseWriter, r *http.Request) {
	var body crossingBody
	if err := decodeJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	c := &kinbridge.Crossing{Name: body.Name, Open: body.Open, DailyCapacity: body.DailyCapacity}
	if err := s.svc.CreateCrossing(r.Context(), c); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/crossings/"+strconv.FormatInt(c.ID, 10))
	s.writeJSON(w, r, http.StatusCreated, toJSONCrossing(c))
}

// apiGetCrossing is GET /api/v1/crossings/{id}.
func (s *Server) apiGetCrossing(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var c *kinbridge.Crossing
	if err == nil {
		c, err = s.svc.FindCrossing(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONCrossing(c))
}

// apiUpdateCrossing is PUT /api/v1/crossings/{id}.
func (s *Server) apiUpdateCrossing(w http.ResponseWriter, r *http.Request) {
	var body crossingBody
	id, err := pathID(r)
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	c := &kinbridge.Crossing{ID: id, Name: body.Name, Open: body.Open, DailyCapacity: body.DailyCapacity}
	if err == nil {
		err = s.svc.UpdateCrossing(r.Context(), c)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONCrossing(c))
}

// apiSetCrossingDay is PUT /api/v1/crossings/{id}/days/{day}: {capacity};
// null gives the day back its daily capacity.
func (s *Server) apiSetCrossingDay(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Capacity *int `json:"capacity"`
	}
	id, err := pathID(r)
	var day string
	if err == nil {
		day, err = pathDay(r, "day")
	}
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	if err == nil {
		capacity := -1
		if body.Capacity != nil {
			if *body.Capacity < 0 {
				err = kinbridge.FieldError("capacity", "error.crossing.capacity", "A capacity is 0 to 100000 persons a day.")
			}
			capacity = *body.Capacity
		}
		if err == nil {
			err = s.svc.SetCrossingDayCapacity(r.Context(), id, day, capacity)
		}
	}
	var c *kinbridge.Crossing
	if err == nil {
		c, err = s.svc.FindCrossing(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONCrossing(c))
}

type jsonDayAssignment struct {
	RequestID int64   `json:"request_id"`
	Date      string  `json:"date"`
	Rank      int     `json:"rank"`
	Persons   int     `json:"persons"`
	Kept      bool    `json:"kept"`
	Overtook  []int64 `json:"overtook"`
	Note      string  `json:"note"`
}

type jsonOverDay struct {
	Day        string  `json:"day"`
	Capacity   int     `json:"capacity"`
	Used       int     `json:"used"`
	RequestIDs []int64 `json:"request_ids"`
}

// apiAllocate is POST /api/v1/crossings/{id}/allocate: {from, days}.
func (s *Server) apiAllocate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		From string `json:"from"`
		Days int    `json:"days"`
	}
	id, err := pathID(r)
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	var res *kinbridge.CrossingAllocation
	if err == nil {
		res, err = s.svc.AllocateCrossing(r.Context(), id, body.From, body.Days)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	as := make([]jsonDayAssignment, len(res.Assignments))
	for i, a := range res.Assignments {
		as[i] = jsonDayAssignment{RequestID: a.RequestID, Date: a.Date, Rank: a.Rank, Persons: a.Persons, Kept: a.Kept, Overtook: orEmpty(a.Overtook), Note: a.Note}
	}
	over := make([]jsonOverDay, len(res.OverDays))
	for i, o := range res.OverDays {
		over[i] = jsonOverDay{Day: o.Day, Capacity: o.Capacity, Used: o.Used, RequestIDs: orEmpty(o.RequestIDs)}
	}
	reasons := map[string]map[string]string{}
	for id, why := range res.Reasons {
		reasons[strconv.FormatInt(id, 10)] = map[string]string{"code": why.Code, "text": why.Text}
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"crossing_id": id, "from": res.FromDay, "days": res.Days, "rule": res.Rule,
		"rule_text": res.RuleText, "assignments": as, "new": res.New, "unallocated": orEmpty(res.Unallocated), "reasons": reasons,
		"used": orEmptyDays(res.Used), "over": orEmptyDays(res.Over), "left_empty": orEmptyDays(res.LeftEmpty), "over_days": over})
}

func orEmptyDays(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}

type jsonExpected struct {
	RequestID int64  `json:"request_id"`
	Rank      int    `json:"rank"`
	Persons   int    `json:"persons"`
	Date      string `json:"date"`
	Kept      bool   `json:"kept"`
	Note      string `json:"note"`
	Reason    string `json:"reason"`
}

type jsonDrain struct {
	Date     string `json:"date"`
	Requests int    `json:"requests"`
	Persons  int    `json:"persons"`
}

// apiForecast is GET /api/v1/crossings/{id}/forecast?what_if=.
func (s *Server) apiForecast(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var whatIf int64
	if err == nil {
		whatIf, err = queryInt(r, "what_if")
	}
	var fc *kinbridge.DepartureForecast
	if err == nil {
		fc, err = s.svc.Forecast(r.Context(), id, int(whatIf))
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ex := make([]jsonExpected, len(fc.Expected))
	for i, e := range fc.Expected {
		ex[i] = jsonExpected{RequestID: e.RequestID, Rank: e.Rank, Persons: e.Persons, Date: e.Date, Kept: e.Kept, Note: e.Note, Reason: e.Reason}
	}
	series := make([]jsonDrain, len(fc.Series))
	for i, d := range fc.Series {
		series[i] = jsonDrain{Date: d.Date, Requests: d.Requests, Persons: d.Persons}
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"crossing_id": fc.CrossingID, "what_if": fc.WhatIfDaily, "from": fc.FromDay,
		"days": fc.Days, "expected": ex, "series": series})
}

// apiDaySheet is GET /api/v1/crossings/{id}/days/{day}: the requests
// travelling that day, with their members.
func (s *Server) apiDaySheet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var day string
	if err == nil {
		day, err = pathDay(r, "day")
	}
	var sheet *kinbridge.DepartureDaySheet
	if err == nil {
		sheet, err = s.svc.DaySheet(r.Context(), id, day)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"crossing": toJSONCrossing(sheet.Crossing), "day": sheet.Day, "capacity": sheet.Capacity,
		"persons": sheet.Persons, "requests": toJSONDepartures(sheet.Requests)})
}
