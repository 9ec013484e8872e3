package enroll

import (
	"fmt"
	"math"
	"reflect"
	"text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"
)

// Limits of one render (NotificationTemplate.Render, and the check on the
// sample when a template is saved). Go templates can loop
// ({{range 1000000000}}), recurse ({{template}} calling itself twice) and
// grow strings ({{$b := printf "%s%s" $a $a}}), and renders run where a
// slow one holds up others: every event dispatch runs inside the store's
// write transaction, which on SQLite every workspace shares (see also
// RenderClock and checkedSources). A legitimate template takes a few dozen
// steps and formats a few hundred bytes.
const (
	// maxRenderSteps bounds the lists of nodes a render executes: each
	// loop iteration, each branch taken and each template called is one.
	maxRenderSteps = 100_000
	// maxRenderTime bounds a render's duration.
	maxRenderTime = 250 * time.Millisecond
	// maxFormattedBytes bounds what print, printf, println, html, js and
	// urlquery produce, together, in one render.
	maxFormattedBytes = 1 << 20
	// maxFormatWidth bounds a printf width or precision (fmt takes up to a
	// million).
	maxFormatWidth = 1000
)

// renderLimitError is the error of a render that went over its limits;
// templateError passes on its message alone.
type renderLimitError struct {
	msg string
	// timed marks the time limit, which depends on how busy the machine
	// is, not on the template alone.
	timed bool
}

func (e *renderLimitError) Error() string { return e.msg }

func renderLimit(format string, args ...any) error {
	return &renderLimitError{msg: fmt.Sprintf(format, args...)}
}

// renderBudget is what is left of one render's limits. Its step and print
// functions are called by the instrumented templates (instrument).
type renderBudget struct {
	steps    int
	bytes    int
	deadline time.Time
}

func newRenderBudget() *renderBudget {
	return &renderBudget{deadline: time.Now().Add(maxRenderTime)}
}

// stepFunc is the name under which templates call renderBudget.step. A
// source naming it fails to parse: it is added to a template only once
// parsed.
const stepFunc = "_enrollStep"

// stepVar is the variable the step's call is assigned to, so that it
// prints nothing (html/template does not escape an assignment either). A
// template cannot name it: it is not an identifier.
const stepVar = "$enroll-step"

// funcs are the functions of an instrumented template: the step, and the
// built-in functions whose result may be longer than their arguments,
// bounded by the budget. Each may be applied to its own result, and some
// compound ({{$a = js $a}} doubles every backslash), so the length could
// otherwise grow exponentially with the source's. index is replaced too,
// so that a key a map lacks renders empty (templateIndex).
func (b *renderBudget) funcs() template.FuncMap {
	return template.FuncMap{stepFunc: b.step, "index": templateIndex, "print": b.print, "printf": b.printf, "println": b.println,
		"html": b.escaper(template.HTMLEscaper, 6), "js": b.escaper(template.JSEscaper, 6), "urlquery": b.escaper(template.URLQueryEscaper, 3)}
}

// escaper bounds an escaping function that writes at most factor bytes
// for each byte of its arguments.
func (b *renderBudget) escaper(escape func(...any) string, factor int) func(...any) (string, error) {
	return func(args ...any) (string, error) {
		if err := b.charge(factor * reprBound(args, 1)); err != nil {
			return "", err
		}
		return escape(args...), nil
	}
}

// step counts one list of nodes executed.
func (b *renderBudget) step() (string, error) {
	b.steps++
	if b.steps > maxRenderSteps {
		return "", renderLimit("stops after %d steps: a loop or a recursion runs too long", maxRenderSteps)
	}
	if time.Now().After(b.deadline) {
		return "", &renderLimitError{msg: fmt.Sprintf("stops after %v: renders too slowly", maxRenderTime), timed: true}
	}
	return "", nil
}

// charge counts n bytes about to be formatted, before fmt allocates them.
func (b *renderBudget) charge(n int) error {
	b.bytes += n
	if b.bytes > maxFormattedBytes {
		return renderLimit("stops: print, printf, println, html, js and urlquery would produce more than %d bytes", maxFormattedBytes)
	}
	return nil
}

func (b *renderBudget) print(args ...any) (string, error) {
	if err := b.charge(reprBound(args, 2)); err != nil {
		return "", err
	}
	return fmt.Sprint(args...), nil
}

func (b *renderBudget) println(args ...any) (string, error) {
	if err := b.charge(reprBound(args, 2) + 1); err != nil {
		return "", err
	}
	return fmt.Sprintln(args...), nil
}

// printf charges a bound of its result (formatBound) before formatting
// it.
func (b *renderBudget) printf(format string, args ...any) (string, error) {
	n, err := formatBound(format, args)
	if err != nil {
		return "", err
	}
	if err := b.charge(n); err != nil {
		return "", err
	}
	return fmt.Sprintf(format, args...), nil
}

// errTooWide refuses a printf width or precision over maxFormatWidth.
var errTooWide = renderLimit("printf takes widths and precisions up to %d", maxFormatWidth)

// formatBound returns a bound of the length of fmt.Sprintf(format,
// args...), reading the format as fmt's doPrintf does (flags, argument
// indexes, widths and precisions written or taken from arguments with *,
// the verb), or an error when a width or precision is over
// maxFormatWidth. Each verb is bounded by its width and precision and
// six bytes for each byte of the largest argument (% #x writes five; %q
// at most four); fmt's complaints (%!d(MISSING), %!(EXTRA ...)) fit in
// that and the 64 bytes added to each.
func formatBound(format string, a []any) (int, error) {
	largest := 0
	for _, v := range a {
		largest = max(largest, reprBound([]any{v}, 0))
	}
	per := 6*largest + 64
	bound := len(format) + len(a)*per // the EXTRA list names every argument
	end := len(format)
	argNum := 0
	for i := 0; i < end; {
		for i < end && format[i] != '%' {
			i++
		}
		if i >= end {
			break
		}
		i++
		bound += per
		// Flags, or a simple verb.
		simple := false
	flags:
		for ; i < end; i++ {
			switch c := format[i]; c {
			case '#', '0', '+', '-', ' ':
			default:
				if 'a' <= c && c <= 'z' && argNum < len(a) {
					argNum++
					i++
					simple = true
				}
				break flags
			}
		}
		if simple {
			continue
		}
		// good is fmt's goodArgNum: a verb with a bad index takes no
		// argument.
		good := true
		var afterIndex bool
		argNum, i, afterIndex, good = formatArgNumber(argNum, format, i, len(a), good)
		if i < end && format[i] == '*' {
			i++
			var w int
			w, argNum = formatIntArg(a, argNum)
			if w > maxFormatWidth || w < -maxFormatWidth {
				return 0, errTooWide
			}
			bound += max(w, -w)
			afterIndex = false
		} else {
			var w int
			var over bool
			start := i
			w, over, i = formatNum(format, i, end)
			if over || w > maxFormatWidth {
				return 0, errTooWide
			}
			if afterIndex && i > start { // %[3]2d
				good = false
			}
			bound += w
		}
		if i+1 < end && format[i] == '.' {
			i++
			if afterIndex { // %[3].2d
				good = false
			}
			argNum, i, afterIndex, good = formatArgNumber(argNum, format, i, len(a), good)
			if i < end && format[i] == '*' {
				i++
				var p int
				p, argNum = formatIntArg(a, argNum)
				if p > maxFormatWidth {
					return 0, errTooWide
				}
				bound += max(p, 0)
				afterIndex = false
			} else {
				var p int
				var over bool
				p, over, i = formatNum(format, i, end)
				if over || p > maxFormatWidth {
					return 0, errTooWide
				}
				bound += p
			}
		}
		if !afterIndex {
			argNum, i, _, good = formatArgNumber(argNum, format, i, len(a), good)
		}
		if i >= end {
			break
		}
		verb, size := utf8.DecodeRuneInString(format[i:])
		i += size
		if verb != '%' && good && argNum < len(a) {
			argNum++
		}
	}
	return bound, nil
}

// formatArgNumber reads an argument index ([n]) at format[i:] as fmt's
// argNumber does: the argument it names, the index after it, whether
// there was one, and good, false once an index is bad.
func formatArgNumber(argNum int, format string, i, numArgs int, good bool) (int, int, bool, bool) {
	if i >= len(format) || format[i] != '[' {
		return argNum, i, false, good
	}
	f := format[i:]
	if len(f) < 3 {
		return argNum, i + 1, false, false
	}
	for j := 1; j < len(f); j++ {
		if f[j] == ']' {
			n, over, next := formatNum(f, 1, j)
			if over || next != j || j == 1 {
				return argNum, i + j + 1, false, false
			}
			if 0 <= n-1 && n-1 < numArgs {
				return n - 1, i + j + 1, true, good
			}
			return argNum, i + j + 1, true, false
		}
	}
	return argNum, i + 1, false, false
}

// formatNum reads the number at s[start:end] as fmt's parsenum does: its
// value, whether it was too large for fmt (which then skips to end), and
// the index after it.
func formatNum(s string, start, end int) (n int, over bool, next int) {
	if start >= end {
		return 0, false, end
	}
	for next = start; next < end && '0' <= s[next] && s[next] <= '9'; next++ {
		if n > 1e6 {
			return 0, true, end
		}
		n = n*10 + int(s[next]-'0')
	}
	return n, false, next
}

// formatIntArg returns the width or precision a * takes from a[argNum],
// as fmt's intFromArg reads it (0 when it is not an integer), and the
// next argument's number.
func formatIntArg(a []any, argNum int) (int, int) {
	if argNum >= len(a) {
		return 0, argNum
	}
	n, ok := integer(a[argNum])
	if !ok {
		return 0, argNum + 1
	}
	if n > 1e6 || n < -1e6 {
		// fmt refuses it (BADWIDTH); so does the budget.
		return maxFormatWidth + 1, argNum + 1
	}
	return int(n), argNum + 1
}

// integer returns a's value if fmt takes it as a width (intFromArg).
func integer(a any) (int64, bool) {
	v := reflect.ValueOf(a)
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if v.Uint() > math.MaxInt64 {
			return 0, false
		}
		return int64(v.Uint()), true
	}
	return 0, false
}

// reprBound is a bound of the length of vs as fmt prints them with %v,
// each with sep bytes around it.
func reprBound(vs []any, sep int) int {
	n := 0
	for _, v := range vs {
		n += valueBound(reflect.ValueOf(v), 0) + sep
	}
	return n
}

// valueBound is a bound of the length of v printed with %v. A template's
// values come from the enrollment's JSON (maps, lists, strings, numbers,
// booleans) or are template literals.
func valueBound(v reflect.Value, depth int) int {
	if !v.IsValid() {
		return len("<nil>")
	}
	if depth > 100 {
		return maxFormattedBytes + 1
	}
	switch v.Kind() {
	case reflect.String:
		return len(v.String()) + utf8.UTFMax
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return len("<nil>")
		}
		return valueBound(v.Elem(), depth+1) + 1
	// Containers: room for the type %#v writes before each
	// (map[string]interface {}{...}).
	case reflect.Slice, reflect.Array:
		n := 32
		for i := range v.Len() {
			n += valueBound(v.Index(i), depth+1) + 2
		}
		return n
	case reflect.Map:
		n := 32
		for it := v.MapRange(); it.Next(); {
			n += valueBound(it.Key(), depth+1) + valueBound(it.Value(), depth+1) + 4
		}
		return n
	}
	// Numbers and booleans: %f of the largest float64 takes 316 bytes.
	return 330
}

// instrument makes every list of nodes in trees (a template's, and those
// it defines) start with a call of the step (assigned to a variable, so it prints nothing):
// each iteration of a range, each branch of an if or with, and each
// template called then counts.
func instrument(trees []*parse.Tree) {
	for _, t := range trees {
		if t != nil && t.Root != nil {
			instrumentList(t.Root)
		}
	}
}

func instrumentList(l *parse.ListNode) *parse.ListNode {
	if l == nil {
		l = &parse.ListNode{NodeType: parse.NodeList}
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.IfNode:
			instrumentBranch(&n.BranchNode)
		case *parse.WithNode:
			instrumentBranch(&n.BranchNode)
		case *parse.RangeNode:
			instrumentBranch(&n.BranchNode)
		}
	}
	// The step's nodes are at position 0, and belong to no tree: an error
	// at them is placed by the source of the tree executing them, which for
	// a copy html/template derives (a template called in an attribute) is
	// empty, so any other position would be out of its range (a panic).
	step := &parse.ActionNode{NodeType: parse.NodeAction, Pipe: &parse.PipeNode{
		NodeType: parse.NodePipe,
		Decl:     []*parse.VariableNode{{NodeType: parse.NodeVariable, Ident: []string{stepVar}}},
		Cmds: []*parse.CommandNode{{NodeType: parse.NodeCommand,
			Args: []parse.Node{parse.NewIdentifier(stepFunc)}}},
	}}
	l.Nodes = append([]parse.Node{step}, l.Nodes...)
	return l
}

func instrumentBranch(b *parse.BranchNode) {
	// An empty body ({{range 1000000000}}{{end}}) counts too.
	b.List = instrumentList(b.List)
	if b.ElseList != nil {
		b.ElseList = instrumentList(b.ElseList)
	}
}
