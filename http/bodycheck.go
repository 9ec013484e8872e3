package http

import (
	"encoding/json"
	"fmt"

	"github.com/enrollhq/enroll"
)

// checkBody returns an error for what encoding/json would take from the
// JSON document data without a word but lose (enroll.CheckJSON):
//   - a member an object names twice, whose first value it would drop
//     (malformed: 400);
//   - a value it would keep as another: an integer beyond float64's exact
//     range (±2^53) that it would round, as it does every number of
//     free-form JSON (metadata, parameter values), a number it would hold
//     as 0, a lone surrogate escape it would make U+FFFD: a 422 at the
//     member, as a number out of float64's range is.
//
// A malformed document is left to the decoder. Huma reads a body twice,
// first as free-form JSON (into *any) to check it against the schema,
// then into the operation's type: the first reading (rounding) lets
// integers beyond ±2^53 be rounded, so that a member the schema bounds
// (capacity) is refused for its range, and the second refuses those the
// schema let through (metadata).
func checkBody(data []byte, rounding bool) error {
	check := enroll.CheckJSON
	if rounding {
		check = enroll.CheckJSONRounding
	}
	switch p := check(data); {
	case p == nil:
		return nil
	case p.Twice():
		return fmt.Errorf("the request body %s", p.Error())
	default:
		b, _ := json.Marshal(placedProblem{JSONProblem: *p, Place: p.FieldIn(data)})
		return fmt.Errorf("%s%s", unfaithfulValuePrefix, b)
	}
}

// placedProblem is an enroll.JSONProblem with its place in the body
// (FieldIn), which its pointer alone does not say: /metadata/0 is
// .metadata.0 in an object and [0] in a list.
type placedProblem struct {
	enroll.JSONProblem
	Place string
}

// unfaithfulValuePrefix starts checkBody's error for a value the decoder
// would keep as another, followed by the placedProblem as JSON:
// humaError, which receives Huma's report of it as text, makes it a 422
// at that member.
const unfaithfulValuePrefix = "unfaithful value: "
