package enroll

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// JSONProblem is what encoding/json would take from a JSON document without
// a word but lose: the first value of a member an object names twice
// ({"firstName": "a", "firstName": "b"}, which RFC 7493 forbids), or a
// value it would keep as another (RFC 7493 refuses all three):
//   - the digits of an integer a float64 cannot hold (9007199254740993
//     would be kept as ...992, as every number of free-form JSON is
//     decoded);
//   - a number so small a float64 holds it as 0 (1e-400);
//   - a lone UTF-16 surrogate escape ("\ud800"), which stands for no
//     character and would become U+FFFD.
type JSONProblem struct {
	// Pointer is where, as a JSON pointer (RFC 6901).
	Pointer string
	// Name is the member named twice, which may be "" (Twice tells).
	Name string
	// Value is the value as written: the number, or the string's lone
	// escape; empty for a member named twice.
	Value string
	// Message says what would become of Value.
	Message string
}

// The messages of the values a decoder would keep as others.
const (
	inexactIntegerMessage = "is an integer beyond ±2^53, which a 64-bit float does not hold exactly: send it as a string"
	underflowMessage      = "is a number too small for a 64-bit float, which would hold it as 0"
	loneSurrogateMessage  = "is a lone UTF-16 surrogate escape, which stands for no character"
)

// Twice reports whether the problem is a member named twice rather than a
// value: only a value's problem has a Message, and a member may be named "".
func (p *JSONProblem) Twice() bool { return p.Message == "" }

// Error implements error.
func (p *JSONProblem) Error() string {
	if p.Twice() {
		return "names member " + strconv.Quote(p.Name) + " twice, at " + p.Pointer
	}
	return p.Value + " at " + p.Pointer + " " + p.Message
}

// inCell words the problem for a JSON cell of an import (the cell's column
// names where it is): the same words, the place within the cell's JSON
// given after the value.
func (p *JSONProblem) inCell() string {
	if p.Twice() {
		return p.Error()
	}
	return "holds " + p.Value + " at " + p.Pointer + ", " + strings.TrimPrefix(p.Message, "is ")
}

// Field returns the problem's place as the rest of an error's location:
// /metadata/a~1b/0 as .metadata.a/b[0].
func (p *JSONProblem) Field() string {
	var b strings.Builder
	for _, tok := range strings.Split(p.Pointer, "/")[1:] {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
		} else {
			b.WriteString("." + tok)
		}
	}
	return b.String()
}

// FieldIn returns the problem's place in data, the document it was found
// in, as Field writes it, but for a member whose name is a number: Field
// cannot tell it from an array's index, and writes /metadata/0 as
// .metadata[0], where data's metadata is an object and the place is
// .metadata.0 (as Huma writes the locations of its errors).
func (p *JSONProblem) FieldIn(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return p.Field()
	}
	var b strings.Builder
	for _, tok := range strings.Split(p.Pointer, "/")[1:] {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch c := v.(type) {
		case []any:
			i, _ := strconv.Atoi(tok)
			b.WriteString("[" + tok + "]")
			if i >= 0 && i < len(c) {
				v = c[i]
			}
		case map[string]any:
			b.WriteString("." + tok)
			v = c[tok]
		default:
			return p.Field()
		}
	}
	return b.String()
}

// CheckJSON returns the first JSONProblem of data, or nil. A document that
// is not one well-formed JSON value has none: the decoder that reads it
// says what is wrong with it. It scans the bytes once and allocates only
// for what it reports, and for objects of many members: it runs on every
// request body and every NDJSON line of an import.
func CheckJSON(data []byte) *JSONProblem { return checkJSON(data, false) }

// CheckJSONRounding is CheckJSON but for integers beyond ±2^53, which it
// lets a float64 round: for a first reading whose schema bounds its
// integer members, so that such a member is refused for its range rather
// than told to be sent as a string its schema refuses. The reading that
// keeps the values must still use CheckJSON.
func CheckJSONRounding(data []byte) *JSONProblem { return checkJSON(data, true) }

func checkJSON(data []byte, rounding bool) *JSONProblem {
	s := jsonScan{data: data, rounding: rounding}
	s.skipSpace()
	if !s.value() {
		return nil
	}
	if s.skipSpace(); s.i != len(data) {
		return nil // a second value, or garbage after the first
	}
	return s.first
}

// jsonScan is CheckJSON's scanner: a position in data, the path to the
// value being read (for a problem's pointer), and the member names of the
// objects open along it.
type jsonScan struct {
	data  []byte
	i     int
	first *JSONProblem
	path  []jsonStep
	names []jsonName // the open objects' member names, innermost last
	// rounding lets integers beyond ±2^53 pass (CheckJSONRounding).
	rounding bool
}

// jsonStep is one step of the path: an object's member (its name's
// quoted bytes) or an array's index.
type jsonStep struct {
	name  []byte // nil for an array element
	index int
}

// jsonName is a member name seen in an open object, as written, quotes
// excluded.
type jsonName struct{ raw []byte }

// manyMembers is the size beyond which an object's names are checked in
// a map rather than each against every other.
const manyMembers = 32

func (s *jsonScan) skipSpace() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value reads one value at s.i; false when the document is not well
// formed there.
func (s *jsonScan) value() bool {
	if s.i >= len(s.data) {
		return false
	}
	switch c := s.data[s.i]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		_, lone, ok := s.str()
		if ok && lone != "" && s.first == nil {
			s.first = &JSONProblem{Pointer: s.pointer(), Value: lone, Message: loneSurrogateMessage}
		}
		return ok
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if bytes.HasPrefix(s.data[s.i:], []byte(lit)) {
				s.i += len(lit)
				return true
			}
		}
		return false
	}
}

// str reads a string and returns its bytes between the quotes, as
// written, and its first lone surrogate escape, if any.
func (s *jsonScan) str() (raw []byte, lone string, ok bool) {
	start := s.i + 1
	for i := start; i < len(s.data); i++ {
		switch s.data[i] {
		case '\\':
			if i+1 < len(s.data) && s.data[i+1] == 'u' && lone == "" {
				// A high surrogate must be followed by a low one, and a
				// low one must follow a high one (consumed with it).
				switch r := hex4(s.data, i+2); {
				case r >= 0xD800 && r < 0xDC00:
					if next := hex4(s.data, i+8); i+7 < len(s.data) && s.data[i+6] == '\\' && s.data[i+7] == 'u' && next >= 0xDC00 && next < 0xE000 {
						i += 6
					} else {
						lone = string(s.data[i : i+6])
					}
				case r >= 0xDC00 && r < 0xE000:
					lone = string(s.data[i : i+6])
				}
			}
			i++
		case '"':
			s.i = i + 1
			return s.data[start:i], lone, true
		}
	}
	return nil, "", false
}

// hex4 returns the value of the four hexadecimal digits at data[i:], or
// -1 when they are not four hexadecimal digits.
func hex4(data []byte, i int) int {
	if i+4 > len(data) {
		return -1
	}
	v := 0
	for _, c := range data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | int(c-'A'+10)
		default:
			return -1
		}
	}
	return v
}

func (s *jsonScan) number() bool {
	start := s.i
	for s.i < len(s.data) {
		switch c := s.data[s.i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			s.i++
			continue
		}
		break
	}
	n := s.data[start:s.i]
	// Below 10^15 (fifteen digits, no exponent) every integer is exact,
	// and no number is too small.
	if s.first == nil && (len(n) > 15 || bytes.ContainsAny(n, "eE")) {
		if msg := numberProblem(string(n)); msg != "" && !(s.rounding && msg == inexactIntegerMessage) {
			s.first = &JSONProblem{Pointer: s.pointer(), Value: string(n), Message: msg}
		}
	}
	return len(n) > 0
}

func (s *jsonScan) array() bool {
	s.i++ // [
	s.path = append(s.path, jsonStep{})
	defer func() { s.path = s.path[:len(s.path)-1] }()
	s.skipSpace()
	if s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
		return true
	}
	for index := 0; ; index++ {
		s.path[len(s.path)-1].index = index
		s.skipSpace()
		if !s.value() {
			return false
		}
		if more, ok := s.after(']'); !more {
			return ok
		}
	}
}

// after reads what follows an element or a member: a comma, with more to
// come, or close, which ends the array or object; ok is false for
// anything else.
func (s *jsonScan) after(close byte) (more, ok bool) {
	s.skipSpace()
	if s.i >= len(s.data) {
		return false, false
	}
	switch s.data[s.i] {
	case ',':
		s.i++
		return true, true
	case close:
		s.i++
		return false, true
	}
	return false, false
}

func (s *jsonScan) object() bool {
	s.i++ // {
	s.path = append(s.path, jsonStep{})
	from := len(s.names)
	var many map[string]bool // past manyMembers names
	defer func() {
		s.path = s.path[:len(s.path)-1]
		s.names = s.names[:from]
	}()
	s.skipSpace()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		return true
	}
	for {
		s.skipSpace()
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			return false
		}
		raw, lone, ok := s.str()
		if !ok {
			return false
		}
		s.path[len(s.path)-1].name = raw
		if lone != "" && s.first == nil {
			s.first = &JSONProblem{Pointer: s.pointer(), Value: lone, Message: loneSurrogateMessage}
		}
		if s.first == nil {
			if many == nil && len(s.names)-from == manyMembers {
				many = map[string]bool{}
				for _, n := range s.names[from:] {
					many[unquoted(n.raw)] = true
				}
			}
			if many != nil {
				name := unquoted(raw)
				if many[name] {
					s.first = &JSONProblem{Pointer: s.pointer(), Name: name}
				}
				many[name] = true
			} else {
				for _, n := range s.names[from:] {
					if sameName(n.raw, raw) {
						s.first = &JSONProblem{Pointer: s.pointer(), Name: unquoted(raw)}
						break
					}
				}
				s.names = append(s.names, jsonName{raw: raw})
			}
		}
		s.skipSpace()
		if s.i >= len(s.data) || s.data[s.i] != ':' {
			return false
		}
		s.i++
		s.skipSpace()
		if !s.value() {
			return false
		}
		if more, ok := s.after('}'); !more {
			return ok
		}
	}
}

// pointer returns the JSON pointer of the value being read.
func (s *jsonScan) pointer() string {
	var b strings.Builder
	for _, st := range s.path {
		b.WriteByte('/')
		if st.name == nil {
			b.WriteString(strconv.Itoa(st.index))
		} else {
			b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(unquoted(st.name)))
		}
	}
	return b.String()
}

// sameName reports whether two member names, as written, are one name:
// byte for byte, or, when either has an escape, once unescaped.
func sameName(a, b []byte) bool {
	if bytes.IndexByte(a, '\\') < 0 && bytes.IndexByte(b, '\\') < 0 {
		return bytes.Equal(a, b)
	}
	return unquoted(a) == unquoted(b)
}

// unquoted returns a string's value from its bytes between the quotes.
func unquoted(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	var v string
	if json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &v) != nil {
		return string(raw)
	}
	return v
}

// numberProblem returns the message of a JSONProblem for the JSON number n,
// or "" when a float64 keeps it: an integer it would round, a number it
// would hold as 0.
func numberProblem(n string) string {
	switch {
	case !exactNumber(n):
		return inexactIntegerMessage
	case underflows(n):
		return underflowMessage
	}
	return ""
}

// underflows reports whether the JSON number n is not zero but a float64
// holds it as 0 (1e-400); numbers a float64 rounds to its smallest
// subnormals are kept, as every fraction's rounding is.
func underflows(n string) bool {
	f, err := strconv.ParseFloat(n, 64)
	if err != nil || f != 0 {
		return false
	}
	mantissa, _, _ := strings.Cut(strings.ToLower(n), "e")
	return strings.ContainsAny(mantissa, "123456789")
}

// exactNumber reports whether the JSON number n survives being decoded
// into a float64 and written again: every integer below 2^53 does, and a
// fraction's rounding is expected. Beyond 2^53 an integer does when the
// shortest decimal of its float64 has its value: 9007199254740992, 1e22,
// 1e300 and 9007199254740994.0 do, 9007199254740993 (written back
// ...992) does not. A number no float64 reaches (1e400) is left to the
// decoder, which refuses it.
func exactNumber(n string) bool {
	f, err := strconv.ParseFloat(n, 64)
	if err != nil || math.Abs(f) < 1<<53 {
		return true
	}
	r, ok := new(big.Rat).SetString(n)
	if !ok || !r.IsInt() {
		return true
	}
	back, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	return back != nil && back.Cmp(r) == 0
}
