package http

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// singleQueryValues refuses a query parameter given more than once when
// the operation takes one value of it (a tag, a page number): Huma would
// silently use the first, so ?tag=a&tag=b would list what carries a,
// whatever the caller meant. Repeatable parameters (status) are arrays
// in the operation's schema. It runs after authentication, so a request
// without a key learns nothing about parameters.
func singleQueryValues(ctx huma.Context, next func(huma.Context)) {
	u := ctx.URL()
	if !strings.Contains(u.RawQuery, "&") {
		next(ctx)
		return
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		// Huma reports a malformed query as it parses the parameters.
		next(ctx)
		return
	}
	var errs []error
	for _, p := range ctx.Operation().Parameters {
		if p.In != "query" || len(q[p.Name]) < 2 || (p.Schema != nil && p.Schema.Type == huma.TypeArray) {
			continue
		}
		errs = append(errs, &huma.ErrorDetail{Location: "query." + p.Name, Message: "may be given once", Value: q[p.Name]})
	}
	if errs != nil {
		writeHumaProblem(ctx, humaError(http.StatusUnprocessableEntity, "validation failed", errs...).(*Problem))
		return
	}
	next(ctx)
}
