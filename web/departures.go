package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/departure"
)

// The departure list's pages: the list ranked under the adopted policy, a
// request with its actions and its residents' codes, and the form that puts
// a person or a household on the list. The policy editor, the crossings and
// the resident page are in departures_*.go.

func departureURL(id int64) string { return "/departures/requests/" + strconv.FormatInt(id, 10) }

// DepartureStatus names a request's status in the language.
func (l *localizer) DepartureStatus(s kinbridge.DepartureStatus) string {
	return l.code("departure.status.", string(s))
}

// TravelDocs names a travel documents state in the language.
func (l *localizer) TravelDocs(s string) string { return l.code("departure.docs.", s) }

// DepartureFact names a fact kind of the policy in the language.
func (l *localizer) DepartureFact(f string) string { return l.code("departure.fact.", f) }

// FitRule names a fit rule in the language.
func (l *localizer) FitRule(r string) string { return l.code("departure.fit.", r) }

// DepartureReason says why a request has its rank, in the language: the
// tier, the vulnerability points and what gave them, the registration
// day — the items of the service's English reason (r.RankReason).
func (l *localizer) DepartureReason(r *kinbridge.DepartureRequest) string {
	return l.RankReason(r.Why, r.RankReason)
}

// RankReason says a rank's reason w in the language; without w, it gives
// the English reason as it is.
func (l *localizer) RankReason(w *kinbridge.RankWhy, english string) string {
	if w == nil {
		return english
	}
	tier := l.T("departure.why.no_tier")
	if w.Tier > 0 {
		tier = l.T("departure.why.tier", w.Tier, w.TierName)
	}
	var points string
	switch w.Points {
	case 0:
		points = l.T("departure.why.points_none")
	case 1:
		points = l.T("departure.why.point_one")
	default:
		points = l.T("departure.why.points", w.Points)
	}
	if w.Points > 0 && len(w.Facts) > 0 {
		items := make([]string, len(w.Facts))
		for i, f := range w.Facts {
			switch {
			case f.Fact == departure.FactAgeAtLeast:
				items[i] = l.T("departure.why.age", f.Age)
			case f.Count > 1:
				items[i] = l.T("departure.why.count", l.code("departure.why.fact.", f.Fact), f.Count)
			default:
				items[i] = l.code("departure.why.fact.", f.Fact)
			}
		}
		points = l.T("departure.why.points_detail", points, strings.Join(items, l.T("departure.why.list_sep")))
	}
	return l.T("departure.why", tier, points, l.Day(w.Registered))
}

// MissedRule names a missed-day rule in the language.
func (l *localizer) MissedRule(r string) string { return l.code("departure.missed.", r) }

// PolicyStatus names a policy version's status in the language.
func (l *localizer) PolicyStatus(s string) string { return l.code("departure.policy_status.", s) }

// UnallocatedReason says why a request got no day, in the language.
func (l *localizer) UnallocatedReason(w departure.Why) string {
	return l.reason("departure.why.", w.Code, w.Text)
}

// departureReasons are the pure package's reason codes the catalogs
// translate (departure.why.*).
var departureReasons = []string{departure.ReasonTooLarge, departure.ReasonNoRoom}

// departureRow is one request of a list.
type departureRow struct {
	*kinbridge.DepartureRequest
	CrossingName string
	PersonName   string // a person's request: whose
}

// departureListPage is GET /departures.
type departureListPage struct {
	Policy    *kinbridge.DeparturePolicy
	Rows      []departureRow
	Total     int
	Offset    int
	Next      string // the next page's URL, "" if none
	Prev      string
	Statuses  []option
	Crossings []option
	CanRecord bool
}

const departureListPageSize = 50

// departureStatusOptions are the statuses as choices.
func (v *view) departureStatusOptions() []option {
	var out []option
	for _, s := range kinbridge.DepartureStatuses {
		if s == kinbridge.DepartureMissed {
			continue // never stored
		}
		out = append(out, option{Value: string(s), Label: v.DepartureStatus(s)})
	}
	return out
}

// crossingNames maps the crossings' ids to their names, and gives them as
// choices.
func (s *Server) crossingNames(r *http.Request) (map[int64]string, []option, error) {
	cs, err := s.svc.FindCrossings(r.Context())
	if err != nil {
		return nil, nil, err
	}
	names := map[int64]string{}
	var opts []option
	for _, c := range cs {
		names[c.ID] = c.Name
		opts = append(opts, option{Value: strconv.FormatInt(c.ID, 10), Label: c.Name})
	}
	return names, opts, nil
}

// departureRows makes the rows of requests.
func departureRows(rs []*kinbridge.DepartureRequest, crossings map[int64]string) []departureRow {
	rows := make([]departureRow, len(rs))
	for i, r := range rs {
		rows[i] = departureRow{DepartureRequest: r, CrossingName: crossings[r.CrossingID]}
		if r.PersonID != 0 {
			for _, m := range r.Members {
				if m.PersonID == r.PersonID {
					rows[i].PersonName = m.Name
				}
			}
		}
	}
	return rows
}

// listFilter reads the list's filters from the query: status, crossing_id,
// day, household_id, offset.
func listFilter(q url.Values) kinbridge.DepartureFilter {
	var f kinbridge.DepartureFilter
	if st := kinbridge.DepartureStatus(q.Get("status")); st.Valid() {
		f.Statuses = []kinbridge.DepartureStatus{st}
	}
	f.CrossingID, _ = strconv.ParseInt(q.Get("crossing_id"), 10, 64)
	f.HouseholdID, _ = strconv.ParseInt(q.Get("household_id"), 10, 64)
	if d := strings.TrimSpace(q.Get("day")); d != "" {
		if _, err := parseDay(d, "day"); err == nil {
			f.Day = d
		}
	}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	f.Offset = max(f.Offset, 0)
	return f
}

// showDepartures is GET /departures: the list in rank order as the
// caller's scope shows it, with the filters and a link to put someone on
// it.
func (s *Server) showDepartures(w http.ResponseWriter, r *http.Request) {
	f := listFilter(r.URL.Query())
	f.Limit = departureListPageSize
	list, err := s.svc.FindDepartureList(r.Context(), f)
	var crossings map[int64]string
	var copts []option
	if err == nil {
		crossings, copts, err = s.crossingNames(r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "departure.list_title")
	page := departureListPage{Policy: list.Policy, Rows: departureRows(list.Requests, crossings), Total: list.Total, Offset: f.Offset,
		Statuses: v.departureStatusOptions(), Crossings: copts, CanRecord: v.Can(string(kinbridge.ActionDepartureRecord))}
	q := r.URL.Query()
	if f.Offset+departureListPageSize < list.Total {
		q.Set("offset", strconv.Itoa(f.Offset+departureListPageSize))
		page.Next = "/departures?" + q.Encode()
	}
	if f.Offset > 0 {
		q.Set("offset", strconv.Itoa(max(f.Offset-departureListPageSize, 0)))
		page.Prev = "/departures?" + q.Encode()
	}
	v.Data = page
	v.Notice = s.notice(r, v)
	s.render(w, r, http.StatusOK, "departures", v)
}

// departureNewPage is the form that puts a person or a household on the
// list: the household's residents, each with the facts the registry lacks.
type departureNewPage struct {
	Household *kinbridge.Household
	Members   []*kinbridge.Person
	Parties   []option
	Docs      []option
	Admin     bool
}

// Fields of the request form; the facts are fact.<person id>.
var departureNewFields = []string{"household_id", "person_id", "destination", "travel_docs", "notes", "registered_at"}

// showDepartureNew is GET /departures/new?household_id=: without a
// household, a form that asks for its number; with one, the request form.
func (s *Server) showDepartureNew(w http.ResponseWriter, r *http.Request) {
	s.renderDepartureNew(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderDepartureNew(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	if err := offer(r, kinbridge.ActionDepartureRecord); err != nil && form == nil {
		// A post refused is answered in its form, whoever sent it.
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "departure.new_title")
	page := departureNewPage{Admin: v.Actor.Role == kinbridge.RoleAdministrator}
	for _, d := range kinbridge.TravelDocsStates {
		page.Docs = append(page.Docs, option{Value: d, Label: v.TravelDocs(d)})
	}
	hid := r.URL.Query().Get("household_id")
	if form != nil {
		hid = form.Get("household_id")
	}
	if n, _ := strconv.ParseInt(strings.TrimSpace(hid), 10, 64); n > 0 {
		rec, err := s.svc.FindHouseholdByID(r.Context(), n)
		if err != nil && kinbridge.ErrorCode(err) != kinbridge.ENOTFOUND {
			s.htmlError(w, r, err)
			return
		}
		if err == nil {
			v.Loc = rec.Unit.Location()
			page.Household = rec.Household
			page.Parties = []option{{Value: "", Label: v.T("departure.whole_household")}}
			for _, m := range rec.Members {
				if m.Kind == kinbridge.PersonResident && m.Status == kinbridge.StatusPresent {
					page.Members = append(page.Members, m)
					page.Parties = append(page.Parties, option{Value: strconv.FormatInt(m.ID, 10), Label: m.Names.Display()})
				}
			}
		} else if formErr == nil {
			formErr = kinbridge.FieldError("household_id", "error.departure.household", "No household of yours has this number.")
		}
	}
	v.Data = page
	if page.Household != nil {
		v.form.Set("household_id", strconv.FormatInt(page.Household.ID, 10))
	} else {
		v.form.Set("household_id", hid)
	}
	for k, vals := range form {
		v.form[k] = vals
	}
	if formErr != nil {
		s.formError(r, v, formErr, departureNewFields...)
		if status == http.StatusOK {
			status = statusOf(formErr)
		}
	}
	s.render(w, r, status, "departure_new", v)
}

// Fact reports whether the form has the fact ticked for the person.
func (v *view) Fact(personID int64, fact string) bool {
	for _, f := range v.form["fact."+strconv.FormatInt(personID, 10)] {
		if f == fact {
			return true
		}
	}
	return false
}

// departureFacts are the facts the request form records per member.
var departureFacts = []string{departure.FactIllness, departure.FactDisability, departure.FactChildSeparated}

// DepartureFacts lists them, for the template.
func (v *view) DepartureFacts() []string { return departureFacts }

// formMembers reads the facts of the form: fact.<person id> = illness,
// disability, child_separated.
func formMembers(form url.Values) []kinbridge.DepartureMember {
	var out []kinbridge.DepartureMember
	for k, vals := range form {
		ids, ok := strings.CutPrefix(k, "fact.")
		if !ok {
			continue
		}
		id, err := strconv.ParseInt(ids, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		m := kinbridge.DepartureMember{PersonID: id}
		for _, f := range vals {
			switch f {
			case departure.FactIllness:
				m.Illness = true
			case departure.FactDisability:
				m.Disability = true
			case departure.FactChildSeparated:
				m.ChildSeparated = true
			}
		}
		out = append(out, m)
	}
	return out
}

// householdFieldError turns "not found" of a household or person named
// in a form or body into an error at its field, like any other input.
func householdFieldError(err error, personID int64) error {
	if kinbridge.ErrorCode(err) == kinbridge.ENOTFOUND && kinbridge.ErrorField(err) == "" {
		if personID != 0 {
			return kinbridge.FieldError("person_id", "error.departure.person_unknown", "No resident of yours has this number.")
		}
		return kinbridge.FieldError("household_id", "error.departure.household", "No household of yours has this number.")
	}
	return err
}

// departureMemberField maps "members[2].person_id" to the party field.
func departureMemberField(err error) error {
	var ke *kinbridge.Error
	if errors.As(err, &ke) && strings.HasPrefix(ke.Field, "members[") {
		e := *ke
		e.Field = "person_id"
		return &e
	}
	return err
}

// createDeparture is POST /departures: the request, then its page.
func (s *Server) createDeparture(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	req := &kinbridge.DepartureRequest{Destination: r.PostForm.Get("destination"), TravelDocs: r.PostForm.Get("travel_docs"),
		Notes: r.PostForm.Get("notes"), Members: formMembers(r.PostForm)}
	req.HouseholdID = formInt(r, "household_id")
	req.PersonID = formInt(r, "person_id")
	if req.PersonID != 0 {
		req.HouseholdID = 0
	}
	var err error
	if at := strings.TrimSpace(r.PostForm.Get("registered_at")); at != "" {
		t, perr := parseDay(at, "registered_at")
		if perr != nil {
			err = perr
		}
		req.RegisteredAt = t
	}
	if err == nil {
		err = s.svc.CreateDepartureRequest(r.Context(), req)
	}
	if err != nil {
		err = departureMemberField(householdFieldError(err, req.PersonID))
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderDepartureNew(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, departureURL(req.ID)+"?done=departure_created")
}

// departurePage is GET /departures/{id}.
type departurePage struct {
	R            *kinbridge.DepartureRequest
	CrossingName string
	Codes        []*kinbridge.ResidentCode
	CanRecord    bool
	// Slip is set right after a code was made: shown once, to print.
	Slip *residentSlip
}

// residentSlip is the printable slip of a new resident code.
type residentSlip struct {
	Code string
	URL  string
}

var departureActionFields = []string{"reason"}

// showDeparture is GET /departures/{id}.
func (s *Server) showDeparture(w http.ResponseWriter, r *http.Request) {
	s.renderDeparture(w, r, http.StatusOK, nil, nil, nil)
}

func (s *Server) renderDeparture(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error, slip *residentSlip) {
	id, err := pathID(r)
	var req *kinbridge.DepartureRequest
	if err == nil {
		req, err = s.svc.FindDepartureRequest(r.Context(), id)
	}
	var codes []*kinbridge.ResidentCode
	if err == nil {
		codes, err = s.svc.FindResidentCodes(r.Context(), id)
	}
	var loc *time.Location
	if err == nil {
		loc, err = s.actorLocation(r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Loc = loc
	v.Title = v.No("departure.number", req.ID)
	v.Path = departureURL(req.ID)
	page := departurePage{R: req, Codes: codes, CanRecord: v.Can(string(kinbridge.ActionDepartureRecord)), Slip: slip}
	if req.CrossingID != 0 {
		if c, err := s.svc.FindCrossing(r.Context(), req.CrossingID); err == nil {
			page.CrossingName = c.Name
		}
	}
	v.Data = page
	for k, vals := range form {
		v.form[k] = vals
	}
	if formErr != nil {
		s.formError(r, v, formErr, departureActionFields...)
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "departure", v)
}

// departureAction runs one change of a request from its page.
func (s *Server) departureAction(w http.ResponseWriter, r *http.Request, done string, act func(id int64, version int) error) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		version, _ := strconv.Atoi(r.PostForm.Get("version"))
		err = act(id, version)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderDeparture(w, r, statusOf(err), r.PostForm, err, nil)
		return
	}
	redirect(w, r, departureURL(id)+"?done="+done)
}

// withdrawDeparture is POST /departures/{id}/withdraw: {version, reason}.
func (s *Server) withdrawDeparture(w http.ResponseWriter, r *http.Request) {
	s.departureAction(w, r, "departure_withdrawn", func(id int64, version int) error {
		_, err := s.svc.WithdrawDepartureRequest(r.Context(), id, version, r.PostForm.Get("reason"))
		return err
	})
}

// markDeparted is POST /departures/{id}/departed: {version}.
func (s *Server) markDeparted(w http.ResponseWriter, r *http.Request) {
	s.departureAction(w, r, "departure_departed", func(id int64, version int) error {
		_, err := s.svc.MarkDeparted(r.Context(), id, version)
		return err
	})
}

// markMissed is POST /departures/{id}/missed: {version}.
func (s *Server) markMissed(w http.ResponseWriter, r *http.Request) {
	s.departureAction(w, r, "departure_missed", func(id int64, version int) error {
		_, err := s.svc.MarkMissed(r.Context(), id, version)
		return err
	})
}

// residentURL is the resident page, on the host the request came to.
func (s *Server) residentURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || s.opts.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/resident"
}

// createResidentCode is POST /departures/{id}/codes: a new code, shown
// once on a printable slip (not a redirect: the secret must not sit in a
// URL of the history).
func (s *Server) createResidentCode(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	var code string
	if err == nil {
		code, _, err = s.svc.CreateResidentCode(r.Context(), id)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.renderDeparture(w, r, http.StatusCreated, nil, nil, &residentSlip{Code: code, URL: s.residentURL(r)})
}

// revokeResidentCode is POST /departures/codes/{id}/revoke: {request_id}
// names the page to go back to.
func (s *Server) revokeResidentCode(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		err = s.svc.RevokeResidentCode(r.Context(), id)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if rid := formInt(r, "request_id"); rid > 0 {
		redirect(w, r, departureURL(rid)+"?done=resident_code_revoked")
		return
	}
	redirect(w, r, "/departures?done=resident_code_revoked")
}

// CodeActive reports whether a resident code still works.
func (v *view) CodeActive(c *kinbridge.ResidentCode) bool { return c.Revoked.IsZero() }

// QueryValue is a value of the page's query, for a filter's input.
func (v *view) QueryValue(name string) string { return v.query.Get(name) }

// WhyText says why a request has no expected day, in the language.
func (v *view) WhyText(code, text string) string {
	return v.UnallocatedReason(departure.Why{Code: code, Text: text})
}

// departureItem is a step of a departure request on a household's
// timeline.
type departureItem struct {
	Request      *kinbridge.DepartureRequest
	Step         string // "created", "allocated", "departed", "withdrawn"
	CrossingName string
}

// departureTimeline turns the household's departure requests (whole, or
// of one of its persons) into timeline items: each put on the list, given
// a day, departed or withdrawn.
func (s *Server) departureTimeline(r *http.Request, v *view, householdID int64) ([]timelineItem, error) {
	rs, _, err := s.svc.FindDepartureRequests(r.Context(), kinbridge.DepartureFilter{HouseholdID: householdID, Limit: 100})
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	crossings, _, err := s.crossingNames(r)
	if err != nil {
		return nil, err
	}
	var items []timelineItem
	add := func(req *kinbridge.DepartureRequest, step string, at time.Time) {
		items = append(items, timelineItem{Type: "departure", Date: v.LocalDay(at), At: at,
			Departure: &departureItem{Request: req, Step: step, CrossingName: crossings[req.CrossingID]}})
	}
	for _, req := range rs {
		add(req, "created", req.Created)
		if req.Day != "" && !req.AllocatedAt.IsZero() {
			add(req, "allocated", req.AllocatedAt)
		}
		switch req.Status {
		case kinbridge.DepartureDeparted:
			add(req, "departed", req.DepartedAt)
		case kinbridge.DepartureWithdrawn:
			add(req, "withdrawn", req.Updated)
		}
	}
	return items, nil
}
