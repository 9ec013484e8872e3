package http

import (
	"mime"
	"net/http"
	"strings"
)

// checkBodyEncoding refuses, with 415, a request body the service would
// misread: one compressed (Content-Encoding), whose bytes would be parsed
// as JSON or CSV, or a JSON Patch or any other type ending in +json, which
// Huma would take for a JSON body (a merge patch is one, for a PATCH). It also writes the media type of
// Content-Type in lower case, as media types are case-insensitive
// (RFC 9110) and Huma matches them exactly.
func checkBodyEncoding(r *http.Request) *Problem {
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") && r.ContentLength != 0 {
		return newProblem(http.StatusUnsupportedMediaType, "Content-Encoding "+ce+" is not supported: send the body uncompressed.")
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil // Huma answers a malformed Content-Type
	}
	switch {
	case mt == "application/json-patch+json":
		return newProblem(http.StatusUnsupportedMediaType,
			"JSON Patch is not supported: send a JSON merge patch (application/merge-patch+json) or the members to change (application/json).")
	case strings.HasSuffix(mt, "+json") && !(r.Method == http.MethodPatch && mt == "application/merge-patch+json"):
		// Huma reads any +json type as JSON; a body of another one is not
		// what its sender meant by this request.
		return newProblem(http.StatusUnsupportedMediaType, "Content-Type "+mt+" is not supported here: send application/json.")
	}
	if strings.ContainsAny(ct, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		if f := mime.FormatMediaType(mt, params); f != "" {
			r.Header.Set("Content-Type", f)
		}
	}
	return nil
}
