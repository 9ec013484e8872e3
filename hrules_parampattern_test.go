package enroll_test

import (
	"errors"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestParameterPatternSize declares a string parameter whose pattern
// (".{0,1000}" 450 times, 4,050 characters) compiles to 900,000
// instructions, for over a second, at every write of every enrollment of
// the instance, in the store's write transaction (three such parameters
// held every workspace's writes on SQLite for 4 s at a PATCH of notes),
// and at every update of the instance. A new declaration with such a
// pattern is refused at its pattern by the size of the program its parse
// says it compiles to, without compiling it, and validating an instance
// that holds one, declared before, does not compile it; a pattern of
// ordinary size is still taken. What the check costs against a compile
// is BenchmarkParameterPatternSize's.
func TestParameterPatternSize(t *testing.T) {
	t.Parallel()
	param := func(pattern string) []enroll.Parameter {
		return []enroll.Parameter{{ExternalID: "p", Name: "P", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Pattern: pattern}}}
	}
	large := strings.Repeat(".{0,1000}", 450)
	err := enroll.CheckParameterConstraints(param(large), nil)
	var e *enroll.Error
	if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Location != "parameters[0].constraints.pattern" ||
		!strings.Contains(e.Fields[0].Message, "compiles to about 900000 instructions") {
		t.Errorf("a pattern of 900,000 instructions: %v, want an error at parameters[0].constraints.pattern counting its instructions", err)
	}
	in := &enroll.ProgramInstance{Slug: "s", Name: "n", Status: enroll.InstanceActive, Parameters: param(large)}
	if err := in.Validate(); err != nil {
		t.Errorf("Validate of an instance declared before: %v", err)
	}
	for _, ok := range []string{`^[A-Z]{2}[0-9]{6,12}$`, `^.{1,256}$`, `^[\p{L} '-]{1,100}$`} {
		if err := enroll.CheckParameterConstraints(param(ok), nil); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	// The count the refusal rests on is the program's size, as compiling
	// patterns small enough to compile at once shows: what a pattern's
	// compile costs grows with it.
	for _, p := range []string{`^[A-Z]{2}[0-9]{6,12}$`, `^.{1,256}$`, `^[\p{L} '-]{1,100}$`, `(a|b|c)+x*`, `(?:ab){3,}`,
		strings.Repeat(".{0,1000}", 3), strings.Repeat("[a-z]{0,100}", 20)} {
		n, err := enroll.RegexInstructions(p)
		re, perr := syntax.Parse(p, syntax.Perl)
		if err != nil || perr != nil {
			t.Fatalf("%s: %v, %v", p, err, perr)
		}
		prog, err := syntax.Compile(re.Simplify())
		if err != nil {
			t.Fatal(err)
		}
		if got := uint64(len(prog.Inst)); n < got/2 || n > 2*got {
			t.Errorf("%.40s: counted %d instructions, compiles to %d", p, n, got)
		}
	}
}
