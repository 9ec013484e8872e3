package client

import (
	"context"
	"iter"
	"net/url"

	"github.com/enrollhq/enroll"
)

// LeadCreate is the body of CreateLead: any of the contact fields, at
// least one of them.
type LeadCreate struct {
	FirstName string          `json:"firstName,omitempty"`
	LastName  string          `json:"lastName,omitempty"`
	Email     string          `json:"email,omitempty"`
	Phone     string          `json:"phone,omitempty"`
	Address   *enroll.Address `json:"address,omitempty"`
	Metadata  map[string]any  `json:"metadata,omitempty"`
}

// LeadQuery selects leads in a list. An empty Email does not filter.
type LeadQuery struct {
	// Email keeps the leads with this email (case-insensitive).
	Email string
	// CustomerID keeps the leads that became this customer.
	CustomerID string
	ListOptions
}

func (q LeadQuery) values() url.Values {
	v := q.ListOptions.values()
	setIf(v, "email", q.Email)
	setIf(v, "customerId", q.CustomerID)
	return v
}

// CreateLead creates a lead and returns it as stored.
func (c *Client) CreateLead(ctx context.Context, in *LeadCreate) (*enroll.Lead, error) {
	out, _, err := c.CreateLeadETag(ctx, in)
	return out, err
}

// CreateLeadETag is CreateLead that also returns the lead's ETag, for the
// ifMatch of its first update or delete without reading it again.
func (c *Client) CreateLeadETag(ctx context.Context, in *LeadCreate) (*enroll.Lead, string, error) {
	return postETag[enroll.Lead](c, ctx, "/v1/leads", in)
}

// GetLead returns a lead.
func (c *Client) GetLead(ctx context.Context, id string) (*enroll.Lead, error) {
	l, _, err := c.GetLeadETag(ctx, id)
	return l, err
}

// GetLeadETag returns a lead and its ETag, for the ifMatch of UpdateLead
// and DeleteLead.
func (c *Client) GetLeadETag(ctx context.Context, id string) (*enroll.Lead, string, error) {
	return getETag[enroll.Lead](c, ctx, "/v1/leads/"+esc(id))
}

// ListLeads returns a page of leads.
func (c *Client) ListLeads(ctx context.Context, q LeadQuery) (*enroll.Page[*enroll.Lead], error) {
	return get[enroll.Page[*enroll.Lead]](c, ctx, "/v1/leads", q.values())
}

// AllLeads returns every lead q selects, page after page, from the page q
// names on.
func (c *Client) AllLeads(ctx context.Context, q LeadQuery) iter.Seq2[*enroll.Lead, error] {
	return pages(q.ListOptions, func(o ListOptions) (*enroll.Page[*enroll.Lead], error) {
		q := q
		q.ListOptions = o
		return c.ListLeads(ctx, q)
	})
}

// UpdateLead applies a JSON merge patch to a lead. A non-empty ifMatch
// makes a stale ETag a 412.
func (c *Client) UpdateLead(ctx context.Context, id string, p any, ifMatch string) (*enroll.Lead, error) {
	out, _, err := c.UpdateLeadETag(ctx, id, p, ifMatch)
	return out, err
}

// UpdateLeadETag is UpdateLead that also returns the lead's new
// ETag, for the ifMatch of the next write without reading it again.
func (c *Client) UpdateLeadETag(ctx context.Context, id string, p any, ifMatch string) (*enroll.Lead, string, error) {
	return patchETag[enroll.Lead](c, ctx, "/v1/leads/"+esc(id), p, ifMatch)
}

// DeleteLead deletes a lead without enrollments. A non-empty ifMatch
// makes a stale ETag a 412.
func (c *Client) DeleteLead(ctx context.Context, id, ifMatch string) error {
	return c.del(ctx, "/v1/leads/"+esc(id), ifMatch)
}
