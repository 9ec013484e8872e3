package rules

import (
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
)

// shape is what unknownField knows of a value the variables hold: an
// object with fixed members, or a list of such objects. The variables are
// maps, so the type checker accepts any name; a misspelt one would only
// fail each evaluation, making every enrollment ineligible. A nil shape is
// a value whose members are not checked: free-form (metadata, params, a
// device's attributes, a parameter's value) or not an object.
type shape struct {
	members map[string]*shape // an object's members, by JSON name
	item    *shape            // a list's items
}

func object(names []string, nested map[string]*shape) *shape {
	s := &shape{members: make(map[string]*shape, len(names))}
	for _, n := range names {
		s.members[n] = nested[n]
	}
	return s
}

func listOf(item *shape) *shape { return &shape{item: item} }

// The shapes of the variables and of the objects inside them, by their
// JSON names (TestShapesMatchJSON holds them to the domain's JSON).
var (
	addressShape    = object([]string{"streetOne", "streetTwo", "city", "state", "postalCode", "country"}, nil)
	traceEntryShape = object([]string{"name", "outcome", "message"}, nil)
	deviceShape     = object([]string{"id", "type", "manufacturerSlug", "manufacturerName", "productName", "serialNumber",
		"installDate", "attributes", "configuration"}, nil)
	parameterValueShape = object([]string{"externalId", "value", "error"},
		map[string]*shape{"error": object([]string{"id", "message"}, nil)})
	parameterShape = object([]string{"externalId", "name", "type", "constraints"},
		map[string]*shape{"constraints": object([]string{"required", "readonly", "hidden", "unique", "pattern", "options"}, nil)})
	variableShapes = map[string]*shape{
		varEnrollment: object(enrollmentFields, map[string]*shape{
			"address":     addressShape,
			"devices":     listOf(deviceShape),
			"parameters":  listOf(parameterValueShape),
			"eligibility": object([]string{"status", "reason", "programInstanceId"}, nil),
			"evaluation": object([]string{"status", "reason", "rulesVersion", "trace", "evaluatedAt"},
				map[string]*shape{"trace": listOf(traceEntryShape)}),
		}),
		varCustomer: object(customerFields, map[string]*shape{"address": addressShape}),
		varInstance: object(instanceFields, map[string]*shape{
			"eligibilityRules": listOf(object([]string{"name", "expression", "reason"}, nil)),
			"parameters":       listOf(parameterShape),
			"groups":           listOf(object([]string{"id", "name"}, nil)),
		}),
	}
)

// unknownField returns the first member that expr selects by name from a
// variable, or from an item of one of its lists (the variable of
// enrollment.devices.exists(d, d.type == "x"), or enrollment.devices[0]),
// that the object does not have, such as "enrollment.adress" or
// "enrollment.devices[].manufacturer", or "".
func (e *Engine) unknownField(expr string) string {
	ast, iss := e.env.Parse(expr)
	if iss.Err() != nil {
		return ""
	}
	root := ast.NativeRep().Expr()
	if bindsVariableName(root) {
		return "" // a comprehension variable shadows one: not worth the risk
	}
	scope := map[string]named{}
	for name, s := range variableShapes {
		scope[name] = named{s, name}
	}
	var bad string
	findUnknown(root, scope, &bad)
	return bad
}

// named is a shape with the path that names it in messages.
type named struct {
	s    *shape
	path string
}

// findUnknown walks e with the identifiers of scope bound to their shapes
// and sets bad to the first unknown member it selects.
func findUnknown(e celast.Expr, scope map[string]named, bad *string) {
	if *bad != "" {
		return
	}
	if _, ok := resolveShape(e, scope, bad); ok {
		return // a chain of selections, checked as it was resolved
	}
	switch e.Kind() {
	case celast.SelectKind:
		findUnknown(e.AsSelect().Operand(), scope, bad)
	case celast.CallKind:
		call := e.AsCall()
		if call.IsMemberFunction() {
			findUnknown(call.Target(), scope, bad)
		}
		for _, a := range call.Args() {
			findUnknown(a, scope, bad)
		}
	case celast.ComprehensionKind:
		c := e.AsComprehension()
		findUnknown(c.IterRange(), scope, bad)
		findUnknown(c.AccuInit(), scope, bad)
		inner := make(map[string]named, len(scope)+1)
		for k, v := range scope {
			inner[k] = v
		}
		// The loop's variables shadow what they name outside; the item
		// variable of a list whose items have a shape takes it.
		for _, v := range []string{c.IterVar(), c.IterVar2(), c.AccuVar()} {
			delete(inner, v)
		}
		if r, ok := resolveShape(c.IterRange(), scope, bad); ok && r.s != nil && r.s.item != nil && c.IterVar2() == "" {
			inner[c.IterVar()] = named{r.s.item, r.path + "[]"}
		}
		for _, x := range []celast.Expr{c.LoopCondition(), c.LoopStep(), c.Result()} {
			findUnknown(x, inner, bad)
		}
	case celast.ListKind:
		for _, x := range e.AsList().Elements() {
			findUnknown(x, scope, bad)
		}
	case celast.MapKind:
		for _, entry := range e.AsMap().Entries() {
			me := entry.AsMapEntry()
			findUnknown(me.Key(), scope, bad)
			findUnknown(me.Value(), scope, bad)
		}
	case celast.StructKind:
		for _, f := range e.AsStruct().Fields() {
			findUnknown(f.AsStructField().Value(), scope, bad)
		}
	}
}

// resolveShape returns the shape of e when e is an identifier of scope
// followed by constant selections (x.a, x["a"], x.?a, x[0]), and reports
// in bad the first of them that names a member the object lacks.
func resolveShape(e celast.Expr, scope map[string]named, bad *string) (named, bool) {
	switch e.Kind() {
	case celast.IdentKind:
		n, ok := scope[e.AsIdent()]
		return n, ok
	case celast.SelectKind:
		sel := e.AsSelect()
		if n, ok := resolveShape(sel.Operand(), scope, bad); ok {
			return member(n, sel.FieldName(), bad), true
		}
	case celast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case operators.Index, operators.OptIndex, operators.OptSelect:
			if call.IsMemberFunction() || len(args) != 2 || args[1].Kind() != celast.LiteralKind {
				break
			}
			n, ok := resolveShape(args[0], scope, bad)
			if !ok {
				break
			}
			switch key := args[1].AsLiteral().(type) {
			case types.String:
				return member(n, string(key), bad), true
			case types.Int, types.Uint:
				if n.s != nil && n.s.item != nil {
					return named{n.s.item, n.path + "[]"}, true
				}
				return named{}, true
			}
		}
	}
	return named{}, false
}

// member returns the shape of n's member name, setting bad when n is an
// object without it.
func member(n named, name string, bad *string) named {
	if n.s == nil || n.s.members == nil {
		return named{}
	}
	m, ok := n.s.members[name]
	if !ok {
		if *bad == "" {
			*bad = n.path + "." + name
		}
		return named{}
	}
	return named{m, n.path + "." + name}
}
