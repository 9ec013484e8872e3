package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
)

// upload POSTs the CSV file at path to url and decodes the answer, which
// must have status code want, into v.
func upload(ctx context.Context, url, path string, size int64, h http.Header, want int, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, f)
	if err != nil {
		return err
	}
	req.ContentLength = size
	req.Header = h.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Content-Type", "text/csv")
	return do(req, want, v)
}

// getJSON GETs url and decodes its 200 answer into v.
func getJSON(ctx context.Context, url string, h http.Header, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header = h
	return do(req, http.StatusOK, v)
}

// do sends req and decodes an answer with status code want into v.
func do(req *http.Request, want int, v any) error {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 500))
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, res.Status, b)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	return nil
}
