package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kinbridge/kinbridge"
)

type userPage struct {
	User     *kinbridge.User
	RoleName string
	UnitName string
	LangName string
	Self     bool
}

// showUser is GET /users/{id}. The service audits the read: a user's record
// is personal data.
func (s *Server) showUser(w http.ResponseWriter, r *http.Request) {
	s.renderUser(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	u, err := s.svc.FindUserByID(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	unit, err := s.svc.FindUnitByID(r.Context(), u.UnitID)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Title = u.DisplayName
	v.Path = "/users/" + strconv.FormatInt(u.ID, 10)
	if v.Loc, err = s.actorLocation(r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	v.Data = userPage{User: u, RoleName: v.Role(u.Role), UnitName: unit.Names.In(v.lang), LangName: langName(u.Lang), Self: u.ID == v.Actor.UserID}
	if form != nil {
		v.form = form
	}
	if formErr != nil {
		s.formError(r, v, formErr, "password")
	}
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "user", v)
}

// actorLocation is the time zone of the caller's unit, in which pages show
// times.
func (s *Server) actorLocation(r *http.Request) (loc *time.Location, err error) {
	a := kinbridge.ActorFromContext(r.Context())
	unit, err := s.svc.FindUnitByID(r.Context(), a.UnitID)
	if err != nil {
		return nil, err
	}
	return unit.Location(), nil
}

// disableUser is POST /users/{id}/disable: the service ends the user's
// sessions in the same transaction.
func (s *Server) disableUser(w http.ResponseWriter, r *http.Request) {
	s.userAction(w, r, s.svc.DisableUser, "user_disabled")
}

// enableUser is POST /users/{id}/enable.
func (s *Server) enableUser(w http.ResponseWriter, r *http.Request) {
	s.userAction(w, r, s.svc.EnableUser, "user_enabled")
}

func (s *Server) userAction(w http.ResponseWriter, r *http.Request, action func(ctx context.Context, id int64) error, done string) {
	id, err := pathID(r)
	if err == nil {
		err = action(r.Context(), id)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderUser(w, r, statusOf(err), nil, err)
		return
	}
	redirect(w, r, "/users/"+strconv.FormatInt(id, 10)+"?done="+done)
}

// resetPassword is POST /users/{id}/password: an administrator sets another
// user's password; the service ends that user's sessions.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if err := s.svc.ResetPassword(r.Context(), id, r.PostForm.Get("password")); err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderUser(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, "/users/"+strconv.FormatInt(id, 10)+"?done=password_reset")
}
