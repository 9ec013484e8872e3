package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/enrollhq/enroll"
)

// Problem is an RFC 9457 problem details body, the one error representation
// of the API: for domain errors, for Huma's own parse and validation errors,
// and for the router's 404 and 405. Members of enroll.Error.Extra (such as
// currentStatus, allowedStatuses, existingId) appear as top-level extension
// members.
type Problem struct {
	_ struct{} `additionalProperties:"true"`
	// Type is about:blank: the status code says what kind of problem it is.
	Type string `json:"type" format:"uri-reference" example:"about:blank" doc:"A URI reference identifying the problem type."`
	// Title is the status text, as RFC 9457 asks for about:blank.
	Title string `json:"title" example:"Unprocessable Entity" doc:"The HTTP status text."`
	// Status repeats the response status code.
	Status int `json:"status" example:"422" doc:"The HTTP status code."`
	// Detail explains this occurrence.
	Detail string `json:"detail,omitempty" example:"body.firstName: is required (and 1 more)" doc:"What went wrong, for a human."`
	// Errors points at each invalid field.
	Errors []*huma.ErrorDetail `json:"errors,omitempty" doc:"One entry per invalid field: location (e.g. body.address.city, query.perPage), message, value."`
	// Extra holds extension members such as currentStatus and allowedStatuses.
	Extra map[string]any `json:"-"`
	// headers are response headers the problem asks for (Retry-After).
	headers http.Header
}

// GetHeaders gives Huma the response headers the problem asks for.
func (p *Problem) GetHeaders() http.Header { return p.headers }

// Error returns the detail so a Problem can travel as an error.
func (p *Problem) Error() string { return p.Detail }

// GetStatus tells Huma the response status.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes Huma answer application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" || ct == "" {
		return "application/problem+json"
	}
	return ct
}

// MarshalJSON writes the standard members and then the extension members
// in name order; an extension never overrides a standard member.
func (p *Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	b, err := marshalJSON((*plain)(p))
	if err != nil || len(p.Extra) == 0 {
		return b, err
	}
	buf := bytes.NewBuffer(bytes.TrimSuffix(b, []byte("}")))
	for _, k := range sortedKeys(p.Extra) {
		switch k {
		case "type", "title", "status", "detail", "errors":
			continue
		}
		kb, _ := marshalJSON(k)
		vb, err := marshalJSON(p.Extra[k])
		if err != nil {
			return nil, err
		}
		buf.WriteByte(',')
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// marshalJSON is json.Marshal without HTML escaping: details quote things
// like "<key>", and the API speaks JSON, not HTML.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// newProblem returns a problem with the given status and detail.
func newProblem(status int, detail string) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
}

func init() {
	// Huma builds every error it writes itself (malformed bodies, schema
	// validation, 413, 415) through these two functions; replacing them
	// makes those errors the same Problem the handlers return, and makes
	// the OpenAPI error schema describe it.
	huma.NewError = humaError
	huma.NewErrorWithContext = func(_ huma.Context, status int, msg string, errs ...error) huma.StatusError {
		return humaError(status, msg, errs...)
	}
}

// humaError converts one of Huma's errors to a Problem.
func humaError(status int, msg string, errs ...error) huma.StatusError {
	p := newProblem(status, msg)
	for _, err := range errs {
		if err == nil {
			continue
		}
		var d huma.ErrorDetailer
		if errors.As(err, &d) {
			p.Errors = append(p.Errors, pointAtField(*d.ErrorDetail()))
		} else {
			p.Errors = append(p.Errors, &huma.ErrorDetail{Message: err.Error()})
		}
	}
	if status == http.StatusInternalServerError && msg == "cannot read request body" {
		// Huma's readBody says this of any read error but a timeout: a
		// malformed chunk, a body cut short of its Content-Length. That
		// is bad input, answered as the idempotency middleware answers it.
		return newProblem(http.StatusBadRequest, cannotReadBody)
	}
	var limit int64
	if n, _ := fmt.Sscanf(msg, "request body is too large limit=%d bytes", &limit); status == http.StatusRequestEntityTooLarge && n == 1 {
		// Worded as the API's own 413 (bodyTooLarge).
		return bodyTooLarge(limit)
	}
	if msg == "validation failed" || msg == "" {
		p.Detail = summarize(p.Errors, "Validation failed.")
	}
	// A value checkBody refuses is a 400 when Huma's schema reading meets
	// it, and a 422 "validation failed" when its reading into the
	// operation's type does (an integer beyond ±2^53 the schema let by).
	if (status == http.StatusBadRequest || status == http.StatusUnprocessableEntity) && len(p.Errors) > 0 && p.Errors[0].Location == "body" {
		var jp placedProblem
		if rest, ok := strings.CutPrefix(p.Errors[0].Message, unfaithfulValuePrefix); ok && json.Unmarshal([]byte(rest), &jp) == nil {
			// Valid JSON, but a value the service would change.
			var value any = jp.Value
			if json.Valid([]byte(jp.Value)) {
				value = json.Number(jp.Value) // a number, as sent
			}
			p.Status, p.Title = http.StatusUnprocessableEntity, http.StatusText(http.StatusUnprocessableEntity)
			p.Errors[0] = &huma.ErrorDetail{Location: "body" + jp.Place, Value: value, Message: jp.Message}
			p.Detail = p.Errors[0].Location + ": " + p.Errors[0].Message
			return p
		}
		if msg := p.Errors[0].Message; strings.Contains(msg, "cannot unmarshal number") && strings.HasSuffix(msg, "of type float64") {
			// Valid JSON with a number no float64 holds (1e400): an
			// invalid value, not a malformed body.
			p.Status, p.Title = http.StatusUnprocessableEntity, http.StatusText(http.StatusUnprocessableEntity)
			p.Errors[0].Message = "holds a number out of range: numbers must fit a 64-bit float (about ±1.8e308)"
			p.Detail = "body: " + p.Errors[0].Message
			return p
		}
		if status == http.StatusBadRequest {
			p.Detail = "The request body is not valid JSON: " + p.Errors[0].Message
		}
	}
	return p
}

// cannotReadBody is the detail of the 400 of a request body that cannot be
// read whole.
const cannotReadBody = "Cannot read the request body."

// bodyTooLarge is the 413 of a body over limit bytes.
func bodyTooLarge(limit int64) *Problem {
	return newProblem(http.StatusRequestEntityTooLarge, "Request body is too large: the limit is "+strconv.FormatInt(limit, 10)+" bytes.")
}

// importTooLargeForKey is the 413 of an import over limit bytes sent with
// an Idempotency-Key, which alone limits an import's size: the body is
// held in memory to tell a retry from another file.
func importTooLargeForKey(limit int64) *Problem {
	return newProblem(http.StatusRequestEntityTooLarge, "Request body is too large: with an Idempotency-Key an import's file is "+
		"held in memory to compare a retry with it, and limited to "+strconv.FormatInt(limit, 10)+" bytes. "+
		"Send a larger file without the Idempotency-Key: sending it again creates nothing twice, as rows already imported are skipped.")
}

// pointAtField rewrites Huma's field errors to read like the domain's: a
// missing member is reported at the member ("body.firstName: is
// required"), not at its parent with the whole parent echoed.
func pointAtField(d huma.ErrorDetail) *huma.ErrorDetail {
	d.Location, d.Value = memberUnmasker.Replace(d.Location), unmaskMemberNames(d.Value)
	var name string
	switch {
	case d.Message == "unexpected property", strings.HasPrefix(d.Message, "expected array length"),
		strings.HasPrefix(d.Message, "required ") && strings.HasSuffix(d.Message, " parameter is missing"):
		// No one value to repeat (docs/api.md, Errors): a list judged
		// by its length, nothing sent.
		d.Value = nil
	case strings.HasPrefix(d.Message, "invalid date/time for format"), d.Message == validation.MsgExpectedRFC3339DateTime:
		if s, ok := d.Value.(string); ok && enroll.LeapSecond(s) {
			d.Message = enroll.LeapSecondRefusal
		} else if d.Message != validation.MsgExpectedRFC3339DateTime {
			d.Message = "must be an RFC 3339 date-time, e.g. 2025-01-31T09:30:00Z"
		}
	default:
		if n, _ := fmt.Sscanf(d.Message, "expected required property %s to be present", &name); n == 1 {
			d.Location, d.Message, d.Value = d.Location+"."+name, "is required", nil
		}
	}
	if d.Location == "body" {
		// The body as a whole, which Huma echoes: no one value.
		d.Value = nil
	}
	d.Value = trimValue(d.Value)
	return &d
}

// trimValue keeps echoed values short: Huma echoes a whole malformed body.
func trimValue(v any) any {
	const max = 200
	if s, ok := v.(string); ok && utf8.RuneCountInString(s) > max {
		return string([]rune(s)[:max]) + "…"
	}
	return v
}

// echoHeaders is a header's values as a field error shows them: the one
// value as sent, or the list of those sent, each cut as trimValue cuts;
// nil when one is not UTF-8, which JSON cannot repeat as sent.
func echoHeaders(values []string) any {
	out := make([]any, len(values))
	for i, v := range values {
		if !utf8.ValidString(v) {
			return nil
		}
		out[i] = trimValue(v)
	}
	if len(out) == 1 {
		return out[0]
	}
	return out
}

// summarize turns field errors into a one-line detail.
func summarize(errs []*huma.ErrorDetail, fallback string) string {
	if len(errs) == 0 {
		return fallback
	}
	d := errs[0].Message
	if errs[0].Location != "" {
		d = errs[0].Location + ": " + d
	}
	if len(errs) > 1 {
		d += " (and " + strconv.Itoa(len(errs)-1) + " more)"
	}
	return d
}

// statusFor is the one mapping of domain error codes to HTTP statuses.
func statusFor(code string) int {
	switch code {
	case enroll.EBADREQUEST:
		return http.StatusBadRequest
	case enroll.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case enroll.EFORBIDDEN:
		return http.StatusForbidden
	case enroll.ENOTFOUND:
		return http.StatusNotFound
	case enroll.ECONFLICT:
		return http.StatusConflict
	case enroll.EPRECONDITION:
		return http.StatusPreconditionFailed
	case enroll.EINVALID:
		return http.StatusUnprocessableEntity
	default:
		return http.StatusInternalServerError
	}
}

// problemFor converts any error a handler or the store returns to a
// Problem. Problems pass through; domain errors map by code; anything else
// is internal: logged with the request id, never shown.
func (s *Server) problemFor(ctx context.Context, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var se huma.StatusError
	if errors.As(err, &se) {
		return humaError(se.GetStatus(), se.Error()).(*Problem)
	}
	status := statusFor(enroll.ErrorCode(err))
	if status == http.StatusInternalServerError {
		switch {
		case ctx.Err() != nil:
			// The client went away; nothing is wrong with the service.
			s.logger.Debug("request canceled", "err", err, "requestId", requestID(ctx))
		case errors.Is(err, enroll.ErrDiskFull):
			s.logger.Error("database disk full", "err", err, "requestId", requestID(ctx))
			return diskFull()
		case enroll.StoreDown(ctx, s.store, err, pingTimeout):
			s.logger.Warn("store unavailable", "err", err, "requestId", requestID(ctx))
			return unavailable()
		default:
			s.logger.Error("internal error", "err", err, "requestId", requestID(ctx))
		}
		return newProblem(status, "Internal error. Quote the X-Request-Id response header when reporting it.")
	}
	var de *enroll.Error
	errors.As(err, &de)
	p = newProblem(status, de.Message)
	for _, f := range de.Fields {
		p.Errors = append(p.Errors, &huma.ErrorDetail{Location: fieldLocation(f.Location), Message: f.Message, Value: trimValue(f.Value)})
	}
	if len(de.Extra) > 0 {
		p.Extra = de.Extra
	}
	if len(p.Errors) > 0 || p.Detail == "" {
		// Restate field errors with their full locations.
		p.Detail = summarize(p.Errors, p.Title+".")
	}
	return p
}

// unavailableRetryAfter is the Retry-After of a 503 for a store that does
// not answer: about how long a restart or a failover takes.
const unavailableRetryAfter = "5"

// diskFull is the problem of a write refused because the database's disk
// is full (enroll.ErrDiskFull): not stored, and to retry, like a request
// the database did not answer, once space is freed.
func diskFull() *Problem {
	p := newProblem(http.StatusServiceUnavailable, "The database's disk is full: nothing was stored; retry once space is freed.")
	p.headers = http.Header{"Retry-After": {unavailableRetryAfter}}
	return p
}

// unavailable is the problem of a request the store could not serve
// because it does not answer (enroll.StoreDown).
func unavailable() *Problem {
	p := newProblem(http.StatusServiceUnavailable, "The database does not answer; retry in a few seconds.")
	p.headers = http.Header{"Retry-After": {unavailableRetryAfter}}
	return p
}

// fieldLocation prefixes domain field paths, which name body members
// ("email", "address.city"), with "body." the way Huma's locations read;
// paths that already name their part of the request are kept.
func fieldLocation(loc string) string {
	for _, prefix := range []string{"body", "query", "path", "header"} {
		if loc == prefix || strings.HasPrefix(loc, prefix+".") || strings.HasPrefix(loc, prefix+"[") {
			return loc
		}
	}
	if loc == "" {
		return "body"
	}
	return "body." + loc
}

// writeProblem writes p to a plain ResponseWriter, for the responses that
// are not made by Huma (router misses, panics, /readyz).
func writeProblem(w http.ResponseWriter, p *Problem) {
	b, err := marshalJSON(p)
	if err != nil {
		b = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
	}
	for k, v := range p.headers {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Del("Content-Length")
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(b, '\n'))
}

// writeHumaProblem writes p from a Huma middleware, before any operation
// handler runs (authentication failures).
func writeHumaProblem(ctx huma.Context, p *Problem) {
	b, err := marshalJSON(p)
	if err != nil {
		b = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
	}
	for k, v := range p.headers {
		for _, h := range v {
			ctx.AppendHeader(k, h)
		}
	}
	ctx.SetHeader("Content-Type", "application/problem+json")
	ctx.SetStatus(p.Status)
	_, _ = ctx.BodyWriter().Write(append(b, '\n'))
}
