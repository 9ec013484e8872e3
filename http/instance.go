package http

import (
	"context"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// InstanceCreate is the body of POST /v1/programs/{programId}/instances.
type InstanceCreate struct {
	Slug             string                `json:"slug" minLength:"1" maxLength:"100" pattern:"^[a-z0-9]+(?:[-_][a-z0-9]+)*$" patternDescription:"lowercase letters, digits, - and _" doc:"Unique within the program."`
	Name             string                `json:"name" minLength:"1" maxLength:"256"`
	Status           enroll.InstanceStatus `json:"status,omitempty" nullable:"true" enum:"active,inactive,archived" default:"active" doc:"Enrollments are created only in active instances."`
	StartDate        *time.Time            `json:"startDate,omitempty" nullable:"true" doc:"Informational: shown, and read by rules as instance.startDate, but no enrollment is refused before it, and approval does not wait for it (an enrollment's enrollmentStartDate defaults to the approval's time)."`
	EndDate          *time.Time            `json:"endDate,omitempty" nullable:"true" doc:"Informational: shown, and read by rules as instance.endDate, but no enrollment is refused after it; set status to inactive to stop enrollments."`
	Capacity         *int                  `json:"capacity,omitempty" nullable:"true" minimum:"0" maximum:"1000000000" doc:"Maximum number of approved (and paused) enrollments; none when absent."`
	AutoEvaluate     *bool                 `json:"autoEvaluate,omitempty" nullable:"true" default:"true" doc:"Evaluate eligibility rules when an enrollment is created."`
	EligibilityRules []enroll.Rule         `json:"eligibilityRules,omitempty" maxItems:"100" doc:"CEL rules that must all pass for eligibility; checked when saved."`
	Parameters       []ParameterInput      `json:"parameters,omitempty" maxItems:"100" doc:"The data enrollments must or may carry."`
	Groups           []enroll.Group        `json:"groups,omitempty" maxItems:"100"`
	Metadata         map[string]any        `json:"metadata,omitempty" nullable:"true"`
}

// ParameterInput declares a parameter in a request. It is enroll.Parameter
// with optional constraints, so a client need not spell out every false.
type ParameterInput struct {
	ExternalID  string           `json:"externalId" minLength:"1" maxLength:"100"`
	Name        string           `json:"name" minLength:"1" maxLength:"256"`
	Type        string           `json:"type" enum:"string,number,boolean,date,choice,object"`
	Constraints ConstraintsInput `json:"constraints,omitempty"`
}

// ConstraintsInput is enroll.ParameterConstraints with every member
// optional: left out or null, each is false or empty, as is the whole.
type ConstraintsInput struct {
	_        struct{} `nullable:"true"`
	Required bool     `json:"required,omitempty" nullable:"true"`
	Readonly bool     `json:"readonly,omitempty" nullable:"true"`
	Hidden   bool     `json:"hidden,omitempty" nullable:"true"`
	Unique   bool     `json:"unique,omitempty" nullable:"true"`
	Pattern  string   `json:"pattern,omitempty" nullable:"true" maxLength:"4096" doc:"A regular expression (RE2) string values must match."`
	Options  []string `json:"options,omitempty" maxItems:"100" maxLength:"256" doc:"The allowed values of a choice parameter."`
}

// InstancePatch is the body of PATCH /v1/programInstances/{instanceId}, a
// JSON merge patch. Lists (rules, parameters, groups) are replaced whole.
type InstancePatch struct {
	Slug             *string                `json:"slug,omitempty" minLength:"1" maxLength:"100" pattern:"^[a-z0-9]+(?:[-_][a-z0-9]+)*$" patternDescription:"lowercase letters, digits, - and _"`
	Name             *string                `json:"name,omitempty" minLength:"1" maxLength:"256"`
	Status           *enroll.InstanceStatus `json:"status,omitempty" enum:"active,inactive,archived"`
	StartDate        *time.Time             `json:"startDate,omitempty" nullable:"true" doc:"Informational: shown, and read by rules as instance.startDate, but no enrollment is refused before it, and approval does not wait for it (an enrollment's enrollmentStartDate defaults to the approval's time)."`
	EndDate          *time.Time             `json:"endDate,omitempty" nullable:"true" doc:"Informational: shown, and read by rules as instance.endDate, but no enrollment is refused after it; set status to inactive to stop enrollments."`
	Capacity         *int                   `json:"capacity,omitempty" minimum:"0" maximum:"1000000000" doc:"null removes the limit." nullable:"true"`
	AutoEvaluate     *bool                  `json:"autoEvaluate,omitempty"`
	EligibilityRules []enroll.Rule          `json:"eligibilityRules,omitempty" maxItems:"100" doc:"Changed rules are checked and bump rulesVersion."`
	Parameters       []ParameterInput       `json:"parameters,omitempty" maxItems:"100"`
	Groups           []enroll.Group         `json:"groups,omitempty" maxItems:"100"`
	Metadata         map[string]any         `json:"metadata,omitempty" doc:"Merged with the stored metadata; a null member removes it, null all." nullable:"true"`
	ReadOnlyMembers
}

var instancePatchable = patchMembers{
	"slug": false, "name": false, "status": false, "startDate": true, "endDate": true,
	"capacity": true, "autoEvaluate": false, "eligibilityRules": true, "parameters": true,
	"groups": true, "metadata": true,
}

// InstanceStats counts an instance's enrollments per status.
type InstanceStats struct {
	ProgramInstanceID string         `json:"programInstanceId"`
	Counts            map[string]int `json:"counts" doc:"Every status with its number of enrollments."`
	Total             int            `json:"total"`
}

type createInstanceInput struct {
	ProgramID string `path:"programId" doc:"The program's id or slug."`
	Body      InstanceCreate
}

type listProgramInstancesInput struct {
	ProgramID string   `path:"programId" doc:"The program's id or slug."`
	Status    []string `query:"status,explode" doc:"Keep instances in these statuses (repeatable or comma-separated), each one of active, inactive, archived; any other is a 422."`
	SortQuery
	ListQuery
}

type listInstancesInput struct {
	ProgramID string   `query:"programId" maxLength:"100" doc:"Keep one program's instances (id or slug); an unknown program matches none."`
	Status    []string `query:"status,explode" doc:"Keep instances in these statuses (repeatable or comma-separated), each one of active, inactive, archived; any other is a 422."`
	SortQuery
	ListQuery
}

// Resolve lists unknown statuses along with Huma's parameter errors.
func (in *listProgramInstancesInput) Resolve(huma.Context) []error {
	return checkValues("status", in.Status, validInstanceStatus, "must be active, inactive or archived")
}

// Resolve lists unknown statuses along with Huma's parameter errors.
func (in *listInstancesInput) Resolve(huma.Context) []error {
	return checkValues("status", in.Status, validInstanceStatus, "must be active, inactive or archived")
}

func validInstanceStatus(s string) bool { return enroll.InstanceStatus(s).Valid() }

type deleteInstanceInput struct {
	InstanceID string `path:"instanceId" doc:"The program instance's id."`
	IfMatchHeader
}

type instanceIDInput struct {
	InstanceID string `path:"instanceId" doc:"The program instance's id."`
}

type updateInstanceInput struct {
	IfMatchHeader
	InstanceID string `path:"instanceId" doc:"The program instance's id."`
	Body       InstancePatch
	RawBody    []byte `contentType:"application/merge-patch+json"`
}

type instanceOutput struct {
	ETag string `header:"ETag" doc:"For If-Match on PATCH and DELETE."`
	Body *enroll.ProgramInstance
}

type instanceCreatedOutput struct {
	ETag     string `header:"ETag" doc:"For If-Match on PATCH and DELETE."`
	Location string `header:"Location" doc:"The new instance's URL."`
	Body     *enroll.ProgramInstance
}

type instanceStatsOutput struct {
	Body *InstanceStats
}

// parameters converts declared parameters to the domain's.
func parameters(in []ParameterInput) []enroll.Parameter {
	if in == nil {
		return nil
	}
	out := make([]enroll.Parameter, len(in))
	for i, p := range in {
		c := p.Constraints
		out[i] = enroll.Parameter{ExternalID: p.ExternalID, Name: p.Name, Type: enroll.ParameterType(p.Type),
			Constraints: enroll.ParameterConstraints{Required: c.Required, Readonly: c.Readonly, Hidden: c.Hidden,
				Unique: c.Unique, Pattern: c.Pattern, Options: c.Options}}
	}
	return out
}

func (s *Server) createInstance(ctx context.Context, in *createInstanceInput) (*instanceCreatedOutput, error) {
	if len(limitedInstances(ctx)) > 0 {
		return nil, &enroll.Error{Code: enroll.EFORBIDDEN, Message: limitedInstancesWhy}
	}
	if !enroll.ValidIDOrSlug(in.ProgramID) {
		return nil, notFound("Program", in.ProgramID)
	}
	b := in.Body
	inst := &enroll.ProgramInstance{
		ProgramID: in.ProgramID, Slug: b.Slug, Name: b.Name, Status: b.Status,
		StartDate: b.StartDate, EndDate: b.EndDate, Capacity: b.Capacity,
		// Absent means true: the bool zero value must not turn it off.
		AutoEvaluate:     b.AutoEvaluate == nil || *b.AutoEvaluate,
		EligibilityRules: b.EligibilityRules, Parameters: parameters(b.Parameters),
		Groups: b.Groups, Metadata: b.Metadata,
	}
	if inst.Status == "" {
		inst.Status = enroll.InstanceActive
	}
	if err := enroll.CheckParameterConstraints(inst.Parameters, nil); err != nil {
		return nil, err
	}
	if err := s.store.CreateInstance(ctx, actorFrom(ctx), inst); err != nil {
		return nil, err
	}
	return &instanceCreatedOutput{ETag: etagOf(inst), Location: "/v1/programInstances/" + inst.ID, Body: inst}, nil
}

// instanceStatuses converts and checks a status filter.
func instanceStatuses(values []string) ([]enroll.InstanceStatus, error) {
	var out []enroll.InstanceStatus
	var v enroll.Invalid
	for i, s := range splitValues(values) {
		st := enroll.InstanceStatus(s)
		if !st.Valid() {
			v.Add("query.status["+strconv.Itoa(i)+"]", "must be active, inactive or archived", s)
		}
		out = append(out, st)
	}
	return out, v.Err()
}

func (s *Server) listProgramInstances(ctx context.Context, in *listProgramInstancesInput) (*bodyPage[*enroll.ProgramInstance], error) {
	if !enroll.ValidIDOrSlug(in.ProgramID) {
		return nil, notFound("Program", in.ProgramID)
	}
	p, err := s.store.FindProgram(ctx, workspaceFrom(ctx), in.ProgramID)
	if err != nil {
		return nil, err
	}
	return s.listInstances(ctx, &listInstancesInput{ProgramID: p.ID, Status: in.Status, SortQuery: in.SortQuery, ListQuery: in.ListQuery})
}

func (s *Server) listInstances(ctx context.Context, in *listInstancesInput) (*bodyPage[*enroll.ProgramInstance], error) {
	statuses, err := instanceStatuses(in.Status)
	if err != nil {
		return nil, err
	}
	// The store takes the program's id or slug, and an unknown program
	// matches nothing, as an unknown customerId does in enrollment lists.
	f := enroll.InstanceFilter{ProgramID: in.ProgramID, Statuses: statuses, IDs: limitedInstances(ctx), ListParams: in.params(in.Sort)}
	page, err := s.store.ListInstances(ctx, workspaceFrom(ctx), f)
	if err != nil {
		return nil, err
	}
	return &bodyPage[*enroll.ProgramInstance]{Body: page}, nil
}

// findInstance loads an instance the key may see.
func (s *Server) findInstance(ctx context.Context, id string) (*enroll.ProgramInstance, error) {
	if !enroll.ValidID(id) {
		return nil, notFound("Program instance", id)
	}
	if err := checkInstance(ctx, id); err != nil {
		return nil, err
	}
	return s.store.FindInstance(ctx, workspaceFrom(ctx), id)
}

func (s *Server) getInstance(ctx context.Context, in *instanceIDInput) (*instanceOutput, error) {
	inst, err := s.findInstance(ctx, in.InstanceID)
	if err != nil {
		return nil, err
	}
	return &instanceOutput{ETag: etagOf(inst), Body: inst}, nil
}

func (s *Server) updateInstance(ctx context.Context, in *updateInstanceInput) (*instanceOutput, error) {
	if !enroll.ValidID(in.InstanceID) {
		return nil, notFound("Program instance", in.InstanceID)
	}
	if err := checkInstance(ctx, in.InstanceID); err != nil {
		return nil, err
	}
	patch, err := parsePatch(in.RawBody)
	if err != nil {
		return nil, err
	}
	inst, err := s.store.UpdateInstance(ctx, actorFrom(ctx), in.InstanceID, func(inst *enroll.ProgramInstance) error {
		if err := checkIfMatch(in.IfMatch, etagOf(inst)); err != nil {
			return err
		}
		return inst.Change(func(inst *enroll.ProgramInstance) error { return applyPatch(inst, patch, instancePatchable) })
	})
	if err != nil {
		return nil, err
	}
	return &instanceOutput{ETag: etagOf(inst), Body: inst}, nil
}

func (s *Server) deleteInstance(ctx context.Context, in *deleteInstanceInput) (*struct{}, error) {
	if !enroll.ValidID(in.InstanceID) {
		return nil, notFound("Program instance", in.InstanceID)
	}
	if err := checkInstance(ctx, in.InstanceID); err != nil {
		return nil, err
	}
	if err := s.store.DeleteInstance(ctx, actorFrom(ctx), in.InstanceID, ifMatch[enroll.ProgramInstance](in.IfMatch)); err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Server) instanceStats(ctx context.Context, in *instanceIDInput) (*instanceStatsOutput, error) {
	if !enroll.ValidID(in.InstanceID) {
		return nil, notFound("Program instance", in.InstanceID)
	}
	if err := checkInstance(ctx, in.InstanceID); err != nil {
		return nil, err
	}
	counts, err := s.store.CountEnrollments(ctx, workspaceFrom(ctx), in.InstanceID)
	if err != nil {
		return nil, err
	}
	st := &InstanceStats{ProgramInstanceID: in.InstanceID, Counts: map[string]int{}}
	for _, status := range enroll.Statuses {
		st.Counts[string(status)] = counts[status]
		st.Total += counts[status]
	}
	return &instanceStatsOutput{Body: st}, nil
}
