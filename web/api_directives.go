package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// The directives API: directives and their versions, assignments and
// their steps, reports with their evidence and attachments, the roll-up.
// The shapes are documented in openapi.json.

type jsonDirective struct {
	ID           int64                      `json:"id"`
	SeriesID     int64                      `json:"series_id"`
	Version      int                        `json:"version"`
	ParentID     *int64                     `json:"parent_id"`
	RootID       int64                      `json:"root_id"`
	IssuerUnitID int64                      `json:"issuer_unit_id"`
	Title        string                     `json:"title"`
	Body         string                     `json:"body"`
	DueAt        time.Time                  `json:"due_at"`
	Addressees   kinbridge.Addressees       `json:"addressees"`
	Actions      []kinbridge.RequiredAction `json:"actions"`
	Status       kinbridge.DirectiveStatus  `json:"status"`
	Note         string                     `json:"note"`
	IssuedAt     time.Time                  `json:"issued_at"`
	IssuedBy     string                     `json:"issued_by"`
}

func toJSONDirective(d *kinbridge.Directive) jsonDirective {
	acts := d.Actions
	if acts == nil {
		acts = []kinbridge.RequiredAction{}
	}
	return jsonDirective{ID: d.ID, SeriesID: d.SeriesID, Version: d.Version, ParentID: idOrNull(d.ParentID), RootID: d.RootID,
		IssuerUnitID: d.IssuerUnitID, Title: d.Title, Body: d.Body, DueAt: d.DueAt, Addressees: d.Addressees, Actions: acts,
		Status: d.Status, Note: d.Note, IssuedAt: d.IssuedAt, IssuedBy: d.IssuedByName}
}

func toJSONDirectives(ds []*kinbridge.Directive) []jsonDirective {
	out := make([]jsonDirective, len(ds))
	for i, d := range ds {
		out[i] = toJSONDirective(d)
	}
	return out
}

type jsonAssignment struct {
	ID             int64                     `json:"id"`
	DirectiveID    int64                     `json:"directive_id"`
	UnitID         int64                     `json:"unit_id"`
	State          kinbridge.AssignmentState `json:"state"`
	Live           bool                      `json:"live"`
	Overdue        bool                      `json:"overdue"`
	DueAt          time.Time                 `json:"due_at"`
	DeliveredAt    time.Time                 `json:"delivered_at"`
	AcknowledgedAt *time.Time                `json:"acknowledged_at"`
	ReportedAt     *time.Time                `json:"reported_at"`
	ReviewedAt     *time.Time                `json:"reviewed_at"`
	ReportID       *int64                    `json:"report_id"`
	Cascaded       bool                      `json:"cascaded"`
	Version        int64                     `json:"version"`
}

func toJSONAssignment(a *kinbridge.Assignment, now time.Time) jsonAssignment {
	return jsonAssignment{ID: a.ID, DirectiveID: a.DirectiveID, UnitID: a.UnitID, State: a.State, Live: a.Live, Overdue: a.Overdue(now),
		DueAt: a.DueAt, DeliveredAt: a.DeliveredAt, AcknowledgedAt: timeOrNull(a.AcknowledgedAt), ReportedAt: timeOrNull(a.ReportedAt),
		ReviewedAt: timeOrNull(a.ReviewedAt), ReportID: idOrNull(a.ReportID), Cascaded: a.Cascaded, Version: a.Version}
}

func toJSONAssignments(as []*kinbridge.Assignment, now time.Time) []jsonAssignment {
	out := make([]jsonAssignment, len(as))
	for i, a := range as {
		out[i] = toJSONAssignment(a, now)
	}
	return out
}

type jsonAttachment struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

type jsonReport struct {
	ID           int64              `json:"id"`
	AssignmentID int64              `json:"assignment_id"`
	DirectiveID  int64              `json:"directive_id"`
	UnitID       int64              `json:"unit_id"`
	Narrative    string             `json:"narrative"`
	Evidence     kinbridge.Evidence `json:"evidence"`
	SubmittedAt  time.Time          `json:"submitted_at"`
	SubmittedBy  string             `json:"submitted_by"`
	Review       string             `json:"review"`
	ReviewNote   string             `json:"review_note"`
	ReviewedAt   *time.Time         `json:"reviewed_at"`
	Attachments  []jsonAttachment   `json:"attachments"`
}

func toJSONReport(r *kinbridge.Report) jsonReport {
	j := jsonReport{ID: r.ID, AssignmentID: r.AssignmentID, DirectiveID: r.DirectiveID, UnitID: r.UnitID, Narrative: r.Narrative,
		Evidence: r.Evidence, SubmittedAt: r.SubmittedAt, SubmittedBy: r.SubmitterName, Review: string(r.Review), ReviewNote: r.ReviewNote,
		ReviewedAt: timeOrNull(r.ReviewedAt), Attachments: []jsonAttachment{}}
	for _, a := range r.Attachments {
		j.Attachments = append(j.Attachments, jsonAttachment{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256})
	}
	return j
}

// apiListDirectives is GET /api/v1/directives: ?box=in (addressed to the
// unit, the default) or out (issued by it), of ?unit_id= (default: the
// caller's unit).
func (s *Server) apiListDirectives(w http.ResponseWriter, r *http.Request) {
	unitID, err := queryInt(r, "unit_id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if unitID == 0 {
		unitID = kinbridge.ActorFromContext(r.Context()).UnitID
	}
	f := kinbridge.DirectiveFilter{AddressedTo: unitID}
	switch r.URL.Query().Get("box") {
	case "", "in":
	case "out":
		f = kinbridge.DirectiveFilter{IssuerUnitID: unitID}
	default:
		s.apiError(w, r, &kinbridge.Error{Code: kinbridge.EINVALID, Field: "box", Message: "box is in or out."})
		return
	}
	ds, err := s.svc.FindDirectives(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"directives": toJSONDirectives(ds)})
}

type directiveInput struct {
	IssuerUnitID int64                      `json:"issuer_unit_id"`
	ParentID     int64                      `json:"parent_id"`
	Title        string                     `json:"title"`
	Body         string                     `json:"body"`
	DueAt        time.Time                  `json:"due_at"`
	Addressees   kinbridge.Addressees       `json:"addressees"`
	Actions      []kinbridge.RequiredAction `json:"actions"`
	Note         string                     `json:"note"`
}

// apiIssueDirective is POST /api/v1/directives: issue, or pass on with
// parent_id. JSON, or multipart with the JSON in the part "directive" and
// the files in "attachments".
func (s *Server) apiIssueDirective(w http.ResponseWriter, r *http.Request) {
	var in directiveInput
	var ups []kinbridge.AttachmentUpload
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		ups, err = readReportForm(w, r)
		defer closeUploads(ups)
		if err == nil {
			dec := json.NewDecoder(strings.NewReader(r.PostForm.Get("directive")))
			dec.DisallowUnknownFields()
			if derr := dec.Decode(&in); derr != nil {
				err = &kinbridge.Error{Code: codeBadRequest, Message: "The part \"directive\" is not a valid directive in JSON: " + derr.Error()}
			}
		}
	} else {
		err = decodeJSON(w, r, &in)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	d := &kinbridge.Directive{IssuerUnitID: in.IssuerUnitID, ParentID: in.ParentID, Title: in.Title, Body: in.Body, DueAt: in.DueAt,
		Addressees: in.Addressees, Actions: in.Actions}
	if err := s.svc.IssueDirectiveWithFiles(r.Context(), d, ups); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, toJSONDirective(d))
}

// apiGetDirective is GET /api/v1/directives/{id}: the version with its
// versions, parent, derived directives and the assignments the caller
// may see.
func (s *Server) apiGetDirective(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var rec *kinbridge.DirectiveRecord
	if err == nil {
		rec, err = s.svc.FindDirective(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	now := s.now()
	out := map[string]any{"directive": toJSONDirective(rec.Directive), "current_id": rec.Current.ID,
		"versions": toJSONDirectives(rec.Versions), "derived": toJSONDirectives(rec.Derived),
		"assignments": toJSONAssignments(rec.Assignments, now), "parent": nil, "mine": nil}
	if rec.Parent != nil {
		out["parent"] = toJSONDirective(rec.Parent)
	}
	if rec.Mine != nil {
		out["mine"] = toJSONAssignment(rec.Mine, now)
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// apiAmendDirective is POST /api/v1/directives/{id}/amend: a new version.
func (s *Server) apiAmendDirective(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in directiveInput
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	d := &kinbridge.Directive{Title: in.Title, Body: in.Body, DueAt: in.DueAt, Actions: in.Actions, Note: in.Note}
	if err == nil {
		err = s.svc.AmendDirective(r.Context(), id, d)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, toJSONDirective(d))
}

// apiWithdrawDirective is POST /api/v1/directives/{id}/withdraw.
func (s *Server) apiWithdrawDirective(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in struct {
		Reason string `json:"reason"`
	}
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	if err == nil {
		err = s.svc.WithdrawDirective(r.Context(), id, in.Reason)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiRollup is GET /api/v1/directives/{id}/rollup?unit_id=.
func (s *Server) apiRollup(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var unitID int64
	if err == nil {
		unitID, err = queryInt(r, "unit_id")
	}
	var ru *kinbridge.Rollup
	if err == nil {
		ru, err = s.svc.FindRollup(r.Context(), id, unitID)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	type line struct {
		UnitID   int64                             `json:"unit_id"`
		ByState  map[kinbridge.AssignmentState]int `json:"by_state"`
		Total    int                               `json:"total"`
		Accepted float64                           `json:"accepted"`
		Overdue  int                               `json:"overdue"`
	}
	children := []line{}
	for _, c := range ru.Children {
		children = append(children, line{c.Unit.ID, c.ByState, c.Total, c.Accepted, c.Overdue})
	}
	out := map[string]any{"root_id": ru.Root.ID, "unit_id": ru.Unit.ID, "by_state": ru.ByState, "total": ru.Total, "accepted": ru.Accepted,
		"overdue": ru.Overdue, "overdue_assignments": toJSONAssignments(ru.OverdueAt, s.now()), "evidence": ru.Evidence,
		"children": children, "parent_unit_id": nil}
	if ru.Parent != nil {
		out["parent_unit_id"] = ru.Parent.ID
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// apiDirectiveReports is GET /api/v1/directives/{id}/reports: every
// addressee's assignment of the version with its reports.
func (s *Server) apiDirectiveReports(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var ars []*kinbridge.AssignmentReports
	if err == nil {
		ars, err = s.svc.FindDirectiveReports(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	type item struct {
		Assignment jsonAssignment `json:"assignment"`
		Reports    []jsonReport   `json:"reports"`
	}
	now := s.now()
	out := make([]item, 0, len(ars))
	for _, ar := range ars {
		it := item{Assignment: toJSONAssignment(ar.Assignment, now), Reports: []jsonReport{}}
		for _, rep := range ar.Reports {
			it.Reports = append(it.Reports, toJSONReport(rep))
		}
		out = append(out, it)
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"assignments": out})
}

// apiEvidence is GET /api/v1/assignments/{id}/evidence: the evidence a
// report would carry if submitted now.
func (s *Server) apiEvidence(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var ev *kinbridge.Evidence
	if err == nil {
		ev, err = s.svc.PreviewEvidence(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, ev)
}

type assignmentStepInput struct {
	Action  string `json:"action"`
	Version int64  `json:"version"`
	Note    string `json:"note"`
}

// apiAcknowledge is POST /api/v1/assignments/{id}/acknowledge. An
// assignment of an amended version answers 409.
func (s *Server) apiAcknowledge(w http.ResponseWriter, r *http.Request) {
	s.apiStep(w, r, kinbridge.AssignmentAcknowledge)
}

// apiReview is POST /api/v1/assignments/{id}/review: accept, or return
// with a note.
func (s *Server) apiReview(w http.ResponseWriter, r *http.Request) {
	s.apiStep(w, r, "")
}

func (s *Server) apiStep(w http.ResponseWriter, r *http.Request, action kinbridge.AssignmentAction) {
	id, err := pathID(r)
	var in assignmentStepInput
	if err == nil && r.ContentLength != 0 {
		err = decodeJSON(w, r, &in)
	}
	if err == nil && action == "" {
		action = kinbridge.AssignmentAction(in.Action)
		if action != kinbridge.AssignmentAccept && action != kinbridge.AssignmentReturn {
			err = &kinbridge.Error{Code: kinbridge.EINVALID, Field: "action", Message: "action is accept or return."}
		}
	}
	var as *kinbridge.Assignment
	if err == nil {
		as, err = s.svc.StepAssignment(r.Context(), id, kinbridge.AssignmentStep{Action: action, Version: in.Version, Note: in.Note})
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONAssignment(as, s.now()))
}

// apiSubmitReport is POST /api/v1/assignments/{id}/reports: JSON
// {narrative, version}, or multipart with the fields narrative and version
// and files named attachments.
func (s *Server) apiSubmitReport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var narrative string
	var version int64
	var ups []kinbridge.AttachmentUpload
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		ups, err = readReportForm(w, r)
		defer closeUploads(ups)
		narrative, version = r.PostForm.Get("narrative"), formInt(r, "version")
	} else {
		var in struct {
			Narrative string `json:"narrative"`
			Version   int64  `json:"version"`
		}
		err = decodeJSON(w, r, &in)
		narrative, version = in.Narrative, in.Version
	}
	var rep *kinbridge.Report
	if err == nil {
		rep, err = s.svc.SubmitReport(r.Context(), id, version, narrative, ups)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, toJSONReport(rep))
}
