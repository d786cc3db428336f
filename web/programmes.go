package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kinbridge/kinbridge"
)

type programmesPage struct {
	Programmes []programmeRow
}

type programmeRow struct {
	*kinbridge.Programme
	Name string
}

// showProgrammes is GET /programmes: every programme (they are
// agency-wide), and the form to add one for those who may.
func (s *Server) showProgrammes(w http.ResponseWriter, r *http.Request) {
	s.renderProgrammes(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderProgrammes(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	ps, err := s.svc.FindProgrammes(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "programmes.title")
	v.Path = "/programmes"
	var page programmesPage
	for _, p := range ps {
		page.Programmes = append(page.Programmes, programmeRow{Programme: p, Name: p.Names.In(v.lang)})
	}
	v.Data = page
	if form != nil {
		v.form = form
	}
	if formErr != nil {
		s.formError(r, v, formErr, programmeFields...)
	}
	s.render(w, r, status, "programmes", v)
}

// programmeFields are the inputs of the programme form.
var programmeFields = []string{"code", "name_en", "name_ko", "name_zh", "description"}

// createProgramme is POST /programmes.
func (s *Server) createProgramme(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	p := &kinbridge.Programme{
		Code:        r.PostForm.Get("code"),
		Names:       kinbridge.UnitNames{EN: r.PostForm.Get("name_en"), KO: r.PostForm.Get("name_ko"), ZH: r.PostForm.Get("name_zh")},
		Description: r.PostForm.Get("description"),
	}
	if err := s.svc.CreateProgramme(r.Context(), p); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderProgrammes(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, "/programmes/"+strconv.FormatInt(p.ID, 10)+"?done=programme_created")
}
