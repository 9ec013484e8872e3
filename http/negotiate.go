package http

import (
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// Content negotiation of the routes that answer JSON or CSV (the
// enrollment lists, an import's errors), by RFC 9110 §12.5.1.

// offer is a representation a route can answer, as Accept matches it.
type offer struct {
	typ, subtype string
	// params are the media type parameters the representation has: a
	// media range that names another is not for it.
	params map[string]string
}

var (
	jsonOffer = offer{"application", "json", map[string]string{"charset": "utf-8"}}
	csvOffer  = offer{"text", "csv", map[string]string{"charset": "utf-8", "header": "present"}}
)

// acceptHeader returns every Accept field line of a request: a list
// field may be sent as several lines, which mean their values joined.
func acceptHeader(ctx huma.Context) []string {
	var out []string
	ctx.EachHeader(func(name, value string) {
		if strings.EqualFold(name, "Accept") {
			out = append(out, value)
		}
	})
	return out
}

// wantsCSV reports whether the Accept field lines prefer CSV to JSON.
// Each representation gets the quality of the most specific media range
// that matches it (text/csv;charset=utf-8 over text/csv over text/* over
// */*): text/* asks for CSV, application/* for JSON. JSON wins a tie, and
// also when neither is acceptable (no range matches, or only with q=0):
// the header is then disregarded, as RFC 9110 allows and as every other
// route of the API does (Accept: image/png answers JSON, not 406). No
// Accept at all accepts anything, so JSON.
func wantsCSV(accept []string) bool {
	if len(accept) == 0 {
		return false
	}
	ranges := parseAccept(accept)
	return csvOffer.quality(ranges) > max(jsonOffer.quality(ranges), 0)
}

// mediaRange is one element of Accept.
type mediaRange struct {
	typ, subtype string
	params       map[string]string
	q            float64
}

// parseAccept reads the media ranges of Accept field lines, leaving out
// the elements it cannot read (a malformed one, a quality out of range)
// rather than refusing the request.
func parseAccept(lines []string) []mediaRange {
	var out []mediaRange
	for _, line := range lines {
		for _, elem := range splitUnquoted(line, ',') {
			if r, ok := parseMediaRange(elem); ok {
				out = append(out, r)
			}
		}
	}
	return out
}

// parseMediaRange reads one element of Accept: type/subtype, its
// parameters, then an optional weight (q) and accept extensions, which
// follow the weight and are ignored.
func parseMediaRange(elem string) (mediaRange, bool) {
	parts := splitUnquoted(elem, ';')
	mt := strings.ToLower(strings.TrimSpace(parts[0]))
	if mt == "" {
		return mediaRange{}, false
	}
	if mt == "*" {
		// Some old clients send a bare "*" for */*.
		mt = "*/*"
	}
	typ, subtype, ok := strings.Cut(mt, "/")
	if !ok || typ == "" || subtype == "" || (typ == "*" && subtype != "*") {
		return mediaRange{}, false
	}
	r := mediaRange{typ: typ, subtype: subtype, q: 1}
	for _, p := range parts[1:] {
		name, value, ok := strings.Cut(p, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" {
			return mediaRange{}, false
		}
		value = strings.TrimSpace(value)
		if uq, err := strconv.Unquote(value); err == nil && strings.HasPrefix(value, `"`) {
			value = uq
		}
		if name == "q" {
			// Read leniently (".5" too, which some clients send), but only
			// within 0–1.
			q, err := strconv.ParseFloat(value, 64)
			if err != nil || !(q >= 0 && q <= 1) {
				return mediaRange{}, false
			}
			r.q = q
			break
		}
		if r.params == nil {
			r.params = map[string]string{}
		}
		r.params[name] = value
	}
	return r, true
}

// quality returns o's quality under ranges: that of the most specific
// range matching it, or -1 when none does (not acceptable, like q=0).
func (o offer) quality(ranges []mediaRange) float64 {
	q, best := -1.0, -1
	for _, r := range ranges {
		spec := r.specificity(o)
		if spec > best {
			q, best = r.q, spec
		}
	}
	return q
}

// specificity ranks how closely r names o (higher is more specific),
// or -1 when r does not match o.
func (r mediaRange) specificity(o offer) int {
	for name, value := range r.params {
		// Charset and header values are case-insensitive tokens.
		if have, ok := o.params[name]; !ok || !strings.EqualFold(have, value) {
			return -1
		}
	}
	switch {
	case r.typ == "*":
		return 0
	case r.typ != o.typ:
		return -1
	case r.subtype == "*":
		return 1
	case r.subtype != o.subtype:
		return -1
	}
	return 2 + len(r.params)
}

// splitUnquoted splits s at each sep outside a quoted string.
func splitUnquoted(s string, sep byte) []string {
	var out []string
	quoted, escaped, start := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
