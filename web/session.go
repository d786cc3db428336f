package web

import (
	"net/http"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// Cookie names. The session cookie holds the random token the service
// returned at sign-in; the store keeps only its hash.
const (
	sessionCookie = "kb_session"
	langCookie    = "kb_lang"
)

// setCookie sets a cookie the way every kinbridge cookie is set: HttpOnly,
// SameSite=Lax (sent on top-level navigation, not on cross-site posts),
// Secure when the site is served over HTTPS. maxAge 0 makes it last for the
// browser session.
func setCookie(w http.ResponseWriter, name, value string, maxAge int, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
}

func clearCookie(w http.ResponseWriter, name string, secure bool) {
	setCookie(w, name, "", -1, secure)
}

// authenticateSession returns the actor of the request's session cookie.
func (s *Server) authenticateSession(w http.ResponseWriter, r *http.Request) (*kinbridge.Actor, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, &kinbridge.Error{Code: kinbridge.EUNAUTHORIZED, Message: "Sign in first.", Key: "error.unauthorized"}
	}
	return s.svc.AuthenticateSession(r.Context(), c.Value, remoteAddr(r))
}

// authenticateToken returns the actor of the request's bearer token. The API
// does not accept the session cookie: a program holds a token, and a
// cookie-less API cannot be driven by another site's page.
func (s *Server) authenticateToken(r *http.Request) (*kinbridge.Actor, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, &kinbridge.Error{Code: kinbridge.EUNAUTHORIZED, Message: "Send an API token: Authorization: Bearer kb_…", Key: "error.unauthorized"}
	}
	return s.svc.AuthenticateToken(r.Context(), strings.TrimSpace(token), remoteAddr(r))
}
