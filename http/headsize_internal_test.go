package http

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkHeadSize is what withRouting's header limit costs a request
// with the headers a client typically sends (docs/benchmarks.md).
func BenchmarkHeadSize(b *testing.B) {
	r := httptest.NewRequest("PATCH", "/v1/enrollments/mwvx08f83cd6uwq0cz9nr9lu?perPage=100", strings.NewReader("{}"))
	for name, v := range map[string]string{
		"Authorization": "Bearer sk_zZVii7Hl4LSib9sXwlr3MdCZHb1nchkq", "Content-Type": "application/json",
		"Accept": "application/json", "Accept-Encoding": "gzip", "User-Agent": "Go-http-client/1.1",
		"If-Match": `"3f2a9c"`, "X-Request-Id": "req_client_42", "Idempotency-Key": "2f1c6a1e-8d9b-4c61-9a77-0a8b7e6d5c4b",
	} {
		r.Header.Set(name, v)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n += headSize(r)
	}
	if n == 0 {
		b.Fatal("no size")
	}
}
