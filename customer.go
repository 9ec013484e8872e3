package enroll

import (
	"fmt"
	"strings"
	"time"
)

// Customer is a known participant. Email is unique per workspace; enrolling
// with customerInfo whose email matches reuses the customer.
type Customer struct {
	ID          string         `json:"id"`
	WorkspaceID string         `json:"-"`
	FirstName   string         `json:"firstName"`
	LastName    string         `json:"lastName"`
	Email       string         `json:"email"`
	Phone       string         `json:"phone" nullable:"true"`
	Address     *Address       `json:"address"`
	ReferenceID string         `json:"referenceId" nullable:"true"`
	Metadata    map[string]any `json:"metadata"`
	CreatedAt   time.Time      `json:"createdAt"`
	UpdatedAt   time.Time      `json:"updatedAt"`
}

// Validate checks a new customer's fields and fills empty collections.
func (c *Customer) Validate() error { return c.validate("") }

// ValidateChange checks c, an update of old, as Validate does, except that
// an email left as old holds it is checked only as emails were before
// mail relays' rules (checkEmail): a customer stored with one stays
// savable as read.
func (c *Customer) ValidateChange(old *Customer) error { return c.validate(old.Email) }

// validate is Validate for a customer whose email is kept when it is
// stored (see checkEmail).
func (c *Customer) validate(stored string) error {
	var v Invalid
	c.Normalize()
	checkName(&v, "firstName", c.FirstName, true)
	checkName(&v, "lastName", c.LastName, true)
	checkEmail(&v, "email", c.Email, true, stored)
	checkName(&v, "phone", c.Phone, false)
	checkName(&v, "referenceId", c.ReferenceID, false)
	c.Address.validate(&v, "address")
	checkObjectMetadata(&v, c.Metadata)
	return v.Err()
}

// Normalize gives c the shape every stored customer has, as Validate does:
// metadata {}, never null, no empty address, and names without white
// space around them (see Enrollment.Normalize).
func (c *Customer) Normalize() {
	trimNames(&c.FirstName, &c.LastName)
	if c.Metadata == nil {
		c.Metadata = map[string]any{}
	}
	if c.Address.IsZero() {
		c.Address = nil
	}
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
	FirstName   string         `json:"firstName" nullable:"true"`
	LastName    string         `json:"lastName" nullable:"true"`
	Email       string         `json:"email" nullable:"true"`
	Phone       string         `json:"phone" nullable:"true"`
	Address     *Address       `json:"address"`
	CustomerID  string         `json:"customerId" nullable:"true" doc:"The customer the lead became, once enrolled with enough data."`
	Metadata    map[string]any `json:"metadata"`
	CreatedAt   time.Time      `json:"createdAt"`
	UpdatedAt   time.Time      `json:"updatedAt"`
}

// Validate checks a new lead's fields: at least one contact field with a
// value is needed, and white space is none (blank).
func (l *Lead) Validate() error { return l.validate("", false) }

// ValidateChange checks l, an update of old, as Validate does, except
// that an email left as old holds it is checked as a customer's is
// (Customer.ValidateChange), and that a lead stored blank before blanks
// were refused (old.blank) stays savable while it holds some text: only
// a change that empties a lead holding a value is refused.
func (l *Lead) ValidateChange(old *Lead) error { return l.validate(old.Email, old.blank()) }

// validate is Validate for a lead whose email is kept when it is stored
// (see checkEmail); storedBlank says that it is stored blank, so that
// only fields all empty, not all blank, are refused.
func (l *Lead) validate(stored string, storedBlank bool) error {
	var v Invalid
	trimNames(&l.FirstName, &l.LastName)
	checkName(&v, "firstName", l.FirstName, false)
	checkName(&v, "lastName", l.LastName, false)
	checkEmail(&v, "email", l.Email, false, stored)
	checkName(&v, "phone", l.Phone, false)
	l.Address.validate(&v, "address")
	checkObjectMetadata(&v, l.Metadata)
	if l.Address.IsZero() {
		l.Address = nil
	}
	if l.FirstName == "" && l.LastName == "" && l.Email == "" && l.Phone == "" && l.Address == nil ||
		!storedBlank && l.blank() {
		v.Add("", "a lead needs at least one of firstName, lastName, email, phone, address with a value other than white space", nil)
	}
	if l.Metadata == nil {
		l.Metadata = map[string]any{}
	}
	return v.Err()
}

// blank reports whether l holds no contact field with a value other than
// white space: such a lead describes nobody (names are trimmed, and a
// blank email is refused, but a phone or an address member is stored as
// written).
func (l *Lead) blank() bool {
	for _, s := range []string{l.FirstName, l.LastName, l.Email, l.Phone} {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return l.Address.blank()
}

// LeadFilter selects leads in a list.
type LeadFilter struct {
	// Email, when set, keeps leads with this email (case-insensitive).
	Email string
	// CustomerID, when set, keeps the leads that became this customer.
	CustomerID string
	ListParams
}

// Hash is the filter's hash, which its page tokens are bound to: that of
// its email alone when it names no customer, as before there was one, so
// that tokens issued then still serve.
func (f LeadFilter) Hash() uint64 {
	if f.CustomerID == "" {
		return HashFilter(f.Email)
	}
	return HashFilter([2]string{f.Email, f.CustomerID})
}

// AppendJSON appends the customer's representation to b, with null for
// a member without a value (nulljson.go), byte for byte as json.Marshal
// writes it: an import writes one per new row.
func (c *Customer) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, c.ID)
	b = appendJSONString(append(b, `,"firstName":`...), c.FirstName)
	b = appendJSONString(append(b, `,"lastName":`...), c.LastName)
	b = appendJSONString(append(b, `,"email":`...), c.Email)
	b = appendOptString(b, `,"phone":`, c.Phone)
	b = c.Address.appendJSON(append(b, `,"address":`...))
	b = appendOptString(b, `,"referenceId":`, c.ReferenceID)
	b, err := appendMarshal(b, `,"metadata":`, c.Metadata)
	if err == nil {
		b, err = appendTime(append(b, `,"createdAt":`...), c.CreatedAt)
	}
	if err == nil {
		b, err = appendTime(append(b, `,"updatedAt":`...), c.UpdatedAt)
	}
	if err != nil {
		return nil, fmt.Errorf("encoding customer %s: %w", c.ID, err)
	}
	return append(b, '}'), nil
}

// MarshalJSON writes the customer's representation (AppendJSON) without
// HTML escapes, as the API's encoder writes what it encodes itself.
func (c Customer) MarshalJSON() ([]byte, error) { return unescapedJSON(&c, 512) }

// MarshalJSON writes the lead's representation, with null for a member
// without a value (nulljson.go).
func (l Lead) MarshalJSON() ([]byte, error) {
	return marshalMembers(struct {
		ID         string         `json:"id"`
		FirstName  *string        `json:"firstName"`
		LastName   *string        `json:"lastName"`
		Email      *string        `json:"email"`
		Phone      *string        `json:"phone"`
		Address    *Address       `json:"address"`
		CustomerID *string        `json:"customerId"`
		Metadata   map[string]any `json:"metadata"`
		CreatedAt  time.Time      `json:"createdAt"`
		UpdatedAt  time.Time      `json:"updatedAt"`
	}{l.ID, orNull(l.FirstName), orNull(l.LastName), orNull(l.Email), orNull(l.Phone), l.Address, orNull(l.CustomerID), l.Metadata, l.CreatedAt, l.UpdatedAt})
}
