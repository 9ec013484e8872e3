package enroll_test

import (
	"testing"

	"github.com/enrollhq/enroll"
)

// BenchmarkNotificationRender renders a template of ordinary size, text
// and HTML, as a notification is rendered when queued.
func BenchmarkNotificationRender(b *testing.B) {
	tpl := &enroll.NotificationTemplate{Name: "n", Status: enroll.StatusApproved,
		Subject: "Welcome to {{.program.name}}, {{.enrollment.firstName}}",
		Text:    "Hello {{.enrollment.firstName}} {{.enrollment.lastName}},\n{{if .reason}}{{.reason}}{{end}}\n{{range .enrollment.tags}}- {{.}}\n{{end}}{{printf \"%s\" .link}}",
		HTML:    `<p>Hello {{.enrollment.firstName}}</p>{{if .reason}}<p>{{.reason}}</p>{{end}}<ul>{{range .enrollment.tags}}<li>{{.}}</li>{{end}}</ul><a href="{{.link}}">Open</a>`}
	tpl.Prepare()
	d := enroll.SampleNotificationData()
	d.Enrollment.Tags = []string{"solar", "battery", "ny"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Render(d); err != nil {
			b.Fatal(err)
		}
	}
}
