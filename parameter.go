package enroll

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Parameter error ids, as in the marketplace seed's error object.
const (
	// ParamErrRequired: a required parameter has no value.
	ParamErrRequired = "PARAM_REQUIRED"
	// ParamErrType: the value is not of the parameter's type.
	ParamErrType = "PARAM_TYPE"
	// ParamErrPattern: a string value does not match the pattern.
	ParamErrPattern = "PARAM_PATTERN"
	// ParamErrOption: a choice value is not one of the options.
	ParamErrOption = "PARAM_OPTION"
	// ParamErrUnknown: the program instance declares no such parameter.
	// Only a refused request carries it: a value the enrollment already
	// held, of a parameter the instance has dropped since, is kept without
	// an error, so that dropping a parameter blocks no approval.
	ParamErrUnknown = "PARAM_UNKNOWN"
	// ParamErrTooLong: the value of a unique parameter is longer than
	// MaxUniqueValueLength, past what the stores index.
	ParamErrTooLong = "PARAM_TOO_LONG"
)

// MaxUniqueValueLength bounds the text a unique parameter's value is
// indexed by, in bytes: PostgreSQL's B-tree takes at most 2,704 bytes an
// entry, and a longer value failed its write (an import's whole batch)
// with a 500.
const MaxUniqueValueLength = 1000

// checkParameters checks e's parameter values against the instance's
// declarations. A value for an undeclared parameter, or one that breaks its
// parameter's type or constraints, is a field error (422) and carries its
// error; a required parameter without a value gets an entry with a
// PARAM_REQUIRED error instead, so a partly filled enrollment can be stored
// and shows what it lacks (a submission of it goes to needs_action). In an
// update of old, a value old held unchanged is only marked with its error
// (validate says why).
func (e *Enrollment) checkParameters(v *Invalid, inst *ProgramInstance, old *Enrollment) {
	e.upperDates(inst)
	byID := map[string]int{}
	for i := range e.Parameters {
		p := &e.Parameters[i]
		byID[p.ExternalID] = i
		def, ok := inst.Parameter(p.ExternalID)
		if !ok {
			if p.ExternalID == "" {
				// Validation says it is required: no parameter is named
				// "", and saying so too would be a second error of one fault.
				continue
			}
			if !old.holds(*p) {
				p.Error = &ParameterError{ID: ParamErrUnknown, Message: p.ExternalID + " is not a parameter of this program instance."}
				v.Add(loc("parameters", i)+".externalId", "is not a parameter of program instance "+inst.ID, p.ExternalID)
			}
			continue
		}
		p.Error = def.check(p.Value)
		if p.Error != nil && p.Error.ID != ParamErrRequired && !old.holds(*p) {
			// A value of the wrong shape is refused; only absence is kept.
			v.Add(loc("parameters", i)+".value", p.Error.Message, p.Value)
		}
	}
	for _, def := range inst.Parameters {
		if _, ok := byID[def.ExternalID]; !ok && def.Constraints.Required {
			e.Parameters = append(e.Parameters, ParameterValue{ExternalID: def.ExternalID, Error: def.check(nil)})
		}
	}
}

// SampleParameters makes e's parameter values what a create in inst
// would store, for a rules test's sample: date-times in upper case, each
// value with its error, and an entry with its PARAM_REQUIRED error for
// each required parameter without a value. Unlike a create it refuses
// none: a value the create would refuse keeps its error.
func (e *Enrollment) SampleParameters(inst *ProgramInstance) {
	var ignored Invalid
	e.checkParameters(&ignored, inst, nil)
}

// check returns the error of value v for the parameter, or nil.
func (def Parameter) check(v any) *ParameterError {
	if isEmpty(v) {
		if def.Constraints.Required {
			return &ParameterError{ID: ParamErrRequired, Message: def.Name + " is required."}
		}
		return nil
	}
	article := "a"
	if def.Type == ParamObject {
		article = "an"
	}
	typeErr := &ParameterError{ID: ParamErrType, Message: fmt.Sprintf("%s must be %s %s.", def.Name, article, def.Type)}
	if err := def.typeCheck(v, typeErr); err != nil {
		return err
	}
	if def.Constraints.Unique && len(def.uniqueText(v)) > MaxUniqueValueLength {
		return &ParameterError{ID: ParamErrTooLong, Message: fmt.Sprintf("%s must be at most %d bytes long to be unique.", def.Name, MaxUniqueValueLength)}
	}
	return nil
}

// typeCheck returns the error of v, not empty, for the parameter's type
// and constraints (typeErr for the wrong type), or nil.
func (def Parameter) typeCheck(v any, typeErr *ParameterError) *ParameterError {
	switch def.Type {
	case ParamNumber:
		if s, ok := v.(string); ok {
			// A CSV cell CoerceParameters left as text: a float64 would
			// round it, or hold it as 0, or holds no such number.
			n := strings.TrimSpace(s)
			if msg := numberProblem(n); msg != "" {
				return &ParameterError{ID: ParamErrType, Message: def.Name + " " + msg + "."}
			}
			if _, err := strconv.ParseFloat(n, 64); jsonNumber(n) && err != nil {
				return &ParameterError{ID: ParamErrType, Message: def.Name + " " + outOfRange(n) + "."}
			}
		}
		if _, ok := v.(float64); !ok {
			return typeErr
		}
	case ParamBoolean:
		if _, ok := v.(bool); !ok {
			return typeErr
		}
	case ParamObject:
		if s, ok := v.(string); ok && strings.HasPrefix(strings.TrimSpace(s), "{") {
			// A CSV cell CoerceParameters left as text, as JSON cells
			// are refused: its JSON says why.
			if _, err := objectCell(s); err != nil {
				return &ParameterError{ID: ParamErrType, Message: def.Name + " " + err.Error() + "."}
			}
		}
		if _, ok := v.(map[string]any); !ok {
			return typeErr
		}
	case ParamDate:
		s, ok := v.(string)
		if !ok {
			return typeErr
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			if _, _, err := ParseTime(s); err != nil && LeapSecond(s) {
				return &ParameterError{ID: ParamErrType, Message: def.Name + " must be a date (YYYY-MM-DD or RFC 3339): " + s + " " + LeapSecondRefusal + "."}
			} else if err != nil {
				return &ParameterError{ID: ParamErrType, Message: def.Name + " must be a date (YYYY-MM-DD or RFC 3339)."}
			}
		}
	case ParamString, ParamChoice:
		s, ok := v.(string)
		if !ok {
			return typeErr
		}
		if def.Type == ParamChoice && !slices.Contains(def.Constraints.Options, s) {
			return &ParameterError{ID: ParamErrOption, Message: def.Name + " must be one of: " + strings.Join(def.Constraints.Options, ", ") + "."}
		}
		if def.Constraints.Pattern != "" {
			// Validated when the instance was saved, so it compiles.
			if re, err := regexp.Compile(def.Constraints.Pattern); err == nil && !re.MatchString(s) {
				return &ParameterError{ID: ParamErrPattern, Message: def.Name + " does not have the expected format."}
			}
		}
	}
	return nil
}

func isEmpty(v any) bool {
	s, isString := v.(string)
	return v == nil || isString && strings.TrimSpace(s) == ""
}

// upperDates writes the values of e's date parameters that are RFC 3339
// date-times in the usual upper-case form (ParseTime): they are stored and
// answered so, a rule's timestamp() refuses "2026-01-02t03:04:05z", and a
// read-only value sent back in lower case is the value it holds.
func (e *Enrollment) upperDates(inst *ProgramInstance) {
	if inst == nil {
		return
	}
	for i, p := range e.Parameters {
		s, ok := p.Value.(string)
		if def, declared := inst.Parameter(p.ExternalID); !ok || !declared || def.Type != ParamDate {
			continue
		}
		if _, upper, err := ParseTime(s); err == nil {
			e.Parameters[i].Value = upper
		}
	}
}

// checkReadonly refuses changes to the values of read-only parameters once
// they are set, removing them included: parameters is replaced whole, so
// a list without the value would erase it.
func checkReadonly(v *Invalid, old, e *Enrollment, inst *ProgramInstance) {
	for _, o := range old.Parameters {
		def, ok := inst.Parameter(o.ExternalID)
		if !ok || !def.Constraints.Readonly || isEmpty(o.Value) {
			continue
		}
		i := e.parameterIndex(o.ExternalID)
		switch {
		case i < 0:
			v.Add("parameters", o.ExternalID+" is read-only and cannot be removed", nil)
		case !sameValue(o.Value, e.Parameters[i].Value):
			v.Add(loc("parameters", i)+".value", "is read-only", e.Parameters[i].Value)
		}
	}
}

// parameterIndex returns the index of e's value of parameter externalID,
// or -1.
func (e *Enrollment) parameterIndex(externalID string) int {
	return slices.IndexFunc(e.Parameters, func(p ParameterValue) bool { return p.ExternalID == externalID })
}

// holds reports whether e, which may be nil, has p's value for p's
// parameter.
func (e *Enrollment) holds(p ParameterValue) bool {
	if e == nil {
		return false
	}
	i := e.parameterIndex(p.ExternalID)
	return i >= 0 && sameValue(e.Parameters[i].Value, p.Value)
}

// sameValue reports whether two parameter values are equal as JSON.
func sameValue(a, b any) bool {
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return string(ab) == string(bb)
}

// KeepHiddenParameters puts back into e the values of old's hidden
// parameters that e does not name. A key without programs:write is never
// shown them, so the list it sends lacks them; replacing the list must
// not erase what the key could not see. A value it does name is its to
// change. Each goes back where it stood among the values stored, so that
// the list the key was shown, sent back, is the list stored (no change,
// no event), not the same values in another order.
func (e *Enrollment) KeepHiddenParameters(old *Enrollment, inst *ProgramInstance) {
	stored := make(map[string]int, len(old.Parameters))
	for i, o := range old.Parameters {
		stored[o.ExternalID] = i
	}
	for i, o := range old.Parameters {
		if !inst.hides(o.ExternalID) || e.parameterIndex(o.ExternalID) >= 0 {
			continue
		}
		// Before the first value sent that was stored after it.
		at := len(e.Parameters)
		for j, p := range e.Parameters {
			if k, ok := stored[p.ExternalID]; ok && k > i {
				at = j
				break
			}
		}
		e.Parameters = slices.Insert(e.Parameters, at, o)
	}
}

// ParameterProblems returns the externalIds of e's parameters that carry an
// error. A submission with problems is moved to needs_action.
func (e *Enrollment) ParameterProblems() []string {
	var out []string
	for _, p := range e.Parameters {
		if p.Error != nil {
			out = append(out, p.ExternalID)
		}
	}
	return out
}

// NeedsAction moves a just-submitted enrollment whose parameters have
// problems to needs_action, explaining which. It reports whether it did;
// callers store the change as a transition of its own.
func (e *Enrollment) NeedsAction() bool {
	bad := e.ParameterProblems()
	if e.Eligibility.Status != StatusSubmitted || len(bad) == 0 {
		return false
	}
	e.SetStatus(StatusNeedsAction, ListedReason("Missing or invalid parameters: ", bad, "."))
	return true
}

// gainedProblems reports whether e's parameters carry an error that old's
// did not: a change took a required value away, or gave a bad one.
func (e *Enrollment) gainedProblems(old *Enrollment) bool {
	had := old.ParameterProblems()
	for _, id := range e.ParameterProblems() {
		if !slices.Contains(had, id) {
			return true
		}
	}
	return false
}

// unapprovable refuses the approval of a submission whose parameters bad
// carry errors: the participant must supply them first (needs_action).
func unapprovable(bad []string) error {
	return &Error{Code: ECONFLICT, Message: "Cannot approve: parameters " + strings.Join(bad, ", ") +
		" are missing or invalid; ask the participant for them (needs_action) or fix them first.",
		Extra: map[string]any{"currentStatus": StatusSubmitted, "invalidParameters": bad}}
}

// UniqueValue is the value of a parameter declared unique, in the text form
// stores index it by.
type UniqueValue struct {
	ExternalID string
	Value      string
}

// UniqueValues returns e's values of the instance's unique parameters. Only
// open enrollments hold their values: a closed one frees them.
func (e *Enrollment) UniqueValues(inst *ProgramInstance) []UniqueValue {
	if !e.Eligibility.Status.Open() {
		return nil
	}
	var out []UniqueValue
	for _, p := range e.Parameters {
		def, ok := inst.Parameter(p.ExternalID)
		if !ok || !def.Constraints.Unique || isEmpty(p.Value) {
			continue
		}
		out = append(out, UniqueValue{ExternalID: p.ExternalID, Value: def.uniqueText(p.Value)})
	}
	return out
}

// uniqueText is the text a value v of the parameter is held by: a string
// as it is, any other value as JSON. A date-time is held in the upper-case
// form every write gives a date parameter's values (upperDates), so that
// "2026-01-02t03:04:05z", stored before the parameter was a date, is the
// value it becomes at its enrollment's next write, not another.
func (def Parameter) uniqueText(v any) string {
	s, isString := v.(string)
	if !isString {
		b, _ := json.Marshal(v)
		return string(b)
	}
	if def.Type == ParamDate {
		if _, upper, err := ParseTime(s); err == nil {
			return upper
		}
	}
	return s
}

// UniqueTaken is the ECONFLICT of a value of the instance's unique
// parameter that holder, another open enrollment, holds. For a hidden
// parameter it does not name the holder: a key that may not read hidden
// values could otherwise learn, by guessing values, which enrollment holds
// one. That the value is taken cannot be hidden: the request is refused.
func (in *ProgramInstance) UniqueTaken(u UniqueValue, holder string) *Error {
	if holder == "" || in.hides(u.ExternalID) {
		return &Error{Code: ECONFLICT,
			Message: "Parameter " + u.ExternalID + " must be unique in the program instance; another enrollment has this value.",
			Extra:   map[string]any{"parameter": u.ExternalID}}
	}
	return &Error{Code: ECONFLICT,
		Message: "Parameter " + u.ExternalID + " must be unique in the program instance; enrollment " + holder + " has this value.",
		Extra:   map[string]any{"existingId": holder, "parameter": u.ExternalID}}
}

// HideParameters removes the values of the instance's hidden parameters:
// what a key without programs:write sees. A nil inst removes them all.
// It also withholds the errors of its evaluation's rules (HideTrace),
// which may quote them.
func (e *Enrollment) HideParameters(inst *ProgramInstance) {
	e.Parameters = slices.DeleteFunc(e.Parameters, func(p ParameterValue) bool { return inst.hides(p.ExternalID) })
	if ev := e.Evaluation; ev != nil {
		if trace, changed := inst.HideTrace(ev.Trace); changed {
			// A copy: the enrollment's evaluation may be shared.
			hidden := *ev
			hidden.Trace = trace
			e.Evaluation = &hidden
		}
	}
}

// HiddenRuleError is the message a key without programs:write sees in
// place of a rule's error when the instance hides parameters: CEL's errors
// quote the values they met ("no such key: 123-45-6789"), hidden ones too.
const HiddenRuleError = "The rule could not be evaluated; its error is shown to keys with programs:write, as it may quote hidden parameter values."

// HideTrace returns trace as a key without programs:write sees it: when
// the instance hides a parameter (a nil instance, deleted since, may
// have), each error's message is HiddenRuleError. It returns a copy and
// true when it changed anything, else trace and false.
func (in *ProgramInstance) HideTrace(trace []RuleResult) ([]RuleResult, bool) {
	if !in.hidesAny() {
		return trace, false
	}
	var out []RuleResult
	for i, r := range trace {
		if r.Outcome != RuleError || r.Message == "" || r.Message == HiddenRuleError {
			continue
		}
		if out == nil {
			out = slices.Clone(trace)
		}
		out[i].Message = HiddenRuleError
	}
	if out == nil {
		return trace, false
	}
	return out, true
}

// hidesAny reports whether the instance hides a parameter; a nil one may
// have.
func (in *ProgramInstance) hidesAny() bool {
	if in == nil {
		return true
	}
	return slices.ContainsFunc(in.Parameters, func(p Parameter) bool { return p.Constraints.Hidden })
}

// hides reports whether the instance's parameter externalID is hidden. A
// nil instance (one deleted since) hides every parameter: which were
// hidden is no longer known.
func (in *ProgramInstance) hides(externalID string) bool {
	if in == nil {
		return true
	}
	def, ok := in.Parameter(externalID)
	return ok && def.Constraints.Hidden
}

// CoerceParameters gives text values (from a CSV cell) the type their
// parameter declares, so "7" becomes 7 for a number and "true" true for a
// boolean. Values that do not parse are left for validation to refuse.
//
// A number's cell is a JSON number, which a float64 holds as written
// (numberProblem): not Go's other literals (0x1p4, 1_000), nor NaN or
// Inf. A boolean's is true or false, in any letter case (spreadsheets
// write TRUE), not t or 1. An object's is a JSON object, read as the
// import's other JSON cells are (objectCell).
func (in *ProgramInstance) CoerceParameters(values []ParameterValue) {
	for i, p := range values {
		s, ok := p.Value.(string)
		def, declared := in.Parameter(p.ExternalID)
		if !ok || !declared {
			continue
		}
		switch def.Type {
		case ParamNumber:
			n := strings.TrimSpace(s)
			if !jsonNumber(n) || numberProblem(n) != "" {
				continue
			}
			if f, err := strconv.ParseFloat(n, 64); err == nil {
				values[i].Value = f
			}
		case ParamBoolean:
			if b, ok := boolCell(s); ok {
				values[i].Value = b
			}
		case ParamObject:
			if m, err := objectCell(s); err == nil {
				values[i].Value = m
			}
		}
	}
}

// jsonNumber reports whether s is a number in JSON's syntax: an optional
// minus, digits without leading zeros, an optional fraction and exponent.
func jsonNumber(s string) bool {
	return s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') && json.Valid([]byte(s))
}

// boolCell reads a CSV cell that holds a boolean: true or false, in any
// letter case, with spaces around it.
func boolCell(s string) (value, ok bool) {
	switch s = strings.TrimSpace(s); {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// objectCell decodes an object parameter's CSV cell as the import decodes
// its other JSON cells (unmarshalCell), so that a member named twice, or a
// number a float64 would keep as another, is refused there as it is in a
// metadata cell.
func objectCell(s string) (map[string]any, error) {
	var m map[string]any
	if err := unmarshalCell(s, &m, nil); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("must be an object, not null")
	}
	return m, nil
}
