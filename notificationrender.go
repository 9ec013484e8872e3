package enroll

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"maps"
	"reflect"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"
)

// NotificationData is what a template renders: the enrollment as the
// event recorded it, its program and instance, and the change. Templates
// name it with the API's member names:
//
//	{{.enrollment.firstName}} {{.enrollment.address.city}} {{.enrollment.metadata.anyKey}}
//	{{.program.name}} {{.instance.name}} {{.status}} {{.previousStatus}} {{.reason}} {{.link}}
//	{{.unsubscribeUrl}}
type NotificationData struct {
	Enrollment     *Enrollment
	Program        *Program
	Instance       *ProgramInstance
	PreviousStatus Status
	// Link is the instance's link for the enrollment (NotificationSettings.Link).
	Link string
	// UnsubscribeURL is the recipient's unsubscribe link, for
	// non-essential templates only (UnsubscribeLinkMarker until sent).
	UnsubscribeURL string
}

// RenderedMessage is a template rendered for one enrollment. It has no
// MarshalJSON of its own, since Notification embeds it (encoding/json
// inlines only types without one): its holders write HTML as null when
// empty.
type RenderedMessage struct {
	Subject string `json:"subject" nullable:"true" doc:"The rendered subject; null when withheld from a key without programs:write, as the instance declares hidden parameters (docs/notifications.md)."`
	Text    string `json:"text" nullable:"true" doc:"The rendered plain-text body; null when withheld, as subject."`
	HTML    string `json:"html" nullable:"true" doc:"The rendered HTML body; null when the template has none, or when withheld, as subject."`
}

// maxRenderedLength bounds a rendered body; maxSubjectLength a rendered
// subject, in bytes. RFC 5322's line limit, which it was taken from, is
// the sender's to keep: it folds long subjects onto lines of 78 (package
// notify), as "Subject: " alone took a 998-byte subject past it.
const (
	maxRenderedLength = 1 << 20
	maxSubjectLength  = 998
)

// Render renders the template for d: the subject on one line, the text
// with text/template, the HTML with html/template, which escapes every
// value for its context (a first name "<script>" shows as text). Returns
// EINVALID when a source fails on these values.
func (t *NotificationTemplate) Render(d NotificationData) (*RenderedMessage, error) {
	data := d.values()
	budget := newRenderBudget()
	var out RenderedMessage
	var v Invalid
	subject, err := renderText(t.Subject, data, budget)
	if err != nil {
		v.Add("body.subject", err.Error(), nil)
	}
	out.Subject = oneLine(messageText(subject))
	if out.Text, err = renderText(t.Text, data, budget); err != nil {
		v.Add("body.text", err.Error(), nil)
	}
	out.Text = messageText(out.Text)
	if t.HTML != "" {
		if out.HTML, err = renderHTML(t.HTML, data, budget); err != nil {
			v.Add("body.html", err.Error(), nil)
		}
		out.HTML = messageText(out.HTML)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &out, nil
}

// messageText returns a rendered part, or an attempt's error quoting a
// server's reply, as a message and a stored record may carry it: a byte
// that is not UTF-8 (slice can cut a character, a string literal or a
// server can write any byte) and NUL, which no message may hold and
// PostgreSQL's jsonb refuses (the write storing it would fail at every
// try: a dispatch, holding up every later event, or an attempt's
// record), each become U+FFFD, as encoding/json would show the former
// anyway.
func messageText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// oneLine folds a rendered subject onto one line, so no value can add a
// header, and bounds it.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for len(s) > maxSubjectLength || !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// renderText renders src, a text/template source, within budget.
func renderText(src string, data map[string]any, budget *renderBudget) (_ string, err error) {
	defer recoverRender(&err)
	t, err := template.New("t").Option("missingkey=error").Parse(src)
	if err != nil {
		return "", templateError(err)
	}
	fillFree(t, data)
	var trees []*parse.Tree
	for _, tt := range t.Templates() {
		trees = append(trees, tt.Tree)
	}
	instrument(trees)
	t.Funcs(budget.funcs())
	var b limitedBuffer
	if err := t.Execute(&b, data); err != nil {
		return "", templateError(err)
	}
	return b.String(), nil
}

// renderHTML renders src, an html/template source, within budget.
func renderHTML(src string, data map[string]any, budget *renderBudget) (_ string, err error) {
	defer recoverRender(&err)
	tt, err := template.New("t").Parse(src)
	if err != nil {
		return "", templateError(err)
	}
	fillFree(tt, data)
	t, err := htmltemplate.New("t").Option("missingkey=error").Parse(src)
	if err != nil {
		return "", templateError(err)
	}
	var trees []*parse.Tree
	for _, tt := range t.Templates() {
		trees = append(trees, tt.Tree)
	}
	instrument(trees)
	t.Funcs(htmltemplate.FuncMap(budget.funcs()))
	var b limitedBuffer
	if err := t.Execute(&b, data); err != nil {
		return "", templateError(err)
	}
	return b.String(), nil
}

// recoverRender turns a panic of the template packages, which run a
// source any key with programs:write wrote, into the render's error: a
// render runs in event dispatch, where a panic would stop the process,
// and again at each restart.
func recoverRender(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("cannot be rendered: %v", r)
	}
}

// limitedBuffer refuses output beyond maxRenderedLength.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > maxRenderedLength {
		return 0, fmt.Errorf("renders more than %d bytes", maxRenderedLength)
	}
	return b.Buffer.Write(p)
}

// templateError restates a template package error without the template's
// internal name.
func templateError(err error) error {
	if limit, ok := errors.AsType[*renderLimitError](err); ok {
		return limit
	}
	msg := err.Error()
	for _, p := range []string{"template: t:", "html/template:t:", "html/template: t:"} {
		msg = strings.TrimPrefix(msg, p)
	}
	return fmt.Errorf("%s", strings.TrimSpace(msg))
}

// values is the data a template sees, with every known member present
// (empty when the enrollment has none), so missingkey=error only fires on
// unknown names.
func (d NotificationData) values() map[string]any {
	m := map[string]any{}
	if d.Enrollment != nil {
		b, _ := json.Marshal(d.Enrollment)
		var em map[string]any
		_ = json.Unmarshal(b, &em)
		m["enrollment"] = templateNumbers(em)
		m["status"] = string(d.Enrollment.Eligibility.Status)
		m["reason"] = d.Enrollment.Eligibility.Reason
	}
	if d.Program != nil {
		m["program"] = map[string]any{"id": d.Program.ID, "name": d.Program.Name, "slug": d.Program.Slug}
	}
	if d.Instance != nil {
		m["instance"] = map[string]any{"id": d.Instance.ID, "name": d.Instance.Name, "slug": d.Instance.Slug}
	}
	m["previousStatus"] = string(d.PreviousStatus)
	m["link"] = d.Link
	m["unsubscribeUrl"] = d.UnsubscribeURL
	return placeholders.fill(m).(map[string]any)
}

// templateNumber is a number of the enrollment's JSON as templates see it: a
// float64 still, so that it compares and formats (printf "%.2f") as one,
// but printed as the API shows it (1234567) rather than as fmt prints a
// float64 (1.234567e+06).
type templateNumber float64

// String returns n as encoding/json writes it.
func (n templateNumber) String() string {
	b, err := json.Marshal(float64(n))
	if err != nil { // NaN and infinities, which JSON never holds
		return fmt.Sprint(float64(n))
	}
	return string(b)
}

// MarshalJSON writes n as the float64 it is: html/template writes a value
// in a JavaScript context (a script, an onclick) as JSON, and would take
// a fmt.Stringer for a string, "1234567", where a number was written.
func (n templateNumber) MarshalJSON() ([]byte, error) { return json.Marshal(float64(n)) }

// templateNumbers replaces the float64s within v, decoded JSON, with
// templateNumbers.
func templateNumbers(v any) any {
	return mapLeaves(v, func(x any) any {
		if f, ok := x.(float64); ok {
			return templateNumber(f)
		}
		return x
	})
}

// mapLeaves replaces each value within v, decoded JSON, that is neither
// an object nor a list with f's result for it, in place.
func mapLeaves(v any, f func(any) any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			x[k] = mapLeaves(c, f)
		}
		return x
	case []any:
		for i, c := range x {
			x[i] = mapLeaves(c, f)
		}
		return x
	}
	return f(v)
}

// SampleNotificationData is the enrollment a template is tried on when
// saved, and previewed with when no enrollment is given.
func SampleNotificationData() NotificationData {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	e := &Enrollment{ID: "enr_sample", IdentificationType: IdentifyByCustomerInfo, ProgramInstanceID: "pin_sample",
		FirstName: "Suzie", LastName: "Homeowner", Email: "suzie.homeowner@example.com", Phone: "+1234567890",
		Address:     &Address{StreetOne: "123 Main St", City: "New York", State: "NY", PostalCode: "10001", Country: "USA"},
		Eligibility: Eligibility{Status: StatusApproved, Reason: "Verified", ProgramInstanceID: "pin_sample"},
		CreatedAt:   now, UpdatedAt: now}
	e.normalize()
	return NotificationData{Enrollment: e,
		Program:        &Program{ID: "prg_sample", Slug: "solar-rebate", Name: "Solar Rebate"},
		Instance:       &ProgramInstance{ID: "pin_sample", Slug: "2026", Name: "Solar Rebate 2026"},
		PreviousStatus: StatusSubmitted, Link: "https://example.com/enrollments/enr_sample",
		UnsubscribeURL: "https://enroll.example.com/unsubscribe?token=uns_sample"}
}

// checkTemplateSourceNow parses src and checks that it names only known
// placeholders, then renders it on the sample (checkTemplateSource
// remembers its results).
func checkTemplateSourceNow(src string, html bool) error {
	t, err := template.New("t").Parse(src)
	if err != nil {
		return templateError(err)
	}
	if err := checkPlaceholders(t); err != nil {
		return err
	}
	data := SampleNotificationData().values()
	if html {
		_, err = renderHTML(src, data, newRenderBudget())
	} else {
		_, err = renderText(src, data, newRenderBudget())
	}
	return err
}

// placeholder describes a member templates may name.
type placeholder struct {
	// fields are an object's members; nil for scalars, lists and free
	// members.
	fields map[string]*placeholder
	// item describes a list's items (devices, parameters, a trace's
	// results), which templates reach by range, index or a range's
	// variable; nil for anything but a list.
	item *placeholder
	// free members (metadata, attributes, a parameter's value) take any
	// key or index.
	free bool
	// object marks a free member that is an object (metadata): {} when
	// absent, where others are "".
	object bool
}

// eachItem is the name a member chain gives the items of what it ranges
// over (rangePath), where a field's name would be: no member has it, as
// it is no identifier.
const eachItem = "[]"

// placeholders is the root of NotificationData.values.
var placeholders = &placeholder{fields: map[string]*placeholder{
	"enrollment":     placeholderOf(reflect.TypeFor[Enrollment]()),
	"program":        {fields: map[string]*placeholder{"id": {}, "name": {}, "slug": {}}},
	"instance":       {fields: map[string]*placeholder{"id": {}, "name": {}, "slug": {}}},
	"status":         {},
	"previousStatus": {},
	"reason":         {},
	"link":           {},
	"unsubscribeUrl": {},
}}

// placeholderOf describes a type by its JSON form.
func placeholderOf(t reflect.Type) *placeholder {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[time.Time]():
		return &placeholder{}
	case t.Kind() == reflect.Map:
		return &placeholder{free: true, object: true}
	case t.Kind() == reflect.Interface:
		return &placeholder{free: true}
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		return &placeholder{item: placeholderOf(t.Elem())}
	case t.Kind() != reflect.Struct:
		return &placeholder{}
	}
	p := &placeholder{fields: map[string]*placeholder{}}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		p.fields[name] = placeholderOf(f.Type)
	}
	return p
}

// fill gives v every member p knows, empty where absent, in each item of
// a list too.
func (p *placeholder) fill(v any) any {
	switch {
	case p.item != nil:
		items, _ := v.([]any)
		if items == nil {
			return []any{}
		}
		for i, x := range items {
			items[i] = p.item.fill(x)
		}
		return items
	case p.free:
		if v == nil && p.object {
			return map[string]any{}
		}
		return emptyNulls(v)
	case p.fields != nil:
		m, _ := v.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		for k, c := range p.fields {
			m[k] = c.fill(m[k])
		}
		return m
	default:
		if v == nil {
			return ""
		}
	}
	return v
}

// emptyNulls replaces the nulls within v, a free member's value (a
// metadata entry, a list's item), with "": a template prints nil as "<no
// value>", and a null shows empty, as an absent member does.
func emptyNulls(v any) any {
	return mapLeaves(v, func(x any) any {
		if x == nil {
			return ""
		}
		return x
	})
}

// lookup resolves a member chain from p; nil p means unknown (no check).
// eachItem in chain stands for a list's items (see rangePath); the items
// of anything else are not checked (a range over an object's values, or
// over a number, fails on the sample if at all).
func (p *placeholder) lookup(chain []string) (*placeholder, error) {
	for i, name := range chain {
		if p == nil || p.free {
			return nil, nil
		}
		c := p.fields[name]
		if name == eachItem {
			c = p.item
			if c == nil {
				return nil, nil
			}
		}
		if c == nil {
			return nil, fmt.Errorf("unknown placeholder %s", describeChain(chain[:i+1]))
		}
		p = c
	}
	return p, nil
}

// describeChain names a member chain as its template wrote it: a member
// of a list's items as the item's member in the range over the list.
func describeChain(chain []string) string {
	last := -1
	for i, name := range chain {
		if name == eachItem {
			last = i
		}
	}
	if last < 0 {
		return "." + strings.Join(chain, ".")
	}
	return "." + strings.Join(chain[last+1:], ".") + " in {{range " + describeChain(chain[:last]) + "}}"
}

// walker visits the member chains a parse tree names, each as a path from
// the data's root: through a range, the path of what it ranges over then
// eachItem. Chains whose root cannot be known (in a defined template, of
// a variable assigned anything but a member) are not visited.
type walker struct {
	visit func(path []string) error
}

// scope maps the variables in scope to the paths they hold (nil:
// unknown); $ is the root in the main template. A scope's copy for a
// nested action shares its variables, as Go's templates do, so that an
// assignment there is seen after it.
type scope map[string]*[]string

// path returns the path variable v holds, nil when unknown.
func (s scope) path(v string) []string {
	if p := s[v]; p != nil {
		return *p
	}
	return nil
}

// node walks n with dot at path (nil: unknown). Variables n declares are
// added to vars, for the nodes after it in its list.
func (w *walker) node(n parse.Node, dot []string, vars scope) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := w.node(c, dot, vars); err != nil {
				return err
			}
		}
	case *parse.ActionNode:
		if err := w.pipe(n.Pipe, dot, vars); err != nil {
			return err
		}
		if d := n.Pipe.Decl; len(d) == 1 && n.Pipe.IsAssign {
			if p := vars[d[0].Ident[0]]; p != nil {
				// Assigned in a branch that may not run: unknown after it.
				*p = nil
			}
		} else {
			declare(n.Pipe, vars, target(n.Pipe, dot, vars))
		}
	case *parse.TemplateNode:
		return w.pipe(n.Pipe, dot, vars)
	case *parse.IfNode:
		return w.branch(&n.BranchNode, dot, dot, maps.Clone(vars))
	case *parse.WithNode:
		inner := maps.Clone(vars)
		to := target(n.Pipe, dot, vars)
		declare(n.Pipe, inner, to)
		return w.branch(&n.BranchNode, dot, to, inner)
	case *parse.RangeNode:
		// What it ranges over is visited with its items, so that a
		// free member the enrollment lacks is filled as what has none
		// (fillFree), rather than as an empty text, which cannot be
		// ranged over.
		over := target(n.Pipe, dot, vars)
		var each []string
		if over != nil {
			each = append(slices.Clip(over), eachItem)
			if err := w.visit(each); err != nil {
				return err
			}
		} else if err := w.pipe(n.Pipe, dot, vars); err != nil {
			return err
		}
		inner := maps.Clone(vars)
		if d := n.Pipe.Decl; len(d) == 2 {
			inner[d[0].Ident[0]], inner[d[1].Ident[0]] = nil, &each
		} else {
			declare(n.Pipe, inner, each)
		}
		if err := w.node(n.List, each, inner); err != nil {
			return err
		}
		if n.ElseList != nil {
			return w.node(n.ElseList, dot, maps.Clone(vars))
		}
	}
	return nil
}

// declare gives the variable p declares, if one, the path to.
func declare(p *parse.PipeNode, vars scope, to []string) {
	if len(p.Decl) == 1 {
		vars[p.Decl[0].Ident[0]] = &to
	}
}

func (w *walker) branch(b *parse.BranchNode, dot, inner []string, vars scope) error {
	if err := w.pipe(b.Pipe, dot, vars); err != nil {
		return err
	}
	if err := w.node(b.List, inner, vars); err != nil {
		return err
	}
	if b.ElseList != nil {
		return w.node(b.ElseList, dot, maps.Clone(vars))
	}
	return nil
}

// target returns the path a pipeline of one field chain, variable or dot
// gives, nil when it is anything else.
func target(p *parse.PipeNode, dot []string, vars scope) []string {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return nil
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode:
		if dot != nil {
			return append(slices.Clip(dot), a.Ident...)
		}
	case *parse.VariableNode:
		if root := vars.path(a.Ident[0]); root != nil {
			return append(slices.Clip(root), a.Ident[1:]...)
		}
	case *parse.DotNode:
		return dot
	}
	return nil
}

func (w *walker) pipe(p *parse.PipeNode, dot []string, vars scope) error {
	if p == nil {
		return nil
	}
	for _, c := range p.Cmds {
		for _, a := range c.Args {
			var err error
			switch a := a.(type) {
			case *parse.FieldNode:
				if dot != nil {
					err = w.visit(append(slices.Clip(dot), a.Ident...))
				}
			case *parse.VariableNode:
				if root := vars.path(a.Ident[0]); root != nil && len(a.Ident) > 1 {
					err = w.visit(append(slices.Clip(root), a.Ident[1:]...))
				}
			case *parse.PipeNode:
				err = w.pipe(a, dot, vars)
			case *parse.ChainNode:
				if pn, ok := a.Node.(*parse.PipeNode); ok {
					err = w.pipe(pn, dot, vars)
				}
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// walkTemplates walks every template of t: the main one from the root, the
// defined ones with an unknown dot and $.
func walkTemplates(t *template.Template, visit func(path []string) error) error {
	for _, tt := range t.Templates() {
		if tt.Tree == nil {
			continue
		}
		w := &walker{visit: visit}
		var dot []string
		vars := scope{}
		if tt.Name() == "t" {
			dot = []string{}
			vars["$"] = &dot
		}
		if err := w.node(tt.Tree.Root, dot, vars); err != nil {
			return err
		}
	}
	return nil
}

// checkPlaceholders returns an error naming the first unknown placeholder.
func checkPlaceholders(t *template.Template) error {
	return walkTemplates(t, func(path []string) error {
		_, err := placeholders.lookup(path)
		return err
	})
}

// fillFree gives data an empty value at every path t names through a free
// member (a metadata key the enrollment lacks), so it renders empty rather
// than failing, in each item of what a range goes over too: known members
// are always present (see fill).
func fillFree(t *template.Template, data map[string]any) {
	_ = walkTemplates(t, func(path []string) error {
		fillPath(data, path)
		return nil
	})
}

// fillPath gives v an empty value at path: "" at its end, {} on the way
// (also for what a range goes over, which then has no items).
func fillPath(v any, path []string) {
	if len(path) == 0 {
		return
	}
	if path[0] == eachItem {
		switch v := v.(type) {
		case []any:
			for _, x := range v {
				fillPath(x, path[1:])
			}
		case map[string]any:
			for _, x := range v {
				fillPath(x, path[1:])
			}
		}
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	x, ok := m[path[0]]
	if !ok {
		if len(path) == 1 {
			m[path[0]] = ""
			return
		}
		x = map[string]any{}
		m[path[0]] = x
	}
	fillPath(x, path[1:])
}
