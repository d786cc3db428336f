package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
)

type inboxPage struct {
	Notifications []inboxRow
	Unread        int
	UnreadOnly    bool
}

type inboxRow struct {
	*kinbridge.Notification
	Text   string
	Unread bool
	Link   string // the directive a directive notification is about
}

// showInbox is GET /inbox: the caller's notifications, newest first, the
// unread ones marked; ?unread=1 shows only those.
func (s *Server) showInbox(w http.ResponseWriter, r *http.Request) {
	unreadOnly := r.URL.Query().Get("unread") != ""
	ns, unread, err := s.svc.FindNotifications(r.Context(), unreadOnly, 200)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	unit, err := s.actorUnit(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "inbox.title")
	v.Loc = unit.Location()
	page := inboxPage{Unread: unread, UnreadOnly: unreadOnly}
	for _, n := range ns {
		row := inboxRow{Notification: n, Text: v.Notification(n), Unread: n.ReadAt.IsZero()}
		if d, err := strconv.ParseInt(n.Args["directive"], 10, 64); err == nil && d > 0 {
			row.Link = directiveURL(d)
			if n.Kind == kinbridge.NotifyReportSubmitted {
				row.Link += "/reports"
			}
		}
		page.Notifications = append(page.Notifications, row)
	}
	v.Data = page
	v.Notice = s.notice(r, v)
	s.render(w, r, http.StatusOK, "inbox", v)
}

// markRead is POST /inbox/read: the notifications named by id, or all of
// them when none is named.
func (s *Server) markRead(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	var ids []int64
	for _, x := range r.PostForm["id"] {
		id, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil || id <= 0 {
			s.htmlError(w, r, &kinbridge.Error{Code: kinbridge.EINVALID, Field: "id", Key: "error.not_found", Message: "No such notification."})
			return
		}
		ids = append(ids, id)
	}
	if err := s.svc.MarkRead(r.Context(), ids); err != nil {
		s.htmlError(w, r, err)
		return
	}
	redirect(w, r, "/inbox?done=marked_read")
}
