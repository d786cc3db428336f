package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// auditPerPage is the length of a page of the audit view.
const auditPerPage = 50

// auditRecordTypes are the record types the audit filter offers.
var auditRecordTypes = []string{"unit", "user", "api_token", "programme", "household", "person", "visit", "problem", "visit_plan", "notification", "call", "roster_exception", "call_plan", "calendar_token", "departure_request", "departure_policy", "crossing"}

type auditPage struct {
	Entries     []auditRow
	RecordTypes []option
	OlderURL    string
	NewestURL   string
	ZoneName    string
}

type auditRow struct {
	*kinbridge.AuditEntry
	ActionName string
	RecordName string
	RecordURL  string
}

// dateTimeLocal is the format of <input type="datetime-local">.
const dateTimeLocal = "2006-01-02T15:04"

// showAudit is GET /audit: the audit log of the caller's scope, newest
// first, filtered by user, record and time; "older" pages go on from the
// last entry shown (BeforeSeq), which stays right while entries are added.
func (s *Server) showAudit(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "audit.title")
	var err error
	if v.Loc, err = s.actorLocation(r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	q := r.URL.Query()
	v.form = q
	f := kinbridge.AuditFilter{ActorName: strings.ToLower(strings.TrimSpace(q.Get("user"))), RecordType: q.Get("record_type"), Limit: auditPerPage + 1}
	var formErr error
	if s := strings.TrimSpace(q.Get("record_id")); s != "" {
		if f.RecordID, err = strconv.ParseInt(s, 10, 64); err != nil || f.RecordID <= 0 {
			formErr = &kinbridge.Error{Code: kinbridge.EINVALID, Field: "record_id", Key: "error.audit.record_id", Message: "A record number is a whole number."}
		}
	}
	for _, name := range []string{"from", "to"} {
		s := strings.TrimSpace(q.Get(name))
		if s == "" {
			continue
		}
		t, err := time.ParseInLocation(dateTimeLocal, s, v.Loc)
		if err != nil {
			formErr = &kinbridge.Error{Code: kinbridge.EINVALID, Field: name, Key: "error.datetime", Message: "Give a date and time such as 2026-11-27T14:05."}
			continue
		}
		if name == "from" {
			f.From = t
		} else {
			f.To = t
		}
	}
	f.BeforeSeq, _ = strconv.ParseInt(q.Get("before"), 10, 64)

	page := auditPage{ZoneName: v.Loc.String()}
	for _, t := range auditRecordTypes {
		page.RecordTypes = append(page.RecordTypes, option{Value: t, Label: v.RecordType(t)})
	}
	// The query runs even when a filter field is wrong, so that a caller
	// who may not read the log is told so rather than shown a form.
	entries, err := s.svc.FindAuditEntries(r.Context(), f)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	status := http.StatusOK
	if formErr != nil {
		s.formError(r, v, formErr, "record_id", "from", "to")
		status = statusOf(formErr)
		entries = nil
	}
	more := len(entries) > auditPerPage
	if more {
		entries = entries[:auditPerPage]
	}
	for _, e := range entries {
		page.Entries = append(page.Entries, auditRowOf(v, e))
	}
	if more {
		older := cloneValues(q)
		older.Set("before", strconv.FormatInt(entries[len(entries)-1].Seq, 10))
		page.OlderURL = "/audit?" + older.Encode()
	}
	if f.BeforeSeq != 0 {
		newest := cloneValues(q)
		newest.Del("before")
		page.NewestURL = "/audit?" + newest.Encode()
	}
	v.Data = page
	s.render(w, r, status, "audit", v)
}

// auditRowOf names an entry's action and record in the page's language, and
// links the record's page.
func auditRowOf(v *view, e *kinbridge.AuditEntry) auditRow {
	row := auditRow{AuditEntry: e, ActionName: v.AuditAction(e.Action), RecordName: v.RecordType(e.RecordType)}
	switch e.RecordType {
	case "unit", "user", "household", "person", "programme":
		if e.RecordID != 0 {
			row.RecordURL = "/" + e.RecordType + "s/" + strconv.FormatInt(e.RecordID, 10)
		}
	}
	return row
}

func cloneValues(q url.Values) url.Values {
	c := url.Values{}
	for k, vs := range q {
		if len(vs) > 0 && vs[0] != "" {
			c[k] = append([]string(nil), vs...)
		}
	}
	return c
}
