package console

import (
	"bytes"
	"database/sql"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/seal"
)

// TestWebhookSecretUnopened: an endpoint whose sealed signing secret does
// not open (another endpoint's value copied to its row) is listed and its
// page shows, saying why it cannot sign; editing, disabling and enabling
// it keep its stored secret; a rotation gives it a new one, shown once;
// the delete form works on another such endpoint.
func TestWebhookSecretUnopened(t *testing.T) {
	t.Parallel()
	sealer, err := seal.New(bytes.Repeat([]byte{4}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureOn(t, false, sealer)
	good := f.endpoint("https://receiver.example/good")
	broken := f.endpoint("https://receiver.example/broken")
	doomed := f.endpoint("https://receiver.example/doomed")
	db, err := sql.Open("sqlite", "file:"+f.dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rawSecrets := func(id string) string {
		var v string
		if err := db.QueryRow(`SELECT secrets FROM webhook_endpoints WHERE id = ?`, id).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, id := range []string{broken.ID, doomed.ID} {
		if _, err := db.Exec(`UPDATE webhook_endpoints SET secrets = ? WHERE id = ?`, rawSecrets(good.ID), id); err != nil {
			t.Fatal(err)
		}
	}
	stored := rawSecrets(broken.ID)
	const why = "The signing secret cannot be opened: it was altered or damaged. Deliveries are not sent until the secret is rotated."

	c := f.signedIn(f.secret)
	c.get(Prefix+"/webhooks").status(http.StatusOK).contains(broken.URL, `data-secret-error`)
	path := endpointPath(broken.ID)
	page := c.get(path).status(http.StatusOK).contains(`<p class="problem" role="alert" data-secret-error>`+why+`</p>`, "Replace secret")
	csrf := page.field("csrf")
	c.get(endpointPath(good.ID)).status(http.StatusOK).lacks(`data-secret-error`, "Replace secret")

	c.post(path, url.Values{"csrf": {csrf}, "description": {"Still here"}}).status(http.StatusOK).contains("Endpoint saved.", "Still here", why)
	c.post(path+"/enabled", url.Values{"csrf": {csrf}, "enabled": {"false"}}).status(http.StatusOK).contains("Endpoint disabled.")
	c.post(path+"/enabled", url.Values{"csrf": {csrf}, "enabled": {"true"}}).status(http.StatusOK).contains("Endpoint enabled.")
	if got := rawSecrets(broken.ID); got != stored {
		t.Fatalf("the console's changes stored the secrets as %s, were %s", got, stored)
	}

	rotated := c.post(path+"/rotate", url.Values{"csrf": {csrf}}).status(http.StatusOK).
		contains("Signing secret rotated.", "New signing secret").lacks(why, "keeps signing alongside the new one")
	secret := secretOnPage(rotated.Body)
	if ep := f.findEndpoint(broken.ID); secret == "" || ep.SecretError != "" || !slices.Equal(ep.SigningSecrets(time.Now()), []string{secret}) {
		t.Fatalf("after the rotation: shown %q, secretError %q", secret, ep.SecretError)
	}
	c.get(path).status(http.StatusOK).lacks(`data-secret-error`, secret)

	doomedPath := endpointPath(doomed.ID)
	c.get(doomedPath).status(http.StatusOK).contains(why)
	c.post(doomedPath+"/delete", url.Values{"csrf": {csrf}}).status(http.StatusUnprocessableEntity).contains("Tick the box", why)
	c.post(doomedPath+"/delete", url.Values{"csrf": {csrf}, "confirm": {"yes"}}).status(http.StatusOK).
		contains("Endpoint https://receiver.example/doomed deleted, with its deliveries.")
	if _, err := f.store.FindWebhookEndpoint(f.ctx, f.wsID, doomed.ID); enroll.ErrorCode(err) != enroll.ENOTFOUND {
		t.Fatalf("deleted endpoint: %v", err)
	}
}
