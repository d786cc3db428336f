package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/departure"
)

// The priority policy's pages: its versions, the editor of a draft (tiers,
// vulnerability points, the fit rule, the programme, the missed-day rule),
// the preview against the adopted version, and adoption.

func departurePolicyURL(id int64) string { return "/departures/policies/" + strconv.FormatInt(id, 10) }

// Empty rows the editor offers after the tiers and point rules it has.
const policyEditorSpare = 2

// policiesPage is GET /departures/policies.
type policiesPage struct {
	Policies  []*kinbridge.DeparturePolicy
	CanEdit   bool
	Programme map[int64]string
}

// showDeparturePolicies is GET /departures/policies: every version, newest
// first, and (for who edits them) a new draft from any of them.
func (s *Server) showDeparturePolicies(w http.ResponseWriter, r *http.Request) {
	ps, err := s.svc.FindDeparturePolicies(r.Context())
	var progs map[int64]string
	if err == nil {
		progs, _, err = s.programmeChoices(r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "departure.policies_title")
	loc, err := s.actorLocation(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v.Loc = loc
	v.Data = policiesPage{Policies: ps, CanEdit: v.Can(string(kinbridge.ActionDeparturePolicy)), Programme: progs}
	v.Notice = s.notice(r, v)
	s.render(w, r, http.StatusOK, "departure_policies", v)
}

// programmeChoices names the programmes and gives them as choices.
func (s *Server) programmeChoices(r *http.Request) (map[int64]string, []option, error) {
	progs, err := s.svc.FindProgrammes(r.Context())
	if err != nil {
		return nil, nil, err
	}
	v := s.newView(r, "")
	names := map[int64]string{}
	var opts []option
	for _, p := range progs {
		n := p.Names.In(v.lang)
		names[p.ID] = n
		opts = append(opts, option{Value: strconv.FormatInt(p.ID, 10), Label: n})
	}
	return names, opts, nil
}

// createDeparturePolicy is POST /departures/policies: a new draft, a copy
// of the version from (the adopted one, or the default order, if none is
// given), then its editor.
func (s *Server) createDeparturePolicy(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	var base *kinbridge.DeparturePolicy
	if from := formInt(r, "from"); from > 0 {
		p, err := s.svc.FindDeparturePolicy(r.Context(), from)
		if err != nil {
			s.htmlError(w, r, err)
			return
		}
		base = p
	} else {
		ps, err := s.svc.FindDeparturePolicies(r.Context())
		if err != nil {
			s.htmlError(w, r, err)
			return
		}
		for _, p := range ps {
			if p.Status == kinbridge.PolicyAdopted {
				base = p
			}
		}
		if base == nil {
			d := kinbridge.DefaultDeparturePolicy
			base = &d
		}
	}
	p := &kinbridge.DeparturePolicy{Rules: base.Rules, ProgrammeID: base.ProgrammeID, MissedRule: base.MissedRule}
	p.Rules.Tiers = append([]departure.Tier(nil), base.Rules.Tiers...)
	p.Rules.Points = append([]departure.PointRule(nil), base.Rules.Points...)
	if name := strings.TrimSpace(r.PostForm.Get("name")); name != "" {
		p.Rules.Name = name
	}
	if err := s.svc.CreateDeparturePolicy(r.Context(), p); err != nil {
		s.htmlError(w, r, err)
		return
	}
	redirect(w, r, departurePolicyURL(p.ID)+"?done=policy_created")
}

// policyPage is GET /departures/policies/{id}: the version, and for a
// draft the editor.
type policyPage struct {
	P          *kinbridge.DeparturePolicy
	Programme  string
	Editable   bool // a draft, and the caller edits policies
	TierRows   []int
	PointRows  []int
	Facts      []option // of point rules
	TierFacts  []option // of tiers (every request for the last)
	FitRules   []option
	Missed     []option
	Programmes []option
}

// policyFields are the editor's fields shown at their place: the fixed
// ones, and the tiers' and points' by row.
func policyFields(tiers, points int) []string {
	fields := []string{"name", "programme_id", "missed_rule", "fit_rule", "tiers", "points"}
	for i := range tiers {
		fields = append(fields, fmt.Sprintf("tiers[%d].name", i), fmt.Sprintf("tiers[%d].fact", i))
	}
	for i := range points {
		for _, f := range []string{"fact", "threshold", "points", "max"} {
			fields = append(fields, fmt.Sprintf("points[%d].%s", i, f))
		}
	}
	return fields
}

// showDeparturePolicy is GET /departures/policies/{id}.
func (s *Server) showDeparturePolicy(w http.ResponseWriter, r *http.Request) {
	s.renderDeparturePolicy(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderDeparturePolicy(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	id, err := pathID(r)
	var p *kinbridge.DeparturePolicy
	if err == nil {
		p, err = s.svc.FindDeparturePolicy(r.Context(), id)
	}
	var names map[int64]string
	var progOpts []option
	if err == nil {
		names, progOpts, err = s.programmeChoices(r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	if loc, err := s.actorLocation(r); err == nil {
		v.Loc = loc
	}
	v.Title = v.T("departure.policy_title", p.Version, p.Rules.Name)
	v.Path = departurePolicyURL(p.ID)
	page := policyPage{P: p, Programme: names[p.ProgrammeID],
		Editable: p.Status == kinbridge.PolicyDraft && v.Can(string(kinbridge.ActionDeparturePolicy)), Programmes: progOpts}
	for _, f := range []string{departure.FactAgeAtLeast, departure.FactProgramme, departure.FactIllness, departure.FactDisability, departure.FactChildSeparated} {
		page.Facts = append(page.Facts, option{Value: f, Label: v.DepartureFact(f)})
		if f != departure.FactAgeAtLeast {
			page.TierFacts = append(page.TierFacts, option{Value: f, Label: v.DepartureFact(f)})
		}
	}
	page.TierFacts = append(page.TierFacts, option{Value: departure.FactAll, Label: v.DepartureFact(departure.FactAll)})
	for _, f := range []string{departure.FitKeepEmpty, departure.FitNextThatFits} {
		page.FitRules = append(page.FitRules, option{Value: f, Label: v.FitRule(f)})
	}
	for _, m := range []string{kinbridge.MissedKeepPlace, kinbridge.MissedToEnd} {
		page.Missed = append(page.Missed, option{Value: m, Label: v.MissedRule(m)})
	}
	// The form: the stored policy, or what was sent.
	tiers, points := len(p.Rules.Tiers), len(p.Rules.Points)
	if form == nil {
		v.form.Set("name", p.Rules.Name)
		if p.ProgrammeID != 0 {
			v.form.Set("programme_id", strconv.FormatInt(p.ProgrammeID, 10))
		}
		v.form.Set("missed_rule", p.MissedRule)
		v.form.Set("fit_rule", p.Rules.FitRule)
		for i, t := range p.Rules.Tiers {
			v.form.Set(fmt.Sprintf("tiers[%d].name", i), t.Name)
			v.form.Set(fmt.Sprintf("tiers[%d].fact", i), t.Fact)
		}
		for i, pr := range p.Rules.Points {
			v.form.Set(fmt.Sprintf("points[%d].fact", i), pr.Fact)
			if pr.Threshold != 0 {
				v.form.Set(fmt.Sprintf("points[%d].threshold", i), strconv.Itoa(pr.Threshold))
			}
			v.form.Set(fmt.Sprintf("points[%d].points", i), strconv.Itoa(pr.Points))
			if pr.Max != 0 {
				v.form.Set(fmt.Sprintf("points[%d].max", i), strconv.Itoa(pr.Max))
			}
		}
	} else {
		tiers, points = formRows(form, "tiers"), formRows(form, "points")
		for k, vals := range form {
			v.form[k] = vals
		}
	}
	for i := range tiers + policyEditorSpare {
		page.TierRows = append(page.TierRows, i)
	}
	for i := range points + policyEditorSpare {
		page.PointRows = append(page.PointRows, i)
	}
	v.Data = page
	if formErr != nil {
		s.formError(r, v, formErr, policyFields(len(page.TierRows), len(page.PointRows))...)
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "departure_policy", v)
}

// formRows is the number of rows of prefix the form has: one past the
// highest index sent.
func formRows(form url.Values, prefix string) int {
	n := 0
	for k := range form {
		rest, ok := strings.CutPrefix(k, prefix+"[")
		if !ok {
			continue
		}
		i, _, ok := strings.Cut(rest, "]")
		if !ok {
			continue
		}
		if x, err := strconv.Atoi(i); err == nil && x >= 0 && x < 100 {
			n = max(n, x+1)
		}
	}
	return n
}

// formPolicy reads the editor: rows without a name and fact (tiers) or a
// fact (points) are left out; numbers that do not read are refused at
// their field.
func formPolicy(form url.Values) (*kinbridge.DeparturePolicy, error) {
	p := &kinbridge.DeparturePolicy{MissedRule: form.Get("missed_rule")}
	p.Rules.Name = form.Get("name")
	p.Rules.FitRule = form.Get("fit_rule")
	p.ProgrammeID, _ = strconv.ParseInt(form.Get("programme_id"), 10, 64)
	for i := range formRows(form, "tiers") {
		name := strings.TrimSpace(form.Get(fmt.Sprintf("tiers[%d].name", i)))
		fact := form.Get(fmt.Sprintf("tiers[%d].fact", i))
		if name == "" && fact == "" {
			continue
		}
		p.Rules.Tiers = append(p.Rules.Tiers, departure.Tier{Name: name, Fact: fact})
	}
	for i := range formRows(form, "points") {
		fact := form.Get(fmt.Sprintf("points[%d].fact", i))
		if fact == "" {
			continue
		}
		pr := departure.PointRule{Fact: fact}
		for _, n := range []struct {
			name string
			to   *int
		}{{"threshold", &pr.Threshold}, {"points", &pr.Points}, {"max", &pr.Max}} {
			field := fmt.Sprintf("points[%d].%s", i, n.name)
			s := strings.TrimSpace(form.Get(field))
			if s == "" {
				continue
			}
			x, err := strconv.Atoi(s)
			if err != nil {
				return nil, kinbridge.FieldError(field, "error.departure.number", "Give a whole number.")
			}
			*n.to = x
		}
		p.Rules.Points = append(p.Rules.Points, pr)
	}
	return p, nil
}

// updateDeparturePolicy is POST /departures/policies/{id}: the draft's new
// rules.
func (s *Server) updateDeparturePolicy(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	p, err := formPolicy(r.PostForm)
	if err == nil {
		p.ID = id
		err = s.svc.UpdateDeparturePolicy(r.Context(), p)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderDeparturePolicy(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, departurePolicyURL(id)+"?done=policy_saved")
}

// previewPage is GET /departures/policies/{id}/preview: who moves up or
// down under the version, and why.
type previewPage struct {
	P     *kinbridge.DeparturePolicy
	Moves []moveRow
	Up    int
	Down  int
}

type moveRow struct {
	kinbridge.DepartureMove
	Up     bool
	Change int // places moved, always positive
}

// showPolicyPreview is GET /departures/policies/{id}/preview.
func (s *Server) showPolicyPreview(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var p *kinbridge.DeparturePolicy
	if err == nil {
		p, err = s.svc.FindDeparturePolicy(r.Context(), id)
	}
	var moves []kinbridge.DepartureMove
	if err == nil {
		moves, err = s.svc.PreviewDeparturePolicy(r.Context(), id)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Title = v.T("departure.preview_title", p.Version, p.Rules.Name)
	page := previewPage{P: p}
	for _, m := range moves {
		row := moveRow{DepartureMove: m, Up: m.OldRank == 0 || (m.NewRank != 0 && m.NewRank < m.OldRank)}
		row.Change = m.OldRank - m.NewRank
		if row.Change < 0 {
			row.Change = -row.Change
		}
		if row.Up {
			page.Up++
		} else {
			page.Down++
		}
		page.Moves = append(page.Moves, row)
	}
	v.Data = page
	s.render(w, r, http.StatusOK, "departure_preview", v)
}

// adoptDeparturePolicy is POST /departures/policies/{id}/adopt.
func (s *Server) adoptDeparturePolicy(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		_, err = s.svc.AdoptDeparturePolicy(r.Context(), id)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderDeparturePolicy(w, r, statusOf(err), nil, err)
		return
	}
	redirect(w, r, departurePolicyURL(id)+"?done=policy_adopted")
}
