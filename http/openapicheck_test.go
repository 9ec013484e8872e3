package http_test

import (
	"bufio"
	"encoding/json"
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
	var slow []*huma.Operation // those whose JSON body Huma reads
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
		if op.RequestBody != nil && op.RequestBody.Content["application/json"] != nil {
			slow = append(slow, op)
		}
	}
	// Huma waits 5 s for a body: these wait together, not two at a time
	// as parallel subtests would.
	t.Run("body too slow", func(t *testing.T) {
		t.Parallel()
		var wg sync.WaitGroup
		for _, op := range slow {
			wg.Go(func() {
				path := param.ReplaceAllString(op.Path, "x")
				status, wrong, err := e.slowBody(op.Method, path)
				switch {
				case err != nil:
					t.Errorf("%s %s: %v", op.Method, path, err)
				case status != http.StatusRequestTimeout:
					t.Errorf("%s %s: status %d, want 408", op.Method, path, status)
				}
				for _, msg := range wrong {
					t.Errorf("answer not as documented in the OpenAPI document: %s", msg)
				}
			})
		}
		wg.Wait()
	})
}

// slowBody sends a request whose body stops short of its Content-Length
// and waits for the answer: its status, and what is wrong with it
// according to the document (as do checks).
func (e *env) slowBody(method, path string) (int, []string, error) {
	res, err := e.exchange(method + " " + path + " HTTP/1.1\r\nHost: enroll\r\nAuthorization: Bearer " + e.secret +
		"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\"")
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
