package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kinbridge/kinbridge"
)

// usersPerPage is the length of a page of the user list.
const usersPerPage = 50

type usersPage struct {
	Users      []userRow
	Total      int
	Page       int
	Pages      int
	PrevURL    string
	NextURL    string
	Units      []option
	Roles      []option
	Langs      []option
	UnitFilter int64
	// ListHidden is set when a failed post is answered by a caller who may
	// not list users: the form is shown with its error, without the list.
	ListHidden bool
}

type userRow struct {
	*kinbridge.User
	RoleName string
	UnitName string
}

// showUsers is GET /users: the users of the caller's scope, a page at a
// time, optionally of one unit (?unit_id=), and the form to add a user.
func (s *Server) showUsers(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	unitID, _ := strconv.ParseInt(q.Get("unit_id"), 10, 64)
	users, total, err := s.svc.FindUsers(r.Context(), kinbridge.UserFilter{
		UnitID: unitID, IncludeDisabled: true, Limit: usersPerPage, Offset: (page - 1) * usersPerPage,
	})
	listHidden := false
	if formErr != nil && kinbridge.ErrorCode(err) == kinbridge.EFORBIDDEN {
		// The answer to the post is formErr; that the caller may not list
		// users must not replace it.
		listHidden, err = true, nil
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	units, err := s.svc.FindUnits(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "users.title")
	if v.Path == "" {
		v.Path = "/users"
	}
	names := map[int64]string{}
	for _, u := range units {
		names[u.ID] = u.Names.In(v.lang)
	}
	p := usersPage{Total: total, Page: page, Pages: (total + usersPerPage - 1) / usersPerPage, UnitFilter: unitID, ListHidden: listHidden}
	if p.Pages == 0 {
		p.Pages = 1
	}
	for _, u := range users {
		p.Users = append(p.Users, userRow{User: u, RoleName: v.Role(u.Role), UnitName: names[u.UnitID]})
	}
	pageURL := func(n int) string {
		q := url.Values{}
		if unitID != 0 {
			q.Set("unit_id", strconv.FormatInt(unitID, 10))
		}
		q.Set("page", strconv.Itoa(n))
		return "/users?" + q.Encode()
	}
	if page > 1 {
		p.PrevURL = pageURL(page - 1)
	}
	if page < p.Pages {
		p.NextURL = pageURL(page + 1)
	}
	p.Units = unitOptions(unitTree(units, v.lang), 0)
	for _, role := range kinbridge.Roles {
		p.Roles = append(p.Roles, option{Value: string(role), Label: v.Role(role)})
	}
	p.Langs = langOptions()
	v.Data = p
	if form != nil {
		v.form = form
	} else {
		v.form.Set("unit_id", strconv.FormatInt(v.Actor.UnitID, 10))
		if unitID != 0 {
			v.form.Set("unit_id", strconv.FormatInt(unitID, 10))
		}
		v.form.Set("role", string(kinbridge.RoleOfficer))
		v.form.Set("lang", v.lang)
	}
	if formErr != nil {
		s.formError(r, v, formErr, "username", "display_name", "role", "unit_id", "password", "lang")
	}
	s.render(w, r, status, "users", v)
}

// createUser is POST /users.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	u, err := s.svc.CreateUser(r.Context(), kinbridge.NewUser{
		Username:    r.PostForm.Get("username"),
		DisplayName: r.PostForm.Get("display_name"),
		Role:        kinbridge.Role(r.PostForm.Get("role")),
		UnitID:      formInt(r, "unit_id"),
		Password:    r.PostForm.Get("password"),
		Lang:        r.PostForm.Get("lang"),
	})
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderUsers(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, "/users/"+strconv.FormatInt(u.ID, 10)+"?done=user_created")
}
