package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/departure"
)

// The crossings' pages: the crossings, the control of one (open or
// closed, daily capacity, single days), allocation and its result, the
// forecast with a "what if" capacity and its chart, and the printable day
// sheets.

func crossingURL(id int64) string { return "/departures/crossings/" + strconv.FormatInt(id, 10) }

func crossingDayURL(id int64, day string) string { return crossingURL(id) + "/days/" + day }

// crossingsPage is GET /departures/crossings.
type crossingsPage struct {
	Crossings []*kinbridge.Crossing
	Today     string
	CanManage bool
}

var crossingFields = []string{"name", "open", "daily_capacity"}

// showCrossings is GET /departures/crossings.
func (s *Server) showCrossings(w http.ResponseWriter, r *http.Request) {
	s.renderCrossings(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderCrossings(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	cs, err := s.svc.FindCrossings(r.Context())
	var loc *time.Location
	if err == nil {
		loc, err = s.actorLocation(r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "departure.crossings_title")
	v.Path = "/departures/crossings"
	v.Loc = loc
	v.Data = crossingsPage{Crossings: cs, Today: kinbridge.LocalDay(s.now(), loc), CanManage: v.Can(string(kinbridge.ActionDepartureAllocate))}
	for k, vals := range form {
		v.form[k] = vals
	}
	if formErr != nil {
		s.formError(r, v, formErr, crossingFields...)
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "departure_crossings", v)
}

// formCrossing reads the crossing form: name, open (a checkbox),
// daily_capacity.
func formCrossing(r *http.Request) (*kinbridge.Crossing, error) {
	c := &kinbridge.Crossing{Name: r.PostForm.Get("name"), Open: r.PostForm.Get("open") != ""}
	n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("daily_capacity")))
	if err != nil {
		return c, kinbridge.FieldError("daily_capacity", "error.crossing.capacity", "A capacity is 0 to 100000 persons a day.")
	}
	c.DailyCapacity = n
	return c, nil
}

// createCrossing is POST /departures/crossings.
func (s *Server) createCrossing(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	c, err := formCrossing(r)
	if err == nil {
		err = s.svc.CreateCrossing(r.Context(), c)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderCrossings(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, crossingURL(c.ID)+"?done=crossing_created")
}

// crossingPage is GET /departures/crossings/{id}: the control, the
// forecast and the days to come.
type crossingPage struct {
	C         *kinbridge.Crossing
	Overrides []dayCapacity
	Days      []dayCapacity // the next days, with their sheets
	Forecast  *kinbridge.DepartureForecast
	WhatIf    int
	Chart     drainChart
	Expected  []expectedRow
	CanManage bool
	Tomorrow  string
}

type dayCapacity struct {
	Day      string
	Capacity int
}

// expectedRow is a request's expected day under the forecast.
type expectedRow struct {
	departure.Expected
	Current string // the day under current capacities, when a what-if is shown
}

// Fields of the crossing page's forms.
var crossingPageFields = []string{"name", "open", "daily_capacity", "day", "capacity", "from", "days", "what_if"}

// crossingExpectedShown bounds the forecast's table on the page.
const crossingExpectedShown = 200

// showCrossing is GET /departures/crossings/{id}?what_if=.
func (s *Server) showCrossing(w http.ResponseWriter, r *http.Request) {
	s.renderCrossing(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderCrossing(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	id, err := pathID(r)
	var c *kinbridge.Crossing
	if err == nil {
		c, err = s.svc.FindCrossing(r.Context(), id)
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
	v.Title = v.T("departure.crossing_title", c.Name)
	v.Path = crossingURL(c.ID)
	today := kinbridge.LocalDay(s.now(), loc)
	page := crossingPage{C: c, CanManage: v.Can(string(kinbridge.ActionDepartureAllocate)), Tomorrow: addDays(today, 1)}
	for d, n := range c.Overrides {
		if d >= today {
			page.Overrides = append(page.Overrides, dayCapacity{d, n})
		}
	}
	slices.SortFunc(page.Overrides, func(a, b dayCapacity) int { return strings.Compare(a.Day, b.Day) })
	for i := range 14 {
		d := addDays(today, i)
		page.Days = append(page.Days, dayCapacity{d, c.CapacityOn(d)})
	}
	// The forecast, and the what-if beside it.
	whatIf := 0
	if s := strings.TrimSpace(r.URL.Query().Get("what_if")); s != "" {
		n, perr := strconv.Atoi(s)
		if perr != nil || n < 0 {
			formErr = kinbridge.FieldError("what_if", "error.crossing.capacity", "A capacity is 0 to 100000 persons a day.")
			status = http.StatusUnprocessableEntity
		} else {
			whatIf = n
		}
	}
	cur, err := s.svc.Forecast(r.Context(), id, 0)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	page.Forecast = cur
	series := []drainSeries{{Label: v.T("departure.chart_current"), Points: cur.Series, Class: "current"}}
	if whatIf > 0 {
		wi, err := s.svc.Forecast(r.Context(), id, whatIf)
		if err != nil {
			formErr, status = err, statusOf(err)
		} else {
			page.WhatIf = whatIf
			curDay := map[int64]string{}
			for _, e := range cur.Expected {
				curDay[e.RequestID] = e.Date
			}
			for _, e := range wi.Expected {
				page.Expected = append(page.Expected, expectedRow{Expected: e, Current: curDay[e.RequestID]})
			}
			series = append(series, drainSeries{Label: v.T("departure.chart_what_if", whatIf), Points: wi.Series, Class: "what-if"})
		}
	}
	if page.Expected == nil {
		for _, e := range cur.Expected {
			page.Expected = append(page.Expected, expectedRow{Expected: e})
		}
	}
	if len(page.Expected) > crossingExpectedShown {
		page.Expected = page.Expected[:crossingExpectedShown]
	}
	page.Chart = newDrainChart(v, series)
	v.Data = page
	if form == nil {
		v.form.Set("name", c.Name)
		if c.Open {
			v.form.Set("open", "1")
		}
		v.form.Set("daily_capacity", strconv.Itoa(c.DailyCapacity))
		v.form.Set("from", page.Tomorrow)
		v.form.Set("days", "14")
		v.form.Set("day", page.Tomorrow)
		if whatIf > 0 {
			v.form.Set("what_if", strconv.Itoa(whatIf))
		}
	}
	for k, vals := range form {
		v.form[k] = vals
	}
	if formErr != nil {
		s.formError(r, v, formErr, crossingPageFields...)
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "departure_crossing", v)
}

// crossingAction runs one change from the crossing page; a refusal shows
// the page again with the error at its field.
func (s *Server) crossingAction(w http.ResponseWriter, r *http.Request, done string, act func(id int64) error) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		err = act(id)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderCrossing(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, crossingURL(id)+"?done="+done)
}

// updateCrossing is POST /departures/crossings/{id}: name, open, daily
// capacity.
func (s *Server) updateCrossing(w http.ResponseWriter, r *http.Request) {
	s.crossingAction(w, r, "crossing_saved", func(id int64) error {
		c, err := formCrossing(r)
		if err != nil {
			return err
		}
		c.ID = id
		return s.svc.UpdateCrossing(r.Context(), c)
	})
}

// setCrossingDay is POST /departures/crossings/{id}/days: {day, capacity};
// an empty capacity gives the day back its daily capacity.
func (s *Server) setCrossingDay(w http.ResponseWriter, r *http.Request) {
	s.crossingAction(w, r, "crossing_day_saved", func(id int64) error {
		day := strings.TrimSpace(r.PostForm.Get("day"))
		if _, err := parseDay(day, "day"); err != nil {
			return kinbridge.FieldError("day", "error.departure.day", "A day is written YYYY-MM-DD.")
		}
		capacity := -1
		if s := strings.TrimSpace(r.PostForm.Get("capacity")); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return kinbridge.FieldError("capacity", "error.crossing.capacity", "A capacity is 0 to 100000 persons a day.")
			}
			capacity = n
		}
		return s.svc.SetCrossingDayCapacity(r.Context(), id, day, capacity)
	})
}

// allocationPage is the result of an allocation.
type allocationPage struct {
	C          *kinbridge.Crossing
	A          *kinbridge.CrossingAllocation
	Days       []allocationDay
	Overtakes  []departure.Assignment
	Unassigned []unassignedRow
}

type allocationDay struct {
	Day       string
	Capacity  int
	Used      int
	New       int // requests given this day now
	Kept      int
	LeftEmpty int
	Over      int
}

type unassignedRow struct {
	RequestID int64
	Why       departure.Why
}

// allocateCrossing is POST /departures/crossings/{id}/allocate: {from,
// days}; the answer is the allocation: the rule that applied, the days
// with what they hold, overtakings, days over capacity and who got no
// day.
func (s *Server) allocateCrossing(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	from := strings.TrimSpace(r.PostForm.Get("from"))
	days, derr := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("days")))
	var res *kinbridge.CrossingAllocation
	if derr != nil {
		err = kinbridge.FieldError("days", "error.departure.days", "Allocate 1 to 90 days at a time.")
	} else {
		res, err = s.svc.AllocateCrossing(r.Context(), id, from, days)
	}
	var c *kinbridge.Crossing
	if err == nil {
		c, err = s.svc.FindCrossing(r.Context(), id)
	}
	if err != nil {
		if !showFormAgain(err) || kinbridge.ErrorCode(err) == kinbridge.EFORBIDDEN {
			s.htmlError(w, r, err)
			return
		}
		if kinbridge.ErrorField(err) == "crossing_id" {
			e := *err.(*kinbridge.Error)
			e.Field = ""
			err = &e
		}
		s.renderCrossing(w, r, statusOf(err), r.PostForm, err)
		return
	}
	v := s.newView(r, "")
	v.Title = v.T("departure.allocation_title", c.Name)
	v.Path = crossingURL(id)
	v.Data = newAllocationPage(c, res)
	s.render(w, r, http.StatusOK, "departure_allocation", v)
}

func newAllocationPage(c *kinbridge.Crossing, res *kinbridge.CrossingAllocation) allocationPage {
	page := allocationPage{C: c, A: res}
	byDay := map[string]*allocationDay{}
	for i := range res.Days {
		d := addDays(res.FromDay, i)
		page.Days = append(page.Days, allocationDay{Day: d, Capacity: c.CapacityOn(d), Used: res.Used[d], LeftEmpty: res.LeftEmpty[d], Over: res.Over[d]})
	}
	for i := range page.Days {
		byDay[page.Days[i].Day] = &page.Days[i]
	}
	for _, as := range res.Assignments {
		if d := byDay[as.Date]; d != nil {
			if as.Kept {
				d.Kept++
			} else {
				d.New++
			}
		}
		if len(as.Overtook) > 0 {
			page.Overtakes = append(page.Overtakes, as)
		}
	}
	for _, id := range res.Unallocated {
		page.Unassigned = append(page.Unassigned, unassignedRow{RequestID: id, Why: res.Reasons[id]})
	}
	return page
}

// daySheetPage is GET /departures/crossings/{id}/days/{day}: the printable
// list of the day.
type daySheetPage struct {
	S    *kinbridge.DepartureDaySheet
	Prev string
	Next string
}

// showCrossingDay is GET /departures/crossings/{id}/days/{day}.
func (s *Server) showCrossingDay(w http.ResponseWriter, r *http.Request) {
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
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Title = v.T("departure.day_sheet_title", sheet.Crossing.Name, v.Day(day))
	v.Data = daySheetPage{S: sheet, Prev: addDays(day, -1), Next: addDays(day, 1)}
	s.render(w, r, http.StatusOK, "departure_day", v)
}

// drainChart is the forecast's chart: persons still waiting after each
// day, one line per series (current capacities, the what-if), drawn as SVG
// on the server like the dashboard's.
type drainChart struct {
	Width, Height int
	Left, Bottom  int
	Lines         []drainLine
	XLabels       []chartLabel
	YLabels       []chartLabel
	Empty         bool
}

type drainLine struct {
	Label   string
	Class   string
	Points  string // the polyline's points
	LegendY int
}

type chartLabel struct {
	X, Y int
	Text string
}

type drainSeries struct {
	Label  string
	Class  string
	Points []departure.Drain
}

// Drain chart geometry.
const (
	drainWidth  = 640
	drainHeight = 240
	drainLeft   = 56
	drainBottom = 28
	drainTop    = 12
	drainRight  = 160 // the legend
)

// newDrainChart draws the series up to the day the last of them empties
// the queue (and a few days more), or the whole horizon.
func newDrainChart(v *view, series []drainSeries) drainChart {
	c := drainChart{Width: drainWidth, Height: drainHeight, Left: drainLeft, Bottom: drainHeight - drainBottom}
	maxY, days := 0, 0
	for _, s := range series {
		last := len(s.Points)
		for i, p := range s.Points {
			maxY = max(maxY, p.Persons)
			if p.Persons == 0 {
				last = i + 1
				break
			}
		}
		days = max(days, min(last+3, len(s.Points)))
	}
	if maxY == 0 || days == 0 {
		c.Empty = true
		return c
	}
	plotW := float64(drainWidth - drainLeft - drainRight)
	plotH := float64(drainHeight - drainTop - drainBottom)
	x := func(i int) int { return drainLeft + int(plotW*float64(i)/float64(max(days-1, 1))) }
	y := func(n int) int { return drainTop + int(plotH*(1-float64(n)/float64(maxY))) }
	for k, s := range series {
		var b strings.Builder
		for i, p := range s.Points[:min(days, len(s.Points))] {
			fmt.Fprintf(&b, "%d,%d ", x(i), y(p.Persons))
		}
		c.Lines = append(c.Lines, drainLine{Label: s.Label, Class: s.Class, Points: strings.TrimSpace(b.String()), LegendY: drainTop + 10 + k*20})
	}
	first := series[0].Points
	for _, i := range []int{0, (days - 1) / 2, days - 1} {
		if i < len(first) {
			c.XLabels = append(c.XLabels, chartLabel{X: x(i), Y: drainHeight - 8, Text: v.Day(first[i].Date)})
		}
	}
	for _, n := range []int{0, maxY / 2, maxY} {
		c.YLabels = append(c.YLabels, chartLabel{X: drainLeft - 6, Y: y(n) + 4, Text: v.Num(n)})
	}
	return c
}

// LegendX is where the legend starts.
func (c drainChart) LegendX() int { return c.Width - drainRight + 12 }
