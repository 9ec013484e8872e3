package http

import (
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// queryTimes reads the operation's date-time query parameters
// (createdAfter, ...) as a person types them into a URL, before Huma parses
// them with time.Parse, which takes neither form: in lower case
// ("2026-01-02t03:04:05z", which RFC 3339 §5.6 allows), and with the "+"
// of an offset left unencoded, which a query string reads as a space
// ("…05+02:00" arrives as "…05 02:00"). Such a value reaches Huma
// rewritten (queryTime); any other is left as it came, for Huma to refuse
// at its parameter (422 at query.createdAfter) and echo as sent.
func queryTimes(ctx huma.Context, next func(huma.Context)) {
	var fixed map[string]string
	for _, p := range ctx.Operation().Parameters {
		if p.In != "query" || p.Schema == nil || p.Schema.Format != "date-time" {
			continue
		}
		v := ctx.Query(p.Name)
		if t, ok := queryTime(v); ok && t != v {
			if fixed == nil {
				fixed = map[string]string{}
			}
			fixed[p.Name] = t
		}
	}
	if fixed == nil {
		next(ctx)
		return
	}
	next(&timeQuery{humaContext: ctx, fixed: fixed})
}

// queryTime returns the query value v as a date-time Huma takes, and
// whether v is one: in upper case, with the space before the offset read
// as the "+" it was when there is one. A space can stand for nothing else
// in an RFC 3339 date-time, whose only "+" is an offset's sign.
func queryTime(v string) (string, bool) {
	if _, upper, err := enroll.ParseTime(v); err == nil {
		return upper, true
	}
	if strings.Count(v, " ") == 1 {
		if _, upper, err := enroll.ParseTime(strings.Replace(v, " ", "+", 1)); err == nil {
			return upper, true
		}
	}
	return v, false
}

// humaContext names huma.Context for embedding: a field named Context
// would hide the interface's Context method.
type humaContext = huma.Context

// timeQuery is a Huma context whose date-time query parameters read as
// queryTimes rewrote them. Huma reads a parameter that is not an array
// through Query, so URL, like the request, is left as it came.
type timeQuery struct {
	humaContext
	fixed map[string]string // parameter name → its value as Huma is to parse it
}

// Query returns the named parameter's value, rewritten if queryTimes did.
func (c *timeQuery) Query(name string) string {
	if v, ok := c.fixed[name]; ok {
		return v
	}
	return c.humaContext.Query(name)
}

// Unwrap returns the context underneath, as huma.WithContext's does, so
// that responseWriter still finds the adapter's.
func (c *timeQuery) Unwrap() huma.Context { return c.humaContext }
