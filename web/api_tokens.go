package web

import (
	"net/http"
)

// apiListTokens is GET /api/v1/tokens: the caller's own API tokens.
func (s *Server) apiListTokens(w http.ResponseWriter, r *http.Request) {
	tokens, err := s.svc.FindOwnAPITokens(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]jsonToken, len(tokens))
	for i, t := range tokens {
		out[i] = toJSONToken(t)
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"tokens": out})
}

// apiCreateToken is POST /api/v1/tokens. The answer holds the secret, which
// is never shown again.
func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	t, secret, err := s.svc.CreateAPIToken(r.Context(), in.Name)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, map[string]any{"token": toJSONToken(t), "secret": secret})
}

// apiRevokeToken is DELETE /api/v1/tokens/{id}.
func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.svc.RevokeAPIToken(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
