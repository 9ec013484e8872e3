package http_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// FuzzStructuredWrites builds each body from the operation's request
// schema, the fuzzer's bytes choosing the members, their values (mostly of
// the declared type, sometimes an odd one) and the ids they name, so that
// most requests get past decoding to the checks behind it. The answers are
// held to what ft.write checks.
//
//	go test ./http -run XXX -fuzz FuzzStructuredWrites -fuzztime 3m
func FuzzStructuredWrites(f *testing.F) {
	ids := []string{"createEnrollment", "updateEnrollment", "createProgram", "updateProgram", "createProgramInstance",
		"updateProgramInstance", "createWebhookEndpoint", "updateWebhookEndpoint", "createCustomer", "updateCustomer",
		"createLead", "updateLead"}
	ft := newFuzzTarget(f, func(op *huma.Operation) bool { return slices.Contains(ids, op.OperationID) })
	instance := ft.e.createInstance(map[string]any{
		"autoEvaluate":     false,
		"groups":           []any{map[string]any{"id": "g1", "name": "One"}},
		"eligibilityRules": []any{map[string]any{"name": "named", "expression": "enrollment.firstName != ''"}},
		"parameters": []any{
			map[string]any{"externalId": "size", "name": "Size", "type": "number"},
			map[string]any{"externalId": "color", "name": "Color", "type": "choice", "constraints": map[string]any{"options": []any{"red", "blue"}}},
			map[string]any{"externalId": "code", "name": "Code", "type": "string", "constraints": map[string]any{"pattern": "^[A-Z]+$", "unique": true}},
			map[string]any{"externalId": "day", "name": "Day", "type": "date", "constraints": map[string]any{"required": true}},
			map[string]any{"externalId": "obj", "name": "Obj", "type": "object"},
			map[string]any{"externalId": "ro", "name": "RO", "type": "boolean", "constraints": map[string]any{"readonly": true, "hidden": true}},
		},
	})
	for i := range ids {
		for _, seed := range []string{"", "\x00", "\x01\x02\x03\x04\x05\x06\x07\x08", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6",
			"0123456789abcdefghijklmnopqrstuvwxyz", "\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05"} {
			f.Add(uint8(i), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, i uint8, choices []byte) {
		op := ft.op(i)
		e := *ft.e
		e.t = t
		g := &bodyGen{ft: ft, b: choices, instance: instance}
		body, _ := json.Marshal(g.value(ft.resolve(op.RequestBody.Content["application/json"].Schema), 0))
		header := map[string]string{"Content-Type": "application/json"}
		var path, object string
		switch op.OperationID {
		case "createEnrollment":
			path = "/v1/programInstances/" + instance + "/enrollments"
		case "updateEnrollment":
			object = "/v1/enrollments/" + e.enrollIn(instance, customerInfo(nil))["id"].(string)
		case "createProgram":
			path = "/v1/programs"
		case "updateProgram":
			object = "/v1/programs/" + e.createProgram("p-"+uniq())
		case "createProgramInstance":
			path = "/v1/programs/" + ft.fx.program + "/instances"
		case "updateProgramInstance":
			object = "/v1/programInstances/" + e.createInstance(nil)
		case "createWebhookEndpoint":
			path = "/v1/webhookEndpoints"
		case "updateWebhookEndpoint":
			object = "/v1/webhookEndpoints/" + e.do("POST", "/v1/webhookEndpoints",
				map[string]any{"url": "https://hooks.example.com/" + uniq()}).expect(201).obj()["id"].(string)
		case "createCustomer":
			path = "/v1/customers"
		case "updateCustomer":
			object = e.do("POST", "/v1/customers", map[string]any{"firstName": "A", "lastName": "B", "email": "c" + uniq() + "@example.com"}).expect(201).Header.Get("Location")
		case "createLead":
			path = "/v1/leads"
		case "updateLead":
			object = e.do("POST", "/v1/leads", map[string]any{"email": "l" + uniq() + "@example.com"}).expect(201).Header.Get("Location")
		}
		if object != "" {
			path = object
		}
		w := ft.write(t, op, path, object, body, header)
		if w != nil && w.Code == http.StatusCreated && op.OperationID != "createEnrollment" {
			ft.serve(t, http.MethodDelete, w.Header().Get("Location"), nil, nil)
		}
	})
}

// bodyGen builds a JSON value from a schema, taking its choices from b.
type bodyGen struct {
	ft       *fuzzTarget
	b        []byte
	instance string
}

// next returns the next choice, below n.
func (g *bodyGen) next(n int) int {
	if len(g.b) == 0 || n <= 1 {
		return 0
	}
	c := int(g.b[0])
	g.b = g.b[1:]
	return c % n
}

// odd are values of every kind, most of them wrong where they land.
var odd = []any{nil, "", " ", "x", "\u0000", "\U0001F600", "A", "2026-02-30", "2026-01-02T03:04:05Z", "a@example.com",
	"https://example.com/", 0, -1, 1.5, 1e300, 9007199254740992, true, false, []any{}, []any{"x", "x"}, map[string]any{},
	map[string]any{"a": nil}}

// names are strings a member naming something may hold: ids of the
// fixture, the parameters, groups, statuses and event types the instance
// and the service know.
func (g *bodyGen) names() []string {
	fx := g.ft.fx
	return []string{fx.customer, fx.lead, fx.enrollment, fx.instance, g.instance, fx.program, "size", "color", "code", "day",
		"obj", "ro", "g1", "red", "blue", "ABC", "abc", "2026-01-02", "candidate", "submitted", "eligible", "approved",
		"customerInfo", "customerId", "leadId", "enrollmentId", "enrollment.created", "string", "number", "choice", "date",
		"object", "boolean", "true", "enrollment.firstName == 'A'", "1 +", "named"}
}

func (g *bodyGen) value(s *huma.Schema, depth int) any {
	s = g.ft.resolve(s)
	if s == nil || depth > 4 || g.next(10) == 0 {
		return odd[g.next(len(odd))]
	}
	typ := s.Type
	if typ == "" && len(s.OneOf) > 0 {
		return g.value(s.OneOf[g.next(len(s.OneOf))], depth)
	}
	switch typ {
	case "object":
		out := map[string]any{}
		var props []string
		for k := range s.Properties {
			props = append(props, k)
		}
		slices.Sort(props)
		for _, k := range s.Required {
			if g.next(8) != 0 {
				out[k] = g.value(s.Properties[k], depth+1)
			}
		}
		for n := g.next(len(props) + 1); n > 0; n-- {
			k := props[g.next(len(props))]
			out[k] = g.value(s.Properties[k], depth+1)
		}
		if g.next(20) == 0 {
			out["unknownMember"] = 1
		}
		return out
	case "array":
		var out []any
		for n := g.next(4); n > 0; n-- {
			out = append(out, g.value(s.Items, depth+1))
		}
		if out == nil {
			out = []any{}
		}
		return out
	case "string":
		switch {
		case len(s.Enum) > 0:
			return s.Enum[g.next(len(s.Enum))]
		case s.Format == "date-time":
			return []string{"2026-01-02T03:04:05Z", "2025-12-31T23:59:59.999999999+14:00", "2027-06-01T00:00:00Z", "0001-01-01T00:00:00Z"}[g.next(4)]
		case s.Format == "email":
			return []string{"a" + uniq() + "@example.com", "A@EXAMPLE.COM", "x@y"}[g.next(3)]
		case s.Format == "uri":
			return []string{"https://hooks.example.com/" + uniq(), "http://localhost/", "https://ex ample.com/"}[g.next(3)]
		}
		names := g.names()
		if g.next(3) == 0 {
			return "v" + uniq()
		}
		return names[g.next(len(names))]
	case "integer":
		return []any{0, 1, 2, 10, -1, 500, 1 << 40}[g.next(7)]
	case "number":
		return []any{0, 1, 2.5, -1, 1e20}[g.next(5)]
	case "boolean":
		return g.next(2) == 0
	}
	return odd[g.next(len(odd))]
}
