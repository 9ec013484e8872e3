package http_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestExportReleasesSnapshot: each export reads in a snapshot that holds
// one of a bounded number of slots (a store's pool connection); every
// export, finished or cut off by its client, gives its slot back, so that
// exports one after another never wait for one that has ended.
func TestExportReleasesSnapshot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	for range 3 {
		e.enrollIn(inst, customerInfo(nil))
	}
	get := func(ctx context.Context) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", e.url+"/v1/programInstances/"+inst+"/enrollments", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+e.secret)
		req.Header.Set("Accept", "text/csv")
		return http.DefaultClient.Do(req)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 12 {
		res, err := get(ctx)
		if err != nil {
			t.Fatalf("export %d: %v (a slot not given back?)", i, err)
		}
		if i%2 == 1 {
			// Cut off by its client before reading it.
			res.Body.Close()
			continue
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 || strings.Count(string(b), "\n") != 4 {
			t.Fatalf("export %d: %d %v\n%s", i, res.StatusCode, err, b)
		}
	}
}
