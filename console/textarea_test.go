package console

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/enrollhq/enroll"
)

// textareaValue returns what a browser puts in the textarea id of page:
// HTML drops one newline right after <textarea>, so a value's own leading
// newline survives only behind one the template writes first.
func textareaValue(t *testing.T, page, id string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var find func(*html.Node) (string, bool)
	find = func(n *html.Node) (string, bool) {
		if n.Type == html.ElementNode && n.Data == "textarea" {
			for _, a := range n.Attr {
				if a.Key == "id" && a.Val == id {
					var b strings.Builder
					for c := n.FirstChild; c != nil; c = c.NextSibling {
						b.WriteString(c.Data)
					}
					return b.String(), true
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if v, ok := find(c); ok {
				return v, true
			}
		}
		return "", false
	}
	v, ok := find(doc)
	if !ok {
		t.Fatalf("no textarea #%s", id)
	}
	return v
}

// TestTextareaKeepsLeadingNewline: text that begins with a newline shows
// in its textarea as stored. Before, the browser dropped it: notes showed
// without their first blank line, and a rule whose expression began with a
// line break, saved unchanged, came back changed, a new rules version.
func TestTextareaKeepsLeadingNewline(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	e := f.enroll(f.inst, "Lea", "Newline", false)
	const notes = "\nIndented after a blank line."
	if _, err := f.store.UpdateEnrollment(f.ctx, f.actor(), e.ID, func(e *enroll.Enrollment) error {
		e.Notes = notes
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if shown := textareaValue(t, c.get(Prefix+"/enrollments/"+e.ID).status(http.StatusOK).Body, "notes-text"); shown != notes {
		t.Errorf("the notes show as %q, want %q", shown, notes)
	}

	const expression = "\ntrue"
	in, err := f.store.UpdateInstance(f.ctx, f.actor(), f.inst.ID, func(in *enroll.ProgramInstance) error {
		in.EligibilityRules = []enroll.Rule{{Name: "wrapped", Expression: expression, Reason: "r"}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	page := c.get(instancePath(f.inst.ID)).status(http.StatusOK)
	shown := textareaValue(t, page.Body, "rule-0-expression")
	if shown != expression {
		t.Errorf("the expression shows as %q, want %q", shown, expression)
	}
	c.post(instancePath(f.inst.ID)+"/rules", rulesFormValues(page, "save", [3]string{"wrapped", shown, "r"})).status(http.StatusOK)
	if got := f.findInstance(f.inst.ID); got.RulesVersion != in.RulesVersion || got.EligibilityRules[0].Expression != expression {
		t.Errorf("saved unchanged: version %d (was %d), expression %q", got.RulesVersion, in.RulesVersion, got.EligibilityRules[0].Expression)
	}
}
