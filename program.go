package enroll

import (
	"slices"
	"time"
)

// Program is a general offering of an organization, such as a utility rebate
// program. Its concrete offerings are program instances.
type Program struct {
	ID          string         `json:"id"`
	WorkspaceID string         `json:"-"`
	Slug        string         `json:"slug" doc:"Unique in the workspace; usable in place of the id."`
	Name        string         `json:"name"`
	Description string         `json:"description" nullable:"true"`
	States      []string       `json:"states" doc:"The states or regions the program serves."`
	Active      bool           `json:"active" doc:"A flag for the programs list's ?active= filter and your own systems: an inactive program's instances still take enrollments (an instance's status decides)."`
	Metadata    map[string]any `json:"metadata"`
	CreatedAt   time.Time      `json:"createdAt"`
	UpdatedAt   time.Time      `json:"updatedAt"`
}

// Validate checks a new program's fields and fills empty collections.
// Its states are a set: a state listed twice is refused at the repeat.
func (p *Program) Validate() error {
	return p.validate(nil)
}

// ValidateChange checks a program changed from old, as Validate does,
// except that a states list left as old holds is not checked for
// repeats: a program stored with one before that check stays editable.
func (p *Program) ValidateChange(old *Program) error {
	return p.validate(old)
}

func (p *Program) validate(old *Program) error {
	var v Invalid
	checkSlug(&v, "slug", p.Slug)
	checkName(&v, "name", p.Name, true)
	checkText(&v, "description", p.Description)
	checkList(&v, "states", p.States, 64)
	if old == nil || !slices.Equal(p.States, old.States) {
		checkRepeats(&v, "states", p.States)
	}
	checkObjectMetadata(&v, p.Metadata)
	p.normalize()
	return v.Err()
}

func (p *Program) normalize() {
	if p.States == nil {
		p.States = []string{}
	}
	if p.Metadata == nil {
		p.Metadata = map[string]any{}
	}
}

// ProgramFilter selects programs in a list.
type ProgramFilter struct {
	// Active, when set, keeps programs whose active flag equals it.
	Active *bool
	ListParams
}

// MarshalJSON writes the program's representation, with a null
// description when it has none (nulljson.go).
func (p Program) MarshalJSON() ([]byte, error) {
	return marshalMembers(struct {
		ID          string         `json:"id"`
		Slug        string         `json:"slug"`
		Name        string         `json:"name"`
		Description *string        `json:"description"`
		States      []string       `json:"states"`
		Active      bool           `json:"active"`
		Metadata    map[string]any `json:"metadata"`
		CreatedAt   time.Time      `json:"createdAt"`
		UpdatedAt   time.Time      `json:"updatedAt"`
	}{p.ID, p.Slug, p.Name, orNull(p.Description), p.States, p.Active, p.Metadata, p.CreatedAt, p.UpdatedAt})
}
