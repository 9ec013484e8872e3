package enroll

import (
	"errors"
	"fmt"
)

// Error codes: a small set that the HTTP layer maps to statuses in one place.
const (
	// EINVALID means the input is well-formed but breaks a rule (422).
	EINVALID = "invalid"
	// EBADREQUEST means the input cannot be read at all (400).
	EBADREQUEST = "bad_request"
	// ENOTFOUND means the object does not exist in the caller's workspace (404).
	ENOTFOUND = "not_found"
	// ECONFLICT means the request conflicts with the stored state (409).
	ECONFLICT = "conflict"
	// EPRECONDITION means an If-Match precondition failed (412).
	EPRECONDITION = "precondition_failed"
	// EUNAUTHORIZED means the caller is not authenticated (401).
	EUNAUTHORIZED = "unauthorized"
	// EFORBIDDEN means the caller lacks the permission (403).
	EFORBIDDEN = "forbidden"
	// EINTERNAL is any failure that is not the caller's fault (500).
	EINTERNAL = "internal"
)

// ErrDiskFull is in the chain of an error a store returns when its
// database's disk is full: nothing of the write is stored, and the same
// write succeeds once space is freed.
var ErrDiskFull = errors.New("the database's disk is full")

// OutageReporter is implemented by stores that can tell from an error one
// of their methods returned that the database could not serve the call:
// it dropped the connection (a restart, a failover, a session terminated
// by an administrator or a pooler) or refused new ones. The same call may
// then succeed when made again, so the API answers 503 with Retry-After,
// not 500, even when the database answers again by the time it looks.
type OutageReporter interface {
	// Outage reports whether err means the database could not serve the
	// call that returned it.
	Outage(err error) bool
}

// FieldError points at one invalid field of the input.
type FieldError struct {
	// Location is a path into the input such as "body.address.postalCode".
	Location string `json:"location,omitempty"`
	// Message says what is wrong.
	Message string `json:"message"`
	// Value is what was sent at Location, nil only when there is no one
	// value to repeat: nothing sent, a whole body or structure, or a
	// string that is not UTF-8 (docs/api.md, Errors).
	Value any `json:"value,omitempty"`
}

// Error is the domain error. Code is one of the E* constants; Message is safe
// to show to the caller; Fields lists per-field problems; Extra carries
// machine-readable members such as the current and allowed statuses of a
// refused transition.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Extra   map[string]any
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("enroll error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldConflict returns an ECONFLICT whose one field error names the
// input field whose value is taken (a slug), as an EINVALID names its
// field, so that a client or a form shows it there.
func FieldConflict(location string, value any, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: ECONFLICT, Message: msg, Fields: []FieldError{{Location: location, Message: msg, Value: value}}}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err: the message of its
// *Error, or a generic text for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// storeErrorMessage is ErrorMessage for an error store s returned: one
// that s reports as an outage (OutageReporter) says that the database was
// lost, as the API's 503 does, rather than "Internal error.", so that a
// job it failed tells its reader to try again rather than to report a bug.
func storeErrorMessage(s any, err error) string {
	var e *Error
	if r, ok := s.(OutageReporter); ok && !errors.As(err, &e) && r.Outage(err) {
		return "The connection to the database was lost (it restarted, failed over, or refused new connections)."
	}
	return ErrorMessage(err)
}

// Invalid collects field errors and returns them as one EINVALID error.
type Invalid []FieldError

// Add records a problem with the field at loc.
func (v *Invalid) Add(loc, msg string, value any) {
	*v = append(*v, FieldError{Location: loc, Message: msg, Value: value})
}

// Err returns nil when nothing was added, else an EINVALID *Error.
func (v Invalid) Err() error {
	if len(v) == 0 {
		return nil
	}
	msg := v[0].Message
	if v[0].Location != "" {
		msg = v[0].Location + ": " + msg
	}
	if len(v) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(v)-1)
	}
	return &Error{Code: EINVALID, Message: msg, Fields: v}
}
