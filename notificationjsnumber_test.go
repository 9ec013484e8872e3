package enroll_test

import (
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestNotificationNumberInScriptContext renders an enrollment's number in
// a JavaScript context of an HTML part (an event handler attribute), where
// html/template writes a value as JSON: a number stays a number, as it did
// when templates saw a float64. A templateNumber, a fmt.Stringer, was
// written as the JSON string of its String ("1234567"), so f(1234567)
// became f("1234567").
func TestNotificationNumberInScriptContext(t *testing.T) {
	t.Parallel()
	tpl := &enroll.NotificationTemplate{Name: "n", Status: enroll.StatusApproved, Subject: "s", Text: "t",
		HTML: `<a href="#" onclick="track({{.enrollment.metadata.n}})">go</a>`}
	d := enroll.SampleNotificationData()
	d.Enrollment.Metadata = map[string]any{"n": 1234567.0}
	msg, err := tpl.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.HTML, "track( 1234567 )") && !strings.Contains(msg.HTML, "track(1234567)") {
		t.Errorf("html = %q; want the number as a JavaScript number, track( 1234567 )", msg.HTML)
	}
}
