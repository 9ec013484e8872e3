package http_test

import (
	"encoding/json"
	"mime"
	"net/http/httptest"
	"net/url"
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
	var schema *huma.Schema
	for _, c := range op.RequestBody.Content {
		schema = ft.resolve(c.Schema)
		break
	}
	return ft.inBody(strings.TrimPrefix(loc, "body"), sent, sentOK, schema)
}

// inBody reports whether rest, the rest of a body location, names a place
// of v (when have) or of its schema: a member named as sent (its name may
// hold dots and brackets, so each member of v that rest starts with is
// tried), a member the schema declares, or an item of a list sent.
func (ft *fuzzTarget) inBody(rest string, v any, have bool, schema *huma.Schema) bool {
	if rest == "" {
		return true
	}
	if strings.HasPrefix(rest, "[") {
		i, err := strconv.Atoi(rest[1:max(1, strings.Index(rest, "]"))])
		arr, isArr := v.([]any)
		if err != nil || !have || !isArr || i < 0 || i >= len(arr) {
			return false
		}
		var items *huma.Schema
		if schema != nil {
			items = ft.resolve(schema.Items)
		}
		return ft.inBody(rest[strings.Index(rest, "]")+1:], arr[i], true, items)
	}
	if !strings.HasPrefix(rest, ".") {
		return false
	}
	rest = rest[1:]
	names := map[string]bool{}
	obj, isObj := v.(map[string]any)
	if have && isObj {
		for k := range obj {
			names[k] = true
		}
	}
	if schema != nil {
		for k := range schema.Properties {
			names[k] = true
		}
	}
	for name := range names {
		after, ok := strings.CutPrefix(rest, name)
		if !ok || after != "" && after[0] != '.' && after[0] != '[' {
			continue
		}
		sub, in := obj[name]
		var next *huma.Schema
		if schema != nil {
			next = ft.resolve(schema.Properties[name])
		}
		if ft.inBody(after, sub, have && isObj && in, next) {
			return true
		}
	}
	return false
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
