package web

import (
	"context"
	"net/http"
	"time"
)

// serveHealth is GET /healthz: 200 "ok" while the database answers, 503
// otherwise, for load balancers and orchestrators.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.svc.Ping(ctx); err != nil {
		s.logger.WarnContext(r.Context(), "health check failed", "error", err.Error())
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("unavailable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}
