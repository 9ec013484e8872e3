package client

import (
	"errors"
	"fmt"
	"strings"
)

// ErrEmptyID is the error (wrapped) of a call given an empty id where its
// request's path names one: such a request would reach another route, or
// none (GET /v1/enrollments//history is redirected to
// /v1/enrollments/history), so it is refused before anything is sent.
var ErrEmptyID = errors.New("an id the path names is empty")

// checkPath refuses a request path with an empty segment: every segment
// past the leading slash is a constant or an escaped id, so an empty one
// is an empty id.
func checkPath(method, path string) error {
	if strings.Contains(path, "//") || strings.HasSuffix(path, "/") {
		return fmt.Errorf("enroll: %s %s: %w", method, path, ErrEmptyID)
	}
	return nil
}
