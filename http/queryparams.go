package http

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// checkQueryParameters refuses, on /v1 operations, a query parameter the
// operation does not take and one given more than once where the
// operation takes one value of it. Huma would ignore the first and use
// the first value of the second, so ?stauts=approved would list (or
// export) every enrollment and ?tag=a&tag=b what carries a, whatever the
// caller meant. Repeatable parameters (status) are arrays in the
// operation's schema. Pages outside /v1 (/unsubscribe, reached from
// email links that mail trackers add parameters to) keep taking any. It
// runs after authentication, so a request without a key learns nothing
// about parameters.
func checkQueryParameters(ctx huma.Context, next func(huma.Context)) {
	u := ctx.URL()
	if u.RawQuery == "" || !strings.HasPrefix(ctx.Operation().Path, "/v1/") {
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
	params := ctx.Operation().Parameters
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if !slices.ContainsFunc(params, func(p *huma.Param) bool { return p.In == "query" && p.Name == name }) {
			var value any = q[name]
			if len(q[name]) == 1 {
				value = q[name][0] // as sent, not a list of one
			}
			errs = append(errs, &huma.ErrorDetail{Location: "query." + name, Message: "is not a parameter of this operation", Value: value})
		}
	}
	for _, p := range params {
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
