package enroll

import (
	"encoding/json"
	"slices"
)

// Update applies fn to a deep copy of in, the instance as stored, inside a
// store's write transaction, and returns the copy with the changes the
// instance.updated event carries as previousAttributes (none: nothing to
// write). fn cannot change the ids, the program, the rules version or the
// times. Changed rules have their names trimmed (TrimRuleNames), and must
// be the ones checked (see WriteCheckedRules),
// and start a new rules version; the store sets UpdatedAt when it writes.
// Both stores update through it, so they agree on what an update may do.
// Returns fn's error, EINVALID, or *UncheckedRules.
func (in *ProgramInstance) Update(fn func(*ProgramInstance) error, checked CheckedRules) (*ProgramInstance, map[string]any, error) {
	next := Clone(in)
	if err := fn(next); err != nil {
		return nil, nil, err
	}
	next.ID, next.WorkspaceID, next.ProgramID, next.RulesVersion = in.ID, in.WorkspaceID, in.ProgramID, in.RulesVersion
	next.CreatedAt, next.UpdatedAt = in.CreatedAt, in.UpdatedAt
	if !RulesEqual(in.EligibilityRules, next.EligibilityRules) {
		next.TrimRuleNames()
	}
	if err := next.validate(in); err != nil {
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

// Clone returns a deep copy of v through its JSON form, for a store's
// update to hand its callback while keeping what it read; fields hidden
// from JSON are the caller's to restore. v is a stored object, decoded
// from JSON, so it encodes again.
func Clone[T any](v *T) *T {
	b, _ := json.Marshal(v)
	c := new(T)
	_ = json.Unmarshal(b, c)
	return c
}

// MaxCapacity is the largest capacity an instance may be given, the
// maximum the API's schema declares.
const MaxCapacity = 1_000_000_000

// Change applies fn, a user's change of in (a PATCH, a console form), to
// in inside a store's UpdateInstance callback, then refuses, through
// CheckParameterConstraints, the constraints of the parameters it
// declares anew or differently, and a new capacity above MaxCapacity
// (one stored before is kept, as Validate does not check it). The API
// and the console change instances through it, so that both refuse the
// same declarations and capacities. Returns fn's error, or EINVALID.
func (in *ProgramInstance) Change(fn func(*ProgramInstance) error) error {
	declared := slices.Clone(in.Parameters)
	capacity := -1
	if in.Capacity != nil {
		capacity = *in.Capacity
	}
	if err := fn(in); err != nil {
		return err
	}
	err := CheckParameterConstraints(in.Parameters, declared)
	if in.Capacity == nil || *in.Capacity <= MaxCapacity || *in.Capacity == capacity {
		return err
	}
	var v Invalid
	v.Add("capacity", "must be at most 1000000000", *in.Capacity)
	if e, ok := err.(*Error); ok {
		v = append(v, e.Fields...)
	}
	return v.Err()
}
