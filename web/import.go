package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sheet"
)

// maxImportBytes bounds a file uploaded through the web page or the API.
// Larger imports (a nation's registry) belong to the command line, which
// reads the file where it lies.
const maxImportBytes = 64 << 20

// maxRejectedShown is how many rejected rows the page lists; the download
// holds them all.
const maxRejectedShown = 1000

type importPage struct {
	Jobs    []importState
	MaxMiB  int
	Columns string
}

// showImport is GET /import: the upload form and the caller's recent
// imports.
func (s *Server) showImport(w http.ResponseWriter, r *http.Request) {
	if err := offer(r, kinbridge.ActionRegistryImport); err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.renderImport(w, r, http.StatusOK, nil)
}

func (s *Server) renderImport(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	v := s.newView(r, "import.title")
	v.Path = "/import"
	var err error
	if v.Loc, err = s.actorLocation(r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	v.Data = importPage{Jobs: s.imports.mine(r.Context()), MaxMiB: maxImportBytes >> 20, Columns: strings.Join(kinbridge.ImportColumns, ", ")}
	if formErr != nil {
		s.formError(r, v, formErr, "file")
	}
	s.render(w, r, status, "import", v)
}

// startImport is POST /import (multipart: file, skip_invalid): the file is
// saved and imported in the background; its page follows the progress.
// Without skip_invalid the import is all or nothing: a file with bad rows
// writes nothing, and its page lists every bad row — then the valid rows
// alone may be imported, and the bad ones downloaded to be corrected.
func (s *Server) startImport(w http.ResponseWriter, r *http.Request) {
	// The service authorises the import when it runs, in the background;
	// a caller who may not import is told now.
	if err := offer(r, kinbridge.ActionRegistryImport); err != nil {
		s.htmlError(w, r, err)
		return
	}
	file, size, name, fields, err := readUpload(w, r)
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderImport(w, r, statusOf(err), err)
		return
	}
	a := kinbridge.ActorFromContext(r.Context())
	j := &importJob{ID: newImportID(), UserID: a.UserID, FileName: name, Started: time.Now(), skipInvalid: fields["skip_invalid"] != ""}
	s.startRead(context.WithoutCancel(r.Context()), j, file, size)
	redirect(w, r, "/import/"+j.ID)
}

// readUpload streams a multipart upload: its "file" part to a temporary
// file, its other (small) parts into fields.
func readUpload(w http.ResponseWriter, r *http.Request) (file *os.File, size int64, name string, fields map[string]string, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, 0, "", nil, &kinbridge.Error{Code: codeBadRequest, Message: "The form could not be read.", Key: "error.bad_request"}
	}
	fields = map[string]string{}
	defer func() {
		if err != nil && file != nil {
			file.Close()
			os.Remove(file.Name())
			file = nil
		}
	}()
	for {
		part, perr := mr.NextPart()
		if errors.Is(perr, io.EOF) {
			break
		} else if perr != nil {
			return file, 0, "", nil, &kinbridge.Error{Code: codeBadRequest, Message: "The form could not be read.", Key: "error.bad_request"}
		}
		if part.FormName() == "file" && part.FileName() != "" && file == nil {
			name = part.FileName()
			if file, size, err = saveUpload(part, maxImportBytes); err != nil {
				return nil, 0, "", nil, err
			}
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(part, 1<<10))
		fields[part.FormName()] = string(b)
		part.Close()
	}
	if file == nil || size == 0 {
		return file, 0, "", nil, &kinbridge.Error{Code: kinbridge.EINVALID, Field: "file", Key: "error.import.no_file", Message: "Choose a CSV or XLSX file."}
	}
	return file, size, name, fields, nil
}

type importJobPage struct {
	importState
	Shown     []kinbridge.RowError // the rejected rows listed
	More      int                  // rejected rows not listed
	Valid     int                  // rows that would be imported alone
	Percent   int
	ErrorText string
}

// showImportJob is GET /import/{id}: the progress of an import, reloading
// itself every second while it runs; then what it did, and every rejected
// row with its line, column and reason.
func (s *Server) showImportJob(w http.ResponseWriter, r *http.Request) {
	s.renderImportJob(w, r, http.StatusOK, nil)
}

func (s *Server) renderImportJob(w http.ResponseWriter, r *http.Request, status int, actionErr error) {
	if err := offer(r, kinbridge.ActionRegistryImport); err != nil {
		s.htmlError(w, r, err)
		return
	}
	j, err := s.imports.find(r.Context(), r.PathValue("id"))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(r, "import.job_title")
	if v.Loc, err = s.actorLocation(r); err != nil {
		s.htmlError(w, r, err)
		return
	}
	st := j.state()
	page := importJobPage{importState: st}
	if st.Running {
		v.Refresh = 1
		if st.Total > 0 {
			page.Percent = min(100, st.Done*100/st.Total)
		}
	} else if st.Result != nil {
		page.Shown = st.Result.Rejected
		if len(page.Shown) > maxRejectedShown {
			page.Shown, page.More = page.Shown[:maxRejectedShown], len(page.Shown)-maxRejectedShown
		}
		page.Valid = st.Result.Rows - len(st.Result.Rejected)
	}
	if st.Err != nil {
		if kinbridge.ErrorCode(st.Err) == kinbridge.EINTERNAL {
			page.ErrorText = v.T("error.code.internal")
		} else {
			page.ErrorText = v.Err(st.Err)
		}
	}
	v.Data = page
	if actionErr != nil {
		s.formError(r, v, actionErr)
	}
	s.render(w, r, status, "import_job", v)
}

// importSkippingInvalid is POST /import/{id}/skip-invalid: after a file was
// refused for its bad rows, its valid rows are imported alone.
func (s *Server) importSkippingInvalid(w http.ResponseWriter, r *http.Request) {
	if err := offer(r, kinbridge.ActionRegistryImport); err != nil {
		s.htmlError(w, r, err)
		return
	}
	j, err := s.imports.find(r.Context(), r.PathValue("id"))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	j.mu.Lock()
	ok := !j.running && !j.skipInvalid && j.imp != nil && j.result != nil && len(j.result.Rejected) > 0
	if ok {
		j.running, j.skipInvalid, j.err, j.result = true, true, nil, nil
		j.stage, j.done, j.total = "validate", 0, len(j.imp.Rows)
	}
	j.mu.Unlock()
	if !ok {
		s.renderImportJob(w, r, http.StatusConflict, &kinbridge.Error{Code: kinbridge.ECONFLICT, Key: "error.import.not_rejected",
			Message: "This import is running or was imported already."})
		return
	}
	s.restartImport(context.WithoutCancel(r.Context()), j)
	redirect(w, r, "/import/"+j.ID)
}

// downloadRejected is GET /import/{id}/rejected?format=csv (or xlsx): the
// rejected rows as they were in the file, each with its line and reason in
// front, to be corrected and imported again.
func (s *Server) downloadRejected(w http.ResponseWriter, r *http.Request) {
	if err := offer(r, kinbridge.ActionRegistryImport); err != nil {
		s.htmlError(w, r, err)
		return
	}
	j, err := s.imports.find(r.Context(), r.PathValue("id"))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	format, err := sheet.ParseFormat(r.URL.Query().Get("format"))
	if r.URL.Query().Get("format") == "" {
		format, err = sheet.CSV, nil
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	st := j.state()
	j.mu.Lock()
	imp := j.imp
	j.mu.Unlock()
	if imp == nil || st.Result == nil || st.Running {
		s.htmlError(w, r, &kinbridge.Error{Code: kinbridge.ENOTFOUND, Message: "This import has no rejected rows.", Key: "error.import.no_rejected"})
		return
	}
	setDownload(w, format, "rejected-rows")
	if err := sheet.WriteRejected(w, format, imp, st.Result.Rejected); err != nil {
		s.logError(r, err)
	}
}

// setDownload sets the headers of a file download named base-YYYYMMDD.ext.
func setDownload(w http.ResponseWriter, format sheet.Format, base string) {
	h := w.Header()
	h.Set("Content-Type", format.ContentType())
	h.Set("Content-Disposition", `attachment; filename="`+base+"-"+time.Now().UTC().Format("20060102")+format.Ext()+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}
