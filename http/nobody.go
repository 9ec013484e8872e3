package http

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// maxIgnoredBody bounds what refuseBody reads of a body it refuses.
const maxIgnoredBody = 4096

// refuseBody answers a POST of the API that takes no body (evaluate,
// rotateSecret, redeliver) but got one, rather than acting as if it had
// not: the caller meant something by it. An empty body, {} and null (what
// some clients send by default), however spaced, are no body. Malformed
// JSON, or a body that cannot be read whole, is a 400, as everywhere; any
// other JSON a 422. It runs after the
// idempotency middleware, which reads the body first: a retry's
// fingerprint is taken of what was sent.
func refuseBody(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	if op.Method != http.MethodPost || op.RequestBody != nil || op.Metadata[scopeMetadata] == nil {
		next(ctx)
		return
	}
	b, err := io.ReadAll(io.LimitReader(ctx.BodyReader(), maxIgnoredBody+1))
	var v any
	switch b = bytes.TrimSpace(b); {
	case err != nil:
		// A body cut short is no body either: whatever the caller meant
		// by it is unknown, so nothing is done.
		writeHumaProblem(ctx, newProblem(http.StatusBadRequest, cannotReadBody))
	case len(b) == 0, len(b) <= maxIgnoredBody && json.Unmarshal(b, &v) == nil && (v == nil || isEmptyObject(v)):
		next(ctx)
	case len(b) <= maxIgnoredBody && !json.Valid(b):
		writeHumaProblem(ctx, humaError(http.StatusBadRequest, "The request body is not valid JSON.",
			&huma.ErrorDetail{Location: "body", Message: "is not valid JSON; this operation takes no body"}).(*Problem))
	default:
		writeHumaProblem(ctx, humaError(http.StatusUnprocessableEntity, "This operation takes no request body.",
			&huma.ErrorDetail{Location: "body", Message: "must be empty: this operation takes no body"}).(*Problem))
	}
}

// isEmptyObject reports whether v, decoded JSON, is an object without
// members.
func isEmptyObject(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0
}
