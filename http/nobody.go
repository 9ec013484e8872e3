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
// some clients send by default) are no body. Malformed JSON is a 400, as
// everywhere; any other JSON a 422.
func refuseBody(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	if op.Method != http.MethodPost || op.RequestBody != nil || op.Metadata[scopeMetadata] == nil {
		next(ctx)
		return
	}
	b, _ := io.ReadAll(io.LimitReader(ctx.BodyReader(), maxIgnoredBody+1))
	switch b = bytes.TrimSpace(b); {
	case len(b) == 0, string(b) == "{}", string(b) == "null":
		next(ctx)
	case len(b) <= maxIgnoredBody && !json.Valid(b):
		writeHumaProblem(ctx, humaError(http.StatusBadRequest, "The request body is not valid JSON.",
			&huma.ErrorDetail{Location: "body", Message: "is not valid JSON; this operation takes no body"}).(*Problem))
	default:
		writeHumaProblem(ctx, humaError(http.StatusUnprocessableEntity, "This operation takes no request body.",
			&huma.ErrorDetail{Location: "body", Message: "must be empty: this operation takes no body"}).(*Problem))
	}
}
