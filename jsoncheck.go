package enroll

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// JSONProblem is what encoding/json would take from a JSON document without
// a word but lose: the first value of a member an object names twice
// ({"firstName": "a", "firstName": "b"}, which RFC 7493 forbids), or the
// digits of an integer a float64 cannot hold (9007199254740993 would be
// kept as ...992, as every number of free-form JSON is decoded).
type JSONProblem struct {
	// Pointer is where, as a JSON pointer (RFC 6901).
	Pointer string
	// Name is the member named twice; empty for a number.
	Name string
	// Number is the integer, as written; empty for a member named twice.
	Number string
}

// Error implements error.
func (p *JSONProblem) Error() string {
	if p.Name != "" {
		return "names member " + strconv.Quote(p.Name) + " twice, at " + p.Pointer
	}
	return p.Number + " at " + p.Pointer + " is an integer beyond ±2^53, which a 64-bit float does not hold exactly: send it as a string"
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

// CheckJSON returns the first JSONProblem of data, or nil. A document that
// is not one well-formed JSON value has none: the decoder that reads it
// says what is wrong with it.
func CheckJSON(data []byte) *JSONProblem {
	type frame struct {
		object, wantKey bool
		key             string
		index           int
		keys            map[string]bool
	}
	var (
		stack []frame
		first *JSONProblem
		done  bool
	)
	pointer := func() string {
		var b strings.Builder
		for _, f := range stack {
			b.WriteByte('/')
			if f.object {
				b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(f.key))
			} else {
				b.WriteString(strconv.Itoa(f.index))
			}
		}
		return b.String()
	}
	next := func() { // a value ended
		if len(stack) == 0 {
			done = true
		} else if top := &stack[len(stack)-1]; top.object {
			top.wantKey = true
		} else {
			top.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) && done {
			return first
		}
		if err != nil || done {
			return nil // malformed, or a second value: the decoder's to say
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			if tok == json.Delim('}') {
				stack = stack[:n-1]
				next()
				continue
			}
			f := &stack[n-1]
			name, _ := tok.(string)
			if f.keys == nil {
				f.keys = map[string]bool{}
			}
			f.key, f.wantKey = name, false
			if f.keys[name] && first == nil {
				first = &JSONProblem{Pointer: pointer(), Name: name}
			}
			f.keys[name] = true
			continue
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				next()
			}
			continue
		case json.Number:
			if first == nil && !exactNumber(string(t)) {
				first = &JSONProblem{Pointer: pointer(), Number: string(t)}
			}
		}
		next()
	}
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
