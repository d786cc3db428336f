package web

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sheet"
)

// The roll-up of a directive's cascade at a unit, with its chart, and the
// exports of the roll-up and the reports (XLSX, and a printable page).

type rollupPage struct {
	D          *kinbridge.Directive
	Parent     *kinbridge.Directive // the directive D passes on, if the caller may see it
	Issuer     *kinbridge.Unit      // D's issuing unit
	IssuerSide bool                 // the caller's scope holds the issuing unit (reports, print)
	Rollup     *kinbridge.Rollup
	UnitName   string
	ParentName string
	States     []stateCount
	Percent    string
	Children   []rollupChildRow
	Overdue    []assignmentRow
	Chart      stackChart
}

type stateCount struct {
	State kinbridge.AssignmentState
	N     int
}

type rollupChildRow struct {
	*kinbridge.RollupChild
	Name    string
	Percent string
	States  []stateCount
}

// stackChart is the roll-up's chart: one bar per child unit, its
// assignments stacked by state, drawn as SVG on the server like the
// welfare dashboard's (the table beside it has the same figures).
type stackChart struct {
	Width, Height int
	Bars          []stackBar
	Legend        []stackSegment
	Empty         bool
}

type stackBar struct {
	Label     string
	Y, LabelY int
	Segments  []stackSegment
	ValueX    int
	Value     string
}

type stackSegment struct {
	X, W  int
	Y     int // legend only
	Fill  string
	Label string
}

// stateFills colour the states in the chart.
var stateFills = map[kinbridge.AssignmentState]string{
	kinbridge.AssignmentDelivered:    "#9aa5b1",
	kinbridge.AssignmentAcknowledged: "#5b8def",
	kinbridge.AssignmentReported:     "#f0a202",
	kinbridge.AssignmentReturned:     "#b42318",
	kinbridge.AssignmentAccepted:     "#1a7f37",
}

func percent(share float64) string { return strconv.FormatFloat(share*100, 'f', 0, 64) + "%" }

func stateCounts(by map[kinbridge.AssignmentState]int) []stateCount {
	out := make([]stateCount, 0, len(kinbridge.AssignmentStates))
	for _, st := range kinbridge.AssignmentStates {
		out = append(out, stateCount{State: st, N: by[st]})
	}
	return out
}

func newStackChart(v *view, rows []rollupChildRow) stackChart {
	c := stackChart{Width: chartWidth}
	maxN := 0
	for _, r := range rows {
		maxN = max(maxN, r.Total)
	}
	scale := float64(chartWidth-chartLabelW-60) / float64(max(maxN, 1))
	for i, r := range rows {
		y := chartTop + i*chartRowH
		b := stackBar{Label: r.Name, Y: y, LabelY: y + chartBarH - 4, Value: r.Percent}
		x := chartLabelW
		for _, st := range kinbridge.AssignmentStates {
			n := r.ByState[st]
			if n == 0 {
				continue
			}
			w := int(float64(n) * scale)
			b.Segments = append(b.Segments, stackSegment{X: x, W: w, Fill: stateFills[st], Label: v.AssignmentState(st)})
			x += w
		}
		b.ValueX = x + chartValueGap
		c.Bars = append(c.Bars, b)
	}
	c.Height = chartTop*2 + len(rows)*chartRowH + chartRowH
	for i, st := range kinbridge.AssignmentStates {
		c.Legend = append(c.Legend, stackSegment{X: i * 120, Y: c.Height - chartRowH + 4, Fill: stateFills[st], Label: v.AssignmentState(st)})
	}
	c.Empty = maxN == 0
	return c
}

// rollupView loads the roll-up at ?unit= (default: the issuing unit) and
// prepares what the roll-up page and the printable page show.
func (s *Server) rollupView(r *http.Request) (*view, *rollupPage, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, nil, err
	}
	unitID, err := queryInt(r, "unit")
	if err != nil {
		return nil, nil, err
	}
	ru, err := s.svc.FindRollup(r.Context(), id, unitID)
	if err != nil {
		return nil, nil, err
	}
	rec, err := s.svc.FindDirective(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	units, err := s.svc.FindUnits(r.Context())
	if err != nil {
		return nil, nil, err
	}
	v := s.newView(r, "")
	v.Loc = ru.Unit.Location()
	names := unitNames(units, v.lang)
	page := &rollupPage{D: rec.Directive, Parent: rec.Parent, Issuer: rec.Issuer, Rollup: ru,
		IssuerSide: kinbridge.ActorFromContext(r.Context()).InScope(rec.Directive.IssuerPath), UnitName: ru.Unit.Names.In(v.lang), States: stateCounts(ru.ByState), Percent: percent(ru.Accepted)}
	if ru.Parent != nil {
		page.ParentName = ru.Parent.Names.In(v.lang)
	}
	for _, ch := range ru.Children {
		page.Children = append(page.Children, rollupChildRow{RollupChild: ch, Name: ch.Unit.Names.In(v.lang), Percent: percent(ch.Accepted), States: stateCounts(ch.ByState)})
	}
	now := s.now()
	for _, x := range ru.OverdueAt {
		page.Overdue = append(page.Overdue, assignmentRow{Assignment: x, UnitName: names[x.UnitID], Overdue: x.Overdue(now)})
	}
	page.Chart = newStackChart(v, page.Children)
	v.Title = v.T("rollup.title", rec.Directive.Title, page.UnitName)
	return v, page, nil
}

// showRollup is GET /directives/{id}/rollup: the cascade's roll-up at a
// unit, with the way down to each child and up to the parent.
func (s *Server) showRollup(w http.ResponseWriter, r *http.Request) {
	v, page, err := s.rollupView(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v.Data = page
	s.render(w, r, http.StatusOK, "directive_rollup", v)
}

// printPage is the printable page of a directive: its roll-up and the
// reports of its addressees.
type printPage struct {
	*rollupPage
	Body    template.HTML
	Reports []reportsRow
	AsOf    time.Time
}

// showDirectivePrint is GET /directives/{id}/print: the roll-up and the
// reports on one page, laid out for paper by the print style sheet.
func (s *Server) showDirectivePrint(w http.ResponseWriter, r *http.Request) {
	v, page, err := s.rollupView(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	ars, err := s.svc.FindDirectiveReports(r.Context(), page.D.ID)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	units, err := s.svc.FindUnits(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	names := unitNames(units, v.lang)
	pp := printPage{rollupPage: page, Body: renderMarkdown(page.D.Body), AsOf: s.now()}
	for _, ar := range ars {
		row := reportsRow{AssignmentReports: ar, UnitName: names[ar.Assignment.UnitID]}
		if n := len(ar.Reports); n > 0 {
			row.Latest = ar.Reports[n-1]
		}
		pp.Reports = append(pp.Reports, row)
	}
	v.Data = pp
	s.render(w, r, http.StatusOK, "directive_print", v)
}

// downloadRollup is GET /directives/{id}/rollup.xlsx: the roll-up's lines
// (the unit, then each child) with their states and evidence totals.
func (s *Server) downloadRollup(w http.ResponseWriter, r *http.Request) {
	v, page, err := s.rollupView(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	header := []string{v.T("rollup.col_unit"), v.T("rollup.col_total")}
	for _, st := range kinbridge.AssignmentStates {
		header = append(header, v.AssignmentState(st))
	}
	header = append(header, v.T("rollup.col_overdue"), v.T("rollup.col_accepted"))
	rows := [][]string{header}
	line := func(name string, total int, by map[kinbridge.AssignmentState]int, overdue int, pct string) {
		row := []string{name, strconv.Itoa(total)}
		for _, st := range kinbridge.AssignmentStates {
			row = append(row, strconv.Itoa(by[st]))
		}
		rows = append(rows, append(row, strconv.Itoa(overdue), pct))
	}
	ru := page.Rollup
	line(page.UnitName, ru.Total, ru.ByState, ru.Overdue, page.Percent)
	for _, ch := range page.Children {
		line(ch.Name, ch.Total, ch.ByState, ch.Overdue, ch.Percent)
	}
	rows = append(rows, []string{})
	for _, e := range evidenceLines(v, &ru.Evidence) {
		rows = append(rows, e)
	}
	s.writeSheet(w, r, "kinbridge-rollup-"+id64(page.D.ID), rows)
}

// downloadReports is GET /directives/{id}/reports.xlsx: each addressee's
// latest report with its evidence snapshot and review.
func (s *Server) downloadReports(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	ars, err := s.svc.FindDirectiveReports(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	units, err := s.svc.FindUnits(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	names := unitNames(units, v.lang)
	header := []string{v.T("rollup.col_unit"), v.T("assignment.state"), v.T("report.submitted"), v.T("report.narrative")}
	for _, e := range evidenceLines(v, &kinbridge.Evidence{}) {
		header = append(header, e[0])
	}
	header = append(header, v.T("report.review_note"))
	rows := [][]string{header}
	for _, ar := range ars {
		row := []string{names[ar.Assignment.UnitID], v.AssignmentState(ar.Assignment.State)}
		if n := len(ar.Reports); n > 0 {
			rep := ar.Reports[n-1]
			row = append(row, v.Date(rep.SubmittedAt), rep.Narrative)
			for _, e := range evidenceLines(v, &rep.Evidence) {
				row = append(row, e[1])
			}
			row = append(row, rep.ReviewNote)
		}
		rows = append(rows, row)
	}
	s.writeSheet(w, r, "kinbridge-reports-"+id64(id), rows)
}

// evidenceLines are the evidence's figures, label and value.
func evidenceLines(v *view, e *kinbridge.Evidence) [][]string {
	n := strconv.Itoa
	return [][]string{
		{v.T("evidence.households"), n(e.Households)},
		{v.T("evidence.households_visited"), n(e.HouseholdsVisited)},
		{v.T("evidence.visits"), n(e.Visits)},
		{v.T("evidence.problems_raised"), n(e.ProblemsRaised)},
		{v.T("evidence.problems_resolved"), n(e.ProblemsResolved)},
		{v.T("evidence.problems_open"), n(e.ProblemsOpen)},
		{v.T("evidence.problems_escalated"), n(e.ProblemsEscalated)},
		{v.T("evidence.status_events"), n(e.StatusEvents)},
		{v.T("evidence.calls_held"), n(e.CallsHeld)},
		{v.T("evidence.departures_allocated"), n(e.DeparturesAllocated)},
		{v.T("evidence.departures_done"), n(e.DeparturesDone)},
	}
}

// writeSheet writes rows as an XLSX download; sheet.Writer escapes every
// cell against formula injection (a narrative may start with "=").
func (s *Server) writeSheet(w http.ResponseWriter, r *http.Request, base string, rows [][]string) {
	setDownload(w, sheet.XLSX, base)
	wr, err := sheet.NewWriter(w, sheet.XLSX)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	for _, row := range rows {
		if err = wr.Write(row); err != nil {
			break
		}
	}
	if cerr := wr.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.logError(r, err)
	}
}
