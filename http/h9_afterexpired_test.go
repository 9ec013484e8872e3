package http_test

import (
	"slices"
	"strings"
	"testing"
)

// TestAfterExpiredDocumented checks that the OpenAPI document declares
// the member after of the 422 a poll gets when the event retention deleted
// events past its cursor (enroll.EventFilter.ErrAfterExpired), so that a
// generated client can tell it from the other 422s of after=, and that the
// after parameter says what to do on it.
func TestAfterExpiredDocumented(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doc := e.srv.OpenAPI()
	after := doc.Components.Schemas.Map()["Problem"].Properties["after"]
	if after == nil || !slices.Contains(after.Enum, any("expired")) || !strings.Contains(after.Description, "retention") {
		t.Fatalf("Problem.after = %+v, want a string of enum expired described", after)
	}
	for _, p := range doc.Paths["/v1/events"].Get.Parameters {
		if p.Name == "after" && !strings.Contains(p.Description, `"expired"`) {
			t.Fatalf("the after parameter does not name the 422 with after \"expired\": %s", p.Description)
		}
	}
}
