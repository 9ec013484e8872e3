package client

import (
	"context"
	"iter"
	"net/url"

	"github.com/enrollhq/enroll"
)

// CustomerCreate is the body of CreateCustomer.
type CustomerCreate struct {
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	// Email is unique in the workspace, case-insensitive: a second
	// customer with it is a 409.
	Email   string          `json:"email"`
	Phone   string          `json:"phone,omitempty"`
	Address *enroll.Address `json:"address,omitempty"`
	// ReferenceID is your own identifier for the customer.
	ReferenceID string         `json:"referenceId,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
}

// CustomerQuery selects customers in a list. Empty fields do not filter.
type CustomerQuery struct {
	// Email keeps the customer with this email (case-insensitive).
	Email       string
	ReferenceID string
	ListOptions
}

func (q CustomerQuery) values() url.Values {
	v := q.ListOptions.values()
	setIf(v, "email", q.Email)
	setIf(v, "referenceId", q.ReferenceID)
	return v
}

// CreateCustomer creates a customer and returns it as stored.
func (c *Client) CreateCustomer(ctx context.Context, in *CustomerCreate) (*enroll.Customer, error) {
	out, _, err := c.CreateCustomerETag(ctx, in)
	return out, err
}

// CreateCustomerETag is CreateCustomer that also returns the customer's ETag, for the
// ifMatch of its first update or delete without reading it again.
func (c *Client) CreateCustomerETag(ctx context.Context, in *CustomerCreate) (*enroll.Customer, string, error) {
	return postETag[enroll.Customer](c, ctx, "/v1/customers", in)
}

// GetCustomer returns a customer.
func (c *Client) GetCustomer(ctx context.Context, id string) (*enroll.Customer, error) {
	cu, _, err := c.GetCustomerETag(ctx, id)
	return cu, err
}

// GetCustomerETag returns a customer and its ETag, for the ifMatch of
// UpdateCustomer and DeleteCustomer.
func (c *Client) GetCustomerETag(ctx context.Context, id string) (*enroll.Customer, string, error) {
	return getETag[enroll.Customer](c, ctx, "/v1/customers/"+esc(id))
}

// ListCustomers returns a page of customers.
func (c *Client) ListCustomers(ctx context.Context, q CustomerQuery) (*enroll.Page[*enroll.Customer], error) {
	return get[enroll.Page[*enroll.Customer]](c, ctx, "/v1/customers", q.values())
}

// AllCustomers returns every customer q selects, page after page, from
// the page q names on.
func (c *Client) AllCustomers(ctx context.Context, q CustomerQuery) iter.Seq2[*enroll.Customer, error] {
	return pages(q.ListOptions, func(o ListOptions) (*enroll.Page[*enroll.Customer], error) {
		q := q
		q.ListOptions = o
		return c.ListCustomers(ctx, q)
	})
}

// UpdateCustomer applies a JSON merge patch to a customer. Its
// enrollments keep their own copy of the names, email, phone and address.
// A non-empty ifMatch makes a stale ETag a 412.
func (c *Client) UpdateCustomer(ctx context.Context, id string, p any, ifMatch string) (*enroll.Customer, error) {
	out, _, err := c.UpdateCustomerETag(ctx, id, p, ifMatch)
	return out, err
}

// UpdateCustomerETag is UpdateCustomer that also returns the customer's new
// ETag, for the ifMatch of the next write without reading it again.
func (c *Client) UpdateCustomerETag(ctx context.Context, id string, p any, ifMatch string) (*enroll.Customer, string, error) {
	return patchETag[enroll.Customer](c, ctx, "/v1/customers/"+esc(id), p, ifMatch)
}

// DeleteCustomer deletes a customer without enrollments. A non-empty
// ifMatch makes a stale ETag a 412.
func (c *Client) DeleteCustomer(ctx context.Context, id, ifMatch string) error {
	return c.del(ctx, "/v1/customers/"+esc(id), ifMatch)
}
