package http

import (
	"strings"

	"github.com/enrollhq/enroll"
)

// IfMatchHeader is the If-Match header of the writes that check one: the
// PATCH, DELETE (and an enrollment's evaluate) of every resource that
// answers an ETag, and the PUT of an instance's notification settings.
type IfMatchHeader struct {
	IfMatch string `header:"If-Match" doc:"The ETag the request is based on; a stale one answers 412. * matches any."`
}

// checkIfMatch compares an If-Match header with the current ETag. It runs
// inside the store's callbacks so the check and the write are atomic.
func checkIfMatch(header, etag string) error {
	if header == "" {
		return nil
	}
	for _, tag := range strings.Split(header, ",") {
		if tag = strings.TrimSpace(tag); tag == "*" || tag == etag {
			return nil
		}
	}
	return &enroll.Error{Code: enroll.EPRECONDITION,
		Message: "What the request changes has changed since the ETag in If-Match; fetch it again and retry."}
}

// etagOf returns the ETag of a representation without a version of its
// own (enroll.ContentETag): the same in every answer that shows it, so a
// webhook endpoint's is taken without the secret shown once.
func etagOf(v any) string {
	if ep, ok := v.(*enroll.WebhookEndpoint); ok && ep.Secret != "" {
		shown := *ep
		shown.Secret = ""
		v = &shown
	}
	return enroll.ContentETag(v)
}

// ifMatch returns the store check that refuses a deletion or a
// replacement whose If-Match header is stale, run in the writing
// transaction; nil without one.
func ifMatch[T any](header string) func(*T) error {
	if header == "" {
		return nil
	}
	return func(v *T) error { return checkIfMatch(header, etagOf(v)) }
}
