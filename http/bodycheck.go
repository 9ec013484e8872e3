package http

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	jsontext "github.com/go-json-experiment/json/jsontext"
)

// checkBody returns an error for what encoding/json would take from the
// JSON document data without a word but lose:
//   - a member an object names twice, whose first value it drops:
//     {"firstName": "a", "firstName": "b"} is most likely a mistake, and
//     RFC 7493 (I-JSON) forbids it (malformed: 400);
//   - an integer beyond float64's exact range (±2^53) that it would round,
//     as it does every number of free-form JSON (metadata, parameter
//     values): 9007199254740993 would be stored as ...992
//     (422 at the member, as a number out of float64's range is).
//
// Other syntax errors are left to the decoder.
func checkBody(data []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	for {
		kind, err := dec.PeekKind(), error(nil)
		if kind == '0' {
			var n jsontext.Value
			if n, err = dec.ReadValue(); err == nil && !exactNumber(string(n)) {
				return fmt.Errorf("%s%s %s", inexactIntegerPrefix, dec.StackPointer(), n)
			}
		} else {
			_, err = dec.ReadToken()
		}
		if err != nil {
			return duplicateName(err)
		}
	}
}

// duplicateName returns an error naming the member named twice when err,
// a jsontext decoder's, says so; nil otherwise.
func duplicateName(err error) error {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) && errors.Is(se.Err, jsontext.ErrDuplicateName) {
		return fmt.Errorf("the request body names member %q twice, at %s", se.JSONPointer.LastToken(), se.JSONPointer)
	}
	return nil
}

// inexactIntegerPrefix starts checkBody's error for an integer a float64
// would round, followed by the number's JSON pointer and the number:
// humaError, which receives Huma's report of it as text, makes it a 422
// at that member.
const inexactIntegerPrefix = "inexact integer at "

// exactNumber reports whether the JSON number n is one a float64 holds as
// written: any number with a fraction or an exponent (whose rounding a
// client expects), and an integer within float64's exact range.
func exactNumber(n string) bool {
	if strings.ContainsAny(n, ".eE") {
		return true
	}
	digits := strings.TrimPrefix(n, "-")
	if len(digits) < 16 {
		return true
	}
	f, err := strconv.ParseFloat(n, 64)
	return err != nil || strconv.FormatFloat(f, 'f', -1, 64) == n
}
