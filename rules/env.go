package rules

import (
	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"

	"github.com/enrollhq/enroll"
)

// The variables rules see. They are maps built from the JSON form of the
// domain objects, so rules use the API's field names.
const (
	varEnrollment = "enrollment"
	varCustomer   = "customer"
	varInstance   = "instance"
)

// maxRangeSize bounds lists.range(n); rules have no use for long ranges and
// the allocation happens before the cost limit can stop it.
const maxRangeSize = 1000

// newEnv declares the variables, the helper functions and the extension
// libraries that rules may use.
func newEnv() (*cel.Env, error) {
	obj := cel.MapType(cel.StringType, cel.DynType)
	opts := []cel.EnvOption{
		cel.Variable(varEnrollment, obj),
		cel.Variable(varCustomer, obj),
		cel.Variable(varInstance, obj),
		// JSON numbers become int or double; let rules compare them freely.
		cel.CrossTypeNumericComparisons(true),
		cel.DefaultUTCTimeZone(true),
		cel.ParserExpressionSizeLimit(enroll.MaxTextLength),
		cel.OptionalTypes(),
		ext.Strings(ext.StringsValidateFormatCalls(true)),
		ext.Lists(ext.ListsMaxRangeSize(maxRangeSize)),
		ext.Sets(),
		ext.Math(),
	}
	opts = append(opts, functionDecls()...)
	return cel.NewEnv(opts...)
}
