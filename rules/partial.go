package rules

import (
	"reflect"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// partial is an object of which the rules read only some entries, all by
// constant keys (see analyzeUsage): the fields of a variable, the entries
// of metadata or params. It holds just those, in two short slices, which
// costs less to fill, look up and empty than a map.
//
// CEL looks the entries up through FindStringKey, the hook its attribute
// resolution offers maps of Go values, and keeps going through the Go
// values it returns, exactly as in a map[string]any. A missing key goes to
// Find, and fails as in a map. No other use of the object can happen;
// should one, it sees the map of the entries held.
type partial struct {
	keys []string
	vals []any
}

var (
	_ traits.Mapper = (*partial)(nil)
	_ interface {
		FindStringKey(string) (any, bool)
	} = (*partial)(nil)
)

// set adds an entry, or replaces it: the last value of a key wins.
func (p *partial) set(key string, v any) {
	for i, k := range p.keys {
		if k == key {
			p.vals[i] = v
			return
		}
	}
	p.keys = append(p.keys, key)
	p.vals = append(p.vals, v)
}

// FindStringKey returns the value of key and whether it is there.
func (p *partial) FindStringKey(key string) (any, bool) {
	for i, k := range p.keys {
		if k == key {
			return p.vals[i], true
		}
	}
	return nil, false
}

// Find implements traits.Mapper.
func (p *partial) Find(key ref.Val) (ref.Val, bool) {
	if s, ok := key.(types.String); ok {
		if v, found := p.FindStringKey(string(s)); found {
			return types.DefaultTypeAdapter.NativeToValue(v), true
		}
		return nil, false
	}
	return p.mapVal().Find(key)
}

// asMap returns the entries as a map, each partial value as one too.
func (p *partial) asMap() map[string]any {
	m := make(map[string]any, len(p.keys))
	for i, k := range p.keys {
		v := p.vals[i]
		if sub, ok := v.(*partial); ok {
			v = sub.asMap()
		}
		m[k] = v
	}
	return m
}

func (p *partial) mapVal() traits.Mapper {
	return types.DefaultTypeAdapter.NativeToValue(p.asMap()).(traits.Mapper)
}

// The rest of traits.Mapper, for uses that cannot happen.

// ConvertToNative implements ref.Val.
func (p *partial) ConvertToNative(t reflect.Type) (any, error) { return p.mapVal().ConvertToNative(t) }

// ConvertToType implements ref.Val.
func (p *partial) ConvertToType(t ref.Type) ref.Val { return p.mapVal().ConvertToType(t) }

// Equal implements ref.Val.
func (p *partial) Equal(other ref.Val) ref.Val { return p.mapVal().Equal(other) }

// Type implements ref.Val.
func (p *partial) Type() ref.Type { return types.MapType }

// Value implements ref.Val.
func (p *partial) Value() any { return p.asMap() }

// Contains implements traits.Container.
func (p *partial) Contains(key ref.Val) ref.Val { return p.mapVal().Contains(key) }

// Get implements traits.Indexer.
func (p *partial) Get(key ref.Val) ref.Val { return p.mapVal().Get(key) }

// Iterator implements traits.Iterable.
func (p *partial) Iterator() traits.Iterator { return p.mapVal().Iterator() }

// Size implements traits.Sizer.
func (p *partial) Size() ref.Val { return types.Int(len(p.keys)) }
