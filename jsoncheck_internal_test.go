package enroll

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestCheckJSON_Reference compares CheckJSON's scanner with a reference
// built on encoding/json's tokenizer, on random documents: members named
// twice (escaped or not, in nested objects, in objects of many members),
// integers near and beyond 2^53 in every notation, other values, spacing,
// and documents cut short or followed by more.
func TestCheckJSON_Reference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	names := []string{"a", "b", "c", `\u0061`, "a/b", "~x", "é", `\"q`, `\ud83d\ude00`, `n\udc00`}
	strs := []string{`"s\"t\\r"`, `"\ud800"`, `"x\ud83d\ude00y"`, `"\\ud800"`, `"\uDBFF\uDFFF"`, `"\ud83d\u0041"`, `"\udfff"`, `"\ud83d\\"`}
	numbers := []string{"0", "-1", "7.5", "1e22", "1e300", "9007199254740992", "9007199254740993", "-9007199254740993",
		"12345678901234567890", "9007199254740993.0", "90071992547409930e-1", "9007199254740993.5", "100000000000000000000", "1E2",
		"1e-400", "-2.5E-330", "0e-400", "4e-324", "0.0", "1e-300"}
	exactOnly := false // no inexact integer, whose problem would come first
	var gen func(b *strings.Builder, depth int)
	gen = func(b *strings.Builder, depth int) {
		switch k := rng.IntN(8); {
		case depth < 4 && k < 2:
			b.WriteString("{")
			n := rng.IntN(4)
			if rng.IntN(10) == 0 {
				n = 40 // past the scanner's slice of names
			}
			for i := range n {
				if i > 0 {
					b.WriteString(", ")
				}
				name := names[rng.IntN(len(names))]
				if n > 8 {
					name += strconv.Itoa(rng.IntN(60))
				}
				b.WriteString(`"` + name + `": `)
				gen(b, depth+1)
			}
			b.WriteString("}")
		case depth < 4 && k < 4:
			b.WriteString("[ ")
			for i := range rng.IntN(4) {
				if i > 0 {
					b.WriteString(" ,")
				}
				gen(b, depth+1)
			}
			b.WriteString("]")
		case k < 6:
			n := numbers[rng.IntN(len(numbers))]
			if exactOnly && !exactNumber(n) {
				n = "9007199254740992"
			}
			b.WriteString(n)
		case k < 7:
			b.WriteString(strs[rng.IntN(len(strs))])
		default:
			b.WriteString([]string{"true", "false", "null"}[rng.IntN(3)])
		}
	}
	for i := range 10000 {
		exactOnly = i%2 == 0
		var b strings.Builder
		gen(&b, 0)
		doc := b.String()
		switch rng.IntN(6) {
		case 0:
			doc = doc[:rng.IntN(len(doc)+1)]
		case 1:
			doc += " {}"
		}
		got, want := CheckJSON([]byte(doc)), referenceCheckJSON([]byte(doc))
		if (got == nil) != (want == nil) || got != nil && *got != *want {
			t.Fatalf("%s:\n got %+v\nwant %+v", doc, got, want)
		}
	}
}

// referenceCheckJSON is CheckJSON on encoding/json's tokenizer, slower and
// plainer: the reference for TestCheckJSON_Reference.
func referenceCheckJSON(data []byte) *JSONProblem {
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
		prev := dec.InputOffset()
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
			if lone := referenceLoneSurrogate(data[prev:dec.InputOffset()]); lone != "" && first == nil {
				first = &JSONProblem{Pointer: pointer(), Value: lone, Message: loneSurrogateMessage}
			}
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
				first = &JSONProblem{Pointer: pointer(), Value: string(t), Message: inexactIntegerMessage}
			}
			mantissa := strings.SplitN(strings.ToLower(string(t)), "e", 2)[0]
			if f, _ := strconv.ParseFloat(string(t), 64); first == nil && f == 0 && strings.ContainsAny(mantissa, "123456789") {
				first = &JSONProblem{Pointer: pointer(), Value: string(t), Message: underflowMessage}
			}
		case string:
			if lone := referenceLoneSurrogate(data[prev:dec.InputOffset()]); lone != "" && first == nil {
				first = &JSONProblem{Pointer: pointer(), Value: lone, Message: loneSurrogateMessage}
			}
		}
		next()
	}
}

// escapePattern matches one escape of a JSON string literal.
var escapePattern = regexp.MustCompile(`\\(u[0-9a-fA-F]{4}|.)`)

// referenceLoneSurrogate returns the first lone surrogate escape of the
// string literal that raw (what the tokenizer read for one string: a
// separator, spacing, the literal) ends with, or "".
func referenceLoneSurrogate(raw []byte) string {
	lit := raw[bytes.IndexByte(raw, '"'):]
	escapes := escapePattern.FindAllIndex(lit, -1)
	for k := 0; k < len(escapes); k++ {
		esc := string(lit[escapes[k][0]:escapes[k][1]])
		if len(esc) != 6 {
			continue
		}
		r, _ := strconv.ParseUint(esc[2:], 16, 32)
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if k+1 < len(escapes) && escapes[k+1][0] == escapes[k][1] {
				next := string(lit[escapes[k+1][0]:escapes[k+1][1]])
				if n, err := strconv.ParseUint(strings.TrimPrefix(next, `\u`), 16, 32); err == nil && len(next) == 6 && n >= 0xDC00 && n < 0xE000 {
					k++
					continue
				}
			}
			return esc
		case r >= 0xDC00 && r < 0xE000:
			return esc
		}
	}
	return ""
}
