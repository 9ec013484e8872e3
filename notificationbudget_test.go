package enroll_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestNotificationRenderLimits: a template that loops, recurses or grows
// strings without end is refused when saved and stops when rendered,
// rather than holding the store's writer (renders run in its
// transactions).
func TestNotificationRenderLimits(t *testing.T) {
	t.Parallel()
	doubling := `{{$a := printf "%0999d" 1}}`
	doubling += strings.Repeat(`{{$a = printf "%s%s" $a $a}}`, 30)
	printDoubling := `{{$a := print "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}` + strings.Repeat(`{{$a = print $a $a}}`, 40)
	cases := []struct{ name, src, want string }{
		{"a loop of a billion", `{{range 1000000000}}{{end}}`, "stops after"},
		{"nested loops", `{{range 1000000}}{{range 1000000}}{{end}}{{end}}`, "stops after"},
		{"a loop with an else", `{{range 1000000000}}x{{else}}none{{end}}`, ""},
		{"a recursion that branches", `{{define "a"}}{{template "a" .}}{{template "a" .}}{{end}}{{template "a" .}}`, "stops after"},
		{"a recursion in a branch", `{{define "a"}}{{if true}}{{template "a" .}}{{template "a" .}}{{end}}{{end}}{{template "a" .}}`, "stops after"},
		{"printf doubling a string", doubling, "more than"},
		{"print doubling a string", printDoubling, "more than"},
		{"js doubling a string", `{{$a := "<<<<<<<<<<"}}` + strings.Repeat(`{{$a = js $a}}`, 60), "more than"},
		{"a width of a million", `{{printf "%01000000d" 1}}`, "widths"},
		{"a precision of a million", `{{printf "%.1000000f" 1.5}}`, "widths"},
		{"a width by argument", `{{printf "%[2]*[1]d" 1 1000000}}`, "widths"},
		{"a width beyond int", `{{printf "%99999999999999999999d" 1}}`, "widths"},
		{"one argument many times", `{{printf "` + strings.Repeat("%[1]v", 5000) + `" "` + strings.Repeat("y", 1000) + `"}}`, "more than"},
		// html/template renders a template called in an attribute from a
		// copy of it without its source: the limit must be reported there
		// too, not panic.
		{"a recursion called in a URL", `{{define "a"}}{{template "a" .}}{{template "a" .}}{{end}}<a href="{{template "a" .}}">x</a>`, "stops after"},
		{"loops over the tags in an attribute", `{{define "x"}}{{range .enrollment.tags}}{{range $.enrollment.tags}}{{range $.enrollment.tags}}{{end}}{{end}}{{end}}{{end}}<a title="{{template "x" .}}">x</a>`, "stops after"},
		{"printf with a width after a bad index", `{{$x := printf "%[%` + strings.Repeat("%09999999d", 20) + `"` + strings.Repeat(" 1", 20) + `}}ok`, "widths"},
		{"loops over the enrollment's tags", `{{range .enrollment.tags}}{{range $.enrollment.tags}}{{range $.enrollment.tags}}{{end}}{{end}}{{end}}`, "stops after"},
	}
	d := enroll.SampleNotificationData()
	for i := range 100 {
		d.Enrollment.Tags = append(d.Enrollment.Tags, fmt.Sprint("t", i))
	}
	for _, c := range cases {
		for _, html := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/html=%v", c.name, html), func(t *testing.T) {
				t.Parallel()
				tpl := &enroll.NotificationTemplate{Name: "n", Status: enroll.StatusApproved, Subject: "s", Text: "t"}
				loc := "body.text"
				if html {
					tpl.HTML, loc = c.src, "body.html"
				} else {
					tpl.Text = c.src
				}
				tpl.Prepare()
				err := within(t, func() error { _, err := tpl.Render(d); return err })
				var de *enroll.Error
				if !errors.As(err, &de) || de.Code != enroll.EINVALID || de.Fields[0].Location != loc || !strings.Contains(de.Fields[0].Message, c.want) {
					t.Fatalf("render: %v, want %s: …%s…", err, loc, c.want)
				}
				if strings.Contains(de.Fields[0].Message, "_enrollStep") || strings.Contains(de.Fields[0].Message, "executing") {
					t.Errorf("message %q names the template's machinery", de.Fields[0].Message)
				}
				// Saving renders on a sample without tags: a loop over
				// them passes there, and is stopped when sent.
				if !strings.Contains(c.name, "tags") {
					if err := within(t, tpl.Validate); enroll.ErrorCode(err) != enroll.EINVALID {
						t.Errorf("validate: %v, want EINVALID", err)
					}
				}
			})
		}
	}
}

// within runs f, failing the test rather than hanging when it does not
// return: a render without limits runs for hours.
func within(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatal("still rendering after a minute")
		return nil
	}
}

// TestNotificationRenderInstrumented: the limits change nothing a
// template renders: print functions, loops with else, defined templates,
// and steps in every HTML context print nothing.
func TestNotificationRenderInstrumented(t *testing.T) {
	t.Parallel()
	d := enroll.SampleNotificationData()
	d.Enrollment.Tags = []string{"a", "b<"}
	cases := []struct{ src, text, html string }{
		{`{{range $i, $t := .enrollment.tags}}{{if $i}}, {{end}}{{$t}}{{end}}`, "a, b<", "a, b&lt;"},
		{`{{range .enrollment.groupIds}}x{{else}}none{{end}}`, "none", "none"},
		{`{{printf "%.2f|%5d|%-3s|%%|%[1]v" 3.14159 42 "ab"}}`, "3.14|   42|ab |%|3.14159", "3.14|   42|ab |%|3.14159"},
		{`{{printf "%*d|" 4 7}}{{print "a" 1 2 "b"}}{{println "c"}}`, "   7|a1 2bc\n", "   7|a1 2bc\n"},
		{`{{define "n"}}<{{.}}>{{end}}{{template "n" .enrollment.firstName}}`, "<Suzie>", "&lt;Suzie>"},
		{`{{printf "%-*s|%d" 8 "Total" 2500}}`, "Total   |2500", "Total   |2500"},
		{`{{js "<a>"}}|{{urlquery "a b"}}|{{html "<"}}`, `\u003Ca\u003E|a+b|&lt;`, `\u003Ca\u003E|a&#43;b|&lt;`},
		{`{{with .enrollment.address}}{{.city}}{{end}} call 18005551234`, "New York call 18005551234", "New York call 18005551234"},
		{`<script>var x = {{if true}}1{{end}};</script><a title="{{range .enrollment.tags}}{{.}}{{end}}">`, "", `<script>var x = 1;</script><a title="ab&lt;">`},
	}
	for _, c := range cases {
		tpl := &enroll.NotificationTemplate{Name: "n", Status: enroll.StatusApproved, Subject: "s", Text: c.src, HTML: c.src}
		tpl.Prepare()
		msg, err := tpl.Render(d)
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		if c.text != "" && msg.Text != c.text {
			t.Errorf("%q: text = %q, want %q", c.src, msg.Text, c.text)
		}
		if msg.HTML != c.html {
			t.Errorf("%q: html = %q, want %q", c.src, msg.HTML, c.html)
		}
	}
}
