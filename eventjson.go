package enroll

import (
	"encoding/json"
	"fmt"
	"strings"
)

// MarshalDoc returns e's JSON, its representation with null for a member
// without a value (nulljson.go), for a store's document column and for
// MarshalJSON, without json.Marshal's cost for the object:
// json.Marshal checks and compacts a json.RawMessage byte by byte, and an
// event's object, an enrollment of a kilobyte or more, is already compact
// JSON (NewEvent and the creation planner make it with json.Marshal),
// written three times per imported row. Data.Object must be such JSON or
// empty (written as null). It is built as the string the stores bind, in
// one allocation.
func (e *Event) MarshalDoc() (string, error) {
	var b strings.Builder
	b.Grow(len(e.Data.Object) + 256)
	b.WriteString(`{"id":`)
	writeJSONString(&b, e.ID)
	b.WriteString(`,"type":`)
	writeJSONString(&b, string(e.Type))
	b.WriteString(`,"createdAt":`)
	t, err := e.CreatedAt.MarshalJSON()
	if err != nil {
		return "", fmt.Errorf("encoding event %s: %w", e.ID, err)
	}
	b.Write(t)
	b.WriteString(`,"data":{"object":`)
	if len(e.Data.Object) == 0 {
		b.WriteString("null")
	} else {
		b.Write(e.Data.Object)
	}
	b.WriteString(`,"previousAttributes":`)
	if len(e.Data.PreviousAttributes) > 0 {
		p, err := json.Marshal(e.Data.PreviousAttributes)
		if err != nil {
			return "", fmt.Errorf("encoding event %s: %w", e.ID, err)
		}
		b.Write(p)
	} else {
		b.WriteString("null")
	}
	b.WriteString(`},"requestId":`)
	writeJSONStringOrNull(&b, e.RequestID)
	b.WriteString(`,"actorKeyId":`)
	writeJSONStringOrNull(&b, e.ActorKeyID)
	b.WriteByte('}')
	return b.String(), nil
}

// MarshalJSON writes the event's representation: MarshalDoc.
func (e Event) MarshalJSON() ([]byte, error) {
	s, err := e.MarshalDoc()
	return []byte(s), err
}

// writeJSONStringOrNull is writeJSONString, or null for an empty s: a
// member without a value (nulljson.go).
func writeJSONStringOrNull(b *strings.Builder, s string) {
	if s == "" {
		b.WriteString("null")
		return
	}
	writeJSONString(b, s)
}

// writeJSONString writes s as json.Marshal writes it: quoted at once when
// no character needs an escape (ids, types, request ids), else through
// json.Marshal.
func writeJSONString(b *strings.Builder, s string) {
	if needsEscape(s) {
		q, _ := json.Marshal(s)
		b.Write(q)
		return
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}
