package enroll

import (
	"bytes"
	"encoding/json"
	"time"
)

// The representations show every member they document: a member without a
// value is null, not absent, as the seed's sample response shows each of
// them (SPEC §4), so a client finds the same members in every enrollment
// whatever it holds. encoding/json writes an empty string as "" and, with
// omitempty, leaves it out; each representation therefore has a
// MarshalJSON of its own. The enrollment's, the customer's and the history
// entry's, written for every imported row, append their members by hand
// (AppendJSON); the others encode a wire struct whose optional strings are pointers, nil
// (null) when empty (orNull). Decoding needs nothing of the kind: null
// leaves a string empty and a pointer nil.

// orNull returns nil for an empty s, else &s: a member written as null
// when it has no value.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// marshalMembers returns the JSON of v, a representation's wire struct,
// without HTML escapes. The API's encoder writes a representation without
// them, as it writes the structs it encodes itself; json.Marshal, which
// the stores use, escapes a MarshalJSON's output as it compacts it.
func marshalMembers(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// MarshalJSON writes the eligibility with a null reason when it has none.
func (el Eligibility) MarshalJSON() ([]byte, error) {
	return AppendHTMLUnescaped(nil, el.appendJSON(nil)), nil
}

// appendJSON appends the eligibility as json.Marshal writes it.
func (el *Eligibility) appendJSON(b []byte) []byte {
	b = append(b, `{"status":`...)
	b = appendJSONString(b, string(el.Status))
	b = appendOptString(b, `,"reason":`, el.Reason)
	b = append(b, `,"programInstanceId":`...)
	b = appendJSONString(b, el.ProgramInstanceID)
	return append(b, '}')
}

// appendJSON appends the address as json.Marshal writes it, with every
// member, null when it has no value, or null for a nil address.
func (a *Address) appendJSON(b []byte) []byte {
	if a == nil {
		return append(b, "null"...)
	}
	b = appendOptString(b, `{"streetOne":`, a.StreetOne)
	b = appendOptString(b, `,"streetTwo":`, a.StreetTwo)
	b = appendOptString(b, `,"city":`, a.City)
	b = appendOptString(b, `,"state":`, a.State)
	b = appendOptString(b, `,"postalCode":`, a.PostalCode)
	b = appendOptString(b, `,"country":`, a.Country)
	return append(b, '}')
}

// MarshalJSON writes the address with every member, null when it has no
// value (appendJSON).
func (a Address) MarshalJSON() ([]byte, error) {
	return AppendHTMLUnescaped(nil, a.appendJSON(nil)), nil
}

// needsEscape reports whether json.Marshal writes s other than as it is,
// between quotes: it escapes control characters, quotes, backslashes,
// HTML's <, > and &, and some characters beyond ASCII (U+2028, U+2029,
// invalid UTF-8), which are left to it.
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return true
		}
	}
	return false
}

// appendJSONString appends s as json.Marshal writes it.
func appendJSONString(b []byte, s string) []byte {
	if needsEscape(s) {
		q, _ := json.Marshal(s)
		return append(b, q...)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendOptString appends member (its quoted name and colon, with any
// comma before it) with s, or null for an empty s.
func appendOptString(b []byte, member, s string) []byte {
	b = append(b, member...)
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

// appendStrings appends ss as json.Marshal writes a []string.
func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendTime appends t as json.Marshal writes it (RFC 3339 with
// nanoseconds); a time that has no such form is an error, as there.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		q, err := t.MarshalJSON()
		return append(b, q...), err
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// appendOptTime appends member with *t, or null for nil.
func appendOptTime(b []byte, member string, t *time.Time) ([]byte, error) {
	b = append(b, member...)
	if t == nil {
		return append(b, "null"...), nil
	}
	return appendTime(b, *t)
}

// appendMarshal appends member with json.Marshal of v.
func appendMarshal(b []byte, member string, v any) ([]byte, error) {
	q, err := json.Marshal(v)
	return append(append(b, member...), q...), err
}

// AppendHTMLUnescaped appends doc, JSON as json.Marshal writes it, as an
// encoder with SetEscapeHTML(false) (Huma's) writes the same value: with
// <, > and & in its strings where json.Marshal wrote \u003c, \u003e and
// \u0026. Every other byte is the same in both.
func AppendHTMLUnescaped(b, doc []byte) []byte {
	for {
		i := bytes.IndexByte(doc, '\\')
		if i < 0 || i+1 == len(doc) {
			return append(b, doc...)
		}
		if doc[i+1] == 'u' && i+6 <= len(doc) {
			if c := htmlEscaped(doc[i+2 : i+6]); c != 0 {
				b = append(append(b, doc[:i]...), c)
				doc = doc[i+6:]
				continue
			}
		}
		// Any other escape, \\ included, is kept whole: the byte after a
		// backslash never starts an escape of its own.
		b = append(b, doc[:i+2]...)
		doc = doc[i+2:]
	}
}

// htmlEscaped returns the HTML character whose json.Marshal escape is
// \u followed by hex, or 0.
func htmlEscaped(hex []byte) byte {
	switch string(hex) {
	case "003c":
		return '<'
	case "003e":
		return '>'
	case "0026":
		return '&'
	}
	return 0
}

// JSONAppender is an entity with a hand-written encoder (an enrollment, a
// customer): AppendJSON appends what json.Marshal would write for it, byte
// for byte, at a fraction of the cost. Stores encode their documents
// through it.
type JSONAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// unescapedJSON returns a's JSON (AppendJSON, size bytes expected) without
// HTML escapes: a representation's MarshalJSON, for the API's encoder,
// which writes what it encodes itself without them.
func unescapedJSON(a JSONAppender, size int) ([]byte, error) {
	b, err := a.AppendJSON(make([]byte, 0, size))
	if err != nil {
		return nil, err
	}
	return AppendHTMLUnescaped(make([]byte, 0, len(b)), b), nil
}

// MarshalDocument returns json.Marshal of v, through its AppendJSON when
// it is a JSONAppender: what a store keeps in a document column.
func MarshalDocument(v any) ([]byte, error) {
	if a, ok := v.(JSONAppender); ok {
		return a.AppendJSON(make([]byte, 0, 1024))
	}
	return json.Marshal(v)
}
