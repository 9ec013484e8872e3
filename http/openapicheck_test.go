package http_test

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// Every answer the tests receive is checked against the OpenAPI document
// (checkResponse): its status must be documented for the operation, its
// media type for the status, and a JSON body must match the schema. So
// the document stays accurate wherever the suite goes, on both stores.

// documentedOp is an operation of the OpenAPI document, with its path as
// a pattern.
type documentedOp struct {
	pattern *regexp.Regexp
	op      *huma.Operation
}

// documentedOps are the operations of each server's document, built once.
var documentedOps sync.Map // *enrollhttp.Server → []documentedOp

func documentedOperations(srv *enrollhttp.Server) []documentedOp {
	if ops, ok := documentedOps.Load(srv); ok {
		return ops.([]documentedOp)
	}
	param := regexp.MustCompile(`\\\{[^}]+\\\}`)
	var ops []documentedOp
	for _, op := range operations(srv.OpenAPI()) {
		ops = append(ops, documentedOp{regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(op.Path), `[^/]+`) + "$"), op})
	}
	documentedOps.Store(srv, ops)
	return ops
}

// checkResponse returns what is wrong with an answer to method target
// according to the OpenAPI document; nothing for paths it does not
// describe (the console, /metrics).
func (e *env) checkResponse(method, target string, status int, header http.Header, body []byte) []string {
	path, _, _ := strings.Cut(target, "?")
	if method == "HEAD" {
		method = "GET"
	}
	var found *documentedOp
	ops := documentedOperations(e.srv)
	for i, op := range ops {
		// The most specific template (fewest parameters) wins:
		// /v1/programInstances/{id}/stats over a {id} of its own.
		if op.op.Method == method && op.pattern.MatchString(path) &&
			(found == nil || strings.Count(op.op.Path, "{") < strings.Count(found.op.Path, "{")) {
			found = &ops[i]
		}
	}
	if found == nil {
		return nil
	}
	where := method + " " + found.op.Path + " " + strconv.Itoa(status)
	resp := found.op.Responses[strconv.Itoa(status)]
	if resp == nil {
		resp = found.op.Responses["default"]
	}
	if resp == nil {
		return []string{where + ": status not documented"}
	}
	out := undocumentedHeaders(where, resp, header)
	if len(body) == 0 {
		return out
	}
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	c := resp.Content[mt]
	if c == nil {
		return append(out, where+": media type "+mt+" not documented")
	}
	if c.Schema == nil || !strings.HasSuffix(mt, "json") {
		return out
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return append(out, where+": body is not JSON")
	}
	res := &huma.ValidateResult{}
	huma.Validate(e.srv.OpenAPI().Components.Schemas, c.Schema, huma.NewPathBuffer([]byte{}, 0), huma.ModeReadFromServer, v, res)
	for _, err := range res.Errors {
		out = append(out, where+": "+err.Error())
	}
	return out
}

// transportHeaders are the response headers of HTTP itself, which an
// OpenAPI document does not declare (Content-Type is the media type's).
var transportHeaders = []string{"Content-Type", "Content-Length", "Date", "Connection", "Transfer-Encoding"}

// undocumentedHeaders returns a line for each header of an answer that
// its response in the document does not declare, or declares without a
// description.
func undocumentedHeaders(where string, resp *huma.Response, header http.Header) []string {
	var out []string
	for name := range header {
		if slices.ContainsFunc(transportHeaders, func(h string) bool { return strings.EqualFold(h, name) }) {
			continue
		}
		var declared *huma.Header
		for n, h := range resp.Headers {
			if strings.EqualFold(n, name) {
				declared = h
			}
		}
		switch {
		case declared == nil:
			out = append(out, where+": header "+name+" not documented")
		case declared.Description == "":
			out = append(out, where+": header "+name+" has no description")
		}
	}
	slices.Sort(out)
	return out
}

// TestOpenAPIDeclaresEveryAnswer provokes, on every operation of the
// document, each answer the service gives before the operation's handler
// runs (in its middleware, or Huma's reading of the request), whatever the
// operation: a compressed body on a DELETE is a 415 like on a POST. Each
// answer must have the status the probe expects, and e.do checks it
// against the document (status, media type, body, headers), so a status
// or header the document omits fails here even if no other test sends
// such a request to that operation.
func TestOpenAPIDeclaresEveryAnswer(t *testing.T) {
	t.Parallel()
	// A limit no probe reaches, so that every answer after authentication
	// carries the RateLimit headers, which the document must declare.
	e := newEnvWith(t, func(c *enrollhttp.Config) { c.RateLimit = 1e6 })
	limited := newEnvWith(t, func(c *enrollhttp.Config) { c.RateLimit, c.RateBurst = 0.001, 1 })
	limited.do("GET", "/v1/programs", nil).expect(200) // its key's one token
	onlyEvents := e.scopedKey([]string{string(enroll.ScopeEventsRead)}, nil)
	onlyKeys := e.scopedKey([]string{string(enroll.ScopeKeysWrite)}, nil)
	param := regexp.MustCompile(`\{[^}]+\}`)
	var slow []*huma.Operation // those whose JSON body Huma reads, and the POSTs that take none (refuseBody)
	for _, op := range operations(e.srv.OpenAPI()) {
		scope, _ := op.Metadata["enroll:scope"].(enroll.Scope)
		path := param.ReplaceAllString(op.Path, "x")
		lacking := onlyEvents
		if scope == enroll.ScopeEventsRead {
			lacking = onlyKeys
		}
		type probe struct {
			name   string
			env    *env
			query  string
			body   any
			opts   []reqOpt
			status int
		}
		probes := []probe{
			{"compressed body", e, "", raw("{}"), []reqOpt{withHeader("Content-Encoding", "gzip")}, 415},
			{"JSON Patch", e, "", raw("[]"), []reqOpt{withHeader("Content-Type", "application/json-patch+json")}, 415},
			{"NUL in the query", e, "?q=%00", nil, nil, 400},
			{"headers too large", e, "", nil, []reqOpt{withHeader("X-Big", strings.Repeat("a", 70000))}, 431},
		}
		if scope != "" {
			probes = append(probes,
				probe{"malformed query", e, "?q=%zz", nil, nil, 400},
				probe{"no key", e, "", nil, []reqOpt{withKey("")}, 401},
				probe{"key lacking the scope", e, "", nil, []reqOpt{withKey(lacking)}, 403},
				probe{"unknown parameter", e, "?stauts=approved", nil, nil, 422},
				probe{"rate limited", limited, "", nil, nil, 429},
			)
			if op.Method == http.MethodPost {
				probes = append(probes, probe{"Idempotency-Key with a body too large", e, "",
					raw("{}" + strings.Repeat(" ", 1<<20)), []reqOpt{withHeader("Idempotency-Key", "too-large")}, 413})
			}
		}
		for _, p := range probes {
			t.Run(op.OperationID+"/"+p.name, func(t *testing.T) {
				t.Parallel()
				pe := *p.env
				pe.t = t
				pe.do(op.Method, path+p.query, p.body, p.opts...).expect(p.status)
			})
		}
		if op.RequestBody != nil && op.RequestBody.Content["application/json"] != nil ||
			op.Method == http.MethodPost && op.RequestBody == nil && scope != "" {
			slow = append(slow, op)
		}
	}
	// Huma (or refuseBody) waits 5 s for a body: these wait together, not two at a time
	// as parallel subtests would.
	t.Run("body too slow", func(t *testing.T) {
		t.Parallel()
		var wg sync.WaitGroup
		for _, op := range slow {
			// With an Idempotency-Key, its middleware reads the body.
			heads := []string{""}
			if op.Method == http.MethodPost {
				heads = append(heads, "Idempotency-Key: slow-"+op.OperationID+"\r\n")
			}
			for _, head := range heads {
				wg.Go(func() {
					path := param.ReplaceAllString(op.Path, "x")
					status, wrong, err := e.slowBody(op.Method, path, head)
					switch {
					case err != nil:
						t.Errorf("%s %s %s: %v", op.Method, path, strings.TrimSpace(head), err)
					case status != http.StatusRequestTimeout:
						t.Errorf("%s %s %s: status %d, want 408", op.Method, path, strings.TrimSpace(head), status)
					}
					for _, msg := range wrong {
						t.Errorf("answer not as documented in the OpenAPI document: %s", msg)
					}
				})
			}
		}
		wg.Wait()
	})
}

// slowBody sends a request, with the header lines head, whose body stops
// short of its Content-Length and waits for the answer: its status, and
// what is wrong with it according to the document (as do checks).
func (e *env) slowBody(method, path, head string) (int, []string, error) {
	res, err := e.exchange(method + " " + path + " HTTP/1.1\r\nHost: enroll\r\nAuthorization: Bearer " + e.secret +
		"\r\nContent-Type: application/json\r\n" + head + "Content-Length: 100\r\n\r\n{\"name\"")
	if err != nil {
		return 0, nil, err
	}
	return res.Status, e.checkResponse(method, path, res.Status, res.Header, res.Body), nil
}

// exchange writes a request to the server as is, on a connection of its
// own, and reads the answer.
func (e *env) exchange(request string) (*response, error) {
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	if _, err := io.WriteString(conn, request); err != nil {
		return nil, err
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	method, _, _ := strings.Cut(request, " ")
	return &response{t: e.t, req: method, Status: res.StatusCode, Header: res.Header, Body: b}, nil
}

// nullRefused names the optional members of request bodies whose null the
// server refuses, rather than reads as absent: the document declares them
// not nullable and says so.
var nullRefused = map[string]bool{
	// A client that writes an unset list as null must not get a key
	// with every scope.
	"APIKeyCreate.scopes": true,
}

// requestMembers calls fn with every member of the JSON request body of
// each operation whose method is in methods, and of the objects within
// (through references, lists and nested objects), each schema once: the
// schema's name (or the operation's, for an inline body), the member's
// name, its schema as declared and as resolved, and whether the object
// requires it.
func requestMembers(doc *huma.OpenAPI, methods []string, fn func(where, name string, declared, resolved *huma.Schema, required bool)) {
	schemas := doc.Components.Schemas
	resolve := func(s *huma.Schema) *huma.Schema {
		for s != nil && s.Ref != "" {
			s = schemas.SchemaFromRef(s.Ref)
		}
		return s
	}
	seen := map[*huma.Schema]bool{}
	var walk func(where string, s *huma.Schema)
	walk = func(where string, s *huma.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Items != nil {
			walk(where, resolve(s.Items))
		}
		for name, p := range s.Properties {
			r := resolve(p)
			fn(where, name, p, r, slices.Contains(s.Required, name))
			inner := where + "." + name
			if p.Ref != "" {
				inner = strings.TrimPrefix(p.Ref, "#/components/schemas/")
			}
			walk(inner, r)
		}
	}
	for _, op := range operations(doc) {
		if !slices.Contains(methods, op.Method) || op.RequestBody == nil || op.RequestBody.Content["application/json"] == nil {
			continue
		}
		s := op.RequestBody.Content["application/json"].Schema
		where := op.OperationID
		if s.Ref != "" {
			where = strings.TrimPrefix(s.Ref, "#/components/schemas/")
		}
		walk(where, resolve(s))
	}
}

// TestRequestBodiesNullable checks that the document declares null where
// the server takes it: Huma's validator lets any member a body does not
// require be null, and decoding null leaves the Go field unset, so every
// optional member of a POST or PUT body, and of the objects within it
// (devices, rules, parameter constraints), is nullable, but for those
// nullRefused names; and a nullable member with an enum lists null in it,
// since JSON Schema applies enum to null too. (PATCH bodies, where null
// clears a member and is refused for some, are TestPatchSchemas'.) Each
// such body is then sent with every optional member it leaves out null,
// and must be answered as it is without them.
func TestRequestBodiesNullable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doc := e.srv.OpenAPI()
	requestMembers(doc, []string{http.MethodPost, http.MethodPut}, func(where, name string, declared, s *huma.Schema, required bool) {
		switch {
		case required || declared.ReadOnly || s.Type == "":
		case nullRefused[where+"."+name] && s.Nullable:
			t.Errorf("%s.%s: nullable, but the server refuses null", where, name)
		case !nullRefused[where+"."+name] && !s.Nullable:
			t.Errorf("%s.%s: the server takes null (as absent), the document does not", where, name)
		}
		if s.Nullable && len(s.Enum) > 0 && !slices.Contains(s.Enum, nil) {
			t.Errorf("%s.%s: nullable, but null is not in its enum %v", where, name, s.Enum)
		}
	})

	// withNulls returns body with null for each optional member of schema s
	// it leaves out, in it and in the objects it holds.
	schemas := doc.Components.Schemas
	var withNulls func(where string, s *huma.Schema, v any) any
	withNulls = func(where string, s *huma.Schema, v any) any {
		for s.Ref != "" {
			where, s = strings.TrimPrefix(s.Ref, "#/components/schemas/"), schemas.SchemaFromRef(s.Ref)
		}
		switch v := v.(type) {
		case []any:
			out := make([]any, len(v))
			for i, item := range v {
				out[i] = withNulls(where, s.Items, item)
			}
			return out
		case map[string]any:
			out := map[string]any{}
			for name, p := range s.Properties {
				if item, ok := v[name]; ok {
					out[name] = withNulls(where+"."+name, p, item)
				} else if !slices.Contains(s.Required, name) && !p.ReadOnly && !nullRefused[where+"."+name] {
					out[name] = nil
				}
			}
			return out
		}
		return v
	}
	bodySchema := func(method, path string) *huma.Schema {
		item := doc.Paths[path]
		op := map[string]*huma.Operation{http.MethodPost: item.Post, http.MethodPut: item.Put}[method]
		return op.RequestBody.Content["application/json"].Schema
	}
	prog := e.createProgram("nulls")
	inst := e.manualInstance()
	tmpl := e.do("POST", "/v1/notificationTemplates", map[string]any{"name": "t", "status": "approved", "subject": "s", "text": "t"}).
		expect(201).obj()["id"].(string)
	for _, c := range []struct {
		method, path, route string // route: the path as the document has it
		body                func(u string) map[string]any
		status              int
		vary                []string // members that differ from one object to the next
	}{
		{"POST", "/v1/customers", "", func(u string) map[string]any {
			return map[string]any{"firstName": "A", "lastName": "B", "email": u + "@example.com"}
		}, 201, []string{"email"}},
		{"POST", "/v1/leads", "", func(u string) map[string]any { return map[string]any{"email": u + "@example.com"} }, 201, []string{"email"}},
		{"POST", "/v1/programs", "", func(u string) map[string]any { return map[string]any{"slug": "p" + u, "name": "P"} }, 201, []string{"slug"}},
		{"POST", "/v1/programs/" + prog + "/instances", "/v1/programs/{programId}/instances", func(u string) map[string]any {
			return map[string]any{"slug": "i" + u, "name": "I",
				"eligibilityRules": []any{map[string]any{"name": "r", "expression": "true"}},
				"parameters": []any{
					map[string]any{"externalId": "a", "name": "A", "type": "string"},
					map[string]any{"externalId": "b", "name": "B", "type": "choice", "constraints": map[string]any{"options": []any{"x"}}},
				},
				"groups": []any{map[string]any{"id": "g", "name": "G"}}}
		}, 201, []string{"slug"}},
		{"POST", "/v1/programInstances/" + inst + "/enrollments", "/v1/programInstances/{instanceId}/enrollments", func(u string) map[string]any {
			return customerInfo(map[string]any{"devices": []any{map[string]any{"id": "d1"}}, "parameters": []any{}, "address": map[string]any{"city": "Paris"}})
		}, 201, []string{"customerId", "lastName", "email"}},
		{"POST", "/v1/apiKeys", "", func(string) map[string]any { return map[string]any{"scopes": []any{"programs:read"}} }, 201,
			[]string{"prefix", "secret"}},
		{"POST", "/v1/webhookEndpoints", "", func(u string) map[string]any {
			return map[string]any{"url": "https://example.com/" + u}
		}, 201, []string{"url", "secret"}},
		{"POST", "/v1/notificationTemplates", "", func(u string) map[string]any {
			return map[string]any{"name": "t", "status": map[bool]string{true: "paused", false: "unenrolled"}[strings.HasPrefix(u, "a")],
				"subject": "s", "text": "t"}
		}, 201, []string{"status"}},
		{"POST", "/v1/notificationTemplates/" + tmpl + "/render", "/v1/notificationTemplates/{templateId}/render",
			func(string) map[string]any { return map[string]any{} }, 200, nil},
		{"POST", "/v1/programInstances/" + inst + "/eligibility:test", "/v1/programInstances/{instanceId}/eligibility:test",
			func(string) map[string]any { return map[string]any{} }, 200, nil},
		{"PUT", "/v1/programInstances/" + inst + "/notificationSettings", "/v1/programInstances/{instanceId}/notificationSettings",
			func(string) map[string]any { return map[string]any{"enabled": true} }, 200, nil},
	} {
		route := cmp.Or(c.route, c.path)
		without := e.do(c.method, c.path, c.body("a"+uniq())).expect(c.status).obj()
		nulls := withNulls(route, bodySchema(c.method, route), any(c.body("b"+uniq()))).(map[string]any)
		with := e.do(c.method, c.path, nulls).expect(c.status).obj()
		for _, m := range append(c.vary, "id", "createdAt", "updatedAt", "evaluation") {
			delete(without, m)
			delete(with, m)
		}
		if a, b := mustJSON(t, without), mustJSON(t, with); a != b {
			t.Errorf("%s %s with null for what it leaves out:\n%s\nwithout:\n%s\nsent: %s", c.method, route, b, a, mustJSON(t, nulls))
		}
	}
	// The null added to an enum is the document's: the message for a value
	// outside it lists the values a client may send.
	p := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", customerInfo(map[string]any{"eligibilityStatus": "bogus"})).expect(422).problem()
	if len(p.Errors) != 1 || p.Errors[0].Message != `expected value to be one of "candidate, submitted"` {
		t.Errorf("eligibilityStatus outside its enum: %+v", p.Errors)
	}
}

// mustJSON returns v as JSON.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOpenAPIStringListItems checks that each list of free strings in a
// request body (tags, manufacturerSlugs, groupIds, a program's states, a
// choice's options, adminEmails) declares how long its items may be, and
// that the server takes an item of that length and refuses a longer one
// at the item.
func TestOpenAPIStringListItems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Lists whose items are not free strings: each must name an event type
	// or be an id, which the server checks item by item.
	notFree := map[string]bool{"WebhookEndpointCreate.eventTypes": true, "WebhookEndpointPatch.eventTypes": true,
		"APIKeyCreate.programInstanceIds": true}
	declared := map[string]int{}
	requestMembers(e.srv.OpenAPI(), []string{http.MethodPost, http.MethodPut, http.MethodPatch}, func(where, name string, _, s *huma.Schema, _ bool) {
		if s.Type != huma.TypeArray || s.Items == nil || s.Items.Type != huma.TypeString || len(s.Items.Enum) > 0 || notFree[where+"."+name] {
			return
		}
		if s.Items.MaxLength == nil {
			t.Errorf("%s.%s: its items declare no maxLength", where, name)
			return
		}
		declared[where+"."+name] = *s.Items.MaxLength
	})
	inst := e.createInstance(map[string]any{"groups": []any{map[string]any{"id": "g", "name": "G"}}})
	en := e.enrollIn(inst, customerInfo(nil))["id"].(string)
	prog := e.createProgram("lists")
	probed := map[string]bool{}
	for _, c := range []struct {
		member, method, path string
		body                 func(item string) map[string]any
		item                 string // the item's location in errors, if not body.<member>[0]
	}{
		{"EnrollmentCreate.tags", "POST", "/v1/programInstances/" + inst + "/enrollments", func(s string) map[string]any {
			return customerInfo(map[string]any{"tags": []string{s}})
		}, ""},
		{"EnrollmentCreate.manufacturerSlugs", "POST", "/v1/programInstances/" + inst + "/enrollments", func(s string) map[string]any {
			return customerInfo(map[string]any{"manufacturerSlugs": []string{s}})
		}, ""},
		{"EnrollmentCreate.groupIds", "POST", "/v1/programInstances/" + inst + "/enrollments", func(s string) map[string]any {
			return customerInfo(map[string]any{"groupIds": []string{s}})
		}, ""},
		{"EnrollmentPatch.tags", "PATCH", "/v1/enrollments/" + en, func(s string) map[string]any { return map[string]any{"tags": []string{s}} }, ""},
		{"EnrollmentPatch.manufacturerSlugs", "PATCH", "/v1/enrollments/" + en, func(s string) map[string]any {
			return map[string]any{"manufacturerSlugs": []string{s}}
		}, ""},
		{"EnrollmentPatch.groupIds", "PATCH", "/v1/enrollments/" + en, func(s string) map[string]any { return map[string]any{"groupIds": []string{s}} }, ""},
		{"ProgramCreate.states", "POST", "/v1/programs", func(s string) map[string]any {
			return map[string]any{"slug": "p" + uniq(), "name": "P", "states": []string{s}}
		}, ""},
		{"ProgramPatch.states", "PATCH", "/v1/programs/" + prog, func(s string) map[string]any { return map[string]any{"states": []string{s}} }, ""},
		{"ConstraintsInput.options", "POST", "/v1/programs/" + prog + "/instances", func(s string) map[string]any {
			return map[string]any{"slug": "i" + uniq(), "name": "I", "parameters": []any{map[string]any{"externalId": "c", "name": "C", "type": "choice",
				"constraints": map[string]any{"options": []string{s}}}}}
		}, "body.parameters[0].constraints.options[0]"},
		{"ConstraintsInput.options", "PATCH", "/v1/programInstances/" + inst, func(s string) map[string]any {
			return map[string]any{"parameters": []any{map[string]any{"externalId": "c", "name": "C", "type": "choice",
				"constraints": map[string]any{"options": []string{s}}}}}
		}, "body.parameters[0].constraints.options[0]"},
		{"NotificationSettingsPut.adminEmails", "PUT", "/v1/programInstances/" + inst + "/notificationSettings", func(s string) map[string]any {
			return map[string]any{"enabled": true, "adminEmails": []string{s[:len(s)-len("@example.com")] + "@example.com"}}
		}, ""},
	} {
		max, ok := declared[c.member]
		if !ok {
			t.Errorf("%s: no such list of strings in the document", c.member)
			continue
		}
		probed[c.member] = true
		_, member, _ := strings.Cut(c.member, ".")
		item := cmp.Or(c.item, "body."+member+"[0]")
		for _, n := range []int{max, max + 1} {
			res := e.do(c.method, c.path, c.body(strings.Repeat("a", n)))
			var refused []string
			if res.Status == 422 {
				for _, fe := range res.problem().Errors {
					if fe.Location == item && (strings.Contains(fe.Message, "length") || strings.Contains(fe.Message, "at most") ||
						strings.Contains(fe.Message, "email")) {
						refused = append(refused, fe.Message)
					}
				}
			}
			switch {
			case n == max && len(refused) > 0:
				t.Errorf("%s: an item of %d characters, as declared, is refused: %v", c.member, n, refused)
			case n > max && len(refused) == 0:
				t.Errorf("%s: an item of %d characters, past the declared %d, is not refused at %s: %d %s", c.member, n, max, item, res.Status, res.Body)
			}
		}
	}
	for m := range declared {
		if !probed[m] {
			t.Errorf("%s: not probed", m)
		}
	}
}

// TestOpenAPIListParameters checks that every list's paging parameters
// declare the bounds the store checks (enroll.ListParams.Normalize), and
// that the largest page declared is taken.
func TestOpenAPIListParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lists := 0
	for _, op := range operations(e.srv.OpenAPI()) {
		for _, p := range op.Parameters {
			s, where := p.Schema, op.OperationID+" "+p.Name
			switch p.Name {
			case "page":
				lists++
				if s.Minimum == nil || *s.Minimum != 0 || s.Maximum == nil || *s.Maximum != enroll.MaxPage {
					t.Errorf("%s: minimum %s, maximum %s; want 0 and %d", where, bound(s.Minimum), bound(s.Maximum), enroll.MaxPage)
				}
			case "perPage":
				if s.Minimum == nil || *s.Minimum != 1 || s.Maximum == nil || *s.Maximum != enroll.MaxPerPage {
					t.Errorf("%s: minimum %s, maximum %s; want 1 and %d", where, bound(s.Minimum), bound(s.Maximum), enroll.MaxPerPage)
				}
			case "pageToken":
				if s.MaxLength == nil || *s.MaxLength != enroll.MaxPageTokenLength {
					t.Errorf("%s: maxLength %s, want %d", where, bound(s.MaxLength), enroll.MaxPageTokenLength)
				}
			}
		}
	}
	if lists == 0 {
		t.Fatal("no list declares page")
	}
	e.do("GET", "/v1/programs?page="+strconv.Itoa(enroll.MaxPage), nil).expect(200)
	if p := e.do("GET", "/v1/programs?page="+strconv.Itoa(enroll.MaxPage+1), nil).expect(422).problem(); !p.hasLocation("query.page") {
		t.Errorf("page past the maximum: %+v", p.Errors)
	}
}

// bound shows a schema's bound, or none.
func bound[N int | float64](n *N) string {
	if n == nil {
		return "none"
	}
	return fmt.Sprint(*n)
}

// TestOpenAPIPortable checks the served document for what tools other
// than Huma read in it (linters, validators against the OpenAPI 3.1
// schema, client generators), each class of defect they reported once:
// every operation, parameter, response and header described (as
// docs/api.md promises); path parameters declared as the template names
// them; every $ref resolving; no query parameter admitting null, which a
// URL cannot carry; no response header named Content-Type, which OpenAPI
// ignores (the media type is the content's key); no OpenAPI 3.0
// nullable, which 3.1 does not read; and a license with an SPDX
// identifier, without which some 3.1 validators refuse the document.
func TestOpenAPIPortable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var doc map[string]any
	e.do("GET", "/openapi.json", nil, withKey("")).expect(200).decode(&doc)
	obj := func(v any) map[string]any { m, _ := v.(map[string]any); return m }
	list := func(v any) []any { l, _ := v.([]any); return l }
	str := func(v any) string { s, _ := v.(string); return s }

	if license := obj(obj(doc["info"])["license"]); str(license["identifier"]) == "" && str(license["url"]) == "" {
		t.Errorf("info.license %v: neither identifier nor url", license)
	}
	ids := map[string]string{}
	param := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range obj(doc["paths"]) {
		for method, o := range obj(item) {
			op, where := obj(o), strings.ToUpper(method)+" "+path
			if str(op["summary"]) == "" || str(op["description"]) == "" {
				t.Errorf("%s: summary %q, description %q", where, op["summary"], op["description"])
			}
			id := str(op["operationId"])
			if other, ok := ids[id]; ok || id == "" {
				t.Errorf("%s: operationId %q, also %s", where, id, other)
			}
			ids[id] = where
			var inPath []string
			for _, m := range param.FindAllStringSubmatch(path, -1) {
				inPath = append(inPath, m[1])
			}
			var declared []string
			for _, p := range list(op["parameters"]) {
				p := obj(p)
				name := str(p["in"]) + " " + str(p["name"])
				if str(p["description"]) == "" {
					t.Errorf("%s: parameter %s has no description", where, name)
				}
				if slices.Contains(list(obj(p["schema"])["type"]), any("null")) {
					t.Errorf("%s: parameter %s admits null", where, name)
				}
				if p["in"] == "path" {
					declared = append(declared, str(p["name"]))
					if p["required"] != true {
						t.Errorf("%s: path parameter %s not required", where, name)
					}
				}
			}
			slices.Sort(inPath)
			slices.Sort(declared)
			if !slices.Equal(inPath, declared) {
				t.Errorf("%s: path parameters %v declared, %v in the path", where, declared, inPath)
			}
			for status, r := range obj(op["responses"]) {
				r := obj(r)
				if str(r["description"]) == "" {
					t.Errorf("%s %s: response has no description", where, status)
				}
				for name, h := range obj(r["headers"]) {
					if strings.EqualFold(name, "Content-Type") {
						t.Errorf("%s %s: declares a Content-Type header", where, status)
					}
					if str(obj(h)["description"]) == "" || obj(h)["schema"] == nil {
						t.Errorf("%s %s: header %s has no description or schema", where, status, name)
					}
				}
			}
		}
	}
	// Every $ref names a part of the document, and no schema says
	// nullable (3.0's keyword; 3.1 lists "null" among the types).
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				var target any = doc
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					target = obj(target)[strings.NewReplacer("~1", "/", "~0", "~").Replace(part)]
				}
				if !strings.HasPrefix(ref, "#/") || target == nil {
					t.Errorf("%s: $ref %s names nothing", at, ref)
				}
			}
			if _, ok := v["nullable"]; ok && v["type"] != nil {
				t.Errorf("%s: nullable", at)
			}
			for k, x := range v {
				walk(at+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(at+"/"+strconv.Itoa(i), x)
			}
		}
	}
	walk("#", doc)
}

// TestOpenAPIServers checks the document's servers: the URL people reach
// the service at when it is configured (--public-url: behind a proxy the
// listen address, or 127.0.0.1 for an unspecified one, points a reader's
// client at its own machine), else the listen address; and the relative
// "/" after it.
func TestOpenAPIServers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, publicURL, want string }{
		{"listen address", "", ""},
		{"public URL", "https://enroll.example.com/", "https://enroll.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnvWith(t, func(c *enrollhttp.Config) { c.PublicURL = tc.publicURL })
			var doc struct {
				Servers []struct {
					URL string `json:"url"`
				} `json:"servers"`
			}
			e.do("GET", "/openapi.json", nil, withKey("")).expect(200).decode(&doc)
			want := cmp.Or(tc.want, e.url)
			var got []string
			for _, s := range doc.Servers {
				got = append(got, s.URL)
			}
			if !slices.Equal(got, []string{want, "/"}) {
				t.Errorf("servers %v, want %v", got, []string{want, "/"})
			}
		})
	}
}
