package enroll

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// IdentificationType says how a create request identifies the participant.
type IdentificationType string

// The four identification types of the seed.
const (
	// IdentifyByCustomerInfo creates or reuses (by email) a customer from the
	// request's firstName, lastName and email.
	IdentifyByCustomerInfo IdentificationType = "customerInfo"
	// IdentifyByCustomerID enrolls an existing customer.
	IdentifyByCustomerID IdentificationType = "customerId"
	// IdentifyByLeadID enrolls an existing lead.
	IdentifyByLeadID IdentificationType = "leadId"
	// IdentifyByEnrollmentID re-enrolls the participant of an existing
	// enrollment, copying its participant data.
	IdentifyByEnrollmentID IdentificationType = "enrollmentId"
)

// Valid reports whether t is one of the four types.
func (t IdentificationType) Valid() bool {
	switch t {
	case IdentifyByCustomerInfo, IdentifyByCustomerID, IdentifyByLeadID, IdentifyByEnrollmentID:
		return true
	}
	return false
}

// Enrollment connects a participant to a program instance and tracks the
// participant's eligibility and participation. Its JSON form is the seed's
// representation, every member present, null when unset (AppendJSON).
type Enrollment struct {
	ID                   string             `json:"id"`
	WorkspaceID          string             `json:"-"`
	IdentificationType   IdentificationType `json:"identificationType" enum:"customerInfo,customerId,leadId,enrollmentId"`
	ProgramInstanceID    string             `json:"programInstanceId"`
	LeadID               string             `json:"leadId" nullable:"true"`
	CustomerID           string             `json:"customerId" nullable:"true"`
	EnrollmentID         string             `json:"enrollmentId" nullable:"true" doc:"The enrollment this one re-enrolls."`
	FirstName            string             `json:"firstName" nullable:"true"`
	LastName             string             `json:"lastName" nullable:"true"`
	Email                string             `json:"email" nullable:"true"`
	Phone                string             `json:"phone" nullable:"true"`
	Address              *Address           `json:"address"`
	ManufacturerSlugs    []string           `json:"manufacturerSlugs"`
	SerialNumber         string             `json:"serialNumber" nullable:"true"`
	Devices              []Device           `json:"devices"`
	ReferenceID          string             `json:"referenceId" nullable:"true"`
	ReferenceDescription string             `json:"referenceDescription" nullable:"true"`
	Tags                 []string           `json:"tags"`
	Metadata             map[string]any     `json:"metadata"`
	Parameters           []ParameterValue   `json:"parameters"`
	GroupIDs             []string           `json:"groupIds"`
	Notes                string             `json:"notes" nullable:"true"`
	Assignee             string             `json:"assignee" nullable:"true"`
	EnrollmentStartDate  *time.Time         `json:"enrollmentStartDate" doc:"When participation starts; unless given, set at approval to the approval's time, whatever the instance's startDate."`
	EnrolledAt           *time.Time         `json:"enrolledAt" doc:"When the enrollment was first approved."`
	UnenrolledAt         *time.Time         `json:"unenrolledAt"`
	Eligibility          Eligibility        `json:"eligibility"`
	Evaluation           *Evaluation        `json:"evaluation" doc:"The last eligibility evaluation, with its trace."`
	CreatedAt            time.Time          `json:"createdAt"`
	UpdatedAt            time.Time          `json:"updatedAt"`
	// Version counts the enrollment's changes; the ETag is derived from it.
	Version int `json:"-"`
}

// Eligibility is the enrollment's place in the workflow.
type Eligibility struct {
	Status Status `json:"status" enum:"candidate,eligible,ineligible,submitted,needs_action,approved,rejected,paused,unenrolled"`
	// Reason is shown null when there is none; it is not required of a
	// PATCH that echoes the eligibility back, so a client that leaves nulls
	// out of what it sends can still send back what it read.
	Reason            string `json:"reason,omitempty" nullable:"true"`
	ProgramInstanceID string `json:"programInstanceId"`
}

// Device is a piece of equipment enrolled with the participant, as in the
// utility seed. Representations leave out the members it does not use;
// requests may leave them out or send null for them.
type Device struct {
	ID               string         `json:"id,omitempty" nullable:"true" maxLength:"256"`
	Type             string         `json:"type,omitempty" nullable:"true" maxLength:"256"`
	ManufacturerSlug string         `json:"manufacturerSlug,omitempty" nullable:"true" maxLength:"256"`
	ManufacturerName string         `json:"manufacturerName,omitempty" nullable:"true" maxLength:"256"`
	ProductName      string         `json:"productName,omitempty" nullable:"true" maxLength:"256"`
	SerialNumber     string         `json:"serialNumber,omitempty" nullable:"true" maxLength:"256"`
	InstallDate      *time.Time     `json:"installDate,omitempty" nullable:"true"`
	Attributes       map[string]any `json:"attributes,omitempty" nullable:"true"`
	Configuration    map[string]any `json:"configuration,omitempty" nullable:"true"`
}

// ParameterValue is an enrollment's value for a declared parameter, with the
// error found when it was validated.
type ParameterValue struct {
	ExternalID string          `json:"externalId" minLength:"1" maxLength:"100"`
	Value      any             `json:"value,omitempty"`
	Error      *ParameterError `json:"error,omitempty" readOnly:"true"`
}

// ParameterError says why a parameter value is not acceptable.
type ParameterError struct {
	ID      string `json:"id"`
	Message string `json:"message"`
}

// ETag returns the entity tag of the enrollment's current version.
func (e *Enrollment) ETag() string { return `"` + e.ID + "." + itoa(e.Version) + `"` }

// Clone returns a deep copy, so a change can be compared with the original.
func (e *Enrollment) Clone() *Enrollment {
	c, _ := e.cloneJSON()
	return c
}

// cloneJSON is Clone that also returns e's JSON form, which the clone is
// made from.
func (e *Enrollment) cloneJSON() (*Enrollment, []byte) {
	// Decode into a zero value: decoding into a copy would reuse its pointers.
	var c Enrollment
	b, _ := e.JSON()
	_ = json.Unmarshal(b, &c)
	c.WorkspaceID, c.Version = e.WorkspaceID, e.Version
	return &c, b
}

// Normalize gives e the shape every stored enrollment has, as Validate
// does: lists and maps [] and {}, never null, no empty address, and names
// without white space around them. It is
// for an enrollment that is not validated, such as a rules test's sample,
// which rules must see as they see a created one.
func (e *Enrollment) Normalize() { e.normalize() }

// normalize fills empty collections so JSON shows [] and {}, never null,
// and trims the names (trimNames).
func (e *Enrollment) normalize() {
	trimNames(&e.FirstName, &e.LastName)
	if e.ManufacturerSlugs == nil {
		e.ManufacturerSlugs = []string{}
	}
	if e.Devices == nil {
		e.Devices = []Device{}
	}
	if e.Tags == nil {
		e.Tags = []string{}
	}
	if e.Metadata == nil {
		e.Metadata = map[string]any{}
	}
	if e.Parameters == nil {
		e.Parameters = []ParameterValue{}
	}
	if e.GroupIDs == nil {
		e.GroupIDs = []string{}
	}
	if e.Address.IsZero() {
		e.Address = nil
	}
}

// Validate checks the enrollment's data fields against their limits and
// against the instance's declared groups and parameters, that its tags,
// manufacturer slugs and group ids each name an item once, and that its
// devices each hold a value and have distinct ids.
func (e *Enrollment) Validate(inst *ProgramInstance) error {
	return e.validate(inst, nil, nil, "")
}

// validate is Validate for an update of old. A group, or a parameter value,
// that old already held and the update leaves as it was is not refused
// when the instance has changed since (a group dropped, a choice's options
// narrowed): an enrollment must stay editable and reviewable. Such a value
// carries its parameter error instead, as the seed shows invalid values.
// Likewise a tags, manufacturerSlugs or groupIds list left as old holds
// it is not checked for repeats, which Validate refuses, nor a devices
// list left as kept (old's, or those a re-enrollment copies) for empty
// devices and repeated ids: an enrollment stored with one before those
// checks must stay editable too. An email equal to keptEmail (old's, or
// the participant's as stored) is checked as it was when stored
// (checkEmail).
func (e *Enrollment) validate(inst *ProgramInstance, old *Enrollment, kept []Device, keptEmail string) error {
	var v Invalid
	e.normalize()
	for i := range e.Parameters {
		// As in metadata (checkMetadata): PostgreSQL's jsonb keeps -0 as 0.
		e.Parameters[i].Value = withoutNegativeZero(e.Parameters[i].Value)
	}
	checkName(&v, "firstName", e.FirstName, false)
	checkName(&v, "lastName", e.LastName, false)
	checkEmail(&v, "email", e.Email, false, keptEmail)
	checkName(&v, "phone", e.Phone, false)
	e.Address.validate(&v, "address")
	checkList(&v, "manufacturerSlugs", e.ManufacturerSlugs, MaxNameLength)
	if old == nil || !slices.Equal(e.ManufacturerSlugs, old.ManufacturerSlugs) {
		checkRepeats(&v, "manufacturerSlugs", e.ManufacturerSlugs)
	}
	checkName(&v, "serialNumber", e.SerialNumber, false)
	if len(e.Devices) > MaxListItems {
		v.Add("devices", "must have at most 100 devices", nil)
	}
	for i, d := range e.Devices {
		l := loc("devices", i)
		for name, s := range map[string]string{"id": d.ID, "type": d.Type, "manufacturerSlug": d.ManufacturerSlug,
			"manufacturerName": d.ManufacturerName, "productName": d.ProductName, "serialNumber": d.SerialNumber} {
			checkName(&v, l+"."+name, s, false)
		}
		checkMetadata(&v, l+".attributes", d.Attributes)
		checkMetadata(&v, l+".configuration", d.Configuration)
		checkOffset(&v, l+".installDate", d.InstallDate)
	}
	checkOffset(&v, "enrollmentStartDate", e.EnrollmentStartDate)
	if !sameDevices(e.Devices, kept) {
		checkDevices(&v, e.Devices)
	}
	checkName(&v, "referenceId", e.ReferenceID, false)
	checkText(&v, "referenceDescription", e.ReferenceDescription)
	checkList(&v, "tags", e.Tags, MaxNameLength)
	if old == nil || !slices.Equal(e.Tags, old.Tags) {
		checkRepeats(&v, "tags", e.Tags)
	}
	checkObjectMetadata(&v, e.Metadata)
	checkText(&v, "notes", e.Notes)
	checkName(&v, "assignee", e.Assignee, false)
	if old == nil || e.Eligibility.Reason != old.Eligibility.Reason {
		// A reviewer's reason, through PATCH or the console (rules' reasons
		// are checked when the rules are saved).
		checkText(&v, "eligibilityReason", e.Eligibility.Reason)
	}
	if len(e.Parameters) > MaxListItems {
		v.Add("parameters", "must have at most 100 values", nil)
	}
	seen := map[string]bool{}
	for i, p := range e.Parameters {
		l := loc("parameters", i)
		checkName(&v, l+".externalId", p.ExternalID, true)
		if seen[p.ExternalID] {
			v.Add(l+".externalId", "must appear once", p.ExternalID)
		}
		seen[p.ExternalID] = true
		if b, _ := json.Marshal(p.Value); len(b) > MaxMetadataBytes {
			v.Add(l+".value", "is too large", nil)
		} else if hasNUL(p.Value) {
			v.Add(l+".value", "must not contain NUL characters", nil)
		} else if jsonDepth(p.Value) > MaxJSONDepth {
			v.Add(l+".value", "must nest at most "+itoa(MaxJSONDepth)+" levels of objects and lists", nil)
		}
	}
	checkList(&v, "groupIds", e.GroupIDs, MaxNameLength)
	if old == nil || !slices.Equal(e.GroupIDs, old.GroupIDs) {
		checkRepeats(&v, "groupIds", e.GroupIDs)
	}
	for i, g := range e.GroupIDs {
		if inst != nil && !inst.HasGroup(g) && (old == nil || !slices.Contains(old.GroupIDs, g)) {
			v.Add(loc("groupIds", i), "is not a group of program instance "+inst.ID, g)
		}
	}
	if inst != nil {
		e.checkParameters(&v, inst, old)
	}
	err := v.Err()
	if err != nil && len(e.ParameterProblems()) > 0 {
		// The marketplace seed's shape: each parameter with its error.
		err.(*Error).Extra = map[string]any{"parameters": e.Parameters}
	}
	return err
}

// checkDevices refuses a device that holds no value ({}, or members all
// empty), which describes nothing, and a device whose id another device
// of the list has, at the repeat, as the seed's devices are told apart by
// id. Ids compare exactly, as tags do; a device without one (known by its
// serial number, say) is not compared. A list over the length limit is
// refused whole and not checked device by device.
func checkDevices(v *Invalid, devices []Device) {
	if len(devices) > MaxListItems {
		return
	}
	for i, d := range devices {
		if d.empty() {
			v.Add(loc("devices", i), "is empty: a device needs a value, such as its id or serialNumber", nil)
			continue
		}
		if strings.TrimSpace(d.ID) == "" {
			continue
		}
		if slices.ContainsFunc(devices[:i], func(o Device) bool { return o.ID == d.ID }) {
			v.Add(loc("devices", i)+".id", "is listed twice", d.ID)
		}
	}
}

// empty reports whether d holds no value: every member absent, blank or {}.
func (d *Device) empty() bool {
	for _, s := range [...]string{d.ID, d.Type, d.ManufacturerSlug, d.ManufacturerName, d.ProductName, d.SerialNumber} {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return d.InstallDate == nil && len(d.Attributes) == 0 && len(d.Configuration) == 0
}

// sameDevices reports whether a and b are the same devices, as their JSON
// forms compare (the form they are stored and sent back in).
func sameDevices(a, b []Device) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return bytes.Equal(ab, bb)
}

// DuplicateEmail returns the normalized email by which an open enrollment
// makes in a duplicate: none for a customerId request, whose enrollment
// takes its customer's email whatever the request says (its customer is
// the key).
func (in *EnrollmentCreate) DuplicateEmail() string {
	if in.IdentificationType == IdentifyByCustomerID {
		return ""
	}
	return NormalizeEmail(in.Email)
}

// EnrollmentCreate is the input of a create request: the seed's input model.
// Which participant fields are required depends on IdentificationType.
type EnrollmentCreate struct {
	IdentificationType IdentificationType `json:"identificationType" enum:"customerInfo,customerId,leadId,enrollmentId" doc:"How the participant is identified."`
	CustomerID         string             `json:"customerId,omitempty" nullable:"true" doc:"Required with identificationType customerId. With another type it is not read, only checked to be an id: the participant is found as that type says, and the enrollment's customerId is the customer found. So an enrollment read back, or an export's row, which carries the customerId it got, can be sent again as it is."`
	LeadID             string             `json:"leadId,omitempty" nullable:"true" doc:"Required with identificationType leadId. With another type it is not read, only checked to be an id (see customerId)."`
	EnrollmentID       string             `json:"enrollmentId,omitempty" nullable:"true" doc:"Required with identificationType enrollmentId: the enrollment to re-enroll. With another type it is not read, only checked to be an id (see customerId)."`
	EligibilityStatus  Status             `json:"eligibilityStatus,omitempty" nullable:"true" enum:"candidate,submitted" default:"candidate" doc:"candidate (default), or submitted for self-enrollment, which passes through eligibility first."`
	EligibilityReason  string             `json:"eligibilityReason,omitempty" nullable:"true" maxLength:"4096"`
	Reenroll           *bool              `json:"reenroll,omitempty" nullable:"true" default:"true" doc:"Set false to refuse the request if the participant was ever enrolled in this instance."`

	FirstName            string           `json:"firstName,omitempty" nullable:"true" maxLength:"256" doc:"Required with customerInfo. With customerId the customer's is used."`
	LastName             string           `json:"lastName,omitempty" nullable:"true" maxLength:"256" doc:"Required with customerInfo. With customerId the customer's is used."`
	Email                string           `json:"email,omitempty" nullable:"true" maxLength:"256" doc:"Required with customerInfo. With customerId the customer's is used. An address mail relays take: ASCII, with a domain name that has a dot, not an IP address."`
	Phone                string           `json:"phone,omitempty" nullable:"true" maxLength:"256"`
	Address              *Address         `json:"address,omitempty"`
	ManufacturerSlugs    []string         `json:"manufacturerSlugs,omitempty" nullable:"true" maxItems:"100" maxLength:"256" doc:"Each slug once (compared exactly, case included); a repeat is a 422 at the repeat."`
	SerialNumber         string           `json:"serialNumber,omitempty" nullable:"true" maxLength:"256"`
	Devices              []Device         `json:"devices,omitempty" nullable:"true" maxItems:"100" doc:"Each device holds a value (an empty one is a 422 at the device), and no two have the same id (a repeat is a 422 at its id; devices without an id are not compared)."`
	ReferenceID          string           `json:"referenceId,omitempty" nullable:"true" maxLength:"256"`
	ReferenceDescription string           `json:"referenceDescription,omitempty" nullable:"true" maxLength:"4096"`
	Tags                 []string         `json:"tags,omitempty" nullable:"true" maxItems:"100" maxLength:"256" doc:"Each tag once (compared exactly, case included); a repeat is a 422 at the repeat."`
	Metadata             map[string]any   `json:"metadata,omitempty" nullable:"true"`
	Parameters           []ParameterValue `json:"parameters,omitempty" nullable:"true" maxItems:"100"`
	GroupIDs             []string         `json:"groupIds,omitempty" nullable:"true" maxItems:"100" maxLength:"256" doc:"Groups declared on the instance, each once; a repeat is a 422 at the repeat."`
	Notes                string           `json:"notes,omitempty" nullable:"true" maxLength:"4096"`
	Assignee             string           `json:"assignee,omitempty" nullable:"true" maxLength:"256"`
	EnrollmentStartDate  *time.Time       `json:"enrollmentStartDate,omitempty" nullable:"true" doc:"Scheduled start; kept at approval."`
}

// Validate checks the request's shape: the identification type and the
// fields it requires, and the requested initial status. It trims the
// names first (trimNames).
func (in *EnrollmentCreate) Validate() error {
	var v Invalid
	trimNames(&in.FirstName, &in.LastName)
	switch in.IdentificationType {
	case IdentifyByCustomerInfo:
		checkName(&v, "firstName", in.FirstName, true)
		checkName(&v, "lastName", in.LastName, true)
		checkEmail(&v, "email", in.Email, true, "")
	case IdentifyByCustomerID:
		if in.CustomerID == "" {
			v.Add("customerId", "is required with identificationType customerId", nil)
		}
	case IdentifyByLeadID:
		if in.LeadID == "" {
			v.Add("leadId", "is required with identificationType leadId", nil)
		}
	case IdentifyByEnrollmentID:
		if in.EnrollmentID == "" {
			v.Add("enrollmentId", "is required with identificationType enrollmentId", nil)
		}
	case "":
		v.Add("identificationType", "is required", nil)
	default:
		v.Add("identificationType", "must be one of customerInfo, customerId, leadId, enrollmentId", string(in.IdentificationType))
	}
	for _, f := range [...]struct{ name, id string }{{"customerId", in.CustomerID}, {"leadId", in.LeadID}, {"enrollmentId", in.EnrollmentID}} {
		if f.id != "" && !ValidID(f.id) {
			v.Add(f.name, "is not an id", f.id)
		}
	}
	switch in.EligibilityStatus {
	case "", StatusCandidate, StatusSubmitted:
	default:
		v.Add("eligibilityStatus", "must be candidate or submitted at creation", string(in.EligibilityStatus))
	}
	checkText(&v, "eligibilityReason", in.EligibilityReason)
	return v.Err()
}

// Participant is the identity and contact data an enrollment is built on,
// resolved from the identification type.
type Participant struct {
	CustomerID string
	LeadID     string
	// From is the enrollment being re-enrolled, for identificationType enrollmentId.
	From      *Enrollment
	FirstName string
	LastName  string
	Email     string
	Phone     string
	Address   *Address
	// storedEmail is the email of the customer, lead or enrollment the
	// data was read from: the enrollment may carry it, and a customer be
	// made with it, though mail relays' rules came after it was stored
	// (checkEmail).
	storedEmail string
}

// ParticipantFromCustomer returns the participant data of c.
func ParticipantFromCustomer(c *Customer) Participant {
	return Participant{CustomerID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, Phone: c.Phone, Address: c.Address,
		storedEmail: c.Email}
}

// ParticipantFromLead returns the participant data of l.
func ParticipantFromLead(l *Lead) Participant {
	return Participant{LeadID: l.ID, CustomerID: l.CustomerID, FirstName: l.FirstName, LastName: l.LastName, Email: l.Email, Phone: l.Phone, Address: l.Address,
		storedEmail: l.Email}
}

// ParticipantFromEnrollment returns the participant data of a previous
// enrollment, for a re-enrollment.
func ParticipantFromEnrollment(e *Enrollment) Participant {
	return Participant{CustomerID: e.CustomerID, LeadID: e.LeadID, From: e, FirstName: e.FirstName, LastName: e.LastName, Email: e.Email, Phone: e.Phone, Address: e.Address,
		storedEmail: e.Email}
}

// Overlay returns p with the contact fields the request gives in place of
// the stored ones.
func (p Participant) Overlay(in *EnrollmentCreate) Participant {
	p.FirstName = or(in.FirstName, p.FirstName)
	p.LastName = or(in.LastName, p.LastName)
	p.Email = or(in.Email, p.Email)
	p.Phone = or(in.Phone, p.Phone)
	if !in.Address.IsZero() {
		p.Address = in.Address
	}
	return p
}

// CanBeCustomer reports whether p has what a customer requires.
func (p Participant) CanBeCustomer() bool {
	return p.FirstName != "" && p.LastName != "" && p.Email != ""
}

// NewCustomer returns a customer for p, to be stored in workspace wsID.
func (p Participant) NewCustomer(wsID string, now time.Time) *Customer {
	return &Customer{ID: NewID(), WorkspaceID: wsID, FirstName: p.FirstName, LastName: p.LastName,
		Email: p.Email, Phone: p.Phone, Address: p.Address, Metadata: map[string]any{}, CreatedAt: now, UpdatedAt: now}
}

// NewEnrollment builds the enrollment a create request asks for, in status
// candidate, from the resolved participant p (already overlaid with the
// request's contact fields). A re-enrollment copies the device and reference
// data of the enrollment it continues unless the request gives them.
func NewEnrollment(wsID string, in *EnrollmentCreate, inst *ProgramInstance, p Participant, now time.Time) (*Enrollment, error) {
	e := &Enrollment{
		ID: NewID(), WorkspaceID: wsID, IdentificationType: in.IdentificationType,
		ProgramInstanceID: inst.ID, LeadID: p.LeadID, CustomerID: p.CustomerID,
		FirstName: p.FirstName, LastName: p.LastName, Email: p.Email, Phone: p.Phone, Address: p.Address,
		ManufacturerSlugs: in.ManufacturerSlugs, SerialNumber: in.SerialNumber, Devices: in.Devices,
		ReferenceID: in.ReferenceID, ReferenceDescription: in.ReferenceDescription, Tags: in.Tags,
		Metadata: in.Metadata, Parameters: in.Parameters, GroupIDs: in.GroupIDs, Notes: in.Notes,
		Assignee: in.Assignee, EnrollmentStartDate: in.EnrollmentStartDate,
		Eligibility: Eligibility{Status: StatusCandidate, Reason: in.EligibilityReason, ProgramInstanceID: inst.ID},
		CreatedAt:   now, UpdatedAt: now, Version: 1,
	}
	var kept []Device
	if from := p.From; from != nil {
		e.EnrollmentID = from.ID
		// Each item once: the enrollment continued may have been stored
		// with a repeat before Validate refused one, and the request did
		// not set these lists.
		if e.ManufacturerSlugs == nil {
			e.ManufacturerSlugs = withoutRepeats(from.ManufacturerSlugs)
		}
		e.SerialNumber = or(e.SerialNumber, from.SerialNumber)
		if e.Devices == nil {
			// As they are: a device stored empty, or with an id another
			// has, before Validate refused it keeps its data.
			e.Devices, kept = slices.Clone(from.Devices), from.Devices
		}
		e.ReferenceID = or(e.ReferenceID, from.ReferenceID)
		e.ReferenceDescription = or(e.ReferenceDescription, from.ReferenceDescription)
		if e.Tags == nil {
			e.Tags = withoutRepeats(from.Tags)
		}
		if e.Metadata == nil {
			e.Metadata = maps.Clone(from.Metadata)
		}
	}
	if err := e.validate(inst, nil, kept, p.storedEmail); err != nil {
		return nil, err
	}
	return e, nil
}

// EnrollmentCreation is everything the creation of one enrollment writes,
// worked out before anything is written: a store inserts the enrollment
// once, in its final state, with the history entries and events of every
// step it went through on the way, as if each step had been stored in turn.
type EnrollmentCreation struct {
	// Enrollment is the enrollment as stored: the last step's.
	Enrollment *Enrollment
	// Doc is Enrollment's JSON form, for the store's document column.
	Doc json.RawMessage
	// History lists the status changes in order, the creation first.
	History []*StatusChange
	// Events lists the events in order, enrollment.created first.
	Events []*Event
	// Docs are History's and Events' documents when they were encoded
	// ahead (EncodeDocs), or nil.
	Docs *CreationDocs
}

// PlanEnrollmentCreation works out the creation of e, a new enrollment from
// NewEnrollment, by a at now, step by step as if each step were stored:
// its creation entry and enrollment.created event; when inst auto-evaluates
// or in asks for submitted, its evaluation (evaluate is called once, with
// e), applied as EvaluateEnrollment applies one; then, for a requested
// submission of an eligible enrollment, the move to submitted, and on to
// needs_action when parameters are missing. Each step goes through
// PrepareEnrollmentUpdate and records the entry and events a stored update
// records. No step approves, so none needs the capacity check. An error
// from evaluate is returned as it is.
func PlanEnrollmentCreation(a Actor, e *Enrollment, inst *ProgramInstance, in *EnrollmentCreate,
	evaluate func(*Enrollment) (*Evaluation, error), now time.Time) (*EnrollmentCreation, error) {
	doc, err := e.JSON()
	if err != nil {
		return nil, err
	}
	c := &EnrollmentCreation{Enrollment: e, Doc: doc,
		History: []*StatusChange{NewStatusChange(a, e, "", nil, now)},
		Events:  []*Event{newEventJSON(a, EventEnrollmentCreated, e, doc, nil, now)}}
	if inst.AutoEvaluate || in.EligibilityStatus == StatusSubmitted {
		ev, err := evaluate(e)
		if err != nil {
			return nil, err
		}
		ev.EvaluatedAt = now // the store's time, which the step carries
		if err := c.step(a, inst, ev, func(n *Enrollment) error { return ApplyEvaluation(n, ev) }, now); err != nil {
			return nil, err
		}
	}
	if in.EligibilityStatus == StatusSubmitted && c.Enrollment.Eligibility.Status == StatusEligible {
		err := c.step(a, inst, nil, func(n *Enrollment) error {
			n.Eligibility.Status, n.Eligibility.Reason = StatusSubmitted, in.EligibilityReason
			return nil
		}, now)
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// step applies fn to a copy of the enrollment as a stored update does
// (see UpdateEnrollmentIn): checked and completed by
// PrepareEnrollmentUpdate, recorded with a history entry and
// enrollment.status_changed when the status moved, and enrollment.updated.
// ev is the evaluation that made the change, if any.
func (c *EnrollmentCreation) step(a Actor, inst *ProgramInstance, ev *Evaluation, fn func(*Enrollment) error, now time.Time) error {
	old := c.Enrollment
	e := old.dup()
	if err := fn(e); err != nil {
		return err
	}
	ch, doc, err := prepareEnrollmentUpdate(old, e, inst, now, c.Doc)
	if err != nil {
		return err
	}
	if !ch.Changed {
		return nil
	}
	if doc == nil {
		if doc, err = e.JSON(); err != nil {
			return err
		}
	}
	if ch.StatusChanged() {
		c.History = append(c.History, NewStatusChange(a, e, ch.From, ev, now))
		prev := map[string]any{"eligibility": ch.Previous["eligibility"]}
		c.Events = append(c.Events, newEventJSON(a, EventEnrollmentStatusChanged, e, doc, prev, now))
	}
	c.Events = append(c.Events, newEventJSON(a, EventEnrollmentUpdated, e, doc, ch.Previous, now))
	c.Enrollment, c.Doc = e, doc
	if ch.To == StatusSubmitted && ch.StatusChanged() && len(e.ParameterProblems()) > 0 {
		// A submission missing parameters goes back to the participant.
		return c.step(a, inst, nil, func(n *Enrollment) error { n.NeedsAction(); return nil }, now)
	}
	return nil
}

// newEventJSON is NewEvent for enrollment en already in its JSON form,
// obj, which several events of one creation share.
func newEventJSON(a Actor, t EventType, en *Enrollment, obj json.RawMessage, prev map[string]any, now time.Time) *Event {
	e := NewEvent(a, t, en.ID, nil, prev, now)
	e.Data.Object, e.InstanceID = obj, en.ProgramInstanceID
	return e
}

// dup returns a copy of e for a step of a creation to change, sharing no
// collection with e (validation annotates parameter values in place). It
// stands in for Clone, a JSON round trip that costs a marshal and an
// unmarshal, for an enrollment just built from a request: its values
// (strings, float64 numbers, maps and slices of them) marshal the same
// before and after a round trip, so the copy's JSON is the clone's.
func (e *Enrollment) dup() *Enrollment {
	c := *e
	c.ManufacturerSlugs = slices.Clone(e.ManufacturerSlugs)
	c.Devices = slices.Clone(e.Devices)
	c.Tags = slices.Clone(e.Tags)
	c.Metadata = maps.Clone(e.Metadata)
	c.Parameters = slices.Clone(e.Parameters)
	c.GroupIDs = slices.Clone(e.GroupIDs)
	if e.Address != nil {
		a := *e.Address
		c.Address = &a
	}
	return &c
}

// EnrollmentChange describes what an update did, for history and events.
type EnrollmentChange struct {
	// Changed is false when the update changed nothing: no write, no event.
	Changed bool
	// From and To are the statuses before and after; equal when the status
	// did not change.
	From, To Status
	// Previous holds the previous values of the changed top-level fields,
	// as the event's previousAttributes.
	Previous map[string]any
}

// StatusChanged reports whether the update moved the enrollment.
func (c *EnrollmentChange) StatusChanged() bool { return c.From != c.To }

// PrepareEnrollmentUpdate checks the change from old to e made by an update
// and completes it: it refuses changes to identity fields, validates the
// data, checks the status transition against the table, stamps enrolledAt,
// enrollmentStartDate and unenrolledAt, and bumps the version. Every path
// that changes a stored enrollment goes through it.
func PrepareEnrollmentUpdate(old, e *Enrollment, inst *ProgramInstance, now time.Time) (*EnrollmentChange, error) {
	ch, _, err := prepareEnrollmentUpdate(old, e, inst, now, nil)
	return ch, err
}

// prepareEnrollmentUpdate is PrepareEnrollmentUpdate for callers that have
// old's JSON form (oldJSON; nil: marshal it). It also returns e's JSON form
// when computing the change produced it and the version stamp left it
// valid, or nil.
func prepareEnrollmentUpdate(old, e *Enrollment, inst *ProgramInstance, now time.Time, oldJSON []byte) (*EnrollmentChange, []byte, error) {
	var v Invalid
	if e.ID != old.ID || e.WorkspaceID != old.WorkspaceID || e.ProgramInstanceID != old.ProgramInstanceID {
		v.Add("programInstanceId", "cannot be changed", e.ProgramInstanceID)
	}
	if e.IdentificationType != old.IdentificationType || e.EnrollmentID != old.EnrollmentID {
		v.Add("identificationType", "cannot be changed", string(e.IdentificationType))
	}
	if e.CustomerID != old.CustomerID || e.LeadID != old.LeadID {
		v.Add("customerId", "cannot be changed; create a new enrollment instead", e.CustomerID)
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	e.Eligibility.ProgramInstanceID = e.ProgramInstanceID
	e.CreatedAt, e.Version = old.CreatedAt, old.Version
	e.EnrolledAt, e.UnenrolledAt = old.EnrolledAt, old.UnenrolledAt
	e.upperDates(inst) // before comparing read-only values with old's
	checkReadonly(&v, old, e, inst)
	if e.IdentificationType == IdentifyByCustomerInfo {
		// What a customerInfo create requires stays required.
		for _, f := range []struct{ name, was, is string }{
			{"firstName", old.FirstName, e.FirstName}, {"lastName", old.LastName, e.LastName}, {"email", old.Email, e.Email},
		} {
			if isEmpty(f.is) && !isEmpty(f.was) {
				v.Add(f.name, "is required for a customerInfo enrollment", nil)
			}
		}
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	if err := e.validate(inst, old, old.Devices, old.Email); err != nil {
		return nil, nil, err
	}
	ch := &EnrollmentChange{From: old.Eligibility.Status, To: e.Eligibility.Status}
	if ch.StatusChanged() {
		if err := CheckTransition(ch.From, ch.To); err != nil {
			return nil, nil, err
		}
		switch ch.To {
		case StatusApproved:
			if bad := e.ParameterProblems(); ch.From == StatusSubmitted && len(bad) > 0 {
				return nil, nil, unapprovable(bad)
			}
			if e.EnrolledAt == nil {
				e.EnrolledAt = &now
			}
			if e.EnrollmentStartDate == nil {
				e.EnrollmentStartDate = &now
			}
		case StatusUnenrolled:
			e.UnenrolledAt = &now
		}
	}
	e.UpdatedAt = old.UpdatedAt
	if oldJSON == nil {
		oldJSON, _ = old.JSON()
	}
	eJSON, _ := e.JSON()
	ch.Previous = diffJSON(oldJSON, eJSON)
	ch.Changed = len(ch.Previous) > 0
	if ch.Changed {
		if e.UpdatedAt != now {
			// The JSON has the old updatedAt; the same value (not just the
			// same instant) would marshal the same.
			eJSON = nil
		}
		e.UpdatedAt = now
		e.Version = old.Version + 1
	}
	return ch, eJSON, nil
}

// Diff returns the top-level JSON fields of a that differ in b, with a's
// values: an event's previousAttributes.
func Diff(a, b any) map[string]any {
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return diffJSON(ab, bb)
}

// diffJSON is Diff of two JSON objects.
func diffJSON(a, b []byte) map[string]any {
	am, bm := jsonFields(a), jsonFields(b)
	out := map[string]any{}
	seen := make([]bool, len(bm))
	next := 0 // both are mostly one type's fields, in its order: look there first
	for _, m := range am {
		i := next
		if i >= len(bm) || !bytes.Equal(bm[i].key, m.key) {
			i = slices.IndexFunc(bm, func(n jsonMember) bool { return bytes.Equal(n.key, m.key) })
		}
		if i >= 0 {
			seen[i], next = true, i+1
			if bytes.Equal(bm[i].val, m.val) {
				continue
			}
		}
		var x any
		_ = json.Unmarshal(m.val, &x)
		out[string(m.key)] = x
	}
	for i, n := range bm {
		if !seen[i] {
			out[string(n.key)] = nil
		}
	}
	return out
}

// jsonMember is a member of a JSON object: its key (unescaped) and its
// value, as they are.
type jsonMember struct{ key, val []byte }

// jsonFields splits a JSON object into its members, in order, values left
// as they are. The objects given are json.Marshal's, which one scan splits
// into slices of b (a tenth of the cost of json.Unmarshal, which was most
// of a create's diff, and no allocation but the slice); anything else goes
// through json.Unmarshal.
func jsonFields(b []byte) []jsonMember {
	if m, ok := splitObject(b); ok {
		return m
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	out := make([]jsonMember, 0, len(m))
	for k, v := range m {
		out = append(out, jsonMember{key: []byte(k), val: v})
	}
	return out
}

// splitObject splits b, a compact JSON object as json.Marshal writes it,
// into its members. ok is false when b is not one, or has a key with an
// escape in it.
func splitObject(b []byte) (m []jsonMember, ok bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, false
	}
	m = make([]jsonMember, 0, 32)
	if len(b) == 2 {
		return m, true
	}
	for i := 1; ; {
		if b[i] != '"' {
			return nil, false
		}
		j := i + 1
		for j < len(b) && b[j] != '"' {
			if b[j] == '\\' {
				return nil, false
			}
			j++
		}
		if j+1 >= len(b) || b[j+1] != ':' {
			return nil, false
		}
		start := j + 2
		end := skipValue(b, start)
		if end <= start || end >= len(b) {
			return nil, false
		}
		m = append(m, jsonMember{key: b[i+1 : j], val: b[start:end]})
		switch b[end] {
		case ',':
			i = end + 1
		case '}':
			return m, end == len(b)-1
		default:
			return nil, false
		}
	}
}

// skipValue returns the end of the compact JSON value that starts at
// b[i], or 0 when b ends first or has blanks between tokens.
func skipValue(b []byte, i int) int {
	depth, inString := 0, false
	for j := i; j < len(b); j++ {
		c := b[j]
		if inString {
			switch c {
			case '\\':
				j++
			case '"':
				inString = false
				if depth == 0 {
					return j + 1
				}
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return j // the end of the enclosing object
			}
			if depth--; depth == 0 {
				return j + 1
			}
		case ',':
			if depth == 0 {
				return j
			}
		case ' ', '\t', '\n', '\r':
			return 0 // not compact
		}
	}
	return 0
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// EnrollmentFilter selects enrollments in a list. Every field is optional
// and all that are set must match.
type EnrollmentFilter struct {
	// ProgramInstanceID keeps one instance's enrollments.
	ProgramInstanceID string `json:"i,omitempty"`
	// ProgramInstanceIDs keeps enrollments in these instances (a key limited
	// to instances); empty means all.
	ProgramInstanceIDs []string `json:"is,omitempty"`
	Statuses           []Status `json:"s,omitempty"`
	CustomerID         string   `json:"c,omitempty"`
	LeadID             string   `json:"l,omitempty"`
	ReferenceID        string   `json:"r,omitempty"`
	// Email matches case-insensitively.
	Email            string     `json:"e,omitempty"`
	Tag              string     `json:"t,omitempty"`
	ManufacturerSlug string     `json:"m,omitempty"`
	GroupID          string     `json:"g,omitempty"`
	CreatedAfter     *time.Time `json:"ca,omitempty"`
	CreatedBefore    *time.Time `json:"cb,omitempty"`
	UpdatedAfter     *time.Time `json:"ua,omitempty"`
	// Q searches first name, last name, email and reference id by prefix:
	// each of its words (QueryWords) must begin one of them.
	Q string `json:"q,omitempty"`
	// NoTotal skips counting the matches (the page's TotalItems and
	// TotalPages are 0): an export pages through them all and needs no
	// total, which some filters can only count by a scan per page.
	NoTotal    bool `json:"-"`
	ListParams `json:"-"`
}

// EnrollmentSorts are the sort keys of enrollment lists; the first is the default.
var EnrollmentSorts = []string{SortCreatedDesc, SortCreatedAsc, SortUpdatedAsc, SortUpdatedDesc, SortLastName}

// Validate checks the filter's values.
func (f *EnrollmentFilter) Validate() error {
	var v Invalid
	for i, s := range f.Statuses {
		if !s.Valid() {
			v.Add(loc("query.status", i), "unknown status", string(s))
		}
	}
	checkName(&v, "query.q", f.Q, false)
	if n := len(strings.Fields(f.Q)); n > MaxQueryWords {
		v.Add("query.q", fmt.Sprintf("must have at most %d words (it has %d)", MaxQueryWords, n), f.Q)
	}
	return v.Err()
}

// MaxQueryWords is the most words a list's q may hold: each is tested on
// every row its longest word's index ranges find, and a name is rarely
// more than a few words.
const MaxQueryWords = 8

// QueryWords returns the words of a list's q, each once: q split at
// whitespace (runs of it collapse, the ends are trimmed). An enrollment
// matches q when every word begins its first name, last name, email or
// reference id, or when q itself (QueryPhrase) begins one of them (a name
// of several words, "van der Berg", as q matched before it had words). A q of
// whitespace alone has none and filters nothing.
func QueryWords(q string) []string {
	var out []string
	for _, w := range strings.Fields(q) {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// ReferencePrefix returns what a list's q (or a word of it) matches the
// start of a reference id against: q with its ASCII letters in lower case
// and its other characters as written, as the stores lower-case the
// stored reference id (SQLite's lower(), PostgreSQL's under "C"), so
// that a q writing the reference id's non-ASCII letters as it does finds
// it (ÉCOLE finds ÉCOLE-9, which a q lower-cased whole, école, would not).
func ReferencePrefix(q string) string {
	b := []byte(q)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// QueryPhrase returns q with its runs of whitespace collapsed to one space
// and its ends trimmed: the whole of a q of several words, which also
// matches as one prefix.
func QueryPhrase(q string) string { return strings.Join(strings.Fields(q), " ") }

// SetStatus asks for a move to status to with reason. Asking for the
// status the enrollment already has changes nothing, reason included: the
// no-op of SPEC §4. The move itself is checked when the change is stored.
func (e *Enrollment) SetStatus(to Status, reason string) {
	if to == e.Eligibility.Status {
		return
	}
	e.Eligibility.Status, e.Eligibility.Reason = to, reason
}
