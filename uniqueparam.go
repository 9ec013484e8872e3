package enroll

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// The values of an instance's unique parameters are held, one enrollment
// to a value, in a table of each store (enrollment_unique_values) whose
// key refuses a second holder. Two kinds of write keep it:
//
//   - an enrollment's write registers the values it sets anew and frees
//     those it drops (UniqueValuesSince); a value it held and kept is
//     never checked again, so that no write of an enrollment is refused
//     for what it already had;
//   - an instance's update that changes which values are held
//     (UniqueParameterChanges) drops the registrations of the parameters
//     concerned and registers the values their open enrollments hold
//     (UniqueHolders), in the update's transaction, and is refused, as a
//     database refuses a unique index over duplicates, when two of them
//     share one.

// UniqueValuesSince returns e's unique values in inst (UniqueValues),
// split in those old, the enrollment's stored state (nil for a new
// enrollment), already held, which the write keeps, and those it sets
// anew, which another holder refuses.
func (e *Enrollment) UniqueValuesSince(old *Enrollment, inst *ProgramInstance) (kept, set []UniqueValue) {
	var had []UniqueValue
	if old != nil {
		had = old.UniqueValues(inst)
	}
	for _, u := range e.UniqueValues(inst) {
		if slices.Contains(had, u) {
			kept = append(kept, u)
		} else {
			set = append(set, u)
		}
	}
	return kept, set
}

// UniqueParameterChanges returns what an update of an instance from old to
// in changes in the values its enrollments hold: drop, the parameters
// whose registrations go (no longer unique, or no longer declared, or
// held otherwise now), and register, those of them whose values open
// enrollments hold anew (made unique, declared anew as unique, or held
// otherwise now). A unique parameter's values are held by their text,
// which its type changes only to or from date (uniqueText); nothing else
// in a declaration changes which values are held.
func UniqueParameterChanges(old, in *ProgramInstance) (drop, register []string) {
	heldAlike := func(a, b Parameter) bool { return (a.Type == ParamDate) == (b.Type == ParamDate) }
	for _, p := range old.Parameters {
		if !p.Constraints.Unique {
			continue
		}
		if q, ok := in.Parameter(p.ExternalID); !ok || !q.Constraints.Unique || !heldAlike(p, q) {
			drop = append(drop, p.ExternalID)
		}
	}
	for _, q := range in.Parameters {
		if !q.Constraints.Unique {
			continue
		}
		if p, ok := old.Parameter(q.ExternalID); !ok || !p.Constraints.Unique || !heldAlike(p, q) {
			if !slices.Contains(drop, q.ExternalID) {
				drop = append(drop, q.ExternalID)
			}
			register = append(register, q.ExternalID)
		}
	}
	return drop, register
}

// UniqueHolding is an open enrollment's value of a parameter, as a store
// reads it to register the values of the parameters UniqueParameterChanges
// names.
type UniqueHolding struct {
	EnrollmentID string
	ExternalID   string
	Value        any
}

// UniqueHolder is a unique value and the enrollment holding it: a row of
// a store's table of held values.
type UniqueHolder struct {
	UniqueValue
	EnrollmentID string
}

// maxNamedHolders bounds the enrollments a refused update names: a value
// thousands share would otherwise make a problem of megabytes.
const maxNamedHolders = 10

// UniqueHolders returns the values holdings register under in's
// declarations, in order of parameter, value and enrollment: the empty
// ones, and those of parameters in does not declare unique, hold
// nothing. Returns ECONFLICT naming the parameter, the value and the
// enrollments when two enrollments share a value (the first such value in
// that order), so that the update that makes the parameter unique is
// refused and changes nothing.
func (in *ProgramInstance) UniqueHolders(holdings []UniqueHolding) ([]UniqueHolder, error) {
	out := in.uniqueHeld(holdings)
	for i := 0; i < len(out); {
		j := valueRun(out, i)
		if j-i > 1 {
			return nil, in.uniqueShared(out[i:j])
		}
		i = j
	}
	return out, nil
}

// uniqueHeld returns the values holdings hold under in's declarations, as
// an enrollment's write registers them (uniqueText), in order of
// parameter, value and enrollment, each enrollment's value once.
func (in *ProgramInstance) uniqueHeld(holdings []UniqueHolding) []UniqueHolder {
	out := make([]UniqueHolder, 0, len(holdings))
	for _, h := range holdings {
		def, ok := in.Parameter(h.ExternalID)
		if !ok || !def.Constraints.Unique || isEmpty(h.Value) {
			continue
		}
		out = append(out, UniqueHolder{UniqueValue: UniqueValue{ExternalID: h.ExternalID, Value: def.uniqueText(h.Value)}, EnrollmentID: h.EnrollmentID})
	}
	slices.SortFunc(out, func(a, b UniqueHolder) int {
		return cmp.Or(strings.Compare(a.ExternalID, b.ExternalID), strings.Compare(a.Value, b.Value), strings.Compare(a.EnrollmentID, b.EnrollmentID))
	})
	// An enrollment holds a value once, however often its document says so.
	return slices.Compact(out)
}

// valueRun returns the end of the run of held, sorted by value, that
// holds the value of held[i].
func valueRun(held []UniqueHolder, i int) int {
	j := i + 1
	for j < len(held) && held[j].UniqueValue == held[i].UniqueValue {
		j++
	}
	return j
}

// UniqueLeftOut is an open enrollment's value of a unique parameter that
// another enrollment is registered for (HolderID): left unregistered, it
// is kept at the enrollment's writes but held by the other.
type UniqueLeftOut struct {
	UniqueHolder
	HolderID string
}

// UniqueUnregistered returns what registering the values holdings hold
// under in's declarations, as UniqueHolders computes them, adds to the
// registrations a store holds already (registered, rows of its table):
// register, each held value nobody is registered for, for the first of
// its holders by id; and left, the holders of a value another enrollment
// is registered for, or that register gives to another. It is how a store
// registers, once, the values of parameters made unique before updates of
// their instance registered them, when enrollments may share one: unlike
// UniqueHolders it refuses nothing, since the values are held already. A
// value registered for the enrollment holding it is neither.
func (in *ProgramInstance) UniqueUnregistered(holdings []UniqueHolding, registered []UniqueHolder) (register []UniqueHolder, left []UniqueLeftOut) {
	holder := make(map[UniqueValue]string, len(registered))
	for _, r := range registered {
		holder[r.UniqueValue] = r.EnrollmentID
	}
	held := in.uniqueHeld(holdings)
	for i := 0; i < len(held); {
		j := valueRun(held, i)
		id, ok := holder[held[i].UniqueValue]
		if !ok {
			id = held[i].EnrollmentID
			register = append(register, held[i])
		}
		for _, h := range held[i:j] {
			if h.EnrollmentID != id {
				left = append(left, UniqueLeftOut{UniqueHolder: h, HolderID: id})
			}
		}
		i = j
	}
	return register, left
}

// uniqueShared is the ECONFLICT of a parameter made unique whose value
// shared, two or more enrollments, hold. The update's key may read hidden
// values (programs:write), so the holders are named whether or not the
// parameter is hidden.
func (in *ProgramInstance) uniqueShared(shared []UniqueHolder) *Error {
	u := shared[0].UniqueValue
	ids := make([]string, 0, min(len(shared), maxNamedHolders))
	for _, h := range shared[:cap(ids)] {
		ids = append(ids, h.EnrollmentID)
	}
	holders := "enrollments " + ids[0] + " and " + ids[1]
	if n := len(shared); n > 2 {
		holders = "enrollments " + ids[0] + ", " + ids[1] + " and " + Quantity(n-2, "other", "others")
	}
	return &Error{Code: ECONFLICT,
		Message: "Parameter " + u.ExternalID + " cannot be unique in the program instance: " + holders + " have the value " +
			strconv.Quote(u.Value) + ". Change all but one of them, or close them (rejected, unenrolled), first.",
		Extra: map[string]any{"parameter": u.ExternalID, "value": u.Value, "enrollmentIds": ids}}
}
