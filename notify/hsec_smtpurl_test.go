package notify_test

import (
	"strings"
	"testing"

	"github.com/enrollhq/enroll/notify"
)

// TestSMTPURLErrorHidesPassword checks that a --smtp-url that does not
// parse is refused without its password in the error, which serve prints
// to the terminal and the service's log (docs/security.md: secrets are
// never logged).
func TestSMTPURLErrorHidesPassword(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"smtp://mailer:S3cretPw%zz@mail.example.com:587", // a bad escape in the password
		"smtp://mailer:S3cretPw@mail.example.com:58x7",   // a port url.Parse refuses
		"smtps://mailer:S3cretPw@mail.example.com\x7f",   // a control character
	} {
		err := notify.Config{SMTPURL: u, From: "noreply@example.com"}.Check()
		if err == nil {
			t.Errorf("%q: accepted", u)
			continue
		}
		if strings.Contains(err.Error(), "S3cretPw") {
			t.Errorf("%q: the error shows the password: %v", u, err)
		}
		if !strings.Contains(err.Error(), "--smtp-url") {
			t.Errorf("%q: the error does not name --smtp-url: %v", u, err)
		}
	}
}
