package http_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// rawExchange writes head and body on a new connection as they are (a
// body Go's client would never send) and reads the answer.
func rawExchange(t *testing.T, e *env, method, path, head, body string, halfClose bool) *http.Response {
	t.Helper()
	u, err := url.Parse(e.url)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	req := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n%s\r\n%s",
		method, path, u.Host, e.secret, head, body)
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	if halfClose {
		_ = conn.(*net.TCPConn).CloseWrite()
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return res
}

// rawRequest writes request on a new connection as it is, keeps the
// connection open for writing, and reads the answer.
func rawRequest(t *testing.T, e *env, request string) *http.Response {
	t.Helper()
	u, err := url.Parse(e.url)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := conn.Write([]byte(request)); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestUnreadableBody checks a body that cannot be read whole (a malformed
// chunk, or fewer bytes than its Content-Length says before the client
// half-closes): it is bad input, a 400 problem on every operation, as with
// an Idempotency-Key, never a 500; and a POST that takes no body
// (evaluate) does nothing rather than take it for no body.
func TestUnreadableBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	en := e.enrollIn(inst, customerInfo(nil))
	id := en["id"].(string)
	before := e.do("GET", "/v1/enrollments/"+id, nil).expect(200).obj()
	const chunked = "Transfer-Encoding: chunked\r\n"
	cases := []struct {
		name, method, path, head, body string
		halfClose                      bool
	}{
		{"PATCH bad chunk size", "PATCH", "/v1/enrollments/" + id, chunked, "zz\r\n{\"notes\":\"x\"}\r\n0\r\n\r\n", false},
		{"POST create bad chunk size", "POST", "/v1/programInstances/" + inst + "/enrollments", chunked, "zz\r\n{}\r\n0\r\n\r\n", false},
		{"POST customer chunk without CRLF", "POST", "/v1/customers", chunked, "2\r\n{}XX0\r\n\r\n", false},
		{"PATCH short body", "PATCH", "/v1/enrollments/" + id, "Content-Length: 100\r\n", "{\"notes\":\"x\"}", true},
		{"evaluate bad chunk after {}", "POST", "/v1/enrollments/" + id + "/evaluate", chunked, "2\r\n{}\r\nzz\r\n", false},
		{"evaluate short body", "POST", "/v1/enrollments/" + id + "/evaluate", "Content-Length: 100\r\n", "{}", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := rawExchange(t, e, c.method, c.path, c.head, c.body, c.halfClose)
			defer func() { _ = res.Body.Close() }()
			var p problem
			if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
				t.Fatalf("%s %s: %v", c.method, c.path, err)
			}
			if res.StatusCode != http.StatusBadRequest || p.Detail != "Cannot read the request body." {
				t.Errorf("%s %s with an unreadable body: %d %q, want 400 \"Cannot read the request body.\"", c.method, c.path, res.StatusCode, p.Detail)
			}
		})
	}
	after := e.do("GET", "/v1/enrollments/"+id, nil).expect(200).obj()
	if after["eligibilityStatus"] != before["eligibilityStatus"] || after["updatedAt"] != before["updatedAt"] {
		t.Errorf("an unreadable body changed the enrollment: %v, was %v", after, before)
	}
}
