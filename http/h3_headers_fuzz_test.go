package http_test

import (
	"encoding/json"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// FuzzRequestHeaders sends a valid create with arbitrary Content-Type,
// Accept and Idempotency-Key headers: a 4xx is a problem pointing at real
// places and stores nothing, a 201 reads back as answered, and the same
// request again with its Idempotency-Key answers the same and creates
// nothing more.
//
//	go test ./http -run XXX -fuzz FuzzRequestHeaders -fuzztime 3m
func FuzzRequestHeaders(f *testing.F) {
	ft := newFuzzTarget(f, func(op *huma.Operation) bool {
		return op.OperationID == "createEnrollment" || op.OperationID == "createProgram" || op.OperationID == "createWebhookEndpoint"
	})
	for i := range ft.ops {
		for _, h := range [][3]string{
			{"application/json", "", ""}, {"application/json; charset=utf-8", "application/json", "k1"},
			{"application/json; charset=latin1", "", ""}, {"APPLICATION/JSON", "*/*", ""}, {"text/plain", "", ""},
			{"application/merge-patch+json", "", ""}, {"application/problem+json", "", ""}, {"", "", ""},
			{"application/json;", "text/csv", ""}, {"application/json", "application/xml", "k2"}, {"application/json", "text/html;q=0", ""},
			{"application/json", "application/json;q=0, */*;q=0.1", ""}, {"application/json", "", " "}, {"application/json", "", "\x7f"},
			{"application/json", "", "é"}, {"multipart/form-data; boundary=x", "", ""}, {"application/json", "application/problem+json", ""},
			{"application/json; charset=\"utf-8\"", "", "a b"}, {"application/json; x=y", "", ""}, {"application/vnd.api+json", "", ""},
		} {
			f.Add(uint8(i), h[0], h[1], h[2])
		}
	}
	f.Fuzz(func(t *testing.T, i uint8, contentType, accept, key string) {
		op := ft.op(i)
		path := ft.fx.path(t, op.Path)
		var body []byte
		switch op.OperationID {
		case "createEnrollment":
			body, _ = json.Marshal(customerInfo(nil))
		case "createProgram":
			body, _ = json.Marshal(map[string]any{"slug": "p-" + uniq(), "name": "P"})
		case "createWebhookEndpoint":
			body, _ = json.Marshal(map[string]any{"url": "https://hooks.example.com/" + uniq()})
		}
		header := map[string]string{}
		for k, v := range map[string]string{"Content-Type": contentType, "Accept": accept, "Idempotency-Key": key} {
			if v != "" {
				header[k] = v
			}
		}
		w := ft.write(t, op, path, "", body, header)
		if w == nil || key == "" || w.Code >= 500 {
			return
		}
		before := ft.snapshot(t, "")
		again := ft.serve(t, op.Method, path, body, header)
		// A replay leaves out the secret a create shows once (docs/webhooks.md).
		var first, second map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &first)
		_ = json.Unmarshal(again.Body.Bytes(), &second)
		delete(first, "secret")
		if again.Code != w.Code || w.Code < 300 && h3JSON(first) != h3JSON(second) {
			t.Fatalf("%s %s with Idempotency-Key %q: %d %s, then %d %s", op.Method, path, key, w.Code, w.Body, again.Code, again.Body)
		}
		if after := ft.snapshot(t, ""); after != before {
			t.Fatalf("%s %s with Idempotency-Key %q again changed the store:\nbefore %s\nafter  %s", op.Method, path, key, before, after)
		}
	})
}
