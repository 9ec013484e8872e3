package http

import (
	"mime"
	"net/http"
	"strings"
)

// checkBodyEncoding refuses, with 415, a request body the service would
// misread: one compressed (Content-Encoding), whose bytes would be parsed
// as JSON or CSV, or a JSON Patch, which Huma would take for a JSON body
// since its type ends in +json. It also writes the media type of
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
	if r.Method == http.MethodPatch && mt == "application/json-patch+json" {
		return newProblem(http.StatusUnsupportedMediaType,
			"JSON Patch is not supported: send a JSON merge patch (application/merge-patch+json) or the members to change (application/json).")
	}
	if strings.ContainsAny(ct, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		if f := mime.FormatMediaType(mt, params); f != "" {
			r.Header.Set("Content-Type", f)
		}
	}
	return nil
}
