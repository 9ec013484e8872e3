package rules

import (
	"bytes"
	"encoding/json"
	"fmt"

	"cel.dev/cel-go/common/types"

	"github.com/enrollhq/enroll"
)

// This file holds the reference conversion of the domain objects to the
// maps rules see: their JSON form, decoded with whole numbers as int64
// (but the values of number parameters as float64, numberParam).
// Evaluation uses the faster equivalent in convert.go and falls back to
// this one when that declines.

// toMap returns the JSON form of v as a map, without the members it
// shows as null for want of a value (dropNulls). Integral JSON numbers become int64 and others float64, so
// that metadata.count + 1 type-checks at runtime as it reads.
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
	dropNulls(m)
	for _, k := range []string{"eligibility", "address"} {
		if sub, ok := m[k].(map[string]any); ok {
			dropNulls(sub)
		}
	}
	fixNumbers(m)
	return m, nil
}

// dropNulls removes the members of m that a representation shows as null
// for want of a value (nulljson.go in the domain): rules see them absent,
// as they always have, so has(enrollment.phone) still says whether there
// is a phone. A null of another member (a nil collection) stays.
func dropNulls(m map[string]any) {
	for k, v := range m {
		if v == nil && optionalMembers[k] {
			delete(m, k)
		}
	}
}

// optionalMembers are the members of the enrollment, its eligibility and
// address, the customer and the instance that are null when they have no
// value.
var optionalMembers = map[string]bool{
	"leadId": true, "customerId": true, "enrollmentId": true, "firstName": true, "lastName": true,
	"email": true, "phone": true, "address": true, "serialNumber": true, "referenceId": true,
	"referenceDescription": true, "notes": true, "assignee": true, "enrollmentStartDate": true,
	"enrolledAt": true, "unenrolledAt": true, "evaluation": true, "reason": true,
	"startDate": true, "endDate": true, "capacity": true,
	"streetOne": true, "streetTwo": true, "city": true, "state": true, "postalCode": true, "country": true,
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

// The variables' values by the reference conversion; a failed conversion
// is a CEL error, reported by every rule that reads the variable.

func enrollmentJSON(e *enroll.Enrollment, inst *enroll.ProgramInstance) any {
	m, err := toMap(e)
	if err != nil {
		return types.WrapErr(err)
	}
	list, _ := m["parameters"].([]any)
	for _, p := range list {
		if pm, ok := p.(map[string]any); ok {
			if v, ok := pm["value"]; ok {
				id, _ := pm["externalId"].(string)
				pm["value"] = numberParam(inst, id, v)
			}
		}
	}
	m["params"] = paramsMap(m["parameters"])
	return m
}

func customerJSON(c *enroll.Customer) any {
	if c == nil {
		return map[string]any{}
	}
	return jsonOrErr(toMap(c))
}

func instanceJSON(in *enroll.ProgramInstance) any { return jsonOrErr(toMap(in)) }

func jsonOrErr(m map[string]any, err error) any {
	if err != nil {
		return types.WrapErr(err)
	}
	return m
}
