package web

import (
	"net/http"
	"strconv"

	"github.com/kinbridge/kinbridge"
)

type dashboardPage struct {
	Unit      *kinbridge.Unit
	UnitName  string
	Stats     *kinbridge.ProblemStats
	WeekStart string // the day the week began, YYYY-MM-DD in the unit's zone
	Median    string // median days to resolve, one decimal; "" with none resolved
	Chart     barChart
}

// barChart is the dashboard's bar chart of active and overdue problems by
// category, drawn as SVG on the server: no script, readable as a table by a
// screen reader (the table below it has the same figures).
type barChart struct {
	Width, Height int
	Bars          []bar
	Empty         bool
}

type bar struct {
	Label                  string
	Y, LabelY              int
	ActiveW, OverdueW      int
	Active, Overdue, Total int
	ValueX                 int
}

// Chart geometry, in SVG user units.
const (
	chartWidth    = 640
	chartLabelW   = 160
	chartBarH     = 18
	chartRowH     = 28
	chartTop      = 8
	chartValueGap = 6
)

// newBarChart draws one bar per category: its active problems, with the
// overdue ones in a darker part at the start.
func newBarChart(v *view, cats []kinbridge.CategoryStats) barChart {
	c := barChart{Width: chartWidth}
	maxN := 0
	for _, cs := range cats {
		maxN = max(maxN, cs.Active)
	}
	scale := float64(chartWidth-chartLabelW-60) / float64(max(maxN, 1))
	for i, cs := range cats {
		y := chartTop + i*chartRowH
		b := bar{Label: v.Category(cs.Category), Y: y, LabelY: y + chartBarH - 4, Active: cs.Active, Overdue: cs.Overdue,
			ActiveW: int(float64(cs.Active) * scale), OverdueW: int(float64(min(cs.Overdue, cs.Active)) * scale)}
		b.ValueX = chartLabelW + b.ActiveW + chartValueGap
		c.Bars = append(c.Bars, b)
	}
	c.Height = chartTop*2 + len(cats)*chartRowH
	c.Empty = maxN == 0
	return c
}

// showDashboard is GET /units/{id}/dashboard: the figures of the unit's
// subtree (counts only, so a viewer may see it) and a chart by category.
func (s *Server) showDashboard(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	d, err := s.svc.FindDashboard(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Loc = d.Unit.Location()
	name := d.Unit.Names.In(v.lang)
	v.Title = v.T("dashboard.title", name)
	page := dashboardPage{Unit: d.Unit, UnitName: name, Stats: d.Stats, WeekStart: d.WeekStart.In(v.Loc).Format("2006-01-02"),
		Chart: newBarChart(v, d.Stats.ByCategory)}
	if d.Stats.Resolved90Days > 0 {
		page.Median = strconv.FormatFloat(d.Stats.MedianDaysToResolve, 'f', 1, 64)
	}
	v.Data = page
	s.render(w, r, http.StatusOK, "dashboard", v)
}
