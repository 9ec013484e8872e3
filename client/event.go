package client

import (
	"context"
	"iter"
	"net/url"

	"github.com/enrollhq/enroll"
)

// EventQuery selects events in a list. Empty fields do not filter.
type EventQuery struct {
	// Types keeps the events of these types.
	Types []enroll.EventType
	// EnrollmentID keeps the events about this enrollment.
	EnrollmentID string
	// After, an event id, lists the events published after it, oldest
	// first, for a consumer that polls: pass the last id received. Such
	// a list has no page token, and refuses Page and PageToken (422).
	After string
	// ListOptions pages the list; events have one order, so Sort is
	// refused (422).
	ListOptions
}

func (q EventQuery) values() url.Values {
	v := q.ListOptions.values()
	for _, t := range q.Types {
		v.Add("type", string(t))
	}
	setIf(v, "enrollmentId", q.EnrollmentID)
	setIf(v, "after", q.After)
	return v
}

// ListEvents returns a page of events, newest first, or with q.After the
// oldest published after it.
func (c *Client) ListEvents(ctx context.Context, q EventQuery) (*enroll.Page[*enroll.Event], error) {
	return get[enroll.Page[*enroll.Event]](c, ctx, "/v1/events", q.values())
}

// AllEvents returns every event q selects: newest first page after page,
// or with q.After every event published after it, oldest first, each
// request going on after the last event received, until a page holds
// the rest of the backlog.
func (c *Client) AllEvents(ctx context.Context, q EventQuery) iter.Seq2[*enroll.Event, error] {
	if q.After == "" {
		return pages(q.ListOptions, func(o ListOptions) (*enroll.Page[*enroll.Event], error) {
			q := q
			q.ListOptions = o
			return c.ListEvents(ctx, q)
		})
	}
	return func(yield func(*enroll.Event, error) bool) {
		q := q
		if q.PerPage == 0 {
			q.PerPage = enroll.MaxPerPage
		}
		for {
			pg, err := c.ListEvents(ctx, q)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, e := range pg.Data {
				if !yield(e, nil) {
					return
				}
			}
			// totalItems counts the backlog after the cursor.
			if len(pg.Data) == 0 || pg.TotalItems <= len(pg.Data) {
				return
			}
			q.After = pg.Data[len(pg.Data)-1].ID
		}
	}
}

// GetEvent returns an event.
func (c *Client) GetEvent(ctx context.Context, id string) (*enroll.Event, error) {
	return get[enroll.Event](c, ctx, "/v1/events/"+esc(id), nil)
}
