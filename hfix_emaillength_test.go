package enroll_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// longEmails are addresses too long for mail relays (RFC 5321 allows 254
// bytes) that were refused with a bare "must be an email address": over
// 256 bytes yet at most 256 characters (so the API's maxLength lets them
// through to this check), or 255 and 256 bytes. Each is refused saying
// why: a non-ASCII one needs SMTPUTF8 whatever its length, and an ASCII
// one is too long.
var longEmails = []struct{ email, says string }{
	{strings.Repeat("é", 130) + "@example.com", "ASCII local part"},
	{"ops@" + strings.Repeat("é", 130) + ".com", "xn--"},
	{strings.Repeat("a", 243) + "@example.com", "at most 254 characters"},
	{strings.Repeat("a", 244) + "@example.com", "at most 254 characters"},
	{strings.Repeat("a", 300) + "@example.com", "at most 254 characters"},
}

// TestLongEmailSaysWhy checks each long address as a participant's new
// email (every check of one) and as an administrator's address.
func TestLongEmailSaysWhy(t *testing.T) {
	t.Parallel()
	for _, c := range longEmails {
		t.Run(fmt.Sprintf("%d bytes, %s", len(c.email), c.says), func(t *testing.T) {
			t.Parallel()
			checkNewEmail(t, c.email, c.says)
			s := enroll.DefaultNotificationSettings("i1")
			s.AdminEmails = []string{c.email}
			var de *enroll.Error
			if err := s.Validate(); !errors.As(err, &de) || len(de.Fields) != 1 ||
				de.Fields[0].Location != "body.adminEmails[0]" || !strings.Contains(de.Fields[0].Message, c.says) {
				t.Errorf("admin email of %d bytes: %v, want a field error saying %q", len(c.email), err, c.says)
			}
		})
	}
	// What the length alone could not make clear stays as it was: not an
	// address at all, however long.
	checkNewEmail(t, strings.Repeat("é", 130)+" not an address", "must be an email address")
}
