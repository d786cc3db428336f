package web

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kinbridge/kinbridge"
)

// officerWeekPage is an officer's printable week: each day's duties and
// calls, and, on the officer's own week, their calendar feed URLs.
type officerWeekPage struct {
	Officer     *kinbridge.User
	OfficerName string
	WeekStart   string
	Prev, Next  string
	Days        []weekDay
	Own         bool
	Tokens      []*kinbridge.CalendarToken
	NewFeedURL  string // a feed URL just made, shown once
	Today       string
}

// weekDay is one day of an officer's week.
type weekDay struct {
	Day    string
	Duties []dutyRow
	Calls  []callRow
}

// showMyCallWeek is GET /calls/me: the caller's week, this week in their
// unit's time zone.
func (s *Server) showMyCallWeek(w http.ResponseWriter, r *http.Request) {
	a := kinbridge.ActorFromContext(r.Context())
	if err := offer(r, kinbridge.ActionCallView); err != nil {
		s.htmlError(w, r, err)
		return
	}
	loc, err := s.actorLocation(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	redirect(w, r, officerWeekURL(a.UserID, thisMonday(s.now(), loc)))
}

// showOfficerWeek is GET /calls/officer/{id}/{week}.
func (s *Server) showOfficerWeek(w http.ResponseWriter, r *http.Request) {
	s.renderOfficerWeek(w, r, http.StatusOK, "", "")
}

// renderOfficerWeek shows an officer's week; newURL is a feed URL just
// made, and week, when set, the week to show instead of the path's.
func (s *Server) renderOfficerWeek(w http.ResponseWriter, r *http.Request, status int, week, newURL string) {
	id, err := pathID(r)
	if err == nil && week == "" {
		week, err = pathDay(r, "week")
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	week = mondayOf(week)
	ow, err := s.svc.OfficerWeek(r.Context(), id, week)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	a := kinbridge.ActorFromContext(r.Context())
	v := s.newView(r, "")
	if u, err := s.svc.FindUnitByID(r.Context(), ow.Officer.UnitID); err == nil {
		v.Loc = u.Location()
	} else if v.Loc, err = s.actorLocation(r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	name := userLabel(ow.Officer)
	v.Title = v.T("calls.week_title", name, v.Day(week))
	v.Path = officerWeekURL(id, week)
	page := officerWeekPage{Officer: ow.Officer, OfficerName: name, WeekStart: week, Prev: addDays(week, -7), Next: addDays(week, 7),
		Own: a.UserID == ow.Officer.ID, NewFeedURL: newURL, Today: s.now().In(v.Loc).Format(time.DateOnly)}
	idx := map[string]int{}
	for i := range 7 {
		d := addDays(week, i)
		idx[d] = i
		page.Days = append(page.Days, weekDay{Day: d})
	}
	names := map[int64]string{ow.Officer.ID: name}
	for _, d := range ow.Duties {
		if i, ok := idx[v.LocalDay(d.Start)]; ok {
			page.Days[i].Duties = append(page.Days[i].Duties, dutyRow{OfficerID: d.OfficerID, OfficerName: name, Kind: d.Kind, Start: d.Start, End: d.End})
		}
	}
	for _, c := range callRows(ow.Calls, names, ow.Households, nil, s.now()) {
		if i, ok := idx[c.Day]; ok {
			page.Days[i].Calls = append(page.Days[i].Calls, c)
		} else if i, ok := idx[v.LocalDay(c.Start)]; ok {
			page.Days[i].Calls = append(page.Days[i].Calls, c)
		}
	}
	if page.Own {
		if page.Tokens, err = s.svc.FindCalendarTokens(r.Context()); err != nil {
			s.htmlError(w, r, err)
			return
		}
	}
	v.Data = page
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "calls_officer_week", v)
}

// Active reports whether a calendar token still works.
func (v *view) Active(t *kinbridge.CalendarToken) bool { return t.Revoked.IsZero() }

// feedURL is the address of a calendar feed, on the host the request came
// to.
func (s *Server) feedURL(r *http.Request, token string) string {
	scheme := "http"
	if r.TLS != nil || s.opts.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/calendar/" + token + ".ics"
}

// createCalendarToken is POST /calls/calendar-tokens: a new secret feed URL
// for the caller, shown once on their week (not a redirect: the secret
// must not sit in a URL of the history or in the store).
func (s *Server) createCalendarToken(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	token, _, err := s.svc.CreateCalendarToken(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	loc, err := s.actorLocation(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	a := kinbridge.ActorFromContext(r.Context())
	r.SetPathValue("id", strconv.FormatInt(a.UserID, 10))
	s.renderOfficerWeek(w, r, http.StatusCreated, thisMonday(s.now(), loc), s.feedURL(r, token))
}

// revokeCalendarToken is POST /calls/calendar-tokens/{id}/revoke.
func (s *Server) revokeCalendarToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.svc.RevokeCalendarToken(r.Context(), id)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	redirect(w, r, "/calls/me?done=calendar_token_revoked")
}

// serveCalendarFeed is GET /calendar/{token}.ics: an officer's calls as
// iCalendar, for their calendar application. No session: the secret in the
// URL is the credential. Addresses that try many wrong tokens are held
// off, as sign-in is.
func (s *Server) serveCalendarFeed(w http.ResponseWriter, r *http.Request) {
	addr := remoteAddr(r)
	if s.feeds.blocked(addr, time.Now()) {
		s.htmlError(w, r, &kinbridge.Error{Code: kinbridge.ETOOMANY, Message: "Too many requests. Wait a few minutes and try again.", Key: "error.calls.feed_rate"})
		return
	}
	token, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok || token == "" {
		s.feeds.fail(addr, time.Now())
		s.notFound(w, r)
		return
	}
	b, err := s.svc.CalendarFeed(r.Context(), token)
	if err != nil {
		if kinbridge.ErrorCode(err) == kinbridge.ENOTFOUND {
			s.feeds.fail(addr, time.Now())
		}
		s.htmlError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", `inline; filename="kinbridge.ics"`)
	w.Write(b)
}

// feedLimits bounds the wrong feed tokens one address may try.
const (
	feedFailures = 20
	feedWindow   = 10 * time.Minute
)

// feedLimiter counts wrong calendar tokens per address in a sliding window.
type feedLimiter struct {
	mu    sync.Mutex
	fails map[string][]time.Time
}

func newFeedLimiter() *feedLimiter { return &feedLimiter{fails: map[string][]time.Time{}} }

func (l *feedLimiter) recent(addr string, now time.Time) []time.Time {
	ts := l.fails[addr]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > feedWindow {
		i++
	}
	return ts[i:]
}

func (l *feedLimiter) blocked(addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.recent(addr, now)
	if len(ts) == 0 {
		delete(l.fails, addr)
	} else {
		l.fails[addr] = ts
	}
	return len(ts) >= feedFailures
}

func (l *feedLimiter) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) > 10000 {
		// Bound the memory an attacker can make us spend.
		clear(l.fails)
	}
	l.fails[addr] = append(l.recent(addr, now), now)
}
