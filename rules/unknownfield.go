package rules

import (
	"slices"

	celast "cel.dev/cel-go/common/ast"
)

// memberNames are the members of the fixed-shape objects inside the
// variables, by the field that holds them. The variables are maps, so
// the type checker accepts any name; a misspelt one would only fail each
// evaluation, making every enrollment ineligible. Other nested values are
// free-form (metadata, params) or lists, and are not checked.
var memberNames = map[string][]string{
	"address":     {"streetOne", "streetTwo", "city", "state", "postalCode", "country"},
	"eligibility": {"status", "reason", "programInstanceId"},
	"evaluation":  {"status", "reason", "rulesVersion", "trace", "evaluatedAt"},
}

// unknownField returns the first field that expr selects by name from a
// variable and that the variable's objects do not have, such as
// "enrollment.adress", or "".
func (e *Engine) unknownField(expr string) string {
	ast, iss := e.env.Parse(expr)
	if iss.Err() != nil {
		return ""
	}
	root := ast.NativeRep().Expr()
	if bindsVariableName(root) {
		return "" // a comprehension variable shadows one: not worth the risk
	}
	var bad string
	celast.PreOrderVisit(root, celast.NewExprVisitor(func(x celast.Expr) {
		name, keys, ok := chain(x)
		if bad != "" || !ok || len(keys) == 0 {
			return
		}
		if _, known := fieldBits[name][keys[0]]; !known {
			bad = name + "." + keys[0]
		} else if members, fixed := memberNames[keys[0]]; fixed && len(keys) > 1 && !slices.Contains(members, keys[1]) {
			bad = name + "." + keys[0] + "." + keys[1]
		}
	}))
	return bad
}
