package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/kinbridge/kinbridge"
)

// jsonProgramme is a programme in the API. Settings is the JSON object that
// later capabilities keep their settings in.
type jsonProgramme struct {
	ID          int64           `json:"id"`
	Code        string          `json:"code"`
	NameEN      string          `json:"name_en"`
	NameKO      string          `json:"name_ko"`
	NameZH      string          `json:"name_zh"`
	Description string          `json:"description"`
	Settings    json.RawMessage `json:"settings"`
	Created     time.Time       `json:"created"`
	Updated     time.Time       `json:"updated"`
}

func toJSONProgramme(p *kinbridge.Programme) jsonProgramme {
	settings := json.RawMessage(p.Settings)
	if !json.Valid(settings) {
		settings = json.RawMessage("{}")
	}
	return jsonProgramme{ID: p.ID, Code: p.Code, NameEN: p.Names.EN, NameKO: p.Names.KO, NameZH: p.Names.ZH,
		Description: p.Description, Settings: settings, Created: p.Created, Updated: p.Updated}
}

// programmeInput is the body of POST and PATCH; in a PATCH, fields not given
// are kept.
type programmeInput struct {
	Code        *string          `json:"code"`
	NameEN      *string          `json:"name_en"`
	NameKO      *string          `json:"name_ko"`
	NameZH      *string          `json:"name_zh"`
	Description *string          `json:"description"`
	Settings    *json.RawMessage `json:"settings"`
}

// apply sets the fields given on p.
func (in programmeInput) apply(p *kinbridge.Programme) error {
	for _, f := range []struct{ from, to *string }{
		{in.Code, &p.Code}, {in.NameEN, &p.Names.EN}, {in.NameKO, &p.Names.KO}, {in.NameZH, &p.Names.ZH}, {in.Description, &p.Description},
	} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if in.Settings != nil {
		var obj map[string]any
		if err := json.Unmarshal(*in.Settings, &obj); err != nil || obj == nil {
			return &kinbridge.Error{Code: kinbridge.EINVALID, Field: "settings", Message: "settings must be a JSON object."}
		}
		p.Settings = string(*in.Settings)
	}
	return nil
}

// apiListProgrammes is GET /api/v1/programmes.
func (s *Server) apiListProgrammes(w http.ResponseWriter, r *http.Request) {
	ps, err := s.svc.FindProgrammes(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonProgramme, len(ps))
	for i, p := range ps {
		out[i] = toJSONProgramme(p)
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"programmes": out})
}

// apiCreateProgramme is POST /api/v1/programmes.
func (s *Server) apiCreateProgramme(w http.ResponseWriter, r *http.Request) {
	var in programmeInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	p := &kinbridge.Programme{}
	err := in.apply(p)
	if err == nil {
		err = s.svc.CreateProgramme(r.Context(), p)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, toJSONProgramme(p))
}

// apiGetProgramme is GET /api/v1/programmes/{id}.
func (s *Server) apiGetProgramme(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var p *kinbridge.Programme
	if err == nil {
		p, err = s.svc.FindProgrammeByID(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONProgramme(p))
}

// apiUpdateProgramme is PATCH /api/v1/programmes/{id}.
func (s *Server) apiUpdateProgramme(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in programmeInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	p, err := s.svc.FindProgrammeByID(r.Context(), id)
	if err == nil {
		err = in.apply(p)
	}
	if err == nil {
		err = s.svc.UpdateProgramme(r.Context(), p)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONProgramme(p))
}
