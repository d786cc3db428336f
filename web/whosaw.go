package web

import (
	"net/http"
	"net/url"
	"strconv"
)

// whoSawPerPage is how many entries WhoSawPerson returns at most.
const whoSawPerPage = 200

type whoSawPage struct {
	PersonID  int64
	Entries   []auditRow
	OlderURL  string
	NewestURL string
	ZoneName  string
}

// showWhoSaw is GET /persons/{id}/audit: who read or changed the person's
// record or their household's, and when, newest first; "older" pages go on
// from the last entry shown. The page names the person by number only:
// showing their name would be one more read of their record.
func (s *Server) showWhoSaw(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	entries, err := s.svc.WhoSawPerson(r.Context(), id, before)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Title = v.No("whosaw.title", id)
	if v.Loc, err = s.actorLocation(r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	page := whoSawPage{PersonID: id, ZoneName: v.Loc.String()}
	for _, e := range entries {
		page.Entries = append(page.Entries, auditRowOf(v, e))
	}
	if len(entries) == whoSawPerPage {
		page.OlderURL = personURL(id) + "/audit?" + url.Values{"before": {strconv.FormatInt(entries[len(entries)-1].Seq, 10)}}.Encode()
	}
	if before != 0 {
		page.NewestURL = personURL(id) + "/audit"
	}
	v.Data = page
	s.render(w, r, http.StatusOK, "whosaw", v)
}
