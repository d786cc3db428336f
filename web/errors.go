package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/kinbridge/kinbridge"
)

// codeBadRequest is the web's own error code for a request it cannot read
// at all (malformed JSON); input that is read but wrong is EINVALID.
const codeBadRequest = "bad_request"

// statuses is the one table from error codes to HTTP statuses, for pages
// and API alike.
var statuses = map[string]int{
	kinbridge.ENOTFOUND:     http.StatusNotFound,
	kinbridge.EFORBIDDEN:    http.StatusForbidden,
	kinbridge.EINVALID:      http.StatusUnprocessableEntity,
	kinbridge.ECONFLICT:     http.StatusConflict,
	kinbridge.EUNAUTHORIZED: http.StatusUnauthorized,
	kinbridge.ETOOMANY:      http.StatusTooManyRequests,
	kinbridge.EINTERNAL:     http.StatusInternalServerError,
	codeBadRequest:          http.StatusBadRequest,
}

// statusOf returns the HTTP status for err; an unknown code is a bug, 500.
func statusOf(err error) int {
	if st, ok := statuses[kinbridge.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// apiErrorBody is the shape of every API error:
// {"error": {"code": …, "message": …, "field": …}}.
type apiErrorBody struct {
	Error apiErrorDetail `json:"error"`
}

type apiErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// apiError answers an API request with err as JSON. Internal errors are
// logged with their details and answered with a generic message.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	code := kinbridge.ErrorCode(err)
	if _, known := statuses[code]; !known || code == kinbridge.EINTERNAL {
		s.logError(r, err)
		code = kinbridge.EINTERNAL
		err = errors.New("internal")
	}
	if code == kinbridge.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kinbridge"`)
	}
	s.writeJSON(w, r, statuses[code], apiErrorBody{apiErrorDetail{
		Code:    code,
		Message: kinbridge.ErrorMessage(err),
		Field:   kinbridge.ErrorField(err),
	}})
}

// writeJSON writes v as the JSON body of the response.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.logError(r, err)
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"Internal error."}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
	w.Write([]byte("\n"))
}
