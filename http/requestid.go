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
		id := r.Header.Get(requestIDHeader)
		if !saneRequestID(id) {
			id = "req_" + enroll.NewID()
		}
		w.Header().Set(requestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
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
