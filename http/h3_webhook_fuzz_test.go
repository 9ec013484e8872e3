package http_test

import (
	"net/http"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// FuzzWebhookEndpointWrites sends arbitrary bodies and If-Match headers to
// the webhook endpoint create and PATCH: a 4xx is a problem pointing at
// real places and stores nothing, a 2xx reads back as answered.
//
//	go test ./http -run XXX -fuzz FuzzWebhookEndpointWrites -fuzztime 3m
func FuzzWebhookEndpointWrites(f *testing.F) {
	ft := newFuzzTarget(f, func(op *huma.Operation) bool {
		return op.OperationID == "createWebhookEndpoint" || op.OperationID == "updateWebhookEndpoint"
	})
	for _, body := range []string{
		`{"url":"https://hooks.example.com/a","eventTypes":["enrollment.created","enrollment.created"],"description":"d","enabled":false}`,
		`{"url":"http://127.0.0.1:1/x"}`, `{"url":"ftp://x"}`, `{"url":"https://"}`, `{"url":"https://a b/"}`,
		`{"url":"https://[::1]/"}`, `{"url":"HTTPS://EXAMPLE.COM:99999/"}`, `{"url":"https://user:pass@example.com/#frag"}`,
		`{"url":"https://example.com/","eventTypes":["nope"]}`, `{"url":"https://example.com/","eventTypes":[]}`,
		`{"eventTypes":null,"description":null,"enabled":true}`, `{"url":null}`, `{"enabled":null}`,
		`{"disabledReason":"x","previousSecretExpiresAt":"2026-01-01T00:00:00Z"}`, `{"secret":"whsec_x","id":"y"}`,
		`{}`, `[]`, `null`, `{"a":`, ``,
	} {
		for _, patch := range []bool{false, true} {
			f.Add(patch, []byte(body), "", false)
		}
	}
	f.Add(true, []byte(`{"description":"x"}`), "etag", true)
	f.Add(true, []byte(`{"description":"x"}`), `"stale"`, true)
	f.Add(true, []byte(`{"description":"x"}`), `*`, false)
	create, update := ft.ops[0], ft.ops[1]
	f.Fuzz(func(t *testing.T, patch bool, body []byte, ifMatch string, mergePatch bool) {
		header := map[string]string{"Content-Type": "application/json"}
		if ifMatch != "" {
			header["If-Match"] = ifMatch
		}
		if !patch {
			if w := ft.write(t, create, "/v1/webhookEndpoints", "", body, header); w != nil && w.Code == http.StatusCreated {
				ft.serve(t, http.MethodDelete, w.Header().Get("Location"), nil, nil)
			}
			return
		}
		e := *ft.e
		e.t = t
		object := "/v1/webhookEndpoints/" + e.do("POST", "/v1/webhookEndpoints",
			map[string]any{"url": "https://hooks.example.com/" + uniq()}).expect(201).obj()["id"].(string)
		if mergePatch {
			header["Content-Type"] = "application/merge-patch+json"
		}
		if ifMatch == "etag" {
			header["If-Match"] = ft.get(t, object).Header().Get("ETag")
		}
		ft.write(t, update, object, object, body, header)
		ft.serve(t, http.MethodDelete, object, nil, nil)
	})
}
