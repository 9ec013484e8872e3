package http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	enrollhttp "github.com/enrollhq/enroll/http"
)

type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestZZChunked(t *testing.T) {
	e := newEnvWith(t, func(c *enrollhttp.Config) {
		c.Store = &slowCreates{testStore: c.Store.(testStore), delay: 5500 * time.Millisecond}
	})
	inst := e.manualInstance()
	b, _ := json.Marshal(customerInfo(nil))
	req, _ := http.NewRequest("POST", e.url+"/v1/programInstances/"+inst+"/enrollments", onlyReader{strings.NewReader(string(b))})
	req.Header.Set("Authorization", "Bearer "+e.secret)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	t.Log(res.StatusCode, time.Since(start), req.TransferEncoding, string(body)[:80])
}
