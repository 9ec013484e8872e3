package http

import (
	"context"

	"github.com/enrollhq/enroll"
)

// CustomerCreate is the body of POST /v1/customers.
type CustomerCreate struct {
	FirstName   string          `json:"firstName" minLength:"1" maxLength:"256"`
	LastName    string          `json:"lastName" minLength:"1" maxLength:"256"`
	Email       string          `json:"email" minLength:"1" maxLength:"256" doc:"Unique in the workspace (case-insensitive). An address mail relays take: ASCII, with a domain name that has a dot, not an IP address."`
	Phone       string          `json:"phone,omitempty" maxLength:"256" nullable:"true"`
	Address     *enroll.Address `json:"address,omitempty"`
	ReferenceID string          `json:"referenceId,omitempty" maxLength:"256" nullable:"true" doc:"Your own identifier for the customer."`
	Metadata    map[string]any  `json:"metadata,omitempty" nullable:"true"`
}

// CustomerPatch is the body of PATCH /v1/customers/{customerId}, a JSON
// merge patch.
type CustomerPatch struct {
	FirstName   *string        `json:"firstName,omitempty" minLength:"1" maxLength:"256"`
	LastName    *string        `json:"lastName,omitempty" minLength:"1" maxLength:"256"`
	Email       *string        `json:"email,omitempty" minLength:"1" maxLength:"256" doc:"A new email is an address mail relays take: ASCII, with a domain name that has a dot, not an IP address; the stored one may be sent back as read."`
	Phone       *string        `json:"phone,omitempty" maxLength:"256" nullable:"true"`
	Address     *AddressPatch  `json:"address,omitempty" doc:"Merged with the stored address; null removes it."`
	ReferenceID *string        `json:"referenceId,omitempty" maxLength:"256" nullable:"true"`
	Metadata    map[string]any `json:"metadata,omitempty" doc:"Merged with the stored metadata; a null member removes it, null all." nullable:"true"`
	ReadOnlyMembers
}

var customerPatchable = patchMembers{
	"firstName": false, "lastName": false, "email": false, "phone": true,
	"address": true, "referenceId": true, "metadata": true,
}

type createCustomerInput struct {
	Body CustomerCreate
}

type listCustomersInput struct {
	Email       string `query:"email" maxLength:"256" doc:"Keep the customer with this email (case-insensitive)."`
	ReferenceID string `query:"referenceId" maxLength:"256" doc:"Keep the customers with this referenceId (exact match)."`
	SortQuery
	ListQuery
}

type deleteCustomerInput struct {
	CustomerID string `path:"customerId" doc:"The customer's id."`
	IfMatchHeader
}

type customerIDInput struct {
	CustomerID string `path:"customerId" doc:"The customer's id."`
}

type updateCustomerInput struct {
	IfMatchHeader
	CustomerID string `path:"customerId" doc:"The customer's id."`
	Body       CustomerPatch
	RawBody    []byte `contentType:"application/merge-patch+json"`
}

type customerOutput struct {
	ETag string `header:"ETag" doc:"For If-Match on PATCH and DELETE."`
	Body *enroll.Customer
}

type customerCreatedOutput struct {
	ETag     string `header:"ETag" doc:"For If-Match on PATCH and DELETE."`
	Location string `header:"Location" doc:"The new customer's URL."`
	Body     *enroll.Customer
}

func (s *Server) createCustomer(ctx context.Context, in *createCustomerInput) (*customerCreatedOutput, error) {
	b := in.Body
	c := &enroll.Customer{FirstName: b.FirstName, LastName: b.LastName, Email: b.Email, Phone: b.Phone,
		Address: b.Address, ReferenceID: b.ReferenceID, Metadata: b.Metadata}
	if err := s.store.CreateCustomer(ctx, actorFrom(ctx), c); err != nil {
		return nil, err
	}
	return &customerCreatedOutput{ETag: etagOf(c), Location: "/v1/customers/" + c.ID, Body: c}, nil
}

func (s *Server) listCustomers(ctx context.Context, in *listCustomersInput) (*bodyPage[*enroll.Customer], error) {
	f := enroll.CustomerFilter{Email: in.Email, ReferenceID: in.ReferenceID, ListParams: in.params(in.Sort)}
	page, err := s.store.ListCustomers(ctx, workspaceFrom(ctx), f)
	if err != nil {
		return nil, err
	}
	return &bodyPage[*enroll.Customer]{Body: page}, nil
}

func (s *Server) getCustomer(ctx context.Context, in *customerIDInput) (*customerOutput, error) {
	if !enroll.ValidID(in.CustomerID) {
		return nil, notFound("Customer", in.CustomerID)
	}
	c, err := s.store.FindCustomer(ctx, workspaceFrom(ctx), in.CustomerID)
	if err != nil {
		return nil, err
	}
	return &customerOutput{ETag: etagOf(c), Body: c}, nil
}

func (s *Server) updateCustomer(ctx context.Context, in *updateCustomerInput) (*customerOutput, error) {
	if !enroll.ValidID(in.CustomerID) {
		return nil, notFound("Customer", in.CustomerID)
	}
	patch, err := parsePatch(in.RawBody)
	if err != nil {
		return nil, err
	}
	c, err := s.store.UpdateCustomer(ctx, actorFrom(ctx), in.CustomerID, func(c *enroll.Customer) error {
		if err := checkIfMatch(in.IfMatch, etagOf(c)); err != nil {
			return err
		}
		return applyPatch(c, patch, customerPatchable)
	})
	if err != nil {
		return nil, err
	}
	return &customerOutput{ETag: etagOf(c), Body: c}, nil
}

func (s *Server) deleteCustomer(ctx context.Context, in *deleteCustomerInput) (*struct{}, error) {
	if !enroll.ValidID(in.CustomerID) {
		return nil, notFound("Customer", in.CustomerID)
	}
	if err := s.store.DeleteCustomer(ctx, actorFrom(ctx), in.CustomerID, ifMatch[enroll.Customer](in.IfMatch)); err != nil {
		return nil, err
	}
	return nil, nil
}
