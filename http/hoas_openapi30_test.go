package http_test

import (
	"strings"
	"testing"
)

// TestOpenAPI30License checks the OpenAPI 3.0 form of the document, which
// Huma serves for tools that read no 3.1 (/openapi-3.0.json): its license
// holds only what an OpenAPI 3.0 License Object may (name, url and x-
// extensions), so that 3.0 validators and client generators take it; the
// SPDX identifier is 3.1's.
func TestOpenAPI30License(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			License map[string]any `json:"license"`
		} `json:"info"`
	}
	e.do("GET", "/openapi-3.0.json", nil, withKey("")).expect(200).decode(&doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	if doc.Info.License["name"] == nil {
		t.Errorf("license %v: no name", doc.Info.License)
	}
	for k := range doc.Info.License {
		if k != "name" && k != "url" && !strings.HasPrefix(k, "x-") {
			t.Errorf("license %v: %s is not a member of an OpenAPI 3.0 License Object", doc.Info.License, k)
		}
	}
}
