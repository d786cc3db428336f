package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/kinbridge/kinbridge"
)

type problemPage struct {
	Problem          *kinbridge.Problem
	Record           *kinbridge.ProblemRecord
	CategoryName     string
	UnitName         string
	ReferralUnitName string
	AssigneeName     string
	Overdue          bool
	Holder           bool // the caller's scope holds the problem (not only its referral)
	History          []problemHistoryRow
	Forms            []actionForm
}

// problemHistoryRow is a line of the problem's history, with the names of
// the units and people it mentions.
type problemHistoryRow struct {
	*kinbridge.ProblemEvent
	UnitName     string
	AssigneeName string
}

// actionForm is one of the forms of the problem page: an action the
// problem's current status allows (kinbridge.CanApply) and the caller's
// side of a referral may take.
type actionForm struct {
	Action       kinbridge.ProblemAction
	Note         bool // the form has a note
	NoteRequired bool
	NoteLabel    string // catalog key of the note's label
	Assignees    []option
	Units        []option
	Current      string // the choice selected at first: the current assignee
}

// Fields of an action form, for showing an error at its field.
var problemActionFields = []string{"note", "assignee_id", "unit_id"}

// showProblem is GET /problems/{id}: the problem, its full history, and
// the forms of the actions its status allows. The service audits the read.
func (s *Server) showProblem(w http.ResponseWriter, r *http.Request) {
	s.renderProblem(w, r, http.StatusOK, nil, nil)
}

// renderProblem shows the problem page; form and formErr, when set, are a
// failed post of one of its action forms.
func (s *Server) renderProblem(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	rec, err := s.svc.FindProblem(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	p := rec.Problem
	a := kinbridge.ActorFromContext(r.Context())
	v := s.newView(r, "")
	v.Title = v.No("problem.number", p.ID)
	v.Path = problemURL(p.ID)
	v.Loc = rec.Unit.Location()

	// The people and units the page names: the holding unit's users, and
	// the other unit's while the problem waits for its answer.
	users := map[int64]string{}
	var holders, takers []*kinbridge.User
	if a.InScope(p.UnitPath) {
		if holders, err = s.svc.FindAssignees(r.Context(), p.UnitID); err != nil {
			s.htmlError(w, r, err)
			return
		}
	}
	if p.Status == kinbridge.ProblemReferred && a.InScope(p.ReferralUnitPath) {
		if takers, err = s.svc.FindAssignees(r.Context(), p.ReferralUnitID); err != nil {
			s.htmlError(w, r, err)
			return
		}
	}
	for _, u := range append(slices.Clone(holders), takers...) {
		users[u.ID] = userLabel(u)
	}
	var units []*kinbridge.Unit
	if v.Can(string(kinbridge.ActionWelfareRecord)) {
		if units, err = s.svc.FindReferralUnits(r.Context()); err != nil {
			s.htmlError(w, r, err)
			return
		}
	}
	un := unitNames(units, v.lang)
	un[rec.Unit.ID] = rec.Unit.Names.In(v.lang)
	if rec.ReferralUnit != nil {
		un[rec.ReferralUnit.ID] = rec.ReferralUnit.Names.In(v.lang)
	}
	name := func(id int64) string {
		if id == 0 {
			return ""
		} else if n, ok := users[id]; ok {
			return n
		}
		return "#" + strconv.FormatInt(id, 10)
	}

	page := problemPage{Problem: p, Record: rec, UnitName: un[p.UnitID], ReferralUnitName: un[p.ReferralUnitID],
		AssigneeName: name(p.AssigneeID), Overdue: p.Overdue(s.now()), CategoryName: v.categoryName(rec.Category), Holder: a.InScope(p.UnitPath)}
	for i := len(rec.Events) - 1; i >= 0; i-- { // newest first
		e := rec.Events[i]
		page.History = append(page.History, problemHistoryRow{ProblemEvent: e, UnitName: un[e.UnitID], AssigneeName: name(e.AssigneeID)})
	}
	if v.Can(string(kinbridge.ActionWelfareRecord)) {
		page.Forms = v.problemForms(a, p, holders, takers, units)
	}
	v.Data = page
	if form != nil {
		v.form = form
	}
	if formErr != nil {
		s.formError(r, v, formErr, problemActionFields...)
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "problem", v)
}

// problemForms lists the forms the page offers: each action the status
// allows, on the caller's side of a referral (the unit it is referred to
// answers it; the unit that holds it does the rest; either comments).
func (v *view) problemForms(a *kinbridge.Actor, p *kinbridge.Problem, holders, takers []*kinbridge.User, units []*kinbridge.Unit) []actionForm {
	holder := a.InScope(p.UnitPath)
	taker := p.Status == kinbridge.ProblemReferred && a.InScope(p.ReferralUnitPath)
	var forms []actionForm
	for _, act := range kinbridge.ProblemActions {
		if !kinbridge.CanApply(act, p.Status) {
			continue
		}
		f := actionForm{Action: act}
		switch act {
		case kinbridge.ProblemAccept, kinbridge.ProblemSendBack:
			if !taker {
				continue
			}
		case kinbridge.ProblemComment:
			if !holder && !taker {
				continue
			}
		default:
			if !holder {
				continue
			}
		}
		switch act {
		case kinbridge.ProblemStart:
		case kinbridge.ProblemResolve:
			f.Note, f.NoteLabel = true, "problem.note.resolve"
		case kinbridge.ProblemGiveUp:
			f.Note, f.NoteRequired, f.NoteLabel = true, true, "problem.note.give_up"
		case kinbridge.ProblemReopen:
			f.Note, f.NoteRequired, f.NoteLabel = true, true, "problem.note.reopen"
		case kinbridge.ProblemAssign:
			f.Assignees = v.userOptions(holders, "")
			f.Current = strconv.FormatInt(p.AssigneeID, 10)
		case kinbridge.ProblemComment:
			f.Note, f.NoteRequired, f.NoteLabel = true, true, "problem.note.comment"
		case kinbridge.ProblemRefer:
			f.Note, f.NoteLabel = true, "problem.note.refer"
			for _, o := range unitOptions(unitTree(units, v.lang), p.UnitID) {
				f.Units = append(f.Units, o)
			}
		case kinbridge.ProblemAccept:
			f.Assignees = v.userOptions(takers, "problem.accept_self")
		case kinbridge.ProblemSendBack:
			f.Note, f.NoteRequired, f.NoteLabel = true, true, "problem.note.send_back"
		}
		forms = append(forms, f)
	}
	return forms
}

// ActionField is Field for an input of one action form: its id names the
// action (the page has several forms with a note), and it shows the value
// and error of a failed post only on the form that was sent.
func (v *view) ActionField(action kinbridge.ProblemAction, name, labelKey, typ string, required bool) fieldView {
	f := fieldView{Name: name, ID: "f-" + string(action) + "-" + name, Label: v.T(labelKey), Type: typ, Autocomplete: "off", Required: required}
	if v.form.Get("action") == string(action) {
		f.Value, f.Error = v.form.Get(name), v.fieldErr[name]
		f.Autofocus = f.Error != ""
	}
	return f
}

// ActionSelect is Select for a picker of one action form.
// current, when the form was not sent, is the value selected.
func (v *view) ActionSelect(action kinbridge.ProblemAction, name, labelKey string, opts []option, current string) selectView {
	sv := selectView{Name: name, ID: "f-" + string(action) + "-" + name, Label: v.T(labelKey)}
	if v.form.Get("action") == string(action) {
		sv.Error = v.fieldErr[name]
		sv.Autofocus = sv.Error != ""
		current = v.form.Get(name)
	}
	for _, o := range opts {
		sv.Options = append(sv.Options, selectOption{option: o, Selected: o.Value == current})
	}
	return sv
}

// changeProblem is POST /problems/{id}/actions: one action of the problem
// page (or of the queue's referral answers) with the version the form was
// shown at. A refused transition or a stale version answers 409 on the
// problem page, with what to do.
func (s *Server) changeProblem(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	c := kinbridge.ProblemChange{
		Action:     kinbridge.ProblemAction(r.PostForm.Get("action")),
		Version:    formInt(r, "version"),
		Note:       r.PostForm.Get("note"),
		AssigneeID: formInt(r, "assignee_id"),
		UnitID:     formInt(r, "unit_id"),
	}
	if _, err := s.svc.ChangeProblem(r.Context(), id, c); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderProblem(w, r, statusOf(err), r.PostForm, err)
		return
	}
	next := problemURL(id)
	if n := r.PostForm.Get("next"); n != "" {
		next = localPath(n)
	} else if c.Action == kinbridge.ProblemSendBack {
		// Sent back, the problem is out of the caller's reach again.
		next = unitQueueURL(kinbridge.ActorFromContext(r.Context()).UnitID)
	}
	sep := "?"
	if u, err := url.Parse(next); err == nil && u.RawQuery != "" {
		sep = "&"
	}
	// The notice is "notice.problem_<action>".
	redirect(w, r, next+sep+"done="+"problem_"+string(c.Action))
}
