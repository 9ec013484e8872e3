package rules

import (
	"bytes"
	"encoding/json"
	"fmt"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	"github.com/enrollhq/enroll"
)

// newActivation binds the variables and functions of one evaluation. The
// variables are converted lazily, once, on first use by any rule.
func newActivation(in enroll.EvaluationInput) (cel.Activation, error) {
	vars := map[string]any{
		varEnrollment: lazy(func() (map[string]any, error) {
			m, err := toMap(in.Enrollment)
			if err == nil {
				m["params"] = paramsMap(m["parameters"])
			}
			return m, err
		}),
		varCustomer: lazy(func() (map[string]any, error) {
			if in.Customer == nil {
				return map[string]any{}, nil
			}
			return toMap(in.Customer)
		}),
		varInstance: lazy(func() (map[string]any, error) { return toMap(in.Instance) }),
	}
	return cel.FunctionVars(vars, bindings(in))
}

// lazy adapts a conversion to the func() any form CEL's activation
// resolves on first access; a failed conversion becomes a CEL error.
func lazy(f func() (map[string]any, error)) func() any {
	return func() any {
		m, err := f()
		if err != nil {
			return types.WrapErr(err)
		}
		return m
	}
}

// toMap returns the JSON form of v as a map. Integral JSON numbers become
// int64 and others float64, so that metadata.count + 1 type-checks at
// runtime as it reads.
func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", v, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decoding %T: %w", v, err)
	}
	if m == nil {
		m = map[string]any{}
	}
	fixNumbers(m)
	return m, nil
}

// fixNumbers replaces the json.Number values in v, in place, and returns v.
func fixNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = fixNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = fixNumbers(e)
		}
	}
	return v
}

// paramsMap indexes the JSON parameters list by externalId, so rules can
// write enrollment.params.size rather than search the list.
func paramsMap(parameters any) map[string]any {
	out := map[string]any{}
	list, _ := parameters.([]any)
	for _, p := range list {
		if m, ok := p.(map[string]any); ok {
			if id, ok := m["externalId"].(string); ok {
				out[id] = m["value"]
			}
		}
	}
	return out
}
