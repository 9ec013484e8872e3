package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// FuzzIfMatch sends arbitrary If-Match headers (where "ETAG" stands for
// the object's current ETag, quoted) to conditional writes: a write whose
// If-Match names no current tag never succeeds, one that names it (or *)
// is never a 412, and a refused write changes nothing.
//
//	go test ./http -run XXX -fuzz FuzzIfMatch -fuzztime 3m
func FuzzIfMatch(f *testing.F) {
	ft := newFuzzTarget(f, func(op *huma.Operation) bool {
		switch op.OperationID {
		case "deleteEnrollment", "updateEnrollment", "evaluateEnrollment", "deleteProgram", "updateProgramInstance", "deleteWebhookEndpoint":
			return true
		}
		return false
	})
	for i := range ft.ops {
		for _, h := range []string{
			`ETAG`, `*`, `"x", ETAG`, `ETAG,"x"`, `W/ETAG`, `"x"`, `x`, `"`, `""`, `ETAG, *`, ` ETAG `, `ETAG,`, `,ETAG`,
			`"x" ETAG`, `"x"ETAG`, `ETAGx`, "ETAG\t", `W/"x", ETAG`, `*, "x"`, `**`, `"a,b", ETAG`,
		} {
			f.Add(uint8(i), h)
		}
	}
	f.Fuzz(func(t *testing.T, i uint8, ifMatch string) {
		op := ft.op(i)
		e := *ft.e
		e.t = t
		var object, path string
		var body []byte
		switch op.OperationID {
		case "deleteEnrollment", "updateEnrollment", "evaluateEnrollment":
			object = "/v1/enrollments/" + e.enrollIn(ft.fx.instance, customerInfo(nil))["id"].(string)
			path = object
			switch op.OperationID {
			case "updateEnrollment":
				body = []byte(`{"notes":"changed"}`)
			case "evaluateEnrollment":
				path = object + "/evaluate"
			}
		case "deleteProgram":
			object = "/v1/programs/" + e.createProgram("p-"+uniq())
			path = object
		case "updateProgramInstance":
			object = "/v1/programInstances/" + e.createInstance(nil)
			path, body = object, []byte(`{"name":"changed"}`)
		case "deleteWebhookEndpoint":
			object = "/v1/webhookEndpoints/" + e.do("POST", "/v1/webhookEndpoints",
				map[string]any{"url": "https://hooks.example.com/" + uniq()}).expect(201).obj()["id"].(string)
			path = object
		}
		etag := ft.get(t, object).Header().Get("ETag")
		if etag == "" {
			t.Fatalf("GET %s: no ETag", object)
		}
		// Over the wire, a field value has no white space around it.
		header := map[string]string{"If-Match": strings.Trim(strings.ReplaceAll(ifMatch, "ETAG", etag), " \t")}
		if body != nil {
			header["Content-Type"] = "application/json"
		}
		before := ft.snapshot(t, object)
		w := ft.serve(t, op.Method, path, body, header)
		if w == nil {
			return
		}
		// An empty If-Match is none: the write is unconditional.
		names := namesTag(header["If-Match"], etag) || strings.Trim(header["If-Match"], " \t") == ""
		switch {
		case w.Code < 300 && !names:
			t.Fatalf("%s %s with If-Match %q (ETag %s): %d, but it names no current tag", op.Method, path, header["If-Match"], etag, w.Code)
		case w.Code == http.StatusPreconditionFailed && names:
			t.Fatalf("%s %s with If-Match %q (ETag %s): 412, but it names the current tag: %s", op.Method, path, header["If-Match"], etag, w.Body)
		case w.Code >= 400:
			ft.checkProblem(t, op, "", header, body, w)
			if after := ft.snapshot(t, object); after != before {
				t.Fatalf("%s %s with If-Match %q answered %d but changed the store:\nbefore %s\nafter  %s", op.Method, path, header["If-Match"], w.Code, before, after)
			}
		}
	})
}

// namesTag reports whether the If-Match value, read as RFC 9110 writes it
// (a list of quoted entity tags, or *), names etag strongly.
func namesTag(ifMatch, etag string) bool {
	for _, member := range strings.Split(ifMatch, ",") {
		member = strings.Trim(member, " \t")
		if member == "*" || member == etag {
			return true
		}
	}
	return false
}
