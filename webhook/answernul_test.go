package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestAnswerWithNULRecorded checks that an attempt whose answer's body
// holds a NUL is recorded, quoting the body without it, rather than
// refused by PostgreSQL's jsonb at every try: the delivery then stayed
// pending with no attempt shown, and was sent again at each lease's end.
func TestAnswerWithNULRecorded(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		r := &receiver{t: t}
		r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte("oops\x00bad"))
		}))
		t.Cleanup(r.srv.Close)
		w := newWorld(t, s, r, nil)
		w.enrollments(1)
		eventually(t, "an attempt recorded", func() bool {
			pg, err := s.ListWebhookDeliveries(context.Background(), w.a.WorkspaceID, w.ep.ID, enroll.DeliveryFilter{ListParams: enroll.ListParams{PerPage: 500}})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range pg.Data {
				for _, at := range d.Attempts {
					if strings.ContainsRune(at.Error, 0) || !strings.Contains(at.Error, "oops") {
						t.Fatalf("error = %q", at.Error)
					}
					return true
				}
			}
			return false
		})
	})
}
