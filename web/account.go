package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kinbridge/kinbridge"
)

type accountPage struct {
	UnitName string
	RoleName string
	Langs    []option
	Tokens   []*kinbridge.APIToken
	Email    string // where the daily digest goes; "" for none
	// NewToken and Secret are set once, right after a token is created: the
	// secret is never stored and cannot be shown again.
	NewToken *kinbridge.APIToken
	Secret   string
}

// showAccount is GET /account: the caller's own password, language and API
// tokens.
func (s *Server) showAccount(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, nil, nil, nil)
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error, page *accountPage) {
	a := kinbridge.ActorFromContext(r.Context())
	unit, err := s.svc.FindUnitByID(r.Context(), a.UnitID)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	tokens, err := s.svc.FindOwnAPITokens(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	email, err := s.svc.Email(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "account.title")
	v.Path = "/account"
	v.form.Set("lang", v.lang)
	v.form.Set("email", email)
	v.Loc = unit.Location()
	if page == nil {
		page = &accountPage{}
	}
	page.UnitName, page.RoleName, page.Tokens, page.Langs, page.Email = unit.Names.In(v.lang), v.Role(a.Role), tokens, langOptions(), email
	v.Data = page
	if form != nil {
		v.form = form
	}
	if formErr != nil {
		s.formError(r, v, formErr, "current_password", "new_password", "new_password_confirm", "lang", "name", "email")
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "account", v)
}

// changeOwnPassword is POST /account/password.
func (s *Server) changeOwnPassword(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	pw := r.PostForm.Get("new_password")
	var err error
	if pw != r.PostForm.Get("new_password_confirm") {
		// A typing check for the form, not a rule of the domain: the API
		// takes the password once.
		err = &kinbridge.Error{Code: kinbridge.EINVALID, Field: "new_password_confirm", Key: "error.password.mismatch", Message: "The two new passwords differ."}
	} else {
		err = s.svc.ChangeOwnPassword(r.Context(), r.PostForm.Get("current_password"), pw)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderAccount(w, r, statusOf(err), url.Values{}, err, nil)
		return
	}
	redirect(w, r, "/account?done=password_changed")
}

// setOwnLanguage is POST /account/language: remembered with the user, so
// that it follows them to any browser.
func (s *Server) setOwnLanguage(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	lang := r.PostForm.Get("lang")
	if err := s.svc.SetOwnLanguage(r.Context(), lang); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderAccount(w, r, statusOf(err), r.PostForm, err, nil)
		return
	}
	setCookie(w, langCookie, lang, langCookieAge, s.opts.SecureCookies)
	next := r.PostForm.Get("next")
	if next == "" {
		next = "/account?done=language_changed"
	}
	redirect(w, r, localPath(next))
}

// createToken is POST /account/tokens. The page that answers shows the
// secret, once; it is not a redirect, because the secret must not sit in a
// URL or in the store.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	t, secret, err := s.svc.CreateAPIToken(r.Context(), r.PostForm.Get("name"))
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderAccount(w, r, statusOf(err), r.PostForm, err, nil)
		return
	}
	s.renderAccount(w, r, http.StatusCreated, nil, nil, &accountPage{NewToken: t, Secret: secret})
}

// revokeToken is POST /account/tokens/{id}/revoke.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.svc.RevokeAPIToken(r.Context(), id)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	redirect(w, r, "/account?done=token_revoked#token-"+strconv.FormatInt(id, 10))
}

// setOwnEmail is POST /account/email: the address the daily digest of the
// caller's work is mailed to; empty stops the mail.
func (s *Server) setOwnEmail(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	if err := s.svc.SetEmail(r.Context(), r.PostForm.Get("email")); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderAccount(w, r, statusOf(err), r.PostForm, err, nil)
		return
	}
	redirect(w, r, "/account?done=email_saved#email-heading")
}
