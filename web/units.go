package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// unitNode is a unit in the nested list of the tree page, named in the
// page's language.
type unitNode struct {
	ID       int64
	Name     string
	TimeZone string
	Children []*unitNode
}

// unitTree arranges units (as the service returned them, parents before
// children) into trees, named in lang and sorted by name at each level.
// The roots are the units whose parent is outside the list: the top of the
// caller's scope.
func unitTree(units []*kinbridge.Unit, lang string) []*unitNode {
	nodes := make(map[int64]*unitNode, len(units))
	for _, u := range units {
		nodes[u.ID] = &unitNode{ID: u.ID, Name: u.Names.In(lang), TimeZone: u.TimeZone}
	}
	var roots []*unitNode
	for _, u := range units {
		if p, ok := nodes[u.ParentID]; ok && u.ParentID != 0 {
			p.Children = append(p.Children, nodes[u.ID])
		} else {
			roots = append(roots, nodes[u.ID])
		}
	}
	var sortNodes func([]*unitNode)
	sortNodes = func(ns []*unitNode) {
		sort.SliceStable(ns, func(i, j int) bool { return ns[i].Name < ns[j].Name })
		for _, n := range ns {
			sortNodes(n.Children)
		}
	}
	sortNodes(roots)
	return roots
}

// unitOptions lists the units of the trees in order for a unit picker,
// indented by depth so that the tree shows in a plain <select>; skip, if not
// zero, leaves out one unit (a unit cannot be its own parent).
func unitOptions(roots []*unitNode, skip int64) []option {
	var opts []option
	var walk func([]*unitNode, int)
	walk = func(ns []*unitNode, depth int) {
		for _, n := range ns {
			if n.ID != skip {
				opts = append(opts, option{Value: strconv.FormatInt(n.ID, 10), Label: strings.Repeat("\u00a0\u00a0\u00a0", depth) + n.Name})
			}
			walk(n.Children, depth+1)
		}
	}
	walk(roots, 0)
	return opts
}

// timeZones are offered as suggestions in time zone inputs; any IANA name
// is accepted.
var timeZones = []string{
	"UTC", "Asia/Seoul", "Asia/Shanghai", "Asia/Tokyo", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Bangkok",
	"Asia/Singapore", "Asia/Kolkata", "Asia/Dubai", "Europe/London", "Europe/Berlin", "Europe/Paris",
	"Europe/Moscow", "America/New_York", "America/Chicago", "America/Los_Angeles", "Australia/Sydney",
}

type unitsPage struct {
	Tree      []*unitNode
	Parents   []option
	TimeZones []string
}

// showUnits is GET /units: the tree of the caller's scope, and the form to
// add a unit for those who may.
func (s *Server) showUnits(w http.ResponseWriter, r *http.Request) {
	s.renderUnits(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderUnits(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	units, err := s.svc.FindUnits(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "units.title")
	v.Path = "/units"
	tree := unitTree(units, v.lang)
	v.Data = unitsPage{Tree: tree, Parents: unitOptions(tree, 0), TimeZones: timeZones}
	if form != nil {
		v.form = form
	} else if a := v.Actor; a != nil {
		v.form.Set("parent_id", strconv.FormatInt(a.UnitID, 10))
		v.form.Set("time_zone", unitZone(units, a.UnitID))
	}
	if formErr != nil {
		s.formError(r, v, formErr, "parent_id", "name_en", "name_ko", "name_zh", "time_zone")
	}
	s.render(w, r, status, "units", v)
}

// unitZone returns the time zone of the unit with id among units, a sensible
// default for a new unit under it.
func unitZone(units []*kinbridge.Unit, id int64) string {
	for _, u := range units {
		if u.ID == id {
			return u.TimeZone
		}
	}
	return "UTC"
}

// createUnit is POST /units.
func (s *Server) createUnit(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	u := &kinbridge.Unit{
		ParentID: formInt(r, "parent_id"),
		Names:    kinbridge.UnitNames{EN: r.PostForm.Get("name_en"), KO: r.PostForm.Get("name_ko"), ZH: r.PostForm.Get("name_zh")},
		TimeZone: r.PostForm.Get("time_zone"),
	}
	if err := s.svc.CreateUnit(r.Context(), u); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderUnits(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, "/units/"+strconv.FormatInt(u.ID, 10)+"?done=unit_created")
}

// showFormAgain reports whether a failed post is best answered with its form
// again, the error shown there: yes for anything the user can correct or
// should read in context; no for a record that is gone, a sign-in that
// ended, or an internal error.
func showFormAgain(err error) bool {
	switch kinbridge.ErrorCode(err) {
	case kinbridge.ENOTFOUND, kinbridge.EUNAUTHORIZED, kinbridge.EINTERNAL, codeBadRequest:
		return false
	}
	return true
}
