package client

import (
	"context"
	"iter"

	"github.com/enrollhq/enroll"
)

// AllEnrollments returns every enrollment q selects, of one instance or of
// every instance the key sees when instanceID is "", page after page, from
// the page q names on.
func (c *Client) AllEnrollments(ctx context.Context, instanceID string, q EnrollmentQuery) iter.Seq2[*enroll.Enrollment, error] {
	return pages(q.ListOptions, func(o ListOptions) (*enroll.Page[*enroll.Enrollment], error) {
		q := q
		q.ListOptions = o
		return c.ListEnrollments(ctx, instanceID, q)
	})
}
