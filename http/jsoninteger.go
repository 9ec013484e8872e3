package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// integerRetry handles err, json.Unmarshal's error decoding data into v:
// when a number written with a fraction or an exponent (5.0, 1e2) was
// decoded into an integer field, it decodes data again with such numbers
// written as integers. JSON Schema, which Huma has already checked the
// body against, counts 5.0 as an integer; Go's decoder does not, and
// answered with its own words about Go struct fields. Any other error is
// returned as it is.
func integerRetry(data []byte, v any, err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || !strings.HasPrefix(te.Value, "number") || te.Type == nil || !isIntegerKind(te.Type.Kind()) {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return err
	}
	fixed, rerr := json.Marshal(integral(doc))
	if rerr != nil {
		return err
	}
	return json.Unmarshal(fixed, v)
}

// integral returns x with every number that has an integer value (within
// float64's exact range) written as an integer.
func integral(x any) any {
	switch x := x.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = integral(e)
		}
	case []any:
		for i, e := range x {
			x[i] = integral(e)
		}
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") {
			return x
		}
		f, err := x.Float64()
		if err == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			return json.Number(strconv.FormatInt(int64(f), 10))
		}
	}
	return x
}

func isIntegerKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}
