package web

import (
	"net/http"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// searchLimit is how many persons a search shows.
const searchLimit = 50

type searchPage struct {
	Query    string
	Searched bool
	Results  []searchRow
}

type searchRow struct {
	*kinbridge.Person
	UnitName string
}

// showSearch is GET /search?q=: one box that finds persons by any form of
// their name (in any script, a Latin spelling finding Chinese characters
// or Hangul), by a phone number in any format, or by a document number;
// best matches first. The service audits the search and every person it
// shows.
func (s *Server) showSearch(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	v := s.newView(r, "search.title")
	v.form.Set("q", q)
	page := searchPage{Query: q}
	status := http.StatusOK
	if q == "" {
		if err := offer(r, kinbridge.ActionRegistryView); err != nil {
			s.htmlError(w, r, err)
			return
		}
	} else {
		results, err := s.svc.SearchPersons(r.Context(), q, searchLimit)
		if kinbridge.ErrorCode(err) == kinbridge.EINVALID {
			s.formError(r, v, err, "q")
			status = statusOf(err)
		} else if err != nil {
			s.htmlError(w, r, err)
			return
		}
		units, err := s.svc.FindUnits(r.Context())
		if err != nil {
			s.htmlError(w, r, err)
			return
		}
		names := unitNames(units, v.lang)
		page.Searched = status == http.StatusOK
		for _, res := range results {
			page.Results = append(page.Results, searchRow{Person: res.Person, UnitName: names[res.Person.UnitID]})
		}
	}
	v.Data = page
	s.render(w, r, status, "search", v)
}
