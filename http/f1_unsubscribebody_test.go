package http_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestF1UnsubscribeBodyDocumented: POST /unsubscribe takes the body RFC
// 8058's one-click clients send, List-Unsubscribe=One-Click as
// multipart/form-data (which the RFC prefers) or
// application/x-www-form-urlencoded, and the OpenAPI document says so,
// optional, as a POST without one unsubscribes too: it declared no body,
// so a client generated from it could send none of what mail clients do.
func TestF1UnsubscribeBodyDocumented(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody *struct {
				Required bool `json:"required"`
				Content  map[string]struct {
					Schema struct {
						Type       string `json:"type"`
						Properties map[string]struct {
							Type string `json:"type"`
							Enum []any  `json:"enum"`
						} `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	e.do("GET", "/openapi.json", nil, withKey("")).expect(200).decode(&doc)
	rb := doc.Paths["/unsubscribe"]["post"].RequestBody
	if rb == nil {
		t.Fatal("POST /unsubscribe declares no request body")
	}
	if rb.Required {
		t.Error("POST /unsubscribe declares its body required, but one without a body unsubscribes too")
	}
	for _, mt := range []string{"application/x-www-form-urlencoded", "multipart/form-data"} {
		c, ok := rb.Content[mt]
		if !ok {
			t.Errorf("POST /unsubscribe declares no %s body", mt)
			continue
		}
		p, ok := c.Schema.Properties["List-Unsubscribe"]
		if b, _ := json.Marshal(p.Enum); c.Schema.Type != "object" || !ok || p.Type != "string" || string(b) != `["One-Click"]` {
			t.Errorf("POST /unsubscribe's %s body: %+v, want an object with List-Unsubscribe: One-Click", mt, c.Schema)
		}
	}
	if doc.Paths["/unsubscribe"]["get"].RequestBody != nil {
		t.Error("GET /unsubscribe declares a request body")
	}

	// Both forms are taken (an unknown token: the page saying so).
	multipart := "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b--\r\n"
	for ct, body := range map[string]string{
		"application/x-www-form-urlencoded": "List-Unsubscribe=One-Click",
		"multipart/form-data; boundary=b":   multipart,
	} {
		r := e.do("POST", "/unsubscribe?token=unknown", raw(body), withKey(""), withHeader("Content-Type", ct)).expect(404)
		if !strings.Contains(string(r.Body), "not valid") {
			t.Errorf("POST /unsubscribe as %s: %s", ct, r.Body)
		}
	}
}
