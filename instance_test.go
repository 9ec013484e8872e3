package enroll_test

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestProgramInstanceValidate_Parameters checks the declarations of an
// instance's parameters, by Validate and, for new declarations,
// CheckParameterConstraints: each constraint must be one its type's
// values are checked against.
func TestProgramInstanceValidate_Parameters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		p    enroll.Parameter
		want string // the location refused, "" for none
	}{
		{"string with a pattern", enroll.Parameter{Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Pattern: `^\d+$`}}, ""},
		{"choice with options and a pattern", enroll.Parameter{Type: enroll.ParamChoice, Constraints: enroll.ParameterConstraints{Options: []string{"a", "b"}, Pattern: "^a"}}, ""},
		{"bad pattern", enroll.Parameter{Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Pattern: `(`}}, "parameters[0].constraints.pattern"},
		{"pattern on a boolean", enroll.Parameter{Type: enroll.ParamBoolean, Constraints: enroll.ParameterConstraints{Pattern: "^t"}}, "parameters[0].constraints.pattern"},
		{"pattern on a number", enroll.Parameter{Type: enroll.ParamNumber, Constraints: enroll.ParameterConstraints{Pattern: "^1"}}, "parameters[0].constraints.pattern"},
		{"choice without options", enroll.Parameter{Type: enroll.ParamChoice}, "parameters[0].constraints.options"},
		{"options on a number", enroll.Parameter{Type: enroll.ParamNumber, Constraints: enroll.ParameterConstraints{Options: []string{"1"}}}, "parameters[0].constraints.options"},
		{"an option listed twice", enroll.Parameter{Type: enroll.ParamChoice, Constraints: enroll.ParameterConstraints{Options: []string{"a", "b", "a"}}}, "parameters[0].constraints.options[2]"},
		// The API's schema limits, which the console's JSON forms meet here.
		{"externalId of 100 characters", enroll.Parameter{ExternalID: strings.Repeat("x", 100), Type: enroll.ParamString}, ""},
		{"externalId of 101 characters", enroll.Parameter{ExternalID: strings.Repeat("x", 101), Type: enroll.ParamString}, "parameters[0].externalId"},
		{"pattern of 4,097 characters", enroll.Parameter{Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Pattern: strings.Repeat("a", 4097)}}, "parameters[0].constraints.pattern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.p.ExternalID, tc.p.Name = cmp.Or(tc.p.ExternalID, "p"), "P"
			in := &enroll.ProgramInstance{Slug: "s", Name: "n", Status: enroll.InstanceActive, Parameters: []enroll.Parameter{tc.p}}
			var locs []string
			for _, err := range []error{in.Validate(), enroll.CheckParameterConstraints(in.Parameters, nil)} {
				var e *enroll.Error
				if errors.As(err, &e) {
					for _, f := range e.Fields {
						locs = append(locs, f.Location)
					}
				}
			}
			switch {
			case tc.want == "" && len(locs) > 0:
				t.Errorf("refused at %v", locs)
			case tc.want != "" && !slices.Contains(locs, tc.want):
				t.Errorf("errors at %v, want %s", locs, tc.want)
			}
		})
	}
}

// TestCheckParameterConstraints_Previous checks that declarations saved
// before the constraint checks pass unchanged, and are checked once changed.
func TestCheckParameterConstraints_Previous(t *testing.T) {
	t.Parallel()
	old := []enroll.Parameter{{ExternalID: "n", Name: "N", Type: enroll.ParamNumber, Constraints: enroll.ParameterConstraints{Pattern: "^1"}}}
	same := []enroll.Parameter{old[0], {ExternalID: "s", Name: "S", Type: enroll.ParamString}}
	if err := enroll.CheckParameterConstraints(same, old); err != nil {
		t.Errorf("an unchanged declaration refused: %v", err)
	}
	changed := []enroll.Parameter{old[0]}
	changed[0].Constraints.Required = true
	if err := enroll.CheckParameterConstraints(changed, old); enroll.ErrorCode(err) != enroll.EINVALID {
		t.Errorf("a changed declaration passed: %v", err)
	}
}
