package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// parsePages parses each page template together with the layout, so that
// every page defines its own "content" without clashing with the others.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).ParseFS(templateFS, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", base, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// view is what every page template gets: the localizer's methods (T, Date,
// Num, Role, Err) promoted from the embedded pointer, the caller, the form
// being shown with its errors, and the page's own Data.
type view struct {
	*localizer
	Actor  *kinbridge.Actor
	Title  string
	Path   string // the current path and query, where a sign-in or language switch comes back to
	Loc    *time.Location
	Error  string // an error that belongs to no one field
	Notice string // a success message
	// Submitted is set when a failed post is shown again: its form is shown
	// even to a caller whose role would not be offered it, so that the
	// answer to what they sent is in its place.
	Submitted bool
	Data      any
	// Refresh, when not zero, reloads the page after that many seconds:
	// how a page that shows work in progress (an import) follows it
	// without a script.
	Refresh int
	// Unread is the caller's count of unread notifications, the badge of
	// the navigation; render fills it in.
	Unread   int
	form     url.Values
	query    url.Values // of the request, for filters
	fieldErr map[string]string
	errField string // the field of the form error, for autofocus
}

// HTMLLang is the <html lang> attribute.
func (v *view) HTMLLang() string { return htmlLang(v.lang) }

// Lang is the page's language code.
func (v *view) Lang() string { return v.lang }

// Langs are the choices of the language switch, each named in itself.
func (v *view) Langs() []langOption {
	opts := make([]langOption, len(kinbridge.Langs))
	for i, l := range kinbridge.Langs {
		opts[i] = langOption{Code: l, Name: langName(l), HTMLLang: htmlLang(l), Selected: l == v.lang}
	}
	return opts
}

type langOption struct {
	Code, Name, HTMLLang string
	Selected             bool
}

// Can reports whether the caller's role has the action, to decide which
// buttons and forms to show. It is presentation only: the service decides
// every request again.
func (v *view) Can(action string) bool { return v.Actor.Can(kinbridge.Action(action)) }

// FieldError is the translated error of one form field, or "".
func (v *view) FieldError(name string) string { return v.fieldErr[name] }

// Value is the submitted value of a form field, so that a form shown again
// after an error keeps what was typed (never passwords: see field).
func (v *view) Value(name string) string { return v.form.Get(name) }

// Field describes an input for the "field" template: label, value, error
// and the ARIA attributes that tie the error to the input.
func (v *view) Field(name, labelKey, typ string) fieldView {
	f := fieldView{Name: name, ID: "f-" + name, Label: v.T(labelKey), Type: typ, Error: v.fieldErr[name], Autofocus: v.errField == name}
	if typ != "password" {
		f.Value = v.form.Get(name)
	}
	if h := labelKey + ".hint"; v.Has(h) {
		f.Hint = v.T(h)
	}
	switch typ {
	case "password":
		f.Autocomplete = "new-password"
		if name == "current_password" || name == "password" && labelKey == "login.password" {
			f.Autocomplete = "current-password"
		}
	case "username":
		f.Type, f.Autocomplete = "text", "username"
	default:
		f.Autocomplete = "off"
	}
	return f
}

// Required is Field for an input that must be filled in.
func (v *view) Required(name, labelKey, typ string) fieldView {
	f := v.Field(name, labelKey, typ)
	f.Required = true
	return f
}

type fieldView struct {
	Name, ID, Label, Type, Value, Error, Hint, Autocomplete, List string
	Required, Autofocus                                           bool
}

// WithList ties the input to a <datalist> of suggestions.
func (f fieldView) WithList(id string) fieldView {
	f.List = id
	return f
}

// option is one choice of a <select>.
type option struct {
	Value, Label, Lang string
}

// selectView describes a <select> for the "select" template.
type selectView struct {
	Name, ID, Label, Error, Hint, Any string
	Options                           []selectOption
	Autofocus                         bool
}

type selectOption struct {
	option
	Selected bool
}

// Select describes a <select> whose chosen option is the form's value.
func (v *view) Select(name, labelKey string, opts []option) selectView {
	sv := selectView{Name: name, ID: "f-" + name, Label: v.T(labelKey), Error: v.fieldErr[name], Autofocus: v.errField == name}
	if h := labelKey + ".hint"; v.Has(h) {
		sv.Hint = v.T(h)
	}
	cur := v.form.Get(name)
	for _, o := range opts {
		sv.Options = append(sv.Options, selectOption{option: o, Selected: o.Value == cur})
	}
	return sv
}

// Filter describes a <select> of a filter form (GET): its choice is the
// query's rather than the form's, and its id is its own, so that a page can
// show a filter and a form with a field of the same name. The first choice
// selects everything.
func (v *view) Filter(name, labelKey, anyKey string, opts []option) selectView {
	sv := selectView{Name: name, ID: "filter-" + name, Label: v.T(labelKey), Any: v.T(anyKey)}
	cur := v.query.Get(name)
	for _, o := range opts {
		sv.Options = append(sv.Options, selectOption{option: o, Selected: o.Value == cur})
	}
	return sv
}

// SelectAny is Select with a first choice that selects nothing, for filters.
func (v *view) SelectAny(name, labelKey, anyKey string, opts []option) selectView {
	sv := v.Select(name, labelKey, opts)
	sv.Any = v.T(anyKey)
	return sv
}

// Selected reports whether value is the submitted value of field, for
// <option selected> in a form shown again.
func (v *view) Selected(field string, value any) bool { return v.form.Get(field) == fmt.Sprint(value) }

// Textarea is Field for a <textarea>, for text of several lines.
func (v *view) Textarea(name, labelKey string) fieldView {
	f := v.Field(name, labelKey, "textarea")
	f.Autocomplete = ""
	return f
}

// checkboxesView describes a group of checkboxes that submit one name with
// several values, for the "checkboxes" template.
type checkboxesView struct {
	Name, ID, Legend, Error, Hint string
	Boxes                         []checkbox
}

type checkbox struct {
	option
	ID      string
	Checked bool
}

// Checkboxes describes a group of checkboxes, each checked when its value is
// among the form's values of name.
func (v *view) Checkboxes(name, labelKey string, opts []option) checkboxesView {
	cv := checkboxesView{Name: name, ID: "f-" + name, Legend: v.T(labelKey), Error: v.fieldErr[name]}
	if h := labelKey + ".hint"; v.Has(h) {
		cv.Hint = v.T(h)
	}
	for i, o := range opts {
		cv.Boxes = append(cv.Boxes, checkbox{option: o, ID: fmt.Sprintf("f-%s-%d", name, i), Checked: slices.Contains(v.form[name], o.Value)})
	}
	return cv
}

// Date formats t in the page's time zone.
func (v *view) Date(t time.Time) string { return v.localizer.Date(t, v.Loc) }

// newView starts the view of a page for the request's caller (or visitor).
func (s *Server) newView(r *http.Request, titleKey string) *view {
	a := kinbridge.ActorFromContext(r.Context())
	lang := ""
	if a != nil && kinbridge.ValidLang(a.Lang) {
		lang = a.Lang
	} else {
		lang = negotiateLanguage(r)
	}
	v := &view{localizer: s.localizer(lang), Actor: a, Loc: time.UTC, form: url.Values{}, query: r.URL.Query(), fieldErr: map[string]string{}}
	if r.Method == http.MethodGet {
		// A page shown in answer to a post sets Path to the page to go back
		// to; the post's own URL may not answer GET.
		v.Path = r.URL.RequestURI()
	}
	if titleKey != "" {
		v.Title = v.T(titleKey)
	}
	return v
}

// setError shows err on the page: next to its field when it names one the
// form has, at the top of the page otherwise.
func (v *view) setError(err error, fields ...string) {
	v.Submitted = true
	field := kinbridge.ErrorField(err)
	for _, f := range fields {
		if f == field {
			v.fieldErr[field] = v.Err(err)
			v.errField = field
			return
		}
	}
	v.Error = v.Err(err)
}

// render writes a page. The page is rendered into a buffer first, so that a
// template error becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	t, ok := s.pages[name]
	if !ok {
		s.internalError(w, r, fmt.Errorf("web: no page template %q", name))
		return
	}
	if v.Actor != nil && !v.Actor.System {
		// One indexed count per page. The badge is worth less than the
		// page: if the count fails, the page is shown without it.
		n, err := s.svc.CountUnread(r.Context())
		if err != nil {
			s.logError(r, err)
		}
		v.Unread = n
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.internalError(w, r, fmt.Errorf("web: render %s: %w", name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	setSecurityHeaders(h)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// setSecurityHeaders forbids what the pages never need: scripts and styles
// from elsewhere, framing, sniffing, and leaking paths to other sites.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
}

// htmlError answers a page request that failed: a visitor who is not signed
// in goes to the sign-in page, every other error gets an error page with the
// status of its code.
func (s *Server) htmlError(w http.ResponseWriter, r *http.Request, err error) {
	code := kinbridge.ErrorCode(err)
	if code == kinbridge.EUNAUTHORIZED {
		clearCookie(w, sessionCookie, s.opts.SecureCookies)
		target := "/login"
		if r.Method == http.MethodGet && r.URL.Path != "/" {
			target += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	if code == kinbridge.EINTERNAL {
		s.logError(r, err)
	}
	v := s.newView(r, "error.title")
	v.Error = v.Err(err)
	v.Data = errorPage{Status: statusOf(err)}
	s.render(w, r, statusOf(err), "error", v)
}

type errorPage struct{ Status int }

// internalError logs err and shows a generic error page. It does not render
// through a template, so that a broken template cannot loop.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.logError(r, err)
	if isAPIPath(r.URL.Path) {
		s.apiError(w, r, errors.New("internal"))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	l := s.newView(r, "")
	fmt.Fprintln(w, l.T("error.code.internal"))
}

func (s *Server) logError(r *http.Request, err error) {
	s.logger.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "error", err.Error())
}

// redirect sends the browser on after a successful post (post/redirect/get),
// so that reloading the page does not post again.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// localPath returns next if it is a path on this site, "/" otherwise, so
// that a crafted ?next= cannot send a user elsewhere after signing in.
func localPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// serveStatic serves the embedded style sheet and icons.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/") {
		s.notFound(w, r) // no directory listings
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.FileServerFS(staticFS).ServeHTTP(w, r)
}
