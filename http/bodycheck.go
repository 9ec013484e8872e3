package http

import (
	"fmt"

	"github.com/enrollhq/enroll"
)

// checkBody returns an error for what encoding/json would take from the
// JSON document data without a word but lose (enroll.CheckJSON):
//   - a member an object names twice, whose first value it would drop
//     (malformed: 400);
//   - an integer beyond float64's exact range (±2^53) that it would round,
//     as it does every number of free-form JSON (metadata, parameter
//     values): a 422 at the member, as a number out of float64's range is.
//
// A malformed document is left to the decoder.
func checkBody(data []byte) error {
	switch p := enroll.CheckJSON(data); {
	case p == nil:
		return nil
	case p.Name != "":
		return fmt.Errorf("the request body %s", p.Error())
	default:
		return fmt.Errorf("%s%s %s", inexactIntegerPrefix, p.Pointer, p.Number)
	}
}

// inexactIntegerPrefix starts checkBody's error for an integer a float64
// would round, followed by the number's JSON pointer and the number:
// humaError, which receives Huma's report of it as text, makes it a 422
// at that member.
const inexactIntegerPrefix = "inexact integer at "
