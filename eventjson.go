package enroll

import (
	"encoding/json"
	"fmt"
)

// MarshalDoc returns e's JSON, the same bytes json.Marshal makes, for a
// store's document column, without json.Marshal's cost for the object:
// json.Marshal checks and compacts a json.RawMessage byte by byte, and an
// event's object, an enrollment of a kilobyte or more, is already compact
// JSON (NewEvent and the creation planner make it with json.Marshal),
// written three times per imported row. Data.Object must be such JSON or
// empty (written as null).
func (e *Event) MarshalDoc() ([]byte, error) {
	b := make([]byte, 0, len(e.Data.Object)+256)
	b = append(b, `{"id":`...)
	b = appendJSONString(b, e.ID)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, string(e.Type))
	b = append(b, `,"createdAt":`...)
	t, err := e.CreatedAt.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encoding event %s: %w", e.ID, err)
	}
	b = append(b, t...)
	b = append(b, `,"data":{"object":`...)
	if len(e.Data.Object) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, e.Data.Object...)
	}
	if len(e.Data.PreviousAttributes) > 0 {
		p, err := json.Marshal(e.Data.PreviousAttributes)
		if err != nil {
			return nil, fmt.Errorf("encoding event %s: %w", e.ID, err)
		}
		b = append(b, `,"previousAttributes":`...)
		b = append(b, p...)
	}
	b = append(b, '}')
	if e.RequestID != "" {
		b = append(b, `,"requestId":`...)
		b = appendJSONString(b, e.RequestID)
	}
	if e.ActorKeyID != "" {
		b = append(b, `,"actorKeyId":`...)
		b = appendJSONString(b, e.ActorKeyID)
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as json.Marshal writes it: quoted at once when
// no character needs an escape (ids, types, request ids), else through
// json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
