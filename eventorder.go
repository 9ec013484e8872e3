package enroll

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ReorderObject encodes the event's object again through its type (an
// Enrollment, a Program or a ProgramInstance), so that its members come in
// the order of that representation, as GET of the object writes them. A
// store whose JSON column does not keep the order written calls it on each
// event it reads: PostgreSQL's jsonb sorts an object's members by length,
// and the events' documents are read back whole, not decoded into their
// types as the other documents are. An event of another type, or without
// an object, is left as it is. It returns an error when the object does
// not decode as its type.
func (ev *Event) ReorderObject() error {
	if len(ev.Data.Object) == 0 || string(ev.Data.Object) == "null" {
		return nil
	}
	var (
		b   []byte
		err error
	)
	switch kind, _, _ := strings.Cut(string(ev.Type), "."); kind {
	case "enrollment":
		e := new(Enrollment)
		if err = json.Unmarshal(ev.Data.Object, e); err == nil {
			b, err = e.JSON()
		}
	case "program":
		b, err = reencode[Program](ev.Data.Object)
	case "programInstance":
		b, err = reencode[ProgramInstance](ev.Data.Object)
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("event %s: reordering its object: %w", ev.ID, err)
	}
	ev.Data.Object = b
	return nil
}

// reencode decodes data as a T and encodes it again with T's MarshalJSON.
func reencode[T any](data []byte) ([]byte, error) {
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	return marshalMembers(v)
}
