package kinbridge

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file holds the welfare capability's types and rules: visits, visit
// plans, problems and their state machine. The services are in problem.go,
// visit.go and notify.go.

// Category is a kind of problem a programme follows, with the time allowed
// to resolve it. The time allowed is also the escalation period: a problem
// still open that long after its due date goes one level further up.
type Category struct {
	Code         string    `json:"code"`
	Names        UnitNames `json:"names"` // empty: the UI translates "category.<code>"
	DeadlineDays int       `json:"deadline_days"`
}

// DefaultCategories is the list a programme uses until it sets its own.
var DefaultCategories = []Category{
	{Code: "health", DeadlineDays: 7},
	{Code: "food", DeadlineDays: 3},
	{Code: "housing", DeadlineDays: 14},
	{Code: "documents", DeadlineDays: 30},
	{Code: "money", DeadlineDays: 14},
	{Code: "family_contact", DeadlineDays: 14},
	{Code: "work", DeadlineDays: 30},
	{Code: "other", DeadlineDays: 14},
}

// WelfareSettings is the welfare part of a programme's settings, kept in
// Programme.Settings under "welfare".
type WelfareSettings struct {
	Categories []Category `json:"categories,omitempty"`
}

// Welfare returns the programme's welfare settings with defaults filled in.
// A nil programme (a problem of no programme) has the defaults.
func (p *Programme) Welfare() (WelfareSettings, error) {
	var ws WelfareSettings
	if p != nil && p.Settings != "" {
		var all struct {
			Welfare *WelfareSettings `json:"welfare"`
		}
		if err := json.Unmarshal([]byte(p.Settings), &all); err != nil {
			return ws, FieldError("settings", "error.programme.settings", "The programme's settings are not valid JSON: %v", err)
		}
		if all.Welfare != nil {
			ws = *all.Welfare
		}
	}
	if len(ws.Categories) == 0 {
		ws.Categories = slices.Clone(DefaultCategories)
	}
	return ws, ws.Validate()
}

// Validate checks a programme's welfare settings.
func (ws *WelfareSettings) Validate() error {
	seen := map[string]bool{}
	for i, c := range ws.Categories {
		if !programmeCodeRE.MatchString(c.Code) {
			return FieldError(fmt.Sprintf("welfare.categories[%d].code", i), "error.category.code", "A category code is 1 to 32 letters, digits, dot, dash or underscore.")
		}
		if seen[c.Code] {
			return FieldError(fmt.Sprintf("welfare.categories[%d].code", i), "error.category.duplicate", "The category %s is listed twice.", c.Code)
		}
		seen[c.Code] = true
		if c.DeadlineDays < 1 || c.DeadlineDays > 365 {
			return FieldError(fmt.Sprintf("welfare.categories[%d].deadline_days", i), "error.category.deadline", "A deadline is 1 to 365 days.")
		}
	}
	return nil
}

// Category returns the category with the code, and whether there is one.
func (ws *WelfareSettings) Category(code string) (Category, bool) {
	for _, c := range ws.Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// ProblemStatus is where a problem stands.
type ProblemStatus string

// Problem statuses. Resolved and cannot-resolve are ends, left only by
// reopening; referred waits for the other unit to accept or send it back.
const (
	ProblemOpen        ProblemStatus = "open"
	ProblemInProgress  ProblemStatus = "in_progress"
	ProblemReferred    ProblemStatus = "referred"
	ProblemResolved    ProblemStatus = "resolved"
	ProblemCannotSolve ProblemStatus = "cannot_resolve"
)

// ProblemStatuses lists the statuses in their natural order.
var ProblemStatuses = []ProblemStatus{ProblemOpen, ProblemInProgress, ProblemReferred, ProblemResolved, ProblemCannotSolve}

// Valid reports whether s is a known status.
func (s ProblemStatus) Valid() bool { return slices.Contains(ProblemStatuses, s) }

// Active reports whether a problem of this status still needs work: it is
// counted, reminded and escalated.
func (s ProblemStatus) Active() bool {
	return s == ProblemOpen || s == ProblemInProgress || s == ProblemReferred
}

// Priority orders problems within the same due date.
type Priority string

// Priorities, lowest first.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists the priorities, lowest first.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return slices.Contains(Priorities, p) }

// Problem is something a household or one of its persons needs resolved.
// It belongs to one unit at a time (UnitID); a referral asks another unit
// (ReferralUnitID) to take it over.
type Problem struct {
	ID          int64
	HouseholdID int64
	PersonID    int64 // 0: the household as a whole
	ProgrammeID int64 // whose categories apply; 0: the default list
	VisitID     int64 // the visit that raised it; 0 if none
	UnitID      int64 // the unit that holds it
	Category    string
	Description string
	Priority    Priority
	Status      ProblemStatus
	AssigneeID  int64 // 0: nobody yet
	DueAt       time.Time
	// ReferralUnitID is the unit asked to take the problem over while it is
	// referred; ReferralFrom is the status it returns to if sent back.
	ReferralUnitID int64
	ReferralFrom   ProblemStatus
	Reason         string // why it cannot be resolved
	// EscalationLevel is how many units above UnitID the problem has been
	// escalated to; NextEscalationAt is when it goes one further (zero: not
	// while it is not active, or it has reached the top).
	EscalationLevel  int
	NextEscalationAt time.Time
	ClosedAt         time.Time // when it was last resolved or given up
	Created          time.Time
	Updated          time.Time
	// Version counts the problem's changes; UpdateProblem refuses to write
	// over a version other than the one read (ECONFLICT).
	Version int64

	// Filled by the store on reads.
	UnitPath         string
	ReferralUnitPath string
	HouseholdAddress string
	HouseholdUnitID  int64
	HouseholdPath    string
}

// Validate checks the fields a user sets when raising a problem, against the
// categories that apply.
func (p *Problem) Validate(ws WelfareSettings) error {
	p.Description = strings.TrimSpace(p.Description)
	p.Category = strings.TrimSpace(p.Category)
	if p.Priority == "" {
		p.Priority = PriorityNormal
	}
	switch {
	case p.HouseholdID == 0:
		return FieldError("household_id", "error.problem.household", "Choose the household.")
	case p.Category == "":
		return FieldError("category", "error.problem.category", "Choose a category.")
	case p.Description == "":
		return FieldError("description", "error.problem.description", "Describe the problem.")
	case len([]rune(p.Description)) > 4000:
		return FieldError("description", "error.too_long", "At most %d characters.", 4000)
	case !p.Priority.Valid():
		return FieldError("priority", "error.problem.priority", "Unknown priority.")
	}
	if _, ok := ws.Category(p.Category); !ok {
		return FieldError("category", "error.problem.category_unknown", "The programme has no category %q.", p.Category)
	}
	return nil
}

// Overdue reports whether the problem is active and past its due date.
func (p *Problem) Overdue(now time.Time) bool {
	return p.Status.Active() && !p.DueAt.IsZero() && now.After(p.DueAt)
}

// ProblemAction is a change a user makes to a problem.
type ProblemAction string

// The changes a problem accepts; Apply says in which status.
const (
	ProblemStart    ProblemAction = "start"     // open → in progress
	ProblemResolve  ProblemAction = "resolve"   // open | in progress → resolved
	ProblemGiveUp   ProblemAction = "give_up"   // open | in progress → cannot resolve (reason)
	ProblemReopen   ProblemAction = "reopen"    // resolved | cannot resolve → open (note)
	ProblemAssign   ProblemAction = "assign"    // any active status: new assignee
	ProblemComment  ProblemAction = "comment"   // any status: a note
	ProblemRefer    ProblemAction = "refer"     // open | in progress → referred to another unit
	ProblemAccept   ProblemAction = "accept"    // referred → open, at the other unit (its user)
	ProblemSendBack ProblemAction = "send_back" // referred → as before, at the referring unit (reason)
)

// ProblemActions lists every action.
var ProblemActions = []ProblemAction{ProblemStart, ProblemResolve, ProblemGiveUp, ProblemReopen, ProblemAssign,
	ProblemComment, ProblemRefer, ProblemAccept, ProblemSendBack}

// ProblemChange is one change asked of a problem.
type ProblemChange struct {
	Action     ProblemAction
	Version    int64 // the version the user saw; 0: do not check
	Note       string
	AssigneeID int64 // assign; accept (optional: who takes it)
	UnitID     int64 // refer: the unit asked to take it
}

// ProblemEvent is one line of a problem's history. Nothing in it is ever
// changed or removed.
type ProblemEvent struct {
	ID         int64
	ProblemID  int64
	At         time.Time
	ActorID    int64
	ActorName  string
	Kind       string // "created", "escalated", or a ProblemAction
	FromStatus ProblemStatus
	ToStatus   ProblemStatus
	UnitID     int64 // refer, accept, send back: the other unit; escalated: the unit it reached
	AssigneeID int64
	Note       string
}

// transitions says, for each action, the statuses it may start from.
var transitions = map[ProblemAction][]ProblemStatus{
	ProblemStart:    {ProblemOpen},
	ProblemResolve:  {ProblemOpen, ProblemInProgress},
	ProblemGiveUp:   {ProblemOpen, ProblemInProgress},
	ProblemReopen:   {ProblemResolved, ProblemCannotSolve},
	ProblemAssign:   {ProblemOpen, ProblemInProgress},
	ProblemComment:  ProblemStatuses,
	ProblemRefer:    {ProblemOpen, ProblemInProgress},
	ProblemAccept:   {ProblemReferred},
	ProblemSendBack: {ProblemReferred},
}

// CanApply reports whether the action may be taken in the status.
func CanApply(action ProblemAction, from ProblemStatus) bool {
	return slices.Contains(transitions[action], from)
}

// Apply makes the change to p as of now, for a problem whose category
// allows deadlineDays, and returns the history line that records it. It
// checks the state machine and the change's own fields; who may do it is
// the service's business. p is unchanged if Apply fails.
func (p *Problem) Apply(c ProblemChange, now time.Time, deadlineDays int) (*ProblemEvent, error) {
	c.Note = strings.TrimSpace(c.Note)
	if !slices.Contains(ProblemActions, c.Action) {
		return nil, FieldError("action", "error.problem.action", "Unknown action %q.", string(c.Action))
	}
	if len([]rune(c.Note)) > 4000 {
		return nil, FieldError("note", "error.too_long", "At most %d characters.", 4000)
	}
	if !CanApply(c.Action, p.Status) {
		return nil, &Error{Code: ECONFLICT, Key: "error.problem.transition", Args: []any{string(c.Action), string(p.Status)},
			Message: fmt.Sprintf("A problem that is %s cannot be given the action %q%s.", p.Status, c.Action, transitionHint(c.Action, p.Status))}
	}
	ev := &ProblemEvent{ProblemID: p.ID, At: now, Kind: string(c.Action), FromStatus: p.Status, Note: c.Note}
	q := *p
	switch c.Action {
	case ProblemStart:
		q.Status = ProblemInProgress
	case ProblemResolve:
		q.Status, q.ClosedAt = ProblemResolved, now
	case ProblemGiveUp:
		if c.Note == "" {
			return nil, FieldError("note", "error.problem.reason", "Say why the problem cannot be resolved.")
		}
		q.Status, q.ClosedAt, q.Reason = ProblemCannotSolve, now, c.Note
	case ProblemReopen:
		if c.Note == "" {
			return nil, FieldError("note", "error.problem.reopen_note", "Say why the problem is reopened.")
		}
		// A reopened problem gets a fresh deadline and starts its
		// escalation again from its own unit.
		q.Status, q.Reason, q.ClosedAt = ProblemOpen, "", time.Time{}
		q.DueAt = now.AddDate(0, 0, deadlineDays)
		q.EscalationLevel = 0
	case ProblemAssign:
		if c.AssigneeID == 0 {
			return nil, FieldError("assignee_id", "error.problem.assignee", "Choose who takes the problem.")
		}
		q.AssigneeID, ev.AssigneeID = c.AssigneeID, c.AssigneeID
	case ProblemComment:
		if c.Note == "" {
			return nil, FieldError("note", "error.problem.comment", "Write the comment.")
		}
	case ProblemRefer:
		if c.UnitID == 0 {
			return nil, FieldError("unit_id", "error.problem.refer_unit", "Choose the unit to refer the problem to.")
		} else if c.UnitID == p.UnitID {
			return nil, FieldError("unit_id", "error.problem.refer_self", "The problem is already with that unit.")
		}
		q.ReferralFrom, q.Status, q.ReferralUnitID = p.Status, ProblemReferred, c.UnitID
		ev.UnitID = c.UnitID
	case ProblemAccept:
		ev.UnitID = p.UnitID // where it came from
		q.UnitID, q.ReferralUnitID, q.ReferralFrom = p.ReferralUnitID, 0, ""
		q.Status, q.AssigneeID, ev.AssigneeID = ProblemOpen, c.AssigneeID, c.AssigneeID
		// The new unit gets the category's full time, and escalation starts
		// again from it.
		q.DueAt = now.AddDate(0, 0, deadlineDays)
		q.EscalationLevel = 0
	case ProblemSendBack:
		if c.Note == "" {
			return nil, FieldError("note", "error.problem.send_back_reason", "Say why the problem is sent back.")
		}
		ev.UnitID = p.ReferralUnitID
		q.Status, q.ReferralUnitID, q.ReferralFrom = p.ReferralFrom, 0, ""
		if !q.Status.Active() || q.Status == ProblemReferred {
			q.Status = ProblemOpen
		}
	}
	q.NextEscalationAt = nextEscalation(&q, deadlineDays)
	ev.ToStatus = q.Status
	*p = q
	return ev, nil
}

// transitionHint explains the usual way out of a refused transition.
func transitionHint(action ProblemAction, from ProblemStatus) string {
	switch {
	case !from.Active() && action != ProblemReopen:
		return ": reopen it first"
	case from == ProblemReferred:
		return ": the other unit must accept it or send it back first"
	}
	return ""
}

// nextEscalation is when an active problem next goes one level up: its due
// date, then one more deadline period for each level it has gone already.
// Zero for a problem that is not active. The escalation job stops at the
// top of the tree.
func nextEscalation(p *Problem, deadlineDays int) time.Time {
	if !p.Status.Active() || p.DueAt.IsZero() {
		return time.Time{}
	}
	return p.DueAt.AddDate(0, 0, deadlineDays*p.EscalationLevel)
}

// Escalation records that a problem, past due, reached a unit above its
// own. It is cleared when the problem is resolved, given up or accepted
// elsewhere, and is never removed.
type Escalation struct {
	ProblemID int64
	Level     int // 1: the parent of the problem's unit, 2: its grandparent …
	UnitID    int64
	At        time.Time
	ClearedAt time.Time

	// Filled by the store on reads.
	UnitPath string
}

// AncestorAt returns the id of the unit level steps above the unit with the
// materialized path, and false if the tree is not that deep.
func AncestorAt(path string, level int) (int64, bool) {
	ids := strings.Split(strings.Trim(path, "/"), "/")
	i := len(ids) - 1 - level
	if level < 1 || i < 0 {
		return 0, false
	}
	id, err := strconv.ParseInt(ids[i], 10, 64)
	return id, err == nil
}

// Visit is officers at a household on a date: whom they met, why they came,
// what they noted. Problems raised at the visit point to it.
type Visit struct {
	ID          int64
	HouseholdID int64
	UnitID      int64 // the household's unit when the visit was recorded
	At          time.Time
	OfficerIDs  []int64 // who was there; at least one
	PersonIDs   []int64 // members met
	Purpose     string
	Notes       string
	RecordedBy  int64
	Created     time.Time

	// Filled by the store on reads.
	UnitPath   string
	ProblemIDs []int64
}

// Validate checks the fields a user sets.
func (v *Visit) Validate(now time.Time) error {
	v.Purpose = strings.TrimSpace(v.Purpose)
	v.Notes = strings.TrimSpace(v.Notes)
	slices.Sort(v.OfficerIDs)
	v.OfficerIDs = slices.Compact(v.OfficerIDs)
	slices.Sort(v.PersonIDs)
	v.PersonIDs = slices.Compact(v.PersonIDs)
	switch {
	case v.HouseholdID == 0:
		return FieldError("household_id", "error.visit.household", "Choose the household visited.")
	case v.At.IsZero():
		return FieldError("at", "error.visit.at", "Give the date and time of the visit.")
	case v.At.After(now.Add(time.Hour)):
		return FieldError("at", "error.visit.future", "A visit is recorded after it happened, not before.")
	case len(v.OfficerIDs) == 0:
		return FieldError("officer_ids", "error.visit.officers", "Name at least one officer who was there.")
	case len(v.OfficerIDs) > 10:
		return FieldError("officer_ids", "error.visit.officers_many", "At most %d officers.", 10)
	case len([]rune(v.Purpose)) > 500:
		return FieldError("purpose", "error.too_long", "At most %d characters.", 500)
	case len([]rune(v.Notes)) > 10000:
		return FieldError("notes", "error.too_long", "At most %d characters.", 10000)
	}
	return nil
}

// VisitPlan is a unit's rule that every household of a programme in its
// subtree is visited at least once every EveryDays days.
type VisitPlan struct {
	ID          int64
	UnitID      int64
	ProgrammeID int64
	EveryDays   int
	Active      bool
	Created     time.Time
	Updated     time.Time

	UnitPath string // filled by the store on reads
}

// Validate checks the fields a user sets.
func (p *VisitPlan) Validate() error {
	switch {
	case p.UnitID == 0:
		return FieldError("unit_id", "error.plan.unit", "Choose the unit.")
	case p.ProgrammeID == 0:
		return FieldError("programme_id", "error.plan.programme", "Choose the programme.")
	case p.EveryDays < 1 || p.EveryDays > 366:
		return FieldError("every_days", "error.plan.every_days", "Every 1 to 366 days.")
	}
	return nil
}

// DueVisit is a household a visit plan says must be visited by DueAt: its
// last visit plus the plan's period, or the plan's start for a household
// never visited.
type DueVisit struct {
	HouseholdID int64
	Address     string
	UnitID      int64
	OfficerID   int64 // the household's case officer; 0 if none
	PlanID      int64
	EveryDays   int
	LastVisitAt time.Time // zero: never visited
	DueAt       time.Time
}

// Overdue reports whether the visit is past due.
func (d *DueVisit) Overdue(now time.Time) bool { return now.After(d.DueAt) }

// Notification kinds.
const (
	NotifyAssigned         = "assigned"          // a problem was given to you
	NotifyReferred         = "referred"          // a problem was referred to your unit
	NotifyReferralAccepted = "referral_accepted" // a unit accepted the problem you referred
	NotifyReferralReturned = "referral_returned" // a unit sent back the problem you referred
	NotifyEscalated        = "escalated"         // a problem of your subtree is past due
	NotifyDigest           = "digest"            // today's due-soon and overdue work

	NotifyDirective        = "directive"         // a directive reached your unit
	NotifyDirectiveDue     = "directive_due"     // your unit's report is due soon
	NotifyDirectiveOverdue = "directive_overdue" // units are overdue on a directive your unit issued
	NotifyDirectiveWeekly  = "directive_weekly"  // this week's overdue assignments of your subtree
	NotifyReportSubmitted  = "report_submitted"  // a report waits for your review
	NotifyReportAccepted   = "report_accepted"   // your report was accepted
	NotifyReportReturned   = "report_returned"   // your report was returned
)

// Notification is one line of a user's inbox. Key makes it unique for the
// user: a job that runs twice cannot notify twice.
type Notification struct {
	ID        int64
	UserID    int64
	Kind      string
	Key       string
	ProblemID int64             // 0 if it is about no single problem
	Text      string            // English text, for e-mail and as a fallback
	Args      map[string]string // what the UI's translation fills in
	Created   time.Time
	ReadAt    time.Time // zero: unread
}

// ProblemFilter selects problems. Zero fields select everything in scope.
type ProblemFilter struct {
	// Scope, set by the service: problems held by, or referred to, units of
	// this subtree (PathPrefix) or exactly this unit (Path).
	PathPrefix string
	Path       string

	IDs            []int64 // only these problems
	UnitID         int64   // held by this unit
	ReferralUnitID int64   // referred to this unit, waiting for it
	AssigneeID     int64
	HouseholdID    int64
	PersonID       int64
	Category       string
	Statuses       []ProblemStatus
	Active         bool      // open, in progress or referred
	DueBefore      time.Time // due before this (with Active: overdue)
	Limit, Offset  int       // by due date, then priority, then id
}

// VisitFilter selects visits, newest first.
type VisitFilter struct {
	PathPrefix  string
	Path        string
	HouseholdID int64
	OfficerID   int64
	From, To    time.Time
	Limit       int
}

// DueVisitFilter selects due visits, soonest first.
type DueVisitFilter struct {
	PathPrefix string // households of this subtree
	Path       string // households of exactly this unit
	// OfficerID: households whose case officer this is, and, when
	// UnassignedPath is set, the households of that unit with no case
	// officer.
	OfficerID      int64
	UnassignedPath string
	DueBefore      time.Time // zero: every household a plan covers
	Limit, Offset  int
}

// EscalationFilter selects escalations, oldest first.
type EscalationFilter struct {
	UnitID    int64 // escalated to this unit
	ProblemID int64
	Open      bool // not cleared
	Limit     int
}

// NotificationFilter selects a user's notifications, newest first.
type NotificationFilter struct {
	UserID int64
	Unread bool
	Limit  int
}

// ProblemStats is a unit's dashboard: its subtree's problems.
type ProblemStats struct {
	Open, InProgress, Referred int
	Overdue                    int // active and past due
	Escalated                  int // with an open escalation
	ResolvedThisWeek           int // resolved or given up since the week began
	MedianDaysToResolve        float64
	Resolved90Days             int // how many resolutions the median is over
	ByCategory                 []CategoryStats
}

// CategoryStats is one category's line of the dashboard.
type CategoryStats struct {
	Category                      string
	Active, Overdue, ResolvedWeek int
}

// ProblemStatsFilter says whose problems a dashboard counts.
type ProblemStatsFilter struct {
	PathPrefix string // problems held by units of this subtree
	Now        time.Time
	WeekStart  time.Time // resolutions since then count as "this week"
}

// OutboxMail is an e-mail waiting to be sent. It is claimed before it is
// sent, so that it goes at most once even if two senders run.
type OutboxMail struct {
	ID        int64
	Key       string // unique: the notification it carries
	To        string
	Subject   string
	Body      string
	Created   time.Time
	ClaimedAt time.Time
	SentAt    time.Time
	Error     string
}

// WelfareTx is the welfare capability's part of a transaction.
type WelfareTx interface {
	// CreateVisit stores the visit with its officers and persons met, and
	// moves the household's last visit forward to it.
	CreateVisit(ctx context.Context, v *Visit) error // sets ID, Created
	FindVisitByID(ctx context.Context, id int64) (*Visit, error)
	FindVisits(ctx context.Context, f VisitFilter) ([]*Visit, error)

	CreateVisitPlan(ctx context.Context, p *VisitPlan) error // sets ID; ECONFLICT for a second plan of the same unit and programme
	UpdateVisitPlan(ctx context.Context, p *VisitPlan) error // every days, active
	FindVisitPlanByID(ctx context.Context, id int64) (*VisitPlan, error)
	// FindVisitPlans returns the plans of the units in the subtree.
	FindVisitPlans(ctx context.Context, pathPrefix string) ([]*VisitPlan, error)
	// FindDueVisits returns the due visits f selects and their total. Each
	// household appears once, under the plan that wants it soonest; a
	// household is covered by a plan if it is in the plan unit's subtree
	// and has a current member in the plan's programme.
	FindDueVisits(ctx context.Context, f DueVisitFilter) ([]*DueVisit, int, error)

	// SetCaseOfficer makes userID the household's case officer (0: none).
	SetCaseOfficer(ctx context.Context, householdID, userID int64) error
	FindCaseOfficer(ctx context.Context, householdID int64) (int64, error)

	CreateProblem(ctx context.Context, p *Problem) error // sets ID, Created, Updated, Version 1
	// UpdateProblem writes the problem's changing fields if its stored
	// version is p.Version, and increments p.Version; else ECONFLICT.
	UpdateProblem(ctx context.Context, p *Problem) error
	FindProblemByID(ctx context.Context, id int64) (*Problem, error)
	FindProblems(ctx context.Context, f ProblemFilter) ([]*Problem, int, error)
	// FindProblemsToEscalate returns up to limit active problems whose
	// next escalation is due at now, oldest first.
	FindProblemsToEscalate(ctx context.Context, now time.Time, limit int) ([]*Problem, error)
	CreateProblemEvent(ctx context.Context, e *ProblemEvent) error // sets ID
	FindProblemEvents(ctx context.Context, problemID int64) ([]*ProblemEvent, error)

	CreateEscalation(ctx context.Context, e *Escalation) error // ECONFLICT if the problem reached the level already
	ClearEscalations(ctx context.Context, problemID int64, at time.Time) error
	FindEscalations(ctx context.Context, f EscalationFilter) ([]*Escalation, error)
	ProblemStats(ctx context.Context, f ProblemStatsFilter) (*ProblemStats, error)

	// CreateNotification stores n unless the user has one with the same
	// Key; it reports whether it stored it.
	CreateNotification(ctx context.Context, n *Notification) (bool, error)
	FindNotifications(ctx context.Context, f NotificationFilter) ([]*Notification, error)
	CountUnread(ctx context.Context, userID int64) (int, error)
	// MarkRead marks the user's notifications read (all of them if ids is
	// empty).
	MarkRead(ctx context.Context, userID int64, ids []int64, at time.Time) error

	SetUserEmail(ctx context.Context, userID int64, email string) error // "" removes it
	FindUserEmail(ctx context.Context, userID int64) (string, error)    // "" if none
	// CreateOutboxMail stores m unless one with the same Key exists; it
	// reports whether it stored it.
	CreateOutboxMail(ctx context.Context, m *OutboxMail) (bool, error)
	// ClaimOutboxMail marks up to limit unclaimed mails claimed at and
	// returns them; a mail is claimed once only.
	ClaimOutboxMail(ctx context.Context, at time.Time, limit int) ([]*OutboxMail, error)
	FinishOutboxMail(ctx context.Context, id int64, sentAt time.Time, errText string) error
	// FindDigestUsers returns, for the daily digest, the active users who
	// are assigned active problems due before dueBefore, with how many are
	// overdue at now and how many only due soon.
	FindDigestUsers(ctx context.Context, now, dueBefore time.Time) ([]DigestLine, error)
}

// DigestLine is one user's count for the daily digest.
type DigestLine struct {
	UserID  int64
	UnitID  int64
	Overdue int
	DueSoon int
}
