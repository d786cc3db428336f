package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// The report form (with the evidence the report will carry, shown before
// it is sent), the issuer's review page, and attachment downloads.

// maxReportBytes bounds a report's multipart body: the narrative and at
// most ten attachments of the largest size the service takes, and a
// little for the form around them. A larger file is still refused by the
// service at its own field.
const maxReportBytes = 10*kinbridge.MaxAttachmentSize + maxBodyBytes

type reportFormPage struct {
	Assignment *kinbridge.Assignment
	D          *kinbridge.Directive
	Evidence   *kinbridge.Evidence
	Programme  string
	UnitName   string
	Reports    []*kinbridge.Report
}

// Fields of the report form.
var reportFields = []string{"narrative", "attachments"}

// showReportForm is GET /assignments/{id}/report: the evidence the records
// of the unit's subtree show now, which the report will carry, and the
// form for the narrative and the attachments.
func (s *Server) showReportForm(w http.ResponseWriter, r *http.Request) {
	s.renderReportForm(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderReportForm(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	ev, err := s.svc.PreviewEvidence(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	as, d, err := s.svc.FindAssignment(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	reports, err := s.svc.FindReports(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	unit, err := s.svc.FindUnitByID(r.Context(), as.UnitID)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Loc = unit.Location()
	v.Title = v.T("report.title", d.Title)
	v.Path = "/assignments/" + id64(id) + "/report"
	page := reportFormPage{Assignment: as, D: d, Evidence: ev, UnitName: unit.Names.In(v.lang), Reports: reports}
	if ev.ProgrammeID != 0 {
		if p, err := s.svc.FindProgrammeByID(r.Context(), ev.ProgrammeID); err == nil {
			page.Programme = p.Names.In(v.lang)
		}
	}
	if form != nil {
		v.form = form
	}
	if formErr != nil {
		if strings.HasPrefix(kinbridge.ErrorField(formErr), "attachments") {
			formErr = withField(formErr, "attachments")
		}
		s.formError(r, v, formErr, reportFields...)
	}
	v.Data = page
	s.render(w, r, status, "directive_report", v)
}

// readReportForm reads the report form, multipart (with files) or plain,
// and returns the uploads; their parts are read as the service stores them.
func readReportForm(w http.ResponseWriter, r *http.Request) ([]kinbridge.AttachmentUpload, error) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		return nil, parseForm(w, r)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxReportBytes)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, kinbridge.FieldError("attachments", "error.report.too_large", "The files together are larger than %d MB.", maxReportBytes>>20)
		}
		return nil, &kinbridge.Error{Code: codeBadRequest, Message: "The form could not be read.", Key: "error.bad_request"}
	}
	r.PostForm = url.Values(r.MultipartForm.Value)
	var ups []kinbridge.AttachmentUpload
	for _, fh := range r.MultipartForm.File["attachments"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the empty file input of a form sent without a file
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		ups = append(ups, kinbridge.AttachmentUpload{Name: fh.Filename, Body: f})
	}
	return ups, nil
}

func closeUploads(ups []kinbridge.AttachmentUpload) {
	for _, u := range ups {
		if c, ok := u.Body.(multipart.File); ok {
			c.Close()
		}
	}
}

// submitReport is POST /assignments/{id}/report: the narrative and the
// attachments; the service computes the evidence as it stands now.
func (s *Server) submitReport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	ups, err := readReportForm(w, r)
	defer closeUploads(ups)
	var rep *kinbridge.Report
	if err == nil {
		rep, err = s.svc.SubmitReport(r.Context(), id, formInt(r, "version"), r.PostForm.Get("narrative"), ups)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderReportForm(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, directiveURL(rep.DirectiveID)+"?done=report_submitted")
}

// reportsPage is the review page of a directive version: every
// addressee's assignment with its reports, their evidence and attachments.
type reportsPage struct {
	D        *kinbridge.Directive
	Rows     []reportsRow
	Reviewer bool // the caller may accept or return reports
}

type reportsRow struct {
	*kinbridge.AssignmentReports
	UnitName string
	Latest   *kinbridge.Report
	Earlier  []*kinbridge.Report // newest first
	Overdue  bool
}

// showDirectiveReports is GET /directives/{id}/reports: the review page.
func (s *Server) showDirectiveReports(w http.ResponseWriter, r *http.Request) {
	s.renderDirectiveReports(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderDirectiveReports(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	ars, err := s.svc.FindDirectiveReports(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	rec, err := s.svc.FindDirective(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	units, err := s.svc.FindUnits(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "")
	v.Loc = rec.Issuer.Location()
	v.Title = v.T("reports.title", rec.Directive.Title)
	v.Path = directiveURL(id) + "/reports"
	names := unitNames(units, v.lang)
	now := s.now()
	page := reportsPage{D: rec.Directive, Reviewer: v.Can(string(kinbridge.ActionDirectiveReview))}
	for _, ar := range ars {
		row := reportsRow{AssignmentReports: ar, UnitName: names[ar.Assignment.UnitID], Overdue: ar.Assignment.Overdue(now)}
		if n := len(ar.Reports); n > 0 {
			row.Latest = ar.Reports[n-1]
			for i := n - 2; i >= 0; i-- {
				row.Earlier = append(row.Earlier, ar.Reports[i])
			}
		}
		page.Rows = append(page.Rows, row)
	}
	if form != nil {
		v.form = form
	}
	if formErr != nil {
		s.formError(r, v, formErr)
	}
	v.Data = page
	v.Notice = s.notice(r, v)
	s.render(w, r, status, "directive_reports", v)
}

// reviewAssignment is POST /assignments/{id}/review: accept the report,
// or return it with a comment (required).
func (s *Server) reviewAssignment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	st := kinbridge.AssignmentStep{Action: kinbridge.AssignmentAction(r.PostForm.Get("action")), Version: formInt(r, "version"), Note: r.PostForm.Get("note")}
	if st.Action != kinbridge.AssignmentAccept && st.Action != kinbridge.AssignmentReturn {
		s.htmlError(w, r, kinbridge.FieldError("action", "error.assignment.action", "Unknown action %q.", string(st.Action)))
		return
	}
	as, err := s.svc.StepAssignment(r.Context(), id, st)
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		// The review page of the assignment's directive, with the error.
		if x, _, ferr := s.svc.FindAssignment(r.Context(), id); ferr == nil {
			r.SetPathValue("id", id64(x.DirectiveID))
			s.renderDirectiveReports(w, r, statusOf(err), r.PostForm, err)
			return
		}
		s.htmlError(w, r, err)
		return
	}
	done := "?done=report_accepted"
	if st.Action == kinbridge.AssignmentReturn {
		done = "?done=report_returned"
	}
	redirect(w, r, directiveURL(as.DirectiveID)+"/reports"+done+"#assignment-"+id64(as.ID))
}

// downloadAttachment is GET /attachments/{id}: the file, always as a
// download of the type detected from its content when it was stored.
func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	at, rc, err := s.svc.OpenAttachment(r.Context(), id)
	if err != nil {
		if isAPIPath(r.URL.Path) {
			s.apiError(w, r, err)
		} else {
			s.htmlError(w, r, err)
		}
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", at.ContentType)
	h.Set("Content-Length", strconv.FormatInt(at.Size, 10))
	cd := mime.FormatMediaType("attachment", map[string]string{"filename": at.Name})
	if cd == "" {
		cd = "attachment" // a name mime cannot quote: the browser picks one
	}
	h.Set("Content-Disposition", cd)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	if _, err := io.Copy(w, rc); err != nil {
		s.logError(r, err)
	}
}
