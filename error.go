package kinbridge

import (
	"errors"
	"fmt"
)

// Error codes: a handful, each mapped to one HTTP status by the web package.
const (
	ECONFLICT     = "conflict"          // the action clashes with the current state
	EINTERNAL     = "internal"          // a bug or an outage; details are logged, never shown
	EINVALID      = "invalid"           // bad input; Field names the field
	ENOTFOUND     = "not_found"         // no such record, or outside the caller's scope
	EUNAUTHORIZED = "unauthorized"      // no valid session or token
	EFORBIDDEN    = "forbidden"         // the caller's role may not do this
	ETOOMANY      = "too_many_requests" // rate limited
)

// Error is a domain error that users may see. Message is written for the user
// in English; Key, when set, names the translation of the message.
type Error struct {
	Code    string
	Message string
	Field   string // the input field at fault, if any
	Key     string // i18n key for Message
	Args    []any  // arguments for the translated message
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("kinbridge error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("kinbridge error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error about one input field. key names the
// translated message; message is its English text.
func FieldError(field, key, message string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Key: key, Message: fmt.Sprintf(message, args...), Args: args}
}

// notFound is the error for a record that does not exist or that the caller
// may not see: the two are indistinguishable on purpose.
func notFound(what string) *Error {
	return &Error{Code: ENOTFOUND, Message: what + " not found", Key: "error.not_found"}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a
// generic message so that no internal detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorField returns the field an EINVALID error is about, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
