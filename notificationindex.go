package enroll

import (
	"fmt"
	"reflect"
)

// templateIndex is the built-in index function of templates (index x k1
// k2 ...), except that a key a map lacks, and the keys after it, give ""
// rather than the zero of the map's values: nil, which a template prints
// as "<no value>". So {{index .enrollment.metadata "missing"}} renders
// empty, as {{.enrollment.metadata.missing}} does (fillFree), in a preview
// and in the message sent alike. Otherwise it behaves as the built-in
// one: lists and strings take an integer index within their length, and
// anything else cannot be indexed.
func templateIndex(item reflect.Value, keys ...reflect.Value) (reflect.Value, error) {
	item = indirectInterface(item)
	if !item.IsValid() {
		return reflect.Value{}, fmt.Errorf("index of untyped nil")
	}
	for _, k := range keys {
		k = indirectInterface(k)
		switch item.Kind() {
		case reflect.Array, reflect.Slice, reflect.String:
			i, err := indexArg(k, item.Len())
			if err != nil {
				return reflect.Value{}, err
			}
			item = item.Index(i)
		case reflect.Map:
			keyType := item.Type().Key()
			if !k.IsValid() || !k.Type().AssignableTo(keyType) {
				return reflect.Value{}, fmt.Errorf("value has type %s; should be %s", typeName(k), keyType)
			}
			item = item.MapIndex(k)
			if !item.IsValid() {
				return reflect.ValueOf(""), nil
			}
		default:
			return reflect.Value{}, fmt.Errorf("can't index item of type %s", item.Type())
		}
		item = indirectInterface(item)
		if !item.IsValid() {
			// A null: shown empty, as values shows other nulls.
			return reflect.ValueOf(""), nil
		}
	}
	return item, nil
}

// indirectInterface returns the value an interface holds, or v.
func indirectInterface(v reflect.Value) reflect.Value {
	if v.IsValid() && v.Kind() == reflect.Interface {
		return v.Elem()
	}
	return v
}

// indexArg checks k as an index of a list or string of length n.
func indexArg(k reflect.Value, n int) (int, error) {
	var x int64
	switch {
	case !k.IsValid():
		return 0, fmt.Errorf("cannot index with nil")
	case k.CanInt():
		x = k.Int()
	case k.CanUint():
		u := k.Uint()
		if u > uint64(n) {
			return 0, fmt.Errorf("index out of range: %d", u)
		}
		x = int64(u)
	default:
		return 0, fmt.Errorf("cannot index slice/array with type %s", k.Type())
	}
	if x < 0 || x >= int64(n) {
		return 0, fmt.Errorf("index out of range: %d", x)
	}
	return int(x), nil
}

// typeName names v's type, "nil" for none.
func typeName(v reflect.Value) string {
	if !v.IsValid() {
		return "nil"
	}
	return v.Type().String()
}
