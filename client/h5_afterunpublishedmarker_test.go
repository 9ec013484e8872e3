package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/enrollhq/enroll/client"
)

// TestH5AfterUnpublishedMarker: IsTransient tells the 422 of an after=
// naming an event not yet published by the problem's "after":
// "unpublished" member, which does not change with the words of a
// message, and still by the field error's message alone, as servers
// before the member answer it. Another 422 at query.after is not
// transient.
func TestH5AfterUnpublishedMarker(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, body string
		transient  bool
	}{
		{"the member", `{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"after: reworded.",` +
			`"errors":[{"location":"query.after","message":"reworded"}],"after":"unpublished"}`, true},
		{"the message, from an older server", `{"type":"about:blank","title":"Unprocessable Entity","status":422,` +
			`"errors":[{"location":"query.after","message":"not yet published"}]}`, true},
		{"no event", `{"type":"about:blank","title":"Unprocessable Entity","status":422,` +
			`"errors":[{"location":"query.after","message":"names no event"}]}`, false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(c.body))
		}))
		_, err := client.New(srv.URL, "sk_test").ListEvents(context.Background(), client.EventQuery{After: "evt_x"})
		srv.Close()
		if !client.IsStatus(err, http.StatusUnprocessableEntity) || client.IsTransient(err) != c.transient {
			t.Errorf("%s: %v; IsTransient %v, want %v", c.name, err, client.IsTransient(err), c.transient)
		}
	}
}
