package http_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// fullStore refuses creates as a store whose database's disk is full
// does (sqlite.diskFull).
type fullStore struct {
	testStore
}

// CreateEnrollment fails as on a full disk.
func (s *fullStore) CreateEnrollment(ctx context.Context, a enroll.Actor, instanceID string, in *enroll.EnrollmentCreate) (*enroll.Enrollment, error) {
	return nil, fmt.Errorf("sqlite: commit: %w", errors.Join(enroll.Errorf(enroll.EINTERNAL, "The database's disk is full: free space on it."), enroll.ErrDiskFull))
}

// TestDiskFullAnswers503 checks that a write refused because the
// database's disk is full answers 503 with Retry-After, saying so, as a
// database that does not answer does: it was a 500 "Internal error.",
// which tells a client the request broke something and is not to be
// retried, when the same request succeeds once space is freed.
func TestDiskFullAnswers503(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(c *enrollhttp.Config) {
		c.Store = &fullStore{testStore: c.Store.(testStore)}
	})
	inst := e.createInstance(nil)
	r := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", customerInfo(nil), withHeader("Idempotency-Key", "full-1"))
	if r.Status != 503 || r.Header.Get("Retry-After") == "" || !strings.Contains(r.problem().Detail, "disk is full") {
		t.Errorf("a create on a full disk: %d, Retry-After %q, %q; want 503 with Retry-After, saying the disk is full",
			r.Status, r.Header.Get("Retry-After"), r.problem().Detail)
	}
}
