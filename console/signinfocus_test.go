package console

import (
	"net/http"
	"net/url"
	"testing"
)

// TestSignInFocusesSecret checks that the sign-in page puts the focus on
// its one field, the API key, also after an "Invalid API key": the
// person had to click it before typing again.
func TestSignInFocusesSecret(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client()
	page := c.get(Prefix + "/signin").status(http.StatusOK)
	page.contains(`name="secret" type="password" required autofocus`)
	c.post(Prefix+"/signin", url.Values{"csrf": {page.field("csrf")}, "secret": {"sk_wrong"}, "next": {Prefix + "/"}}).
		contains("signin-error", `name="secret" type="password" required autofocus`)
}
