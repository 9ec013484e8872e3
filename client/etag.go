package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// getETag fetches a JSON document into a new T, with the answer's ETag
// for the If-Match of a later update.
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
