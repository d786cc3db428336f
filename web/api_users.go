package web

import (
	"context"
	"net/http"

	"github.com/kinbridge/kinbridge"
)

// apiListUsers is GET /api/v1/users: the users of the caller's scope, a page
// at a time (limit, offset), optionally of one unit or role.
func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := kinbridge.UserFilter{Role: kinbridge.Role(q.Get("role")), IncludeDisabled: q.Get("include_disabled") == "true"}
	var err error
	var limit, offset int64
	if f.UnitID, err = queryInt(r, "unit_id"); err == nil {
		if limit, err = queryInt(r, "limit"); err == nil {
			offset, err = queryInt(r, "offset")
		}
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.Limit, f.Offset = int(limit), int(offset)
	users, total, err := s.svc.FindUsers(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonUser, len(users))
	for i, u := range users {
		out[i] = toJSONUser(u)
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"users": out, "total": total})
}

// apiCreateUser is POST /api/v1/users.
func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username    string         `json:"username"`
		DisplayName string         `json:"display_name"`
		Role        kinbridge.Role `json:"role"`
		UnitID      int64          `json:"unit_id"`
		Password    string         `json:"password"`
		Lang        string         `json:"lang"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	u, err := s.svc.CreateUser(r.Context(), kinbridge.NewUser{
		Username: in.Username, DisplayName: in.DisplayName, Role: in.Role, UnitID: in.UnitID, Password: in.Password, Lang: in.Lang,
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, toJSONUser(u))
}

// apiGetUser is GET /api/v1/users/{id}; the service audits the read.
func (s *Server) apiGetUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	u, err := s.svc.FindUserByID(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONUser(u))
}

// apiDisableUser is POST /api/v1/users/{id}/disable.
func (s *Server) apiDisableUser(w http.ResponseWriter, r *http.Request) {
	s.apiUserAction(w, r, s.svc.DisableUser)
}

// apiEnableUser is POST /api/v1/users/{id}/enable.
func (s *Server) apiEnableUser(w http.ResponseWriter, r *http.Request) {
	s.apiUserAction(w, r, s.svc.EnableUser)
}

func (s *Server) apiUserAction(w http.ResponseWriter, r *http.Request, action func(context.Context, int64) error) {
	id, err := pathID(r)
	if err == nil {
		err = action(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiResetPassword is POST /api/v1/users/{id}/password.
func (s *Server) apiResetPassword(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.svc.ResetPassword(r.Context(), id, in.Password); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
