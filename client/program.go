package client

import (
	"context"
	"iter"
	"net/url"
	"strconv"

	"github.com/enrollhq/enroll"
)

// ProgramQuery selects programs in a list.
type ProgramQuery struct {
	// Active, when set, keeps the programs whose active flag is *Active.
	Active *bool
	ListOptions
}

func (q ProgramQuery) values() url.Values {
	v := q.ListOptions.values()
	if q.Active != nil {
		v.Set("active", strconv.FormatBool(*q.Active))
	}
	return v
}

// AllPrograms returns every program q selects, page after page, from the
// page q names on.
func (c *Client) AllPrograms(ctx context.Context, q ProgramQuery) iter.Seq2[*enroll.Program, error] {
	return pages(q.ListOptions, func(o ListOptions) (*enroll.Page[*enroll.Program], error) {
		q := q
		q.ListOptions = o
		return c.ListPrograms(ctx, q)
	})
}
