package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// officeDayPage is an office's printable day sheet: its rooms by the
// day's slots, the home calls, and the officers' duties.
type officeDayPage struct {
	Unit      *kinbridge.Unit
	UnitName  string
	Day       string
	Prev      string
	Next      string
	Week      string // the Monday of the day's week
	Rooms     []*kinbridge.CallRoom
	Rows      []gridRow
	HomeCalls []callRow
	Duties    []dutyRow
	SetUp     bool // the office holds calls
}

// gridRow is one slot of the day sheet: a cell per room.
type gridRow struct {
	At    time.Time
	Cells []*callRow // nil: the room is free
}

// dutyRow is an officer's duty of the day.
type dutyRow struct {
	OfficerID   int64
	OfficerName string
	Kind        kinbridge.DutyKind
	Start, End  time.Time
}

// Fields of the office-wide cancellation form.
var officeCancelFields = []string{"from", "to", "reason"}

// showOfficeDay is GET /calls/office/{id}/{day}.
func (s *Server) showOfficeDay(w http.ResponseWriter, r *http.Request) {
	s.renderOfficeDay(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderOfficeDay(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	id, err := pathID(r)
	var day string
	if err == nil {
		if day = r.PathValue("day"); day == "" && form != nil {
			day = form.Get("day")
		}
		if _, perr := time.Parse(time.DateOnly, day); perr != nil {
			err = &kinbridge.Error{Code: kinbridge.ENOTFOUND, Message: "Not found.", Key: "error.not_found"}
		}
	}
	var od *kinbridge.OfficeDay
	if err == nil {
		od, err = s.svc.OfficeDay(r.Context(), id, day)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Loc = od.Unit.Location()
	v.Title = v.T("calls.office_day_title", od.Unit.Names.In(v.lang), v.Day(day))
	v.Path = officeDayURL(id, day)
	page := officeDayPage{Unit: od.Unit, UnitName: od.Unit.Names.In(v.lang), Day: day, Prev: addDays(day, -1), Next: addDays(day, 1),
		Week: mondayOf(day), SetUp: od.Office != nil}
	rooms := roomNames(od.Office)
	rows := callRows(od.Calls, od.Officers, od.Households, rooms, s.now())
	if od.Office != nil {
		for _, rm := range od.Office.Rooms {
			if rm.Active {
				page.Rooms = append(page.Rooms, rm)
			}
		}
	}
	for _, at := range od.Slots {
		gr := gridRow{At: at, Cells: make([]*callRow, len(page.Rooms))}
		for i, rm := range page.Rooms {
			for j := range rows {
				c := &rows[j]
				if c.RoomID == rm.ID && !at.Before(c.Start) && at.Before(c.End) {
					gr.Cells[i] = c
				}
			}
		}
		page.Rows = append(page.Rows, gr)
	}
	for _, c := range rows {
		if c.Place == kinbridge.CallAtHome {
			page.HomeCalls = append(page.HomeCalls, c)
		}
	}
	for _, d := range od.Duties {
		page.Duties = append(page.Duties, dutyRow{OfficerID: d.OfficerID, OfficerName: userName(od.Officers, d.OfficerID), Kind: d.Kind, Start: d.Start, End: d.End})
	}
	v.Data = page
	if od.Office != nil {
		v.form.Set("from", od.Office.MorningStart.String())
		v.form.Set("to", od.Office.AfternoonEnd.String())
	}
	for k, vals := range form {
		v.form[k] = vals
	}
	if formErr != nil {
		s.formError(r, v, formErr, officeCancelFields...)
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "calls_office_day", v)
}

// officeCancelPage is the result of an office-wide cancellation: the calls
// cancelled, each with a link to rebook it on its household's page.
type officeCancelPage struct {
	UnitName string
	Day      string
	Reason   string
	Calls    []callRow
}

// cancelOfficeCalls is POST /calls/office/{id}/cancel: every booked call of
// the office on the day between from and to, for a reason (a power cut, an
// officer ill). The answer lists the calls cancelled, to rebook.
func (s *Server) cancelOfficeCalls(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	var unit *kinbridge.Unit
	if err == nil {
		unit, err = s.svc.FindUnitByID(r.Context(), id)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	loc := unit.Location()
	day := strings.TrimSpace(r.PostForm.Get("day"))
	from, to, err := dayTimes(day, r.PostForm.Get("from"), r.PostForm.Get("to"), loc)
	var res *kinbridge.OfficeCancellation
	if err == nil {
		res, err = s.svc.CancelOfficeCalls(r.Context(), id, from, to, r.PostForm.Get("reason"))
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		r.SetPathValue("day", day)
		s.renderOfficeDay(w, r, statusOf(err), r.PostForm, err)
		return
	}
	v := s.newView(r, "calls.cancelled_title")
	v.Loc = loc
	v.Path = officeDayURL(id, day)
	v.Data = officeCancelPage{UnitName: unit.Names.In(v.lang), Day: day, Reason: res.Reason, Calls: callRows(res.Calls, nil, nil, nil, s.now())}
	s.render(w, r, http.StatusOK, "calls_office_cancelled", v)
}

// dayTimes reads the from and to times of day ("HH:MM") of a local date.
func dayTimes(day, from, to string, loc *time.Location) (time.Time, time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		return time.Time{}, time.Time{}, kinbridge.FieldError("from", "error.calls.day", "Give a date as YYYY-MM-DD.")
	}
	f, err := kinbridge.ParseDayTime(strings.TrimSpace(from))
	if err != nil {
		return time.Time{}, time.Time{}, kinbridge.FieldError("from", "error.calls.time", "Give a time of day as HH:MM.")
	}
	t, err := kinbridge.ParseDayTime(strings.TrimSpace(to))
	if err != nil {
		return time.Time{}, time.Time{}, kinbridge.FieldError("to", "error.calls.time", "Give a time of day as HH:MM.")
	}
	at := func(m kinbridge.DayTime) time.Time {
		y, mo, dd := d.Date()
		return time.Date(y, mo, dd, int(m)/60, int(m)%60, 0, 0, loc)
	}
	return at(f), at(t), nil
}
