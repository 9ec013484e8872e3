package enroll

import "time"

// Customer is a known participant. Email is unique per workspace; enrolling
// with customerInfo whose email matches reuses the customer.
type Customer struct {
	ID          string         `json:"id"`
	WorkspaceID string         `json:"-"`
	FirstName   string         `json:"firstName"`
	LastName    string         `json:"lastName"`
	Email       string         `json:"email"`
	Phone       string         `json:"phone,omitempty"`
	Address     *Address       `json:"address,omitempty"`
	ReferenceID string         `json:"referenceId,omitempty"`
	Metadata    map[string]any `json:"metadata"`
	CreatedAt   time.Time      `json:"createdAt"`
	UpdatedAt   time.Time      `json:"updatedAt"`
}

// Validate checks the customer's fields and fills empty collections.
func (c *Customer) Validate() error {
	var v Invalid
	checkName(&v, "firstName", c.FirstName, true)
	checkName(&v, "lastName", c.LastName, true)
	checkEmail(&v, "email", c.Email, true)
	checkName(&v, "phone", c.Phone, false)
	checkName(&v, "referenceId", c.ReferenceID, false)
	c.Address.validate(&v, "address")
	checkMetadata(&v, "metadata", c.Metadata)
	if c.Metadata == nil {
		c.Metadata = map[string]any{}
	}
	if c.Address.IsZero() {
		c.Address = nil
	}
	return v.Err()
}

// CustomerFilter selects customers in a list.
type CustomerFilter struct {
	// Email, when set, keeps the customer with this email (case-insensitive).
	Email string
	// ReferenceID, when set, keeps customers with this reference id.
	ReferenceID string
	ListParams
}

// Lead is a prospective participant known by any of its contact fields. It
// becomes a customer when enrolled with a first name, last name and email.
type Lead struct {
	ID          string         `json:"id"`
	WorkspaceID string         `json:"-"`
	FirstName   string         `json:"firstName,omitempty"`
	LastName    string         `json:"lastName,omitempty"`
	Email       string         `json:"email,omitempty"`
	Phone       string         `json:"phone,omitempty"`
	Address     *Address       `json:"address,omitempty"`
	CustomerID  string         `json:"customerId,omitempty" doc:"The customer the lead became, once enrolled with enough data."`
	Metadata    map[string]any `json:"metadata"`
	CreatedAt   time.Time      `json:"createdAt"`
	UpdatedAt   time.Time      `json:"updatedAt"`
}

// Validate checks the lead's fields: at least one contact field is needed.
func (l *Lead) Validate() error {
	var v Invalid
	checkName(&v, "firstName", l.FirstName, false)
	checkName(&v, "lastName", l.LastName, false)
	checkEmail(&v, "email", l.Email, false)
	checkName(&v, "phone", l.Phone, false)
	l.Address.validate(&v, "address")
	checkMetadata(&v, "metadata", l.Metadata)
	if l.Address.IsZero() {
		l.Address = nil
	}
	if l.FirstName == "" && l.LastName == "" && l.Email == "" && l.Phone == "" && l.Address == nil {
		v.Add("", "a lead needs at least one of firstName, lastName, email, phone, address", nil)
	}
	if l.Metadata == nil {
		l.Metadata = map[string]any{}
	}
	return v.Err()
}

// LeadFilter selects leads in a list.
type LeadFilter struct {
	// Email, when set, keeps leads with this email (case-insensitive).
	Email string
	ListParams
}
