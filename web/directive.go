package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/yuin/goldmark"
)

// The directive pages: the inbox and outbox, the issue and pass-on form,
// the directive page with its versions and assignments, acknowledging,
// amending and withdrawing. Reports and the review are in
// directive_report.go, the roll-up and the exports in directive_rollup.go.

func directiveURL(id int64) string { return "/directives/" + strconv.FormatInt(id, 10) }

// markdown renders a directive's body with goldmark's defaults: raw HTML
// is left out and links with dangerous schemes (javascript:, …) lose their
// address, so a body cannot bring script into the page.
var markdown = goldmark.New()

func renderMarkdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(buf.String())
}

// AssignmentState names an assignment state in the language.
func (l *localizer) AssignmentState(s kinbridge.AssignmentState) string {
	return l.code("assignment.state.", string(s))
}

// assignmentAction names an assignment action in the language, with the
// words of the buttons that take it.
func (l *localizer) assignmentAction(a kinbridge.AssignmentAction) string {
	switch a {
	case kinbridge.AssignmentAcknowledge:
		return l.T("assignment.acknowledge")
	case kinbridge.AssignmentReport:
		return l.T("assignment.report")
	case kinbridge.AssignmentAccept:
		return l.T("report.accept")
	case kinbridge.AssignmentReturn:
		return l.T("report.return")
	}
	return string(a)
}

// DirectiveStatus names a directive version's status in the language.
func (l *localizer) DirectiveStatus(s kinbridge.DirectiveStatus) string {
	return l.code("directive.status.", string(s))
}

// directiveRow is a line of the inbox or outbox.
type directiveRow struct {
	D          *kinbridge.Directive
	Assignment *kinbridge.Assignment // the unit's own, in the inbox
	Overdue    bool
}

type directivesPage struct {
	Outbox   bool
	UnitID   int64
	UnitName string
	Rows     []directiveRow
}

// showDirectives is GET /directives: the directives addressed to the
// caller's unit (or ?unit= of their scope), with the unit's assignment.
func (s *Server) showDirectives(w http.ResponseWriter, r *http.Request) {
	s.renderDirectives(w, r, false)
}

// showIssuedDirectives is GET /directives/issued: those the unit issued.
func (s *Server) showIssuedDirectives(w http.ResponseWriter, r *http.Request) {
	s.renderDirectives(w, r, true)
}

func (s *Server) renderDirectives(w http.ResponseWriter, r *http.Request, outbox bool) {
	a := kinbridge.ActorFromContext(r.Context())
	unitID, err := queryInt(r, "unit")
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if unitID == 0 {
		unitID = a.UnitID
	}
	f := kinbridge.DirectiveFilter{AddressedTo: unitID, Limit: 200}
	if outbox {
		f = kinbridge.DirectiveFilter{IssuerUnitID: unitID, Limit: 200}
	}
	ds, err := s.svc.FindDirectives(r.Context(), f)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	unit, err := s.svc.FindUnitByID(r.Context(), unitID)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Loc = unit.Location()
	page := directivesPage{Outbox: outbox, UnitID: unitID, UnitName: unit.Names.In(v.lang)}
	mine := map[int64]*kinbridge.Assignment{}
	if !outbox {
		as, err := s.svc.FindUnitAssignments(r.Context(), unitID, 500)
		if err != nil {
			s.htmlError(w, r, err)
			return
		}
		for _, x := range as {
			mine[x.SeriesID] = x
		}
	}
	now := s.now()
	for _, d := range ds {
		row := directiveRow{D: d, Assignment: mine[d.SeriesID]}
		if row.Assignment != nil {
			row.Overdue = row.Assignment.Overdue(now)
		}
		page.Rows = append(page.Rows, row)
	}
	if outbox {
		v.Title = v.T("directives.outbox_title", page.UnitName)
	} else {
		v.Title = v.T("directives.inbox_title", page.UnitName)
	}
	v.Data = page
	v.Notice = s.notice(r, v)
	s.render(w, r, http.StatusOK, "directives", v)
}

// directiveFormPage is the issue form, and the pass-on form of a received
// directive (Parent set).
type directiveFormPage struct {
	Parent     *kinbridge.Directive
	ParentDue  string
	Issuers    []option
	Units      []option
	Levels     []option
	Programmes []option
}

// Fields of the issue form, for showing an error at its field.
var directiveFields = []string{"issuer_unit_id", "title", "body", "due_at", "addressees", "depth", "programme_id", "parent_id", "attachments"}

// showDirectiveNew is GET /directives/new: the issue form.
func (s *Server) showDirectiveNew(w http.ResponseWriter, r *http.Request) {
	if err := offer(r, kinbridge.ActionDirectiveIssue); err != nil {
		s.htmlError(w, r, err)
		return
	}
	a := kinbridge.ActorFromContext(r.Context())
	form := url.Values{"issuer_unit_id": {id64(a.UnitID)}, "to": {"units"}}
	s.renderDirectiveForm(w, r, http.StatusOK, nil, form, nil)
}

// showPassOn is GET /directives/{id}/pass-on: the issue form for passing a
// received directive on to the unit's own subordinates, prefilled with the
// directive's title, body and due date (no later than it).
func (s *Server) showPassOn(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	rec, err := s.svc.FindDirective(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if err := offer(r, kinbridge.ActionDirectiveIssue); err != nil {
		s.htmlError(w, r, err)
		return
	}
	held := receivingUnits(rec)
	if len(held) == 0 {
		s.htmlError(w, r, &kinbridge.Error{Code: kinbridge.ECONFLICT, Key: "error.directive.parent_not_received",
			Message: "The issuing unit has not received that directive (or it has been amended: pass on the version in force)."})
		return
	}
	cur := rec.Current
	form := url.Values{"parent_id": {id64(cur.ID)}, "issuer_unit_id": {id64(held[0].UnitID)}, "title": {cur.Title},
		"body": {cur.Body}, "to": {"units"}}
	s.renderDirectiveForm(w, r, http.StatusOK, rec, form, nil)
}

// receivingUnits are the live assignments of the version in force in the
// caller's scope: the units that may pass it on.
func receivingUnits(rec *kinbridge.DirectiveRecord) []*kinbridge.Assignment {
	var out []*kinbridge.Assignment
	if rec.Mine != nil && rec.Mine.DirectiveID == rec.Current.ID {
		out = append(out, rec.Mine)
	}
	for _, x := range rec.Assignments {
		if x.Live && x.DirectiveID == rec.Current.ID && (rec.Mine == nil || x.ID != rec.Mine.ID) {
			out = append(out, x)
		}
	}
	return out
}

func (s *Server) renderDirectiveForm(w http.ResponseWriter, r *http.Request, status int, rec *kinbridge.DirectiveRecord, form url.Values, formErr error) {
	units, err := s.svc.FindUnits(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	programmes, err := s.svc.FindProgrammes(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	unit, err := s.actorUnit(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "directive.new_title")
	v.Loc = unit.Location()
	v.form = form
	page := directiveFormPage{Programmes: v.programmeOptions(programmes)}
	names := unitNames(units, v.lang)
	if rec != nil {
		page.Parent = rec.Current
		page.ParentDue = rec.Current.DueAt.In(v.Loc).Format(time.DateOnly)
		v.Title = v.T("directive.pass_on_title", rec.Current.Title)
		if form.Get("due_at") == "" {
			v.form.Set("due_at", page.ParentDue)
		}
		for _, x := range receivingUnits(rec) {
			page.Issuers = append(page.Issuers, option{Value: id64(x.UnitID), Label: names[x.UnitID]})
		}
	} else {
		page.Issuers = unitOptions(unitTree(units, v.lang), 0)
	}
	// Addressees: every unit of the scope below its top, as checkboxes (the
	// service keeps them to the issuing unit's subtree), or a level.
	maxDepth, top := 0, -1
	atDepth := map[int]int{}
	for _, u := range units {
		if top < 0 || u.Depth < top {
			top = u.Depth
		}
		maxDepth = max(maxDepth, u.Depth)
		atDepth[u.Depth]++
	}
	for _, o := range unitOptions(unitTree(units, v.lang), 0) {
		if n, _ := strconv.ParseInt(o.Value, 10, 64); n != 0 {
			for _, u := range units {
				if u.ID == n && u.Depth > top {
					page.Units = append(page.Units, o)
				}
			}
		}
	}
	for d := top + 1; d <= maxDepth; d++ {
		page.Levels = append(page.Levels, option{Value: strconv.Itoa(d), Label: v.T("directive.level_units", d, atDepth[d])})
	}
	if formErr != nil {
		field := kinbridge.ErrorField(formErr)
		if strings.HasPrefix(field, "actions") {
			formErr = withField(formErr, "programme_id")
		}
		s.formError(r, v, formErr, directiveFields...)
	}
	v.Data = page
	s.render(w, r, status, "directive_form", v)
}

// withField returns err with its field replaced, to show it at the form's
// input of another name.
func withField(err error, field string) error {
	if e, ok := err.(*kinbridge.Error); ok {
		c := *e
		c.Field = field
		return &c
	}
	return err
}

func id64(n int64) string { return strconv.FormatInt(n, 10) }

// parseDue reads a due date (YYYY-MM-DD) as the end of that day in loc.
func parseDue(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, kinbridge.FieldError("due_at", "error.directive.due_format", "Give the due date as YYYY-MM-DD.")
	}
	return t.Add(24*time.Hour - time.Second), nil
}

// directiveFromForm reads the issue form.
func (s *Server) directiveFromForm(r *http.Request) (*kinbridge.Directive, error) {
	d := &kinbridge.Directive{
		IssuerUnitID: formInt(r, "issuer_unit_id"),
		ParentID:     formInt(r, "parent_id"),
		Title:        r.PostForm.Get("title"),
		Body:         r.PostForm.Get("body"),
	}
	loc := time.UTC
	if u, err := s.svc.FindUnitByID(r.Context(), d.IssuerUnitID); err == nil {
		loc = u.Location()
	}
	var err error
	if d.DueAt, err = parseDue(r.PostForm.Get("due_at"), loc); err != nil {
		return d, err
	}
	if r.PostForm.Get("to") == "level" {
		n, _ := strconv.Atoi(r.PostForm.Get("depth"))
		d.Addressees.Depth = n
	} else {
		for _, x := range r.PostForm["addressees"] {
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil || n <= 0 {
				return d, kinbridge.FieldError("addressees", "error.directive.addressees", "Choose the units the directive goes to, or a level of the tree.")
			}
			d.Addressees.UnitIDs = append(d.Addressees.UnitIDs, n)
		}
	}
	d.Actions = actionsFromForm(r.PostForm)
	return d, nil
}

// actionsFromForm reads the required actions of the issue and amend forms.
func actionsFromForm(f url.Values) []kinbridge.RequiredAction {
	var acts []kinbridge.RequiredAction
	if f.Get("visit") != "" {
		n, _ := strconv.ParseInt(f.Get("programme_id"), 10, 64)
		acts = append(acts, kinbridge.RequiredAction{Kind: kinbridge.ActionVisitProgramme, ProgrammeID: n})
	}
	if f.Get("report_weekly") != "" {
		acts = append(acts, kinbridge.RequiredAction{Kind: kinbridge.ActionReportWeekly})
	}
	return acts
}

// issueDirective is POST /directives: a new directive, or with parent_id
// one passing a received directive on.
func (s *Server) issueDirective(w http.ResponseWriter, r *http.Request) {
	ups, err := readReportForm(w, r)
	defer closeUploads(ups)
	if err != nil && !showFormAgain(err) {
		s.htmlError(w, r, err)
		return
	}
	var d *kinbridge.Directive
	if err == nil {
		d, err = s.directiveFromForm(r)
	}
	if err == nil {
		err = s.svc.IssueDirectiveWithFiles(r.Context(), d, ups)
	}
	if err != nil {
		if d == nil {
			d = &kinbridge.Directive{}
			d.ParentID, _ = strconv.ParseInt(r.PostForm.Get("parent_id"), 10, 64)
		}
		// A file's error (attachments[i].type) is shown at the file input.
		if strings.HasPrefix(kinbridge.ErrorField(err), "attachments") {
			err = withField(err, "attachments")
		}
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		var rec *kinbridge.DirectiveRecord
		if d.ParentID != 0 {
			if rec, _ = s.svc.FindDirective(r.Context(), d.ParentID); rec == nil {
				s.htmlError(w, r, err)
				return
			}
		}
		s.renderDirectiveForm(w, r, statusOf(err), rec, r.PostForm, err)
		return
	}
	redirect(w, r, directiveURL(d.ID)+"?done=directive_issued")
}

// directivePage is the directive page.
type directivePage struct {
	D          *kinbridge.Directive
	Rec        *kinbridge.DirectiveRecord
	Body       template.HTML
	IssuerName string
	InForce    bool // D is the version in force
	Issuer     bool // the caller's scope holds the issuing unit
	Mine       *kinbridge.Assignment
	MineHere   bool // Mine is of this version
	MineDue    bool
	Rows       []assignmentRow
	CanPassOn  bool
	Actions    []actionView
}

type assignmentRow struct {
	*kinbridge.Assignment
	UnitName string
	Overdue  bool
}

// actionView is a required action, described in the language.
type actionView struct {
	Kind      string
	Programme string
}

// Fields of the amend and withdraw forms.
var amendFields = []string{"title", "body", "due_at", "note", "reason"}

// showDirective is GET /directives/{id}.
func (s *Server) showDirective(w http.ResponseWriter, r *http.Request) {
	s.renderDirective(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderDirective(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	rec, err := s.svc.FindDirective(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	units, err := s.svc.FindUnits(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	programmes, err := s.svc.FindProgrammes(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	a := kinbridge.ActorFromContext(r.Context())
	d := rec.Directive
	v := s.newView(r, "")
	v.Loc = rec.Issuer.Location()
	v.Title = d.Title
	v.Path = directiveURL(d.ID)
	names := unitNames(units, v.lang)
	names[rec.Issuer.ID] = rec.Issuer.Names.In(v.lang)
	now := s.now()
	page := directivePage{D: d, Rec: rec, Body: renderMarkdown(d.Body), IssuerName: names[rec.Issuer.ID],
		InForce: d.Status == kinbridge.DirectiveIssued, Issuer: a.InScope(d.IssuerPath), Mine: rec.Mine}
	page.Actions = v.actionViews(d.Actions, programmes)
	if rec.Mine != nil {
		page.MineHere = rec.Mine.DirectiveID == d.ID
		page.MineDue = rec.Mine.Overdue(now)
	}
	for _, x := range rec.Assignments {
		page.Rows = append(page.Rows, assignmentRow{Assignment: x, UnitName: names[x.UnitID], Overdue: x.Overdue(now)})
	}
	// Passing on is offered to the units that received the directive: the
	// caller's own, or, for a caller outside the issuing side, a unit of
	// their scope that did (the issuing side sees every addressee's
	// assignment, but passes on nothing of its own).
	held := receivingUnits(rec)
	page.CanPassOn = v.Can(string(kinbridge.ActionDirectiveIssue)) && page.InForce && len(held) > 0 &&
		(held[0] == rec.Mine || !page.Issuer)
	if form == nil {
		form = url.Values{"title": {d.Title}, "body": {d.Body}, "due_at": {d.DueAt.In(v.Loc).Format(time.DateOnly)}}
	}
	v.form = form
	if formErr != nil {
		s.formError(r, v, formErr, amendFields...)
	}
	v.Data = page
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "directive", v)
}

// actionViews describes the required actions.
func (v *view) actionViews(acts []kinbridge.RequiredAction, programmes []*kinbridge.Programme) []actionView {
	var out []actionView
	for _, x := range acts {
		av := actionView{Kind: x.Kind}
		for _, p := range programmes {
			if p.ID == x.ProgrammeID {
				av.Programme = p.Names.In(v.lang) + " (" + p.Code + ")"
			}
		}
		if av.Programme == "" && x.ProgrammeID != 0 {
			av.Programme = "#" + id64(x.ProgrammeID)
		}
		out = append(out, av)
	}
	return out
}

// amendDirective is POST /directives/{id}/amend: a new version of the
// directive in force; every addressee must acknowledge it again.
func (s *Server) amendDirective(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	d := &kinbridge.Directive{Title: r.PostForm.Get("title"), Body: r.PostForm.Get("body"), Note: r.PostForm.Get("note")}
	old, err := s.svc.FindDirective(r.Context(), id)
	if err == nil {
		d.Actions = old.Directive.Actions
		d.DueAt, err = parseDue(r.PostForm.Get("due_at"), old.Issuer.Location())
	}
	if err == nil {
		err = s.svc.AmendDirective(r.Context(), id, d)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderDirective(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, directiveURL(d.ID)+"?done=directive_amended")
}

// withdrawDirective is POST /directives/{id}/withdraw, with a reason.
func (s *Server) withdrawDirective(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if err := s.svc.WithdrawDirective(r.Context(), id, r.PostForm.Get("reason")); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderDirective(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, directiveURL(id)+"?done=directive_withdrawn")
}

// acknowledgeAssignment is POST /assignments/{id}/acknowledge. An
// assignment of a version since amended is refused (409) with the message
// to act on the version in force.
func (s *Server) acknowledgeAssignment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	as, err := s.svc.StepAssignment(r.Context(), id, kinbridge.AssignmentStep{Action: kinbridge.AssignmentAcknowledge, Version: formInt(r, "version")})
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	redirect(w, r, directiveURL(as.DirectiveID)+"?done=assignment_acknowledged")
}

// evidenceView is what the "evidence" template gets.
type evidenceView struct {
	V         *view
	E         *kinbridge.Evidence
	Programme string
}

// EvidenceOf prepares the "evidence" template; e may be a value or a
// pointer.
func (v *view) EvidenceOf(e any, programme string) evidenceView {
	switch e := e.(type) {
	case *kinbridge.Evidence:
		return evidenceView{V: v, E: e, Programme: programme}
	case kinbridge.Evidence:
		return evidenceView{V: v, E: &e, Programme: programme}
	}
	return evidenceView{V: v, E: &kinbridge.Evidence{}}
}

// reportView is what the "report" template gets.
type reportView struct {
	V *view
	R *kinbridge.Report
}

// ReportOf prepares the "report" template.
func (v *view) ReportOf(r *kinbridge.Report) reportView { return reportView{V: v, R: r} }
