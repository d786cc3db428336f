package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// maxBodyBytes bounds every request body: no form or JSON document of
// kinbridge's comes near it.
const maxBodyBytes = 1 << 20

// parseForm reads a posted form, refusing oversized bodies.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		return &kinbridge.Error{Code: codeBadRequest, Message: "The form could not be read.", Key: "error.bad_request"}
	}
	return nil
}

// pathID returns the {id} of the path. An id that is not a number names no
// record, so it is "not found" like any other missing record.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &kinbridge.Error{Code: kinbridge.ENOTFOUND, Message: "Not found.", Key: "error.not_found"}
	}
	return id, nil
}

// formInt reads an integer input; empty or malformed reads as 0, which the
// service refuses with a message that names the field.
func formInt(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get(name)), 10, 64)
	return n
}

// formError shows err on the page being rendered again, logging it first if
// it is internal (its text never reaches the page).
func (s *Server) formError(r *http.Request, v *view, err error, fields ...string) {
	if kinbridge.ErrorCode(err) == kinbridge.EINTERNAL {
		s.logError(r, err)
	}
	v.setError(err, fields...)
}
