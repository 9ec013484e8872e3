package enroll_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestNullMembers checks that each representation shows every member it
// documents, null when it has no value, and that the value round-trips.
func TestNullMembers(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		v    any
		// members are every member, in order; nulls those that must be null.
		members, nulls []string
		// back decodes the JSON into a new value of v's type.
		back func([]byte) (any, error)
	}{
		{"enrollment",
			&enroll.Enrollment{ID: "e1", IdentificationType: enroll.IdentifyByCustomerInfo, ProgramInstanceID: "i1", CustomerID: "c1",
				FirstName: "Suzie", LastName: "Homeowner", Email: "s@example.com", ManufacturerSlugs: []string{}, Devices: []enroll.Device{},
				Tags: []string{}, Metadata: map[string]any{}, Parameters: []enroll.ParameterValue{}, GroupIDs: []string{},
				Eligibility: enroll.Eligibility{Status: enroll.StatusCandidate, ProgramInstanceID: "i1"}, CreatedAt: now, UpdatedAt: now},
			[]string{"id", "identificationType", "programInstanceId", "leadId", "customerId", "enrollmentId", "firstName", "lastName",
				"email", "phone", "address", "manufacturerSlugs", "serialNumber", "devices", "referenceId", "referenceDescription", "tags",
				"metadata", "parameters", "groupIds", "notes", "assignee", "enrollmentStartDate", "enrolledAt", "unenrolledAt",
				"eligibility", "evaluation", "createdAt", "updatedAt"},
			[]string{"leadId", "enrollmentId", "phone", "address", "serialNumber", "referenceId", "referenceDescription", "notes",
				"assignee", "enrollmentStartDate", "enrolledAt", "unenrolledAt", "evaluation"},
			func(b []byte) (any, error) { v := new(enroll.Enrollment); return v, json.Unmarshal(b, v) }},
		{"customer",
			&enroll.Customer{ID: "c1", FirstName: "Suzie", LastName: "Homeowner", Email: "s@example.com", Metadata: map[string]any{}, CreatedAt: now, UpdatedAt: now},
			[]string{"id", "firstName", "lastName", "email", "phone", "address", "referenceId", "metadata", "createdAt", "updatedAt"},
			[]string{"phone", "address", "referenceId"},
			func(b []byte) (any, error) { v := new(enroll.Customer); return v, json.Unmarshal(b, v) }},
		{"lead",
			&enroll.Lead{ID: "l1", Email: "s@example.com", Metadata: map[string]any{}, CreatedAt: now, UpdatedAt: now},
			[]string{"id", "firstName", "lastName", "email", "phone", "address", "customerId", "metadata", "createdAt", "updatedAt"},
			[]string{"firstName", "lastName", "phone", "address", "customerId"},
			func(b []byte) (any, error) { v := new(enroll.Lead); return v, json.Unmarshal(b, v) }},
		{"program",
			&enroll.Program{ID: "p1", Slug: "solar", Name: "Solar", States: []string{}, Active: true, Metadata: map[string]any{}, CreatedAt: now, UpdatedAt: now},
			[]string{"id", "slug", "name", "description", "states", "active", "metadata", "createdAt", "updatedAt"},
			[]string{"description"},
			func(b []byte) (any, error) { v := new(enroll.Program); return v, json.Unmarshal(b, v) }},
		{"history entry",
			&enroll.StatusChange{ID: "h1", EnrollmentID: "e1", To: enroll.StatusCandidate, CreatedAt: now},
			[]string{"id", "enrollmentId", "from", "to", "reason", "actorKeyId", "requestId", "rulesVersion", "trace", "createdAt"},
			[]string{"from", "reason", "actorKeyId", "requestId", "rulesVersion", "trace"},
			func(b []byte) (any, error) { v := new(enroll.StatusChange); return v, json.Unmarshal(b, v) }},
		{"webhook endpoint",
			&enroll.WebhookEndpoint{ID: "we1", URL: "https://example.com/hook", EventTypes: []enroll.EventType{}, Enabled: true, CreatedAt: now, UpdatedAt: now},
			[]string{"id", "url", "eventTypes", "description", "enabled", "disabledReason", "previousSecretExpiresAt", "secretError", "createdAt", "updatedAt"},
			[]string{"description", "disabledReason", "previousSecretExpiresAt", "secretError"},
			func(b []byte) (any, error) { v := new(enroll.WebhookEndpoint); return v, json.Unmarshal(b, v) }},
		{"webhook delivery",
			&enroll.WebhookDelivery{ID: "wd1", EndpointID: "we1", EventID: "ev1", EventType: enroll.EventEnrollmentCreated, Status: enroll.DeliveryFailed,
				AttemptCount: 1, Attempts: []enroll.DeliveryAttempt{{At: now, DurationMs: 10000, Error: "timeout"}}, CreatedAt: now, UpdatedAt: now},
			[]string{"id", "endpointId", "eventId", "eventType", "status", "attemptCount", "nextAttemptAt", "redeliveryOf", "attempts", "createdAt", "updatedAt"},
			[]string{"nextAttemptAt", "redeliveryOf"},
			func(b []byte) (any, error) { v := new(enroll.WebhookDelivery); return v, json.Unmarshal(b, v) }},
		{"delivery attempt",
			&enroll.DeliveryAttempt{At: now, DurationMs: 3, Error: "connection refused"},
			[]string{"at", "statusCode", "durationMs", "error"},
			[]string{"statusCode"},
			func(b []byte) (any, error) { v := new(enroll.DeliveryAttempt); return v, json.Unmarshal(b, v) }},
		{"import",
			&enroll.Import{ID: "imp1", ProgramInstanceID: "i1", Format: "csv", Status: enroll.ImportQueued, Errors: []enroll.ImportError{}, CreatedAt: now, UpdatedAt: now},
			[]string{"id", "programInstanceId", "format", "dryRun", "status", "message", "totalRows", "processedRows", "createdCount",
				"skippedCount", "failedRows", "errorCount", "errors", "createdAt", "updatedAt", "finishedAt"},
			[]string{"message", "finishedAt"},
			func(b []byte) (any, error) { v := new(enroll.Import); return v, json.Unmarshal(b, v) }},
		{"notification template",
			&enroll.NotificationTemplate{ID: "ntt1", Name: "Approved", Status: enroll.StatusApproved, Audience: enroll.AudienceParticipant,
				Subject: "s", Text: "t", CreatedAt: now, UpdatedAt: now},
			[]string{"id", "programInstanceId", "name", "status", "audience", "essential", "subject", "text", "html", "createdAt", "updatedAt"},
			[]string{"programInstanceId", "html"},
			func(b []byte) (any, error) { v := new(enroll.NotificationTemplate); return v, json.Unmarshal(b, v) }},
		{"notification settings",
			enroll.DefaultNotificationSettings("i1"),
			[]string{"programInstanceId", "enabled", "adminEmails", "linkUrl", "updatedAt"},
			[]string{"linkUrl", "updatedAt"},
			func(b []byte) (any, error) { v := new(enroll.NotificationSettings); return v, json.Unmarshal(b, v) }},
		{"notification",
			&enroll.Notification{ID: "ntf1", EnrollmentID: "e1", ProgramInstanceID: "i1", EventID: "ev1", EnrollmentStatus: enroll.StatusApproved,
				Recipient: "s@example.com", Status: enroll.NotificationSent, RenderedMessage: enroll.RenderedMessage{Subject: "s", Text: "t"},
				AttemptCount: 1, Attempts: []enroll.NotificationAttempt{{At: now, DurationMs: 5}}, SentAt: &now, CreatedAt: now, UpdatedAt: now},
			[]string{"id", "enrollmentId", "programInstanceId", "eventId", "enrollmentStatus", "template", "audience", "essential",
				"recipient", "status", "reason", "subject", "text", "html", "attemptCount", "nextAttemptAt", "attempts", "sentAt",
				"createdAt", "updatedAt"},
			[]string{"reason", "html", "nextAttemptAt"},
			func(b []byte) (any, error) { v := new(enroll.Notification); return v, json.Unmarshal(b, v) }},
		{"notification attempt",
			&enroll.NotificationAttempt{At: now, DurationMs: 5},
			[]string{"at", "durationMs", "error", "permanent"},
			[]string{"error"},
			func(b []byte) (any, error) { v := new(enroll.NotificationAttempt); return v, json.Unmarshal(b, v) }},
		{"event",
			&enroll.Event{ID: "ev1", Type: enroll.EventEnrollmentCreated, CreatedAt: now, Data: enroll.EventData{Object: json.RawMessage(`{"id":"e1"}`)}},
			[]string{"id", "type", "createdAt", "data", "requestId", "actorKeyId"},
			[]string{"requestId", "actorKeyId"},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			got := memberNames(t, b)
			if !slices.Equal(got, tt.members) {
				t.Errorf("members = %v\nwant %v", got, tt.members)
			}
			// A member the type declares but its MarshalJSON forgets
			// would vanish from the API while its schema still names it.
			for _, name := range declaredMembers(reflect.TypeOf(tt.v).Elem()) {
				if !slices.Contains(got, name) {
					t.Errorf("declared member %q not written", name)
				}
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			for name, v := range m {
				if null := string(v) == "null"; null != slices.Contains(tt.nulls, name) {
					t.Errorf("%s = %s", name, v)
				}
			}
			if tt.back == nil {
				return
			}
			back, err := tt.back(b)
			if err != nil {
				t.Fatal(err)
			}
			if b2, _ := json.Marshal(back); string(b2) != string(b) {
				t.Errorf("round trip:\n%s\nwant\n%s", b2, b)
			}
		})
	}
}

// TestNullMembers_EventData checks that an event without previous
// attributes shows them null, and one with them shows them.
func TestNullMembers_EventData(t *testing.T) {
	t.Parallel()
	ev := &enroll.Event{ID: "ev1", Type: enroll.EventEnrollmentUpdated, Data: enroll.EventData{Object: json.RawMessage(`{}`)}, RequestID: "req_1"}
	for _, tt := range []struct {
		prev map[string]any
		want string
	}{
		{nil, `{"object":{},"previousAttributes":null}`},
		{map[string]any{"notes": nil}, `{"object":{},"previousAttributes":{"notes":null}}`},
	} {
		ev.Data.PreviousAttributes = tt.prev
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if string(m["data"]) != tt.want || string(m["requestId"]) != `"req_1"` {
			t.Errorf("event = %s", b)
		}
	}
}

// declaredMembers returns the members t's json tags declare, those of
// embedded structs included, except the ones left out when empty.
func declaredMembers(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct:
			names = append(names, declaredMembers(f.Type)...)
		case name == "-", !f.IsExported(), strings.Contains(opts, "omitempty"):
		case name == "":
			names = append(names, f.Name)
		default:
			names = append(names, name)
		}
	}
	return names
}

// memberNames returns the names of the members of the JSON object b, in
// order.
func memberNames(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", b)
	}
	var names []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// TestAppendHTMLUnescaped checks that json.Marshal's encoding of values,
// unescaped, is what an encoder without HTML escaping writes.
func TestAppendHTMLUnescaped(t *testing.T) {
	t.Parallel()
	for _, v := range []any{
		"plain", "<b>&amp;</b>", `\u003c is text`, `\\u003c`, "\\", "a\\\\<", "\u2028\u2029 \x00\x1f \"q\"", "é 😀 \xff",
		map[string]any{"<k>": []any{"&", 1e21, nil, true}, `\`: `\u0026`}, []string{"x>y", "", `"\u003e"`},
	} {
		m, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if got := enroll.AppendHTMLUnescaped(nil, m); !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Errorf("%q: AppendHTMLUnescaped(%s) = %s, want %s", v, m, got, want.Bytes())
		}
	}
}
