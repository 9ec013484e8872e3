package http_test

import (
	"encoding/json"
	"mime"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// The h3 fuzz targets check more of an answer than that it is not a 5xx:
// a 4xx must be an RFC 9457 problem whose field errors point at a real
// place of the request (checkProblem), a create must read back as it was
// answered, and a refused write must leave the store as it was.

// checkProblem fails t unless w, a 4xx answer to a request with the query
// and JSON body given, is a problem whose errors[].location each name a
// place of that request or of the operation.
func (ft *fuzzTarget) checkProblem(t *testing.T, op *huma.Operation, query string, header map[string]string, body []byte, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code < 400 || w.Code >= 500 {
		return
	}
	if mt, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type")); mt != "application/problem+json" {
		t.Fatalf("%s %s: %d with Content-Type %q: %s", op.Method, op.Path, w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	var p problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("%s %s: %d problem is not JSON: %v: %s", op.Method, op.Path, w.Code, err, w.Body)
	}
	if p.Type == "" || p.Title == "" || p.Status != w.Code {
		t.Fatalf("%s %s: %d incomplete problem: %s", op.Method, op.Path, w.Code, w.Body)
	}
	var sent any
	sentOK := json.Unmarshal(body, &sent) == nil
	// The request's URL ends its query at a #.
	query, _, _ = strings.Cut(query, "#")
	q, _ := url.ParseQuery(query)
	for _, e := range p.Errors {
		if e.Message == "" {
			t.Fatalf("%s %s: error without a message: %s", op.Method, op.Path, w.Body)
		}
		if !ft.realPlace(op, e.Location, q, header, sent, sentOK) {
			t.Fatalf("%s %s with %q: error location %q names no place of the request: %s", op.Method, op.Path, body, e.Location, w.Body)
		}
	}
}

// segment is one step of a location: a member name or an index.
// Huma writes a member named "" as a dot alone ("body.").
var segment = regexp.MustCompile(`^(?:(\.)([^.\[\]]*)|\[(\d+)\])`)

// realPlace reports whether loc names a place of the request: the body
// (or a member of the JSON sent, or a member the body's schema declares
// under a place that was sent), a query parameter sent or declared, a
// header sent or declared, a path parameter.
func (ft *fuzzTarget) realPlace(op *huma.Operation, loc string, q url.Values, header map[string]string, sent any, sentOK bool) bool {
	kind, name, _ := strings.Cut(loc, ".")
	switch kind {
	case "query", "header", "path":
		base, _, _ := strings.Cut(name, "[")
		for _, p := range op.Parameters {
			if p.In == kind && strings.EqualFold(p.Name, base) {
				return true
			}
		}
		switch kind {
		case "query":
			_, ok := q[base]
			_, whole := q[name]
			return ok || whole
		case "header":
			for k := range header {
				if strings.EqualFold(k, base) {
					return true
				}
			}
		}
		return false
	}
	if !strings.HasPrefix(loc, "body") || op.RequestBody == nil {
		return false
	}
	rest := strings.TrimPrefix(loc, "body")
	var schema *huma.Schema
	for _, c := range op.RequestBody.Content {
		schema = ft.resolve(c.Schema)
		break
	}
	v := sent
	have := sentOK
	for rest != "" {
		m := segment.FindStringSubmatch(rest)
		if m == nil {
			return false
		}
		rest = rest[len(m[0]):]
		if m[1] != "" {
			var sub any
			obj, isObj := v.(map[string]any)
			if have && isObj {
				sub, have = obj[m[2]]
			} else {
				have = false
			}
			var next *huma.Schema
			if schema != nil {
				next = ft.resolve(schema.Properties[m[2]])
			}
			if !have && next == nil {
				return false
			}
			v, schema = sub, next
			continue
		}
		i, _ := strconv.Atoi(m[3])
		arr, isArr := v.([]any)
		have = have && isArr && i < len(arr)
		if !have {
			return false
		}
		v = arr[i]
		if schema != nil {
			schema = ft.resolve(schema.Items)
		}
	}
	return true
}

// resolve follows a schema's $ref.
func (ft *fuzzTarget) resolve(s *huma.Schema) *huma.Schema {
	if s != nil && s.Ref != "" {
		return ft.e.srv.OpenAPI().Components.Schemas.SchemaFromRef(s.Ref)
	}
	return s
}

// opByID returns the operation with the id.
func (ft *fuzzTarget) opByID(f *testing.F, id string) *huma.Operation {
	f.Helper()
	i := slices.IndexFunc(ft.ops, func(op *huma.Operation) bool { return op.OperationID == id })
	if i < 0 {
		f.Fatalf("no operation %s", id)
	}
	return ft.ops[i]
}
