package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// rawGet fetches path as JSON, bypassing the client.
func rawGet(t *testing.T, s *testServer, path string) any {
	t.Helper()
	req, _ := http.NewRequest("GET", s.srv.URL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// diff reports members of want that got lacks or changes.
func diff(prefix string, got, want any, out *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*out = append(*out, prefix+": not an object in the client's encoding")
			return
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				*out = append(*out, prefix+"."+k+": missing")
				continue
			}
			diff(prefix+"."+k, gv, wv, out)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				*out = append(*out, prefix+"."+k+": extra")
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			*out = append(*out, prefix+": array differs")
			return
		}
		for i := range w {
			diff(prefix+"[]", g[i], w[i], out)
		}
	default:
		if !reflect.DeepEqual(got, want) {
			// times may differ in format only
			if gs, ok := got.(string); ok {
				if ws, ok := want.(string); ok {
					gt, e1 := time.Parse(time.RFC3339Nano, gs)
					wt, e2 := time.Parse(time.RFC3339Nano, ws)
					if e1 == nil && e2 == nil && gt.Equal(wt) {
						return
					}
				}
			}
			*out = append(*out, prefix+": "+jsonOf(got)+" != "+jsonOf(want))
		}
	}
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

func roundTrip(t *testing.T, s *testServer, path string, typed any) {
	t.Helper()
	want := rawGet(t, s, path)
	b, err := json.Marshal(typed)
	if err != nil {
		t.Fatal(err)
	}
	var got any
	_ = json.Unmarshal(b, &got)
	var out []string
	diff("", got, want, &out)
	if len(out) > 0 {
		t.Errorf("%s: %T loses:\n  %s", path, typed, strings.Join(out, "\n  "))
	}
}

// TestRoundTrip decodes the server's answers into the client's types and
// encodes them again: nothing a representation holds may be lost or
// changed on the way (nulls, dates, nested devices, parameters, pages).
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	s := newServer(t, enrollhttp.Config{})
	c := s.client()
	ctx := context.Background()
	yes := true
	prog := must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "rt", Name: "RT", Description: "d", States: []string{"NY"}, Metadata: map[string]any{"a": 1}}))
	capy := 10
	start := time.Now().Add(-time.Hour)
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, prog.ID, &client.InstanceCreate{Slug: "i", Name: "I", Capacity: &capy, StartDate: &start,
		EligibilityRules: []enroll.Rule{{Name: "ny", Expression: `has(enrollment.address) && enrollment.address.state == "NY"`, Reason: "Outside NY"}},
		Groups:           []enroll.Group{{ID: "g1", Name: "G1"}},
		Parameters:       []enroll.Parameter{{ExternalID: "size", Name: "Size", Type: "string"}, {ExternalID: "sec", Name: "Sec", Type: "string", Constraints: enroll.ParameterConstraints{Hidden: true}}},
	}))
	cu := must[*enroll.Customer](t)(c.CreateCustomer(ctx, &client.CustomerCreate{FirstName: "C", LastName: "U", Email: "cu@example.com", Phone: "1", Address: &enroll.Address{State: "NY", City: "X"}, ReferenceID: "r", Metadata: map[string]any{"x": []any{1, "a"}}}))
	ld := must[*enroll.Lead](t)(c.CreateLead(ctx, &client.LeadCreate{Email: "lead@example.com"}))
	tpl := must[*enroll.NotificationTemplate](t)(c.CreateNotificationTemplate(ctx, &client.NotificationTemplateCreate{ProgramInstanceID: inst.ID,
		Name: "W", Status: enroll.StatusEligible, Subject: "S", Text: "T", HTML: "<p>h</p>", Essential: &yes}))
	ep := must[*enroll.WebhookEndpoint](t)(c.CreateWebhookEndpoint(ctx, &client.WebhookEndpointCreate{URL: "http://127.0.0.1:1/hook", Description: "d"}))
	inst2 := must[*enroll.ProgramInstance](t)(c.GetInstance(ctx, inst.ID))
	_ = inst2
	e := must[*client.EnrollmentDetail](t)(c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerID, CustomerID: cu.ID,
		Tags: []string{"t"}, GroupIDs: []string{"g1"}, ManufacturerSlugs: []string{"m"}, Devices: []enroll.Device{{ID: "d1", Type: "x", InstallDate: &start, Attributes: map[string]any{"k": 1.5}}},
		Parameters: []enroll.ParameterValue{{ExternalID: "size", Value: "L"}, {ExternalID: "sec", Value: "s"}}, Notes: "n", Assignee: "a", ReferenceID: "rr", Metadata: map[string]any{"m": true}}))
	e2 := must[*client.EnrollmentDetail](t)(c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: ld.ID, FirstName: "L", LastName: "D"}))
	must[*client.EnrollmentDetail](t)(c.Transition(ctx, e.ID, enroll.StatusSubmitted, "go", ""))
	must[*client.EnrollmentDetail](t)(c.Transition(ctx, e.ID, enroll.StatusApproved, "ok", ""))
	if _, err := s.db.DispatchEvents(ctx, 500, 0); err != nil {
		t.Fatal(err)
	}
	key := must[*client.APIKeyWithSecret](t)(c.CreateAPIKey(ctx, &client.APIKeyCreate{Name: "k", Scopes: []enroll.Scope{"enrollments:read"}, ProgramInstanceIDs: []string{inst.ID}}))
	file := "firstName,lastName,email,shoeSize\nA,One,a1@example.com,42\n"
	im := must[*enroll.Import](t)(c.StartImport(ctx, inst.ID, client.ImportRequest{Format: enroll.FormatCSV, Body: strings.NewReader(file)}))
	im = must[*enroll.Import](t)(c.WaitImport(ctx, im.ID, 10*time.Millisecond, nil))

	roundTrip(t, s, "/v1/programs/"+prog.ID, must[*enroll.Program](t)(c.GetProgram(ctx, prog.ID)))
	roundTrip(t, s, "/v1/programs", must[*enroll.Page[*enroll.Program]](t)(c.ListPrograms(ctx, client.ProgramQuery{})))
	roundTrip(t, s, "/v1/programInstances/"+inst.ID, must[*enroll.ProgramInstance](t)(c.GetInstance(ctx, inst.ID)))
	roundTrip(t, s, "/v1/programInstances", must[*enroll.Page[*enroll.ProgramInstance]](t)(c.ListInstances(ctx, client.InstanceQuery{})))
	roundTrip(t, s, "/v1/customers/"+cu.ID, must[*enroll.Customer](t)(c.GetCustomer(ctx, cu.ID)))
	roundTrip(t, s, "/v1/customers", must[*enroll.Page[*enroll.Customer]](t)(c.ListCustomers(ctx, client.CustomerQuery{})))
	roundTrip(t, s, "/v1/leads/"+ld.ID, must[*enroll.Lead](t)(c.GetLead(ctx, ld.ID)))
	roundTrip(t, s, "/v1/leads", must[*enroll.Page[*enroll.Lead]](t)(c.ListLeads(ctx, client.LeadQuery{})))
	roundTrip(t, s, "/v1/enrollments/"+e.ID, must[*client.EnrollmentDetail](t)(c.GetEnrollment(ctx, e.ID)))
	roundTrip(t, s, "/v1/enrollments/"+e2.ID, must[*client.EnrollmentDetail](t)(c.GetEnrollment(ctx, e2.ID)))
	roundTrip(t, s, "/v1/enrollments", must[*enroll.Page[*enroll.Enrollment]](t)(c.ListEnrollments(ctx, "", client.EnrollmentQuery{})))
	roundTrip(t, s, "/v1/enrollments/"+e.ID+"/notifications", must[*enroll.Page[*enroll.Notification]](t)(c.ListEnrollmentNotifications(ctx, e.ID, client.NotificationQuery{})))
	roundTrip(t, s, "/v1/events", must[*enroll.Page[*enroll.Event]](t)(c.ListEvents(ctx, client.EventQuery{})))
	evs := must[*enroll.Page[*enroll.Event]](t)(c.ListEvents(ctx, client.EventQuery{}))
	roundTrip(t, s, "/v1/events/"+evs.Data[0].ID, must[*enroll.Event](t)(c.GetEvent(ctx, evs.Data[0].ID)))
	roundTrip(t, s, "/v1/notificationTemplates/"+tpl.ID, must[*enroll.NotificationTemplate](t)(c.GetNotificationTemplate(ctx, tpl.ID)))
	roundTrip(t, s, "/v1/notificationTemplates", must[*enroll.Page[*enroll.NotificationTemplate]](t)(c.ListNotificationTemplates(ctx, client.NotificationTemplateQuery{})))
	roundTrip(t, s, "/v1/programInstances/"+inst.ID+"/notificationSettings", must[*enroll.NotificationSettings](t)(c.GetNotificationSettings(ctx, inst.ID)))
	roundTrip(t, s, "/v1/programInstances/"+inst.ID+"/stats", must[*client.InstanceStats](t)(c.GetInstanceStats(ctx, inst.ID)))
	roundTrip(t, s, "/v1/webhookEndpoints/"+ep.ID, must[*enroll.WebhookEndpoint](t)(c.GetWebhookEndpoint(ctx, ep.ID)))
	roundTrip(t, s, "/v1/webhookEndpoints", must[*enroll.Page[*enroll.WebhookEndpoint]](t)(c.ListWebhookEndpoints(ctx, client.ListOptions{})))
	dl := must[*enroll.Page[*enroll.WebhookDelivery]](t)(c.ListWebhookDeliveries(ctx, ep.ID, client.DeliveryQuery{}))
	roundTrip(t, s, "/v1/webhookEndpoints/"+ep.ID+"/deliveries", dl)
	if len(dl.Data) > 0 {
		roundTrip(t, s, "/v1/webhookEndpoints/"+ep.ID+"/deliveries/"+dl.Data[0].ID, must[*enroll.WebhookDelivery](t)(c.GetWebhookDelivery(ctx, ep.ID, dl.Data[0].ID)))
	}
	roundTrip(t, s, "/v1/apiKeys/"+key.ID, must[*enroll.APIKey](t)(c.GetAPIKey(ctx, key.ID)))
	roundTrip(t, s, "/v1/apiKeys", must[*enroll.Page[*enroll.APIKey]](t)(c.ListAPIKeys(ctx, client.APIKeyQuery{})))
	roundTrip(t, s, "/v1/imports/"+im.ID, must[*enroll.Import](t)(c.GetImport(ctx, im.ID)))
	roundTrip(t, s, "/v1/imports/"+im.ID+"/errors", must[*enroll.Page[enroll.ImportError]](t)(c.ListImportErrors(ctx, im.ID, client.ListOptions{})))
	h := must[[]*enroll.StatusChange](t)(c.EnrollmentHistory(ctx, e.ID))
	want := rawGet(t, s, "/v1/enrollments/"+e.ID+"/history?perPage=500").(map[string]any)["data"]
	b, _ := json.Marshal(h)
	var got any
	_ = json.Unmarshal(b, &got)
	var out []string
	diff("history", got, want, &out)
	if len(out) > 0 {
		t.Errorf("history loses %v", out)
	}
}

// TestRedirectedWrite: a base URL answered by a 301 (a load balancer's
// http -> https redirect, or a sign-in proxy's 302) is an error. net/http
// followed it, turning each write into a GET, and the client reported the
// write as done.
func TestRedirectedWrite(t *testing.T) {
	t.Parallel()
	s := newServer(t, enrollhttp.Config{})
	c := s.client()
	ctx := context.Background()
	cu := must[*enroll.Customer](t)(c.CreateCustomer(ctx, &client.CustomerCreate{FirstName: "C", LastName: "U", Email: "cu@example.com"}))
	key := must[*client.APIKeyWithSecret](t)(c.CreateAPIKey(ctx, &client.APIKeyCreate{Name: "leaked"}))
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.srv.URL()+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	defer front.Close()
	rc := client.New(front.URL, s.secret)

	if err := rc.DeleteCustomer(ctx, cu.ID, ""); err != nil {
		t.Logf("DeleteCustomer: %v", err)
	} else if _, err := c.GetCustomer(ctx, cu.ID); err == nil {
		t.Errorf("DeleteCustomer returned nil, but the customer is still there")
	}
	if err := rc.RevokeAPIKey(ctx, key.ID); err != nil {
		t.Logf("RevokeAPIKey: %v", err)
	} else if k := must[*enroll.APIKey](t)(c.GetAPIKey(ctx, key.ID)); k.RevokedAt == nil {
		t.Errorf("RevokeAPIKey returned nil, but the key is not revoked")
	}
	if got, err := rc.UpdateCustomer(ctx, cu.ID, map[string]any{"firstName": "Changed"}, ""); err == nil {
		t.Errorf("UpdateCustomer returned nil error and firstName %q (stored: %q)", got.FirstName, must[*enroll.Customer](t)(c.GetCustomer(ctx, cu.ID)).FirstName)
	}
	if got, err := rc.CreateCustomer(ctx, &client.CustomerCreate{FirstName: "N", LastName: "W", Email: "new@example.com"}); err == nil {
		t.Errorf("CreateCustomer returned nil error and customer %+v", got)
	}
}

// TestSignInProxy: a sign-in proxy in front of the server answers
// a DELETE with a 302 to its HTML login page; the client reports success.
func TestSignInProxy(t *testing.T) {
	t.Parallel()
	var methods []string
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		methods = append(methods, r.Method+" "+r.URL.Path)
		if r.URL.Path == "/login" {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html><body>Sign in</body></html>")
			return
		}
		http.Redirect(w, r, "/login", http.StatusFound)
	}))
	defer front.Close()
	c := client.New(front.URL, "sk_x")
	ctx := context.Background()
	if err := c.RevokeAPIKey(ctx, "somekey"); err == nil {
		t.Errorf("RevokeAPIKey through a sign-in proxy returned nil; requests %v", methods)
	}
	if err := c.DeleteEnrollment(ctx, "someid", `"etag"`); err == nil {
		t.Errorf("DeleteEnrollment through a sign-in proxy returned nil; requests %v", methods)
	}
}

// TestHTMLErrorBody: a proxy's HTML 502 page is described in the error,
// not copied into it (it was, whole, up to 1 MiB).
func TestHTMLErrorBody(t *testing.T) {
	t.Parallel()
	page := "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n" + strings.Repeat("<!-- padding -->\r\n", 6)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		_, _ = io.WriteString(w, page)
	}))
	defer front.Close()
	_, err := client.New(front.URL, "sk_x").GetProgram(context.Background(), "p")
	if err == nil || strings.Contains(err.Error(), "<html") || len(err.Error()) > 300 || !client.IsTransient(err) {
		t.Errorf("Error() = %q (len %d), transient %v: want a short description, transient", err, len(fmt.Sprint(err)), client.IsTransient(err))
	}
}

// TestNilContext: calls given a nil context return an error; StartImport
// and WaitImport panicked.
func TestNilContext(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for name, f := range map[string]func() error{
		"GetProgram": func() error { _, err := c.GetProgram(nil, "p"); return err }, //nolint:staticcheck
		"StartImport": func() error {
			_, err := c.StartImport(nil, "i", client.ImportRequest{Format: enroll.FormatCSV, Body: strings.NewReader("a\n")}) //nolint:staticcheck
			return err
		},
		"WaitImport": func() error { _, err := c.WaitImport(nil, "i", 0, nil); return err }, //nolint:staticcheck
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s(nil ctx) panics: %v", name, r)
				}
			}()
			if err := f(); err == nil {
				t.Errorf("%s(nil ctx) = nil, want an error", name)
			}
		}()
	}
}

// TestIdempotencyInProgressIsTransient: a retry while the first request
// with the same Idempotency-Key still runs is a 409 with Retry-After
// (docs/api.md), which passes when sent again later: IsTransient says so.
// Other 409s (a transition the workflow refuses) are not transient.
func TestIdempotencyInProgressIsTransient(t *testing.T) {
	t.Parallel()
	if !client.IsTransient(&client.Problem{Status: http.StatusConflict, RetryAfter: time.Second}) {
		t.Error("a 409 with Retry-After is not transient")
	}
	if client.IsTransient(&client.Problem{Status: http.StatusConflict}) {
		t.Error("a 409 without Retry-After is transient")
	}
}

// TestNoFollow: with an HTTP client that does not follow
// redirects, a 3xx answer is taken as success.
func TestNoFollow(t *testing.T) {
	t.Parallel()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example/login", http.StatusFound)
	}))
	defer front.Close()
	c := client.New(front.URL, "sk_x")
	c.HTTP = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if err := c.DeleteCustomer(context.Background(), "someid", ""); err == nil {
		t.Errorf("DeleteCustomer answered 302 returned nil")
	}
}

// TestPagingWhileChanging: every item that exists throughout an
// iteration is yielded once, while others are created and deleted.
func TestPagingWhileChanging(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := context.Background()
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "p", Name: "P"})).ID,
		&client.InstanceCreate{Slug: "i", Name: "I"}))
	var ids []string
	for i := range 12 {
		last := []string{"Smith", "smith", "Émile", "emile", "Berg"}[i%5]
		e := must[*client.EnrollmentDetail](t)(c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "F", LastName: last, Email: fmt.Sprintf("e%d@example.com", i)}))
		ids = append(ids, e.ID)
	}
	for _, sort := range []string{"lastName", "-createdAt", "createdAt", "updatedAt"} {
		seen := map[string]int{}
		n := 0
		for e, err := range c.AllEnrollments(ctx, inst.ID, client.EnrollmentQuery{ListOptions: client.ListOptions{PerPage: 2, Sort: sort}}) {
			if err != nil {
				t.Fatal(err)
			}
			seen[e.ID]++
			n++
			if n == 3 { // churn: one new, one deleted (not a survivor)
				must[*client.EnrollmentDetail](t)(c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
					FirstName: "N", LastName: "Mid", Email: fmt.Sprintf("n%s@example.com", sort)}))
			}
		}
		for _, id := range ids {
			if seen[id] != 1 {
				t.Errorf("sort %s: %s seen %d times", sort, id, seen[id])
			}
		}
	}
}
