package web

import (
	"net/http"

	"github.com/kinbridge/kinbridge"
)

type loginPage struct{ Next string }

// showLogin is GET /login. A visitor already signed in goes straight on.
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if _, err := s.svc.AuthenticateSession(r.Context(), c.Value, remoteAddr(r)); err == nil {
			redirect(w, r, next)
			return
		}
	}
	v := s.newView(r, "login.title")
	v.Data = loginPage{Next: next}
	s.render(w, r, http.StatusOK, "login", v)
}

// login is POST /login. Every sign-in gets a new session token from the
// service; a session the browser held before is ended, so that a token
// planted before sign-in (session fixation) is worth nothing after it.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	next := localPath(r.PostForm.Get("next"))
	token, a, err := s.svc.Login(r.Context(), r.PostForm.Get("username"), r.PostForm.Get("password"), remoteAddr(r), r.UserAgent())
	if err != nil {
		v := s.newView(r, "login.title")
		v.Path = "/login"
		v.form = r.PostForm
		v.Data = loginPage{Next: next}
		s.formError(r, v, err)
		s.render(w, r, statusOf(err), "login", v)
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.svc.Logout(r.Context(), c.Value); err != nil {
			s.logError(r, err)
		}
	}
	if r.PostForm.Get("next") == "" && a.Role == kinbridge.RoleOfficer && a.Can(kinbridge.ActionWelfareView) {
		// An officer's day starts from their work list.
		next = "/work"
	}
	requestInfoFrom(r.Context()).userID = a.UserID
	setCookie(w, sessionCookie, token, 0, s.opts.SecureCookies)
	setCookie(w, langCookie, a.Lang, langCookieAge, s.opts.SecureCookies)
	redirect(w, r, next)
}

// langCookieAge keeps a visitor's language choice for a year.
const langCookieAge = 365 * 24 * 60 * 60

// logout is POST /logout: the session ends in the store, not only in the
// browser. The language cookie keeps the user's language for the sign-in
// page that follows.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err == nil && c.Value != "" {
		if err := s.svc.Logout(r.Context(), c.Value); err != nil {
			s.htmlError(w, r, err)
			return
		}
	}
	clearCookie(w, sessionCookie, s.opts.SecureCookies)
	if a := kinbridge.ActorFromContext(r.Context()); a != nil && kinbridge.ValidLang(a.Lang) {
		setCookie(w, langCookie, a.Lang, langCookieAge, s.opts.SecureCookies)
	}
	redirect(w, r, "/login")
}

// setVisitorLanguage is POST /language, the language switch of a visitor who
// is not signed in: remembered in a cookie.
func (s *Server) setVisitorLanguage(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	if lang := r.PostForm.Get("lang"); kinbridge.ValidLang(lang) {
		setCookie(w, langCookie, lang, langCookieAge, s.opts.SecureCookies)
	}
	redirect(w, r, localPath(r.PostForm.Get("next")))
}
