package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kinbridge/kinbridge"
)

// The welfare pages share what is here: the domain's codes (problem
// statuses, priorities, categories, history kinds, notifications) in the
// page's language, the choices of their selects, and the rows of their
// lists.

// ProblemStatus names a problem's status in the language.
func (l *localizer) ProblemStatus(s kinbridge.ProblemStatus) string {
	return l.code("problem.status.", string(s))
}

// Priority names a problem's priority in the language.
func (l *localizer) Priority(p kinbridge.Priority) string {
	return l.code("problem.priority.", string(p))
}

// Category names a problem category by its code: the catalog's name of a
// default category, or the code of one a programme added.
func (l *localizer) Category(code string) string { return l.code("category.", code) }

// ProblemEventKind names a line of a problem's history: "created",
// "escalated" or an action.
func (l *localizer) ProblemEventKind(kind string) string { return l.code("problem.event.", kind) }

// ProblemAction names an action of the problem forms.
func (l *localizer) ProblemAction(a kinbridge.ProblemAction) string {
	return l.code("problem.action.", string(a))
}

// Notification says a notification in the language, from its kind and
// arguments; a kind the catalog does not know shows its English text.
func (l *localizer) Notification(n *kinbridge.Notification) string {
	a := n.Args
	switch n.Kind {
	case kinbridge.NotifyAssigned, kinbridge.NotifyReferred, kinbridge.NotifyReferralAccepted, kinbridge.NotifyEscalated:
		return l.T("notify."+n.Kind, a["problem"], l.Category(a["category"]))
	case kinbridge.NotifyReferralReturned:
		msg := l.T("notify."+n.Kind, a["problem"], l.Category(a["category"]))
		if a["reason"] != "" {
			msg += " " + l.T("notify.reason", a["reason"])
		}
		return msg
	case kinbridge.NotifyDigest:
		return l.T("notify.digest", l.Day(a["day"]), a["overdue"], a["due_soon"])
	case kinbridge.NotifyDirective, kinbridge.NotifyDirectiveDue:
		return l.T("notify."+n.Kind, a["title"], l.Day(a["due"]))
	case kinbridge.NotifyDirectiveOverdue:
		return l.T("notify."+n.Kind, a["units"], a["title"])
	case kinbridge.NotifyDirectiveWeekly:
		return l.T("notify."+n.Kind, a["week"], a["overdue"])
	case kinbridge.NotifyReportSubmitted, kinbridge.NotifyReportAccepted:
		return l.T("notify."+n.Kind, a["title"])
	case kinbridge.NotifyReportReturned:
		return l.T("notify."+n.Kind, a["title"], a["note"])
	case kinbridge.NotifyCallCancelled:
		return l.T("notify."+n.Kind, a["household"], a["start"], a["reason"])
	case kinbridge.NotifyOfficeCallsCancelled:
		return l.T("notify."+n.Kind, a["calls"], a["reason"])
	case kinbridge.NotifyDepartureAllocated:
		return l.T("notify."+n.Kind, a["request"], a["household"], l.Day(a["day"]), a["crossing"])
	case kinbridge.NotifyDepartureOver:
		return l.T("notify."+n.Kind, a["crossing"], l.Day(a["day"]), a["request"])
	}
	return n.Text
}

// problemTransition translates the arguments of a refused transition
// (the action, the status) and adds the usual way out.
func (l *localizer) problemTransition(args []any) string {
	if len(args) != 2 {
		return l.T("error.code.conflict")
	}
	action, _ := args[0].(string)
	status, _ := args[1].(string)
	msg := l.T("error.problem.transition", l.ProblemStatus(kinbridge.ProblemStatus(status)), l.ProblemAction(kinbridge.ProblemAction(action)))
	st := kinbridge.ProblemStatus(status)
	switch {
	case !st.Active() && action != string(kinbridge.ProblemReopen):
		msg += " " + l.T("problem.hint.reopen")
	case st == kinbridge.ProblemReferred:
		msg += " " + l.T("problem.hint.referred")
	}
	return msg
}

// priorityOptions lists the priorities, lowest first.
func (v *view) priorityOptions() []option {
	opts := make([]option, len(kinbridge.Priorities))
	for i, p := range kinbridge.Priorities {
		opts[i] = option{Value: string(p), Label: v.Priority(p)}
	}
	return opts
}

// categoryOptions lists the categories a programme follows, each by its
// own name in the language if it has one.
func (v *view) categoryOptions(cats []kinbridge.Category) []option {
	opts := make([]option, len(cats))
	for i, c := range cats {
		opts[i] = option{Value: c.Code, Label: v.categoryName(c)}
	}
	return opts
}

func (v *view) categoryName(c kinbridge.Category) string {
	if n := c.Names.In(v.lang); n != "" {
		return n
	}
	return v.Category(c.Code)
}

// userOptions lists users by name, for the pickers of an assignee, the
// officers present or a case officer; none, when not "", is the first
// choice and chooses nobody.
func (v *view) userOptions(users []*kinbridge.User, none string) []option {
	var opts []option
	if none != "" {
		opts = append(opts, option{Value: "", Label: v.T(none)})
	}
	for _, u := range users {
		opts = append(opts, option{Value: strconv.FormatInt(u.ID, 10), Label: userLabel(u)})
	}
	return opts
}

// userLabel names a user in a picker or a list.
func userLabel(u *kinbridge.User) string {
	if u.DisplayName != "" && u.DisplayName != u.Username {
		return u.DisplayName + " (" + u.Username + ")"
	}
	return u.Username
}

// userNames maps users to the name lists show.
func userNames(users []*kinbridge.User) map[int64]string {
	m := make(map[int64]string, len(users))
	for _, u := range users {
		m[u.ID] = userLabel(u)
	}
	return m
}

// problemRow is a problem in a list: its own fields, and what the list
// shows of it in the page's terms.
type problemRow struct {
	*kinbridge.Problem
	Overdue      bool
	AssigneeName string
	UnitName     string
}

func problemRows(ps []*kinbridge.Problem, now time.Time, users map[int64]string, units map[int64]string) []problemRow {
	rows := make([]problemRow, len(ps))
	for i, p := range ps {
		rows[i] = problemRow{Problem: p, Overdue: p.Overdue(now), AssigneeName: users[p.AssigneeID], UnitName: units[p.UnitID]}
		if rows[i].AssigneeName == "" && p.AssigneeID != 0 {
			rows[i].AssigneeName = "#" + strconv.FormatInt(p.AssigneeID, 10)
		}
	}
	return rows
}

// dueVisitRow is a household due for a visit, in a list.
type dueVisitRow struct {
	*kinbridge.DueVisit
	Overdue bool
}

func dueVisitRows(ds []*kinbridge.DueVisit, now time.Time) []dueVisitRow {
	rows := make([]dueVisitRow, len(ds))
	for i, d := range ds {
		rows[i] = dueVisitRow{DueVisit: d, Overdue: d.Overdue(now)}
	}
	return rows
}

// problemURL is the page of a problem.
func problemURL(id int64) string { return "/problems/" + strconv.FormatInt(id, 10) }

// visitURL is the page of a visit.
func visitURL(id int64) string { return "/visits/" + strconv.FormatInt(id, 10) }

// unitQueueURL is a unit's queue.
func unitQueueURL(id int64) string { return "/units/" + strconv.FormatInt(id, 10) + "/queue" }

// actorUnit returns the caller's unit, for the page's time zone.
func (s *Server) actorUnit(r *http.Request) (*kinbridge.Unit, error) {
	a := kinbridge.ActorFromContext(r.Context())
	return s.svc.FindUnitByID(r.Context(), a.UnitID)
}

// now is the service's clock, so that tests with a fixed clock see the
// same "overdue" as the service.
func (s *Server) now() time.Time { return s.svc.Clock().Now() }

// problemTableView is what the "problem-table" template gets.
type problemTableView struct {
	V        *view
	Rows     []problemRow
	ShowUnit bool
}

// Problems prepares rows for the "problem-table" template.
func (v *view) Problems(rows []problemRow, showUnit bool) problemTableView {
	return problemTableView{V: v, Rows: rows, ShowUnit: showUnit}
}

// dueVisitsView is what the "due-visits" template gets.
type dueVisitsView struct {
	V    *view
	Rows []dueVisitRow
}

// DueVisits prepares rows for the "due-visits" template.
func (v *view) DueVisits(rows []dueVisitRow) dueVisitsView { return dueVisitsView{V: v, Rows: rows} }
