package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kinbridge/kinbridge"
)

type unitPage struct {
	Unit       *kinbridge.Unit
	Name       string
	ParentName string
	Children   []*unitNode
	Parents    []option // for the move form
	TimeZones  []string
}

// showUnit is GET /units/{id}: a unit, its children, and the forms to rename
// and move it.
func (s *Server) showUnit(w http.ResponseWriter, r *http.Request) {
	s.renderUnit(w, r, http.StatusOK, nil, nil)
}

// renderUnit shows the unit page; form and formErr, when set, are a failed
// rename or move shown again.
func (s *Server) renderUnit(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	unit, err := s.svc.FindUnitByID(r.Context(), id)
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
	v.Loc = unit.Location()
	name := unit.Names.In(v.lang)
	v.Title = name
	v.Path = "/units/" + strconv.FormatInt(unit.ID, 10)
	page := unitPage{Unit: unit, Name: name, TimeZones: timeZones}
	tree := unitTree(units, v.lang)
	page.Parents = unitOptions(tree, unit.ID)
	for _, u := range units {
		if u.ID == unit.ParentID {
			page.ParentName = u.Names.In(v.lang)
		}
	}
	page.Children = findNode(tree, unit.ID)
	v.Data = page

	// The forms start from the unit as it is; a failed post shows what was
	// typed instead.
	v.form.Set("name_en", unit.Names.EN)
	v.form.Set("name_ko", unit.Names.KO)
	v.form.Set("name_zh", unit.Names.ZH)
	v.form.Set("time_zone", unit.TimeZone)
	v.form.Set("parent_id", strconv.FormatInt(unit.ParentID, 10))
	for k, vals := range form {
		v.form[k] = vals
	}
	if formErr != nil {
		s.formError(r, v, formErr, "name_en", "name_ko", "name_zh", "time_zone", "parent_id")
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "unit", v)
}

// findNode returns the children of the unit with id in the trees.
func findNode(ns []*unitNode, id int64) []*unitNode {
	for _, n := range ns {
		if n.ID == id {
			return n.Children
		}
		if c := findNode(n.Children, id); c != nil {
			return c
		}
	}
	return nil
}

// notice returns the translated success message named by ?done=, shown
// after a post redirected here. Only catalog keys are shown, never the
// query text itself.
func (s *Server) notice(r *http.Request, v *view) string {
	done := r.URL.Query().Get("done")
	if done == "" {
		return ""
	}
	if key := "notice." + done; v.Has(key) {
		return v.T(key)
	}
	return ""
}

// renameUnit is POST /units/{id}/rename: new names and time zone.
func (s *Server) renameUnit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	names := kinbridge.UnitNames{EN: r.PostForm.Get("name_en"), KO: r.PostForm.Get("name_ko"), ZH: r.PostForm.Get("name_zh")}
	if _, err := s.svc.UpdateUnit(r.Context(), id, names, r.PostForm.Get("time_zone")); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderUnit(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, "/units/"+strconv.FormatInt(id, 10)+"?done=unit_renamed")
}

// moveUnit is POST /units/{id}/move: the unit and its subtree go under the
// chosen parent. A move into its own subtree is refused by the service, and
// the refusal is shown at the parent picker.
func (s *Server) moveUnit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if _, err := s.svc.MoveUnit(r.Context(), id, formInt(r, "parent_id")); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderUnit(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, "/units/"+strconv.FormatInt(id, 10)+"?done=unit_moved")
}
