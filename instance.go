package enroll

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// InstanceStatus is the state of a program instance.
type InstanceStatus string

const (
	// InstanceActive accepts new enrollments.
	InstanceActive InstanceStatus = "active"
	// InstanceInactive keeps its enrollments but accepts no new ones.
	InstanceInactive InstanceStatus = "inactive"
	// InstanceArchived is closed for good; its enrollments stay readable.
	InstanceArchived InstanceStatus = "archived"
)

// Valid reports whether s is a defined instance status.
func (s InstanceStatus) Valid() bool {
	return s == InstanceActive || s == InstanceInactive || s == InstanceArchived
}

// ProgramInstance is a program's concrete offering: a year, a territory.
// Enrollments belong to an instance.
type ProgramInstance struct {
	ID               string         `json:"id"`
	WorkspaceID      string         `json:"-"`
	ProgramID        string         `json:"programId"`
	Slug             string         `json:"slug" doc:"Unique within the program."`
	Name             string         `json:"name"`
	Status           InstanceStatus `json:"status" enum:"active,inactive,archived" doc:"Enrollments are created only in active instances."`
	StartDate        *time.Time     `json:"startDate" doc:"Informational: shown, and read by rules as instance.startDate, but no enrollment is refused before it, and approval does not wait for it (an enrollment's enrollmentStartDate defaults to the approval's time)."`
	EndDate          *time.Time     `json:"endDate" doc:"Informational: shown, and read by rules as instance.endDate, but no enrollment is refused after it; set status to inactive to stop enrollments."`
	Capacity         *int           `json:"capacity" doc:"Maximum number of approved (and paused) enrollments; none when absent."`
	AutoEvaluate     bool           `json:"autoEvaluate" doc:"Evaluate eligibility rules when an enrollment is created."`
	EligibilityRules []Rule         `json:"eligibilityRules"`
	RulesVersion     int            `json:"rulesVersion" doc:"Incremented whenever eligibilityRules change."`
	Parameters       []Parameter    `json:"parameters"`
	Groups           []Group        `json:"groups"`
	Metadata         map[string]any `json:"metadata"`
	CreatedAt        time.Time      `json:"createdAt"`
	UpdatedAt        time.Time      `json:"updatedAt"`
}

// Rule is one eligibility rule: a CEL expression that must be true, and the
// reason shown when it is not.
type Rule struct {
	Name       string `json:"name" minLength:"1" maxLength:"256" doc:"Unique among the instance's rules; stored without the white space around it."`
	Expression string `json:"expression" minLength:"1" maxLength:"4096" doc:"CEL over enrollment, customer and instance."`
	Reason     string `json:"reason,omitempty" nullable:"true" maxLength:"4096" doc:"Shown as eligibility.reason when the rule fails."`
}

// ParameterType is the type of a program parameter's value.
type ParameterType string

// The parameter types.
const (
	ParamString  ParameterType = "string"
	ParamNumber  ParameterType = "number"
	ParamBoolean ParameterType = "boolean"
	ParamDate    ParameterType = "date"
	ParamChoice  ParameterType = "choice"
	ParamObject  ParameterType = "object"
)

var parameterTypes = []ParameterType{ParamString, ParameterType(ParamNumber), ParamBoolean, ParamDate, ParamChoice, ParamObject}

// Parameter declares data an enrollment in the instance must or may carry.
type Parameter struct {
	ExternalID  string               `json:"externalId" minLength:"1" maxLength:"100"`
	Name        string               `json:"name" minLength:"1" maxLength:"256"`
	Type        ParameterType        `json:"type" enum:"string,number,boolean,date,choice,object"`
	Constraints ParameterConstraints `json:"constraints"`
}

// ParameterConstraints restrict a parameter's value, as in the marketplace seed.
type ParameterConstraints struct {
	Required bool     `json:"required"`
	Readonly bool     `json:"readonly"`
	Hidden   bool     `json:"hidden"`
	Unique   bool     `json:"unique"`
	Pattern  string   `json:"pattern,omitempty" doc:"A regular expression (RE2) string values must match."`
	Options  []string `json:"options,omitempty" doc:"The allowed values of a choice parameter."`
}

// Group is a named set of enrollments declared on an instance.
type Group struct {
	ID   string `json:"id" minLength:"1" maxLength:"100"`
	Name string `json:"name" minLength:"1" maxLength:"256"`
}

// Validate checks the instance's own fields and fills defaults. Rule
// expressions are checked by a RuleEngine, not here.
func (in *ProgramInstance) Validate() error { return in.validate(nil) }

// validate is Validate for an update of old (nil: a new instance). Dates
// in the wrong order are the error of the one the update moved: an
// endDate before the startDate, or, when only startDate changed, a
// startDate after the endDate, the member the request named.
func (in *ProgramInstance) validate(old *ProgramInstance) error {
	var v Invalid
	checkSlug(&v, "slug", in.Slug)
	checkName(&v, "name", in.Name, true)
	if !in.Status.Valid() {
		v.Add("status", "must be active, inactive or archived", string(in.Status))
	}
	checkOffset(&v, "startDate", in.StartDate)
	checkOffset(&v, "endDate", in.EndDate)
	if in.StartDate != nil && in.EndDate != nil && in.EndDate.Before(*in.StartDate) {
		if old != nil && sameInstant(old.EndDate, in.EndDate) && !sameInstant(old.StartDate, in.StartDate) {
			v.Add("startDate", "must not be after endDate", in.StartDate)
		} else {
			v.Add("endDate", "must not be before startDate", in.EndDate)
		}
	}
	if in.Capacity != nil && *in.Capacity < 0 {
		v.Add("capacity", "must not be negative", *in.Capacity)
	}
	if len(in.EligibilityRules) > MaxListItems {
		v.Add("eligibilityRules", "must have at most 100 rules", nil)
	}
	names := map[string]bool{}
	for i, r := range in.EligibilityRules {
		l := loc("eligibilityRules", i)
		checkName(&v, l+".name", r.Name, true)
		checkText(&v, l+".expression", r.Expression)
		checkText(&v, l+".reason", r.Reason)
		if r.Expression == "" {
			v.Add(l+".expression", "is required", nil)
		}
		if names[r.Name] {
			v.Add(l+".name", "must be unique", r.Name)
		}
		names[r.Name] = true
	}
	in.validateParameters(&v)
	if len(in.Groups) > MaxListItems {
		v.Add("groups", "must have at most 100 groups", nil)
	}
	ids := map[string]bool{}
	for i, g := range in.Groups {
		checkString(&v, loc("groups", i)+".id", g.ID, maxExternalIDLength, true)
		checkName(&v, loc("groups", i)+".name", g.Name, true)
		if ids[g.ID] {
			v.Add(loc("groups", i)+".id", "must be unique", g.ID)
		}
		ids[g.ID] = true
	}
	checkObjectMetadata(&v, in.Metadata)
	in.normalize()
	return v.Err()
}

func (in *ProgramInstance) validateParameters(v *Invalid) {
	if len(in.Parameters) > MaxListItems {
		v.Add("parameters", "must have at most 100 parameters", nil)
	}
	seen := map[string]bool{}
	for i, p := range in.Parameters {
		l := loc("parameters", i)
		checkString(v, l+".externalId", p.ExternalID, maxExternalIDLength, true)
		checkName(v, l+".name", p.Name, true)
		if seen[p.ExternalID] {
			v.Add(l+".externalId", "must be unique", p.ExternalID)
		}
		seen[p.ExternalID] = true
		if !slices.Contains(parameterTypes, p.Type) {
			v.Add(l+".type", "must be one of string, number, boolean, date, choice, object", string(p.Type))
		}
		// Its length alone: a NUL in a pattern saved before is refused by
		// CheckParameterConstraints, for new declarations only.
		if utf8.RuneCountInString(p.Constraints.Pattern) > MaxTextLength {
			v.Add(l+".constraints.pattern", "must be at most "+strconv.Itoa(MaxTextLength)+" characters", nil)
		} else if p.Constraints.Pattern != "" {
			// Parsed, not compiled: a pattern saved before
			// MaxPatternInstructions may take seconds to compile.
			if _, err := RegexInstructions(p.Constraints.Pattern); err != nil {
				v.Add(l+".constraints.pattern", "is not a valid regular expression: "+err.Error(), p.Constraints.Pattern)
			}
		}
		if p.Type == ParamChoice && len(p.Constraints.Options) == 0 {
			v.Add(l+".constraints.options", "a choice parameter needs options", nil)
		}
		checkList(v, l+".constraints.options", p.Constraints.Options, MaxNameLength)
	}
}

// CheckParameterConstraints refuses, in the declarations of params that
// are new or differ from those of previous, a constraint the parameter's
// values are never checked against (a pattern on a number, options on a
// string), which would be stored and shown and promise what it does not
// do, an option listed twice, a pattern holding NUL, and one compiling to
// more than MaxPatternInstructions. Validate, which every update runs, does
// not: declarations saved before these checks must not block a change of
// anything else, nor a PATCH that sends them back as read. Returns
// EINVALID.
func CheckParameterConstraints(params, previous []Parameter) error {
	var v Invalid
	for i, p := range params {
		if slices.ContainsFunc(previous, p.sameDeclaration) {
			continue
		}
		l := loc("parameters", i)
		if strings.ContainsRune(p.Constraints.Pattern, 0) {
			// A NUL compiles, but PostgreSQL's jsonb cannot hold it.
			v.Add(l+".constraints.pattern", "must not contain NUL characters", p.Constraints.Pattern)
		}
		if n, err := RegexInstructions(p.Constraints.Pattern); err == nil && n > MaxPatternInstructions {
			v.Add(l+".constraints.pattern", fmt.Sprintf("compiles to about %d instructions, more than the %d a pattern may (each write of an enrollment compiles it); write fewer or smaller repetitions", n, MaxPatternInstructions), nil)
		}
		if p.Constraints.Pattern != "" && p.Type != ParamString && p.Type != ParamChoice {
			v.Add(l+".constraints.pattern", "applies to string and choice parameters only", p.Constraints.Pattern)
		}
		if p.Type != ParamChoice && len(p.Constraints.Options) > 0 {
			v.Add(l+".constraints.options", "applies to choice parameters only", p.Constraints.Options)
		}
		for j, o := range p.Constraints.Options {
			if slices.Contains(p.Constraints.Options[:j], o) {
				v.Add(loc(l+".constraints.options", j), "is listed twice", o)
			}
		}
	}
	return v.Err()
}

// sameDeclaration reports whether p and q declare the same parameter alike.
func (p Parameter) sameDeclaration(q Parameter) bool {
	pc, qc := p.Constraints, q.Constraints
	return p.ExternalID == q.ExternalID && p.Name == q.Name && p.Type == q.Type && pc.Required == qc.Required &&
		pc.Readonly == qc.Readonly && pc.Hidden == qc.Hidden && pc.Unique == qc.Unique && pc.Pattern == qc.Pattern &&
		slices.Equal(pc.Options, qc.Options)
}

func (in *ProgramInstance) normalize() {
	if in.EligibilityRules == nil {
		in.EligibilityRules = []Rule{}
	}
	if in.Parameters == nil {
		in.Parameters = []Parameter{}
	}
	if in.Groups == nil {
		in.Groups = []Group{}
	}
	if in.Metadata == nil {
		in.Metadata = map[string]any{}
	}
}

// AcceptsEnrollments returns nil when enrollments may be created in the
// instance, else ECONFLICT saying why.
func (in *ProgramInstance) AcceptsEnrollments() error {
	if in.Status != InstanceActive {
		return Errorf(ECONFLICT, "Program instance %s is %s; enrollments are created only in active instances.", in.ID, in.Status)
	}
	return nil
}

// HasGroup reports whether the instance declares group id.
func (in *ProgramInstance) HasGroup(id string) bool {
	return slices.ContainsFunc(in.Groups, func(g Group) bool { return g.ID == id })
}

// Parameter returns the declared parameter with externalID, if any.
func (in *ProgramInstance) Parameter(externalID string) (Parameter, bool) {
	i := slices.IndexFunc(in.Parameters, func(p Parameter) bool { return p.ExternalID == externalID })
	if i < 0 {
		return Parameter{}, false
	}
	return in.Parameters[i], true
}

// HidesParameters reports whether the instance declares a hidden
// parameter, whose values HideParameters removes.
func (in *ProgramInstance) HidesParameters() bool {
	return slices.ContainsFunc(in.Parameters, func(p Parameter) bool { return p.Constraints.Hidden })
}

// RulesEqual reports whether two rule lists are the same, so a PATCH that
// resends the rules does not bump RulesVersion.
func RulesEqual(a, b []Rule) bool { return slices.Equal(a, b) }

// TrimRuleNames removes the white space around the names of the
// instance's rules, as every write of a person's name does (trimNames):
// no one means it, and it would tell apart two rules that read the same
// in a trace and in the reason of an eligible enrollment, which Validate
// then refuses as namesakes. Stores call it on the instance they create,
// Update on rules that change; rules stored before it are kept as they
// are until they are changed, so that they block no other change of
// their instance. It changes a copy of the rules, not the list given.
func (in *ProgramInstance) TrimRuleNames() {
	var trimmed []Rule
	for i, r := range in.EligibilityRules {
		if name := strings.TrimSpace(r.Name); name != r.Name {
			if trimmed == nil {
				trimmed = slices.Clone(in.EligibilityRules)
			}
			trimmed[i].Name = name
		}
	}
	if trimmed != nil {
		in.EligibilityRules = trimmed
	}
}

// InstanceFilter selects program instances in a list.
type InstanceFilter struct {
	// ProgramID, when set, keeps the instances of one program, named by
	// its id or slug; an unknown program matches nothing.
	ProgramID string
	// Statuses, when set, keeps instances in one of these statuses.
	Statuses []InstanceStatus
	// IDs, when set, keeps only these instances (keys limited to instances).
	IDs []string
	ListParams
}

// sameInstant reports whether a and b are both unset or the same instant.
func sameInstant(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
