package enroll_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

func TestNotificationTemplateValidate(t *testing.T) {
	t.Parallel()
	ok := []string{
		"{{.enrollment.firstName}} {{.enrollment.address.city}} {{.enrollment.metadata.anything}}",
		"{{with .enrollment.address}}{{.city}}{{end}}",
		"{{range .enrollment.tags}}{{.}}{{end}} {{$.program.name}}",
		"{{if eq .status \"approved\"}}yes{{else}}{{.reason}}{{end}} {{.link}} {{.previousStatus}} {{.instance.slug}}",
		"{{define \"x\"}}{{.whatever}}{{end}}plain",
		"{{with $a := .enrollment.address}}{{$a.city}}{{end}}",
		// An assignment in a branch leaves the variable unknown after it.
		"{{$x := .enrollment.address}}{{if .status}}{{$x = .program}}{{end}}{{$x.name}}",
	}
	for _, src := range ok {
		tpl := &enroll.NotificationTemplate{Name: "n", Status: enroll.StatusApproved, Subject: "s", Text: src, HTML: src}
		tpl.Prepare()
		if err := tpl.Validate(); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
	bad := map[string]string{
		"{{.enrollment.shoeSize}}":                   "unknown placeholder .enrollment.shoeSize",
		"{{.customer}}":                              "unknown placeholder .customer",
		"{{with .enrollment}}{{.nope}}{{end}}":       "unknown placeholder .enrollment.nope",
		"{{.enrollment.firstName.x}}":                "unknown placeholder .enrollment.firstName.x",
		"{{if .status}}":                             "unexpected EOF",
		"{{template \"missing\"}}":                   "not defined",
		"{{$.enrollment.address.planet}}":            "unknown placeholder .enrollment.address.planet",
		"{{$a := .enrollment.address}}{{$a.planet}}": "unknown placeholder .enrollment.address.planet",
	}
	// No change of status leads to candidate: a template for it would
	// never be sent.
	cand := &enroll.NotificationTemplate{Name: "n", Status: enroll.StatusCandidate, Subject: "s", Text: "t"}
	cand.Prepare()
	if err := cand.Validate(); enroll.ErrorCode(err) != enroll.EINVALID || err.(*enroll.Error).Fields[0].Location != "body.status" {
		t.Errorf("a template for candidate: %v", err)
	}
	for src, want := range bad {
		tpl := &enroll.NotificationTemplate{Name: "n", Status: enroll.StatusApproved, Subject: "s", Text: src}
		tpl.Prepare()
		err := tpl.Validate()
		var de *enroll.Error
		if !errors.As(err, &de) || de.Code != enroll.EINVALID || de.Fields[0].Location != "body.text" || !strings.Contains(de.Fields[0].Message, want) {
			t.Errorf("%q: %v, want body.text: …%s…", src, err, want)
		}
	}
}

func TestNotificationRender(t *testing.T) {
	t.Parallel()
	tpl := &enroll.NotificationTemplate{Name: "n", Status: enroll.StatusApproved,
		Subject: "Hi {{.enrollment.firstName}}\r\nBcc: evil@example.com", Text: "{{.enrollment.firstName}} {{.enrollment.serialNumber}}|",
		HTML: `<a href="{{.enrollment.metadata.site}}">{{.enrollment.firstName}}</a>`}
	d := enroll.SampleNotificationData()
	d.Enrollment.FirstName = "<b>Eve</b>"
	d.Enrollment.Metadata = map[string]any{"site": "javascript:alert(1)"}
	msg, err := tpl.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Subject != "Hi <b>Eve</b> Bcc: evil@example.com" {
		t.Errorf("subject = %q: must stay on one line", msg.Subject)
	}
	if msg.Text != "<b>Eve</b> |" {
		t.Errorf("text = %q: absent members render empty", msg.Text)
	}
	if msg.HTML != `<a href="#ZgotmplZ">&lt;b&gt;Eve&lt;/b&gt;</a>` {
		t.Errorf("html = %q", msg.HTML)
	}
}

func TestNotificationOutcome(t *testing.T) {
	t.Parallel()
	now := time.Now()
	n := &enroll.Notification{Status: enroll.NotificationPending, CreatedAt: now}
	zero := func() float64 { return 0 }
	if o := enroll.DecideNotificationOutcome(n, enroll.NotificationAttempt{At: now}, zero); o.Status != enroll.NotificationSent {
		t.Errorf("accepted: %+v", o)
	}
	o := enroll.DecideNotificationOutcome(n, enroll.NotificationAttempt{At: now, Error: "SMTP 451"}, zero)
	if o.Status != enroll.NotificationPending || o.NextAttemptAt == nil || o.NextAttemptAt.Sub(now) != 750*time.Millisecond {
		t.Errorf("refused for now: %+v", o)
	}
	if o := enroll.DecideNotificationOutcome(n, enroll.NotificationAttempt{At: now, Error: "SMTP 550", Permanent: true}, zero); o.Status != enroll.NotificationFailed || o.Reason != "SMTP 550" {
		t.Errorf("refused for good: %+v", o)
	}
	late := now.Add(enroll.NotificationRetryWindow)
	if o := enroll.DecideNotificationOutcome(n, enroll.NotificationAttempt{At: late, Error: "timed out"}, zero); o.Status != enroll.NotificationFailed {
		t.Errorf("after the window: %+v", o)
	}
	n.Apply(enroll.DecideNotificationOutcome(n, enroll.NotificationAttempt{At: now}, zero), now)
	if n.Status != enroll.NotificationSent || n.SentAt == nil || n.AttemptCount != 1 {
		t.Errorf("applied: %+v", n)
	}
}

// TestNotificationSettingsLink checks the link URL of the settings: a
// placeholder for the enrollment id, and the host and port checked as a
// webhook endpoint's are, whatever else is wrong with the settings.
func TestNotificationSettingsLink(t *testing.T) {
	t.Parallel()
	for link, ok := range map[string]bool{
		"https://portal.example/enrollments/{enrollmentId}":    true,
		"https://portal.example/e/{enrollmentId}?a=%20b&c=é":   true,
		"https://portal.example:99999/{enrollmentId}":          false,
		"https://:443/{enrollmentId}":                          false,
		"ftp://portal.example/":                                false,
		"https://portal.example/my enrollments/{enrollmentId}": false,
		"https://portal.example/e/{enrollmentId}?q=\"x\"":      false,
		"https://portal.example/e/<{enrollmentId}>":            false,
		"https://portal.example/e/{enrollmentId}/{other}":      false,
		"https://portal.example/e/{enrollmentId}|x":            false,
		"https://portal.example/e/{enrollmentId}\tx":           false,
		"https://portal.example/e/{enrollmentId}?q=a\\b":       false,
	} {
		s := enroll.DefaultNotificationSettings("i1")
		s.LinkURL, s.AdminEmails = link, []string{"not an address"}
		err := s.Validate()
		var de *enroll.Error
		if !errors.As(err, &de) {
			t.Fatalf("%s: %v", link, err)
		}
		linkRefused := slices.ContainsFunc(de.Fields, func(f enroll.FieldError) bool { return f.Location == "body.linkUrl" })
		if linkRefused == ok {
			t.Errorf("%s: refused %v, want %v (%+v)", link, linkRefused, !ok, de.Fields)
		}
	}
}

// TestNotificationSettingsAdminEmails: an address is listed once, case
// ignored as for customers' emails, so that one mailbox never gets two
// copies of a message: refused at the repeat, saying why when only the
// case differs.
func TestNotificationSettingsAdminEmails(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		emails []string
		msg    string // at body.adminEmails[1]; "" when accepted
	}{
		{[]string{"review@example.com", "ops@example.com"}, ""},
		{[]string{"a@b.com", "a@b.com"}, "is listed twice"},
		{[]string{"review@example.com", "Review@Example.com"}, "is listed twice: review@example.com differs only in case, and case is ignored"},
		{[]string{"review@example.com", "review@EXAMPLE.COM"}, "is listed twice: review@example.com differs only in case, and case is ignored"},
		{[]string{"review@example.com", "ops@sub.example-1.co.uk"}, ""},
		{[]string{"review@example.com", "a@b"}, "must have a domain with a dot after the @ (such as example.com): mail relays refuse a bare host name"},
		{[]string{"review@example.com", "ops@localhost"}, "must have a domain with a dot after the @ (such as example.com): mail relays refuse a bare host name"},
		{[]string{"review@example.com", "ops@[127.0.0.1]"}, "must have a domain name after the @, not an IP address, which mail relays commonly refuse"},
		{[]string{"review@example.com", "ops@192.0.2.1"}, "must have a domain name after the @, not an IP address, which mail relays commonly refuse"},
		{[]string{"review@example.com", "josé@example.com"}, "must have an ASCII local part (before the @): mail relays without SMTPUTF8 refuse others"},
		{[]string{"review@example.com", "ops@例え.jp"}, "must have an ASCII domain: write an international domain in its xn-- form"},
		{[]string{"review@example.com", "ops@ex_ample.com"}, "must have a domain of letters, digits and hyphens, in labels separated by dots (such as example.com)"},
		{[]string{"review@example.com", "ops@-example.com"}, "must have a domain of letters, digits and hyphens, in labels separated by dots (such as example.com)"},
		{[]string{"review@example.com", "not an address"}, "must be an email address"},
	} {
		s := enroll.DefaultNotificationSettings("i1")
		s.AdminEmails = tc.emails
		err := s.Validate()
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%v: %v", tc.emails, err)
			}
			continue
		}
		var de *enroll.Error
		if !errors.As(err, &de) || len(de.Fields) != 1 || de.Fields[0].Location != "body.adminEmails[1]" ||
			de.Fields[0].Message != tc.msg || de.Fields[0].Value != tc.emails[1] {
			t.Errorf("%v: %#v, want %q at body.adminEmails[1]", tc.emails, err, tc.msg)
		}
	}
	// Settings saved before case was ignored stay savable as read, and
	// only as read.
	old := enroll.DefaultNotificationSettings("i1")
	old.AdminEmails = []string{"review@example.com", "Review@Example.com"}
	for _, tc := range []struct {
		emails []string
		ok     bool
	}{
		{[]string{"review@example.com", "Review@Example.com"}, true},
		{[]string{"review@example.com", "Review@Example.com", "ops@example.com"}, false},
		{[]string{"Review@Example.com", "review@example.com"}, false},
	} {
		s := enroll.DefaultNotificationSettings("i1")
		s.AdminEmails = tc.emails
		if err := s.ValidateChange(old); (err == nil) != tc.ok {
			t.Errorf("ValidateChange(%v) over %v = %v, want ok %v", tc.emails, old.AdminEmails, err, tc.ok)
		}
	}
	// So do addresses and a link saved before the stricter checks, each
	// as it was saved: added anew, they are refused.
	old = enroll.DefaultNotificationSettings("i1")
	old.AdminEmails, old.LinkURL = []string{"ops@localhost"}, "https://portal.example/my enrollments/{enrollmentId}"
	for _, tc := range []struct {
		emails []string
		link   string
		ok     bool
	}{
		{[]string{"ops@localhost"}, old.LinkURL, true},
		{[]string{"review@example.com", "ops@localhost"}, "", true},
		{[]string{"ops@localhost", "a@b"}, "", false},
		{[]string{"ops@localhost"}, "https://portal.example/your enrollments/{enrollmentId}", false},
	} {
		s := enroll.DefaultNotificationSettings("i1")
		s.AdminEmails, s.LinkURL = tc.emails, tc.link
		if err := s.ValidateChange(old); (err == nil) != tc.ok {
			t.Errorf("ValidateChange(%v, %q) over %v, %q = %v, want ok %v", tc.emails, tc.link, old.AdminEmails, old.LinkURL, err, tc.ok)
		}
	}
}

// TestNotificationWithheldFrom checks what a key that may not read hidden
// parameter values sees of a notification: its rendered texts and a
// failed render's error are withheld when the instance declares hidden
// parameters or is gone, and shown whole otherwise.
func TestNotificationWithheldFrom(t *testing.T) {
	t.Parallel()
	plain := &enroll.ProgramInstance{Parameters: []enroll.Parameter{{ExternalID: "vis"}}}
	hiding := &enroll.ProgramInstance{Parameters: []enroll.Parameter{{ExternalID: "vis"},
		{ExternalID: "ssn", Constraints: enroll.ParameterConstraints{Hidden: true}}}}
	rendered := enroll.RenderedMessage{Subject: "s 999-99", Text: "ssn=999-99", HTML: "<p>999-99</p>"}
	for _, tc := range []struct {
		name     string
		inst     *enroll.ProgramInstance
		reason   string
		withheld bool
		want     string
	}{
		{"no hidden parameter", plain, "The template failed to render: range can't iterate over 999-99", false,
			"The template failed to render: range can't iterate over 999-99"},
		{"hidden parameter", hiding, "The template failed to render: range can't iterate over 999-99", true, enroll.WithheldRenderFailure},
		{"instance deleted", nil, "The template failed to render: range can't iterate over 999-99", true, enroll.WithheldRenderFailure},
		{"other reason kept", hiding, "SMTP 550 no such user", true, "SMTP 550 no such user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := &enroll.Notification{ID: "ntf_1", Status: enroll.NotificationFailed, Reason: tc.reason, RenderedMessage: rendered}
			got := n.WithheldFrom(tc.inst)
			b, err := got.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			leaks := strings.Contains(string(b), "999-99")
			if got.Reason != tc.want || leaks == tc.withheld || n.Text != rendered.Text {
				t.Errorf("WithheldFrom = %s (the original now %+v)", b, n)
			}
			if tc.withheld && !strings.Contains(string(b), `"subject":null,"text":null,"html":null`) {
				t.Errorf("withheld texts not null: %s", b)
			}
		})
	}
}

// TestNotificationRenderMissing: what an enrollment lacks renders empty,
// named as a member or through index, and so does a null, rather than as
// "<no value>"; index otherwise works as the built-in one.
func TestNotificationRenderMissing(t *testing.T) {
	t.Parallel()
	d := enroll.SampleNotificationData()
	d.Enrollment.Metadata = map[string]any{"site": "s", "null": nil, "list": []any{"a", nil}, "obj": map[string]any{"k": "v", "null": nil}}
	for _, tc := range []struct{ src, want string }{
		{`[{{index .enrollment.metadata "missing"}}]`, "[]"},
		{`[{{.enrollment.metadata.missing}}]`, "[]"},
		{`[{{index .enrollment.metadata "missing" "deeper"}}]`, "[]"},
		{`[{{index .enrollment.metadata "null"}}|{{.enrollment.metadata.null}}]`, "[|]"},
		{`[{{index .enrollment.metadata "obj" "null"}}|{{.enrollment.metadata.obj.null}}|{{index .enrollment.metadata "obj" "missing"}}]`, "[||]"},
		{`[{{index .enrollment.metadata.list 1}}|{{range .enrollment.metadata.list}}{{.}},{{end}}]`, "[|a,,]"},
		{`[{{if index .enrollment.metadata "missing"}}set{{else}}unset{{end}}]`, "[unset]"},
		{`[{{eq (index .enrollment.metadata "missing") ""}}]`, "[true]"},
		{`[{{printf "%v" (index .enrollment.metadata "missing")}}]`, "[]"},
		{`[{{index .enrollment.metadata "site"}}|{{index .enrollment.metadata "obj" "k"}}|{{index .enrollment.metadata.list 0}}]`, "[s|v|a]"},
		{`[{{index .enrollment.firstName 0}}]`, "[83]"},
		{`[{{$m := .enrollment.metadata}}{{index $m "missing"}}]`, "[]"},
	} {
		expectRender(t, d, tc.src, tc.want)
	}
	for src, want := range map[string]string{
		`{{index .enrollment.metadata.list 5}}`: "index out of range: 5",
		`{{index .enrollment.metadata 1}}`:      "value has type int; should be string",
		`{{index .enrollment.metadata.site 9}}`: "index out of range: 9",
	} {
		tpl := &enroll.NotificationTemplate{Name: "n", Status: enroll.StatusApproved, Subject: "s", Text: src}
		if _, err := tpl.Render(d); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", src, err, want)
		}
	}
}

// TestNotificationRenderListItems: a member an item of a list lacks
// renders empty wherever the item is reached (range, a range's variable,
// index, with), as the enrollment's own absent members do: a device
// without a serial number, a parameter without a value or an error, a
// rule passed without a message, a device attribute or a metadata list
// the enrollment lacks.
func TestNotificationRenderListItems(t *testing.T) {
	t.Parallel()
	d := enroll.SampleNotificationData()
	d.Enrollment.Devices = []enroll.Device{{ID: "d1", SerialNumber: "SN1", Attributes: map[string]any{"brand": "Acme"}}, {ID: "d2", Type: "thermostat"}}
	d.Enrollment.Parameters = []enroll.ParameterValue{{ExternalID: "p1", Value: "v1"},
		{ExternalID: "p2", Error: &enroll.ParameterError{ID: "required", Message: "is required"}}}
	d.Enrollment.Evaluation = &enroll.Evaluation{Trace: []enroll.RuleResult{{Name: "r1", Outcome: "passed"}, {Name: "r2", Outcome: "failed", Message: "no"}}}
	d.Enrollment.Metadata = map[string]any{"items": []any{map[string]any{"name": "a"}, map[string]any{}}}
	for _, tc := range []struct {
		src, want string
		// sampleFails: the sample has no second device to index.
		sampleFails bool
	}{
		{`[{{range .enrollment.devices}}{{.id}}:{{.serialNumber}}:{{.type}}:{{.installDate}},{{end}}]`, "[d1:SN1::,d2::thermostat:,]", false},
		{`[{{range .enrollment.devices}}{{.attributes.brand}},{{end}}]`, "[Acme,,]", false},
		{`[{{range .enrollment.devices}}{{with .attributes}}{{.brand}}{{end}},{{end}}]`, "[Acme,,]", false},
		{`[{{range $i, $d := .enrollment.devices}}{{$i}}{{$d.serialNumber}}{{$d.attributes.brand}},{{end}}]`, "[0SN1Acme,1,]", false},
		{`[{{(index .enrollment.devices 1).serialNumber}}]`, "[]", true},
		{`[{{range .enrollment.parameters}}{{.externalId}}={{.value}}({{.error.message}}),{{end}}]`, "[p1=v1(),p2=(is required),]", false},
		{`[{{range .enrollment.evaluation.trace}}{{.name}}:{{.message}},{{end}}]`, "[r1:,r2:no,]", false},
		{`[{{range .enrollment.metadata.items}}{{.name}},{{end}}]`, "[a,,]", false},
		{`[{{range .enrollment.metadata.missing}}{{.name}},{{end}}]`, "[]", false},
		{`[{{range .enrollment.devices}}{{range $.enrollment.tags}}{{.}}{{end}}{{$.enrollment.firstName}},{{end}}]`, "[Suzie,Suzie,]", false},
	} {
		tpl := &enroll.NotificationTemplate{Name: "n", Status: enroll.StatusApproved, Subject: "s", Text: tc.src, HTML: tc.src}
		tpl.Prepare()
		if err := tpl.Validate(); (err != nil) != tc.sampleFails {
			t.Errorf("%s: saved: %v", tc.src, err)
		}
		expectRender(t, d, tc.src, tc.want)
	}
	// A member no item has is refused when saved, as elsewhere, rather
	// than failing on the first real enrollment with a device.
	for src, want := range map[string]string{
		`{{range .enrollment.devices}}{{.shoeSize}}{{end}}`:              "unknown placeholder .shoeSize in {{range .enrollment.devices}}",
		`{{range $d := .enrollment.parameters}}{{$d.error.code}}{{end}}`: "unknown placeholder .error.code in {{range .enrollment.parameters}}",
		`{{range .enrollment.evaluation.trace}}{{.rule}}{{end}}`:         "unknown placeholder .rule in {{range .enrollment.evaluation.trace}}",
		`{{range .enrollment.devices}}{{$.enrollment.shoeSize}}{{end}}`:  "unknown placeholder .enrollment.shoeSize",
		`{{range .enrollment.shoeSizes}}{{.}}{{end}}`:                    "unknown placeholder .enrollment.shoeSizes",
	} {
		tpl := &enroll.NotificationTemplate{Name: "n", Status: enroll.StatusApproved, Subject: "s", Text: src}
		tpl.Prepare()
		err := tpl.Validate()
		var de *enroll.Error
		if !errors.As(err, &de) || len(de.Fields) == 0 || de.Fields[0].Message != want {
			t.Errorf("%s: %v, want body.text: %s", src, err, want)
		}
	}
}

// expectRender renders src as a template's text and HTML on d, and
// reports an error, or a part that is not want.
func expectRender(t *testing.T, d enroll.NotificationData, src, want string) {
	t.Helper()
	tpl := &enroll.NotificationTemplate{Name: "n", Status: enroll.StatusApproved, Subject: "s", Text: src, HTML: src}
	msg, err := tpl.Render(d)
	if err != nil {
		t.Errorf("%s: %v", src, err)
		return
	}
	if msg.Text != want || msg.HTML != want {
		t.Errorf("%s: text %q, html %q, want %q", src, msg.Text, msg.HTML, want)
	}
}
