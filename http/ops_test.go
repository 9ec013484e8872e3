package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

func TestOps(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("healthz", func(t *testing.T) {
		if m := e.do("GET", "/healthz", nil, withKey("")).expect(200).obj(); m["status"] != "ok" {
			t.Errorf("healthz = %v", m)
		}
	})
	t.Run("readyz", func(t *testing.T) {
		e.do("GET", "/readyz", nil, withKey("")).expect(200)
	})
	t.Run("metrics", func(t *testing.T) {
		e.do("GET", "/v1/programs", nil).expect(200)
		body := string(e.do("GET", "/metrics", nil, withKey("")).expect(200).Body)
		for _, want := range []string{`enroll_http_requests_total{method="GET",route="/v1/programs",status="200"}`,
			"enroll_http_request_duration_seconds_bucket", "go_goroutines", "enroll_db_connections_open{pool=",
			"enroll_db_connection_waits_total{pool=", "enroll_import_jobs_running 0"} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if _, ok := e.store.(enroll.WriterStatser); ok {
			// SQLite's single writer: the writes of the setup have committed.
			for _, want := range []string{"enroll_db_writer_commits_total ", "enroll_db_writer_writes_total ",
				"enroll_db_writer_busy_seconds_total ", "enroll_db_wal_frames "} {
				if !strings.Contains(body, want) || strings.Contains(body, "enroll_db_writer_commits_total 0\n") {
					t.Errorf("metrics lack %s, or count no commit", want)
				}
			}
		}
	})
	t.Run("openapi.json", func(t *testing.T) {
		r := e.do("GET", "/openapi.json", nil, withKey("")).expect(200)
		var doc struct {
			OpenAPI string `json:"openapi"`
			Servers []struct {
				URL string `json:"url"`
			} `json:"servers"`
			Paths      map[string]map[string]map[string]any `json:"paths"`
			Components struct {
				SecuritySchemes map[string]map[string]any `json:"securitySchemes"`
				Schemas         map[string]map[string]any `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		if doc.OpenAPI != "3.1.0" || len(doc.Servers) == 0 || doc.Components.SecuritySchemes["bearer"]["scheme"] != "bearer" {
			t.Errorf("openapi %q servers %v security %v", doc.OpenAPI, doc.Servers, doc.Components.SecuritySchemes)
		}
		ops := map[string]bool{}
		for path, item := range doc.Paths {
			for method, op := range item {
				ops[strings.ToUpper(method)+" "+path] = true
				id, _ := op["operationId"].(string)
				if id == "" || strings.ToLower(id[:1]) != id[:1] {
					t.Errorf("%s %s: operationId %q", method, path, id)
				}
				if strings.HasPrefix(path, "/v1/") && op["security"] == nil {
					t.Errorf("%s %s: no security", method, path)
				}
				if strings.HasPrefix(path, "/v1/") {
					for _, code := range []string{"401", "403", "500"} {
						if _, ok := op["responses"].(map[string]any)[code]; !ok {
							t.Errorf("%s %s: no %s response", method, path, code)
						}
					}
				}
			}
		}
		for _, want := range []string{
			"POST /v1/programs", "GET /v1/programs", "GET /v1/programs/{programId}", "PATCH /v1/programs/{programId}", "DELETE /v1/programs/{programId}",
			"POST /v1/programs/{programId}/instances", "GET /v1/programs/{programId}/instances", "GET /v1/programInstances",
			"GET /v1/programInstances/{instanceId}", "PATCH /v1/programInstances/{instanceId}", "DELETE /v1/programInstances/{instanceId}",
			"GET /v1/programInstances/{instanceId}/stats",
			"POST /v1/customers", "GET /v1/customers", "GET /v1/customers/{customerId}", "PATCH /v1/customers/{customerId}", "DELETE /v1/customers/{customerId}",
			"POST /v1/leads", "GET /v1/leads", "GET /v1/leads/{leadId}", "PATCH /v1/leads/{leadId}", "DELETE /v1/leads/{leadId}",
			"POST /v1/programInstances/{instanceId}/enrollments", "GET /v1/programInstances/{instanceId}/enrollments", "GET /v1/enrollments",
			"GET /v1/enrollments/{enrollmentId}", "PATCH /v1/enrollments/{enrollmentId}", "DELETE /v1/enrollments/{enrollmentId}",
			"POST /v1/enrollments/{enrollmentId}/evaluate", "GET /v1/enrollments/{enrollmentId}/history",
			"GET /v1/events", "GET /v1/events/{eventId}",
			"POST /v1/apiKeys", "GET /v1/apiKeys", "GET /v1/apiKeys/{keyId}", "DELETE /v1/apiKeys/{keyId}",
			"GET /healthz", "GET /readyz",
		} {
			if !ops[want] {
				t.Errorf("openapi.json lacks %s", want)
			}
		}
		if _, ok := doc.Components.Schemas["Enrollment"]["properties"].(map[string]any)["$schema"]; ok {
			t.Error("schemas carry $schema")
		}
		// Members shown null when unset are required and admit null.
		schemas := doc.Components.Schemas
		admitsNull := func(s map[string]any) bool {
			if ref, ok := s["$ref"].(string); ok {
				s = schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
			}
			types, _ := s["type"].([]any)
			return slices.Contains(types, any("null"))
		}
		for schema, members := range map[string][]string{
			"Enrollment": {"leadId", "customerId", "enrollmentId", "firstName", "lastName", "email", "phone", "address",
				"serialNumber", "referenceId", "referenceDescription", "notes", "assignee", "enrollmentStartDate", "enrolledAt",
				"unenrolledAt", "evaluation"},
			"Eligibility":          {"reason"},
			"Customer":             {"phone", "address", "referenceId"},
			"Lead":                 {"firstName", "lastName", "email", "phone", "address", "customerId"},
			"Program":              {"description"},
			"ProgramInstance":      {"startDate", "endDate", "capacity"},
			"Event":                {"requestId", "actorKeyId"},
			"EventData":            {"previousAttributes"},
			"StatusChange":         {"from", "reason", "actorKeyId", "requestId", "rulesVersion", "trace"},
			"Address":              {"streetOne", "streetTwo", "city", "state", "postalCode", "country"},
			"WebhookEndpoint":      {"description", "disabledReason", "previousSecretExpiresAt"},
			"WebhookDelivery":      {"nextAttemptAt", "redeliveryOf"},
			"DeliveryAttempt":      {"statusCode", "error"},
			"Import":               {"message", "finishedAt"},
			"NotificationTemplate": {"programInstanceId", "html"},
			"NotificationSettings": {"linkUrl", "updatedAt"},
			"Notification":         {"reason", "html", "nextAttemptAt", "sentAt"},
			"NotificationAttempt":  {"error"},
			"RenderedMessage":      {"html"},
			"EnrollmentDetail":     {"template"},
		} {
			required, _ := schemas[schema]["required"].([]any)
			props, _ := schemas[schema]["properties"].(map[string]any)
			if schema == "Address" || schema == "Eligibility" {
				// Shown whole, but requests (a PATCH echoing what it read)
				// may leave these members out.
				for _, m := range members {
					required = append(required, m)
				}
			}
			for _, m := range members {
				p, _ := props[m].(map[string]any)
				if !slices.Contains(required, any(m)) || p == nil || !admitsNull(p) {
					t.Errorf("%s.%s: required %v, schema %v", schema, m, slices.Contains(required, any(m)), p)
				}
			}
		}
	})
	t.Run("openapi.json documents what every answer carries", func(t *testing.T) {
		doc := e.srv.OpenAPI()
		// The extension members of problems (enroll.Error.Extra).
		problem := doc.Components.Schemas.Map()["Problem"]
		for _, m := range []string{"existingId", "parameter", "currentStatus", "requestedStatus", "allowedStatuses",
			"invalidParameters", "parameters", "capacity", "approved", "deliveryStatus", "idempotencyKey", "objectId"} {
			if p := problem.Properties[m]; p == nil || p.Description == "" {
				t.Errorf("Problem.%s = %v", m, p)
			}
		}
		for path, item := range doc.Paths {
			for _, op := range []*huma.Operation{item.Get, item.Post, item.Patch, item.Put, item.Delete} {
				if op == nil {
					continue
				}
				for status, r := range op.Responses {
					if r.Headers["X-Request-Id"] == nil {
						t.Errorf("%s %s %s: no X-Request-Id header", op.Method, path, status)
					}
				}
				// Filters checked by hand rather than by an enum (they
				// take comma-separated values) name every value.
				for _, p := range op.Parameters {
					var values []string
					switch {
					case p.In == "query" && p.Name == "status" && strings.HasSuffix(path, "/enrollments"):
						for _, st := range enroll.Statuses {
							values = append(values, string(st))
						}
					case p.In == "query" && p.Name == "type" && path == "/v1/events":
						for _, et := range enroll.EventTypes {
							values = append(values, string(et))
						}
					}
					for _, v := range values {
						if !strings.Contains(p.Description, v) {
							t.Errorf("%s %s: ?%s's description lacks %s", op.Method, path, p.Name, v)
						}
					}
				}
			}
		}
	})
	t.Run("openapi.json documents webhooks", func(t *testing.T) {
		doc := e.srv.OpenAPI()
		// Every event type member declares the domain's list as its enum.
		schemas := doc.Components.Schemas.Map()
		var want []any
		for _, et := range enroll.EventTypes {
			want = append(want, string(et))
		}
		for _, m := range []struct {
			schema, member string
			list           bool
		}{
			{"WebhookEndpoint", "eventTypes", true}, {"WebhookEndpointCreate", "eventTypes", true},
			{"WebhookEndpointPatch", "eventTypes", true}, {"Event", "type", false}, {"WebhookDelivery", "eventType", false},
		} {
			p := schemas[m.schema].Properties[m.member]
			if m.list && p != nil {
				p = p.Items
			}
			if p == nil || p.Type != huma.TypeString || !slices.Equal(p.Enum, want) {
				t.Errorf("%s.%s: %+v, want a string of enum %v", m.schema, m.member, p, want)
			}
		}
		// A delivery's status, the list's filter on it and a refused
		// redelivery's deliveryStatus list exactly the domain's statuses.
		want = nil
		for _, st := range enroll.DeliveryStatuses {
			want = append(want, string(st))
		}
		var filter *huma.Schema
		for _, p := range doc.Paths["/v1/webhookEndpoints/{endpointId}/deliveries"].Get.Parameters {
			if p.In == "query" && p.Name == "status" {
				filter = p.Schema
			}
		}
		for where, p := range map[string]*huma.Schema{"WebhookDelivery.status": schemas["WebhookDelivery"].Properties["status"],
			"listWebhookDeliveries ?status": filter, "Problem.deliveryStatus": schemas["Problem"].Properties["deliveryStatus"]} {
			if p == nil || p.Type != huma.TypeString || !slices.Equal(p.Enum, want) {
				t.Errorf("%s: %+v, want a string of enum %v", where, p, want)
			}
		}
		// Huma holds bodies to it: an unknown type is a 422 at the item.
		p := e.do("POST", "/v1/webhookEndpoints", map[string]any{"url": "https://example.com/",
			"eventTypes": []string{"enrollment.created", "enrollment.exploded"}}).expect(422).problem()
		if len(p.Errors) != 1 || p.Errors[0].Location != "body.eventTypes[1]" || !strings.Contains(p.Errors[0].Message, "programInstance.deleted") {
			t.Errorf("an unknown event type: %+v", p)
		}
		// The bound on the secrets that sign (enroll.MaxEarlierSecrets).
		rotate := doc.Paths["/v1/webhookEndpoints/{endpointId}/rotateSecret"].Post
		if !strings.Contains(rotate.Description, "at most 3 of them") || !strings.Contains(rotate.Description, "at most 4 signatures") {
			t.Errorf("rotateWebhookSecret's description does not bound the secrets: %q", rotate.Description)
		}
	})
	t.Run("docs", func(t *testing.T) {
		r := e.do("GET", "/docs", nil, withKey("")).expect(200)
		body := string(r.Body)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "/v1/enrollments/{enrollmentId}") ||
			!strings.Contains(body, "createEnrollment") || !strings.Contains(body, "EnrollmentCreate") {
			t.Errorf("docs: %.300s", body)
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "https://") {
			t.Error("docs load external resources")
		}
	})
	t.Run("api keys never show secrets", func(t *testing.T) {
		e.do("POST", "/v1/apiKeys", map[string]any{"name": "x"}).expect(201)
		r := e.do("GET", "/v1/apiKeys", nil).expect(200)
		body := string(r.Body)
		if strings.Contains(body, `"secret":`) || strings.Contains(body, "hash") || strings.Contains(body, e.secret) {
			t.Errorf("key list leaks: %s", body)
		}
		var list struct {
			Data []map[string]any `json:"data"`
		}
		r.decode(&list)
		if len(list.Data) < 2 {
			t.Errorf("keys = %v", list.Data)
		}
		one := e.do("GET", "/v1/apiKeys/"+e.keyID, nil).expect(200).obj()
		if one["id"] != e.keyID || one["kind"] != "secret" {
			t.Errorf("key = %v", one)
		}
	})
}

// TestHandlerWithoutOpen mounts Handler() in httptest, as cmd/enroll or a
// test may, and checks that many servers coexist in one process.
func TestHandlerWithoutOpen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for range 3 {
		srv := enrollhttp.NewServer(enrollhttp.Config{Store: e.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		ts := httptest.NewServer(srv.Handler())
		res, err := ts.Client().Get(ts.URL + "/readyz")
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("readyz: %v %v", res, err)
		}
		res.Body.Close()
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
		if srv.OpenAPI().Info.Version != "dev" {
			t.Errorf("version = %q", srv.OpenAPI().Info.Version)
		}
	}
}

func TestReadyz_503(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "down.db"), Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	srv := enrollhttp.NewServer(enrollhttp.Config{Store: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := ts.Client().Get(ts.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 503 || res.Header.Get("Content-Type") != "application/problem+json" || res.Header.Get("X-Request-Id") == "" {
		t.Errorf("readyz on a closed store: %d %v", res.StatusCode, res.Header)
	}
	if res, err := ts.Client().Get(ts.URL + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Errorf("healthz on a closed store: %v %v", res, err)
	} else {
		res.Body.Close()
	}
}

// TestMetrics_MadeUpMethods checks that requests with methods a client
// made up, which need no key, are counted as method "other" and add no
// series however many there are: each made-up method was a series of its
// own, and /metrics grew without bound.
func TestMetrics_MadeUpMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	send := func(method, path string) {
		t.Helper()
		req, err := http.NewRequest(method, e.url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	series := func() (string, int) {
		body := string(e.do("GET", "/metrics", nil, withKey("")).expect(200).Body)
		n := 0
		for line := range strings.Lines(body) {
			if strings.HasPrefix(line, "enroll_http_") {
				n++
			}
		}
		return body, n
	}
	made := func(i int) string { return fmt.Sprintf("ZZZA%016d", i) }
	for i := range 3 {
		send(made(i), "/v1/enrollments")
		send(made(i), "/nowhere")
		send("get", "/v1/programs")
	}
	series() // /metrics's own series
	_, before := series()
	for i := 3; i < 200; i++ {
		send(made(i), "/v1/enrollments")
		send(made(i), "/nowhere")
		send("get", "/v1/programs")
	}
	body, after := series()
	if after != before {
		t.Errorf("made-up methods added %d series", after-before)
	}
	if strings.Contains(body, `method="ZZZA`) || strings.Contains(body, `method="get"`) {
		t.Errorf("a made-up method is a label value:\n%s", body)
	}
	for _, want := range []string{`enroll_http_requests_total{method="other",route="unmatched",status="405"} 400`,
		`enroll_http_requests_total{method="other",route="unmatched",status="404"} 200`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Standard methods keep their own label.
	send("DELETE", "/v1/programs")
	send("OPTIONS", "/v1/programs")
	if body, _ := series(); !strings.Contains(body, `method="DELETE",route="unmatched"`) || !strings.Contains(body, `method="OPTIONS"`) {
		t.Errorf("standard methods lost their label:\n%s", body)
	}
}
