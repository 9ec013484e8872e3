package enroll_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// BenchmarkParameterPatternSize checks a new declaration of a parameter
// whose pattern compiles to 900,000 instructions (".{0,1000}" 450 times)
// and validates an instance holding it, as TestParameterPatternSize does,
// and reports as the baseline of the same run how many such checks one
// compile of the pattern takes (compiles-per-check, well under 1): the
// check refuses the pattern without paying for it.
func BenchmarkParameterPatternSize(b *testing.B) {
	large := strings.Repeat(".{0,1000}", 450)
	params := []enroll.Parameter{{ExternalID: "p", Name: "P", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Pattern: large}}}
	in := &enroll.ProgramInstance{Slug: "s", Name: "n", Status: enroll.InstanceActive, Parameters: params}
	start := time.Now()
	if _, err := regexp.Compile(large); err != nil {
		b.Fatal(err)
	}
	compile := time.Since(start)
	for b.Loop() {
		if enroll.CheckParameterConstraints(params, nil) == nil || in.Validate() != nil {
			b.Fatal("the pattern was taken, or the instance holding it refused")
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/compile.Seconds(), "compiles-per-check")
}
