package http_test

import (
	"encoding/json"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"

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
	if len(body) == 0 {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	c := resp.Content[mt]
	if c == nil {
		return []string{where + ": media type " + mt + " not documented"}
	}
	if c.Schema == nil || !strings.HasSuffix(mt, "json") {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{where + ": body is not JSON"}
	}
	res := &huma.ValidateResult{}
	huma.Validate(e.srv.OpenAPI().Components.Schemas, c.Schema, huma.NewPathBuffer([]byte{}, 0), huma.ModeReadFromServer, v, res)
	var out []string
	for _, err := range res.Errors {
		out = append(out, where+": "+err.Error())
	}
	return out
}
