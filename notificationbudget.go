package enroll

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"
)

// Limits of one render (NotificationTemplate.Render, and the check on the
// sample when a template is saved). Go templates can loop
// ({{range 1000000000}}), recurse ({{template}} calling itself twice) and
// grow strings ({{$b := printf "%s%s" $a $a}}), and renders run where a
// slow one holds up others: a template's save and every event dispatch run
// inside the store's write transaction, which on SQLite every workspace
// shares. A legitimate template takes a few dozen steps and formats a few
// hundred bytes.
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
type renderLimitError struct{ msg string }

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
// otherwise grow exponentially with the source's.
func (b *renderBudget) funcs() template.FuncMap {
	return template.FuncMap{stepFunc: b.step, "print": b.print, "printf": b.printf, "println": b.println,
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
		return "", renderLimit("stops after %v: renders too slowly", maxRenderTime)
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

// printf charges a bound of its result before formatting it: the format's
// length, plus for each verb the largest argument and the largest width.
func (b *renderBudget) printf(format string, args ...any) (string, error) {
	verbs, width, err := scanFormat(format, args)
	if err != nil {
		return "", err
	}
	largest := 0
	for _, a := range args {
		largest = max(largest, reprBound([]any{a}, 0))
	}
	// A verb may print its argument quoted, in hex or as Go syntax (%q,
	// % x, %#v): up to four bytes for each.
	if err := b.charge(len(format) + verbs*(4*largest+width+2)); err != nil {
		return "", err
	}
	return fmt.Sprintf(format, args...), nil
}

// scanFormat returns the number of verbs in a printf format and the
// largest width or precision they may take, refusing those over
// maxFormatWidth, whether written in the format or given by an argument
// (*). It reads what fmt reads: %, flags, then widths, precisions and
// argument indexes ([n]) in any order, then the verb.
func scanFormat(format string, args []any) (verbs, width int, err error) {
	tooWide := renderLimit("printf takes widths and precisions up to %d", maxFormatWidth)
	star := false
	for i := 0; i < len(format); {
		if format[i] != '%' {
			i++
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			i++
			continue
		}
		verbs++
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			i++
		}
	spec:
		for i < len(format) {
			switch c := format[i]; {
			case c == '[':
				j := strings.IndexByte(format[i:], ']')
				if j < 0 {
					i = len(format)
					break spec
				}
				i += j + 1
			case c == '*':
				star = true
				i++
			case c == '.':
				i++
			case c >= '0' && c <= '9':
				j := i
				for j < len(format) && format[j] >= '0' && format[j] <= '9' {
					j++
				}
				n, err := strconv.Atoi(format[i:j])
				if err != nil || n > maxFormatWidth {
					return 0, 0, tooWide
				}
				width, i = max(width, n), j
			default:
				break spec
			}
		}
		// The verb.
		_, size := utf8.DecodeRuneInString(format[i:])
		i += size
	}
	if star {
		// Which argument a * takes depends on indexes: every integer
		// may be a width.
		for _, a := range args {
			if n, ok := integer(a); ok && (n > maxFormatWidth || n < -maxFormatWidth) {
				return 0, 0, tooWide
			}
		}
		width = maxFormatWidth
	}
	return verbs, width, nil
}

// integer returns a's value if fmt would take it as a width.
func integer(a any) (int64, bool) {
	v := reflect.ValueOf(a)
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if v.Uint() > math.MaxInt64 {
			return math.MaxInt64, true
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

// instrument makes every list of nodes in the templates of root start with
// a call of the step (assigned to a variable, so it prints nothing):
// each iteration of a range, each branch of an if or with, and each
// template called then counts.
func instrument(trees []*parse.Tree) {
	for _, t := range trees {
		if t != nil && t.Root != nil {
			instrumentList(t.Root, t.Root.Pos)
		}
	}
}

func instrumentList(l *parse.ListNode, pos parse.Pos) *parse.ListNode {
	if l == nil {
		l = &parse.ListNode{NodeType: parse.NodeList, Pos: pos}
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
	step := &parse.ActionNode{NodeType: parse.NodeAction, Pos: pos, Pipe: &parse.PipeNode{
		NodeType: parse.NodePipe, Pos: pos,
		Decl: []*parse.VariableNode{{NodeType: parse.NodeVariable, Pos: pos, Ident: []string{stepVar}}},
		Cmds: []*parse.CommandNode{{NodeType: parse.NodeCommand, Pos: pos,
			Args: []parse.Node{parse.NewIdentifier(stepFunc).SetPos(pos)}}},
	}}
	l.Nodes = append([]parse.Node{step}, l.Nodes...)
	return l
}

func instrumentBranch(b *parse.BranchNode) {
	// An empty body ({{range 1000000000}}{{end}}) counts too.
	b.List = instrumentList(b.List, b.Pos)
	if b.ElseList != nil {
		b.ElseList = instrumentList(b.ElseList, b.Pos)
	}
}
