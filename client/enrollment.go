package client

import (
	"bytes"
	"context"
	"encoding/json"
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

// EnrollmentDetail is one enrollment as the API answers it alone
// (GetEnrollment, and each write answering one enrollment): the
// enrollment with its template, which lists leave out, since it costs the
// server a lookup per enrollment.
type EnrollmentDetail struct {
	*enroll.Enrollment
	// Template is the template of the enrollment's newest notification;
	// nil when none was made (always on create).
	Template *EnrollmentTemplate `json:"template"`
}

// EnrollmentTemplate names a notification template, as an enrollment's
// template member does.
type EnrollmentTemplate struct {
	ID string `json:"id"`
	// Href is the template's URL (/v1/notificationTemplates/{id}).
	Href string `json:"href"`
	// Name is the template's name, such as "Successful Activation".
	Name string `json:"name"`
}

// MarshalJSON writes the enrollment's representation with its template
// (null when nil), as the server answered it: the enrollment's own
// MarshalJSON, promoted, would leave the template out.
func (d EnrollmentDetail) MarshalJSON() ([]byte, error) {
	b := []byte("{}")
	if d.Enrollment != nil {
		var err error
		if b, err = d.Enrollment.MarshalJSON(); err != nil {
			return nil, err
		}
	}
	t, err := json.Marshal(d.Template)
	if err != nil {
		return nil, err
	}
	if b = bytes.TrimSuffix(b, []byte("}")); len(b) > 1 {
		b = append(b, ',')
	}
	return append(append(append(b, `"template":`...), t...), '}'), nil
}
