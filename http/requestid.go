package http

import (
	"context"
	"net/http"

	"github.com/enrollhq/enroll"
)

// maxRequestIDLength bounds a client-supplied X-Request-Id, so it can be
// logged and stored with history entries safely.
const maxRequestIDLength = 128

// requestIDHeader carries the request id, both ways.
const requestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// withRequestID gives every request an id: the client's X-Request-Id when
// it is sane, else a new "req_…" id. The id is echoed on every response,
// logged, and recorded with the changes the request makes.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := clientRequestID(r.Header.Values(requestIDHeader))
		if !saneRequestID(id) {
			id = "req_" + enroll.NewID()
		}
		w.Header().Set(requestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// clientRequestID returns the id the X-Request-Id fields sent give: the
// one value, or the value every field repeats; "" when they differ (a
// proxy adding its own after the client's, say), as no one of them is the
// request's, and recording the first as if it alone had been sent would
// tie the request to an id the other party does not know it by.
func clientRequestID(values []string) string {
	if len(values) == 0 {
		return ""
	}
	for _, v := range values[1:] {
		if v != values[0] {
			return ""
		}
	}
	return values[0]
}

// saneRequestID accepts 1 to 128 printable ASCII characters without spaces:
// anything else could corrupt logs or headers.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// requestID returns the id of the request ctx belongs to.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
