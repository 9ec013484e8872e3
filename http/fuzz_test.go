package http_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// The fuzz tests drive the real handler (Huma's decoding and validation,
// the middleware, the handlers and a real SQLite store) in process, so a
// run makes thousands of requests a second. Every answer to bad input must
// be a 4xx: a 500 (which is also what a recovered panic becomes) fails.
//
//	go test ./http -run XXX -fuzz FuzzRequestBodies -fuzztime 1m

// fuzzTarget is a server with one fixture to aim requests at.
type fuzzTarget struct {
	e   *env
	h   http.Handler
	fx  *fixture
	ops []*huma.Operation
}

func newFuzzTarget(f *testing.F, keep func(*huma.Operation) bool) *fuzzTarget {
	e := newEnvWith(f, nil)
	ft := &fuzzTarget{e: e, h: e.srv.Handler(), fx: e.newFixture()}
	for _, op := range operations(e.srv.OpenAPI()) {
		if keep(op) {
			ft.ops = append(ft.ops, op)
		}
	}
	if len(ft.ops) == 0 {
		f.Fatal("no operation to fuzz")
	}
	return ft
}

// op returns the i-th operation, wrapping around.
func (ft *fuzzTarget) op(i uint8) *huma.Operation { return ft.ops[int(i)%len(ft.ops)] }

// serve sends a request straight to the handler; it returns nil when the
// request could not even be written on the wire.
func (ft *fuzzTarget) serve(t *testing.T, method, target string, body []byte, header map[string]string) *httptest.ResponseRecorder {
	req, err := http.NewRequest(method, "http://enroll.test"+target, bytes.NewReader(body))
	if err != nil {
		return nil
	}
	req.Header.Set("Authorization", "Bearer "+ft.e.secret)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	ft.h.ServeHTTP(w, req)
	if w.Code >= 500 {
		t.Fatalf("%s %s with %q: %d %s", method, target, body, w.Code, w.Body)
	}
	return w
}

// FuzzRequestBodies sends arbitrary bodies (and Idempotency-Keys) to every
// operation that takes a body: POSTs and PATCHes, in both JSON and merge
// patch form. Nothing may answer 5xx or panic.
func FuzzRequestBodies(f *testing.F) {
	ft := newFuzzTarget(f, func(op *huma.Operation) bool { return op.RequestBody != nil })
	for i, op := range ft.ops {
		valid, _ := json.Marshal(ft.fx.body(f, op))
		for _, body := range [][]byte{
			valid,
			[]byte(`{}`), []byte(`[]`), []byte(`null`), []byte(``), []byte(`{`), []byte(`"x"`), []byte("{\"a\":\"\xff\"}"),
			[]byte(`{"metadata": {"a": {"b": {"c": [1, 2, {"d": null}]}}}, "tags": [""], "address": {"city": 1}}`),
			[]byte(`{"eligibilityStatus": "approved", "eligibilityReason": null, "parameters": [{"externalId": "x", "value": {}}]}`),
			[]byte(`{"identificationType": "enrollmentId", "enrollmentId": "` + ft.fx.enrollment + `"}`),
			[]byte(`{"identificationType": "leadId", "leadId": "` + ft.fx.lead + `", "groupIds": []}`),
			[]byte(`{"eligibilityRules": [{"name": "r", "expression": "size(enrollment.tags) > 1e308"}], "current": true}`),
			[]byte(`{"name": null, "slug": "` + strings.Repeat("a", 200) + `", "capacity": -1e400}`),
			[]byte(`{"programInstanceIds": ["` + ft.fx.instance + `"], "scopes": ["keys:write"]}`),
		} {
			f.Add(uint8(i), body, false, "")
		}
		f.Add(uint8(i), valid, true, "key-1")
		f.Add(uint8(i), valid, false, "tab\there")
	}
	f.Fuzz(func(t *testing.T, i uint8, body []byte, mergePatch bool, idempotencyKey string) {
		op := ft.op(i)
		header := map[string]string{"Content-Type": "application/json"}
		if mergePatch && op.Method == http.MethodPatch {
			header["Content-Type"] = "application/merge-patch+json"
		}
		if idempotencyKey != "" {
			header["Idempotency-Key"] = idempotencyKey
		}
		ft.serve(t, op.Method, ft.fx.path(t, op.Path), body, header)
	})
}

// FuzzListQueries sends arbitrary query strings to every list: filters,
// sorts, paging and page tokens. Nothing may answer 5xx or panic.
func FuzzListQueries(f *testing.F) {
	ft := newFuzzTarget(f, func(op *huma.Operation) bool {
		return op.Method == http.MethodGet && strings.HasPrefix(op.OperationID, "list")
	})
	ft.e.enrollIn(ft.fx.instance, customerInfo(nil))
	var token string
	for _, path := range []string{"/v1/enrollments?perPage=1&sort=lastName", "/v1/events?perPage=1"} {
		if tok, _ := ft.e.do("GET", path, nil).expect(200).obj()["nextPageToken"].(string); tok != "" {
			token = tok
		}
	}
	if token == "" {
		f.Fatal("no page token")
	}
	for i := range ft.ops {
		for _, q := range []string{
			"", "perPage=1&page=2", "perPage=500&sort=-updatedAt", "pageToken=" + token, "pageToken=" + token + "&sort=lastName",
			"status=approved&status=candidate,eligible&tag=x&groupId=g&manufacturerSlug=m&q=Suz",
			"createdAfter=2026-01-01T00:00:00Z&createdBefore=1970-01-01T00:00:00Z&updatedAfter=9999-12-31T23:59:59Z",
			"email=A%40example.com&customerId=" + ft.fx.customer + "&leadId=&referenceId=%00",
			"page=99999999999999999999", "page=9223372036854775807&perPage=500", "perPage=abc", "sort=", "q=%25%5F%27",
			"type=enrollment.created,program.created&enrollmentId=" + ft.fx.enrollment, "active=true&programId=" + ft.fx.program,
			"pageToken=eyJpIjoieCIsInAiOjkyMjMzNzIwMzY4NTQ3NzU4MDd9", "status=&status=,,", "%zz=1&a=%",
		} {
			f.Add(uint8(i), q)
		}
	}
	f.Fuzz(func(t *testing.T, i uint8, query string) {
		op := ft.op(i)
		ft.serve(t, http.MethodGet, ft.fx.path(t, op.Path)+"?"+query, nil, nil)
	})
}
