package enroll

import (
	"encoding"
	"encoding/json"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// jsonShape is what exactKeys knows of a Go type's JSON form: the members
// of a struct by their exact names, or the shape of a list's items. A nil
// shape takes any value (a map, free-form JSON, a leaf).
type jsonShape struct {
	fields map[string]*jsonShape
	items  *jsonShape
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	createShape     = sync.OnceValue(func() *jsonShape { return shapeOf(reflect.TypeFor[EnrollmentCreate]()) })
)

// shapeOf derives t's shape from its json tags.
func shapeOf(t reflect.Type) *jsonShape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return nil // a leaf, such as time.Time
	}
	switch t.Kind() {
	case reflect.Struct:
		s := &jsonShape{fields: map[string]*jsonShape{}}
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				// Promoted, as encoding/json promotes them.
				if inner := shapeOf(f.Type); inner != nil && inner.fields != nil {
					maps.Copy(s.fields, inner.fields)
					continue
				}
			}
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			s.fields[name] = shapeOf(f.Type)
		}
		return s
	case reflect.Slice, reflect.Array:
		if items := shapeOf(t.Elem()); items != nil {
			return &jsonShape{items: items}
		}
	}
	return nil
}

// exactKeys returns the path of the first member of data, valid JSON that
// encoding/json decoded into an EnrollmentCreate, whose name differs from
// its field's by letter case ("FIRSTNAME", "address.CITY"), or "".
// encoding/json matches names in any case; the API's schema, and so the
// API, takes exact names only.
func exactKeys(data []byte) string {
	s := keyScanner{data: data}
	return s.value(createShape(), "")
}

// shapes caches ExactKeys' shapes by type.
var shapes sync.Map // reflect.Type → *jsonShape

// ExactKeys is exactKeys for data that encoding/json decoded into v (a
// pointer to any type with json tags, such as a console form's list of
// parameters): the path of the first member named in another letter case
// than its field ("[1].constraints.Hidden"), or "". Such a member would
// be taken as its field, and one named twice in two cases would set it
// twice, where the API's schema refuses both.
func ExactKeys(data []byte, v any) string {
	t := reflect.TypeOf(v)
	sh, ok := shapes.Load(t)
	if !ok {
		sh, _ = shapes.LoadOrStore(t, shapeOf(t))
	}
	s := keyScanner{data: data}
	return s.value(sh.(*jsonShape), "")
}

// keyScanner walks JSON already known to be valid, without decoding it.
type keyScanner struct {
	data []byte
	i    int
}

func (s *keyScanner) space() {
	for s.i < len(s.data) && (s.data[s.i] == ' ' || s.data[s.i] == '\t' || s.data[s.i] == '\n' || s.data[s.i] == '\r') {
		s.i++
	}
}

// str skips a string at s.i and returns its text between the quotes, raw.
func (s *keyScanner) str() []byte {
	start := s.i + 1
	for s.i++; s.i < len(s.data) && s.data[s.i] != '"'; s.i++ {
		if s.data[s.i] == '\\' {
			s.i++
		}
	}
	s.i++
	return s.data[start : s.i-1]
}

// value skips the value at s.i, checking the names of the members sh
// knows, and returns the path of the first inexact one, or "". prefix is
// the path of the value's members: "" or "address.".
func (s *keyScanner) value(sh *jsonShape, prefix string) string {
	s.space()
	if s.i >= len(s.data) {
		return ""
	}
	switch s.data[s.i] {
	case '{':
		for s.i++; ; {
			s.space()
			if s.data[s.i] == '}' {
				s.i++
				return ""
			}
			raw := s.str()
			var child *jsonShape
			if sh != nil && sh.fields != nil {
				name := string(raw)
				if strings.IndexByte(name, '\\') >= 0 {
					_ = json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &name)
				}
				known := false
				child, known = sh.fields[name]
				if !known {
					return prefix + name
				}
				if bad := s.member(child, prefix+name+"."); bad != "" {
					return bad
				}
			} else if bad := s.member(nil, ""); bad != "" {
				return bad
			}
			s.space()
			if s.data[s.i] == ',' {
				s.i++
			}
		}
	case '[':
		var items *jsonShape
		if sh != nil {
			items = sh.items
		}
		// An item's members are named after its place: devices[1].id.
		list := strings.TrimSuffix(prefix, ".")
		s.i++
		for n := 0; ; n++ {
			s.space()
			if s.data[s.i] == ']' {
				s.i++
				return ""
			}
			if bad := s.value(items, list+"["+strconv.Itoa(n)+"]."); bad != "" {
				return bad
			}
			s.space()
			if s.data[s.i] == ',' {
				s.i++
			}
		}
	case '"':
		s.str()
	default: // a number, true, false or null
		for s.i < len(s.data) && !strings.ContainsRune(",}] \t\r\n", rune(s.data[s.i])) {
			s.i++
		}
	}
	return ""
}

// member skips the colon after a member's name and checks its value.
func (s *keyScanner) member(sh *jsonShape, prefix string) string {
	s.space()
	s.i++ // ':'
	return s.value(sh, prefix)
}
