package notify_test

import (
	"strings"
	"testing"

	"github.com/enrollhq/enroll/notify"
)

// TestPublicURLErrorHidesPassword checks that a --public-url refused for
// the credentials it carries (or for not parsing) is refused without its
// password in the error, which serve prints to the terminal and the
// service's log.
func TestPublicURLErrorHidesPassword(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"https://admin:S3cretPw@enroll.example.com",
		"https://admin:S3cretPw@enroll.example.com:99999",
		"https://admin:S3cretPw%zz@enroll.example.com",
	} {
		err := notify.CheckPublicURL(u)
		if err == nil {
			t.Errorf("%q: accepted", u)
			continue
		}
		if strings.Contains(err.Error(), "S3cretPw") {
			t.Errorf("%q: the error shows the password: %v", u, err)
		}
		if !strings.Contains(err.Error(), "--public-url") {
			t.Errorf("%q: the error does not name --public-url: %v", u, err)
		}
	}
}
