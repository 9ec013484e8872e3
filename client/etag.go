package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// callETag sends r and decodes its JSON answer into a new T, with the
// answer's ETag for the If-Match of a later update or delete: a read's,
// or a conditional write's, whose answer holds the resource as written.
func callETag[T any](c *Client, ctx context.Context, r request) (*T, string, error) {
	res, err := c.do(ctx, r)
	if err != nil {
		return nil, "", err
	}
	defer closeBody(res.Body)
	out := new(T)
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return nil, "", fmt.Errorf("enroll: %s %s: decode answer: %w", r.method, r.path, err)
	}
	return out, res.Header.Get("ETag"), nil
}

// getETag fetches a JSON document into a new T, with the answer's ETag.
func getETag[T any](c *Client, ctx context.Context, path string) (*T, string, error) {
	return callETag[T](c, ctx, request{method: http.MethodGet, path: path})
}

// postETag sends a JSON body, a create's, and returns the resource the
// answer holds with its ETag.
func postETag[T any](c *Client, ctx context.Context, path string, body any) (*T, string, error) {
	return callETag[T](c, ctx, request{method: http.MethodPost, path: path, json: body})
}

// patchETag sends a JSON merge patch, conditional on ifMatch
// (ifMatchHeader), and returns the resource as written with its new ETag.
func patchETag[T any](c *Client, ctx context.Context, path string, body any, ifMatch string) (*T, string, error) {
	h := ifMatchHeader(ifMatch)
	h.Set("Content-Type", "application/merge-patch+json")
	return callETag[T](c, ctx, request{method: http.MethodPatch, path: path, json: body, header: h})
}

// ifMatchHeader returns the headers of a write conditional on ifMatch, an
// ETag from a Get...ETag method, or from the ...ETag form of the last
// write (or "*"): the server answers 412, a *Problem, and changes nothing
// when the resource has changed since. An empty ifMatch sends none, and
// the write is unconditional.
func ifMatchHeader(ifMatch string) http.Header {
	h := http.Header{}
	if ifMatch != "" {
		h.Set("If-Match", ifMatch)
	}
	return h
}
