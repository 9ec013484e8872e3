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

// counted are the lists whose totals a refused write must leave as they
// were (with /v1/events, whose newest event must stay the newest).
var counted = []string{"/v1/enrollments", "/v1/customers", "/v1/leads", "/v1/programs", "/v1/programInstances",
	"/v1/webhookEndpoints", "/v1/imports"}

// snapshot is what a refused write must not change: the lists' totals,
// the newest event and the object written to (if any).
func (ft *fuzzTarget) snapshot(t *testing.T, object string) string {
	t.Helper()
	var b strings.Builder
	for _, list := range append([]string{"/v1/events"}, counted...) {
		w := ft.get(t, list+"?perPage=1")
		if w.Code != http.StatusOK {
			if list == "/v1/imports" && w.Code == http.StatusNotFound || w.Code == http.StatusMethodNotAllowed {
				continue
			}
			t.Fatalf("GET %s: %d %s", list, w.Code, w.Body)
		}
		var page struct {
			Data       []struct{ ID string } `json:"data"`
			TotalItems *int                  `json:"totalItems"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
			t.Fatalf("GET %s: %v", list, err)
		}
		b.WriteString(list)
		if page.TotalItems != nil {
			b.WriteString(" total " + h3JSON(*page.TotalItems))
		}
		if len(page.Data) > 0 {
			b.WriteString(" first " + page.Data[0].ID)
		}
		b.WriteString("\n")
	}
	if object != "" {
		w := ft.get(t, object)
		b.WriteString(object + " " + h3JSON(w.Code) + " " + w.Header().Get("ETag") + " " + w.Body.String())
	}
	return b.String()
}

// h3JSON is v as JSON, for messages and comparisons.
func h3JSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// get reads target with the fixture's key.
func (ft *fuzzTarget) get(t *testing.T, target string) *httptest.ResponseRecorder {
	t.Helper()
	return ft.serve(t, http.MethodGet, target, nil, nil)
}

// write sends body to op at path (the object written to is object, "" for
// a create) and checks the answer: a 4xx is a problem pointing at real
// places and changed nothing; a 201 reads back at its Location as it was
// answered; a 200 PATCH reads back as it was answered.
func (ft *fuzzTarget) write(t *testing.T, op *huma.Operation, path, object string, body []byte, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	before := ft.snapshot(t, object)
	w := ft.serve(t, op.Method, path, body, header)
	if w == nil {
		return nil
	}
	_, query, _ := strings.Cut(path, "?")
	switch {
	case w.Code >= 400:
		ft.checkProblem(t, op, query, header, body, w)
		if after := ft.snapshot(t, object); after != before {
			t.Fatalf("%s %s with %q answered %d %s but changed the store:\nbefore %s\nafter  %s", op.Method, path, body, w.Code, w.Body, before, after)
		}
	case w.Code == http.StatusCreated:
		loc := w.Header().Get("Location")
		if loc == "" {
			t.Fatalf("%s %s with %q: 201 without Location", op.Method, path, body)
		}
		ft.sameAsRead(t, op, body, loc, w)
	case w.Code == http.StatusOK && op.Method == http.MethodPatch:
		ft.sameAsRead(t, op, body, object, w)
	}
	return w
}

// sameAsRead fails t unless GET target answers what w answered.
func (ft *fuzzTarget) sameAsRead(t *testing.T, op *huma.Operation, body []byte, target string, w *httptest.ResponseRecorder) {
	t.Helper()
	r := ft.get(t, target)
	if r.Code != http.StatusOK {
		t.Fatalf("%s %s with %q: %d, but GET %s answers %d %s", op.Method, op.Path, body, w.Code, target, r.Code, r.Body)
	}
	var wrote, read map[string]any
	if json.Unmarshal(w.Body.Bytes(), &wrote) != nil || json.Unmarshal(r.Body.Bytes(), &read) != nil {
		t.Fatalf("%s %s: answers are not JSON objects: %s / %s", op.Method, op.Path, w.Body, r.Body)
	}
	// A create shows its secret once.
	delete(wrote, "secret")
	delete(read, "secret")
	a, _ := json.Marshal(wrote)
	b, _ := json.Marshal(read)
	if !bytes.Equal(a, b) {
		t.Fatalf("%s %s with %q answered\n%s\nbut GET %s reads\n%s", op.Method, op.Path, body, a, target, b)
	}
	var sent map[string]any
	_ = json.Unmarshal(body, &sent)
	for k, v := range sent {
		got, ok := read[k]
		if !ok || v == nil || got == nil {
			continue
		}
		if !holds(got, v) && sameKind(v, got) {
			t.Errorf("%s %s: sent %s: %s, reads back %s", op.Method, op.Path, k, h3JSON(v), h3JSON(got))
		}
	}
	if etag := w.Header().Get("ETag"); etag != "" && r.Header().Get("ETag") != etag {
		t.Fatalf("%s %s with %q: ETag %s, GET %s reads %s", op.Method, op.Path, body, etag, target, r.Header().Get("ETag"))
	}
}

// sameKind reports whether a and b are JSON values of the same kind.
func sameKind(a, b any) bool {
	switch a.(type) {
	case string:
		_, ok := b.(string)
		return ok
	case float64:
		_, ok := b.(float64)
		return ok
	case bool:
		_, ok := b.(bool)
		return ok
	case []any:
		_, ok := b.([]any)
		return ok
	case map[string]any:
		_, ok := b.(map[string]any)
		return ok
	}
	return false
}

// holds reports whether read holds what sent says: the same value, or for
// objects each member sent (a member sent as null may read back as null
// or be absent; an address member sent as "" has no value, and reads back
// as null).
func holds(read, sent any) bool {
	so, ok1 := sent.(map[string]any)
	ro, ok2 := read.(map[string]any)
	if !ok1 || !ok2 {
		return h3JSON(read) == h3JSON(sent)
	}
	for k, v := range so {
		r, ok := ro[k]
		if v == "" && r == nil {
			continue
		}
		if v != nil && (!ok || !holds(r, v)) || v == nil && r != nil {
			return false
		}
	}
	return true
}
