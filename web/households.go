package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kinbridge/kinbridge"
)

// householdsPerPage is the length of a page of the household list.
const householdsPerPage = 50

type householdsPage struct {
	Households []householdRow
	Total      int
	Page       int
	Pages      int
	PrevURL    string
	NextURL    string
	Filtered   bool
	Units      []option
	Programmes []option
	Statuses   []option
	ExportCSV  string
	ExportXLSX string
	// ListHidden is set when a failed post is answered to a caller who may
	// not list households: the form is shown with its error, alone.
	ListHidden bool
}

type householdRow struct {
	*kinbridge.Household
	UnitName string
}

// showHouseholds is GET /households: the households of the caller's scope,
// a page at a time, narrowed by unit (with its subtree), programme and
// status; and the form to add a household for those who may.
func (s *Server) showHouseholds(w http.ResponseWriter, r *http.Request) {
	s.renderHouseholds(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderHouseholds(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	f := kinbridge.HouseholdFilter{Status: kinbridge.PersonStatus(q.Get("status")), Limit: householdsPerPage, Offset: (page - 1) * householdsPerPage}
	f.UnitID, _ = strconv.ParseInt(q.Get("unit_id"), 10, 64)
	f.ProgrammeID, _ = strconv.ParseInt(q.Get("programme_id"), 10, 64)

	v := s.newView(r, "households.title")
	if v.Path == "" {
		v.Path = "/households"
	}
	hs, total, err := s.svc.FindHouseholds(r.Context(), f)
	listHidden := false
	if formErr != nil && kinbridge.ErrorCode(err) == kinbridge.EFORBIDDEN {
		// The answer to the post is formErr; that the caller may not list
		// households must not replace it.
		listHidden, err = true, nil
	}
	var filterErr error
	if kinbridge.ErrorCode(err) == kinbridge.EINVALID || (f.UnitID != 0 && kinbridge.ErrorCode(err) == kinbridge.ENOTFOUND) {
		// A filter that names an unknown status or a unit outside the
		// scope is shown at its field, with an empty list.
		filterErr, err = err, nil
		if kinbridge.ErrorCode(filterErr) == kinbridge.ENOTFOUND {
			filterErr = &kinbridge.Error{Code: kinbridge.EINVALID, Field: "unit_id", Key: "error.household.unit_filter", Message: "No such unit among yours."}
		}
	}
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
	names := unitNames(units, v.lang)
	tree := unitOptions(unitTree(units, v.lang), 0)
	p := householdsPage{Total: total, Page: page, Pages: max(1, (total+householdsPerPage-1)/householdsPerPage),
		Filtered: f.UnitID != 0 || f.ProgrammeID != 0 || f.Status != "", ListHidden: listHidden,
		Units: tree, Programmes: v.programmeOptions(programmes), Statuses: v.statusOptions()}
	for _, h := range hs {
		p.Households = append(p.Households, householdRow{Household: h, UnitName: names[h.UnitID]})
	}
	filters := url.Values{}
	for _, k := range []string{"unit_id", "programme_id", "status"} {
		if q.Get(k) != "" {
			filters.Set(k, q.Get(k))
		}
	}
	pageURL := func(n int) string {
		q := cloneValues(filters)
		q.Set("page", strconv.Itoa(n))
		return "/households?" + q.Encode()
	}
	if page > 1 {
		p.PrevURL = pageURL(page - 1)
	}
	if page < p.Pages {
		p.NextURL = pageURL(page + 1)
	}
	for _, format := range []string{"csv", "xlsx"} {
		q := cloneValues(filters)
		q.Set("format", format)
		if format == "csv" {
			p.ExportCSV = "/export?" + q.Encode()
		} else {
			p.ExportXLSX = "/export?" + q.Encode()
		}
	}
	v.Data = p
	// The filters show the query (view.Filter); the add form starts in
	// the unit filtered on, or the caller's own.
	if form != nil {
		v.form = form
	} else if f.UnitID != 0 {
		v.form.Set("unit_id", strconv.FormatInt(f.UnitID, 10))
	} else {
		v.form.Set("unit_id", strconv.FormatInt(v.Actor.UnitID, 10))
	}
	if filterErr != nil {
		// At the top of the page: the add form has a unit_id of its own.
		s.formError(r, v, filterErr)
		status = statusOf(filterErr)
	}
	if formErr != nil {
		s.formError(r, v, formErr, householdFields...)
	}
	s.render(w, r, status, "households", v)
}

// createHousehold is POST /households.
func (s *Server) createHousehold(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	h := householdFromForm(r)
	if err := s.svc.CreateHousehold(r.Context(), h); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderHouseholds(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, "/households/"+strconv.FormatInt(h.ID, 10)+"?done=household_created")
}
