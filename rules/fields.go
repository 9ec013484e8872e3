package rules

import (
	"slices"

	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
)

// fieldMask is a set of the top-level fields of one variable, one bit per
// field of its JSON form (see the field tables in convert.go). allFields
// means the whole object: the variable is used other than by naming one
// constant field.
type fieldMask uint64

const allFields = ^fieldMask(0)

// keySet is the keys of a free-form map (metadata, params) that a
// program reads, each by a constant key; all means it reads the map other
// than that, or as a whole.
type keySet struct {
	all  bool
	keys []string
}

func (k *keySet) add(key string) {
	if !k.all && !slices.Contains(k.keys, key) {
		k.keys = append(k.keys, key)
	}
}

func (k keySet) union(o keySet) keySet {
	if k.all || o.all {
		return keySet{all: true}
	}
	out := keySet{keys: slices.Clone(k.keys)}
	for _, key := range o.keys {
		out.add(key)
	}
	return out
}

// wants reports whether the map's entry key is needed.
func (k *keySet) wants(key string) bool { return k.all || slices.Contains(k.keys, key) }

var allKeys = keySet{all: true}

// usage is which fields of each variable a program reads. A variable whose
// mask is zero is not read at all. For the free-form fields in a mask,
// the key sets tell which of their entries are read.
type usage struct {
	enrollment, customer, instance fieldMask

	enrollmentMetadata, enrollmentParams, customerMetadata, instanceMetadata keySet
}

// union returns the fields read by either u or o.
func (u usage) union(o usage) usage {
	return usage{
		enrollment:         u.enrollment | o.enrollment,
		customer:           u.customer | o.customer,
		instance:           u.instance | o.instance,
		enrollmentMetadata: u.enrollmentMetadata.union(o.enrollmentMetadata),
		enrollmentParams:   u.enrollmentParams.union(o.enrollmentParams),
		customerMetadata:   u.customerMetadata.union(o.customerMetadata),
		instanceMetadata:   u.instanceMetadata.union(o.instanceMetadata),
	}
}

// resolvable returns u where a variable u does not read at all reads
// every field instead: the analysis saw no use of it, so it cannot be
// resolved, but should it be, it is whole.
func (u usage) resolvable() usage {
	if u.enrollment == 0 {
		u.enrollment, u.enrollmentMetadata, u.enrollmentParams = allFields, allKeys, allKeys
	}
	if u.customer == 0 {
		u.customer, u.customerMetadata = allFields, allKeys
	}
	if u.instance == 0 {
		u.instance, u.instanceMetadata = allFields, allKeys
	}
	return u
}

// allUsage reads every field of every variable: the safe assumption.
var allUsage = usage{allFields, allFields, allFields, allKeys, allKeys, allKeys, allKeys}

// analyzeUsage returns the fields of each variable that the checked
// expression can observe. A variable observed only through chains of
// constant keys (enrollment.address, has(enrollment.notes),
// enrollment["params"].size, enrollment.?metadata.?score) needs only the
// fields, and the entries of metadata and params, that the chains name in
// its map: the lookups of the other keys never happen, so leaving them out
// changes no result. Any other use (the bare variable as a value, an index
// computed at run time, a comprehension variable that shadows the name)
// needs the whole object; the whole metadata map, likewise.
func analyzeUsage(e celast.Expr) usage {
	var u usage
	if bindsVariableName(e) {
		// Telling a shadowed name from the variable is not worth the risk.
		return allUsage
	}
	walkUsage(e, &u)
	return u
}

// record notes that a program reads variable name through keys.
func (u *usage) record(name string, keys []string) {
	var mask *fieldMask
	var free map[string]*keySet // the free-form fields of the variable
	switch name {
	case varEnrollment:
		mask, free = &u.enrollment, map[string]*keySet{"metadata": &u.enrollmentMetadata, "params": &u.enrollmentParams}
	case varCustomer:
		mask, free = &u.customer, map[string]*keySet{"metadata": &u.customerMetadata}
	case varInstance:
		mask, free = &u.instance, map[string]*keySet{"metadata": &u.instanceMetadata}
	default:
		return
	}
	if len(keys) == 0 {
		*mask = allFields
		for _, ks := range free {
			*ks = allKeys
		}
		return
	}
	*mask |= fieldBit(name, keys[0])
	if ks := free[keys[0]]; ks != nil {
		if len(keys) > 1 {
			ks.add(keys[1])
		} else {
			*ks = allKeys
		}
	}
}

// chain decomposes e into a variable and the constant keys selected from
// it, innermost first: enrollment.metadata["score"] is enrollment,
// [metadata score]. ok is false when e is not such a chain.
func chain(e celast.Expr) (name string, keys []string, ok bool) {
	switch e.Kind() {
	case celast.IdentKind:
		switch e.AsIdent() {
		case varEnrollment, varCustomer, varInstance:
			return e.AsIdent(), nil, true
		}
	case celast.SelectKind:
		sel := e.AsSelect()
		if name, keys, ok = chain(sel.Operand()); ok {
			return name, append(keys, sel.FieldName()), true
		}
	case celast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case operators.Index, operators.OptIndex, operators.OptSelect:
			if call.IsMemberFunction() || len(args) != 2 || args[1].Kind() != celast.LiteralKind {
				break
			}
			key, isString := args[1].AsLiteral().(types.String)
			if !isString {
				break
			}
			if name, keys, ok = chain(args[0]); ok {
				return name, append(keys, string(key)), true
			}
		}
	}
	return "", nil, false
}

func walkUsage(e celast.Expr, u *usage) {
	// Walking from the root, the first node of a chain met is its outermost.
	if name, keys, ok := chain(e); ok {
		u.record(name, keys)
		return // the chain's other nodes are constant keys
	}
	switch e.Kind() {
	case celast.SelectKind:
		walkUsage(e.AsSelect().Operand(), u)
	case celast.CallKind:
		call := e.AsCall()
		if call.IsMemberFunction() {
			walkUsage(call.Target(), u)
		}
		for _, a := range call.Args() {
			walkUsage(a, u)
		}
	case celast.ComprehensionKind:
		c := e.AsComprehension()
		for _, x := range []celast.Expr{c.IterRange(), c.AccuInit(), c.LoopCondition(), c.LoopStep(), c.Result()} {
			walkUsage(x, u)
		}
	case celast.ListKind:
		for _, x := range e.AsList().Elements() {
			walkUsage(x, u)
		}
	case celast.MapKind:
		for _, entry := range e.AsMap().Entries() {
			me := entry.AsMapEntry()
			walkUsage(me.Key(), u)
			walkUsage(me.Value(), u)
		}
	case celast.StructKind:
		for _, f := range e.AsStruct().Fields() {
			walkUsage(f.AsStructField().Value(), u)
		}
	}
}

// bindsVariableName reports whether a comprehension in e declares a
// variable named like one of the rule variables.
func bindsVariableName(e celast.Expr) bool {
	found := false
	celast.PreOrderVisit(e, celast.NewExprVisitor(func(x celast.Expr) {
		if x.Kind() != celast.ComprehensionKind {
			return
		}
		c := x.AsComprehension()
		for _, name := range []string{c.IterVar(), c.IterVar2(), c.AccuVar()} {
			switch name {
			case varEnrollment, varCustomer, varInstance:
				found = true
			}
		}
	}))
	return found
}

// hasComprehension reports whether e loops: only comprehensions check the
// evaluation context, so a program without one gains nothing from it.
func hasComprehension(e celast.Expr) bool {
	found := false
	celast.PreOrderVisit(e, celast.NewExprVisitor(func(x celast.Expr) {
		if x.Kind() == celast.ComprehensionKind {
			found = true
		}
	}))
	return found
}
