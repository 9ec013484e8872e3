package rules

import (
	"fmt"

	celast "cel.dev/cel-go/common/ast"
)

// helperExamples are the list helpers, each with a call to show what it
// takes.
var helperExamples = map[string]string{
	fnInStates:        `inStates(["NY", "NJ"])`,
	fnInPostalCodes:   `inPostalCodes(["10001", "112*"])`,
	fnHasManufacturer: `hasManufacturer(["ecobee", "google-nest"])`,
}

// helperArgError returns why a call of a list helper in expr is given, as
// written, something other than a list of strings: a list holding a
// number, a boolean, null, a list or a map, or no list at all
// (inStates("NY")); nil when there is none, or when expr does not parse.
// CEL's checker types a mixed list as a list of dyn, which it lets
// through, and the call then fails every evaluation with "no such
// overload"; it words the others as overloads it did not find. Items
// known only when evaluated (a metadata field) are left to the
// evaluation, which names the helper when one is not a string.
func (e *Engine) helperArgError(expr string) error {
	ast, iss := e.env.Parse(expr)
	if iss.Err() != nil {
		return nil
	}
	info := ast.NativeRep().SourceInfo()
	at := func(x celast.Expr) string {
		loc := info.GetStartLocation(x.ID())
		return fmt.Sprintf("%d:%d", loc.Line(), loc.Column()+1)
	}
	var err error
	celast.PreOrderVisit(ast.NativeRep().Expr(), celast.NewExprVisitor(func(x celast.Expr) {
		if err != nil || x.Kind() != celast.CallKind {
			return
		}
		c := x.AsCall()
		example, ok := helperExamples[c.FunctionName()]
		if !ok || c.IsMemberFunction() || len(c.Args()) != 1 {
			return
		}
		fn, arg := c.FunctionName(), c.Args()[0]
		if arg.Kind() != celast.ListKind {
			if what := writtenKind(arg); what != "" && what != "a list" {
				err = fmt.Errorf("%s: %s takes a list of strings, such as %s, not %s", at(arg), fn, example, what)
			}
			return
		}
		for i, item := range arg.AsList().Elements() {
			if what := writtenKind(item); what != "" && what != "a string" {
				err = fmt.Errorf("%s: %s takes a list of strings, such as %s, but item %d of its list is %s: "+
					"types that do not go together, so the call would fail every evaluation", at(item), fn, example, i, what)
				return
			}
		}
	}))
	return err
}

// writtenKind says what x is as written: a literal's type, a list or a
// map, or "" for what only its evaluation tells.
func writtenKind(x celast.Expr) string {
	switch x.Kind() {
	case celast.ListKind:
		return "a list"
	case celast.MapKind:
		return "a map"
	case celast.LiteralKind:
		switch t := x.AsLiteral().Type().TypeName(); t {
		case "string":
			return "a string"
		case "int", "uint", "double":
			return "a number (" + t + ")"
		case "bool":
			return "a boolean"
		case "null_type":
			return "null"
		default:
			return "of type " + t
		}
	}
	return ""
}
