package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// The resident page: with the code printed on their slip, a resident sees
// their own request's place, expected day and status, in their language,
// and nothing about anyone else. No session; look-ups are limited per
// address with the calendar feeds' limiter, and every one is audited by
// the service. Every look-up counts against the address, not only the
// wrong ones: a code is long and random, so guessing is hopeless unless
// tried very often, and a known code cannot be used to hammer the list.

// residentPage is the resident page: the form, and the answer.
type residentPage struct {
	View *kinbridge.ResidentView
}

// residentLang is the page's language: ?lang= (or the form's lang), else
// the browser's.
func (s *Server) residentView(r *http.Request) *view {
	v := s.newView(r, "resident.title")
	lang := r.URL.Query().Get("lang")
	if r.Method == http.MethodPost && r.PostForm.Get("lang") != "" {
		lang = r.PostForm.Get("lang")
	}
	if kinbridge.ValidLang(lang) && v.Actor == nil {
		v.localizer = s.localizer(lang)
		v.Title = v.T("resident.title")
	}
	v.Path = "/resident"
	return v
}

// showResident is GET /resident.
func (s *Server) showResident(w http.ResponseWriter, r *http.Request) {
	v := s.residentView(r)
	v.Data = residentPage{}
	s.render(w, r, http.StatusOK, "resident", v)
}

// residentTooMany is the answer once an address has tried too often.
var residentTooMany = &kinbridge.Error{Code: kinbridge.ETOOMANY, Message: "Too many requests. Wait a few minutes and try again.", Key: "error.departure.resident_rate"}

// residentLookup runs one look-up for addr, counting it.
func (s *Server) residentLookup(r *http.Request, code string) (*kinbridge.ResidentView, error) {
	addr := remoteAddr(r)
	now := time.Now()
	if s.residents.blocked(addr, now) {
		return nil, residentTooMany
	}
	s.residents.fail(addr, now)
	code = strings.TrimSpace(code)
	if code == "" {
		return nil, kinbridge.FieldError("code", "error.departure.code_empty", "Type the code printed on your slip.")
	}
	return s.svc.ResidentLookup(r.Context(), code, addr)
}

// lookUpResident is POST /resident: {code, lang}. An unknown or revoked
// code gets the same neutral answer.
func (s *Server) lookUpResident(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.residentView(r)
	rv, err := s.residentLookup(r, r.PostForm.Get("code"))
	status := http.StatusOK
	if err != nil {
		status = statusOf(err)
		if kinbridge.ErrorCode(err) == kinbridge.EINTERNAL {
			s.logError(r, err)
		}
		v.setError(err, "code")
	}
	v.Data = residentPage{View: rv}
	s.render(w, r, status, "resident", v)
}

// apiResidentLookup is POST /api/v1/resident-lookup: {code}; the answer is
// the resident's view, or 404 for any code not known or revoked.
func (s *Server) apiResidentLookup(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	rv, err := s.residentLookup(r, body.Code)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, rv)
}
