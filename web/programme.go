package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kinbridge/kinbridge"
)

type programmePage struct {
	Programme  *kinbridge.Programme
	Name       string
	CallPolicy *callPolicyForm // the family calls' policy form
}

// showProgramme is GET /programmes/{id}: a programme, and the form to change
// it for those who may.
func (s *Server) showProgramme(w http.ResponseWriter, r *http.Request) {
	s.renderProgramme(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderProgramme(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	p, err := s.svc.FindProgrammeByID(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Title = p.Names.In(v.lang)
	v.Path = "/programmes/" + strconv.FormatInt(p.ID, 10)
	if v.Loc, err = s.actorLocation(r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	v.Data = programmePage{Programme: p, Name: v.Title, CallPolicy: v.fillCallPolicyForm(p)}
	if form != nil && form.Has("calls.quota") {
		v.form.Del("calls.places") // unticked boxes are not sent
	}
	v.form.Set("code", p.Code)
	v.form.Set("name_en", p.Names.EN)
	v.form.Set("name_ko", p.Names.KO)
	v.form.Set("name_zh", p.Names.ZH)
	v.form.Set("description", p.Description)
	for k, vals := range form {
		v.form[k] = vals
	}
	if formErr != nil {
		s.formError(r, v, formErr, append(programmeFields, callPolicyFields...)...)
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "programme", v)
}

// updateProgramme is POST /programmes/{id}. The settings of later
// capabilities are not on this form: they are kept as they are.
func (s *Server) updateProgramme(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	var p *kinbridge.Programme
	if err == nil {
		p, err = s.svc.FindProgrammeByID(r.Context(), id)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	p.Code = r.PostForm.Get("code")
	p.Names = kinbridge.UnitNames{EN: r.PostForm.Get("name_en"), KO: r.PostForm.Get("name_ko"), ZH: r.PostForm.Get("name_zh")}
	p.Description = r.PostForm.Get("description")
	if err := s.svc.UpdateProgramme(r.Context(), p); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderProgramme(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, "/programmes/"+strconv.FormatInt(id, 10)+"?done=programme_saved")
}
