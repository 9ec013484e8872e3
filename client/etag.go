package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// getETag fetches a JSON document into a new T, with the answer's ETag
// for the If-Match of a later update or delete.
func getETag[T any](c *Client, ctx context.Context, path string) (*T, string, error) {
	res, err := c.do(ctx, request{method: http.MethodGet, path: path})
	if err != nil {
		return nil, "", err
	}
	defer closeBody(res.Body)
	out := new(T)
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return nil, "", fmt.Errorf("enroll: GET %s: decode answer: %w", path, err)
	}
	return out, res.Header.Get("ETag"), nil
}

// ifMatchHeader returns the headers of a write conditional on ifMatch, an
// ETag from a Get...ETag method (or "*"): the server answers 412, a
// *Problem, and changes nothing when the resource has changed since. An
// empty ifMatch sends none, and the write is unconditional.
func ifMatchHeader(ifMatch string) http.Header {
	h := http.Header{}
	if ifMatch != "" {
		h.Set("If-Match", ifMatch)
	}
	return h
}
