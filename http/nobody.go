package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// bodyReadTimeout is how long refuseBody waits for a body: Huma's default
// BodyReadTimeout, which bounds the bodies it reads.
const bodyReadTimeout = 5 * time.Second

// bodyTimeout is what Huma says of a body that took longer, kept for the
// POSTs that take none so that they answer alike.
const bodyTimeout = "request body read timeout"

// maxIgnoredBody bounds what refuseBody reads of a body it refuses.
const maxIgnoredBody = 4096

// refuseBody answers a POST of the API that takes no body (evaluate,
// rotateSecret, redeliver) but got one, rather than acting as if it had
// not: the caller meant something by it. An empty body, {} and null (what
// some clients send by default), however spaced, are no body. Malformed
// JSON, or a body that cannot be read whole, is a 400, as everywhere; any
// other JSON a 422; a body that takes more than 5 s to arrive a 408, as
// Huma answers for the bodies it reads. It runs after the
// idempotency middleware, which reads the body first: a retry's
// fingerprint is taken of what was sent.
func refuseBody(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	if op.Method != http.MethodPost || op.RequestBody != nil || op.Metadata[scopeMetadata] == nil {
		next(ctx)
		return
	}
	// As long as Huma waits for the bodies it reads; the middleware runs
	// before Huma would set it.
	_ = ctx.SetReadDeadline(time.Now().Add(bodyReadTimeout))
	b, err := io.ReadAll(io.LimitReader(ctx.BodyReader(), maxIgnoredBody+1))
	var nerr net.Error
	switch b = bytes.TrimSpace(b); {
	case errors.As(err, &nerr) && nerr.Timeout():
		writeHumaProblem(ctx, humaError(http.StatusRequestTimeout, bodyTimeout).(*Problem))
	case err != nil:
		// A body cut short is no body either: whatever the caller meant
		// by it is unknown, so nothing is done.
		writeHumaProblem(ctx, newProblem(http.StatusBadRequest, cannotReadBody))
	case isNoBody(b):
		// The body is read to its end: the deadline would otherwise fall
		// on net/http's background read of the connection, which cancels
		// the request's context when it fails (as recorder says).
		_ = ctx.SetReadDeadline(time.Time{})
		next(ctx)
	case len(b) <= maxIgnoredBody && !json.Valid(b):
		writeHumaProblem(ctx, humaError(http.StatusBadRequest, "The request body is not valid JSON.",
			&huma.ErrorDetail{Location: "body", Message: "is not valid JSON; this operation takes no body"}).(*Problem))
	default:
		writeHumaProblem(ctx, humaError(http.StatusUnprocessableEntity, "This operation takes no request body.",
			&huma.ErrorDetail{Location: "body", Message: "must be empty: this operation takes no body"}).(*Problem))
	}
}

// isNoBody reports whether b, a body of a POST that takes none, is no
// body: empty, {} or null, however spaced.
func isNoBody(b []byte) bool {
	var v any
	b = bytes.TrimSpace(b)
	return len(b) == 0 || len(b) <= maxIgnoredBody && json.Unmarshal(b, &v) == nil && (v == nil || isEmptyObject(v))
}

// isEmptyObject reports whether v, decoded JSON, is an object without
// members.
func isEmptyObject(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0
}
