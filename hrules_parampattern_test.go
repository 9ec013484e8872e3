package enroll_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestParameterPatternSize declares a string parameter whose pattern
// (".{0,1000}" 450 times, 4,050 characters) compiles to 900,000
// instructions, for over a second, at every write of every enrollment of
// the instance, in the store's write transaction (three such parameters
// held every workspace's writes on SQLite for 4 s at a PATCH of notes),
// and at every update of the instance. A new declaration with such a
// pattern is refused at its pattern, at once, and validating an instance
// that holds one, declared before, does not compile it; a pattern of
// ordinary size is still taken.
func TestParameterPatternSize(t *testing.T) {
	t.Parallel()
	param := func(pattern string) []enroll.Parameter {
		return []enroll.Parameter{{ExternalID: "p", Name: "P", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Pattern: pattern}}}
	}
	large := strings.Repeat(".{0,1000}", 450)
	start := time.Now()
	err := enroll.CheckParameterConstraints(param(large), nil)
	var e *enroll.Error
	if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Location != "parameters[0].constraints.pattern" {
		t.Errorf("a pattern of 900,000 instructions: %v, want an error at parameters[0].constraints.pattern", err)
	}
	in := &enroll.ProgramInstance{Slug: "s", Name: "n", Status: enroll.InstanceActive, Parameters: param(large)}
	if err := in.Validate(); err != nil {
		t.Errorf("Validate of an instance declared before: %v", err)
	}
	if took := time.Since(start); took > time.Second/2 {
		t.Errorf("checking a pattern of 900,000 instructions took %v", took)
	}
	for _, ok := range []string{`^[A-Z]{2}[0-9]{6,12}$`, `^.{1,256}$`, `^[\p{L} '-]{1,100}$`} {
		if err := enroll.CheckParameterConstraints(param(ok), nil); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}
