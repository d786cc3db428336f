package web

import (
	"net/http"
	"os"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sheet"
)

type jsonRowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

type jsonImportResult struct {
	Imported         bool           `json:"imported"`
	Rows             int            `json:"rows"`
	Households       int            `json:"households"`
	Persons          int            `json:"persons"`
	DuplicateFlags   int            `json:"duplicate_flags"`
	FirstHouseholdID *int64         `json:"first_household_id"`
	LastHouseholdID  *int64         `json:"last_household_id"`
	Rejected         []jsonRowError `json:"rejected"`
}

func toJSONImportResult(res *kinbridge.ImportResult, imported bool) jsonImportResult {
	j := jsonImportResult{Imported: imported, Rows: res.Rows, Rejected: []jsonRowError{}}
	if imported {
		j.Households, j.Persons, j.DuplicateFlags = res.Households, res.Persons, res.DuplicateFlags
		if res.FirstHouseholdID != 0 {
			j.FirstHouseholdID, j.LastHouseholdID = &res.FirstHouseholdID, &res.LastHouseholdID
		}
	}
	for _, e := range res.Rejected {
		j.Rejected = append(j.Rejected, jsonRowError{Line: e.Line, Field: e.Field, Message: e.Message})
	}
	return j
}

// apiImport is POST /api/v1/import?skip_invalid=true: the body is a CSV or
// XLSX import file (the format is told from its content). Every row is
// checked first; a file with a bad row writes nothing and answers 422 with
// every bad row, unless skip_invalid, which imports the valid rows and
// lists the others.
func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) {
	skip := r.URL.Query().Get("skip_invalid")
	if skip != "" && skip != "true" && skip != "false" {
		s.apiError(w, r, &kinbridge.Error{Code: kinbridge.EINVALID, Field: "skip_invalid", Message: "skip_invalid is true or false."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes+1)
	file, size, err := saveUpload(r.Body, maxImportBytes)
	if err != nil {
		if kinbridge.ErrorCode(err) == kinbridge.EINTERNAL {
			// A body cut off by MaxBytesReader or the client.
			err = &kinbridge.Error{Code: codeBadRequest, Message: "The file could not be read: " + err.Error()}
		}
		s.apiError(w, r, err)
		return
	}
	defer func() { file.Close(); os.Remove(file.Name()) }()
	if size == 0 {
		s.apiError(w, r, &kinbridge.Error{Code: kinbridge.EINVALID, Field: "file", Message: "Send a CSV or XLSX file as the body."})
		return
	}
	imp, err := sheet.ReadImport(file, size, "", nil)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.svc.ImportRegistry(r.Context(), imp.Rows, kinbridge.ImportOptions{SkipInvalid: skip == "true"})
	if err != nil && res != nil && kinbridge.ErrorCode(err) == kinbridge.EINVALID {
		// Refused for its bad rows: the error, and every bad row.
		s.writeJSON(w, r, statusOf(err), map[string]any{
			"error":  apiErrorDetail{Code: kinbridge.EINVALID, Message: kinbridge.ErrorMessage(err)},
			"result": toJSONImportResult(res, false),
		})
		return
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, toJSONImportResult(res, true))
}

// apiExport is GET /api/v1/export?format=csv|xlsx&unit_id=&programme_id=&status=:
// the registry of the caller's scope in the columns of an import file.
func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) {
	format, f, err := exportFilter(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeExport(w, r, format, f, func(err error) { s.apiError(w, r, err) })
}
