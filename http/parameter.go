package http

import (
	"context"

	"github.com/enrollhq/enroll"
)

// hideParameters removes the values of hidden parameters from enrollments
// shown to a key without programs:write (issue 4: hidden parameters are for
// program staff). It loads each distinct instance once.
func (s *Server) hideParameters(ctx context.Context, es ...*enroll.Enrollment) error {
	if seesHiddenParameters(ctx) {
		return nil
	}
	insts := map[string]*enroll.ProgramInstance{}
	for _, e := range es {
		inst, ok := insts[e.ProgramInstanceID]
		if !ok {
			var err error
			if inst, err = s.store.FindInstance(ctx, workspaceFrom(ctx), e.ProgramInstanceID); err != nil {
				return err
			}
			insts[e.ProgramInstanceID] = inst
		}
		e.HideParameters(inst)
	}
	return nil
}

// hideEventParameters removes the values of hidden parameters from
// enrollment events shown to a key without programs:write, as
// hideParameters does from enrollments: events carry enrollments too.
func (s *Server) hideEventParameters(ctx context.Context, evs ...*enroll.Event) error {
	if seesHiddenParameters(ctx) {
		return nil
	}
	insts := map[string]*enroll.ProgramInstance{}
	for _, ev := range evs {
		e, err := ev.Enrollment()
		if err != nil {
			return err
		} else if e == nil {
			continue
		}
		inst, ok := insts[e.ProgramInstanceID]
		if !ok {
			// An instance deleted since leaves inst nil: every value is removed.
			inst, err = s.store.FindInstance(ctx, workspaceFrom(ctx), e.ProgramInstanceID)
			if err != nil && enroll.ErrorCode(err) != enroll.ENOTFOUND {
				return err
			}
			insts[e.ProgramInstanceID] = inst
		}
		if err := ev.HideParameters(e, inst); err != nil {
			return err
		}
	}
	return nil
}

// hideTraces withholds the rules' errors in the history entries of an
// enrollment of instance instID shown to a key without programs:write,
// as hideParameters does in the enrollment (ProgramInstance.HideTrace).
func (s *Server) hideTraces(ctx context.Context, instID string, changes []*enroll.StatusChange) error {
	if seesHiddenParameters(ctx) {
		return nil
	}
	// An instance deleted since leaves inst nil, which may have hidden any.
	inst, err := s.store.FindInstance(ctx, workspaceFrom(ctx), instID)
	if err != nil && enroll.ErrorCode(err) != enroll.ENOTFOUND {
		return err
	}
	for _, ch := range changes {
		ch.Trace, _ = inst.HideTrace(ch.Trace)
	}
	return nil
}

// seesHiddenParameters reports whether the request's key may see the
// values of hidden parameters.
func seesHiddenParameters(ctx context.Context) bool {
	k := keyFrom(ctx)
	return k == nil || k.Has(enroll.ScopeProgramsWrite)
}

// enrollmentOutput is an enrollment response as the caller may see it.
func (s *Server) enrollmentOutput(ctx context.Context, e *enroll.Enrollment) (*enrollmentOutput, error) {
	etag := e.ETag()
	if err := s.hideParameters(ctx, e); err != nil {
		return nil, err
	}
	return &enrollmentOutput{ETag: etag, Body: e}, nil
}
