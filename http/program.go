package http

import (
	"context"

	"github.com/enrollhq/enroll"
)

// ProgramCreate is the body of POST /v1/programs.
type ProgramCreate struct {
	Slug        string         `json:"slug" minLength:"1" maxLength:"100" pattern:"^[a-z0-9]+(?:[-_][a-z0-9]+)*$" patternDescription:"lowercase letters, digits, - and _" doc:"Unique in the workspace; usable in place of the id."`
	Name        string         `json:"name" minLength:"1" maxLength:"256"`
	Description string         `json:"description,omitempty" maxLength:"4096" nullable:"true"`
	States      []string       `json:"states,omitempty" maxItems:"100" maxLength:"64" doc:"The states or regions the program serves."`
	Active      *bool          `json:"active,omitempty" nullable:"true" default:"true" doc:"A flag for the programs list's ?active= filter and your own systems: an inactive program's instances still take enrollments (an instance's status decides)."`
	Metadata    map[string]any `json:"metadata,omitempty" nullable:"true" doc:"Arbitrary data, at most 16 KiB of JSON."`
}

// ProgramPatch is the body of PATCH /v1/programs/{programId}, a JSON merge
// patch: members present replace the stored ones, null clears.
type ProgramPatch struct {
	Slug        *string        `json:"slug,omitempty" minLength:"1" maxLength:"100" pattern:"^[a-z0-9]+(?:[-_][a-z0-9]+)*$" patternDescription:"lowercase letters, digits, - and _"`
	Name        *string        `json:"name,omitempty" minLength:"1" maxLength:"256"`
	Description *string        `json:"description,omitempty" maxLength:"4096" nullable:"true"`
	States      []string       `json:"states,omitempty" maxItems:"100" maxLength:"64"`
	Active      *bool          `json:"active,omitempty" doc:"A flag for the programs list's ?active= filter and your own systems: an inactive program's instances still take enrollments (an instance's status decides)."`
	Metadata    map[string]any `json:"metadata,omitempty" doc:"Merged with the stored metadata; a null member removes it, null all." nullable:"true"`
	ReadOnlyMembers
}

var programPatchable = patchMembers{"slug": false, "name": false, "description": true, "states": true, "active": false, "metadata": true}

type createProgramInput struct {
	Body ProgramCreate
}

type listProgramsInput struct {
	Active string `query:"active" enum:"true,false" doc:"Keep programs whose active flag is this."`
	SortQuery
	ListQuery
}

type deleteProgramInput struct {
	ProgramID string `path:"programId" doc:"The program's id or slug."`
	IfMatchHeader
}

type programIDInput struct {
	ProgramID string `path:"programId" doc:"The program's id or slug."`
}

type updateProgramInput struct {
	IfMatchHeader
	ProgramID string `path:"programId" doc:"The program's id or slug."`
	Body      ProgramPatch
	RawBody   []byte `contentType:"application/merge-patch+json"`
}

type programOutput struct {
	ETag string `header:"ETag" doc:"For If-Match on PATCH and DELETE."`
	Body *enroll.Program
}

type programCreatedOutput struct {
	ETag     string `header:"ETag" doc:"For If-Match on PATCH and DELETE."`
	Location string `header:"Location" doc:"The new program's URL."`
	Body     *enroll.Program
}

// checkProgramWrite refuses a key limited to program instances: a program
// is shared by all of its instances, those the key does not see included,
// and such a key cannot create instances to put in a program of its own.
// authenticate refuses it first (wholeWorkspace); this check keeps the
// handlers safe without it.
func checkProgramWrite(ctx context.Context) error {
	if len(limitedInstances(ctx)) > 0 {
		return &enroll.Error{Code: enroll.EFORBIDDEN, Message: limitedProgramsWhy}
	}
	return nil
}

func (s *Server) createProgram(ctx context.Context, in *createProgramInput) (*programCreatedOutput, error) {
	if err := checkProgramWrite(ctx); err != nil {
		return nil, err
	}
	b := in.Body
	p := &enroll.Program{
		Slug: b.Slug, Name: b.Name, Description: b.Description, States: b.States,
		Active: b.Active == nil || *b.Active, Metadata: b.Metadata,
	}
	if err := s.store.CreateProgram(ctx, actorFrom(ctx), p); err != nil {
		return nil, err
	}
	return &programCreatedOutput{ETag: etagOf(p), Location: "/v1/programs/" + p.ID, Body: p}, nil
}

func (s *Server) listPrograms(ctx context.Context, in *listProgramsInput) (*bodyPage[*enroll.Program], error) {
	f := enroll.ProgramFilter{ListParams: in.params(in.Sort)}
	if in.Active != "" {
		active := in.Active == "true"
		f.Active = &active
	}
	page, err := s.store.ListPrograms(ctx, workspaceFrom(ctx), f)
	if err != nil {
		return nil, err
	}
	return &bodyPage[*enroll.Program]{Body: page}, nil
}

func (s *Server) getProgram(ctx context.Context, in *programIDInput) (*programOutput, error) {
	if !enroll.ValidIDOrSlug(in.ProgramID) {
		return nil, notFound("Program", in.ProgramID)
	}
	p, err := s.store.FindProgram(ctx, workspaceFrom(ctx), in.ProgramID)
	if err != nil {
		return nil, err
	}
	return &programOutput{ETag: etagOf(p), Body: p}, nil
}

func (s *Server) updateProgram(ctx context.Context, in *updateProgramInput) (*programOutput, error) {
	if !enroll.ValidIDOrSlug(in.ProgramID) {
		return nil, notFound("Program", in.ProgramID)
	}
	if err := checkProgramWrite(ctx); err != nil {
		return nil, err
	}
	patch, err := parsePatch(in.RawBody)
	if err != nil {
		return nil, err
	}
	p, err := s.store.UpdateProgram(ctx, actorFrom(ctx), in.ProgramID, func(p *enroll.Program) error {
		if err := checkIfMatch(in.IfMatch, etagOf(p)); err != nil {
			return err
		}
		return applyPatch(p, patch, programPatchable)
	})
	if err != nil {
		return nil, err
	}
	return &programOutput{ETag: etagOf(p), Body: p}, nil
}

func (s *Server) deleteProgram(ctx context.Context, in *deleteProgramInput) (*struct{}, error) {
	if !enroll.ValidIDOrSlug(in.ProgramID) {
		return nil, notFound("Program", in.ProgramID)
	}
	if err := checkProgramWrite(ctx); err != nil {
		return nil, err
	}
	if err := s.store.DeleteProgram(ctx, actorFrom(ctx), in.ProgramID, ifMatch[enroll.Program](in.IfMatch)); err != nil {
		return nil, err
	}
	return nil, nil
}
