package client

import (
	"context"
	"iter"
	"net/url"

	"github.com/enrollhq/enroll"
)

// InstanceQuery selects program instances in a list. Empty fields do not
// filter.
type InstanceQuery struct {
	// ProgramID keeps one program's instances (its id or slug); a program
	// that does not exist matches none. ListInstancesOfProgram names the
	// program in its path instead, and refuses this (422).
	ProgramID string
	// Statuses keeps the instances in any of these statuses.
	Statuses []enroll.InstanceStatus
	ListOptions
}

func (q InstanceQuery) values() url.Values {
	v := q.ListOptions.values()
	setIf(v, "programId", q.ProgramID)
	for _, s := range q.Statuses {
		v.Add("status", string(s))
	}
	return v
}

// ListInstancesOfProgram returns a page of the instances of the program
// named by id or slug: unlike ListInstances with q.ProgramID, a program
// that does not exist is a 404.
func (c *Client) ListInstancesOfProgram(ctx context.Context, program string, q InstanceQuery) (*enroll.Page[*enroll.ProgramInstance], error) {
	return get[enroll.Page[*enroll.ProgramInstance]](c, ctx, "/v1/programs/"+esc(program)+"/instances", q.values())
}

// AllInstances returns every program instance q selects, page after page,
// from the page q names on.
func (c *Client) AllInstances(ctx context.Context, q InstanceQuery) iter.Seq2[*enroll.ProgramInstance, error] {
	return pages(q.ListOptions, func(o ListOptions) (*enroll.Page[*enroll.ProgramInstance], error) {
		q := q
		q.ListOptions = o
		return c.ListInstances(ctx, q)
	})
}

// AllInstancesOfProgram returns every instance of a program q selects, as
// ListInstancesOfProgram, page after page.
func (c *Client) AllInstancesOfProgram(ctx context.Context, program string, q InstanceQuery) iter.Seq2[*enroll.ProgramInstance, error] {
	return pages(q.ListOptions, func(o ListOptions) (*enroll.Page[*enroll.ProgramInstance], error) {
		q := q
		q.ListOptions = o
		return c.ListInstancesOfProgram(ctx, program, q)
	})
}
