package http_test

import (
	"net/url"
	"testing"
)

// TestWebhookEndpointsRefuseAPIKeyToken: a page token of the API keys'
// list is not one of the webhook endpoints' list, whose sort it shares:
// reusing it there is a 422 at query.pageToken, as reusing a token with
// another list's filter is, not a page that continues from nowhere.
func TestWebhookEndpointsRefuseAPIKeyToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for range 2 {
		e.do("POST", "/v1/apiKeys", map[string]any{"name": "k" + uniq(), "scopes": []string{"enrollments:read"}}).expect(201)
		e.do("POST", "/v1/webhookEndpoints", map[string]any{"url": "https://hooks.example.com/" + uniq()}).expect(201)
	}
	var keys struct {
		NextPageToken string `json:"nextPageToken"`
	}
	e.do("GET", "/v1/apiKeys?perPage=1", nil).expect(200).decode(&keys)
	if keys.NextPageToken == "" {
		t.Fatal("no next page of API keys")
	}
	r := e.do("GET", "/v1/webhookEndpoints?perPage=1&pageToken="+url.QueryEscape(keys.NextPageToken), nil)
	if r.Status != 422 || !r.problem().hasLocation("query.pageToken") {
		t.Fatalf("webhook endpoints with an API keys token: %d %s, want 422 at query.pageToken", r.Status, r.Body)
	}
	// Its own tokens still page.
	var eps struct {
		Data          []map[string]any `json:"data"`
		NextPageToken string           `json:"nextPageToken"`
	}
	e.do("GET", "/v1/webhookEndpoints?perPage=1", nil).expect(200).decode(&eps)
	var next struct {
		Data []map[string]any `json:"data"`
	}
	e.do("GET", "/v1/webhookEndpoints?perPage=1&pageToken="+url.QueryEscape(eps.NextPageToken), nil).expect(200).decode(&next)
	if len(next.Data) != 1 || next.Data[0]["id"] == eps.Data[0]["id"] {
		t.Fatalf("second page of endpoints: %v after %v", next.Data, eps.Data)
	}
}
