package http

import (
	"context"

	"github.com/enrollhq/enroll"
)

// LeadCreate is the body of POST /v1/leads: any of the contact fields, at
// least one of them with a value other than white space.
type LeadCreate struct {
	FirstName string          `json:"firstName,omitempty" maxLength:"256" nullable:"true"`
	LastName  string          `json:"lastName,omitempty" maxLength:"256" nullable:"true"`
	Email     string          `json:"email,omitempty" maxLength:"256" nullable:"true" doc:"An address mail relays take: ASCII, with a domain name that has a dot, not an IP address."`
	Phone     string          `json:"phone,omitempty" maxLength:"256" nullable:"true"`
	Address   *enroll.Address `json:"address,omitempty"`
	Metadata  map[string]any  `json:"metadata,omitempty" nullable:"true"`
}

// LeadPatch is the body of PATCH /v1/leads/{leadId}, a JSON merge patch.
type LeadPatch struct {
	FirstName *string        `json:"firstName,omitempty" maxLength:"256" nullable:"true"`
	LastName  *string        `json:"lastName,omitempty" maxLength:"256" nullable:"true"`
	Email     *string        `json:"email,omitempty" maxLength:"256" nullable:"true" doc:"A new email is an address mail relays take: ASCII, with a domain name that has a dot, not an IP address; the stored one may be sent back as read."`
	Phone     *string        `json:"phone,omitempty" maxLength:"256" nullable:"true"`
	Address   *AddressPatch  `json:"address,omitempty" doc:"Merged with the stored address; null removes it."`
	Metadata  map[string]any `json:"metadata,omitempty" doc:"Merged with the stored metadata; a null member removes it, null all." nullable:"true"`
	ReadOnlyMembers
}

var leadPatchable = patchMembers{
	"firstName": true, "lastName": true, "email": true, "phone": true, "address": true, "metadata": true,
}

type createLeadInput struct {
	Body LeadCreate
}

type listLeadsInput struct {
	Email      string `query:"email" maxLength:"256" doc:"Keep leads with this email (case-insensitive)."`
	CustomerID string `query:"customerId" maxLength:"64" doc:"Keep the leads that became this customer (customerId): those a DELETE of the customer waits for."`
	SortQuery
	ListQuery
}

type deleteLeadInput struct {
	LeadID string `path:"leadId" doc:"The lead's id."`
	IfMatchHeader
}

type leadIDInput struct {
	LeadID string `path:"leadId" doc:"The lead's id."`
}

type updateLeadInput struct {
	IfMatchHeader
	LeadID  string `path:"leadId" doc:"The lead's id."`
	Body    LeadPatch
	RawBody []byte `contentType:"application/merge-patch+json"`
}

type leadOutput struct {
	ETag string `header:"ETag" doc:"For If-Match on PATCH and DELETE."`
	Body *enroll.Lead
}

type leadCreatedOutput struct {
	ETag     string `header:"ETag" doc:"For If-Match on PATCH and DELETE."`
	Location string `header:"Location" doc:"The new lead's URL."`
	Body     *enroll.Lead
}

func (s *Server) createLead(ctx context.Context, in *createLeadInput) (*leadCreatedOutput, error) {
	b := in.Body
	l := &enroll.Lead{FirstName: b.FirstName, LastName: b.LastName, Email: b.Email, Phone: b.Phone,
		Address: b.Address, Metadata: b.Metadata}
	if err := s.store.CreateLead(ctx, actorFrom(ctx), l); err != nil {
		return nil, err
	}
	return &leadCreatedOutput{ETag: etagOf(l), Location: "/v1/leads/" + l.ID, Body: l}, nil
}

func (s *Server) listLeads(ctx context.Context, in *listLeadsInput) (*bodyPage[*enroll.Lead], error) {
	f := enroll.LeadFilter{Email: in.Email, CustomerID: in.CustomerID, ListParams: in.params(in.Sort)}
	page, err := s.store.ListLeads(ctx, workspaceFrom(ctx), f)
	if err != nil {
		return nil, err
	}
	return &bodyPage[*enroll.Lead]{Body: page}, nil
}

func (s *Server) getLead(ctx context.Context, in *leadIDInput) (*leadOutput, error) {
	if !enroll.ValidID(in.LeadID) {
		return nil, notFound("Lead", in.LeadID)
	}
	l, err := s.store.FindLead(ctx, workspaceFrom(ctx), in.LeadID)
	if err != nil {
		return nil, err
	}
	return &leadOutput{ETag: etagOf(l), Body: l}, nil
}

func (s *Server) updateLead(ctx context.Context, in *updateLeadInput) (*leadOutput, error) {
	if !enroll.ValidID(in.LeadID) {
		return nil, notFound("Lead", in.LeadID)
	}
	patch, err := parsePatch(in.RawBody)
	if err != nil {
		return nil, err
	}
	l, err := s.store.UpdateLead(ctx, actorFrom(ctx), in.LeadID, func(l *enroll.Lead) error {
		if err := checkIfMatch(in.IfMatch, etagOf(l)); err != nil {
			return err
		}
		return applyPatch(l, patch, leadPatchable)
	})
	if err != nil {
		return nil, err
	}
	return &leadOutput{ETag: etagOf(l), Body: l}, nil
}

func (s *Server) deleteLead(ctx context.Context, in *deleteLeadInput) (*struct{}, error) {
	if !enroll.ValidID(in.LeadID) {
		return nil, notFound("Lead", in.LeadID)
	}
	if err := s.store.DeleteLead(ctx, actorFrom(ctx), in.LeadID, ifMatch[enroll.Lead](in.IfMatch)); err != nil {
		return nil, err
	}
	return nil, nil
}
