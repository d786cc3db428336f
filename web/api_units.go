package web

import (
	"net/http"

	"github.com/kinbridge/kinbridge"
)

// apiMe is GET /api/v1/me: the token's owner.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	a := kinbridge.ActorFromContext(r.Context())
	s.writeJSON(w, r, http.StatusOK, map[string]any{
		"id": a.UserID, "username": a.Username, "role": a.Role, "unit_id": a.UnitID, "lang": a.Lang,
	})
}

// apiListUnits is GET /api/v1/units: the units of the caller's scope.
func (s *Server) apiListUnits(w http.ResponseWriter, r *http.Request) {
	units, err := s.svc.FindUnits(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonUnit, len(units))
	for i, u := range units {
		out[i] = toJSONUnit(u)
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"units": out})
}

type unitInput struct {
	ParentID int64  `json:"parent_id"`
	NameEN   string `json:"name_en"`
	NameKO   string `json:"name_ko"`
	NameZH   string `json:"name_zh"`
	TimeZone string `json:"time_zone"`
}

// apiCreateUnit is POST /api/v1/units.
func (s *Server) apiCreateUnit(w http.ResponseWriter, r *http.Request) {
	var in unitInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	u := &kinbridge.Unit{ParentID: in.ParentID, Names: kinbridge.UnitNames{EN: in.NameEN, KO: in.NameKO, ZH: in.NameZH}, TimeZone: in.TimeZone}
	if err := s.svc.CreateUnit(r.Context(), u); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, toJSONUnit(u))
}

// apiGetUnit is GET /api/v1/units/{id}.
func (s *Server) apiGetUnit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	u, err := s.svc.FindUnitByID(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONUnit(u))
}

// apiUpdateUnit is PATCH /api/v1/units/{id}: the fields given replace the
// unit's; names not given are kept.
func (s *Server) apiUpdateUnit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		NameEN   *string `json:"name_en"`
		NameKO   *string `json:"name_ko"`
		NameZH   *string `json:"name_zh"`
		TimeZone *string `json:"time_zone"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	// The current values are read through the service, so a unit out of
	// scope is "not found" before anything else is said about the request.
	u, err := s.svc.FindUnitByID(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	names, tz := u.Names, u.TimeZone
	for _, p := range []struct{ from, to *string }{
		{in.NameEN, &names.EN}, {in.NameKO, &names.KO}, {in.NameZH, &names.ZH}, {in.TimeZone, &tz},
	} {
		if p.from != nil {
			*p.to = *p.from
		}
	}
	u, err = s.svc.UpdateUnit(r.Context(), id, names, tz)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONUnit(u))
}

// apiMoveUnit is POST /api/v1/units/{id}/move.
func (s *Server) apiMoveUnit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		ParentID int64 `json:"parent_id"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	u, err := s.svc.MoveUnit(r.Context(), id, in.ParentID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONUnit(u))
}
