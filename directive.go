package kinbridge

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"
)

// This file holds the directives capability's types and rules: directives
// and their versions, assignments and their state machine, reports with
// their evidence, and the roll-up. The services are in directive_service.go.

// DirectiveStatus says whether a directive version is the one in force.
type DirectiveStatus string

// Directive statuses. Only an issued version is acknowledged and reported
// on; an amendment supersedes the version before it.
const (
	DirectiveIssued     DirectiveStatus = "issued"
	DirectiveSuperseded DirectiveStatus = "superseded"
	DirectiveWithdrawn  DirectiveStatus = "withdrawn"
)

// Directive is one version of an order a unit gives the units below it.
// An issued version is never edited: an amendment is a new version of the
// same series, and a withdrawal ends the series. A derived directive is a
// unit's own order to its subordinates, passing on a directive it received
// (ParentID); every directive of one cascade shares RootID.
type Directive struct {
	ID           int64
	SeriesID     int64 // the first version's id
	Version      int   // 1, 2, …
	ParentID     int64 // the series this one was derived from; 0 for an original
	RootID       int64 // the series of the original at the top of the cascade
	IssuerUnitID int64
	Title        string
	Body         string // Markdown; the web renders it without raw HTML
	DueAt        time.Time
	Addressees   Addressees
	Actions      []RequiredAction
	Status       DirectiveStatus
	Note         string // what an amendment changed, or why it was withdrawn
	IssuedAt     time.Time
	IssuedBy     int64
	IssuedByName string
	// When the jobs reminded the addressees of the due date, and told the
	// issuer's supervisors that the version is overdue (zero: not yet).
	RemindedAt      time.Time
	OverdueNoticeAt time.Time

	// Filled by the store on reads.
	IssuerPath  string
	Attachments []*Attachment
}

// Addressees says which units a directive goes to: the units named, or
// every unit at a depth of the tree within the issuer's subtree (Depth is
// the absolute depth of Unit.Depth, below the issuer's).
type Addressees struct {
	UnitIDs []int64 `json:"unit_ids,omitempty"`
	Depth   int     `json:"depth,omitempty"`
}

// RequiredAction is a structured action a directive asks for; the report's
// evidence measures it.
type RequiredAction struct {
	Kind        string `json:"kind"`                   // ActionVisitProgramme or ActionReportWeekly
	ProgrammeID int64  `json:"programme_id,omitempty"` // visit: whose households
}

// Required action kinds.
const (
	ActionVisitProgramme = "visit_programme" // visit every household of the programme
	ActionReportWeekly   = "report_weekly"   // report every week until due
)

// Validate checks the fields a user sets on a directive.
func (d *Directive) Validate(now time.Time) error {
	d.Title = strings.TrimSpace(d.Title)
	d.Body = strings.TrimSpace(d.Body)
	d.Note = strings.TrimSpace(d.Note)
	slices.Sort(d.Addressees.UnitIDs)
	d.Addressees.UnitIDs = slices.Compact(d.Addressees.UnitIDs)
	switch {
	case d.IssuerUnitID == 0:
		return FieldError("issuer_unit_id", "error.directive.issuer", "Choose the issuing unit.")
	case d.Title == "":
		return FieldError("title", "error.directive.title", "Give the directive a title.")
	case len([]rune(d.Title)) > 200:
		return FieldError("title", "error.too_long", "At most %d characters.", 200)
	case len([]rune(d.Body)) > 50000:
		return FieldError("body", "error.too_long", "At most %d characters.", 50000)
	case d.DueAt.IsZero():
		return FieldError("due_at", "error.directive.due", "Give the due date.")
	case !d.DueAt.After(now):
		return FieldError("due_at", "error.directive.due_past", "The due date must be in the future.")
	case len(d.Addressees.UnitIDs) == 0 && d.Addressees.Depth == 0:
		return FieldError("addressees", "error.directive.addressees", "Choose the units the directive goes to, or a level of the tree.")
	case len(d.Addressees.UnitIDs) > 0 && d.Addressees.Depth != 0:
		return FieldError("addressees", "error.directive.addressees_both", "Choose units or a level, not both.")
	case len([]rune(d.Note)) > 4000:
		return FieldError("note", "error.too_long", "At most %d characters.", 4000)
	}
	for i, a := range d.Actions {
		switch a.Kind {
		case ActionVisitProgramme:
			if a.ProgrammeID == 0 {
				return FieldError(fieldIndex("actions", i, "programme_id"), "error.directive.action_programme", "Choose the programme whose households are to be visited.")
			}
		case ActionReportWeekly:
		default:
			return FieldError(fieldIndex("actions", i, "kind"), "error.directive.action_kind", "Unknown action %q.", a.Kind)
		}
	}
	return nil
}

// ProgrammeID is the programme the directive's visit action names, or 0.
func (d *Directive) ProgrammeID() int64 {
	for _, a := range d.Actions {
		if a.Kind == ActionVisitProgramme {
			return a.ProgrammeID
		}
	}
	return 0
}

// AssignmentState is where an addressed unit stands with a directive.
type AssignmentState string

// Assignment states: delivered → acknowledged → reported → accepted, or
// returned (and then reported again).
const (
	AssignmentDelivered    AssignmentState = "delivered"
	AssignmentAcknowledged AssignmentState = "acknowledged"
	AssignmentReported     AssignmentState = "reported"
	AssignmentAccepted     AssignmentState = "accepted"
	AssignmentReturned     AssignmentState = "returned"
)

// AssignmentStates lists the states in their natural order.
var AssignmentStates = []AssignmentState{AssignmentDelivered, AssignmentAcknowledged, AssignmentReported, AssignmentAccepted, AssignmentReturned}

// Valid reports whether s is a known state.
func (s AssignmentState) Valid() bool { return slices.Contains(AssignmentStates, s) }

// Assignment is a unit's copy of one directive version. Only the assignment
// of the version in force is live; the database keeps at most one live
// assignment per directive series and unit.
type Assignment struct {
	ID             int64
	DirectiveID    int64 // the version
	SeriesID       int64
	RootID         int64
	UnitID         int64
	State          AssignmentState
	Live           bool
	DueAt          time.Time
	DeliveredAt    time.Time
	AcknowledgedAt time.Time
	ReportedAt     time.Time
	ReviewedAt     time.Time // last accepted or returned
	ReportID       int64     // the latest report
	// Cascaded says the unit passed the directive on (a derived directive
	// with this series as parent exists): its compliance includes its
	// subordinates', and its own report's evidence is not added to the
	// roll-up's totals, which already hold theirs.
	Cascaded bool
	Version  int64 // counts changes; UpdateAssignment checks it

	// Filled by the store on reads.
	UnitPath string
}

// Overdue reports whether the assignment is live, not accepted, and past due.
func (a *Assignment) Overdue(now time.Time) bool {
	return a.Live && a.State != AssignmentAccepted && now.After(a.DueAt)
}

// AssignmentAction is a step of an assignment.
type AssignmentAction string

// Assignment actions: the addressed unit acknowledges and reports; the
// issuing unit accepts or returns a report.
const (
	AssignmentAcknowledge AssignmentAction = "acknowledge"
	AssignmentReport      AssignmentAction = "report"
	AssignmentAccept      AssignmentAction = "accept"
	AssignmentReturn      AssignmentAction = "return"
)

// assignmentTransitions says, for each action, the states it may start
// from and the state it leads to.
var assignmentTransitions = map[AssignmentAction]struct {
	from []AssignmentState
	to   AssignmentState
}{
	AssignmentAcknowledge: {[]AssignmentState{AssignmentDelivered}, AssignmentAcknowledged},
	AssignmentReport:      {[]AssignmentState{AssignmentAcknowledged, AssignmentReturned}, AssignmentReported},
	AssignmentAccept:      {[]AssignmentState{AssignmentReported}, AssignmentAccepted},
	AssignmentReturn:      {[]AssignmentState{AssignmentReported}, AssignmentReturned},
}

// AssignmentActions lists every action.
var AssignmentActions = []AssignmentAction{AssignmentAcknowledge, AssignmentReport, AssignmentAccept, AssignmentReturn}

// CanStep reports whether the action may be taken in the state.
func CanStep(action AssignmentAction, from AssignmentState) bool {
	return slices.Contains(assignmentTransitions[action].from, from)
}

// Step moves a live assignment by the action as of now. A superseded
// assignment (an older version's) is refused: only the version in force
// counts.
func (a *Assignment) Step(action AssignmentAction, now time.Time) error {
	t, ok := assignmentTransitions[action]
	if !ok {
		return FieldError("action", "error.assignment.action", "Unknown action %q.", string(action))
	}
	if !a.Live {
		return &Error{Code: ECONFLICT, Key: "error.assignment.superseded",
			Message: "This version of the directive has been amended or withdrawn: act on the version in force."}
	}
	if !slices.Contains(t.from, a.State) {
		return &Error{Code: ECONFLICT, Key: "error.assignment.transition", Args: []any{string(action), string(a.State)},
			Message: "An assignment that is " + string(a.State) + " cannot be given the action " + string(action) + "."}
	}
	a.State = t.to
	switch action {
	case AssignmentAcknowledge:
		a.AcknowledgedAt = now
	case AssignmentReport:
		a.ReportedAt = now
	case AssignmentAccept, AssignmentReturn:
		a.ReviewedAt = now
	}
	return nil
}

// Evidence is what the records of a unit's subtree show was done since a
// directive was issued. A report stores it as it was when submitted.
type Evidence struct {
	UnitID      int64     `json:"unit_id"`
	Since       time.Time `json:"since"`
	At          time.Time `json:"at"`
	ProgrammeID int64     `json:"programme_id,omitempty"`
	// Households of the programme (every household without one) in the
	// subtree now, and how many of them were visited since.
	Households        int `json:"households"`
	HouseholdsVisited int `json:"households_visited"`
	Visits            int `json:"visits"`
	ProblemsRaised    int `json:"problems_raised"`    // since
	ProblemsResolved  int `json:"problems_resolved"`  // resolved since, whenever raised
	ProblemsOpen      int `json:"problems_open"`      // raised since and still active
	ProblemsEscalated int `json:"problems_escalated"` // escalated since
	StatusEvents      int `json:"status_events"`      // recorded since
	CallsHeld         int `json:"calls_held"`         // calls held since, at the subtree's offices
	// Departure requests of the subtree's households allocated a travel
	// day since, and departed since.
	DeparturesAllocated int `json:"departures_allocated"`
	DeparturesDone      int `json:"departures_done"`
}

// Add adds e's counts to the totals.
func (t *Evidence) Add(e *Evidence) {
	t.Households += e.Households
	t.HouseholdsVisited += e.HouseholdsVisited
	t.Visits += e.Visits
	t.ProblemsRaised += e.ProblemsRaised
	t.ProblemsResolved += e.ProblemsResolved
	t.ProblemsOpen += e.ProblemsOpen
	t.ProblemsEscalated += e.ProblemsEscalated
	t.StatusEvents += e.StatusEvents
	t.CallsHeld += e.CallsHeld
	t.DeparturesAllocated += e.DeparturesAllocated
	t.DeparturesDone += e.DeparturesDone
}

// EvidenceFilter says whose records evidence counts.
type EvidenceFilter struct {
	PathPrefix  string // records of households of this subtree
	Since       time.Time
	Until       time.Time
	ProgrammeID int64 // 0: every household
}

// Report is what a unit says it did, with the evidence of the records, and
// the superior's review.
type Report struct {
	ID            int64
	AssignmentID  int64
	DirectiveID   int64
	UnitID        int64
	Narrative     string
	Evidence      Evidence
	SubmittedAt   time.Time
	SubmittedBy   int64
	SubmitterName string
	// The review: accepted or returned, with the reviewer's comment.
	Review       AssignmentState // "", AssignmentAccepted or AssignmentReturned
	ReviewNote   string
	ReviewedAt   time.Time
	ReviewedBy   int64
	ReviewerName string

	Attachments []*Attachment // filled by the store on reads
}

// Attachment is a file attached to a directive or a report. The bytes are
// in the AttachmentStore under Key; the record says what they are.
type Attachment struct {
	ID          int64
	OwnerType   string // "directive" or "report"
	OwnerID     int64
	Name        string
	ContentType string // detected from the content, never taken from the client
	Size        int64
	SHA256      string
	Key         string
	Created     time.Time
}

// AttachmentStore keeps attachment files durably: a file is written to a
// temporary name, synced and renamed, so that it is whole or absent.
type AttachmentStore interface {
	// Put stores at most limit bytes of r and returns the key, the size,
	// the SHA-256 and the first bytes (for type detection); more than limit
	// bytes is an error and stores nothing.
	Put(ctx context.Context, r io.Reader, limit int64) (key string, size int64, sum string, head []byte, err error)
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
}

// MaxAttachmentSize is the largest attachment accepted.
const MaxAttachmentSize = 10 << 20

// AttachmentTypes are the content types accepted, as http.DetectContentType
// names them (without parameters).
var AttachmentTypes = []string{"application/pdf", "image/png", "image/jpeg", "text/plain", "application/zip"}

// RollupCount is one line of the counters behind a roll-up: how many live
// assignments of a directive version, at a unit or below it, are in a
// state.
type RollupCount struct {
	UnitID      int64
	DirectiveID int64
	State       AssignmentState
	N           int
}

// Rollup is a directive cascade seen from one unit: its subtree's live
// assignments by state, the overdue ones, the evidence totals, and the
// same for each child unit.
type Rollup struct {
	Root      *Directive // the original at the top of the cascade
	Unit      *Unit
	ByState   map[AssignmentState]int
	Total     int
	Accepted  float64 // share of Total, 0..1
	Overdue   int
	OverdueAt []*Assignment // the first of them, soonest due first
	Evidence  Evidence      // sum over reports of units that did not cascade
	Children  []*RollupChild
	Parent    *Unit // one level up, for going back up; nil at the issuer
}

// RollupChild is one child unit's line of a roll-up.
type RollupChild struct {
	Unit     *Unit
	ByState  map[AssignmentState]int
	Total    int
	Accepted float64
	Overdue  int
}

// AssignmentFilter selects live assignments.
type AssignmentFilter struct {
	RootID      int64
	SeriesID    int64
	DirectiveID int64
	UnitID      int64
	PathPrefix  string // units of this subtree
	States      []AssignmentState
	DueBefore   time.Time // with States not accepted: overdue
	DueAfter    time.Time
	IncludeDead bool // superseded versions' assignments too
	Limit       int
}

// DirectiveFilter selects directives (the version in force of each series,
// or the last one if withdrawn), newest first.
type DirectiveFilter struct {
	IssuerUnitID int64 // issued by this unit (outbox)
	AddressedTo  int64 // with a live assignment of this unit (inbox)
	ParentID     int64 // derived from this series
	RootID       int64
	// For the jobs: versions in force due before DueBefore whose reminder
	// (Unreminded) or overdue notice (OverdueUnnoticed) is not yet sent.
	DueBefore        time.Time
	Unreminded       bool
	OverdueUnnoticed bool
	Limit            int
}

// DirectiveTx is the directives capability's part of a transaction.
type DirectiveTx interface {
	// CreateDirective stores a version; for version 1 it sets SeriesID =
	// ID, and RootID = ID when it has no parent.
	CreateDirective(ctx context.Context, d *Directive) error
	// SetDirectiveStatus marks a version superseded or withdrawn.
	SetDirectiveStatus(ctx context.Context, id int64, st DirectiveStatus, note string) error
	// MarkDirectiveJobs records that the jobs reminded the addressees
	// and/or noticed the version overdue (non-zero times are written).
	MarkDirectiveJobs(ctx context.Context, id int64, remindedAt, overdueNoticeAt time.Time) error
	FindDirectiveByID(ctx context.Context, id int64) (*Directive, error)
	// FindDirectiveVersions returns every version of a series, oldest first.
	FindDirectiveVersions(ctx context.Context, seriesID int64) ([]*Directive, error)
	FindDirectives(ctx context.Context, f DirectiveFilter) ([]*Directive, error)

	// CreateAssignments stores the assignments of a version in as few
	// statements as the engine allows, and adds them to the roll-up
	// counters of every unit on their path, in the same transaction. A
	// second live assignment of a series and unit is ECONFLICT.
	CreateAssignments(ctx context.Context, as []*Assignment) error
	// UpdateAssignment writes the assignment's state, times, report and
	// cascade mark if its stored version is a.Version (else ECONFLICT),
	// increments a.Version, and moves the counters from the old state to
	// the new one.
	UpdateAssignment(ctx context.Context, a *Assignment, old AssignmentState) error
	// KillAssignments ends the live assignments of a version (amended or
	// withdrawn) and takes them out of the counters.
	KillAssignments(ctx context.Context, directiveID int64) error
	FindAssignmentByID(ctx context.Context, id int64) (*Assignment, error)
	// FindLiveAssignment returns the live assignment of a series at a unit.
	FindLiveAssignment(ctx context.Context, seriesID, unitID int64) (*Assignment, error)
	FindAssignments(ctx context.Context, f AssignmentFilter) ([]*Assignment, error)
	CountAssignments(ctx context.Context, f AssignmentFilter) (int, error)
	// RollupCounts returns the counters of the units, for a cascade.
	RollupCounts(ctx context.Context, rootID int64, unitIDs []int64) ([]RollupCount, error)

	CreateReport(ctx context.Context, r *Report) error // sets ID
	UpdateReportReview(ctx context.Context, r *Report) error
	FindReportByID(ctx context.Context, id int64) (*Report, error)
	FindReports(ctx context.Context, assignmentID int64) ([]*Report, error) // oldest first
	// SumEvidence adds up the latest report evidence of the live,
	// not-cascaded assignments of a cascade in a subtree.
	SumEvidence(ctx context.Context, rootID int64, pathPrefix string) (Evidence, error)
	// ComputeEvidence counts the records of f.
	ComputeEvidence(ctx context.Context, f EvidenceFilter) (*Evidence, error)

	CreateAttachment(ctx context.Context, a *Attachment) error // sets ID
	FindAttachmentByID(ctx context.Context, id int64) (*Attachment, error)
}
