package enroll

import (
	"encoding/json"
	"fmt"
)

// Update applies fn to a deep copy of in, the instance as stored, inside a
// store's write transaction, and returns the copy with the changes the
// instance.updated event carries as previousAttributes (none: nothing to
// write). fn cannot change the ids, the program, the rules version or the
// times. Changed rules must be the ones checked (see WriteCheckedRules),
// and start a new rules version; the store sets UpdatedAt when it writes.
// Both stores update through it, so they agree on what an update may do.
// Returns fn's error, EINVALID, or *UncheckedRules.
func (in *ProgramInstance) Update(fn func(*ProgramInstance) error, checked CheckedRules) (*ProgramInstance, map[string]any, error) {
	next, err := in.copy()
	if err != nil {
		return nil, nil, err
	}
	if err := fn(next); err != nil {
		return nil, nil, err
	}
	next.ID, next.WorkspaceID, next.ProgramID, next.RulesVersion = in.ID, in.WorkspaceID, in.ProgramID, in.RulesVersion
	next.CreatedAt, next.UpdatedAt = in.CreatedAt, in.UpdatedAt
	if err := next.Validate(); err != nil {
		return nil, nil, err
	}
	if !RulesEqual(in.EligibilityRules, next.EligibilityRules) {
		if err := checked.Require(next.EligibilityRules, next.Parameters); err != nil {
			return nil, nil, err
		}
		next.RulesVersion++
	}
	return next, Diff(in, next), nil
}

// copy returns a deep copy of in through its JSON form, which fn may
// change without touching in; WorkspaceID, hidden from JSON, is restored
// by Update.
func (in *ProgramInstance) copy() (*ProgramInstance, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("enroll: copy instance: %w", err)
	}
	c := new(ProgramInstance)
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("enroll: copy instance: %w", err)
	}
	return c, nil
}
