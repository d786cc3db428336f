package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// rosterPage is an office's call set-up: hours and rooms, the weekly duty
// template of its officers with their areas, and leave and holidays.
type rosterPage struct {
	Unit       *kinbridge.Unit
	UnitName   string
	SetUp      bool
	Rooms      []*kinbridge.CallRoom
	Officers   []rosterOfficer
	Weekdays   []int
	Halves     []kinbridge.Half
	Kinds      []option
	Exceptions []exceptionRow
	OfficerOps []option // the exception form's officers, "whole office" first
	HalfOpts   []option
	Today      string
}

// rosterOfficer is an officer's row of the template grid.
type rosterOfficer struct {
	ID    int64
	Name  string
	Area  string
	Cells []rosterCell
}

// rosterCell is one half-day of the grid: its input's name and duty.
type rosterCell struct {
	Name    string
	Weekday int
	Half    kinbridge.Half
	Kind    kinbridge.DutyKind
}

type exceptionRow struct {
	*kinbridge.RosterException
	OfficerName string
}

// Fields of the roster page's forms, for showing an error at its field.
var rosterFields = []string{"morning_start", "morning_end", "afternoon_start", "afternoon_end", "rooms", "new_room",
	"entries", "areas", "officer_id", "day", "half", "kind", "reason"}

// dutyField names the grid input of an officer's half-day.
func dutyField(officer int64, weekday int, half kinbridge.Half) string {
	return fmt.Sprintf("duty.%d.%d.%d", officer, weekday, half)
}

// showRoster is GET /calls/roster/{id}: the office's editors, for the
// roles that may change them.
func (s *Server) showRoster(w http.ResponseWriter, r *http.Request) {
	s.renderRoster(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderRoster(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	id, err := pathID(r)
	var ro *kinbridge.Roster
	if err == nil {
		ro, err = s.svc.FindRoster(r.Context(), id)
	}
	if err == nil && formErr == nil {
		err = offer(r, kinbridge.ActionCallConfigure)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Loc = ro.Unit.Location()
	v.Title = v.T("calls.roster_title", ro.Unit.Names.In(v.lang))
	v.Path = rosterURL(id)
	page := rosterPage{Unit: ro.Unit, UnitName: ro.Unit.Names.In(v.lang), SetUp: ro.Office != nil,
		Weekdays: []int{1, 2, 3, 4, 5, 6, 7}, Halves: []kinbridge.Half{kinbridge.Morning, kinbridge.Afternoon},
		Today: s.now().In(v.Loc).Format("2006-01-02")}
	for _, k := range []kinbridge.DutyKind{kinbridge.DutyOff, kinbridge.DutyOffice, kinbridge.DutyHome} {
		page.Kinds = append(page.Kinds, option{Value: string(k), Label: v.DutyKind(k)})
	}
	page.HalfOpts = []option{{Value: "0", Label: v.Half(kinbridge.Morning)}, {Value: "1", Label: v.Half(kinbridge.Afternoon)}}
	office := ro.Office
	if office == nil {
		office = &kinbridge.CallOffice{MorningStart: 9 * 60, MorningEnd: 12 * 60, AfternoonStart: 13 * 60, AfternoonEnd: 17 * 60}
	}
	page.Rooms = office.Rooms
	v.form.Set("morning_start", office.MorningStart.String())
	v.form.Set("morning_end", office.MorningEnd.String())
	v.form.Set("afternoon_start", office.AfternoonStart.String())
	v.form.Set("afternoon_end", office.AfternoonEnd.String())

	duty := map[string]kinbridge.DutyKind{}
	for _, e := range ro.Entries {
		duty[dutyField(e.OfficerID, e.Weekday, e.Half)] = e.Kind
	}
	names := map[int64]string{}
	page.OfficerOps = []option{{Value: "", Label: v.T("calls.whole_office")}}
	for _, u := range ro.Officers {
		names[u.ID] = userLabel(u)
		o := rosterOfficer{ID: u.ID, Name: userLabel(u), Area: ro.Areas[u.ID]}
		for _, wd := range page.Weekdays {
			for _, h := range page.Halves {
				name := dutyField(u.ID, wd, h)
				k := duty[name]
				if k == "" {
					k = kinbridge.DutyOff
				}
				if form != nil && form.Get(name) != "" {
					k = kinbridge.DutyKind(form.Get(name))
				}
				o.Cells = append(o.Cells, rosterCell{Name: name, Weekday: wd, Half: h, Kind: k})
			}
		}
		if form != nil && form.Has("area."+strconv.FormatInt(u.ID, 10)) {
			o.Area = form.Get("area." + strconv.FormatInt(u.ID, 10))
		}
		page.Officers = append(page.Officers, o)
		page.OfficerOps = append(page.OfficerOps, option{Value: strconv.FormatInt(u.ID, 10), Label: userLabel(u)})
	}
	for _, e := range ro.Exceptions {
		row := exceptionRow{RosterException: e, OfficerName: v.T("calls.whole_office")}
		if e.OfficerID != 0 {
			row.OfficerName = userName(names, e.OfficerID)
		}
		page.Exceptions = append(page.Exceptions, row)
	}
	v.form.Set("kind", string(kinbridge.DutyOff))
	for k, vals := range form {
		v.form[k] = vals
	}
	v.Data = page
	if formErr != nil {
		s.formError(r, v, callErrorField(formErr), rosterFields...)
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "calls_roster", v)
}

// rosterPost reads a roster form and runs act; a refusal shows the page
// again with the error at its field.
func (s *Server) rosterPost(w http.ResponseWriter, r *http.Request, done string, act func(id int64) error) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if err := act(id); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderRoster(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, rosterURL(id)+"?done="+done)
}

// formDayTime reads a time-of-day input.
func formDayTime(r *http.Request, name string) (kinbridge.DayTime, error) {
	t, err := kinbridge.ParseDayTime(strings.TrimSpace(r.PostForm.Get(name)))
	if err != nil {
		return 0, kinbridge.FieldError(name, "error.calls.time", "Give a time of day as HH:MM.")
	}
	return t, nil
}

// setCallOffice is POST /calls/roster/{id}/office: hours and rooms (rooms
// are renamed or made inactive, never deleted).
func (s *Server) setCallOffice(w http.ResponseWriter, r *http.Request) {
	s.rosterPost(w, r, "call_office_saved", func(id int64) error {
		o := &kinbridge.CallOffice{UnitID: id}
		var err error
		for _, f := range []struct {
			name string
			to   *kinbridge.DayTime
		}{{"morning_start", &o.MorningStart}, {"morning_end", &o.MorningEnd}, {"afternoon_start", &o.AfternoonStart}, {"afternoon_end", &o.AfternoonEnd}} {
			if *f.to, err = formDayTime(r, f.name); err != nil {
				return err
			}
		}
		ids, names := r.PostForm["room_id"], r.PostForm["room_name"]
		active := map[string]bool{}
		for _, a := range r.PostForm["room_active"] {
			active[a] = true
		}
		for i, rid := range ids {
			n, err := strconv.ParseInt(rid, 10, 64)
			if err != nil || i >= len(names) {
				continue
			}
			o.Rooms = append(o.Rooms, &kinbridge.CallRoom{ID: n, UnitID: id, Name: strings.TrimSpace(names[i]), Active: active[rid]})
		}
		if name := strings.TrimSpace(r.PostForm.Get("new_room")); name != "" {
			o.Rooms = append(o.Rooms, &kinbridge.CallRoom{UnitID: id, Name: name, Active: true})
		}
		return s.svc.SetCallOffice(r.Context(), o)
	})
}

// setRoster is POST /calls/roster/{id}/template: the weekly template grid
// and the officers' areas.
func (s *Server) setRoster(w http.ResponseWriter, r *http.Request) {
	s.rosterPost(w, r, "call_roster_saved", func(id int64) error {
		var entries []kinbridge.RosterEntry
		areas := map[int64]string{}
		for k, vals := range r.PostForm {
			if len(vals) == 0 {
				continue
			}
			if rest, ok := strings.CutPrefix(k, "area."); ok {
				if n, err := strconv.ParseInt(rest, 10, 64); err == nil {
					areas[n] = strings.TrimSpace(vals[0])
				}
				continue
			}
			rest, ok := strings.CutPrefix(k, "duty.")
			if !ok {
				continue
			}
			parts := strings.Split(rest, ".")
			if len(parts) != 3 {
				continue
			}
			officer, err1 := strconv.ParseInt(parts[0], 10, 64)
			wd, err2 := strconv.Atoi(parts[1])
			half, err3 := strconv.Atoi(parts[2])
			if err1 != nil || err2 != nil || err3 != nil {
				continue
			}
			kind := kinbridge.DutyKind(vals[0])
			if kind == kinbridge.DutyOff || kind == "" {
				continue
			}
			entries = append(entries, kinbridge.RosterEntry{OfficerID: officer, Weekday: wd, Half: kinbridge.Half(half), Kind: kind})
		}
		return s.svc.SetRoster(r.Context(), id, entries, areas)
	})
}

// addRosterException is POST /calls/roster/{id}/exceptions: an officer's
// leave, or a holiday of the whole office, on a day's half.
func (s *Server) addRosterException(w http.ResponseWriter, r *http.Request) {
	s.rosterPost(w, r, "call_exception_added", func(id int64) error {
		day := strings.TrimSpace(r.PostForm.Get("day"))
		if _, err := parseDay(day, "day"); err != nil {
			return err
		}
		half, _ := strconv.Atoi(r.PostForm.Get("half"))
		return s.svc.AddRosterException(r.Context(), &kinbridge.RosterException{UnitID: id, OfficerID: formInt(r, "officer_id"),
			Day: day, Half: kinbridge.Half(half), Kind: kinbridge.DutyKind(r.PostForm.Get("kind")), Reason: strings.TrimSpace(r.PostForm.Get("reason"))})
	})
}

// deleteRosterException is POST /calls/exceptions/{id}/delete; the form
// says which page to go back to.
func (s *Server) deleteRosterException(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		err = s.svc.DeleteRosterException(r.Context(), id)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	next := "/calls/plans"
	if n := r.PostForm.Get("next"); n != "" {
		next = localPath(n)
	}
	redirect(w, r, next+"?done=call_exception_deleted#exceptions")
}
