package http

import (
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// IfMatchHeader is the If-Match header of the writes that check one: the
// PATCH, DELETE (and an enrollment's evaluate) of every resource that
// answers an ETag, and the PUT of an instance's notification settings.
type IfMatchHeader struct {
	IfMatch string `header:"If-Match" doc:"The ETag the request is based on, quoted as the ETag header gives it (\"0123abcd\"), or several separated by commas; a stale one answers 412, a value that is not quoted tags 422. * matches any."`
}

// headerIfMatch is the If-Match header's name.
const headerIfMatch = "If-Match"

// Resolve reads every If-Match field of the request as one list (RFC
// 9110 §5.3; Huma reads the first) and refuses a value that is not "*"
// or entity tags, which are quoted: an unquoted tag, as a shell leaves
// `If-Match: "$etag"` written without escapes, can match no ETag, and
// the 412 it got said the resource had changed, so a client read it
// again and sent the same header, refused again, forever.
func (h *IfMatchHeader) Resolve(ctx huma.Context) []error {
	var values []string
	ctx.EachHeader(func(name, value string) {
		if strings.EqualFold(name, headerIfMatch) {
			values = append(values, value)
		}
	})
	if len(values) == 0 {
		return nil
	}
	list := strings.Join(values, ", ")
	if _, ok := entityTags(list); !ok {
		return []error{&huma.ErrorDetail{Location: "header." + headerIfMatch,
			Message: `must be * or entity tags in double quotes, as the ETag header gives them ("0123abcd")`, Value: echoHeaders(values)}}
	}
	h.IfMatch = list
	return nil
}

// entityTags splits an If-Match value into its elements, each "*" or an
// entity tag with its quotes (and W/ when weak), skipping empty ones
// (RFC 9110 §5.6.1). ok is false when an element is neither, such as an
// ETag without its quotes.
func entityTags(v string) (tags []string, ok bool) {
	for v != "" {
		v = strings.TrimLeft(v, " \t")
		var tag string
		switch {
		case v == "" || v[0] == ',':
			v = strings.TrimPrefix(v, ",")
			continue
		case v[0] == '*':
			tag, v = "*", v[1:]
		default:
			open := 0
			if strings.HasPrefix(v, "W/") {
				open = 2
			}
			if len(v) <= open || v[open] != '"' {
				return nil, false
			}
			end := strings.IndexByte(v[open+1:], '"')
			if end < 0 {
				return nil, false
			}
			tag, v = v[:open+1+end+1], v[open+1+end+1:]
			for _, c := range []byte(tag[open+1 : len(tag)-1]) {
				// etagc: %x21 / %x23-7E / obs-text
				if c < 0x21 || c == 0x7f {
					return nil, false
				}
			}
		}
		tags = append(tags, tag)
		if v = strings.TrimLeft(v, " \t"); v != "" && v[0] != ',' {
			return nil, false
		}
	}
	return tags, true
}

// checkIfMatch compares an If-Match header with the current ETag. It runs
// inside the store's callbacks so the check and the write are atomic. A
// weak tag never matches: If-Match compares strongly (RFC 9110 §13.1.1).
func checkIfMatch(header, etag string) error {
	if header == "" {
		return nil
	}
	tags, _ := entityTags(header)
	for _, tag := range tags {
		if tag == "*" || tag == etag {
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
