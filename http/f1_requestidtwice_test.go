package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestF1TwoRequestIDs: a request with two X-Request-Id fields of
// different values has no one id to use: it gets a new one, as a request
// whose id is not sane does, answered in X-Request-Id and recorded in its
// history, rather than the first being used silently and the second
// dropped. The same id sent twice is that id.
func TestF1TwoRequestIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	ids := func(values ...string) reqOpt {
		return func(r *http.Request) {
			for _, v := range values {
				r.Header.Add("X-Request-Id", v)
			}
		}
	}
	for _, tc := range []struct {
		sent []string
		want string // "" for a new id
	}{
		{[]string{"client-1"}, "client-1"},
		{[]string{"client-1", "proxy-2"}, ""},
		{[]string{"proxy-2", "client-1"}, ""},
		{[]string{"same-3", "same-3"}, "same-3"},
		{[]string{"ok-4", "not sane"}, ""},
	} {
		r := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", customerInfo(nil), ids(tc.sent...)).expect(201)
		got := r.Header.Get("X-Request-Id")
		if tc.want != "" && got != tc.want || tc.want == "" && (!strings.HasPrefix(got, "req_") || len(r.Header.Values("X-Request-Id")) != 1) {
			t.Errorf("X-Request-Id %q sent: answered %q, want %q", tc.sent, r.Header.Values("X-Request-Id"), tc.want)
		}
		var h struct {
			Data []struct {
				RequestID string `json:"requestId"`
			} `json:"data"`
		}
		e.do("GET", "/v1/enrollments/"+r.obj()["id"].(string)+"/history", nil).expect(200).decode(&h)
		if len(h.Data) == 0 || h.Data[0].RequestID != got {
			t.Errorf("X-Request-Id %q sent: history %+v, want the answered id %q", tc.sent, h.Data, got)
		}
	}
}
