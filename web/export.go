package web

import (
	"net/http"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sheet"
)

// exportFilter reads the export's query: format (csv, the default, or
// xlsx) and the household list's filters.
func exportFilter(r *http.Request) (sheet.Format, kinbridge.HouseholdFilter, error) {
	q := r.URL.Query()
	format := sheet.CSV
	if s := q.Get("format"); s != "" {
		var err error
		if format, err = sheet.ParseFormat(s); err != nil {
			return "", kinbridge.HouseholdFilter{}, err
		}
	}
	f := kinbridge.HouseholdFilter{Status: kinbridge.PersonStatus(q.Get("status"))}
	var err error
	if f.UnitID, err = queryInt(r, "unit_id"); err == nil {
		f.ProgrammeID, err = queryInt(r, "programme_id")
	}
	return format, f, err
}

// writeExport streams the registry of the caller's scope, as the filter
// narrows it, in the format. The service authorises and audits the export
// before the first row; until then nothing is written, so that a refusal
// is an ordinary error answer (fail is called with it). Once rows flow, an
// error can only cut the file short: it is logged.
func (s *Server) writeExport(w http.ResponseWriter, r *http.Request, format sheet.Format, f kinbridge.HouseholdFilter, fail func(error)) {
	var wr *sheet.Writer
	_, err := s.svc.ExportRegistry(r.Context(), f, func(row []string) error {
		if wr == nil {
			setDownload(w, format, "kinbridge-registry")
			var err error
			if wr, err = sheet.NewWriter(w, format); err != nil {
				return err
			}
		}
		return wr.Write(row)
	})
	if wr == nil {
		if err == nil {
			err = &kinbridge.Error{Code: kinbridge.EINTERNAL, Message: "the export wrote no header"}
		}
		fail(err)
		return
	}
	if cerr := wr.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.logError(r, err)
	}
}

// downloadExport is GET /export?format=csv|xlsx&unit_id=&programme_id=&status=:
// the registry of the caller's scope as a file in the columns of an import
// file, so that it can be imported again.
func (s *Server) downloadExport(w http.ResponseWriter, r *http.Request) {
	format, f, err := exportFilter(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.writeExport(w, r, format, f, func(err error) { s.htmlError(w, r, err) })
}
